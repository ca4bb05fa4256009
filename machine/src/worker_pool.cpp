// File: worker_pool.cpp
// Boost.Fiber runners over the active queue (see worker_pool.h).

#include "worker_pool.h"

#include <boost/fiber/all.hpp>
#include <thread>
#include <vector>

#include "vm.h"

namespace rho::machine {

namespace {

// The runner fiber: the fiber belongs to the worker, never to a machine, so a
// machine that ends or waits in RSpace holds no fiber and no stack.
void runner(ActiveQueue& queue, Vm& vm, unsigned worker) noexcept {
    for (;;) {
        Machine* m = queue.pop(worker);
        if (!m) {
            if (queue.done())
                return;
            queue.waitForWork();
            continue;
        }
        if (vm.stopped.load(std::memory_order_relaxed)) {
            vm.retire(m); // the step limit was reached: drop what is left
            queue.retire();
            continue;
        }
        int budget = vm.budget();
        SliceResult r = runSlice(*m, vm, budget);
        vm.charge(static_cast<uint64_t>(vm.budget() - budget) + 1);
        if (r == SliceResult::kOutOfBudget) {
            queue.requeue(m);
            boost::this_fiber::yield();
            continue;
        }
        if (r == SliceResult::kFaulted)
            vm.reportFault(*m);
        vm.retire(m);
        queue.retire();
    }
}

void worker(ActiveQueue& queue, Vm& vm, unsigned index) {
    ActiveQueue::setWorker(index);
    // One runner per worker, so its stack can be large: the interpreter does not
    // recurse per Rholang call, but hashing, printing and encoding a value recurse
    // once per nesting level of the value. Address space only; pages are touched
    // as deep as a value goes.
    constexpr size_t kRunnerStackBytes = size_t{1} << 30;
    boost::fibers::fiber f(std::allocator_arg, boost::fibers::fixedsize_stack(kRunnerStackBytes),
                           [&queue, &vm, index] { runner(queue, vm, index); });
    f.join();
}

} // namespace

void runWorkers(ActiveQueue& queue, Vm& vm, unsigned threads) {
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i)
        pool.emplace_back([&queue, &vm, i] { worker(queue, vm, i); });
    worker(queue, vm, 0);
    for (std::thread& t : pool)
        t.join();
    ActiveQueue::setWorker(0);
}

} // namespace rho::machine
