// File: registry.h
// Registry: the primitive processor's table of handlers (principle 5). Every
// non-communication operation is a registered handler, found by what names it:
//   - operators by opcode (ADD, EQ, CONCAT, ...), registered under their symbol;
//   - methods by name ("nth", "toList", ...);
//   - system processes by URN ("rho:io:stdout", ...).
// A new primitive is added by registering a handler; the interpreter does not change.
// Names are interned symbols (rho/bytecode/symbol.h), resolved when a program is
// compiled or loaded, so dispatch is an array index, never a string comparison.
//
//   Registry r = Registry::standard();                  // the built-ins, copied
//   r.addMethod("double", [](auto ops, Answer& out) { out.ok(Value::integer(2 * ops[0].asInt())); });
//   r.addMethod("verify", verifySignature, Timing::kSlow); // answered asynchronously
//
// Thread-safety: build a Registry on one thread; once a runtime uses it, it is only
// read (any thread). standard() is built once and never changes.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rho/bytecode/op.h"
#include "rho/bytecode/value.h"
#include "rho/primitives/request.h"

namespace rho::primitives {

// Computes one operation from [operands] (a method's target first, then its
// arguments) and writes the result, or a fault, into [out]. Must not throw; may be
// called from any thread (a kSlow handler runs on the processor's slow lane).
using Handler = void (*)(std::span<const bytecode::Value> operands, Answer& out);

enum class OutputStream : uint8_t { kOut, kErr };

// What a system process may do while serving a message: write to the run's output
// streams and send messages (an ack, an answer on a return channel).
class SystemContext {
  public:
    virtual ~SystemContext() = default;
    // Writes [text] to [stream] in one piece (no other output interleaves with it).
    virtual void write(OutputStream stream, std::string_view text) = 0;
    // Sends [args] on [channel], as `channel!(args)` would.
    virtual void send(const bytecode::Value& channel, std::vector<bytecode::Value> args) = 0;
};

// Serves one message sent on a system process's channel.
using SystemHandler = void (*)(std::span<const bytecode::Value> args, SystemContext& context);

// kImmediate: the processor answers before the request returns (arithmetic, methods).
// kSlow: the processor answers later, from its slow lane (crypto verification, hashing
// of large data, I/O); the requesting machine's fiber suspends until the answer comes
// and its worker runs other machines meanwhile.
enum class Timing : uint8_t { kImmediate, kSlow };

struct Registration {
    enum class Kind : uint8_t { kOperator, kMethod, kSystemProcess };
    Kind kind = Kind::kMethod;
    std::string name;                   // "+", "nth", "rho:io:stdout"
    bytecode::Op op = bytecode::Op::HALT; // kOperator
    Handler handler = nullptr;          // kOperator, kMethod
    SystemHandler system = nullptr;     // kSystemProcess
    uint8_t arity = 0;                  // kSystemProcess: the message arity it serves
    Timing timing = Timing::kImmediate;
};

class Registry {
  public:
    static constexpr uint32_t kNoHandler = UINT32_MAX;

    Registry() { byOp_.fill(kNoHandler); }
    // The built-in handlers: the operators of RHOLANG.md 6.3, the methods of section 7
    // and the rho:io system processes of section 10. Built once; copy it to extend it.
    static const Registry& standard();

    // Each add returns the handler's id. Registering a name again replaces its handler
    // and keeps its id.
    uint32_t addOperator(bytecode::Op op, Handler handler, Timing timing = Timing::kImmediate);
    uint32_t addMethod(std::string_view name, Handler handler, Timing timing = Timing::kImmediate);
    // [arity]: the number of values in a message the process serves; a message of
    // another arity waits on the channel (RHOLANG.md section 10).
    uint32_t addSystemProcess(std::string_view urn, uint8_t arity, SystemHandler handler,
                              Timing timing = Timing::kImmediate);

    // Resolution, O(1): kNoHandler when nothing is registered under the name.
    [[nodiscard]] uint32_t operatorId(bytecode::Op op) const { return byOp_[static_cast<uint8_t>(op)]; }
    // [symbol]: an interned method name or URN (Code::symbols).
    [[nodiscard]] uint32_t methodId(uint32_t symbol) const { return lookup(methodBySymbol_, symbol); }
    [[nodiscard]] uint32_t systemProcessId(uint32_t symbol) const { return lookup(systemBySymbol_, symbol); }

    [[nodiscard]] const Registration& entry(uint32_t id) const { return entries_[id]; }
    [[nodiscard]] size_t size() const { return entries_.size(); }

  private:
    static uint32_t lookup(const std::vector<uint32_t>& table, uint32_t symbol) {
        return symbol < table.size() ? table[symbol] : kNoHandler;
    }
    uint32_t put(Registration r, std::vector<uint32_t>* bySymbol);

    std::vector<Registration> entries_;
    std::array<uint32_t, 256> byOp_{};
    std::vector<uint32_t> methodBySymbol_;
    std::vector<uint32_t> systemBySymbol_;
};

} // namespace rho::primitives
