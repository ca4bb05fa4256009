// File: vm.cpp
// RSpace operations with their COMM handling, the primitive route, spawning and
// fault reports (see vm.h).

#include "vm.h"

#include <random>

#include "active_queue.h"
#include "rho/base/assert.h"
#include "rho/primitives/system.h"

namespace rho::machine {

using bytecode::Code;
using bytecode::Op;
using bytecode::SequenceKind;

namespace {

uint64_t splitmix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// A one-instruction sequence that performs [op] again later: used to re-issue a
// persistent send or receive when the budget is spent, so re-issuing never spins.
std::shared_ptr<const Code> resendCode(const Value& channel, const std::vector<Value>& args, bool persistent) {
    auto c = std::make_shared<Code>();
    c->kind = SequenceKind::kSend;
    c->constants.push_back(channel);
    for (const Value& v : args)
        c->constants.push_back(v);
    for (uint32_t i = 0; i < c->constants.size(); ++i)
        c->words.push_back(bytecode::encode(Op::PUSH_CONST, i));
    c->words.push_back(bytecode::encode(persistent ? Op::SEND_PERSIST : Op::SEND, static_cast<uint32_t>(args.size())));
    c->words.push_back(bytecode::encode(Op::HALT));
    c->positions.resize(c->words.size());
    c->sourceName = std::make_shared<const std::string>("<runtime>");
    return c;
}

std::shared_ptr<const Code> rereceiveCode(std::span<const Value> channels, std::shared_ptr<const Code> body) {
    auto c = std::make_shared<Code>();
    c->kind = SequenceKind::kReceive;
    c->numCaptures = 0;
    c->numSlots = body->numCaptures;
    for (const Value& ch : channels)
        c->constants.push_back(ch);
    for (uint32_t i = 0; i < c->constants.size(); ++i)
        c->words.push_back(bytecode::encode(Op::PUSH_CONST, i));
    bytecode::ChildRef ref;
    ref.child = 0;
    for (uint32_t i = 0; i < body->numCaptures; ++i)
        ref.captureSlots.push_back(i);
    c->children.push_back(std::move(body));
    c->multisets.push_back({{std::move(ref)}});
    c->words.push_back(bytecode::encode(Op::RECEIVE, 0));
    c->positions.resize(c->words.size());
    c->sourceName = std::make_shared<const std::string>("<runtime>");
    return c;
}

} // namespace

Vm::Vm(const RuntimeOptions& options, Space& space, const primitives::Registry& registry)
    : options_(options), space_(space), registry_(registry), processor_(registry, *this) {
    if (options.seed)
        nameKey_ = splitmix64(*options.seed);
    else
        nameKey_ = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
    for (uint32_t op = 0; op < bytecode::kOpCount; ++op)
        opHandlers_[op] = registry.operatorId(static_cast<Op>(op));
    space_.privateChannels().setConsumer(&processor_);
}

Vm::~Vm() { space_.privateChannels().setConsumer(nullptr); }

Value Vm::freshName() {
    uint64_t c = nextName_.fetch_add(1, std::memory_order_relaxed);
    uint64_t lo = splitmix64(nameKey_ + c);
    uint64_t hi = splitmix64(lo ^ 0x6e65776e616d6573ull); // "newnames"
    return Value::unforgeable(lo, hi);
}

Vm::WorkerCache& Vm::cache() { return *caches_[ActiveQueue::currentWorker() % caches_.size()]; }

void Vm::beginRun(ActiveQueue* q, unsigned workers) {
    queue_ = q;
    caches_.clear();
    for (unsigned i = 0; i < workers; ++i)
        caches_.push_back(std::make_unique<WorkerCache>());
}

void Vm::endRun() {
    for (auto& c : caches_) {
        for (Machine* m : c->machines) {
            space_.privateChannels().close(m->channel);
            delete m;
        }
    }
    caches_.clear();
    queue_ = nullptr;
}

void Vm::spawn(std::shared_ptr<const Code> code, std::vector<Value> frame) {
    WorkerCache& c = cache();
    Machine* m;
    if (c.machines.empty()) {
        m = new Machine;
        m->channel = space_.privateChannels().open();
    } else {
        m = c.machines.back();
        c.machines.pop_back();
        space_.privateChannels().reopen(*m->channel);
    }
    m->code = std::move(code);
    m->pc = 0;
    m->frame = std::move(frame);
    machines.fetch_add(1, std::memory_order_relaxed);
    queue_->spawn(m);
}

void Vm::exec(const Value& v) {
    for (const Value& part : v.parts()) {
        if (part.kind() == bytecode::ValueKind::kBundle) {
            exec(part.items()[0]); // a bundle at process level runs its body
            continue;
        }
        if (part.kind() != bytecode::ValueKind::kProc)
            continue; // plain values at process level do nothing
        const bytecode::Closure& c = part.closure();
        if (c.code->kind == SequenceKind::kExpression)
            continue;
        std::vector<Value> frame = c.captures;
        frame.resize(c.code->numSlots);
        spawn(c.code, std::move(frame));
    }
}

void Vm::send(const Value& channel, std::vector<Value> args, bool persistent, int& budget) {
    Message msg{std::move(args)};
    for (;;) {
        std::optional<Comm> comm = space_.produce(channel, std::move(msg), persistent);
        if (!comm)
            return;
        comms.fetch_add(1, std::memory_order_relaxed);
        bool again = comm->reissueProduce;
        if (again)
            msg = comm->data[comm->producedIndex];
        runComm(*comm);
        if (!again)
            return;
        if (--budget <= 0) {
            spawn(resendCode(channel, msg.args, persistent), {});
            return;
        }
    }
}

void Vm::receive(std::span<const Value> channels, std::shared_ptr<const Code> body, std::vector<Value> captures,
                 int& budget) {
    std::vector<PatternRef> patterns;
    patterns.reserve(channels.size());
    std::shared_ptr<const std::vector<Value>> refs;
    if (body->join->usesVarRefs)
        refs = std::make_shared<const std::vector<Value>>(captures);
    for (uint32_t i = 0; i < channels.size(); ++i)
        patterns.push_back({body, i, 0, refs});
    bool persistent = body->join->persistent;
    bool peek = body->join->peek;
    for (;;) {
        Continuation k{body, persistent ? captures : std::move(captures), Native::kNone, 0};
        std::optional<Comm> comm = space_.consume(channels, patterns, std::move(k), persistent, peek);
        if (!comm)
            return;
        comms.fetch_add(1, std::memory_order_relaxed);
        runComm(*comm);
        if (!persistent)
            return;
        if (--budget <= 0) {
            std::vector<Value> frame = std::move(captures);
            spawn(rereceiveCode(channels, body), std::move(frame));
            return;
        }
    }
}

void Vm::runComm(Comm& comm) {
    Continuation& k = comm.continuation;
    if (k.native == Native::kSystem) {
        // A message on a system process's channel: the primitive processor serves it.
        processor_.serveSystem(k.handler, std::move(comm.data[0].args));
        return;
    }
    const Code& body = *k.body;
    std::vector<Value> frame = std::move(k.captures);
    frame.resize(body.numSlots);
    for (Bindings& b : comm.bindings)
        for (auto& [index, value] : b)
            frame[body.numCaptures + index] = std::move(value);
    spawn(std::move(k.body), std::move(frame));
}

bool Vm::primitive(Machine& m, uint32_t handler, uint32_t n) {
    primitiveRequests.fetch_add(1, std::memory_order_relaxed);
    PrivateChannel& ch = *m.channel;
    primitives::Request& req = ch.request;
    std::vector<Value>& stack = m.stack;
    const size_t base = stack.size() - n;
    req.handler = handler;
    req.count = n;
    if (n <= primitives::Request::kInlineOperands) {
        for (uint32_t i = 0; i < n; ++i)
            req.inlineOperands[i] = std::move(stack[base + i]);
    } else {
        req.spilledOperands.assign(std::make_move_iterator(stack.begin() + static_cast<ptrdiff_t>(base)),
                                   std::make_move_iterator(stack.end()));
    }
    stack.resize(base);
    auto& privates = space_.privateChannels();
    if (options_.directPrimitives) {
        processor_.serveDirect(req, ch.answer);
    } else {
        // The request COMM: the processor consumes it and answers (principle 5).
        privates.send(ch);
        RHO_CHECK(ch.state() == PrivateChannel::State::kAnswered, "asynchronous answers need a fiber");
        privateComms.fetch_add(2, std::memory_order_relaxed);
    }
    // The answer COMM: the machine takes the answer from its reply side.
    primitives::Answer& a = options_.directPrimitives ? ch.answer : privates.take(ch);
    req.clear();
    if (a.failed()) [[unlikely]] {
        m.fault = std::move(a.fault);
        a.fault = primitives::Fault{};
        return false;
    }
    stack.push_back(std::move(a.value));
    return true;
}

void Vm::write(primitives::OutputStream stream, std::string_view text) {
    std::lock_guard lock(outputMu_);
    std::fwrite(text.data(), 1, text.size(), stream == primitives::OutputStream::kErr ? options_.err : options_.out);
}

void Vm::send(const Value& channel, std::vector<Value> args) {
    int budget = options_.reductionBudget;
    send(channel, std::move(args), false, budget);
}

void Vm::beginAsync() {}
void Vm::endAsync() {}

void Vm::retire(Machine* m) {
    WorkerCache& c = cache();
    constexpr size_t kPooledMachines = 4096;
    if (c.machines.size() >= kPooledMachines) {
        space_.privateChannels().close(m->channel);
        delete m;
        return;
    }
    m->code.reset();
    m->stack.clear();
    m->frame.clear();
    m->calls.clear();
    m->fault = {};
    c.machines.push_back(m);
}

void Vm::reportFault(const Machine& m) {
    errors.fetch_add(1, std::memory_order_relaxed);
    const Code& c = *m.code;
    primitives::Fault fault = m.fault;
    if (fault.code == primitives::FaultCode::kUnknownMethod && m.faultPc >= 1 && m.faultPc < c.words.size() &&
        bytecode::decodeOp(c.words[m.faultPc - 1]) == Op::METHOD) {
        // The processor knows only that no handler is registered; the name is the
        // METHOD instruction's constant (the fault pc is its AUX word).
        fault.a = c.constants[bytecode::decodeA(c.words[m.faultPc - 1])];
    }
    SourcePos pos = m.faultPc < c.positions.size() ? c.positions[m.faultPc] : SourcePos{};
    std::string msg = (c.sourceName ? *c.sourceName : std::string("<program>")) + ":" + std::to_string(pos.line) + ":" +
                      std::to_string(pos.col) + ": error: " + primitives::describe(fault) + "\n";
    std::lock_guard lock(outputMu_);
    std::fwrite(msg.data(), 1, msg.size(), options_.err);
}

} // namespace rho::machine
