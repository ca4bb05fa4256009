// File: program_input.h
// Reading a program for a command: a file, stdin (-) or a text, as bytecode when it
// starts with the .rbc magic, else as source compiled here. Compile errors are printed
// to stderr, rendered with the source line and a caret (in colour when chosen).
#pragma once

#include <optional>
#include <string>

#include "rho/bytecode/code.h"

namespace rho::cli {

// Reads all of [path] (- for stdin) into [out]; false when it cannot be read (a
// missing file, a directory). On a terminal, - first says how to end the input.
[[nodiscard]] bool readInput(const std::string& path, std::string& out);

// The program in [text], called [name] in messages. nullopt after printing why;
// [status] is then the exit status (1: the program has errors).
[[nodiscard]] std::optional<bytecode::Program> loadText(const std::string& text, const std::string& name,
                                                        int& status);

// The program in the file [path] (- for stdin). nullopt after printing why; [status]
// is then the exit status (1: errors in the program, 2: unreadable).
[[nodiscard]] std::optional<bytecode::Program> load(const std::string& path, int& status);

} // namespace rho::cli
