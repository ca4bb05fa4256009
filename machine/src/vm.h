// File: vm.h (private)
// Vm: what the interpreter loop calls out to: RSpace operations with their COMM
// handling, spawning, the primitive route (principle 5) and fresh names. It hosts the
// primitive processor (it is its ProcessorHost). Shared by every worker; every
// method is thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <span>

#include "machine.h"
#include "rho/machine/runtime.h"
#include "rho/primitives/processor.h"
#include "rho/primitives/registry.h"
#include "space_types.h"

namespace rho::machine {

class ActiveQueue;

class Vm final : public primitives::ProcessorHost {
  public:
    Vm(const RuntimeOptions& options, Space& space, const primitives::Registry& registry);
    ~Vm() override;

    // Starts a machine on [code] with [frame] (sized to code->numSlots).
    void spawn(std::shared_ptr<const bytecode::Code> code, std::vector<Value> frame);
    // Starts every process branch of [v] (EXEC).
    void exec(const Value& v);
    // produce, with its COMM (and the re-issues of persistent data / peeks).
    void send(const Value& channel, std::vector<Value> args, bool persistent, int& budget);
    // consume of a receive body, with its COMM (and re-issues of a persistent receive).
    void receive(std::span<const Value> channels, std::shared_ptr<const bytecode::Code> body,
                 std::vector<Value> captures, int& budget);
    // The channel trick: moves the top [n] operands of m's stack into a Request for
    // operation [handler] (a registry id) on m's private channel, where the primitive
    // processor consumes it; pushes the answer. False (m.fault set) when the answer is
    // a fault.
    bool primitive(Machine& m, uint32_t handler, uint32_t n);
    // The registry id of operator [op] and of the method / system process named by
    // symbol [symbol] (Code::symbols); Registry::kNoHandler when none.
    [[nodiscard]] uint32_t operatorHandler(bytecode::Op op) const { return opHandlers_[static_cast<uint8_t>(op)]; }
    [[nodiscard]] uint32_t methodHandler(uint32_t symbol) const { return registry_.methodId(symbol); }
    [[nodiscard]] uint32_t systemProcess(uint32_t symbol) const { return registry_.systemProcessId(symbol); }
    Value freshName();
    void reportFault(const Machine& m);
    // Ends [m]: returns it (and its private channel) to the pool.
    void retire(Machine* m);

    // Starts a run on [q] with [workers] workers; endRun() frees the pooled machines
    // and closes their private channels.
    void beginRun(ActiveQueue* q, unsigned workers);
    void endRun();
    [[nodiscard]] int budget() const { return options_.reductionBudget; }
    [[nodiscard]] const primitives::Registry& registry() const { return registry_; }

    // ProcessorHost.
    void write(primitives::OutputStream stream, std::string_view text) override;
    void send(const Value& channel, std::vector<Value> args) override;
    void beginAsync() override;
    void endAsync() override;

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
    // Per worker, touched only by its own thread: machines to reuse (each keeps its
    // private channel, renewed for every new sequence).
    struct alignas(64) WorkerCache {
        std::vector<Machine*> machines;
    };
    WorkerCache& cache();

    std::vector<std::unique_ptr<WorkerCache>> caches_;
    void runComm(Comm& comm);

    RuntimeOptions options_;
    Space& space_;
    const primitives::Registry& registry_;
    primitives::Processor processor_;
    std::array<uint32_t, 256> opHandlers_{};
    ActiveQueue* queue_ = nullptr;
    std::atomic<uint64_t> nextName_{0};
    uint64_t nameKey_ = 0;
    std::mutex outputMu_;
};

} // namespace rho::machine
