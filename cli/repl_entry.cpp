// File: repl_entry.cpp
// The REPL's bracket counter (repl_entry.h): a small scanner over Rholang's lexical
// structure (RHOLANG.md §2): strings "..." and URIs `...` with backslash escapes,
// // and /* */ comments.

#include "repl_entry.h"

namespace rho::cli {

bool entryIsComplete(std::string_view text) {
    long depth = 0;
    char lastSignificant = 0; // the last character outside comments that is not blank
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const char next = i + 1 < text.size() ? text[i + 1] : '\0';
        if (c == '/' && next == '/') { // to the end of the line
            while (i < text.size() && text[i] != '\n')
                ++i;
            continue;
        }
        if (c == '/' && next == '*') {
            size_t end = text.find("*/", i + 2);
            if (end == std::string_view::npos)
                return false; // the comment is still open
            i = end + 1;
            continue;
        }
        if (c == '"' || c == '`') {
            size_t j = i + 1;
            while (j < text.size() && text[j] != c && text[j] != '\n')
                j += text[j] == '\\' ? 2 : 1;
            if (j >= text.size())
                return false; // still typing it
            // A newline ends a string unterminated: the compiler reports it.
            i = j;
            lastSignificant = c;
            continue;
        }
        if (c == '{' || c == '(' || c == '[')
            ++depth;
        else if (c == '}' || c == ')' || c == ']')
            --depth;
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            lastSignificant = c;
    }
    return depth <= 0 && lastSignificant != '|';
}

} // namespace rho::cli
