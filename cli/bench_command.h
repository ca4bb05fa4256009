// File: bench_command.h
// `rhovm bench`: channel matching benchmarked through the full Rholang path (source
// compiled, run by the machines over the space), as a user would run it:
//   join/N      a join over N channels (1..16), round after round
//   deep/D      a message nested D levels deep, matched by a pattern as deep
//   wide/W      a list of W values, matched by a pattern of W binders
//   waiters/W   W receives with distinct patterns waiting on one channel, W sends
//   peer/NAME   the peer workloads of bench/compare.sh (ping-pong, ring, spawn,
//               fan-in, pfib), embedded
// Each case runs [repetitions] times on a fresh space per thread count; the table
// gives the median. --json writes Google Benchmark's JSON format (each repetition
// and the mean, median and stddev aggregates), --plot a PNG bar chart (gnuplot).
#pragma once

#include <string>
#include <vector>

namespace rho::cli {

struct BenchOptions {
    std::string filter;               // only cases whose name matches this regular expression
    std::vector<unsigned> threads{1}; // worker threads, each case once per entry
    unsigned repetitions = 3;
    bool quick = false; // sizes a hundredth or so of the default (tests, a look)
    bool list = false;  // print the case names and run nothing
    std::string json;   // write Google Benchmark JSON here
    std::string plot;   // draw a PNG here
};

// Runs the benchmark; the exit status (0; 1 when a case's program failed or printed
// the wrong result; 2 for bad options or a failed plot).
int runBench(const BenchOptions& options);

} // namespace rho::cli
