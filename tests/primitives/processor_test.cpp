// The primitive processor as a component: it consumes requests from private channels,
// reads the operation from each request and dispatches through its registry; handlers
// are found by name; a slow handler is answered later from the slow lane while its
// request stays visible in flight; system processes write and send through the host.

#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <thread>

#include "processor_fixture.h"
#include "rho/bytecode/symbol.h"
#include "rho/primitives/system.h"

using rho::bytecode::Op;
using rho::bytecode::Value;
using rho::bytecode::internSymbol;
using rho::primitives::Answer;
using rho::primitives::FaultCode;
using rho::primitives::Registry;
using rho::primitives::Timing;
using rho::primitives::test::ProcessorFixture;

namespace {

std::atomic<bool> gReleaseSlow{false};

// A slow method: waits until the test releases it, then answers operand + 1.
void slowIncrement(std::span<const Value> operands, Answer& out) {
    while (!gReleaseSlow.load())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    out.ok(Value::integer(operands[0].asInt() + 1));
}

void triple(std::span<const Value> operands, Answer& out) { out.ok(Value::integer(3 * operands[0].asInt())); }

} // namespace

TEST_CASE("the processor dispatches on the operation written in the request", "[primitives][processor]") {
    ProcessorFixture f;
    const Registry& r = Registry::standard();
    // The same operands, two operations: only the request's handler field differs.
    CHECK(f.request(r.operatorId(Op::ADD), {Value::integer(6), Value::integer(7)}).value.asInt() == 13);
    CHECK(f.request(r.operatorId(Op::MUL), {Value::integer(6), Value::integer(7)}).value.asInt() == 42);
    // Each request is two COMMs on the channel: the request and the answer.
    CHECK(f.channel->comms() == 4);
    CHECK(f.lateAnswers == 0);
}

TEST_CASE("methods are registered and found by name", "[primitives][processor][registry]") {
    ProcessorFixture f;
    const Registry& r = Registry::standard();
    uint32_t length = r.methodId(internSymbol("length"));
    REQUIRE(length != Registry::kNoHandler);
    CHECK(r.entry(length).name == "length");
    Value list = Value::list({Value::integer(1), Value::integer(2), Value::integer(3)});
    CHECK(f.request(length, {list}).value.asInt() == 3);
    uint32_t nth = r.methodId(internSymbol("nth"));
    CHECK(f.request(nth, {list, Value::integer(1)}).value.asInt() == 2);
    CHECK(r.methodId(internSymbol("noSuchMethod")) == Registry::kNoHandler);
}

TEST_CASE("every operator the instruction table marks as a request has its handler", "[primitives][registry]") {
    const Registry& r = Registry::standard();
    for (uint32_t i = 0; i < rho::bytecode::kOpCount; ++i) {
        const auto op = static_cast<Op>(i);
        const auto cls = rho::bytecode::opInfo(op).primitive;
        INFO(rho::bytecode::opInfo(op).name);
        if (cls == rho::bytecode::PrimitiveClass::kNone || cls == rho::bytecode::PrimitiveClass::kMethod)
            CHECK(r.operatorId(op) == Registry::kNoHandler);
        else
            CHECK(r.operatorId(op) != Registry::kNoHandler);
    }
    // The class chooses the handler family: 7 - 2 and 7 < 2 and 7 == 2 each answer as such.
    ProcessorFixture f;
    CHECK(f.request(r.operatorId(Op::SUB), {Value::integer(7), Value::integer(2)}).value.asInt() == 5);
    CHECK(!f.request(r.operatorId(Op::LT), {Value::integer(7), Value::integer(2)}).value.asBool());
    CHECK(f.request(r.operatorId(Op::NEQ), {Value::integer(7), Value::integer(2)}).value.asBool());
    CHECK(f.request(r.operatorId(Op::NEG), {Value::integer(7)}).value.asInt() == -7);
}

TEST_CASE("an operation no handler serves is answered with a fault", "[primitives][processor][registry]") {
    ProcessorFixture f;
    Answer a = f.request(Registry::kNoHandler, {Value::integer(1)});
    CHECK(a.fault.code == FaultCode::kUnknownMethod);
    a.fault.a = Value::string("frobnicate"); // the machine names the method when it reports
    CHECK(rho::primitives::describe(a.fault) == "Unimplemented method: frobnicate");
}

TEST_CASE("a handler registered by a test is served like the built-ins", "[primitives][processor][registry]") {
    Registry r = Registry::standard();
    uint32_t id = r.addMethod("triple", triple);
    CHECK(r.methodId(internSymbol("triple")) == id);
    ProcessorFixture f(r);
    CHECK(f.request(id, {Value::integer(14)}).value.asInt() == 42);
    // Registering a name again replaces its handler and keeps its id.
    CHECK(r.addMethod("triple", slowIncrement, Timing::kSlow) == id);
}

TEST_CASE("a slow handler answers later; its request stays visible in flight", "[primitives][processor][async]") {
    Registry r = Registry::standard();
    uint32_t id = r.addMethod("slowIncrement", slowIncrement, Timing::kSlow);
    ProcessorFixture f(r);
    gReleaseSlow = false;
    Answer answer;
    std::thread requester([&] { answer = f.request(id, {Value::integer(41)}); });
    // While the slow lane holds it, the request is in flight on the private channel.
    size_t seen = 0;
    for (int i = 0; i < 2000 && seen == 0; ++i) {
        f.table.forEachInFlight([&](const rho::primitives::PrivateChannel& ch) {
            CHECK(ch.id() == f.channel->id());
            CHECK(ch.request.handler == id);
            CHECK(ch.request.operands()[0].asInt() == 41);
            ++seen;
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK(seen == 1);
    CHECK(f.host.pendingNow() == 1); // the slow work holds the run open
    gReleaseSlow = true;
    requester.join();
    CHECK(answer.value.asInt() == 42);
    CHECK(f.lateAnswers == 1);
    f.host.drain();
    CHECK(f.table.inFlightCount() == 0);
    CHECK(f.processor.slowServed() == 1);
}

TEST_CASE("system processes are registered handlers that write and send through the host",
          "[primitives][processor][system]") {
    ProcessorFixture f;
    const Registry& r = Registry::standard();
    uint32_t stdoutAck = r.systemProcessId(internSymbol("rho:io:stdoutAck"));
    REQUIRE(stdoutAck != Registry::kNoHandler);
    CHECK(r.entry(stdoutAck).arity == 2);
    Value ack = Value::unforgeable(7, 7);
    std::vector<Value> message = {Value::list({Value::integer(1), Value::string("a")}), ack};
    f.processor.serveSystem(stdoutAck, message, {});
    CHECK(f.host.out == "[1, \"a\"]\n");
    REQUIRE(f.host.sends.size() == 1);
    CHECK(f.host.sends[0].first == ack);
    CHECK(f.host.sends[0].second == std::vector<Value>{Value()});
    uint32_t err = r.systemProcessId(internSymbol("rho:io:stderr"));
    std::vector<Value> text = {Value::string("x")};
    f.processor.serveSystem(err, text, {});
    CHECK(f.host.err == "\"x\"\n");
    // Each system process has its own write-only channel, named by its handler id.
    CHECK(rho::primitives::isSystemChannel(rho::primitives::systemChannel(err)));
    CHECK(rho::primitives::systemChannelHandler(rho::primitives::systemChannel(err)) == err);
}
