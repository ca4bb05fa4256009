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

// High words that mark a machine's private request and reply channels. They are
// unforgeable names no Rholang program can write down.
constexpr uint64_t kPrivateHi = 0x50524956434841ull; // "PRIVCHA"
constexpr uint64_t kReplyHi = 0x5245504c594348ull;   // "REPLYCH"

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

Vm::Vm(const RuntimeOptions& options, Space& space)
    : options_(options), space_(space), registry_(primitives::Registry::standard()) {
    if (options.seed)
        nameKey_ = splitmix64(*options.seed);
    else
        nameKey_ = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
}

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
        for (uint64_t id : c->openPrivate) {
            space_.retire(Value::unforgeable(id, kPrivateHi));
            space_.retire(Value::unforgeable(id, kReplyHi));
        }
        for (Machine* m : c->machines)
            delete m;
    }
    caches_.clear();
    queue_ = nullptr;
}

void Vm::spawn(std::shared_ptr<const Code> code, std::vector<Value> frame) {
    WorkerCache& c = cache();
    Machine* m;
    if (c.machines.empty()) {
        m = new Machine;
    } else {
        m = c.machines.back();
        c.machines.pop_back();
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
    Message msg{std::move(args), nullptr};
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
    if (k.native != Native::kNone) {
        serveNative(comm);
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

void Vm::serveNative(Comm& comm) {
    Continuation& k = comm.continuation;
    if (k.native != Native::kSystem)
        return; // primitive requests and replies are taken where they are made
    std::optional<Value> ack;
    {
        std::lock_guard lock(outputMu_);
        ack = primitives::serveSystem(static_cast<primitives::SystemProcess>(k.system), comm.data[0].args,
                                      options_.out, options_.err);
    }
    if (ack) {
        int budget = options_.reductionBudget;
        send(*ack, {Value()}, false, budget);
    }
}

bool Vm::primitive(Machine& m, Op op, std::span<const Value> operands, Value& result) {
    primitiveRequests.fetch_add(1, std::memory_order_relaxed);
    primitives::Handler handler = registry_.find(op);
    if (options_.directPrimitives) {
        primitives::Outcome o = handler(operands);
        if (!o.fault.ok()) {
            m.fault = std::move(o.fault);
            return false;
        }
        result = std::move(o.value);
        return true;
    }
    if (!m.privateOpen)
        openPrivate(m);
    Value priv = Value::unforgeable(m.id, kPrivateHi);
    Value reply = Value::unforgeable(m.id, kReplyHi);
    // 2. The machine sends (op, operands) on its private channel: a COMM with the
    //    primitive processor.
    Message req;
    req.args.reserve(operands.size() + 1);
    req.args.push_back(Value::integer(static_cast<int64_t>(op)));
    req.args.insert(req.args.end(), operands.begin(), operands.end());
    std::optional<Comm> served = space_.produce(priv, std::move(req), false);
    RHO_CHECK(served && served->continuation.native == Native::kPrimitive, "primitive processor did not answer");
    privateComms.fetch_add(1, std::memory_order_relaxed);
    // 3. The processor computes and answers on the reply channel: a COMM with the
    //    machine's listener, which hands the answer back.
    primitives::Outcome o = handler(std::span<const Value>(served->data[0].args).subspan(1));
    Message answer;
    answer.args.push_back(std::move(o.value));
    if (!o.fault.ok())
        answer.fault = std::make_shared<const primitives::Fault>(std::move(o.fault));
    std::optional<Comm> got = space_.produce(reply, std::move(answer), false);
    RHO_CHECK(got && got->continuation.native == Native::kReply, "the machine did not take its answer");
    privateComms.fetch_add(1, std::memory_order_relaxed);
    Message& a = got->data[0];
    if (a.fault) {
        m.fault = *a.fault;
        return false;
    }
    result = std::move(a.args[0]);
    return true;
}

// 1. Once per private channel: the primitive processor becomes a persistent listener
//    on it, and the machine one on its reply channel.
void Vm::openPrivate(Machine& m) {
    WorkerCache& c = cache();
    m.privateOpen = true;
    if (!c.openPrivate.empty()) {
        m.id = c.openPrivate.back();
        c.openPrivate.pop_back();
        return;
    }
    m.id = nextMachine_.fetch_add(1, std::memory_order_relaxed);
    Value priv = Value::unforgeable(m.id, kPrivateHi);
    Value reply = Value::unforgeable(m.id, kReplyHi);
    PatternRef anyRequest{nullptr, 0, 0, nullptr};
    PatternRef oneValue{nullptr, 0, 1, nullptr};
    std::optional<Comm> none =
        space_.consume({&priv, 1}, {&anyRequest, 1}, Continuation{nullptr, {}, Native::kPrimitive, 0}, true, false);
    RHO_CHECK(!none, "a private channel held a stale request");
    none = space_.consume({&reply, 1}, {&oneValue, 1}, Continuation{nullptr, {}, Native::kReply, 0}, true, false);
    RHO_CHECK(!none, "a reply channel held a stale answer");
}

void Vm::retire(Machine* m) {
    WorkerCache& c = cache();
    if (m->privateOpen) {
        c.openPrivate.push_back(m->id);
        m->privateOpen = false;
    }
    constexpr size_t kPooledMachines = 4096;
    if (c.machines.size() >= kPooledMachines) {
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
    SourcePos pos = m.faultPc < c.positions.size() ? c.positions[m.faultPc] : SourcePos{};
    std::string msg = (c.sourceName ? *c.sourceName : std::string("<program>")) + ":" + std::to_string(pos.line) + ":" +
                      std::to_string(pos.col) + ": error: " + primitives::describe(m.fault) + "\n";
    std::lock_guard lock(outputMu_);
    std::fwrite(msg.data(), 1, msg.size(), options_.err);
}

} // namespace rho::machine
