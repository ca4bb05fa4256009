// File: active_queue.cpp
// The ready machines and the end-of-run bookkeeping (see active_queue.h).

#include "active_queue.h"

#include <chrono>
#include <thread>

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
        {
            std::lock_guard lock(overflowMu_);
            overflow_.push_back(m);
            overflowSize_.store(overflow_.size(), std::memory_order_release);
        }
        std::atomic_thread_fence(std::memory_order_seq_cst);
        if (sleeping_.load(std::memory_order_relaxed) > 0)
            wakeOneSleeper();
        return;
    }
    Lane& lane = *lanes_[w];
    ++lane.live;
    if (lane.next != nullptr)
        pushRing(lane, lane.next);
    lane.next = m;
}

void ActiveQueue::requeue(unsigned w, Machine* m) { pushRing(*lanes_[w], m); }

void ActiveQueue::pushRing(Lane& lane, Machine* m) {
    uint32_t t = lane.tail.load(std::memory_order_relaxed);
    uint32_t h = lane.head.load(std::memory_order_acquire);
    if (t - h < kRingSize) {
        lane.ring[t & (kRingSize - 1)].store(m, std::memory_order_relaxed);
        lane.tail.store(t + 1, std::memory_order_release);
    } else {
        // Full: move the older half to the overflow queue, with [m] after it.
        std::vector<Machine*> batch;
        batch.reserve(kRingSize / 2 + 1);
        while (batch.size() < kRingSize / 2) {
            Machine* x = popRing(lane);
            if (x == nullptr)
                break;
            batch.push_back(x);
        }
        batch.push_back(m);
        std::lock_guard lock(overflowMu_);
        overflow_.insert(overflow_.end(), batch.begin(), batch.end());
        overflowSize_.store(overflow_.size(), std::memory_order_release);
    }
    // Stealable work appeared: wake a sleeper unless a spinner will find it. The fence
    // orders the push before the loads (a sleeper announces itself, then looks).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (sleeping_.load(std::memory_order_relaxed) > 0 && spinning_.load(std::memory_order_relaxed) == 0)
        wakeOneSleeper();
}

Machine* ActiveQueue::popRing(Lane& lane) {
    uint32_t h = lane.head.load(std::memory_order_acquire);
    for (;;) {
        uint32_t t = lane.tail.load(std::memory_order_acquire);
        if (h == t)
            return nullptr;
        // Read before claiming: the slot cannot be rewritten while head is still h
        // (the owner writes only below head + kRingSize).
        Machine* m = lane.ring[h & (kRingSize - 1)].load(std::memory_order_relaxed);
        if (lane.head.compare_exchange_weak(h, h + 1, std::memory_order_acq_rel, std::memory_order_acquire))
            return m;
    }
}

Machine* ActiveQueue::popOverflow() {
    if (overflowSize_.load(std::memory_order_acquire) == 0)
        return nullptr;
    std::lock_guard lock(overflowMu_);
    if (overflow_.empty())
        return nullptr;
    Machine* m = overflow_.front();
    overflow_.pop_front();
    overflowSize_.store(overflow_.size(), std::memory_order_release);
    return m;
}

Machine* ActiveQueue::steal(unsigned w) {
    const auto n = static_cast<unsigned>(lanes_.size());
    for (unsigned i = 1; i < n; ++i) {
        if (Machine* m = popRing(*lanes_[(w + i) % n]))
            return m;
    }
    return nullptr;
}

Machine* ActiveQueue::pop(unsigned w) {
    Lane& lane = *lanes_[w];
    Machine* m = nullptr;
    if (++lane.popCount >= kGlobalCheckInterval) {
        lane.popCount = 0;
        if ((m = popOverflow()) != nullptr) {
            lane.slice = sliceBudget_;
            return m;
        }
    }
    if (lane.next != nullptr && lane.slice > 0) { // shares the running slice
        m = lane.next;
        lane.next = nullptr;
        return m;
    }
    if ((m = popRing(lane)) == nullptr && (m = lane.next) != nullptr)
        lane.next = nullptr;
    if (m == nullptr)
        m = popOverflow();
    if (m == nullptr)
        m = steal(w);
    if (m != nullptr)
        lane.slice = sliceBudget_; // a new slice
    return m;
}

bool ActiveQueue::hasWork(unsigned w) const {
    const Lane& own = *lanes_[w];
    if (own.next != nullptr || overflowSize_.load(std::memory_order_acquire) > 0)
        return true;
    for (const auto& lane : lanes_) {
        if (lane->head.load(std::memory_order_acquire) != lane->tail.load(std::memory_order_acquire))
            return true;
    }
    return false;
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
    if (lane.live != 0) {
        live_.fetch_add(lane.live, std::memory_order_acq_rel);
        lane.live = 0;
    }
    idle_.fetch_add(1, std::memory_order_acq_rel);
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
    idle_.fetch_sub(1, std::memory_order_acq_rel);
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
