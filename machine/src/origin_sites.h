// File: origin_sites.h (private)
// OriginSites: where the sends and receives waiting in the space were made, for
// `rhovm run --report-stuck` (RuntimeOptions::trackOrigins). A send or receive
// instruction's source position (file, line, column) gets a small number, its site;
// a stored datum carries its site in the space (16 bits beside its sequence number,
// Space::produce's origin) and a parked receive in its continuation (Continuation::
// handler, unused by a receive otherwise). Site 0 is "unknown": a datum loaded from
// a data directory, or made by the runtime itself (a re-issued persistent send).
//
// Off by default: the kernel then asks nothing and stores 0. On, each send and
// receive looks its position up here: a thread-local cache of recent (sequence,
// instruction) pairs in front of a table under a mutex, so the mutex is taken once
// per new site per thread. At most 65,535 sites; later ones share the last site
// ("more sites than listed").
#pragma once

#include "absl/container/flat_hash_map.h"
#include "rho/base/source_pos.h"
#include "rho/bytecode/code.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rho::machine {

class OriginSites {
  public:
    static constexpr uint16_t kUnknown = 0;
    static constexpr uint16_t kOverflow = 0xffff;

    OriginSites();
    OriginSites(const OriginSites&) = delete;
    OriginSites& operator=(const OriginSites&) = delete;

    // The site of instruction [pc] of [code] (kUnknown when it has no position). Any thread.
    uint16_t siteOf(const bytecode::Code& code, uint32_t pc);

    struct Site {
        std::shared_ptr<const std::string> file; // null: no file name (stdin, -e)
        SourcePos pos;
    };
    // What [site] stands for (pos.line 0 for kUnknown). Any thread.
    [[nodiscard]] Site site(uint16_t id) const;
    // "file:line:col" of [site]; "(unknown)" for kUnknown, "(one of many sites)" for kOverflow.
    [[nodiscard]] std::string where(uint16_t id) const;

  private:
    struct Key {
        const std::string* file;
        uint32_t line;
        uint32_t col;
        friend bool operator==(const Key&, const Key&) = default;
        template <class H>
        friend H AbslHashValue(H h, const Key& k) {
            return H::combine(std::move(h), k.file, k.line, k.col);
        }
    };
    mutable std::mutex mu_;
    absl::flat_hash_map<Key, uint16_t> ids_;
    std::vector<Site> sites_;   // by id; [0] unknown
    const uint64_t generation_; // tells one table's thread caches from another's
};

} // namespace rho::machine
