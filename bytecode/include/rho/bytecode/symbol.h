// File: symbol.h
// Symbols: process-wide interned names (method names, system-process URNs) as small
// dense integers. A Code records the symbol of every method name and URN it uses
// (Code::symbols), computed once when the Code is compiled or decoded, so the machine
// finds a handler by indexing an array with the symbol: no string is compared, hashed
// or looked up while a program runs (principle 5: handlers are found through the
// registry, once).
//
//   uint32_t s = internSymbol("nth");   // the same number for "nth" in every Code
//   symbolName(s) == "nth";
//
// Thread-safety: both functions may be called from any thread (a mutex guards the
// table; interning happens at compile and load time, never on the hot path).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rho::bytecode {

// 0 is never a symbol: Code::symbols uses it for "no symbol here".
inline constexpr uint32_t kNoSymbol = 0;

// The symbol of [name], interning it on first use. Never kNoSymbol.
uint32_t internSymbol(std::string_view name);
// The name of [symbol]; "" for kNoSymbol or an unknown number.
std::string symbolName(uint32_t symbol);

struct Code;
// Fills code.symbols (one entry per constant): the symbol of each String constant
// named by a METHOD instruction and of each Uri constant named by NEW_URN, kNoSymbol
// elsewhere. Called by the compiler and the .rbc decoder on every Code they build;
// tolerates unvalidated code (out-of-range operands are skipped).
void internSymbols(Code& code);

} // namespace rho::bytecode
