// File: term_bytes.h (private)
// toByteArray (RHOLANG.md 7): a value serialized as the reference serializes the
// normalized term, the protobuf encoding of its Par (proto/rho_types.proto holds the
// reference's message shapes and field numbers). Values only for now: ground values,
// collections, names and bundles; a quoted process is refused.
#pragma once

#include <optional>
#include <string>

#include "rho/bytecode/value.h"

namespace rho::primitives {

// The bytes of [v], or nullopt when [v] holds a process (not encoded yet).
std::optional<std::string> termBytes(const bytecode::Value& v);

} // namespace rho::primitives
