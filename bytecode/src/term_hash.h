// File: term_hash.h (private)
// closureHash: the 128-bit hash of the term a closure denotes, computed by a
// symbolic pass over its straight-line code: every instruction that pushes a value
// pushes that value's hash instead (captured values are substituted, literals hash
// as themselves), operators hash as unevaluated applications, and bound variables
// hash as de Bruijn indices. So a captured @"a" and a literal @"a" hash alike, and
// alpha-equivalent processes hash alike, as the reference's equality requires.
#pragma once

#include <span>

#include "rho/bytecode/code.h"

namespace rho::bytecode {

Hash128 closureHash(const Code& code, std::span<const Value> captures);

} // namespace rho::bytecode
