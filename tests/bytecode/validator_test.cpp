// The validator (one walk of the instruction table over a sequence) accepts what the
// compiler emits and rejects hand-made code that breaks the table's rules, with the
// instruction named.

#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>

#include "rho/bytecode/validator.h"
#include "rho/compiler/compiler.h"

using rho::bytecode::Code;
using rho::bytecode::encode;
using rho::bytecode::Op;
using rho::bytecode::SequenceKind;
using rho::bytecode::Value;

namespace {

std::unique_ptr<Code> sequence(std::vector<uint32_t> words, uint32_t slots = 0) {
    auto c = std::make_unique<Code>();
    c->kind = SequenceKind::kSend;
    c->numSlots = slots;
    c->words = std::move(words);
    c->positions.resize(c->words.size());
    c->constants.push_back(Value::integer(1));
    return c;
}

std::string error(const std::unique_ptr<Code>& c) { return std::string(rho::bytecode::validate(*c).message()); }

void validateTree(const Code& c, std::function<void(const Code&)>& visit) {
    visit(c);
    for (const auto& child : c.children)
        validateTree(*child, visit);
}

} // namespace

TEST_CASE("compiled code is valid, every sequence of it", "[bytecode][validator]") {
    auto r = rho::compiler::compileSource(R"(
        new out, ack(`rho:io:stdout`) in {
          contract out(@n, ret) = { if (n > 1 and n < 9) { ret!(n * 2, [n], {"a": n}, Set(n)) } else { ret!(-n) } } |
          for (@a <- out & @{b /\ Int} <- @"q") { match [a, b] { [x, y] => { ack!(x ++ y, a.length()) } _ => Nil } } |
          @"q"!(1 || false) | *out | bundle+ { @"z"!({ out!(1) | 2 }) }
        })",
                                          "t.rho");
    REQUIRE(r.diagnostics.empty());
    size_t checked = 0;
    std::function<void(const Code&)> visit = [&](const Code& c) {
        ++checked;
        INFO(checked);
        CHECK(rho::bytecode::validate(c).ok());
    };
    validateTree(*r.program->main, visit);
    CHECK(checked > 10);
}

TEST_CASE("a stack underflow names its instruction", "[bytecode][validator]") {
    // PUSH_CONST; SEND 1 (pops channel + 1 argument: 2, but only 1 is there); HALT
    auto c = sequence({encode(Op::PUSH_CONST, 0), encode(Op::SEND, 1), encode(Op::HALT)});
    CHECK(error(c) == "instruction 1: stack underflow");
    auto ok = sequence({encode(Op::PUSH_CONST, 0), encode(Op::PUSH_CONST, 0), encode(Op::SEND, 1), encode(Op::HALT)});
    CHECK(rho::bytecode::validate(*ok).ok());
}

TEST_CASE("nothing may follow the end of a sequence, and a sequence must end", "[bytecode][validator]") {
    CHECK(error(sequence({encode(Op::HALT), encode(Op::PUSH_NIL)})) ==
          "instruction 1: instruction after the end of the sequence");
    CHECK(error(sequence({encode(Op::PUSH_NIL), encode(Op::RET), encode(Op::HALT)})) ==
          "instruction 2: instruction after the end of the sequence");
    CHECK(error(sequence({encode(Op::PUSH_NIL), encode(Op::POP)})).find("does not end") != std::string::npos);
}

TEST_CASE("operands out of range and unknown opcodes are rejected", "[bytecode][validator]") {
    CHECK(error(sequence({encode(Op::PUSH_CONST, 5), encode(Op::POP), encode(Op::HALT)})) ==
          "instruction 0: constant index out of range");
    CHECK(error(sequence({encode(Op::LOAD, 2), encode(Op::POP), encode(Op::HALT)}, 2)) ==
          "instruction 0: slot out of range");
    CHECK(error(sequence({0xFFu, encode(Op::HALT)})) == "instruction 0: unknown opcode");
    CHECK(error(sequence({encode(Op::NEW, 0)}, 1)) == "instruction 0: missing AUX word");
    CHECK(error(sequence({encode(Op::MAKE_TUPLE, 0), encode(Op::POP), encode(Op::HALT)})) ==
          "instruction 0: bad collection size");
}
