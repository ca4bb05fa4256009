// File: compiler.cpp
// compile() and compileSource() (compiler.h): the code generator (codegen.h) on a
// thread with a big stack, so the deepest program the parser accepts compiles.

#include "rho/compiler/compiler.h"

#include "codegen.h"
#include "rho/base/big_stack.h"

namespace rho::compiler {

namespace detail {

// Every operator of the grammar has the instruction opcodes.def spells that way.
static_assert([] {
    for (uint8_t i = 0; i <= static_cast<uint8_t>(BinaryOp::kPercentPercent); ++i) {
        const auto op = static_cast<BinaryOp>(i);
        const size_t operands = op == BinaryOp::kAndAlso || op == BinaryOp::kOrElse ? 1 : 2;
        if (op != BinaryOp::kMatches && bytecode::operatorOp(symbol(op), operands) == Op::HALT)
            return false;
    }
    return bytecode::operatorOp(symbol(UnaryOp::kNeg), 1) == Op::NEG &&
           bytecode::operatorOp(symbol(UnaryOp::kNot), 1) == Op::NOT;
}());

std::shared_ptr<const Code> Compiler::program(const Node* root) {
    FuncState fs;
    fs.code->kind = kindOf(root);
    procTail(fs, root);
    return finish(fs).code;
}

} // namespace detail

using bytecode::Code;
using detail::kMaxDepth;
using detail::kMaxDepthSmallStack;

CompileResult compile(const grammar::Node* root, std::string_view sourceName) {
    CompileResult result;
    auto file = std::make_shared<const std::string>(sourceName);
    std::shared_ptr<const Code> main;
    auto work = [&] {
        detail::Compiler c(result.diagnostics, file, kMaxDepth);
        main = c.program(root);
    };
    if (!runOnBigStack(work)) {
        // No thread could be made: compile here, within this thread's stack.
        detail::Compiler c(result.diagnostics, file, kMaxDepthSmallStack);
        main = c.program(root);
    }
    if (result.diagnostics.empty())
        result.program = bytecode::Program{std::move(main), nullptr};
    return result;
}

CompileResult compileSource(std::string_view source, std::string_view sourceName) {
    grammar::ParseResult parsed = grammar::parse(source);
    if (!parsed.diagnostics.empty() || !parsed.root) {
        CompileResult r;
        r.diagnostics = std::move(parsed.diagnostics);
        return r;
    }
    CompileResult r = compile(parsed.root, sourceName);
    if (r.program)
        r.program->source = std::make_shared<const std::string>(source);
    return r;
}

} // namespace rho::compiler
