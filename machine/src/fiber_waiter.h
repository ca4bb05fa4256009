// File: fiber_waiter.h (private)
// FiberWaiter: how a machine's fiber waits for a late answer from the primitive
// processor. wait() suspends the calling fiber (its worker goes on with other fibers);
// wake(), from any thread (the processor's slow lane), makes it ready again. One per
// machine object, kept while the object lives, so a wake() still running on the slow
// lane never touches a destroyed waiter.
#pragma once

#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>
#include <atomic>
#include <mutex>

#include "rho/rspace/private_channel.h"

namespace rho::machine {

class FiberWaiter final : public rspace::AnswerWaiter {
  public:
    void wake() noexcept override {
        std::lock_guard lock(mu_);
        woken_.store(true, std::memory_order_release);
        cv_.notify_one(); // under the lock: the waiter cannot return before this call ends
    }
    // Suspends the calling fiber until wake(); returns at once if it already ran.
    void wait() {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return woken_.load(std::memory_order_acquire); });
        woken_.store(false, std::memory_order_relaxed);
    }

  private:
    boost::fibers::mutex mu_;
    boost::fibers::condition_variable cv_;
    // Atomic although the mutex guards it: the mutex synchronizes through fiber
    // switches, which ThreadSanitizer cannot see; the release/acquire pair it can.
    std::atomic<bool> woken_{false};
};

} // namespace rho::machine
