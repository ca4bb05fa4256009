// File: processor.h
// Processor: the primitive processor of principle 5. It is the consumer of every
// machine's private channel: a machine puts a Request there (the operation as a
// registry id, and the operands) and the space hands it to consume(), which reads the
// operation from the request, dispatches through the registry and answers on the
// channel's reply side. It also serves the messages sent to system processes. It is
// the one place where a primitive runs:
//   - kImmediate handlers run inside consume() and answer before it returns;
//   - kSlow handlers run on the processor's slow lane (its own threads) and answer
//     later; the requesting machine's fiber waits for the answer meanwhile, and the
//     scheduler runs other machines on the worker.
//
//   Processor p(registry, host);
//   space.privateChannels().setConsumer(&p);  // every request now comes here
//
// Thread-safety: consume() runs on the requesting machine's thread; serveSystem() on
// any worker; the slow lane on its own threads. Handlers must be thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "rho/bytecode/code.h"
#include "rho/bytecode/value.h"
#include "rho/primitives/registry.h"
#include "rho/primitives/request.h"
#include "rho/rspace/private_channel.h"

namespace rho::primitives {

using PrivateChannel = rspace::PrivateChannel<Request, Answer>;

// Where a message to a system process was sent from, for the error it may report:
// the sending sequence's code and the SEND instruction's index; no code when the
// sender was not a program (an ack sent by another system process).
struct SendSite {
    std::shared_ptr<const bytecode::Code> code;
    uint32_t pc = 0;
};

// What the processor needs from the runtime that hosts it. Every method may be called
// from any thread (the slow lane included).
class ProcessorHost {
  public:
    virtual ~ProcessorHost() = default;
    // Writes [text] to the run's [stream] in one piece.
    virtual void write(OutputStream stream, std::string_view text) = 0;
    // Sends [args] on [channel] as a process would (a system process's ack or answer).
    virtual void send(const bytecode::Value& channel, std::vector<bytecode::Value> args) = 0;
    // Slow work keeps the run alive: beginAsync() before it is queued, endAsync()
    // after its answer or its sends are delivered.
    virtual void beginAsync() = 0;
    virtual void endAsync() = 0;
    // A system process refused a message sent from [site] (SystemContext::fail).
    virtual void systemFault(const SendSite& site, std::string_view message) = 0;
    // The deploy and block the run is in (rho:block:data, the deployer's key).
    [[nodiscard]] virtual const DeployData& deploy() const = 0;
    // SystemContext::read and freshName.
    virtual bool readStored(const bytecode::Value& channel, std::vector<bytecode::Value>& out) = 0;
    virtual bool updateStored(const bytecode::Value& channel, const SystemContext::Decide& decide) = 0;
    virtual bytecode::Value freshName() = 0;
    // SystemContext::testEvent.
    virtual void testEvent(TestEvent event) = 0;
};

class Processor final : public rspace::PrivateConsumer<Request, Answer> {
  public:
    // [registry] and [host] must outlive the processor. [slowThreads]: threads of the
    // slow lane, started on the first slow request.
    Processor(const Registry& registry, ProcessorHost& host, unsigned slowThreads = 2);
    ~Processor() override; // finishes the slow work already queued, then stops its threads
    Processor(const Processor&) = delete;
    Processor& operator=(const Processor&) = delete;

    // A request COMM on [channel]: reads the operation (channel.request.handler),
    // dispatches it and answers (now, or later for a kSlow handler). An id that names
    // no operator or method (an unknown method) is answered with kUnknownMethod.
    void consume(PrivateChannel& channel) override;

    // The dispatch of consume() as a plain call, with no private-channel COMMs: only
    // for the bench baseline (RuntimeOptions::directPrimitives) that measures what the
    // channel costs. kSlow handlers run inline here.
    void serveDirect(const Request& request, Answer& answer);

    // A COMM of [args], sent from [site], with the native listener of system process
    // [id] (a registry id of a kSystemProcess registration): runs its handler, now or
    // on the slow lane.
    void serveSystem(uint32_t id, std::span<const bytecode::Value> args, const SendSite& site);

    [[nodiscard]] const Registry& registry() const { return registry_; }
    // Requests and messages the slow lane has taken so far (counted before each runs).
    [[nodiscard]] uint64_t slowServed() const;

  private:
    class SlowLane;
    class Context;

    const Registry& registry_;
    ProcessorHost& host_;
    unsigned slowThreads_;
    std::unique_ptr<SlowLane> slow_;
};

} // namespace rho::primitives
