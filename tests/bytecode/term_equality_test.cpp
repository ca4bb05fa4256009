// Closures are equal when they denote the same term, whatever code denotes it: the
// 128-bit hash is the fast path, the full canonical form (the hash's preimage)
// decides (DESIGN.md: "collisions checked by full comparison").

#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>

#include "../../bytecode/src/hash.h" // private: the full comparison itself
#include "rho/compiler/compiler.h"

using rho::bytecode::Code;
using rho::bytecode::SequenceKind;
using rho::bytecode::Value;

namespace {

struct Compiled {
    rho::bytecode::Program program;
    // The first sequence of [kind] with [captures] captures, depth first.
    std::shared_ptr<const Code> find(SequenceKind kind, uint32_t captures) const {
        std::function<std::shared_ptr<const Code>(const std::shared_ptr<const Code>&)> go =
            [&](const std::shared_ptr<const Code>& c) -> std::shared_ptr<const Code> {
            if (c->kind == kind && c->numCaptures == captures)
                return c;
            for (const auto& child : c->children)
                if (auto r = go(child))
                    return r;
            return nullptr;
        };
        return go(program.main);
    }
};

Compiled compile(const std::string& source) {
    auto r = rho::compiler::compileSource(source, "t.rho");
    REQUIRE(r.diagnostics.empty());
    return {*r.program};
}

} // namespace

TEST_CASE("a captured value and the same literal make one term", "[bytecode][equality]") {
    Compiled literal = compile(R"(@"out"!({ @"k"!(5, [5]) }))");
    Compiled captured = compile(R"(new v in { for (@x <- v) { @"out"!({ @"k"!(x, [x]) }) } })");
    auto a = literal.program.main->children.at(0); // the process sent: @"k"!(5, [5])
    auto b = captured.find(SequenceKind::kSend, 1); // the same, with x captured
    REQUIRE(a->kind == SequenceKind::kSend);
    REQUIRE(b);
    Value x = Value::closure(a, {});
    Value y = Value::closure(b, {Value::integer(5)});
    Value z = Value::closure(b, {Value::integer(6)});
    CHECK(x.hash() == y.hash());
    CHECK(x == y);
    CHECK(compare(x, y) == 0);
    CHECK(rho::bytecode::compareClosureTerms(x.closure(), y.closure()) == 0);
    CHECK_FALSE(y == z);
    CHECK(rho::bytecode::compareClosureTerms(y.closure(), z.closure()) != 0);
    CHECK(compare(y, z) == -compare(z, y));
}

TEST_CASE("the full comparison tells apart terms the hash builder is given alike", "[bytecode][equality]") {
    // Distinct terms that differ only deep inside: their forms differ at that place.
    Compiled p = compile(R"(@"out"!({ for (@a, @b <- @"c") { @"d"!(a + b, Set(a, b), {a: b}) } }))");
    Compiled q = compile(R"(@"out"!({ for (@a, @b <- @"c") { @"d"!(b + a, Set(a, b), {a: b}) } }))");
    Compiled r = compile(R"(@"out"!({ for (@b, @a <- @"c") { @"d"!(b + a, Set(b, a), {b: a}) } }))");
    Value vp = Value::closure(p.program.main->children.at(0), {});
    Value vq = Value::closure(q.program.main->children.at(0), {});
    Value vr = Value::closure(r.program.main->children.at(0), {});
    CHECK(rho::bytecode::compareClosureTerms(vp.closure(), vq.closure()) != 0);
    CHECK_FALSE(vp == vq);
    // Alpha-equivalent (the binders renamed): one term.
    CHECK(rho::bytecode::compareClosureTerms(vp.closure(), vr.closure()) == 0);
    CHECK(vp == vr);
}
