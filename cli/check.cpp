// File: check.cpp
// `rhovm check`: the text format is Diagnostics::render, byte for byte what `rhovm run`
// prints; the JSON format is written by hand (one small escaper, no JSON library).

#include "check.h"
#include "color.h"

#include <cstdint>
#include <cstdio>
#include <vector>

#include "rho/base/source_pos.h"
#include "rho/bytecode/rbc.h"
#include "rho/bytecode/op.h"
#include "rho/bytecode/symbol.h"
#include "rho/compiler/compiler.h"
#include "rho/primitives/registry.h"
#include "rho/primitives/system.h"

namespace rho::cli {

namespace {

// Length of the well-formed UTF-8 sequence at the front of [s] (not empty), or 0 when
// it is not one: a stray continuation byte, a truncated or overlong sequence, a
// surrogate or a code point past U+10FFFF. Lexer messages quote raw input bytes, so a
// message can hold invalid UTF-8, and a JSON document must not.
size_t utf8Length(std::string_view s) {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
    unsigned char lead = byte(0);
    if (lead < 0x80)
        return 1;
    size_t n = 0;
    uint32_t cp = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        n = 2;
        cp = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        n = 3;
        cp = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        n = 4;
        cp = lead & 0x07u;
    } else {
        return 0;
    }
    if (s.size() < n)
        return 0;
    for (size_t i = 1; i < n; ++i) {
        if ((byte(i) & 0xC0u) != 0x80u)
            return 0;
        cp = (cp << 6) | (byte(i) & 0x3Fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

std::string quoted(std::string_view text) { return "\"" + jsonEscape(text) + "\""; }

// One element of "diagnostics". A position with line 0 (none known) prints as 0:0.
std::string jsonDiagnostic(std::string_view fileName, const Diagnostic& d) {
    SourcePos end = d.end.line != 0 ? d.end : d.pos;
    return "{\"file\": " + quoted(fileName) + ", \"line\": " + std::to_string(d.pos.line) +
           ", \"column\": " + std::to_string(d.pos.col) + ", \"endLine\": " + std::to_string(end.line) +
           ", \"endColumn\": " + std::to_string(end.col) + ", \"severity\": \"error\", \"message\": " +
           quoted(d.shownMessage()) + "}";
}

std::string jsonDocument(std::string_view fileName, const std::vector<Diagnostic>& items) {
    std::string out = "{\"file\": " + quoted(fileName) + ", \"diagnostics\": [";
    for (size_t i = 0; i < items.size(); ++i)
        out += (i == 0 ? "\n  " : ",\n  ") + jsonDiagnostic(fileName, items[i]);
    out += items.empty() ? "]}\n" : "\n]}\n";
    return out;
}

void write(std::FILE* stream, const std::string& text) { std::fwrite(text.data(), 1, text.size(), stream); }

// Every `new x(`urn`)` of [code] and its children whose URN names nothing the runtime
// binds (no system process of the standard registry, no deploy value), at its position:
// the error `run` would give when the `new` runs.
void checkUrns(const bytecode::Code& code, Diagnostics& out) {
    const primitives::Registry& registry = primitives::Registry::standard();
    const auto& w = code.words;
    for (size_t pc = 0; pc < w.size(); ++pc) {
        if ((w[pc] & 0xFFu) >= bytecode::kOpCount)
            return; // not validated: the loader reports it
        const bytecode::Op op = bytecode::decodeOp(w[pc]);
        const bool aux = bytecode::hasAux(bytecode::opInfo(op).format);
        if (op == bytecode::Op::NEW_URN && pc + 1 < w.size() && w[pc + 1] < code.constants.size()) {
            const std::string& urn = code.constants[w[pc + 1]].asString();
            const bool known = registry.systemProcessId(bytecode::internSymbol(urn)) != primitives::Registry::kNoHandler ||
                               urn == primitives::kDeployerIdUrn || urn == primitives::kDeployIdUrn;
            if (!known)
                out.error(pc < code.positions.size() ? code.positions[pc] : SourcePos{},
                          "No value set for `" + urn + "`: unknown system process URN");
        }
        if (aux)
            ++pc;
    }
    for (const auto& child : code.children)
        checkUrns(*child, out);
}

} // namespace

bool isBytecode(std::string_view bytes) { return bytes.starts_with("RHBC"); }

std::string jsonEscape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    for (size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
            ++i;
        } else if (c < 0x20 || c == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            out += buf;
            ++i;
        } else if (size_t n = utf8Length(text.substr(i)); n != 0) {
            out.append(text.substr(i, n));
            i += n;
        } else {
            out += "\\ufffd";
            ++i;
        }
    }
    return out;
}

int check(std::string_view fileName, std::string_view text, CheckFormat format) {
    std::vector<Diagnostic> items;
    std::string rendered;
    if (isBytecode(text)) {
        // A bad .rbc has no source position: run prints `file: error: message` for it.
        auto program = bytecode::decodeProgram(text);
        if (!program.ok()) {
            std::string message(program.status().message());
            items.push_back({{}, {}, message});
            rendered = std::string(fileName) + ": error: " + message + "\n";
        }
    } else {
        compiler::CompileResult r = compiler::compileSource(text, fileName);
        Diagnostics all = r.diagnostics;
        if (r.diagnostics.empty() && r.program)
            checkUrns(*r.program->main, all);
        items = all.items();
        rendered = all.render(fileName, text, diagnosticColor());
    }
    if (format == CheckFormat::kJson)
        write(stdout, jsonDocument(fileName, items));
    else
        write(stderr, rendered);
    return items.empty() ? 0 : 1;
}

} // namespace rho::cli
