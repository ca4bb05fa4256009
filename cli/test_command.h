// File: test_command.h
// `rhovm test FILE...`: runs RhoSpec test files (the reference's format: a file looks
// up RhoSpec in the registry and runs a test suite) and prints a pass/fail summary.
#pragma once

#include <string>
#include <vector>

#include "rho/machine/options.h"

namespace rho::cli {

// The public key `rhovm test` deploys under (the one whose rho:id: URI the reference's
// test files look RhoSpec up at), hex.
inline constexpr const char* kRhoSpecDeployerKey =
    "0401f5d998c9be9b1a753771920c6e968def63fe95b20c71a163a7f7311b6131ac65a49f796b5947fa9d94b0542895e7b7ebe8b91eefcbc5c7604aaf281922ccac";

// Runs each file in a fresh space after the harness (deployed under
// kRhoSpecDeployerKey; the file then runs as [options].deploy's deployer); prints each
// assertion and a
// summary. Exit status: 0 when every suite completed and every assertion held, 1 when
// one failed or did not complete, 2 when a file cannot be read or compiled.
int runTests(const std::vector<std::string>& files, machine::RuntimeOptions options, bool verbose);

} // namespace rho::cli
