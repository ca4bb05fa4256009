// File: machine.h (private)
// Machine: the state of one live sequence (principle 4): code, instruction pointer,
// operand stack, frame (captures, bindings, locals) and its private channel. A plain
// object: it holds no fiber and no native stack, so it can be queued, run on any
// worker and dropped when its sequence ends. A receive does not park a Machine at
// all: RECEIVE ends the sequence and leaves a continuation (body + captures) in
// RSpace, from which a new Machine is made when the COMM fires.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "rho/bytecode/code.h"
#include "rho/primitives/fault.h"
#include "space_types.h"

namespace rho::machine {

struct Machine {
    std::shared_ptr<const bytecode::Code> code;
    uint32_t pc = 0;
    std::vector<bytecode::Value> stack;
    std::vector<bytecode::Value> frame;
    // Where to return when an expression sequence (the right side of && or ||) RETs.
    struct Return {
        std::shared_ptr<const bytecode::Code> code;
        uint32_t pc = 0;
        std::vector<bytecode::Value> frame;
    };
    std::vector<Return> calls;
    // The machine's private channel, its identity (principle 6): requests to the
    // primitive processor go there. Held for the machine object's whole life; each
    // sequence that runs on the object gets a new identity (PrivateChannels::reopen).
    PrivateChannel* channel = nullptr;
    primitives::Fault fault;
    uint32_t faultPc = 0;
};

enum class SliceResult : uint8_t { kFinished, kOutOfBudget, kFaulted };

class Vm;

// Runs [m] until its sequence ends, it faults, or [budget] reductions are spent.
// The one entry point of interpreter.cpp.
// [budget] is decremented by the reductions spent.
SliceResult runSlice(Machine& m, Vm& vm, int& budget);

} // namespace rho::machine
