// File: repl.h
// `rhovm repl` (and `rhovm` alone on a terminal): Rholang entries typed one after
// another, each compiled and run in the same tuplespace, so what one entry leaves
// (contracts, data, waiting receives) is there for the next. An entry runs when its
// brackets close (repl_entry.h). Dot commands:
//   .help  .load FILE  .space [TEXT]  .dis [PROGRAM]  .reset  .checkpoint  .quit
// With --data-dir the space is the durable one of `rhovm run --data-dir`: entries are
// written to it at .checkpoint and when the session ends (.quit, Ctrl-D); .reset goes
// back to the last checkpoint. Without it the space lives in memory and .reset empties it.
#pragma once

#include <optional>
#include <string>

#include "rho/machine/options.h"

namespace rho::cli {

struct ReplOptions {
    machine::RuntimeOptions runtime; // dataDir, threads, seed, ...
    std::string historyFile;         // "": no history kept
};

// The history file when none is given: $RHOVM_HISTORY, else ~/.rhovm_history ("" when
// there is no home directory).
[[nodiscard]] std::string defaultHistoryFile();

// Runs the session until .quit or the end of the input. Returns the exit status: 0, or
// 2 when the data directory cannot be opened, 4 when it is in use or a checkpoint fails.
[[nodiscard]] int runRepl(const ReplOptions& options);

} // namespace rho::cli
