// File: human_number.h
// A count or a rate for a person to read, as the live status line, `top` and `bench`
// print them: 1234 -> "1234", 12345 -> "12.3k", 4950000 -> "4.95M" ([unitGap] goes
// between the number and its unit: "12.3 k").
#pragma once

#include <cstdio>
#include <string>

namespace rho::cli {

inline std::string humanNumber(double v, const char* unitGap = "") {
    char buf[48];
    if (v < 1e4)
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else if (v < 1e6)
        std::snprintf(buf, sizeof buf, "%.1f%sk", v / 1e3, unitGap);
    else if (v < 1e9)
        std::snprintf(buf, sizeof buf, "%.2f%sM", v / 1e6, unitGap);
    else
        std::snprintf(buf, sizeof buf, "%.2f%sG", v / 1e9, unitGap);
    return buf;
}

} // namespace rho::cli
