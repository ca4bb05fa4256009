// File: space_persistence.h
// Space's persistence: attach() loads a History into the hot store, checkpoint()
// writes what changed since, in one LMDB write transaction; and the record codec both
// use. (Out-of-line members of the class template in space.h; rspace.h includes both.)
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
//   waits key: ChannelKey::bytes() of each channel of a continuation, then its id
//                (big-endian, as its conts key); value: empty
//   "space" (History::spaceState): u64 the next sequence number, u64 the next
//                continuation counter, both above every stored one
#pragma once

#include <concepts>

#include "absl/strings/escaping.h"

#include "rho/rspace/record_codec.h"
#include "rho/rspace/space.h"

namespace rho::rspace {

template <class Types, class Matcher>
absl::Status Space<Types, Matcher>::attach(History& history, Load load) {
    AllLocks all(shards_.get());
    if (history_ != nullptr) {
        return absl::FailedPreconditionError("rspace attach: a history is already attached");
    }
    for (unsigned s = 0; s < kShards; ++s) {
        if (!shards_[s].channels.empty() || shards_[s].conts != 0) {
            return absl::FailedPreconditionError("rspace attach: the space must be empty");
        }
    }
    // On touch: only the counters now. Without the index (a version 4 store), or
    // without counters (records written by another writer than a space), all of it.
    std::string_view state = history.spaceState();
    uint64_t nextSeq = 0;
    uint64_t nextCont = 0;
    const bool counters = detail::getU64(state, nextSeq) && detail::getU64(state, nextCont) && state.empty();
    if (counters && (nextSeq > kMaxSeq + 1 || nextCont > (~uint64_t{0} >> kShardBits)))
        return absl::DataLossError("rspace history: the space's counters are out of range");
    const bool empty = history.recordCount(History::Db::kData) == 0 && history.recordCount(History::Db::kConts) == 0;
    if (load == Load::kOnTouch && history.hasWaitsIndex() && (counters || empty)) {
        for (unsigned s = 0; s < kShards; ++s) {
            shards_[s].nextSeq = std::max<uint64_t>(1, nextSeq);
            shards_[s].nextContCounter = std::max<uint64_t>(1, nextCont);
        }
        history_ = &history;
        lazy_ = true;
        storeEmpty_ = empty;
        return absl::OkStatus();
    }
    absl::Status status = loadLocked(history);
    if (!status.ok()) {
        clearLocked();
        return status;
    }
    history_ = &history;
    if (!history.hasWaitsIndex() && !history.readOnly()) {
        // The first checkpoint writes the index of every loaded record (as if added;
        // still persisted, so one fired before then is deleted too).
        for (unsigned s = 0; s < kShards; ++s)
            shards_[s].records.forEachLive([this](void* p) {
                ContRecord* rec = static_cast<ContRecord*>(p);
                linkAdded(shards_[rec->home], rec);
            });
    }
    return absl::OkStatus();
}

namespace detail {

// [puts] in LMDB's key order within each table (bytes compared as unsigned, a shorter
// key before its extensions), tables in Db order. Compared by the keys' first 16 bytes
// as two big-endian integers: no memcmp call per comparison.
inline void sortByKey(std::vector<History::PutView>& puts) {
    struct Order {
        uint64_t k0, k1; // the key's bytes 0-7 and 8-15, big-endian (zero-padded)
        uint32_t index;
        uint8_t db;
    };
    auto word = [](std::string_view key, size_t at) {
        uint64_t w = 0;
        for (size_t i = 0; i < 8; ++i)
            w = (w << 8) | (at + i < key.size() ? static_cast<uint8_t>(key[at + i]) : 0u);
        return w;
    };
    std::vector<Order> order(puts.size());
    for (size_t i = 0; i < puts.size(); ++i)
        order[i] = {word(puts[i].key, 0), word(puts[i].key, 8), static_cast<uint32_t>(i),
                    static_cast<uint8_t>(puts[i].db)};
    std::sort(order.begin(), order.end(), [&puts](const Order& a, const Order& b) {
        if (a.db != b.db)
            return a.db < b.db;
        if (a.k0 != b.k0)
            return a.k0 < b.k0;
        if (a.k1 != b.k1)
            return a.k1 < b.k1;
        return puts[a.index].key < puts[b.index].key; // equal first 16 bytes (padding included)
    });
    std::vector<History::PutView> sorted;
    sorted.reserve(puts.size());
    for (const Order& o : order)
        sorted.push_back(puts[o.index]);
    puts.swap(sorted);
}

} // namespace detail

template <class Types, class Matcher>
absl::Status Space<Types, Matcher>::checkpoint() {
    AllLocks all(shards_.get());
    if (history_ == nullptr) {
        return absl::FailedPreconditionError("rspace checkpoint: no history attached");
    }
    if (!loadFailure_.ok()) { // memory took a channel it could not read as empty: writing it would lose the record
        return absl::Status(loadFailure_.code(),
                            absl::StrCat("rspace checkpoint refused (nothing written): a channel could not be read "
                                         "from the store: ", loadFailure_.message()));
    }
    // Every record is encoded into one buffer (no allocation per record); [spans] holds
    // each one's table and place in it, made into views once the buffer stops growing.
    struct Span {
        History::Db db;
        size_t key, keyLength, value, valueLength;
    };
    std::string buffer;
    std::vector<Span> spans;
    std::vector<History::Del> dels;
    // Each dirty channel's entries, looked up once: marked clean after the commit.
    struct Written {
        ChannelKey key;
        ChannelEntry* head; // null: the channel has no entry any more
        bool hasData;
    };
    std::vector<Written> written;
    // A failed checkpoint leaves every change pending: the heads marked below unmarked.
    auto unmark = [&written] {
        for (const Written& done : written)
            if (done.head != nullptr)
                done.head->encoding = false;
    };
    // Nothing is written, and every change stays pending.
    auto unstorable = [&unmark](const std::string& what) {
        unmark();
        return absl::OutOfRangeError(absl::StrCat(
            "rspace checkpoint: ", what,
            " holds a value nested deeper than a store can read back (450,000 levels); nothing was written"));
    };
    for (unsigned s = 0; s < kShards; ++s) {
        Shard& sh = shards_[s];
        // In the order the channels became dirty, which is near the order their entries
        // and data lie in the shard's pools (key order would make each lookup a cache
        // miss; the records are sorted by key below, as views). A key is listed more
        // than once when its entry was dropped and made anew, or when two entries of a
        // collision chain changed: a listed head is marked, and a key without an entry
        // only deletes (a second delete finds nothing).
        for (const ChannelKey& key : sh.dirty) {
            auto it = sh.channels.find(key);
            ChannelEntry* head = it == sh.channels.end() ? nullptr : &it->second;
            if (head != nullptr) {
                if (head->encoding)
                    continue;
                head->encoding = true;
            }
            const size_t keyAt = buffer.size();
            detail::putU64(buffer, key.lo); // ChannelKey::bytes()
            detail::putU64(buffer, key.hi);
            const size_t valueAt = buffer.size();
            const Encoded encoded = encodeChannelRecord(sh, head, buffer);
            written.push_back({key, head, encoded == Encoded::kRecord});
            switch (encoded) {
            case Encoded::kRecord:
                spans.push_back({History::Db::kData, keyAt, ChannelKey::kSizeBytes, valueAt, buffer.size() - valueAt});
                break;
            case Encoded::kNone:
                buffer.resize(keyAt);
                if (sh.stored.contains(key)) // a channel that held data nobody wrote needs no delete
                    dels.push_back(History::Del{History::Db::kData, key.bytes()});
                break;
            case Encoded::kUnstorable:
                return unstorable(absl::StrCat("a datum on channel ", key.hex()));
            }
        }
        // A continuation never changes while stored: it is added once and removed once,
        // with a "waits" record under each of its channels' keys.
        for (ContRecord* rec : sh.added) {
            const size_t keyAt = buffer.size();
            buffer += detail::contKeyBytes(rec->id);
            const size_t valueAt = buffer.size();
            if (!encodeContRecord(*rec, buffer))
                return unstorable(absl::StrCat("the continuation ", rec->id));
            spans.push_back({History::Db::kConts, keyAt, valueAt - keyAt, valueAt, buffer.size() - valueAt});
            for (const ChannelSlot& cs : rec->slots) {
                const size_t waitAt = buffer.size();
                const ChannelKey key = keyOf(cs);
                detail::putU64(buffer, key.lo); // ChannelKey::bytes()
                detail::putU64(buffer, key.hi);
                buffer += detail::contKeyBytes(rec->id);
                spans.push_back({History::Db::kWaits, waitAt, buffer.size() - waitAt, buffer.size(), 0});
            }
        }
        for (const typename Shard::Removed& gone : sh.removed) {
            dels.push_back(History::Del{History::Db::kConts, detail::contKeyBytes(gone.id)});
            for (const ChannelKey& key : gone.keys)
                dels.push_back(History::Del{History::Db::kWaits, key.bytes() + detail::contKeyBytes(gone.id)});
        }
    }
    std::vector<History::PutView> puts;
    puts.reserve(spans.size());
    const std::string_view records(buffer);
    for (const Span& sp : spans)
        puts.push_back({sp.db, records.substr(sp.key, sp.keyLength), records.substr(sp.value, sp.valueLength)});
    spans = {};
    // Key order makes the B-tree inserts sequential (fewer page touches; past a
    // table's end History::commit appends without searching).
    detail::sortByKey(puts);
    std::string state; // the counters a space loading on touch starts from
    {
        uint64_t nextSeq = 1;
        uint64_t nextCont = 1;
        for (unsigned s = 0; s < kShards; ++s) {
            nextSeq = std::max(nextSeq, shards_[s].nextSeq);
            nextCont = std::max(nextCont, shards_[s].nextContCounter);
        }
        detail::putU64(state, nextSeq);
        detail::putU64(state, nextCont);
    }
    if (absl::Status st = history_->commit(std::span<const History::PutView>(puts), dels, &state); !st.ok()) {
        unmark();
        return st;
    }
    for (unsigned s = 0; s < kShards; ++s)
        shards_[s].stored.reserve(shards_[s].stored.size() + shards_[s].dirty.size());
    for (const Written& done : written) {
        Shard& sh = shards_[shardOf(done.key)];
        for (ChannelEntry* e = done.head; e != nullptr; e = chainNext(sh, e)) {
            e->dirty = false;
            e->warm = true;
        }
        if (done.head != nullptr)
            done.head->encoding = false;
        if (done.hasData) {
            sh.stored.insert(done.key);
        } else {
            sh.stored.erase(done.key);
        }
    }
    for (unsigned s = 0; s < kShards; ++s) {
        Shard& sh = shards_[s];
        sh.dirty.clear();
        for (ContRecord* rec : sh.added) {
            rec->addedAt = 0;
            rec->persisted = true;
            for (ChannelSlot& cs : rec->slots)
                cs.entry->warm = true;
        }
        sh.added.clear();
        sh.removed.clear();
        sh.absent.clear(); // the store now says what memory does
    }
    storeEmpty_ = storeEmpty_ && puts.empty();
    return absl::OkStatus();
}

template <class Types, class Matcher>
typename Space<Types, Matcher>::Encoded Space<Types, Matcher>::encodeChannelRecord(const Shard& sh, const ChannelEntry* head,
                                                                                    std::string& out) const {
    if (head == nullptr) {
        return Encoded::kNone;
    }
    uint32_t count = 0;
    const size_t start = out.size();
    detail::putU32(out, 0); // patched below
    for (const ChannelEntry* e = head; e != nullptr; e = chainNext(sh, e)) {
        if (e->data.empty()) {
            continue;
        }
        ++count;
        if (!encodeItem(e->channel, out))
            return Encoded::kUnstorable;
        detail::putU32(out, checkedU32(e->data.size()));
        for (size_t i = 0; i < e->data.size(); ++i) {
            const DataEntry& d = e->data[i];
            detail::putU64(out, d.seq());
            detail::putU8(out, d.persistent() ? 1 : 0);
            if (!encodeItem(d.datum, out))
                return Encoded::kUnstorable;
        }
    }
    for (size_t i = 0; i < 4; ++i) // little-endian, as putU32
        out[start + i] = static_cast<char>((count >> (8 * i)) & 0xff);
    return count != 0 ? Encoded::kRecord : Encoded::kNone;
}

template <class Types, class Matcher>
bool Space<Types, Matcher>::encodeContRecord(const ContRecord& rec, std::string& out) {
    detail::putU8(out, static_cast<uint8_t>((rec.persistent ? 1 : 0) | (rec.peek ? 2 : 0)));
    detail::putU32(out, checkedU32(rec.slots.size()));
    for (const ChannelSlot& cs : rec.slots) {
        if (!encodeItem(cs.entry->channel, out) || !encodeItem(cs.pattern, out))
            return false;
        detail::putU64(out, cs.seq);
    }
    return encodeItem(rec.continuation, out);
}

template <class Types, class Matcher>
void Space<Types, Matcher>::clearLocked() {
    for (unsigned s = 0; s < kShards; ++s) {
        Shard& sh = shards_[s];
        // Every record homed here, waiting or not yet listed (a load that failed).
        sh.records.forEachLive([](void* p) { static_cast<ContRecord*>(p)->~ContRecord(); });
        sh.records.release();
        sh.channels.clear();
        sh.overflow.clear();
        sh.conts = 0;
        sh.nextSeq = 1;
        sh.nextContCounter = 1;
        sh.dirty.clear();
        sh.stored.clear();
        sh.absent.clear();
        sh.evicted.clear();
        sh.contracts.clear();
        sh.added.clear();
        sh.removed.clear();
    }
}

template <class Types, class Matcher>
absl::Status Space<Types, Matcher>::loadLocked(History& history) {
    // Each shard's tables sized once for its share of the records (the keys spread
    // evenly over the shards), not grown by doubling as they fill; capped, since the
    // count is only the digest's word.
    {
        const uint64_t records = std::min<uint64_t>(history.recordCount(History::Db::kData), uint64_t{1} << 32);
        const size_t perShard = static_cast<size_t>(records / kShards + records / (kShards * 8) + 1);
        if (records != 0) {
            for (unsigned s = 0; s < kShards; ++s) {
                shards_[s].channels.reserve(perShard);
                shards_[s].stored.reserve(perShard);
            }
        }
    }
    // The records come in key order, which spreads them over every shard in turn (a
    // shard is chosen by the top bits of the key's first word, the last of its
    // little-endian bytes): inserted so, each channel would be a cache miss in a table
    // of the whole store. They are gathered by shard first (views into the map, valid
    // until the read ends) and inserted shard by shard.
    struct Staged {
        ChannelKey key;
        std::string_view value;
    };
    std::vector<std::vector<Staged>> staged(kShards);
    auto stage = [this, &staged](std::string_view key, std::string_view value) -> absl::Status {
        std::optional<ChannelKey> ck = ChannelKey::fromBytes(key);
        if (!ck) {
            return absl::DataLossError("rspace history: malformed channel key");
        }
        staged[shardOf(*ck)].push_back({*ck, value});
        return absl::OkStatus();
    };
    auto insert = [this](const ChannelKey& key, std::string_view value) -> absl::Status {
        auto corrupt = [&key] {
            return absl::DataLossError(absl::StrCat("rspace history: corrupt data record ", key.hex()));
        };
        uint32_t count = 0;
        if (!detail::getU32(value, count) || count == 0) {
            return corrupt();
        }
        Shard& sh = shards_[shardOf(key)];
        sh.stored.insert(key);
        for (uint32_t c = 0; c < count; ++c) {
            Channel ch{};
            uint32_t n = 0;
            if (!Types::decode(value, ch) || !detail::getU32(value, n) || n == 0 || n > value.size()) {
                return corrupt();
            }
            if (!(Types::key(ch) == key)) {
                return absl::DataLossError(
                    absl::StrCat("rspace history: data record ", key.hex(), " holds a channel of another key"));
            }
            ChannelEntry& entry = *findOrCreate(key, ch).node;
            if (!entry.data.empty()) {
                return corrupt(); // the same channel twice
            }
            for (uint32_t i = 0; i < n; ++i) {
                uint64_t seq = 0;
                uint8_t persistent = 0;
                Datum d{};
                if (!detail::getU64(value, seq) || seq > kMaxSeq || !detail::getU8(value, persistent) ||
                    !Types::decode(value, d)) {
                    return corrupt();
                }
                entry.data.emplaceIn(sh.singles, std::move(d), seq, persistent != 0);
                sh.nextSeq = std::max(sh.nextSeq, seq + 1);
            }
        }
        return value.empty() ? absl::OkStatus() : corrupt();
    };
    RHO_RETURN_IF_ERROR(history.forEach(History::Db::kData, stage, [&staged, &insert]() -> absl::Status {
        for (std::vector<Staged>& shard : staged) {
            for (size_t i = 0; i < shard.size(); ++i) {
                if (i + 4 < shard.size()) // the records lie apart in the map: fetched ahead
                    __builtin_prefetch(shard[i + 4].value.data());
                if (absl::Status st = insert(shard[i].key, shard[i].value); !st.ok())
                    return st;
            }
            shard = {};
        }
        return absl::OkStatus();
    }));
    // Waiters are listed per channel in age order once all records are read. Until
    // then a record's channels are held here, and the records by their home shards'
    // pools (so clearLocked frees them all after a corrupt record): a record's slot
    // names its channel's entry, created when the waiter is added (an empty entry may
    // be taken over by another channel of its key).
    struct Pending {
        uint64_t seq;
        ContRecord* rec;
        uint32_t index;
        Channel channel;
    };
    std::vector<Pending> pending;
    // Each continuation's (channel key, id) pairs, to hold the "waits" index against.
    absl::flat_hash_set<std::pair<ChannelKey, uint64_t>> waits;
    const bool indexed = history.hasWaitsIndex();
    RHO_RETURN_IF_ERROR(history.forEach(
        History::Db::kConts, [&](std::string_view key, std::string_view value) -> absl::Status {
            uint64_t id = 0;
            if (!detail::parseContKey(key, id)) {
                return absl::DataLossError("rspace history: malformed continuation key");
            }
            auto rec = std::make_unique<ContRecord>(); // moved into its home's pool below
            std::vector<Channel> channels;
            if (absl::Status st = decodeContRecord(id, value, *rec, channels); !st.ok())
                return st;
            const size_t firstPending = pending.size();
            for (uint32_t i = 0; i < channels.size(); ++i) {
                if (indexed)
                    waits.insert({Types::key(channels[i]), id});
                pending.push_back(Pending{rec->slots[i].seq, nullptr, i, std::move(channels[i])});
            }
            rec->home = static_cast<uint8_t>(shardOf(Types::key(pending[firstPending].channel)));
            // New ids must not meet any loaded one, whatever shard wrote it: every
            // shard's counter starts above the largest loaded counter.
            for (unsigned sh = 0; sh < kShards; ++sh) {
                shards_[sh].nextContCounter = std::max(shards_[sh].nextContCounter, (id >> kShardBits) + 1);
            }
            Shard& home = shards_[rec->home];
            ++home.conts;
            ContRecord* pooled = new (home.records.allocate()) ContRecord(std::move(*rec));
            for (size_t k = firstPending; k < pending.size(); ++k) {
                pending[k].rec = pooled;
            }
            return absl::OkStatus();
        }));
    if (indexed) { // the index a space loading on touch reads by must name exactly these
        uint64_t listed = 0;
        RHO_RETURN_IF_ERROR(history.forEach(History::Db::kWaits, [&](std::string_view key, std::string_view) {
            std::optional<ChannelKey> ck = ChannelKey::fromBytes(key.substr(0, std::min(key.size(), ChannelKey::kSizeBytes)));
            uint64_t id = 0;
            if (!ck || key.size() != ChannelKey::kSizeBytes + 8 ||
                !detail::parseContKey(key.substr(ChannelKey::kSizeBytes), id) || !waits.contains({*ck, id}))
                return absl::DataLossError(absl::StrCat("rspace history: the waits index names no continuation at ",
                                                        absl::BytesToHexString(absl::string_view(key.data(), key.size()))));
            ++listed;
            return absl::OkStatus();
        }));
        if (listed != waits.size())
            return absl::DataLossError(absl::StrCat("rspace history: the waits index lists ", listed, " of the ",
                                                    waits.size(), " channels continuations wait on"));
    }
    std::sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) { return a.seq < b.seq; });
    // The keys whose channels got waiters: only they can be contract channels (a
    // channel holding data only is not), so only their heads are published below
    // (not every channel of the store, visited in hash order).
    std::vector<ChannelKey> waitedOn;
    for (Pending& p : pending) {
        const ChannelKey key = Types::key(p.channel);
        Shard& sh = shards_[shardOf(key)];
        sh.nextSeq = std::max(sh.nextSeq, p.seq + 1);
        ChannelEntry* entry = findOrCreate(key, p.channel).node;
        p.rec->slots[p.index].entry = entry;
        addWaiter(*entry, p.rec, p.index);
        waitedOn.push_back(key);
    }
    {
        std::string_view state = history.spaceState();
        uint64_t nextSeq = 0;
        uint64_t nextCont = 0;
        if (detail::getU64(state, nextSeq) && detail::getU64(state, nextCont))
            for (unsigned s = 0; s < kShards; ++s) {
                shards_[s].nextSeq = std::max(shards_[s].nextSeq, nextSeq);
                shards_[s].nextContCounter = std::max(shards_[s].nextContCounter, nextCont);
            }
    }
    std::sort(waitedOn.begin(), waitedOn.end());
    waitedOn.erase(std::unique(waitedOn.begin(), waitedOn.end()), waitedOn.end());
    for (const ChannelKey& key : waitedOn) {
        Shard& sh = shards_[shardOf(key)];
        auto it = sh.channels.find(key);
        if (it != sh.channels.end())
            refreshContract({&sh, it, &it->second});
    }
    return absl::OkStatus();
}

} // namespace rho::rspace
