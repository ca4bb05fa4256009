// File: rbc_loader_fuzz.cpp
// libFuzzer target for rho::bytecode::decodeProgram, the .rbc loader (STYLE.md §8).
// A truncated, corrupted or foreign file must be a Status, never a crash, sanitizer
// report or stack overflow. What the loader accepts has passed the validator, so
// the disassembler must list it, and encoding it again must give bytes that decode
// to the same listing. Each input is tried as read and with its checksum made right
// (sealProgramBytes), so that mutations reach the decoder behind the checksum.
//
//   build/fuzz/tests/fuzz/rbc_loader_fuzz corpus/
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rho/bytecode/disassembler.h"
#include "rho/bytecode/rbc.h"

// The libFuzzer entry point (declared for -Wmissing-declarations).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "rbc_loader_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
}

} // namespace

namespace {

void decodeOne(std::string_view bytes) {
    absl::StatusOr<rho::bytecode::Program> decoded = rho::bytecode::decodeProgram(bytes);
    if (!decoded.ok())
        return;
    if (decoded->main == nullptr)
        fail("decodeProgram accepted a program without main code", "");

    std::string listing = rho::bytecode::disassemble(*decoded->main);
    std::string again = rho::bytecode::encodeProgram(*decoded);
    absl::StatusOr<rho::bytecode::Program> redecoded = rho::bytecode::decodeProgram(again);
    if (!redecoded.ok())
        fail("decodeProgram rejected the re-encoded program", redecoded.status().ToString());
    if (redecoded->main == nullptr || rho::bytecode::disassemble(*redecoded->main) != listing)
        fail("the re-encoded program disassembles differently", listing);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    decodeOne(bytes); // as read: a mutation almost always fails the checksum...
    std::string sealed = rho::bytecode::sealProgramBytes(std::string(bytes));
    if (sealed != bytes)
        decodeOne(sealed); // ...so the decoder behind it also gets the mutated content
    return 0;
}
