// File: runtime.cpp
// Wires the runtime together: LMDB history, the space, system processes, the Kernel
// and the workers (see runtime.h).

#include "rho/machine/runtime.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "active_queue.h"
#include "machine_pool.h"
#include "resource_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "rho/base/big_stack.h"
#include "rho/base/status.h"
#include "rho/primitives/memory_limit.h"
#include "rho/primitives/system.h"
#include "rho/rspace/history.h"
#include "kernel.h"
#include "phlo_meter.h"
#include "safe_point.h"
#include "space_listing.h"
#include "stuck_report.h"
#include "scheduler.h"

namespace rho::machine {

struct Runtime::Impl {
    RuntimeOptions options;
    std::unique_ptr<rspace::History> history;
    RhoMatcher matcher;
    Space space{matcher};
    Kernel kernel;
    std::unique_ptr<OriginSites> origins; // with options.trackOrigins
    uint64_t systemListeners = 0;         // continuations of the system processes (not the program's)

    explicit Impl(const RuntimeOptions& o)
        : options(o), kernel(options, space, o.registry ? *o.registry : primitives::Registry::standard()) {
        if (o.trackOrigins) {
            origins = std::make_unique<OriginSites>();
            kernel.setOrigins(origins.get());
        }
    }

    // The system processes of the registry: persistent native listeners on fixed
    // channels, served by the primitive processor. They are not durable, so they are
    // installed afresh by every runtime.
    void installSystemProcesses() {
        const primitives::Registry& r = kernel.registry();
        for (uint32_t id = 0; id < r.size(); ++id) {
            const primitives::Registration& e = r.entry(id);
            if (e.kind != primitives::Registration::Kind::kSystemProcess)
                continue;
            Value ch = primitives::systemChannel(id);
            PatternRef pat{0, e.arity};
            Continuation k{nullptr, {}, Native::kSystem, Continuation::kAnyWorker, id};
            (void)space.consume({&ch, 1}, {&pat, 1}, std::move(k), true, false);
            ++systemListeners;
        }
    }
};

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Runtime::~Runtime() = default;

absl::StatusOr<std::unique_ptr<Runtime>> Runtime::open(const RuntimeOptions& options) {
    RuntimeOptions o = options;
    if (o.seed)
        o.threads = 1; // a deterministic schedule is a single-threaded one
    if (o.threads == 0)
        o.threads = std::max(1u, std::thread::hardware_concurrency());
    // Under an address-space limit, runner stacks share a sixteenth of it per worker.
    o.fiberStackBytes = std::max<size_t>(addressSpaceShare(o.fiberStackBytes, size_t{16} * o.threads), 1 << 20);
    auto impl = std::make_unique<Impl>(o);
    // Without a data directory the space lives in memory only: nobody would read a
    // history, so none is written (no dirty tracking on the COMM path, no checkpoint).
    if (!options.dataDir.empty()) {
        rspace::History::Options ho;
        ho.mapSizeBytes = options.mapSizeBytes;
        ho.maxMapSizeBytes = options.maxMapSizeBytes;
        const std::string tag = SpaceTypes::encodingTag(); // payloadTag is a view of it
        ho.payloadTag = tag;
        ho.readOnly = options.readOnly;
        ho.waitForWriter = options.waitForStore;
        RHO_ASSIGN_OR_RETURN(impl->history, rspace::History::open(options.dataDir, ho));
        // A run reads a channel from the store when it first touches it (a store larger
        // than memory starts at once); a reader lists it all anyway.
        impl->space.setFreshTest(
            [](const void* kernel, const Value& v) { return static_cast<const Kernel*>(kernel)->mintedHere(v); },
            &impl->kernel);
        RHO_RETURN_IF_ERROR(impl->space.attach(*impl->history, options.readOnly ? Space::Load::kWhole
                                                                                : Space::Load::kOnTouch));
    }
    impl->installSystemProcesses();
    return std::unique_ptr<Runtime>(new Runtime(std::move(impl)));
}

namespace {

// The monitor of one run: a thread that looks at the clock, the resident memory and
// the COMM count every few milliseconds, stops the run (Kernel::stop) when a limit is
// over, and checkpoints the space during the run when asked to (holding the workers
// between steps meanwhile, safe_point.h). None when there is nothing to watch.
// Names for reports: a system process's channel by its URN (`rho:io:stdout`), any
// other unforgeable name by the start of its id, enough to tell names apart.
bytecode::PrintStyle reportNames(const Kernel& kernel) {
    return bytecode::PrintStyle{[&kernel](const Value& u) {
                                    if (std::string urn = kernel.urnOf(u); !urn.empty())
                                        return "`" + urn + "`";
                                    std::string id = bytecode::print(u); // Unforgeable(0x...)
                                    return id.size() > 26 ? id.substr(0, 24) + "...)" : id;
                                },
                                nullptr};
}

class RunMonitor {
  public:
    // [systemListeners]: continuations in the space that are not the program's.
    RunMonitor(Kernel& kernel, Space& space, const ActiveQueue& queue, const ResourceMap& resources,
               SafePoint* safePoint, const RuntimeOptions& o, uint64_t systemListeners)
        : kernel_(kernel), space_(space), queue_(queue), resources_(resources), safePoint_(safePoint), options_(o),
          systemListeners_(systemListeners) {
        primitives::setMemoryLimit(o.maxMemoryBytes);
        if (o.timeoutSeconds <= 0 && o.maxMemoryBytes == 0 && safePoint_ == nullptr && !o.onProgress)
            return;
        using Clock = std::chrono::steady_clock;
        auto after = [](double seconds) {
            return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
        };
        const auto deadline = after(o.timeoutSeconds);
        thread_ = std::thread([this, deadline, after] {
            auto nextByTime = after(options_.checkpointEverySeconds);
            auto nextProgress = after(options_.progressIntervalSeconds);
            uint64_t nextByComms = space_.commCount() + options_.checkpointEveryComms;
            std::unique_lock lock(mu_);
            while (!done_) {
                if (options_.timeoutSeconds > 0 && Clock::now() >= deadline)
                    kernel_.stop(StopReason::kTime);
                if (options_.maxMemoryBytes != 0 && primitives::residentBytes() > options_.maxMemoryBytes)
                    kernel_.stop(StopReason::kMemory);
                if (safePoint_ != nullptr && !kernel_.stopped.load(std::memory_order_relaxed)) {
                    bool due = options_.checkpointEverySeconds > 0 && Clock::now() >= nextByTime;
                    uint64_t comms = 0;
                    if (options_.checkpointEveryComms != 0) {
                        comms = space_.commCount();
                        due = due || comms >= nextByComms;
                    }
                    if (due) {
                        lock.unlock();
                        checkpoint();
                        lock.lock();
                        nextByTime = after(options_.checkpointEverySeconds);
                        nextByComms = (comms != 0 ? comms : space_.commCount()) + options_.checkpointEveryComms;
                    }
                }
                if (options_.onProgress && Clock::now() >= nextProgress) {
                    lock.unlock();
                    options_.onProgress(sample());
                    lock.lock();
                    nextProgress = after(options_.progressIntervalSeconds);
                }
                cv_.wait_for(lock, std::chrono::milliseconds(2));
            }
        });
    }
    // The run as it stands (Progress). Any thread.
    Progress sample() const {
        Progress p;
        p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        p.steps = kernel_.stepsSoFar();
        p.comms = space_.commCount();
        p.liveMachines = queue_.liveMachines();
        const uint64_t parked = space_.continuationCount();
        p.parked = parked > systemListeners_ ? parked - systemListeners_ : 0;
        if (options_.progressDetail)
            addDetail(p);
        return p;
    }
    ~RunMonitor() { finish(); }
    // Ends the monitor's thread (after the run): what it wrote can then be read.
    void finish() {
        if (thread_.joinable()) {
            {
                std::lock_guard lock(mu_);
                done_ = true;
            }
            cv_.notify_one();
            thread_.join();
        }
    }
    RunMonitor(const RunMonitor&) = delete;
    RunMonitor& operator=(const RunMonitor&) = delete;

    // After finish(): checkpoints written, the first failure.
    [[nodiscard]] uint64_t checkpoints() const { return checkpoints_; }
    [[nodiscard]] const absl::Status& failure() const { return failure_; }

  private:
    void checkpoint() {
        safePoint_->hold();
        absl::Status status;
        auto write = [this, &status] { status = space_.checkpoint(); };
        if (!runOnBigStack(write)) // encoding recurses once per level of a value
            write();
        if (status.ok()) // what no one touched since the checkpoint before is read again when touched
            space_.evictCold();
        safePoint_->release();
        if (status.ok()) {
            ++checkpoints_;
        } else {
            failure_ = std::move(status);
            kernel_.stop(StopReason::kStore);
            safePoint_ = nullptr; // no more
        }
    }

    // The busiest sequences (the resource map's) and the channels with the longest
    // queues (a walk of the space keeping the top few).
    void addDetail(Progress& p) const {
        constexpr size_t kShown = 12;
        for (const ResourceMap::Consumer& c : resources_.top(kShown))
            p.sequences.push_back({c.where, c.machines, c.usage.reductions, c.usage.comms, c.usage.primitiveRequests});
        struct Load {
            uint64_t total;
            uint64_t sends, receives;
            Value channel;
        };
        auto lighter = [](const Load& a, const Load& b) { return a.total > b.total; }; // a min-heap
        std::vector<Load> heap;
        space_.forEachChannelLoad([&](const Value& channel, size_t data, size_t waiting) {
            const uint64_t total = data + waiting;
            if (heap.size() == kShown && total <= heap.front().total)
                return;
            if (data == 0 && !kernel_.urnOf(channel).empty())
                return; // a system process listening: the runtime's, not the program's
            if (heap.size() == kShown) {
                std::pop_heap(heap.begin(), heap.end(), lighter);
                heap.pop_back();
            }
            heap.push_back({total, data, waiting, channel});
            std::push_heap(heap.begin(), heap.end(), lighter);
        });
        std::sort_heap(heap.begin(), heap.end(), lighter); // heaviest first
        const bytecode::PrintStyle style = reportNames(kernel_);
        for (const Load& l : heap)
            p.channels.push_back({bytecode::printName(l.channel, &style), l.sends, l.receives});
    }

    Kernel& kernel_;
    Space& space_;
    const ActiveQueue& queue_;
    const ResourceMap& resources_;
    SafePoint* safePoint_;
    const RuntimeOptions& options_;
    const uint64_t systemListeners_;
    const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    uint64_t checkpoints_ = 0;
    absl::Status failure_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
};

} // namespace

void Runtime::requestStop(StopReason reason) { impl_->kernel.stop(reason); }

absl::StatusOr<StoreReport> Runtime::verify(const RuntimeOptions& options) {
    rspace::History::Options ho;
    ho.mapSizeBytes = options.mapSizeBytes;
    const std::string tag = SpaceTypes::encodingTag(); // payloadTag is a view of it
    ho.payloadTag = tag;
    ho.readOnly = true;
    RHO_ASSIGN_OR_RETURN(std::unique_ptr<rspace::History> history, rspace::History::open(options.dataDir, ho));
    RHO_ASSIGN_OR_RETURN(rspace::HistoryReport records, history->verify());
    StoreReport report;
    report.dataRecords = records.dataRecords;
    report.continuationRecords = records.contRecords;
    report.problems = std::move(records.problems);
    if (report.problems.empty()) { // sound records: they must also decode
        RhoMatcher matcher;
        Space space{matcher};
        if (absl::Status s = space.attach(*history); !s.ok())
            report.problems.emplace_back(s.message());
    }
    return report;
}

absl::StatusOr<RunStats> Runtime::run(const bytecode::Program& program) {
    Impl& s = *impl_;
    if (s.options.readOnly)
        return absl::FailedPreconditionError(absl::StrCat(s.options.dataDir, " was opened read-only"));
    const unsigned workers = s.options.threads;
    ActiveQueue queue(workers, s.options.reductionBudget);
    if (s.options.seed) // one thread: the seed draws the schedule too (active_queue.h)
        queue.shuffle(*s.options.seed ^ 0x7363686564756c65ull); // "schedule"
    // By source also under a memory limit: a run it stops names what built the most.
    ResourceMap resources(workers, s.options.profile || s.options.progressDetail || s.options.maxMemoryBytes != 0,
                          s.options.progressDetail);
    MachinePool pool(s.space.privateChannels(), resources, workers);
    const bool checkpointing = s.history != nullptr &&
                               (s.options.checkpointEveryComms != 0 || s.options.checkpointEverySeconds > 0);
    std::optional<SafePoint> safePoint;
    if (checkpointing)
        safePoint.emplace(workers);
    Scheduler scheduler(queue, s.kernel, s.options.fiberStackBytes, safePoint ? &*safePoint : nullptr);
    uint64_t errorsBefore = s.kernel.errors();
    const uint64_t loadedBefore = s.space.channelsLoaded();
    const uint64_t evictedBefore = s.space.channelsEvicted();
    const uint64_t yieldsBefore = s.kernel.backlogYields();
    s.kernel.setHoldBack(!checkpointing); // a checkpoint between slices must see every send made
    s.kernel.beginRun(queue, resources, pool);
    auto start = std::chrono::steady_clock::now();
    s.kernel.addSource(program.main->sourceName, program.source);
    std::optional<PhloMeter> meter; // a metered run (phlo_meter.h): parsing is charged first
    bool parsed = true;
    if (s.options.meterPhlo) {
        meter.emplace(s.options.phloLimit, [&kernel = s.kernel] { kernel.stop(StopReason::kPhlo); });
        s.kernel.setMeter(&*meter);
        parsed = meter->charge(program.source ? static_cast<int64_t>(program.source->size()) : 0);
    }
    if (parsed) {
        Machine* root = s.kernel.newMachine(program.main);
        root->frame.resize(program.main->numSlots);
        s.kernel.start(root);
    }
    uint64_t checkpoints = 0;
    absl::Status failure;
    {
        RunMonitor monitor(s.kernel, s.space, queue, resources, safePoint ? &*safePoint : nullptr, s.options,
                           s.systemListeners);
        scheduler.run();
        monitor.finish();
        checkpoints = monitor.checkpoints();
        failure = monitor.failure();
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    s.kernel.setMeter(nullptr);
    s.kernel.endRun();
    errno = 0;
    const bool outputFailed = std::fflush(s.options.out) != 0 || std::ferror(s.options.out);
    const int outputErrno = outputFailed ? (errno != 0 ? errno : EIO) : 0;
    std::fflush(s.options.err);
    if (!failure.ok()) {
        s.kernel.stopReason.store(0);
        return absl::Status(failure.code(), absl::StrCat("a checkpoint during the run failed: ", failure.message()));
    }
    double checkpointSeconds = 0;
    if (s.history && s.options.checkpointAfterRun) {
        const auto begin = std::chrono::steady_clock::now();
        RHO_RETURN_IF_ERROR(s.space.checkpoint());
        checkpointSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    }
    ResourceMap::Totals t = resources.totals();
    RunStats stats;
    stats.machines = t.machines;
    stats.comms = t.usage.comms;
    stats.primitiveRequests = t.usage.primitiveRequests;
    stats.privateComms = t.usage.privateComms;
    stats.lateAnswers = scheduler.suspensions();
    stats.rests = scheduler.rests();
    stats.backlogYields = s.kernel.backlogYields() - yieldsBefore;
    stats.heldSends = s.kernel.heldSends(); // (counted from 0 at each run's start)
    stats.leasedData = s.kernel.leasedData(); // (the same)
    stats.channelsLoaded = s.space.channelsLoaded() - loadedBefore;
    stats.channelsEvicted = s.space.channelsEvicted() - evictedBefore;
    stats.errors = s.kernel.errors() - errorsBefore;
    stats.steps = t.usage.reductions;
    stats.bytesAllocated = t.usage.bytesAllocated;
    stats.checkpoints = checkpoints;
    stats.outputErrno = outputErrno;
    stats.stopReason = static_cast<StopReason>(s.kernel.stopReason.load());
    stats.stepLimitReached = stats.stopReason == StopReason::kSteps;
    if (stats.stopReason != StopReason::kSignal) // a limit ends one run; a signal, all
        s.kernel.stopReason.store(0);
    stats.seconds = seconds;
    stats.checkpointSeconds = checkpointSeconds;
    if (meter) // as the reference: a run-time error costs the whole limit
        stats.cost = stats.errors != 0 && s.options.phloLimit != 0 ? s.options.phloLimit : meter->cost();
    stats.tests = s.kernel.takeTestEvents();
    auto consumers = [&resources](size_t n, ResourceMap::Rank by) {
        std::vector<RunStats::Consumer> out;
        for (const ResourceMap::Consumer& c : resources.top(n, by))
            out.push_back({c.where, c.machines, c.usage.reductions, c.usage.comms, c.usage.primitiveRequests,
                           c.usage.bytesAllocated});
        return out;
    };
    if (s.options.profile || s.options.progressDetail)
        stats.top = consumers(10, ResourceMap::Rank::kReductions);
    if (stats.stopReason == StopReason::kMemory)
        stats.memoryTop = consumers(3, ResourceMap::Rank::kBytes);
    return stats;
}

absl::Status Runtime::checkpoint() {
    if (!impl_->history)
        return absl::FailedPreconditionError("the space has no data directory");
    if (impl_->options.readOnly)
        return absl::FailedPreconditionError(absl::StrCat(impl_->options.dataDir, " was opened read-only"));
    return impl_->space.checkpoint();
}

void Runtime::setDeploy(const primitives::DeployData& deploy) { impl_->kernel.setDeploy(deploy); }

namespace {

// Requests on machines' private channels that the primitive processor will answer
// later: their machines wait (suspended on their fibers) while these are listed.
std::vector<std::string> requestsInFlight(Space& space, const primitives::Registry& registry) {
    std::vector<std::string> out;
    space.privateChannels().forEachInFlight([&](const PrivateChannel& ch) {
        const primitives::Request& r = ch.request;
        std::string name = r.handler < registry.size() ? registry.entry(r.handler).name : std::string("?");
        std::string call = name + "(";
        bool first = true;
        for (const Value& v : r.operands()) {
            call += (first ? "" : ", ") + bytecode::print(v);
            first = false;
        }
        call += ")";
        out.push_back("private channel " + bytecode::printName(Value::unforgeable(ch.id(), 0)) + ": request " + call +
                      ", answer pending");
    });
    return out;
}

} // namespace

Runtime::SpaceListing Runtime::listing(const ListingOptions& options) const {
    SpaceListing out;
    listChannels(impl_->space.inspect(), options, [this](const Value& u) { return impl_->kernel.urnOf(u); }, out);
    if (!options.sendsOnly)
        out.inFlight = requestsInFlight(impl_->space, impl_->kernel.registry());
    return out;
}

StuckReport Runtime::stuckReport() const {
    const bytecode::PrintStyle style = reportNames(impl_->kernel);
    StuckReport report = reportStuck(impl_->space.inspect(), impl_->matcher, impl_->origins.get(), &style);
    report.inFlight = requestsInFlight(impl_->space, impl_->kernel.registry());
    return report;
}

absl::StatusOr<StoreStats> Runtime::storeStats() const {
    if (!impl_->history)
        return absl::FailedPreconditionError("the space has no data directory");
    RHO_ASSIGN_OR_RETURN(rspace::History::Stats h, impl_->history->stats());
    StoreStats out{h.mapSize, h.lastPage, h.lastTxnId, h.pageSize, h.maxReaders, h.readers, {}};
    for (const rspace::History::DbStats& d : h.dbs)
        out.dbs.push_back({d.name, d.entries, d.depth, d.branchPages, d.leafPages, d.overflowPages});
    return out;
}

std::string Runtime::inspect(const ListingOptions& options) const {
    const SpaceListing l = listing(options);
    if (l.channels.empty() && l.inFlight.empty())
        return "";
    std::string out;
    if (!l.unforgeables.empty()) // the names the items share, bound around them all
        out += "new " + absl::StrJoin(l.unforgeables, ", ") + " in {\n";
    size_t left = l.sends + l.receives;
    for (const SpaceListing::Channel& ch : l.channels) {
        out += "// channel " + ch.name + "\n";
        for (const auto* items : {&ch.sends, &ch.receives})
            for (const std::string& item : *items)
                out += item + (--left != 0 ? " |\n" : "\n");
    }
    if (!l.unforgeables.empty())
        out += "}\n";
    for (const std::string& r : l.inFlight)
        out += "// " + r + "\n";
    auto count = [](size_t n, const char* one, const char* many) {
        return std::to_string(n) + " " + (n == 1 ? one : many);
    };
    out += "// " + count(l.channels.size(), "channel", "channels") + ", " + count(l.sends, "send", "sends") + ", " +
           count(l.receives, "receive", "receives");
    if (!l.inFlight.empty())
        out += ", " + count(l.inFlight.size(), "request in flight", "requests in flight");
    out += "\n";
    return out;
}

} // namespace rho::machine
