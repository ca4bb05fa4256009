// File: runtime.h
// Runtime: runs compiled Rholang programs on state machines over a tuplespace.
// It owns the RSpace (hot store + LMDB history), the scheduler (an active queue of
// ready machines with work stealing, drained by Boost.Fiber runners on N threads)
// and the primitive processor. One Runtime = one tuplespace; run() may be called
// several times (each call runs one program to quiescence, then checkpoints when the
// space is durable).
//
//   RuntimeOptions o; o.dataDir = "space";           // durable between runs
//   RHO_ASSIGN_OR_RETURN(auto rt, Runtime::open(o));
//   RHO_ASSIGN_OR_RETURN(RunStats s, rt->run(program));
//   if (s.errors) ... // run-time errors were printed to o.err
//
// Thread-safety: one thread calls a Runtime's methods at a time.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "rho/bytecode/code.h"
#include "rho/machine/options.h"

namespace rho::machine {

// Why a run ended before quiescence.
enum class StopReason : uint8_t {
    kNone,   // it ran until nothing was left to run
    kSteps,  // RuntimeOptions::maxSteps
    kTime,   // RuntimeOptions::timeoutSeconds
    kMemory, // RuntimeOptions::maxMemoryBytes
    kSignal, // Runtime::requestStop (SIGINT, SIGTERM)
    kStore,  // a checkpoint during the run failed (run() returns its error)
};

struct RunStats {
    uint64_t machines = 0;          // sequences run (machines started)
    uint64_t comms = 0;             // COMM events on public channels
    uint64_t primitiveRequests = 0; // requests served by the primitive processor
    uint64_t privateComms = 0;      // COMMs on machines' private channels (the channel trick)
    uint64_t lateAnswers = 0;       // requests answered later: the machine's fiber waited
    uint64_t rests = 0;             // a worker left contended work to the others (load compaction)
    uint64_t errors = 0;            // processes ended by a run-time error
    uint64_t steps = 0;             // reductions
    uint64_t bytesAllocated = 0;    // heap bytes of the values the machines built (estimate)
    int outputErrno = 0;            // the output (RuntimeOptions::out) could not be written: why (errno)
    uint64_t checkpoints = 0;       // checkpoints written during the run (checkpointEvery*), not the final one
    bool stepLimitReached = false;  // RuntimeOptions::maxSteps stopped the run
    StopReason stopReason = StopReason::kNone; // a limit or a signal stopped the run
    double seconds = 0;             // wall time from the first machine to quiescence
    // With RuntimeOptions::profile: the sequences that spent the most reductions, by
    // source position, from the resource map.
    struct Consumer {
        std::string where; // file:line:col of the sequence
        uint64_t machines = 0, steps = 0, comms = 0, primitiveRequests = 0, bytesAllocated = 0;
    };
    std::vector<Consumer> top;
    // What the RhoSpec harness reported (rho:test:*), in the order it happened.
    std::vector<primitives::TestEvent> tests;
};

// What Runtime::verify found in a data directory.
struct StoreReport {
    uint64_t dataRecords = 0;         // records of channels with data
    uint64_t continuationRecords = 0; // records of waiting receives
    std::vector<std::string> problems; // one line per damage found; empty: sound
};

class Runtime {
  public:
    // Errors: those of rspace::History::open (the data directory) and attach
    // (a corrupt or foreign space).
    static absl::StatusOr<std::unique_ptr<Runtime>> open(const RuntimeOptions& options);
    ~Runtime();

    // Reads the whole store of options.dataDir, read-only: every record's checksum,
    // the digest (records lost or added), then every record decoded as a space would
    // load it. Lists every problem rather than stopping at the first.
    // Errors: the store cannot be opened at all (missing, foreign, truncated, in
    // another format); the message names why.
    static absl::StatusOr<StoreReport> verify(const RuntimeOptions& options);

    // Runs [program] until no machine is ready, then (with a data directory) checkpoints
    // the space to LMDB
    // in one write transaction. Run-time errors end only their process; they are
    // printed to options.err as `file:line:col: error: message` and counted.
    // Errors (Status): a failed checkpoint.
    absl::StatusOr<RunStats> run(const bytecode::Program& program);
    // The deploy the following runs stand for (rho:rchain:deployerId, rho:block:data),
    // in place of RuntimeOptions::deploy: a later run in the same space may be another
    // deployer's, as later deploys on a node are. Not while run() is in progress.
    void setDeploy(const primitives::DeployData& deploy);
    // Stops the run in progress at a safe point, as a limit does: no machine starts
    // another slice, the machines left are dropped, and run() returns (checkpointing
    // the space as it stands: the state after the COMMs that completed). Any thread
    // (a signal watcher); at most the first reason counts. Before or between runs it
    // stops the next run at once.
    void requestStop(StopReason reason);

    // Everything the space holds, as text: for each channel that holds data or waiting
    // receives, in channel-key order (stable from run to run), a line
    // `// channel NAME`, then its sends oldest first (`NAME!(args)`, `!!` for
    // persistent ones) and its receives oldest first (a join listed once, under its
    // first channel); then one line per request in flight on a private channel (a
    // machine waiting for a late answer of the primitive processor). "" when the
    // space is empty. System processes' listeners are the runtime's and not listed.
    // Returns a copy: nothing in it refers to the space. Never fails.
    // Threads: unlike the other methods it may be called while run() is in progress,
    // from any thread; it takes every lock of the space for as long as it copies, so
    // it shows one consistent moment and stalls the workers meanwhile (cost: linear in
    // the space's size).
    // [sendsOnly]: only the data (`run --unmatched-sends-only`: after a run every datum
    // left is one no receive matched), no continuations or requests in flight.
    std::string inspect(bool sendsOnly = false) const;

    struct Impl;

  private:
    explicit Runtime(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace rho::machine
