// Parser tests: the precedence ladder of RHOLANG.md §3, every construct's tree,
// lexing rules (longest match, keywords, escapes) and node positions.
#include <catch2/catch.hpp>

#include "rho/grammar/parser.h"
#include "tree_util.h"

using rho::SourcePos;
using rho::grammar::Node;
using rho::grammar::NodeKind;
using rho::grammar::ParseResult;
using rho::grammar::parse;
using rho::grammar::testing::dump;
using rho::grammar::testing::messages;

namespace {

// The dumped tree of [source], which must parse without diagnostics.
std::string tree(std::string_view source) {
    ParseResult r = parse(source);
    INFO(source);
    INFO(messages(r));
    REQUIRE(r.diagnostics.empty());
    REQUIRE(r.root != nullptr);
    return dump(r.root);
}

bool parses(std::string_view source) { return parse(source).diagnostics.empty(); }

std::string pos(SourcePos p) { return std::to_string(p.line) + ":" + std::to_string(p.col); }

} // namespace

TEST_CASE("precedence: new, if and sync send bodies stop at |", "[grammar][precedence]") {
    CHECK(tree("new x in x!(1) | y!(2)") ==
          "(Par (New (NameDecl x) (Send (Var x) (Int 1))) (Send (Var y) (Int 2)))");
    CHECK(tree("new x in { x!(1) | y!(2) }") ==
          "(New (NameDecl x) (Par (Send (Var x) (Int 1)) (Send (Var y) (Int 2))))");
    CHECK(tree("if (c) a!(1) | b!(2)") ==
          "(Par (If (Var c) (Send (Var a) (Int 1))) (Send (Var b) (Int 2)))");
    CHECK(tree("if (c) a!(1) else b!(2) | d!(3)") ==
          "(Par (If (Var c) (Send (Var a) (Int 1)) (Send (Var b) (Int 2))) (Send (Var d) (Int 3)))");
    CHECK(tree("if (a) Nil else if (b) Nil else Nil") ==
          "(If (Var a) (Nil) (If (Var b) (Nil) (Nil)))");
    CHECK(tree("if (c) for (x <- y) { Nil }") ==
          "(If (Var c) (For (Receipt (BindLinear (Var x) (SourceSimple (Var y)))) (Nil)))");
    CHECK(tree("x!?(1); y!(2) | z!(3)") ==
          "(Par (SendSync#1 (Var x) (Int 1) (Send (Var y) (Int 2))) (Send (Var z) (Int 3)))");
    CHECK(tree("x!?(1, 2).") == "(SendSync (Var x) (Int 1) (Int 2))");
    CHECK(tree("a | b | c | d") == "(Par (Var a) (Var b) (Var c) (Var d))");
    CHECK(tree("{a | b} | {c | d}") == "(Par (Var a) (Var b) (Var c) (Var d))");
    CHECK(!parses("if (true) new x in { x!(1) }"));
    CHECK(!parses("if (a) if (b) Nil"));
}

TEST_CASE("precedence: match cases", "[grammar][precedence]") {
    CHECK(tree("match x { 1 => a!(1) _ => b!(2) }") ==
          "(Match (Var x) (Case (Int 1) (Send (Var a) (Int 1))) (Case (Wildcard) (Send (Var b) (Int 2))))");
    CHECK(tree("match x { [a, ...r] => { P | Q } y \\/ z => Nil }") ==
          "(Match (Var x) (Case (List (Var a) ...(Var r)) (Par (Var P) (Var Q))) "
          "(Case (Disjunction (Var y) (Var z)) (Nil)))");
    CHECK(tree("match { x!(1) } { _ => Nil }") ==
          "(Match (Send (Var x) (Int 1)) (Case (Wildcard) (Nil)))");
    CHECK(tree("match 1 + 2 { 3 => 1 + 1 }") ==
          "(Match (Binary:+ (Int 1) (Int 2)) (Case (Int 3) (Binary:+ (Int 1) (Int 1))))");
    CHECK(!parses("match 1 { 1 => for (x <- @\"a\") { Nil } }"));
    CHECK(!parses("match 1 { x => @\"a\"!(1) | @\"b\"!(2) }"));
    CHECK(!parses("match 1 { *x => Nil }"));
    CHECK(!parses("match 1 { 1 + 1 => Nil }"));
    CHECK(!parses("match 1 { }"));
    CHECK(!parses("match x!(1) { _ => Nil }"));
}

TEST_CASE("precedence: expression levels 4..16", "[grammar][precedence]") {
    CHECK(tree("*x.foo()") == "(Method foo (Eval (Var x)))");
    CHECK(tree("-2 * 3") == "(Binary:* (Unary:neg (Int 2)) (Int 3))");
    CHECK(tree("1 + x /\\ Int") == "(Binary:+ (Int 1) (Conjunction (Var x) (SimpleType:1)))");
    CHECK(tree("not a and b") == "(Binary:and (Unary:not (Var a)) (Var b))");
    CHECK(tree("a or b and c") == "(Binary:or (Var a) (Binary:and (Var b) (Var c)))");
    CHECK(tree("a || b && c") == "(Binary:|| (Var a) (Binary:&& (Var b) (Var c)))");
    CHECK(tree("1 - 2 - 3") == "(Binary:- (Binary:- (Int 1) (Int 2)) (Int 3))");
    CHECK(tree("1 - (2 - 3)") == "(Binary:- (Int 1) (Binary:- (Int 2) (Int 3)))");
    CHECK(tree("8 / 4 / 2") == "(Binary:/ (Binary:/ (Int 8) (Int 4)) (Int 2))");
    CHECK(tree("1 + 2 * 3 % 4 %% 5") ==
          "(Binary:+ (Int 1) (Binary:%% (Binary:% (Binary:* (Int 2) (Int 3)) (Int 4)) (Int 5)))");
    CHECK(tree("a ++ b -- c") == "(Binary:-- (Binary:++ (Var a) (Var b)) (Var c))");
    CHECK(tree("1 < 2 == true") == "(Binary:== (Binary:< (Int 1) (Int 2)) (Bool#1))");
    CHECK(tree("a <= b >= c > d") == "(Binary:> (Binary:>= (Binary:<= (Var a) (Var b)) (Var c)) (Var d))");
    CHECK(tree("a != b == c") == "(Binary:== (Binary:!= (Var a) (Var b)) (Var c))");
    CHECK(tree("x matches [_, 1]") == "(Binary:matches (Var x) (List (Wildcard) (Int 1)))");
    CHECK(tree("a matches b == c") == "(Binary:== (Binary:matches (Var a) (Var b)) (Var c))");
    CHECK(!parses("a == b matches c"));
    CHECK(tree("- - 5") == "(Unary:neg (Unary:neg (Int 5)))");
    CHECK(tree("-x.length()") == "(Unary:neg (Method length (Var x)))");
    CHECK(tree("\"ab\".length().toString()") == "(Method toString (Method length (String \"ab\")))");
    CHECK(tree("(1 + 2).foo(a, b)") == "(Method foo (Binary:+ (Int 1) (Int 2)) (Var a) (Var b))");
    CHECK(tree("a \\/ b \\/ c") == "(Disjunction (Disjunction (Var a) (Var b)) (Var c))");
    CHECK(tree("a /\\ b \\/ c /\\ d") ==
          "(Disjunction (Conjunction (Var a) (Var b)) (Conjunction (Var c) (Var d)))");
    CHECK(tree("~~a /\\ b") == "(Conjunction (Negation (Negation (Var a))) (Var b))");
    CHECK(tree("=x \\/ { =*y }") == "(Disjunction (VarRef x) (VarRef#1 y))");
    CHECK(!parses("=x \\/ =*y")); // a variable reference is level 13, the right operand level 14
    CHECK(!parses("(x!(1))"));
    CHECK(!parses("(a | b)"));
}

TEST_CASE("longest-match lexing", "[grammar][lexer]") {
    // `a<-1` is `a <- 1`: a bind, so it only parses inside for().
    CHECK(tree("for (a<-b) { Nil }") == "(For (Receipt (BindLinear (Var a) (SourceSimple (Var b)))) (Nil))");
    CHECK(!parses("a<-1"));
    CHECK(tree("a < -1") == "(Binary:< (Var a) (Unary:neg (Int 1)))");
    CHECK(tree("5--3") == "(Binary:-- (Int 5) (Int 3))");
    CHECK(tree("5 - -3") == "(Binary:- (Int 5) (Unary:neg (Int 3)))");
    CHECK(tree("a<=b") == "(Binary:<= (Var a) (Var b))");
    CHECK(tree("for (a<<-b) { Nil }") == "(For (Receipt (BindPeek (Var a) (SourceSimple (Var b)))) (Nil))");
    CHECK(tree("x' + _y + x_1'") == "(Binary:+ (Binary:+ (Var x') (Var _y)) (Var x_1'))");
    CHECK(tree("newx") == "(Var newx)");
    CHECK(tree("bundle+{Nil}") == "(Bundle:1 (Nil))");
    CHECK(tree("bundle- { Nil } | bundle0 { Nil } | bundle { Nil }") ==
          "(Par (Bundle:2 (Nil)) (Bundle:3 (Nil)) (Bundle:0 (Nil)))");
    CHECK(tree("BigInt(123)") == "(BigInt 123)");
    CHECK(tree("-BigInt(5)") == "(Unary:neg (BigInt 5))");
    CHECK(!parses("BigInt (5)"));
    CHECK(tree("[Bool, Int, BigInt, String, Uri, ByteArray]") ==
          "(List (SimpleType:0) (SimpleType:1) (SimpleType:2) (SimpleType:3) (SimpleType:4) (SimpleType:5))");
    CHECK(tree("1 // comment\n + /* block\n comment */ 2") == "(Binary:+ (Int 1) (Int 2))");
    CHECK(tree("9223372036854775808") == "(Int 9223372036854775808)");
    CHECK(tree("true or false") == "(Binary:or (Bool#1) (Bool))");
}

TEST_CASE("string and uri literals keep escapes verbatim", "[grammar][lexer]") {
    ParseResult r = parse(R"("a\nb\t\"q\"\\")");
    REQUIRE(r.diagnostics.empty());
    CHECK(r.root->kind == NodeKind::kString);
    CHECK(r.root->text == R"(a\nb\t\"q\"\\)");
    ParseResult u = parse(R"(`rho:io:\`x\\`)");
    REQUIRE(u.diagnostics.empty());
    CHECK(u.root->kind == NodeKind::kUri);
    CHECK(u.root->text == R"(rho:io:\`x\\)");
    CHECK(tree("\"\"") == "(String \"\")");
    CHECK(tree("\"héllo\"") == "(String \"héllo\")");
}

TEST_CASE("names, quotes and sends", "[grammar]") {
    CHECK(tree("@\"ch\"!(1)") == "(Send (Quote (String \"ch\")) (Int 1))");
    CHECK(tree("@{1 + 1}!(2)") == "(Send (Quote (Binary:+ (Int 1) (Int 1))) (Int 2))");
    CHECK(tree("@[1, 2]!(3)") == "(Send (Quote (List (Int 1) (Int 2))) (Int 3))");
    CHECK(tree("@x!(1)") == "(Send (Quote (Var x)) (Int 1))");
    CHECK(tree("@*y!(1)") == "(Send (Quote (Eval (Var y))) (Int 1))");
    CHECK(tree("_!(1)") == "(Send (Wildcard) (Int 1))");
    CHECK(tree("x!!()") == "(SendPersist (Var x))");
    CHECK(tree("x!(1, 2, 3)") == "(Send (Var x) (Int 1) (Int 2) (Int 3))");
    CHECK(tree("*@\"x\"") == "(Eval (Quote (String \"x\")))");
    CHECK(tree("*@*@x") == "(Eval (Quote (Eval (Quote (Var x)))))");
    CHECK(!parses("@1 + 1!(2)"));
    CHECK(!parses("@@\"x\"!(1)"));
}

TEST_CASE("collections, tuples, maps and remainders", "[grammar]") {
    CHECK(tree("(a,)") == "(Tuple (Var a))");
    CHECK(tree("(a)") == "(Var a)");
    CHECK(tree("(a, b)") == "(Tuple (Var a) (Var b))");
    CHECK(tree("(a | b,)") == "(Tuple (Par (Var a) (Var b)))");
    CHECK(tree("(a, )") == "(Tuple (Var a))");
    CHECK(tree("{}") == "(Map)");
    CHECK(tree("{ Nil }") == "(Nil)");
    CHECK(tree("{ {} }") == "(Map)");
    CHECK(tree("{\"a\" : 1, \"b\" : 2}") ==
          "(Map (MapEntry (String \"a\") (Int 1)) (MapEntry (String \"b\") (Int 2)))");
    CHECK(tree("{\"a\" : 1 ...r}") == "(Map (MapEntry (String \"a\") (Int 1)) ...(Var r))");
    CHECK(tree("{...r}") == "(Map ...(Var r))");
    CHECK(tree("[]") == "(List)");
    CHECK(tree("[1, 2 ...r]") == "(List (Int 1) (Int 2) ...(Var r))");
    CHECK(tree("[...r]") == "(List ...(Var r))");
    CHECK(tree("[..._]") == "(List ...(Wildcard))");
    CHECK(tree("Set()") == "(Set)");
    CHECK(tree("Set(1, 2 ..._)") == "(Set (Int 1) (Int 2) ...(Wildcard))");
    CHECK(tree("[x!(1) | Nil]") == "(List (Par (Send (Var x) (Int 1)) (Nil)))");
}

TEST_CASE("trailing commas where BNFC allows them", "[grammar]") {
    CHECK(tree("[1, 2,]") == "(List (Int 1) (Int 2))");
    CHECK(tree("Set(1, )") == "(Set (Int 1))");
    CHECK(tree("{1 : 2,}") == "(Map (MapEntry (Int 1) (Int 2)))");
    CHECK(tree("f!(1, )") == "(Send (Var f) (Int 1))");
    CHECK(tree("contract f(x, ) = { Nil }") == "(Contract (Var f) (Var x) (Nil))");
    CHECK(tree("for (x, <- y) { Nil }") == "(For (Receipt (BindLinear (Var x) (SourceSimple (Var y)))) (Nil))");
    CHECK(!parses("f!(1,)"));       // `,)` is the one-tuple token
    CHECK(!parses("[,]"));
    CHECK(!parses("new x, in Nil")); // name declarations take no trailing comma
    CHECK(!parses("(a, b,)"));
}

TEST_CASE("for: receipts, binds and sources", "[grammar]") {
    CHECK(tree("for (x <- a & y <- b; z <= c) { Nil }") ==
          "(For (Receipt (BindLinear (Var x) (SourceSimple (Var a))) (BindLinear (Var y) (SourceSimple (Var b)))) "
          "(Receipt (BindPersist (Var z) (SourceSimple (Var c)))) (Nil))");
    CHECK(tree("for (@x, y ...@r <<- a & _ <<- b) { Nil }") ==
          "(For (Receipt (BindPeek (Quote (Var x)) (Var y) (SourceSimple (Var a)) ...(Var r)) "
          "(BindPeek (Wildcard) (SourceSimple (Var b)))) (Nil))");
    CHECK(tree("for (x <- a?!; y <- b!?(1, 2)) { Nil }") ==
          "(For (Receipt (BindLinear (Var x) (SourceReceiveSend (Var a)))) "
          "(Receipt (BindLinear (Var y) (SourceSendReceive (Var b) (Int 1) (Int 2)))) (Nil))");
    CHECK(tree("for (<- a) { Nil }") == "(For (Receipt (BindLinear (SourceSimple (Var a)))) (Nil))");
    CHECK(tree("for (...@r <- a) { Nil }") == "(For (Receipt (BindLinear (SourceSimple (Var a)) ...(Var r))) (Nil))");
    CHECK(!parses("for (x <- @\"a\" & y <= @\"b\") { Nil }"));
    CHECK(!parses("for (x <= a?!) { Nil }"));
    CHECK(!parses("for (x <- a) Nil"));
}

TEST_CASE("contract, let, select, new with URIs", "[grammar]") {
    CHECK(tree("contract @\"f\"(x, @y ...@rest) = { x!(*y) }") ==
          "(Contract (Quote (String \"f\")) (Var x) (Quote (Var y)) (Send (Var x) (Eval (Var y))) ...(Var rest))");
    CHECK(tree("new x, stdout(`rho:io:stdout`) in Nil") ==
          "(New (NameDecl x) (NameDecl stdout `rho:io:stdout`) (Nil))");
    CHECK(tree("let x <- 1 in { Nil }") == "(Let (LetDecl/1 (Var x) (Int 1)) (Nil))");
    CHECK(tree("let x, y <- 1, 2; z <- 3 in { Nil }") ==
          "(Let#1 (LetDecl/2 (Var x) (Var y) (Int 1) (Int 2)) (LetDecl/1 (Var z) (Int 3)) (Nil))");
    CHECK(tree("let x <- 1 & @y ...@r <- 2, 3 in { Nil }") ==
          "(Let#2 (LetDecl/1 (Var x) (Int 1)) (LetDecl/1 (Quote (Var y)) (Int 2) (Int 3) ...(Var r)) (Nil))");
    CHECK(tree("select { x <- a => Nil y <- b & z <- c => d!(1) }") ==
          "(Select (Case (Receipt (BindLinear (Var x) (SourceSimple (Var a)))) (Nil)) "
          "(Case (Receipt (BindLinear (Var y) (SourceSimple (Var b))) (BindLinear (Var z) (SourceSimple (Var c)))) "
          "(Send (Var d) (Int 1))))");
    CHECK(!parses("let x <- 1; y <- 2 & z <- 3 in { Nil }"));
    CHECK(!parses("let x <- 1 in Nil"));
}

TEST_CASE("node positions (line:col, end one past the last)", "[grammar][positions]") {
    ParseResult r = parse("new x in {\n  x!(1 + 22)\n} | y!(\"s\")");
    REQUIRE(r.diagnostics.empty());
    const Node* par = r.root;
    REQUIRE(par->kind == NodeKind::kPar);
    CHECK(pos(par->pos) == "1:1");
    CHECK(pos(par->end) == "3:12");
    const Node* nw = par->kids[0];
    CHECK(pos(nw->pos) == "1:1");
    CHECK(pos(nw->end) == "3:2");
    const Node* decl = nw->kids[0];
    CHECK(pos(decl->pos) == "1:5");
    CHECK(pos(decl->end) == "1:6");
    const Node* send = nw->kids[1]; // braces build no node: the send is the body
    REQUIRE(send->kind == NodeKind::kSend);
    CHECK(pos(send->pos) == "2:3");
    CHECK(pos(send->end) == "2:13");
    const Node* sum = send->kids[1];
    CHECK(pos(sum->pos) == "2:6");
    CHECK(pos(sum->end) == "2:12");
    CHECK(pos(sum->kids[1]->pos) == "2:10");
    CHECK(pos(sum->kids[1]->end) == "2:12");
    const Node* str = par->kids[1]->kids[1];
    CHECK(pos(str->pos) == "3:8");
    CHECK(pos(str->end) == "3:11");

    // A parenthesised operand starts at its `(`; columns count characters, not bytes.
    ParseResult p = parse("\"é\" ++ (a + b) * c");
    REQUIRE(p.diagnostics.empty());
    CHECK(pos(p.root->kids[1]->pos) == "1:8");
    CHECK(pos(p.root->kids[1]->kids[0]->pos) == "1:9");
    CHECK(pos(p.root->kids[0]->end) == "1:4");

    // Tabs count as one column; a string's span includes its quotes.
    ParseResult t = parse("\tfor (x <- @\"c\") { Nil }");
    REQUIRE(t.diagnostics.empty());
    CHECK(pos(t.root->pos) == "1:2");
    const Node* bind = t.root->kids[0]->kids[0];
    CHECK(pos(bind->pos) == "1:7");
    CHECK(pos(bind->end) == "1:16");
}

TEST_CASE("unary minus on a literal is not a negative literal", "[grammar]") {
    ParseResult r = parse("-9223372036854775807 - 1");
    REQUIRE(r.diagnostics.empty());
    CHECK(dump(r.root) == "(Binary:- (Unary:neg (Int 9223372036854775807)) (Int 1))");
}

TEST_CASE("nodeKindName names every kind", "[grammar]") {
    CHECK(std::string(rho::grammar::nodeKindName(NodeKind::kPar)) == "Par");
    CHECK(std::string(rho::grammar::nodeKindName(NodeKind::kNegation)) == "Negation");
    CHECK(std::string(rho::grammar::nodeKindName(NodeKind::kSourceSendReceive)) == "SourceSendReceive");
}
