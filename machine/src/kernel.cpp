// File: kernel.cpp
// RSpace operations with their COMM handling, the channel trick, starting machines
// and fault reports (see kernel.h).

#include "kernel.h"

#include <random>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "rho/base/assert.h"
#include "rho/bytecode/symbol.h"
#include "rho/primitives/system.h"
#include "rho/primitives/term_size.h"
#include "rho/rspace/spin_lock.h"
#include "scheduler.h"

namespace rho::machine {

using bytecode::Code;
using bytecode::Op;
using bytecode::SequenceKind;

namespace {

// The reference's Costs (RHOLANG.md 13).
constexpr int64_t kSendEval = 11;
constexpr int64_t kReceiveEval = 11;
constexpr int64_t kHashBytes = 32; // Blake2b256Hash.length: an event's and a channel's hash
// eventStorageCost: a produce or consume logged, on [channels] channels.
constexpr int64_t eventCost(size_t channels) { return kHashBytes + kHashBytes * static_cast<int64_t>(channels); }
// commEventStorageCost: the COMM logged with the consume and a produce per channel.
constexpr int64_t commEventCost(size_t channels) {
    return eventCost(channels) + eventCost(1) * static_cast<int64_t>(channels);
}

constexpr uint64_t kSplitmixGamma = 0x9e3779b97f4a7c15ull;
constexpr uint64_t kSplitmixM1 = 0xbf58476d1ce4e5b9ull;
constexpr uint64_t kSplitmixM2 = 0x94d049bb133111ebull;

uint64_t splitmix64(uint64_t x) {
    x += kSplitmixGamma;
    x = (x ^ (x >> 30)) * kSplitmixM1;
    x = (x ^ (x >> 27)) * kSplitmixM2;
    return x ^ (x >> 31);
}

// The inverse of an odd multiplier mod 2^64 (Newton's iteration: each step doubles
// the correct low bits).
constexpr uint64_t inverseOf(uint64_t m) {
    uint64_t inv = m; // correct to 3 bits for odd m
    for (int i = 0; i < 5; ++i)
        inv *= 2 - m * inv;
    return inv;
}
static_assert(kSplitmixM1 * inverseOf(kSplitmixM1) == 1 && kSplitmixM2 * inverseOf(kSplitmixM2) == 1);

// x from x ^ (x >> s), for s >= 22 (three terms reach all 64 bits).
constexpr uint64_t unxorshift(uint64_t y, unsigned s) { return y ^ (y >> s) ^ (y >> (2 * s)); }

uint64_t unsplitmix64(uint64_t z) {
    z = unxorshift(z, 31) * inverseOf(kSplitmixM2);
    z = unxorshift(z, 27) * inverseOf(kSplitmixM1);
    return unxorshift(z, 30) - kSplitmixGamma;
}

// A one-instruction sequence that performs [op] again later: used to re-issue a
// persistent send or receive when the budget is spent, so re-issuing never spins.
std::shared_ptr<const Code> resendCode(const Value& channel, std::span<const Value> args, bool persistent) {
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

Kernel::Kernel(const RuntimeOptions& options, Space& space, const primitives::Registry& registry)
    : options_(options), space_(space), registry_(registry), processor_(registry, *this),
      nameCounters_(options.threads + 1), deployerIdSymbol_(bytecode::internSymbol(primitives::kDeployerIdUrn)),
      deployIdSymbol_(bytecode::internSymbol(primitives::kDeployIdUrn)),
      deploy_(options.deploy), deployerId_(primitives::deployerIdOf(options.deploy.deployerKey)) {
    if (options.seed)
        nameKey_ = splitmix64(*options.seed);
    else
        nameKey_ = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
    for (uint32_t op = 0; op < bytecode::kOpCount; ++op)
        opHandlers_[op] = registry.operatorId(static_cast<Op>(op));
    for (uint32_t id = 0; id < registry.size(); ++id) {
        const primitives::Registration& r = registry.entry(id);
        anySlow_ = anySlow_ || (r.timing == primitives::Timing::kSlow &&
                                r.kind != primitives::Registration::Kind::kSystemProcess);
    }
    space_.privateChannels().setConsumer(&processor_);
}

Kernel::~Kernel() { space_.privateChannels().setConsumer(nullptr); }

void Kernel::beginRun(ActiveQueue& queue, ResourceMap& resources, MachinePool& pool) {
    queue_ = &queue;
    resources_ = &resources;
    pool_ = &pool;
    // An interrupt is for the run in progress: one that lands between runs is dropped.
    auto interrupt = static_cast<uint8_t>(StopReason::kInterrupt);
    stopReason.compare_exchange_strong(interrupt, 0);
    stopped.store(stopReason.load() != 0); // any other stop requested between runs stops this one
    steps_.store(0);
    stepCounters_ = std::vector<StepCounter>(queue.workers());
    outboxes_ = std::vector<Outbox>(queue.workers());
    leases_ = std::vector<Lease>(queue.workers());
    outboxesOpen_.store(0, std::memory_order_relaxed);
    heldSends_.store(0, std::memory_order_relaxed);
    leasedData_.store(0, std::memory_order_relaxed);
    // Overshoot of the step limit is at most one batch per worker: keep it near 1%.
    int64_t batch = static_cast<int64_t>(options_.maxSteps / (100 * std::max(1u, queue.workers())));
    stepBatch_ = options_.maxSteps != 0 ? std::clamp<int64_t>(batch, 1, 1 << 16) : 1 << 12;
    // Counted as they happen for a limit, or for a monitor's samples (onProgress).
    countSteps_ = options_.maxSteps != 0 || static_cast<bool>(options_.onProgress);
    deployId_ = freshName();
    // The run's choices among matching candidates: from its seed when it has one (one
    // thread: the same choices every time), else from its random name key.
    space_.setChoiceSeed(splitmix64(nameKey_ ^ 0x63686f696365ull)); // "choice"
}

void Kernel::setDeploy(const primitives::DeployData& deploy) {
    deploy_ = deploy;
    deployerId_ = primitives::deployerIdOf(deploy.deployerKey);
}

std::string Kernel::urnOf(const Value& name) const {
    if (primitives::isSystemChannel(name)) {
        const uint32_t id = primitives::systemChannelHandler(name);
        return id < registry_.size() ? registry_.entry(id).name : std::string();
    }
    if (name == deployerId_)
        return primitives::kDeployerIdUrn;
    if (name == deployId_)
        return primitives::kDeployIdUrn;
    if (uint32_t symbol = primitives::unknownUrnSymbol(name); symbol != bytecode::kNoSymbol)
        return bytecode::symbolName(symbol);
    return {};
}

bool Kernel::deployValue(uint32_t symbol, Value& out) const {
    if (symbol == deployerIdSymbol_) {
        out = deployerId_;
        return true;
    }
    if (symbol == deployIdSymbol_) {
        out = deployId_;
        return true;
    }
    return false;
}

void Kernel::endRun() {
    for (const Outbox& o : outboxes_)
        RHO_CHECK(o.messages.empty(), "a worker ended the run holding sends back");
    for (const Lease& l : leases_)
        RHO_CHECK(l.head == l.data.size(), "a worker ended the run holding leased data");
    queue_ = nullptr;
    resources_ = nullptr;
    pool_ = nullptr;
}

Value Kernel::freshName() {
    unsigned w = Scheduler::currentWorker();
    uint64_t c = 0;
    if (w < nameCounters_.size() - 1) {
        c = nameCounters_[w].next.load(std::memory_order_relaxed);
        nameCounters_[w].next.store(c + 1, std::memory_order_relaxed);
    } else {
        w = static_cast<unsigned>(nameCounters_.size() - 1);
        std::lock_guard lock(foreignNameMu_);
        c = nameCounters_[w].next.load(std::memory_order_relaxed);
        nameCounters_[w].next.store(c + 1, std::memory_order_relaxed);
    }
    // splitmix64 is a bijection, so distinct (worker, counter) pairs give distinct ids,
    // and [hi] (a bijection of the whole id) keeps names distinct after the top bits of
    // [lo] are replaced by a shard of this worker's share (SpaceTypes::key).
    const uint64_t id = splitmix64(nameKey_ + ((uint64_t{w} + 1) << 44 | c));
    const uint64_t hi = splitmix64(id ^ 0x6e65776e616d6573ull); // "newnames"
    const uint64_t workers = nameCounters_.size() - 1;
    const uint64_t share = std::max<uint64_t>(1, Space::kShards / workers);
    const uint64_t shard = w < workers ? (w * share + c % share) % Space::kShards : id >> (64 - Space::kShardBits);
    const uint64_t lo = (shard << (64 - Space::kShardBits)) | (id & (~uint64_t{0} >> Space::kShardBits));
    return Value::unforgeable(lo, hi);
}

bool Kernel::mintedHere(const Value& name) const {
    if (options_.seed || name.kind() != bytecode::ValueKind::kUnforgeable)
        return false;
    const uint64_t id = unsplitmix64(name.unforgeableHi()) ^ 0x6e65776e616d6573ull; // as freshName
    constexpr uint64_t kLowBits = ~uint64_t{0} >> Space::kShardBits;
    if ((id & kLowBits) != (name.unforgeableLo() & kLowBits))
        return false;
    const uint64_t x = unsplitmix64(id) - nameKey_; // ((w + 1) << 44) | c
    const uint64_t w = x >> 44;
    const uint64_t c = x & ((uint64_t{1} << 44) - 1);
    return w >= 1 && w <= nameCounters_.size() && c < nameCounters_[w - 1].next.load(std::memory_order_relaxed);
}

Machine* Kernel::newMachine(std::shared_ptr<const Code> code) {
    Machine* m = pool_->acquire(Scheduler::currentWorker());
    m->code = std::move(code);
    m->origin = m->code.get();
    m->pc = 0;
    return m;
}

void Kernel::start(Machine* m) { queue_->spawn(Scheduler::currentWorker(), m); }

bool Kernel::mayWait(const Code& code) const {
    if (!anySlow_)
        return false;
    for (size_t pc = 0; pc < code.words.size(); ++pc) {
        const Op op = bytecode::decodeOp(code.words[pc]);
        uint32_t id = primitives::Registry::kNoHandler;
        if (op == Op::METHOD)
            id = methodHandler(code.symbols[bytecode::decodeA(code.words[pc])]);
        else
            id = opHandlers_[static_cast<uint8_t>(op)];
        if (id != primitives::Registry::kNoHandler && registry_.entry(id).timing == primitives::Timing::kSlow)
            return true;
        if (bytecode::hasAux(bytecode::opInfo(op).format))
            ++pc;
    }
    return false;
}

void Kernel::runNow(Machine* m, int& budget) {
    if (mayWait(*m->code)) {
        start(m);
        return;
    }
    const int before = budget;
    const unsigned w = Scheduler::currentWorker();
    const int64_t shift = budgetShift(w);
    m->nested = true; // one level deep: it never continues in a continuation it fires
    SliceResult r = runSlice(*m, *this, budget);
    m->nested = false;
    chargeSteps(w, *m, before - budget + 1 + static_cast<int>(budgetShift(w) - shift));
    // (Out of budget at its HALT, as after a send that yielded: it has ended.)
    if (r == SliceResult::kOutOfBudget && bytecode::decodeOp(m->code->words[m->pc]) != Op::HALT) {
        start(m);
        return;
    }
    if (r == SliceResult::kFaulted)
        reportFault(*m);
    finish(w, m);
}

void Kernel::handOff(Machine& m) {
    const unsigned w = Scheduler::currentWorker();
    m.usage->privateComms += m.channel->comms();
    resources_->retire(w, *m.usage, m.origin);
    space_.privateChannels().reopen(*m.channel);
}

void Kernel::exec(const Value& v) {
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
        Machine* m = newMachine(c.code);
        m->frame.assign(c.captures.begin(), c.captures.end());
        m->frame.resize(c.code->numSlots);
        start(m);
    }
}

namespace {

// What a datum left in the space holds (the resource map charges it to its sender):
// its 64-byte entry (space.h, DataEntry), which holds up to two values inline, and
// the slots of more.
uint64_t storedBytes(size_t arity) { return 64 + (arity > 2 ? arity * sizeof(Value) : 0); }

} // namespace

bool Kernel::send(Machine* by, const Value& channel, Message& msg, bool persistent, int& budget, bool tail) {
    if (outboxesOpen_.load(std::memory_order_relaxed) != 0 && by != nullptr && !persistent) [[unlikely]] {
        if (holdBack(*by, channel, msg, budget))
            return false;
    }
    const bool inPlace = tail && by != nullptr && !persistent;
    int64_t stored = 0; // a metered run: what storing the datum costs (storageCostProduce)
    if (meter_ != nullptr) [[unlikely]] {
        for (const Value& v : msg.args)
            stored += primitives::termSize(v);
        // A send evaluated (SEND_EVAL_COST), its channel and data substituted. Out of
        // phlogistons, it does nothing more: the run is stopping.
        if (by != nullptr && !meter_->charge(kSendEval + primitives::termSize(channel) + stored))
            return false;
        stored += primitives::channelSize(channel); // stored unbundled
    }
    const size_t arity = msg.args.size();
    for (;;) {
        Taken taken;
        if (meter_ != nullptr && !meter_->charge(stored)) [[unlikely]]
            return false;
        const uint64_t contendedBefore = rspace::tContendedLocks;
        rspace::ProduceResult r = space_.produce(
            channel, msg, persistent,
            [this, &taken, inPlace, persistent, by](CommEvent& e) {
                if (meter_ != nullptr) [[unlikely]]
                    chargeComm(e, true, persistent);
                take(e, taken, inPlace ? by : nullptr);
            },
            origins_ != nullptr && by != nullptr ? origins_->siteOf(*by->code, by->pc - 1) : OriginSites::kUnknown);
        if (rspace::stored(r)) {
            if (by != nullptr)
                by->usage->bytesAllocated += storedBytes(arity);
            if (r == rspace::ProduceResult::kStoredDeep && by != nullptr) [[unlikely]] {
                yieldSlice(budget);
                if (!persistent)
                    openOutbox(channel);
            } else if (rspace::tContendedLocks != contendedBefore && by != nullptr && !persistent) [[unlikely]] {
                crossFired(channel); // a receiver on another worker drains it as this one fills it
            }
            if (meter_ != nullptr) [[unlikely]]
                meter_->charge(eventCost(1));
            return false;
        }
        if (meter_ != nullptr && meter_->exhausted()) [[unlikely]]
            return false; // the COMM's charges ran out: what it fired does not run
        if (by)
            ++by->usage->comms;
        else
            resources_->addUnowned(Usage{0, 1, 0, 0, 0});
        if (taken.system != kNoSystem) { // a system process's message: the processor serves it
            processor_.serveSystem(taken.system, msg.args,
                                   by ? primitives::SendSite{by->code, by->pc - 1} : primitives::SendSite{});
        } else if (taken.continued) {
            return true;
        } else if (!taken.started) {
            if (r == rspace::ProduceResult::kComm && inPlace && continueIn(*by, taken))
                return true;
            if (taken.worker != ~0u && by != nullptr && !persistent &&
                taken.worker != Scheduler::currentWorker()) [[unlikely]]
                crossFired(channel);
            startTaken(taken);
        }
        if (r == rspace::ProduceResult::kComm)
            return false;
        if (--budget <= 0) {
            start(newMachine(resendCode(channel, msg.args, persistent)));
            return false;
        }
    }
}

bool Kernel::holdBack(Machine& by, const Value& channel, Message& msg, int& budget) {
    const unsigned w = Scheduler::currentWorker();
    if (w >= outboxes_.size())
        return false;
    Outbox& o = outboxes_[w];
    if (!o.open || !(o.channel == channel))
        return false;
    if (o.messages.empty())
        o.slices = 0;
    by.usage->bytesAllocated += storedBytes(msg.args.size()); // (as if stored: most are)
    o.messages.push_back(std::move(msg));
    o.origins.push_back(origins_ != nullptr ? origins_->siteOf(*by.code, by.pc - 1) : OriginSites::kUnknown);
    if (o.messages.size() >= kOutboxBatch)
        flushOutbox(w, &budget);
    return true;
}

void Kernel::openOutbox(const Value& channel, bool cross) {
    // One worker has no one to pass the lock to: its sends stay direct, each a yield.
    if (!holdBack_ || meter_ != nullptr || outboxes_.size() < 2)
        return;
    const unsigned w = Scheduler::currentWorker();
    if (w >= outboxes_.size())
        return;
    Outbox& o = outboxes_[w];
    if (o.open && !o.messages.empty())
        return; // it holds sends for another deep channel: that one keeps it
    if (!o.open)
        outboxesOpen_.fetch_add(1, std::memory_order_relaxed);
    o.open = true;
    o.channel = channel;
    o.cross = cross;
}

void Kernel::closeOutbox(Outbox& o) {
    o.open = false;
    o.channel = Value{};
    outboxesOpen_.fetch_sub(1, std::memory_order_relaxed);
}

void Kernel::receiving(std::span<const Value> channels) {
    const unsigned w = Scheduler::currentWorker();
    if (w >= outboxes_.size() || !outboxes_[w].open || !outboxes_[w].cross)
        return;
    Outbox& o = outboxes_[w];
    for (const Value& c : channels) {
        if (c == o.channel) {
            flushOutbox(w);
            if (o.open)
                closeOutbox(o);
            o.lastCross = Value{};
            return;
        }
    }
}

void Kernel::crossFired(const Value& channel) {
    const unsigned w = Scheduler::currentWorker();
    if (w >= outboxes_.size())
        return;
    Outbox& o = outboxes_[w];
    if (o.lastCross == channel)
        openOutbox(channel, true);
    else
        o.lastCross = channel;
}

Kernel::Produced Kernel::produceHeld(unsigned w, const Value& channel, std::span<Message> messages,
                                     std::span<const uint16_t> origins, bool returned) {
    struct Fired {
        size_t index; // of the message that fired it
        Taken taken;
    };
    absl::InlinedVector<Fired, 1> fired;
    Produced out;
    uint64_t comms = 0;
    for (size_t base = 0; base < messages.size();) {
        const std::span<Message> rest = messages.subspan(base);
        fired.clear();
        const size_t reissue = space_.produceBatch(
            channel, rest, origins.size() > base ? origins.subspan(base) : std::span<const uint16_t>{},
            [this, &fired, &messages](CommEvent& e) {
                const auto index = static_cast<size_t>(e.data[e.producedIndex] - messages.data());
                fired.push_back(Fired{index, Taken{}});
                take(e, fired.back().taken, nullptr);
            },
            out.backlog, returned);
        for (Fired& f : fired) { // the locks are released: start what the COMMs fired
            ++comms;
            if (f.taken.worker == ~0u || f.taken.worker == w)
                out.firedHere = true;
            if (f.taken.system != kNoSystem)
                processor_.serveSystem(f.taken.system, messages[f.index].args, primitives::SendSite{});
            else
                startTaken(f.taken);
        }
        if (reissue == rest.size())
            break;
        // A peek met it: produced again, as send() does (its COMMs counted there).
        int sendBudget = options_.reductionBudget;
        send(nullptr, channel, rest[reissue], false, sendBudget);
        base += reissue + 1;
    }
    if (comms != 0)
        resources_->addUnowned(Usage{0, comms, 0, 0, 0});
    return out;
}

bool Kernel::flushOutbox(unsigned w, int* budget) {
    const bool returned = returnLease(w);
    if (w >= outboxes_.size() || outboxes_[w].messages.empty())
        return returned;
    Outbox& o = outboxes_[w];
    std::vector<Message> messages;
    std::vector<uint16_t> origins;
    messages.swap(o.messages); // (what the COMMs below start never sends from here)
    origins.swap(o.origins);
    o.slices = 0;
    const Value channel = o.channel;
    const Produced p = produceHeld(w, channel, messages, origins);
    heldSends_.fetch_add(messages.size(), std::memory_order_relaxed);
    if (o.cross ? p.firedHere : p.backlog < rspace::kDeepBacklog / 2) {
        closeOutbox(o);
    } else if (budget != nullptr && p.backlog >= rspace::kDeepBacklog) {
        yieldSlice(*budget);
    }
    if (o.messages.empty()) { // keep the buffers' capacity for the next batch
        messages.clear();
        origins.clear();
        o.messages.swap(messages);
        o.origins.swap(origins);
    }
    return true;
}

void Kernel::lease(const Value& channel, size_t backlog) {
    const unsigned w = Scheduler::currentWorker();
    if (!holdBack_ || options_.seed || w >= leases_.size())
        return;
    Lease& l = leases_[w];
    if (l.head != l.data.size())
        return;
    l.data.clear();
    l.origins.clear();
    l.head = 0;
    if (space_.takeRun(channel, kLeaseRun, l.data, l.origins) == 0)
        return;
    l.channel = channel;
    l.backlog = backlog;
    l.shard = space_.shardFor(channel);
}

int Kernel::fromLease(Machine& by, const Value& channel, Continuation& k, int& budget) {
    const unsigned w = Scheduler::currentWorker();
    if (w >= leases_.size())
        return 0;
    Lease& l = leases_[w];
    if (l.head == l.data.size() || !(l.channel == channel))
        return 0;
    Bindings bound{};
    if (!RhoMatcher{}.match(PatternRef{0, 0}, k, l.data[l.head], bound)) {
        returnLease(w);
        return 0;
    }
    l.data[l.head] = Message{};
    if (++l.head == l.data.size())
        leasedData_.fetch_add(l.head, std::memory_order_relaxed);
    space_.countLeasedComm(l.shard);
    ++by.usage->comms;
    if (l.backlog-- > rspace::kDeepBacklog / 2) [[unlikely]]
        drainSlice(budget);
    Taken t;
    t.fired = true;
    t.body = std::move(k.body);
    t.captures = std::move(k.captures);
    for (auto& binding : bound)
        t.bound.push_back(std::move(binding));
    t.worker = k.worker == Continuation::kAnyWorker ? ~0u : k.worker;
    if (continueIn(by, t))
        return 1;
    startTaken(t);
    return 2;
}

bool Kernel::returnLease(unsigned w) {
    if (w >= leases_.size())
        return false;
    Lease& l = leases_[w];
    if (l.head == l.data.size())
        return false;
    std::vector<Message> data;
    std::vector<uint16_t> origins;
    data.swap(l.data);
    origins.swap(l.origins);
    const size_t head = l.head;
    leasedData_.fetch_add(head, std::memory_order_relaxed);
    l.head = 0;
    const Value channel = std::exchange(l.channel, Value{});
    produceHeld(w, channel, std::span<Message>(data).subspan(head), std::span<const uint16_t>(origins).subspan(head),
                /*returned=*/true);
    data.clear();
    origins.clear();
    if (l.data.empty()) {
        l.data.swap(data);
        l.origins.swap(origins);
    }
    return true;
}

bool Kernel::receive(Machine& by, std::span<const Value> channels, std::shared_ptr<const Code> body,
                     Captures captures, int& budget) {
    const bool persistent = body->join->persistent;
    const bool peek = body->join->peek;
    absl::InlinedVector<PatternRef, 1> patterns; // one per channel; most receives have one
    patterns.reserve(channels.size());
    for (uint32_t i = 0; i < channels.size(); ++i)
        patterns.push_back({i, 0});
    int64_t stored = 0; // a metered run: what storing the continuation costs (storageCostConsume)
    if (meter_ != nullptr) [[unlikely]] {
        const primitives::ReceiveSize size = primitives::receiveSize(*body, {captures.data(), captures.size()}, channels);
        if (!meter_->charge(kReceiveEval + size.sources + size.patterns + size.body))
            return false;
        stored = size.stored;
    }
    Continuation k{std::move(body), std::move(captures), Native::kNone,
                   persistent ? Continuation::kAnyWorker : Continuation::affinity(Scheduler::currentWorker()),
                   origins_ != nullptr ? origins_->siteOf(*by.code, by.pc - 1) : OriginSites::kUnknown};
    const bool leasable = !persistent && !peek && channels.size() == 1 && meter_ == nullptr;
    if (leasable) {
        if (const int served = fromLease(by, channels[0], k, budget))
            return served == 1;
    }
    for (;;) {
        Taken taken;
        if (meter_ != nullptr && !meter_->charge(stored)) [[unlikely]]
            return false;
        if (!space_.consume(channels, patterns, k, persistent, peek, [this, &taken, persistent](CommEvent& e) {
                if (meter_ != nullptr) [[unlikely]]
                    chargeComm(e, false, persistent);
                take(e, taken, nullptr);
                taken.backlog = e.backlog;
            })) {
            if (meter_ != nullptr) [[unlikely]]
                meter_->charge(eventCost(channels.size()));
            if (outboxesOpen_.load(std::memory_order_relaxed) != 0) [[unlikely]]
                receiving(channels);
            return false; // stored: k is the space's now
        }
        if (meter_ != nullptr && meter_->exhausted()) [[unlikely]]
            return false; // the COMM's charges ran out: what it fired does not run
        ++by.usage->comms;
        if (taken.backlog > rspace::kDeepBacklog / 2) [[unlikely]]
            drainSlice(budget);
        if (leasable && taken.backlog > kLeaseMin)
            lease(channels[0], taken.backlog - 1);
        if (!persistent) {
            if (continueIn(by, taken))
                return true;
            startTaken(taken);
            return false;
        }
        startTaken(taken);
        if (--budget <= 0) {
            Machine* m = newMachine(rereceiveCode(channels, k.body));
            m->frame.assign(k.captures.begin(), k.captures.end());
            m->frame.resize(m->code->numSlots);
            start(m);
            return false;
        }
    }
}

void Kernel::chargeComm(const CommEvent& e, bool byProduce, bool triggerPersistent) {
    const size_t n = e.data.size();
    const Continuation& k = e.continuation;
    int64_t refund = 0;
    // The continuation, unless it is a persistent one another operation met (then it
    // stays, already paid for); a native listener's body costs nothing.
    if ((!e.persistentContinuation || !byProduce) && k.native == Native::kNone && e.channels.size() == n) {
        std::vector<Value> channels;
        channels.reserve(n);
        for (const Value* c : e.channels)
            channels.push_back(*c);
        refund += primitives::receiveSize(*k.body, {k.captures.data(), k.captures.size()}, channels).stored;
    }
    // Each datum removed: a one-shot one, or the persistent one whose produce this is.
    for (size_t j = 0; j < n && j < e.channels.size(); ++j) {
        const bool persistent = j < 32 && (e.persistentData & (1u << j)) != 0;
        if (persistent && !(byProduce && j == e.producedIndex))
            continue;
        refund += primitives::channelSize(*e.channels[j]);
        for (const Value& v : e.data[j]->args)
            refund += primitives::termSize(v);
    }
    meter_->charge(-refund);
    // A peek that a consume triggered leaves the one-shot data in place: the reference
    // removes them and produces them again (producePeeks), stored anew.
    if (e.peek && !byProduce) {
        for (size_t j = 0; j < n && j < e.channels.size(); ++j) {
            if (j < 32 && (e.persistentData & (1u << j)) != 0)
                continue;
            int64_t stored = primitives::channelSize(*e.channels[j]);
            for (const Value& v : e.data[j]->args)
                stored += primitives::termSize(v);
            meter_->charge(stored + eventCost(1));
        }
    }
    if (!triggerPersistent)
        meter_->charge(eventCost(byProduce ? 1 : n));
    meter_->charge(commEventCost(n));
}

void Kernel::take(CommEvent& e, Taken& t, Machine* inPlace) {
    Continuation& k = e.continuation;
    t.fired = true;
    if (k.native == Native::kSystem) {
        t.system = k.handler; // served once the space's locks are released
        return;
    }
    if (!e.locked) { // no lock held (a contract's COMM): the body's machine is made right here
        const Code* body = k.body.get();
        Machine* m = nullptr;
        if (inPlace == nullptr) {
            m = newMachine(borrowed(body));
            t.started = true;
        } else if (!e.peek && mayContinueIn(*inPlace, k.worker)) {
            m = inPlace; // the tail send's machine goes on in the body
            enter(*m, borrowed(body));
            t.continued = true;
        }
        if (m != nullptr) { // (else the caller starts it: startTaken)
            m->frame.assign(k.captures.begin(), k.captures.end());
            m->frame.resize(body->numSlots);
            for (Bindings& b : e.bindings)
                for (auto& [index, value] : b)
                    m->frame[body->numCaptures + index] = std::move(value);
            if (t.started)
                start(m);
            return;
        }
    }
    // A persistent continuation stays in the space as long as the space: its body is
    // borrowed, with no counting, and its captures copied. A one-shot continuation is
    // the machine's to take: its body reference and captures move out.
    if (e.persistentContinuation) {
        t.body = borrowed(k.body.get());
        t.captures = k.captures;
    } else {
        t.body = std::move(k.body);
        t.captures = std::move(k.captures);
    }
    for (Bindings& b : e.bindings)
        for (auto& binding : b)
            t.bound.push_back(std::move(binding));
    t.worker = k.worker == Continuation::kAnyWorker ? ~0u : k.worker;
}

bool Kernel::mayContinueIn(const Machine& by, unsigned worker) const {
    if (by.nested || !by.calls.empty())
        return false; // a nested send-only machine must stay one level deep (runNow)
    if (options_.seed)
        return false; // a seeded run queues the body: its place in the schedule is the seed's to draw
    const unsigned here = Scheduler::currentWorker();
    // A body that continues its installer's work runs on the installer's worker.
    return worker == Continuation::kAnyWorker || worker == here || worker >= queue_->workers();
}

void Kernel::enter(Machine& by, std::shared_ptr<const Code> body) {
    handOff(by);
    by.origin = body.get();
    by.code = std::move(body);
    by.pc = 0;
    by.stack.clear();
}

bool Kernel::continueIn(Machine& by, Taken& t) {
    if (!mayContinueIn(by, t.worker == ~0u ? Continuation::kAnyWorker : t.worker))
        return false;
    const Code* body = t.body.get();
    enter(by, std::move(t.body));
    by.frame.assign(std::make_move_iterator(t.captures.begin()), std::make_move_iterator(t.captures.end()));
    by.frame.resize(body->numSlots);
    for (auto& [index, value] : t.bound)
        by.frame[body->numCaptures + index] = std::move(value);
    return true;
}

void Kernel::startTaken(Taken& t) {
    const Code* body = t.body.get();
    Machine* m = newMachine(std::move(t.body));
    m->frame.assign(std::make_move_iterator(t.captures.begin()), std::make_move_iterator(t.captures.end()));
    m->frame.resize(body->numSlots);
    for (auto& [index, value] : t.bound)
        m->frame[body->numCaptures + index] = std::move(value);
    const unsigned here = Scheduler::currentWorker();
    if (t.worker != ~0u && t.worker != here && t.worker < queue_->workers())
        queue_->spawnOn(here, t.worker, m); // it continues its installer's work there
    else
        start(m);
}

bool Kernel::primitive(Machine& m, uint32_t handler, uint32_t n) {
    ++m.usage->primitiveRequests;
    PrivateChannel& ch = *m.channel;
    primitives::Request& req = ch.request;
    ValueStack& stack = m.stack;
    const size_t base = stack.size() - n;
    req.handler = handler;
    req.count = n;
    if (n <= primitives::Request::kInlineOperands) {
#ifdef RHO_DEBUG
        for (uint32_t i = 0; i < n; ++i)
            RHO_ASSERT(req.inlineOperands[i].isInline()); // (clear() leaves only inline values)
#endif
        stack.relocateTop(n, req.inlineOperands.data());
    } else {
        req.spilledOperands.assign(std::make_move_iterator(stack.begin() + static_cast<ptrdiff_t>(base)),
                                   std::make_move_iterator(stack.end()));
        stack.truncate(base);
    }
    auto& privates = space_.privateChannels();
    primitives::Answer* answer = &ch.answer;
    if (options_.directPrimitives) [[unlikely]] {
        processor_.serveDirect(req, ch.answer);
    } else {
        // The request COMM: the processor consumes it and answers, now or later.
        privates.send(ch);
        if (ch.state() != PrivateChannel::State::kAnswered) [[unlikely]]
            Scheduler::awaitAnswer(m); // this fiber waits; the worker runs other machines
        // The answer COMM: the machine takes the answer from its reply side.
        answer = &privates.take(ch);
    }
    req.clear();
    if (answer->failed()) [[unlikely]] {
        m.fault = std::move(answer->fault);
        answer->fault = primitives::Fault{};
        return false;
    }
    if (!answer->value.isInline()) // (a scalar answer allocated nothing)
        m.usage->bytesAllocated += shallowBytes(answer->value);
    stack.push_back(std::move(answer->value));
    return true;
}

void Kernel::write(primitives::OutputStream stream, std::string_view text) {
    std::lock_guard lock(outputMu_);
    std::fwrite(text.data(), 1, text.size(), stream == primitives::OutputStream::kErr ? options_.err : options_.out);
}

void Kernel::send(const Value& channel, std::vector<Value> args) {
    int budget = options_.reductionBudget;
    Message msg{Args(std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()))};
    send(nullptr, channel, msg, false, budget);
}

void Kernel::beginAsync() { queue_->holdRun(); }
void Kernel::endAsync() { queue_->releaseRun(); }

void Kernel::chargeSteps(unsigned w, Machine& m, int n) {
    m.usage->reductions += static_cast<uint64_t>(n);
    if (!countSteps_)
        return;
    StepCounter& c = stepCounters_[w];
    c.pending += n;
    if (c.pending < stepBatch_)
        return;
    uint64_t total = steps_.fetch_add(static_cast<uint64_t>(c.pending), std::memory_order_relaxed) +
                     static_cast<uint64_t>(c.pending);
    c.pending = 0;
    if (options_.maxSteps != 0 && total >= options_.maxSteps)
        stop(StopReason::kSteps);
}

void Kernel::yieldSlice(int& budget) {
    const unsigned w = Scheduler::currentWorker();
    if (w >= stepCounters_.size() || budget <= 1)
        return;
    // A receiver draining on another worker is taking what this sender stores as fast
    // as it can: a yield would only cost this worker a trip through the queue.
    for (unsigned u = 0; u < stepCounters_.size(); ++u)
        if (u != w && stepCounters_[u].draining.load(std::memory_order_relaxed))
            return;
    stepCounters_[w].shift += 1 - budget;
    budget = 1;
    backlogYields_.fetch_add(1, std::memory_order_relaxed);
}

void Kernel::drainSlice(int& budget) {
    const unsigned w = Scheduler::currentWorker();
    const int full = options_.reductionBudget;
    if (w >= stepCounters_.size() || budget >= full)
        return;
    StepCounter& c = stepCounters_[w];
    if (c.shift - c.drainBase >= int64_t{kMaxDrainSlices} * full) {
        // (A slice's spent reductions are an int where the scheduler adds them up: a
        // drain ends its slice before its shift could overflow one.)
        if (stepCounters_.size() < 2 || options_.maxSteps != 0 || options_.seed ||
            stopped.load(std::memory_order_relaxed) || c.shift >= kMaxDrainShift)
            return; // the slice ends: what waits on this worker runs (or the run stops)
        queue_->shed(w); // what waits here runs on the other workers
        c.drainBase = c.shift;
    }
    c.shift += full - budget;
    budget = full;
    if (!c.draining.load(std::memory_order_relaxed))
        c.draining.store(true, std::memory_order_relaxed);
}

void Kernel::retire(unsigned w, Machine* m) {
    finish(w, m);
    queue_->retire(w);
}

void Kernel::finish(unsigned w, Machine* m) {
    m->usage->privateComms += m->channel->comms();
    resources_->retire(w, *m->usage, m->origin);
    m->code.reset();
    m->stack.clear();
    m->frame.clear();
    m->scratch.clear();
    m->calls.clear();
    if (!m->fault.ok())
        m->fault = {};
    pool_->release(w, m);
}

bool Kernel::readStored(const Value& channel, std::vector<Value>& out) {
    Message m;
    if (!space_.readOldest(channel, m))
        return false;
    out.assign(m.args.begin(), m.args.end());
    return true;
}

bool Kernel::updateStored(const Value& channel, const primitives::SystemContext::Decide& decide) {
    return space_.update(channel, [&decide](const Message* current, Message& next) {
        std::vector<Value> now;
        if (current != nullptr)
            now.assign(current->args.begin(), current->args.end());
        std::vector<Value> out;
        if (!decide(current != nullptr ? &now : nullptr, out))
            return false;
        next.args = Args(std::make_move_iterator(out.begin()), std::make_move_iterator(out.end()));
        return true;
    });
}

void Kernel::testEvent(primitives::TestEvent event) {
    std::lock_guard lock(testMu_);
    testEvents_.push_back(std::move(event));
}

std::vector<primitives::TestEvent> Kernel::takeTestEvents() {
    std::lock_guard lock(testMu_);
    return std::exchange(testEvents_, {});
}

void Kernel::addSource(const std::shared_ptr<const std::string>& name, std::shared_ptr<const std::string> text) {
    if (name && text)
        sources_[*name] = std::move(text);
}

std::string Kernel::renderError(const Code* code, uint32_t pc, std::string_view message) const {
    // The reference's run-time messages start with "Error: "; after "error:" it would
    // say it twice.
    if (message.starts_with("Error: "))
        message.remove_prefix(7);
    const Color color = options_.colorErrors ? Color::kAlways : Color::kNever;
    if (code == nullptr)
        return renderDiagnostic("<program>", SourcePos{}, message, {}, color);
    const std::string name = code->sourceName ? *code->sourceName : std::string("<program>");
    const SourcePos pos = pc < code->positions.size() ? code->positions[pc] : SourcePos{};
    auto it = sources_.find(name);
    return renderDiagnostic(name, pos, message, it == sources_.end() ? std::string_view{} : *it->second, color);
}

void Kernel::systemFault(const primitives::SendSite& site, std::string_view message) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    write(primitives::OutputStream::kErr, renderError(site.code.get(), site.pc, message));
}

void Kernel::reportFault(const Machine& m) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    const Code& c = *m.code;
    primitives::Fault fault = m.fault;
    if (fault.code == primitives::FaultCode::kUnknownMethod && m.faultPc >= 1 && m.faultPc < c.words.size() &&
        bytecode::decodeOp(c.words[m.faultPc - 1]) == Op::METHOD) {
        // The processor knows only that no handler is registered; the name is the
        // METHOD instruction's constant (the fault pc is its AUX word).
        fault.a = c.constants[bytecode::decodeA(c.words[m.faultPc - 1])];
    }
    std::string msg = renderError(&c, m.faultPc, primitives::describe(fault));
    if (fault.code == primitives::FaultCode::kMemoryLimit)
        stop(StopReason::kMemory); // the limit ends the run, not only this process
    write(primitives::OutputStream::kErr, msg);
}

} // namespace rho::machine
