// File: compiler.cpp
// AST -> bytecode. One Compiler walks the tree once. Every Code under construction
// has a FuncState (like Lua's FuncState): its visible variables, its captures and its
// next free slot. A variable found in an enclosing FuncState becomes a capture of
// every sequence in between (Lua's upvalues). Slots are provisional while a Code is
// built: captures are tagged kCapTag, everything else counts from 0; finish() sorts
// the captures into a canonical order and relocates the operands, giving the frame
// layout [captures][bindings][locals].
//
// Canonical form: the members of every par multiset are sorted by a hash of their
// code (without source positions) and capture slots, so P | Q and Q | P compile to
// identical instructions (principle 2 and DESIGN "Names, equality and hashing").

#include "rho/compiler/compiler.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "rho/bytecode/rbc.h"
#include "rho/grammar/parser.h"

namespace rho::compiler {

using bytecode::ChildRef;
using bytecode::Code;
using bytecode::Hash128;
using bytecode::Op;
using bytecode::Pattern;
using bytecode::SequenceKind;
using bytecode::Value;
using grammar::BinaryOp;
using grammar::Node;
using grammar::NodeKind;
using grammar::UnaryOp;

namespace {

constexpr uint32_t kCapTag = 0x800000;
// Recursion guard: deeper source nesting is reported, never a stack overflow.
constexpr int kMaxDepth = 3000;

enum class Sort : uint8_t { kName, kProc };

struct Origin {
    uint32_t level = 0;
    uint32_t slot = 0;
    friend auto operator<=>(const Origin&, const Origin&) = default;
};

struct Var {
    std::string name;
    Sort sort = Sort::kProc;
    uint32_t slot = 0;
    SourcePos pos;
    Origin origin;
};

struct Capture {
    uint32_t parentSlot = 0;
    Origin origin;
};

struct FuncState {
    FuncState* parent = nullptr;
    uint32_t level = 0;
    std::shared_ptr<Code> code = std::make_shared<Code>();
    std::vector<Var> env;
    std::vector<Capture> captures;
    uint32_t nextLocal = 0;
};

struct Finished {
    std::shared_ptr<Code> code;
    std::vector<uint32_t> captureSlots; // provisional slots of the parent
    Hash128 key;
};

std::string posText(SourcePos p) { return std::to_string(p.line) + ":" + std::to_string(p.col); }

bool isExpression(NodeKind k) {
    switch (k) {
    case NodeKind::kBool: case NodeKind::kInt: case NodeKind::kBigInt: case NodeKind::kString: case NodeKind::kUri:
    case NodeKind::kList: case NodeKind::kTuple: case NodeKind::kSet: case NodeKind::kMap: case NodeKind::kBinary:
    case NodeKind::kUnary: case NodeKind::kMethod: case NodeKind::kNil:
        return true;
    default: return false;
    }
}

const char* constructName(NodeKind k) {
    switch (k) {
    case NodeKind::kSendSync: return "synchronous send `!?`";
    case NodeKind::kMatch: return "`match`";
    case NodeKind::kLet: return "`let`";
    case NodeKind::kBundle: return "`bundle`";
    case NodeKind::kSelect: return "`select`";
    case NodeKind::kVarRef: return "variable reference `=x`";
    case NodeKind::kBigInt: return "BigInt";
    case NodeKind::kSet: return "sets";
    case NodeKind::kMap: return "maps";
    case NodeKind::kMethod: return "method calls";
    case NodeKind::kSimpleType: return "simple type patterns";
    case NodeKind::kConjunction: return "logical connective `/\\`";
    case NodeKind::kDisjunction: return "logical connective `\\/`";
    case NodeKind::kNegation: return "logical connective `~`";
    case NodeKind::kSourceReceiveSend: return "receive source `?!`";
    case NodeKind::kSourceSendReceive: return "receive source `!?(...)`";
    default: return grammar::nodeKindName(k);
    }
}

class Compiler {
  public:
    Compiler(Diagnostics& diags, std::shared_ptr<const std::string> file) : diags_(diags), file_(std::move(file)) {}

    std::shared_ptr<const Code> program(const Node* root) {
        FuncState fs;
        fs.code->kind = kindOf(root);
        procTail(fs, root);
        return finish(fs).code;
    }

  private:
    // Emission ----------------------------------------------------------------------

    void emit(FuncState& fs, Op op, uint32_t a, SourcePos pos) {
        if (a > bytecode::kMaxOperand) {
            error(pos, "program too large: operand exceeds 24 bits");
            a = 0;
        }
        fs.code->words.push_back(bytecode::encode(op, a));
        fs.code->positions.push_back(pos);
    }
    void emitAux(FuncState& fs, Op op, uint32_t a, uint32_t aux, SourcePos pos) {
        emit(fs, op, a, pos);
        fs.code->words.push_back(aux);
        fs.code->positions.push_back(pos);
    }
    uint32_t constant(FuncState& fs, Value v) {
        auto& ks = fs.code->constants;
        for (size_t i = 0; i < ks.size(); ++i)
            if (ks[i].kind() == v.kind() && ks[i] == v)
                return static_cast<uint32_t>(i);
        ks.push_back(std::move(v));
        return static_cast<uint32_t>(ks.size() - 1);
    }

    void error(SourcePos pos, std::string message) { diags_.error(pos, std::move(message)); }
    void unsupported(const Node* n) {
        error(n->pos, std::string(constructName(n->kind)) + " is not supported yet");
    }

    // Scopes --------------------------------------------------------------------------

    // Finds [name] visible in [fs], capturing it through every enclosing sequence.
    const Var* lookup(FuncState& fs, const std::string& name) {
        for (auto it = fs.env.rbegin(); it != fs.env.rend(); ++it)
            if (it->name == name)
                return &*it;
        if (!fs.parent)
            return nullptr;
        const Var* outer = lookup(*fs.parent, name);
        if (!outer)
            return nullptr;
        fs.captures.push_back({outer->slot, outer->origin});
        Var v = *outer;
        v.slot = kCapTag | static_cast<uint32_t>(fs.captures.size() - 1);
        fs.env.push_back(std::move(v));
        return &fs.env.back();
    }

    uint32_t bindLocal(FuncState& fs, const std::string& name, Sort sort, SourcePos pos) {
        uint32_t slot = fs.nextLocal++;
        fs.env.push_back({name, sort, slot, pos, Origin{fs.level, slot}});
        return slot;
    }

    // Sorts the captures canonically, relocates slot operands, fixes the frame size.
    Finished finish(FuncState& fs) {
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
            if (op == Op::LOAD || op == Op::NEW || op == Op::NEW_URN)
                c.words[pc] = bytecode::encode(op, reloc(bytecode::decodeA(c.words[pc])));
            if (bytecode::hasAux(bytecode::opInfo(op).format))
                ++pc;
        }
        for (auto& m : c.multisets)
            for (ChildRef& r : m.members)
                for (uint32_t& s : r.captureSlots)
                    s = reloc(s);
        c.numCaptures = ncap;
        c.numSlots = ncap + fs.nextLocal;
        c.sourceName = file_;
        Finished f;
        f.captureSlots.resize(n);
        for (uint32_t r = 0; r < n; ++r)
            f.captureSlots[r] = fs.captures[order[r]].parentSlot;
        std::string bytes;
        bytecode::encodeCode(c, bytes, /*withPositions=*/false);
        for (uint32_t s : f.captureSlots)
            bytes.append(reinterpret_cast<const char*>(&s), sizeof s);
        f.key = bytecode::hashBytes(0, bytes);
        f.code = fs.code;
        return f;
    }

    // Adds [members] as a multiset of [fs]; sorted unless [ordered] (IF branches).
    uint32_t addMultiset(FuncState& fs, std::vector<Finished> members, bool ordered) {
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

    SequenceKind kindOf(const Node* p) {
        switch (p->kind) {
        case NodeKind::kSend:
        case NodeKind::kSendPersist: return SequenceKind::kSend;
        case NodeKind::kFor:
        case NodeKind::kContract: return SequenceKind::kReceive;
        case NodeKind::kNew: return SequenceKind::kNew;
        case NodeKind::kIf: return SequenceKind::kIf;
        case NodeKind::kEval:
        case NodeKind::kVar: return SequenceKind::kEval;
        case NodeKind::kPar: return SequenceKind::kPar;
        default: return isExpression(p->kind) ? SequenceKind::kExpression : SequenceKind::kPar;
        }
    }

    // One branch of a par as its own sequence, child of [parent].
    Finished branch(FuncState& parent, const Node* p) {
        FuncState fs;
        fs.parent = &parent;
        fs.level = parent.level + 1;
        fs.code->kind = kindOf(p);
        if (fs.code->kind == SequenceKind::kExpression) {
            value(fs, p);
            emit(fs, Op::RET, 0, p->pos);
        } else {
            procTail(fs, p);
        }
        return finish(fs);
    }

    std::vector<const Node*> branchesOf(const Node* p) {
        if (p->kind == NodeKind::kPar)
            return {p->kids.begin(), p->kids.end()};
        return {p};
    }

    // Processes ------------------------------------------------------------------------

    // proc  =>  code that runs proc and ends this sequence (proc is in tail position).
    void procTail(FuncState& fs, const Node* p) {
        DepthGuard guard(*this, p);
        if (!guard.ok()) {
            emit(fs, Op::HALT, 0, p->pos);
            return;
        }
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
        case NodeKind::kFor: receive(fs, p, 0); return;
        case NodeKind::kContract: contract(fs, p); return;
        case NodeKind::kNew: newDecls(fs, p); return;
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
        case NodeKind::kEval:
            // *n  =>  <n> EXEC
            name(fs, p->kids[0]);
            emit(fs, Op::EXEC, 0, p->pos);
            emit(fs, Op::HALT, 0, p->pos);
            return;
        case NodeKind::kVar:
            value(fs, p);
            emit(fs, Op::EXEC, 0, p->pos);
            emit(fs, Op::HALT, 0, p->pos);
            return;
        case NodeKind::kWildcard:
            error(p->pos, "Top level wildcards are not allowed: _ (wildcard) at " + posText(p->pos) + ".");
            return;
        default:
            if (isExpression(p->kind)) {
                // A plain expression at process level is never evaluated (RHOLANG.md 5): it
                // stays in the term as an expression sequence that SPAWN does not start.
                std::vector<Finished> members;
                members.push_back(branch(fs, p));
                emit(fs, Op::SPAWN, addMultiset(fs, std::move(members), false), p->pos);
                emit(fs, Op::HALT, 0, p->pos);
                return;
            }
            unsupported(p);
            emit(fs, Op::HALT, 0, p->pos);
            return;
        }
    }

    // new x, y(`uri`) in P  =>  NEW / NEW_URN per declaration, then P in tail position.
    void newDecls(FuncState& fs, const Node* p) {
        size_t n = p->kids.size() - 1;
        size_t i = 0;
        while (i < n) {
            const Node* d = p->kids[i];
            if (!d->uri.empty()) {
                uint32_t slot = bindLocal(fs, d->text, Sort::kName, d->pos);
                emitAux(fs, Op::NEW_URN, slot, constant(fs, Value::uri(d->uri)), d->pos);
                ++i;
                continue;
            }
            size_t j = i;
            uint32_t first = fs.nextLocal;
            while (j < n && p->kids[j]->uri.empty()) {
                bindLocal(fs, p->kids[j]->text, Sort::kName, p->kids[j]->pos);
                ++j;
            }
            emitAux(fs, Op::NEW, first, static_cast<uint32_t>(j - i), d->pos);
            i = j;
        }
        procTail(fs, p->kids.back());
    }

    struct JoinBuilder {
        std::map<std::string, SourcePos> bound; // for "used twice as a binder"
        uint32_t numBindings = 0;
    };

    // for (binds_1 ; ... ; binds_n) { P } with receipt [index]: the receipt's sources,
    // then RECEIVE over a body sequence whose Code carries the join; the rest of the
    // receipts nest inside the body (sequential receive).
    void receive(FuncState& fs, const Node* p, size_t index) {
        const Node* receipt = p->kids[index];
        const Node* body = p->kids.back();
        bool last = index + 2 == p->kids.size();
        FuncState child;
        child.parent = &fs;
        child.level = fs.level + 1;
        child.code->kind = SequenceKind::kBody;
        auto join = std::make_unique<bytecode::Join>();
        JoinBuilder jb;
        std::vector<std::string> seen;
        for (const Node* bind : receipt->kids) {
            join->persistent = bind->kind == NodeKind::kBindPersist;
            join->peek = bind->kind == NodeKind::kBindPeek;
            const Node* source = bind->kids.back();
            if (source->kind != NodeKind::kSourceSimple) {
                unsupported(source);
                continue;
            }
            std::string key = grammar::print(source->kids[0]);
            if (std::find(seen.begin(), seen.end(), key) != seen.end())
                error(source->pos, "Receiving on the same channels is currently not allowed (at " + posText(source->pos) +
                                       "). Ref. RCHAIN-4032.");
            seen.push_back(key);
            name(fs, source->kids[0]);
            if (bind->remainder)
                error(bind->remainder->pos, "remainder patterns are not supported yet");
            bytecode::BindPatterns bp;
            for (size_t i = 0; i + 1 < bind->kids.size(); ++i)
                bp.args.push_back(namePattern(child, bind->kids[i], jb));
            join->binds.push_back(std::move(bp));
        }
        join->numBindings = jb.numBindings;
        child.code->join = std::move(join);
        if (last)
            procTail(child, body);
        else
            receive(child, p, index + 1);
        std::vector<Finished> one;
        one.push_back(finish(child));
        emit(fs, Op::RECEIVE, addMultiset(fs, std::move(one), true), p->pos);
    }

    // contract n(formals) = { P }  =>  for (formals <= n) { P }
    void contract(FuncState& fs, const Node* p) {
        FuncState child;
        child.parent = &fs;
        child.level = fs.level + 1;
        child.code->kind = SequenceKind::kBody;
        auto join = std::make_unique<bytecode::Join>();
        join->persistent = true;
        JoinBuilder jb;
        name(fs, p->kids[0]);
        if (p->remainder)
            error(p->remainder->pos, "remainder patterns are not supported yet");
        bytecode::BindPatterns bp;
        for (size_t i = 1; i + 1 < p->kids.size(); ++i)
            bp.args.push_back(namePattern(child, p->kids[i], jb));
        join->binds.push_back(std::move(bp));
        join->numBindings = jb.numBindings;
        child.code->join = std::move(join);
        procTail(child, p->kids.back());
        std::vector<Finished> one;
        one.push_back(finish(child));
        emit(fs, Op::RECEIVE, addMultiset(fs, std::move(one), true), p->pos);
    }

    // Patterns --------------------------------------------------------------------------

    Pattern bindPattern(FuncState& body, const Node* v, Sort sort, JoinBuilder& jb) {
        auto [it, fresh] = jb.bound.emplace(v->text, v->pos);
        if (!fresh)
            error(v->pos, "Free variable " + v->text + " is used twice as a binder (at " + posText(it->second) + " and " +
                              posText(v->pos) + ") in " + (sort == Sort::kName ? "name" : "process") + " context.");
        uint32_t binding = jb.numBindings++;
        uint32_t slot = bindLocal(body, v->text, sort, v->pos);
        (void)slot; // bindings are the first locals: slot == binding
        Pattern p;
        p.kind = Pattern::Kind::kBind;
        p.binding = binding;
        p.nameBinder = sort == Sort::kName;
        return p;
    }

    // name pattern: x | _ | @P
    Pattern namePattern(FuncState& body, const Node* n, JoinBuilder& jb) {
        switch (n->kind) {
        case NodeKind::kVar: return bindPattern(body, n, Sort::kName, jb);
        case NodeKind::kWildcard: return Pattern{};
        case NodeKind::kQuote: return procPattern(body, n->kids[0], jb, 0);
        default: unsupported(n); return Pattern{};
        }
    }

    // process pattern: x | _ | literal | [p, ...] | (p, ...) | *n
    Pattern procPattern(FuncState& body, const Node* n, JoinBuilder& jb, int depth) {
        if (depth > kMaxDepth) {
            error(n->pos, "pattern nested too deeply");
            return Pattern{};
        }
        Pattern p;
        switch (n->kind) {
        case NodeKind::kVar: return bindPattern(body, n, Sort::kProc, jb);
        case NodeKind::kWildcard: return p;
        case NodeKind::kNil:
        case NodeKind::kBool:
        case NodeKind::kInt:
        case NodeKind::kString:
        case NodeKind::kUri:
            p.kind = Pattern::Kind::kLiteral;
            p.literal = literal(n);
            return p;
        case NodeKind::kList:
        case NodeKind::kTuple:
            if (n->remainder) {
                error(n->remainder->pos, "remainder patterns are not supported yet");
                return p;
            }
            p.kind = n->kind == NodeKind::kList ? Pattern::Kind::kList : Pattern::Kind::kTuple;
            for (const Node* k : n->kids)
                p.items.push_back(procPattern(body, k, jb, depth + 1));
            return p;
        case NodeKind::kEval: return namePattern(body, n->kids[0], jb);
        default: unsupported(n); return p;
        }
    }

    // Values ----------------------------------------------------------------------------

    Value literal(const Node* n) {
        switch (n->kind) {
        case NodeKind::kNil: return Value();
        case NodeKind::kBool: return Value::boolean(n->flag != 0);
        case NodeKind::kString: return Value::string(n->text);
        case NodeKind::kUri: return Value::uri(n->text);
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
                error(n->pos, "integer literal " + n->text + " does not fit in a 64-bit Int (For input string: \"" +
                                  n->text + "\")");
                return Value::integer(0);
            }
            return Value::integer(static_cast<int64_t>(v));
        }
        default: return Value();
        }
    }

    // expr  =>  code that pushes the expression's value (evaluated).
    void value(FuncState& fs, const Node* e) {
        DepthGuard guard(*this, e);
        if (!guard.ok())
            return emit(fs, Op::PUSH_NIL, 0, e->pos);
        switch (e->kind) {
        case NodeKind::kNil: emit(fs, Op::PUSH_NIL, 0, e->pos); return;
        case NodeKind::kBool:
        case NodeKind::kInt:
        case NodeKind::kString:
        case NodeKind::kUri: emit(fs, Op::PUSH_CONST, constant(fs, literal(e)), e->pos); return;
        case NodeKind::kVar: {
            const Var* v = lookup(fs, e->text);
            if (!v) {
                error(e->pos, "Top level free variables are not allowed: " + e->text + " at " + posText(e->pos) + ".");
            } else if (v->sort == Sort::kName) {
                error(e->pos, "Name variable: " + e->text + " at " + posText(v->pos) + " used in process context at " +
                                  posText(e->pos));
            }
            emit(fs, Op::LOAD, v ? v->slot : 0, e->pos);
            return;
        }
        case NodeKind::kEval: name(fs, e->kids[0]); return; // *n: the process behind the name
        case NodeKind::kWildcard:
            error(e->pos, "Top level wildcards are not allowed: _ (wildcard) at " + posText(e->pos) + ".");
            emit(fs, Op::PUSH_NIL, 0, e->pos);
            return;
        case NodeKind::kList:
        case NodeKind::kTuple:
            if (e->remainder)
                error(e->remainder->pos, "a remainder `...` is only allowed in a pattern");
            for (const Node* k : e->kids)
                value(fs, k);
            emit(fs, e->kind == NodeKind::kList ? Op::MAKE_LIST : Op::MAKE_TUPLE, static_cast<uint32_t>(e->kids.size()),
                 e->pos);
            return;
        case NodeKind::kBinary: binary(fs, e); return;
        case NodeKind::kUnary:
            value(fs, e->kids[0]);
            emit(fs, static_cast<UnaryOp>(e->op) == UnaryOp::kNeg ? Op::NEG : Op::NOT, 0, e->pos);
            return;
        case NodeKind::kPar:
        case NodeKind::kSend:
        case NodeKind::kSendPersist:
        case NodeKind::kFor:
        case NodeKind::kContract:
        case NodeKind::kNew:
        case NodeKind::kIf:
            processValue(fs, e, Op::PAR);
            return;
        default:
            unsupported(e);
            emit(fs, Op::PUSH_NIL, 0, e->pos);
            return;
        }
    }

    // A process in value position: expression branches are evaluated here; process
    // branches become closures of multiset M.   P  =>  <exprs> PAR/QUOTE M, n
    void processValue(FuncState& fs, const Node* p, Op op) {
        uint32_t values = 0;
        std::vector<Finished> members;
        for (const Node* b : branchesOf(p)) {
            if (isExpression(b->kind) || b->kind == NodeKind::kVar || b->kind == NodeKind::kEval) {
                value(fs, b);
                ++values;
            } else {
                members.push_back(branch(fs, b));
            }
        }
        emitAux(fs, op, addMultiset(fs, std::move(members), false), values, p->pos);
    }

    void binary(FuncState& fs, const Node* e) {
        Op op;
        switch (static_cast<BinaryOp>(e->op)) {
        case BinaryOp::kOr: op = Op::OR; break;
        case BinaryOp::kAnd: op = Op::AND; break;
        case BinaryOp::kEq: op = Op::EQ; break;
        case BinaryOp::kNeq: op = Op::NEQ; break;
        case BinaryOp::kLt: op = Op::LT; break;
        case BinaryOp::kLe: op = Op::LE; break;
        case BinaryOp::kGt: op = Op::GT; break;
        case BinaryOp::kGe: op = Op::GE; break;
        case BinaryOp::kAdd: op = Op::ADD; break;
        case BinaryOp::kSub: op = Op::SUB; break;
        case BinaryOp::kMul: op = Op::MUL; break;
        case BinaryOp::kDiv: op = Op::DIV; break;
        case BinaryOp::kMod: op = Op::MOD; break;
        default:
            error(e->pos, std::string("operator `") + binaryText(static_cast<BinaryOp>(e->op)) + "` is not supported yet");
            emit(fs, Op::PUSH_NIL, 0, e->pos);
            return;
        }
        value(fs, e->kids[0]);
        value(fs, e->kids[1]);
        emit(fs, op, 0, e->pos);
    }

    static const char* binaryText(BinaryOp op) {
        switch (op) {
        case BinaryOp::kOrElse: return "||";
        case BinaryOp::kAndAlso: return "&&";
        case BinaryOp::kMatches: return "matches";
        case BinaryOp::kConcat: return "++";
        case BinaryOp::kDiff: return "--";
        case BinaryOp::kPercentPercent: return "%%";
        default: return "?";
        }
    }

    // name  =>  code that pushes the name's value (x, @P; _ only in patterns).
    void name(FuncState& fs, const Node* n) {
        DepthGuard guard(*this, n);
        if (!guard.ok())
            return emit(fs, Op::PUSH_NIL, 0, n->pos);
        switch (n->kind) {
        case NodeKind::kVar: {
            const Var* v = lookup(fs, n->text);
            if (!v)
                error(n->pos, "Top level free variables are not allowed: " + n->text + " at " + posText(n->pos) + ".");
            else if (v->sort == Sort::kProc)
                error(n->pos, "Proc variable: " + n->text + " at " + posText(v->pos) + " used in Name context at " +
                                  posText(n->pos));
            emit(fs, Op::LOAD, v ? v->slot : 0, n->pos);
            return;
        }
        case NodeKind::kWildcard:
            error(n->pos, "Top level wildcards are not allowed: _ (wildcard) at " + posText(n->pos) + ".");
            emit(fs, Op::PUSH_NIL, 0, n->pos);
            return;
        case NodeKind::kQuote: {
            const Node* p = n->kids[0];
            if (p->kind == NodeKind::kEval) // @*x is x
                return name(fs, p->kids[0]);
            // @P  =>  QUOTE [| P |]   (principle 1)
            processValue(fs, p, Op::QUOTE);
            return;
        }
        default:
            unsupported(n);
            emit(fs, Op::PUSH_NIL, 0, n->pos);
            return;
        }
    }

    // Depth guard ------------------------------------------------------------------------

    class DepthGuard {
      public:
        DepthGuard(Compiler& c, const Node* n) : c_(c) {
            if (++c_.depth_ > kMaxDepth) {
                ok_ = false;
                if (!c_.reportedDepth_) {
                    c_.reportedDepth_ = true;
                    c_.error(n->pos, "program nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
                }
            }
        }
        ~DepthGuard() { --c_.depth_; }
        DepthGuard(const DepthGuard&) = delete;
        DepthGuard& operator=(const DepthGuard&) = delete;
        [[nodiscard]] bool ok() const { return ok_; }

      private:
        Compiler& c_;
        bool ok_ = true;
    };

    Diagnostics& diags_;
    std::shared_ptr<const std::string> file_;
    int depth_ = 0;
    bool reportedDepth_ = false;
};

} // namespace

CompileResult compile(const grammar::Node* root, std::string_view sourceName) {
    CompileResult result;
    auto file = std::make_shared<const std::string>(sourceName);
    Compiler c(result.diagnostics, file);
    std::shared_ptr<const Code> main = c.program(root);
    if (result.diagnostics.empty())
        result.program = bytecode::Program{std::move(main)};
    return result;
}

CompileResult compileSource(std::string_view source, std::string_view sourceName) {
    grammar::ParseResult parsed = grammar::parse(source);
    if (!parsed.diagnostics.empty() || !parsed.root) {
        CompileResult r;
        r.diagnostics = std::move(parsed.diagnostics);
        return r;
    }
    return compile(parsed.root, sourceName);
}

} // namespace rho::compiler
