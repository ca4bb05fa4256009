// File: color.h
// Whether diagnostics on stderr are in colour (`--color=auto|always|never`): set once
// by main after the command line is parsed, read by every command that renders one.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <unistd.h>

#include "rho/base/source_pos.h"

namespace rho::cli {

inline Color& diagnosticColor() {
    static Color color = Color::kNever;
    return color;
}

// auto: colour when stderr is a terminal that is not "dumb" and NO_COLOR is unset
// (https://no-color.org); always / never: as said.
inline Color chooseColor(std::string_view mode) {
    if (mode == "always")
        return Color::kAlways;
    if (mode == "never")
        return Color::kNever;
    const char* noColor = std::getenv("NO_COLOR");
    const char* term = std::getenv("TERM");
    const bool dumb = term == nullptr || std::string_view(term) == "dumb";
    return isatty(STDERR_FILENO) && (noColor == nullptr || *noColor == '\0') && !dumb ? Color::kAlways
                                                                                        : Color::kNever;
}

} // namespace rho::cli
