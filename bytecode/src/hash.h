// File: hash.h (private)
// The hashes value.cpp needs when it builds a value (hash.cpp).
//
// closureHash: the 128-bit hash of the term a closure denotes, computed by walking
// its code symbolically (walk.h): every instruction that pushes a value pushes that
// value's hash instead (captured values are substituted, literals hash as
// themselves), operators hash as unevaluated applications, and bound variables hash
// as de Bruijn indices. So a captured @"a" and a literal @"a" hash alike, and
// alpha-equivalent processes hash alike, as the reference's equality requires.
#pragma once

#include <span>

#include "rho/bytecode/code.h"

namespace rho::bytecode {

Hash128 closureHash(const Code& code, std::span<const Value> captures);
// The order of the terms two closures denote, by their full canonical forms (the
// preimages of their hashes): 0 exactly when they are the same term. For closures
// whose hashes agree but whose code differs (rare: the same term written with a
// captured value and with a literal, or a 128-bit collision).
int compareClosureTerms(const Closure& x, const Closure& y);
// The hash of a set of distinct [items] / a map of distinct keys ([pairs]: k1 v1 k2 v2 ...).
Hash128 uniqueSetHash(std::span<const Value> items);
Hash128 uniqueMapHash(std::span<const Value> pairs);

} // namespace rho::bytecode
