// File: active_queue.h (private)
// ActiveQueue: the ready machines (principle 6's active queue), and the bookkeeping
// that says when a run is over. The fiber scheduler of each worker takes its work
// from here (scheduler.cpp: its Boost.Fiber algorithm asks hasWork() before it picks
// an idle runner fiber, and parks the thread in park() when there is none).
//
// Design (work-first scheduling, as in Cilk and Tokio, with Go's `next` slot):
//   - Each worker has a lane: a `next` slot and a bounded work-stealing deque (Chase
//     and Lev, in the C11 form of Lê et al., PPoPP 2013). A machine made ready by a
//     COMM or a SPAWN goes to `next` (it usually reads what its maker just wrote, so it
//     runs on the same core, warm; thieves never take it, so a ping-pong pair stays
//     on one worker); the machine it displaces goes to the deque's bottom. The owner
//     takes from the bottom (newest first: a fork tree such as pfib runs depth-first
//     and keeps only its depth alive, not its breadth) while the deque holds at most
//     kNewestFirstLimit machines, and from the top beyond that (a chain that leaves a
//     machine behind at every step, such as a spawn loop, must not pile them up);
//     other workers steal from the top (the oldest, the largest pieces of work).
//   - Fairness: the machines a worker runs are counted in time slices (the reduction
//     budget). When the oldest machine of a lane has stayed the oldest for kAgeSlices
//     slices, it runs next; so every machine waits a bounded number of slices however
//     much newer work arrives, while a fork tree still runs depth-first. A machine that
//     spends its own budget goes to the shared overflow queue, behind everything (Go
//     does the same with a preempted goroutine).
//   - The overflow queue (a mutex; off the hot path) also takes half of a full deque,
//     and the machines made ready outside any worker (the processor's slow lane).
//     Workers look at it every kGlobalCheckInterval pops and when their lane is empty,
//     taking a batch each time, so it drains as fast as it fills.
//   - Affinity: a machine that continues the work of a receive another worker
//     installed (a one-shot continuation woken by a send) goes to that worker's inbox,
//     so a chain of receives stays on its core instead of following its senders around.
//   - Idle workers spin a little, then sleep; a push that leaves stealable work wakes
//     one sleeper, only when nobody is spinning.
//   - Load compaction (as BEAM compacts load onto fewer schedulers): a worker whose
//     machines spend their time fighting the other workers' for the same channels
//     rests (rest()), leaving its machines to the others, for a period that doubles
//     while the contention lasts (scheduler.cpp decides when).
//
// Liveness: a run is over when no machine is ready, running or waiting for a late
// answer, and no slow work is pending. Each worker counts the machines it starts and
// ends in a private counter and adds it to the shared one only when it goes idle, so
// the hot path touches no shared counter; when every worker is idle every count has
// been added and the shared counter is exact. (Threads outside the workers add to the
// shared counter directly.)
#pragma once

#include <atomic>
#include <chrono>
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
    // A seeded run's schedule: each pop takes, among the ready machines of the lane
    // (`next`, the newest, the oldest), one drawn from [seed], so that different seeds
    // give different interleavings (`run --seeds`) and one seed always the same.
    void shuffle(uint64_t seed) {
        shuffle_ = true;
        shuffleState_ = seed;
    }
    ActiveQueue(const ActiveQueue&) = delete;
    ActiveQueue& operator=(const ActiveQueue&) = delete;

    // A new ready machine (counted live) from worker [w] (its `next` slot), or from
    // any other thread (w == kNoWorker: the overflow queue).
    void spawn(unsigned w, Machine* m);
    // A new ready machine (counted live by worker [from], kNoWorker: another thread)
    // for worker [to] to run: handed over through [to]'s inbox, which it empties before
    // anything else. For a machine whose work belongs with [to]'s (the receiver of a
    // one-shot receive that [to] installed).
    void spawnOn(unsigned from, unsigned to, Machine* m);
    // A machine that spent its budget, to the back of everything (still live).
    void requeue(Machine* m);
    // The next machine for worker [w] to run, or null when it finds none anywhere.
    Machine* pop(unsigned w);
    // Worker [w] ended a machine (or it never started).
    void retire(unsigned w) { lanes_[w]->addLive(-1); }
    // Tells the slice accounting how many reductions worker [w]'s last machine spent.
    void charge(unsigned w, int reductions) { lanes_[w]->slice -= reductions; }

    // Slow work outside the machines keeps the run alive (the processor's slow lane):
    // any thread.
    void holdRun();
    void releaseRun();

    // Whether worker [w] could pop something now (own lane, overflow, other deques).
    [[nodiscard]] bool hasWork(unsigned w) const;
    // Whether a machine other than worker [w]'s current one waits for [w] or for any
    // worker (own lane, inbox, overflow): if none does, a machine that spent its slice
    // may go on at once, where its data are warm, instead of queueing behind nothing
    // (and being taken by an idle worker, a migration that buys nothing).
    [[nodiscard]] bool othersWaiting(unsigned w) const;
    // True once the run is over.
    [[nodiscard]] bool finished() const { return finished_.load(std::memory_order_acquire); }

    // Worker [w] has nothing to run: adds its counts, and sleeps until there may be
    // work, the run is over, [notified] is set by wake(w), or [deadline] passes.
    // Returns at once if any of these already holds.
    void park(unsigned w, std::atomic<bool>& notified, std::chrono::steady_clock::time_point deadline);
    // Wakes worker [w] if it sleeps in park() (its fiber scheduler has a fiber ready).
    void wake(unsigned w);
    // Load compaction: worker [w] (not the only one) hands every machine of its lane to
    // the overflow queue, where the other workers take them, and sleeps for [duration]
    // (or until the run is over) whatever work appears; machines handed to it meanwhile
    // (spawnOn) go to their sender or the overflow queue instead. For a worker whose
    // machines mostly fight the others' over the same channels (scheduler.cpp).
    void rest(unsigned w, std::chrono::microseconds duration);
    // Worker [w] (its owner) hands every machine of its lane to the overflow queue, where
    // the other workers take them, and goes on with its present machine (a receiver
    // draining a deep channel: Kernel::drainSlice).
    void shed(unsigned w) { handOver(*lanes_[w]); }

    [[nodiscard]] unsigned workers() const { return static_cast<unsigned>(lanes_.size()); }
    // Machines started and not yet ended, as a monitor thread sees them now (approximate
    // while workers run: a count moving from a lane to the shared one may be missed or
    // seen twice). Any thread.
    [[nodiscard]] int64_t liveMachines() const;

  private:
    static constexpr int64_t kDequeSize = 1024; // a power of two
    static constexpr unsigned kGlobalCheckInterval = 61;
    // Above this backlog the owner takes its oldest machine instead of its newest
    // (bench/rholang: pfib wants newest-first, spawn and fan-in a bounded backlog).
    static constexpr int64_t kNewestFirstLimit = 256;
    // Slices the oldest machine of a lane may wait before it runs (fairness by age).
    static constexpr unsigned kAgeSlices = 8;

    struct alignas(64) Lane {
        // The deque: the owner pushes and takes at bottom, thieves at top.
        alignas(64) std::atomic<int64_t> top{0};
        alignas(64) std::atomic<int64_t> bottom{0};
        std::atomic<Machine*> buffer[kDequeSize] = {};
        // Owner only.
        alignas(64) Machine* next = nullptr;
        int slice = 0;         // reductions left in the current time slice
        int64_t agedTop = -1;  // the top index seen at the last slice boundaries...
        unsigned agedSlices = 0; // ...and for how many of them it has not moved
        unsigned popCount = 0; // pops since the overflow queue was last looked at
        // Machines started minus ended here, not yet added to live_. Written by the
        // owner only; atomic so that liveMachines() may read it from a monitor thread
        // (a relaxed load and store: the same plain moves as an int64_t on x86-64).
        std::atomic<int64_t> live{0};
        void addLive(int64_t d) { live.store(live.load(std::memory_order_relaxed) + d, std::memory_order_relaxed); }
        // Machines handed to this worker by others (spawnOn).
        std::mutex inboxMu;
        std::vector<Machine*> inbox;
        std::atomic<size_t> inboxSize{0};
        // The sleeping place of this worker.
        std::mutex mu;
        std::condition_variable cv;
        bool sleeping = false;
        std::atomic<bool> parked{false}; // in park(): a handover must wake it
        std::atomic<bool> resting{false}; // in rest(): handovers go elsewhere
    };
    // Moves everything in [lane] (next, deque, inbox) to the overflow queue.
    void handOver(Lane& lane);

    // Owner side of the deque.
    void pushBottom(Lane& lane, Machine* m);
    Machine* takeBottom(Lane& lane);
    // Any thread: the oldest machine of [lane], or null (empty, or lost a race).
    Machine* stealTop(Lane& lane);
    // The inbox's oldest machine (the rest go to the deque), or null.
    Machine* takeInbox(Lane& lane);
    // The overflow queue's oldest machine, and a batch of the next ones into [lane].
    Machine* popOverflow(Lane& lane);
    void pushOverflow(const Machine* const* machines, size_t n);
    Machine* stealFromOthers(unsigned w);
    void wakeOneSleeper();
    // Checks whether the run is over (every worker idle, nothing live) and if so wakes
    // everyone.
    void checkFinished();

    // Read at every pop and push: a line that no worker writes during a run (the
    // alignas(64) fields below each start a line of their own).
    std::vector<std::unique_ptr<Lane>> lanes_;
    const int sliceBudget_;
    bool shuffle_ = false;
    uint64_t shuffleState_ = 0;
    alignas(64) mutable std::mutex overflowMu_;
    std::deque<Machine*> overflow_;
    std::atomic<size_t> overflowSize_{0};
    alignas(64) std::atomic<int64_t> live_{0}; // exact when every worker is idle
    alignas(64) std::atomic<unsigned> idle_{0}; // workers in park()
    std::atomic<unsigned> spinning_{0}; // of those, spinning before they sleep
    std::atomic<unsigned> sleeping_{0}; // of those, asleep
    alignas(64) std::atomic<bool> finished_{false};
    // A draw of [n] choices from the shuffle's generator (splitmix64).
    unsigned draw(unsigned n) {
        uint64_t z = (shuffleState_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return static_cast<unsigned>((z ^ (z >> 31)) % n);
    }
};

} // namespace rho::machine
