// File: symbol.cpp
// The process-wide symbol table (see symbol.h).

#include "rho/bytecode/symbol.h"

#include <deque>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "rho/bytecode/code.h"

namespace rho::bytecode {

namespace {

struct SymbolTable {
    std::mutex mu;
    std::deque<std::string> names{""}; // index = symbol; 0 is kNoSymbol; deque: stable addresses
    absl::flat_hash_map<std::string_view, uint32_t> index;
};

SymbolTable& table() {
    static SymbolTable* t = new SymbolTable; // never destroyed: used by static registries
    return *t;
}

} // namespace

uint32_t internSymbol(std::string_view name) {
    SymbolTable& t = table();
    std::lock_guard lock(t.mu);
    auto it = t.index.find(name);
    if (it != t.index.end())
        return it->second;
    auto symbol = static_cast<uint32_t>(t.names.size());
    t.names.emplace_back(name);
    t.index.emplace(t.names.back(), symbol);
    return symbol;
}

std::string symbolName(uint32_t symbol) {
    SymbolTable& t = table();
    std::lock_guard lock(t.mu);
    return symbol < t.names.size() ? t.names[symbol] : std::string();
}

void internSymbols(Code& code) {
    code.symbols.assign(code.constants.size(), kNoSymbol);
    for (size_t pc = 0; pc < code.words.size(); ++pc) {
        Op op = decodeOp(code.words[pc]);
        uint32_t a = decodeA(code.words[pc]);
        bool aux = hasAux(opInfo(op).format) && pc + 1 < code.words.size();
        uint32_t k = kMaxOperand + 1;
        ValueKind want = ValueKind::kNil;
        if (op == Op::METHOD) {
            k = a;
            want = ValueKind::kString;
        } else if (op == Op::NEW_URN && aux) {
            k = code.words[pc + 1];
            want = ValueKind::kUri;
        }
        if (k < code.constants.size() && code.constants[k].kind() == want)
            code.symbols[k] = internSymbol(code.constants[k].asString());
        if (hasAux(opInfo(op).format))
            ++pc;
    }
}

} // namespace rho::bytecode
