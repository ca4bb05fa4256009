// File: property_test.cpp
// Properties over random interleavings (Catch2 generators, seeded by --rng-seed):
// data and continuations are conserved (every one ends in exactly one COMM or stays),
// COMM counts with wildcard receives do not depend on order, a quiescent space has no
// stored datum that a stored continuation would take, joins take all or nothing,
// checkpoint + reopen equals the in-memory space; and a two-thread smoke test.
#include "test_types.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <thread>

namespace rho::rspace::test {
namespace {

using V = std::vector<int>;

struct Op {
    bool produce = false;
    std::vector<std::string> channels; // one for a produce
    std::vector<TestTypes::Pattern> patterns;
    V datum;
    int id = 0; // datum uid (datum[1]) or continuation id
};

// Run [ops] in order; every COMM's data uids and continuation ids are appended.
struct Outcome {
    std::multiset<int> consumedData; // uids
    std::multiset<int> firedConts;   // continuation ids
    std::vector<size_t> commArities; // data per COMM
    bool arityMismatch = false;
};

Outcome run(TestSpace& space, const std::vector<Op>& ops) {
    Outcome out;
    auto record = [&out](const Comm<TestTypes>& comm, size_t arity) {
        out.firedConts.insert(comm.continuation);
        out.commArities.push_back(comm.data.size());
        if (comm.data.size() != arity || comm.bindings.size() != arity) {
            out.arityMismatch = true;
        }
        for (const V& d : comm.data) {
            out.consumedData.insert(d[1]);
        }
    };
    std::map<int, size_t> arityOf;
    for (const Op& op : ops) {
        if (!op.produce) {
            arityOf[op.id] = op.channels.size();
        }
    }
    for (const Op& op : ops) {
        if (op.produce) {
            if (auto comm = space.produce(op.channels[0], op.datum, false)) {
                record(*comm, arityOf[comm->continuation]);
            }
        } else if (auto comm = consumeN(space, op.channels, op.patterns, op.id)) {
            record(*comm, op.channels.size());
        }
    }
    return out;
}

// Ops on [numChannels] channels: data (tag, uid) with tag in [0, numTags); receives of
// arity 1..maxArity over distinct channels with patterns (tag or _, _).
std::vector<Op> randomOps(std::mt19937& rng, size_t count, int numChannels, int numTags, size_t maxArity,
                          bool wildcardsOnly) {
    std::vector<Op> ops;
    std::uniform_int_distribution<int> chDist(0, numChannels - 1);
    std::uniform_int_distribution<int> tagDist(0, numTags - 1);
    std::uniform_int_distribution<size_t> arityDist(1, maxArity);
    for (size_t i = 0; i < count; ++i) {
        Op op;
        op.id = static_cast<int>(i);
        op.produce = rng() % 2 == 0;
        if (op.produce) {
            op.channels.push_back(named("c", chDist(rng)));
            op.datum = V{tagDist(rng), op.id};
        } else {
            const size_t arity = std::min(arityDist(rng), static_cast<size_t>(numChannels));
            std::set<int> picked;
            while (picked.size() < arity) {
                picked.insert(chDist(rng));
            }
            std::vector<int> order(picked.begin(), picked.end());
            std::shuffle(order.begin(), order.end(), rng);
            for (int c : order) {
                op.channels.push_back(named("c", c));
                std::optional<int> tag =
                    wildcardsOnly || rng() % 2 == 0 ? kAny : std::optional<int>(tagDist(rng));
                op.patterns.push_back({tag, kAny});
            }
        }
        ops.push_back(std::move(op));
    }
    return ops;
}

// Every datum uid and continuation id appears exactly once: in a COMM or in the space.
void checkConservation(const TestSpace& space, const std::vector<Op>& ops, const Outcome& out) {
    std::multiset<int> data = out.consumedData;
    std::set<int> conts(out.firedConts.begin(), out.firedConts.end());
    CHECK(conts.size() == out.firedConts.size()); // no continuation fired twice
    for (const auto& view : space.inspect()) {
        for (const auto& [d, persistent] : view.data) {
            data.insert(d[1]);
        }
        for (const auto& w : view.continuations) {
            if (view.channel == w.channels[0]) { // count a join once
                CHECK(conts.insert(w.continuation).second);
            }
        }
    }
    std::multiset<int> producedData;
    std::set<int> allConts;
    for (const Op& op : ops) {
        (op.produce ? static_cast<void>(producedData.insert(op.id))
                    : static_cast<void>(allConts.insert(op.id)));
    }
    CHECK(data == producedData);
    CHECK(conts == allConts);
}

// No stored continuation could fire on the stored data (else a COMM was missed).
void checkQuiescent(const TestSpace& space) {
    TestMatcher m;
    std::map<std::string, std::vector<V>> dataOn;
    std::vector<typename ChannelView<TestTypes>::Waiting> waiting;
    for (const auto& view : space.inspect()) {
        for (const auto& [d, persistent] : view.data) {
            dataOn[view.channel].push_back(d);
        }
        for (const auto& w : view.continuations) {
            if (view.channel == w.channels[0]) {
                waiting.push_back(w);
            }
        }
    }
    for (const auto& w : waiting) {
        bool all = true;
        for (size_t i = 0; i < w.channels.size() && all; ++i) {
            bool any = false;
            for (const V& d : dataOn[w.channels[i]]) {
                TestTypes::Bindings b;
                any = any || m.match(w.patterns[i], d, b);
            }
            all = any;
        }
        CHECK_FALSE(all);
    }
}

TEST_CASE("wildcard receives: COMM counts do not depend on the order", "[rspace][property]") {
    const int seed = GENERATE(take(25, random(0, 1000000000)));
    std::mt19937 rng(static_cast<uint32_t>(seed));
    std::vector<Op> ops = randomOps(rng, 120, 4, 1, 1, /*wildcardsOnly=*/true);
    std::map<std::string, std::pair<size_t, size_t>> counts; // channel -> (produces, consumes)
    for (const Op& op : ops) {
        auto& c = counts[op.channels[0]];
        (op.produce ? c.first : c.second)++;
    }
    size_t expectedComms = 0;
    for (const auto& [ch, c] : counts) {
        expectedComms += std::min(c.first, c.second);
    }
    for (int shuffle = 0; shuffle < 3; ++shuffle) {
        std::shuffle(ops.begin(), ops.end(), rng);
        TestMatcher m;
        TestSpace space(m);
        Outcome out = run(space, ops);
        CHECK(space.commCount() == expectedComms);
        for (const auto& view : space.inspect()) {
            const auto& [produces, consumes] = counts[view.channel];
            CHECK(view.data.size() == (produces > consumes ? produces - consumes : 0));
            CHECK(view.continuations.size() == (consumes > produces ? consumes - produces : 0));
        }
        checkConservation(space, ops, out);
        checkQuiescent(space);
    }
}

TEST_CASE("random patterns and joins: conservation, all-or-nothing, quiescence", "[rspace][property][join]") {
    const int seed = GENERATE(take(40, random(0, 1000000000)));
    std::mt19937 rng(static_cast<uint32_t>(seed));
    const size_t maxArity = GENERATE(as<size_t>{}, 1, 3);
    std::vector<Op> ops = randomOps(rng, 150, 5, 3, maxArity, false);
    TestMatcher m;
    TestSpace space(m);
    Outcome out = run(space, ops);
    CHECK_FALSE(out.arityMismatch); // every COMM carries one datum per channel of its join
    checkConservation(space, ops, out);
    checkQuiescent(space);
    CHECK(space.commCount() == out.commArities.size());

    // The same ops in another order conserve the same totals.
    std::shuffle(ops.begin(), ops.end(), rng);
    TestSpace other(m);
    Outcome out2 = run(other, ops);
    CHECK_FALSE(out2.arityMismatch);
    checkConservation(other, ops, out2);
    checkQuiescent(other);
}

TEST_CASE("checkpoint + reopen equals the in-memory space", "[rspace][property][history]") {
    const int seed = GENERATE(take(10, random(0, 1000000000)));
    std::mt19937 rng(static_cast<uint32_t>(seed));
    std::vector<Op> ops = randomOps(rng, 200, 6, 3, 3, false);
    TempDir dir;
    TestMatcher m;
    std::string expected;
    {
        auto history = History::open(dir.path(), kDefaultMapSizeBytes);
        REQUIRE(history.ok());
        TestSpace space(m);
        REQUIRE(space.attach(**history).ok());
        for (size_t i = 0; i < ops.size(); i += 37) { // checkpoints at irregular points
            std::vector<Op> chunk(ops.begin() + static_cast<std::ptrdiff_t>(i),
                                  ops.begin() + static_cast<std::ptrdiff_t>(std::min(i + 37, ops.size())));
            run(space, chunk);
            REQUIRE(space.checkpoint().ok());
        }
        expected = dump(space);
    }
    auto history = History::open(dir.path(), kDefaultMapSizeBytes);
    REQUIRE(history.ok());
    TestSpace space(m);
    REQUIRE(space.attach(**history).ok());
    CHECK(dump(space) == expected);
}

TEST_CASE("two threads on shared channels: every datum is consumed exactly once", "[rspace][concurrency]") {
    constexpr int kPerThread = 20000;
    const std::vector<std::string> channels = {"x", "y", "z"};
    TestMatcher m;
    TestSpace space(m);
    std::vector<int> consumed[2];
    auto worker = [&](int t) {
        std::mt19937 rng(static_cast<uint32_t>(t + 1));
        std::vector<int>& got = consumed[t];
        for (int i = 0; i < kPerThread; ++i) {
            const std::string& ch = channels[rng() % channels.size()];
            const int uid = t * kPerThread + i;
            if (auto comm = space.produce(ch, V{0, uid}, false)) {
                got.push_back(comm->data[0][1]);
            }
            const std::string& ch2 = channels[rng() % channels.size()];
            if (auto comm = consume1(space, ch2, {kAny, kAny}, uid)) {
                got.push_back(comm->data[0][1]);
            }
        }
    };
    std::thread a(worker, 0);
    std::thread b(worker, 1);
    a.join();
    b.join();

    std::vector<int> all = consumed[0];
    all.insert(all.end(), consumed[1].begin(), consumed[1].end());
    size_t waiting = 0;
    for (const auto& view : space.inspect()) {
        for (const auto& [d, persistent] : view.data) {
            all.push_back(d[1]);
        }
        waiting += view.continuations.size();
    }
    std::sort(all.begin(), all.end());
    REQUIRE(all.size() == 2 * kPerThread);
    for (int i = 0; i < 2 * kPerThread; ++i) {
        REQUIRE(all[static_cast<size_t>(i)] == i);
    }
    CHECK(space.commCount() == consumed[0].size() + consumed[1].size());
    CHECK(space.commCount() + waiting == 2 * kPerThread);
    checkQuiescent(space);
}

} // namespace
} // namespace rho::rspace::test
