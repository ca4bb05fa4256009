// File: space_store.h
// The hot store's tables (space.h): a shard's channel entries (lookup, creation,
// removal of emptied entries), its continuation records (allocation, reuse, the
// list of records added since the last checkpoint), the contract snapshots its
// lock-free table publishes, and inspect(). Out-of-line members of the class
// template in space.h; rspace.h includes both.
#pragma once

#include "rho/rspace/space.h"

#include <numeric>

namespace rho::rspace {

template <class Types, class Matcher>
inline std::vector<ChannelView<Types>> Space<Types, Matcher>::inspect() const {
    AllLocks all(shards_.get());
    if (lazy_) // what the space holds does not change, only what of it is in memory
        const_cast<Space*>(this)->admitAllLocked();
    std::vector<std::pair<ChannelKey, const ChannelEntry*>> nodes;
    for (unsigned s = 0; s < kShards; ++s) {
        for (const auto& [key, head] : shards_[s].channels) {
            for (const ChannelEntry* e = &head; e != nullptr; e = chainNext(shards_[s], e)) {
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
        ChannelView<Types>& view = views.emplace_back(ChannelView<Types>{e->channel, {}, {}, {}});
        view.data.reserve(e->data.size());
        view.origins.reserve(e->data.size());
        std::vector<size_t> order(e->data.size()); // oldest first (see removeTaken)
        std::iota(order.begin(), order.end(), size_t{0});
        std::sort(order.begin(), order.end(),
                  [e](size_t a, size_t b) { return e->data[a].seq() < e->data[b].seq(); });
        for (const size_t i : order) {
            view.data.emplace_back(e->data[i].datum, e->data[i].persistent());
            view.origins.push_back(e->data[i].origin());
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

template <class Types, class Matcher>
inline typename Space<Types, Matcher>::Slot Space<Types, Matcher>::find(const ChannelKey& key, const Channel& ch) {
    Shard& sh = shards_[shardOf(key)];
    auto it = sh.channels.find(key);
    if (it == sh.channels.end()) {
        return {};
    }
    for (ChannelEntry* e = &it->second; e != nullptr; e = chainNext(sh, e)) {
        if (Types::sameChannel(e->channel, ch)) {
            return {&sh, it, e};
        }
    }
    return {};
}

template <class Types, class Matcher>
inline typename Space<Types, Matcher>::Slot Space<Types, Matcher>::findOrCreate(const ChannelKey& key, const Channel& ch) {
    Shard& sh = shards_[shardOf(key)];
    auto [it, inserted] = sh.channels.try_emplace(key, ch);
    ChannelEntry* head = &it->second;
    if (inserted) {
        return {&sh, it, head, true};
    }
    ChannelEntry* tail = head;
    for (ChannelEntry* e = head; e != nullptr; e = chainNext(sh, e)) {
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
    auto& link = sh.overflow[tail];
    link = std::make_unique<ChannelEntry>(ch);
    tail->chained = true;
    return {&sh, it, link.get()};
}

template <class Types, class Matcher>
inline void Space<Types, Matcher>::dropIfEmpty(Slot slot) {
    ChannelEntry* head = &slot.it->second;
    if (slot.node != head) {
        if (!slot.node->empty()) {
            return;
        }
        ChannelEntry* pred = head;
        while (chainNext(*slot.shard, pred) != slot.node) {
            pred = chainNext(*slot.shard, pred);
        }
        noteDropped(*slot.shard, slot.it->first, slot.node->channel);
        unlinkAfter(*slot.shard, pred); // frees slot.node
    }
    if (head->empty() && !head->chained) {
        noteDropped(*slot.shard, slot.it->first, head->channel);
        slot.shard->channels.erase(slot.it);
    }
}

template <class Types, class Matcher>
inline void Space<Types, Matcher>::unlinkAfter(Shard& sh, ChannelEntry* pred) {
    auto link = sh.overflow.find(pred);
    std::unique_ptr<ChannelEntry> gone = std::move(link->second);
    if (gone->chained) { // pred leads to what followed it
        auto after = sh.overflow.find(gone.get());
        link->second = std::move(after->second);
        sh.overflow.erase(after);
    } else {
        sh.overflow.erase(link);
        pred->chained = false;
    }
}

template <class Types, class Matcher>
inline void Space<Types, Matcher>::dropEmpty(const ChannelKey& key) {
    Shard& sh = shards_[shardOf(key)];
    auto it = sh.channels.find(key);
    if (it == sh.channels.end()) {
        return;
    }
    ChannelEntry* head = &it->second;
    for (ChannelEntry* pred = head; pred->chained;) {
        ChannelEntry* e = chainNext(sh, pred);
        if (e->empty()) {
            noteDropped(sh, key, e->channel);
            unlinkAfter(sh, pred);
        } else {
            pred = e;
        }
    }
    if (head->empty() && !head->chained) {
        noteDropped(sh, key, head->channel);
        sh.channels.erase(it);
    }
}

template <class Types, class Matcher>
inline void Space<Types, Matcher>::dropEmptyEntries(std::span<Pick> picks, std::span<const ChannelKey> keys) {
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

template <class Types, class Matcher>
inline void Space<Types, Matcher>::refreshContract(Slot slot) {
    ChannelEntry& e = *slot.node;
    const bool eligible = e.data.empty() && !e.waiting.empty() && e.oneShot == 0 && !e.chained &&
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

template <class Types, class Matcher>
inline void Space<Types, Matcher>::withdrawContract(Slot slot) {
    if (slot.node->published) {
        slot.shard->contracts.remove(slot.it->first);
        slot.node->published = false;
    }
}

template <class Types, class Matcher>
inline typename Space<Types, Matcher>::ContRecord* Space<Types, Matcher>::newRecord(Shard& home) {
    ++home.conts;
    return new (home.records.allocate()) ContRecord;
}

template <class Types, class Matcher>
inline void Space<Types, Matcher>::releaseRecord(ContRecord* rec, std::span<const ChannelKey> keys) {
    Shard& home = shards_[rec->home];
    if (rec->addedAt != 0) {
        unlinkAdded(home, rec);
    }
    if (rec->persisted) { // (also listed as added when a version 4 store's index is written)
        home.removed.push_back({rec->id, KeyList(keys.begin(), keys.end())});
    }
    --home.conts;
    rec->~ContRecord();
    home.records.deallocate(rec);
}

template <class Types, class Matcher>
inline void Space<Types, Matcher>::linkAdded(Shard& home, ContRecord* rec) {
    home.added.push_back(rec);
    rec->addedAt = static_cast<uint32_t>(home.added.size());
}

template <class Types, class Matcher>
inline void Space<Types, Matcher>::unlinkAdded(Shard& home, ContRecord* rec) {
    // The last record takes its place.
    ContRecord* last = home.added.back();
    home.added[rec->addedAt - 1] = last;
    last->addedAt = rec->addedAt;
    home.added.pop_back();
    rec->addedAt = 0;
}

} // namespace rho::rspace
