// File: pattern.cpp
// Patterns of receives, match cases and `matches`: name and process patterns,
// binders, remainders, connectives, variable references and process patterns
// compiled as pattern sequences (codegen.h).

#include "codegen.h"

namespace rho::compiler::detail {

int32_t Compiler::remainderBinding(JoinBuilder& jb, const Node* r) {
    if (r->kind == NodeKind::kWildcard)
        return Pattern::kWildRemainder;
    return static_cast<int32_t>(bindPatternVar(jb, r, Sort::kProc));
}

Pattern Compiler::bindPattern(JoinBuilder& jb, const Node* v, Sort sort) {
    Pattern p;
    p.kind = Pattern::Kind::kBind;
    p.binding = bindPatternVar(jb, v, sort);
    p.nameBinder = sort == Sort::kName;
    return p;
}

// name pattern: x | _ | @P | =*x
Pattern Compiler::namePattern(JoinBuilder& jb, const Node* n) {
    switch (n->kind) {
    case NodeKind::kVar: return bindPattern(jb, n, Sort::kName);
    case NodeKind::kWildcard: return Pattern{};
    case NodeKind::kQuote: return procPattern(jb, n->kids[0]);
    case NodeKind::kVarRef: return varRefPattern(jb, n);
    default: error(n, "this cannot be a name pattern"); return Pattern{};
    }
}

Pattern Compiler::varRefPattern(JoinBuilder& jb, const Node* n) {
    Pattern p;
    p.kind = Pattern::Kind::kVarRef;
    const Var* v = lookupOuter(*jb.owner, n->text, n);
    std::string shown = std::string(n->flag ? "=*" : "=") + n->text;
    if (!v) {
        error(n, "Variable reference: " + shown + " at " + posText(n->pos) + " is unbound.");
        return Pattern{};
    }
    if ((v->sort == Sort::kName) != (n->flag != 0))
        error(n, "Variable reference: " + shown + " at " + posText(n->pos) + " refers to a " +
                     (v->sort == Sort::kName ? "name; write =*" : "process; write =") + n->text);
    p.slot = v->slot;
    return p;
}

// process pattern: x | _ | literal | collections with ...r | /\ \/ ~ | types | =x |
// *x | bundles | any process (a pattern sequence)
Pattern Compiler::procPattern(JoinBuilder& jb, const Node* n) {
    DepthGuard guard(*this, n);
    if (!guard.ok())
        return Pattern{};
    Pattern p;
    switch (n->kind) {
    case NodeKind::kVar: return bindPattern(jb, n, Sort::kProc);
    case NodeKind::kWildcard: return p;
    case NodeKind::kNil:
    case NodeKind::kBool:
    case NodeKind::kInt:
    case NodeKind::kBigInt:
    case NodeKind::kString:
    case NodeKind::kUri:
        p.kind = Pattern::Kind::kLiteral;
        p.literal = literal(n);
        return p;
    case NodeKind::kList:
    case NodeKind::kTuple:
    case NodeKind::kSet:
    case NodeKind::kMap:
        p.kind = n->kind == NodeKind::kList    ? Pattern::Kind::kList
                 : n->kind == NodeKind::kTuple ? Pattern::Kind::kTuple
                 : n->kind == NodeKind::kSet   ? Pattern::Kind::kSet
                                               : Pattern::Kind::kMap;
        for (const Node* k : n->kids) {
            if (k->kind == NodeKind::kMapEntry) {
                p.items.push_back(procPattern(jb, k->kids[0]));
                p.items.push_back(procPattern(jb, k->kids[1]));
            } else {
                p.items.push_back(procPattern(jb, k));
            }
        }
        if (n->remainder)
            p.remainder = remainderBinding(jb, n->remainder);
        return p;
    case NodeKind::kConjunction:
    case NodeKind::kDisjunction:
    case NodeKind::kNegation: {
        if (jb.receive && n->kind != NodeKind::kConjunction)
            error(n, std::string("Invalid pattern in the receive: ") + connectiveText(n->kind) + " at " +
                         posText(n->pos) + ". Only logical AND is allowed.");
        p.kind = n->kind == NodeKind::kConjunction   ? Pattern::Kind::kAnd
                 : n->kind == NodeKind::kDisjunction ? Pattern::Kind::kOr
                                                     : Pattern::Kind::kNot;
        // Each item is a pattern of its own; a binder inside one is numbered like any other.
        for (const Node* k : n->kids)
            p.items.push_back(procPattern(jb, k));
        return p;
    }
    case NodeKind::kSimpleType:
        p.kind = Pattern::Kind::kType;
        p.simpleType = n->op;
        return p;
    case NodeKind::kVarRef: return varRefPattern(jb, n);
    case NodeKind::kEval: return namePattern(jb, n->kids[0]); // *x: the name x
    case NodeKind::kBundle: {
        uint32_t before = jb.numBindings;
        p.kind = Pattern::Kind::kBundle;
        p.bundleMode = n->op;
        p.items.push_back(procPattern(jb, n->kids[0]));
        if (jb.numBindings != before || containsWildcard(p.items[0]))
            error(n, "Bundle's content must not have free variables or wildcards.");
        return p;
    }
    default: return processPattern(jb, n);
    }
}

bool Compiler::containsWildcard(const Pattern& p) {
    if (p.kind == Pattern::Kind::kWildcard || p.remainder == Pattern::kWildRemainder)
        return true;
    for (const Pattern& q : p.items)
        if (containsWildcard(q))
            return true;
    return false;
}

// A process used as a pattern, such as {@"greet"!(m, n)} or {7 + 8}: compiled as
// a pattern sequence whose free identifiers are binders of [jb] (PUSH_PATTERN).
Pattern Compiler::processPattern(JoinBuilder& jb, const Node* n) {
    FuncState ps;
    ps.parent = jb.owner;
    ps.level = jb.owner->level + 1;
    ps.pattern = &jb;
    ps.code->kind = SequenceKind::kPattern;
    if (isExpression(n->kind)) {
        value(ps, n);
        emit(ps, Op::RET, 0, n->pos);
    } else {
        procTail(ps, n);
    }
    Finished f = finish(ps);
    FuncState& holder = jb.childOwner ? *jb.childOwner : *jb.owner;
    holder.code->children.push_back(f.code);
    Pattern p;
    p.kind = Pattern::Kind::kProcess;
    p.child = static_cast<uint32_t>(holder.code->children.size() - 1);
    return p;
}

} // namespace rho::compiler::detail
