// File: interpreter.cpp
// The dispatch loop, and nothing else. Rules for code in this file:
//  1. Hot state lives in locals (pc, code pointer); RHO_SYNC_STATE() writes it back
//     before anything that can fault, spawn, touch RSpace or end the slice.
//  2. Sequences are straight-line: there are no backward jumps, so the reduction
//     budget is charged only at the safepoints that do work for others: SEND,
//     RECEIVE, SPAWN, EXEC and primitive requests.
//  3. A machine never waits inside this loop: RECEIVE ends the sequence, and a
//     primitive request is answered before the request call returns.
//  4. A fault stores a Fault on the machine and jumps to the one exit; no string is
//     built here (Kernel::reportFault formats it once).
//  5. Operands were checked by the validator when the code was loaded. RHO_DEBUG
//     builds (every build without NDEBUG) also check, at each dispatch, that the
//     instruction before left the operand stack as opcodes.def says it does, and
//     that the stack holds what the next one pops (stack_check.h).
//  6. A computed goto does not run destructors of the scope it leaves (a GCC rule), so
//     every case keeps its locals in an inner block that closes before RHO_NEXT().

#include "rho/base/assert.h"
#include "resource_map.h"
#include "stack_check.h"
#include "rho/bytecode/symbol.h"
#include "rho/primitives/system.h"
#include "kernel.h"
#include "phlo_cost.h"
#include "rho/primitives/term_size.h"

namespace rho::machine {

using bytecode::Code;
using bytecode::Op;
using bytecode::SequenceKind;
using primitives::FaultCode;

namespace {

// A bundle used as a channel acts on the channel it wraps, if its mode permits:
// sending needs write permission (bundle, bundle+), receiving read (bundle, bundle-).
bool unwrapChannel(Value& channel, bool write) {
    while (channel.kind() == bytecode::ValueKind::kBundle) {
        auto mode = channel.bundleMode();
        bool allowed = mode == bytecode::BundleMode::kReadWrite ||
                       mode == (write ? bytecode::BundleMode::kWrite : bytecode::BundleMode::kRead);
        if (!allowed)
            return false;
        Value inner = channel.items()[0];
        channel = std::move(inner);
    }
    return true;
}

// Fills [out] with the frame of child [child] referenced by [ref], captured from [frame].
void captureFrame(const Code& child, const bytecode::ChildRef& ref, const ValueStack& frame,
                  ValueStack& out) {
    out.clear();
    out.reserve(child.numSlots);
    for (uint32_t s : ref.captureSlots)
        out.push_back(frame[s]);
    out.resize(child.numSlots);
}

// Makes [frame] the frame of child [child] referenced by [ref], for a machine that
// goes on in that child (IF, SPAWN's last branch): the old sequence is done with its
// frame, so the captured values move down in place instead of being copied. Capture
// slots in ascending order (as the compiler numbers them) are read before anything
// overwrites them; other orders (a hand-made .rbc) go through [scratch].
void narrowFrame(const Code& child, const bytecode::ChildRef& ref, ValueStack& frame, ValueStack& scratch) {
    const std::vector<uint32_t>& slots = ref.captureSlots;
    for (size_t i = 1; i < slots.size(); ++i) {
        if (slots[i] <= slots[i - 1]) [[unlikely]] {
            captureFrame(child, ref, frame, scratch);
            frame.swap(scratch);
            return;
        }
    }
    for (uint32_t i = 0; i < slots.size(); ++i)
        if (slots[i] != i)
            frame[i] = std::move(frame[slots[i]]);
    frame.truncate(static_cast<uint32_t>(slots.size()));
    frame.resize(child.numSlots);
}

Captures captureInline(const bytecode::ChildRef& ref, const ValueStack& frame) {
    Captures out;
    out.reserve(ref.captureSlots.size());
    for (uint32_t s : ref.captureSlots)
        out.push_back(frame[s]);
    return out;
}

std::vector<Value> captureList(const bytecode::ChildRef& ref, const ValueStack& frame) {
    std::vector<Value> out;
    out.reserve(ref.captureSlots.size());
    for (uint32_t s : ref.captureSlots)
        out.push_back(frame[s]);
    return out;
}

} // namespace

#if defined(__GNUC__)
#define RHO_DISPATCH_GOTO 1
#else
#define RHO_DISPATCH_GOTO 0
#endif

SliceResult runSlice(Machine& m, Kernel& kernel, int& budget) {
    const Code* code = m.code.get();
    const uint32_t* words = code->words.data();
    uint32_t pc = m.pc;
    ValueStack& stack = m.stack;
    PhloMeter* const meter = kernel.meter(); // null unless the run is metered (phlo_meter.h)
    uint32_t insn = 0;
    uint32_t a = 0;
#ifdef RHO_DEBUG
#define RHO_STACK_RESET() stackCheck.reset()
#else
#define RHO_STACK_RESET() ((void)0)
#endif
#if defined(RHO_DEBUG) && defined(RHO_TRACE_INSTRUCTIONS)
    StackCheck stackCheck;
#define RHO_STACK_CHECK()                                                                                              \
    (traceInstruction(*code, pc, insn, stack.size()), stackCheck.step(words, pc, insn, stack.size()))
#elif defined(RHO_DEBUG)
    StackCheck stackCheck;
#define RHO_STACK_CHECK() stackCheck.step(words, pc, insn, stack.size())
#elif defined(RHO_TRACE_INSTRUCTIONS)
#define RHO_STACK_CHECK() traceInstruction(*code, pc, insn, stack.size())
#else
#define RHO_STACK_CHECK() ((void)0)
#endif

#define RHO_SYNC_STATE() (m.pc = pc)
#define RHO_FAULT(kind)                                                                                                \
    do {                                                                                                               \
        m.fault.code = (kind);                                                                                         \
        m.faultPc = pc - 1;                                                                                            \
        goto faulted;                                                                                                  \
    } while (0)
#define RHO_SAFEPOINT()                                                                                                \
    do {                                                                                                               \
        if (--budget <= 0) {                                                                                           \
            RHO_SYNC_STATE();                                                                                          \
            return SliceResult::kOutOfBudget;                                                                          \
        }                                                                                                              \
    } while (0)

#if RHO_DISPATCH_GOTO
    static const void* const kLabels[] = {
#define RHO_OP(name, fmt, pops, pushes, flow, prim, symbol, effect) &&op_##name,
#include "rho/bytecode/opcodes.def"
#undef RHO_OP
    };
#define RHO_CASE(name) op_##name:
#define RHO_NEXT()                                                                                                     \
    do {                                                                                                               \
        insn = words[pc++];                                                                                            \
        a = bytecode::decodeA(insn);                                                                                   \
        RHO_STACK_CHECK();                                                                                             \
        goto* kLabels[insn & 0xFFu];                                                                                   \
    } while (0)
    RHO_NEXT();
#else
#define RHO_CASE(name) case Op::name:
#define RHO_NEXT() goto dispatch
dispatch:
    insn = words[pc++];
    a = bytecode::decodeA(insn);
    RHO_STACK_CHECK();
    switch (bytecode::decodeOp(insn)) {
#endif

    RHO_CASE(PUSH_NIL) {
        stack.emplace_back();
        RHO_NEXT();
    }
    RHO_CASE(PUSH_CONST) {
        stack.push_back(code->constants[a]);
        RHO_NEXT();
    }
    RHO_CASE(LOAD) {
        if (meter != nullptr) [[unlikely]]
            meter->chargeLoad(*code, a);
        stack.push_back(m.frame[a]);
        RHO_NEXT();
    }
    RHO_CASE(MAKE_LIST)
    RHO_CASE(MAKE_TUPLE) {
        {
            std::vector<Value> items(std::make_move_iterator(stack.end() - a), std::make_move_iterator(stack.end()));
            stack.truncate(stack.size() - a);
            bool list = bytecode::decodeOp(insn) == Op::MAKE_LIST;
            stack.push_back(list ? Value::list(std::move(items)) : Value::tuple(std::move(items)));
            m.usage->bytesAllocated += shallowBytes(stack.back());
        }
        RHO_NEXT();
    }
    RHO_CASE(QUOTE)
    RHO_CASE(PAR) {
        // Values already evaluated on the stack, plus a closure per process branch.
        uint32_t n = words[pc++];
        const auto& members = code->multisets[a].members;
        if (n == 1 && members.empty()) // @v of one value: the name is the value itself
            RHO_NEXT();
        {
            std::vector<Value> parts(std::make_move_iterator(stack.end() - n), std::make_move_iterator(stack.end()));
            stack.truncate(stack.size() - n);
            for (const bytecode::ChildRef& ref : members)
                parts.push_back(Value::closure(code->children[ref.child], captureList(ref, m.frame)));
            stack.push_back(Value::par(std::move(parts)));
            m.usage->bytesAllocated += shallowBytes(stack.back());
        }
        RHO_NEXT();
    }
    RHO_CASE(NEG)
    RHO_CASE(NOT) {
        if (meter != nullptr) [[unlikely]]
            chargeOperator(*meter, bytecode::decodeOp(insn), stack, 1);
        RHO_SYNC_STATE();
        if (!kernel.primitive(m, kernel.operatorHandler(bytecode::decodeOp(insn)), 1))
            goto faulted_primitive;
        RHO_NEXT();
    }
    RHO_CASE(ADD)
    RHO_CASE(SUB)
    RHO_CASE(MUL)
    RHO_CASE(DIV)
    RHO_CASE(MOD)
    RHO_CASE(EQ)
    RHO_CASE(NEQ)
    RHO_CASE(LT)
    RHO_CASE(LE)
    RHO_CASE(GT)
    RHO_CASE(GE)
    RHO_CASE(AND)
    RHO_CASE(OR)
    RHO_CASE(CONCAT)
    RHO_CASE(DIFF)
    RHO_CASE(INTERPOLATE) {
        if (meter != nullptr) [[unlikely]]
            chargeOperator(*meter, bytecode::decodeOp(insn), stack, 2);
        RHO_SYNC_STATE();
        if (!kernel.primitive(m, kernel.operatorHandler(bytecode::decodeOp(insn)), 2))
            goto faulted_primitive;
        --budget;
        RHO_NEXT();
    }
    RHO_CASE(IF) {
        // Tail-continue in the chosen branch: this machine becomes that sequence.
        if (meter != nullptr) [[unlikely]]
            chargeIf(*meter, stack.back());
        {
            bool isBool = stack.back().kind() == bytecode::ValueKind::kBool;
            size_t arm = isBool && stack.back().asBool() ? 0 : 1;
            stack.pop_back();
            const auto& members = code->multisets[a].members;
            if (!isBool || arm >= members.size())
                goto finished;
            const bytecode::ChildRef& ref = members[arm];
            const Code* next = code->children[ref.child].get();
            narrowFrame(*next, ref, m.frame, m.scratch);
            m.code = within(std::move(m.code), next);
        }
        code = m.code.get();
        words = code->words.data();
        pc = 0;
        RHO_SAFEPOINT();
        RHO_NEXT();
    }
    RHO_CASE(SEND)
    RHO_CASE(SEND_PERSIST) {
        RHO_SYNC_STATE();
        if (!unwrapChannel(stack[stack.size() - a - 1], /*write=*/true))
            RHO_FAULT(FaultCode::kNotWritable);
        if (uint32_t urn = primitives::unknownUrnSymbol(stack[stack.size() - a - 1])) [[unlikely]] {
            m.fault.a = Value::uri(bytecode::symbolName(urn));
            RHO_FAULT(FaultCode::kUnknownUrn);
        }
        {
            Message msg;
            stack.relocateTop(a, msg.args.appendUninitialized(a));
            Value channel = std::move(stack.back());
            stack.pop_back();
            // A send that ends the sequence may continue in the body its COMM fires.
            const bool tail = bytecode::decodeOp(words[pc]) == Op::HALT;
            if (kernel.send(&m, channel, msg, bytecode::decodeOp(insn) == Op::SEND_PERSIST, budget, tail))
                goto continued;
        }
        RHO_SAFEPOINT();
        RHO_NEXT();
    }
    RHO_CASE(RECEIVE) {
        const bytecode::ChildRef& ref = code->multisets[a].members[0];
        std::shared_ptr<const Code> body = within(m.code, code->children[ref.child].get());
        size_t k = body->join->binds.size();
        for (size_t i = stack.size() - k; i < stack.size(); ++i)
            if (primitives::isSystemChannel(stack[i]) || !unwrapChannel(stack[i], /*write=*/false))
                RHO_FAULT(FaultCode::kNotReadable);
        for (size_t i = stack.size() - k; i < stack.size(); ++i) {
            if (uint32_t urn = primitives::unknownUrnSymbol(stack[i])) [[unlikely]] {
                m.fault.a = Value::uri(bytecode::symbolName(urn));
                RHO_FAULT(FaultCode::kUnknownUrn);
            }
        }
        RHO_SYNC_STATE();
        if (kernel.receive(m, {stack.data() + stack.size() - k, k}, std::move(body), captureInline(ref, m.frame),
                           budget))
            goto continued; // it fired at once: this machine runs the body
        stack.truncate(stack.size() - k);
        goto finished;
    }
    RHO_CASE(NEW) {
        uint32_t n = words[pc++];
        if (meter != nullptr) [[unlikely]]
            meter->chargeNew(*code, pc - 2, n);
        for (uint32_t i = 0; i < n; ++i)
            m.frame[a + i] = kernel.freshName();
        RHO_NEXT();
    }
    RHO_CASE(NEW_URN) {
        uint32_t k = words[pc++];
        if (meter != nullptr) [[unlikely]]
            meter->chargeNew(*code, pc - 2, 1);
        uint32_t id = kernel.systemProcess(code->symbols[k]);
        if (id != primitives::Registry::kNoHandler)
            m.frame[a] = primitives::systemChannel(id);
        else if (!kernel.deployValue(code->symbols[k], m.frame[a]))
            m.frame[a] = primitives::unknownUrnName(code->symbols[k]); // fails only the processes that use it
        RHO_NEXT();
    }
    RHO_CASE(SPAWN) {
        // Principle 2: each process branch becomes its own machine. Expression branches
        // are kept in the term but never run (RHOLANG.md 5: top-level expressions). Two
        // scheduling choices, both interleavings the par allows: a branch that only
        // sends runs to completion now (it cannot block), on a machine of its own; and
        // when nothing follows SPAWN, the last process branch continues on this
        // machine object, under a new identity, instead of a queued one.
        {
            const auto& members = code->multisets[a].members;
            size_t tail = members.size();
            if (bytecode::decodeOp(words[pc]) == Op::HALT) {
                for (size_t i = members.size(); i-- > 0;) {
                    if (code->children[members[i].child]->kind != SequenceKind::kExpression) {
                        tail = i;
                        break;
                    }
                }
            }
            RHO_SYNC_STATE();
            for (size_t i = 0; i < members.size(); ++i) {
                const bytecode::ChildRef& ref = members[i];
                const std::shared_ptr<const Code>& child = code->children[ref.child];
                if (i == tail || child->kind == SequenceKind::kExpression)
                    continue;
                Machine* c = kernel.newMachine(within(m.code, child.get()));
                captureFrame(*child, ref, m.frame, c->frame);
                if (child->kind == SequenceKind::kSend)
                    kernel.runNow(c, budget);
                else
                    kernel.start(c);
            }
            if (tail == members.size())
                goto spawned;
            const bytecode::ChildRef& ref = members[tail];
            const Code* next = code->children[ref.child].get();
            narrowFrame(*next, ref, m.frame, m.scratch);
            kernel.handOff(m);
            m.code = within(std::move(m.code), next);
            m.origin = next;
        }
        code = m.code.get();
        words = code->words.data();
        pc = 0;
    spawned:
        RHO_SYNC_STATE();
        RHO_SAFEPOINT();
        RHO_NEXT();
    }
    RHO_CASE(EXEC) {
        kernel.exec(stack.back());
        stack.pop_back();
        RHO_SYNC_STATE();
        RHO_SAFEPOINT();
        RHO_NEXT();
    }
    RHO_CASE(POP) {
        stack.pop_back();
        RHO_NEXT();
    }
    RHO_CASE(MAKE_SET) {
        {
            std::vector<Value> items(std::make_move_iterator(stack.end() - a), std::make_move_iterator(stack.end()));
            stack.truncate(stack.size() - a);
            stack.push_back(Value::set(std::move(items)));
            m.usage->bytesAllocated += shallowBytes(stack.back());
        }
        RHO_NEXT();
    }
    RHO_CASE(MAKE_MAP) {
        {
            size_t n = 2 * size_t{a};
            std::vector<Value> pairs(std::make_move_iterator(stack.end() - static_cast<ptrdiff_t>(n)),
                                     std::make_move_iterator(stack.end()));
            stack.truncate(stack.size() - n);
            stack.push_back(Value::map(std::move(pairs)));
            m.usage->bytesAllocated += shallowBytes(stack.back());
        }
        RHO_NEXT();
    }
    RHO_CASE(BUNDLE) {
        stack.back() = Value::bundle(std::move(stack.back()), static_cast<bytecode::BundleMode>(a));
        RHO_NEXT();
    }
    RHO_CASE(MATCH) {
        // Try the cases in order; continue in the first that matches, with its bindings.
        {
            Value target = std::move(stack.back());
            stack.pop_back();
            if (meter != nullptr) [[unlikely]]
                meter->charge(kMatchEval + primitives::termSize(target));
            bool found = false;
            for (const bytecode::ChildRef& ref : code->multisets[a].members) {
                const std::shared_ptr<const Code>& cs = code->children[ref.child];
                ValueStack& caps = m.scratch; // keeps its storage from case to case
                caps.clear();
                for (uint32_t slot : ref.captureSlots)
                    caps.push_back(m.frame[slot]);
                if (meter != nullptr) [[unlikely]] // the case's pattern, substituted
                    meter->charge(primitives::casePatternSize(*cs, {caps.data(), caps.size()}));
                Bindings b;
                if (!matchPattern(cs->join->binds[0].args[0], target, {caps.data(), caps.size()}, *cs, b))
                    continue;
                caps.resize(cs->numSlots);
                for (auto& [index, value] : b)
                    caps[cs->numCaptures + index] = std::move(value);
                m.frame.swap(caps);
                m.code = within(std::move(m.code), cs.get());
                found = true;
                break;
            }
            if (!found)
                goto finished; // no case matches: nothing happens (not an error)
        }
        code = m.code.get();
        words = code->words.data();
        pc = 0;
        RHO_SAFEPOINT();
        RHO_NEXT();
    }
    RHO_CASE(MATCHES) {
        {
            const bytecode::ChildRef& ref = code->multisets[a].members[0];
            const Code& cs = *code->children[ref.child];
            std::vector<Value> caps = captureList(ref, m.frame);
            Bindings b;
            bool matched = matchPattern(cs.join->binds[0].args[0], stack.back(), caps, cs, b);
            stack.back() = Value::boolean(matched);
        }
        RHO_NEXT();
    }
    RHO_CASE(AND_ALSO)
    RHO_CASE(OR_ELSE) {
        // Short circuit: the right side, an expression sequence, runs only if needed.
        if (stack.back().kind() != bytecode::ValueKind::kBool) {
            m.fault.op = bytecode::decodeOp(insn);
            RHO_FAULT(FaultCode::kNotBoolean);
        }
        if (stack.back().asBool() == (bytecode::decodeOp(insn) == Op::OR_ELSE))
            RHO_NEXT(); // decided: the left value is the result
        stack.pop_back();
        {
            const bytecode::ChildRef& ref = code->multisets[a].members[0];
            const Code* rhs = code->children[ref.child].get();
            ValueStack frame;
            captureFrame(*rhs, ref, m.frame, frame);
            std::shared_ptr<const Code> caller = std::move(m.code);
            m.code = within(caller, rhs);
            m.calls.push_back({std::move(caller), pc, std::move(m.frame)});
            m.frame = std::move(frame);
        }
        code = m.code.get();
        words = code->words.data();
        pc = 0;
        RHO_NEXT();
    }
    RHO_CASE(METHOD) {
        // t.m(a1..an): a request for the handler registered as m, with operands t, a1..an.
        if (meter != nullptr) [[unlikely]]
            chargeMethod(*meter, code->symbols[a], stack, words[pc] + 1);
        RHO_SYNC_STATE();
        if (!kernel.primitive(m, kernel.methodHandler(code->symbols[a]), words[pc++] + 1))
            goto faulted_primitive;
        --budget;
        RHO_NEXT();
    }
    RHO_CASE(PUSH_PATTERN) {
        // Compiled, not executed yet: the process ends with a clear error.
        m.fault.op = bytecode::decodeOp(insn);
        RHO_FAULT(FaultCode::kUnsupported);
    }
    RHO_CASE(RET) {
        if (m.calls.empty())
            goto finished;
        {
            Machine::Return r = std::move(m.calls.back()); // the value stays on the stack
            m.calls.pop_back();
            m.code = std::move(r.code);
            m.frame = std::move(r.frame);
            pc = r.pc;
        }
        code = m.code.get();
        words = code->words.data();
        RHO_NEXT();
    }
    RHO_CASE(HALT) { goto finished; }

#if !RHO_DISPATCH_GOTO
    }
#endif

continued:
    // The machine became the body of a continuation its COMM fired (Kernel::continueIn).
    code = m.code.get();
    words = code->words.data();
    pc = 0;
    RHO_STACK_RESET();
    RHO_SAFEPOINT();
    RHO_NEXT();
finished:
    RHO_SYNC_STATE();
    return SliceResult::kFinished;
faulted_primitive:
    m.faultPc = pc - 1;
    return SliceResult::kFaulted;
faulted:
    return SliceResult::kFaulted;

#undef RHO_SYNC_STATE
#undef RHO_FAULT
#undef RHO_SAFEPOINT
#undef RHO_CASE
#undef RHO_NEXT
#undef RHO_STACK_CHECK
#undef RHO_STACK_RESET
}

} // namespace rho::machine
