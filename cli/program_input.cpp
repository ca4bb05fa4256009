// File: program_input.cpp
// Reading and compiling a command's programs (program_input.h).

#include "program_input.h"

#include <cstdio>
#include <unistd.h>

#include "check.h"
#include "color.h"
#include "rho/bytecode/rbc.h"
#include "rho/compiler/compiler.h"

namespace rho::cli {

// stdio, not ifstream: an ifstream opens a directory and reads it as empty, which
// would be a program.
bool readInput(const std::string& path, std::string& out) {
    if (path == "-" && isatty(STDIN_FILENO))
        std::fprintf(stderr, "rhovm: reading the program from the terminal; end it with Ctrl-D at the start of a line\n");
    std::FILE* in = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    if (in == nullptr)
        return false;
    char buf[1 << 16];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, in)) > 0)
        out.append(buf, n);
    bool ok = std::ferror(in) == 0;
    if (in != stdin)
        std::fclose(in);
    return ok;
}

std::optional<bytecode::Program> loadText(const std::string& text, const std::string& name, int& status) {
    if (isBytecode(text)) {
        auto program = bytecode::decodeProgram(text);
        if (!program.ok()) {
            std::fprintf(stderr, "%s: error: %s\n", name.c_str(), std::string(program.status().message()).c_str());
            status = 1;
            return std::nullopt;
        }
        return std::move(program).value();
    }
    compiler::CompileResult r = compiler::compileSource(text, name);
    if (!r.diagnostics.empty()) {
        std::string rendered = r.diagnostics.render(name, text, diagnosticColor());
        std::fwrite(rendered.data(), 1, rendered.size(), stderr);
        status = 1;
        return std::nullopt;
    }
    return std::move(*r.program);
}

std::optional<bytecode::Program> load(const std::string& path, int& status) {
    std::string text;
    if (!readInput(path, text)) {
        std::fprintf(stderr, "rhovm: cannot read %s\n", path.c_str());
        status = 2;
        return std::nullopt;
    }
    return loadText(text, path == "-" ? "<stdin>" : path, status);
}

} // namespace rho::cli
