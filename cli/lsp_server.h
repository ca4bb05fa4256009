// File: lsp_server.h
// `rhovm lsp`: a Language Server Protocol server over stdio (JSON-RPC 2.0 with
// Content-Length framing), for editors:
//   diagnostics      on open and on every change, the same as `rhovm check`
//                    (textDocument/publishDiagnostics; full document sync)
//   definition       of a variable: where `new`, a contract's formals, a `for`'s or a
//                    match case's pattern or a `let` binds it
//   references       every use of that variable (and its binder when asked)
//   hover            the variable's sort (a name or a process) and what binds it
//   documentSymbol   the contracts
// Positions are lines and columns of the document as it was last parsed without a
// syntax error (while a syntax error stands, navigation uses that version). Columns
// count bytes: exact for ASCII text, which Rholang source nearly always is.
#pragma once

#include <cstdio>

namespace rho::cli {

// Serves requests from [in] and answers on [out] until `exit`; returns the exit status
// the protocol asks for (0 after `shutdown`, 1 otherwise).
int runLanguageServer(std::FILE* in, std::FILE* out);

} // namespace rho::cli
