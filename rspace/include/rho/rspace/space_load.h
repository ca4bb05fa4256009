// File: space_load.h
// A space larger than memory (space.h, Load::kOnTouch): a channel's stored records
// read into the hot store when an operation first finds it missing, the store read
// whole for a listing, and cold channels dropped after a checkpoint; with the record
// decoders the whole-store load shares. Out-of-line members of the class template in
// space.h; rspace.h includes them all.
//
// A key is loaded with its closure: its data record, every continuation the "waits"
// index lists under it, and the same for every other channel of those continuations
// (a join's channels are resident together, so a produce on one finds the others).
// The closure is read first and nothing changes until every shard it touches is
// locked; an operation that lacks one retries with the union locked in order.
#pragma once

#include "rho/rspace/space.h"

namespace rho::rspace {

template <class Types, class Matcher>
absl::Status Space<Types, Matcher>::decodeDataRecord(const ChannelKey& key, std::string_view value,
                                                     std::vector<StoredChannel>& out) const {
    auto corrupt = [&key] { return absl::DataLossError(absl::StrCat("rspace history: corrupt data record ", key.hex())); };
    uint32_t count = 0;
    if (!detail::getU32(value, count) || count == 0 || count > value.size())
        return corrupt();
    for (uint32_t c = 0; c < count; ++c) {
        StoredChannel& sc = out.emplace_back();
        uint32_t n = 0;
        if (!Types::decode(value, sc.channel) || !detail::getU32(value, n) || n == 0 || n > value.size())
            return corrupt();
        if (!(Types::key(sc.channel) == key))
            return absl::DataLossError(
                absl::StrCat("rspace history: data record ", key.hex(), " holds a channel of another key"));
        sc.data.reserve(n);
        for (uint32_t i = 0; i < n; ++i) {
            uint64_t seq = 0;
            uint8_t persistent = 0;
            Datum d{};
            if (!detail::getU64(value, seq) || seq > kMaxSeq || !detail::getU8(value, persistent) ||
                !Types::decode(value, d))
                return corrupt();
            sc.data.emplace_back(std::move(d), seq, persistent != 0);
        }
    }
    return value.empty() ? absl::OkStatus() : corrupt();
}

template <class Types, class Matcher>
absl::Status Space<Types, Matcher>::decodeContRecord(uint64_t id, std::string_view value, ContRecord& rec,
                                                     std::vector<Channel>& channels) {
    auto corrupt = [id] { return absl::DataLossError(absl::StrCat("rspace history: corrupt continuation record ", id)); };
    uint8_t flags = 0;
    uint32_t arity = 0;
    if (!detail::getU8(value, flags) || !detail::getU32(value, arity) || arity == 0 || arity > value.size())
        return corrupt();
    for (uint32_t i = 0; i < arity; ++i) {
        ChannelSlot& cs = rec.slots.emplace_back();
        Channel& ch = channels.emplace_back();
        if (!Types::decode(value, ch) || !Types::decode(value, cs.pattern) || !detail::getU64(value, cs.seq) ||
            cs.seq > kMaxSeq)
            return corrupt();
    }
    if (!Types::decode(value, rec.continuation) || !value.empty())
        return corrupt();
    // Patterns that refer to their continuation (a join's body, stored once) get it back.
    if constexpr (requires(Pattern& pt, const Continuation& k) {
                      { Types::relink(pt, k) } -> std::same_as<bool>;
                  }) {
        for (ChannelSlot& cs : rec.slots)
            if (!Types::relink(cs.pattern, rec.continuation))
                return corrupt();
    }
    rec.persistent = (flags & 1) != 0;
    rec.peek = (flags & 2) != 0;
    rec.persisted = true;
    rec.id = id;
    return absl::OkStatus();
}

template <class Types, class Matcher>
template <class Holds>
typename Space<Types, Matcher>::Needs Space<Types, Matcher>::admit(const ChannelKey& key, const Channel* ch,
                                                                   Holds&& holds) {
    Shard& sh = shards_[shardOf(key)];
    if (storeEmpty_ || sh.absent.contains(key) || (ch != nullptr && isFresh(sh, key, *ch)))
        return {};
    // Read the closure: nothing in memory changes until every shard of it is held.
    struct StagedKey {
        ChannelKey key;
        std::vector<StoredChannel> channels;
        bool hasRecord = false;
    };
    struct StagedRecord {
        std::unique_ptr<ContRecord> rec;
        std::vector<Channel> channels;
    };
    std::vector<StagedKey> keys;
    std::vector<StagedRecord> records;
    absl::flat_hash_set<ChannelKey> seen{key};
    absl::flat_hash_set<uint64_t> ids;
    std::vector<ChannelKey> queue{key};
    absl::Status status;
    while (!queue.empty() && status.ok()) {
        StagedKey& staged = keys.emplace_back();
        staged.key = queue.back();
        queue.pop_back();
        const std::string keyBytes = staged.key.bytes();
        absl::StatusOr<bool> found = history_->read(History::Db::kData, keyBytes, [&](std::string_view value) {
            return decodeDataRecord(staged.key, value, staged.channels);
        });
        if (!found.ok()) {
            status = found.status();
            break;
        }
        staged.hasRecord = *found;
        status = history_->scan(History::Db::kWaits, keyBytes, [&](std::string_view waitKey, std::string_view) {
            uint64_t id = 0;
            if (waitKey.size() != ChannelKey::kSizeBytes + 8 ||
                !detail::parseContKey(waitKey.substr(ChannelKey::kSizeBytes), id))
                return absl::DataLossError("rspace history: malformed waits key");
            if (!ids.insert(id).second)
                return absl::OkStatus();
            StagedRecord& sr = records.emplace_back();
            sr.rec = std::make_unique<ContRecord>();
            absl::StatusOr<bool> contFound =
                history_->read(History::Db::kConts, detail::contKeyBytes(id), [&](std::string_view value) {
                    return decodeContRecord(id, value, *sr.rec, sr.channels);
                });
            RHO_RETURN_IF_ERROR(contFound.status());
            bool names = false;
            for (const Channel& c : sr.channels) {
                const ChannelKey ck = Types::key(c);
                names = names || ck == staged.key;
                if (seen.insert(ck).second)
                    queue.push_back(ck);
            }
            if (!*contFound || !names)
                return absl::DataLossError(absl::StrCat("rspace history: the waits index lists continuation ", id,
                                                        " under channel ", staged.key.hex(),
                                                        *contFound ? ", which it does not wait on" : ", which is missing"));
            return absl::OkStatus();
        });
    }
    if (!status.ok()) { // taken as empty; checkpoints refuse to write from now on
        recordLoadFailure(status);
        sh.absent.insert(key);
        return {};
    }
    // A name minted by this run found in the store (only when [ch] was unknown): stale.
    if (ch == nullptr && fresh_ != nullptr) {
        const Channel* any = !keys[0].channels.empty() ? &keys[0].channels[0].channel
                             : !records.empty()        ? &records[0].channels[0]
                                                       : nullptr;
        if (any == nullptr || isFresh(sh, key, *any))
            return {};
    }
    Needs needs;
    for (const StagedKey& k : keys)
        if (const uint32_t s = shardOf(k.key); !holds(s))
            needs.push_back(s);
    if (!needs.empty())
        return needs;

    // Every shard of the closure is held: make the entries.
    for (StagedKey& k : keys) {
        Shard& ks = shards_[shardOf(k.key)];
        if (k.hasRecord)
            ks.stored.insert(k.key);
        for (StoredChannel& sc : k.channels) {
            ChannelEntry& entry = *findOrCreate(k.key, sc.channel).node;
            for (DataEntry& d : sc.data) {
                ks.nextSeq = std::max(ks.nextSeq, d.seq() + 1);
                entry.data.emplaceIn(ks.singles, std::move(d));
            }
        }
        if (!ks.evicted.empty())
            ks.evicted.erase(k.key);
    }
    struct Pending {
        uint64_t seq;
        ContRecord* rec;
        uint32_t index;
    };
    std::vector<Pending> pending;
    for (StagedRecord& sr : records) {
        const uint32_t homeIndex = shardOf(Types::key(sr.channels[0]));
        Shard& home = shards_[homeIndex];
        sr.rec->home = static_cast<uint8_t>(homeIndex);
        ContRecord* rec = new (home.records.allocate()) ContRecord(std::move(*sr.rec));
        ++home.conts;
        for (uint32_t i = 0; i < rec->slots.size(); ++i) {
            const ChannelKey ck = Types::key(sr.channels[i]);
            rec->slots[i].entry = findOrCreate(ck, sr.channels[i]).node;
            shards_[shardOf(ck)].nextSeq = std::max(shards_[shardOf(ck)].nextSeq, rec->slots[i].seq + 1);
            pending.push_back({rec->slots[i].seq, rec, i});
        }
    }
    std::sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) { return a.seq < b.seq; });
    for (const Pending& p : pending)
        addWaiter(*p.rec->slots[p.index].entry, p.rec, p.index);
    bool any = false;
    for (const StagedKey& k : keys) {
        Shard& ks = shards_[shardOf(k.key)];
        auto it = ks.channels.find(k.key);
        if (it == ks.channels.end())
            continue;
        any = true;
        ++ks.loaded;
        for (ChannelEntry* e = &it->second; e != nullptr; e = chainNext(ks, e))
            e->warm = true;
        refreshContract({&ks, it, &it->second});
    }
    if (!any) // nothing stored under it: memory is the truth from now on
        sh.absent.insert(key);
    return {};
}

template <class Types, class Matcher>
typename Space<Types, Matcher>::Needs Space<Types, Matcher>::admitCreated(Slot& slot, const LockSet& locks,
                                                                          const ChannelKey& key, const Channel& ch) {
    slot.shard->channels.erase(slot.it); // not looked up yet: made again once it is
    Needs needs = admit(key, &ch, [&locks](uint32_t s) { return locks.holds(s); });
    if (needs.empty())
        slot = findOrCreate(key, ch);
    return needs;
}

template <class Types, class Matcher>
void Space<Types, Matcher>::admitLocking(const ChannelKey& key, const Channel& ch) {
    LockSet locks(shards_.get());
    locks.acquire(shardOf(key));
    for (;;) {
        if (find(key, ch).node != nullptr)
            return; // loaded by another operation meanwhile
        Needs needs = admit(key, &ch, [&locks](uint32_t s) { return locks.holds(s); });
        if (needs.empty())
            return;
        locks.reacquire(needs);
    }
}

template <class Types, class Matcher>
void Space<Types, Matcher>::admitAllLocked() {
    std::vector<ChannelKey> keys;
    auto collect = [&keys](std::string_view key, std::string_view) {
        if (std::optional<ChannelKey> ck = ChannelKey::fromBytes(key.substr(0, ChannelKey::kSizeBytes)))
            keys.push_back(*ck);
        return absl::OkStatus();
    };
    absl::Status st = history_->forEach(History::Db::kData, collect);
    if (st.ok())
        st = history_->forEach(History::Db::kWaits, collect);
    if (!st.ok()) {
        recordLoadFailure(st);
        return;
    }
    for (const ChannelKey& key : keys) {
        Shard& sh = shards_[shardOf(key)];
        if (sh.channels.find(key) == sh.channels.end())
            (void)admit(key, nullptr, [](uint32_t) { return true; });
    }
}

template <class Types, class Matcher>
size_t Space<Types, Matcher>::evictCold() {
    AllLocks all(shards_.get());
    if (!lazy_ || !loadFailure_.ok())
        return 0;
    size_t dropped = 0;
    std::vector<ChannelKey> cold;
    for (unsigned s = 0; s < kShards; ++s) {
        Shard& sh = shards_[s];
        cold.clear();
        for (auto& [key, e] : sh.channels) {
            if (e.dirty || e.chained || e.publications != 0)
                continue;
            if (e.warm) { // a second chance: dropped if still untouched at the next checkpoint
                e.warm = false;
                continue;
            }
            bool stored = true;
            for (size_t i = 0; i < e.waiting.size() && stored; ++i) {
                const ContRecord& rec = *e.waiting[i].rec;
                stored = rec.slots.size() == 1 && rec.persisted && rec.addedAt == 0 &&
                         Types::isDurable(rec.continuation);
            }
            if (stored)
                cold.push_back(key);
        }
        for (const ChannelKey& key : cold) {
            auto it = sh.channels.find(key);
            ChannelEntry& e = it->second;
            for (size_t i = 0; i < e.waiting.size(); ++i) {
                ContRecord* rec = e.waiting[i].rec;
                Shard& home = shards_[rec->home];
                --home.conts;
                rec->~ContRecord();
                home.records.deallocate(rec);
            }
            if (fresh_ != nullptr && fresh_(freshContext_, e.channel))
                sh.evicted.insert(key);
            sh.stored.erase(key);
            sh.channels.erase(it);
            ++sh.evictions;
            ++dropped;
        }
    }
    return dropped;
}

} // namespace rho::rspace
