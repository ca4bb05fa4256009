// File: run_reports.cpp
// printStuckReport (run_reports.h).
#include "run_reports.h"

#include <string>

namespace rho::cli {

namespace {

std::string plural(uint64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

// A long send or receive (a big datum) cut to a line's worth.
std::string clipped(const std::string& text) {
    constexpr size_t kMax = 160;
    if (text.size() <= kMax)
        return text;
    return text.substr(0, kMax) + " ...";
}

void printItems(const char* title, const std::vector<machine::StuckReport::Item>& items, std::FILE* out,
                size_t maxItems) {
    if (items.empty())
        return;
    std::fprintf(out, "  %s:\n", title);
    size_t shown = 0;
    for (const machine::StuckReport::Item& item : items) {
        if (shown++ == maxItems) {
            std::fprintf(out, "    ... and %s more\n",
                         plural(items.size() - maxItems, "place", "places").c_str());
            break;
        }
        std::fprintf(out, "    %s: %s", item.where.c_str(), clipped(item.what).c_str());
        if (item.count > 1)
            std::fprintf(out, "  (x%llu)", static_cast<unsigned long long>(item.count));
        std::fprintf(out, "\n        %s\n", item.why.c_str());
    }
}

} // namespace

void printStuckReport(const machine::StuckReport& report, std::FILE* out, size_t maxItems) {
    const uint64_t stuck = report.sendCount + report.receiveCount;
    if (stuck == 0) {
        std::fprintf(out, "stuck: nothing; no send or receive is left waiting");
    } else {
        std::fprintf(out, "stuck: %s and %s left waiting", plural(report.sendCount, "send", "sends").c_str(),
                     plural(report.receiveCount, "receive", "receives").c_str());
    }
    if (report.contractCount != 0)
        std::fprintf(out, " (besides %s listening)",
                     plural(report.contractCount, "contract", "contracts").c_str());
    std::fprintf(out, "\n");
    printItems("sends", report.sends, out, maxItems);
    printItems("receives", report.receives, out, maxItems);
    printItems("contracts listening", report.contracts, out, maxItems);
    if (!report.inFlight.empty()) {
        std::fprintf(out, "  requests in flight:\n");
        for (const std::string& r : report.inFlight)
            std::fprintf(out, "    %s\n", r.c_str());
    }
}

} // namespace rho::cli
