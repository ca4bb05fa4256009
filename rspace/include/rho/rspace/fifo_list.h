// File: fifo_list.h
// FifoList: the per-channel list of data or waiting continuations in the hot store,
// oldest first, with an amortised O(1) removal of the oldest element.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>
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

} // namespace rho::rspace::detail
