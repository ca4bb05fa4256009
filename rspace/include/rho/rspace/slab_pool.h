// File: slab_pool.h
// SlabPool<Bytes, Align>: storage for objects of one size, carved from 64 KiB slabs,
// and PoolAllocator, which serves one node type of a container from such a pool. The
// hot store keeps its channel entries and continuation records in them, one pool of
// each per shard (space.h):
//   - an object costs its own size: no malloc header and no rounding to the
//     allocator's size classes (a parked receive on a fresh channel saves 24 bytes);
//   - a slot that is freed is reused by the next allocation (a free list through the
//     freed slots), and the pool keeps its slabs until it is released;
//   - a space is torn down by walking its slabs in address order (forEachLive: a
//     bitmap per slab says which slots hold objects) and freeing them whole, instead
//     of visiting 10^6 scattered nodes in hash order and freeing them one by one.
// Not thread-safe: each pool belongs to one shard and is used under its lock.
// Under AddressSanitizer a free slot is poisoned, so a use after free is still caught.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define RHO_POOL_POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define RHO_POOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define RHO_POOL_POISON(p, n)   ((void)(p), (void)(n))
#define RHO_POOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace rho::rspace::detail {

template <size_t Bytes, size_t Align>
class SlabPool {
  public:
    static constexpr size_t kBytes = Bytes;
    static constexpr size_t kAlign = Align;
    static constexpr size_t kSlabBytes = size_t{64} * 1024;
    // A slot holds an object or, free, the next free slot.
    static constexpr size_t kStride = (std::max(kBytes, sizeof(void*)) + kAlign - 1) / kAlign * kAlign;

  private:
    struct Header {
        Header* next;    // the slab allocated before this one
        SlabPool* owner; // for deallocateAny
        uint32_t bumped; // slots handed out at least once (those past it were never used)
        uint32_t live;
    };
    static constexpr size_t headerBytes(size_t slots) {
        const size_t raw = sizeof(Header) + (slots + 63) / 64 * sizeof(uint64_t);
        const size_t align = std::max(kAlign, alignof(uint64_t));
        return (raw + align - 1) / align * align;
    }
    static constexpr size_t slotsPerSlab() {
        size_t slots = kSlabBytes / kStride;
        while (headerBytes(slots) + slots * kStride > kSlabBytes) {
            --slots;
        }
        return slots;
    }

  public:
    static constexpr size_t kSlots = slotsPerSlab();
    static constexpr size_t kHeaderBytes = headerBytes(kSlots);
    static_assert(kSlots >= 8, "objects too large for a slab");
    static_assert(kAlign <= kSlabBytes && std::has_single_bit(kAlign));

    SlabPool() = default;
    SlabPool(const SlabPool&) = delete;
    SlabPool& operator=(const SlabPool&) = delete;
    // Frees the slabs; objects still in them must have been destroyed (forEachLive) or
    // be trivially destructible.
    ~SlabPool() { release(); }

    // Room for one object (uninitialised). Throws std::bad_alloc like operator new.
    void* allocate() {
        void* p = free_;
        if (p != nullptr) {
            RHO_POOL_UNPOISON(p, kStride);
            free_ = *static_cast<void**>(p);
        } else {
            if (slabs_ == nullptr || slabs_->bumped == kSlots) {
                addSlab();
            }
            p = slotAt(slabs_, slabs_->bumped++);
            RHO_POOL_UNPOISON(p, kStride);
        }
        Header* slab = slabOf(p);
        const size_t i = indexOf(slab, p);
        bits(slab)[i / 64] |= uint64_t{1} << (i % 64);
        ++slab->live;
        ++live_;
        return p;
    }

    // Gives back [p] (from allocate(), its object already destroyed). Nothing while
    // the pool is being torn down (beginTeardown).
    void deallocate(void* p) noexcept {
        if (tearingDown_) {
            return;
        }
        Header* slab = slabOf(p);
        const size_t i = indexOf(slab, p);
        bits(slab)[i / 64] &= ~(uint64_t{1} << (i % 64));
        --slab->live;
        --live_;
        *static_cast<void**>(p) = free_;
        free_ = p;
        RHO_POOL_POISON(p, kStride);
    }

    // deallocate() on the pool [p] came from, found from [p]'s address (its slab's
    // header): for an owner that does not keep a pointer to the pool.
    static void deallocateAny(void* p) noexcept { slabOf(p)->owner->deallocate(p); }

    // Calls [f](void*) for every allocated slot, slab by slab in address order within
    // each slab. [f] may not allocate from or give back to this pool.
    template <class F>
    void forEachLive(F&& f) const {
        for (Header* slab = slabs_; slab != nullptr; slab = slab->next) {
            const uint64_t* words = bits(slab);
            for (size_t w = 0; w < (kSlots + 63) / 64; ++w) {
                for (uint64_t m = words[w]; m != 0; m &= m - 1) {
                    f(slotAt(slab, w * 64 + static_cast<size_t>(std::countr_zero(m))));
                }
            }
        }
    }

    // From now on deallocate() does nothing (the objects were destroyed by a walk of
    // forEachLive, and a container still listing them may give them back). Until release().
    void beginTeardown() { tearingDown_ = true; }
    [[nodiscard]] bool tearingDown() const { return tearingDown_; }

    // Frees every slab at once and forgets every object (destroyed beforehand, see
    // ~SlabPool); the pool is then empty and usable.
    void release() noexcept {
        for (auto [region, bytes] : regions_) {
            RHO_POOL_UNPOISON(region, bytes);
            std::free(region);
        }
        regions_.clear();
        slabs_ = nullptr;
        free_ = nullptr;
        spare_ = nullptr;
        spareSlabs_ = 0;
        live_ = 0;
        slabCount_ = 0;
        reservedSlabs_ = 0;
        tearingDown_ = false;
    }

    [[nodiscard]] size_t live() const { return live_; }
    // Slabs in use, and the address space taken (regions, slabs not yet used included).
    [[nodiscard]] size_t slabs() const { return slabCount_; }
    [[nodiscard]] size_t bytesReserved() const { return reservedSlabs_ * kSlabBytes; }

  private:
    static Header* slabOf(void* p) {
        return reinterpret_cast<Header*>(reinterpret_cast<uintptr_t>(p) & ~(uintptr_t{kSlabBytes} - 1));
    }
    static uint64_t* bits(Header* slab) { return reinterpret_cast<uint64_t*>(slab + 1); }
    static const uint64_t* bits(const Header* slab) { return reinterpret_cast<const uint64_t*>(slab + 1); }
    static void* slotAt(Header* slab, size_t i) {
        return reinterpret_cast<char*>(slab) + kHeaderBytes + i * kStride;
    }
    static size_t indexOf(Header* slab, void* p) {
        return (reinterpret_cast<uintptr_t>(p) - reinterpret_cast<uintptr_t>(slab) - kHeaderBytes) / kStride;
    }
    // Slabs come from regions of 1, 2, 4, ... 32 slabs (64 KiB to 2 MiB), aligned to a
    // slab: a large store makes a few dozen allocations, not one per slab (glibc
    // would map each aligned 64 KiB slab on its own, and unmap each at release), and
    // a region's slabs that are never used are never touched.
    static constexpr size_t kMaxRegionSlabs = 32;
    void addSlab() {
        if (spareSlabs_ == 0) {
            const size_t n = std::min(kMaxRegionSlabs, size_t{1} << std::min<size_t>(regions_.size(), 5));
            regions_.reserve(regions_.size() + 1);
            void* mem = std::aligned_alloc(kSlabBytes, n * kSlabBytes);
            if (mem == nullptr) {
                throw std::bad_alloc();
            }
            regions_.emplace_back(mem, n * kSlabBytes);
            spare_ = static_cast<char*>(mem);
            spareSlabs_ = n;
            reservedSlabs_ += n;
        }
        auto* slab = new (spare_) Header{slabs_, this, 0, 0};
        spare_ += kSlabBytes;
        --spareSlabs_;
        std::fill(bits(slab), bits(slab) + (kSlots + 63) / 64, uint64_t{0});
        RHO_POOL_POISON(slotAt(slab, 0), kSlots * kStride);
        slabs_ = slab;
        ++slabCount_;
    }

    std::vector<std::pair<void*, size_t>> regions_; // (start, bytes)
    char* spare_ = nullptr;                         // the next unused slab of the newest region
    size_t spareSlabs_ = 0;
    size_t reservedSlabs_ = 0;
    Header* slabs_ = nullptr; // newest first: allocate() bumps in the newest
    void* free_ = nullptr;    // the most recently freed slot
    size_t live_ = 0;
    size_t slabCount_ = 0;
    bool tearingDown_ = false;
};

// A standard allocator that serves single objects of type [Node] from [Pool] and
// everything else (a hash table's slot array) from operator new: the node allocator of
// a node-based container whose nodes live in a SlabPool. Objects are not destroyed
// while the pool is tearing down (SlabPool::beginTeardown: a walk destroyed them).
template <class T, class Node, class Pool>
class PoolAllocator {
  public:
    using value_type = T;
    template <class U>
    struct rebind {
        using other = PoolAllocator<U, Node, Pool>;
    };

    explicit PoolAllocator(Pool* pool) noexcept : pool_(pool) {}
    template <class U>
    PoolAllocator(const PoolAllocator<U, Node, Pool>& other) noexcept
        : pool_(other.pool()) {} // NOLINT: rebinding

    T* allocate(size_t n) {
        if constexpr (std::is_same_v<T, Node>) {
            if (n == 1) {
                return static_cast<T*>(pool_->allocate());
            }
        }
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T* p, size_t n) noexcept {
        if constexpr (std::is_same_v<T, Node>) {
            if (n == 1) {
                pool_->deallocate(p);
                return;
            }
        }
        std::allocator<T>().deallocate(p, n);
    }
    template <class U>
    void destroy(U* p) noexcept {
        if constexpr (std::is_same_v<U, Node>) {
            if (pool_->tearingDown()) {
                return;
            }
        }
        p->~U();
    }

    [[nodiscard]] Pool* pool() const noexcept { return pool_; }
    template <class U>
    bool operator==(const PoolAllocator<U, Node, Pool>& other) const noexcept {
        return pool_ == other.pool();
    }

  private:
    Pool* pool_;
};

} // namespace rho::rspace::detail
