// File: stack_check.h (private)
// The interpreter's debugging aids: the operand-stack check and the instruction trace.
//
// StackCheck: the interpreter's debug check of the operand stack against the
// instruction table (RHO_DEBUG builds). At each dispatch it confirms that the
// instruction before left the stack at the depth opcodes.def gives (pops, pushes),
// and that the stack holds at least what the instruction about to run pops. An
// instruction that leaves its sequence (Flow kEnd, kBranch, kCall) sets no
// expectation: the next dispatch is in another sequence.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rho/base/assert.h"
#include "rho/bytecode/code.h"
#include "rho/bytecode/op.h"

#ifdef RHO_TRACE_INSTRUCTIONS
#include <cstdio>
#endif

namespace rho::machine {

class StackCheck {
  public:
    // [insn] was just fetched from words[pc - 1]; [depth] is the stack's size now.
    void step(const uint32_t* words, uint32_t pc, uint32_t insn, size_t depth) {
        RHO_CHECK(expected_ == kUnknown || depth == expected_, "operand stack differs from opcodes.def");
        const bytecode::Op op = bytecode::decodeOp(insn);
        const bytecode::OpInfo& info = bytecode::opInfo(op);
        if (info.flow != bytecode::Flow::kNext) {
            expected_ = kUnknown;
            return;
        }
        const uint32_t aux = bytecode::hasAux(info.format) ? words[pc] : 0;
        const size_t pops = bytecode::popCount(info, bytecode::decodeA(insn), aux, 0);
        RHO_CHECK(depth >= pops, "operand stack underflow");
        expected_ = depth - pops + info.pushes;
    }

    // The machine goes on in another sequence: nothing is expected of the next dispatch.
    void reset() { expected_ = kUnknown; }

  private:
    static constexpr size_t kUnknown = ~size_t{0};
    size_t expected_ = kUnknown;
};

#ifdef RHO_TRACE_INSTRUCTIONS
// The instruction trace (a build with -DRHO_TRACE_INSTRUCTIONS=ON, in the style of
// Wren's DEBUG_TRACE_INSTRUCTIONS): one line on stderr per instruction dispatched,
//   trace <sequence's source position> <pc> <OPCODE> <A> [<AUX>]  depth <stack depth>
inline void traceInstruction(const bytecode::Code& code, uint32_t pc, uint32_t insn, size_t depth) {
    const bytecode::Op op = bytecode::decodeOp(insn);
    const bytecode::OpInfo& info = bytecode::opInfo(op);
    const SourcePos at = code.positions.empty() ? SourcePos{} : code.positions[0];
    if (bytecode::hasAux(info.format))
        std::fprintf(stderr, "trace %s:%u:%u %4u %-13s %u %u  depth %zu\n",
                     code.sourceName ? code.sourceName->c_str() : "?", at.line, at.col, pc - 1, info.name,
                     bytecode::decodeA(insn), code.words[pc], depth);
    else
        std::fprintf(stderr, "trace %s:%u:%u %4u %-13s %u  depth %zu\n",
                     code.sourceName ? code.sourceName->c_str() : "?", at.line, at.col, pc - 1, info.name,
                     bytecode::decodeA(insn), depth);
}
#endif

} // namespace rho::machine
