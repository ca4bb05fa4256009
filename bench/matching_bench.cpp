// Channel matching through the full Rholang path (compiler, machines, the space, the
// spatial matcher): N-way joins, deep and wide patterns, and the memory a parked
// receive costs.

#include <benchmark/benchmark.h>
#include <cstdio>
#include <fstream>
#include <malloc.h>
#include <string>

#include "bench_util.h"

namespace {

// K rounds; each round sends one message on each of N channels, and a persistent join
// over the N channels takes one from each: K join COMMs of N data.
std::string joinProgram(int n, int rounds) {
    std::string names, binds, sends;
    for (int i = 0; i < n; ++i) {
        names += (i ? ", c" : "c") + std::to_string(i);
        binds += (i ? " & @x" : "@x") + std::to_string(i) + " <= c" + std::to_string(i);
        sends += "c" + std::to_string(i) + "!(k) | ";
    }
    return "new " + names + ", feed in { for (" + binds + ") { Nil } | contract feed(@k) = { if (k > 0) { " +
           sends + "feed!(k - 1) } } | feed!(" + std::to_string(rounds) + ") }";
}

// [src] on one worker thread.
void runOnOneThread(benchmark::State& state, const std::string& src) {
    rho::machine::RuntimeOptions o;
    o.threads = 1;
    rho::bench::runProgram(state, src, o);
}

void BM_JoinThroughRholang(benchmark::State& state) {
    runOnOneThread(state, joinProgram(static_cast<int>(state.range(0)), 20000));
}
BENCHMARK(BM_JoinThroughRholang)->UseRealTime()->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Arg(16)->Unit(benchmark::kMillisecond);

// [rounds] sends of [value] (in which k is the round) to a persistent receive whose
// pattern is [pattern].
std::string matchProgram(const std::string& pattern, const std::string& value, int rounds) {
    return "new ch, feed in { for (@" + pattern + " <= ch) { Nil } | contract feed(@k) = { if (k > 0) { ch!(" +
           value + ") | feed!(k - 1) } } | feed!(" + std::to_string(rounds) + ") }";
}

// A value and a pattern nested [depth] lists deep: [[[...[k]...]]] against
// [[[...[x]...]]], through a persistent receive.
std::string deepProgram(int depth, int rounds) {
    std::string value = "k", pattern = "x";
    for (int i = 0; i < depth; ++i) {
        value = "[" + value + "]";
        pattern = "[" + pattern + "]";
    }
    return matchProgram(pattern, value, rounds);
}

void BM_MatchDeepPattern(benchmark::State& state) {
    runOnOneThread(state, deepProgram(static_cast<int>(state.range(0)), 20000));
}
BENCHMARK(BM_MatchDeepPattern)->UseRealTime()->Arg(1)->Arg(8)->Arg(32)->Unit(benchmark::kMillisecond);

// A map of [width] entries against a map pattern naming every key, binding every value:
// {"k0" : k, ...} against {"k0" : x0, ...}.
std::string wideProgram(int width, int rounds) {
    std::string value = "{", pattern = "{";
    for (int i = 0; i < width; ++i) {
        value += (i ? ", \"k" : "\"k") + std::to_string(i) + "\" : k";
        pattern += (i ? ", \"k" : "\"k") + std::to_string(i) + "\" : x" + std::to_string(i);
    }
    value += "}";
    pattern += "}";
    return matchProgram(pattern, value, rounds);
}

void BM_MatchWidePattern(benchmark::State& state) {
    runOnOneThread(state, wideProgram(static_cast<int>(state.range(0)), 20000));
}
BENCHMARK(BM_MatchWidePattern)->UseRealTime()->Arg(1)->Arg(8)->Arg(32)->Unit(benchmark::kMillisecond);

// Anonymous resident memory of this process, in bytes (Linux): the hot store and the
// machines, not LMDB's file-backed pages. Freed heap memory is returned to the system
// first, so what remains is what is held.
long rssAnonBytes() {
    malloc_trim(0);
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("RssAnon:", 0) == 0)
            return std::stol(line.substr(8)) * 1024;
    }
    return -1;
}

// 10^6 receives parked at once and the memory each one holds while it waits: no
// machine, fiber or stack, a continuation. Read after the run (quiescent: everything
// parked, every machine ended; without a data directory nothing is written to LMDB).
// Arg 1: each on a channel of its own (a fresh name: the channel's entry counts too);
// arg 0: all on one channel.
void BM_ParkedReceiveMemory(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    const bool ownChannel = state.range(1) != 0;
    const std::string park = ownChannel ? "new x in { for (_ <- x) { Nil } }" : "for (_ <- shared) { Nil }";
    const std::string src = "new park, shared in { contract park(@n) = { if (n > 0) { " + park +
                            " | park!(n - 1) } } | park!(" + std::to_string(n) + ") }";
    rho::bytecode::Program program = rho::bench::compileOrDie(src);
    for (auto _ : state) {
        rho::machine::RuntimeOptions o;
        o.threads = 1;
        auto rt = rho::machine::Runtime::open(o);
        if (!rt.ok())
            std::abort();
        const long before = rssAnonBytes();
        auto s = (*rt)->run(program);
        if (!s.ok())
            std::abort();
        state.counters["bytes/parked receive"] = static_cast<double>(rssAnonBytes() - before) / n;
        state.PauseTiming();
        rt->reset();
        state.ResumeTiming();
    }
}
BENCHMARK(BM_ParkedReceiveMemory)
    ->Args({1000000, 1})
    ->Args({1000000, 0})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

} // namespace
