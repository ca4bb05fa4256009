// File: compiler.h
// Compiles a parsed Rholang program to bytecode: scope resolution (names versus
// processes, captures, de Bruijn slots), pattern analysis and code generation that
// keeps the design's principles: each par branch is its own sequence (a multiset,
// canonically ordered so that P | Q and Q | P compile to identical code), and each
// quote is a QUOTE over the quoted process's own code.
//
//   CompileResult r = compileSource(text, "prog.rho");
//   if (!r.diagnostics.empty()) std::cerr << r.diagnostics.render("prog.rho", text);
//   else run(*r.program);
#pragma once

#include <optional>
#include <string_view>

#include "rho/base/source_pos.h"
#include "rho/bytecode/code.h"
#include "rho/grammar/ast.h"

namespace rho::compiler {

struct CompileResult {
    std::optional<bytecode::Program> program; // set when there is no diagnostic
    Diagnostics diagnostics;                  // every error, in source order
};

// Compiles the tree [root] (from grammar::parse). [sourceName] is recorded in the code
// for run-time error messages. Never throws; deep nesting gives a diagnostic.
CompileResult compile(const grammar::Node* root, std::string_view sourceName);

// Parses and compiles [source]; syntax errors come back as diagnostics.
CompileResult compileSource(std::string_view source, std::string_view sourceName);

} // namespace rho::compiler
