// File: front_door.h
// What the command line does before and around CLI11's parse: the version text, `rhovm`
// alone, `rhovm help [COMMAND]`, `rhovm version`, and the nearest command or option
// for a mistyped one.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace rho::cli {

// "rhovm 0.1.0 (bytecode version 3, store format 4)".
std::string versionText();

// Before CLI11's parse: `rhovm` alone (the usage, exit 2), `rhovm help [COMMAND]` (exit
// 0), `rhovm version`, and a first word that is no command (with the nearest command
// as a suggestion, exit 2). nullopt: let CLI11 parse.
std::optional<int> frontDoor(CLI::App& app, int argc, char** argv);

// After a failed parse: for each --word of the command line that is no option of the
// command given (or of every command), the nearest option's name, on stderr.
void suggestOption(CLI::App& app, int argc, char** argv);

} // namespace rho::cli
