// File: origin_sites.cpp
// OriginSites (origin_sites.h).
#include "origin_sites.h"

#include <atomic>

namespace rho::machine {

namespace {

std::atomic<uint64_t> g_generations{1};

// A thread's recent lookups: direct-mapped by the position. An entry names its
// table's generation, so a cache never answers for a table that is gone. Its file
// pointer is one the table keeps alive (every registered site holds its file).
struct CacheEntry {
    uint64_t generation = 0;
    const std::string* file = nullptr;
    uint32_t line = 0;
    uint32_t col = 0;
    uint16_t id = 0;
};
constexpr size_t kCacheSize = 256;
thread_local CacheEntry t_cache[kCacheSize];

size_t slotOf(const std::string* file, SourcePos pos) {
    uint64_t h = reinterpret_cast<uintptr_t>(file) ^ (uint64_t{pos.line} << 20) ^ pos.col;
    h *= 0x9e3779b97f4a7c15ull;
    return static_cast<size_t>(h >> 56) % kCacheSize;
}

} // namespace

OriginSites::OriginSites() : generation_(g_generations.fetch_add(1, std::memory_order_relaxed)) {
    sites_.push_back(Site{nullptr, SourcePos{}});
}

uint16_t OriginSites::siteOf(const bytecode::Code& code, uint32_t pc) {
    if (pc >= code.positions.size() || code.positions[pc].line == 0)
        return kUnknown;
    const SourcePos pos = code.positions[pc];
    const std::string* file = code.sourceName.get();
    CacheEntry& c = t_cache[slotOf(file, pos)];
    if (c.generation == generation_ && c.file == file && c.line == pos.line && c.col == pos.col)
        return c.id;
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = ids_.try_emplace(Key{file, pos.line, pos.col}, kOverflow);
    if (inserted && sites_.size() < kOverflow) {
        it->second = static_cast<uint16_t>(sites_.size());
        sites_.push_back(Site{code.sourceName, pos});
    }
    if (it->second != kOverflow) // only a registered site's file is kept alive for the cache
        c = CacheEntry{generation_, file, pos.line, pos.col, it->second};
    return it->second;
}

OriginSites::Site OriginSites::site(uint16_t id) const {
    std::lock_guard<std::mutex> lock(mu_);
    return id < sites_.size() ? sites_[id] : Site{nullptr, SourcePos{}};
}

std::string OriginSites::where(uint16_t id) const {
    if (id == kUnknown)
        return "(unknown)";
    if (id == kOverflow)
        return "(one of many sites)";
    const Site s = site(id);
    return (s.file ? *s.file : std::string("<program>")) + ":" + std::to_string(s.pos.line) + ":" +
           std::to_string(s.pos.col);
}

} // namespace rho::machine
