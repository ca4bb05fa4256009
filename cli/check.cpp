// File: check.cpp
// `rhovm check`: the text format is Diagnostics::render, byte for byte what `rhovm run`
// prints; the JSON format goes through nlohmann-json.

#include "check.h"
#include "color.h"

#include <cstdint>
#include <cstdio>
#include <vector>

#include <nlohmann/json.hpp>

#include "rho/base/source_pos.h"
#include "rho/bytecode/rbc.h"
#include "rho/bytecode/op.h"
#include "rho/bytecode/symbol.h"
#include "rho/compiler/compiler.h"
#include "rho/primitives/registry.h"
#include "rho/primitives/system.h"

namespace rho::cli {

namespace {

using nlohmann::ordered_json;

// One element of "diagnostics". A position with line 0 (none known) prints as 0:0.
ordered_json jsonDiagnostic(std::string_view fileName, const Diagnostic& d) {
    SourcePos end = d.end.line != 0 ? d.end : d.pos;
    return ordered_json{{"file", fileName},        {"line", d.pos.line},  {"column", d.pos.col},
                        {"endLine", end.line},     {"endColumn", end.col}, {"severity", "error"},
                        {"message", d.shownMessage()}};
}

// Two-space indented; invalid UTF-8 (lexer messages quote raw input bytes) becomes U+FFFD.
std::string jsonDocument(std::string_view fileName, const std::vector<Diagnostic>& items) {
    ordered_json list = ordered_json::array();
    for (const Diagnostic& d : items)
        list.push_back(jsonDiagnostic(fileName, d));
    ordered_json doc{{"file", fileName}, {"diagnostics", std::move(list)}};
    return doc.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
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

Diagnostics diagnose(std::string_view fileName, std::string_view text) {
    Diagnostics all;
    if (isBytecode(text)) {
        // A bad .rbc has no source position.
        auto program = bytecode::decodeProgram(text);
        if (!program.ok())
            all.error(SourcePos{}, std::string(program.status().message()));
        return all;
    }
    compiler::CompileResult r = compiler::compileSource(text, fileName);
    all = r.diagnostics;
    if (r.diagnostics.empty() && r.program)
        checkUrns(*r.program->main, all);
    return all;
}

int check(std::string_view fileName, std::string_view text, CheckFormat format) {
    const Diagnostics all = diagnose(fileName, text);
    const std::vector<Diagnostic>& items = all.items();
    std::string rendered;
    if (isBytecode(text)) {
        // run prints `file: error: message` for a bad .rbc.
        for (const Diagnostic& d : items)
            rendered += std::string(fileName) + ": error: " + d.message + "\n";
    } else {
        rendered = all.render(fileName, text, diagnosticColor());
    }
    if (format == CheckFormat::kJson)
        write(stdout, jsonDocument(fileName, items));
    else
        write(stderr, rendered);
    return items.empty() ? 0 : 1;
}

} // namespace rho::cli
