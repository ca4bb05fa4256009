// File: inspect_command.h
// `rhovm inspect DIR`: what a durable tuplespace holds, read-only (beside a running
// writer too), as text that is one Rholang process or as JSON; filtered by channel or
// to the sends only; or the store's LMDB figures (--stat).
#pragma once

#include <string>

namespace rho::cli {

struct InspectArgs {
    std::string dir;
    std::string channel;      // only channels whose printed name contains this
    bool sendsOnly = false;   // --unmatched-sends-only
    bool json = false;        // --format json
    bool stat = false;        // --stat: the LMDB figures instead of the contents
};

// Prints to stdout; errors to stderr. Exit status: 0, or 2 when the store cannot be read.
int runInspect(const InspectArgs& args);

} // namespace rho::cli
