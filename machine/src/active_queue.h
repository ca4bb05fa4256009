// File: active_queue.h (private)
// ActiveQueue: the ready machines (principle 6's active queue), and the bookkeeping
// that says when a run is over. The fiber scheduler of each worker takes its work
// from here (scheduler.cpp: its Boost.Fiber algorithm asks hasWork() before it picks
// an idle runner fiber, and parks the thread in park() when there is none).
//
// Design (after Go's run queues):
//   - Each worker has a lane: a `next` slot and a bounded ring. A machine made ready by
//     a COMM or a SPAWN goes to `next` (it usually reads what its maker just wrote, so
//     it runs on the same core, warm); the machine it displaces goes to the ring's
//     tail. The owner pushes to the ring's tail and pops from its head (oldest first);
//     other workers steal from the head. The ring is lock-free: the owner alone writes
//     the tail, consumers advance the head by compare-and-swap.
//   - Fairness: machines taken from `next` share one time slice (the reduction budget);
//     when it is spent the owner takes the ring's head instead, so a pair of machines
//     feeding each other through `next` cannot starve the ring. A machine that spends
//     its own budget goes to the ring's tail.
//   - A full ring spills half its machines to a shared overflow queue (a mutex; rare);
//     machines made ready outside any worker (the processor's slow lane) are injected
//     there too. Workers look at it every kGlobalCheckInterval pops and when idle.
//   - Idle workers spin a little, then sleep; a push that leaves stealable work wakes
//     one sleeper, only when nobody is spinning.
//
// Liveness: a run is over when no machine is ready, running or waiting for a late
// answer, and no slow work is pending. Each worker counts the machines it starts and
// ends in a private counter and adds it to the shared one only when it goes idle, so
// the hot path touches no shared counter; when every worker is idle every count has
// been added and the shared counter is exact. (Threads outside the workers add to the
// shared counter directly.)
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "machine.h"

namespace rho::machine {

class ActiveQueue {
  public:
    static constexpr unsigned kNoWorker = ~0u;

    ActiveQueue(unsigned workers, int sliceBudget);
    ActiveQueue(const ActiveQueue&) = delete;
    ActiveQueue& operator=(const ActiveQueue&) = delete;

    // A new ready machine (counted live) from worker [w] (its `next` slot), or from
    // any other thread (w == kNoWorker: the overflow queue).
    void spawn(unsigned w, Machine* m);
    // A machine that spent its budget, to the back of worker [w]'s ring (still live).
    void requeue(unsigned w, Machine* m);
    // The next machine for worker [w] to run, or null when it finds none anywhere.
    // [reductions]: what the previous machine taken from `next` spent (for the slice).
    Machine* pop(unsigned w);
    // Worker [w] ended a machine (or it never started).
    void retire(unsigned w) { --lanes_[w]->live; }
    // Tells the slice accounting how many reductions worker [w]'s last machine spent.
    void charge(unsigned w, int reductions) { lanes_[w]->slice -= reductions; }

    // Slow work outside the machines keeps the run alive (the processor's slow lane):
    // any thread.
    void holdRun();
    void releaseRun();

    // Whether worker [w] could pop something now (own lane, overflow, other rings).
    [[nodiscard]] bool hasWork(unsigned w) const;
    // True once the run is over (never false again until reset()).
    [[nodiscard]] bool finished() const { return finished_.load(std::memory_order_acquire); }

    // Worker [w] has nothing to run: adds its counts, and sleeps until there may be
    // work, the run is over, [notified] is set by wake(w), or [deadline] passes.
    // Returns at once if any of these already holds.
    void park(unsigned w, std::atomic<bool>& notified, std::chrono::steady_clock::time_point deadline);
    // Wakes worker [w] if it sleeps in park() (its fiber scheduler has a fiber ready).
    void wake(unsigned w);

    [[nodiscard]] unsigned workers() const { return static_cast<unsigned>(lanes_.size()); }

  private:
    static constexpr uint32_t kRingSize = 512; // a power of two
    static constexpr unsigned kGlobalCheckInterval = 61;

    struct alignas(64) Lane {
        // Written by the owner, read by thieves.
        alignas(64) std::atomic<uint32_t> tail{0};
        // Advanced by the owner and thieves (compare-and-swap).
        alignas(64) std::atomic<uint32_t> head{0};
        std::atomic<Machine*> ring[kRingSize] = {};
        // Owner only.
        alignas(64) Machine* next = nullptr;
        int slice = 0;         // reductions left in the current time slice
        unsigned popCount = 0; // pops since the overflow queue was last looked at
        int64_t live = 0;      // machines started minus ended here, not yet added to live_
        // The sleeping place of this worker.
        std::mutex mu;
        std::condition_variable cv;
        bool sleeping = false;
    };

    void pushRing(Lane& lane, Machine* m);
    Machine* popRing(Lane& lane);
    Machine* popOverflow();
    Machine* steal(unsigned w);
    void wakeOneSleeper();
    // Checks whether the run is over (every worker idle, nothing live) and if so wakes
    // everyone.
    void checkFinished();

    std::vector<std::unique_ptr<Lane>> lanes_;
    const int sliceBudget_;
    mutable std::mutex overflowMu_;
    std::deque<Machine*> overflow_;
    std::atomic<size_t> overflowSize_{0};
    std::atomic<int64_t> live_{0};       // exact when every worker is idle
    std::atomic<unsigned> idle_{0};      // workers in park()
    std::atomic<unsigned> spinning_{0};  // of those, spinning before they sleep
    std::atomic<unsigned> sleeping_{0};  // of those, asleep
    std::atomic<bool> finished_{false};
};

} // namespace rho::machine
