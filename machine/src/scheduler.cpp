// File: scheduler.cpp
// Worker threads, their Boost.Fiber scheduling algorithm and their runner fibers
// (see scheduler.h).
//
// Why the active queue is not itself the fiber ready queue: a ready machine is not a
// fiber (a machine holds no stack until it runs, and millions can be ready), so the
// machines wait in the ActiveQueue and fibers are execution resources that take them.
// The algorithm joins the two: an idle runner fiber counts as ready exactly when the
// active queue has work for its worker, and when neither a fiber nor a machine is
// ready the algorithm parks the thread in the active queue (suspend_until), where new
// machines, late answers (notify) and the end of the run wake it.
//
// Rules for the runners of one worker (they share one thread, cooperatively):
//  1. At most one runner takes machines at a time; a second one that finds another
//     runner busy goes idle (so a late answer never leaves two runners alternating).
//  2. A runner that finishes a slice yields if a fiber was made ready meanwhile (a
//     machine whose late answer arrived), so that machine finishes promptly and its
//     fiber is released.
//  3. Before a machine's fiber suspends for a late answer, an idle runner must exist
//     (one is created if none is), so the worker keeps running other machines.
//
// Load compaction under contention. Two workers that run machines of one chain of
// communication (a single consumer fed by many producers, a spawn loop feeding one
// collector) fight over the same channels' locks: in bench/rholang's spawn and fan-in
// one lock acquisition in 6 to 20 reductions finds the lock held, and two workers are
// slower than one (workloads with real parallelism, such as pfib, show about none).
// So each worker but the first measures, over windows of kWindow reductions, how
// often its shard locks were contended (rspace::tContendedLocks) or it ran out of
// work and parked (WorkerAlgorithm::parks: chains that hand one token back and forth,
// such as a shared cell `for (@c <- cell) { cell!(c + 1) | ... }`, leave each worker
// idle between turns, and the turns cross cores: bench/rholang/counter.rho took
// 0.3-0.6 s on two threads against 0.13 s on one, 0.13-0.15 s with this); above one
// in kContendedEvery it rests (ActiveQueue::rest): its machines go to the others, and it
// sleeps for a period that starts at kMinRest and doubles while the contention lasts,
// up to kMaxRest. A window without contention halves the period. BEAM does the like
// when it compacts load onto fewer schedulers. Not while a worker holds sends back
// (Kernel::batching): the channel the two fight over is fed in batches then, and the
// contention left is the receiver meeting a batch; a rest would put the producer and
// the consumer chains back on one worker, where they stay (spawn on two threads: 13
// rests and one thread's time in 6 runs of 12, against 0.27-0.32 s split). A producer
// ahead of its consumer fires no receive across (the channel is never empty): its
// stores meeting the consumer's lock open the outbox (Kernel::send); before they did,
// such a run fought at one store in 9 reductions and rested in 3 spawn runs of 8.

#include "scheduler.h"

#include <algorithm>
#include <boost/context/stack_context.hpp>
#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/all.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/scheduler.hpp>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>

#include "fiber_waiter.h"
#include "rho/rspace/spin_lock.h"
#include "rho/base/assert.h"
#include "kernel.h"
#include "safe_point.h"

namespace rho::machine {

namespace fibers = boost::fibers;

namespace {

// Runner stacks: address space reserved with MAP_NORESERVE and a guard page below,
// reused by the worker's later runners.
class StackPool {
  public:
    explicit StackPool(size_t bytes) : bytes_(bytes), page_(static_cast<size_t>(sysconf(_SC_PAGESIZE))) {}
    ~StackPool() {
        for (void* base : free_)
            munmap(base, bytes_ + page_);
    }
    StackPool(const StackPool&) = delete;
    StackPool& operator=(const StackPool&) = delete;

    boost::context::stack_context allocate() {
        void* base = nullptr;
        if (!free_.empty()) {
            base = free_.back();
            free_.pop_back();
        } else {
            base = mmap(nullptr, bytes_ + page_, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
            RHO_CHECK(base != MAP_FAILED, "cannot reserve a fiber stack");
            mprotect(base, page_, PROT_NONE); // the guard page
        }
        boost::context::stack_context sc;
        sc.size = bytes_;
        sc.sp = static_cast<char*>(base) + page_ + bytes_;
        return sc;
    }
    void deallocate(boost::context::stack_context& sc) noexcept {
        free_.push_back(static_cast<char*>(sc.sp) - bytes_ - page_);
    }

  private:
    size_t bytes_;
    size_t page_;
    std::vector<void*> free_;
};

// The StackAllocator a runner fiber is created with (copied into the fiber).
struct PooledStack {
    StackPool* pool;
    boost::context::stack_context allocate() { return pool->allocate(); }
    void deallocate(boost::context::stack_context& sc) noexcept { pool->deallocate(sc); }
};

// The scheduling algorithm of one worker thread. Ready fibers run first (oldest
// first); idle runners are ready only while the active queue has work for this
// worker; the dispatcher comes last, and when nothing is ready it parks the thread.
class WorkerAlgorithm final : public fibers::algo::algorithm {
  public:
    WorkerAlgorithm(ActiveQueue& queue, unsigned worker) : queue_(queue), worker_(worker) {}

    // The next yield of [ctx] parks it among the idle runners.
    void yieldIdle(fibers::context* ctx) { idleYield_ = ctx; }
    [[nodiscard]] bool hasReadyFibers() const { return !ready_.empty(); }
    [[nodiscard]] bool hasIdleRunner() const { return !idle_.empty(); }
    // Times the thread found nothing to run and parked (this thread only).
    [[nodiscard]] uint64_t parks() const { return parks_; }

    void awakened(fibers::context* ctx) noexcept override {
        if (ctx->is_context(fibers::type::dispatcher_context)) {
            dispatcher_ = ctx;
        } else if (ctx == idleYield_) {
            idleYield_ = nullptr;
            ctx->ready_link(idle_);
        } else {
            ctx->ready_link(ready_);
        }
    }

    fibers::context* pick_next() noexcept override {
        fibers::context* ctx = nullptr;
        if (!ready_.empty()) {
            ctx = &ready_.front();
            ready_.pop_front();
        } else if (!idle_.empty() && (queue_.finished() || queue_.hasWork(worker_))) {
            ctx = &idle_.front();
            idle_.pop_front();
        } else if (dispatcher_ != nullptr) {
            ctx = dispatcher_;
            dispatcher_ = nullptr;
        }
        return ctx;
    }

    bool has_ready_fibers() const noexcept override {
        return !ready_.empty() || dispatcher_ != nullptr ||
               (!idle_.empty() && (queue_.finished() || queue_.hasWork(worker_)));
    }

    // Nothing is ready here: the thread is idle until new machines, a late answer
    // (notify) or the end of the run.
    void suspend_until(std::chrono::steady_clock::time_point const& deadline) noexcept override {
        ++parks_;
        queue_.park(worker_, notified_, deadline);
        notified_.store(false, std::memory_order_release);
    }

    // Another thread made one of this worker's fibers ready (a late answer).
    void notify() noexcept override {
        notified_.store(true, std::memory_order_release);
        queue_.wake(worker_);
    }

  private:
    ActiveQueue& queue_;
    const unsigned worker_;
    fibers::scheduler::ready_queue_type ready_{};
    fibers::scheduler::ready_queue_type idle_{};
    fibers::context* dispatcher_ = nullptr;
    fibers::context* idleYield_ = nullptr;
    std::atomic<bool> notified_{false};
    uint64_t parks_ = 0;
};

} // namespace

class Scheduler::Worker {
  public:
    Worker(Scheduler& s, unsigned index) : s_(s), index_(index), stacks_(s.stackBytes_) {}

    void threadMain();
    void awaitAnswer(Machine& m);

  private:
    // A worker keeps at most this many runner fibers (one per machine waiting for a
    // late answer, plus one); beyond it, a waiting machine holds up its worker.
    static constexpr int kMaxRunners = 1024;
    // Load compaction (see the top of this file).
    static constexpr uint64_t kWindow = 1 << 13;        // reductions
    static constexpr uint64_t kContendedEvery = 64;     // reductions per contended lock
    static constexpr auto kMinRest = std::chrono::microseconds(500);
    static constexpr auto kMaxRest = std::chrono::microseconds(64000);

    // Counts [spent] reductions; true when this worker should rest now.
    bool contended(int spent);
    void rest();

    void spawnRunner();
    void runnerMain() noexcept;
    void goIdle();
    void runMachine(Machine* m);

    Scheduler& s_;
    const unsigned index_;
    StackPool stacks_;
    WorkerAlgorithm* algo_ = nullptr;
    int runners_ = 0;   // runner fibers alive
    int active_ = 0;    // of those, not idle
    int suspended_ = 0; // of those, waiting for a late answer
    uint64_t windowReductions_ = 0;
    uint64_t windowContended_ = 0; // rspace::tContendedLocks at the window's start
    uint64_t windowParks_ = 0;     // WorkerAlgorithm::parks() at the window's start
    std::chrono::microseconds restFor_ = kMinRest;
    fibers::mutex doneMu_;
    fibers::condition_variable doneCv_;
};

thread_local Scheduler::Worker* Scheduler::current_ = nullptr;

void Scheduler::Worker::threadMain() {
    current_ = this;
    currentIndex_ = index_;
    algo_ = new WorkerAlgorithm(s_.queue_, index_);
    // As boost::fibers::use_scheduling_algorithm does, keeping the pointer: the
    // thread's fiber scheduler owns the algorithm from here.
    fibers::context::active()->get_scheduler()->set_algo(fibers::algo::algorithm::ptr_t(algo_));
    spawnRunner();
    {
        std::unique_lock lock(doneMu_);
        doneCv_.wait(lock, [this] { return runners_ == 0; });
    }
    current_ = nullptr;
    currentIndex_ = ActiveQueue::kNoWorker;
}

void Scheduler::Worker::spawnRunner() {
    ++runners_;
    s_.runnersCreated_.fetch_add(1, std::memory_order_relaxed);
    fibers::fiber(std::allocator_arg, PooledStack{&stacks_}, [this] { runnerMain(); }).detach();
}

void Scheduler::Worker::goIdle() {
    --active_;
    algo_->yieldIdle(fibers::context::active());
    boost::this_fiber::yield();
    ++active_;
}

void Scheduler::Worker::runnerMain() noexcept {
    ActiveQueue& queue = s_.queue_;
    ++active_;
    for (;;) {
        if (active_ - suspended_ > 1) { // rule 1: another runner is taking machines here
            goIdle();
            continue;
        }
        Machine* m = queue.pop(index_);
        if (m == nullptr) {
            if (s_.kernel_.flushOutbox(index_)) // held-back sends go out before the worker idles
                continue;
            if (queue.finished())
                break;
            goIdle();
            continue;
        }
        runMachine(m);
        if (algo_->hasReadyFibers()) // rule 2
            boost::this_fiber::yield();
    }
    --active_;
    if (--runners_ == 0) {
        std::lock_guard lock(doneMu_);
        doneCv_.notify_all();
    }
}

void Scheduler::Worker::runMachine(Machine* m) {
    Kernel& kernel = s_.kernel_;
    if (kernel.stopped.load(std::memory_order_relaxed)) {
        kernel.retire(index_, m); // the step limit was reached: drop what is left
        return;
    }
    SliceResult r;
    int spent = 0;
    for (;;) {
        int budget = kernel.budget();
        kernel.beginSlice(index_);
        if (s_.safePoint_ != nullptr) {
            s_.safePoint_->enter(index_);
            r = runSlice(*m, kernel, budget);
            s_.safePoint_->leave(index_);
        } else {
            r = runSlice(*m, kernel, budget);
        }
        spent = kernel.budget() - budget + 1 + static_cast<int>(kernel.budgetShift(index_));
        s_.queue_.charge(index_, spent);
        kernel.chargeSteps(index_, *m, spent);
        kernel.sliceEnded(index_); // (a machine alone on its worker may run slice after slice)
        if (r != SliceResult::kOutOfBudget)
            break;
        if (contended(spent)) {
            s_.queue_.requeue(m);
            rest();
            return;
        }
        // Its slice is spent: behind everything else, unless nothing else is waiting
        // (no machine, and no fiber whose late answer came: rule 2).
        if (s_.queue_.othersWaiting(index_) || algo_->hasReadyFibers() ||
            kernel.stopped.load(std::memory_order_relaxed)) {
            s_.queue_.requeue(m);
            return;
        }
    }
    if (r == SliceResult::kFaulted)
        kernel.reportFault(*m);
    kernel.retire(index_, m);
    if (contended(spent))
        rest();
}

bool Scheduler::Worker::contended(int spent) {
    windowReductions_ += static_cast<uint64_t>(spent);
    if (windowReductions_ < kWindow || index_ == 0)
        return false;
    const uint64_t hits = rspace::tContendedLocks - windowContended_;
    const uint64_t parks = algo_->parks() - windowParks_;
    const bool fighting = (hits + parks) * kContendedEvery > windowReductions_;
    windowReductions_ = 0;
    windowContended_ = rspace::tContendedLocks;
    windowParks_ = algo_->parks();
    if (!fighting) // back off the backoff slowly: one calm window between two rests is usual
        restFor_ = std::max(std::chrono::microseconds(kMinRest), restFor_ / 2);
    // Not with a fiber waiting for a late answer here: its answer would wait too.
    return fighting && suspended_ == 0 && !s_.kernel_.stopped.load(std::memory_order_relaxed) &&
           !s_.kernel_.batching();
}

void Scheduler::Worker::rest() {
    s_.kernel_.flushOutbox(index_); // its held-back sends do not wait out the rest
    s_.rests_.fetch_add(1, std::memory_order_relaxed);
    s_.queue_.rest(index_, restFor_);
    restFor_ = std::min(restFor_ * 2, std::chrono::duration_cast<std::chrono::microseconds>(kMaxRest));
    windowReductions_ = 0;
    windowContended_ = rspace::tContendedLocks;
    windowParks_ = algo_->parks();
}

void Scheduler::Worker::awaitAnswer(Machine& m) {
    if (!m.waiter)
        m.waiter = std::make_unique<FiberWaiter>();
    if (!m.channel->waitFor(m.waiter.get()))
        return; // answered already
    s_.suspensions_.fetch_add(1, std::memory_order_relaxed);
    ++suspended_;
    if (!algo_->hasIdleRunner() && runners_ < kMaxRunners) // rule 3
        spawnRunner();
    if (s_.safePoint_ != nullptr) // waiting for an answer is between steps
        s_.safePoint_->leave(index_);
    m.waiter->wait();
    if (s_.safePoint_ != nullptr)
        s_.safePoint_->enter(index_);
    --suspended_;
}

Scheduler::Scheduler(ActiveQueue& queue, Kernel& kernel, size_t stackBytes, SafePoint* safePoint)
    : queue_(queue), kernel_(kernel), stackBytes_(stackBytes), safePoint_(safePoint) {
    for (unsigned i = 0; i < queue.workers(); ++i)
        workers_.push_back(std::make_unique<Worker>(*this, i));
}

Scheduler::~Scheduler() = default;

void Scheduler::run() {
    std::vector<std::thread> threads;
    threads.reserve(workers_.size());
    for (auto& w : workers_)
        threads.emplace_back([&w] { w->threadMain(); });
    for (std::thread& t : threads)
        t.join();
}

void Scheduler::awaitAnswer(Machine& m) {
    RHO_CHECK(current_ != nullptr, "a late answer awaited outside a worker fiber");
    current_->awaitAnswer(m);
}

} // namespace rho::machine
