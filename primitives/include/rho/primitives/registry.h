// File: registry.h
// The primitive processor's handler table (principle 5: the channel trick). A
// handler computes one non-communication operation from its operands. New
// primitives are added by registering a handler for an opcode, not by changing the
// execution engine.
//
//   const Registry& r = Registry::standard();
//   Outcome o = r.find(Op::ADD)(operands);
//
// Thread-safety: a Registry is immutable once built; standard() is built once.
#pragma once

#include <array>
#include <span>

#include "rho/bytecode/op.h"
#include "rho/bytecode/value.h"
#include "rho/primitives/fault.h"

namespace rho::primitives {

struct Outcome {
    bytecode::Value value;
    Fault fault;
};

using Handler = Outcome (*)(std::span<const bytecode::Value> operands);

class Registry {
  public:
    void add(bytecode::Op op, Handler h) { handlers_[static_cast<uint8_t>(op)] = h; }
    [[nodiscard]] Handler find(bytecode::Op op) const { return handlers_[static_cast<uint8_t>(op)]; }
    // Arithmetic, comparison and logic of RHOLANG.md 6.3.
    static const Registry& standard();

  private:
    std::array<Handler, 256> handlers_{};
};

// Number of operands each primitive opcode takes (1 or 2), 0 if not a primitive.
int primitiveArity(bytecode::Op op);

} // namespace rho::primitives
