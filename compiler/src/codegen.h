// File: codegen.h (private)
// The code generator: one Compiler walks the tree once, its work split by pass
// into files as Luau splits its compiler:
//   sequence.cpp    building one sequence: emission, scopes and captures, finishing
//                   (canonical order), multisets
//   desugar.cpp     surface syntax to core (RHOLANG.md 5): `!?`, `let`, complex
//                   receive sources, synthetic nodes
//   process.cpp     processes in tail position: par, send, new, for, contract, match
//   pattern.cpp     receive, match and `matches` patterns
//   expression.cpp  values and names
//
// Every Code under construction has a FuncState (like Lua's FuncState): its visible
// variables, its captures and its next free slot. A variable found in an enclosing
// FuncState becomes a capture of every sequence in between (Lua's upvalues). Slots
// are provisional while a Code is built: captures are tagged kCapTag, everything
// else counts from 0; finish() sorts the captures into a canonical order and
// relocates the operands, giving the frame layout [captures][bindings][locals].
//
// Canonical form: the members of every par multiset are sorted by a hash of their
// code (without source positions) and capture slots, so P | Q and Q | P compile to
// identical instructions (principle 2 and DESIGN "Names, equality and hashing").
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "rho/base/source_pos.h"
#include "rho/bytecode/code.h"
#include "rho/grammar/ast.h"
#include "rho/grammar/parser.h"

namespace rho::compiler::detail {

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
    // Where a process pattern's sequence goes: the owner's children, except for a
    // pattern under a PUSH_PATTERN hole of a pattern sequence, which goes to the children
    // of the sequence holding that hole (a Code's patterns name its own children).
    FuncState* childOwner = nullptr;
};

struct Finished {
    std::shared_ptr<Code> code;
    std::vector<uint32_t> captureSlots; // provisional slots of the parent
    Hash128 key;
};

inline std::string posText(SourcePos p) { return std::to_string(p.line) + ":" + std::to_string(p.col); }

inline bool isExpression(NodeKind k) {
    switch (k) {
    case NodeKind::kBool: case NodeKind::kInt: case NodeKind::kBigInt: case NodeKind::kString: case NodeKind::kUri:
    case NodeKind::kList: case NodeKind::kTuple: case NodeKind::kSet: case NodeKind::kMap: case NodeKind::kBinary:
    case NodeKind::kUnary: case NodeKind::kNil: case NodeKind::kBundle:
        return true;
    default: return false;
    }
}

inline const char* connectiveText(NodeKind k) {
    switch (k) {
    case NodeKind::kConjunction: return "/\\ (conjunction)";
    case NodeKind::kDisjunction: return "\\/ (disjunction)";
    case NodeKind::kNegation: return "~ (negation)";
    default: return "?";
    }
}

inline const char* simpleTypeText(uint8_t t) {
    static const char* kNames[] = {"Bool", "Int", "BigInt", "String", "Uri", "ByteArray"};
    return kNames[t % 6];
}

class Compiler {
  public:
    Compiler(Diagnostics& diags, std::shared_ptr<const std::string> file, int maxDepth)
        : diags_(diags), file_(std::move(file)), maxDepth_(maxDepth) {}

    std::shared_ptr<const Code> program(const Node* root);

  private:
    // Emission ----------------------------------------------------------------------

    void emit(FuncState& fs, Op op, uint32_t a, SourcePos pos);
    void emitAux(FuncState& fs, Op op, uint32_t a, uint32_t aux, SourcePos pos);
    uint32_t constant(FuncState& fs, Value v);
    void pushPattern(FuncState& fs, Pattern p, SourcePos pos);

    void error(SourcePos pos, std::string message) { diags_.error(pos, std::move(message)); }
    void error(const Node* n, std::string message) { diags_.error(n->pos, n->end, std::move(message)); }

    // Desugaring (desugar.cpp) -----------------------------------------------------------

    Node* make(NodeKind kind, SourcePos pos, std::vector<Node*> kids = {});
    // A variable no source program can name (identifiers cannot contain '%').
    Node* freshVar(SourcePos pos);
    Node* eval(Node* var) { return make(NodeKind::kEval, var->pos, {var}); }
    Node* par(SourcePos pos, std::vector<Node*> branches);
    Node* newOf(SourcePos pos, std::vector<Node*> vars, Node* body);
    Node* linearBind(std::vector<Node*> patterns, Node* remainder, Node* channel);

    // c!?(args); P  =>  new r in { c!(*r, args) | for (_ <- r) { P } }   (`.`: P = Nil)
    const Node* desugarSendSync(const Node* p);

    // let d1 ; d2 in P  =>  let d1 in { let d2 in P }
    // let d1 & d2 in P  =>  new c1, c2 in { c1!(e1...) | c2!(e2...) | for (p1 <- c1 & p2 <- c2) { P } }
    // let ps <- es in P  =>  itself: a let of one declaration is core (letSingle)
    const Node* desugarLet(const Node* p);

    // The core of a `for` whose first receipt has complex sources; null when none has.
    //   ps <- ch!?(args)  =>  new r in { ch!(*r, args) | for (ps <- r ...) }
    //   ps <- ch?!        =>  s, ps <- ch, with s!() added to the body
    const Node* desugarSources(const Node* p);

    // for (r1 ; r2 ; ... ; rn) { P }  =>  for (r1) { for (r2 ; ... ; rn) { P } }; null
    // for a `for` of one receipt.
    const Node* desugarReceipts(const Node* p);

    // contract n(formals ...@r) = { P }  =>  for (formals ...@r <= n) { P }
    const Node* desugarContract(const Node* p);

    // Scopes --------------------------------------------------------------------------

    // Finds [name] visible in [fs], capturing it through every enclosing sequence.
    // Inside a pattern sequence, a name bound nowhere inside it becomes a binder of
    // the pattern (every plain identifier in a pattern binds, RHOLANG.md 4).
    const Var* lookup(FuncState& fs, const std::string& name, Sort sort, const Node* at);

    // A variable outside the current pattern ([owner] is the pattern's body or case
    // sequence), captured into [owner]: for =x and =*x.
    const Var* lookupOuter(FuncState& owner, const std::string& name, const Node* at);

    uint32_t bindLocal(FuncState& fs, const std::string& name, Sort sort, SourcePos pos);

    // A new binder of [jb]'s pattern: checks "used twice", allocates its binding.
    uint32_t bindPatternVar(JoinBuilder& jb, const Node* v, Sort sort);

    void relocatePattern(Pattern& p, const std::function<uint32_t(uint32_t)>& reloc);

    // Sorts the captures canonically, relocates slot operands, fixes the frame size.
    Finished finish(FuncState& fs);

    // Adds [members] as a multiset of [fs]; sorted unless [ordered] (IF, MATCH).
    uint32_t addMultiset(FuncState& fs, std::vector<Finished> members, bool ordered);

    SequenceKind kindOf(const Node* p);

    FuncState child(FuncState& parent, SequenceKind kind);

    // One branch of a par as its own sequence, child of [parent].
    Finished branch(FuncState& parent, const Node* p);

    // An expression as a sequence of its own (the right side of && and ||).
    Finished expressionSequence(FuncState& parent, const Node* e);

    std::vector<const Node*> branchesOf(const Node* p);

    // Processes ------------------------------------------------------------------------

    // proc  =>  code that runs proc and ends this sequence (proc is in tail position).
    void procTail(FuncState& fs, const Node* p);

    // new x, y(`uri`) in P  =>  NEW / NEW_URN per declaration, then P in tail position.
    void newDecls(FuncState& fs, const Node* p);

    // for (...) { P }: its complex sources rewritten first (desugarSources), its later
    // receipts nested (desugarReceipts), then a receive.
    void forTail(FuncState& fs, const Node* p);

    // for (binds) { P }, one receipt, simple sources: the sources, then RECEIVE over a
    // body sequence whose Code carries the join.
    void receive(FuncState& fs, const Node* p);


    // let ps <- es in P  =>  <es> MAKE_LIST MATCH {case [ps] => P}: a let of one
    // declaration is a match over the list of its values, whose patterns are name
    // patterns (x binds a name, @x a process), as in a receive.
    void letSingle(FuncState& fs, const Node* p);

    // match e { p1 => P1 ... }  =>  <e> MATCH {case1, case2, ...} (in order)
    void match(FuncState& fs, const Node* p);

    Finished caseSequence(FuncState& cs, JoinBuilder& jb, Pattern pat, const Node* body);

    // Patterns --------------------------------------------------------------------------

    int32_t remainderBinding(JoinBuilder& jb, const Node* r);

    Pattern bindPattern(JoinBuilder& jb, const Node* v, Sort sort);

    // name pattern: x | _ | @P | =*x
    Pattern namePattern(JoinBuilder& jb, const Node* n);

    Pattern varRefPattern(JoinBuilder& jb, const Node* n);

    // process pattern: x | _ | literal | collections with ...r | /\ \/ ~ | types | =x |
    // *x | bundles | any process (a pattern sequence)
    Pattern procPattern(JoinBuilder& jb, const Node* n);

    static bool containsWildcard(const Pattern& p);

    // A process used as a pattern, such as {@"greet"!(m, n)} or {7 + 8}: compiled as
    // a pattern sequence whose free identifiers are binders of [jb] (PUSH_PATTERN).
    Pattern processPattern(JoinBuilder& jb, const Node* n);

    // Values ----------------------------------------------------------------------------

    Value literal(const Node* n);

    // A pattern hole in a pattern sequence (PUSH_PATTERN), for a pattern-only node.
    bool patternHole(FuncState& fs, const Node* e);

    void freeVariable(const Node* e);

    // Variable [n] used as a [sort]: its LOAD, and the reference's error when it was
    // bound as the other sort.
    void useVar(FuncState& fs, const Node* n, Sort sort);

    // LOAD of a variable, or a pattern hole when it is a binder of a pattern.
    void loadVar(FuncState& fs, const Var* v, SourcePos pos);

    // expr  =>  code that pushes the expression's value (evaluated).
    void value(FuncState& fs, const Node* e);

    // A process in value position: expression branches are evaluated here; process
    // branches become closures of multiset M.   P  =>  <exprs> PAR/QUOTE M, n
    void processValue(FuncState& fs, const Node* p, Op op);

    // The instruction of every operator is the one opcodes.def spells that way.
    void binary(FuncState& fs, const Node* e);

    // name  =>  code that pushes the name's value (x, @P; _ only in patterns).
    void name(FuncState& fs, const Node* n);

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
    std::deque<Var> patternVars_; // stable addresses for pattern binders returned by lookup
    std::unordered_map<const Code*, Hash128> keys_; // finished sequences' Merkle keys
    uint32_t fresh_ = 0;
    int bundleDepth_ = 0;
    int maxDepth_;
    int depth_ = 0;
    bool reportedDepth_ = false;
};

} // namespace rho::compiler::detail
