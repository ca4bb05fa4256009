// File: expression.cpp
// Values and names: literals, collections, operators (the instruction
// opcodes.def spells each way), methods, processes in value position, quotes
// (codegen.h).

#include "codegen.h"

namespace rho::compiler::detail {

Value Compiler::literal(const Node* n) {
    switch (n->kind) {
    case NodeKind::kNil: return Value();
    case NodeKind::kBool: return Value::boolean(n->flag != 0);
    case NodeKind::kString: return Value::string(n->text);
    case NodeKind::kUri: return Value::uri(n->text);
    case NodeKind::kBigInt: return Value::bigInt(n->text);
    case NodeKind::kInt: {
        uint64_t v = 0;
        bool overflow = n->text.empty();
        for (char ch : n->text) {
            if (v > (uint64_t{INT64_MAX} - static_cast<uint64_t>(ch - '0')) / 10) {
                overflow = true;
                break;
            }
            v = v * 10 + static_cast<uint64_t>(ch - '0');
        }
        if (overflow) {
            error(n, "integer literal " + n->text + " does not fit in a 64-bit Int (For input string: \"" + n->text +
                         "\")");
            return Value::integer(0);
        }
        return Value::integer(static_cast<int64_t>(v));
    }
    default: return Value();
    }
}

// A pattern hole in a pattern sequence (PUSH_PATTERN), for a pattern-only node.
bool Compiler::patternHole(FuncState& fs, const Node* e) {
    if (!fs.pattern)
        return false;
    // Process patterns inside this hole are children of this sequence (see JoinBuilder).
    struct ChildOwner {
        JoinBuilder& jb;
        FuncState* saved;
        ChildOwner(JoinBuilder& j, FuncState* fs) : jb(j), saved(j.childOwner) { jb.childOwner = fs; }
        ~ChildOwner() { jb.childOwner = saved; }
    } scope(*fs.pattern, &fs);
    switch (e->kind) {
    case NodeKind::kWildcard:
    case NodeKind::kConjunction:
    case NodeKind::kDisjunction:
    case NodeKind::kNegation:
    case NodeKind::kSimpleType:
    case NodeKind::kVarRef:
        pushPattern(fs, procPattern(*fs.pattern, e), e->pos);
        return true;
    case NodeKind::kList:
    case NodeKind::kSet:
    case NodeKind::kMap:
        if (!e->remainder)
            return false;
        pushPattern(fs, procPattern(*fs.pattern, e), e->pos);
        return true;
    default: return false;
    }
}

void Compiler::freeVariable(const Node* e) {
    if (bundleDepth_ > 0)
        error(e, "Bundle's content must not have free variables or wildcards: " + e->text + " at " + posText(e->pos) +
                     " is a free variable.");
    else
        error(e, "Top level free variables are not allowed: " + e->text + " at " + posText(e->pos) + ".");
}

// Variable [n] used as a [sort]: its LOAD, and the reference's error when it was
// bound as the other sort.
void Compiler::useVar(FuncState& fs, const Node* n, Sort sort) {
    const Var* v = lookup(fs, n->text, sort, n);
    if (!v)
        freeVariable(n);
    else if (v->sort != sort && sort == Sort::kProc)
        error(n, "Name variable: " + n->text + " at " + posText(v->pos) + " used in process context at " +
                     posText(n->pos));
    else if (v->sort != sort)
        error(n, "Proc variable: " + n->text + " at " + posText(v->pos) + " used in Name context at " +
                     posText(n->pos));
    loadVar(fs, v, n->pos);
}

// LOAD of a variable, or a pattern hole when it is a binder of a pattern.
void Compiler::loadVar(FuncState& fs, const Var* v, SourcePos pos) {
    if (v && (v->slot & kPatternVar)) {
        Pattern p;
        p.kind = Pattern::Kind::kBind;
        p.binding = v->slot & ~kPatternVar;
        p.nameBinder = v->sort == Sort::kName;
        pushPattern(fs, std::move(p), pos);
        return;
    }
    emit(fs, Op::LOAD, v ? v->slot : 0, pos);
}

// expr  =>  code that pushes the expression's value (evaluated).
void Compiler::value(FuncState& fs, const Node* e) {
    DepthGuard guard(*this, e);
    if (!guard.ok())
        return emit(fs, Op::PUSH_NIL, 0, e->pos);
    if (patternHole(fs, e))
        return;
    switch (e->kind) {
    case NodeKind::kNil: emit(fs, Op::PUSH_NIL, 0, e->pos); return;
    case NodeKind::kBool:
    case NodeKind::kInt:
    case NodeKind::kBigInt:
    case NodeKind::kString:
    case NodeKind::kUri: emit(fs, Op::PUSH_CONST, constant(fs, literal(e)), e->pos); return;
    case NodeKind::kVar: return useVar(fs, e, Sort::kProc);
    case NodeKind::kEval:
        if (e->kids[0]->kind == NodeKind::kQuote) // *@P is P
            return value(fs, e->kids[0]->kids[0]);
        name(fs, e->kids[0]); // *n: the process behind the name
        return;
    case NodeKind::kWildcard:
        if (bundleDepth_ > 0)
            error(e, "Bundle's content must not have free variables or wildcards: _ (wildcard) at " + posText(e->pos) +
                         ".");
        else
            error(e, "Top level wildcards are not allowed: _ (wildcard) at " + posText(e->pos) + ".");
        emit(fs, Op::PUSH_NIL, 0, e->pos);
        return;
    case NodeKind::kConjunction:
    case NodeKind::kDisjunction:
    case NodeKind::kNegation:
        error(e, std::string("Top level logical connectives are not allowed: ") + connectiveText(e->kind) + " at " +
                     posText(e->pos) + ".");
        emit(fs, Op::PUSH_NIL, 0, e->pos);
        return;
    case NodeKind::kSimpleType:
        error(e, std::string("Top level logical connectives are not allowed: ") + simpleTypeText(e->op) + " at " +
                     posText(e->pos) + ". Simple types are patterns.");
        emit(fs, Op::PUSH_NIL, 0, e->pos);
        return;
    case NodeKind::kVarRef:
        error(e, std::string("Variable reference ") + (e->flag ? "=*" : "=") + e->text + " at " + posText(e->pos) +
                     " is only allowed in a pattern.");
        emit(fs, Op::PUSH_NIL, 0, e->pos);
        return;
    case NodeKind::kList:
    case NodeKind::kTuple:
    case NodeKind::kSet:
        if (e->remainder)
            error(e->remainder, "a remainder `...` is only allowed in a pattern");
        for (const Node* k : e->kids)
            value(fs, k);
        emit(fs,
             e->kind == NodeKind::kList    ? Op::MAKE_LIST
             : e->kind == NodeKind::kTuple ? Op::MAKE_TUPLE
                                           : Op::MAKE_SET,
             static_cast<uint32_t>(e->kids.size()), e->pos);
        return;
    case NodeKind::kMap:
        if (e->remainder)
            error(e->remainder, "a remainder `...` is only allowed in a pattern");
        for (const Node* entry : e->kids) {
            value(fs, entry->kids[0]);
            value(fs, entry->kids[1]);
        }
        emit(fs, Op::MAKE_MAP, static_cast<uint32_t>(e->kids.size()), e->pos);
        return;
    case NodeKind::kBinary: binary(fs, e); return;
    case NodeKind::kUnary:
        value(fs, e->kids[0]);
        emit(fs, bytecode::operatorOp(symbol(static_cast<UnaryOp>(e->op)), 1), 0, e->pos);
        return;
    case NodeKind::kMethod: {
        // t.m(a1..ak)  =>  <t> <a1> .. <ak> METHOD "m", k
        value(fs, e->kids[0]);
        for (size_t i = 1; i < e->kids.size(); ++i)
            value(fs, e->kids[i]);
        emitAux(fs, Op::METHOD, constant(fs, Value::string(e->text)), static_cast<uint32_t>(e->kids.size() - 1),
                e->pos);
        return;
    }
    case NodeKind::kBundle: {
        // bundle+ { P }  =>  <P> BUNDLE 1
        ++bundleDepth_;
        value(fs, e->kids[0]);
        --bundleDepth_;
        emit(fs, Op::BUNDLE, e->op, e->pos);
        return;
    }
    case NodeKind::kPar:
    case NodeKind::kSend:
    case NodeKind::kSendPersist:
    case NodeKind::kSendSync:
    case NodeKind::kFor:
    case NodeKind::kContract:
    case NodeKind::kNew:
    case NodeKind::kIf:
    case NodeKind::kMatch:
    case NodeKind::kLet:
    case NodeKind::kSelect:
        processValue(fs, e, Op::PAR);
        return;
    default:
        error(e, std::string(grammar::nodeKindName(e->kind)) + " cannot stand here");
        emit(fs, Op::PUSH_NIL, 0, e->pos);
        return;
    }
}

// A process in value position: expression branches are evaluated here; process
// branches become closures of multiset M.   P  =>  <exprs> PAR/QUOTE M, n
void Compiler::processValue(FuncState& fs, const Node* p, Op op) {
    uint32_t values = 0;
    std::vector<Finished> members;
    for (const Node* b : branchesOf(p)) {
        if (isExpression(b->kind) || b->kind == NodeKind::kVar || b->kind == NodeKind::kEval ||
            b->kind == NodeKind::kMethod || b->kind == NodeKind::kWildcard || b->kind == NodeKind::kVarRef ||
            b->kind == NodeKind::kSimpleType || b->kind == NodeKind::kConjunction ||
            b->kind == NodeKind::kDisjunction || b->kind == NodeKind::kNegation) {
            value(fs, b);
            ++values;
        } else {
            members.push_back(branch(fs, b));
        }
    }
    emitAux(fs, op, addMultiset(fs, std::move(members), false), values, p->pos);
}

// The instruction of every operator is the one opcodes.def spells that way.
void Compiler::binary(FuncState& fs, const Node* e) {
    const auto op = static_cast<BinaryOp>(e->op);
    switch (op) {
    case BinaryOp::kAndAlso:
    case BinaryOp::kOrElse: {
        // a && b  =>  <a> AND_ALSO {b}: b is its own sequence, run only when needed.
        value(fs, e->kids[0]);
        std::vector<Finished> rhs;
        rhs.push_back(expressionSequence(fs, e->kids[1]));
        emit(fs, bytecode::operatorOp(symbol(op), 1), addMultiset(fs, std::move(rhs), true), e->pos);
        return;
    }
    case BinaryOp::kMatches: {
        // e matches p  =>  <e> MATCHES {case p}: p is never evaluated.
        value(fs, e->kids[0]);
        FuncState cs = child(fs, SequenceKind::kCase);
        JoinBuilder jb;
        jb.owner = &cs;
        Pattern pat = procPattern(jb, e->kids[1]);
        std::vector<Finished> one;
        one.push_back(caseSequence(cs, jb, std::move(pat), nullptr));
        emit(fs, Op::MATCHES, addMultiset(fs, std::move(one), true), e->pos);
        return;
    }
    default: break;
    }
    value(fs, e->kids[0]);
    value(fs, e->kids[1]);
    emit(fs, bytecode::operatorOp(symbol(op), 2), 0, e->pos);
}

// name  =>  code that pushes the name's value (x, @P; _ only in patterns).
void Compiler::name(FuncState& fs, const Node* n) {
    DepthGuard guard(*this, n);
    if (!guard.ok())
        return emit(fs, Op::PUSH_NIL, 0, n->pos);
    if (patternHole(fs, n))
        return;
    switch (n->kind) {
    case NodeKind::kVar: return useVar(fs, n, Sort::kName);
    case NodeKind::kQuote: {
        const Node* p = n->kids[0];
        if (p->kind == NodeKind::kEval) // @*x is x
            return name(fs, p->kids[0]);
        // @P  =>  QUOTE [| P |]   (principle 1)
        processValue(fs, p, Op::QUOTE);
        return;
    }
    default: value(fs, n); return;
    }
}

} // namespace rho::compiler::detail
