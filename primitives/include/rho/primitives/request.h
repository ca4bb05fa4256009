// File: request.h
// Request and Answer: the two messages of the channel trick (principle 5). A machine
// puts a Request on its private channel; the primitive processor consumes it, reads
// [handler] (which operation), dispatches through its registry and writes the Answer
// on the machine's reply side. Both live inside the private channel (rspace's
// PrivateChannel) and are reused from one request to the next, so a request allocates
// nothing: up to kInlineOperands operands are held inline.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "rho/bytecode/value.h"
#include "rho/primitives/fault.h"

namespace rho::primitives {

struct Request {
    // Operators take one or two operands, methods a target and up to three arguments.
    static constexpr uint32_t kInlineOperands = 4;

    uint32_t handler = 0; // the operation: a registry id (Registry::entry)
    uint32_t count = 0;   // operands in use
    std::array<bytecode::Value, kInlineOperands> inlineOperands;
    std::vector<bytecode::Value> spilledOperands; // used instead when count > kInlineOperands

    [[nodiscard]] std::span<const bytecode::Value> operands() const {
        return count <= kInlineOperands ? std::span<const bytecode::Value>(inlineOperands.data(), count)
                                        : std::span<const bytecode::Value>(spilledOperands);
    }
    // Drops the operand values once served, so a request never keeps a large value alive.
    void clear() {
        if (count <= kInlineOperands) {
            for (uint32_t i = 0; i < count; ++i)
                if (!inlineOperands[i].isInline())
                    inlineOperands[i] = bytecode::Value();
        } else {
            spilledOperands.clear();
        }
        count = 0;
    }
};

struct Answer {
    bytecode::Value value;
    Fault fault; // fault.code != kNone: the operation failed, [value] is meaningless

    void ok(bytecode::Value v) { value = std::move(v); }
    void fail(FaultCode code, bytecode::Op op, const bytecode::Value& a = bytecode::Value(),
              const bytecode::Value& b = bytecode::Value()) {
        fault = Fault{code, op, a, b};
    }
    [[nodiscard]] bool failed() const { return fault.code != FaultCode::kNone; }
};

} // namespace rho::primitives
