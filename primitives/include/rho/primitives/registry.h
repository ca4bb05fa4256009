// File: registry.h
// Registry: the primitive processor's table of handlers (principle 5). Every
// non-communication operation is a registered handler, found by what names it:
//   - operators by opcode (ADD, EQ, CONCAT, ...), registered under their symbol;
//   - methods by name ("nth", "toList", ...);
//   - system processes by URN ("rho:io:stdout", ...).
// A new primitive is added by registering a handler; the interpreter does not change.
// Which instructions are operator requests, and which family of handlers serves each,
// is the instruction table's (opcodes.def, PrimitiveClass); the built-in registration
// reads it.
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
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rho/bytecode/op.h"
#include "rho/bytecode/value.h"
#include "rho/primitives/request.h"

namespace rho::primitives {

// Computes one operation from [operands] and writes the result into [out].
//   [operands]  an operator's operands left to right; a method's target, then its
//               arguments. Valid only during the call (they live in the request on
//               the machine's private channel): copy what must outlive it.
//   [out]       exactly one of out.ok(value) or out.fail(code, op, a, b) must be
//               called. A fault ends the requesting process with describe()'s text
//               at the instruction's source position (fault.h); other processes run on.
// Threads: a kImmediate handler runs on the requesting machine's worker thread, a
// kSlow one on the processor's slow lane; either may run on several threads at once,
// so a handler keeps no unsynchronised state. It must not throw, must not block
// unless registered kSlow, and must not call back into the runtime (it sees only
// values; a system process gets a SystemContext for that).
using Handler = void (*)(std::span<const bytecode::Value> operands, Answer& out);

enum class OutputStream : uint8_t { kOut, kErr };

// What a run knows of the deploy and block it runs in (RHOLANG.md section 10): the
// block for rho:block:data (outside a block, as `rnode eval` runs: block 0 and the
// one-byte sender key 00) and the deployer's public key, whose deployer id
// `new x(`rho:rchain:deployerId`)` binds (by default the secp256k1 public key of
// private key 1, the curve's generator: a key anyone can recompute, for runs that
// stand for no one in particular).
struct DeployData {
    int64_t blockNumber = 0;
    std::string blockSender = std::string(1, '\0');
    std::string deployerKey = defaultDeployerKey();

    static std::string defaultDeployerKey();
};

// What the RhoSpec harness's system processes report (rho:test:assertAck,
// rho:test:testSuiteCompleted): `rhovm test` prints them and sets its exit status.
struct TestEvent {
    enum class Kind : uint8_t { kAssertion, kSuiteCompleted };
    Kind kind = Kind::kAssertion;
    std::string test;   // kAssertion: the test's name
    int64_t attempt = 0;
    bool passed = false; // kAssertion: the assertion held; kSuiteCompleted: the value sent
    std::string clue;   // the assertion's message
    std::string detail; // what was compared, printed
};

// What a system process may do while serving a message: write to the run's output
// streams, send messages (an ack, an answer on a return channel), read the run's
// block data, and refuse a message it does not serve.
class SystemContext {
  public:
    virtual ~SystemContext() = default;
    // Writes [text] to [stream] in one piece (no other output interleaves with it).
    virtual void write(OutputStream stream, std::string_view text) = 0;
    // Sends [args] on [channel], as `channel!(args)` would.
    virtual void send(const bytecode::Value& channel, std::vector<bytecode::Value> args) = 0;
    // The message is not one the process serves (arguments of the wrong type: the
    // reference raises a host exception): reports [message] as a run-time error at
    // the send that delivered it. The message is consumed; every process goes on.
    virtual void fail(std::string_view message) = 0;
    [[nodiscard]] virtual const DeployData& deploy() const = 0;
    // The values of the oldest message stored on [channel], left where it is; false
    // when there is none. For channels only a system process writes (the registry's).
    virtual bool read(const bytecode::Value& channel, std::vector<bytecode::Value>& out) = 0;
    // Replaces the oldest message stored on [channel] (or stores one), atomically:
    // [decide](current or null, next) returns whether to store [next]. For channels only
    // a system process writes (the registry's).
    using Decide = std::function<bool(const std::vector<bytecode::Value>* current, std::vector<bytecode::Value>& next)>;
    virtual bool update(const bytecode::Value& channel, const Decide& decide) = 0;
    // A new unforgeable name, as `new` makes one (from the run's seed when it has one).
    virtual bytecode::Value freshName() = 0;
    // Records an outcome of the RhoSpec harness for the run's report.
    virtual void testEvent(TestEvent event) = 0;
};

// Serves one message sent on a system process's channel: [args] are the message's
// values (as many as the registered arity), valid only during the call; [context] is
// how it writes output and sends answers. Runs on the sending machine's worker (or
// the slow lane for kSlow); must not throw.
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

    // The registration with id [id] (< size()); valid until the registry changes.
    [[nodiscard]] const Registration& entry(uint32_t id) const { return entries_[id]; }
    // Ids are 0 .. size() - 1, in registration order.
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
