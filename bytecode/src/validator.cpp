// File: validator.cpp
// Structural validation of one Code (see validator.h).

#include "rho/bytecode/validator.h"

#include "absl/strings/str_cat.h"
#include "walk.h"

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

// The walker's visitor that checks one sequence: each instruction's operands
// (admit), and, through the walk, that the stack never underflows and the sequence
// ends where the instruction table says it does.
struct SequenceCheck {
    struct Item {};
    struct Slot {};
    struct Seq {};
    using Scope = Walker<SequenceCheck>::Scope;

    absl::Status status;

    Slot bound(uint32_t) { return {}; }
    void begin(Seq&, Scope&) {}
    Item value(Seq&, const Insn&, std::span<Item>, Scope&) { return {}; }
    void effect(Seq&, const Insn&, std::span<Item>, Scope&) {}
    Item end(Seq&, Scope&) { return {}; }
    void fail(size_t pc, const char* what) {
        status = pc == codeSize ? absl::InvalidArgumentError(what) : bytecode::fail(pc, what);
    }
    bool reject(size_t pc, const char* what) {
        fail(pc, what);
        return false;
    }

    bool admit(const Insn& i, Scope& s) {
        const Code& c = s.code;
        const size_t pc = i.pc;
        const uint32_t a = i.a;
        const uint32_t aux = i.aux;
        switch (opInfo(i.op).format) {
        case OperandFormat::kConst:
            if (a >= c.constants.size())
                return reject(pc, "constant index out of range");
            break;
        case OperandFormat::kSlot:
            if (a >= c.numSlots)
                return reject(pc, "slot out of range");
            break;
        case OperandFormat::kMultiset:
        case OperandFormat::kMultisetValues:
            if (a >= c.multisets.size())
                return reject(pc, "multiset index out of range");
            break;
        case OperandFormat::kSlotCount:
            if (uint64_t{a} + aux > c.numSlots)
                return reject(pc, "slots out of range");
            break;
        case OperandFormat::kSlotConst:
            if (a >= c.numSlots || aux >= c.constants.size() || c.constants[aux].kind() != ValueKind::kUri)
                return reject(pc, "bad NEW_URN operands");
            break;
        case OperandFormat::kConstCount:
            if (a >= c.constants.size() || c.constants[a].kind() != ValueKind::kString)
                return reject(pc, "METHOD name is not a String constant");
            break;
        case OperandFormat::kPattern:
            if (a >= c.patterns.size())
                return reject(pc, "pattern index out of range");
            break;
        default: break;
        }
        switch (i.op) {
        case Op::MAKE_TUPLE:
            if (a == 0)
                return reject(pc, "bad collection size");
            break;
        case Op::RECEIVE: {
            const Multiset& m = c.multisets[a];
            if (m.members.size() != 1 || !c.children[m.members[0].child]->join)
                return reject(pc, "RECEIVE target is not a receive body");
            break;
        }
        case Op::IF:
            if (c.multisets[a].members.empty() || c.multisets[a].members.size() > 2)
                return reject(pc, "IF needs one or two branches");
            break;
        case Op::BUNDLE:
            if (a > 3)
                return reject(pc, "bad BUNDLE");
            break;
        case Op::MATCH:
            if (c.multisets[a].members.empty())
                return reject(pc, "bad MATCH");
            for (const ChildRef& r : c.multisets[a].members)
                if (!isCase(*c.children[r.child]))
                    return reject(pc, "MATCH member is not a case");
            break;
        case Op::MATCHES: {
            const auto& ms = c.multisets[a].members;
            if (ms.size() != 1 || !isCase(*c.children[ms[0].child]))
                return reject(pc, "bad MATCHES");
            break;
        }
        case Op::AND_ALSO:
        case Op::OR_ELSE: {
            const auto& ms = c.multisets[a].members;
            if (ms.size() != 1 || c.children[ms[0].child]->kind != SequenceKind::kExpression)
                return reject(pc, "bad short-circuit operand");
            break;
        }
        default: break;
        }
        return true;
    }

    size_t codeSize = 0; // a failure here is the sequence's, not an instruction's
};

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
    SequenceCheck check;
    check.codeSize = c.words.size();
    Walker<SequenceCheck> walker(check);
    walker.sequence(c, std::vector<SequenceCheck::Slot>(c.numSlots), 0);
    return check.status;
}

} // namespace rho::bytecode
