// File: parse_context.h
// ParseContext: everything one parse() call shares between the Flex scanner and
// the Bison parser (both reentrant; there is no global state). It owns the
// scanner's position bookkeeping, the AstBuilder and the diagnostics.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ast_builder.h"
#include "rho/base/source_pos.h"
#include "rho/grammar/parser.h"

namespace rho::grammar::detail {

struct ParseContext {
    explicit ParseContext(Arena& arena) : builder(arena), arena_(arena) {}

    // Records an error at [loc]; lexer and parser errors go through here.
    void error(const Loc& loc, std::string message) {
        diagnostics.error(beginOf(loc), endOf(loc), std::move(message));
    }

    // Moves the scanner position over [text], a matched token, and writes the
    // token's span to [loc]. Columns count UTF-8 code points, not bytes.
    void advance(const char* text, size_t length, Loc& loc) {
        loc.first_line = line;
        loc.first_column = column;
        for (size_t i = 0; i < length; ++i) {
            unsigned char c = static_cast<unsigned char>(text[i]);
            if (c == '\n') {
                ++line;
                column = 1;
            } else if ((c & 0xC0) != 0x80) {
                ++column;
            }
        }
        loc.last_line = line;
        loc.last_column = column;
    }

    Node* token(NodeKind kind, std::string text, const Loc& loc) {
        Node* n = arena_.make(kind, beginOf(loc));
        n->end = endOf(loc);
        n->text = std::move(text);
        return n;
    }

    AstBuilder builder;
    Diagnostics diagnostics;
    Node* root = nullptr;

    // Scanner state.
    int line = 1;
    int column = 1;
    int bracketDepth = 0;  // open ( [ { not yet closed; bounded by kMaxNestingDepth
    bool tooDeep = false;  // nesting limit hit: the scanner reports end of input
    bool errorAtEof = false; // an unterminated string or comment already explains the end
    Loc literalStart;      // where the string or comment being scanned began
    std::string literal;   // the string literal being scanned, without quotes

  private:
    Arena& arena_;
};

// Thrown by the scanner's YY_FATAL_ERROR and caught in parse(); never escapes.
struct ScannerFatal {
    const char* message;
};

// The nesting diagnostic, shared by the scanner and the tree-depth check.
std::string nestingTooDeepMessage();

} // namespace rho::grammar::detail
