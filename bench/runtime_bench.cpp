// Whole-VM benchmarks through the public Runtime: what the channel trick costs
// (principle 5: every operation a request on the machine's private channel, consumed
// by the primitive processor) against the processor called directly, at the level of
// one request and of a program.

#include <benchmark/benchmark.h>
#include <string>
#include <thread>

#include "bench_util.h"
#include "rho/primitives/processor.h"
#include "rho/primitives/registry.h"

namespace {

using rho::bytecode::Value;

// 1,000 parallel processes, each a straight line of 64 operations whose result an
// `if` tests: 65,000 primitive requests per run and no COMM, so the route dominates.
std::string arithmeticProgram() {
    std::string e = "n";
    for (int i = 0; i < 32; ++i)
        e = "(" + e + " + " + std::to_string(i) + ") * 1";
    return "new loop in { contract loop(@n) = { if (n > 0) { loop!(n - 1) | if (" + e +
           " == 0) { Nil } } } | loop!(1000) }";
}

void BM_PrimitiveRouteChannel(benchmark::State& state) {
    rho::machine::RuntimeOptions o;
    o.threads = 1;
    rho::bench::runProgram(state, arithmeticProgram(), o);
}
BENCHMARK(BM_PrimitiveRouteChannel)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_PrimitiveRouteDirect(benchmark::State& state) {
    rho::machine::RuntimeOptions o;
    o.threads = 1;
    o.directPrimitives = true;
    rho::bench::runProgram(state, arithmeticProgram(), o);
}
BENCHMARK(BM_PrimitiveRouteDirect)->UseRealTime()->Unit(benchmark::kMillisecond);

// The synchronous route while the registry also holds a slow (asynchronous) handler:
// what the fiber machinery costs the ordinary request (it should cost nothing).
void slowIdentity(std::span<const Value> operands, rho::primitives::Answer& out) { out.ok(operands[0]); }

void BM_PrimitiveRouteChannelWithSlowRegistered(benchmark::State& state) {
    static rho::primitives::Registry registry = [] {
        rho::primitives::Registry r = rho::primitives::Registry::standard();
        r.addMethod("slowIdentity", slowIdentity, rho::primitives::Timing::kSlow);
        return r;
    }();
    rho::machine::RuntimeOptions o;
    o.threads = 1;
    o.registry = &registry;
    rho::bench::runProgram(state, arithmeticProgram(), o);
}
BENCHMARK(BM_PrimitiveRouteChannelWithSlowRegistered)->UseRealTime()->Unit(benchmark::kMillisecond);

// One request at the component level: a Request written on a private channel, the
// COMM with the processor, the Answer taken (two COMMs), against the processor's
// dispatch called as a function.
class NullHost final : public rho::primitives::ProcessorHost {
  public:
    void write(rho::primitives::OutputStream, std::string_view) override {}
    void send(const Value&, std::vector<Value>) override {}
    void beginAsync() override {}
    void endAsync() override {}
    void systemFault(const rho::primitives::SendSite&, std::string_view) override {}
    [[nodiscard]] const rho::primitives::DeployData& deploy() const override { return block_; }
    bool readStored(const Value&, std::vector<Value>&) override { return false; }
    bool updateStored(const Value&, const rho::primitives::SystemContext::Decide&) override { return false; }
    Value freshName() override { return Value::unforgeable(1, 1); }
    void testEvent(rho::primitives::TestEvent) override {}

  private:
    rho::primitives::DeployData block_;
};

void BM_PrimitiveRequestChannel(benchmark::State& state) {
    NullHost host;
    const rho::primitives::Registry& r = rho::primitives::Registry::standard();
    rho::primitives::Processor processor(r, host);
    rho::rspace::PrivateChannels<rho::primitives::Request, rho::primitives::Answer> table;
    table.setConsumer(&processor);
    auto* ch = table.open();
    const uint32_t add = r.operatorId(rho::bytecode::Op::ADD);
    int64_t acc = 0;
    for (auto _ : state) {
        ch->request.handler = add;
        ch->request.count = 2;
        ch->request.inlineOperands[0] = Value::integer(acc);
        ch->request.inlineOperands[1] = Value::integer(1);
        table.send(*ch);
        rho::primitives::Answer& a = table.take(*ch);
        acc = a.value.asInt();
        ch->request.clear();
    }
    benchmark::DoNotOptimize(acc);
    table.close(ch);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PrimitiveRequestChannel);

void BM_PrimitiveRequestDirect(benchmark::State& state) {
    NullHost host;
    const rho::primitives::Registry& r = rho::primitives::Registry::standard();
    rho::primitives::Processor processor(r, host);
    rho::primitives::Request request;
    rho::primitives::Answer answer;
    const uint32_t add = r.operatorId(rho::bytecode::Op::ADD);
    int64_t acc = 0;
    for (auto _ : state) {
        request.handler = add;
        request.count = 2;
        request.inlineOperands[0] = Value::integer(acc);
        request.inlineOperands[1] = Value::integer(1);
        processor.serveDirect(request, answer);
        acc = answer.value.asInt();
        request.clear();
    }
    benchmark::DoNotOptimize(acc);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PrimitiveRequestDirect);

// COMM throughput: 100,000 messages bounced between two contracts.
const char* kPingPong = R"(new ping, pong in {
  contract ping(@n) = { if (n == 0) { Nil } else { pong!(n - 1) } } |
  contract pong(@n) = { ping!(n - 1) } |
  ping!(100000)
})";

void BM_PingPong(benchmark::State& state) {
    rho::machine::RuntimeOptions o;
    o.threads = static_cast<unsigned>(state.range(0));
    rho::bench::runProgram(state, kPingPong, o);
}
BENCHMARK(BM_PingPong)->UseRealTime()->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

} // namespace
