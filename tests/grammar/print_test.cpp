// print(): exact output for a few trees, and the round-trip property
// parse(print(t)) == t over programs that stress every level of the ladder.
#include <catch2/catch.hpp>

#include <string>

#include "rho/grammar/parser.h"
#include "tree_util.h"

using rho::grammar::ParseResult;
using rho::grammar::parse;
using rho::grammar::print;
using rho::grammar::testing::dump;
using rho::grammar::testing::messages;
using rho::grammar::testing::sameTree;

namespace {

std::string printed(std::string_view source) {
    ParseResult r = parse(source);
    INFO(messages(r));
    REQUIRE(r.diagnostics.empty());
    return print(r.root);
}

void checkRoundTrip(std::string_view source) {
    ParseResult first = parse(source);
    INFO("source: " << source);
    INFO(messages(first));
    REQUIRE(first.diagnostics.empty());
    std::string text = print(first.root);
    INFO("printed: " << text);
    ParseResult second = parse(text);
    INFO(messages(second));
    REQUIRE(second.diagnostics.empty());
    CHECK(dump(first.root) == dump(second.root));
    CHECK(sameTree(first.root, second.root));
    CHECK(print(second.root) == text); // printing is a fixed point
}

} // namespace

TEST_CASE("print: exact output", "[grammar][print]") {
    CHECK(printed("new x in { x!(1) | y!(2) }") == "new x in { x!(1) | y!(2) }");
    CHECK(printed("1 - (2 - 3)") == "1 - { 2 - 3 }");
    CHECK(printed("- -1") == "- -1");
    CHECK(printed("(1 + 2) * 3") == "{ 1 + 2 } * 3");
    CHECK(printed("(a,)") == "(a,)");
    CHECK(printed("{}") == "{}");
    CHECK(printed("{{}}") == "{}");
    CHECK(printed("@{1 + 1}!(2)") == "@{ 1 + 1 }!(2)");
    CHECK(printed("if (c) { new x in Nil } else new y in Nil") == "if (c) { new x in Nil } else new y in Nil");
    CHECK(printed("match x { 1 => { a | b } }") == "match x { 1 => { a | b } }");
    CHECK(printed("\"a\\nb\"") == "\"a\\nb\"");
    CHECK(printed("[1 ...r]") == "[1 ...r]");
    CHECK(printed("for (x, y ...@r <= c) { Nil }") == "for (x, y ...@r <= c) { Nil }");
    CHECK(print(nullptr).empty());
}

TEST_CASE("print: round trip", "[grammar][print]") {
    const char* const kPrograms[] = {
        "new x in x!(1) | y!(2)",
        "new x, y(`rho:io:stdout`) in { x!(1) | y!(2) }",
        "if (c) a!(1) | b!(2)",
        "if (c) { if (d) Nil } else if (e) Nil else { a | b }",
        "x!?(1); y!?(2). | z!?().",
        "x!?(1); { a | b }",
        "contract @\"f\"(x, @y ...@r) = { x!(*y) } | contract g() = { Nil }",
        "for (x <- a & y <- b?!; z <= c & w <= d; @v <<- e; ...@r <- f!?(1, 2)) { x!(y) }",
        "select { x <- a => Nil y <- b & z <- c => d!(1) }",
        "match x + 1 { [a, ...r] => { P | Q } y \\/ z => Nil ~1 /\\ Int => a!(1) =x => Nil {=*y} => Nil _ => x.foo() }",
        "match { x!(1) } { (a, b) => -1 (a,) => *c }",
        "bundle+ { a } | bundle- { b } | bundle0 { c } | bundle { d }",
        "let x <- 1 in { Nil } | let x, y <- 1, 2; z <- 3 in { z } | let a <- b!?(1); c & d <- Nil in { Nil }",
        "let ...@r <- in { Nil }",
        "*x.foo(1, 2).bar() | -2 * 3 | 1 + x /\\ Int | not a and b or c",
        "a || b && c == d != e < f <= g > h >= i + j - k ++ l -- m * n / o % p %% q",
        "1 - (2 - 3) | (1 - 2) - 3 | 8 / (4 / 2) | - (1 + 2) | - - 1 | -BigInt(10) | not not true",
        "(a matches b) == c | a matches {b == c} | { a matches b } matches c",
        "@\"c\"!(1) | @{1 + 1}!(2) | @[1, 2]!(3) | @x!(4) | @*y!(5) | @=x!(6) | _!(7)",
        "*@*@x | *_ | @{ @x!(1) | Nil }!(1)",
        "[] | [1, 2,] | [1 ...r] | [..._] | Set() | Set(1, 2 ...s) | {} | {\"a\" : 1, 2 : {}} | {...m}",
        "(a,) | (a, b) | (a | b, c!(1)) | ((1,),) | {(1, 2) : [3]}",
        "\"\" | \"a\\\"b\\\\c\\nd\\te\" | `rho:io:\\`x` | true | false | Nil | 007 | BigInt(007)",
        "Bool | Int | BigInt | String | Uri | ByteArray",
        "x!(for (y <- z) { Nil }, new a in Nil, if (b) c, d!?(1). , e!?(); f)",
        "{ x!(1) } | { { y } }",
        "-{x!(1)} | { new x in Nil }.foo() | ~{ a | b } | { a \\/ b } /\\ c",
        "x.f({a | b}, [c | d])",
        "-x.length() | (-x).length() | -(x.length())",
        "for (<- a) { Nil } | for (_, <- a) { Nil }",
    };
    for (const char* program : kPrograms)
        checkRoundTrip(program);
}
