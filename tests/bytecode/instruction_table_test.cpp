// opcodes.def as the one table of instruction facts: the facts written there hold
// for the code the compiler emits, and the compiler finds each operator's
// instruction by the symbol written there.

#include <catch2/catch.hpp>
#include <string>

#include "rho/bytecode/disassembler.h"
#include "rho/bytecode/op.h"
#include "rho/compiler/compiler.h"

using rho::bytecode::Flow;
using rho::bytecode::Op;
using rho::bytecode::OperandFormat;
using rho::bytecode::opInfo;
using rho::bytecode::operatorOp;
using rho::bytecode::popCount;
using rho::bytecode::PrimitiveClass;

namespace {

std::string disassembly(const std::string& source) {
    auto r = rho::compiler::compileSource(source, "t.rho");
    REQUIRE(r.diagnostics.empty());
    return rho::bytecode::disassemble(*r.program->main);
}

} // namespace

TEST_CASE("every operator is the instruction its symbol names in the table", "[bytecode][table]") {
    struct Case {
        const char* source;
        Op op;
    };
    // Written by hand from RHOLANG.md's operator list, not from the table.
    const Case cases[] = {
        {"1 + 2", Op::ADD},     {"1 - 2", Op::SUB},          {"1 * 2", Op::MUL},      {"1 / 2", Op::DIV},
        {"1 % 2", Op::MOD},     {"1 == 2", Op::EQ},          {"1 != 2", Op::NEQ},     {"1 < 2", Op::LT},
        {"1 <= 2", Op::LE},     {"1 > 2", Op::GT},           {"1 >= 2", Op::GE},      {"true and false", Op::AND},
        {"true or false", Op::OR}, {"[1] ++ [2]", Op::CONCAT}, {"Set(1) -- Set(2)", Op::DIFF},
        {"\"${a}\" %% {\"a\": 1}", Op::INTERPOLATE}, {"-x", Op::NEG}, {"not x", Op::NOT},
        {"x && true", Op::AND_ALSO}, {"x || true", Op::OR_ELSE},
    };
    for (const Case& c : cases) {
        INFO(c.source);
        std::string d = disassembly(std::string("new out in { for (@x <- out) { out!(") + c.source + ") } }");
        CHECK(d.find(std::string(" ") + opInfo(c.op).name + " ") != std::string::npos);
    }
    CHECK(operatorOp("-", 1) == Op::NEG);
    CHECK(operatorOp("-", 2) == Op::SUB);
    CHECK(operatorOp("not", 1) == Op::NOT);
    CHECK(operatorOp("<>", 2) == Op::HALT);
}

TEST_CASE("the table's stack counts read the operands they name", "[bytecode][table]") {
    CHECK(popCount(opInfo(Op::ADD), 0, 0, 0) == 2);
    CHECK(popCount(opInfo(Op::SEND), 3, 0, 0) == 4);          // the channel and 3 arguments
    CHECK(popCount(opInfo(Op::MAKE_MAP), 3, 0, 0) == 6);      // 3 pairs
    CHECK(popCount(opInfo(Op::QUOTE), 7, 2, 0) == 2);         // AUX values; A is the multiset
    CHECK(popCount(opInfo(Op::METHOD), 5, 2, 0) == 3);        // the target and 2 arguments
    CHECK(popCount(opInfo(Op::RECEIVE), 0, 0, 3) == 3);       // one channel per bind
    CHECK(opInfo(Op::RECEIVE).flow == Flow::kEnd);
    CHECK(opInfo(Op::IF).flow == Flow::kBranch);
    CHECK(opInfo(Op::AND_ALSO).flow == Flow::kCall);
    CHECK(opInfo(Op::NEW_URN).format == OperandFormat::kSlotConst);
}

TEST_CASE("primitive requests are the instructions the table marks", "[bytecode][table]") {
    size_t primitives = 0;
    for (uint32_t i = 0; i < rho::bytecode::kOpCount; ++i) {
        const auto& info = opInfo(static_cast<Op>(i));
        if (info.primitive == PrimitiveClass::kNone)
            continue;
        ++primitives;
        INFO(info.name);
        CHECK(info.pushes == 1); // every request is answered with one value
        CHECK(info.flow == Flow::kNext);
    }
    // NEG NOT, 5 arithmetic, 2 equality, 4 order, 2 logic, 3 collection, METHOD.
    CHECK(primitives == 19);
}
