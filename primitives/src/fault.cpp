// File: fault.cpp
// Fault messages, worded as the reference words them (RHOLANG.md section 14).

#include "rho/primitives/fault.h"

namespace rho::primitives {

namespace {

// The reference names negation by word, every other operator by its symbol.
const char* opText(bytecode::Op op) { return op == bytecode::Op::NEG ? "Negation" : bytecode::operatorSymbol(op); }

} // namespace

std::string describe(const Fault& f) {
    switch (f.code) {
    case FaultCode::kNone: return "no error";
    case FaultCode::kDivByZero: return "/ by zero";
    case FaultCode::kOperatorType:
        return std::string("Error: Operator `") + opText(f.op) + "` is not defined on " +
               bytecode::valueKindName(f.a.kind()) + ".";
    case FaultCode::kCompareMixed: return "Unexpected compare: " + bytecode::print(f.a) + " vs. " + bytecode::print(f.b);
    case FaultCode::kNotBoolean: return "Error: expression didn't evaluate to boolean.";
    case FaultCode::kMultipleExpressions: return "Error: Multiple expressions given.";
    case FaultCode::kNonExpression: return "Error: parallel or non expression found where expression expected.";
    case FaultCode::kUnknownUrn:
        return "No value set for `" + (f.a.kind() == bytecode::ValueKind::kUri ? f.a.asString() : std::string("?")) +
               "`: unknown system process URN";
    case FaultCode::kNotReadable: return "Trying to read from non-readable channel.";
    case FaultCode::kNotWritable: return "Trying to send on non-writeable channel.";
    case FaultCode::kMessage: return f.a.kind() == bytecode::ValueKind::kString ? f.a.asString() : "error";
    case FaultCode::kInterpolationKey: return "Error: interpolation Map should only contain String keys";
    case FaultCode::kInterpolationValue:
        return std::string("Error: interpolation doesn't support ") + bytecode::valueKindName(f.a.kind());
    case FaultCode::kUnknownMethod:
        return "Unimplemented method: " + (f.a.kind() == bytecode::ValueKind::kString ? f.a.asString() : std::string("?"));
    case FaultCode::kMemoryLimit:
        return "the memory limit of " + std::to_string(f.a.asInt()) + " bytes (--max-memory) would be exceeded by a " +
               "value of " + std::to_string(f.b.asInt()) + " bytes";
    case FaultCode::kUnsupported:
        return std::string(bytecode::opInfo(f.op).name) + " is not supported yet at run time";
    }
    return "unknown error";
}

} // namespace rho::primitives
