// File: resource_map.cpp
// Per-machine usage and its totals (see resource_map.h).

#include "resource_map.h"

#include <algorithm>

namespace rho::machine {

using bytecode::ValueKind;

uint64_t shallowBytes(const bytecode::Value& v) {
    constexpr uint64_t kBlock = sizeof(bytecode::HeapValue);
    switch (v.kind()) {
    case ValueKind::kString:
    case ValueKind::kUri:
    case ValueKind::kBigInt:
    case ValueKind::kByteArray: return kBlock + v.asString().size();
    case ValueKind::kList:
    case ValueKind::kTuple:
    case ValueKind::kSet:
    case ValueKind::kMap:
    case ValueKind::kBundle: return kBlock + v.items().size() * sizeof(bytecode::Value);
    case ValueKind::kPar: return kBlock + v.parts().size() * sizeof(bytecode::Value);
    case ValueKind::kProc: return kBlock + v.closure().captures.size() * sizeof(bytecode::Value);
    default: return 0; // scalars live inline
    }
}

ResourceMap::ResourceMap(unsigned workers, bool bySource, bool liveReads)
    : bySource_(bySource), liveReads_(liveReads), chunks_(new std::atomic<Usage*>[kMaxChunks]) {
    for (uint32_t i = 0; i < kMaxChunks; ++i)
        chunks_[i].store(nullptr, std::memory_order_relaxed);
    for (unsigned i = 0; i < workers; ++i)
        workers_.push_back(std::make_unique<WorkerTotals>());
}

Usage& ResourceMap::entry(const PrivateChannel& channel) {
    const uint32_t slot = channel.slot();
    const uint32_t c = slot >> kChunkBits;
    RHO_CHECK(c < kMaxChunks, "resource map: too many live machines");
    Usage* chunk = chunks_[c].load(std::memory_order_acquire);
    if (chunk == nullptr) {
        std::lock_guard lock(mu_);
        chunk = chunks_[c].load(std::memory_order_relaxed);
        if (chunk == nullptr) {
            owned_.push_back(std::make_unique<Usage[]>(kChunkSize));
            chunk = owned_.back().get();
            chunks_[c].store(chunk, std::memory_order_release);
        }
    }
    return chunk[slot & (kChunkSize - 1)];
}

void ResourceMap::retireSlow(unsigned w, Usage& usage, const bytecode::Code* code) {
    std::unique_lock<std::mutex> lock;
    WorkerTotals* t = nullptr;
    if (w < workers_.size()) {
        t = workers_[w].get();
        if (liveReads_)
            lock = std::unique_lock(t->mu);
    } else {
        lock = std::unique_lock(mu_);
        t = &unowned_;
    }
    addTo(*t, usage, code);
}

ResourceMap::SourceTotal& ResourceMap::sourceTotalSlow(CacheLine& line, WorkerTotals& t, const bytecode::Code& code) {
    const SourceKey key = keyOf(code);
    SourceTotal& s = t.bySource[key];
    if (!s.file)
        s.file = code.sourceName;
    line = CacheLine{&code, key, &s};
    return s;
}

void ResourceMap::addUnowned(const Usage& u) {
    std::lock_guard lock(mu_);
    unowned_.usage.add(u);
}

ResourceMap::Totals ResourceMap::totals() const {
    std::lock_guard lock(mu_);
    Totals sum;
    auto fold = [&sum](const WorkerTotals& w) {
        sum.machines += w.machines;
        sum.usage.add(w.usage);
        for (const auto& [key, total] : w.bySource) {
            sum.machines += total.machines;
            sum.usage.add(total.usage);
        }
    };
    fold(unowned_);
    for (const auto& w : workers_) {
        std::unique_lock<std::mutex> worker;
        if (liveReads_)
            worker = std::unique_lock(w->mu);
        fold(*w);
    }
    return sum;
}

std::vector<ResourceMap::Consumer> ResourceMap::top(size_t n, Rank by) const {
    std::lock_guard lock(mu_);
    absl::flat_hash_map<SourceKey, SourceTotal> merged;
    auto fold = [&](const WorkerTotals& w) {
        for (const auto& [key, total] : w.bySource) {
            SourceTotal& s = merged[key];
            if (!s.file)
                s.file = total.file;
            s.machines += total.machines;
            s.usage.add(total.usage);
        }
    };
    fold(unowned_);
    for (const auto& w : workers_) {
        std::unique_lock<std::mutex> worker;
        if (liveReads_)
            worker = std::unique_lock(w->mu);
        fold(*w);
    }
    std::vector<Consumer> out;
    for (const auto& [key, total] : merged) {
        std::string where = (total.file ? *total.file : std::string("<program>")) + ":" + std::to_string(key.line) +
                            ":" + std::to_string(key.col);
        out.push_back(Consumer{std::move(where), total.machines, total.usage});
    }
    auto measure = [by](const Consumer& c) {
        return by == Rank::kBytes ? c.usage.bytesAllocated : c.usage.reductions;
    };
    std::sort(out.begin(), out.end(), [&measure](const Consumer& a, const Consumer& b) {
        return measure(a) != measure(b) ? measure(a) > measure(b) : a.where < b.where;
    });
    if (out.size() > n)
        out.resize(n);
    return out;
}

} // namespace rho::machine
