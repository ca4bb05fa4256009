// The round-trip property, parse -> print -> parse gives the same tree, over every
// program of the shared conformance suite (../shared/conformance, when present;
// its err_syntax_* and err_lexer_* programs must produce diagnostics instead) and
// over every .rho program of this project (its own conformance programs, golden
// compiler inputs, examples and benchmarks).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "rho/grammar/parser.h"
#include "tree_util.h"

namespace fs = std::filesystem;
using rho::grammar::ParseResult;
using rho::grammar::parse;
using rho::grammar::testing::messages;
using rho::grammar::testing::sameTree;

namespace {

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<fs::path> programs() {
    std::vector<fs::path> out;
    fs::path dir = RHO_CONFORMANCE_DIR;
    if (const char* env = std::getenv("RHO_CONFORMANCE_DIR"))
        dir = env;
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        return out;
    for (const fs::directory_entry& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".rho")
            out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

// parse(print(tree)) parses cleanly and gives the same tree.
void checkRoundTrip(const ParseResult& r) {
    std::string printed = rho::grammar::print(r.root);
    INFO(printed);
    ParseResult again = parse(printed);
    INFO(messages(again));
    REQUIRE(again.diagnostics.empty());
    CHECK(sameTree(r.root, again.root));
}

bool isParseError(const fs::path& path) {
    std::string stem = path.stem().string();
    return stem.rfind("err_syntax_", 0) == 0 || stem.rfind("err_lexer_", 0) == 0;
}

} // namespace

TEST_CASE("shared conformance programs parse and round-trip", "[grammar][conformance]") {
    std::vector<fs::path> files = programs();
    if (files.empty()) {
        WARN("no shared conformance directory; skipped");
        return;
    }
    int parsed = 0;
    int rejected = 0;
    for (const fs::path& file : files) {
        std::string source = readFile(file);
        ParseResult r = parse(source);
        INFO(file.filename().string());
        INFO(messages(r));
        if (isParseError(file)) {
            CHECK(!r.diagnostics.empty());
            CHECK(r.root == nullptr);
            ++rejected;
            continue;
        }
        REQUIRE(r.diagnostics.empty());
        checkRoundTrip(r);
        ++parsed;
    }
    CHECK(parsed > 0);
    CHECK(rejected > 0);
}

namespace {

std::vector<fs::path> projectPrograms() {
    std::vector<fs::path> out;
    for (const char* sub : {"tests/conformance", "tests/golden/compiler", "examples", "bench/rholang"}) {
        std::error_code ec;
        for (const fs::directory_entry& e : fs::directory_iterator(fs::path(RHO_PROJECT_DIR) / sub, ec))
            if (e.path().extension() == ".rho")
                out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

TEST_CASE("the project's own programs parse and round-trip", "[grammar][roundtrip]") {
    std::vector<fs::path> files = projectPrograms();
    REQUIRE(files.size() >= 40);
    for (const fs::path& file : files) {
        std::string source = readFile(file);
        ParseResult r = parse(source);
        INFO(file.string());
        INFO(messages(r));
        REQUIRE(r.diagnostics.empty());
        checkRoundTrip(r);
    }
}
