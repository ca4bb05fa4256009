// File: term_bytes.h (private)
// toByteArray (RHOLANG.md 7): a value serialized as the reference serializes the
// normalized term, the protobuf encoding of its Par (proto/rho_types.proto holds the
// reference's message shapes and field numbers), processes included: the term is
// rebuilt from the value (bytecode/normal_term.h) with its locally free variables
// and connective flags, as the reference's normalizer sets them.
#pragma once

#include <string>

#include "rho/bytecode/value.h"

namespace rho::primitives {

// The bytes of [v].
std::string termBytes(const bytecode::Value& v);

} // namespace rho::primitives
