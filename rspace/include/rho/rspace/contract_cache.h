// File: contract_cache.h
// The pieces of the space's lock-free path (space.h, "Contracts without locks"): the
// table of published contract channels each shard keeps, and the striped counters
// that path adds to.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "rho/rspace/channel_key.h"

namespace rho::rspace::detail {

// The published contract channels of one shard (space.h): an open-addressing table of
// Set snapshots (each with a ChannelKey `key`), keyed by that key, read without locks. Written under the shard lock only; it grows by publishing a
// larger copy (kept, like the snapshots, until the space goes), so a reader holds a
// table that stays valid. At most half full (tombstones included), so a probe
// always ends at an empty slot.
template <class Set>
class ContractCache {
  public:
    ContractCache() { table_.store(install(kInitialSlots), std::memory_order_relaxed); }
    const Set* find(const ChannelKey& key) const {
        const Table* t = table_.load(std::memory_order_acquire);
        for (size_t i = index(key) & t->mask;; i = (i + 1) & t->mask) {
            const Set* set = t->slots[i].load(std::memory_order_acquire);
            if (set == nullptr) {
                return nullptr;
            }
            if (set != tombstone() && set->key == key) {
                return set;
            }
        }
    }
    // Under the shard lock: [set] replaces the key's snapshot. Always room.
    bool publish(const Set* set) {
        Table* t = table_.load(std::memory_order_relaxed);
        size_t free = kNone;
        for (size_t i = index(set->key) & t->mask;; i = (i + 1) & t->mask) {
            const Set* old = t->slots[i].load(std::memory_order_relaxed);
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
            const Set* old = t->slots[i].load(std::memory_order_relaxed);
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
        explicit Table(size_t n) : mask(n - 1), slots(new std::atomic<const Set*>[n]) {
            for (size_t i = 0; i < n; ++i) {
                slots[i].store(nullptr, std::memory_order_relaxed);
            }
        }
        size_t mask;
        size_t used = 0; // slots not empty (tombstones too)
        std::unique_ptr<std::atomic<const Set*>[]> slots;
    };
    static const Set* tombstone() { return reinterpret_cast<const Set*>(uintptr_t{1}); }
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
            const Set* set = old.slots[i].load(std::memory_order_relaxed);
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
            const Set* set = old.slots[i].load(std::memory_order_relaxed);
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

} // namespace rho::rspace::detail
