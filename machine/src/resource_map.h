// File: resource_map.h (private)
// ResourceMap: principle 6's third map. For every live machine, by its private
// channel, what it has used so far: reductions, COMMs, primitive requests (and their
// private-channel COMMs) and heap bytes of the values it built. When a machine ends,
// its usage is added to its worker's totals and, when the run profiles, to the totals
// of the source position of the sequence it ran; `rhovm run --stats` prints the top
// consumers from there. Later cost accounting charges here.
//
// Thread-safety: a live entry is written only by the worker running its machine; each
// worker has its own totals; open() and the readers (totals, top) take a mutex and
// are called outside the hot path (readers: after the run).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "rho/base/source_pos.h"
#include "rho/bytecode/code.h"
#include "space_types.h"

namespace rho::machine {

// A live machine's entry (one per private-channel slot) is written at every step by
// the worker that runs it: each on its own cache line, so two workers' machines with
// neighbouring slots do not stall each other (perf of spawn on two threads: retiring
// a machine waited on its entry's line; 0.44 -> 0.35 s median).
struct alignas(64) Usage {
    uint64_t reductions = 0;
    uint64_t comms = 0;             // COMMs its sends and receives performed (public channels)
    uint64_t primitiveRequests = 0; // requests to the primitive processor
    uint64_t privateComms = 0;      // their COMMs on its private channel (two per request)
    uint64_t bytesAllocated = 0;    // heap bytes of the values it built (an estimate, see shallowBytes)

    void add(const Usage& u) {
        reductions += u.reductions;
        comms += u.comms;
        primitiveRequests += u.primitiveRequests;
        privateComms += u.privateComms;
        bytesAllocated += u.bytesAllocated;
    }
};

// The heap bytes a value holds at its top level (its own block, not shared parts
// below it): what building it cost.
uint64_t shallowBytes(const bytecode::Value& v);

class ResourceMap {
  public:
    // [workers]: worker threads of the run; [bySource]: also total usage by the source
    // position of each sequence (costs a hash lookup per machine end). [liveReads]:
    // top() may be called while the run goes on (`run --top`): each worker then takes
    // its own (uncontended) lock to add a machine's usage, and top() takes them in turn.
    ResourceMap(unsigned workers, bool bySource, bool liveReads = false);
    ResourceMap(const ResourceMap&) = delete;
    ResourceMap& operator=(const ResourceMap&) = delete;

    // The entry of the machine that holds [channel] (indexed by the channel's slot; the
    // address is stable). Any thread.
    Usage& entry(const PrivateChannel& channel);

    // The machine holding [channel] ended, having run [code] last: its usage goes to
    // worker [w]'s totals (and to [code]'s source position) and its entry is cleared
    // for the channel's next identity. [w] is a worker index or ~0u (outside workers).
    // A worker's totals are its own plus those of its sources: a machine's usage is
    // added once, to its source when profiling, else to the worker.
    [[gnu::always_inline]] void retire(unsigned w, Usage& usage, const bytecode::Code* code) {
        if (w < workers_.size() && !liveReads_) [[likely]] { // no lock
            addTo(*workers_[w], usage, code);
            return;
        }
        retireSlow(w, usage, code);
    }
    // Usage outside any machine (a system process's ack, sent from the processor).
    void addUnowned(const Usage& u);

    struct Totals {
        uint64_t machines = 0; // machines ended
        Usage usage;
    };
    [[nodiscard]] Totals totals() const;
    struct Consumer {
        std::string where; // file:line:col of the sequence
        uint64_t machines = 0;
        Usage usage;
    };
    // The [n] sources that spent the most reductions, or built the most bytes (empty
    // unless bySource), over the machines that have ended. After the run, or during it
    // with liveReads.
    enum class Rank : uint8_t { kReductions, kBytes };
    [[nodiscard]] std::vector<Consumer> top(size_t n, Rank by = Rank::kReductions) const;

  private:
    static constexpr uint32_t kChunkBits = 10;
    static constexpr uint32_t kChunkSize = 1u << kChunkBits;
    static constexpr uint32_t kMaxChunks = 1u << 16; // 64M live machines

    struct SourceKey {
        const std::string* file;
        uint32_t line, col;
        friend bool operator==(const SourceKey&, const SourceKey&) = default;
        template <typename H>
        friend H AbslHashValue(H h, const SourceKey& k) {
            return H::combine(std::move(h), k.file, k.line, k.col);
        }
    };
    struct SourceTotal {
        std::shared_ptr<const std::string> file; // keeps [SourceKey::file] alive
        uint64_t machines = 0;
        Usage usage;
    };
    // A machine's end finds its source's totals through a small direct-mapped cache
    // (indexed by the code's address, confirmed by the key): a program has few
    // sequences, and hashing the key at every machine end was 6% of fan-in's time
    // under --stats. The totals are nodes, so the cached pointers stay valid.
    static constexpr uint32_t kCacheSize = 64;
    struct CacheLine {
        const bytecode::Code* code = nullptr; // the index's source: a line is checked by its key
        SourceKey key{};
        SourceTotal* total = nullptr;
    };
    struct alignas(64) WorkerTotals {
        std::mutex mu; // with liveReads: held by its worker while it adds, by top() while it reads
        uint64_t machines = 0;
        Usage usage;
        absl::node_hash_map<SourceKey, SourceTotal> bySource;
        std::array<CacheLine, kCacheSize> cache{};
    };
    static SourceKey keyOf(const bytecode::Code& code) {
        return {code.sourceName.get(), code.positions.empty() ? 0 : code.positions[0].line,
                code.positions.empty() ? 0 : code.positions[0].col};
    }
    SourceTotal& sourceTotal(WorkerTotals& t, const bytecode::Code& code) {
        CacheLine& line = t.cache[(reinterpret_cast<uintptr_t>(&code) >> 6) % kCacheSize];
        if (line.code == &code && line.total != nullptr) [[likely]] {
            // A sequence decoded from the store may reuse a freed one's address.
            if (const SourceKey key = keyOf(code); line.key == key) [[likely]]
                return *line.total;
        }
        return sourceTotalSlow(line, t, code);
    }
    SourceTotal& sourceTotalSlow(CacheLine& line, WorkerTotals& t, const bytecode::Code& code);
    [[gnu::always_inline]] void addTo(WorkerTotals& t, Usage& usage, const bytecode::Code* code) {
        if (bySource_ && code != nullptr) {
            addToSource(t, usage, *code);
            return;
        }
        ++t.machines;
        t.usage.add(usage);
        usage = Usage{};
    }
    [[gnu::noinline]] void addToSource(WorkerTotals& t, Usage& usage, const bytecode::Code& code) {
        SourceTotal& s = sourceTotal(t, code);
        ++s.machines;
        s.usage.add(usage);
        usage = Usage{};
    }
    void retireSlow(unsigned w, Usage& usage, const bytecode::Code* code);

    const bool bySource_;
    const bool liveReads_;
    std::unique_ptr<std::atomic<Usage*>[]> chunks_;
    std::vector<std::unique_ptr<Usage[]>> owned_;
    // (Its own line: workers_ and chunks_ are read at every machine's start and end.)
    alignas(64) mutable std::mutex mu_; // owned_, unowned_, growing chunks_
    alignas(64) std::vector<std::unique_ptr<WorkerTotals>> workers_;
    WorkerTotals unowned_;
};

} // namespace rho::machine
