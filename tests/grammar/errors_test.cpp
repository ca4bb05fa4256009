// Diagnostics: every lexer error message, syntax error wording and positions,
// recovery (several independent errors in one program), and robustness against
// garbage input and very deep nesting.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "rho/grammar/parser.h"
#include "tree_util.h"

using rho::grammar::ParseResult;
using rho::grammar::parse;
using rho::grammar::testing::dump;
using rho::grammar::testing::messages;

namespace {

std::string repeat(std::string_view s, int n) {
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(n));
    for (int i = 0; i < n; ++i)
        out += s;
    return out;
}

// All diagnostics of [source] as `line:col: message` lines; the tree must be null.
std::string errorsOf(std::string_view source) {
    ParseResult r = parse(source);
    INFO(source);
    CHECK(r.root == nullptr);
    CHECK(!r.diagnostics.empty());
    return messages(r);
}

} // namespace

TEST_CASE("lexer error messages", "[grammar][errors]") {
    // The scanner skips the character; the parser then sees `1 2`.
    CHECK(errorsOf("@\"c\"!(1 # 2)") == "1:9: Illegal character '#'\n1:11: syntax error, unexpected integer literal\n");
    CHECK(errorsOf("x!(1) | y!(2 ? 3)").find("1:14: Illegal character '?'\n") == 0);
    CHECK(errorsOf("€") == "1:1: Illegal character '€'\n1:2: syntax error, unexpected end of file\n");
    CHECK(errorsOf(std::string("a \x01 b", 5)).find("1:3: Illegal character '\\x01'") == 0);
    CHECK(errorsOf("x!(\"abc\n\")").find("1:4: Unterminated string on line 1\n") == 0);
    CHECK(errorsOf("x!(1)\n  | y!(\"abc") == "2:8: Unterminated string at EOF, beginning at 2:8\n");
    CHECK(errorsOf("\"a\\rb\"") == "1:3: Illegal escape sequence '\\r' in string\n");
    CHECK(errorsOf("\"a\\u0041\"") == "1:3: Illegal escape sequence '\\u' in string\n");
    CHECK(errorsOf("Nil /* never closed") == "1:5: Unterminated comment at EOF, beginning at 1:5\n");
    CHECK(errorsOf("new x(`rho:io") == "1:7: Unterminated or malformed URI literal beginning at 1:7\n"
                                       "1:8: syntax error, unexpected identifier, expecting URI literal\n");
}

TEST_CASE("syntax errors: wording and position of the offending token", "[grammar][errors]") {
    CHECK(errorsOf("x!(1))") == "1:6: syntax error, unexpected ')', expecting end of file or '|'\n");
    CHECK(errorsOf("for (x <- @\"a\" & y <= @\"b\") { Nil }").find("1:20: syntax error, unexpected '<='") == 0);
    CHECK(errorsOf("@\"c\"!(1,)").find("1:8: syntax error, unexpected ',)'") == 0);
    CHECK(errorsOf("if (true) new x in { x!(1) }").find("1:11: syntax error, unexpected 'new'") == 0);
    CHECK(errorsOf("new stdout(`rho:io:stdout`) in {\n  stdout!(1 + 2\n}")
              == "3:1: syntax error, unexpected '}'\n");
    CHECK(errorsOf("match 1 {\n  x => @\"a\"!(1) | @\"b\"!(2)\n}").find("2:17: syntax error, unexpected '|'") == 0);
    CHECK(errorsOf("x!(") == "1:4: syntax error, unexpected end of file\n");
    CHECK(errorsOf("").find("1:1: syntax error, unexpected end of file") == 0);
}

TEST_CASE("every independent syntax error is reported", "[grammar][errors]") {
    std::string errors = errorsOf("x!(1 2) | y!(3 4)");
    CHECK(errors == "1:6: syntax error, unexpected integer literal\n"
                    "1:16: syntax error, unexpected integer literal\n");
    CHECK(errorsOf("{ x!(1) y!(2) } |\n{ z!(3) w }") ==
          "1:9: syntax error, unexpected identifier, expecting '|' or ':' or '}'\n"
          "2:9: syntax error, unexpected identifier, expecting '|' or ':' or '}'\n");

    errors = errorsOf("new a in {\n  a!(1 +)\n} |\nfor (x <- ) { Nil } |\nb!(])");
    CHECK(errors.find("2:9: syntax error, unexpected ')'") != std::string::npos);
    CHECK(errors.find("4:11: syntax error, unexpected ')'") != std::string::npos);
    CHECK(errors.find("5:4: syntax error, unexpected ']'") != std::string::npos);

    // Lexer and parser errors together, in source order.
    errors = errorsOf("a!(#) | b!(\"x\\q\") | c!(1 2)");
    CHECK(errors.find("1:4: Illegal character '#'") == 0);
    CHECK(errors.find("1:14: Illegal escape sequence '\\q' in string") != std::string::npos);
    CHECK(errors.find("1:26: syntax error") != std::string::npos);
}

TEST_CASE("diagnostic spans", "[grammar][errors]") {
    ParseResult r = parse("x!(1 }");
    REQUIRE(r.diagnostics.size() == 1);
    const rho::Diagnostic& d = r.diagnostics.items()[0];
    CHECK(d.pos.line == 1);
    CHECK(d.pos.col == 6);
    CHECK(d.end.col == 7);
}

TEST_CASE("garbage input never crashes", "[grammar][errors]") {
    static const char* const kPieces[] = {"x", "!", "(", ")", "{", "}", "[", "]", "|", "for", "<-", "<=", "new",
                                          "in", ",", ",)", "@", "*", "\"s\"", "\"", "`u`", "`", "1", "-", "--",
                                          "match", "=>", "...", "if", "else", "let", ";", "&", "#", "/*", "\n",
                                          "Set", "BigInt(", "~", "/\\", "=", "contract", "select", "bundle+"};
    constexpr size_t kCount = sizeof(kPieces) / sizeof(kPieces[0]);
    uint64_t state = 0x9E3779B97F4A7C15ULL;
    for (int program = 0; program < 2000; ++program) {
        std::string source;
        int length = 1 + static_cast<int>(state % 40);
        for (int i = 0; i < length; ++i) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            source += kPieces[(state >> 33) % kCount];
            source += ' ';
        }
        ParseResult r = parse(source);
        // Either a clean tree or diagnostics and no tree, never both or neither.
        CHECK((r.root == nullptr) == !r.diagnostics.empty());
        if (r.root != nullptr) {
            ParseResult again = parse(rho::grammar::print(r.root));
            CHECK(again.diagnostics.empty());
        }
    }
}

TEST_CASE("deep nesting is parsed up to the limit and reported beyond it", "[grammar][deep]") {
    constexpr int kDepth = rho::grammar::kMaxNestingDepth;
    const std::string tooDeep = "nesting deeper than 100000 levels";

    SECTION("braces") {
        ParseResult r = parse(repeat("{", kDepth) + "Nil" + repeat("}", kDepth));
        INFO(messages(r));
        REQUIRE(r.diagnostics.empty());
        CHECK(dump(r.root) == "(Nil)");
        ParseResult deeper = parse(repeat("{", 2 * kDepth) + "Nil" + repeat("}", 2 * kDepth));
        REQUIRE(deeper.diagnostics.size() == 1);
        CHECK(deeper.diagnostics.items()[0].message == tooDeep);
        CHECK(deeper.diagnostics.items()[0].pos.col == kDepth + 1);
        CHECK(deeper.root == nullptr);
    }
    SECTION("lists") {
        ParseResult r = parse(repeat("[", kDepth) + repeat("]", kDepth));
        INFO(messages(r));
        REQUIRE(r.diagnostics.empty());
        std::string printed = rho::grammar::print(r.root);
        CHECK(printed == repeat("[", kDepth) + repeat("]", kDepth));
        ParseResult again = parse(printed);
        REQUIRE(again.diagnostics.empty());
        CHECK(rho::grammar::testing::sameTree(r.root, again.root));
        ParseResult deeper = parse(repeat("[", 2 * kDepth) + repeat("]", 2 * kDepth));
        REQUIRE(!deeper.diagnostics.empty());
        CHECK(deeper.diagnostics.items()[0].message == tooDeep);
    }
    SECTION("parentheses") {
        ParseResult r = parse(repeat("(", kDepth) + "1" + repeat(")", kDepth));
        REQUIRE(r.diagnostics.empty());
        CHECK(dump(r.root) == "(Int 1)");
        CHECK(parse(repeat("(", 2 * kDepth) + "1" + repeat(")", 2 * kDepth)).diagnostics.items()[0].message == tooDeep);
    }
    SECTION("nested fors, sends and news") {
        ParseResult fors = parse(repeat("for (x <- y) { ", kDepth - 1) + "Nil" + repeat(" }", kDepth - 1));
        INFO(messages(fors));
        REQUIRE(fors.diagnostics.empty());
        CHECK(!rho::grammar::print(fors.root).empty());
        ParseResult sends = parse(repeat("x!(", kDepth) + repeat(")", kDepth));
        REQUIRE(sends.diagnostics.empty());
        ParseResult news = parse(repeat("new x in ", kDepth) + "Nil");
        REQUIRE(news.diagnostics.empty());
        CHECK(parse(repeat("new x in ", 2 * kDepth) + "Nil").diagnostics.items()[0].message == tooDeep);
    }
    SECTION("quotes and evals without brackets") {
        ParseResult r = parse(repeat("*@", kDepth / 2) + "\"x\"");
        INFO(messages(r));
        REQUIRE(r.diagnostics.empty());
        ParseResult again = parse(rho::grammar::print(r.root));
        REQUIRE(again.diagnostics.empty());
        CHECK(rho::grammar::testing::sameTree(r.root, again.root));
        CHECK(parse(repeat("*@", kDepth) + "\"x\"").diagnostics.items()[0].message == tooDeep);
    }
    SECTION("prefix and left-associative chains") {
        CHECK(parse(repeat("- ", 3 * kDepth) + "1").diagnostics.items()[0].message == tooDeep);
        // Past the parser's own stack limit: still one clean diagnostic.
        ParseResult huge = parse(repeat("~", 20 * kDepth) + "1");
        REQUIRE(huge.diagnostics.size() == 1);
        CHECK(huge.diagnostics.items()[0].message == tooDeep);
        CHECK(parse(repeat("1 + ", 2 * kDepth) + "1").diagnostics.items()[0].message == tooDeep);
        CHECK(parse(repeat("1 | ", 2 * kDepth) + "1").diagnostics.empty()); // par is flat
    }
}
