// Whole-VM benchmarks through the public Runtime: the cost of the primitive
// route (principle 5: arithmetic as requests on the machine's private channel)
// against the same operations served by a direct call, and COMM throughput.

#include <benchmark/benchmark.h>
#include <cstdio>
#include <string>

#include "rho/compiler/compiler.h"
#include "rho/machine/runtime.h"

namespace {

rho::bytecode::Program compileOrDie(const std::string& src) {
    auto r = rho::compiler::compileSource(src, "bench.rho");
    if (!r.diagnostics.empty()) {
        std::fputs(r.diagnostics.render("bench.rho", src).c_str(), stderr);
        std::abort();
    }
    return *r.program;
}

// One machine, a long straight line of arithmetic: 64 operations per run.
std::string arithmeticProgram() {
    std::string e = "1";
    for (int i = 0; i < 32; ++i)
        e = "(" + e + " + " + std::to_string(i) + ") * 1";
    return "@\"sink\"!(" + e + ") | for (_ <- @\"sink\") { Nil }";
}

void runProgram(benchmark::State& state, const std::string& src, bool direct) {
    auto program = compileOrDie(src);
    std::FILE* devnull = std::fopen("/dev/null", "w");
    rho::machine::RuntimeOptions o;
    o.threads = 1;
    o.directPrimitives = direct;
    o.out = devnull;
    auto rt = rho::machine::Runtime::open(o);
    if (!rt.ok())
        std::abort();
    uint64_t prims = 0, comms = 0;
    for (auto _ : state) {
        auto s = (*rt)->run(program);
        prims += s->primitiveRequests;
        comms += s->comms;
    }
    state.counters["primitives/s"] = benchmark::Counter(static_cast<double>(prims), benchmark::Counter::kIsRate);
    state.counters["comms/s"] = benchmark::Counter(static_cast<double>(comms), benchmark::Counter::kIsRate);
    std::fclose(devnull);
}

void BM_PrimitiveRouteChannel(benchmark::State& state) { runProgram(state, arithmeticProgram(), false); }
BENCHMARK(BM_PrimitiveRouteChannel);

void BM_PrimitiveRouteDirect(benchmark::State& state) { runProgram(state, arithmeticProgram(), true); }
BENCHMARK(BM_PrimitiveRouteDirect);

// COMM throughput: 10,000 messages bounced between two contracts.
const char* kPingPong = R"(new ping, pong in {
  contract ping(@n) = { if (n == 0) { Nil } else { pong!(n - 1) } } |
  contract pong(@n) = { ping!(n - 1) } |
  ping!(10000)
})";

void BM_PingPongChannelPrimitives(benchmark::State& state) { runProgram(state, kPingPong, false); }
BENCHMARK(BM_PingPongChannelPrimitives)->Unit(benchmark::kMillisecond);

void BM_PingPongDirectPrimitives(benchmark::State& state) { runProgram(state, kPingPong, true); }
BENCHMARK(BM_PingPongDirectPrimitives)->Unit(benchmark::kMillisecond);

} // namespace
