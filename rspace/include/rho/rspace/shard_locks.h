// File: shard_locks.h
// The space's locking discipline (space.h, "Locking"): the shard locks one operation
// holds, always taken in ascending shard order, and all of them for readers and
// writers of the whole space. [Shard] is any type with a lock `mu`.
#pragma once

#include <algorithm>
#include <cstdint>

#include "absl/container/inlined_vector.h"

namespace rho::rspace::detail {

// Shard locks held by one operation, always taken in ascending order.
template <class Shard>
class LockSet {
  public:
    using Needs = absl::InlinedVector<uint32_t, 4>; // shard indexes
    explicit LockSet(Shard* shards) : shards_(shards) {}
    ~LockSet() { release(); }
    LockSet(const LockSet&) = delete;
    LockSet& operator=(const LockSet&) = delete;

    // Locks [shard]. Holds none before.
    void acquire(uint32_t shard) {
        shards_[shard].mu.lock();
        held_.push_back(shard);
    }
    // Locks [shards] (any order, duplicates allowed). Holds none before.
    void acquire(Needs shards) {
        std::sort(shards.begin(), shards.end());
        shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
        for (uint32_t s : shards) {
            shards_[s].mu.lock();
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
        if (!shards_[s].mu.try_lock()) {
            return false;
        }
        held_.insert(std::upper_bound(held_.begin(), held_.end(), s), s);
        return true;
    }
    void release() {
        for (uint32_t s : held_) {
            shards_[s].mu.unlock();
        }
        held_.clear();
    }

  private:
    Shard* shards_;
    Needs held_; // sorted
};

// Every shard, locked in order, for readers and writers of the whole space.
template <class Shard, unsigned kShards>
class AllLocks {
  public:
    explicit AllLocks(Shard* shards) : shards_(shards) {
        for (unsigned i = 0; i < kShards; ++i) {
            shards_[i].mu.lock();
        }
    }
    ~AllLocks() {
        for (unsigned i = kShards; i-- > 0;) {
            shards_[i].mu.unlock();
        }
    }
    AllLocks(const AllLocks&) = delete;
    AllLocks& operator=(const AllLocks&) = delete;

  private:
    Shard* shards_;
};

} // namespace rho::rspace::detail
