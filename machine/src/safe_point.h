// File: safe_point.h (private)
// SafePoint: lets one thread (the run's monitor) hold every worker at a slice boundary
// for a moment, so the space can be checkpointed during a run (`run
// --checkpoint-every`) in a state that holds whole interpreter steps only. The space's
// own locks make each COMM atomic, but a step may be two space operations: a
// persistent send or receive that fires at once is issued again by the machine after
// its COMM, and a checkpoint taken between the two would miss the contract or the
// persistent datum. Slices end between steps, so a worker outside a slice is safe.
//
// The workers pay almost nothing: a relaxed store and load when a slice starts and a
// store when it ends, with no fence. The holder pays for the ordering instead: it
// raises its flag and then runs membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which
// makes every running thread of the process execute a full barrier (an asymmetric
// Dekker handshake, as userspace RCU does); where membarrier is unavailable the
// workers use sequentially consistent operations instead.
//
// A worker parked in the active queue or waiting for a late answer is outside any
// slice; when it wakes it checks the flag before it runs a step.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

namespace rho::machine {

class SafePoint {
  public:
    explicit SafePoint(unsigned workers);
    SafePoint(const SafePoint&) = delete;
    SafePoint& operator=(const SafePoint&) = delete;

    // Worker [w] starts a slice: waits while the workers are held.
    void enter(unsigned w) {
        Slot& s = slots_[w];
        for (;;) {
            if (fenced_) {
                s.inSlice.store(true, std::memory_order_relaxed);
                std::atomic_signal_fence(std::memory_order_seq_cst);
                if (!held_.load(std::memory_order_relaxed))
                    return;
            } else {
                s.inSlice.store(true, std::memory_order_seq_cst);
                if (!held_.load(std::memory_order_seq_cst))
                    return;
            }
            s.inSlice.store(false, std::memory_order_release);
            waitReleased();
        }
    }
    // Worker [w] ended its slice (or suspends mid-slice for a late answer, which is
    // between steps).
    void leave(unsigned w) { slots_[w].inSlice.store(false, std::memory_order_release); }

    // Any thread but a worker: returns once no worker is in a slice; the workers stay
    // held until release(). One holder at a time.
    void hold();
    void release();

  private:
    void waitReleased();

    struct alignas(64) Slot {
        std::atomic<bool> inSlice{false};
    };
    const unsigned workers_;
    const bool fenced_; // membarrier is available: the workers need no fence
    std::unique_ptr<Slot[]> slots_;
    std::atomic<bool> held_{false};
    std::mutex mu_;
    std::condition_variable released_;
};

} // namespace rho::machine
