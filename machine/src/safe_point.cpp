// File: safe_point.cpp
// Holding the workers between steps (see safe_point.h).

#include "safe_point.h"

#include <chrono>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

namespace rho::machine {

namespace {

long membarrier(int cmd) { return syscall(__NR_membarrier, cmd, 0U, 0); }

// Registers the process for expedited private membarriers: true when they work.
bool registerMembarrier() {
    static const bool ok = [] {
        const long cmds = membarrier(MEMBARRIER_CMD_QUERY);
        return cmds >= 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0 &&
               membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
    }();
    return ok;
}

} // namespace

SafePoint::SafePoint(unsigned workers)
    : workers_(workers), fenced_(registerMembarrier()), slots_(new Slot[workers]) {}

void SafePoint::hold() {
    held_.store(true, std::memory_order_seq_cst);
    if (fenced_)
        membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED); // every worker's flag store is now visible
    for (unsigned w = 0; w < workers_; ++w) {
        // A slice is at most a reduction budget of steps: microseconds, unless a step
        // builds a very large value.
        for (int spins = 0; slots_[w].inSlice.load(std::memory_order_acquire); ++spins) {
            if (spins < 64)
                std::this_thread::yield();
            else
                std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
    }
}

void SafePoint::release() {
    {
        std::lock_guard lock(mu_);
        held_.store(false, std::memory_order_seq_cst);
    }
    released_.notify_all();
}

void SafePoint::waitReleased() {
    std::unique_lock lock(mu_);
    released_.wait(lock, [this] { return !held_.load(std::memory_order_seq_cst); });
}

} // namespace rho::machine
