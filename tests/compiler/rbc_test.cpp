// The .rbc format: round trips, and clear errors (never a crash) for truncated,
// corrupted or foreign-version input.

#include <catch2/catch.hpp>
#include <string>

#include "rho/bytecode/disassembler.h"
#include "rho/bytecode/rbc.h"
#include "rho/compiler/compiler.h"

namespace {

const char* kProgram = R"(
new stdout(`rho:io:stdout`), x in {
  contract x(@n, ret) = { if (n > 1) { ret!(n * 2) } else { ret!([n, "one", (true,)]) } } |
  for (@a <- @"l" & @b <- @{ @"q"!(1) | 2 }) { stdout!(a - b) } |
  @"l"!!(-5)
})";

rho::bytecode::Program program() {
    auto r = rho::compiler::compileSource(kProgram, "t.rho");
    REQUIRE(r.diagnostics.empty());
    return *r.program;
}

} // namespace

TEST_CASE("encode then decode gives the same program", "[rbc]") {
    auto p = program();
    std::string bytes = rho::bytecode::encodeProgram(p);
    auto back = rho::bytecode::decodeProgram(bytes);
    REQUIRE(back.ok());
    CHECK(rho::bytecode::disassemble(*back->main) == rho::bytecode::disassemble(*p.main));
    CHECK(rho::bytecode::encodeProgram(*back) == bytes);
}

TEST_CASE("a foreign file or another version is rejected", "[rbc]") {
    CHECK(rho::bytecode::decodeProgram("hello").status().code() == absl::StatusCode::kInvalidArgument);
    std::string bytes = rho::bytecode::encodeProgram(program());
    bytes[4] = 99;
    auto r = rho::bytecode::decodeProgram(bytes);
    CHECK(r.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(std::string(r.status().message()).find("version 99") != std::string::npos);
}

TEST_CASE("every truncation is a clear error", "[rbc]") {
    std::string bytes = rho::bytecode::encodeProgram(program());
    for (size_t n = 0; n < bytes.size(); ++n) {
        auto r = rho::bytecode::decodeProgram(std::string_view(bytes).substr(0, n));
        REQUIRE(!r.ok());
    }
}

TEST_CASE("every changed byte is refused by the checksum", "[rbc]") {
    std::string bytes = rho::bytecode::encodeProgram(program());
    for (size_t i = 8; i < bytes.size(); ++i) {
        for (int delta : {1, 0x40, 0x80, 0xFF}) {
            std::string bad = bytes;
            bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) + delta);
            auto r = rho::bytecode::decodeProgram(bad);
            INFO("byte " << i << " + " << delta);
            REQUIRE(r.status().code() == absl::StatusCode::kDataLoss);
            CHECK_THAT(std::string(r.status().message()), Catch::Contains("checksum does not match"));
        }
    }
}

TEST_CASE("corrupted content behind a right checksum never crashes the loader", "[rbc]") {
    std::string bytes = rho::bytecode::encodeProgram(program());
    size_t rejected = 0, tried = 0;
    for (size_t i = 16; i < bytes.size(); ++i) {
        for (int delta : {1, 0x40, 0x80, 0xFF}) {
            std::string bad = bytes;
            bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) + delta);
            auto r = rho::bytecode::decodeProgram(rho::bytecode::sealProgramBytes(bad));
            ++tried;
            if (r.ok()) // a change that keeps the code valid is fine, and must list
                CHECK(!rho::bytecode::disassemble(*r->main).empty());
            else
                ++rejected;
        }
    }
    // Most corruptions break a structural rule the loader checks.
    CHECK(rejected > tried / 2);
}
