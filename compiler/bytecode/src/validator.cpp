// File: validator.cpp
// Structural validation of one Code (see validator.h).

#include "rho/bytecode/validator.h"

#include "absl/strings/str_cat.h"

namespace rho::bytecode {

namespace {

absl::Status fail(size_t pc, std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("instruction ", pc, ": ", std::string(what)));
}

absl::Status checkPattern(const Pattern& p, uint32_t numBindings, int depth) {
    if (depth > 4000)
        return absl::InvalidArgumentError("pattern nesting too deep");
    if (p.kind == Pattern::Kind::kBind && p.binding >= numBindings)
        return absl::InvalidArgumentError("pattern binding out of range");
    for (const Pattern& q : p.items)
        if (absl::Status s = checkPattern(q, numBindings, depth + 1); !s.ok())
            return s;
    return absl::OkStatus();
}

} // namespace

absl::Status validate(const Code& c) {
    if (c.numCaptures > c.numSlots)
        return absl::InvalidArgumentError("more captures than frame slots");
    if (c.positions.size() != c.words.size())
        return absl::InvalidArgumentError("position table length differs from the code");
    if (c.join) {
        if (uint64_t{c.numCaptures} + c.join->numBindings > c.numSlots)
            return absl::InvalidArgumentError("bindings do not fit the frame");
        if (c.join->binds.empty())
            return absl::InvalidArgumentError("receive with no bind");
        for (const BindPatterns& b : c.join->binds)
            for (const Pattern& p : b.args)
                if (absl::Status s = checkPattern(p, c.join->numBindings, 0); !s.ok())
                    return s;
    }
    for (const Multiset& m : c.multisets) {
        for (const ChildRef& r : m.members) {
            if (r.child >= c.children.size())
                return absl::InvalidArgumentError("multiset member out of range");
            if (r.captureSlots.size() != c.children[r.child]->numCaptures)
                return absl::InvalidArgumentError("capture list length differs from the child's");
            for (uint32_t s : r.captureSlots)
                if (s >= c.numSlots)
                    return absl::InvalidArgumentError("capture slot out of range");
        }
    }
    size_t depth = 0;
    bool ended = false;
    for (size_t pc = 0; pc < c.words.size(); ++pc) {
        if (ended)
            return fail(pc, "instruction after the end of the sequence");
        uint32_t w = c.words[pc];
        if ((w & 0xFFu) >= kOpCount)
            return fail(pc, "unknown opcode");
        Op op = decodeOp(w);
        uint32_t a = decodeA(w);
        const OpInfo& info = opInfo(op);
        uint32_t aux = 0;
        if (hasAux(info.format)) {
            if (pc + 1 >= c.words.size())
                return fail(pc, "missing AUX word");
            aux = c.words[pc + 1];
        }
        auto need = [&](size_t n) { return depth >= n; };
        switch (info.format) {
        case OperandFormat::kConst:
            if (a >= c.constants.size())
                return fail(pc, "constant index out of range");
            break;
        case OperandFormat::kSlot:
            if (a >= c.numSlots)
                return fail(pc, "slot out of range");
            break;
        case OperandFormat::kMultiset:
        case OperandFormat::kMultisetValues:
            if (a >= c.multisets.size())
                return fail(pc, "multiset index out of range");
            break;
        case OperandFormat::kSlotCount:
            if (uint64_t{a} + aux > c.numSlots)
                return fail(pc, "slots out of range");
            break;
        case OperandFormat::kSlotConst:
            if (a >= c.numSlots || aux >= c.constants.size() || c.constants[aux].kind() != ValueKind::kUri)
                return fail(pc, "bad NEW_URN operands");
            break;
        default: break;
        }
        switch (op) {
        case Op::MAKE_LIST:
        case Op::MAKE_TUPLE:
            if (!need(a) || (op == Op::MAKE_TUPLE && a == 0))
                return fail(pc, "bad collection size");
            depth = depth - a + 1;
            break;
        case Op::QUOTE:
        case Op::PAR:
            if (!need(aux))
                return fail(pc, "stack underflow");
            depth = depth - aux + 1;
            break;
        case Op::SEND:
        case Op::SEND_PERSIST:
            if (!need(size_t{a} + 1))
                return fail(pc, "stack underflow");
            depth -= a + 1;
            break;
        case Op::RECEIVE: {
            const Multiset& m = c.multisets[a];
            if (m.members.size() != 1 || !c.children[m.members[0].child]->join)
                return fail(pc, "RECEIVE target is not a receive body");
            size_t k = c.children[m.members[0].child]->join->binds.size();
            if (!need(k))
                return fail(pc, "stack underflow");
            depth -= k;
            ended = true;
            break;
        }
        case Op::IF: {
            size_t n = c.multisets[a].members.size();
            if (n < 1 || n > 2)
                return fail(pc, "IF needs one or two branches");
            if (!need(1))
                return fail(pc, "stack underflow");
            depth -= 1;
            ended = true;
            break;
        }
        case Op::RET:
            if (!need(1))
                return fail(pc, "stack underflow");
            ended = true;
            break;
        case Op::HALT: ended = true; break;
        default: {
            int effect = info.stackEffect;
            if (effect < 0 && !need(static_cast<size_t>(-effect)))
                return fail(pc, "stack underflow");
            if (effect < 0 && (op != Op::NEG && op != Op::NOT))
                depth -= static_cast<size_t>(-effect);
            else if (effect > 0)
                depth += static_cast<size_t>(effect);
            if ((op == Op::NEG || op == Op::NOT) && !need(1))
                return fail(pc, "stack underflow");
            break;
        }
        }
        if (hasAux(info.format))
            ++pc;
    }
    if (!ended)
        return absl::InvalidArgumentError("sequence does not end in HALT, RET, RECEIVE or IF");
    return absl::OkStatus();
}

} // namespace rho::bytecode
