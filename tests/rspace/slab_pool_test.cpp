// SlabPool (the hot store's storage for entries and records): random allocations and
// frees against a set of the live addresses — every slot handed out is distinct,
// aligned, inside the pool's slabs and writable; forEachLive visits exactly the live
// ones; a freed slot is reused; release() forgets everything. And PoolAllocator under
// a node_hash_map: nodes come from the pool, the slot array does not, and a teardown
// (objects destroyed by a walk of the pool, then the map's destructor) destroys each
// object exactly once.
#include "absl/container/node_hash_map.h"
#include "rho/rspace/slab_pool.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <vector>

namespace rho::rspace::test {

TEST_CASE("SlabPool hands out distinct live slots and walks exactly those", "[rspace][slab]") {
    using Pool = detail::SlabPool<120, 8>;
    STATIC_REQUIRE(Pool::kStride == 120);
    STATIC_REQUIRE(Pool::kHeaderBytes + Pool::kSlots * Pool::kStride <= Pool::kSlabBytes);
    const uint32_t seed = GENERATE(take(5, random(1u, 1000000u)));
    std::mt19937 rng(seed);
    Pool pool;
    std::set<uintptr_t> live;
    std::vector<void*> order;
    for (int step = 0; step < 20000; ++step) {
        if (rng() % 3 != 0 || order.empty()) {
            void* p = pool.allocate();
            const auto a = reinterpret_cast<uintptr_t>(p);
            REQUIRE(a % 8 == 0);
            REQUIRE(live.insert(a).second); // never handed out twice
            std::memset(p, static_cast<int>(step & 0xff), 120);
            order.push_back(p);
        } else {
            const size_t i = rng() % order.size();
            void* p = order[i];
            order[i] = order.back();
            order.pop_back();
            live.erase(reinterpret_cast<uintptr_t>(p));
            pool.deallocate(p);
        }
    }
    REQUIRE(pool.live() == live.size());
    std::set<uintptr_t> walked;
    pool.forEachLive([&](void* p) { REQUIRE(walked.insert(reinterpret_cast<uintptr_t>(p)).second); });
    REQUIRE(walked == live);
    // Slabs are not over-used: at most one slab more than the peak needs; regions
    // (doubling up to 32 slabs) reserve at most twice that, or one region more.
    REQUIRE(pool.slabs() <= 20000 / Pool::kSlots + 2);
    REQUIRE(pool.bytesReserved() <= std::max(2 * pool.slabs(), pool.slabs() + 32) * Pool::kSlabBytes);

    // The slot freed last is the next one handed out.
    void* p = order.back();
    pool.deallocate(p);
    REQUIRE(pool.allocate() == p);

    pool.release();
    REQUIRE(pool.live() == 0);
    REQUIRE(pool.bytesReserved() == 0);
    REQUIRE(pool.slabs() == 0);
    int visited = 0;
    pool.forEachLive([&](void*) { ++visited; });
    REQUIRE(visited == 0);
    REQUIRE(pool.allocate() != nullptr); // usable again
}

namespace {

int g_destroyed = 0;

struct Counted {
    explicit Counted(int v) : value(v) {}
    Counted(const Counted&) = delete;
    Counted& operator=(const Counted&) = delete;
    ~Counted() { ++g_destroyed; }
    int value;
    char pad[40]{};
};

} // namespace

TEST_CASE("PoolAllocator keeps a node map's nodes in the pool and tears down once", "[rspace][slab]") {
    using Node = std::pair<const uint64_t, Counted>;
    using Pool = detail::SlabPool<sizeof(Node), alignof(Node)>;
    using Alloc = detail::PoolAllocator<Node, Node, Pool>;
    using Map = absl::node_hash_map<uint64_t, Counted, absl::Hash<uint64_t>, std::equal_to<uint64_t>, Alloc>;
    g_destroyed = 0;
    {
        Pool pool;
        Map map(0, absl::Hash<uint64_t>{}, std::equal_to<uint64_t>{}, Alloc{&pool});
        for (uint64_t k = 0; k < 5000; ++k) {
            map.try_emplace(k, static_cast<int>(k));
        }
        REQUIRE(pool.live() == 5000); // every node from the pool, the slot array elsewhere
        for (uint64_t k = 0; k < 5000; k += 2) {
            map.erase(k);
        }
        REQUIRE(pool.live() == 2500);
        REQUIRE(g_destroyed == 2500);
        for (uint64_t k = 1; k < 5000; k += 2) {
            REQUIRE(map.at(k).value == static_cast<int>(k));
        }
        // Teardown: destroy by walking the pool, then the map gives nodes back for nothing.
        int walked = 0;
        pool.forEachLive([&](void* p) {
            static_cast<Node*>(p)->~Node();
            ++walked;
        });
        REQUIRE(walked == 2500);
        pool.beginTeardown();
    }
    REQUIRE(g_destroyed == 5000); // each object exactly once
}

} // namespace rho::rspace::test
