// File: scheduler.h (private)
// Scheduler: maps execution resources to machines (principle 6). It starts one OS
// thread per worker; each thread runs a Boost.Fiber scheduler whose algorithm takes
// its work from the ActiveQueue, and a pool of runner fibers. A runner takes the next
// ready machine and runs it one slice at a time. A machine whose primitive request is
// answered late (a kSlow handler on the processor's slow lane) suspends mid-sequence
// with its fiber; the worker goes on with its other machines on another runner, and
// the answer makes the suspended fiber ready again. A machine parked on a receive holds
// no fiber: it is a continuation in RSpace. This file and scheduler.cpp are the only
// ones that include Boost.Fiber (with fiber_waiter.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "active_queue.h"

namespace rho::machine {

class Kernel;
class SafePoint;

class Scheduler {
  public:
    // [stackBytes]: the stack reserved for each runner fiber (address space; pages are
    // touched only as deep as the machine's values recurse).
    // [safePoint]: when not null, every slice starts with SafePoint::enter and ends
    // with leave (so a monitor can hold the workers between steps; safe_point.h).
    Scheduler(ActiveQueue& queue, Kernel& kernel, size_t stackBytes, SafePoint* safePoint = nullptr);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Runs the queue's machines on its workers until the run is over. The calling
    // thread only waits.
    void run();

    // On a runner fiber whose machine [m] sent a request that will be answered late:
    // suspends the fiber until the answer is there (or returns at once if it already
    // is). The worker runs other machines meanwhile, on another runner.
    static void awaitAnswer(Machine& m);
    // The worker index of the calling thread, or ActiveQueue::kNoWorker.
    static unsigned currentWorker() { return currentIndex_; }

    // Fibers suspended for late answers, and runner fibers created, in this run.
    [[nodiscard]] uint64_t suspensions() const { return suspensions_.load(std::memory_order_relaxed); }
    [[nodiscard]] uint64_t runnersCreated() const { return runnersCreated_.load(std::memory_order_relaxed); }
    // Times a worker rested to leave contended work to the others (load compaction).
    [[nodiscard]] uint64_t rests() const { return rests_.load(std::memory_order_relaxed); }

  private:
    class Worker;
    friend class Worker;
    static thread_local Worker* current_; // the worker of the calling thread, if any
    // Its index (kNoWorker: none); read on every COMM path, so inline.
    static inline thread_local unsigned currentIndex_ = ActiveQueue::kNoWorker;

    ActiveQueue& queue_;
    Kernel& kernel_;
    const size_t stackBytes_;
    SafePoint* const safePoint_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::atomic<uint64_t> suspensions_{0};
    std::atomic<uint64_t> runnersCreated_{0};
    std::atomic<uint64_t> rests_{0};
};

} // namespace rho::machine
