// File: fault.h
// Fault: why a process stopped at run time. A small value stored on the machine with
// the faulting pc (the run loop never builds a string); describe() formats it once,
// with the reference's wording (RHOLANG.md section 14).
#pragma once

#include <cstdint>
#include <string>

#include "rho/bytecode/op.h"
#include "rho/bytecode/value.h"

namespace rho::primitives {

enum class FaultCode : uint8_t {
    kNone,
    kDivByZero,           // "/ by zero"
    kOperatorType,        // "Error: Operator `op` is not defined on T."
    kCompareMixed,        // "Unexpected compare: a vs. b"
    kNotBoolean,          // "Error: expression didn't evaluate to boolean."
    kMultipleExpressions, // "Error: Multiple expressions given."
    kNonExpression,       // "Error: parallel or non expression found where expression expected."
    kUnknownUrn,          // "No value set for `urn`. ..."
    kNotReadable,         // "Trying to read from non-readable channel."
    kNotWritable,         // "Trying to send on non-writeable channel."
    kUnsupported,         // an instruction the runtime does not execute yet (op)
    kMessage,             // a message built by the handler (a: the String), e.g. method errors
    kInterpolationKey,    // "Error: interpolation Map should only contain String keys"
    kInterpolationValue,  // "Error: interpolation doesn't support T" (a)
    kUnknownMethod,       // "Unimplemented method: m" (a: the method name, filled in by the reporter)
    kMemoryLimit,         // "the memory limit of a bytes would be exceeded by a value of b bytes"
};

struct Fault {
    FaultCode code = FaultCode::kNone;
    bytecode::Op op = bytecode::Op::HALT;
    bytecode::Value a; // the offending operand(s) or URN
    bytecode::Value b;
    [[nodiscard]] bool ok() const { return code == FaultCode::kNone; }
};

// The message a user reads for [fault], without position or "error:" prefix (the
// reporter adds `file:line:col: error: `): the wording of the code's comment above,
// with op, a and b filled in as the reference prints them (RHOLANG.md 14). Never
// fails: an unknown code gives "unknown error". Pure; any thread.
std::string describe(const Fault& fault);

} // namespace rho::primitives
