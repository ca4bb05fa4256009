// File: machine.h (private)
// Machine: the state of one live sequence (principle 4): code, instruction pointer,
// operand stack, frame (captures, bindings, locals) and its private channel, which is
// its identity (principle 6). A plain object: it holds no fiber and no native stack,
// so it can be queued, run on any worker and returned to its pool when its sequence
// ends. A receive does not park a Machine at all: RECEIVE ends the sequence and
// leaves a continuation (body + captures) in RSpace, from which a new Machine is made
// when the COMM fires. Only a machine waiting for a late answer from the primitive
// processor keeps the fiber it runs on, until the answer comes.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "rho/bytecode/code.h"
#include "rho/primitives/fault.h"
#include "value_stack.h"
#include "space_types.h"

namespace rho::machine {

struct Usage;
class FiberWaiter;

// Code references without shared counting (the counter of a Code every machine runs
// is one cache line all workers would write):
//   within(parent, child): [child], a sequence inside the tree [parent] points into,
//     kept alive by whatever keeps [parent] alive (nothing extra if parent borrows);
//   borrowed(code): owns nothing; for code that outlives every holder: the body of a
//     persistent continuation, which stays in the space as long as the space does.
inline std::shared_ptr<const bytecode::Code> within(const std::shared_ptr<const bytecode::Code>& parent,
                                                   const bytecode::Code* child) {
    return std::shared_ptr<const bytecode::Code>(parent, child);
}
inline std::shared_ptr<const bytecode::Code> within(std::shared_ptr<const bytecode::Code>&& parent,
                                                   const bytecode::Code* child) {
    return std::shared_ptr<const bytecode::Code>(std::move(parent), child);
}
inline std::shared_ptr<const bytecode::Code> borrowed(const bytecode::Code* code) {
    return std::shared_ptr<const bytecode::Code>(std::shared_ptr<const bytecode::Code>(), code);
}

struct Machine {
    Machine();
    ~Machine();
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;

    // The sequence it runs: owning when it came from a one-shot continuation or a
    // process value, borrowed (see above) when its root outlives the machine.
    std::shared_ptr<const bytecode::Code> code;
    // The sequence this machine was started on (its code may since have become an `if`
    // branch or a match case): what the resource map charges its usage to.
    const bytecode::Code* origin = nullptr;
    uint32_t pc = 0;
    ValueStack stack;
    ValueStack frame;
    // Where IF and MATCH build the frame of the sequence they continue in before it
    // replaces [frame]; kept, like the others, so no step allocates once warm.
    ValueStack scratch;
    // Where to return when an expression sequence (the right side of && or ||) RETs.
    struct Return {
        std::shared_ptr<const bytecode::Code> code;
        uint32_t pc = 0;
        ValueStack frame;
    };
    std::vector<Return> calls;
    // The machine's private channel, its identity: requests to the primitive processor
    // go there. Held for the machine object's whole life; each sequence that runs on
    // the object gets a new identity (PrivateChannels::reopen).
    PrivateChannel* channel = nullptr;
    // This machine's entry in the resource map (resource_map.h), by its private channel.
    Usage* usage = nullptr;
    // Made on the first late answer and kept with the object (scheduler.cpp).
    std::unique_ptr<FiberWaiter> waiter;
    primitives::Fault fault;
    uint32_t faultPc = 0;
    // Running nested in another machine's slice (Kernel::runNow): it must end there,
    // so it never continues in a continuation its COMM fires.
    bool nested = false;
};

enum class SliceResult : uint8_t { kFinished, kOutOfBudget, kFaulted };

class Kernel;

// Runs [m] until its sequence ends, it faults, or [budget] reductions are spent.
// The one entry point of interpreter.cpp.
// [budget] is decremented by the reductions spent.
SliceResult runSlice(Machine& m, Kernel& kernel, int& budget);

} // namespace rho::machine
