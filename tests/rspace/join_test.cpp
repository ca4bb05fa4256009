// File: join_test.cpp
// Joins (a consume over several channels): they fire only when every channel holds
// a matching datum, take all their data or none, report data in channel order, and
// compete oldest first with other continuations on the same channel.
#include "test_types.h"

#include <catch2/catch.hpp>

namespace rho::rspace::test {
namespace {

using V = std::vector<int>;

std::vector<std::string> channelsNamed(size_t n) {
    std::vector<std::string> chs;
    for (size_t i = 0; i < n; ++i) {
        chs.push_back(named("j", i));
    }
    return chs;
}

TEST_CASE("a 2-way join fires only when both channels have data", "[rspace][join]") {
    TestMatcher m;
    TestSpace space(m);
    CHECK_FALSE(consumeN(space, {"a", "b"}, {{kAny}, {kAny}}, 1));
    CHECK_FALSE(space.produce("a", V{10}, false));
    // Half satisfied: the datum waits, nothing was consumed.
    CHECK(dump(space).find("(10)") != std::string::npos);
    CHECK(space.continuationCount() == 1);
    auto comm = space.produce("b", V{20}, false);
    REQUIRE(comm);
    CHECK(comm->continuation == 1);
    CHECK(vec(comm->data) == std::vector<V>{{10}, {20}});
    CHECK(vec(comm->bindings) == std::vector<V>{{10}, {20}});
    CHECK(comm->producedIndex == 1);
    CHECK(space.channelEntryCount() == 0);
    CHECK(space.continuationCount() == 0);
}

TEST_CASE("k-way joins fire only when all k channels have matching data", "[rspace][join]") {
    const size_t k = GENERATE(as<size_t>{}, 2, 4, 8);
    const auto chs = channelsNamed(k);
    std::vector<TestTypes::Pattern> pats;
    for (size_t i = 0; i < k; ++i) {
        pats.push_back({static_cast<int>(i), kAny}); // channel i accepts (i, _)
    }
    TestMatcher m;
    TestSpace space(m);

    SECTION("continuation first, data arrive one by one") {
        CHECK_FALSE(consumeN(space, chs, pats, 1));
        for (size_t i = 0; i + 1 < k; ++i) {
            CHECK_FALSE(space.produce(chs[i], V{static_cast<int>(i), 100}, false));
            // a non-matching datum on the last channel does not complete it either
            CHECK_FALSE(space.produce(chs[k - 1], V{-1, 0}, false));
        }
        CHECK(space.commCount() == 0);
        auto comm = space.produce(chs[k - 1], V{static_cast<int>(k - 1), 100}, false);
        REQUIRE(comm);
        REQUIRE(comm->data.size() == k);
        for (size_t i = 0; i < k; ++i) {
            CHECK(comm->data[i] == V{static_cast<int>(i), 100});
            CHECK(comm->bindings[i] == V{100});
        }
        CHECK(comm->producedIndex == k - 1);
        // Only the k-1 non-matching data remain, all on the last channel.
        auto views = space.inspect();
        REQUIRE(views.size() == 1);
        CHECK(views[0].channel == chs[k - 1]);
        CHECK(views[0].data.size() == k - 1);
        CHECK(views[0].continuations.empty());
    }
    SECTION("data first: the consume fires at once; with one channel missing it takes nothing") {
        for (size_t i = 0; i + 1 < k; ++i) {
            CHECK_FALSE(space.produce(chs[i], V{static_cast<int>(i), 7}, false));
        }
        const std::string before = dump(space);
        CHECK_FALSE(consumeN(space, chs, pats, 1));
        // Every datum is still there; the join now waits on all k channels.
        auto views = space.inspect();
        REQUIRE(views.size() == k);
        size_t data = 0;
        for (const auto& v : views) {
            data += v.data.size();
            REQUIRE(v.continuations.size() == 1);
            CHECK(v.continuations[0].channels == chs);
        }
        CHECK(data == k - 1);
        CHECK(space.continuationCount() == 1);

        // A second, complete set of data for another join: fires immediately.
        CHECK_FALSE(space.produce(chs[k - 1], V{-5, 7}, false)); // wrong tag: no COMM
        auto comm = space.produce(chs[k - 1], V{static_cast<int>(k - 1), 7}, false);
        REQUIRE(comm);
        CHECK(comm->continuation == 1);
        for (size_t i = 0; i < k; ++i) {
            CHECK(comm->data[i] == V{static_cast<int>(i), 7});
        }
        CHECK(dump(space) == chs[k - 1] + ": (-5,7)\n");
    }
}

TEST_CASE("a join with a non-matching datum on one channel takes nothing", "[rspace][join]") {
    TestMatcher m;
    TestSpace space(m);
    CHECK_FALSE(space.produce("a", V{1}, false));
    CHECK_FALSE(space.produce("b", V{2}, false));
    CHECK_FALSE(consumeN(space, {"a", "b"}, {{1}, {3}}, 1));
    CHECK(dump(space).find("(1)") != std::string::npos);
    CHECK(dump(space).find("(2)") != std::string::npos);
    auto comm = space.produce("b", V{3}, false);
    REQUIRE(comm);
    CHECK(vec(comm->data) == std::vector<V>{{1}, {3}});
    CHECK(dump(space) == "b: (2)\n");
}

TEST_CASE("join data persistence and peek", "[rspace][join][peek]") {
    TestMatcher m;
    TestSpace space(m);
    SECTION("persistent datum on one channel stays") {
        CHECK_FALSE(space.produce("a", V{1}, true));
        CHECK_FALSE(space.produce("b", V{2}, false));
        auto comm = consumeN(space, {"a", "b"}, {{kAny}, {kAny}}, 1);
        REQUIRE(comm);
        CHECK(dump(space) == "a: (1)!!\n");
    }
    SECTION("a peeking join leaves every datum") {
        CHECK_FALSE(space.produce("a", V{1}, false));
        CHECK_FALSE(space.produce("b", V{2}, false));
        auto comm = consumeN(space, {"a", "b"}, {{kAny}, {kAny}}, 1, false, /*peek=*/true);
        REQUIRE(comm);
        CHECK(vec(comm->data) == std::vector<V>{{1}, {2}});
        CHECK(space.inspect().size() == 2);
        CHECK(space.continuationCount() == 0);
    }
    SECTION("a stored peeking join, completed by a produce") {
        CHECK_FALSE(consumeN(space, {"a", "b"}, {{kAny}, {kAny}}, 1, false, true));
        CHECK_FALSE(space.produce("a", V{1}, false));
        auto comm = space.produce("b", V{2}, false);
        REQUIRE(comm);
        CHECK(comm->reissueProduce); // the produced datum is re-sent by the caller
        CHECK(dump(space) == "a: (1)\n");
        CHECK_FALSE(space.produce("b", V{2}, false));
        CHECK(space.inspect().size() == 2);
    }
    SECTION("a persistent join fires once per complete set") {
        CHECK_FALSE(consumeN(space, {"a", "b"}, {{kAny}, {kAny}}, 1, /*persistent=*/true));
        for (int i = 0; i < 3; ++i) {
            CHECK_FALSE(space.produce("a", V{i}, false));
            auto comm = space.produce("b", V{i}, false);
            REQUIRE(comm);
            CHECK(comm->persistentContinuation);
            CHECK(vec(comm->data) == std::vector<V>{{i}, {i}});
        }
        CHECK(space.continuationCount() == 1);
        CHECK(space.commCount() == 3);
    }
}

TEST_CASE("a produce skips an unsatisfiable join for a later candidate", "[rspace][join]") {
    TestMatcher m;
    TestSpace space(m);
    CHECK_FALSE(consumeN(space, {"a", "b"}, {{kAny}, {kAny}}, 1)); // oldest, but b is empty
    CHECK_FALSE(consume1(space, "a", {kAny}, 2));
    auto comm = space.produce("a", V{5}, false);
    REQUIRE(comm);
    CHECK(comm->continuation == 2);
    CHECK(space.continuationCount() == 1);
    // Once b has data the join is the oldest satisfiable candidate.
    CHECK_FALSE(space.produce("b", V{6}, false));
    CHECK_FALSE(consume1(space, "a", {kAny}, 3));
    comm = space.produce("a", V{7}, false);
    REQUIRE(comm);
    CHECK(comm->continuation == 1);
    CHECK(vec(comm->data) == std::vector<V>{{7}, {6}});
    CHECK(dump(space) == "a: k3[a(_)]\n");
}

TEST_CASE("joins over colliding channel keys", "[rspace][join][collision]") {
    TestMatcher m;
    CollidingSpace space(m);
    CHECK_FALSE(consumeN(space, {"a", "b", "c"}, {{kAny}, {kAny}, {kAny}}, 1));
    CHECK_FALSE(space.produce("c", V{3}, false));
    CHECK_FALSE(space.produce("a", V{1}, false));
    auto comm = space.produce("b", V{2}, false);
    REQUIRE(comm);
    CHECK(vec(comm->data) == std::vector<V>{{1}, {2}, {3}});
    CHECK(space.channelEntryCount() == 0);
    CHECK(space.continuationCount() == 0);
}

} // namespace
} // namespace rho::rspace::test
