// File: sequence.cpp
// Building one sequence: emission, scopes and captures, finishing a sequence
// (canonical capture order, relocated operands, Merkle key), multisets (codegen.h).

#include <algorithm>

#include "codegen.h"

#include "rho/bytecode/rbc.h"
#include "rho/bytecode/symbol.h"

namespace rho::compiler::detail {

void Compiler::emit(FuncState& fs, Op op, uint32_t a, SourcePos pos) {
    if (a > bytecode::kMaxOperand) {
        error(pos, "program too large: operand exceeds 24 bits");
        a = 0;
    }
    fs.code->words.push_back(bytecode::encode(op, a));
    fs.code->positions.push_back(pos);
}

void Compiler::emitAux(FuncState& fs, Op op, uint32_t a, uint32_t aux, SourcePos pos) {
    emit(fs, op, a, pos);
    fs.code->words.push_back(aux);
    fs.code->positions.push_back(pos);
}

uint32_t Compiler::constant(FuncState& fs, Value v) {
    auto& ks = fs.code->constants;
    for (size_t i = 0; i < ks.size(); ++i)
        if (ks[i].kind() == v.kind() && ks[i] == v)
            return static_cast<uint32_t>(i);
    ks.push_back(std::move(v));
    return static_cast<uint32_t>(ks.size() - 1);
}

void Compiler::pushPattern(FuncState& fs, Pattern p, SourcePos pos) {
    fs.code->patterns.push_back(std::move(p));
    emit(fs, Op::PUSH_PATTERN, static_cast<uint32_t>(fs.code->patterns.size() - 1), pos);
}

// Finds [name] visible in [fs], capturing it through every enclosing sequence.
// Inside a pattern sequence, a name bound nowhere inside it becomes a binder of
// the pattern (every plain identifier in a pattern binds, RHOLANG.md 4).
const Var* Compiler::lookup(FuncState& fs, const std::string& name, Sort sort, const Node* at) {
    for (auto it = fs.env.rbegin(); it != fs.env.rend(); ++it)
        if (it->name == name)
            return &*it;
    if (fs.pattern && (!fs.parent || fs.parent->pattern != fs.pattern)) {
        // The root of a pattern sequence: the identifier binds, every time it occurs
        // (a second occurrence is "used twice as a binder").
        bindPatternVar(*fs.pattern, at, sort);
        patternVars_.push_back(Var{name, sort, kPatternVar | (fs.pattern->numBindings - 1), at->pos, {}});
        return &patternVars_.back();
    }
    if (!fs.parent)
        return nullptr;
    const Var* outer = lookup(*fs.parent, name, sort, at);
    if (!outer)
        return nullptr;
    if (outer->slot & kPatternVar) // a pattern binder: no capture, a hole
        return outer;
    fs.captures.push_back({outer->slot, outer->origin});
    Var v = *outer;
    v.slot = kCapTag | static_cast<uint32_t>(fs.captures.size() - 1);
    fs.env.push_back(std::move(v));
    return &fs.env.back();
}

// A variable outside the current pattern ([owner] is the pattern's body or case
// sequence), captured into [owner]: for =x and =*x.
const Var* Compiler::lookupOuter(FuncState& owner, const std::string& name, const Node* at) {
    if (!owner.parent)
        return nullptr;
    const Var* outer = lookup(*owner.parent, name, Sort::kProc, at);
    if (!outer || (outer->slot & kPatternVar))
        return nullptr;
    for (const Var& v : owner.env)
        if (v.name == name && v.origin == outer->origin && (v.slot & kCapTag))
            return &v;
    owner.captures.push_back({outer->slot, outer->origin});
    Var v = *outer;
    v.slot = kCapTag | static_cast<uint32_t>(owner.captures.size() - 1);
    owner.env.push_back(std::move(v));
    return &owner.env.back();
}

uint32_t Compiler::bindLocal(FuncState& fs, const std::string& name, Sort sort, SourcePos pos) {
    uint32_t slot = fs.nextLocal++;
    fs.env.push_back({name, sort, slot, pos, Origin{fs.level, slot}});
    return slot;
}

// A new binder of [jb]'s pattern: checks "used twice", allocates its binding.
uint32_t Compiler::bindPatternVar(JoinBuilder& jb, const Node* v, Sort sort) {
    auto [it, fresh] = jb.bound.emplace(v->text, v->pos);
    if (!fresh)
        error(v, "Free variable " + v->text + " is used twice as a binder (at " + posText(it->second) + " and " +
                     posText(v->pos) + ") in " + (sort == Sort::kName ? "name" : "process") + " context.");
    uint32_t binding = jb.numBindings++;
    // Bindings are the owner's first locals, in order: slot == binding.
    jb.owner->env.push_back({v->text, sort, binding, v->pos, Origin{jb.owner->level, binding}});
    jb.owner->nextLocal = jb.numBindings;
    return binding;
}

void Compiler::relocatePattern(Pattern& p, const std::function<uint32_t(uint32_t)>& reloc) {
    if (p.kind == Pattern::Kind::kVarRef)
        p.slot = reloc(p.slot);
    for (Pattern& q : p.items)
        relocatePattern(q, reloc);
}

// Sorts the captures canonically, relocates slot operands, fixes the frame size.
Finished Compiler::finish(FuncState& fs) {
    Code& c = *fs.code;
    size_t n = fs.captures.size();
    std::vector<uint32_t> order(n);
    for (uint32_t i = 0; i < n; ++i)
        order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return fs.captures[a].origin < fs.captures[b].origin; });
    std::vector<uint32_t> rank(n);
    for (uint32_t r = 0; r < n; ++r)
        rank[order[r]] = r;
    auto ncap = static_cast<uint32_t>(n);
    auto reloc = [&](uint32_t s) { return (s & kCapTag) ? rank[s & ~kCapTag] : ncap + s; };
    for (size_t pc = 0; pc < c.words.size(); ++pc) {
        Op op = bytecode::decodeOp(c.words[pc]);
        if (bytecode::hasSlotOperand(bytecode::opInfo(op).format))
            c.words[pc] = bytecode::encode(op, reloc(bytecode::decodeA(c.words[pc])));
        if (bytecode::hasAux(bytecode::opInfo(op).format))
            ++pc;
    }
    for (auto& m : c.multisets)
        for (ChildRef& r : m.members)
            for (uint32_t& s : r.captureSlots)
                s = reloc(s);
    // Variable references in patterns name capture slots of this sequence.
    auto capOnly = [&](uint32_t s) { return (s & kCapTag) ? rank[s & ~kCapTag] : s; };
    if (c.join) {
        for (auto& b : c.join->binds)
            for (Pattern& p : b.args)
                relocatePattern(p, capOnly);
        c.join->analyze();
    }
    c.numCaptures = ncap;
    c.numSlots = ncap + fs.nextLocal;
    c.sourceName = file_;
    bytecode::internSymbols(c);
    Finished f;
    f.captureSlots.resize(n);
    for (uint32_t r = 0; r < n; ++r)
        f.captureSlots[r] = fs.captures[order[r]].parentSlot;
    // The sort key: this sequence's own code (no positions) plus its children's
    // keys, a Merkle hash, so finishing costs the sequence's size, not its subtree's.
    std::string bytes;
    bytecode::encodeCode(c, bytes, /*withPositions=*/false, /*withChildren=*/false);
    for (const auto& child : c.children) {
        Hash128 k = keys_[child.get()];
        bytes.append(reinterpret_cast<const char*>(&k), sizeof k);
    }
    Hash128 own = bytecode::hashBytes(0, bytes);
    keys_[fs.code.get()] = own;
    std::string withSlots(reinterpret_cast<const char*>(&own), sizeof own);
    for (uint32_t s : f.captureSlots)
        withSlots.append(reinterpret_cast<const char*>(&s), sizeof s);
    f.key = bytecode::hashBytes(0, withSlots);
    f.code = fs.code;
    return f;
}

// Adds [members] as a multiset of [fs]; sorted unless [ordered] (IF, MATCH).
uint32_t Compiler::addMultiset(FuncState& fs, std::vector<Finished> members, bool ordered) {
    if (!ordered)
        std::sort(members.begin(), members.end(), [](const Finished& a, const Finished& b) { return a.key < b.key; });
    bytecode::Multiset m;
    for (Finished& f : members) {
        fs.code->children.push_back(f.code);
        m.members.push_back({static_cast<uint32_t>(fs.code->children.size() - 1), std::move(f.captureSlots)});
    }
    fs.code->multisets.push_back(std::move(m));
    return static_cast<uint32_t>(fs.code->multisets.size() - 1);
}

SequenceKind Compiler::kindOf(const Node* p) {
    if (p->kind == NodeKind::kEval && p->kids[0]->kind == NodeKind::kQuote)
        return kindOf(p->kids[0]->kids[0]); // *@P is P
    switch (p->kind) {
    case NodeKind::kSend:
    case NodeKind::kSendPersist: return SequenceKind::kSend;
    case NodeKind::kFor:
    case NodeKind::kContract: return SequenceKind::kReceive;
    case NodeKind::kNew:
    case NodeKind::kSendSync: return SequenceKind::kNew;
    case NodeKind::kLet: // concurrent: new channels and a join; otherwise a match
        return p->flag == 2 && p->kids.size() > 2 ? SequenceKind::kNew : SequenceKind::kMatch;
    case NodeKind::kIf: return SequenceKind::kIf;
    case NodeKind::kMatch: return SequenceKind::kMatch;
    case NodeKind::kEval:
    case NodeKind::kVar:
    case NodeKind::kMethod: return SequenceKind::kEval;
    case NodeKind::kBundle: return SequenceKind::kBundle;
    case NodeKind::kPar: return SequenceKind::kPar;
    case NodeKind::kWildcard:
    case NodeKind::kVarRef:
    case NodeKind::kSimpleType:
    case NodeKind::kConjunction:
    case NodeKind::kDisjunction:
    case NodeKind::kNegation: return SequenceKind::kExpression; // pattern holes, or errors outside patterns
    default: return isExpression(p->kind) ? SequenceKind::kExpression : SequenceKind::kPar;
    }
}

FuncState Compiler::child(FuncState& parent, SequenceKind kind) {
    FuncState fs;
    fs.parent = &parent;
    fs.level = parent.level + 1;
    fs.pattern = parent.pattern;
    fs.code->kind = kind;
    return fs;
}

// One branch of a par as its own sequence, child of [parent].
Finished Compiler::branch(FuncState& parent, const Node* p) {
    FuncState fs = child(parent, kindOf(p));
    if (fs.code->kind == SequenceKind::kExpression) {
        value(fs, p);
        emit(fs, Op::RET, 0, p->pos);
    } else {
        procTail(fs, p);
    }
    return finish(fs);
}

// An expression as a sequence of its own (the right side of && and ||).
Finished Compiler::expressionSequence(FuncState& parent, const Node* e) {
    FuncState fs = child(parent, SequenceKind::kExpression);
    value(fs, e);
    emit(fs, Op::RET, 0, e->pos);
    return finish(fs);
}

std::vector<const Node*> Compiler::branchesOf(const Node* p) {
    if (p->kind == NodeKind::kPar)
        return {p->kids.begin(), p->kids.end()};
    return {p};
}

} // namespace rho::compiler::detail
