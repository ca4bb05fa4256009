// File: fifo_list.h
// FifoList: the per-channel list of data or waiting continuations in the hot store,
// oldest first, with an amortised O(1) removal of the oldest element.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <memory>
#include <new>
#include <vector>

#include "absl/container/inlined_vector.h"

namespace rho::rspace::detail {

// A vector whose oldest elements are removed by advancing a head index, so taking
// data oldest-first from a long queue is amortised O(1) instead of a shift per take.
// Removal elsewhere shifts (the caller already scanned to find the element).
// [N] elements live inline (a channel mostly has one waiter at a time); N == 0: none,
// the list is a plain vector (a datum is large, and most channels hold none).
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
    std::conditional_t<N == 0, std::vector<T>, absl::InlinedVector<T, N == 0 ? 1 : N>> items_;
    // 32 bits (a list is far shorter): an owner that declares the list
    // [[no_unique_address]] can keep 4 bytes of its own in the tail padding.
    uint32_t head_ = 0;
};

// BlockFifo: the data stored on a channel, oldest first. Short queues (the usual
// case) are one array; a queue that grows long moves into fixed blocks, so that
// appending never copies the whole queue (a million stored messages would otherwise
// be moved at every doubling, inside the channel's lock). Empty: no allocation, and
// 20 bytes in the channel's entry (one pointer, to the array or to the block state
// of a long queue, and three 32-bit counts; an owner that declares it
// [[no_unique_address]] can keep 4 bytes in its tail padding).
//
// [OnePool] (optional, a SlabPool of at least T's size): where an array of one element
// comes from (the usual case: a channel holding one message; emplaceIn names the
// pool, and the array finds its way back through SlabPool::deallocateAny), so a space
// full of one-message channels is freed in bulk with its pool. Larger arrays and
// blocks come from operator new.
template <class T, class OnePool = void>
class BlockFifo {
    static constexpr bool kPooled = !std::is_void_v<OnePool>;
    using PoolPtr = std::conditional_t<kPooled, OnePool*, std::nullptr_t>;
    using PoolType = std::conditional_t<kPooled, OnePool, char>; // no reference to void

  public:
    BlockFifo() = default;
    BlockFifo(const BlockFifo&) = delete;
    BlockFifo& operator=(const BlockFifo&) = delete;
    ~BlockFifo() {
        if (isBig())
            delete big_;
        else
            freeSmall();
    }

    [[nodiscard]] size_t size() const { return isBig() ? big_->count : size_ - head_; }
    [[nodiscard]] bool empty() const { return size() == 0; }
    T& operator[](size_t i) { return isBig() ? big_->at(i) : small_[head_ + i]; }
    const T& operator[](size_t i) const { return isBig() ? big_->at(i) : small_[head_ + i]; }

    template <class... Args>
        requires(!kPooled)
    void emplace(Args&&... args) {
        put(nullptr, std::forward<Args>(args)...);
    }
    // emplace, an array of one taken from [pool].
    template <class... Args>
        requires kPooled
    void emplaceIn(PoolType& pool, Args&&... args) {
        put(&pool, std::forward<Args>(args)...);
    }

  private:
    template <class... Args>
    void put(PoolPtr pool, Args&&... args) {
        if (!isBig()) {
            // Full: reuse the taken prefix when it is at least half the array (a shift
            // moves no more than it frees: O(1) a message), else grow, else go to
            // blocks. A queue held just under a full array moved all of it at every
            // append (a Rholang loop keeping 250 messages on a channel: 6,412 -> 5,382
            // instructions a message; BM_RSpaceSteadyBacklog/250).
            const bool shift = head_ != 0 && 2 * head_ >= cap_;
            if (size_ < cap_ || shift || cap_ < kSmallMax) {
                if (size_ == cap_) {
                    if (shift) {
                        shiftDown(head_);
                    } else {
                        grow(pool);
                    }
                }
                new (&small_[size_]) T(std::forward<Args>(args)...);
                ++size_;
                return;
            }
            toBlocks();
        }
        big_->emplace(std::forward<Args>(args)...);
    }

  public:

    // Removes element [i]; the oldest (i == 0) in O(1).
    void erase(size_t i) {
        if (isBig()) {
            big_->erase(i);
            if (big_->count == 0) { // back to an empty array
                delete big_;
                small_ = nullptr;
                cap_ = 0;
            }
            return;
        }
        if (i != 0) {
            T* at = small_ + head_ + i;
            std::move(at + 1, small_ + size_, at);
            small_[--size_].~T();
        } else if (++head_ == size_) {
            clearSmall();
        }
    }

  private:
    static constexpr size_t kSmallMax = 256;
    static constexpr size_t kBlock = 256;
    // Spent blocks at the front are dropped from the vector once there are this many
    // and they are at least half of it (amortised O(1) per block).
    static constexpr size_t kCompactBlocks = 16;
    static constexpr size_t kAhead = 4; // entries prefetched ahead of a long queue's ends

    // Blocks of raw storage: an element is constructed when it is appended and
    // destroyed when it is taken (a block is not value-initialised first: zeroing
    // 256 elements per block was most of a fan-in's append time). The last spent block
    // is kept for the next append, so a queue that is read as fast as it is written
    // reuses one block instead of freeing and allocating one per 256 elements.
    struct Blocks {
        struct Free {
            void operator()(T* p) const { ::operator delete(p, std::align_val_t{alignof(T)}); }
        };
        using Block = std::unique_ptr<T, Free>;
        static Block newBlock() {
            return Block(static_cast<T*>(::operator new(sizeof(T) * kBlock, std::align_val_t{alignof(T)})));
        }

        std::vector<Block> blocks; // from blockHead on, oldest first
        Block spare;
        size_t blockHead = 0;
        size_t first = 0; // index of the oldest element within blocks[blockHead]
        size_t count = 0;

        Blocks() = default;
        Blocks(const Blocks&) = delete;
        Blocks& operator=(const Blocks&) = delete;
        ~Blocks() {
            for (size_t i = 0; i < count; ++i)
                at(i).~T();
        }

        [[nodiscard]] size_t liveBlocks() const { return blocks.size() - blockHead; }
        T& at(size_t i) const {
            const size_t slot = first + i;
            return blocks[blockHead + slot / kBlock].get()[slot % kBlock];
        }
        template <class... Args>
        void emplace(Args&&... args) { // (constructed in place: no temporary to move and destroy)
            if (first + count == liveBlocks() * kBlock)
                blocks.push_back(spare ? std::move(spare) : newBlock());
            const size_t slot = first + count;
            T* p = blocks[blockHead + slot / kBlock].get() + slot % kBlock;
            // A long queue is mostly written by one worker and read by another: each
            // entry's line was last held by the reader. Ask for it a few entries ahead.
            if (slot % kBlock + kAhead < kBlock)
                __builtin_prefetch(p + kAhead, 1);
            new (p) T(std::forward<Args>(args)...);
            ++count;
        }
        void erase(size_t i) {
            if (i == 0) {
                at(0).~T();
                if (first + kAhead < kBlock && kAhead < count) // the writer's lines, a few ahead
                    __builtin_prefetch(&at(kAhead));
                if (++first == kBlock) { // the oldest block is spent
                    spare = std::move(blocks[blockHead++]);
                    first = 0;
                    if (blockHead >= kCompactBlocks && 2 * blockHead >= blocks.size()) {
                        blocks.erase(blocks.begin(), blocks.begin() + static_cast<std::ptrdiff_t>(blockHead));
                        blockHead = 0;
                    }
                }
            } else {
                for (size_t j = i; j + 1 < count; ++j) // shift the younger ones (rare)
                    at(j) = std::move(at(j + 1));
                at(count - 1).~T();
            }
            --count;
        }
    };

    void toBlocks() {
        auto* blocks = new Blocks();
        for (size_t i = head_; i < size_; ++i)
            blocks->emplace(std::move(small_[i]));
        freeSmall();
        big_ = blocks;
        cap_ = kBig;
    }

    // Destroys the elements [0, size_) (the taken prefix too: its storage was only
    // skipped) and keeps the array.
    void clearSmall() {
        std::destroy(small_, small_ + size_);
        size_ = 0;
        head_ = 0;
    }
    void freeSmall() {
        clearSmall();
        freeArray(small_, cap_);
        small_ = nullptr;
        cap_ = 0;
    }
    static void freeArray(T* array, uint32_t cap) {
        if constexpr (kPooled) {
            static_assert(OnePool::kStride >= sizeof(T) && OnePool::kAlign >= alignof(T));
            if (cap == 1) {
                OnePool::deallocateAny(array);
                return;
            }
        }
        ::operator delete(array, std::align_val_t{alignof(T)});
    }
    // Moves the live elements [n, size_) to the front.
    void shiftDown(uint32_t n) {
        std::move(small_ + n, small_ + size_, small_);
        std::destroy(small_ + (size_ - n), small_ + size_);
        size_ -= n;
        head_ = 0;
    }
    void grow([[maybe_unused]] PoolPtr pool) {
        if constexpr (kPooled) {
            if (cap_ == 0) {
                small_ = static_cast<T*>(pool->allocate());
                cap_ = 1;
                return;
            }
        }
        const uint32_t cap = cap_ == 0 ? 1 : 2 * cap_;
        T* fresh = static_cast<T*>(::operator new(sizeof(T) * cap, std::align_val_t{alignof(T)}));
        std::uninitialized_move(small_ + head_, small_ + size_, fresh); // (the taken prefix is dropped)
        std::destroy(small_, small_ + size_);
        if (small_ != nullptr) {
            freeArray(small_, cap_);
        }
        small_ = fresh;
        cap_ = cap;
        size_ -= head_;
        head_ = 0;
    }

    // Not a std::deque (libstdc++'s allocates ~600 bytes even when empty, and every
    // channel entry holds one of these), nor a std::vector (24 bytes, and a 32-bit
    // size and capacity do: a short queue holds at most kSmallMax).
    // One pointer: the array, or (cap_ == kBig) the blocks.
    static constexpr uint32_t kBig = UINT32_MAX;
    [[nodiscard]] bool isBig() const { return cap_ == kBig; }
    union {
        T* small_ = nullptr;
        Blocks* big_;
    };
    uint32_t size_ = 0;
    uint32_t cap_ = 0;  // of small_; kBig: the queue is in big_ (size_ and head_ are 0)
    uint32_t head_ = 0; // taken prefix of small_ (at most kSmallMax)
};

} // namespace rho::rspace::detail
