// File: validator.h
// validate(): checks that a Code (not its children, which are validated when they
// are decoded) is well formed: opcodes exist, operands are in range, AUX words are
// present, the operand stack never underflows, capture lists fit, patterns bind
// inside the frame. The machine runs only validated code, so its loop needs no
// bounds checks of its own beyond debug asserts.
#pragma once

#include "absl/status/status.h"
#include "rho/bytecode/code.h"

namespace rho::bytecode {

// Errors: InvalidArgument naming the instruction index and the problem.
absl::Status validate(const Code& code);

} // namespace rho::bytecode
