// File: active_queue.cpp
// The ready machines and the end-of-run bookkeeping (see active_queue.h).

#include "active_queue.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RHO_CPU_RELAX() _mm_pause()
#else
#define RHO_CPU_RELAX() std::this_thread::yield()
#endif

namespace rho::machine {

namespace {

// How long an idle worker looks for work before it sleeps: long enough to catch the
// next spawn of a busy neighbour, short enough not to burn a core for nothing.
constexpr auto kSpinTime = std::chrono::microseconds(50);
// A sleeper also wakes this often on its own (a safety net; wakes are explicit).
constexpr auto kMaxSleep = std::chrono::milliseconds(2);

} // namespace

ActiveQueue::ActiveQueue(unsigned workers, int sliceBudget) : sliceBudget_(sliceBudget) {
    for (unsigned i = 0; i < workers; ++i)
        lanes_.push_back(std::make_unique<Lane>());
}

void ActiveQueue::spawn(unsigned w, Machine* m) {
    if (w == kNoWorker) {
        live_.fetch_add(1, std::memory_order_relaxed);
        pushOverflow(&m, 1);
        return;
    }
    Lane& lane = *lanes_[w];
    lane.addLive(1);
    if (lane.next != nullptr)
        pushBottom(lane, lane.next);
    lane.next = m;
}

void ActiveQueue::requeue(Machine* m) { pushOverflow(&m, 1); }

void ActiveQueue::spawnOn(unsigned from, unsigned to, Machine* m) {
    Lane& lane = *lanes_[to];
    if (lane.resting.load(std::memory_order_seq_cst)) { // it would sit there until the rest ends
        spawn(from == to ? kNoWorker : from, m);
        return;
    }
    if (from == kNoWorker)
        live_.fetch_add(1, std::memory_order_relaxed);
    else
        lanes_[from]->addLive(1);
    {
        std::lock_guard lock(lane.inboxMu);
        lane.inbox.push_back(m);
        lane.inboxSize.store(lane.inbox.size(), std::memory_order_seq_cst);
    }
    if (lane.parked.load(std::memory_order_seq_cst)) {
        std::lock_guard lock(lane.mu);
        lane.cv.notify_all();
    }
}

Machine* ActiveQueue::takeInbox(Lane& lane) {
    if (lane.inboxSize.load(std::memory_order_acquire) == 0)
        return nullptr;
    std::lock_guard lock(lane.inboxMu);
    if (lane.inbox.empty())
        return nullptr;
    // The first (oldest) runs now; the rest wait in the deque, newest at the bottom.
    Machine* m = lane.inbox.front();
    for (size_t i = 1; i < lane.inbox.size(); ++i)
        pushBottom(lane, lane.inbox[i]);
    lane.inbox.clear();
    lane.inboxSize.store(0, std::memory_order_release);
    return m;
}

void ActiveQueue::pushOverflow(const Machine* const* machines, size_t n) {
    {
        std::lock_guard lock(overflowMu_);
        for (size_t i = 0; i < n; ++i)
            overflow_.push_back(const_cast<Machine*>(machines[i]));
        // seq_cst, with the load below: a sleeper announces itself, then looks.
        overflowSize_.store(overflow_.size(), std::memory_order_seq_cst);
    }
    if (sleeping_.load(std::memory_order_seq_cst) > 0 && spinning_.load(std::memory_order_relaxed) == 0)
        wakeOneSleeper();
}

// The deque operations follow Lê, Pop, Cohen and Zappa Nardelli, "Correct and
// Efficient Work-Stealing for Weak Memory Models" (PPoPP 2013), with a fixed buffer:
// a full deque spills its older half to the overflow queue instead of growing.

void ActiveQueue::pushBottom(Lane& lane, Machine* m) {
    int64_t b = lane.bottom.load(std::memory_order_relaxed);
    int64_t t = lane.top.load(std::memory_order_acquire);
    if (b - t >= kDequeSize) {
        // Full: the older half goes to the overflow queue (stolen from our own top,
        // so it races with thieves like any steal).
        std::vector<Machine*> spill;
        spill.reserve(kDequeSize / 2);
        while (spill.size() < kDequeSize / 2) {
            Machine* x = stealTop(lane);
            if (x == nullptr && lane.top.load(std::memory_order_acquire) >= lane.bottom.load(std::memory_order_relaxed))
                break;
            if (x != nullptr)
                spill.push_back(x);
        }
        pushOverflow(spill.data(), spill.size());
        b = lane.bottom.load(std::memory_order_relaxed);
    }
    lane.buffer[b & (kDequeSize - 1)].store(m, std::memory_order_relaxed);
    lane.bottom.store(b + 1, std::memory_order_seq_cst);
    // Stealable work appeared: wake a sleeper unless a spinner will find it (a
    // sleeper announces itself, then looks; the seq_cst store orders us before the load).
    if (sleeping_.load(std::memory_order_seq_cst) > 0 && spinning_.load(std::memory_order_relaxed) == 0)
        wakeOneSleeper();
}

Machine* ActiveQueue::takeBottom(Lane& lane) {
    int64_t b = lane.bottom.load(std::memory_order_relaxed) - 1;
    lane.bottom.store(b, std::memory_order_seq_cst);
    int64_t t = lane.top.load(std::memory_order_seq_cst);
    if (t > b) { // empty
        lane.bottom.store(b + 1, std::memory_order_relaxed);
        return nullptr;
    }
    Machine* m = lane.buffer[b & (kDequeSize - 1)].load(std::memory_order_relaxed);
    if (t == b) { // the last one: race a thief for it
        if (!lane.top.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst, std::memory_order_relaxed))
            m = nullptr;
        lane.bottom.store(b + 1, std::memory_order_relaxed);
    }
    return m;
}

Machine* ActiveQueue::stealTop(Lane& lane) {
    int64_t t = lane.top.load(std::memory_order_seq_cst);
    int64_t b = lane.bottom.load(std::memory_order_seq_cst);
    if (t >= b)
        return nullptr;
    Machine* m = lane.buffer[t & (kDequeSize - 1)].load(std::memory_order_relaxed);
    if (!lane.top.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst, std::memory_order_relaxed))
        return nullptr; // another thief, or the owner, took it
    return m;
}

Machine* ActiveQueue::popOverflow(Lane& lane) {
    if (overflowSize_.load(std::memory_order_acquire) == 0)
        return nullptr;
    Machine* batch[kDequeSize / 8];
    size_t n = 0;
    Machine* m = nullptr;
    {
        std::lock_guard lock(overflowMu_);
        if (overflow_.empty())
            return nullptr;
        m = overflow_.front();
        overflow_.pop_front();
        // A batch while at it (as Go takes from its global queue): the overflow must
        // drain as fast as spills and requeues fill it.
        int64_t room = kDequeSize - (lane.bottom.load(std::memory_order_relaxed) -
                                     lane.top.load(std::memory_order_acquire));
        size_t want = std::min<size_t>({overflow_.size(), static_cast<size_t>(std::max<int64_t>(room / 2, 0)),
                                        std::size(batch)});
        for (; n < want; ++n) {
            batch[n] = overflow_.front();
            overflow_.pop_front();
        }
        overflowSize_.store(overflow_.size(), std::memory_order_release);
    }
    // Oldest last, so the owner (newest first) takes them in their order.
    for (size_t i = n; i-- > 0;)
        pushBottom(lane, batch[i]);
    return m;
}

Machine* ActiveQueue::stealFromOthers(unsigned w) {
    const auto n = static_cast<unsigned>(lanes_.size());
    for (unsigned i = 1; i < n; ++i) {
        Lane& victim = *lanes_[(w + i) % n];
        for (int tries = 0; tries < 4; ++tries) { // a lost race is retried a little
            if (Machine* m = stealTop(victim))
                return m;
            if (victim.top.load(std::memory_order_acquire) >= victim.bottom.load(std::memory_order_acquire))
                break;
        }
    }
    return nullptr;
}

Machine* ActiveQueue::pop(unsigned w) {
    Lane& lane = *lanes_[w];
    Machine* m = nullptr;
    if ((m = takeInbox(lane)) != nullptr) {
        if (lane.next != nullptr) // it runs first; what was next waits at the bottom
            pushBottom(lane, lane.next);
        lane.next = nullptr;
        return m;
    }
    if (++lane.popCount >= kGlobalCheckInterval) {
        lane.popCount = 0;
        if ((m = popOverflow(lane)) != nullptr) {
            lane.slice = sliceBudget_;
            return m;
        }
    }
    if (lane.slice <= 0) {
        // A slice boundary. Fairness by age: when the oldest machine of the lane has
        // been the oldest for kAgeSlices slices, it runs now (each machine thus waits a
        // bounded number of slices however much newer work keeps coming).
        lane.slice = sliceBudget_;
        const int64_t t = lane.top.load(std::memory_order_relaxed);
        if (t != lane.agedTop || t >= lane.bottom.load(std::memory_order_relaxed)) {
            lane.agedTop = t;
            lane.agedSlices = 0;
        } else if (++lane.agedSlices >= kAgeSlices) {
            lane.agedSlices = 0;
            if (lane.next != nullptr) {
                pushBottom(lane, lane.next);
                lane.next = nullptr;
            }
            if ((m = stealTop(lane)) != nullptr)
                return m;
        }
    }
    if (shuffle_ && lanes_.size() == 1) { // a seeded run: the seed picks which ready machine runs
        const int64_t ready = lane.bottom.load(std::memory_order_relaxed) - lane.top.load(std::memory_order_relaxed);
        if (ready > 0 || lane.next != nullptr) {
            const unsigned choice = draw(3);
            if (choice == 1 && ready > 0 && (m = stealTop(lane)) != nullptr)
                return m;
            if (choice == 2 && ready > 0 && lane.next != nullptr && (m = takeBottom(lane)) != nullptr)
                return m;
        }
    }
    // Newest first (`next`, then the bottom) while the backlog is small: a fork tree
    // keeps only its depth here. Oldest first once it grows, even before `next`: a chain
    // that leaves a machine behind at every step must not pile them up.
    const int64_t backlog = lane.bottom.load(std::memory_order_relaxed) - lane.top.load(std::memory_order_relaxed);
    if (backlog > kNewestFirstLimit && (m = stealTop(lane)) != nullptr)
        return m;
    if (lane.next != nullptr) {
        m = lane.next;
        lane.next = nullptr;
        return m;
    }
    if ((m = takeBottom(lane)) != nullptr)
        return m;
    if ((m = popOverflow(lane)) == nullptr)
        m = stealFromOthers(w);
    if (m != nullptr)
        lane.slice = sliceBudget_;
    return m;
}

bool ActiveQueue::hasWork(unsigned w) const {
    const Lane& own = *lanes_[w];
    if (own.next != nullptr || overflowSize_.load(std::memory_order_acquire) > 0 ||
        own.inboxSize.load(std::memory_order_acquire) > 0)
        return true;
    for (const auto& lane : lanes_) {
        if (lane->top.load(std::memory_order_acquire) < lane->bottom.load(std::memory_order_acquire))
            return true;
    }
    return false;
}

bool ActiveQueue::othersWaiting(unsigned w) const {
    const Lane& own = *lanes_[w];
    return own.next != nullptr || overflowSize_.load(std::memory_order_acquire) > 0 ||
           own.inboxSize.load(std::memory_order_acquire) > 0 ||
           own.top.load(std::memory_order_acquire) < own.bottom.load(std::memory_order_relaxed);
}

int64_t ActiveQueue::liveMachines() const {
    int64_t n = live_.load(std::memory_order_relaxed);
    for (const auto& lane : lanes_)
        n += lane->live.load(std::memory_order_relaxed);
    return std::max<int64_t>(n, 0);
}

void ActiveQueue::holdRun() { live_.fetch_add(1, std::memory_order_acq_rel); }

void ActiveQueue::releaseRun() {
    if (live_.fetch_sub(1, std::memory_order_acq_rel) == 1)
        checkFinished();
}

void ActiveQueue::checkFinished() {
    if (idle_.load(std::memory_order_acquire) != lanes_.size() || live_.load(std::memory_order_acquire) != 0)
        return;
    if (finished_.exchange(true, std::memory_order_acq_rel))
        return;
    for (auto& lane : lanes_) {
        std::lock_guard lock(lane->mu);
        lane->cv.notify_all();
    }
}

void ActiveQueue::park(unsigned w, std::atomic<bool>& notified, std::chrono::steady_clock::time_point deadline) {
    Lane& lane = *lanes_[w];
    if (const int64_t n = lane.live.load(std::memory_order_relaxed); n != 0) {
        live_.fetch_add(n, std::memory_order_acq_rel);
        lane.live.store(0, std::memory_order_relaxed);
    }
    idle_.fetch_add(1, std::memory_order_acq_rel);
    lane.parked.store(true, std::memory_order_seq_cst);
    checkFinished();
    auto ready = [&] {
        return notified.load(std::memory_order_acquire) || finished() || hasWork(w) ||
               std::chrono::steady_clock::now() >= deadline;
    };
    spinning_.fetch_add(1, std::memory_order_seq_cst);
    bool found = false;
    for (auto until = std::chrono::steady_clock::now() + kSpinTime; !found;) {
        for (int i = 0; i < 64 && !found; ++i) {
            RHO_CPU_RELAX();
            found = notified.load(std::memory_order_acquire) || hasWork(w) || finished();
        }
        if (std::chrono::steady_clock::now() >= until)
            break;
    }
    spinning_.fetch_sub(1, std::memory_order_seq_cst);
    if (!found) {
        std::unique_lock lock(lane.mu);
        lane.sleeping = true;
        sleeping_.fetch_add(1, std::memory_order_seq_cst);
        auto until = std::min(deadline, std::chrono::steady_clock::now() + kMaxSleep);
        lane.cv.wait_until(lock, until, ready);
        sleeping_.fetch_sub(1, std::memory_order_seq_cst);
        lane.sleeping = false;
    }
    lane.parked.store(false, std::memory_order_relaxed);
    idle_.fetch_sub(1, std::memory_order_acq_rel);
}

void ActiveQueue::handOver(Lane& lane) {
    std::vector<Machine*> ms;
    if (lane.next != nullptr)
        ms.push_back(std::exchange(lane.next, nullptr));
    while (Machine* m = stealTop(lane)) // oldest first
        ms.push_back(m);
    {
        std::lock_guard lock(lane.inboxMu);
        ms.insert(ms.end(), lane.inbox.begin(), lane.inbox.end());
        lane.inbox.clear();
        lane.inboxSize.store(0, std::memory_order_seq_cst);
    }
    if (!ms.empty())
        pushOverflow(ms.data(), ms.size());
}

void ActiveQueue::rest(unsigned w, std::chrono::microseconds duration) {
    Lane& lane = *lanes_[w];
    lane.resting.store(true, std::memory_order_seq_cst);
    handOver(lane);
    if (const int64_t n = lane.live.load(std::memory_order_relaxed); n != 0) {
        live_.fetch_add(n, std::memory_order_acq_rel);
        lane.live.store(0, std::memory_order_relaxed);
    }
    idle_.fetch_add(1, std::memory_order_acq_rel);
    // Someone must take what was handed over.
    for (unsigned other = 0; other < lanes_.size(); ++other)
        if (other != w)
            wake(other);
    checkFinished();
    const auto until = std::chrono::steady_clock::now() + duration;
    {
        std::unique_lock lock(lane.mu);
        for (;;) {
            // A handover that raced with the flag: pass it on too.
            if (lane.inboxSize.load(std::memory_order_acquire) != 0) {
                lock.unlock();
                handOver(lane);
                lock.lock();
            }
            if (finished() || std::chrono::steady_clock::now() >= until)
                break;
            lane.cv.wait_until(lock, std::min(until, std::chrono::steady_clock::now() + kMaxSleep));
        }
    }
    idle_.fetch_sub(1, std::memory_order_acq_rel);
    lane.resting.store(false, std::memory_order_seq_cst);
}

void ActiveQueue::wake(unsigned w) {
    Lane& lane = *lanes_[w];
    std::lock_guard lock(lane.mu);
    lane.cv.notify_all();
}

void ActiveQueue::wakeOneSleeper() {
    for (auto& lane : lanes_) {
        std::lock_guard lock(lane->mu);
        if (lane->sleeping) {
            lane->cv.notify_all();
            return;
        }
    }
}

} // namespace rho::machine
