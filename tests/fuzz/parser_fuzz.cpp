// File: parser_fuzz.cpp
// libFuzzer target for rho::grammar::parse (STYLE.md §8). Any byte string must come
// back as a tree or as diagnostics, never a crash, sanitizer report or stack
// overflow. When the input parses, print() must give source that parses again to
// the same tree (parser.h promises parse(print(t)) == t).
//
//   build/fuzz/tests/fuzz/parser_fuzz -dict=tests/fuzz/rholang.dict corpus/
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../grammar/tree_util.h" // sameTree: structural equality without positions
#include "rho/grammar/parser.h"

// The libFuzzer entry point (declared for -Wmissing-declarations).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

using rho::grammar::testing::sameTree;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "parser_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view source(reinterpret_cast<const char*>(data), size);
    rho::grammar::ParseResult first = rho::grammar::parse(source);
    if (first.root == nullptr) {
        if (first.diagnostics.empty())
            fail("no tree and no diagnostic", source);
        return 0;
    }
    if (!first.diagnostics.empty())
        fail("a tree together with diagnostics", source);

    std::string printed = rho::grammar::print(first.root);
    rho::grammar::ParseResult second = rho::grammar::parse(printed);
    if (second.root == nullptr)
        fail("print() gave source that does not parse", printed);
    if (!sameTree(first.root, second.root))
        fail("parse(print(t)) differs from t", printed);
    return 0;
}
