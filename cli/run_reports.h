// File: run_reports.h
// What `rhovm run` prints about a run beside the program's own output, on stderr:
// the "why did nothing happen" report (--report-stuck).
#pragma once

#include "rho/machine/runtime.h"

#include <cstdio>

namespace rho::cli {

// Every send and receive left waiting, where it was made and why nothing takes it,
// then the contracts listening; each list at most [maxItems] places long.
void printStuckReport(const machine::StuckReport& report, std::FILE* out, size_t maxItems = 50);

} // namespace rho::cli
