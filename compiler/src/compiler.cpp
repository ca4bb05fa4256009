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
#include <deque>
#include <functional>
#include <map>
#include <unordered_map>

#include "rho/base/big_stack.h"
#include "rho/bytecode/rbc.h"
#include "rho/bytecode/symbol.h"
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

// Every operator of the grammar has the instruction opcodes.def spells that way.
static_assert([] {
    for (uint8_t i = 0; i <= static_cast<uint8_t>(BinaryOp::kPercentPercent); ++i) {
        const auto op = static_cast<BinaryOp>(i);
        const size_t operands = op == BinaryOp::kAndAlso || op == BinaryOp::kOrElse ? 1 : 2;
        if (op != BinaryOp::kMatches && bytecode::operatorOp(symbol(op), operands) == Op::HALT)
            return false;
    }
    return bytecode::operatorOp(symbol(UnaryOp::kNeg), 1) == Op::NEG &&
           bytecode::operatorOp(symbol(UnaryOp::kNot), 1) == Op::NOT;
}());

namespace {

constexpr uint32_t kCapTag = 0x800000;
// A Var slot with this bit set is a binder of the pattern being compiled (the low
// bits: its binding index), not a frame slot.
constexpr uint32_t kPatternVar = 0x40000000;
// Recursion guard: the compiler recurses once or twice per nesting level and runs on
// a thread with a big stack (compile(), base/big_stack.h), enough for the parser's
// own limit of grammar::kMaxNestingDepth levels; deeper input is a diagnostic.
constexpr int kMaxDepth = 4 * grammar::kMaxNestingDepth;
// Without the big stack (no thread could be made) the limit is what 8 MiB holds.
constexpr int kMaxDepthSmallStack = 3000;

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

struct JoinBuilder;

struct FuncState {
    FuncState* parent = nullptr;
    uint32_t level = 0;
    std::shared_ptr<Code> code = std::make_shared<Code>();
    std::vector<Var> env;
    std::vector<Capture> captures;
    uint32_t nextLocal = 0;
    // Set on a pattern sequence (and the sequences nested in it): identifiers not bound
    // inside it are binders of the pattern's owner, not variables of outer scopes.
    JoinBuilder* pattern = nullptr;
};

// The bindings of one receive (all its binds), one match case, or one `matches`.
struct JoinBuilder {
    FuncState* owner = nullptr;              // the body or case sequence
    std::map<std::string, SourcePos> bound;  // for "used twice as a binder"
    uint32_t numBindings = 0;
    bool receive = false;                    // receive patterns allow only /\ among connectives
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
    case NodeKind::kUnary: case NodeKind::kNil: case NodeKind::kBundle:
        return true;
    default: return false;
    }
}

const char* connectiveText(NodeKind k) {
    switch (k) {
    case NodeKind::kConjunction: return "/\\ (conjunction)";
    case NodeKind::kDisjunction: return "\\/ (disjunction)";
    case NodeKind::kNegation: return "~ (negation)";
    default: return "?";
    }
}

const char* simpleTypeText(uint8_t t) {
    static const char* kNames[] = {"Bool", "Int", "BigInt", "String", "Uri", "ByteArray"};
    return kNames[t % 6];
}

class Compiler {
  public:
    Compiler(Diagnostics& diags, std::shared_ptr<const std::string> file, int maxDepth)
        : diags_(diags), file_(std::move(file)), maxDepth_(maxDepth) {}

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
    void pushPattern(FuncState& fs, Pattern p, SourcePos pos) {
        fs.code->patterns.push_back(std::move(p));
        emit(fs, Op::PUSH_PATTERN, static_cast<uint32_t>(fs.code->patterns.size() - 1), pos);
    }

    void error(SourcePos pos, std::string message) { diags_.error(pos, std::move(message)); }
    void error(const Node* n, std::string message) { diags_.error(n->pos, n->end, std::move(message)); }

    // Synthetic nodes (desugaring) -------------------------------------------------------

    Node* make(NodeKind kind, SourcePos pos, std::vector<Node*> kids = {}) {
        Node* n = synth_.make(kind, pos);
        n->kids = std::move(kids);
        return n;
    }
    // A variable no source program can name (identifiers cannot contain '%').
    Node* freshVar(SourcePos pos) {
        Node* n = make(NodeKind::kVar, pos);
        n->text = "%" + std::to_string(fresh_++);
        return n;
    }
    Node* eval(Node* var) { return make(NodeKind::kEval, var->pos, {var}); }
    Node* par(SourcePos pos, std::vector<Node*> branches) {
        std::vector<Node*> flat;
        for (Node* b : branches) {
            if (b->kind == NodeKind::kPar)
                flat.insert(flat.end(), b->kids.begin(), b->kids.end());
            else if (b->kind != NodeKind::kNil)
                flat.push_back(b);
        }
        if (flat.empty())
            return make(NodeKind::kNil, pos);
        if (flat.size() == 1)
            return flat[0];
        return make(NodeKind::kPar, pos, std::move(flat));
    }
    Node* newOf(SourcePos pos, std::vector<Node*> vars, Node* body) {
        std::vector<Node*> kids;
        for (Node* v : vars) {
            Node* d = make(NodeKind::kNameDecl, v->pos);
            d->text = v->text;
            kids.push_back(d);
        }
        kids.push_back(body);
        return make(NodeKind::kNew, pos, std::move(kids));
    }
    Node* linearBind(std::vector<Node*> patterns, Node* remainder, Node* channel) {
        Node* src = make(NodeKind::kSourceSimple, channel->pos, {channel});
        patterns.push_back(src);
        Node* b = make(NodeKind::kBindLinear, channel->pos, std::move(patterns));
        b->remainder = remainder;
        return b;
    }

    // Scopes --------------------------------------------------------------------------

    // Finds [name] visible in [fs], capturing it through every enclosing sequence.
    // Inside a pattern sequence, a name bound nowhere inside it becomes a binder of
    // the pattern (every plain identifier in a pattern binds, RHOLANG.md 4).
    const Var* lookup(FuncState& fs, const std::string& name, Sort sort, const Node* at) {
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
    const Var* lookupOuter(FuncState& owner, const std::string& name, const Node* at) {
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

    uint32_t bindLocal(FuncState& fs, const std::string& name, Sort sort, SourcePos pos) {
        uint32_t slot = fs.nextLocal++;
        fs.env.push_back({name, sort, slot, pos, Origin{fs.level, slot}});
        return slot;
    }

    // A new binder of [jb]'s pattern: checks "used twice", allocates its binding.
    uint32_t bindPatternVar(JoinBuilder& jb, const Node* v, Sort sort) {
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

    void relocatePattern(Pattern& p, const std::function<uint32_t(uint32_t)>& reloc) {
        if (p.kind == Pattern::Kind::kVarRef)
            p.slot = reloc(p.slot);
        for (Pattern& q : p.items)
            relocatePattern(q, reloc);
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

    FuncState child(FuncState& parent, SequenceKind kind) {
        FuncState fs;
        fs.parent = &parent;
        fs.level = parent.level + 1;
        fs.pattern = parent.pattern;
        fs.code->kind = kind;
        return fs;
    }

    // One branch of a par as its own sequence, child of [parent].
    Finished branch(FuncState& parent, const Node* p) {
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
    Finished expressionSequence(FuncState& parent, const Node* e) {
        FuncState fs = child(parent, SequenceKind::kExpression);
        value(fs, e);
        emit(fs, Op::RET, 0, e->pos);
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
        case NodeKind::kContract: return contract(fs, p);
        case NodeKind::kNew: return newDecls(fs, p);
        case NodeKind::kLet: return procTail(fs, desugarLet(p));
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

    // c!?(args); P  =>  new r in { c!(*r, args) | for (_ <- r) { P } }   (`.`: P = Nil)
    const Node* desugarSendSync(const Node* p) {
        bool hasCont = p->flag != 0;
        size_t nargs = p->kids.size() - 1 - (hasCont ? 1 : 0);
        Node* r = freshVar(p->pos);
        std::vector<Node*> sendKids{p->kids[0], eval(r)};
        for (size_t i = 1; i <= nargs; ++i)
            sendKids.push_back(p->kids[i]);
        Node* send = make(NodeKind::kSend, p->pos, std::move(sendKids));
        Node* cont = hasCont ? p->kids.back() : make(NodeKind::kNil, p->pos);
        Node* wait = make(NodeKind::kFor, p->pos,
                          {make(NodeKind::kReceipt, p->pos, {linearBind({make(NodeKind::kWildcard, p->pos)}, nullptr, r)}),
                           cont});
        return newOf(p->pos, {r}, par(p->pos, {send, wait}));
    }

    // let d1 ; d2 in P  =>  let d1 in { let d2 in P }
    // let d1 & d2 in P  =>  new c1, c2 in { c1!(e1...) | c2!(e2...) | for (p1 <- c1 & p2 <- c2) { P } }
    // let ps <- es in P  =>  match [es] { [ps] => P }   (compiled directly by letSingle)
    const Node* desugarLet(const Node* p) {
        size_t ndecls = p->kids.size() - 1;
        const Node* body = p->kids.back();
        if (p->flag == 2 && ndecls > 1) {
            std::vector<Node*> chans, branches, binds;
            for (size_t i = 0; i < ndecls; ++i) {
                const Node* d = p->kids[i];
                Node* c = freshVar(d->pos);
                chans.push_back(c);
                std::vector<Node*> sendKids{c};
                for (size_t k = d->count; k < d->kids.size(); ++k)
                    sendKids.push_back(d->kids[k]);
                branches.push_back(make(NodeKind::kSend, d->pos, std::move(sendKids)));
                std::vector<Node*> pats(d->kids.begin(), d->kids.begin() + d->count);
                binds.push_back(linearBind(std::move(pats), d->remainder, c));
            }
            branches.push_back(make(NodeKind::kFor, p->pos,
                                    {make(NodeKind::kReceipt, p->pos, std::move(binds)), const_cast<Node*>(body)}));
            return newOf(p->pos, std::move(chans), par(p->pos, std::move(branches)));
        }
        // Single or sequential: one declaration per nested let, innermost last.
        Node* inner = const_cast<Node*>(body);
        for (size_t i = ndecls; i-- > 0;) {
            Node* single = make(NodeKind::kLet, p->kids[i]->pos, {p->kids[i], inner});
            single->flag = 0;
            single->count = 1; // marks "single declaration, compile directly"
            inner = single;
        }
        return inner->count == 1 && inner->kind == NodeKind::kLet ? letSingleNode(inner) : inner;
    }

    // A let of one declaration compiles as a match over the list of its values:
    // the patterns are name patterns (x binds a name, @x a process).
    const Node* letSingleNode(Node* let) {
        pendingLet_.push_back(let);
        let->kind = NodeKind::kMatch; // handled in match(): target and case come from the let
        let->flag = 0xEE;
        return let;
    }

    // for (r1 ; r2 ; ...) { P }: the first receipt, with the rest nested in its body.
    // Complex sources are rewritten first (RHOLANG.md 5):
    //   ps <- ch!?(args)  =>  new r in { ch!(*r, args) | for (ps <- r ...) }
    //   ps <- ch?!        =>  s, ps <- ch, with s!() added to the body
    void forTail(FuncState& fs, const Node* p) {
        const Node* receipt = p->kids[0];
        bool complex = false;
        for (const Node* b : receipt->kids)
            complex |= b->kids.back()->kind != NodeKind::kSourceSimple;
        if (!complex)
            return receive(fs, p, 0);
        std::vector<Node*> news, sends, acks, binds;
        for (Node* b : receipt->kids) {
            Node* src = b->kids.back();
            std::vector<Node*> pats(b->kids.begin(), b->kids.end() - 1);
            Node* channel = src->kids[0];
            if (src->kind == NodeKind::kSourceSendReceive) {
                if (b->kind != NodeKind::kBindLinear)
                    error(src, "a send-receive source needs the linear arrow `<-`");
                Node* r = freshVar(src->pos);
                news.push_back(r);
                std::vector<Node*> sendKids{channel, eval(r)};
                sendKids.insert(sendKids.end(), src->kids.begin() + 1, src->kids.end());
                sends.push_back(make(NodeKind::kSend, src->pos, std::move(sendKids)));
                channel = r;
            } else if (src->kind == NodeKind::kSourceReceiveSend) {
                if (b->kind != NodeKind::kBindLinear)
                    error(src, "a receive-send source needs the linear arrow `<-`");
                Node* s = freshVar(src->pos);
                pats.insert(pats.begin(), s);
                acks.push_back(make(NodeKind::kSend, src->pos, {s}));
            }
            Node* nb = make(b->kind, b->pos, std::move(pats));
            nb->kids.push_back(make(NodeKind::kSourceSimple, src->pos, {channel}));
            nb->remainder = b->remainder;
            binds.push_back(nb);
        }
        std::vector<Node*> forKids{make(NodeKind::kReceipt, receipt->pos, std::move(binds))};
        forKids.insert(forKids.end(), p->kids.begin() + 1, p->kids.end() - 1);
        acks.push_back(p->kids.back());
        forKids.push_back(par(p->pos, std::move(acks)));
        Node* rewritten = make(NodeKind::kFor, p->pos, std::move(forKids));
        sends.push_back(rewritten);
        procTail(fs, news.empty() ? par(p->pos, std::move(sends)) : newOf(p->pos, std::move(news), par(p->pos, std::move(sends))));
    }

    // for (binds_1 ; ... ; binds_n) { P } with receipt [index]: the receipt's sources,
    // then RECEIVE over a body sequence whose Code carries the join; the rest of the
    // receipts nest inside the body (sequential receive).
    void receive(FuncState& fs, const Node* p, size_t index) {
        const Node* receipt = p->kids[index];
        const Node* body = p->kids.back();
        bool last = index + 2 == p->kids.size();
        if (!last) {
            // Later receipts may use complex sources: compile them as their own `for`.
            std::vector<Node*> restKids(p->kids.begin() + static_cast<ptrdiff_t>(index) + 1, p->kids.end());
            Node* rest = make(NodeKind::kFor, p->kids[index + 1]->pos, std::move(restKids));
            Node* head = make(NodeKind::kFor, p->pos, {const_cast<Node*>(receipt), rest});
            return receive(fs, head, 0);
        }
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
                bp.args.push_back(namePattern(jb, bind->kids[i], 0));
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

    // contract n(formals ...@r) = { P }  =>  for (formals ...@r <= n) { P }
    void contract(FuncState& fs, const Node* p) {
        FuncState child = this->child(fs, SequenceKind::kBody);
        auto join = std::make_unique<bytecode::Join>();
        join->persistent = true;
        JoinBuilder jb;
        jb.owner = &child;
        jb.receive = true;
        name(fs, p->kids[0]);
        bytecode::BindPatterns bp;
        for (size_t i = 1; i + 1 < p->kids.size(); ++i)
            bp.args.push_back(namePattern(jb, p->kids[i], 0));
        if (p->remainder)
            bp.remainder = remainderBinding(jb, p->remainder);
        join->binds.push_back(std::move(bp));
        join->numBindings = jb.numBindings;
        child.code->join = std::move(join);
        procTail(child, p->kids.back());
        std::vector<Finished> one;
        one.push_back(finish(child));
        emit(fs, Op::RECEIVE, addMultiset(fs, std::move(one), true), p->pos);
    }

    // match e { p1 => P1 ... }  =>  <e> MATCH {case1, case2, ...} (in order)
    void match(FuncState& fs, const Node* p) {
        std::vector<Finished> cases;
        if (p->flag == 0xEE) { // a single-declaration let: match [values] { [patterns] => body }
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
                list.items.push_back(namePattern(jb, d->kids[k], 0));
            if (d->remainder)
                list.remainder = remainderBinding(jb, d->remainder);
            cases.push_back(caseSequence(cs, jb, std::move(list), p->kids[1]));
        } else {
            value(fs, p->kids[0]);
            for (size_t i = 1; i < p->kids.size(); ++i) {
                const Node* c = p->kids[i];
                FuncState cs = child(fs, SequenceKind::kCase);
                JoinBuilder jb;
                jb.owner = &cs;
                Pattern pat = procPattern(jb, c->kids[0], 0);
                cases.push_back(caseSequence(cs, jb, std::move(pat), c->kids[1]));
            }
        }
        emit(fs, Op::MATCH, addMultiset(fs, std::move(cases), true), p->pos);
    }

    Finished caseSequence(FuncState& cs, JoinBuilder& jb, Pattern pat, const Node* body) {
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

    // Patterns --------------------------------------------------------------------------

    int32_t remainderBinding(JoinBuilder& jb, const Node* r) {
        if (r->kind == NodeKind::kWildcard)
            return Pattern::kWildRemainder;
        return static_cast<int32_t>(bindPatternVar(jb, r, Sort::kProc));
    }

    Pattern bindPattern(JoinBuilder& jb, const Node* v, Sort sort) {
        Pattern p;
        p.kind = Pattern::Kind::kBind;
        p.binding = bindPatternVar(jb, v, sort);
        p.nameBinder = sort == Sort::kName;
        return p;
    }

    // name pattern: x | _ | @P | =*x
    Pattern namePattern(JoinBuilder& jb, const Node* n, int depth) {
        switch (n->kind) {
        case NodeKind::kVar: return bindPattern(jb, n, Sort::kName);
        case NodeKind::kWildcard: return Pattern{};
        case NodeKind::kQuote: return procPattern(jb, n->kids[0], depth + 1);
        case NodeKind::kVarRef: return varRefPattern(jb, n);
        default: error(n, "this cannot be a name pattern"); return Pattern{};
        }
    }

    Pattern varRefPattern(JoinBuilder& jb, const Node* n) {
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
    Pattern procPattern(JoinBuilder& jb, const Node* n, int depth) {
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
                    p.items.push_back(procPattern(jb, k->kids[0], depth + 1));
                    p.items.push_back(procPattern(jb, k->kids[1], depth + 1));
                } else {
                    p.items.push_back(procPattern(jb, k, depth + 1));
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
            // Binders under \/ and ~ bind nothing: count them separately.
            for (const Node* k : n->kids)
                p.items.push_back(procPattern(jb, k, depth + 1));
            return p;
        }
        case NodeKind::kSimpleType:
            p.kind = Pattern::Kind::kType;
            p.simpleType = n->op;
            return p;
        case NodeKind::kVarRef: return varRefPattern(jb, n);
        case NodeKind::kEval: return namePattern(jb, n->kids[0], depth + 1); // *x: the name x
        case NodeKind::kBundle: {
            uint32_t before = jb.numBindings;
            p.kind = Pattern::Kind::kBundle;
            p.bundleMode = n->op;
            p.items.push_back(procPattern(jb, n->kids[0], depth + 1));
            if (jb.numBindings != before || containsWildcard(p.items[0]))
                error(n, "Bundle's content must not have free variables or wildcards.");
            return p;
        }
        default: return processPattern(jb, n);
        }
    }

    static bool containsWildcard(const Pattern& p) {
        if (p.kind == Pattern::Kind::kWildcard || p.remainder == Pattern::kWildRemainder)
            return true;
        for (const Pattern& q : p.items)
            if (containsWildcard(q))
                return true;
        return false;
    }

    // A process used as a pattern, such as {@"greet"!(m, n)} or {7 + 8}: compiled as
    // a pattern sequence whose free identifiers are binders of [jb] (PUSH_PATTERN).
    Pattern processPattern(JoinBuilder& jb, const Node* n) {
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
        jb.owner->code->children.push_back(f.code);
        Pattern p;
        p.kind = Pattern::Kind::kProcess;
        p.child = static_cast<uint32_t>(jb.owner->code->children.size() - 1);
        return p;
    }

    // Values ----------------------------------------------------------------------------

    Value literal(const Node* n) {
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
    bool patternHole(FuncState& fs, const Node* e) {
        if (!fs.pattern)
            return false;
        switch (e->kind) {
        case NodeKind::kWildcard:
        case NodeKind::kConjunction:
        case NodeKind::kDisjunction:
        case NodeKind::kNegation:
        case NodeKind::kSimpleType:
        case NodeKind::kVarRef:
            pushPattern(fs, procPattern(*fs.pattern, e, 0), e->pos);
            return true;
        case NodeKind::kList:
        case NodeKind::kSet:
        case NodeKind::kMap:
            if (!e->remainder)
                return false;
            pushPattern(fs, procPattern(*fs.pattern, e, 0), e->pos);
            return true;
        default: return false;
        }
    }

    void freeVariable(const Node* e) {
        if (bundleDepth_ > 0)
            error(e, "Bundle's content must not have free variables or wildcards: " + e->text + " at " + posText(e->pos) +
                         " is a free variable.");
        else
            error(e, "Top level free variables are not allowed: " + e->text + " at " + posText(e->pos) + ".");
    }

    // LOAD of a variable, or a pattern hole when it is a binder of a pattern.
    void loadVar(FuncState& fs, const Var* v, SourcePos pos) {
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
    void value(FuncState& fs, const Node* e) {
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
        case NodeKind::kVar: {
            const Var* v = lookup(fs, e->text, Sort::kProc, e);
            if (!v)
                freeVariable(e);
            else if (v->sort == Sort::kName)
                error(e, "Name variable: " + e->text + " at " + posText(v->pos) + " used in process context at " +
                             posText(e->pos));
            loadVar(fs, v, e->pos);
            return;
        }
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
    void processValue(FuncState& fs, const Node* p, Op op) {
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
    void binary(FuncState& fs, const Node* e) {
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
            Pattern pat = procPattern(jb, e->kids[1], 0);
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
    void name(FuncState& fs, const Node* n) {
        DepthGuard guard(*this, n);
        if (!guard.ok())
            return emit(fs, Op::PUSH_NIL, 0, n->pos);
        if (patternHole(fs, n))
            return;
        switch (n->kind) {
        case NodeKind::kVar: {
            const Var* v = lookup(fs, n->text, Sort::kName, n);
            if (!v)
                freeVariable(n);
            else if (v->sort == Sort::kProc)
                error(n, "Proc variable: " + n->text + " at " + posText(v->pos) + " used in Name context at " +
                             posText(n->pos));
            loadVar(fs, v, n->pos);
            return;
        }
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

    // Depth guard ------------------------------------------------------------------------

    class DepthGuard {
      public:
        DepthGuard(Compiler& c, const Node* n) : c_(c) {
            if (++c_.depth_ > c_.maxDepth_) {
                ok_ = false;
                if (!c_.reportedDepth_) {
                    c_.reportedDepth_ = true;
                    c_.error(n->pos, "program nested too deeply to compile (more than " +
                                         std::to_string(c_.maxDepth_ / 4) + " levels)");
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
    grammar::Arena synth_;
    std::vector<Node*> pendingLet_;
    std::deque<Var> patternVars_; // stable addresses for pattern binders returned by lookup
    std::unordered_map<const Code*, Hash128> keys_; // finished sequences' Merkle keys
    uint32_t fresh_ = 0;
    int bundleDepth_ = 0;
    int maxDepth_;
    int depth_ = 0;
    bool reportedDepth_ = false;
};

} // namespace

CompileResult compile(const grammar::Node* root, std::string_view sourceName) {
    CompileResult result;
    auto file = std::make_shared<const std::string>(sourceName);
    std::shared_ptr<const Code> main;
    auto work = [&] {
        Compiler c(result.diagnostics, file, kMaxDepth);
        main = c.program(root);
    };
    if (!runOnBigStack(work)) {
        // No thread could be made: compile here, within this thread's stack.
        Compiler c(result.diagnostics, file, kMaxDepthSmallStack);
        main = c.program(root);
    }
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
