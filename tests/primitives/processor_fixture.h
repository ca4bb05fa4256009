// File: processor_fixture.h
// A primitive processor over a real private-channel table, with a host that records
// what system processes write and send, for the primitives tests. request() plays the
// machine's part: it writes a Request on its private channel, sends it (the COMM with
// the processor), waits if the answer comes later, and takes the Answer.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "rho/primitives/processor.h"
#include "rho/primitives/registry.h"

namespace rho::primitives::test {

using PrivateTable = rspace::PrivateChannels<Request, Answer>;

class RecordingHost final : public ProcessorHost {
  public:
    void write(OutputStream stream, std::string_view text) override {
        std::lock_guard lock(mu);
        (stream == OutputStream::kOut ? out : err) += text;
    }
    void send(const bytecode::Value& channel, std::vector<bytecode::Value> args) override {
        std::lock_guard lock(mu);
        sends.emplace_back(channel, std::move(args));
    }
    void beginAsync() override {
        std::lock_guard lock(mu);
        ++pending;
    }
    void endAsync() override {
        {
            std::lock_guard lock(mu);
            --pending;
        }
        cv.notify_all();
    }
    void systemFault(const SendSite&, std::string_view message) override {
        std::lock_guard lock(mu);
        faults.emplace_back(message);
    }
    [[nodiscard]] const DeployData& deploy() const override { return deployData; }
    bool readStored(const bytecode::Value&, std::vector<bytecode::Value>&) override { return false; }
    bool updateStored(const bytecode::Value&, const SystemContext::Decide&) override { return false; }
    bytecode::Value freshName() override { return bytecode::Value::unforgeable(++names, 1); }
    void testEvent(TestEvent event) override {
        std::lock_guard lock(mu);
        tests.push_back(std::move(event));
    }
    int pendingNow() {
        std::lock_guard lock(mu);
        return pending;
    }
    // Blocks until no slow work is pending.
    void drain() {
        std::unique_lock lock(mu);
        cv.wait(lock, [this] { return pending == 0; });
    }

    std::mutex mu;
    std::condition_variable cv;
    std::string out, err;
    std::vector<std::pair<bytecode::Value, std::vector<bytecode::Value>>> sends;
    std::vector<std::string> faults;
    DeployData deployData;
    uint64_t names = 0;
    std::vector<TestEvent> tests;
    int pending = 0;
};

// An AnswerWaiter for a plain thread.
class ThreadWaiter final : public rspace::AnswerWaiter {
  public:
    void wake() noexcept override {
        std::lock_guard lock(mu_);
        woken_ = true;
        cv_.notify_all();
    }
    void wait() {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return woken_; });
        woken_ = false;
    }

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool woken_ = false;
};

class ProcessorFixture {
  public:
    explicit ProcessorFixture(const Registry& registry = Registry::standard())
        : processor(registry, host), channel(table.open()) {
        table.setConsumer(&processor);
    }
    ~ProcessorFixture() { table.close(channel); }
    ProcessorFixture(const ProcessorFixture&) = delete;
    ProcessorFixture& operator=(const ProcessorFixture&) = delete;

    // Operation [handler] on [operands] through the private channel; the answer.
    Answer request(uint32_t handler, std::vector<bytecode::Value> operands) {
        Request& r = channel->request;
        r.handler = handler;
        r.count = static_cast<uint32_t>(operands.size());
        if (r.count <= Request::kInlineOperands) {
            for (uint32_t i = 0; i < r.count; ++i)
                r.inlineOperands[i] = std::move(operands[i]);
        } else {
            r.spilledOperands = std::move(operands);
        }
        // Answered late: served by the slow lane. (Not "not answered when send()
        // returned": the slow lane may finish before this thread looks.)
        const uint64_t slowBefore = processor.slowServed();
        table.send(*channel);
        if (channel->state() != rspace::PrivateChannel<Request, Answer>::State::kAnswered) {
            if (channel->waitFor(&waiter))
                waiter.wait();
        }
        if (processor.slowServed() != slowBefore)
            ++lateAnswers;
        Answer& a = table.take(*channel);
        Answer copy{a.value, a.fault};
        a.fault = Fault{};
        r.clear();
        return copy;
    }

    RecordingHost host;
    PrivateTable table;
    Processor processor;
    rspace::PrivateChannel<Request, Answer>* channel;
    ThreadWaiter waiter;
    int lateAnswers = 0;
};

} // namespace rho::primitives::test
