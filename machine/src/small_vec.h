// File: small_vec.h (private)
// SmallVec<T, N>: a vector that keeps up to N elements inline, for the values that
// travel with every COMM (a message's arguments, a receive's captures, a match's
// bindings). Unlike absl::InlinedVector it relies on T being trivially relocatable (a
// Value moves by copying its bytes: its heap reference is a plain pointer), so a move
// copies bytes and leaves the source empty, and destroying a moved-from vector does
// nothing. absl's inline move leaves the source holding moved-from elements, and
// destroying those was ~5% of the instructions of a message in fan-in (callgrind).
// Only the subset of std::vector the machine uses.
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <new>
#include <type_traits>
#include <utility>

#include "rho/base/assert.h"

namespace rho::machine {

template <class T, uint32_t N>
class SmallVec {
    static_assert(N > 0);

  public:
    using value_type = T;
    using iterator = T*;
    using const_iterator = const T*;
    using size_type = size_t;

    SmallVec() noexcept {}
    template <class It, class = typename std::iterator_traits<It>::iterator_category>
    SmallVec(It first, It last) {
        append(first, last);
    }
    SmallVec(std::initializer_list<T> init) { append(init.begin(), init.end()); }
    explicit SmallVec(size_t n) { resize(n); }
    SmallVec(const SmallVec& other) { append(other.begin(), other.end()); }
    SmallVec(SmallVec&& other) noexcept { take(other); }
    SmallVec& operator=(const SmallVec& other) {
        if (this != &other)
            assign(other.begin(), other.end());
        return *this;
    }
    SmallVec& operator=(SmallVec&& other) noexcept {
        if (this != &other) {
            destroy();
            take(other);
        }
        return *this;
    }
    ~SmallVec() { destroy(); }

    [[nodiscard]] size_t size() const { return size_; }
    [[nodiscard]] bool empty() const { return size_ == 0; }
    [[nodiscard]] size_t capacity() const { return heap() ? capacity_ : N; }
    T* data() { return heap() ? store_.heap : inlineData(); }
    const T* data() const { return heap() ? store_.heap : inlineData(); }
    T* begin() { return data(); }
    T* end() { return data() + size_; }
    const T* begin() const { return data(); }
    const T* end() const { return data() + size_; }
    T& operator[](size_t i) {
        RHO_ASSERT(i < size_);
        return data()[i];
    }
    const T& operator[](size_t i) const {
        RHO_ASSERT(i < size_);
        return data()[i];
    }
    T& back() {
        RHO_ASSERT(size_ > 0);
        return data()[size_ - 1];
    }

    template <class... Args>
    T& emplace_back(Args&&... args) {
        if (size_ == capacity()) [[unlikely]]
            return emplaceGrowing(std::forward<Args>(args)...);
        T* slot = data() + size_;
        new (slot) T(std::forward<Args>(args)...);
        ++size_;
        return *slot;
    }
    void push_back(const T& v) { emplace_back(v); }
    void push_back(T&& v) { emplace_back(std::move(v)); }
    void pop_back() {
        RHO_ASSERT(size_ > 0);
        data()[--size_].~T();
    }
    void reserve(size_t n) {
        if (n > capacity())
            grow(n);
    }
    // To [n] elements: new ones default-constructed, extra ones destroyed.
    void resize(size_t n) {
        if (n > capacity())
            grow(n);
        T* d = data();
        for (; size_ > n; --size_)
            d[size_ - 1].~T();
        for (; size_ < n; ++size_)
            new (d + size_) T();
    }
    // Room for [n] more elements at the end, counted in size() but not constructed: the
    // caller constructs (or relocates) them there before anything reads them.
    T* appendUninitialized(size_t n) {
        reserve(size_ + n);
        T* at = data() + size_;
        size_ += static_cast<uint32_t>(n);
        return at;
    }
    void clear() {
        T* d = data();
        for (; size_ > 0; --size_)
            d[size_ - 1].~T();
    }
    template <class It>
    void assign(It first, It last) {
        clear();
        append(first, last);
    }

  private:
    static_assert(sizeof(T) >= sizeof(T*));

    [[nodiscard]] bool heap() const { return capacity_ != 0; }
    T* inlineData() { return std::launder(reinterpret_cast<T*>(store_.bytes)); }
    const T* inlineData() const { return std::launder(reinterpret_cast<const T*>(store_.bytes)); }

    template <class It>
    void append(It first, It last) {
        if constexpr (std::is_base_of_v<std::forward_iterator_tag, typename std::iterator_traits<It>::iterator_category>)
            reserve(size_ + static_cast<size_t>(std::distance(first, last)));
        for (; first != last; ++first)
            emplace_back(*first);
    }
    // Takes [other]'s elements (bytewise: T is relocatable); [other] is left empty.
    void take(SmallVec& other) noexcept {
        size_ = other.size_;
        capacity_ = other.capacity_;
        if (other.heap())
            store_.heap = other.store_.heap;
        else if (size_ != 0) // the whole inline block: a fixed size copies inline
            std::memcpy(static_cast<void*>(store_.bytes), static_cast<const void*>(other.store_.bytes),
                        sizeof(store_.bytes));
        other.size_ = 0;
        other.capacity_ = 0;
    }
    // An empty inline vector (a moved-from one) costs one test.
    void destroy() noexcept {
        if ((size_ | capacity_) != 0)
            destroyContents();
    }
    // Out of line (GCC 12 also misreads the inlined union access: -Warray-bounds).
    [[gnu::noinline]] void destroyContents() noexcept {
        clear();
        if (heap()) {
            ::operator delete(store_.heap);
            capacity_ = 0;
        }
    }
    // The element is made before the storage moves: [args] may refer to an element.
    template <class... Args>
    [[gnu::noinline]] T& emplaceGrowing(Args&&... args) {
        T made(std::forward<Args>(args)...);
        grow(size_ + 1);
        T* slot = data() + size_;
        new (slot) T(std::move(made));
        ++size_;
        return *slot;
    }
    [[gnu::noinline]] void grow(size_t atLeast) {
        size_t cap = 2 * capacity();
        while (cap < atLeast)
            cap *= 2;
        RHO_CHECK(cap <= UINT32_MAX, "small vector too large");
        auto* fresh = static_cast<T*>(::operator new(cap * sizeof(T)));
        if (size_ != 0)
            std::memcpy(static_cast<void*>(fresh), static_cast<const void*>(data()), size_ * sizeof(T));
        if (heap())
            ::operator delete(store_.heap);
        store_.heap = fresh;
        capacity_ = static_cast<uint32_t>(cap);
    }

    uint32_t size_ = 0;
    uint32_t capacity_ = 0; // 0: inline (capacity N); else the heap block's capacity
    union Store {
        Store() {}
        T* heap;
        alignas(T) unsigned char bytes[N * sizeof(T)];
    } store_;
};

} // namespace rho::machine
