// File: op.h
// The instruction encoding, and the facts of every instruction generated from
// opcodes.def (the Op enum, OpInfo, pop counts, flow, operator symbols).
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

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rho::bytecode {

enum class OperandFormat : uint8_t {
    kNone, kConst, kSlot, kCount, kMultiset, kMultisetValues, kSlotCount, kSlotConst, kConstCount, kPattern
};

// How many values an instruction takes from the operand stack (opcodes.def).
enum class StackCount : uint8_t { k0, k1, k2, kA, kA1, k2A, kAux, kAux1, kBinds };

// Where control goes after an instruction (opcodes.def).
enum class Flow : uint8_t {
    kNext,   // the next instruction
    kEnd,    // the sequence ends
    kBranch, // the sequence ends by continuing in a member of its multiset
    kCall,   // may run member 0 of its multiset, then the next instruction
};

// The family of handlers the primitive processor serves an instruction's request
// with; kNone for instructions that are not primitive requests.
enum class PrimitiveClass : uint8_t { kNone, kUnary, kArithmetic, kEquality, kOrder, kLogic, kCollection, kMethod };

enum class Op : uint8_t {
#define RHO_OP(name, fmt, pops, pushes, flow, prim, symbol, effect) name,
#include "rho/bytecode/opcodes.def"
#undef RHO_OP
};

inline constexpr uint32_t kOpCount = 0
#define RHO_OP(name, fmt, pops, pushes, flow, prim, symbol, effect) +1
#include "rho/bytecode/opcodes.def"
#undef RHO_OP
    ;
static_assert(kOpCount <= 256, "opcodes must fit in 8 bits");

inline constexpr uint32_t kMaxOperand = (1u << 24) - 1;

struct OpInfo {
    const char* name;
    OperandFormat format;
    StackCount pops;
    uint8_t pushes;
    Flow flow;
    PrimitiveClass primitive;
    const char* symbol; // "" when the instruction is no operator
    const char* effect;
};

inline constexpr OpInfo kOpInfo[] = {
#define RHO_OP(name, fmt, pops, pushes, flow, prim, symbol, effect)                                                   \
    {#name, OperandFormat::fmt, StackCount::pops, pushes, Flow::flow, PrimitiveClass::prim, symbol, effect},
#include "rho/bytecode/opcodes.def"
#undef RHO_OP
};

constexpr const OpInfo& opInfo(Op op) { return kOpInfo[static_cast<uint8_t>(op)]; }
constexpr bool hasAux(OperandFormat f) {
    return f == OperandFormat::kMultisetValues || f == OperandFormat::kSlotCount || f == OperandFormat::kSlotConst ||
           f == OperandFormat::kConstCount;
}

// True when A names a frame slot (kSlot, kSlotCount, kSlotConst).
constexpr bool hasSlotOperand(OperandFormat f) {
    return f == OperandFormat::kSlot || f == OperandFormat::kSlotCount || f == OperandFormat::kSlotConst;
}

// The number of values [info]'s instruction pops, given its operand [a], its AUX
// word [aux] and, for kBinds, the number of binds of its receive body.
constexpr size_t popCount(const OpInfo& info, uint32_t a, uint32_t aux, size_t binds) {
    switch (info.pops) {
    case StackCount::k0: return 0;
    case StackCount::k1: return 1;
    case StackCount::k2: return 2;
    case StackCount::kA: return a;
    case StackCount::kA1: return size_t{a} + 1;
    case StackCount::k2A: return 2 * size_t{a};
    case StackCount::kAux: return aux;
    case StackCount::kAux1: return size_t{aux} + 1;
    case StackCount::kBinds: return binds;
    }
    return 0;
}

// True when the instruction ends its sequence (nothing may follow it).
constexpr bool endsSequence(Op op) { return opInfo(op).flow == Flow::kEnd || opInfo(op).flow == Flow::kBranch; }

// The Rholang spelling of an operator opcode ("+", "==", "and", ...); the opcode's
// name for anything else.
constexpr const char* operatorSymbol(Op op) {
    return opInfo(op).symbol[0] != '\0' ? opInfo(op).symbol : opInfo(op).name;
}

// The operator instruction spelled [symbol] taking [operands] values ("-" with 1 is
// NEG, with 2 SUB); HALT when there is none.
constexpr Op operatorOp(std::string_view symbol, size_t operands) {
    for (uint32_t i = 0; i < kOpCount; ++i) {
        const OpInfo& info = kOpInfo[i];
        if (info.symbol == symbol && popCount(info, 0, 0, 0) == operands && info.pushes == 1)
            return static_cast<Op>(i);
    }
    return Op::HALT;
}

constexpr uint32_t encode(Op op, uint32_t a = 0) { return static_cast<uint32_t>(op) | (a << 8); }
constexpr Op decodeOp(uint32_t word) { return static_cast<Op>(word & 0xFFu); }
constexpr uint32_t decodeA(uint32_t word) { return word >> 8; }

} // namespace rho::bytecode
