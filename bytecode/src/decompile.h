// File: decompile.h (private)
// Prints a closure back as Rholang source: the symbolic pass of term_hash.cpp with
// text instead of hashes. Used to print processes sent as data (rho:io:stdout) and
// waiting continuations (rhovm inspect). Bound variables print as x<depth>.
#pragma once

#include <string>

#include "rho/bytecode/code.h"

namespace rho::bytecode {

void decompileClosure(const Closure& closure, std::string& out);

} // namespace rho::bytecode
