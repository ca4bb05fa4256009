// File: lsp_index.h
// What the language server (`rhovm lsp`) knows of a document: every variable binding
// with the place that binds it, its sort (a name or a process) and every use, and the
// contracts. Built from the parse tree by the scoping rules of the language
// (RHOLANG.md): `new` binds names over its body; the patterns of a `for`, of a
// contract's formals, of a `match` case and of a `let` bind their free variables
// over what follows (a variable directly in a name position binds a name, one inside
// a quote `@...` a process); `=x` and `*x` use a variable; the channel of a `for`'s
// bind is read in the scope around the `for`.
#pragma once

#include "rho/base/source_pos.h"
#include "rho/grammar/ast.h"

#include <string>
#include <utility>
#include <vector>

namespace rho::cli {

struct Span {
    SourcePos pos; // first character
    SourcePos end; // one past the last
    [[nodiscard]] bool contains(SourcePos p) const;
};

struct Binding {
    std::string name;
    Span binder;                 // where it is bound
    bool isName = true;          // its sort: a name, or a process
    std::string boundBy;         // "new", "a contract's formals", "a for's pattern", "a match case", "a let"
    std::vector<Span> uses;      // every occurrence that refers to it
    std::vector<Span> contracts; // contracts on this name (their channels): where a call goes
};

struct ContractSymbol {
    std::string name; // its channel as written (`loop`, `@"hello"`)
    Span whole;       // the contract
    Span channel;     // its channel
};

struct DocumentIndex {
    std::vector<Binding> bindings;
    std::vector<ContractSymbol> contracts;
    // Quoted channels of sends (`@"hello"!(...)`), by their text: a send to a contract
    // on a quoted name finds the contract through it.
    std::vector<std::pair<Span, std::string>> quotedSends;

    // The binding whose binder or one of whose uses contains [p]; null when none.
    [[nodiscard]] const Binding* at(SourcePos p) const;
};

DocumentIndex indexDocument(const grammar::Node* root);

} // namespace rho::cli
