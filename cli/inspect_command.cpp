// File: inspect_command.cpp
// `rhovm inspect` (see inspect_command.h).

#include "inspect_command.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "rho/machine/runtime.h"

namespace rho::cli {

namespace {

using machine::Runtime;
using machine::StoreStats;
using nlohmann::ordered_json;

void printJson(const ordered_json& doc) {
    const std::string text = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::fwrite(text.data(), 1, text.size(), stdout);
}

// [doc] as dump(2) writes it when it sits [depth] levels deep: every line after the
// first indented by 2 * depth more spaces (JSON strings hold no raw newline).
void appendNested(const ordered_json& doc, size_t depth, std::string& out) {
    const std::string text = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    const std::string pad(2 * depth, ' ');
    for (char c : text) {
        out += c;
        if (c == '\n')
            out += pad;
    }
}

// The listing as JSON, the same text as one document's dump(2), written a channel at a
// time: a space of 10^6 channels is never one JSON tree in memory.
void printListingJson(const Runtime::SpaceListing& l) {
    std::string out = "{\n  \"channels\": [";
    auto flush = [&out] {
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
    };
    for (size_t i = 0; i < l.channels.size(); ++i) {
        const Runtime::SpaceListing::Channel& ch = l.channels[i];
        out += i == 0 ? "\n    " : ",\n    ";
        appendNested({{"channel", ch.name}, {"sends", ch.sends}, {"receives", ch.receives}}, 2, out);
        if (out.size() >= (size_t{1} << 20))
            flush();
    }
    out += l.channels.empty() ? "]" : "\n  ]";
    out += ",\n  \"inFlight\": ";
    appendNested(l.inFlight, 1, out);
    out += ",\n  \"summary\": ";
    appendNested({{"channels", l.channels.size()}, {"sends", l.sends}, {"receives", l.receives}}, 1, out);
    out += "\n}\n";
    flush();
}

ordered_json statsJson(const StoreStats& s) {
    ordered_json dbs = ordered_json::array();
    for (const StoreStats::Db& d : s.dbs)
        dbs.push_back({{"name", d.name},
                       {"entries", d.entries},
                       {"depth", d.depth},
                       {"branchPages", d.branchPages},
                       {"leafPages", d.leafPages},
                       {"overflowPages", d.overflowPages}});
    return {{"mapSize", s.mapSize},   {"pageSize", s.pageSize}, {"lastPage", s.lastPage},
            {"lastTxnId", s.lastTxnId}, {"maxReaders", s.maxReaders}, {"readers", s.readers},
            {"databases", dbs}};
}

void printStatsText(const std::string& dir, const StoreStats& s) {
    std::printf("%s: LMDB environment\n", dir.c_str());
    std::printf("  map size: %llu bytes\n  page size: %u bytes\n  last page: %llu (%llu bytes in use)\n"
                "  last transaction: %llu\n  readers: %u of %u\n",
                static_cast<unsigned long long>(s.mapSize), s.pageSize, static_cast<unsigned long long>(s.lastPage),
                static_cast<unsigned long long>((s.lastPage + 1) * s.pageSize),
                static_cast<unsigned long long>(s.lastTxnId), s.readers, s.maxReaders);
    std::printf("  %-6s %10s %6s %10s %10s %10s\n", "db", "entries", "depth", "branch", "leaf", "overflow");
    for (const StoreStats::Db& d : s.dbs)
        std::printf("  %-6s %10llu %6u %10llu %10llu %10llu\n", d.name.c_str(),
                    static_cast<unsigned long long>(d.entries), d.depth,
                    static_cast<unsigned long long>(d.branchPages), static_cast<unsigned long long>(d.leafPages),
                    static_cast<unsigned long long>(d.overflowPages));
}

} // namespace

int runInspect(const InspectArgs& args) {
    machine::RuntimeOptions o;
    o.dataDir = args.dir;
    o.readOnly = true;
    auto rt = Runtime::open(o);
    if (!rt.ok()) {
        std::fprintf(stderr, "rhovm: %s\n", std::string(rt.status().message()).c_str());
        return 2;
    }
    if (args.stat) {
        auto stats = (*rt)->storeStats();
        if (!stats.ok()) {
            std::fprintf(stderr, "rhovm: %s\n", std::string(stats.status().message()).c_str());
            return 2;
        }
        if (args.json)
            printJson(statsJson(*stats));
        else
            printStatsText(args.dir, *stats);
        return 0;
    }
    // JSON: names and values as the reference prints them (an unforgeable name's id
    // included); text: a program that recreates the space.
    const Runtime::ListingOptions lo{args.sendsOnly, args.channel, !args.json};
    if (args.json) {
        printListingJson((*rt)->listing(lo));
        return 0;
    }
    std::string text = (*rt)->inspect(lo);
    if (text.empty())
        text = args.sendsOnly ? "No unmatched sends.\n"
                              : (args.channel.empty() ? "The space is empty.\n" : "No channel matches.\n");
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
}

} // namespace rho::cli
