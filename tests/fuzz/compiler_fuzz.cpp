// File: compiler_fuzz.cpp
// libFuzzer target for rho::compiler::compileSource (STYLE.md §8). Any byte string
// must compile or come back as diagnostics, never a crash, sanitizer report or
// stack overflow. A compiled program must survive the .rbc format:
// encodeProgram + decodeProgram succeed and disassemble the same as the original.
//
//   build/fuzz/tests/fuzz/compiler_fuzz -dict=tests/fuzz/rholang.dict corpus/
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rho/bytecode/disassembler.h"
#include "rho/bytecode/rbc.h"
#include "rho/compiler/compiler.h"

// The libFuzzer entry point (declared for -Wmissing-declarations).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "compiler_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view source(reinterpret_cast<const char*>(data), size);
    rho::compiler::CompileResult compiled = rho::compiler::compileSource(source, "fuzz.rho");
    if (!compiled.program) {
        if (compiled.diagnostics.empty())
            fail("no program and no diagnostic", source);
        return 0;
    }
    if (!compiled.diagnostics.empty())
        fail("a program together with diagnostics", source);
    if (compiled.program->main == nullptr)
        fail("a program without main code", source);

    std::string listing = rho::bytecode::disassemble(*compiled.program->main);
    std::string bytes = rho::bytecode::encodeProgram(*compiled.program);
    absl::StatusOr<rho::bytecode::Program> decoded = rho::bytecode::decodeProgram(bytes);
    if (!decoded.ok())
        fail("decodeProgram rejected encodeProgram's output", decoded.status().ToString());
    if (decoded->main == nullptr)
        fail("decodeProgram gave a program without main code", source);
    if (rho::bytecode::disassemble(*decoded->main) != listing)
        fail("the decoded program disassembles differently", source);
    return 0;
}
