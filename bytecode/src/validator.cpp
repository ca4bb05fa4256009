// File: validator.cpp
// Structural validation of one Code (see validator.h).

#include "rho/bytecode/validator.h"

#include "absl/strings/str_cat.h"

namespace rho::bytecode {

namespace {

absl::Status fail(size_t pc, std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("instruction ", pc, ": ", std::string(what)));
}

// [numBindings]: the owner's bindings, or UINT32_MAX when not known here (the holes
// of a pattern sequence bind its owner's variables).
absl::Status checkPattern(const Code& owner, const Pattern& p, uint32_t numBindings, int depth) {
    auto bad = [](const char* what) { return absl::InvalidArgumentError(what); };
    if (depth > 4000)
        return bad("pattern nesting too deep");
    if (p.kind == Pattern::Kind::kBind && p.binding >= numBindings)
        return bad("pattern binding out of range");
    if (p.remainder >= 0 && static_cast<uint32_t>(p.remainder) >= numBindings)
        return bad("remainder binding out of range");
    if (p.kind == Pattern::Kind::kVarRef && p.slot >= owner.numCaptures && numBindings != UINT32_MAX)
        return bad("variable reference out of range");
    if (p.kind == Pattern::Kind::kProcess &&
        (p.child >= owner.children.size() || owner.children[p.child]->kind != SequenceKind::kPattern))
        return bad("process pattern is not a pattern sequence");
    if (p.kind == Pattern::Kind::kMap && p.items.size() % 2)
        return bad("odd map pattern");
    if ((p.kind == Pattern::Kind::kNot || p.kind == Pattern::Kind::kBundle) && p.items.size() != 1)
        return bad("negation or bundle pattern needs one item");
    for (const Pattern& q : p.items)
        if (absl::Status s = checkPattern(owner, q, numBindings, depth + 1); !s.ok())
            return s;
    return absl::OkStatus();
}

bool isCase(const Code& c) { return c.kind == SequenceKind::kCase && c.join && c.join->binds.size() == 1; }

} // namespace

namespace {

bool anyPattern(const Pattern& p, Pattern::Kind kind) {
    if (p.kind == kind)
        return true;
    for (const Pattern& q : p.items)
        if (anyPattern(q, kind))
            return true;
    return false;
}

} // namespace

void Join::analyze() {
    usesVarRefs = usesProcessPatterns = false;
    for (const BindPatterns& b : binds) {
        for (const Pattern& p : b.args) {
            usesVarRefs = usesVarRefs || anyPattern(p, Pattern::Kind::kVarRef);
            usesProcessPatterns = usesProcessPatterns || anyPattern(p, Pattern::Kind::kProcess);
        }
    }
}

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
        for (const BindPatterns& b : c.join->binds) {
            if (b.remainder >= 0 && static_cast<uint32_t>(b.remainder) >= c.join->numBindings)
                return absl::InvalidArgumentError("bind remainder out of range");
            for (const Pattern& p : b.args)
                if (absl::Status s = checkPattern(c, p, c.join->numBindings, 0); !s.ok())
                    return s;
        }
    }
    // Pattern tables belong to pattern sequences and the sequences nested in them
    // (a par or a receive inside a process pattern); none of those is ever run.
    for (const Pattern& p : c.patterns)
        if (absl::Status s = checkPattern(c, p, UINT32_MAX, 0); !s.ok())
            return s;
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
        case OperandFormat::kConstCount:
            if (a >= c.constants.size() || c.constants[a].kind() != ValueKind::kString)
                return fail(pc, "METHOD name is not a String constant");
            break;
        case OperandFormat::kPattern:
            if (a >= c.patterns.size())
                return fail(pc, "pattern index out of range");
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
        case Op::MAKE_SET:
            if (!need(a))
                return fail(pc, "stack underflow");
            depth = depth - a + 1;
            break;
        case Op::MAKE_MAP:
            if (!need(2 * size_t{a}))
                return fail(pc, "stack underflow");
            depth = depth - 2 * size_t{a} + 1;
            break;
        case Op::METHOD:
            if (!need(size_t{aux} + 1))
                return fail(pc, "stack underflow");
            depth -= aux;
            break;
        case Op::BUNDLE:
            if (a > 3 || !need(1))
                return fail(pc, "bad BUNDLE");
            break;
        case Op::MATCH: {
            const auto& ms = c.multisets[a].members;
            if (ms.empty() || !need(1))
                return fail(pc, "bad MATCH");
            for (const ChildRef& r : ms)
                if (!isCase(*c.children[r.child]))
                    return fail(pc, "MATCH member is not a case");
            depth -= 1;
            ended = true;
            break;
        }
        case Op::MATCHES: {
            const auto& ms = c.multisets[a].members;
            if (ms.size() != 1 || !isCase(*c.children[ms[0].child]) || !need(1))
                return fail(pc, "bad MATCHES");
            break;
        }
        case Op::AND_ALSO:
        case Op::OR_ELSE: {
            const auto& ms = c.multisets[a].members;
            if (ms.size() != 1 || c.children[ms[0].child]->kind != SequenceKind::kExpression || !need(1))
                return fail(pc, "bad short-circuit operand");
            break;
        }
        case Op::ADD: case Op::SUB: case Op::MUL: case Op::DIV: case Op::MOD: case Op::EQ: case Op::NEQ: case Op::LT:
        case Op::LE: case Op::GT: case Op::GE: case Op::AND: case Op::OR: case Op::CONCAT: case Op::DIFF:
        case Op::INTERPOLATE:
            if (!need(2))
                return fail(pc, "stack underflow");
            depth -= 1;
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
