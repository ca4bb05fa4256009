// Compiler tests: diagnostics with the reference's wording and positions, and the
// shape of the generated code (one sequence per par branch, QUOTE for quotes).

#include <catch2/catch.hpp>
#include <string>

#include "rho/bytecode/disassembler.h"
#include "rho/compiler/compiler.h"

using rho::compiler::compileSource;

namespace {

std::string errorsOf(const std::string& src) {
    auto r = compileSource(src, "t.rho");
    std::string all;
    for (const auto& d : r.diagnostics.items())
        all += std::to_string(d.pos.line) + ":" + std::to_string(d.pos.col) + " " + d.message + "\n";
    return all;
}

std::string listing(const std::string& src) {
    auto r = compileSource(src, "t.rho");
    REQUIRE(r.diagnostics.empty());
    return rho::bytecode::disassemble(*r.program->main);
}

size_t count(const std::string& text, const std::string& word) {
    size_t n = 0;
    for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1))
        ++n;
    return n;
}

} // namespace

TEST_CASE("each par branch is its own sequence", "[compiler][par]") {
    std::string l = listing(R"(@"a"!(1) | @"b"!(2) | @"c"!(3))");
    // The program's sequence plus one sequence per branch.
    CHECK(count("\n" + l, "\nsequence ") == 4);
    CHECK(count(l, "SPAWN") == 1);
    CHECK(count(l, "SEND ") == 3);
}

TEST_CASE("a quote compiles to QUOTE over the quoted process's code", "[compiler][quote]") {
    std::string l = listing(R"(@{ @"x"!(1) | @"y"!(2) }!(0))");
    CHECK(l.find("QUOTE") != std::string::npos);
    // The quoted par's two sends are sequences of their own, members of the QUOTE multiset.
    CHECK(l.find("QUOTE         M") != std::string::npos);
    CHECK(count(l, "(send)") == 3);
}

TEST_CASE("undefined identifiers are top-level free variables", "[compiler][errors]") {
    CHECK(errorsOf(R"(@"c"!(undefinedThing))") ==
          "1:7 Top level free variables are not allowed: undefinedThing at 1:7.\n");
}

TEST_CASE("every error in the file is reported", "[compiler][errors]") {
    std::string e = errorsOf("@\"c\"!(a) |\n@\"d\"!(b)");
    CHECK(e == "1:7 Top level free variables are not allowed: a at 1:7.\n"
               "2:7 Top level free variables are not allowed: b at 2:7.\n");
}

TEST_CASE("names and processes are different sorts", "[compiler][errors]") {
    CHECK(errorsOf(R"(new x in { @"c"!(x) })") == "1:18 Name variable: x at 1:5 used in process context at 1:18\n");
    CHECK(errorsOf(R"(for (@y <- @"c") { y!(1) })") == "1:20 Proc variable: y at 1:7 used in Name context at 1:20\n");
}

TEST_CASE("a variable bound twice in one receive", "[compiler][errors]") {
    CHECK(errorsOf(R"(for (x, x <- @"a") { Nil })") ==
          "1:9 Free variable x is used twice as a binder (at 1:6 and 1:9) in name context.\n");
    CHECK(errorsOf(R"(for (@x <- @"a" & @x <- @"b") { Nil })") ==
          "1:20 Free variable x is used twice as a binder (at 1:7 and 1:20) in process context.\n");
}

TEST_CASE("a join may not listen twice on one channel", "[compiler][errors]") {
    CHECK(errorsOf(R"(for (a <- @"x" & b <- @"x") { Nil })") ==
          "1:23 Receiving on the same channels is currently not allowed (at 1:23). Ref. RCHAIN-4032.\n");
}

TEST_CASE("wildcards outside patterns", "[compiler][errors]") {
    CHECK(errorsOf(R"(@"c"!(_))") == "1:7 Top level wildcards are not allowed: _ (wildcard) at 1:7.\n");
}

TEST_CASE("integer literals must fit 64 bits", "[compiler][errors]") {
    CHECK(errorsOf(R"(@"c"!(9223372036854775807))").empty());
    CHECK(errorsOf(R"(@"c"!(9223372036854775808))").find("For input string: \"9223372036854775808\"") !=
          std::string::npos);
}

TEST_CASE("select is rejected as the reference rejects it", "[compiler][errors]") {
    CHECK(errorsOf("select { x <- @\"a\" => Nil }") ==
          "1:1 Compilation of construct not yet supported. (`select`)\n");
}

TEST_CASE("patterns see no outer variables: a plain identifier always binds", "[compiler][scope]") {
    // x is bound by new, then rebound as a process variable by the pattern: no sort error.
    CHECK(errorsOf(R"(new x in { for (@x <- @"c") { @"out"!(x) } })").empty());
}

namespace {
std::string nested(const std::string& open, const std::string& middle, const std::string& close, int n) {
    std::string s;
    for (int i = 0; i < n; ++i)
        s += open;
    s += middle;
    for (int i = 0; i < n; ++i)
        s += close;
    return s;
}
} // namespace

TEST_CASE("100,000 levels of nesting compile without overflowing the stack", "[compiler][limits]") {
    CHECK(errorsOf("@\"c\"!(" + nested("[", "1", "]", 99990) + ")").empty());
    CHECK(errorsOf(nested("@\"c\"!({", "Nil", "})", 30000)).empty());
    CHECK(errorsOf("new x in { " + nested("for (y <- x) { ", "Nil", " }", 99990) + " }").empty());
    CHECK(errorsOf("@\"c\"!(" + nested("*@{", "1", "}", 49990) + ")").empty()); // two levels each
}

TEST_CASE("nesting past the parser's limit is one clear diagnostic", "[compiler][limits]") {
    auto r = compileSource("@\"c\"!(" + nested("[", "1", "]", 150000) + ")", "t.rho");
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics.items()[0].message.find("nesting deeper than") != std::string::npos);
}
