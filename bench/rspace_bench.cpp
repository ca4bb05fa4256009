// RSpace alone: produce/consume COMMs on one channel, and joins of 2, 4 and 8
// channels, with trivial channel, pattern and datum types so that only the hot
// store's own work is measured (hashing, lookup, list edits, the lock).

#include <benchmark/benchmark.h>
#include <cstring>
#include <string>
#include <vector>

#include "rho/rspace/rspace.h"

namespace {

struct BenchTypes {
    using Channel = uint64_t;
    using Pattern = int;   // -1: any value
    using Datum = int64_t;
    using Continuation = int;
    using Bindings = int64_t;
    static rho::rspace::ChannelKey key(Channel c) {
        uint64_t x = c * 0x9e3779b97f4a7c15ull;
        return {x ^ (x >> 29), c};
    }
    static bool sameChannel(Channel a, Channel b) { return a == b; }
    static bool isDurable(const Continuation&) { return true; }
    static void encode(uint64_t v, std::string& out) { out.append(reinterpret_cast<const char*>(&v), 8); }
    static void encode(int v, std::string& out) { out.append(reinterpret_cast<const char*>(&v), 4); }
    static void encode(int64_t v, std::string& out) { out.append(reinterpret_cast<const char*>(&v), 8); }
    template <class T>
    static bool decode(std::string_view& in, T& v) {
        if (in.size() < sizeof(T))
            return false;
        std::memcpy(&v, in.data(), sizeof(T));
        in.remove_prefix(sizeof(T));
        return true;
    }
};

struct BenchMatcher {
    bool match(int pattern, const BenchTypes::Continuation&, int64_t datum, int64_t& out) const {
        out = datum;
        return pattern < 0 || pattern == datum;
    }
};

using Space = rho::rspace::Space<BenchTypes, BenchMatcher>;

// One COMM per iteration: a consume waits, a produce meets it.
void BM_RSpaceConsumeThenProduce(benchmark::State& state) {
    BenchMatcher m;
    Space space(m);
    uint64_t ch = 7;
    int pattern = -1;
    for (auto _ : state) {
        auto none = space.consume({&ch, 1}, {&pattern, 1}, 1, false, false);
        auto comm = space.produce(ch, 42, false);
        benchmark::DoNotOptimize(none);
        benchmark::DoNotOptimize(comm);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RSpaceConsumeThenProduce);

// One COMM per iteration the other way round: data waits, a consume takes it.
void BM_RSpaceProduceThenConsume(benchmark::State& state) {
    BenchMatcher m;
    Space space(m);
    uint64_t ch = 7;
    int pattern = -1;
    for (auto _ : state) {
        auto none = space.produce(ch, 42, false);
        auto comm = space.consume({&ch, 1}, {&pattern, 1}, 1, false, false);
        benchmark::DoNotOptimize(none);
        benchmark::DoNotOptimize(comm);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RSpaceProduceThenConsume);

// An n-way join per iteration: n-1 data wait, the consume waits for the last one.
void BM_RSpaceJoin(benchmark::State& state) {
    auto n = static_cast<size_t>(state.range(0));
    BenchMatcher m;
    Space space(m);
    std::vector<uint64_t> chs(n);
    std::vector<int> pats(n, -1);
    for (size_t i = 0; i < n; ++i)
        chs[i] = 100 + i;
    for (auto _ : state) {
        for (size_t i = 0; i + 1 < n; ++i)
            benchmark::DoNotOptimize(space.produce(chs[i], static_cast<int64_t>(i), false));
        benchmark::DoNotOptimize(space.consume(chs, pats, 1, false, false));
        auto comm = space.produce(chs[n - 1], 9, false);
        benchmark::DoNotOptimize(comm);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetLabel("COMMs (joins)");
}
BENCHMARK(BM_RSpaceJoin)->Arg(2)->Arg(4)->Arg(8);

// A queue held [depth] deep (a producer a little ahead of its consumer): one produce
// and one COMM per iteration, with the run's random choice among matching data on
// (as a Rholang run has it). Taking a datum from the middle, or appending to a nearly
// full array, must not cost a shift of the queue.
void BM_RSpaceSteadyBacklog(benchmark::State& state) {
    BenchMatcher m;
    Space space(m);
    space.setChoiceSeed(1);
    uint64_t ch = 7;
    int pattern = -1;
    for (int64_t i = 0; i < state.range(0); ++i)
        (void)space.produce(ch, i, false);
    int64_t next = state.range(0);
    for (auto _ : state) {
        benchmark::DoNotOptimize(space.produce(ch, next++, false));
        auto comm = space.consume({&ch, 1}, {&pattern, 1}, 1, false, false);
        benchmark::DoNotOptimize(comm);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RSpaceSteadyBacklog)->Arg(1)->Arg(32)->Arg(200)->Arg(250)->Arg(1000);

// Many distinct channels: the hash lookup at scale (no O(n) scan).
void BM_RSpaceManyChannels(benchmark::State& state) {
    BenchMatcher m;
    Space space(m);
    int pattern = -1;
    auto channels = static_cast<uint64_t>(state.range(0));
    for (uint64_t c = 0; c < channels; ++c)
        (void)space.produce(c, 1, true); // persistent data keeps every channel present
    uint64_t c = 0;
    for (auto _ : state) {
        uint64_t ch = c++ % channels;
        auto comm = space.consume({&ch, 1}, {&pattern, 1}, 1, false, false);
        benchmark::DoNotOptimize(comm);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RSpaceManyChannels)->Arg(1000)->Arg(1000000);

} // namespace
