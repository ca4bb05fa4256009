// File: space_comm.h
// The COMM rule over the hot store (space.h): a receive on one channel, storing a
// continuation that found no data, and a produce meeting a single-channel or a join
// continuation, with the join's other channels checked and taken atomically.
// Out-of-line members of the class template in space.h; rspace.h includes both.
#pragma once

#include "rho/rspace/space.h"

namespace rho::rspace {

template <class Types, class Matcher>
template <class Sink>
inline bool Space<Types, Matcher>::consumeOne(const Channel& channel, const Pattern& pattern, Continuation& continuation, bool persistent, bool peek, Sink& sink) {
    const ChannelKey key = Types::key(channel);
    const uint32_t shard = shardOf(key);
    Shard& home = shards_[shard];
    std::unique_lock<SpinLock> lock(home.mu);

    Pick pick;
    pick.slot = find(key, channel);
    while (pick.slot.node == nullptr && lazy_) [[unlikely]] {
        if (admitHeld(key, channel)) { // read in (or known empty) under this lock
            pick.slot = find(key, channel);
            break;
        }
        lock.unlock(); // the closure reaches other shards: read it under their locks
        admitLocking(key, channel);
        lock.lock();
        pick.slot = find(key, channel); // (missing again: dropped or evicted meanwhile; look again)
    }
    ++home.consumes;
    if (pick.slot.node != nullptr && scanData(*pick.slot.node, pattern, continuation, pick.pos, pick.bindings)) {
        ++home.comms;
        const DataEntry& picked = pick.slot.node->data[pick.pos];
        const Datum* datum = &picked.datum;
        const Channel* channelOf = &channel;
        CommEvent<Types> event{continuation, persistent, peek, {&datum, 1}, {&pick.bindings, 1}, 0, true,
                               {&channelOf, 1}, picked.persistent() ? 1u : 0u};
        event.backlog = pick.slot.node->data.size();
        sink(event);
        removeTaken(pick, key, peek);
        dropIfEmpty(pick.slot);
        return true;
    }

    storeWaiting(shard, {&channel, 1}, {&key, 1}, {&pattern, 1}, continuation, persistent, peek);
    return false;
}

template <class Types, class Matcher>
inline void Space<Types, Matcher>::storeWaiting(uint32_t homeIndex, std::span<const Channel> channels, std::span<const ChannelKey> keys, std::span<const Pattern> patterns, Continuation& continuation, bool persistent, bool peek) {
    Shard& home = shards_[homeIndex];
    const size_t arity = channels.size();
    ContRecord* rec = newRecord(home);
    rec->slots.resize(arity);
    for (size_t i = 0; i < arity; ++i) {
        rec->slots[i].pattern = patterns[i];
    }
    rec->continuation = std::move(continuation);
    rec->persistent = persistent;
    rec->peek = peek;
    rec->home = static_cast<uint8_t>(homeIndex);
    rec->id = (home.nextContCounter++ << kShardBits) | homeIndex;
    rec->persisted = false;
    for (size_t i = 0; i < arity; ++i) {
        Slot slot = findOrCreate(keys[i], channels[i]);
        rec->slots[i].entry = slot.node;
        rec->slots[i].seq = slot.shard->nextSeq++;
        addWaiter(*slot.node, rec, static_cast<uint32_t>(i));
        refreshContract(slot);
    }
    if (history_ != nullptr && Types::isDurable(rec->continuation)) {
        linkAdded(home, rec);
    }
}

template <class Types, class Matcher>
template <class Sink>
inline typename Space<Types, Matcher>::Needs Space<Types, Matcher>::tryProduce(LockSet& locks, const ChannelKey& key, const Channel& channel, Datum& datum, bool persistent, Sink& sink, ProduceResult& result, uint16_t origin) {
    Slot slot = findOrCreate(key, channel);
    if (lazy_ && slot.created) [[unlikely]] {
        if (Needs needs = admitCreated(slot, locks, key, channel); !needs.empty())
            return needs;
    }
    ChannelEntry& entry = *slot.node;
    const size_t candidates = entry.waiting.size();
    const size_t start = choose(candidates);
    for (size_t k = 0; k < candidates; ++k) {
        const size_t w = start + k < candidates ? start + k : start + k - candidates;
        const Waiter waiter = entry.waiting[w];
        ContRecord& rec = *waiter.rec;
        Bindings own{};
        if (!matcher_.match(rec.slots[waiter.index].pattern, rec.continuation, datum, own)) {
            continue;
        }
        if (rec.slots.size() == 1) {
            // (Read before firing: a one-shot record is released by the COMM.)
            result = persistent || rec.peek ? ProduceResult::kReissue : ProduceResult::kComm;
            fireProduceSingle(slot, w, datum, persistent, own, sink);
            return {};
        }
        Needs missing;
        for (const ChannelSlot& cs : rec.slots) {
            const uint32_t s = shardOf(keyOf(cs));
            if (!locks.holds(s) && !locks.tryAdd(s)) {
                missing.push_back(s);
            }
        }
        if (!missing.empty()) {
            dropIfEmpty(slot); // undo findOrCreate: nothing else changed
            return missing;
        }
        const bool peek = rec.peek;
        if (tryFireProduceJoin(slot, w, datum, persistent, own, sink)) {
            result = persistent || peek ? ProduceResult::kReissue : ProduceResult::kComm;
            return {};
        }
    }
    result = storeDatum(slot, key, datum, persistent, origin);
    return {};
}

template <class Types, class Matcher>
inline ProduceResult Space<Types, Matcher>::storeDatum(Slot slot, const ChannelKey& key, Datum& datum,
                                                       bool persistent, uint16_t origin) {
    Shard& sh = *slot.shard;
    ChannelEntry& entry = *slot.node;
    entry.data.emplaceIn(sh.singles, std::move(datum), sh.nextSeq++, persistent, origin);
    markDirty(entry, key);
    withdrawContract(slot);
    return entry.data.size() >= kDeepBacklog ? ProduceResult::kStoredDeep : ProduceResult::kStored;
}

template <class Types, class Matcher>
template <class Sink>
size_t Space<Types, Matcher>::produceBatch(const Channel& channel, std::span<Datum> data,
                                           std::span<const uint16_t> origins, Sink&& sink, size_t& backlog,
                                           bool returned) {
    const ChannelKey key = Types::key(channel);
    LockSet locks(shards_.get());
    locks.acquire(shardOf(key));
    Shard& sh = shards_[shardOf(key)];
    Slot slot{}; // the channel's entry while it is known to stay (no COMM, no unlock since)
    size_t i = 0;
    while (i < data.size()) {
        sh.produces += returned ? 0 : 1;
        const uint16_t origin = i < origins.size() ? origins[i] : uint16_t{0};
        if (slot.node == nullptr)
            slot = findOrCreate(key, channel);
        if (lazy_ && slot.created) [[unlikely]] {
            if (Needs needs = admitCreated(slot, locks, key, channel); !needs.empty()) {
                slot = Slot{};
                sh.produces -= returned ? 0 : 1;
                locks.reacquire(needs);
                continue;
            }
        }
        if (slot.node->waiting.empty()) { // nothing to meet: stored, as tryProduce would
            storeDatum(slot, key, data[i], false, origin);
            ++i;
            continue;
        }
        slot = Slot{}; // a COMM may drop the entry, a retry unlocks
        ProduceResult result = ProduceResult::kStored;
        for (;;) {
            Needs needs = tryProduce(locks, key, channel, data[i], false, sink, result, origin);
            if (needs.empty())
                break;
            locks.reacquire(needs); // a join needs a busy shard: lock in order, try again
        }
        if (result == ProduceResult::kReissue)
            break;
        ++i;
    }
    const Slot last = find(key, channel);
    backlog = last.node == nullptr ? 0 : last.node->data.size();
    return i;
}

template <class Types, class Matcher>
size_t Space<Types, Matcher>::takeRun(const Channel& channel, size_t max, std::vector<Datum>& out,
                                      std::vector<uint16_t>& origins) {
    const ChannelKey key = Types::key(channel);
    Shard& home = shards_[shardOf(key)];
    std::unique_lock<SpinLock> lock(home.mu);
    Slot slot = find(key, channel);
    if (slot.node == nullptr)
        return 0;
    auto& data = slot.node->data;
    size_t n = 0;
    for (; n < max && !data.empty(); ++n) {
        DataEntry& oldest = data[0];
        if (oldest.persistent())
            break;
        out.push_back(std::move(oldest.datum));
        origins.push_back(oldest.origin());
        data.erase(0);
    }
    if (n != 0) {
        markDirty(*slot.node, key);
        refreshContract(slot);
        dropIfEmpty(slot);
    }
    return n;
}

template <class Types, class Matcher>
template <class Sink>
inline void Space<Types, Matcher>::fireProduceSingle(Slot slot, size_t w, const Datum& datum, bool persistent, Bindings& bindings, Sink& sink) {
    ContRecord* rec = slot.node->waiting[w].rec;
    ++slot.shard->comms;
    const Datum* data[1] = {&datum};
    const Channel* channelOf = &slot.node->channel;
    CommEvent<Types> event{rec->continuation, rec->persistent, rec->peek,      data,
                           {&bindings, 1},    0,               true,           {&channelOf, 1},
                           persistent ? 1u : 0u};
    sink(event);
    if (!rec->persistent) {
        const ChannelKey key = slot.it->first; // (before the entry may be dropped)
        eraseWaiter(*slot.node, w);
        refreshContract(slot);
        dropIfEmpty(slot);
        releaseRecord(rec, {&key, 1});
    }
}

template <class Types, class Matcher>
template <class Sink>
inline bool Space<Types, Matcher>::tryFireProduceJoin(Slot slot, size_t w, const Datum& datum, bool persistent, Bindings& own, Sink& sink) {
    ContRecord* rec = slot.node->waiting[w].rec;
    const size_t arity = rec->slots.size();
    const size_t self = slot.node->waiting[w].index;
    const KeyList keys = keysOf(*rec); // (before any entry of the join is freed)
    absl::InlinedVector<Pick, 4> picks(arity);
    for (size_t j = 0; j < arity; ++j) {
        if (j == self) {
            picks[j].slot = slot;
            picks[j].pos = Pick::kNoPos;
            continue;
        }
        picks[j].slot = find(keys[j], rec->slots[j].entry->channel);
        if (picks[j].slot.node == nullptr ||
            !scanData(*picks[j].slot.node, rec->slots[j].pattern, rec->continuation, picks[j].pos, picks[j].bindings,
                      std::span<const Pick>(picks.data(), j))) {
            return false;
        }
    }

    ++slot.shard->comms;
    absl::InlinedVector<const Datum*, 4> data(arity);
    absl::InlinedVector<const Channel*, 4> channelOf(arity);
    absl::InlinedVector<Bindings, 4> bindings(arity);
    uint32_t persistentData = 0;
    for (size_t j = 0; j < arity; ++j) {
        channelOf[j] = &rec->slots[j].entry->channel;
        if (j == self) {
            data[j] = &datum;
            persistentData |= persistent && j < 32 ? 1u << j : 0u;
            bindings[j] = std::move(own);
        } else {
            const DataEntry& d = picks[j].slot.node->data[picks[j].pos];
            data[j] = &d.datum;
            persistentData |= d.persistent() && j < 32 ? 1u << j : 0u;
            bindings[j] = std::move(picks[j].bindings);
        }
    }
    CommEvent<Types> event{rec->continuation, rec->persistent, rec->peek, data, bindings,
                           static_cast<uint32_t>(self), true, channelOf, persistentData};
    sink(event);
    removeAllTaken(picks, keys, rec->peek);
    if (!rec->persistent) {
        for (size_t j = 0; j < arity; ++j) {
            // The record's waiter for slot j (an entry holds two when the join's
            // channels are one name: then positions moved with the first erase).
            ChannelEntry& e = *picks[j].slot.node;
            auto mine = [&](size_t at) { return e.waiting[at].rec == rec && e.waiting[at].index == j; };
            size_t at = j == self ? w : e.waiting.size();
            if (at >= e.waiting.size() || !mine(at)) {
                at = 0;
                while (at < e.waiting.size() && !mine(at))
                    ++at;
            }
            RHO_CHECK(at < e.waiting.size(), "rspace: a join's waiter is missing");
            eraseWaiter(e, at);
            refreshContract(picks[j].slot);
        }
    }
    dropEmptyEntries(picks, keys);
    if (!rec->persistent) {
        releaseRecord(rec, keys);
    }
    return true;
}

} // namespace rho::rspace
