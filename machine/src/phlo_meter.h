// File: phlo_meter.h (private)
// PhloMeter: phlogiston accounting as the reference charges a deploy (RHOLANG.md 13,
// its accounting/Costs.scala and ChargingRSpace), for `run --cost` / `--phlo-limit`.
// The kernel holds one only on a metered run (RuntimeOptions::meterPhlo); every charge
// point tests for it, so an unmetered run pays one predictable branch and nothing else.
//
// Where the charges come from, mapped onto the machine:
//   - parsing: one per byte of source (Runtime::run);
//   - each evaluation step (the interpreter): SEND / RECEIVE 11, a variable 10, `new`
//     10 + 2 per name, match 12, operators and methods their own amounts, plus the
//     serialized size of every term the reference substitutes (a send's channel and
//     data, a receive's channels, patterns and body, a match's target and the
//     patterns it tries);
//   - the space (Kernel::send / receive / take): storing a datum or continuation costs
//     its serialized size, refunded when a COMM removes it; each event costs 32 plus
//     32 per channel, a COMM 32 + 96 per channel.
// A variable costs 10 only where the reference looks it up in an environment: not a
// value a receive body or a quoted process captured, which the reference substituted
// into the term before it ran. Which captured slots those are is a property of the
// code (substitutedCaptures), computed once per sequence.
#pragma once

#include "absl/container/flat_hash_map.h"
#include "rho/bytecode/code.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

namespace rho::machine {

class PhloMeter {
  public:
    // [limit] 0: none. [onExhausted] runs once, on the thread whose charge ran out.
    PhloMeter(uint64_t limit, std::function<void()> onExhausted);

    // Takes [amount] (negative: a refund). False once the phlogistons ran out: the
    // charge that would take the counter below zero is the last one (as the
    // reference's charge, which fails when the balance is negative after it).
    bool charge(int64_t amount);
    [[nodiscard]] bool exhausted() const { return exhausted_.load(std::memory_order_relaxed); }
    // The run's cost: what was charged, or the limit when it ran out.
    [[nodiscard]] uint64_t cost() const;

    // LOAD of [slot] in [code]: 10, unless the slot holds a substituted capture.
    void chargeLoad(const bytecode::Code& code, uint32_t slot);
    // NEW / NEW_URN at [pc]: 2 per name, and 10 for the first instruction of a `new`.
    void chargeNew(const bytecode::Code& code, uint32_t pc, uint32_t names);

  private:
    struct Analysis {
        std::vector<bool> substituted;   // per capture slot
        std::vector<uint32_t> newStarts; // pcs of the NEW / NEW_URN that begin a `new`
    };
    const Analysis& analysis(const bytecode::Code& code);
    void analyze(const bytecode::Code& code, std::vector<bool> substituted);

    const uint64_t limit_;
    std::function<void()> onExhausted_;
    std::atomic<int64_t> used_{0};
    std::atomic<bool> exhausted_{false};
    std::mutex mu_;
    absl::flat_hash_map<const bytecode::Code*, Analysis> analyses_;
};

} // namespace rho::machine
