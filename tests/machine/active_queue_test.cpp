// Tests of the active queue's load compaction (machine/src/active_queue.h): a worker
// that rests leaves its machines to the others, machines handed to it meanwhile go
// elsewhere, and a rest ends when the run is over.

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "active_queue.h"

using rho::machine::ActiveQueue;
using rho::machine::Machine;

namespace {

// Pops worker [w]'s next machine, waiting up to two seconds for one to appear.
Machine* popWithin(ActiveQueue& q, unsigned w) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < until) {
        if (Machine* m = q.pop(w))
            return m;
        std::this_thread::yield();
    }
    return nullptr;
}

} // namespace

TEST_CASE("a resting worker's machines run on the other worker", "[machine][scheduler]") {
    ActiveQueue q(2, 1000);
    Machine a, b, c, d;
    std::atomic<bool> resting{false}, rested{false};
    std::thread worker1([&] {
        q.spawn(1, &a); // worker 1's own lane: next slot and deque
        q.spawn(1, &b);
        q.spawn(1, &c);
        resting = true;
        q.rest(1, std::chrono::seconds(30)); // ends early: when the run is over
        rested = true;
    });
    while (!resting)
        std::this_thread::yield();
    std::set<Machine*> got;
    for (int i = 0; i < 3; ++i) {
        Machine* m = popWithin(q, 0);
        REQUIRE(m != nullptr);
        got.insert(m);
    }
    CHECK(got == std::set<Machine*>{&a, &b, &c});
    // A machine handed to the resting worker (a receive it installed fired) runs here.
    q.spawnOn(0, 1, &d);
    CHECK(popWithin(q, 0) == &d);
    CHECK_FALSE(rested);
    for (int i = 0; i < 4; ++i)
        q.retire(0);
    // Worker 0 finds nothing more: the run is over, which ends the rest.
    std::atomic<bool> notified{false};
    q.park(0, notified, std::chrono::steady_clock::now() + std::chrono::seconds(30));
    CHECK(q.finished());
    worker1.join();
    CHECK(rested);
}
