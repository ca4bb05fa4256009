// File: kernel.h (private)
// Kernel: the services machines call into, as processes call an operating system's
// kernel (not the VM: that is the interpreter loop, the machines and this together):
// RSpace operations with their COMM handling, starting machines, the channel trick
// (principle 5) and fresh names. It
// hosts the primitive processor (its ProcessorHost) and, during a run, holds the run's
// three scheduling maps: the active queue, the resource map and (through the space)
// the blocked map of waiting continuations. Shared by every worker; every method is
// thread-safe.
#pragma once

#include "absl/container/flat_hash_map.h"

#include <array>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <span>

#include "active_queue.h"
#include "machine.h"
#include "machine_pool.h"
#include "origin_sites.h"
#include "phlo_meter.h"
#include "resource_map.h"
#include "rho/machine/options.h"
#include "rho/machine/runtime.h" // StopReason
#include "rho/primitives/processor.h"
#include "rho/primitives/registry.h"
#include "space_types.h"

namespace rho::machine {

class Kernel final : public primitives::ProcessorHost {
  public:
    Kernel(const RuntimeOptions& options, Space& space, const primitives::Registry& registry);
    ~Kernel() override;
    Kernel(const Kernel&) = delete;
    Kernel& operator=(const Kernel&) = delete;

    // A run: the machines come from [pool], wait in [queue], and account in [resources].
    void beginRun(ActiveQueue& queue, ResourceMap& resources, MachinePool& pool);
    // The run's phlogiston meter (null: an unmetered run, the default).
    void setMeter(PhloMeter* meter) { meter_ = meter; }
    // Where sends and receives are made, kept with what waits (run --report-stuck);
    // null: not tracked. Set between runs.
    void setOrigins(OriginSites* origins) { origins_ = origins; }
    // Reductions counted so far in this run (when counted: a step limit or a progress
    // monitor; up to a batch per worker behind). Any thread.
    [[nodiscard]] uint64_t stepsSoFar() const { return steps_.load(std::memory_order_relaxed); }
    [[nodiscard]] PhloMeter* meter() const { return meter_; }
    void endRun();

    // A machine for [code] (its frame empty, to be filled by the caller); start() queues it.
    Machine* newMachine(std::shared_ptr<const bytecode::Code> code);
    void start(Machine* m);
    // Runs [m] now, nested in the caller's slice and spending its [budget]: for a
    // sequence that only sends (it cannot block or spawn), so nesting stays one level.
    // Queued like start() if the budget runs out first, or if one of its requests could
    // be answered late (the caller's fiber would wait with it).
    void runNow(Machine* m, int& budget);
    // [m]'s sequence has ended and the object goes on with another (a SPAWN's last
    // branch): the ended sequence is accounted like a retired machine, and [m] gets a
    // new identity.
    void handOff(Machine& m);
    // Starts every process branch of [v] (EXEC).
    void exec(const Value& v);
    // produce, with its COMM (and the re-issues of persistent data / peeks), on behalf of
    // [by] (null: the processor) whose usage it charges. [tail]: the send ends [by]'s
    // sequence; then, when the COMM fires a continuation that may run on this worker,
    // [by] becomes that continuation's machine (its sequence accounted as ended, a new
    // identity, the body at pc 0) instead of a new machine being queued, and the result
    // is true: the caller continues [by] from its new code. A scheduling choice the
    // calculus allows (the body runs now, on this worker), as SPAWN's last branch.
    // [msg] is the space's (or the outbox's) when stored or held: moved from then.
    bool send(Machine* by, const Value& channel, Message& msg, bool persistent, int& budget, bool tail = false);
    // consume of a receive body, with its COMM (and re-issues of a persistent receive).
    // A one-shot receive that fires at once makes [by] the body's machine, as a tail
    // send does (true: continue [by] from its new code).
    bool receive(Machine& by, std::span<const Value> channels, std::shared_ptr<const bytecode::Code> body,
                 Captures captures, int& budget);
    // The channel trick: moves the top [n] operands of m's stack into a Request for
    // operation [handler] (a registry id) on m's private channel, where the primitive
    // processor consumes it; waits (suspending m's fiber) if the answer comes late;
    // pushes the answer. False (m.fault set) when the answer is a fault.
    bool primitive(Machine& m, uint32_t handler, uint32_t n);
    // The registry id of operator [op] and of the method / system process named by
    // symbol [symbol] (Code::symbols); Registry::kNoHandler when none.
    [[nodiscard]] uint32_t operatorHandler(bytecode::Op op) const { return opHandlers_[static_cast<uint8_t>(op)]; }
    [[nodiscard]] uint32_t methodHandler(uint32_t symbol) const { return registry_.methodId(symbol); }
    [[nodiscard]] uint32_t systemProcess(uint32_t symbol) const { return registry_.systemProcessId(symbol); }
    // What `new x(`urn`)` binds for a URN that names a value of the deploy rather than
    // a system process (rho:rchain:deployerId, rho:rchain:deployId): false for others.
    bool deployValue(uint32_t symbol, Value& out) const;
    // The URN `new x(`urn`)` binds to [name] in this runtime (a system process's
    // channel, the deployer or deploy id, an unknown URN's name), or "" for any other.
    [[nodiscard]] std::string urnOf(const Value& name) const;
    Value freshName() override;
    // Whether [name] is an unforgeable name freshName() returned in this runtime (no
    // false positives: the id is inverted to its worker and counter, which must be one
    // already handed out). False for every name of a seeded run, whose ids repeat
    // from run to run (so a stored one is never taken for new).
    [[nodiscard]] bool mintedHere(const Value& name) const;
    void reportFault(const Machine& m);
    // [m] ended on worker [w]: its usage goes to the resource map and the object back
    // to the pool.
    void retire(unsigned w, Machine* m);
    // [m] ended (queued or not): usage to the resource map, object back to the pool.
    void finish(unsigned w, Machine* m);
    // [n] reductions spent by [m] on worker [w]; trips the step limit.
    void chargeSteps(unsigned w, Machine& m, int n);

    // Backpressure on a deep channel (rspace::kDeepBacklog): a send that stores onto one
    // ends its machine's time slice (the machine yields, so the channel's receivers get
    // to run, as BEAM charges a send to a long message queue), and a receive that takes
    // from one holding more than half that backlog renews its slice, up to
    // kMaxDrainSlices times (~50 ms here), so that it drains the backlog while it is in
    // cache, instead of in the 1/n-th of the time that n senders would leave it. While
    // a worker drains, senders on the other workers do not yield (it takes what they
    // store as they store it; their yields would only cost them the queue). With other
    // workers (and no step limit or seed), the receiver then hands the machines waiting
    // on its worker to them (ActiveQueue::shed) and drains on for kMaxDrainSlices more,
    // and so on: the senders run elsewhere, and the receiver does not come back to them
    // through the shared queue (which moved it from worker to worker, with a third of
    // the senders on its worker: fan-in on two threads, median of 8, 0.375 s, shedding
    // 0.342 s). Only senders running elsewhere keep a backlog deep, so workers that all
    // drain soon run out of backlog. Both are scheduling choices (a yield, a longer
    // slice): nothing ever waits for a backlog to shrink. Fan-in
    // (bench/rholang/fanin.rho, 1,000 senders, one receiver) peaks at 16 MB instead of
    // 78 MB and runs 1.4x faster on one thread.
    static constexpr int kMaxDrainSlices = 256;
    static constexpr int64_t kMaxDrainShift = int64_t{1} << 30; // reductions in one drained slice
    // Worker [w] starts a slice; what it spent is the budget it used plus budgetShift(w).
    void beginSlice(unsigned w) {
        StepCounter& c = stepCounters_[w];
        c.shift = 0;
        c.drainBase = 0;
        if (c.draining.load(std::memory_order_relaxed))
            c.draining.store(false, std::memory_order_relaxed);
    }
    [[nodiscard]] int64_t budgetShift(unsigned w) const {
        return w < stepCounters_.size() ? stepCounters_[w].shift : 0;
    }
    [[nodiscard]] uint64_t backlogYields() const { return backlogYields_.load(std::memory_order_relaxed); }

    // Held-back sends to a channel another worker receives from. When a machine's send
    // on worker w stores onto a channel that is deep (kStoredDeep), or fires a receive
    // another worker installed or stores while another worker holds the channel's lock,
    // twice in a row on the same channel (a producer chain and a consumer chain on two
    // workers, as in bench/rholang/spawn.rho: a "cross" outbox), w opens its outbox
    // for that channel: its machines' later one-shot sends to it are held there and
    // produced kOutboxBatch at a time under one acquisition of the channel's lock
    // (Space::produceBatch). So the senders and the receiver on
    // the other worker do not pass the lock, the channel entry's cache lines and the
    // receiver's wake-up back and forth at every message: the receiver takes a batch
    // (the first datum by its waiting receive, the rest as stored data) while the
    // sender fills the next one. A send is asynchronous and unordered with the other
    // sends, so producing it a little later is a schedule the calculus allows; every
    // held send is produced before its worker runs out of work, after at most
    // kOutboxSlices slices, and before the run ends. A flush that leaves the channel
    // below half the deep backlog closes a deep outbox; a flush that fires a receive
    // of w's own (or one bound to no worker) closes a cross one: the receiver is here.
    // One channel per worker; none on a metered run or where a checkpoint can be
    // taken during the run (setHoldBack(false)), since a checkpoint between slices
    // must see every send of the machines that ran.
    static constexpr size_t kOutboxBatch = 128;
    static constexpr uint32_t kOutboxSlices = 16;
    // Whether the next runs may hold back sends (between runs only; default on).
    void setHoldBack(bool on) { holdBack_ = on; }
    // Worker [w] produces what it holds back, and returns its lease (a send on worker
    // w, [budget] its slice's: the slice ends when the channel is still deep). True
    // when it held anything.
    bool flushOutbox(unsigned w, int* budget = nullptr);
    // Worker [w] ended a slice: its lease goes back, and every kOutboxSlices slices
    // what it holds back goes out.
    void sliceEnded(unsigned w) {
        if (w < leases_.size() && leases_[w].head != leases_[w].data.size())
            returnLease(w);
        if (outboxesOpen_.load(std::memory_order_relaxed) == 0)
            return;
        Outbox& o = outboxes_[w];
        if (!o.messages.empty() && ++o.slices >= kOutboxSlices)
            flushOutbox(w);
    }
    [[nodiscard]] uint64_t heldSends() const { return heldSends_.load(std::memory_order_relaxed); }
    [[nodiscard]] uint64_t leasedData() const { return leasedData_.load(std::memory_order_relaxed); }
    // Whether some worker's outbox is open (it holds sends back, or will).
    [[nodiscard]] bool batching() const { return outboxesOpen_.load(std::memory_order_relaxed) != 0; }

    [[nodiscard]] int budget() const { return options_.reductionBudget; }
    [[nodiscard]] const primitives::Registry& registry() const { return registry_; }
    // The source text of a program whose code is about to run (by its source name),
    // so that run-time errors show the source line. Between runs only.
    void addSource(const std::shared_ptr<const std::string>& name, std::shared_ptr<const std::string> text);
    [[nodiscard]] uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
    [[nodiscard]] uint64_t slowServed() const { return processor_.slowServed(); }

    // ProcessorHost (any thread).
    void write(primitives::OutputStream stream, std::string_view text) override;
    void systemFault(const primitives::SendSite& site, std::string_view message) override;
    [[nodiscard]] const primitives::DeployData& deploy() const override { return deploy_; }
    // The deploy the next runs stand for (between runs only).
    void setDeploy(const primitives::DeployData& deploy);
    bool readStored(const Value& channel, std::vector<Value>& out) override;
    bool updateStored(const Value& channel, const primitives::SystemContext::Decide& decide) override;
    void testEvent(primitives::TestEvent event) override;
    // The RhoSpec outcomes recorded since the last call (Runtime::run's report).
    std::vector<primitives::TestEvent> takeTestEvents();
    void send(const Value& channel, std::vector<Value> args) override;
    void beginAsync() override;
    void endAsync() override;

    // Set when a limit is reached or a stop is requested: the machines left are
    // dropped. stopReason holds the first reason (a StopReason).
    std::atomic<bool> stopped{false};
    std::atomic<uint8_t> stopReason{0};
    // Any thread: stop the run for [reason] (the first reason is kept).
    void stop(StopReason reason) {
        uint8_t none = 0;
        stopReason.compare_exchange_strong(none, static_cast<uint8_t>(reason));
        stopped.store(true, std::memory_order_relaxed);
    }

  private:
    static constexpr uint32_t kNoSystem = ~0u;
    // What a COMM hands over: taken under the space's locks, made into a machine after
    // they are released (so the locks are held for the COMM only).
    struct Taken {
        bool fired = false;
        bool started = false; // made into a machine already (no lock was held)
        bool continued = false; // the sending machine became the body (no lock was held)
        uint32_t system = kNoSystem; // a system process's listener: its handler
        std::shared_ptr<const bytecode::Code> body; // borrowed for a persistent continuation
        Captures captures;
        Bindings bound; // every bind's bindings (their indexes number the body's bindings)
        uint32_t worker = ~0u;
        size_t backlog = 0; // a receive on one channel: the data it held (CommEvent::backlog)
    };
    // The receiver of every COMM (called under the space's locks, unless e.locked is
    // false). [inPlace]: the machine whose tail send this is, which may become the
    // fired body: here when no lock is held (t.continued), else by continueIn.
    void take(CommEvent& e, Taken& t, Machine* inPlace);
    // Starts the machine of a taken COMM (not for a system process's message).
    void startTaken(Taken& t);
    // True when [t] may continue on [by] (this worker may run it); then [by] becomes it.
    bool continueIn(Machine& by, Taken& t);
    // Whether [by] may become a body installed by worker [worker] (Continuation::worker).
    [[nodiscard]] bool mayContinueIn(const Machine& by, unsigned worker) const;
    // [by]'s sequence ends (accounted as a retired machine) and it starts [body] at pc 0
    // with an empty stack; the caller fills its frame.
    void enter(Machine& by, std::shared_ptr<const bytecode::Code> body);

    RuntimeOptions options_;
    Space& space_;
    const primitives::Registry& registry_;
    // (alignas(64) below: the fields every worker reads at every step sit on lines that
    // no worker writes during a run; the shared counters each have a line of their own.)
    alignas(64) primitives::Processor processor_;
    // True when [code] makes a request the processor could answer late.
    [[nodiscard]] bool mayWait(const bytecode::Code& code) const;

    // The COMM's charges on a metered run (phlo_meter.h): refunds of what it removed
    // from the space and its event costs. [byProduce]: a produce triggered it.
    void chargeComm(const CommEvent& e, bool byProduce, bool triggerPersistent);

    alignas(64) PhloMeter* meter_ = nullptr;
    OriginSites* origins_ = nullptr;
    std::array<uint32_t, 256> opHandlers_{};
    bool anySlow_ = false; // the registry has a kSlow operator or method
    // The run in progress.
    ActiveQueue* queue_ = nullptr;
    ResourceMap* resources_ = nullptr;
    MachinePool* pool_ = nullptr;
    // Step limit: reductions are added to steps_ in batches of stepBatch_ per worker.
    struct alignas(64) StepCounter {
        int64_t pending = 0;
        int64_t shift = 0; // the slice's budget moved by backpressure (beginSlice)
        int64_t drainBase = 0; // [shift] when the drain's last kMaxDrainSlices began
        std::atomic<bool> draining{false}; // the slice was renewed to drain (read by all)
    };
    // Backpressure: [budget] ends at the next safepoint (yield) or starts over (drain).
    void yieldSlice(int& budget);
    void drainSlice(int& budget);
    alignas(64) std::atomic<uint64_t> backlogYields_{0};
    struct alignas(64) Outbox {
        bool open = false;
        Value channel; // the deep channel (when open)
        std::vector<Message> messages;
        std::vector<uint16_t> origins;
        uint32_t slices = 0; // ended since the oldest held message
        bool cross = false; // opened by a send that fired another worker's receive
        Value lastCross;    // the channel of the last such send
    };
    void closeOutbox(Outbox& o);
    // A receive on [channels] by this worker found nothing and waits: a cross outbox
    // it holds for one of them is flushed and closed. The worker's own machines take
    // from that channel, so what it holds back may be what they (and the other
    // worker's) wait for: a shared cell (`for (@c <- cell) { cell!(c + 1) | ... }` in
    // chains on two workers) waited up to kOutboxSlices slices for each update.
    void receiving(std::span<const Value> channels);
    // Holds [msg] back in the outbox of this worker when it is open for [channel]
    // (then true: the send is done as far as its machine knows).
    bool holdBack(Machine& by, const Value& channel, Message& msg, int& budget);
    // A send stored onto a deep channel, or ([cross], crossFired) twice in a row fired
    // a receive another worker installed or stored while another worker held the
    // channel's lock: this worker's outbox opens for it.
    void openOutbox(const Value& channel, bool cross = false);
    // A one-shot send on this worker fired a receive another worker installed, or
    // stored its datum while another worker held the channel's lock (a receiver there
    // draining what this worker's chain sends): the second one in a row on the same
    // [channel] opens the outbox for it (a channel that serves one message, such as a
    // call's return channel, does not).
    void crossFired(const Value& channel);
    alignas(64) std::vector<Outbox> outboxes_;
    // Leases, the receiving side of held-back sends: a one-shot receive on one channel
    // that took a datum from a channel holding more than kLeaseMin moves a run of up to
    // kLeaseRun of its oldest one-shot data out of the space (Space::takeRun, one lock
    // acquisition) into its worker's lease; the worker's next receives on that channel
    // take from it with no lock and no hash lookup (fromLease: still a COMM, matched
    // and counted). So a receiver draining a channel that another worker fills meets
    // the channel's lock and cache lines once per run, not once per message. Leased
    // data are out of the space, as if those receives came first (a schedule the
    // calculus allows): other receivers, joins and peeks wait for them, so a lease is
    // short. It goes back (produceHeld, firing what waits) when the worker's slice ends,
    // before it idles or rests (flushOutbox), and when a receive there does not match
    // its next datum. Not on a metered or seeded run, nor where a checkpoint can be
    // taken during the run (setHoldBack(false)).
    static constexpr size_t kLeaseMin = 32;
    static constexpr size_t kLeaseRun = 64;
    struct alignas(64) Lease {
        Value channel;
        std::vector<Message> data;
        std::vector<uint16_t> origins;
        size_t head = 0;
        size_t backlog = 0; // what the channel held after the run was leased
        uint32_t shard = 0; // the channel's (Space::shardFor)
    };
    // A receive of [by] on [channel] with continuation [k], from this worker's lease:
    // 0, not served (no lease of that channel, or its next datum does not match: then
    // the lease goes back); 1, served and [by] continues in the body; 2, served and the
    // body queued.
    int fromLease(Machine& by, const Value& channel, Continuation& k, int& budget);
    // A receive on this worker took a datum from [channel], which still holds [backlog]:
    // the worker leases a run of it, unless it holds a lease already.
    void lease(const Value& channel, size_t backlog);
    // Worker [w]'s lease goes back to the space. True when it held anything.
    bool returnLease(unsigned w);
    struct Produced {
        size_t backlog = 0;     // the channel's data count after
        bool firedHere = false; // a receive of this worker (or of none) took one
    };
    // Worker [w] produces [messages] (held back or leased: [returned]) on [channel],
    // under one lock acquisition per batch, and starts what they fire.
    Produced produceHeld(unsigned w, const Value& channel, std::span<Message> messages,
                         std::span<const uint16_t> origins, bool returned = false);
    std::vector<Lease> leases_;
    bool holdBack_ = true;
    std::vector<StepCounter> stepCounters_;
    alignas(64) std::atomic<unsigned> outboxesOpen_{0}; // read on every send: 0 almost always
    alignas(64) std::atomic<uint64_t> heldSends_{0};
    alignas(64) std::atomic<uint64_t> leasedData_{0}; // added as each lease ends
    alignas(64) int64_t stepBatch_ = 1;
    bool countSteps_ = false;
    alignas(64) std::atomic<uint64_t> steps_{0};
    // Fresh names: per worker counters (one more for threads outside the workers), so
    // minting a name touches no shared counter.
    struct alignas(64) NameCounter {
        std::atomic<uint64_t> next{0}; // written by its worker only (read by mintedHere)
    };
    alignas(64) std::vector<NameCounter> nameCounters_;
    std::mutex foreignNameMu_;
    uint64_t nameKey_ = 0;
    std::mutex testMu_;
    std::vector<primitives::TestEvent> testEvents_;
    const uint32_t deployerIdSymbol_;
    const uint32_t deployIdSymbol_;
    primitives::DeployData deploy_; // options_.deploy, or what setDeploy set
    // Source texts by source name (addSource); read by any worker during a run.
    absl::flat_hash_map<std::string, std::shared_ptr<const std::string>> sources_;
    // `file:line:col: error: message` with the source line and a caret.
    std::string renderError(const bytecode::Code* code, uint32_t pc, std::string_view message) const;
    Value deployerId_;              // of deploy_.deployerKey
    Value deployId_;         // a fresh name for each run (one run, one deploy)
    alignas(64) std::atomic<uint64_t> errors_{0};
    std::mutex outputMu_;
};

} // namespace rho::machine
