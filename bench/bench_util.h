// File: bench_util.h
// Helpers for the whole-VM benchmarks: compile a program once, run it in a fresh
// runtime per iteration, and report the run's own counters as rates.
#pragma once

#include <benchmark/benchmark.h>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "rho/compiler/compiler.h"
#include "rho/machine/runtime.h"

namespace rho::bench {

inline bytecode::Program compileOrDie(const std::string& src) {
    auto r = compiler::compileSource(src, "bench.rho");
    if (!r.diagnostics.empty()) {
        std::fputs(r.diagnostics.render("bench.rho", src).c_str(), stderr);
        std::abort();
    }
    return *r.program;
}

// Runs [src] once per iteration on a runtime opened with [o] (output to /dev/null),
// timing only the run (not the runtime's start-up), and reports COMMs, primitive
// requests and reductions per second as counters.
inline void runProgram(benchmark::State& state, const std::string& src, machine::RuntimeOptions o) {
    bytecode::Program program = compileOrDie(src);
    std::FILE* devnull = std::fopen("/dev/null", "w");
    o.out = devnull;
    o.err = devnull;
    uint64_t prims = 0, comms = 0, steps = 0;
    double seconds = 0;
    for (auto _ : state) {
        state.PauseTiming();
        auto rt = machine::Runtime::open(o);
        if (!rt.ok())
            std::abort();
        state.ResumeTiming();
        auto s = (*rt)->run(program);
        if (!s.ok() || s->errors != 0)
            std::abort();
        prims += s->primitiveRequests;
        comms += s->comms;
        steps += s->steps;
        seconds += s->seconds;
        state.PauseTiming();
        rt->reset(); // closing the runtime is not part of the measurement
        state.ResumeTiming();
    }
    state.counters["primitives/s"] = benchmark::Counter(static_cast<double>(prims), benchmark::Counter::kIsRate);
    state.counters["comms/s"] = benchmark::Counter(static_cast<double>(comms), benchmark::Counter::kIsRate);
    state.counters["reductions/s"] = benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
    std::fclose(devnull);
}

} // namespace rho::bench
