// File: spin_lock.h
// SpinLock: the lock of one shard of the hot store. Its critical sections are a hash
// lookup and a few list edits (well under a microsecond), so waiting by spinning
// beats a futex; after a short spin it yields the core, so an oversubscribed machine
// (more workers than cores) does not spin against a preempted holder.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace rho::rspace {

// Acquisitions by the calling thread that found the lock held (the scheduler reads it
// to see workers fight over the same channels: scheduler.cpp).
inline thread_local uint64_t tContendedLocks = 0;

class SpinLock {
  public:
    void lock() noexcept {
        if (!locked_.exchange(true, std::memory_order_acquire))
            return;
        ++tContendedLocks;
        for (int spins = 0;; ++spins) {
            if (!locked_.load(std::memory_order_relaxed) && !locked_.exchange(true, std::memory_order_acquire))
                return;
            while (locked_.load(std::memory_order_relaxed)) {
                if (++spins > 64) {
                    std::this_thread::yield();
                    spins = 0;
                } else {
#if defined(__x86_64__) || defined(__i386__)
                    _mm_pause();
#endif
                }
            }
        }
    }
    bool try_lock() noexcept {
        return !locked_.load(std::memory_order_relaxed) && !locked_.exchange(true, std::memory_order_acquire);
    }
    void unlock() noexcept { locked_.store(false, std::memory_order_release); }

  private:
    std::atomic<bool> locked_{false};
};

} // namespace rho::rspace
