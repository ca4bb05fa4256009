// File: process.cpp
// Processes in tail position: par, send, new, if, for and contract (after
// desugar.cpp's rewrites), match, and a let of one declaration (codegen.h).

#include <algorithm>

#include "codegen.h"
#include "rho/base/assert.h"

namespace rho::compiler::detail {

// proc  =>  code that runs proc and ends this sequence (proc is in tail position).
void Compiler::procTail(FuncState& fs, const Node* p) {
    DepthGuard guard(*this, p);
    if (!guard.ok()) {
        emit(fs, Op::HALT, 0, p->pos);
        return;
    }
    if (p->kind == NodeKind::kEval && p->kids[0]->kind == NodeKind::kQuote)
        return procTail(fs, p->kids[0]->kids[0]); // *@P is P (the reference cancels them)
    switch (p->kind) {
    case NodeKind::kNil: emit(fs, Op::HALT, 0, p->pos); return;
    case NodeKind::kPar: {
        // P1 | ... | Pn  =>  SPAWN {| [|P1|], ..., [|Pn|] |}: nothing orders them (principle 2).
        std::vector<Finished> members;
        for (const Node* b : p->kids)
            members.push_back(branch(fs, b));
        emit(fs, Op::SPAWN, addMultiset(fs, std::move(members), false), p->pos);
        emit(fs, Op::HALT, 0, p->pos);
        return;
    }
    case NodeKind::kSend:
    case NodeKind::kSendPersist: {
        // n!(a1..ak)  =>  <n> <a1> .. <ak> SEND k
        name(fs, p->kids[0]);
        for (size_t i = 1; i < p->kids.size(); ++i)
            value(fs, p->kids[i]);
        emit(fs, p->kind == NodeKind::kSend ? Op::SEND : Op::SEND_PERSIST,
             static_cast<uint32_t>(p->kids.size() - 1), p->pos);
        emit(fs, Op::HALT, 0, p->pos);
        return;
    }
    case NodeKind::kSendSync: return procTail(fs, desugarSendSync(p));
    case NodeKind::kFor: return forTail(fs, p);
    case NodeKind::kContract: return receive(fs, desugarContract(p));
    case NodeKind::kNew: return newDecls(fs, p);
    case NodeKind::kLet: {
        const Node* core = desugarLet(p);
        return core->kind == NodeKind::kLet ? letSingle(fs, core) : procTail(fs, core);
    }
    case NodeKind::kIf: {
        // if (c) A else B  =>  <c> IF {A, B}   (a non-Bool condition runs neither)
        value(fs, p->kids[0]);
        std::vector<Finished> arms;
        arms.push_back(branch(fs, p->kids[1]));
        if (p->kids.size() > 2)
            arms.push_back(branch(fs, p->kids[2]));
        emit(fs, Op::IF, addMultiset(fs, std::move(arms), true), p->pos);
        return;
    }
    case NodeKind::kMatch: return match(fs, p);
    case NodeKind::kSelect:
        error(p, "Compilation of construct not yet supported. (`select`)");
        emit(fs, Op::HALT, 0, p->pos);
        return;
    case NodeKind::kBundle:
    case NodeKind::kEval:
    case NodeKind::kVar:
    case NodeKind::kMethod:
        // *n, a process variable, a method call or a bundle at process level:
        // evaluate, then run the resulting process.   x  =>  <x> EXEC
        value(fs, p);
        emit(fs, Op::EXEC, 0, p->pos);
        emit(fs, Op::HALT, 0, p->pos);
        return;
    default:
        if (isExpression(p->kind) || p->kind == NodeKind::kWildcard || p->kind == NodeKind::kVarRef ||
            p->kind == NodeKind::kSimpleType || p->kind == NodeKind::kConjunction ||
            p->kind == NodeKind::kDisjunction || p->kind == NodeKind::kNegation) {
            // A plain expression at process level is never evaluated (RHOLANG.md 5): it
            // stays in the term as an expression sequence that SPAWN does not start.
            std::vector<Finished> members;
            members.push_back(branch(fs, p));
            emit(fs, Op::SPAWN, addMultiset(fs, std::move(members), false), p->pos);
            emit(fs, Op::HALT, 0, p->pos);
            return;
        }
        error(p, std::string(grammar::nodeKindName(p->kind)) + " cannot stand here");
        emit(fs, Op::HALT, 0, p->pos);
        return;
    }
}

// new x, y(`uri`) in P  =>  NEW for the simple names, then NEW_URN per URN in URI
// order, then P in tail position. The reference binds a `new`'s names in that order
// (simple names first, URNs sorted), and printing and toByteArray rebuild its term
// from this code (bytecode/normal_term.h).
void Compiler::newDecls(FuncState& fs, const Node* p) {
    const size_t n = p->kids.size() - 1;
    std::vector<const Node*> urns;
    uint32_t first = fs.nextLocal;
    uint32_t simple = 0;
    const Node* firstSimple = nullptr;
    for (size_t i = 0; i < n; ++i) {
        const Node* d = p->kids[i];
        if (!d->uri.empty()) {
            urns.push_back(d);
            continue;
        }
        if (simple++ == 0) {
            first = fs.nextLocal;
            firstSimple = d;
        }
        bindLocal(fs, d->text, Sort::kName, d->pos);
    }
    if (simple > 0)
        emitAux(fs, Op::NEW, first, simple, firstSimple->pos);
    std::stable_sort(urns.begin(), urns.end(), [](const Node* a, const Node* b) { return a->uri < b->uri; });
    for (const Node* d : urns) {
        uint32_t slot = bindLocal(fs, d->text, Sort::kName, d->pos);
        emitAux(fs, Op::NEW_URN, slot, constant(fs, Value::uri(d->uri)), d->pos);
    }
    procTail(fs, p->kids.back());
}

// let ps <- es in P  =>  <es> MAKE_LIST MATCH {case [ps] => P}: a let of one
// declaration is a match over the list of its values, whose patterns are name
// patterns (x binds a name, @x a process), as in a receive.
void Compiler::letSingle(FuncState& fs, const Node* p) {
    const Node* d = p->kids[0];
    for (size_t k = d->count; k < d->kids.size(); ++k)
        value(fs, d->kids[k]);
    emit(fs, Op::MAKE_LIST, static_cast<uint32_t>(d->kids.size() - d->count), d->pos);
    FuncState cs = child(fs, SequenceKind::kCase);
    JoinBuilder jb;
    jb.owner = &cs;
    Pattern list;
    list.kind = Pattern::Kind::kList;
    for (size_t k = 0; k < d->count; ++k)
        list.items.push_back(namePattern(jb, d->kids[k]));
    if (d->remainder)
        list.remainder = remainderBinding(jb, d->remainder);
    std::vector<Finished> cases;
    cases.push_back(caseSequence(cs, jb, std::move(list), p->kids[1]));
    emit(fs, Op::MATCH, addMultiset(fs, std::move(cases), true), p->pos);
}

// for (...) { P }: its complex sources rewritten first (desugarSources), its later
// receipts nested (desugarReceipts), then a receive.
void Compiler::forTail(FuncState& fs, const Node* p) {
    if (const Node* core = desugarSources(p))
        return procTail(fs, core);
    if (const Node* core = desugarReceipts(p))
        return receive(fs, core);
    receive(fs, p);
}

// for (binds) { P }, one receipt, simple sources: the sources, then RECEIVE over a
// body sequence whose Code carries the join.

void Compiler::receive(FuncState& fs, const Node* p) {
    const Node* receipt = p->kids[0];
    const Node* body = p->kids.back();
    RHO_ASSERT(p->kids.size() == 2); // one receipt: later ones were nested by desugarReceipts
    FuncState child = this->child(fs, SequenceKind::kBody);
    auto join = std::make_unique<bytecode::Join>();
    JoinBuilder jb;
    jb.owner = &child;
    jb.receive = true;
    std::vector<std::string> seen;
    for (const Node* bind : receipt->kids) {
        join->persistent = bind->kind == NodeKind::kBindPersist;
        join->peek = bind->kind == NodeKind::kBindPeek;
        const Node* source = bind->kids.back();
        std::string key = grammar::print(source->kids[0]);
        if (std::find(seen.begin(), seen.end(), key) != seen.end())
            error(source, "Receiving on the same channels is currently not allowed (at " + posText(source->pos) +
                              "). Ref. RCHAIN-4032.");
        seen.push_back(key);
        name(fs, source->kids[0]);
        bytecode::BindPatterns bp;
        for (size_t i = 0; i + 1 < bind->kids.size(); ++i)
            bp.args.push_back(namePattern(jb, bind->kids[i]));
        if (bind->remainder)
            bp.remainder = remainderBinding(jb, bind->remainder);
        join->binds.push_back(std::move(bp));
    }
    join->numBindings = jb.numBindings;
    child.code->join = std::move(join);
    procTail(child, body);
    std::vector<Finished> one;
    one.push_back(finish(child));
    emit(fs, Op::RECEIVE, addMultiset(fs, std::move(one), true), p->pos);
}

// match e { p1 => P1 ... }  =>  <e> MATCH {case1, case2, ...} (in order)
void Compiler::match(FuncState& fs, const Node* p) {
    std::vector<Finished> cases;
    value(fs, p->kids[0]);
    for (size_t i = 1; i < p->kids.size(); ++i) {
        const Node* c = p->kids[i];
        FuncState cs = child(fs, SequenceKind::kCase);
        JoinBuilder jb;
        jb.owner = &cs;
        Pattern pat = procPattern(jb, c->kids[0]);
        cases.push_back(caseSequence(cs, jb, std::move(pat), c->kids[1]));
    }
    emit(fs, Op::MATCH, addMultiset(fs, std::move(cases), true), p->pos);
}

Finished Compiler::caseSequence(FuncState& cs, JoinBuilder& jb, Pattern pat, const Node* body) {
    auto join = std::make_unique<bytecode::Join>();
    join->binds.push_back({{std::move(pat)}, Pattern::kNoRemainder});
    join->numBindings = jb.numBindings;
    cs.code->join = std::move(join);
    if (body)
        procTail(cs, body);
    else
        emit(cs, Op::HALT, 0, cs.code->positions.empty() ? SourcePos{} : cs.code->positions.back());
    return finish(cs);
}

} // namespace rho::compiler::detail
