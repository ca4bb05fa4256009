// File: phlo_cost.h (private)
// What the reference charges for the evaluation steps the interpreter runs as
// instructions (its Costs.scala and the charges in Reduce.scala): a match, an `if` (a
// match on true and false), the operators and the methods. Called only on a metered
// run (phlo_meter.h), before the instruction, with its operands on [stack].
#pragma once

#include "phlo_meter.h"
#include "rho/bytecode/op.h"
#include "value_stack.h"

#include <cstdint>

namespace rho::machine {

inline constexpr int64_t kMatchEval = 12;

// `if (c)`: the match on c, with the patterns it tries (true, then false).
void chargeIf(PhloMeter& meter, const bytecode::Value& condition);
// Operator [op] applied to the top [n] values of [stack].
void chargeOperator(PhloMeter& meter, bytecode::Op op, const ValueStack& stack, uint32_t n);
// The method of interned [symbol] on the top [n] values of [stack] (target, then arguments).
void chargeMethod(PhloMeter& meter, uint32_t symbol, const ValueStack& stack, uint32_t n);

} // namespace rho::machine
