// File: processor.cpp
// The primitive processor (see processor.h) and its slow lane: a few threads that run
// the handlers the registry marks kSlow, so that a worker never blocks on one.

#include "rho/primitives/processor.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace rho::primitives {

using bytecode::Value;

// Runs queued jobs on [threads] threads, first in first out.
class Processor::SlowLane {
  public:
    explicit SlowLane(unsigned threads) {
        for (unsigned i = 0; i < threads; ++i)
            threads_.emplace_back([this] { loop(); });
    }
    ~SlowLane() {
        {
            std::lock_guard lock(mu_);
            stopping_ = true;
        }
        cv_.notify_all();
        for (std::thread& t : threads_)
            t.join();
    }
    SlowLane(const SlowLane&) = delete;
    SlowLane& operator=(const SlowLane&) = delete;

    void submit(std::function<void()> job) {
        {
            std::lock_guard lock(mu_);
            jobs_.push_back(std::move(job));
        }
        cv_.notify_one();
    }
    [[nodiscard]] uint64_t served() const { return served_.load(std::memory_order_relaxed); }

  private:
    void loop() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock lock(mu_);
                cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
                if (jobs_.empty())
                    return; // stopping, and everything queued has run
                job = std::move(jobs_.front());
                jobs_.pop_front();
            }
            served_.fetch_add(1, std::memory_order_relaxed); // before the job can report its end
            job();
        }
    }

    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::atomic<uint64_t> served_{0};
    std::vector<std::thread> threads_;
};

// The SystemContext a system process's handler sees: the host's output and sends.
class Processor::Context final : public SystemContext {
  public:
    Context(ProcessorHost& host, const SendSite& site) : host_(host), site_(site) {}
    void write(OutputStream stream, std::string_view text) override { host_.write(stream, text); }
    void send(const Value& channel, std::vector<Value> args) override { host_.send(channel, std::move(args)); }
    void fail(std::string_view message) override { host_.systemFault(site_, message); }
    [[nodiscard]] const DeployData& deploy() const override { return host_.deploy(); }
    bool read(const Value& channel, std::vector<Value>& out) override { return host_.readStored(channel, out); }
    bool update(const Value& channel, const Decide& decide) override { return host_.updateStored(channel, decide); }
    Value freshName() override { return host_.freshName(); }
    void testEvent(TestEvent event) override { host_.testEvent(std::move(event)); }

  private:
    ProcessorHost& host_;
    const SendSite& site_;
};

Processor::Processor(const Registry& registry, ProcessorHost& host, unsigned slowThreads)
    : registry_(registry), host_(host), slowThreads_(slowThreads == 0 ? 1 : slowThreads) {}

Processor::~Processor() = default;

uint64_t Processor::slowServed() const { return slow_ ? slow_->served() : 0; }

void Processor::consume(PrivateChannel& channel) {
    const uint32_t id = channel.request.handler;
    if (id >= registry_.size() || registry_.entry(id).handler == nullptr) [[unlikely]] {
        channel.answer.fail(FaultCode::kUnknownMethod, bytecode::Op::METHOD);
        channel.answerNow();
        return;
    }
    const Registration& r = registry_.entry(id);
    if (r.timing == Timing::kImmediate) [[likely]] {
        r.handler(channel.request.operands(), channel.answer);
        channel.answerNow();
        return;
    }
    // Answer later: the request stays in flight in the channel until the slow lane has
    // served it; the owner's fiber waits (rspace::PrivateChannel::waitFor).
    channel.answerLater();
    host_.beginAsync();
    if (!slow_)
        slow_ = std::make_unique<SlowLane>(slowThreads_);
    Handler handler = r.handler;
    slow_->submit([this, handler, &channel] {
        handler(channel.request.operands(), channel.answer);
        channel.complete();
        host_.endAsync();
    });
}

void Processor::serveDirect(const Request& request, Answer& answer) {
    const uint32_t id = request.handler;
    if (id >= registry_.size() || registry_.entry(id).handler == nullptr) [[unlikely]] {
        answer.fail(FaultCode::kUnknownMethod, bytecode::Op::METHOD);
        return;
    }
    registry_.entry(id).handler(request.operands(), answer);
}

void Processor::serveSystem(uint32_t id, std::span<const Value> args, const SendSite& site) {
    const Registration& r = registry_.entry(id);
    if (r.timing == Timing::kImmediate) {
        Context context(host_, site);
        r.system(args, context);
        return;
    }
    host_.beginAsync();
    if (!slow_)
        slow_ = std::make_unique<SlowLane>(slowThreads_);
    SystemHandler handler = r.system;
    slow_->submit([this, handler, a = std::vector<Value>(args.begin(), args.end()), site] {
        Context context(host_, site);
        handler(a, context);
        host_.endAsync();
    });
}

} // namespace rho::primitives
