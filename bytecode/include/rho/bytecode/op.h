// File: op.h
// The instruction encoding and the Op enum generated from opcodes.def.
//
// One instruction is one 32-bit word, sometimes followed by one AUX word:
//
//   31            8 7      0
//  +---------------+--------+
//  |     A (24)    | op (8) |        AUX (32), for formats kSlotCount, kSlotConst and kMultisetValues
//  +---------------+--------+
//
// A is unsigned; its meaning depends on the operand format:
//   kNone       A unused (0)
//   kConst      A = constant index
//   kSlot       A = frame slot
//   kCount      A = a count (list length, send arity)
//   kMultiset   A = multiset index
//   kMultisetValues  A = multiset index, AUX = number of values taken from the stack
//   kSlotCount  A = first slot, AUX = count
//   kSlotConst  A = slot, AUX = constant index
//   kConstCount A = constant index, AUX = a count
//   kPattern    A = index into the sequence's pattern table
// Limits follow from the 24-bit A: 16,777,215 constants, slots or instructions per sequence.
#pragma once

#include <cstdint>

namespace rho::bytecode {

enum class OperandFormat : uint8_t {
    kNone, kConst, kSlot, kCount, kMultiset, kMultisetValues, kSlotCount, kSlotConst, kConstCount, kPattern
};

enum class Op : uint8_t {
#define RHO_OP(name, fmt, effect) name,
#include "rho/bytecode/opcodes.def"
#undef RHO_OP
};

inline constexpr int kVar = 1000; // "stack effect depends on the operand"

inline constexpr uint32_t kOpCount = 0
#define RHO_OP(name, fmt, effect) +1
#include "rho/bytecode/opcodes.def"
#undef RHO_OP
    ;
static_assert(kOpCount <= 256, "opcodes must fit in 8 bits");

inline constexpr uint32_t kMaxOperand = (1u << 24) - 1;

struct OpInfo {
    const char* name;
    OperandFormat format;
    int stackEffect;
};

inline constexpr OpInfo kOpInfo[] = {
#define RHO_OP(name, fmt, effect) {#name, OperandFormat::fmt, effect},
#include "rho/bytecode/opcodes.def"
#undef RHO_OP
};

constexpr const OpInfo& opInfo(Op op) { return kOpInfo[static_cast<uint8_t>(op)]; }
constexpr bool hasAux(OperandFormat f) {
    return f == OperandFormat::kMultisetValues || f == OperandFormat::kSlotCount || f == OperandFormat::kSlotConst ||
           f == OperandFormat::kConstCount;
}

// The Rholang spelling of an operator opcode ("+", "==", "and", ...); the opcode's
// name for anything else.
constexpr const char* operatorSymbol(Op op) {
    switch (op) {
    case Op::NEG: return "-";
    case Op::NOT: return "not";
    case Op::ADD: return "+";
    case Op::SUB: return "-";
    case Op::MUL: return "*";
    case Op::DIV: return "/";
    case Op::MOD: return "%";
    case Op::EQ: return "==";
    case Op::NEQ: return "!=";
    case Op::LT: return "<";
    case Op::LE: return "<=";
    case Op::GT: return ">";
    case Op::GE: return ">=";
    case Op::AND: return "and";
    case Op::OR: return "or";
    case Op::CONCAT: return "++";
    case Op::DIFF: return "--";
    case Op::INTERPOLATE: return "%%";
    case Op::AND_ALSO: return "&&";
    case Op::OR_ELSE: return "||";
    default: return opInfo(op).name;
    }
}

constexpr uint32_t encode(Op op, uint32_t a = 0) { return static_cast<uint32_t>(op) | (a << 8); }
constexpr Op decodeOp(uint32_t word) { return static_cast<Op>(word & 0xFFu); }
constexpr uint32_t decodeA(uint32_t word) { return word >> 8; }

} // namespace rho::bytecode
