// File: repl_entry.h
// When a REPL entry is complete: the lines typed so far are run once every bracket is
// closed and nothing is left open (a string, a URI, a block comment, a trailing `|`).
// Brackets inside strings, URIs and comments do not count. A closing bracket with no
// opening one makes the entry complete: the compiler reports the error.
#pragma once

#include <string_view>

namespace rho::cli {

[[nodiscard]] bool entryIsComplete(std::string_view text);

} // namespace rho::cli
