// File: fifo_list.h
// FifoList: the per-channel list of data or waiting continuations in the hot store,
// oldest first, with an amortised O(1) removal of the oldest element.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <memory>
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
    size_t head_ = 0;
};

// BlockFifo: the data stored on a channel, oldest first. Short queues (the usual
// case) are one vector; a queue that grows long moves into fixed blocks, so that
// appending never copies the whole queue (a million stored messages would otherwise
// be moved at every doubling, inside the channel's lock). Empty: no allocation, and
// 40 bytes in the channel's entry (the block state is allocated only for a long queue).
template <class T>
class BlockFifo {
  public:
    [[nodiscard]] size_t size() const { return big_ ? big_->count : small_.size() - head_; }
    [[nodiscard]] bool empty() const { return size() == 0; }
    T& operator[](size_t i) { return big_ ? big_->at(i) : small_[head_ + i]; }
    const T& operator[](size_t i) const { return big_ ? big_->at(i) : small_[head_ + i]; }

    template <class... Args>
    void emplace(Args&&... args) {
        if (!big_) {
            if (small_.size() - head_ < kSmallMax) {
                if (head_ != 0 && small_.size() == small_.capacity()) { // reuse the taken prefix
                    small_.erase(small_.begin(), small_.begin() + static_cast<std::ptrdiff_t>(head_));
                    head_ = 0;
                }
                small_.emplace_back(std::forward<Args>(args)...);
                return;
            }
            toBlocks();
        }
        big_->emplace(T(std::forward<Args>(args)...));
    }

    // Removes element [i]; the oldest (i == 0) in O(1).
    void erase(size_t i) {
        if (big_) {
            big_->erase(i);
            if (big_->count == 0)
                big_.reset();
            return;
        }
        if (i != 0) {
            small_.erase(small_.begin() + static_cast<std::ptrdiff_t>(head_ + i));
        } else if (++head_ == small_.size()) {
            small_.clear();
            head_ = 0;
        }
    }

  private:
    static constexpr size_t kSmallMax = 256;
    static constexpr size_t kBlock = 256;
    // Spent blocks at the front are dropped from the vector once there are this many
    // and they are at least half of it (amortised O(1) per block).
    static constexpr size_t kCompactBlocks = 16;

    struct Blocks {
        std::vector<std::unique_ptr<T[]>> blocks; // from blockHead on, oldest first
        size_t blockHead = 0;
        size_t first = 0; // index of the oldest element within blocks[blockHead]
        size_t count = 0;

        [[nodiscard]] size_t liveBlocks() const { return blocks.size() - blockHead; }
        T& at(size_t i) const {
            const size_t slot = first + i;
            return blocks[blockHead + slot / kBlock][slot % kBlock];
        }
        void emplace(T&& x) {
            if (first + count == liveBlocks() * kBlock)
                blocks.push_back(std::make_unique<T[]>(kBlock));
            at(count) = std::move(x);
            ++count;
        }
        void erase(size_t i) {
            if (i == 0) {
                at(0) = T();
                if (++first == kBlock) { // the oldest block is spent
                    blocks[blockHead++].reset();
                    first = 0;
                    if (blockHead >= kCompactBlocks && 2 * blockHead >= blocks.size()) {
                        blocks.erase(blocks.begin(), blocks.begin() + static_cast<std::ptrdiff_t>(blockHead));
                        blockHead = 0;
                    }
                }
            } else {
                for (size_t j = i; j + 1 < count; ++j) // shift the younger ones (rare)
                    at(j) = std::move(at(j + 1));
                at(count - 1) = T();
            }
            --count;
        }
    };

    void toBlocks() {
        big_ = std::make_unique<Blocks>();
        for (size_t i = head_; i < small_.size(); ++i)
            big_->emplace(std::move(small_[i]));
        small_.clear();
        small_.shrink_to_fit();
        head_ = 0;
    }

    // Not a std::deque: libstdc++'s allocates ~600 bytes even when empty, and every
    // channel entry holds one of these.
    std::vector<T> small_;
    uint32_t head_ = 0; // taken prefix of small_ (at most kSmallMax)
    std::unique_ptr<Blocks> big_;
};

} // namespace rho::rspace::detail
