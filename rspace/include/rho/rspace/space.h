// File: space.h
// Space<Types, Matcher>: the hot store (in memory) of the tuplespace, the COMM rule
// over it, and its checkpoint to / reload from a History (history.h). The contract
// (Types, Matcher, COMM semantics) is the header comment of rspace.h; this file is
// the implementation. Include rspace.h, which includes this file.
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
// Record encodings (History format version 1, see history.h), integers little-endian
// unless said otherwise:
//   data  key: ChannelKey::bytes()
//         value: u32 channelCount, then per channel: Types::encode(channel),
//                u32 dataCount, then per datum: u64 seq, u8 persistent, Types::encode(datum)
//         (channelCount > 1 only after a key collision; a channel without data has no record)
//   conts key: u64 id, big-endian
//         value: u8 flags (1 persistent, 2 peek), u32 arity, then per channel:
//                Types::encode(channel), Types::encode(pattern), u64 seq (its place in the
//                channel's age order); then Types::encode(continuation)
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
#include "rho/rspace/rspace.h"
#include "rho/rspace/spin_lock.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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

    // [matcher] is kept by reference and must outlive the space.
    explicit Space(const Matcher& matcher) : matcher_(matcher), shards_(new Shard[kShards]) {}
    ~Space() {
        for (unsigned s = 0; s < kShards; ++s) {
            for (auto& [key, head] : shards_[s].channels) {
                for (ChannelEntry* e = &head; e != nullptr; e = e->next.get()) {
                    for (size_t i = 0; i < e->waiting.size(); ++i) {
                        ContRecord* rec = e->waiting[i].rec;
                        if (e->waiting[i].index == 0) { // each record once: under its first channel
                            delete rec;
                        }
                    }
                }
            }
            for (ContRecord* rec : shards_[s].freeRecords) {
                delete rec;
            }
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
    // kReissue); otherwise moves the datum into the space and returns kStored. Never
    // fails. Any thread.
    template <class Sink>
    ProduceResult produce(const Channel& channel, Datum& datum, bool persistent, Sink&& sink) {
        const ChannelKey key = Types::key(channel);
        if (const ContractSet* contracts = shards_[shardOf(key)].contracts.find(key)) {
            if (Types::sameChannel(contracts->channel, channel)) {
                for (ContRecord* rec : contracts->records) {
                    Bindings own{};
                    if (!matcher_.match(rec->slots[0].pattern, datum, own)) {
                        continue;
                    }
                    Shard& sh = shards_[shardOf(key)];
                    sh.lockFree.produces.add(1);
                    sh.lockFree.comms.add(1);
                    const Datum* data[1] = {&datum};
                    CommEvent<Types> event{rec->continuation, true, rec->peek, data, {&own, 1}, 0, false};
                    sink(event);
                    return persistent || rec->peek ? ProduceResult::kReissue : ProduceResult::kComm;
                }
            }
        }
        LockSet locks(*this);
        locks.acquire(shardOf(key));
        ++shards_[shardOf(key)].produces;
        for (;;) {
            ProduceResult result = ProduceResult::kStored;
            Needs needs = tryProduce(locks, key, channel, datum, persistent, sink, result);
            if (needs.empty()) {
                return result;
            }
            locks.reacquire(needs); // a join needs a busy shard: lock in order, try again
        }
    }

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
        LockSet locks(*this);
        if (arity == 1) {
            locks.acquire(needs[0]);
        } else {
            locks.acquire(needs);
        }
        Shard& home = shards_[shardOf(keys[0])];
        ++home.consumes;

        absl::InlinedVector<Pick, 4> picks(arity);
        bool matched = true;
        for (size_t i = 0; i < arity && matched; ++i) {
            picks[i].slot = find(keys[i], channels[i]);
            matched = picks[i].slot.node != nullptr &&
                      scanData(*picks[i].slot.node, patterns[i], picks[i].pos, picks[i].bindings);
        }
        if (matched) {
            ++home.comms;
            absl::InlinedVector<const Datum*, 4> data(arity);
            absl::InlinedVector<Bindings, 1> bindings(arity);
            for (size_t i = 0; i < arity; ++i) {
                data[i] = &picks[i].slot.node->data[picks[i].pos].datum;
                bindings[i] = std::move(picks[i].bindings);
            }
            CommEvent<Types> event{continuation, persistent, peek, data, bindings, 0};
            sink(event);
            for (size_t i = 0; i < arity; ++i) {
                removeTaken(picks[i], keys[i], peek);
            }
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

    // Every channel that holds data or continuations, sorted by ChannelKey (so the
    // output is stable across runs), data and continuations oldest first. A snapshot:
    // everything is copied. Any thread.
    [[nodiscard]] std::vector<ChannelView<Types>> inspect() const {
        AllLocks all(*this);
        std::vector<std::pair<ChannelKey, const ChannelEntry*>> nodes;
        for (unsigned s = 0; s < kShards; ++s) {
            for (const auto& [key, head] : shards_[s].channels) {
                for (const ChannelEntry* e = &head; e != nullptr; e = e->next.get()) {
                    if (!e->empty()) {
                        nodes.emplace_back(key, e);
                    }
                }
            }
        }
        std::stable_sort(nodes.begin(), nodes.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<ChannelView<Types>> views;
        views.reserve(nodes.size());
        for (const auto& [key, e] : nodes) {
            ChannelView<Types>& view = views.emplace_back(ChannelView<Types>{e->channel, {}, {}});
            view.data.reserve(e->data.size());
            for (size_t i = 0; i < e->data.size(); ++i) {
                view.data.emplace_back(e->data[i].datum, e->data[i].persistent);
            }
            view.continuations.reserve(e->waiting.size());
            for (size_t i = 0; i < e->waiting.size(); ++i) {
                const ContRecord& rec = *e->waiting[i].rec;
                view.continuations.push_back(typename ChannelView<Types>::Waiting{
                    channelsOf(rec), patternsOf(rec), rec.continuation,
                    rec.persistent, rec.peek});
            }
        }
        return views;
    }

    // Counters since construction (attach does not count loaded records).
    [[nodiscard]] uint64_t commCount() const { return sum(&Shard::comms) + lockFreeSum(&LockFreeCounts::comms); }
    [[nodiscard]] uint64_t produceCount() const {
        return sum(&Shard::produces) + lockFreeSum(&LockFreeCounts::produces);
    }
    [[nodiscard]] uint64_t consumeCount() const { return sum(&Shard::consumes); }
    // Of commCount(), the COMMs of sends that met a published contract without a lock.
    [[nodiscard]] uint64_t lockFreeCommCount() const { return lockFreeSum(&LockFreeCounts::comms); }
    // Channel entries in the hot store, empty ones included: with entries removed
    // when empty this equals the number of channels inspect() reports (a leak check).
    [[nodiscard]] size_t channelEntryCount() const {
        AllLocks all(*this);
        size_t n = 0;
        for (unsigned s = 0; s < kShards; ++s) {
            for (const auto& [key, head] : shards_[s].channels) {
                for (const ChannelEntry* e = &head; e != nullptr; e = e->next.get()) {
                    ++n;
                }
            }
        }
        return n;
    }
    // Waiting continuations (a join counts once).
    [[nodiscard]] size_t continuationCount() const { return sum(&Shard::conts); }

    // Load every channel and continuation stored in [history] into the hot store and
    // remember [history] for checkpoint(). [history] must outlive the space (or the
    // space must not checkpoint after it is gone). Call once, before any produce or
    // consume; afterwards new continuation ids and sequence numbers follow the loaded ones.
    // Errors:
    //   FailedPrecondition  already attached, or the space is not empty.
    //   DataLoss            a record does not decode (or decodes to a channel of another
    //                       key); the space is left empty and unattached.
    //   others              from History::forEach (LMDB); the space is left empty.
    [[nodiscard]] absl::Status attach(History& history) {
        AllLocks all(*this);
        if (history_ != nullptr) {
            return absl::FailedPreconditionError("rspace attach: a history is already attached");
        }
        for (unsigned s = 0; s < kShards; ++s) {
            if (!shards_[s].channels.empty() || shards_[s].conts != 0) {
                return absl::FailedPreconditionError("rspace attach: the space must be empty");
            }
        }
        absl::Status status = loadLocked(history);
        if (!status.ok()) {
            clearLocked();
            return status;
        }
        history_ = &history;
        return absl::OkStatus();
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
    [[nodiscard]] absl::Status checkpoint() {
        AllLocks all(*this);
        if (history_ == nullptr) {
            return absl::FailedPreconditionError("rspace checkpoint: no history attached");
        }
        std::vector<History::Put> puts;
        std::vector<History::Del> dels;
        for (unsigned s = 0; s < kShards; ++s) {
            Shard& sh = shards_[s];
            // A key is listed again when its entry was dropped and made anew.
            std::sort(sh.dirty.begin(), sh.dirty.end());
            sh.dirty.erase(std::unique(sh.dirty.begin(), sh.dirty.end()), sh.dirty.end());
            for (const ChannelKey& key : sh.dirty) {
                std::string value;
                if (encodeChannelRecord(key, value)) {
                    puts.push_back(History::Put{History::Db::kData, key.bytes(), std::move(value)});
                } else if (sh.stored.contains(key)) { // a channel that held data nobody wrote needs no delete
                    dels.push_back(History::Del{History::Db::kData, key.bytes()});
                }
            }
            // A continuation never changes while stored: it is added once and removed once.
            for (ContRecord* rec = sh.addedHead; rec != nullptr; rec = rec->addedNext) {
                puts.push_back(
                    History::Put{History::Db::kConts, detail::contKeyBytes(rec->id), encodeContRecord(*rec)});
            }
            for (uint64_t id : sh.removed) {
                dels.push_back(History::Del{History::Db::kConts, detail::contKeyBytes(id)});
            }
        }
        // Key order makes the B-tree inserts sequential (fewer page touches).
        std::sort(puts.begin(), puts.end(), [](const History::Put& a, const History::Put& b) {
            return a.db != b.db ? a.db < b.db : a.key < b.key;
        });
        RHO_RETURN_IF_ERROR(history_->commit(puts, dels));
        for (unsigned s = 0; s < kShards; ++s) {
            Shard& sh = shards_[s];
            for (const ChannelKey& key : sh.dirty) {
                bool hasData = false;
                auto it = sh.channels.find(key);
                if (it != sh.channels.end()) {
                    for (ChannelEntry* e = &it->second; e != nullptr; e = e->next.get()) {
                        e->dirty = false;
                        hasData = hasData || !e->data.empty();
                    }
                }
                if (hasData) {
                    sh.stored.insert(key);
                } else {
                    sh.stored.erase(key);
                }
            }
            sh.dirty.clear();
            while (ContRecord* rec = sh.addedHead) {
                unlinkAdded(sh, rec);
                rec->persisted = true;
            }
            sh.removed.clear();
        }
        return absl::OkStatus();
    }

    [[nodiscard]] bool isAttached() const {
        AllLocks all(*this);
        return history_ != nullptr;
    }

  private:
    using KeyList = absl::InlinedVector<ChannelKey, 1>;
    using Needs = absl::InlinedVector<uint32_t, 4>; // shard indexes

    // One channel of a continuation's join.
    struct ChannelSlot {
        Channel channel;
        ChannelKey key;   // Types::key(channel), cached
        Pattern pattern;
        uint64_t seq = 0; // its place in the channel's age order
    };
    struct ContRecord {
        absl::InlinedVector<ChannelSlot, 1> slots; // one per channel, in the join's order
        Continuation continuation{};
        bool persistent = false;
        bool peek = false;
        bool persisted = false; // written by a checkpoint (so removal must delete it)
        bool added = false;     // in its home shard's list of records added since the last checkpoint
        uint32_t home = 0;      // the shard of channels[0]: holds its id counter and lists
        uint64_t id = 0;        // the durable id (LMDB key)
        ContRecord* addedPrev = nullptr;
        ContRecord* addedNext = nullptr;
    };
    static std::vector<Channel> channelsOf(const ContRecord& rec) {
        std::vector<Channel> out;
        for (const ChannelSlot& cs : rec.slots) {
            out.push_back(cs.channel);
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
            out.push_back(cs.key);
        }
        return out;
    }
    struct DataEntry {
        Datum datum;
        uint64_t seq;
        bool persistent;
    };
    struct Waiter {
        ContRecord* rec;
        uint32_t index; // position of this channel in the continuation's join
    };
    struct ChannelEntry {
        explicit ChannelEntry(const Channel& ch) : channel(ch) {}
        Channel channel;
        detail::BlockFifo<DataEntry> data;
        detail::FifoList<Waiter, 1> waiting;
        bool dirty = false;                 // its key is in its shard's dirty list
        bool published = false;             // in its shard's contract snapshots
        uint8_t publications = 0;           // times published; capped (kMaxPublications)
        uint32_t oneShot = 0;               // waiters that are not persistent single-channel receives
        std::unique_ptr<ChannelEntry> next; // another channel with the same key (a collision)
        [[nodiscard]] bool empty() const { return data.empty() && waiting.empty(); }
    };
    // Nodes, not inline slots: an entry (160 bytes) then costs its own size, not its
    // size over the table's load factor, and stays where it is when the table grows.
    using ChannelMap = absl::node_hash_map<ChannelKey, ChannelEntry>;

    // The persistent single-channel receives waiting on a channel that holds no data,
    // oldest first: immutable once published.
    struct ContractSet {
        ChannelKey key;
        Channel channel;
        absl::InlinedVector<ContRecord*, 2> records;
    };

    // The published contract channels of one shard: an open-addressing table read
    // without locks. Written under the shard lock only; it grows by publishing a
    // larger copy (kept, like the snapshots, until the space goes), so a reader holds a
    // table that stays valid. At most half full (tombstones included), so a probe
    // always ends at an empty slot.
    class ContractCache {
      public:
        ContractCache() { table_.store(install(kInitialSlots), std::memory_order_relaxed); }
        const ContractSet* find(const ChannelKey& key) const {
            const Table* t = table_.load(std::memory_order_acquire);
            for (size_t i = index(key) & t->mask;; i = (i + 1) & t->mask) {
                const ContractSet* set = t->slots[i].load(std::memory_order_acquire);
                if (set == nullptr) {
                    return nullptr;
                }
                if (set != tombstone() && set->key == key) {
                    return set;
                }
            }
        }
        // Under the shard lock: [set] replaces the key's snapshot. Always room.
        bool publish(const ContractSet* set) {
            Table* t = table_.load(std::memory_order_relaxed);
            size_t free = kNone;
            for (size_t i = index(set->key) & t->mask;; i = (i + 1) & t->mask) {
                const ContractSet* old = t->slots[i].load(std::memory_order_relaxed);
                if (old == nullptr) {
                    if (free == kNone) {
                        free = i;
                    }
                    break;
                }
                if (old == tombstone()) {
                    if (free == kNone) {
                        free = i;
                    }
                } else if (old->key == set->key) {
                    t->slots[i].store(set, std::memory_order_release);
                    return true;
                }
            }
            if (t->slots[free].load(std::memory_order_relaxed) == nullptr) { // a fresh slot
                if (2 * (t->used + 1) > t->mask + 1) {
                    t = grow(*t);
                    free = freeSlot(*t, set->key);
                }
                ++t->used;
            }
            t->slots[free].store(set, std::memory_order_release);
            return true;
        }
        // Under the shard lock.
        void remove(const ChannelKey& key) {
            Table* t = table_.load(std::memory_order_relaxed);
            for (size_t i = index(key) & t->mask;; i = (i + 1) & t->mask) {
                const ContractSet* old = t->slots[i].load(std::memory_order_relaxed);
                if (old == nullptr) {
                    return;
                }
                if (old != tombstone() && old->key == key) {
                    t->slots[i].store(tombstone(), std::memory_order_release);
                    return;
                }
            }
        }
        // With every lock of the space held and no reader running.
        void clear() {
            Table* t = table_.load(std::memory_order_relaxed);
            for (size_t i = 0; i <= t->mask; ++i) {
                t->slots[i].store(nullptr, std::memory_order_relaxed);
            }
            t->used = 0;
        }

      private:
        static constexpr size_t kInitialSlots = 64; // a power of two
        static constexpr size_t kNone = ~size_t{0};
        struct Table {
            explicit Table(size_t n) : mask(n - 1), slots(new std::atomic<const ContractSet*>[n]) {
                for (size_t i = 0; i < n; ++i) {
                    slots[i].store(nullptr, std::memory_order_relaxed);
                }
            }
            size_t mask;
            size_t used = 0; // slots not empty (tombstones too)
            std::unique_ptr<std::atomic<const ContractSet*>[]> slots;
        };
        static const ContractSet* tombstone() { return reinterpret_cast<const ContractSet*>(uintptr_t{1}); }
        static size_t index(const ChannelKey& key) { return static_cast<size_t>(key.hi); }
        static size_t freeSlot(const Table& t, const ChannelKey& key) {
            size_t i = index(key) & t.mask;
            while (t.slots[i].load(std::memory_order_relaxed) != nullptr) {
                i = (i + 1) & t.mask;
            }
            return i;
        }
        Table* install(size_t n) {
            tables_.push_back(std::make_unique<Table>(n));
            return tables_.back().get();
        }
        // A copy with room for twice the live entries (tombstones dropped), published.
        Table* grow(const Table& old) {
            size_t live = 0;
            for (size_t i = 0; i <= old.mask; ++i) {
                const ContractSet* set = old.slots[i].load(std::memory_order_relaxed);
                if (set != nullptr && set != tombstone()) {
                    ++live;
                }
            }
            size_t n = old.mask + 1;
            while (4 * (live + 1) > n) {
                n *= 2;
            }
            Table* t = install(n);
            for (size_t i = 0; i <= old.mask; ++i) {
                const ContractSet* set = old.slots[i].load(std::memory_order_relaxed);
                if (set != nullptr && set != tombstone()) {
                    t->slots[freeSlot(*t, set->key)].store(set, std::memory_order_relaxed);
                    ++t->used;
                }
            }
            table_.store(t, std::memory_order_release);
            return t;
        }

        std::atomic<Table*> table_{nullptr};
        std::vector<std::unique_ptr<Table>> tables_; // every table published (readers may hold old ones)
    };

    // Counters the lock-free path adds to: a few padded cells, one chosen per thread.
    class StripedCounter {
      public:
        void add(uint64_t n) { cells_[cell()].n.fetch_add(n, std::memory_order_relaxed); }
        [[nodiscard]] uint64_t sum() const {
            uint64_t total = 0;
            for (const Cell& c : cells_) {
                total += c.n.load(std::memory_order_relaxed);
            }
            return total;
        }

      private:
        static constexpr size_t kCells = 8;
        struct alignas(64) Cell {
            std::atomic<uint64_t> n{0};
        };
        static size_t cell() {
            static std::atomic<size_t> next{0};
            thread_local const size_t mine = next.fetch_add(1, std::memory_order_relaxed) % kCells;
            return mine;
        }
        Cell cells_[kCells];
    };
    struct LockFreeCounts {
        StripedCounter produces;
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
        ChannelMap channels;
        uint64_t nextSeq = 1;
        uint64_t nextContCounter = 1;
        uint64_t comms = 0;
        uint64_t produces = 0;
        uint64_t consumes = 0;
        size_t conts = 0;                      // records whose home is this shard
        // Keys whose data changed since the last checkpoint (only tracked while attached;
        // a list, not a set: appending is what the COMM path pays).
        std::vector<ChannelKey> dirty;
        absl::flat_hash_set<ChannelKey> stored; // keys with a data record in the history
        ContRecord* addedHead = nullptr;       // durable records added since the last checkpoint
        std::vector<uint64_t> removed;         // ids of persisted records fired since
        std::vector<ContRecord*> freeRecords;  // reused by later consumes homed here
        ContractCache contracts;               // published contract channels (lock-free reads)
        std::vector<std::unique_ptr<ContractSet>> contractSets; // every snapshot published here
        LockFreeCounts lockFree;               // COMMs of the lock-free path
    };

    static uint32_t shardOf(const ChannelKey& key) { return static_cast<uint32_t>(key.lo >> (64 - kShardBits)); }

    // Shard locks held by one operation, always taken in ascending order.
    class LockSet {
      public:
        explicit LockSet(Space& s) : s_(s) {}
        ~LockSet() { release(); }
        LockSet(const LockSet&) = delete;
        LockSet& operator=(const LockSet&) = delete;

        // Locks [shard]. Holds none before.
        void acquire(uint32_t shard) {
            s_.shards_[shard].mu.lock();
            held_.push_back(shard);
        }
        // Locks [shards] (any order, duplicates allowed). Holds none before.
        void acquire(Needs shards) {
            std::sort(shards.begin(), shards.end());
            shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
            for (uint32_t s : shards) {
                s_.shards_[s].mu.lock();
            }
            held_ = std::move(shards);
        }
        // Releases everything, then locks the held shards and [more] in order.
        void reacquire(const Needs& more) {
            Needs all = held_;
            all.insert(all.end(), more.begin(), more.end());
            release();
            acquire(std::move(all));
        }
        [[nodiscard]] bool holds(uint32_t s) const {
            return std::find(held_.begin(), held_.end(), s) != held_.end();
        }
        // Takes shard [s] if it is free now; never blocks (so never out of order).
        bool tryAdd(uint32_t s) {
            if (!s_.shards_[s].mu.try_lock()) {
                return false;
            }
            held_.insert(std::upper_bound(held_.begin(), held_.end(), s), s);
            return true;
        }
        void release() {
            for (uint32_t s : held_) {
                s_.shards_[s].mu.unlock();
            }
            held_.clear();
        }

      private:
        Space& s_;
        Needs held_; // sorted
    };

    // Every shard, locked in order, for readers and writers of the whole space.
    class AllLocks {
      public:
        explicit AllLocks(const Space& s) : s_(s) {
            for (unsigned i = 0; i < kShards; ++i) {
                s_.shards_[i].mu.lock();
            }
        }
        ~AllLocks() {
            for (unsigned i = kShards; i-- > 0;) {
                s_.shards_[i].mu.unlock();
            }
        }
        AllLocks(const AllLocks&) = delete;
        AllLocks& operator=(const AllLocks&) = delete;

      private:
        const Space& s_;
    };

    template <class T>
    T sum(T Shard::*field) const {
        AllLocks all(*this);
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
    };
    // The datum chosen on one channel of a COMM.
    struct Pick {
        Slot slot;
        size_t pos = 0;
        Bindings bindings{};
    };

    // Consume ----------------------------------------------------------------------

    // consume() on one channel (most receives): one shard lock, no per-call vectors.
    template <class Sink>
    bool consumeOne(const Channel& channel, const Pattern& pattern, Continuation& continuation, bool persistent,
                    bool peek, Sink& sink) {
        const ChannelKey key = Types::key(channel);
        const uint32_t shard = shardOf(key);
        Shard& home = shards_[shard];
        std::lock_guard<SpinLock> lock(home.mu);
        ++home.consumes;

        Pick pick;
        pick.slot = find(key, channel);
        if (pick.slot.node != nullptr && scanData(*pick.slot.node, pattern, pick.pos, pick.bindings)) {
            ++home.comms;
            const Datum* datum = &pick.slot.node->data[pick.pos].datum;
            CommEvent<Types> event{continuation, persistent, peek, {&datum, 1}, {&pick.bindings, 1}, 0};
            sink(event);
            removeTaken(pick, key, peek);
            dropIfEmpty(pick.slot);
            return true;
        }

        storeWaiting(shard, {&channel, 1}, {&key, 1}, {&pattern, 1}, continuation, persistent, peek);
        return false;
    }

    // A consume that found no data: its record (homed in shard [homeIndex]) waits on
    // each of its channels, whose shards are locked.
    void storeWaiting(uint32_t homeIndex, std::span<const Channel> channels, std::span<const ChannelKey> keys,
                      std::span<const Pattern> patterns, Continuation& continuation, bool persistent, bool peek) {
        Shard& home = shards_[homeIndex];
        const size_t arity = channels.size();
        ContRecord* rec = newRecord(home);
        rec->slots.resize(arity);
        for (size_t i = 0; i < arity; ++i) {
            rec->slots[i].channel = channels[i];
            rec->slots[i].key = keys[i];
            rec->slots[i].pattern = patterns[i];
        }
        rec->continuation = std::move(continuation);
        rec->persistent = persistent;
        rec->peek = peek;
        rec->home = homeIndex;
        rec->id = (home.nextContCounter++ << kShardBits) | homeIndex;
        rec->persisted = false;
        for (size_t i = 0; i < arity; ++i) {
            Slot slot = findOrCreate(rec->slots[i].key, rec->slots[i].channel);
            rec->slots[i].seq = slot.shard->nextSeq++;
            addWaiter(*slot.node, rec, static_cast<uint32_t>(i));
            refreshContract(slot);
        }
        if (history_ != nullptr && Types::isDurable(rec->continuation)) {
            linkAdded(home, rec);
        }
    }

    // Produce ----------------------------------------------------------------------

    // One attempt at produce() holding [locks] (at least [key]'s shard). Returns the
    // shards it lacks for a join it must try (nothing changed; the caller relocks and
    // calls again), or empty: then [result] says what happened.
    template <class Sink>
    Needs tryProduce(LockSet& locks, const ChannelKey& key, const Channel& channel, Datum& datum, bool persistent,
                     Sink& sink, ProduceResult& result) {
        Slot slot = findOrCreate(key, channel);
        ChannelEntry& entry = *slot.node;
        for (size_t w = 0; w < entry.waiting.size(); ++w) {
            const Waiter waiter = entry.waiting[w];
            ContRecord& rec = *waiter.rec;
            Bindings own{};
            if (!matcher_.match(rec.slots[waiter.index].pattern, datum, own)) {
                continue;
            }
            if (rec.slots.size() == 1) {
                // (Read before firing: a one-shot record is released by the COMM.)
                result = persistent || rec.peek ? ProduceResult::kReissue : ProduceResult::kComm;
                fireProduceSingle(slot, w, datum, own, sink);
                return {};
            }
            Needs missing;
            for (const ChannelSlot& cs : rec.slots) {
                const uint32_t s = shardOf(cs.key);
                if (!locks.holds(s) && !locks.tryAdd(s)) {
                    missing.push_back(s);
                }
            }
            if (!missing.empty()) {
                dropIfEmpty(slot); // undo findOrCreate: nothing else changed
                return missing;
            }
            const bool peek = rec.peek;
            if (tryFireProduceJoin(slot, w, datum, own, sink)) {
                result = persistent || peek ? ProduceResult::kReissue : ProduceResult::kComm;
                return {};
            }
        }
        Shard& sh = *slot.shard;
        entry.data.emplace(DataEntry{std::move(datum), sh.nextSeq++, persistent});
        markDirty(entry, key);
        withdrawContract(slot);
        result = ProduceResult::kStored;
        return {};
    }

    // produce() meets the single-channel continuation waiting at [w] in [slot].
    template <class Sink>
    void fireProduceSingle(Slot slot, size_t w, const Datum& datum, Bindings& bindings, Sink& sink) {
        ContRecord* rec = slot.node->waiting[w].rec;
        ++slot.shard->comms;
        const Datum* data[1] = {&datum};
        CommEvent<Types> event{rec->continuation, rec->persistent, rec->peek, data, {&bindings, 1}, 0};
        sink(event);
        if (!rec->persistent) {
            eraseWaiter(*slot.node, w);
            refreshContract(slot);
            dropIfEmpty(slot);
            releaseRecord(rec);
        }
    }

    // produce() meets the join waiting at [w] in [slot], whose pattern for this channel
    // already matched [datum] with [own]; every shard of the join is locked. Fires only
    // if every other channel of the join holds a matching datum; otherwise changes
    // nothing and returns false.
    template <class Sink>
    bool tryFireProduceJoin(Slot slot, size_t w, const Datum& datum, Bindings& own, Sink& sink) {
        ContRecord* rec = slot.node->waiting[w].rec;
        const size_t arity = rec->slots.size();
        const size_t self = slot.node->waiting[w].index;
        absl::InlinedVector<Pick, 4> picks(arity);
        for (size_t j = 0; j < arity; ++j) {
            if (j == self) {
                picks[j].slot = slot;
                continue;
            }
            picks[j].slot = find(rec->slots[j].key, rec->slots[j].channel);
            if (picks[j].slot.node == nullptr ||
                !scanData(*picks[j].slot.node, rec->slots[j].pattern, picks[j].pos, picks[j].bindings)) {
                return false;
            }
        }

        ++slot.shard->comms;
        absl::InlinedVector<const Datum*, 4> data(arity);
        absl::InlinedVector<Bindings, 4> bindings(arity);
        for (size_t j = 0; j < arity; ++j) {
            if (j == self) {
                data[j] = &datum;
                bindings[j] = std::move(own);
            } else {
                data[j] = &picks[j].slot.node->data[picks[j].pos].datum;
                bindings[j] = std::move(picks[j].bindings);
            }
        }
        CommEvent<Types> event{rec->continuation, rec->persistent, rec->peek, data, bindings,
                               static_cast<uint32_t>(self)};
        sink(event);
        for (size_t j = 0; j < arity; ++j) {
            if (j != self) {
                removeTaken(picks[j], rec->slots[j].key, rec->peek);
            }
        }
        if (!rec->persistent) {
            for (size_t j = 0; j < arity; ++j) {
                ChannelEntry& e = *picks[j].slot.node;
                if (j == self) {
                    eraseWaiter(e, w);
                } else {
                    for (size_t i = 0; i < e.waiting.size(); ++i) {
                        if (e.waiting[i].rec == rec) {
                            eraseWaiter(e, i);
                            break;
                        }
                    }
                }
                refreshContract(picks[j].slot);
            }
        }
        dropEmptyEntries(picks, keysOf(*rec));
        if (!rec->persistent) {
            releaseRecord(rec);
        }
        return true;
    }

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

    Slot find(const ChannelKey& key, const Channel& ch) {
        Shard& sh = shards_[shardOf(key)];
        auto it = sh.channels.find(key);
        if (it == sh.channels.end()) {
            return {};
        }
        for (ChannelEntry* e = &it->second; e != nullptr; e = e->next.get()) {
            if (Types::sameChannel(e->channel, ch)) {
                return {&sh, it, e};
            }
        }
        return {};
    }

    Slot findOrCreate(const ChannelKey& key, const Channel& ch) {
        Shard& sh = shards_[shardOf(key)];
        auto [it, inserted] = sh.channels.try_emplace(key, ch);
        ChannelEntry* head = &it->second;
        if (inserted) {
            return {&sh, it, head};
        }
        ChannelEntry* tail = head;
        for (ChannelEntry* e = head; e != nullptr; e = e->next.get()) {
            if (Types::sameChannel(e->channel, ch)) {
                return {&sh, it, e};
            }
            tail = e;
        }
        if (head->empty()) { // an empty head kept only because a collision chain hangs off it
            head->channel = ch;
            return {&sh, it, head};
        }
        // A key shared by two channels is never published (snapshots are per key).
        withdrawContract({&sh, it, head});
        head->publications = kMaxPublications;
        tail->next = std::make_unique<ChannelEntry>(ch);
        return {&sh, it, tail->next.get()};
    }

    // Remove [slot]'s entry if it holds nothing. Only for a slot that is the sole one
    // in use: unlinking may free the map slot other Slots point into.
    void dropIfEmpty(Slot slot) {
        ChannelEntry* head = &slot.it->second;
        if (slot.node != head) {
            if (!slot.node->empty()) {
                return;
            }
            ChannelEntry* pred = head;
            while (pred->next.get() != slot.node) {
                pred = pred->next.get();
            }
            pred->next = std::move(slot.node->next); // frees slot.node
        }
        if (head->empty() && head->next == nullptr) {
            slot.shard->channels.erase(slot.it);
        }
    }

    // Remove every empty entry under [key] (a fresh lookup, so safe after other removals).
    void dropEmpty(const ChannelKey& key) {
        Shard& sh = shards_[shardOf(key)];
        auto it = sh.channels.find(key);
        if (it == sh.channels.end()) {
            return;
        }
        ChannelEntry* head = &it->second;
        for (ChannelEntry* pred = head; pred->next != nullptr;) {
            if (pred->next->empty()) {
                pred->next = std::move(pred->next->next);
            } else {
                pred = pred->next.get();
            }
        }
        if (head->empty() && head->next == nullptr) {
            sh.channels.erase(it);
        }
    }

    // After a COMM over [picks] (one per channel, distinct channels): drop the entries
    // that became empty. Emptiness is read for all before any is freed, since freeing
    // one entry of a collision chain can move or free another.
    void dropEmptyEntries(std::span<Pick> picks, std::span<const ChannelKey> keys) {
        if (picks.size() == 1) {
            dropIfEmpty(picks[0].slot);
            return;
        }
        absl::InlinedVector<bool, 4> empty(picks.size());
        for (size_t i = 0; i < picks.size(); ++i) {
            empty[i] = picks[i].slot.node->empty();
        }
        for (size_t i = 0; i < picks.size(); ++i) {
            if (empty[i]) {
                dropEmpty(keys[i]);
            }
        }
    }

    // Matching ----------------------------------------------------------------------

    // The oldest datum of [entry] that matches [pattern]: its position in [pos] and its
    // bindings in [out]. Each attempt starts from fresh Bindings.
    bool scanData(const ChannelEntry& entry, const Pattern& pattern, size_t& pos, Bindings& out) const {
        for (size_t i = 0; i < entry.data.size(); ++i) {
            Bindings b{};
            if (matcher_.match(pattern, entry.data[i].datum, b)) {
                pos = i;
                out = std::move(b);
                return true;
            }
        }
        return false;
    }

    // After a COMM has read the datum of [pick]: removes it from the store unless it
    // is persistent or the continuation peeks (then it stays).
    void removeTaken(Pick& pick, const ChannelKey& key, bool peek) {
        ChannelEntry& entry = *pick.slot.node;
        if (entry.data[pick.pos].persistent || peek) {
            return;
        }
        entry.data[pick.pos].datum = Datum{};
        entry.data.erase(pick.pos);
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
    void refreshContract(Slot slot) {
        ChannelEntry& e = *slot.node;
        const bool eligible = e.data.empty() && !e.waiting.empty() && e.oneShot == 0 && e.next == nullptr &&
                              slot.node == &slot.it->second && e.publications < kMaxPublications;
        if (!eligible) {
            withdrawContract(slot);
            return;
        }
        auto set = std::make_unique<ContractSet>();
        set->key = slot.it->first;
        set->channel = e.channel;
        for (size_t i = 0; i < e.waiting.size(); ++i) {
            set->records.push_back(e.waiting[i].rec);
        }
        if (slot.shard->contracts.publish(set.get())) {
            e.published = true;
            ++e.publications;
            slot.shard->contractSets.push_back(std::move(set));
        } else {
            withdrawContract(slot);
        }
    }

    static void withdrawContract(Slot slot) {
        if (slot.node->published) {
            slot.shard->contracts.remove(slot.it->first);
            slot.node->published = false;
        }
    }

    // Records -----------------------------------------------------------------------

    ContRecord* newRecord(Shard& home) {
        ++home.conts;
        if (home.freeRecords.empty()) {
            return new ContRecord;
        }
        ContRecord* rec = home.freeRecords.back();
        home.freeRecords.pop_back();
        return rec;
    }

    // Free a fired or retired record (its home shard is locked); a persisted one must
    // be deleted at the next checkpoint.
    void releaseRecord(ContRecord* rec) {
        Shard& home = shards_[rec->home];
        if (rec->added) {
            unlinkAdded(home, rec);
        } else if (rec->persisted) {
            home.removed.push_back(rec->id);
        }
        --home.conts;
        // Keep a few records for reuse; their storage (inline vectors) comes with them.
        constexpr size_t kKeptRecords = 256;
        if (home.freeRecords.size() < kKeptRecords) {
            rec->slots.clear();
            rec->continuation = Continuation{};
            home.freeRecords.push_back(rec);
        } else {
            delete rec;
        }
    }

    static void linkAdded(Shard& home, ContRecord* rec) {
        rec->added = true;
        rec->addedPrev = nullptr;
        rec->addedNext = home.addedHead;
        if (home.addedHead != nullptr) {
            home.addedHead->addedPrev = rec;
        }
        home.addedHead = rec;
    }

    static void unlinkAdded(Shard& home, ContRecord* rec) {
        if (rec->addedPrev != nullptr) {
            rec->addedPrev->addedNext = rec->addedNext;
        } else {
            home.addedHead = rec->addedNext;
        }
        if (rec->addedNext != nullptr) {
            rec->addedNext->addedPrev = rec->addedPrev;
        }
        rec->addedPrev = rec->addedNext = nullptr;
        rec->added = false;
    }

    // Persistence -------------------------------------------------------------------

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

    // The "data" record of [key] into [out]; false when no channel under it holds data.
    bool encodeChannelRecord(const ChannelKey& key, std::string& out) const {
        const Shard& sh = shards_[shardOf(key)];
        auto it = sh.channels.find(key);
        if (it == sh.channels.end()) {
            return false;
        }
        uint32_t count = 0;
        detail::putU32(out, 0); // patched below
        for (const ChannelEntry* e = &it->second; e != nullptr; e = e->next.get()) {
            if (e->data.empty()) {
                continue;
            }
            ++count;
            Types::encode(e->channel, out);
            detail::putU32(out, checkedU32(e->data.size()));
            for (size_t i = 0; i < e->data.size(); ++i) {
                const DataEntry& d = e->data[i];
                detail::putU64(out, d.seq);
                detail::putU8(out, d.persistent ? 1 : 0);
                Types::encode(d.datum, out);
            }
        }
        for (size_t i = 0; i < 4; ++i) {
            out[i] = static_cast<char>(static_cast<uint8_t>(count >> (8 * i)));
        }
        return count != 0;
    }

    static std::string encodeContRecord(const ContRecord& rec) {
        std::string out;
        detail::putU8(out, static_cast<uint8_t>((rec.persistent ? 1 : 0) | (rec.peek ? 2 : 0)));
        detail::putU32(out, checkedU32(rec.slots.size()));
        for (const ChannelSlot& cs : rec.slots) {
            Types::encode(cs.channel, out);
            Types::encode(cs.pattern, out);
            detail::putU64(out, cs.seq);
        }
        Types::encode(rec.continuation, out);
        return out;
    }

    // Empties the hot store (every shard is locked).
    void clearLocked() {
        for (unsigned s = 0; s < kShards; ++s) {
            Shard& sh = shards_[s];
            for (auto& [key, head] : sh.channels) {
                for (ChannelEntry* e = &head; e != nullptr; e = e->next.get()) {
                    for (size_t i = 0; i < e->waiting.size(); ++i) {
                        if (e->waiting[i].index == 0) {
                            delete e->waiting[i].rec;
                        }
                    }
                }
            }
            sh.channels.clear();
            sh.conts = 0;
            sh.nextSeq = 1;
            sh.nextContCounter = 1;
            sh.dirty.clear();
            sh.stored.clear();
            sh.contracts.clear();
            sh.addedHead = nullptr;
            sh.removed.clear();
        }
    }

    absl::Status loadLocked(History& history) {
        RHO_RETURN_IF_ERROR(history.forEach(
            History::Db::kData, [this](std::string_view key, std::string_view value) -> absl::Status {
                std::optional<ChannelKey> ck = ChannelKey::fromBytes(key);
                if (!ck) {
                    return absl::DataLossError("rspace history: malformed channel key");
                }
                auto corrupt = [&ck] {
                    return absl::DataLossError(
                        absl::StrCat("rspace history: corrupt data record ", ck->hex()));
                };
                uint32_t count = 0;
                if (!detail::getU32(value, count) || count == 0) {
                    return corrupt();
                }
                Shard& sh = shards_[shardOf(*ck)];
                sh.stored.insert(*ck);
                for (uint32_t c = 0; c < count; ++c) {
                    Channel ch{};
                    uint32_t n = 0;
                    if (!Types::decode(value, ch) || !detail::getU32(value, n) || n == 0 ||
                        n > value.size()) {
                        return corrupt();
                    }
                    if (!(Types::key(ch) == *ck)) {
                        return absl::DataLossError(absl::StrCat("rspace history: data record ", ck->hex(),
                                                                " holds a channel of another key"));
                    }
                    ChannelEntry& entry = *findOrCreate(*ck, ch).node;
                    if (!entry.data.empty()) {
                        return corrupt(); // the same channel twice
                    }
                    for (uint32_t i = 0; i < n; ++i) {
                        uint64_t seq = 0;
                        uint8_t persistent = 0;
                        Datum d{};
                        if (!detail::getU64(value, seq) || !detail::getU8(value, persistent) ||
                            !Types::decode(value, d)) {
                            return corrupt();
                        }
                        entry.data.emplace(DataEntry{std::move(d), seq, persistent != 0});
                        sh.nextSeq = std::max(sh.nextSeq, seq + 1);
                    }
                }
                return value.empty() ? absl::OkStatus() : corrupt();
            }));
        // Waiters are listed per channel in age order once all records are read.
        // (Entries are found again then: a map insertion may move them.)
        std::vector<std::pair<uint64_t, Waiter>> waiters;
        RHO_RETURN_IF_ERROR(history.forEach(
            History::Db::kConts, [this, &waiters](std::string_view key, std::string_view value) -> absl::Status {
                uint64_t id = 0;
                if (!detail::parseContKey(key, id)) {
                    return absl::DataLossError("rspace history: malformed continuation key");
                }
                auto corrupt = [id] {
                    return absl::DataLossError(
                        absl::StrCat("rspace history: corrupt continuation record ", id));
                };
                uint8_t flags = 0;
                uint32_t arity = 0;
                if (!detail::getU8(value, flags) || !detail::getU32(value, arity) || arity == 0 ||
                    arity > value.size()) {
                    return corrupt();
                }
                auto rec = std::make_unique<ContRecord>();
                for (uint32_t i = 0; i < arity; ++i) {
                    ChannelSlot& cs = rec->slots.emplace_back();
                    Channel& ch = cs.channel;
                    Pattern& pat = cs.pattern;
                    uint64_t seq = 0;
                    if (!Types::decode(value, ch) || !Types::decode(value, pat) || !detail::getU64(value, seq)) {
                        return corrupt();
                    }
                    cs.key = Types::key(ch);
                    cs.seq = seq;
                }
                if (!Types::decode(value, rec->continuation) || !value.empty()) {
                    return corrupt();
                }
                rec->persistent = (flags & 1) != 0;
                rec->peek = (flags & 2) != 0;
                rec->persisted = true;
                rec->id = id;
                rec->home = shardOf(rec->slots[0].key);
                ++shards_[rec->home].conts;
                // New ids must not meet any loaded one, whatever shard wrote it: every
                // shard's counter starts above the largest loaded counter.
                for (unsigned sh = 0; sh < kShards; ++sh) {
                    shards_[sh].nextContCounter = std::max(shards_[sh].nextContCounter, (id >> kShardBits) + 1);
                }
                ContRecord* r = rec.release();
                for (size_t i = 0; i < r->slots.size(); ++i) {
                    Shard& sh = shards_[shardOf(r->slots[i].key)];
                    sh.nextSeq = std::max(sh.nextSeq, r->slots[i].seq + 1);
                    waiters.push_back({r->slots[i].seq, Waiter{r, static_cast<uint32_t>(i)}});
                }
                return absl::OkStatus();
            }));
        std::sort(waiters.begin(), waiters.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (const auto& [seq, w] : waiters) {
            addWaiter(*findOrCreate(w.rec->slots[w.index].key, w.rec->slots[w.index].channel).node, w.rec, w.index);
        }
        for (unsigned sh = 0; sh < kShards; ++sh) {
            for (auto it = shards_[sh].channels.begin(); it != shards_[sh].channels.end(); ++it) {
                refreshContract({&shards_[sh], it, &it->second});
            }
        }
        return absl::OkStatus();
    }

    const Matcher& matcher_;
    PrivateTable privates_;
    std::unique_ptr<Shard[]> shards_;
    History* history_ = nullptr; // written only by attach, under every lock
};

} // namespace rho::rspace
