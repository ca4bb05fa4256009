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
    kInterrupt, // Runtime::requestStop from an interactive user (the REPL's Ctrl-C): this run only
    kPhlo,   // RuntimeOptions::phloLimit: "Computation ran out of phlogistons."
};

struct RunStats {
    uint64_t machines = 0;          // sequences run (machines started)
    uint64_t comms = 0;             // COMM events on public channels
    uint64_t primitiveRequests = 0; // requests served by the primitive processor
    uint64_t privateComms = 0;      // COMMs on machines' private channels (the channel trick)
    uint64_t lateAnswers = 0;       // requests answered later: the machine's fiber waited
    uint64_t rests = 0;             // a worker left contended work to the others (load compaction)
    uint64_t backlogYields = 0;     // sends that stored onto a deep channel and ended their slice
    uint64_t heldSends = 0;         // sends to a deep channel held back and produced in batches
    uint64_t leasedData = 0;        // data a receive took from its worker's lease of a deep channel
    uint64_t errors = 0;            // processes ended by a run-time error
    uint64_t steps = 0;             // reductions
    uint64_t bytesAllocated = 0;    // heap bytes of the values the machines built (estimate)
    int outputErrno = 0;            // the output (RuntimeOptions::out) could not be written: why (errno)
    uint64_t checkpoints = 0;       // checkpoints written during the run (checkpointEvery*), not the final one
    uint64_t channelsLoaded = 0;    // channels read from the store when first touched (a data directory)
    uint64_t channelsEvicted = 0;   // channels dropped from memory after the checkpoints during the run
    bool stepLimitReached = false;  // RuntimeOptions::maxSteps stopped the run
    StopReason stopReason = StopReason::kNone; // a limit or a signal stopped the run
    double seconds = 0;             // wall time from the first machine to quiescence
    double checkpointSeconds = 0;   // the end-of-run checkpoint's wall time (with a data directory)
    // With RuntimeOptions::meterPhlo: the phlogistons the run cost as the reference
    // charges a deploy (the limit when it ran out).
    std::optional<uint64_t> cost;
    // With RuntimeOptions::profile: the sequences that spent the most reductions, by
    // source position, from the resource map.
    struct Consumer {
        std::string where; // file:line:col of the sequence
        uint64_t machines = 0, steps = 0, comms = 0, primitiveRequests = 0, bytesAllocated = 0;
    };
    std::vector<Consumer> top;
    // Stopped by RuntimeOptions::maxMemoryBytes: the sequences whose machines built the
    // most bytes (the resource map accounts every machine's values, those the primitive
    // processor built for it included), at most three.
    std::vector<Consumer> memoryTop;
    // What the RhoSpec harness reported (rho:test:*), in the order it happened.
    std::vector<primitives::TestEvent> tests;
};

// What Runtime::verify found in a data directory.
struct StoreReport {
    uint64_t dataRecords = 0;         // records of channels with data
    uint64_t continuationRecords = 0; // records of waiting receives
    std::vector<std::string> problems; // one line per damage found; empty: sound
};

// The LMDB figures of a durable space (`inspect --stat`; as mdb_stat prints them).
struct StoreStats {
    uint64_t mapSize = 0;
    uint64_t lastPage = 0;
    uint64_t lastTxnId = 0;
    uint32_t pageSize = 0;
    uint32_t maxReaders = 0;
    uint32_t readers = 0;
    struct Db {
        std::string name;
        uint64_t entries = 0;
        uint32_t depth = 0;
        uint64_t branchPages = 0;
        uint64_t leafPages = 0;
        uint64_t overflowPages = 0;
    };
    std::vector<Db> dbs;
};

// What the space holds, channel by channel (inspect, run --print-storage).
struct ListingOptions {
    bool sendsOnly = false; // only the data: after a run, the sends no receive matched
    std::string channel;    // only channels whose printed name contains this ("": all)
    // Rholang source that recreates the space (rhovm inspect): strings and byte arrays
    // as a program writes them, unforgeable names as variables u_0, u_1, ... (numbered
    // in the order they first appear) that SpaceListing::unforgeables lists for a `new`
    // around the text; channels sorted by their text with those names masked, so two
    // spaces that differ only in their unforgeable names list alike. false: as the
    // reference prints (run --print-storage, as rnode eval shows it).
    bool source = false;
};
struct SpaceListing {
    struct Channel {
        std::string name;                  // printed, as in a program: @{"ch"}, @{[1, 2]}
        std::vector<std::string> sends;    // oldest first; `!!` for persistent ones
        std::vector<std::string> receives; // oldest first; a join under its first channel only
    };
    std::vector<Channel> channels; // sorted by name; only those with something listed
    std::vector<std::string> unforgeables; // with ListingOptions::source: the variables used
    size_t sends = 0;
    size_t receives = 0;
    // Requests in flight on private channels (machines waiting for a late answer of
    // the primitive processor), e.g. `sha256Hash(...)`; none with sendsOnly.
    std::vector<std::string> inFlight;
};

// What still waits in the space after a run, and why nothing takes it (`rhovm run
// --report-stuck`). Items made at the same place for the same reason are folded into
// one (count); each list is in source order. Positions come with
// RuntimeOptions::trackOrigins; without it, or for what an earlier run left in a data
// directory, where is "(unknown)".
struct StuckReport {
    struct Item {
        std::string where; // file:line:col of the send or receive
        std::string what;  // the (first) send or receive, as a program writes it
        std::string why;   // why nothing takes it
        uint64_t count = 0;
    };
    std::vector<Item> sends;     // data that no receive took
    std::vector<Item> receives;  // receives still waiting (a join once)
    std::vector<Item> contracts; // persistent receives (contracts) listening: waiting is their job
    std::vector<std::string> inFlight; // requests the primitive processor has not answered
    uint64_t sendCount = 0, receiveCount = 0, contractCount = 0;
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
    // Writes what changed in the space since the last checkpoint to the data directory,
    // in one write transaction (run() does this at its end unless
    // RuntimeOptions::checkpointAfterRun is false). Not while run() is in progress.
    // Errors: FailedPrecondition without a data directory or when read-only; LMDB's.
    absl::Status checkpoint();
    // The deploy the following runs stand for (rho:rchain:deployerId, rho:block:data),
    // in place of RuntimeOptions::deploy: a later run in the same space may be another
    // deployer's, as later deploys on a node are. Not while run() is in progress.
    void setDeploy(const primitives::DeployData& deploy);
    // Stops the run in progress at a safe point, as a limit does: no machine starts
    // another slice, the machines left are dropped, and run() returns (checkpointing
    // the space as it stands: the state after the COMMs that completed). Any thread
    // (a signal watcher); at most the first reason counts. Before or between runs it
    // stops the next run at once. kSignal stops every later run too; any other reason
    // only the run in progress (or the next).
    void requestStop(StopReason reason);

    // What waits in the space and why (StuckReport). Not while run() is in progress.
    [[nodiscard]] StuckReport stuckReport() const;
    using ListingOptions = machine::ListingOptions;
    using SpaceListing = machine::SpaceListing;
    // Returns a copy: nothing in it refers to the space. Never fails. System processes'
    // listeners are the runtime's and not listed.
    // Threads: unlike the other methods it may be called while run() is in progress,
    // from any thread; it takes every lock of the space for as long as it copies, so
    // it shows one consistent moment and stalls the workers meanwhile (cost: linear in
    // the space's size).
    SpaceListing listing(const ListingOptions& options = {}) const;
    // Errors: FailedPrecondition without a data directory; LMDB's.
    absl::StatusOr<StoreStats> storeStats() const;
    // The listing as text: each channel as a line `// channel NAME`, then its sends and
    // receives, the items joined by ` |` (so the text is one Rholang process), then the
    // requests in flight and a summary as comments: `// 2 channels, 1 send, 1 receive`.
    // With ListingOptions::source and unforgeable names, the items are inside
    // `new u_0, u_1 in { ... }`. "" when nothing is listed.
    std::string inspect(const ListingOptions& options = {}) const;

    struct Impl;

  private:
    explicit Runtime(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace rho::machine
