// File: options.h
// RuntimeOptions: what a user sets for a Runtime (runtime.h): threads, seed, data
// directory, output streams, budgets and limits, the primitive registry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rho/primitives/registry.h" // DeployData

namespace rho::machine {

// A sample of a run in progress (RuntimeOptions::onProgress).
struct Progress {
    double seconds = 0;       // since the run began
    uint64_t steps = 0;       // reductions so far
    uint64_t comms = 0;       // COMMs on public channels so far
    int64_t liveMachines = 0; // started and not ended: ready, running, or waiting for an answer
    uint64_t parked = 0;      // continuations waiting in the space (receives and contracts)
    // With RuntimeOptions::progressDetail (`run --top`):
    struct Sequence {         // the sequences that spent the most, by source position, over
        std::string where;    // the machines that have ended so far (cumulative)
        uint64_t machines = 0, steps = 0, comms = 0, requests = 0;
    };
    std::vector<Sequence> sequences; // most reductions first
    struct Channel {          // the channels with the longest queues now
        std::string name;     // as a program writes it (a system channel by its URN)
        uint64_t sends = 0;   // data stored, waiting for a receive
        uint64_t receives = 0; // continuations waiting (a join under each of its channels)
    };
    std::vector<Channel> channels; // most waiting first
};

struct RuntimeOptions {
    unsigned threads = 0;             // worker threads; 0 = the machine's cores
    std::optional<uint64_t> seed;     // deterministic: one thread, seeded names
    std::string dataDir;              // LMDB directory; empty: the space lives in memory only
    // The store's map (address space, not disk): it starts at mapSizeBytes and a
    // checkpoint that fills it doubles it, up to maxMapSizeBytes (`run --map-size`).
    size_t mapSizeBytes = size_t{64} << 20;
    size_t maxMapSizeBytes = size_t{1} << 40;
    // Open the data directory to read only (inspect, verify): no writer lock, nothing
    // ever written, and run() is refused.
    bool readOnly = false;
    // When another process writes the data directory, wait for it to finish instead of
    // failing (`run --wait`).
    bool waitForStore = false;
    std::FILE* out = stdout;          // rho:io:stdout
    std::FILE* err = stderr;          // rho:io:stderr and run-time error messages
    // Reductions a machine may run before it yields to others (BEAM's CONTEXT_REDS).
    int reductionBudget = 2000;
    // Stop the run after this many reductions in all (0: no limit). The machines
    // still live are dropped; the space is checkpointed as it stands. Workers add their
    // reductions in batches, so a run may overshoot by about 1%.
    uint64_t maxSteps = 0;
    // Stop the run after this many seconds of wall time (0: no limit), as maxSteps does.
    double timeoutSeconds = 0;
    // Stop the run when the process's resident memory would exceed this many bytes (0:
    // no limit): sampled every few milliseconds, and checked before the primitive
    // processor builds a large value (a string doubled 40 times is refused before it
    // is allocated). The run ends as with maxSteps.
    uint64_t maxMemoryBytes = 0;
    // Phlogiston accounting (RHOLANG.md 13; `run --cost`, `--phlo-limit`): charge each
    // run as the reference charges a deploy (parsing, evaluation steps, substitution and
    // storage by serialized size, COMM events). Off by default: an unmetered run does
    // none of it. phloLimit 0: no limit; otherwise the run stops, in every branch, when
    // the charges would exceed it (StopReason::kPhlo), and its cost is the limit.
    bool meterPhlo = false;
    uint64_t phloLimit = 0;
    // Checkpoint the space during a run (with a data directory), every this many COMMs
    // and / or every this many seconds (0: never; `run --checkpoint-every`), besides the
    // checkpoint at its end. The workers are held between steps for each one (no COMM
    // is half done, no persistent send or receive is between its COMM and its
    // reissue): a checkpoint holds the space after a set of whole COMMs. Machines
    // running at that moment are not in it: a run killed later resumes from the
    // space, not from the middle of those processes.
    uint64_t checkpointEveryComms = 0;
    double checkpointEverySeconds = 0;
    // With a data directory: checkpoint at the end of every run() (false: only when
    // Runtime::checkpoint is called, as the REPL's .checkpoint does; a later open of
    // the directory then finds the space as of that checkpoint).
    bool checkpointAfterRun = true;
    // Run-time errors in colour (ANSI escapes, as compile errors on a terminal).
    bool colorErrors = false;
    // Keep each run's usage by source position (RunStats::top; `rhovm run --stats`).
    bool profile = false;
    // Keep with every stored send and waiting receive the source position that made
    // it, for Runtime::stuckReport (`rhovm run --report-stuck`): a lookup per send and
    // receive (a thread-local cache in front of a table).
    bool trackOrigins = false;
    // Called from a monitor thread every progressIntervalSeconds while a run is in
    // progress (the live status line of `rhovm run`). Empty: no sampling, and
    // reductions are not counted as they happen.
    std::function<void(const Progress&)> onProgress;
    double progressIntervalSeconds = 0.25;
    // Samples also carry the busiest sequences and the longest channel queues
    // (Progress::sequences, channels): each worker locks its own totals at a machine's
    // end, and each sample walks the space's channels.
    bool progressDetail = false;
    // Stack reserved for each runner fiber: address space, touched only as deep as
    // hashing, printing or encoding a value recurses (printing a quote nested 10^6
    // deep touches about 1.7 GiB). Under ulimit -v, a share of the limit instead.
    size_t fiberStackBytes = size_t{8} << 30;
    // The primitive processor's handlers (operators, methods, system processes); null:
    // primitives::Registry::standard(). Must outlive the runtime. A program can call a
    // handler registered here (as a method or through `new x(`urn`)`) with no change to
    // the machine.
    const primitives::Registry* registry = nullptr;
    // The deploy and block the run is in: rho:block:data, rho:rchain:deployerId
    // (default: outside a block, the documented default deployer key).
    primitives::DeployData deploy;
    // Bench only: hand each request to the primitive processor by a plain call instead
    // of the private channel's two COMMs, to measure what the channel costs
    // (bench/runtime_bench.cpp, BM_PrimitiveRoute*).
    bool directPrimitives = false;
};

} // namespace rho::machine
