// File: space.h
// Space<Types, Matcher>: the hot store (in memory) of the tuplespace, the COMM rule
// over it, and its checkpoint to / reload from a History (history.h). The contract
// (Types, Matcher, COMM semantics) is the header comment of rspace.h; this file is
// the implementation. Include rspace.h, which includes this file.
//
// Layout of the hot store:
//   channels_  ChannelKey -> ChannelEntry {channel, data (oldest first), waiting
//              continuations as conts_ slots (oldest first)}. A second channel with the same key
//              (a 128-bit collision) hangs off the first in a `next` chain.
//              Entries are removed as soon as they hold nothing, so per-process
//              private channels do not accumulate.
//   conts_     slot -> {id, ContRecord {channels, keys, patterns, continuation, flags}}:
//              a join is stored once and listed under each of its channels as
//              (slot, position of that channel in the join), so a produce reaches
//              the record by indexing and knows which pattern to try without searching.
//              Slots live in fixed chunks and are reused: storing a receive never
//              moves other records. (Measured against an id-keyed flat_hash_map of
//              records: storing then firing 1M receivers on one channel went from
//              ~1270 to ~245 ns per pair, -O2; the rehash moved every record.)
// Ids (the LMDB key) and data sequence numbers grow monotonically, so list order is
// age order and LMDB key order (big-endian ids) is age order too.
//
// Record encodings (History format version 1, see history.h), integers little-endian
// unless said otherwise:
//   data  key: ChannelKey::bytes()
//         value: u32 channelCount, then per channel: Types::encode(channel),
//                u32 dataCount, then per datum: u64 seq, u8 persistent, Types::encode(datum)
//         (channelCount > 1 only after a key collision; a channel without data has no record)
//   conts key: u64 id, big-endian (so LMDB's byte order is age order)
//         value: u8 flags (1 persistent, 2 peek), u32 arity, then per channel:
//                Types::encode(channel), Types::encode(pattern); then Types::encode(continuation)
#pragma once

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "rho/base/assert.h"
#include "rho/base/status.h"
#include "rho/rspace/channel_key.h"
#include "rho/rspace/history.h"
#include "rho/rspace/private_channel.h"
#include "rho/rspace/rspace.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rho::rspace {

namespace detail {

// A vector whose oldest elements are removed by advancing a head index, so taking
// data oldest-first from a long queue is amortised O(1) instead of a shift per take.
// Removal elsewhere shifts (the caller already scanned to find the element).
// [N] elements live inline: most channels hold one datum or one waiter at a time.
template <class T, size_t N>
class FifoList {
  public:
    [[nodiscard]] size_t size() const { return items_.size() - head_; }
    [[nodiscard]] bool empty() const { return items_.size() == head_; }
    T& operator[](size_t i) { return items_[head_ + i]; }
    const T& operator[](size_t i) const { return items_[head_ + i]; }

    template <class... Args>
    void emplace(Args&&... args) {
        items_.emplace_back(std::forward<Args>(args)...);
    }

    // Remove element [i]. Element 0 is only skipped: its storage (moved-from by the
    // caller) is destroyed when the list empties or the dead prefix is compacted.
    void erase(size_t i) {
        if (i != 0) {
            items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(head_ + i));
            return;
        }
        ++head_;
        if (head_ == items_.size()) {
            items_.clear();
            head_ = 0;
        } else if (head_ >= kCompactMin && 2 * head_ >= items_.size()) {
            items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
            head_ = 0;
        }
    }

  private:
    // Below this a dead prefix is cheaper to keep than to compact.
    static constexpr size_t kCompactMin = 16;
    absl::InlinedVector<T, N> items_;
    size_t head_ = 0;
};

// Records addressed by a dense uint32 slot, in chunks of kChunkSize that never move,
// so adding a record never relocates the others (a hash map would rehash them) and
// a lookup is two loads. Freed slots are reused last-in first-out (cache-warm).
template <class Record>
class SlotTable {
  public:
    struct Entry {
        uint64_t id = 0;        // the record's durable id (LMDB key)
        bool persisted = false; // written by a checkpoint (so removal must delete it)
        std::optional<Record> record;
    };

    uint32_t add(uint64_t id, Record&& record, bool persisted) {
        uint32_t slot = 0;
        if (!free_.empty()) {
            slot = free_.back();
            free_.pop_back();
        } else {
            RHO_CHECK(end_ < UINT32_MAX, "rspace: more than 2^32 waiting continuations");
            slot = end_++;
            if ((slot >> kChunkBits) == chunks_.size()) {
                chunks_.push_back(std::make_unique<Entry[]>(kChunkSize));
            }
        }
        Entry& e = (*this)[slot];
        e.id = id;
        e.persisted = persisted;
        e.record.emplace(std::move(record));
        ++live_;
        return slot;
    }
    void remove(uint32_t slot) {
        Entry& e = (*this)[slot];
        RHO_ASSERT(e.record.has_value());
        e.record.reset();
        e.persisted = false;
        free_.push_back(slot);
        --live_;
    }
    Entry& operator[](uint32_t slot) { return chunks_[slot >> kChunkBits][slot & (kChunkSize - 1)]; }
    const Entry& operator[](uint32_t slot) const {
        return chunks_[slot >> kChunkBits][slot & (kChunkSize - 1)];
    }
    [[nodiscard]] size_t size() const { return live_; }
    void clear() {
        chunks_.clear();
        free_.clear();
        end_ = 0;
        live_ = 0;
    }

  private:
    static constexpr uint32_t kChunkBits = 8;
    static constexpr uint32_t kChunkSize = uint32_t{1} << kChunkBits;
    std::vector<std::unique_ptr<Entry[]>> chunks_;
    std::vector<uint32_t> free_;
    uint32_t end_ = 0; // slots ever handed out
    size_t live_ = 0;
};

inline void putU8(std::string& out, uint8_t v) {
    out.push_back(static_cast<char>(v));
}

inline void putU32(std::string& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) {
        out.push_back(static_cast<char>(static_cast<uint8_t>(v >> (8 * i))));
    }
}

inline void putU64(std::string& out, uint64_t v) {
    for (int i = 0; i < 8; ++i) {
        out.push_back(static_cast<char>(static_cast<uint8_t>(v >> (8 * i))));
    }
}

inline bool getU8(std::string_view& in, uint8_t& v) {
    if (in.empty()) {
        return false;
    }
    v = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    return true;
}

inline bool getU32(std::string_view& in, uint32_t& v) {
    if (in.size() < 4) {
        return false;
    }
    v = 0;
    for (size_t i = 4; i-- > 0;) {
        v = (v << 8) | static_cast<uint8_t>(in[i]);
    }
    in.remove_prefix(4);
    return true;
}

inline bool getU64(std::string_view& in, uint64_t& v) {
    if (in.size() < 8) {
        return false;
    }
    v = 0;
    for (size_t i = 8; i-- > 0;) {
        v = (v << 8) | static_cast<uint8_t>(in[i]);
    }
    in.remove_prefix(8);
    return true;
}

// Continuation ids are LMDB keys: big-endian, so LMDB's memcmp order is id order.
inline std::string contKeyBytes(uint64_t id) {
    std::string out(8, '\0');
    for (size_t i = 0; i < 8; ++i) {
        out[i] = static_cast<char>(static_cast<uint8_t>(id >> (56 - 8 * i)));
    }
    return out;
}

inline bool parseContKey(std::string_view in, uint64_t& id) {
    if (in.size() != 8) {
        return false;
    }
    id = 0;
    for (size_t i = 0; i < 8; ++i) {
        id = (id << 8) | static_cast<uint8_t>(in[i]);
    }
    return true;
}

// The private-channel table of a space over [Types]: PrivateChannels of
// Types::Request and Types::Answer when Types names them, of empty messages otherwise.
struct NoMessage {};
template <class Types>
struct PrivateTableOf {
    using type = PrivateChannels<NoMessage, NoMessage>;
};
template <class Types>
    requires requires { typename Types::Request; typename Types::Answer; }
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

    // [matcher] is kept by reference and must outlive the space.
    explicit Space(const Matcher& matcher) : matcher_(matcher) {}
    Space(const Space&) = delete;
    Space& operator=(const Space&) = delete;

    // The private channels of this space (private_channel.h): one per live process,
    // each held by its process, with a COMM path that takes no lock of the space. They
    // are never written to the history: a private channel lives as long as its process.
    PrivateTable& privateChannels() { return privates_; }
    const PrivateTable& privateChannels() const { return privates_; }

    // Send [datum] on [channel] (rspace.h, "produce"). Performs at most one COMM.
    // Returns the Comm (its data in the continuation's channel order; the produced
    // datum is data[producedIndex]); when reissueProduce is set the caller must call
    // produce again with the same datum and persistence. Returns nullopt when the
    // datum was stored. Never fails. Any thread.
    std::optional<Comm<Types>> produce(const Channel& channel, Datum datum, bool persistent) {
        const ChannelKey key = Types::key(channel);
        std::lock_guard<std::mutex> lock(mu_);
        ++produceCount_;
        Slot slot = findOrCreate(key, channel);
        ChannelEntry& entry = *slot.node;
        for (size_t w = 0; w < entry.waiting.size(); ++w) {
            const Waiter waiter = entry.waiting[w];
            ContRecord& rec = *conts_[waiter.slot].record;
            Bindings own{};
            if (!matcher_.match(rec.patterns[waiter.index], datum, own)) {
                continue;
            }
            if (rec.channels.size() == 1) {
                return fireProduceSingle(slot, w, waiter.slot, std::move(datum), std::move(own), persistent);
            }
            if (auto comm = tryFireProduceJoin(slot, w, waiter.slot, datum, own, persistent)) {
                return comm;
            }
        }
        entry.data.emplace(DataEntry{std::move(datum), nextSeq_++, persistent});
        markDirty(entry, key);
        return std::nullopt;
    }

    // Receive on [channels] with [patterns] (rspace.h, "consume"); a join when there
    // are several channels. [channels] must be non-empty, pairwise distinct and as
    // long as [patterns] (RHO_CHECK). Performs at most one COMM: returns the Comm
    // (one datum and one Bindings per channel, in the given order), or stores the
    // continuation and returns nullopt. A persistent consume that COMMs is not
    // stored; the caller re-issues it. Never fails. Any thread.
    std::optional<Comm<Types>> consume(std::span<const Channel> channels, std::span<const Pattern> patterns,
                                       Continuation continuation, bool persistent, bool peek) {
        RHO_CHECK(!channels.empty() && channels.size() == patterns.size(),
                  "consume: channels and patterns must be non-empty and of equal length");
        const size_t arity = channels.size();
        absl::InlinedVector<ChannelKey, 1> keys(arity);
        for (size_t i = 0; i < arity; ++i) {
            keys[i] = Types::key(channels[i]);
        }
        std::lock_guard<std::mutex> lock(mu_);
        ++consumeCount_;

        absl::InlinedVector<Pick, 4> picks(arity);
        bool matched = true;
        for (size_t i = 0; i < arity && matched; ++i) {
            picks[i].slot = find(keys[i], channels[i]);
            matched = picks[i].slot.node != nullptr &&
                      scanData(*picks[i].slot.node, patterns[i], picks[i].pos, picks[i].bindings);
        }
        if (matched) {
            ++commCount_;
            Comm<Types> comm{std::move(continuation), persistent, peek, {}, {}, false, 0};
            comm.data.reserve(arity);
            comm.bindings.reserve(arity);
            for (size_t i = 0; i < arity; ++i) {
                comm.data.push_back(takeOrCopy(picks[i], keys[i], peek));
                comm.bindings.push_back(std::move(picks[i].bindings));
            }
            dropEmptyEntries(picks, keys);
            return comm;
        }

        const uint64_t id = nextContId_++;
        const uint32_t contSlot =
            conts_.add(id,
                       ContRecord{ChannelList(channels.begin(), channels.end()), std::move(keys),
                                  PatternList(patterns.begin(), patterns.end()), std::move(continuation),
                                  persistent, peek},
                       /*persisted=*/false);
        const ContRecord& rec = *conts_[contSlot].record;
        for (size_t i = 0; i < arity; ++i) {
            findOrCreate(rec.keys[i], rec.channels[i])
                .node->waiting.emplace(Waiter{contSlot, static_cast<uint32_t>(i)});
        }
        if (history_ != nullptr && Types::isDurable(rec.continuation)) {
            addedConts_.emplace_back(contSlot, id);
        }
        return std::nullopt;
    }

    // Removes every non-durable continuation (Types::isDurable() == false) that waits
    // on [channel] alone, and the channel's entry when nothing else is left on it.
    // For listeners that belong to one process and die with it, such as the native
    // listeners on a process's private channels. Data stays. Any thread.
    void retire(const Channel& channel) {
        const ChannelKey key = Types::key(channel);
        std::lock_guard<std::mutex> lock(mu_);
        Slot slot = find(key, channel);
        if (slot.node == nullptr) {
            return;
        }
        ChannelEntry& entry = *slot.node;
        for (size_t w = entry.waiting.size(); w-- > 0;) {
            const uint32_t contSlot = entry.waiting[w].slot;
            const ContRecord& rec = *conts_[contSlot].record;
            if (rec.channels.size() == 1 && !Types::isDurable(rec.continuation)) {
                releaseCont(contSlot);
                entry.waiting.erase(w);
            }
        }
        dropIfEmpty(slot);
    }

    // Every channel that holds data or continuations, sorted by ChannelKey (so the
    // output is stable across runs), data and continuations oldest first. A snapshot:
    // everything is copied. Any thread.
    [[nodiscard]] std::vector<ChannelView<Types>> inspect() const {
        std::lock_guard<std::mutex> lock(mu_);
        std::vector<std::pair<ChannelKey, const ChannelEntry*>> nodes;
        for (const auto& [key, head] : channels_) {
            for (const ChannelEntry* e = &head; e != nullptr; e = e->next.get()) {
                if (!e->empty()) {
                    nodes.emplace_back(key, e);
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
                const ContRecord& rec = *conts_[e->waiting[i].slot].record;
                view.continuations.push_back(typename ChannelView<Types>::Waiting{
                    std::vector<Channel>(rec.channels.begin(), rec.channels.end()),
                    std::vector<Pattern>(rec.patterns.begin(), rec.patterns.end()), rec.continuation,
                    rec.persistent, rec.peek});
            }
        }
        return views;
    }

    // Counters since construction (attach does not count loaded records).
    [[nodiscard]] uint64_t commCount() const {
        std::lock_guard<std::mutex> lock(mu_);
        return commCount_;
    }
    [[nodiscard]] uint64_t produceCount() const {
        std::lock_guard<std::mutex> lock(mu_);
        return produceCount_;
    }
    [[nodiscard]] uint64_t consumeCount() const {
        std::lock_guard<std::mutex> lock(mu_);
        return consumeCount_;
    }
    // Channel entries in the hot store, empty ones included: with entries removed
    // when empty this equals the number of channels inspect() reports (a leak check).
    [[nodiscard]] size_t channelEntryCount() const {
        std::lock_guard<std::mutex> lock(mu_);
        size_t n = 0;
        for (const auto& [key, head] : channels_) {
            for (const ChannelEntry* e = &head; e != nullptr; e = e->next.get()) {
                ++n;
            }
        }
        return n;
    }
    // Waiting continuations (a join counts once).
    [[nodiscard]] size_t continuationCount() const {
        std::lock_guard<std::mutex> lock(mu_);
        return conts_.size();
    }

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
        std::lock_guard<std::mutex> lock(mu_);
        if (history_ != nullptr) {
            return absl::FailedPreconditionError("rspace attach: a history is already attached");
        }
        if (!channels_.empty() || conts_.size() != 0) {
            return absl::FailedPreconditionError("rspace attach: the space must be empty");
        }
        absl::Status status = loadLocked(history);
        if (!status.ok()) {
            channels_.clear();
            conts_.clear();
            nextContId_ = 1;
            nextSeq_ = 1;
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
        std::lock_guard<std::mutex> lock(mu_);
        if (history_ == nullptr) {
            return absl::FailedPreconditionError("rspace checkpoint: no history attached");
        }
        std::vector<History::Put> puts;
        std::vector<History::Del> dels;
        puts.reserve(dirtyChannels_.size() + addedConts_.size());
        for (const ChannelKey& key : dirtyChannels_) {
            std::string value;
            if (encodeChannelRecord(key, value)) {
                puts.push_back(History::Put{History::Db::kData, key.bytes(), std::move(value)});
            } else {
                dels.push_back(History::Del{History::Db::kData, key.bytes()});
            }
        }
        // A continuation never changes while stored: it is added once and removed once.
        for (const auto& [contSlot, id] : addedConts_) {
            const auto& e = conts_[contSlot];
            if (e.record && e.id == id) { // else removed (and maybe its slot reused) since
                puts.push_back(
                    History::Put{History::Db::kConts, detail::contKeyBytes(id), encodeContRecord(*e.record)});
            }
        }
        for (uint64_t id : removedConts_) {
            dels.push_back(History::Del{History::Db::kConts, detail::contKeyBytes(id)});
        }
        // Key order makes the B-tree inserts sequential (fewer page touches).
        std::sort(puts.begin(), puts.end(), [](const History::Put& a, const History::Put& b) {
            return a.db != b.db ? a.db < b.db : a.key < b.key;
        });
        RHO_RETURN_IF_ERROR(history_->commit(puts, dels));
        for (const ChannelKey& key : dirtyChannels_) {
            auto it = channels_.find(key);
            if (it != channels_.end()) {
                for (ChannelEntry* e = &it->second; e != nullptr; e = e->next.get()) {
                    e->dirty = false;
                }
            }
        }
        for (const auto& [contSlot, id] : addedConts_) {
            auto& e = conts_[contSlot];
            if (e.record && e.id == id) {
                e.persisted = true;
            }
        }
        dirtyChannels_.clear();
        addedConts_.clear();
        removedConts_.clear();
        return absl::OkStatus();
    }

    [[nodiscard]] bool isAttached() const {
        std::lock_guard<std::mutex> lock(mu_);
        return history_ != nullptr;
    }

  private:
    struct DataEntry {
        Datum datum;
        uint64_t seq;
        bool persistent;
    };
    struct Waiter {
        uint32_t slot;  // in conts_
        uint32_t index; // position of this channel in the continuation's join
    };
    struct ChannelEntry {
        explicit ChannelEntry(const Channel& ch) : channel(ch) {}
        Channel channel;
        detail::FifoList<DataEntry, 1> data;
        detail::FifoList<Waiter, 1> waiting;
        bool dirty = false;                 // its key is in dirtyChannels_
        std::unique_ptr<ChannelEntry> next; // another channel with the same key (a collision)
        [[nodiscard]] bool empty() const { return data.empty() && waiting.empty(); }
    };
    using ChannelList = absl::InlinedVector<Channel, 1>;
    using PatternList = absl::InlinedVector<Pattern, 1>;
    struct ContRecord {
        ChannelList channels;
        absl::InlinedVector<ChannelKey, 1> keys; // keys[i] == Types::key(channels[i]), cached
        PatternList patterns;
        Continuation continuation;
        bool persistent;
        bool peek;
    };
    using ChannelMap = absl::flat_hash_map<ChannelKey, ChannelEntry>;

    // A channel entry and its map slot. Valid until the next insertion into channels_
    // (a rehash moves slots) or the removal of that entry; erasing other entries keeps it.
    struct Slot {
        typename ChannelMap::iterator it{};
        ChannelEntry* node = nullptr;
    };
    // The datum chosen on one channel of a COMM.
    struct Pick {
        Slot slot;
        size_t pos = 0;
        Bindings bindings{};
    };

    // Lookup ------------------------------------------------------------------------

    Slot find(const ChannelKey& key, const Channel& ch) {
        auto it = channels_.find(key);
        if (it == channels_.end()) {
            return {};
        }
        for (ChannelEntry* e = &it->second; e != nullptr; e = e->next.get()) {
            if (Types::sameChannel(e->channel, ch)) {
                return {it, e};
            }
        }
        return {};
    }

    Slot findOrCreate(const ChannelKey& key, const Channel& ch) {
        auto [it, inserted] = channels_.try_emplace(key, ch);
        ChannelEntry* head = &it->second;
        if (inserted) {
            return {it, head};
        }
        ChannelEntry* tail = head;
        for (ChannelEntry* e = head; e != nullptr; e = e->next.get()) {
            if (Types::sameChannel(e->channel, ch)) {
                return {it, e};
            }
            tail = e;
        }
        if (head->empty()) { // an empty head kept only because a collision chain hangs off it
            head->channel = ch;
            return {it, head};
        }
        tail->next = std::make_unique<ChannelEntry>(ch);
        return {it, tail->next.get()};
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
            channels_.erase(slot.it);
        }
    }

    // Remove every empty entry under [key] (a fresh lookup, so safe after other removals).
    void dropEmpty(const ChannelKey& key) {
        auto it = channels_.find(key);
        if (it == channels_.end()) {
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
            channels_.erase(it);
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

    // The datum of [pick] for a COMM: removed from the store (moved out) unless it is
    // persistent or the continuation peeks, in which case it stays and is copied.
    Datum takeOrCopy(Pick& pick, const ChannelKey& key, bool peek) {
        ChannelEntry& entry = *pick.slot.node;
        DataEntry& d = entry.data[pick.pos];
        if (d.persistent || peek) {
            return d.datum;
        }
        Datum out = std::move(d.datum);
        entry.data.erase(pick.pos);
        markDirty(entry, key);
        return out;
    }

    static Comm<Types> makeComm(ContRecord& rec, bool takeContinuation) {
        if (takeContinuation) {
            return Comm<Types>{std::move(rec.continuation), rec.persistent, rec.peek, {}, {}, false, 0};
        }
        return Comm<Types>{rec.continuation, rec.persistent, rec.peek, {}, {}, false, 0};
    }

    // produce() meets the single-channel continuation waiting at [w] in [slot].
    Comm<Types> fireProduceSingle(Slot slot, size_t w, uint32_t contSlot, Datum datum, Bindings bindings,
                                  bool persistent) {
        ++commCount_;
        ContRecord& rec = *conts_[contSlot].record;
        Comm<Types> comm = makeComm(rec, !rec.persistent);
        comm.data.push_back(std::move(datum));
        comm.bindings.push_back(std::move(bindings));
        comm.reissueProduce = persistent || rec.peek;
        if (!rec.persistent) {
            releaseCont(contSlot);
            slot.node->waiting.erase(w);
            dropIfEmpty(slot);
        }
        return comm;
    }

    // produce() meets the join waiting at [w] in [slot], whose pattern for this channel
    // already matched [datum] with [own]. Fires only if every other channel of the join
    // holds a matching datum; otherwise changes nothing and returns nullopt (and
    // [datum], [own] are left intact for the next candidate).
    std::optional<Comm<Types>> tryFireProduceJoin(Slot slot, size_t w, uint32_t contSlot, Datum& datum,
                                                  Bindings& own, bool persistent) {
        ContRecord& rec = *conts_[contSlot].record;
        const size_t arity = rec.channels.size();
        const size_t self = slot.node->waiting[w].index;
        absl::InlinedVector<Pick, 4> picks(arity);
        for (size_t j = 0; j < arity; ++j) {
            if (j == self) {
                picks[j].slot = slot;
                continue;
            }
            picks[j].slot = find(rec.keys[j], rec.channels[j]);
            if (picks[j].slot.node == nullptr ||
                !scanData(*picks[j].slot.node, rec.patterns[j], picks[j].pos, picks[j].bindings)) {
                return std::nullopt;
            }
        }

        ++commCount_;
        Comm<Types> comm = makeComm(rec, !rec.persistent);
        comm.data.reserve(arity);
        comm.bindings.reserve(arity);
        for (size_t j = 0; j < arity; ++j) {
            if (j == self) {
                comm.data.push_back(std::move(datum));
                comm.bindings.push_back(std::move(own));
            } else {
                comm.data.push_back(takeOrCopy(picks[j], rec.keys[j], rec.peek));
                comm.bindings.push_back(std::move(picks[j].bindings));
            }
        }
        comm.reissueProduce = persistent || rec.peek;
        comm.producedIndex = static_cast<uint32_t>(self);
        if (!rec.persistent) {
            for (size_t j = 0; j < arity; ++j) {
                ChannelEntry& e = *picks[j].slot.node;
                if (j == self) {
                    e.waiting.erase(w);
                    continue;
                }
                for (size_t i = 0; i < e.waiting.size(); ++i) {
                    if (e.waiting[i].slot == contSlot) {
                        e.waiting.erase(i);
                        break;
                    }
                }
            }
        }
        dropEmptyEntries(picks, rec.keys); // before erasing rec: the keys live there
        if (!rec.persistent) {
            releaseCont(contSlot);
        }
        return comm;
    }

    // Persistence -------------------------------------------------------------------

    void markDirty(ChannelEntry& entry, const ChannelKey& key) {
        if (history_ != nullptr && !entry.dirty) {
            entry.dirty = true;
            dirtyChannels_.insert(key);
        }
    }

    // Free a fired continuation's slot; a persisted one must be deleted at the next checkpoint.
    void releaseCont(uint32_t contSlot) {
        const auto& e = conts_[contSlot];
        if (e.persisted) {
            removedConts_.push_back(e.id);
        }
        conts_.remove(contSlot);
    }

    static uint32_t checkedU32(size_t n) {
        RHO_CHECK(n <= UINT32_MAX, "rspace record: count exceeds 2^32");
        return static_cast<uint32_t>(n);
    }

    // The "data" record of [key] into [out]; false when no channel under it holds data.
    bool encodeChannelRecord(const ChannelKey& key, std::string& out) const {
        auto it = channels_.find(key);
        if (it == channels_.end()) {
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
        detail::putU32(out, checkedU32(rec.channels.size()));
        for (size_t i = 0; i < rec.channels.size(); ++i) {
            Types::encode(rec.channels[i], out);
            Types::encode(rec.patterns[i], out);
        }
        Types::encode(rec.continuation, out);
        return out;
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
                        nextSeq_ = std::max(nextSeq_, seq + 1);
                    }
                }
                return value.empty() ? absl::OkStatus() : corrupt();
            }));
        return history.forEach(
            History::Db::kConts, [this](std::string_view key, std::string_view value) -> absl::Status {
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
                ChannelList channels;
                PatternList patterns;
                absl::InlinedVector<ChannelKey, 1> keys;
                for (uint32_t i = 0; i < arity; ++i) {
                    Channel& ch = channels.emplace_back();
                    Pattern& pat = patterns.emplace_back();
                    if (!Types::decode(value, ch) || !Types::decode(value, pat)) {
                        return corrupt();
                    }
                    keys.push_back(Types::key(ch));
                }
                Continuation k{};
                if (!Types::decode(value, k) || !value.empty()) {
                    return corrupt();
                }
                const uint32_t contSlot =
                    conts_.add(id,
                               ContRecord{std::move(channels), std::move(keys), std::move(patterns),
                                          std::move(k), (flags & 1) != 0, (flags & 2) != 0},
                               /*persisted=*/true);
                const ContRecord& rec = *conts_[contSlot].record;
                for (size_t i = 0; i < rec.channels.size(); ++i) {
                    findOrCreate(rec.keys[i], rec.channels[i])
                        .node->waiting.emplace(Waiter{contSlot, static_cast<uint32_t>(i)});
                }
                nextContId_ = std::max(nextContId_, id + 1);
                return absl::OkStatus();
            });
    }

    const Matcher& matcher_;
    PrivateTable privates_;
    mutable std::mutex mu_;
    ChannelMap channels_;
    detail::SlotTable<ContRecord> conts_;
    uint64_t nextContId_ = 1;
    uint64_t nextSeq_ = 1;
    uint64_t commCount_ = 0;
    uint64_t produceCount_ = 0;
    uint64_t consumeCount_ = 0;
    History* history_ = nullptr;
    absl::flat_hash_set<ChannelKey> dirtyChannels_; // only tracked while attached
    // Durable continuations stored since the last checkpoint, as (slot, id): the slot
    // may have been freed and reused since, so checkpoint compares the id.
    std::vector<std::pair<uint32_t, uint64_t>> addedConts_;
    std::vector<uint64_t> removedConts_; // ids of persisted continuations fired since
};

} // namespace rho::rspace
