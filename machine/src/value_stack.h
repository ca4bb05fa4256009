// File: value_stack.h (private)
// ValueStack: the storage of a machine's operand stack and frame. A growable array of
// Values like std::vector, with the operations the interpreter does at every step
// (push, pop, index, reset to n empty slots) inline and branch-light, growth out of
// line, and storage that is kept when the machine object goes back to its pool (so a
// warm machine never allocates). Only the subset of std::vector the machine uses.
#pragma once

#include <cstdint>
#include <cstring>
#include <new>
#include <utility>

#include "rho/base/assert.h"
#include "rho/bytecode/value.h"

namespace rho::machine {

class ValueStack {
  public:
    using Value = bytecode::Value;
    using iterator = Value*;
    using const_iterator = const Value*;

    ValueStack() = default;
    ValueStack(const ValueStack& other) { assign(other.begin(), other.end()); }
    ValueStack& operator=(const ValueStack& other) {
        if (this != &other)
            assign(other.begin(), other.end());
        return *this;
    }
    ValueStack(ValueStack&& other) noexcept { swap(other); }
    ValueStack& operator=(ValueStack&& other) noexcept {
        swap(other);
        return *this;
    }
    ~ValueStack() {
        clear();
        ::operator delete(data_);
    }

    [[nodiscard]] uint32_t size() const { return size_; }
    [[nodiscard]] bool empty() const { return size_ == 0; }
    Value* data() { return data_; }
    const Value* data() const { return data_; }
    Value* begin() { return data_; }
    Value* end() { return data_ + size_; }
    const Value* begin() const { return data_; }
    const Value* end() const { return data_ + size_; }
    Value& operator[](size_t i) {
        RHO_ASSERT(i < size_);
        return data_[i];
    }
    const Value& operator[](size_t i) const {
        RHO_ASSERT(i < size_);
        return data_[i];
    }
    Value& back() {
        RHO_ASSERT(size_ > 0);
        return data_[size_ - 1];
    }

    // Always inlined: the interpreter's every LOAD and constant is one (GCC otherwise
    // calls it out of line once Value's copy has a branch of its own).
    [[gnu::always_inline]] void push_back(const Value& v) {
        if (size_ == capacity_) [[unlikely]] {
            pushGrowing(Value(v)); // copied before the storage moves: [v] may be ours
            return;
        }
        new (data_ + size_) Value(v);
        ++size_;
    }
    [[gnu::always_inline]] void push_back(Value&& v) {
        if (size_ == capacity_) [[unlikely]] {
            pushGrowing(Value(std::move(v)));
            return;
        }
        new (data_ + size_) Value(std::move(v));
        ++size_;
    }
    void emplace_back() {
        if (size_ == capacity_) [[unlikely]]
            grow(size_ + 1);
        new (data_ + size_) Value();
        ++size_;
    }
    // Moves the top [n] values into [out] and off the stack, bitwise: a Value is
    // trivially relocatable (its heap part is a counted pointer to elsewhere), so no
    // moved-from value is written or destroyed. [out] is raw storage, or values that
    // hold nothing to release (inline ones), which are overwritten.
    [[gnu::always_inline]] void relocateTop(uint32_t n, void* out) {
        RHO_ASSERT(n <= size_);
        size_ -= n;
        std::memcpy(out, static_cast<const void*>(data_ + size_), n * sizeof(Value));
    }
    [[gnu::always_inline]] void pop_back() {
        RHO_ASSERT(size_ > 0);
        data_[--size_].~Value();
    }
    // Drops the top values down to [n] (n <= size()).
    [[gnu::always_inline]] void truncate(uint32_t n) {
        RHO_ASSERT(n <= size_);
        while (size_ > n)
            data_[--size_].~Value();
    }
    // To [n] values: new ones are Nil, extra ones are dropped.
    void resize(size_t n) {
        if (n <= size_) {
            truncate(static_cast<uint32_t>(n));
            return;
        }
        if (n > capacity_)
            grow(n);
        for (; size_ < n; ++size_)
            new (data_ + size_) Value();
    }
    void reserve(size_t n) {
        if (n > capacity_)
            grow(n);
    }
    void clear() { truncate(0); }
    template <class It>
    void assign(It first, It last) {
        clear();
        const auto n = static_cast<size_t>(last - first);
        if (n > capacity_)
            grow(n);
        for (; first != last; ++first)
            new (data_ + size_++) Value(*first);
    }
    void swap(ValueStack& other) noexcept {
        std::swap(data_, other.data_);
        std::swap(size_, other.size_);
        std::swap(capacity_, other.capacity_);
    }

  private:
    [[gnu::noinline]] void pushGrowing(Value made) {
        grow(size_ + 1);
        new (data_ + size_) Value(std::move(made));
        ++size_;
    }
    // Out of line: the hot path only tests the capacity.
    [[gnu::noinline]] void grow(size_t atLeast) {
        size_t cap = capacity_ ? 2 * size_t{capacity_} : 8;
        while (cap < atLeast)
            cap *= 2;
        RHO_CHECK(cap <= UINT32_MAX, "machine stack too large");
        auto* fresh = static_cast<Value*>(::operator new(cap * sizeof(Value)));
        // Values are relocatable (a heap reference moves by copying its pointer), so
        // the old storage is moved bytewise and released without running destructors.
        if (size_ != 0)
            std::memcpy(static_cast<void*>(fresh), static_cast<const void*>(data_), size_ * sizeof(Value));
        ::operator delete(data_);
        data_ = fresh;
        capacity_ = static_cast<uint32_t>(cap);
    }

    Value* data_ = nullptr;
    uint32_t size_ = 0;
    uint32_t capacity_ = 0;
};

} // namespace rho::machine
