// Structural equivalence of compiled processes: P | Q and Q | P compile to identical
// code and quote to one channel; alpha-equivalent processes likewise; and a captured
// value hashes like the same literal (substitution).

#include <catch2/catch.hpp>
#include <string>

#include "rho/bytecode/rbc.h"
#include "rho/compiler/compiler.h"

using rho::bytecode::Code;
using rho::bytecode::Value;

namespace {

std::shared_ptr<const Code> compiled(const std::string& src) {
    auto r = rho::compiler::compileSource(src, "t.rho");
    REQUIRE(r.diagnostics.empty());
    return r.program->main;
}

std::string bytesOf(const Code& c) {
    std::string out;
    rho::bytecode::encodeCode(c, out, /*withPositions=*/false);
    return out;
}

// The name @P of a program `@P!(0)`: the Par of P's branches, built as QUOTE does.
Value quoted(const std::string& quotedProcess) {
    auto main = compiled("@{" + quotedProcess + "}!(0)");
    REQUIRE(main->multisets.size() == 1);
    std::vector<Value> parts;
    for (const auto& ref : main->multisets[0].members) {
        REQUIRE(ref.captureSlots.empty());
        parts.push_back(Value::closure(main->children[ref.child], {}));
    }
    return Value::par(std::move(parts));
}

} // namespace

TEST_CASE("P | Q and Q | P compile to identical code", "[equivalence]") {
    CHECK(bytesOf(*compiled(R"(@"x"!(1) | @"y"!(2))")) == bytesOf(*compiled(R"(@"y"!(2) | @"x"!(1))")));
    CHECK(bytesOf(*compiled(R"(@"x"!(1) | @"y"!(2) | @"z"!(3))")) ==
          bytesOf(*compiled(R"(@"z"!(3) | @"x"!(1) | @"y"!(2))")));
    CHECK(bytesOf(*compiled(R"(@"x"!(1) | @"y"!(2))")) != bytesOf(*compiled(R"(@"x"!(2) | @"y"!(1))")));
}

TEST_CASE("@{x!(1) | y!(2)} and @{y!(2) | x!(1)} are one channel", "[equivalence][quote]") {
    Value a = quoted(R"(@"x"!(1) | @"y"!(2))");
    Value b = quoted(R"(@"y"!(2) | @"x"!(1))");
    CHECK(a == b);
    CHECK(a.hash() == b.hash());
    Value c = quoted(R"(@"y"!(1) | @"x"!(2))");
    CHECK(!(a == c));
    CHECK(a.hash() != c.hash());
}

TEST_CASE("P | Nil is P", "[equivalence][quote]") {
    CHECK(quoted(R"(@"x"!(1) | Nil)") == quoted(R"(@"x"!(1))"));
}

TEST_CASE("alpha-equivalent processes quote to the same name", "[equivalence][alpha]") {
    Value a = quoted(R"(for (a <- @"x") { a!(1) })");
    Value b = quoted(R"(for (b <- @"x") { b!(1) })");
    CHECK(a == b);
    CHECK(a.hash() == b.hash());
    CHECK(bytesOf(*compiled(R"(new a in { a!(1) })")) == bytesOf(*compiled(R"(new b in { b!(1) })")));
    // Not alpha-equivalent: the binder is used differently.
    CHECK(!(quoted(R"(for (a, b <- @"x") { a!(1) })") == quoted(R"(for (a, b <- @"x") { b!(1) })")));
}

TEST_CASE("a captured value hashes like the same literal", "[equivalence][substitution]") {
    // for (@v <- @"c") { @{ @"a"!(v) }!(0) }: the quoted send captures v.
    auto main = compiled(R"(for (@v <- @"c") { @{ @"a"!(v) }!(0) })");
    const Code& receive = *main;
    REQUIRE(receive.multisets.size() == 2); // the QUOTE of @"c", then the RECEIVE's body
    const Code& body = *receive.children[receive.multisets[1].members[0].child];
    REQUIRE(body.multisets.size() == 1);
    const auto& ref = body.multisets[0].members[0];
    REQUIRE(ref.captureSlots.size() == 1);
    Value substituted = Value::closure(body.children[ref.child], {Value::integer(1)});
    Value literal = quoted(R"(@"a"!(1))");
    CHECK(substituted.hash() == literal.hash());
    CHECK(substituted == literal);
    Value other = Value::closure(body.children[ref.child], {Value::integer(2)});
    CHECK(other.hash() != literal.hash());
}

TEST_CASE("channel keys are 128-bit hashes of the canonical form", "[equivalence][values]") {
    CHECK(Value::string("a").hash() == Value::string("a").hash());
    CHECK(Value::string("a").hash() != Value::string("b").hash());
    CHECK(Value::integer(1).hash() != Value::string("1").hash());
    // A one-part par is that part; order never matters.
    CHECK(Value::par({Value::integer(1)}) == Value::integer(1));
    auto p = Value::par({Value::integer(2), Value::string("a"), Value::integer(1)});
    auto q = Value::par({Value::string("a"), Value::integer(1), Value::integer(2)});
    CHECK(p == q);
    CHECK(p.hash() == q.hash());
    CHECK(rho::bytecode::print(p) == "1 |\n2 |\n\"a\"");
}

TEST_CASE("hash(P | Q) == hash(Q | P) for random ground pars", "[equivalence][property]") {
    auto a = GENERATE(take(100, random(-1000000, 1000000)));
    auto b = GENERATE(take(3, random(-1000000, 1000000)));
    Value pq = Value::par({Value::integer(a), Value::list({Value::integer(b)})});
    Value qp = Value::par({Value::list({Value::integer(b)}), Value::integer(a)});
    CHECK(pq.hash() == qp.hash());
    CHECK(pq == qp);
}

TEST_CASE("set and map literals in code hash like the values they build", "[equivalence][collections]") {
    // for (@v <- @"c") { @{ @"a"!(v) }!(0) } captures v; substituting a set or a map for
    // v must give the same term as writing the collection literally.
    auto main = compiled(R"(for (@v <- @"c") { @{ @"a"!(v) }!(0) })");
    const Code& body = *main->children[main->multisets[1].members[0].child];
    const auto& ref = body.multisets[0].members[0];
    Value set = Value::set({Value::integer(2), Value::integer(1), Value::integer(2)});
    Value map = Value::map({Value::string("k"), Value::integer(1), Value::string("j"), Value::integer(2),
                            Value::string("k"), Value::integer(3)});
    CHECK(Value::closure(body.children[ref.child], {set}) == quoted(R"(@"a"!(Set(1, 2)))"));
    CHECK(Value::closure(body.children[ref.child], {set}) == quoted(R"(@"a"!(Set(2, 1, 1)))"));
    CHECK(Value::closure(body.children[ref.child], {map}) == quoted(R"(@"a"!({"j" : 2, "k" : 3}))"));
    CHECK(!(Value::closure(body.children[ref.child], {map}) == quoted(R"(@"a"!({"j" : 2, "k" : 1}))")));
    CHECK(Value::set({Value::integer(1), Value::integer(2)}).hash() ==
          Value::set({Value::integer(2), Value::integer(1)}).hash());
}
