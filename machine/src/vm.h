// File: vm.h (private)
// Vm: what the interpreter loop calls out to: RSpace operations with their COMM
// handling, spawning, the primitive route (principle 5) and fresh names. Shared by
// every worker; every method is thread-safe.
#pragma once

#include <atomic>
#include <cstdio>
#include <mutex>
#include <span>

#include "machine.h"
#include "rho/machine/runtime.h"
#include "rho/primitives/registry.h"
#include "space_types.h"

namespace rho::machine {

class ActiveQueue;

class Vm {
  public:
    Vm(const RuntimeOptions& options, Space& space);

    // Starts a machine on [code] with [frame] (sized to code->numSlots).
    void spawn(std::shared_ptr<const bytecode::Code> code, std::vector<Value> frame);
    // Starts every process branch of [v] (EXEC).
    void exec(const Value& v);
    // produce, with its COMM (and the re-issues of persistent data / peeks).
    void send(const Value& channel, std::vector<Value> args, bool persistent, int& budget);
    // consume of a receive body, with its COMM (and re-issues of a persistent receive).
    void receive(std::span<const Value> channels, std::shared_ptr<const bytecode::Code> body,
                 std::vector<Value> captures, int& budget);
    // The channel trick: sends (op, operands) on m's private channel; the primitive
    // processor, a native consumer there, answers on m's reply channel.
    bool primitive(Machine& m, bytecode::Op op, std::span<const Value> operands, Value& result);
    Value freshName();
    void reportFault(const Machine& m);
    // Ends [m]: closes its private channels and frees it.
    void retire(Machine* m);

    // Starts a run on [q] with [workers] workers; endRun() closes the private channels
    // kept open for reuse and frees the pooled machines.
    void beginRun(ActiveQueue* q, unsigned workers);
    void endRun();
    [[nodiscard]] int budget() const { return options_.reductionBudget; }

    std::atomic<uint64_t> machines{0};
    std::atomic<uint64_t> comms{0};
    std::atomic<uint64_t> primitiveRequests{0};
    std::atomic<uint64_t> privateComms{0};
    std::atomic<uint64_t> errors{0};
    std::atomic<uint64_t> steps{0};
    std::atomic<bool> stopped{false};
    // Adds [n] reductions; trips the step limit.
    void charge(uint64_t n) {
        uint64_t total = steps.fetch_add(n, std::memory_order_relaxed) + n;
        if (options_.maxSteps && total >= options_.maxSteps)
            stopped.store(true, std::memory_order_relaxed);
    }

  private:
    // Per worker, touched only by its own thread: machines to reuse, and the ids of
    // private channels whose listeners are open and idle. A private channel is
    // reachable only from the one machine that holds it, so once that machine has
    // ended, the channel can serve the next machine as a fresh private channel, and
    // the listeners need not be installed and removed for every machine.
    struct alignas(64) WorkerCache {
        std::vector<Machine*> machines;
        std::vector<uint64_t> openPrivate;
    };
    WorkerCache& cache();
    void openPrivate(Machine& m);

    std::vector<std::unique_ptr<WorkerCache>> caches_;
    void runComm(Comm& comm);
    void serveNative(Comm& comm);

    RuntimeOptions options_;
    Space& space_;
    ActiveQueue* queue_ = nullptr;
    const primitives::Registry& registry_;
    std::atomic<uint64_t> nextName_{0};
    std::atomic<uint64_t> nextMachine_{1};
    uint64_t nameKey_ = 0;
    std::mutex outputMu_;
};

} // namespace rho::machine
