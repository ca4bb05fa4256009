// File: stack_check.h (private)
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
#include "rho/bytecode/op.h"

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

  private:
    static constexpr size_t kUnknown = ~size_t{0};
    size_t expected_ = kUnknown;
};

} // namespace rho::machine
