// File: seeds_command.h
// `rhovm run --seeds A..B FILE`: a race finder. Runs the program once for every seed
// in the range, each in a fresh space with the seed's schedule and choices (RHOLANG.md
// 8: which of several matching data or continuations a COMM takes), and reports the
// distinct outputs with the seeds that gave each: a program whose result depends on a
// race shows it, and each outcome can be replayed with `run --seed S`.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "rho/bytecode/code.h"
#include "rho/machine/options.h"

namespace rho::cli {

// "A..B" (inclusive, A <= B, at most 100,000 seeds), or nullopt.
std::optional<std::pair<uint64_t, uint64_t>> parseSeedRange(std::string_view text);

// Exit status: 0, or 2 when a run cannot start.
int runSeeds(const bytecode::Program& program, const std::vector<bytecode::Program>& preloads,
             machine::RuntimeOptions options, uint64_t first, uint64_t last);

} // namespace rho::cli
