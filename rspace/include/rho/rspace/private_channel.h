// File: private_channel.h
// Private channels (principles 5 and 6): the channel only one process can name, on
// which it sends requests to a single persistent consumer (the primitive processor),
// and the reply side on which that consumer answers. A private channel is the
// process's identity. They are part of the space, with a path of their own: the
// process holds its channel (a stable slot), so a request is a COMM with no lock, no
// hash lookup and no allocation, where a public channel needs all three.
//
// The COMM rule on a private channel, as on any channel, with two fixed parties:
//   - send(ch): the request (in ch.request) meets the consumer, which is installed
//     once for the whole table and never leaves (a persistent receive): one COMM. The
//     consumer answers at once (answerNow) or later (answerLater, then complete() from
//     any thread).
//   - take(ch): the answer (in ch.answer) meets the process waiting on the reply side:
//     one COMM. A process whose answer is late waits (waitFor) and is woken by complete().
// Both COMMs are counted per channel (comms()). A request answered later stays in
// flight in the table until complete(), and forEachInFlight() shows it (inspection).
//
// Thread-safety: a channel's owner (one thread at a time) calls send, take and waitFor;
// the consumer runs on the owner's thread inside send(), and only complete() may come
// from another thread. open, reopen, close and forEachInFlight may be called from any
// thread (they take the table's mutex; they are not on the per-request path).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "rho/base/assert.h"

namespace rho::rspace {

// Wakes a process waiting for a late answer. Implemented by the scheduler (a fiber
// waiter); wake() may be called from any thread and must tolerate being called when
// the waiter has already seen the answer.
class AnswerWaiter {
  public:
    virtual void wake() noexcept = 0;

  protected:
    ~AnswerWaiter() = default;
};

template <class Request, class Answer>
class PrivateChannels;

// Its own cache lines: neighbouring slots serve machines on different workers.
template <class Request, class Answer>
class alignas(64) PrivateChannel {
  public:
    enum class State : uint8_t {
        kIdle,      // no request, or the last answer was taken
        kRequested, // a request was sent; the consumer has it
        kInFlight,  // the consumer will answer later
        kAnswered,  // the answer waits to be taken
    };

    Request request; // written by the owner before send()
    Answer answer;   // written by the consumer before answerNow() / complete()

    // The name of the channel: the owner's identity. Never 0; a reopened channel gets a
    // new one, so no two processes alive at the same time share an identity.
    [[nodiscard]] uint64_t id() const { return id_; }
    [[nodiscard]] uint32_t slot() const { return slot_; }
    [[nodiscard]] State state() const { return state_.load(std::memory_order_acquire); }
    // COMMs on this channel since it was (re)opened: one per request, one per answer.
    [[nodiscard]] uint64_t comms() const { return comms_; }

    // Consumer side, inside consume(): the answer is written; the owner takes it next.
    void answerNow() { state_.store(State::kAnswered, std::memory_order_relaxed); }
    // Consumer side, inside consume(): the answer will come later, by complete().
    void answerLater();
    // Any thread: publishes the late answer (already written to [answer]) and wakes the
    // owner if it waits.
    void complete();

    // Owner side: registers [waiter] to be woken by complete(). Returns false when the
    // answer is already there (nothing to wait for; [waiter] is not kept).
    [[nodiscard]] bool waitFor(AnswerWaiter* waiter);

  private:
    friend class PrivateChannels<Request, Answer>;
    // kAnsweredMark in waiter_: complete() ran; a pointer: the owner waits.
    static constexpr uintptr_t kAnsweredMark = 1;

    PrivateChannels<Request, Answer>* table_ = nullptr;
    uint64_t id_ = 0;
    uint32_t slot_ = 0;
    uint32_t generation_ = 0;
    uint64_t comms_ = 0;
    std::atomic<State> state_{State::kIdle};
    std::atomic<uintptr_t> waiter_{0}; // used only while a request is in flight
    bool open_ = false;
};

// The persistent consumer of every request channel of a table.
template <class Request, class Answer>
class PrivateConsumer {
  public:
    virtual ~PrivateConsumer() = default;
    // The COMM of the request in [channel] with this consumer. Answer with
    // channel.answerNow() before returning, or call channel.answerLater() and
    // complete() later (from any thread).
    virtual void consume(PrivateChannel<Request, Answer>& channel) = 0;
};

template <class Request, class Answer>
class PrivateChannels {
  public:
    using Channel = PrivateChannel<Request, Answer>;
    using Consumer = PrivateConsumer<Request, Answer>;

    PrivateChannels() = default;
    PrivateChannels(const PrivateChannels&) = delete;
    PrivateChannels& operator=(const PrivateChannels&) = delete;

    // Installs the consumer of every request channel (the primitive processor). Call
    // before the first send; [consumer] must outlive every send.
    void setConsumer(Consumer* consumer) { consumer_ = consumer; }

    // A fresh private channel (a reused slot or a new one), open, with a new identity.
    // The pointer stays valid until close(). Any thread.
    Channel* open() {
        std::lock_guard lock(mu_);
        Channel* ch = nullptr;
        if (!free_.empty()) {
            ch = free_.back();
            free_.pop_back();
        } else {
            auto slot = static_cast<uint32_t>(chunks_.size() * kChunkSize + used_);
            if (chunks_.empty() || used_ == kChunkSize) {
                chunks_.push_back(std::make_unique<Channel[]>(kChunkSize));
                used_ = 0;
                slot = static_cast<uint32_t>((chunks_.size() - 1) * kChunkSize);
            }
            ch = &chunks_.back()[used_++];
            ch->table_ = this;
            ch->slot_ = slot;
        }
        renew(*ch);
        ch->open_ = true;
        ++open_;
        return ch;
    }

    // A new identity for an open channel whose owner has ended, so it can serve the
    // next process: as if closed and opened again, without touching the table. Only the
    // (new) owner's thread. Its COMM count starts again from 0.
    void reopen(Channel& ch) {
        RHO_ASSERT(ch.open_ && ch.state_.load(std::memory_order_relaxed) == Channel::State::kIdle);
        renew(ch);
    }

    // Closes [ch]; its slot may be handed out again. Any thread; the channel must be idle.
    void close(Channel* ch) {
        std::lock_guard lock(mu_);
        RHO_CHECK(ch->open_ && ch->state_.load(std::memory_order_acquire) == Channel::State::kIdle,
                  "rspace: closing a private channel with a request in flight");
        ch->open_ = false;
        ch->request = Request();
        ch->answer = Answer();
        free_.push_back(ch);
        --open_;
    }

    // The request COMM: [ch].request meets the consumer, which answers now or later.
    void send(Channel& ch) {
        RHO_ASSERT(consumer_ != nullptr && ch.open_);
        ++ch.comms_;
        ch.state_.store(Channel::State::kRequested, std::memory_order_relaxed);
        consumer_->consume(ch);
    }

    // The answer COMM: the owner takes the answer (state must be kAnswered) and may
    // move out of the returned object; the channel is idle again.
    Answer& take(Channel& ch) {
        RHO_ASSERT(ch.state_.load(std::memory_order_relaxed) == Channel::State::kAnswered);
        ++ch.comms_;
        ch.state_.store(Channel::State::kIdle, std::memory_order_relaxed);
        return ch.answer;
    }

    // Calls [f](const Channel&) for every channel whose request is in flight, while no
    // answer can complete: the request it shows is the one being served. Any thread.
    template <class F>
    void forEachInFlight(F&& f) const {
        std::lock_guard lock(inFlightMu_);
        for (const Channel* ch : inFlight_)
            f(*ch);
    }

    [[nodiscard]] size_t openCount() const {
        std::lock_guard lock(mu_);
        return open_;
    }
    [[nodiscard]] size_t inFlightCount() const {
        std::lock_guard lock(inFlightMu_);
        return inFlight_.size();
    }

  private:
    friend class PrivateChannel<Request, Answer>;
    static constexpr uint32_t kChunkSize = 256;

    static void renew(Channel& ch) {
        ++ch.generation_;
        ch.id_ = (uint64_t{ch.generation_} << 32) | (uint64_t{ch.slot_} + 1);
        ch.comms_ = 0;
    }

    Consumer* consumer_ = nullptr;
    mutable std::mutex mu_; // chunks_, used_, free_, open_
    std::vector<std::unique_ptr<Channel[]>> chunks_;
    uint32_t used_ = 0; // channels handed out from the last chunk
    std::vector<Channel*> free_;
    size_t open_ = 0;
    mutable std::mutex inFlightMu_;
    std::vector<Channel*> inFlight_;
};

template <class Request, class Answer>
void PrivateChannel<Request, Answer>::answerLater() {
    std::lock_guard lock(table_->inFlightMu_);
    waiter_.store(0, std::memory_order_relaxed);
    state_.store(State::kInFlight, std::memory_order_relaxed);
    table_->inFlight_.push_back(this);
}

template <class Request, class Answer>
void PrivateChannel<Request, Answer>::complete() {
    {
        std::lock_guard lock(table_->inFlightMu_);
        auto& v = table_->inFlight_;
        for (size_t i = 0; i < v.size(); ++i) {
            if (v[i] == this) {
                v[i] = v.back();
                v.pop_back();
                break;
            }
        }
        state_.store(State::kAnswered, std::memory_order_release);
    }
    // The owner either registered a waiter before this exchange (wake it) or will see
    // kAnsweredMark when it tries to, and not wait.
    uintptr_t prev = waiter_.exchange(kAnsweredMark, std::memory_order_acq_rel);
    if (prev != 0 && prev != kAnsweredMark)
        reinterpret_cast<AnswerWaiter*>(prev)->wake();
}

template <class Request, class Answer>
bool PrivateChannel<Request, Answer>::waitFor(AnswerWaiter* waiter) {
    uintptr_t expected = 0;
    if (waiter_.compare_exchange_strong(expected, reinterpret_cast<uintptr_t>(waiter), std::memory_order_acq_rel))
        return true; // complete() will wake [waiter]
    // complete() already ran: the answer is published (its state store precedes the mark).
    RHO_ASSERT(expected == kAnsweredMark);
    return false;
}

} // namespace rho::rspace
