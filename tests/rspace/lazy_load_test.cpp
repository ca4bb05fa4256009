// File: lazy_load_test.cpp
// A space that reads channels from its store when first touched (Space::Load::kOnTouch):
// it does what a space loaded whole does, COMM for COMM, with checkpoints and cold
// channels dropped in between; it reads only what it touches (a join's channels
// together); a channel emptied or dropped is never read back stale; names the caller
// minted are not looked up until evicted; a version 4 store gets its index; a damaged
// index is reported.
#include "test_types.h"
#include "absl/strings/str_cat.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <random>
#include <thread>

namespace rho::rspace::test {
namespace {

using V = std::vector<int>;
using Load = TestSpace::Load;

std::unique_ptr<History> openStore(const TempDir& dir) {
    auto history = History::open(dir.path(), kDefaultMapSizeBytes);
    REQUIRE(history.ok());
    return std::move(*history);
}

std::string show(const std::optional<Comm<TestTypes>>& comm) {
    if (!comm)
        return "stored";
    std::string s = absl::StrCat("k", comm->continuation, comm->reissueProduce ? " reissue" : "", ":");
    for (const V& d : comm->data)
        s += " " + str(d);
    return s;
}

// One random operation over channels c0..c[n-1]: a send, a receive (maybe persistent
// or peeking) or a join of two or three channels; its outcome as text.
struct RandomOps {
    std::mt19937_64 rng;
    int channels;
    int nextK = 1000;
    std::string ch(int i) const { return named("c", i); }
    template <class S>
    std::string step(S& space) {
        const int kind = static_cast<int>(rng() % 10);
        const int c = static_cast<int>(rng() % static_cast<uint64_t>(channels));
        const int v = static_cast<int>(rng() % 4);
        const std::optional<int> want = rng() % 3 == 0 ? std::optional<int>() : std::optional<int>(v);
        if (kind < 5)
            return show(space.produce(ch(c), V{v}, rng() % 8 == 0));
        const int k = nextK++;
        if (kind < 8)
            return show(consume1(space, ch(c), {want}, k, rng() % 8 == 0, rng() % 8 == 0));
        std::vector<std::string> chs{ch(c)};
        std::vector<TestTypes::Pattern> pats{{want}};
        const int arity = 2 + static_cast<int>(rng() % 2);
        for (int j = 1; j < arity; ++j) {
            chs.push_back(ch((c + j * 7) % channels));
            pats.push_back({rng() % 2 == 0 ? std::optional<int>() : std::optional<int>(static_cast<int>(rng() % 4))});
        }
        return show(consumeN(space, chs, pats, k, rng() % 8 == 0));
    }
};

// A store holding what [ops] random operations leave on [channels] channels.
void fill(const TempDir& dir, uint64_t seed, int channels, int ops) {
    TestMatcher m;
    auto history = openStore(dir);
    TestSpace space(m);
    REQUIRE(space.attach(*history).ok());
    RandomOps random{std::mt19937_64(seed), channels};
    for (int i = 0; i < ops; ++i)
        (void)random.step(space);
    REQUIRE(space.checkpoint().ok());
}

TEST_CASE("a space loading on touch does what one loaded whole does", "[rspace][lazy]") {
    constexpr int kChannels = 150;
    for (uint64_t seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
        CAPTURE(seed);
        TempDir wholeDir, lazyDir;
        fill(wholeDir, seed, kChannels, 600);
        fill(lazyDir, seed, kChannels, 600);
        TestMatcher m;
        auto wholeHistory = openStore(wholeDir);
        auto lazyHistory = openStore(lazyDir);
        TestSpace whole(m), lazy(m);
        REQUIRE(whole.attach(*wholeHistory, Load::kWhole).ok());
        REQUIRE(lazy.attach(*lazyHistory, Load::kOnTouch).ok());
        CHECK(lazy.loadsOnTouch());
        CHECK(lazy.channelEntryCount() == 0); // nothing read yet
        RandomOps a{std::mt19937_64(seed * 77), kChannels}, b{std::mt19937_64(seed * 77), kChannels};
        size_t evicted = 0;
        for (int i = 1; i <= 1500; ++i) {
            CAPTURE(i);
            REQUIRE(a.step(whole) == b.step(lazy));
            if (i % 100 == 0) {
                REQUIRE(whole.checkpoint().ok());
                REQUIRE(lazy.checkpoint().ok());
                evicted += lazy.evictCold();
            }
        }
        CHECK(evicted > 0); // channels were dropped and read again
        CHECK(lazy.channelsLoaded() > kChannels);
        CHECK(dump(whole) == dump(lazy)); // (inspect reads in whatever is not resident)
        REQUIRE(whole.checkpoint().ok());
        REQUIRE(lazy.checkpoint().ok());
        TestSpace wholeAgain(m), lazyAgain(m);
        // The two stores hold the same, and their indexes agree with their records
        // (a whole load checks the index).
        wholeHistory.reset();
        lazyHistory.reset();
        auto h1 = openStore(wholeDir);
        auto h2 = openStore(lazyDir);
        REQUIRE(wholeAgain.attach(*h1, Load::kWhole).ok());
        REQUIRE(lazyAgain.attach(*h2, Load::kWhole).ok());
        CHECK(dump(wholeAgain) == dump(lazyAgain));
    }
}

TEST_CASE("a touch reads the channel and every channel of the joins waiting on it, nothing else", "[rspace][lazy]") {
    TempDir dir;
    TestMatcher m;
    {
        auto history = openStore(dir);
        TestSpace space(m);
        REQUIRE(space.attach(*history).ok());
        for (int i = 0; i < 100; ++i)
            REQUIRE_FALSE(space.produce(named("x", i), V{i}, false));
        REQUIRE_FALSE(consumeN(space, {"b", "d"}, {{5}, {kAny}}, 12));
        REQUIRE_FALSE(consumeN(space, {"d", "e"}, {{kAny}, {kAny}}, 13));
        REQUIRE(space.checkpoint().ok());
    }
    auto history = openStore(dir);
    TestSpace space(m);
    REQUIRE(space.attach(*history, Load::kOnTouch).ok());
    REQUIRE_FALSE(space.produce("b", V{5}, false)); // b, then d (join 12), then e (join 13)
    CHECK(space.channelEntryCount() == 3);
    CHECK(space.continuationCount() == 2);
    auto comm = space.produce("e", V{7}, false);
    REQUIRE_FALSE(comm); // join 13 needs d
    comm = space.produce("d", V{6}, false); // join 12 is older: it takes d's datum with b's
    REQUIRE(comm);
    CHECK(comm->continuation == 12);
    CHECK(vec(comm->data) == std::vector<V>{{5}, {6}});
    auto x = consume1(space, "x42", {kAny}, 20);
    REQUIRE(x);
    CHECK(vec(x->data) == std::vector<V>{{42}});
    CHECK(space.channelsLoaded() == 4); // b, d, e, x42
}

TEST_CASE("a channel emptied or dropped is not read back from the store before a checkpoint", "[rspace][lazy]") {
    TempDir dir;
    TestMatcher m;
    {
        auto history = openStore(dir);
        TestSpace space(m);
        REQUIRE(space.attach(*history).ok());
        REQUIRE_FALSE(space.produce("a", V{1}, false));
        REQUIRE_FALSE(consume1(space, "r", {kAny}, 7));
        REQUIRE(space.checkpoint().ok());
    }
    auto history = openStore(dir);
    TestSpace space(m);
    REQUIRE(space.attach(*history, Load::kOnTouch).ok());
    auto first = consume1(space, "a", {kAny}, 1); // reads a: [1], takes it, drops the entry
    REQUIRE(first);
    CHECK(vec(first->data) == std::vector<V>{{1}});
    REQUIRE_FALSE(consume1(space, "a", {kAny}, 2)); // not (1) again
    auto fired = space.produce("r", V{3}, false);   // reads r: k7, fires it, drops the entry
    REQUIRE(fired);
    CHECK(fired->continuation == 7);
    REQUIRE_FALSE(space.produce("r", V{4}, false)); // k7 is gone: stored
    CHECK(dump(space) == "r: (4)\na: k2[a(_)]\n");
    REQUIRE(space.checkpoint().ok());
    TestSpace reread(m);
    history.reset();
    auto again = openStore(dir);
    REQUIRE(reread.attach(*again, Load::kOnTouch).ok());
    CHECK(dump(reread) == "r: (4)\na: k2[a(_)]\n");
}

TEST_CASE("names the caller minted are not looked up, unless evicted", "[rspace][lazy]") {
    TempDir dir;
    TestMatcher m;
    {
        auto history = openStore(dir);
        TestSpace space(m);
        REQUIRE(space.attach(*history).ok());
        REQUIRE_FALSE(space.produce("new1", V{1}, false)); // a stored name the test calls fresh below
        REQUIRE(space.checkpoint().ok());
    }
    auto history = openStore(dir);
    TestSpace space(m);
    space.setFreshTest([](const void*, const std::string& ch) { return ch.rfind("new", 0) == 0; }, nullptr);
    REQUIRE(space.attach(*history, Load::kOnTouch).ok());
    // Taken for new: the stored datum is not read (which shows no lookup was made).
    REQUIRE_FALSE(consume1(space, "new1", {kAny}, 1));
    REQUIRE_FALSE(space.produce("new2", V{2}, false));
    CHECK(space.channelsLoaded() == 0);
    REQUIRE(space.checkpoint().ok()); // new1 now holds k1, new2 holds (2)
    REQUIRE(space.evictCold() == 0);  // written by that checkpoint: warm
    REQUIRE(space.checkpoint().ok());
    REQUIRE(space.evictCold() == 2); // untouched since: dropped
    CHECK(space.channelEntryCount() == 0);
    // Evicted names are in the store now: looked up again when touched.
    auto comm = space.produce("new1", V{5}, false);
    REQUIRE(comm);
    CHECK(comm->continuation == 1);
    auto two = consume1(space, "new2", {kAny}, 3);
    REQUIRE(two);
    CHECK(vec(two->data) == std::vector<V>{{2}});
    CHECK(space.channelsLoaded() == 2);
}

TEST_CASE("evictCold keeps contract channels, joins, dirty channels and non-durable receives", "[rspace][lazy]") {
    TempDir dir;
    TestMatcher m;
    auto history = openStore(dir);
    TestSpace space(m);
    REQUIRE(space.attach(*history, Load::kOnTouch).ok());
    REQUIRE_FALSE(consume1(space, "contract", {kAny}, 1, /*persistent=*/true));
    REQUIRE_FALSE(consumeN(space, {"j1", "j2"}, {{kAny}, {kAny}}, 2));
    REQUIRE_FALSE(consume1(space, "native", {kAny}, -1)); // non-durable
    REQUIRE_FALSE(space.produce("plain", V{1}, false));
    REQUIRE(space.checkpoint().ok());
    REQUIRE(space.evictCold() == 0);
    REQUIRE_FALSE(space.produce("dirty", V{1}, false));
    REQUIRE(space.checkpoint().ok());
    REQUIRE_FALSE(space.produce("dirty", V{2}, false)); // changed since the checkpoint
    CHECK(space.evictCold() == 1);                      // plain only
    CHECK(space.channelEntryCount() == 5);
    auto fired = space.produce("contract", V{9}, false);
    REQUIRE(fired);
    CHECK(fired->continuation == 1);
    CHECK(dump(space) == dump(space)); // stable after reading plain back
    auto plain = consume1(space, "plain", {kAny}, 3);
    REQUIRE(plain);
    CHECK(vec(plain->data) == std::vector<V>{{1}});
}

TEST_CASE("a version 4 store is read whole once and gets its index with the first checkpoint", "[rspace][lazy]") {
    TempDir dir;
    TestMatcher m;
    std::string expected;
    {
        auto history = openStore(dir);
        TestSpace space(m);
        REQUIRE(space.attach(*history).ok());
        REQUIRE_FALSE(space.produce("a", V{1}, false));
        REQUIRE_FALSE(consumeN(space, {"b", "c"}, {{kAny}, {kAny}}, 5));
        REQUIRE(space.checkpoint().ok());
        expected = dump(space);
        // What a version 4 store lacks: the index and the version.
        std::vector<History::Del> dels;
        REQUIRE((*history).forEach(History::Db::kWaits, [&dels](std::string_view key, std::string_view) {
                    dels.push_back({History::Db::kWaits, std::string(key)});
                    return absl::OkStatus();
                }).ok());
        CHECK(dels.size() == 2);
        REQUIRE(history->commit(std::vector<History::Put>{}, dels).ok());
        REQUIRE(history->setFormatVersionForTesting(4).ok());
    }
    {
        auto history = openStore(dir);
        CHECK(history->formatVersion() == 4);
        CHECK_FALSE(history->hasWaitsIndex());
        TestSpace space(m);
        REQUIRE(space.attach(*history, Load::kOnTouch).ok());
        CHECK_FALSE(space.loadsOnTouch()); // read whole
        CHECK(space.channelEntryCount() == 3);
        REQUIRE(space.checkpoint().ok());
        CHECK(history->formatVersion() == 5);
    }
    auto history = openStore(dir);
    CHECK(history->hasWaitsIndex());
    TestSpace space(m);
    REQUIRE(space.attach(*history, Load::kOnTouch).ok());
    CHECK(space.loadsOnTouch());
    auto comm = space.produce("b", V{2}, false);
    REQUIRE_FALSE(comm);
    comm = space.produce("c", V{3}, false);
    REQUIRE(comm);
    CHECK(comm->continuation == 5);
    CHECK(dump(space) == "a: (1)\n");
    (void)expected;
}

TEST_CASE("a waits index that disagrees with the continuations is DataLoss", "[rspace][lazy]") {
    TempDir dir;
    TestMatcher m;
    {
        auto history = openStore(dir);
        TestSpace space(m);
        REQUIRE(space.attach(*history).ok());
        REQUIRE_FALSE(consume1(space, "a", {kAny}, 5));
        REQUIRE(space.checkpoint().ok());
        std::vector<History::Put> puts{{History::Db::kWaits, channelKey("z").bytes() + std::string(8, '\x01'), ""}};
        REQUIRE(history->commit(puts, {}).ok());
    }
    auto history = openStore(dir);
    TestSpace whole(m);
    absl::Status s = whole.attach(*history, Load::kWhole);
    CHECK(s.code() == absl::StatusCode::kDataLoss);
    CHECK_THAT(std::string(s.message()), Catch::Contains("the waits index names no continuation"));
    TestSpace lazy(m);
    REQUIRE(lazy.attach(*history, Load::kOnTouch).ok());
    REQUIRE_FALSE(lazy.produce("z", V{1}, false)); // a COMM never fails: z is taken as empty
    CHECK(lazy.loadFailure().code() == absl::StatusCode::kDataLoss);
    absl::Status refused = lazy.checkpoint(); // and nothing is written over the store
    CHECK(refused.code() == absl::StatusCode::kDataLoss);
    CHECK_THAT(std::string(refused.message()), Catch::Contains("which is missing"));
    CHECK(lazy.evictCold() == 0);
}

TEST_CASE("threads touching a store at once read each datum exactly once, checkpoints and evictions beside them",
          "[rspace][lazy][concurrency]") {
    constexpr int kChannels = 64;
    constexpr int kPerChannel = 40;
    TempDir dir;
    TestMatcher m;
    {
        auto history = openStore(dir);
        TestSpace space(m);
        REQUIRE(space.attach(*history).ok());
        for (int c = 0; c < kChannels; ++c)
            for (int i = 0; i < kPerChannel; ++i)
                REQUIRE_FALSE(space.produce(named("c", c), V{c * 1000 + i}, false));
        REQUIRE(space.checkpoint().ok());
    }
    auto history = openStore(dir);
    TestSpace space(m);
    REQUIRE(space.attach(*history, Load::kOnTouch).ok());
    std::atomic<int> taken{0};
    std::vector<std::atomic<int>> seen(kChannels * 1000);
    std::atomic<bool> done{false};
    std::atomic<int> failedCheckpoints{0};
    std::thread keeper([&] { // checkpoints and evictions while the takers run (Catch's macros are not thread-safe)
        while (!done.load()) {
            if (!space.checkpoint().ok())
                failedCheckpoints.fetch_add(1);
            (void)space.evictCold();
            std::this_thread::yield();
        }
    });
    std::vector<std::thread> takers;
    for (int t = 0; t < 4; ++t)
        takers.emplace_back([&, t] {
            std::mt19937_64 rng(static_cast<uint64_t>(t) + 1);
            int k = 10000 * (t + 1);
            while (taken.load() < kChannels * kPerChannel) {
                const std::string ch = named("c", static_cast<int>(rng() % kChannels));
                auto comm = consume1(space, ch, {kAny}, k++);
                if (!comm)
                    continue; // stored: a later produce would fire it (none comes)
                seen[static_cast<size_t>(comm->data[0][0])].fetch_add(1);
                taken.fetch_add(1);
            }
        });
    for (std::thread& t : takers)
        t.join();
    done.store(true);
    keeper.join();
    for (int c = 0; c < kChannels; ++c)
        for (int i = 0; i < kPerChannel; ++i)
            REQUIRE(seen[static_cast<size_t>(c * 1000 + i)].load() == 1);
    REQUIRE(space.loadFailure().ok());
    REQUIRE(failedCheckpoints.load() == 0);
}

} // namespace
} // namespace rho::rspace::test
