// File: space.h
// Space<Types, Matcher>: the hot store (in memory) of the tuplespace, the COMM rule
// over it, and its checkpoint to / reload from a History (history.h). The contract
// (Types, Matcher, COMM semantics) is the header comment of rspace.h; this file is
// the class, its data layout and its public operations. Its other members are in
//   space_comm.h         the COMM rule: one-channel receives, storing a waiting
//                        continuation, a produce meeting a single or a join continuation
//   space_store.h        the shard tables: channel entries, records, contract snapshots
//   space_persistence.h  attach and checkpoint, and the LMDB record codec
// with the pieces it is built of: contract_cache.h (the lock-free contract table),
// shard_locks.h (the locking discipline), fifo_list.h (age-ordered lists). Include
// rspace.h, which includes them all.
//
// Layout of the hot store: kShards shards, a channel's shard chosen by the top bits
// of its key. A shard holds
//   channels  ChannelKey -> ChannelEntry {channel, data (oldest first), waiting
//             continuations (oldest first)}. A second channel with the same key (a
//             128-bit collision) hangs off the first in a `next` chain. Entries are
//             removed as soon as they hold nothing.
//   its lock, its counters, its dirty channels (for the next checkpoint), and the
//   continuation records whose home it is (the shard of their first channel).
// A continuation record (ContRecord) is stored once and listed under each of its
// channels as (record, position of that channel in the join), so a produce reaches it
// without searching and knows which pattern to try.
//
// Contracts without locks: a produce that meets only persistent continuations changes
// nothing in the space (the continuation stays, the datum is not stored), so it needs
// no lock. Each shard publishes, lock-free, an immutable snapshot of every channel that
// holds no data and whose waiters are all persistent single-channel receives (a
// contract's channel); a produce looks there first and, when one of them matches,
// fires it without locking or writing anything shared. The snapshots are kept under
// the shard lock by every operation that changes such a channel; a channel that keeps
// changing stops being published (each published snapshot is freed only with the
// space, so their number is bounded).
//
// Locking (no global lock): every other operation locks the shards of the channels it
// touches, in ascending shard order, and holds them to the end, so a join takes its
// data from all its channels atomically. A consume knows its channels up front. A
// produce locks its channel's shard; when a waiting join needs other shards it tries
// their locks, and if one is busy it releases everything, locks the union in order
// and starts again (nothing was changed before the retry). Readers of the whole space
// (inspect, checkpoint, attach, counters) lock every shard in order.
//
// Age order: data and waiting continuations get sequence numbers from their channel's
// shard (a join one per channel), so each channel's lists are in age order and a
// reload restores that order exactly. Continuation ids (the LMDB key) come from the
// record's home shard: (counter << kShardBits) | shard; they only name records.
//
// Persistence (attach, checkpoint, the records in LMDB): space_persistence.h.
//
// A space larger than memory (attach with Load::kOnTouch): a channel's entry is made
// from its stored records when an operation first finds it missing (space_load.h),
// with the channels of any join waiting on it, so a join's channels are resident
// together; and evictCold() drops clean channels a checkpoint left untouched. Memory is
// the truth for a key once looked at: a key found empty, or whose entry was dropped
// since, is listed as absent in its shard until the next checkpoint makes the store
// agree; names minted by this run (setFreshTest) are never looked up at all.
#pragma once

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "rho/base/assert.h"
#include "rho/base/status.h"
#include "rho/rspace/channel_key.h"
#include "rho/rspace/fifo_list.h"
#include "rho/rspace/history.h"
#include "rho/rspace/private_channel.h"
#include "rho/rspace/record_codec.h"
#include "rho/rspace/comm.h"
#include "rho/rspace/contract_cache.h"
#include "rho/rspace/shard_locks.h"
#include "rho/rspace/slab_pool.h"
#include "rho/rspace/spin_lock.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace rho::rspace {

namespace detail {

// The private-channel table of a space over [Types]: PrivateChannels of
// Types::Request and Types::Answer when Types names them, of empty messages otherwise.
struct NoMessage {};
template <class Types>
struct PrivateTableOf {
    using type = PrivateChannels<NoMessage, NoMessage>;
};
template <class Types>
    requires requires {
        typename Types::Request;
        typename Types::Answer;
    }
struct PrivateTableOf<Types> {
    using type = PrivateChannels<typename Types::Request, typename Types::Answer>;
};

} // namespace detail

template <class Types, class Matcher>
class Space {
  public:
    using Channel = typename Types::Channel;
    using Pattern = typename Types::Pattern;
    using Datum = typename Types::Datum;
    using Continuation = typename Types::Continuation;
    using Bindings = typename Types::Bindings;
    using PrivateTable = typename detail::PrivateTableOf<Types>::type;

    // Shards of the hot store. 64: two busy channels share a lock with probability 1/64;
    // the shards cost a few KB.
    static constexpr unsigned kShardBits = 6;
    static constexpr unsigned kShards = 1u << kShardBits;
    static_assert(kShards <= 256, "a record's home shard is a byte");

    // [matcher] is kept by reference and must outlive the space.
    explicit Space(const Matcher& matcher) : matcher_(matcher), shards_(new Shard[kShards]) {}
    // Tears the store down in bulk: the records and entries are destroyed by a walk
    // of their shards' slabs in address order (not node by node in hash order), then
    // the slabs are freed whole (slab_pool.h).
    ~Space() {
        for (unsigned s = 0; s < kShards; ++s) {
            Shard& sh = shards_[s];
            sh.records.forEachLive([](void* p) { static_cast<ContRecord*>(p)->~ContRecord(); });
            sh.records.release();
            sh.singles.beginTeardown(); // the entries' one-datum arrays go with the pool
            sh.entries.forEachLive([](void* p) { static_cast<EntryNode*>(p)->~EntryNode(); });
            sh.entries.beginTeardown(); // the map's destructor gives the nodes back: nothing to do
        }
    }
    Space(const Space&) = delete;
    Space& operator=(const Space&) = delete;

    // The private channels of this space (private_channel.h): one per live process,
    // each held by its process, with a COMM path that takes no lock of the space. They
    // are never written to the history: a private channel lives as long as its process.
    PrivateTable& privateChannels() { return privates_; }
    const PrivateTable& privateChannels() const { return privates_; }

    // Send [datum] on [channel] (rspace.h, "produce"). Performs at most one COMM:
    // then calls [sink](CommEvent<Types>&) under the locks of the COMM's channels and
    // returns kComm or kReissue, the datum untouched (the caller produces it again on
    // kReissue); otherwise moves the datum into the space and returns kStored, or
    // kStoredDeep when the channel now holds kDeepBacklog data or more. Never fails.
    // Any thread. [origin]: the caller's tag for where the datum came from,
    // kept with it while it is stored and shown by inspect() (ChannelView::origins);
    // not persisted (a datum loaded from the history has origin 0).
    template <class Sink>
    ProduceResult produce(const Channel& channel, Datum& datum, bool persistent, Sink&& sink, uint16_t origin = 0) {
        const ChannelKey key = Types::key(channel);
        if (const ContractSet* contracts = shards_[shardOf(key)].contracts.find(key)) {
            if (Types::sameChannel(contracts->channel, channel)) {
                for (ContRecord* rec : contracts->records) {
                    Bindings own{};
                    if (!matcher_.match(rec->slots[0].pattern, rec->continuation, datum, own)) {
                        continue;
                    }
                    Shard& sh = shards_[shardOf(key)];
                    sh.lockFree.produces.add(1);
                    sh.lockFree.comms.add(1);
                    const Datum* data[1] = {&datum};
                    const Channel* channels[1] = {&contracts->channel};
                    CommEvent<Types> event{rec->continuation, true,     rec->peek, data, {&own, 1}, 0, false,
                                           channels,          persistent ? 1u : 0u};
                    sink(event);
                    return persistent || rec->peek ? ProduceResult::kReissue : ProduceResult::kComm;
                }
            }
        }
        LockSet locks(shards_.get());
        locks.acquire(shardOf(key));
        ++shards_[shardOf(key)].produces;
        for (;;) {
            ProduceResult result = ProduceResult::kStored;
            Needs needs = tryProduce(locks, key, channel, datum, persistent, sink, result, origin);
            if (needs.empty()) {
                return result;
            }
            locks.reacquire(needs); // a join needs a busy shard: lock in order, try again
        }
    }

    // Send the one-shot [data] on [channel], oldest first, as that many produce() calls
    // would one after another, under one acquisition of the channel's shard lock (and
    // of the shards a waiting join needs): for a sender that held back its sends to a
    // deep channel (the kernel's outboxes). [sink] is called, under the locks, for each
    // COMM; [origins] tags the data as produce()'s origin does (empty: all 0). Returns
    // the index of the first datum whose COMM makes the caller produce it again
    // (kReissue: a peek met it; the data after it are left to the caller too), or
    // data.size(). [backlog] receives the channel's data count at the end. [returned]:
    // the data are ones takeRun moved out, produced already (not counted again).
    template <class Sink>
    size_t produceBatch(const Channel& channel, std::span<Datum> data, std::span<const uint16_t> origins, Sink&& sink,
                        size_t& backlog, bool returned = false);

    // Moves up to [max] of [channel]'s oldest one-shot data out of the space into [out]
    // (their origins into [origins]), for a receiver that takes them one by one without
    // the channel's lock (the kernel's leases: each is counted as a COMM by
    // countLeasedComm when it is taken, and what is not taken is produced again). Stops
    // at a persistent datum. Returns how many it moved. Any thread.
    size_t takeRun(const Channel& channel, size_t max, std::vector<Datum>& out, std::vector<uint16_t>& origins);
    // A receive took a datum takeRun moved out of shard [shard] (shardFor): the
    // consume and its COMM, in the space's counts.
    void countLeasedComm(uint32_t shard) {
        shards_[shard].lockFree.consumes.add(1);
        shards_[shard].lockFree.comms.add(1);
    }
    [[nodiscard]] uint32_t shardFor(const Channel& channel) const { return shardOf(Types::key(channel)); }

    // produce() returning the COMM as a value (the continuation and data copied out):
    // nullopt when the datum was stored. For callers off the hot path (tests, tools).
    std::optional<Comm<Types>> produce(const Channel& channel, Datum datum, bool persistent) {
        std::optional<Comm<Types>> comm;
        ProduceResult r = produce(channel, datum, persistent, [&comm](CommEvent<Types>& e) { comm = toComm(e); });
        if (comm) {
            comm->data[comm->producedIndex] = std::move(datum);
            comm->reissueProduce = r == ProduceResult::kReissue;
        }
        return comm;
    }

    // Receive on [channels] with [patterns] (rspace.h, "consume"); a join when there
    // are several channels. [channels] must be non-empty, pairwise distinct and as
    // long as [patterns] (RHO_CHECK). Performs at most one COMM: then calls
    // [sink](CommEvent<Types>&) under the locks of the channels and returns true;
    // [continuation] is the event's, and stays the caller's afterwards (a persistent
    // consume that COMMs is not stored: the caller re-issues it). Otherwise moves the
    // continuation into the space and returns false. Never fails. Any thread.
    template <class Sink>
    bool consume(std::span<const Channel> channels, std::span<const Pattern> patterns, Continuation& continuation,
                 bool persistent, bool peek, Sink&& sink) {
        RHO_CHECK(!channels.empty() && channels.size() == patterns.size(),
                  "consume: channels and patterns must be non-empty and of equal length");
        const size_t arity = channels.size();
        if (arity == 1) {
            return consumeOne(channels[0], patterns[0], continuation, persistent, peek, sink);
        }
        KeyList keys(arity);
        Needs needs;
        for (size_t i = 0; i < arity; ++i) {
            keys[i] = Types::key(channels[i]);
            needs.push_back(shardOf(keys[i]));
        }
        LockSet locks(shards_.get());
        if (arity == 1) {
            locks.acquire(needs[0]);
        } else {
            locks.acquire(needs);
        }
        for (size_t i = 0; lazy_ && i < arity;) { // every channel looked up before any is matched
            if (find(keys[i], channels[i]).node != nullptr) {
                ++i;
                continue;
            }
            Needs more = admit(keys[i], &channels[i], [&locks](uint32_t s) { return locks.holds(s); });
            if (more.empty()) {
                ++i;
                continue;
            }
            locks.reacquire(more);
            i = 0;
        }
        Shard& home = shards_[shardOf(keys[0])];
        ++home.consumes;

        absl::InlinedVector<Pick, 4> picks(arity);
        bool matched = true;
        for (size_t i = 0; i < arity && matched; ++i) {
            picks[i].slot = find(keys[i], channels[i]);
            matched = picks[i].slot.node != nullptr &&
                      scanData(*picks[i].slot.node, patterns[i], continuation, picks[i].pos, picks[i].bindings,
                               std::span<const Pick>(picks.data(), i));
        }
        if (matched) {
            ++home.comms;
            absl::InlinedVector<const Datum*, 4> data(arity);
            absl::InlinedVector<const Channel*, 4> channelOf(arity);
            absl::InlinedVector<Bindings, 1> bindings(arity);
            uint32_t persistentData = 0;
            for (size_t i = 0; i < arity; ++i) {
                const DataEntry& d = picks[i].slot.node->data[picks[i].pos];
                data[i] = &d.datum;
                channelOf[i] = &channels[i];
                persistentData |= d.persistent() && i < 32 ? 1u << i : 0u;
                bindings[i] = std::move(picks[i].bindings);
            }
            CommEvent<Types> event{continuation, persistent, peek, data, bindings, 0, true, channelOf, persistentData};
            sink(event);
            removeAllTaken(picks, keys, peek);
            dropEmptyEntries(picks, keys);
            return true;
        }

        storeWaiting(shardOf(keys[0]), channels, keys, patterns, continuation, persistent, peek);
        return false;
    }

    // consume() returning the COMM as a value (the data copied out): nullopt when the
    // continuation was stored. For callers off the hot path (tests, tools).
    std::optional<Comm<Types>> consume(std::span<const Channel> channels, std::span<const Pattern> patterns,
                                       Continuation continuation, bool persistent, bool peek) {
        std::optional<Comm<Types>> comm;
        consume(channels, patterns, continuation, persistent, peek, [&comm](CommEvent<Types>& e) { comm = toComm(e); });
        if (comm) {
            comm->continuation = std::move(continuation);
        }
        return comm;
    }

    // Nondeterministic choice (RHOLANG.md 8): when several data, or several waiting
    // continuations, match, the reference picks one at random. Each such scan of 2 to 64
    // candidates starts at a place drawn from this seed (per thread, so a one-thread
    // seeded run makes the same choices every time) and goes round, so the first match
    // from there is taken: one draw per scan, never a pass over all of them to choose.
    // Longer lists are scanned oldest first (removal from their middle would cost a shift).
    // Any thread; takes effect for the scans that follow.
    // Off until first set: candidates are then tried oldest first.
    void setChoiceSeed(uint64_t seed) {
        choiceEnabled_.store(true, std::memory_order_relaxed);
        choiceSeed_.store(seed, std::memory_order_relaxed);
        choiceThreads_.store(0, std::memory_order_relaxed);
        choiceGeneration_.fetch_add(1, std::memory_order_release);
    }

    // Copies the oldest datum stored on [channel] into [out], leaving it there: false
    // when the channel holds none. No COMM, nothing stored (a system process's read of
    // a channel only it can write, such as a registry entry). Any thread.
    bool readOldest(const Channel& channel, Datum& out) {
        const ChannelKey key = Types::key(channel);
        std::unique_lock<SpinLock> lock(shards_[shardOf(key)].mu);
        Slot slot = find(key, channel);
        if (slot.node == nullptr && lazy_) {
            if (!admitHeld(key, channel)) {
                lock.unlock();
                admitLocking(key, channel);
                return readOldest(channel, out);
            }
            slot = find(key, channel);
        }
        if (slot.node == nullptr || slot.node->data.empty())
            return false;
        out = slot.node->data[oldestIndex(slot.node->data)].datum;
        return true;
    }

    // Stores a message on [channel] in place of its oldest one, atomically: for a
    // channel no program receives on (a registry entry), kept as one message. [decide]
    // (const Datum* current, Datum& next) sees the oldest message (null: none) and
    // returns false to leave the channel as it is, true to put [next] in its place (or
    // store it). No COMM. Any thread.
    template <class Decide>
    bool update(const Channel& channel, Decide&& decide) {
        const ChannelKey key = Types::key(channel);
        Shard& sh = shards_[shardOf(key)];
        std::unique_lock<SpinLock> lock(sh.mu);
        Slot slot = findOrCreate(key, channel);
        if (lazy_ && slot.created) {
            sh.channels.erase(slot.it); // not looked up yet: made again once it is
            if (!admitHeld(key, channel)) {
                lock.unlock();
                admitLocking(key, channel);
                return update(channel, std::forward<Decide>(decide));
            }
            slot = findOrCreate(key, channel);
        }
        ChannelEntry& entry = *slot.node;
        Datum* current = entry.data.empty() ? nullptr : &entry.data[oldestIndex(entry.data)].datum;
        Datum next{};
        if (!decide(static_cast<const Datum*>(current), next)) {
            dropIfEmpty(slot);
            return false;
        }
        if (current != nullptr)
            *current = std::move(next);
        else
            entry.data.emplaceIn(sh.singles, std::move(next), sh.nextSeq++, false);
        markDirty(entry, key);
        withdrawContract(slot);
        return true;
    }

    // Every channel that holds data or continuations, sorted by ChannelKey (so the
    // output is stable across runs), data and continuations oldest first. A snapshot:
    // everything is copied. A space that loads on touch loads the whole store first
    // (what a listing of the space must show). Any thread.
    [[nodiscard]] std::vector<ChannelView<Types>> inspect() const;

    // Counters since construction (attach does not count loaded records).
    [[nodiscard]] uint64_t commCount() const { return sum(&Shard::comms) + lockFreeSum(&LockFreeCounts::comms); }
    [[nodiscard]] uint64_t produceCount() const {
        return sum(&Shard::produces) + lockFreeSum(&LockFreeCounts::produces);
    }
    [[nodiscard]] uint64_t consumeCount() const { return sum(&Shard::consumes) + lockFreeSum(&LockFreeCounts::consumes); }
    // Of commCount(), the COMMs of sends that met a published contract without a lock.
    [[nodiscard]] uint64_t lockFreeCommCount() const { return lockFreeSum(&LockFreeCounts::comms); }
    // Channel entries in the hot store, empty ones included: with entries removed
    // when empty this equals the number of channels inspect() reports (a leak check).
    [[nodiscard]] size_t channelEntryCount() const {
        AllLocks all(shards_.get());
        size_t n = 0;
        for (unsigned s = 0; s < kShards; ++s) {
            for (const auto& [key, head] : shards_[s].channels) {
                for (const ChannelEntry* e = &head; e != nullptr; e = chainNext(shards_[s], e)) {
                    ++n;
                }
            }
        }
        return n;
    }
    // Waiting continuations (a join counts once).
    [[nodiscard]] size_t continuationCount() const { return sum(&Shard::conts); }

    // Calls [f](const Channel&, size_t data, size_t waiting) for every channel that
    // holds something: its stored data and the continuations waiting on it (a join
    // under each of its channels). One shard at a time, each locked only while it is
    // walked: a monitor's sample (`run --top`), not a snapshot of the whole space. [f]
    // must not call into the space. Any thread.
    template <class F>
    void forEachChannelLoad(F&& f) const {
        for (unsigned s = 0; s < kShards; ++s) {
            std::lock_guard<SpinLock> lock(shards_[s].mu);
            for (const auto& [key, head] : shards_[s].channels) {
                for (const ChannelEntry* e = &head; e != nullptr; e = chainNext(shards_[s], e)) {
                    if (!e->empty()) {
                        f(e->channel, e->data.size(), e->waiting.size());
                    }
                }
            }
        }
    }

    // How attach() reads the store: all of it now, or each channel when an operation
    // first touches it (a store larger than memory; History::hasWaitsIndex() needed,
    // else the whole store is read and the first checkpoint writes the index).
    enum class Load : uint8_t { kWhole, kOnTouch };

    // Load [history] (every channel and continuation stored, or with Load::kOnTouch
    // only its counters) and remember it for checkpoint(). [history] must outlive the
    // space (or the space must not checkpoint after it is gone). Call once, before any
    // produce or consume; afterwards new continuation ids and sequence numbers follow
    // the stored ones.
    // Errors:
    //   FailedPrecondition  already attached, or the space is not empty.
    //   DataLoss            a record does not decode (or decodes to a channel of another
    //                       key), or the waits index disagrees with the continuations;
    //                       the space is left empty and unattached.
    //   others              from History::forEach (LMDB); the space is left empty.
    // A record that fails to load on touch later cannot fail the operation that touched
    // it (a COMM never fails): the channel is taken as empty, the failure is kept, and
    // every later checkpoint() returns it without writing anything (loadFailure()).
    [[nodiscard]] absl::Status attach(History& history, Load load = Load::kWhole);

    // Names the caller knows were never stored: [fresh](context, channel) true for a
    // name minted by this run (not yet written by a checkpoint of it, as far as the
    // space can tell: an evicted one is looked up all the same). Such a channel is made
    // without reading the store. Set before any produce or consume; null: none.
    using FreshTest = bool (*)(const void* context, const Channel& channel);
    void setFreshTest(FreshTest fresh, const void* context) {
        fresh_ = fresh;
        freshContext_ = context;
    }

    // With Load::kOnTouch, after a checkpoint: frees the channels that no operation
    // changed since the checkpoint before it (clean, not a contract channel, waited on
    // only by stored single-channel receives); they are read again when touched.
    // Returns how many were dropped. Any thread; blocks every other call meanwhile.
    size_t evictCold();

    // Channels read from the store on touch, and dropped by evictCold(), since attach.
    [[nodiscard]] uint64_t channelsLoaded() const { return sum(&Shard::loaded); }
    [[nodiscard]] uint64_t channelsEvicted() const { return sum(&Shard::evictions); }
    [[nodiscard]] bool loadsOnTouch() const { return lazy_; }
    // The first failure to load a channel on touch (OK: none).
    [[nodiscard]] absl::Status loadFailure() const {
        std::lock_guard<SpinLock> lock(failureMu_);
        return loadFailure_;
    }

    // Write every channel and continuation that changed since attach or the last
    // successful checkpoint (new, modified or removed) in one LMDB write transaction.
    // Continuations with Types::isDurable() == false are never written. On error
    // nothing is written and the changes stay pending for the next checkpoint.
    // Errors:
    //   FailedPrecondition  no history attached.
    //   ResourceExhausted   the LMDB map is full (reopen the history with a larger map).
    //   others              from History::commit.
    // Blocks every other call on this space for the duration of the write. Any thread.
    [[nodiscard]] absl::Status checkpoint();

    // The hot store's per-channel and per-continuation sizes (what a parked receive
    // costs; checked where the types are known).
    static constexpr size_t entryBytes() { return sizeof(ChannelEntry); }
    static constexpr size_t recordBytes() { return sizeof(ContRecord); }

    [[nodiscard]] bool isAttached() const {
        AllLocks all(shards_.get());
        return history_ != nullptr;
    }

  private:
    using KeyList = absl::InlinedVector<ChannelKey, 1>;
    using Needs = absl::InlinedVector<uint32_t, 4>; // shard indexes

    struct ChannelEntry;
    // One channel of a continuation's join: the channel's entry, which lives as long as
    // the record waits on it (an entry is freed only when it holds nothing), so the
    // record keeps neither the channel nor its key (a parked receive's record would be
    // 48 bytes larger).
    struct ChannelSlot {
        ChannelEntry* entry = nullptr;
        Pattern pattern;
        uint64_t seq = 0; // its place in the channel's age order
    };
    static ChannelKey keyOf(const ChannelSlot& cs) { return Types::key(cs.entry->channel); }
    // A stored continuation (128 bytes with the machine's types and one channel: a
    // parked receive's whole record, in its home shard's slab pool).
    struct ContRecord {
        absl::InlinedVector<ChannelSlot, 1> slots; // one per channel, in the join's order
        Continuation continuation{};
        uint64_t id = 0;        // the durable id (LMDB key)
        uint32_t addedAt = 0;   // 1 + its place in its home shard's list of records added since the last checkpoint; 0: not there
        uint8_t home = 0;       // the shard of channels[0]: holds its id counter and lists
        bool persistent = false;
        bool peek = false;
        bool persisted = false; // written by a checkpoint (so removal must delete it)
    };
    static std::vector<Channel> channelsOf(const ContRecord& rec) {
        std::vector<Channel> out;
        for (const ChannelSlot& cs : rec.slots) {
            out.push_back(cs.entry->channel);
        }
        return out;
    }
    static std::vector<Pattern> patternsOf(const ContRecord& rec) {
        std::vector<Pattern> out;
        for (const ChannelSlot& cs : rec.slots) {
            out.push_back(cs.pattern);
        }
        return out;
    }
    static KeyList keysOf(const ContRecord& rec) {
        KeyList out;
        for (const ChannelSlot& cs : rec.slots) {
            out.push_back(keyOf(cs));
        }
        return out;
    }
    // A stored datum with its place in the channel's age order, its origin (produce)
    // and its persistence flag in one word (64 bytes with the machine's types: a
    // fan-in's backlog of 10^6 messages is memory the kernel must fault in
    // page by page). Sequence numbers have 47 bits: 1.4 * 10^14 data and receives
    // stored in one shard over the space's life.
    static constexpr uint64_t kMaxSeq = (uint64_t{1} << 47) - 1;
    struct DataEntry {
        DataEntry() = default;
        DataEntry(Datum&& d, uint64_t seq, bool persistent, uint16_t origin = 0)
            : datum(std::move(d)), bits_((seq << 17) | (uint64_t{origin} << 1) | (persistent ? 1 : 0)) {
            RHO_CHECK(seq <= kMaxSeq, "rspace: a shard's sequence numbers are exhausted (2^47)");
        }
        Datum datum;
        [[nodiscard]] uint64_t seq() const { return bits_ >> 17; }
        [[nodiscard]] uint16_t origin() const { return static_cast<uint16_t>(bits_ >> 1); }
        [[nodiscard]] bool persistent() const { return (bits_ & 1) != 0; }

      private:
        uint64_t bits_ = 0;
    };
    // Where a channel's array of one datum comes from (most data channels hold one).
    using DataPool = detail::SlabPool<sizeof(DataEntry), alignof(DataEntry)>;
    struct Waiter {
        ContRecord* rec;
        uint32_t index; // position of this channel in the continuation's join
    };
    // 80 bytes with the machine's types (the flags and the count sit in the tail
    // padding of the lists): with its key a 96-byte map node in its shard's pool. The
    // flags share a byte: every access holds the shard's lock.
    struct ChannelEntry {
        explicit ChannelEntry(const Channel& ch) : channel(ch) {}
        Channel channel;
        [[no_unique_address]] detail::BlockFifo<DataEntry, DataPool> data;
        bool dirty : 1 = false;     // its key is in its shard's dirty list
        bool encoding : 1 = false;  // (a chain's head) its key's record is in the checkpoint being written
        bool published : 1 = false; // in its shard's contract snapshots
        bool chained : 1 = false;   // another channel with the same key follows (Shard::overflow)
        bool warm : 1 = false;      // loaded, or written by the last checkpoint: not evicted by the next
        uint8_t publications = 0;   // times published; capped (kMaxPublications)
        [[no_unique_address]] detail::FifoList<Waiter, 1> waiting;
        uint32_t oneShot = 0;               // waiters that are not persistent single-channel receives
        [[nodiscard]] bool empty() const { return data.empty() && waiting.empty(); }
    };
    // Nodes, not inline slots: an entry then costs its own size, not its size over the
    // table's load factor, and stays where it is when the table grows (records point
    // to it). The nodes live in their shard's slab pool (slab_pool.h).
    using EntryNode = std::pair<const ChannelKey, ChannelEntry>;
    using EntryPool = detail::SlabPool<sizeof(EntryNode), alignof(EntryNode)>;
    using RecordPool = detail::SlabPool<sizeof(ContRecord), alignof(ContRecord)>;
    using ChannelMapBase = absl::node_hash_map<ChannelKey, ChannelEntry>;
    using ChannelMap = absl::node_hash_map<ChannelKey, ChannelEntry, typename ChannelMapBase::hasher,
                                           typename ChannelMapBase::key_equal,
                                           detail::PoolAllocator<EntryNode, EntryNode, EntryPool>>;

    // The persistent single-channel receives waiting on a channel that holds no data,
    // oldest first: immutable once published.
    struct ContractSet {
        ChannelKey key;
        Channel channel;
        absl::InlinedVector<ContRecord*, 2> records;
    };

    using ContractCache = detail::ContractCache<ContractSet>;
    using StripedCounter = detail::StripedCounter;
    struct LockFreeCounts {
        StripedCounter produces;
        StripedCounter consumes;
        StripedCounter comms;
    };
    uint64_t lockFreeSum(StripedCounter LockFreeCounts::*field) const {
        uint64_t total = 0;
        for (unsigned s = 0; s < kShards; ++s) {
            total += (shards_[s].lockFree.*field).sum();
        }
        return total;
    }

    struct alignas(64) Shard {
        SpinLock mu;
        DataPool singles;   // the one-datum arrays of its channels
        EntryPool entries;  // the nodes of `channels`
        RecordPool records; // the continuation records whose home is this shard
        ChannelMap channels{0, typename ChannelMap::hasher{}, typename ChannelMap::key_equal{},
                            typename ChannelMap::allocator_type{&entries}};
        uint64_t nextSeq = 1;
        uint64_t nextContCounter = 1;
        uint64_t comms = 0;
        uint64_t produces = 0;
        uint64_t consumes = 0;
        size_t conts = 0;                      // records whose home is this shard
        uint64_t loaded = 0;                   // keys read from the store on touch
        uint64_t evictions = 0;                // channels dropped by evictCold
        // Keys whose data changed since the last checkpoint (only tracked while attached;
        // a list, not a set: appending is what the COMM path pays).
        std::vector<ChannelKey> dirty;
        absl::flat_hash_set<ChannelKey> stored; // keys with a data record in the history
        std::vector<ContRecord*> added;        // durable records added since the last checkpoint
        struct Removed {
            uint64_t id;
            KeyList keys; // its channels' keys (their "waits" records go with it)
        };
        std::vector<Removed> removed;          // persisted records fired since
        // Load::kOnTouch: keys whose stored state is known to be empty or stale (found
        // empty, or dropped since), until the next checkpoint; and names minted by this
        // run (FreshTest) that evictCold dropped: the store holds them.
        absl::flat_hash_set<ChannelKey> absent;
        absl::flat_hash_set<ChannelKey> evicted;
        ContractCache contracts;               // published contract channels (lock-free reads)
        std::vector<std::unique_ptr<ContractSet>> contractSets; // every snapshot published here
        LockFreeCounts lockFree;               // COMMs of the lock-free path
        // Collision chains: a chained entry to the next channel under its key. Two
        // channels with one 128-bit key are never expected; they work all the same,
        // and the entries of every other channel carry no pointer for them.
        absl::flat_hash_map<const ChannelEntry*, std::unique_ptr<ChannelEntry>> overflow;
    };

    // The entry after [e] in its key's collision chain, or null.
    static ChannelEntry* chainNext(const Shard& sh, const ChannelEntry* e) {
        return e->chained ? sh.overflow.find(e)->second.get() : nullptr;
    }

    static uint32_t shardOf(const ChannelKey& key) { return static_cast<uint32_t>(key.lo >> (64 - kShardBits)); }

    using LockSet = detail::LockSet<Shard>;
    using AllLocks = detail::AllLocks<Shard, kShards>;

    template <class T>
    T sum(T Shard::*field) const {
        AllLocks all(shards_.get());
        T total{};
        for (unsigned s = 0; s < kShards; ++s) {
            total += shards_[s].*field;
        }
        return total;
    }

    // A channel entry and its map slot. The iterator is valid until the next insertion
    // into its shard's map (a rehash) or the removal of that entry; the entry itself
    // (a node) until its removal.
    struct Slot {
        Shard* shard = nullptr;
        typename ChannelMap::iterator it{};
        ChannelEntry* node = nullptr;
        bool created = false; // findOrCreate made the key's entry
    };
    // The datum chosen on one channel of a COMM.
    struct Pick {
        static constexpr size_t kNoPos = ~size_t{0}; // the produced datum (not stored)
        Slot slot;
        size_t pos = 0;
        Bindings bindings{};
    };

    // Consume ----------------------------------------------------------------------

    // consume() on one channel (most receives): one shard lock, no per-call vectors.
    template <class Sink>
    bool consumeOne(const Channel& channel, const Pattern& pattern, Continuation& continuation, bool persistent,
                    bool peek, Sink& sink);

    // A consume that found no data: its record (homed in shard [homeIndex]) waits on
    // each of its channels, whose shards are locked.
    void storeWaiting(uint32_t homeIndex, std::span<const Channel> channels, std::span<const ChannelKey> keys,
                      std::span<const Pattern> patterns, Continuation& continuation, bool persistent, bool peek);

    // Produce ----------------------------------------------------------------------

    // Moves [datum] into [slot]'s channel (its shard locked): kStoredDeep when the channel
    // now holds kDeepBacklog data or more, else kStored.
    ProduceResult storeDatum(Slot slot, const ChannelKey& key, Datum& datum, bool persistent, uint16_t origin);
    // One attempt at produce() holding [locks] (at least [key]'s shard). Returns the
    // shards it lacks for a join it must try (nothing changed; the caller relocks and
    // calls again), or empty: then [result] says what happened.
    template <class Sink>
    Needs tryProduce(LockSet& locks, const ChannelKey& key, const Channel& channel, Datum& datum, bool persistent,
                     Sink& sink, ProduceResult& result, uint16_t origin);

    // produce() meets the single-channel continuation waiting at [w] in [slot].
    template <class Sink>
    void fireProduceSingle(Slot slot, size_t w, const Datum& datum, bool persistent, Bindings& bindings, Sink& sink);

    // produce() meets the join waiting at [w] in [slot], whose pattern for this channel
    // already matched [datum] with [own]; every shard of the join is locked. Fires only
    // if every other channel of the join holds a matching datum; otherwise changes
    // nothing and returns false.
    template <class Sink>
    bool tryFireProduceJoin(Slot slot, size_t w, const Datum& datum, bool persistent, Bindings& own, Sink& sink);

    // A Comm value copied out of [e] (the Comm-returning produce and consume).
    static Comm<Types> toComm(const CommEvent<Types>& e) {
        Comm<Types> comm{e.continuation, e.persistentContinuation, e.peek, {}, {}, false, e.producedIndex};
        for (size_t i = 0; i < e.data.size(); ++i) {
            comm.data.push_back(*e.data[i]);
            comm.bindings.push_back(std::move(e.bindings[i]));
        }
        return comm;
    }

    // Lookup ------------------------------------------------------------------------

    [[gnu::always_inline]] Slot find(const ChannelKey& key, const Channel& ch);

    Slot findOrCreate(const ChannelKey& key, const Channel& ch);

    // Remove [slot]'s entry if it holds nothing. Only for a slot that is the sole one
    // in use: unlinking may free the map slot other Slots point into.
    void dropIfEmpty(Slot slot);
    // Frees the entry after [pred] in its collision chain (pred->chained must hold).
    static void unlinkAfter(Shard& sh, ChannelEntry* pred);

    // Remove every empty entry under [key] (a fresh lookup, so safe after other removals).
    void dropEmpty(const ChannelKey& key);

    // After a COMM over [picks] (one per channel, distinct channels): drop the entries
    // that became empty. Emptiness is read for all before any is freed, since freeing
    // one entry of a collision chain can move or free another.
    void dropEmptyEntries(std::span<Pick> picks, std::span<const ChannelKey> keys);

    // Matching ----------------------------------------------------------------------

    // The oldest datum of [entry] that matches [pattern] of [continuation]: its position
    // in [pos] and its bindings in [out]. Each attempt starts from fresh Bindings. A
    // datum [earlier] picks of the same join took is passed over: a join's channels may
    // turn out to be one name at run time, and each of its patterns takes its own datum.
    bool scanData(const ChannelEntry& entry, const Pattern& pattern, const Continuation& continuation, size_t& pos,
                  Bindings& out, std::span<const Pick> earlier = {}) const {
        const size_t n = entry.data.size();
        const size_t start = choose(n);
        for (size_t k = 0; k < n; ++k) {
            const size_t i = start + k < n ? start + k : start + k - n;
            if (!earlier.empty() && pickedBefore(earlier, entry, i)) [[unlikely]]
                continue;
            Bindings b{};
            if (matcher_.match(pattern, continuation, entry.data[i].datum, b)) {
                pos = i;
                out = std::move(b);
                return true;
            }
        }
        return false;
    }

    // The position of the oldest of [data]: within the first kChoiceWindow, where
    // removeTaken may have moved it.
    template <class Data>
    static size_t oldestIndex(const Data& data) {
        size_t best = 0;
        for (size_t i = 1; i < std::min(data.size(), kChoiceWindow); ++i)
            if (data[i].seq() < data[best].seq())
                best = i;
        return best;
    }

    static bool pickedBefore(std::span<const Pick> earlier, const ChannelEntry& entry, size_t i) {
        for (const Pick& p : earlier)
            if (p.slot.node == &entry && p.pos == i)
                return true;
        return false;
    }

    // Whether two of a join's picks (those with a stored datum) are on one entry.
    static bool repeatsEntry(std::span<const Pick> picks) {
        for (size_t i = 0; i < picks.size(); ++i)
            for (size_t j = i + 1; j < picks.size(); ++j)
                if (picks[i].slot.node == picks[j].slot.node && picks[i].pos != Pick::kNoPos &&
                    picks[j].pos != Pick::kNoPos)
                    return true;
        return false;
    }

    // removeTaken for every pick of a join that has a stored datum. Picks on one entry
    // are taken highest position first, each by a shift (a swap with the oldest would
    // move a datum another pick still points at).
    void removeAllTaken(std::span<Pick> picks, std::span<const ChannelKey> keys, bool peek) {
        if (!repeatsEntry(picks)) [[likely]] {
            for (size_t i = 0; i < picks.size(); ++i)
                if (picks[i].pos != Pick::kNoPos)
                    removeTaken(picks[i], keys[i], peek);
            return;
        }
        absl::InlinedVector<size_t, 4> order;
        for (size_t i = 0; i < picks.size(); ++i)
            if (picks[i].pos != Pick::kNoPos)
                order.push_back(i);
        std::sort(order.begin(), order.end(), [&picks](size_t a, size_t b) { return picks[a].pos > picks[b].pos; });
        for (const size_t i : order)
            removeTaken(picks[i], keys[i], peek, /*shift=*/true);
    }

    // After a COMM has read the datum of [pick]: removes it from the store unless it
    // is persistent or the continuation peeks (then it stays).
    void removeTaken(Pick& pick, const ChannelKey& key, bool peek, bool shift = false) {
        ChannelEntry& entry = *pick.slot.node;
        if (entry.data[pick.pos].persistent() || peek) {
            return;
        }
        // A pick from the middle (choose) gets the oldest in its place instead of
        // shifting the younger ones down, O(1): a queue 2-64 deep (a producer a little
        // ahead of its consumer) had every COMM move half of it (a loop keeping 32
        // messages on a channel: 5,665 -> 5,366 instructions a message). So a channel's
        // data are oldest first except within its first kChoiceWindow (oldestIndex,
        // inspect()). [shift]: the younger ones move down (other picks point into them).
        if (shift || pick.pos == 0) {
            entry.data[pick.pos].datum = Datum{};
            entry.data.erase(pick.pos);
        } else {
            entry.data[pick.pos] = std::move(entry.data[0]);
            entry.data.erase(0);
        }
        markDirty(entry, key);
        refreshContract(pick.slot);
    }

    // Contract snapshots -------------------------------------------------------------

    // A channel stops being published after this many publications: each snapshot is
    // freed only with the space, so a channel that keeps changing must not make more.
    static constexpr uint8_t kMaxPublications = 8;

    static bool isContractWaiter(const ContRecord& rec) { return rec.persistent && rec.slots.size() == 1; }

    static void addWaiter(ChannelEntry& e, ContRecord* rec, uint32_t index) {
        e.waiting.emplace(Waiter{rec, index});
        if (!isContractWaiter(*rec)) {
            ++e.oneShot;
        }
    }

    static void eraseWaiter(ChannelEntry& e, size_t w) {
        if (!isContractWaiter(*e.waiting[w].rec)) {
            --e.oneShot;
        }
        e.waiting.erase(w);
    }

    // After a change to [slot]'s entry (its shard locked): publishes a new snapshot if
    // the channel is now a contract channel, else withdraws the old one.
    void refreshContract(Slot slot);

    static void withdrawContract(Slot slot);

    // Records -----------------------------------------------------------------------

    ContRecord* newRecord(Shard& home);

    // Free a fired or retired record (its home shard is locked); a persisted one must
    // be deleted at the next checkpoint, with the "waits" records of [keys] (its
    // channels' keys, read before any of its entries was freed).
    void releaseRecord(ContRecord* rec, std::span<const ChannelKey> keys);

    static void linkAdded(Shard& home, ContRecord* rec);

    static void unlinkAdded(Shard& home, ContRecord* rec);

    // Persistence (the bodies of the functions declared here: space_persistence.h) ------

    void markDirty(ChannelEntry& entry, const ChannelKey& key) {
        if (history_ != nullptr && !entry.dirty) {
            entry.dirty = true;
            shards_[shardOf(key)].dirty.push_back(key);
        }
    }

    static uint32_t checkedU32(size_t n) {
        RHO_CHECK(n <= UINT32_MAX, "rspace record: count exceeds 2^32");
        return static_cast<uint32_t>(n);
    }

    // Types::encode of [x] into [out]: false when Types says it cannot be stored (a
    // Types::encode that returns void always can).
    template <class T>
    static bool encodeItem(const T& x, std::string& out) {
        if constexpr (std::is_same_v<decltype(Types::encode(x, out)), bool>) {
            return Types::encode(x, out);
        } else {
            Types::encode(x, out);
            return true;
        }
    }

    // The "data" record of the channels from [head] (one key's entries) into [out]: kNone
    // when none holds data (or [head] is null),
    // kUnstorable when a value in it cannot be stored.
    enum class Encoded : uint8_t { kRecord, kNone, kUnstorable };
    Encoded encodeChannelRecord(const Shard& sh, const ChannelEntry* head, std::string& out) const;

    // False when a value in it cannot be stored.
    static bool encodeContRecord(const ContRecord& rec, std::string& out);

    // Empties the hot store (every shard is locked).
    void clearLocked();

    absl::Status loadLocked(History& history);

    // Loading on touch (space_load.h) -------------------------------------------------

    // Whether [ch] (of [key], in [sh]) is a name minted by this run and never evicted.
    bool isFresh(const Shard& sh, const ChannelKey& key, const Channel& ch) const {
        return fresh_ != nullptr && fresh_(freshContext_, ch) && (sh.evicted.empty() || !sh.evicted.contains(key));
    }
    // An entry of [key] is about to be freed: with Load::kOnTouch its stored state is
    // no longer what memory says, so it must not be read again before a checkpoint.
    void noteDropped(Shard& sh, const ChannelKey& key, const Channel& ch) {
        if (lazy_ && !storeEmpty_) [[unlikely]]
            noteDroppedSlow(sh, key, ch);
    }
    [[gnu::noinline]] void noteDroppedSlow(Shard& sh, const ChannelKey& key, const Channel& ch) {
        if (!isFresh(sh, key, ch))
            sh.absent.insert(key);
    }
    // admit() holding only [key]'s shard: false when the closure needs more (nothing
    // changed). Out of line: the COMM path only calls it on a miss.
    [[gnu::noinline]] bool admitHeld(const ChannelKey& key, const Channel& ch) {
        const uint32_t shard = shardOf(key);
        return admit(key, &ch, [shard](uint32_t s) { return s == shard; }).empty();
    }
    // [slot] was just made by findOrCreate for a key not looked up yet: undone, the key
    // admitted, and made again (into [slot]). Returns admit()'s needs (then [slot] is
    // undone and nothing else changed).
    [[gnu::noinline]] Needs admitCreated(Slot& slot, const LockSet& locks, const ChannelKey& key,
                                         const Channel& ch);
    // [key] has no entry (its shard locked; [holds](shard) tells which shards are):
    // reads its stored records, and those of the channels of every join waiting on
    // it, into entries. Returns the shards that lacks (nothing changed: lock them too
    // and call again), or empty: the key is resident or known empty now. [ch]: the
    // channel touched (for FreshTest), null when unknown.
    template <class Holds>
    Needs admit(const ChannelKey& key, const Channel* ch, Holds&& holds);
    // admit() taking the locks it needs (none held before).
    void admitLocking(const ChannelKey& key, const Channel& ch);
    // Every stored key not resident, read in (every shard locked).
    void admitAllLocked();
    void recordLoadFailure(const absl::Status& st) {
        std::lock_guard<SpinLock> lock(failureMu_);
        if (loadFailure_.ok())
            loadFailure_ = st;
    }
    // A data record's channels and their data (one channel unless keys collide).
    struct StoredChannel {
        Channel channel;
        std::vector<DataEntry> data;
    };
    absl::Status decodeDataRecord(const ChannelKey& key, std::string_view value, std::vector<StoredChannel>& out) const;
    // A continuation record; [channels] gets its channels, one per slot.
    static absl::Status decodeContRecord(uint64_t id, std::string_view value, ContRecord& rec,
                                         std::vector<Channel>& channels);

    const Matcher& matcher_;

    // Where a scan of [n] candidates starts (setChoiceSeed): 0 for fewer than two.
    size_t choose(size_t n) const {
        // A long list keeps oldest first: taking from its middle would shift what follows
        // (a fan-in's queue of 10^5 messages would go quadratic). The races a program
        // means to explore are among a few candidates.
        if (n < 2 || n > kChoiceWindow || !choiceEnabled_.load(std::memory_order_relaxed))
            return 0;
        struct State {
            uint64_t generation = ~uint64_t{0};
            uint64_t x = 0;
        };
        static thread_local State state;
        const uint64_t generation = choiceGeneration_.load(std::memory_order_acquire);
        if (state.generation != generation) { // the first choice of this thread since the seed was set
            state.generation = generation;
            state.x = choiceSeed_.load(std::memory_order_relaxed) ^
                      (choiceThreads_.fetch_add(1, std::memory_order_relaxed) * 0x9e3779b97f4a7c15ull);
        }
        uint64_t z = (state.x += 0x9e3779b97f4a7c15ull); // splitmix64
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return static_cast<size_t>((z ^ (z >> 31)) % n);
    }
    static constexpr size_t kChoiceWindow = 64;
    std::atomic<bool> choiceEnabled_{false};
    std::atomic<uint64_t> choiceSeed_{0};
    mutable std::atomic<uint64_t> choiceThreads_{0};
    std::atomic<uint64_t> choiceGeneration_{0};
    PrivateTable privates_;
    std::unique_ptr<Shard[]> shards_;
    History* history_ = nullptr; // written only by attach, under every lock
    bool lazy_ = false;          // Load::kOnTouch (written only by attach)
    bool storeEmpty_ = false;    // Load::kOnTouch and no record stored yet: nothing to read (under every lock)
    FreshTest fresh_ = nullptr;
    const void* freshContext_ = nullptr;
    mutable SpinLock failureMu_;
    absl::Status loadFailure_;
};

} // namespace rho::rspace
