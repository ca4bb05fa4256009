// The hot store's queues: FifoList (waiting continuations) and BlockFifo (stored
// data), against std::deque under random appends and removals (oldest first, and
// from the middle), across BlockFifo's move from one vector into blocks.
#include <catch2/catch.hpp>

#include <deque>
#include <optional>
#include <random>

#include "rho/rspace/fifo_list.h"
#include "rho/rspace/slab_pool.h"

namespace rho::rspace::test {

// A BlockFifo whose one-element arrays come from a pool of its own (as a channel's
// data do from its shard's): the same behaviour, and the pool holds at most the one
// array (it goes back when the queue grows past one element or is destroyed).
struct PooledFifo {
    using Pool = detail::SlabPool<sizeof(int), alignof(int)>;
    Pool pool; // declared first: outlives the queue
    std::optional<detail::BlockFifo<int, Pool>> q{std::in_place};
    ~PooledFifo() {
        q.reset();
        CHECK(pool.live() == 0);
    }
    void emplace(int x) {
        q->emplaceIn(pool, x);
        CHECK(pool.live() <= 1);
    }
    void erase(size_t i) { q->erase(i); }
    [[nodiscard]] size_t size() const { return q->size(); }
    int operator[](size_t i) const { return (*q)[i]; }
};

TEMPLATE_TEST_CASE("queues agree with std::deque", "[rspace][fifo]", (detail::BlockFifo<int>),
                   (detail::FifoList<int, 1>), PooledFifo) {
    const uint32_t seed = GENERATE(take(20, random(1u, 1000000u)));
    std::mt19937 rng(seed);
    TestType q;
    std::deque<int> ref;
    int next = 0;
    const int bias = static_cast<int>(rng() % 3); // 0: mostly drain, 2: mostly grow
    for (int step = 0; step < 4000; ++step) {
        const int r = static_cast<int>(rng() % 10);
        if (r < 5 + bias || ref.empty()) {
            q.emplace(next);
            ref.push_back(next++);
        } else if (r < 9) {
            q.erase(0);
            ref.pop_front();
        } else {
            size_t i = rng() % ref.size();
            q.erase(i);
            ref.erase(ref.begin() + static_cast<std::ptrdiff_t>(i));
        }
        REQUIRE(q.size() == ref.size());
        if (!ref.empty()) {
            REQUIRE(q[0] == ref.front());
            REQUIRE(q[ref.size() - 1] == ref.back());
            size_t mid = ref.size() / 2;
            REQUIRE(q[mid] == ref[mid]);
        }
    }
    for (size_t i = 0; i < ref.size(); ++i)
        REQUIRE(q[i] == ref[i]);
}

// A long queue in blocks, drained while it grows: many spent blocks are dropped from
// the front (and the block list compacted) with the order kept throughout.
TEST_CASE("a long block queue drains in order while it grows", "[rspace][fifo]") {
    detail::BlockFifo<int> q;
    std::deque<int> ref;
    int next = 0;
    for (; next < 10000; ++next) {
        q.emplace(next);
        ref.push_back(next);
    }
    for (int step = 0; step < 60000 && !ref.empty(); ++step) {
        if (step % 3 == 2) {
            q.emplace(next);
            ref.push_back(next++);
        } else {
            REQUIRE(q[0] == ref.front());
            q.erase(0);
            ref.pop_front();
        }
        REQUIRE(q.size() == ref.size());
    }
    REQUIRE(ref.empty());
    REQUIRE(q.empty());
    q.emplace(7); // usable again after draining
    REQUIRE(q.size() == 1);
    REQUIRE(q[0] == 7);
}

} // namespace rho::rspace::test
