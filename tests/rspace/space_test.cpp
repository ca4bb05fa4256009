// File: space_test.cpp
// Single-channel COMM semantics of Space: produce/consume in both orders, mismatch,
// persistence of data and continuations, peek, oldest-first, cleanup of empty
// channels, counters and key collisions. Joins are in join_test.cpp.
#include "test_types.h"

#include <catch2/catch.hpp>

#include <algorithm>

namespace rho::rspace::test {
namespace {

using V = std::vector<int>;

TEST_CASE("produce then consume performs one COMM", "[rspace]") {
    TestMatcher m;
    TestSpace space(m);
    CHECK_FALSE(space.produce("a", V{1, 2}, false));
    auto comm = consume1(space, "a", {1, kAny}, 7);
    REQUIRE(comm);
    CHECK(comm->continuation == 7);
    CHECK_FALSE(comm->persistentContinuation);
    CHECK_FALSE(comm->peek);
    CHECK_FALSE(comm->reissueProduce);
    REQUIRE(comm->data.size() == 1);
    CHECK(comm->data[0] == V{1, 2});
    REQUIRE(comm->bindings.size() == 1);
    CHECK(comm->bindings[0] == V{2});
    CHECK(dump(space).empty());
    CHECK(space.channelEntryCount() == 0);
    CHECK(space.commCount() == 1);
    CHECK(space.produceCount() == 1);
    CHECK(space.consumeCount() == 1);
}

TEST_CASE("consume then produce performs one COMM", "[rspace]") {
    TestMatcher m;
    TestSpace space(m);
    CHECK_FALSE(consume1(space, "a", {kAny, kAny}, 7));
    CHECK(dump(space) == "a: k7[a(_,_)]\n");
    auto comm = space.produce("a", V{3, 4}, false);
    REQUIRE(comm);
    CHECK(comm->continuation == 7);
    CHECK(vec(comm->data) == std::vector<V>{{3, 4}});
    CHECK(vec(comm->bindings) == std::vector<V>{{3, 4}});
    CHECK(comm->producedIndex == 0);
    CHECK_FALSE(comm->reissueProduce);
    CHECK(dump(space).empty());
    CHECK(space.channelEntryCount() == 0);
    CHECK(space.continuationCount() == 0);
}

TEST_CASE("arity or pattern mismatch leaves both waiting", "[rspace]") {
    TestMatcher m;
    TestSpace space(m);
    SECTION("arity, data first") {
        CHECK_FALSE(space.produce("a", V{1, 2, 3}, false));
        CHECK_FALSE(consume1(space, "a", {kAny}, 1));
        CHECK(dump(space) == "a: (1,2,3) k1[a(_)]\n");
        CHECK(space.commCount() == 0);
    }
    SECTION("arity, continuation first") {
        CHECK_FALSE(consume1(space, "a", {kAny}, 1));
        CHECK_FALSE(space.produce("a", V{1, 2, 3}, false));
        CHECK(dump(space) == "a: (1,2,3) k1[a(_)]\n");
        CHECK(space.commCount() == 0);
    }
    SECTION("literal differs") {
        CHECK_FALSE(consume1(space, "a", {5}, 1));
        CHECK_FALSE(space.produce("a", V{4}, false));
        CHECK(dump(space) == "a: (4) k1[a(5)]\n");
        // A matching datum later still finds the continuation, and the old datum stays.
        auto comm = space.produce("a", V{5}, false);
        REQUIRE(comm);
        CHECK(vec(comm->bindings) == std::vector<V>{{}});
        CHECK(dump(space) == "a: (4)\n");
        CHECK(space.commCount() == 1);
    }
    SECTION("other channel") {
        CHECK_FALSE(space.produce("a", V{1}, false));
        CHECK_FALSE(consume1(space, "b", {kAny}, 1));
        const std::string d = dump(space); // channel order follows the keys' hashes
        CHECK(d.size() == std::string("a: (1)\nb: k1[b(_)]\n").size());
        CHECK(d.find("a: (1)\n") != std::string::npos);
        CHECK(d.find("b: k1[b(_)]\n") != std::string::npos);
        CHECK(space.channelEntryCount() == 2);
        CHECK(space.commCount() == 0);
    }
}

TEST_CASE("persistent data stays after COMM", "[rspace][persist]") {
    TestMatcher m;
    TestSpace space(m);
    SECTION("data stored first: every consume takes a copy") {
        CHECK_FALSE(space.produce("a", V{5}, true));
        for (int k = 0; k < 3; ++k) {
            auto comm = consume1(space, "a", {kAny}, k);
            REQUIRE(comm);
            CHECK(comm->data[0] == V{5});
        }
        CHECK(dump(space) == "a: (5)!!\n");
    }
    SECTION("continuations waiting: produce COMMs and asks to be re-issued until it is stored") {
        CHECK_FALSE(consume1(space, "a", {kAny}, 1));
        CHECK_FALSE(consume1(space, "a", {kAny}, 2));
        auto c1 = space.produce("a", V{5}, true);
        REQUIRE(c1);
        CHECK(c1->continuation == 1);
        CHECK(c1->reissueProduce);
        auto c2 = space.produce("a", V{5}, true);
        REQUIRE(c2);
        CHECK(c2->continuation == 2);
        CHECK(c2->reissueProduce);
        CHECK_FALSE(space.produce("a", V{5}, true));
        CHECK(dump(space) == "a: (5)!!\n");
        CHECK(space.commCount() == 2);
    }
}

TEST_CASE("persistent continuation stays after COMM", "[rspace][persist]") {
    TestMatcher m;
    TestSpace space(m);
    SECTION("continuation stored first") {
        CHECK_FALSE(consume1(space, "a", {kAny}, 9, /*persistent=*/true));
        for (int v = 0; v < 3; ++v) {
            auto comm = space.produce("a", V{v}, false);
            REQUIRE(comm);
            CHECK(comm->continuation == 9);
            CHECK(comm->persistentContinuation);
            CHECK(comm->data[0] == V{v});
            CHECK_FALSE(comm->reissueProduce);
        }
        CHECK(dump(space) == "a: k9[a(_)]<=\n");
    }
    SECTION("data stored first: the consume COMMs and the caller re-issues it") {
        CHECK_FALSE(space.produce("a", V{1}, false));
        CHECK_FALSE(space.produce("a", V{2}, false));
        std::vector<V> got;
        while (auto comm = consume1(space, "a", {kAny}, 9, true)) {
            CHECK(comm->persistentContinuation);
            got.push_back(comm->data[0]);
        }
        CHECK(got == std::vector<V>{{1}, {2}});
        CHECK(dump(space) == "a: k9[a(_)]<=\n");
    }
}

// A contract (a persistent receive alone on its channel) is published for sends that
// take no lock; however many there are, every one is (the table of each shard grows),
// and one that stops being a contract is no longer met on that path.
TEST_CASE("every contract is met without a lock, however many", "[rspace][persist][contract]") {
    TestMatcher m;
    TestSpace space(m);
    constexpr int kContracts = 20000; // ~310 per shard
    for (int i = 0; i < kContracts; ++i)
        CHECK_FALSE(consume1(space, std::string("c").append(std::to_string(i)), {kAny}, i, /*persistent=*/true));
    for (int i = 0; i < kContracts; ++i) {
        auto comm = space.produce(std::string("c").append(std::to_string(i)), V{i}, false);
        REQUIRE(comm);
        REQUIRE(comm->continuation == i);
        REQUIRE(comm->data[0] == V{i});
    }
    CHECK(space.lockFreeCommCount() == kContracts);
    // A one-shot receive beside the contract: sends take the locked path (oldest first).
    CHECK_FALSE(consume1(space, "c7", {kAny}, -1, /*persistent=*/false));
    auto comm = space.produce("c7", V{1}, false);
    REQUIRE(comm);
    CHECK(comm->continuation == 7);
    CHECK(space.lockFreeCommCount() == kContracts);
}

// Contracts withdrawn (a one-shot receive joins them) and published again, over and
// over: the tables reuse and clean up their tombstones, and no lookup goes astray.
// The contracts take only 1; the one-shots anything.
TEST_CASE("contracts withdrawn and published again stay findable", "[rspace][persist][contract]") {
    TestMatcher m;
    TestSpace space(m);
    constexpr int kContracts = 3000;
    auto name = [](int i) { return std::string("k").append(std::to_string(i)); };
    for (int i = 0; i < kContracts; ++i)
        CHECK_FALSE(consume1(space, name(i), {1}, i, /*persistent=*/true));
    uint64_t lockFree = 0;
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < kContracts; ++i) // withdrawn: a one-shot waits beside it
            CHECK_FALSE(consume1(space, name(i), {kAny}, -1 - i, /*persistent=*/false));
        for (int i = 0; i < kContracts; ++i) { // the contract is older: it takes the 1
            auto comm = space.produce(name(i), V{1}, false);
            REQUIRE(comm);
            REQUIRE(comm->continuation == i);
        }
        CHECK(space.lockFreeCommCount() == lockFree); // none of those went lock-free
        for (int i = 0; i < kContracts; ++i) { // only the one-shot takes a 2
            auto comm = space.produce(name(i), V{2}, false);
            REQUIRE(comm);
            REQUIRE(comm->continuation == -1 - i);
        }
        for (int i = 0; i < kContracts; ++i) { // alone again: published, met lock-free
            auto comm = space.produce(name(i), V{1}, false);
            REQUIRE(comm);
            REQUIRE(comm->continuation == i);
        }
        lockFree += kContracts;
        CHECK(space.lockFreeCommCount() == lockFree);
    }
}

TEST_CASE("peek leaves the data", "[rspace][peek]") {
    TestMatcher m;
    TestSpace space(m);
    SECTION("data stored first") {
        CHECK_FALSE(space.produce("a", V{1}, false));
        auto peeked = consume1(space, "a", {kAny}, 1, false, /*peek=*/true);
        REQUIRE(peeked);
        CHECK(peeked->peek);
        CHECK(peeked->data[0] == V{1});
        CHECK(dump(space) == "a: (1)\n");
        auto taken = consume1(space, "a", {kAny}, 2);
        REQUIRE(taken);
        CHECK(taken->data[0] == V{1});
        CHECK(dump(space).empty());
    }
    SECTION("peek stored first: produce COMMs, the caller re-sends and the datum stays") {
        CHECK_FALSE(consume1(space, "a", {kAny}, 1, false, true));
        auto comm = space.produce("a", V{1}, false);
        REQUIRE(comm);
        CHECK(comm->peek);
        CHECK(comm->reissueProduce);
        CHECK_FALSE(space.produce("a", V{1}, false));
        CHECK(dump(space) == "a: (1)\n");
    }
}

TEST_CASE("random picks from a short queue leave the rest listed oldest first", "[rspace]") {
    // With the run's random choice on, a receive takes any of up to 64 matching data;
    // the taken one's place is filled by the oldest (no shift). What stays is still
    // listed, and read, oldest first.
    for (uint64_t seed = 1; seed <= 20; ++seed) {
        INFO("seed " << seed);
        TestMatcher m;
        TestSpace space(m);
        space.setChoiceSeed(seed);
        for (int v = 1; v <= 10; ++v)
            CHECK_FALSE(space.produce("a", V{v}, false));
        std::vector<int> taken;
        for (int i = 0; i < 6; ++i) {
            auto c = consume1(space, "a", {kAny}, 0);
            REQUIRE(c);
            taken.push_back(c->data[0][0]);
        }
        std::vector<int> rest;
        for (const auto& view : space.inspect())
            for (const auto& [d, persistent] : view.data)
                rest.push_back(d[0]);
        CHECK(rest.size() == 4);
        CHECK(std::is_sorted(rest.begin(), rest.end()));
        std::vector<int> all = taken; // each datum once, taken or left
        all.insert(all.end(), rest.begin(), rest.end());
        std::sort(all.begin(), all.end());
        CHECK(all == std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        V oldest;
        REQUIRE(space.readOldest("a", oldest));
        CHECK(oldest == V{rest[0]});
    }
}

TEST_CASE("candidates are taken oldest first", "[rspace]") {
    TestMatcher m;
    TestSpace space(m);
    SECTION("data") {
        for (int v = 1; v <= 3; ++v) {
            CHECK_FALSE(space.produce("a", V{v, v % 2}, false));
        }
        // (1,1) and (3,1) match (_,1): the older one wins.
        auto c = consume1(space, "a", {kAny, 1}, 0);
        REQUIRE(c);
        CHECK(c->data[0] == V{1, 1});
        c = consume1(space, "a", {kAny, kAny}, 0);
        REQUIRE(c);
        CHECK(c->data[0] == V{2, 0});
        c = consume1(space, "a", {kAny, kAny}, 0);
        REQUIRE(c);
        CHECK(c->data[0] == V{3, 1});
    }
    SECTION("continuations") {
        CHECK_FALSE(consume1(space, "a", {0}, 1));
        CHECK_FALSE(consume1(space, "a", {kAny}, 2));
        CHECK_FALSE(consume1(space, "a", {kAny}, 3));
        auto c = space.produce("a", V{5}, false); // k1 does not match
        REQUIRE(c);
        CHECK(c->continuation == 2);
        c = space.produce("a", V{0}, false);
        REQUIRE(c);
        CHECK(c->continuation == 1);
        c = space.produce("a", V{0}, false);
        REQUIRE(c);
        CHECK(c->continuation == 3);
    }
    SECTION("a long queue drains in order (the FIFO head and its compaction)") {
        constexpr int kN = 5000;
        for (int v = 0; v < kN; ++v) {
            CHECK_FALSE(space.produce("q", V{v}, false));
        }
        for (int v = 0; v < kN; ++v) {
            auto comm = consume1(space, "q", {kAny}, 0);
            REQUIRE(comm);
            REQUIRE(comm->data[0] == V{v});
            if (v == kN / 2) { // a produce in the middle goes to the back
                CHECK_FALSE(space.produce("q", V{-1}, false));
            }
        }
        auto last = consume1(space, "q", {kAny}, 0);
        REQUIRE(last);
        CHECK(last->data[0] == V{-1});
        CHECK(space.channelEntryCount() == 0);
    }
}

TEST_CASE("empty channel entries are removed", "[rspace]") {
    TestMatcher m;
    TestSpace space(m);
    for (int i = 0; i < 1000; ++i) {
        const std::string ch = named("private-", i);
        if (i % 2 == 0) {
            CHECK_FALSE(space.produce(ch, V{i}, false));
            REQUIRE(consume1(space, ch, {kAny}, i));
        } else {
            CHECK_FALSE(consume1(space, ch, {kAny}, i));
            REQUIRE(space.produce(ch, V{i}, false));
        }
    }
    CHECK(space.channelEntryCount() == 0);
    CHECK(space.continuationCount() == 0);
    CHECK(space.inspect().empty());
    CHECK(space.commCount() == 1000);
}

TEST_CASE("colliding channel keys are told apart by sameChannel", "[rspace][collision]") {
    TestMatcher m;
    CollidingSpace space(m);
    CHECK_FALSE(space.produce("a", V{1}, false));
    CHECK_FALSE(consume1(space, "b", {kAny}, 2));
    CHECK_FALSE(space.produce("c", V{3}, false));
    CHECK(space.channelEntryCount() == 3);
    CHECK(dump(space) == "a: (1)\nb: k2[b(_)]\nc: (3)\n");

    auto cb = space.produce("b", V{20}, false);
    REQUIRE(cb);
    CHECK(cb->continuation == 2);
    auto ca = consume1(space, "a", {kAny}, 0);
    REQUIRE(ca);
    CHECK(ca->data[0] == V{1});
    // "a" was the head of the chain: it may stay as an empty placeholder while "c" lives.
    CHECK(dump(space) == "c: (3)\n");
    CHECK_FALSE(space.produce("d", V{4}, false)); // reuses the empty head
    CHECK(dump(space) == "d: (4)\nc: (3)\n");
    REQUIRE(consume1(space, "c", {kAny}, 0));
    REQUIRE(consume1(space, "d", {kAny}, 0));
    CHECK(space.channelEntryCount() == 0);
}

// The chain's links live beside the entries (Space::Shard::overflow): removing the
// middle, the tail and the head of a longer chain relinks what remains.
TEST_CASE("a collision chain relinks around removed entries", "[rspace][collision]") {
    TestMatcher m;
    CollidingSpace space(m);
    for (int i = 0; i < 5; ++i)
        CHECK_FALSE(space.produce(std::string(1, static_cast<char>('a' + i)), V{i}, false));
    CHECK(space.channelEntryCount() == 5);
    REQUIRE(consume1(space, "c", {kAny}, 0)); // the middle
    REQUIRE(consume1(space, "b", {kAny}, 0)); // the head's successor, which led to "d"
    CHECK(dump(space) == "a: (0)\nd: (3)\ne: (4)\n");
    REQUIRE(consume1(space, "e", {kAny}, 0)); // the tail
    CHECK(space.channelEntryCount() == 2);
    CHECK_FALSE(space.produce("f", V{5}, false)); // appended after "d"
    CHECK(dump(space) == "a: (0)\nd: (3)\nf: (5)\n");
    REQUIRE(consume1(space, "d", {kAny}, 0));
    REQUIRE(consume1(space, "a", {kAny}, 0));
    REQUIRE(consume1(space, "f", {kAny}, 0));
    CHECK(space.channelEntryCount() == 0);
    CHECK(space.inspect().empty());
}

} // namespace
} // namespace rho::rspace::test

namespace rho::rspace::test {
namespace {

// A datum's origin (the producer's tag for where it was made) stays with it while it
// is stored, in age order, whatever the channel's queue grows into; one that COMMs
// leaves nothing behind.
TEST_CASE("a stored datum keeps its origin", "[rspace]") {
    TestMatcher m;
    TestSpace space(m);
    auto ignore = [](CommEvent<TestTypes>&) {};
    for (int i = 0; i < 300; ++i) { // past one array: into blocks
        V d{i};
        CHECK(space.produce("a", d, false, ignore, static_cast<uint16_t>(1000 + i)) == ProduceResult::kStored);
    }
    V d{7};
    CHECK(space.produce("b", d, true, ignore, 65535) == ProduceResult::kStored);
    CHECK(consume1(space, "a", {0}, 1)); // takes the oldest
    auto views = space.inspect();
    REQUIRE(views.size() == 2);
    REQUIRE(views[0].origins.size() == views[0].data.size());
    REQUIRE(views[1].origins.size() == views[1].data.size());
    const auto& a = views[0].channel == "a" ? views[0] : views[1];
    const auto& b = &a == &views[0] ? views[1] : views[0];
    REQUIRE(a.data.size() == 299);
    for (size_t i = 0; i < 299; ++i) {
        CHECK(a.origins[i] == 1001 + i);
        CHECK(a.data[i].first == V{static_cast<int>(i + 1)});
    }
    REQUIRE(b.origins.size() == 1);
    CHECK(b.origins[0] == 65535);
    CHECK(b.data[0].second); // the flag beside it is intact
}

// Backpressure's signals (the scheduler's use of them: kernel.h): the send that leaves
// a channel holding kDeepBacklog data, and every later one while it does, is told the
// channel is deep; a receive on one channel is told how many data it held.
TEST_CASE("a deep channel is reported to its senders and receivers", "[rspace]") {
    TestMatcher m;
    TestSpace space(m);
    auto ignore = [](CommEvent<TestTypes>&) {};
    for (size_t i = 1; i < kDeepBacklog; ++i) {
        V d{static_cast<int>(i)};
        REQUIRE(space.produce("a", d, false, ignore) == ProduceResult::kStored);
    }
    V d{0};
    CHECK(space.produce("a", d, false, ignore) == ProduceResult::kStoredDeep);
    V other{0};
    CHECK(space.produce("b", other, false, ignore) == ProduceResult::kStored); // per channel
    CHECK(stored(ProduceResult::kStoredDeep));
    CHECK_FALSE(stored(ProduceResult::kComm));

    std::string chs[] = {"a"};
    TestTypes::Pattern pats[] = {{kAny}};
    size_t backlog = 0;
    int k = 1;
    CHECK(space.consume(chs, pats, k, false, false, [&](CommEvent<TestTypes>& e) { backlog = e.backlog; }));
    CHECK(backlog == kDeepBacklog);
    V again{1}; // back to kDeepBacklog: deep again
    CHECK(space.produce("a", again, false, ignore) == ProduceResult::kStoredDeep);
    CHECK(space.consume(chs, pats, k, false, false, [&](CommEvent<TestTypes>& e) { backlog = e.backlog; }));
    CHECK(backlog == kDeepBacklog);
    CHECK(space.consume(chs, pats, k, false, false, [&](CommEvent<TestTypes>& e) { backlog = e.backlog; }));
    CHECK(backlog == kDeepBacklog - 1);
    V below{2}; // kDeepBacklog - 1 after this send
    CHECK(space.produce("a", below, false, ignore) == ProduceResult::kStored);
}

TEST_CASE("a batch of sends does what as many produces would, in order", "[rspace][batch]") {
    TestMatcher m;
    TestSpace space(m);
    std::vector<int> fired; // continuation ids, in the order the batch met them
    std::vector<V> firedData;
    auto sink = [&](CommEvent<TestTypes>& e) {
        fired.push_back(e.continuation);
        firedData.push_back(*e.data[e.producedIndex]);
    };
    size_t backlog = 99;
    SECTION("nothing waits: every datum is stored, oldest first, each with its origin") {
        std::vector<V> batch{{1}, {2}, {3}};
        const uint16_t origins[] = {7, 8, 9};
        CHECK(space.produceBatch("a", std::span<V>(batch), origins, sink, backlog) == 3);
        CHECK(backlog == 3);
        CHECK(fired.empty());
        CHECK(dump(space) == "a: (1) (2) (3)\n");
        CHECK(space.produceCount() == 3);
        const auto views = space.inspect();
        REQUIRE(views.size() == 1);
        CHECK(views[0].origins == std::vector<uint16_t>{7, 8, 9});
        auto c = consume1(space, "a", {kAny}, 1); // a receive takes the oldest
        REQUIRE(c);
        CHECK(c->data[0] == V{1});
    }
    SECTION("a waiting receive takes the first datum it matches; the others are stored") {
        CHECK_FALSE(consume1(space, "a", {5}, 7));
        CHECK_FALSE(consume1(space, "a", {kAny}, 8));
        std::vector<V> batch{{4}, {5}, {6}};
        CHECK(space.produceBatch("a", std::span<V>(batch), {}, sink, backlog) == 3);
        // (4) meets k8 (k7 wants 5), (5) meets k7, (6) finds nothing waiting.
        CHECK(fired == std::vector<int>{8, 7});
        CHECK(firedData == std::vector<V>{{4}, {5}});
        CHECK(dump(space) == "a: (6)\n");
        CHECK(backlog == 1);
        CHECK(space.commCount() == 2);
        CHECK(space.produceCount() == 3);
    }
    SECTION("a join takes its datum from the batch and its other channel atomically") {
        CHECK_FALSE(space.produce("b", V{10}, false));
        CHECK_FALSE(consumeN(space, {"a", "b"}, {{kAny}, {kAny}}, 3));
        std::vector<V> batch{{1}, {2}};
        CHECK(space.produceBatch("a", std::span<V>(batch), {}, sink, backlog) == 2);
        CHECK(fired == std::vector<int>{3});
        CHECK(firedData == std::vector<V>{{1}});
        CHECK(dump(space) == "a: (2)\n");
    }
    SECTION("a peek stops the batch at the datum the caller sends again") {
        CHECK_FALSE(consume1(space, "a", {kAny}, 4, false, /*peek=*/true));
        std::vector<V> batch{{1}, {2}, {3}};
        CHECK(space.produceBatch("a", std::span<V>(batch), {}, sink, backlog) == 0);
        CHECK(fired == std::vector<int>{4});
        CHECK(dump(space).empty()); // (1) untouched, (2) and (3) not produced
        CHECK(batch[0] == V{1});
        CHECK(space.produceBatch("a", std::span<V>(batch), {}, sink, backlog) == 3);
        CHECK(dump(space) == "a: (1) (2) (3)\n");
    }
}

TEST_CASE("takeRun moves a channel's oldest one-shot data out, and they can go back", "[rspace][lease]") {
    TestMatcher m;
    TestSpace space(m);
    for (int i = 1; i <= 4; ++i)
        CHECK_FALSE(space.produce("a", V{i}, false));
    CHECK_FALSE(space.produce("a", V{9}, true));
    CHECK_FALSE(space.produce("a", V{5}, false));
    std::vector<V> run;
    std::vector<uint16_t> origins;
    CHECK(space.takeRun("a", 2, run, origins) == 2);
    CHECK(run == std::vector<V>{{1}, {2}});
    CHECK(space.takeRun("a", 10, run, origins) == 2); // (3) and (4): it stops at the persistent (9)
    CHECK(run == std::vector<V>{{1}, {2}, {3}, {4}});
    CHECK(origins.size() == 4);
    CHECK(dump(space) == "a: (9)!! (5)\n");
    CHECK(space.takeRun("b", 3, run, origins) == 0);
    // Nothing is counted until a receive takes one of them; what is left goes back
    // (produceBatch, returned) without being counted as produced again.
    CHECK(space.consumeCount() == 0);
    space.countLeasedComm(space.shardFor("a"));
    CHECK(space.consumeCount() == 1);
    CHECK(space.commCount() == 1);
    CHECK_FALSE(consume1(space, "b", {kAny}, 6));
    CHECK_FALSE(consumeN(space, {"a", "b"}, {{2}, {kAny}}, 7)); // waits: (2) is out
    std::vector<int> fired;
    size_t backlog = 0;
    auto sink = [&](CommEvent<TestTypes>& e) { fired.push_back(e.continuation); };
    CHECK(space.produceBatch("a", std::span<V>(run).subspan(1), std::span<const uint16_t>(origins).subspan(1), sink,
                             backlog, /*returned=*/true) == 3);
    CHECK(fired.empty()); // the join on a and b needs a datum on b
    CHECK(space.produceCount() == 6);
    CHECK(backlog == 5);
    const std::string now = dump(space); // (channels in the map's order)
    CHECK(now.find("a: (9)!! (5) (2) (3) (4) k7[a(2) b(_)]\n") != std::string::npos);
    CHECK(now.find("b: k6[b(_)] k7[a(2) b(_)]\n") != std::string::npos);
    CHECK(now.size() == 39 + 26); // the two lines and nothing else
}

} // namespace
} // namespace rho::rspace::test
