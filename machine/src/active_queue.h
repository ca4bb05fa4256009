// File: active_queue.h (private)
// ActiveQueue: the ready machines (principle 6), one lane per worker. A worker
// takes from the front of its own lane (oldest first, so every machine gets its
// turn) and, when that is empty, steals from the back of another lane. Idle
// workers sleep on a condition variable; the run is over when no machine is live
// (queued or running).
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
    explicit ActiveQueue(unsigned lanes);

    // Queues a new machine (counts it live) on the calling worker's lane.
    void spawn(Machine* m);
    // Puts back a machine that used up its budget (already live).
    void requeue(Machine* m);
    // The next machine for [worker], or null when there is none anywhere now.
    Machine* pop(unsigned worker);
    // Marks one machine ended; wakes everyone when it was the last.
    void retire();
    // Blocks until there may be work or the run is over.
    void waitForWork();
    [[nodiscard]] bool done() const { return live_.load(std::memory_order_acquire) == 0; }

    // The lane of the calling thread (set by each worker; other threads use lane 0).
    static void setWorker(unsigned worker);
    static unsigned currentWorker();

  private:
    void push(Machine* m);

    struct alignas(64) Lane {
        std::mutex mu;
        std::deque<Machine*> q;
    };
    std::vector<std::unique_ptr<Lane>> lanes_;
    std::atomic<int64_t> live_{0};
    std::atomic<int64_t> queued_{0};
    std::atomic<int> sleepers_{0};
    std::mutex idleMu_;
    std::condition_variable idleCv_;
};

} // namespace rho::machine
