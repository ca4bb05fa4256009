// File: concurrency_test.cpp
// The space without a global lock, under N threads: random produces, single-channel
// consumes, joins over channels of different shards and produces to contract channels
// (the lock-free path), all at once. Properties: every datum is consumed exactly once
// or stays; every stored continuation fires at most once or stays; every COMM is
// counted; a join takes data from all its channels or none; the space ends quiescent.
// Also run under ThreadSanitizer (the tsan preset).
#include "test_types.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

namespace rho::rspace::test {
namespace {

using V = std::vector<int>;

constexpr int kChannels = 8;
constexpr int kContractTag = 99;

std::string channel(int i) { return named("s", i); }

// What one thread saw.
struct Seen {
    std::vector<int> takenData;        // uids of data taken by COMMs
    std::vector<int> storedConts;      // ids of continuations stored
    std::vector<int> firedConts;       // ids of continuations that fired
    std::vector<int> producedData;     // uids produced (non-contract)
    std::vector<int> storedData;       // uids stored by a produce
    uint64_t comms = 0;
    uint64_t contractComms = 0;
    uint64_t contractProduces = 0;
    bool bad = false;                  // a COMM whose data did not fit its channels
};

// Checks that the data of [comm] came from the continuation's channels in order:
// datum[0] is the index of the channel it was sent on (contract data: kContractTag).
bool wellFormed(const Comm<TestTypes>& comm, const std::vector<int>& channelsOf) {
    if (comm.data.size() != channelsOf.size())
        return false;
    for (size_t j = 0; j < channelsOf.size(); ++j)
        if (comm.data[j].size() != 2 || comm.data[j][0] != channelsOf[j])
            return false;
    return true;
}

void worker(TestSpace& space, int t, int ops, std::map<int, std::vector<int>>& joinChannels, std::mutex& mu,
            Seen& seen) {
    std::mt19937 rng(static_cast<uint32_t>(1000 + t));
    auto record = [&](const Comm<TestTypes>& comm) {
        ++seen.comms;
        for (const V& d : comm.data)
            seen.takenData.push_back(d[1]);
        if (comm.continuation >= 0)
            seen.firedConts.push_back(comm.continuation);
    };
    for (int i = 0; i < ops; ++i) {
        const int uid = t * ops + i + 1; // unique across threads, positive
        const int r = static_cast<int>(rng() % 100);
        if (r < 40) { // produce on a data channel
            const int c = static_cast<int>(rng() % kChannels);
            seen.producedData.push_back(uid);
            if (auto comm = space.produce(channel(c), V{c, uid}, false)) {
                std::vector<int> chs;
                {
                    std::lock_guard lock(mu);
                    chs = joinChannels[comm->continuation];
                }
                seen.bad = seen.bad || !wellFormed(*comm, chs);
                record(*comm);
            } else {
                seen.storedData.push_back(uid);
            }
        } else if (r < 70) { // single-channel consume
            const int c = static_cast<int>(rng() % kChannels);
            {
                std::lock_guard lock(mu);
                joinChannels[uid] = {c};
            }
            if (auto comm = consume1(space, channel(c), {c, kAny}, uid)) {
                seen.bad = seen.bad || !wellFormed(*comm, {c});
                record(*comm);
                seen.firedConts.pop_back(); // a consume that COMMs at once is not a stored continuation
            } else {
                seen.storedConts.push_back(uid);
            }
        } else if (r < 90) { // a join over 2 or 3 distinct channels
            std::vector<int> chs;
            const size_t n = 2 + rng() % 2;
            while (chs.size() < n) {
                int c = static_cast<int>(rng() % kChannels);
                if (std::find(chs.begin(), chs.end(), c) == chs.end())
                    chs.push_back(c);
            }
            std::vector<std::string> names;
            std::vector<TestTypes::Pattern> pats;
            for (int c : chs) {
                names.push_back(channel(c));
                pats.push_back({c, kAny});
            }
            {
                std::lock_guard lock(mu);
                joinChannels[uid] = chs;
            }
            if (auto comm = consumeN(space, names, pats, uid)) {
                seen.bad = seen.bad || !wellFormed(*comm, chs);
                record(*comm);
                seen.firedConts.pop_back();
            } else {
                seen.storedConts.push_back(uid);
            }
        } else { // a produce to the contract channel: the lock-free path
            ++seen.contractProduces;
            if (auto comm = space.produce("k", V{kContractTag, -uid}, false)) {
                ++seen.comms;
                ++seen.contractComms;
                seen.bad = seen.bad || comm->continuation != -7 || !comm->persistentContinuation;
            }
        }
    }
}

} // namespace

TEST_CASE("N threads: exactly once, nothing lost or duplicated, joins atomic", "[rspace][concurrency]") {
    const int threads = GENERATE(2, 4);
    // Each thread's operations; receives that match nothing pile up, so a produce scans
    // more of them as the run goes on: the time grows with the square of this.
    constexpr int kOps = 8000;
    TestMatcher m;
    TestSpace space(m);
    // A contract: a persistent receive alone on its channel, served without locks.
    REQUIRE_FALSE(consume1(space, "k", {kContractTag, kAny}, -7, /*persistent=*/true));

    std::map<int, std::vector<int>> joinChannels; // continuation id -> its channels
    std::mutex mu;
    std::vector<Seen> seen(static_cast<size_t>(threads));
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back(worker, std::ref(space), t, kOps, std::ref(joinChannels), std::ref(mu),
                          std::ref(seen[static_cast<size_t>(t)]));
    for (std::thread& th : pool)
        th.join();

    std::multiset<int> produced, taken, storedConts, fired;
    uint64_t comms = 0, contractComms = 0, contractProduces = 0;
    for (const Seen& s : seen) {
        CHECK_FALSE(s.bad);
        produced.insert(s.producedData.begin(), s.producedData.end());
        taken.insert(s.takenData.begin(), s.takenData.end());
        storedConts.insert(s.storedConts.begin(), s.storedConts.end());
        fired.insert(s.firedConts.begin(), s.firedConts.end());
        comms += s.comms;
        contractComms += s.contractComms;
        contractProduces += s.contractProduces;
    }
    // What is left in the space.
    std::multiset<int> leftData, waiting;
    for (const auto& view : space.inspect()) {
        for (const auto& [d, persistent] : view.data)
            leftData.insert(d[1]);
        for (const auto& w : view.continuations)
            if (w.channels[0] == view.channel && w.continuation >= 0) // a join once, under its first channel
                waiting.insert(w.continuation);
    }
    // Every datum: taken exactly once, or still there (and never both).
    std::multiset<int> accounted = taken;
    accounted.insert(leftData.begin(), leftData.end());
    CHECK(accounted == produced);
    for (int uid : taken)
        REQUIRE(taken.count(uid) == 1);
    // Every stored continuation: fired exactly once, or still waiting.
    std::multiset<int> conts = fired;
    conts.insert(waiting.begin(), waiting.end());
    CHECK(conts == storedConts);
    // Every produce to the contract channel met the contract, without a lock.
    CHECK(contractComms == contractProduces);
    CHECK(space.commCount() == comms);
    // Quiescent: no waiting single-channel receive on a channel holding data it matches
    // (its pattern's first element equal to a datum's). One set per channel, one check
    // per receive: a check per receive and datum made this test take minutes.
    for (const auto& view : space.inspect()) {
        std::set<int> tags;
        for (const auto& [d, persistent] : view.data)
            tags.insert(d[0]);
        for (const auto& w : view.continuations) {
            if (w.channels.size() != 1 || w.persistent)
                continue;
            CHECK(tags.count(*w.patterns[0][0]) == 0);
        }
    }
}

TEST_CASE("the lock-free contract path while the channel keeps changing", "[rspace][concurrency]") {
    // Threads produce to a contract channel while others add and fire one-shot receives
    // on it, so it is published, withdrawn and published again while being read.
    constexpr int kPerThread = 20000;
    TestMatcher m;
    TestSpace space(m);
    REQUIRE_FALSE(consume1(space, "k", {1, kAny}, -7, /*persistent=*/true));
    std::atomic<uint64_t> contractComms{0}, producerFired{0}, producerStored{0}, tagTwo{0};
    std::atomic<uint64_t> consumerTook{0}, consumerStored{0};
    std::atomic<bool> bad{false};
    auto producer = [&](int t) {
        for (int i = 0; i < kPerThread; ++i) {
            // Tag 1 matches only the contract, tag 2 only the one-shot receives.
            const int tag = (i % 3 == 0) ? 2 : 1;
            tagTwo += tag == 2 ? 1 : 0;
            auto comm = space.produce("k", V{tag, t * 100000 + i}, false);
            if (!comm) {
                bad = bad || tag == 1; // the contract is always there for tag 1
                ++producerStored;
            } else if (comm->continuation == -7) {
                bad = bad || tag != 1;
                ++contractComms;
            } else {
                bad = bad || tag != 2;
                ++producerFired;
            }
        }
    };
    auto changer = [&](int t) {
        for (int i = 0; i < kPerThread; ++i) {
            if (consume1(space, "k", {2, kAny}, 1 + t * 100000 + i))
                ++consumerTook;
            else
                ++consumerStored;
        }
    };
    std::thread a(producer, 0), b(producer, 1), c(changer, 2), d(changer, 3);
    a.join();
    b.join();
    c.join();
    d.join();
    uint64_t leftData = 0, leftOneShot = 0;
    for (const auto& view : space.inspect()) {
        leftData += view.data.size();
        for (const auto& w : view.continuations)
            leftOneShot += w.persistent ? 0 : 1;
    }
    CHECK_FALSE(bad);
    CHECK(contractComms == 2 * kPerThread - tagTwo);
    CHECK(producerFired + producerStored == tagTwo);
    CHECK(leftOneShot == consumerStored - producerFired);
    CHECK(leftData == producerStored - consumerTook);
    CHECK(space.commCount() == contractComms + producerFired + consumerTook);
    // One of the two lists is empty at the end: data and receives that match meet.
    CHECK((leftData == 0 || leftOneShot == 0));
}

} // namespace rho::rspace::test
