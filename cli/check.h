// File: check.h
// `rhovm check`: parse and compile a program, run nothing, and report every error, as
// text (the rendering `rhovm run` prints) or as one JSON document for editors and CI.
// Reading the file, and the exit status for an unreadable one, stay in main.cpp.
#pragma once

#include <string>
#include <string_view>

#include "rho/base/source_pos.h"

namespace rho::cli {

enum class CheckFormat { kText, kJson };

// True when [bytes] start with the .rbc magic, so they are bytecode, not source.
[[nodiscard]] bool isBytecode(std::string_view bytes);

// Checks the program [text], called [fileName] in messages. Source is parsed and
// compiled; bytecode is decoded and validated. kText writes Diagnostics::render to
// stderr and nothing when clean; kJson writes one JSON document to stdout, always.
// Returns the exit status: 0 when clean, 1 when there are errors.
[[nodiscard]] int check(std::string_view fileName, std::string_view text, CheckFormat format);
// What check reports for [text]: every syntax and compile error, and URNs that name
// no system process (the language server's diagnostics are these).
[[nodiscard]] Diagnostics diagnose(std::string_view fileName, std::string_view text);

} // namespace rho::cli
