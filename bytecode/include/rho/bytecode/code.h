// File: code.h
// Code: one compiled sequence (principle 2: a par compiles to a multiset of these),
// and the descriptors its instructions refer to. A Code is self-contained: it owns
// its constants and its child sequences, so a continuation (a body Code plus its
// captured values) can be stored in LMDB and run in a later process.
//
// Frame of a sequence: [captures][bindings][locals]. Captures are copied from the
// parent frame when the sequence is spawned, quoted or installed as a continuation;
// bindings are written by the COMM that runs a receive body; locals by NEW.
// Slots are numbered in binding order, so alpha-equivalent processes compile to
// identical Code (de Bruijn levels).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rho/base/source_pos.h"
#include "rho/bytecode/op.h"
#include "rho/bytecode/value.h"

namespace rho::bytecode {

// What a sequence is, syntactically: used to sort and print closures.
enum class SequenceKind : uint8_t {
    kExpression, // computes a value and RETs it (an expression branch of a par)
    kSend,       // ends in SEND / SEND_PERSIST
    kReceive,    // ends in RECEIVE
    kNew,        // starts with NEW / NEW_URN
    kIf,         // ends in IF
    kEval,       // ends in EXEC
    kPar,        // SPAWN of a multiset (a receive or `new` body that is a par)
    kBody,       // a receive body (Code::join is set)
    kBranch,     // a then/else branch of IF
    kCase,       // a match case: Code::join holds its pattern (one bind of one argument)
    kPattern,    // a process pattern: matched against processes, never run
    kBundle,     // a bundle at process level (BUNDLE then EXEC)
    kMatch,      // ends in MATCH
};

// A child sequence as referenced from its parent: which child and where its captures
// come from in the parent's frame.
struct ChildRef {
    uint32_t child = 0;                 // index into Code::children
    std::vector<uint32_t> captureSlots; // parent slot of capture i
};

struct Multiset {
    std::vector<ChildRef> members;
};

// A pattern (RHOLANG.md section 9). Patterns are never evaluated. Binders number
// the bindings of the body (or case) they belong to; a variable reference names a
// capture slot of that body, whose value is the one to match.
struct Pattern {
    enum class Kind : uint8_t {
        kBind,     // x: binds anything
        kWildcard, // _
        kLiteral,  // a ground value, matched by equality
        kList,     // [p, ... ...r]
        kTuple,    // (p, ...)
        kSet,      // Set(p, ... ...r): each item a distinct element
        kMap,      // {k : v, ... ...r}: items are key, value, key, value, ...
        kAnd,      // p /\ q (items)
        kOr,       // p \/ q (items): binds nothing
        kNot,      // ~p (items[0]): binds nothing
        kType,     // Bool, Int, BigInt, String, Uri, ByteArray: simpleType
        kVarRef,   // =x or =*x: the value in capture slot [slot]
        kProcess,  // a process pattern: pattern sequence children[child] of the owner
        kBundle,   // bundle{P} pattern: items[0], bundleMode; matches only an equal bundle
    };
    static constexpr int32_t kNoRemainder = -1;
    static constexpr int32_t kWildRemainder = -2;

    Kind kind = Kind::kWildcard;
    uint32_t binding = 0;          // kBind: index among the owner's bindings
    bool nameBinder = false;       // kBind: binds a name (`x`), not a process (`@x`); printing only
    uint8_t simpleType = 0;        // kType: grammar::SimpleType order (Bool Int BigInt String Uri ByteArray)
    uint8_t bundleMode = 0;        // kBundle
    uint32_t slot = 0;             // kVarRef: capture slot of the owner
    uint32_t child = 0;            // kProcess: index into the owner's children
    int32_t remainder = kNoRemainder; // kList, kSet, kMap: binding index, or kNo/kWildRemainder
    Value literal;                 // kLiteral
    std::vector<Pattern> items;    // collections, connectives
};

// One bind of a receive: `p1, ..., pn ...@r <- ch`.
struct BindPatterns {
    std::vector<Pattern> args;
    int32_t remainder = Pattern::kNoRemainder; // ...@r binds the other arguments as a list
};

// The receive a body Code belongs to.
struct Join {
    std::vector<BindPatterns> binds; // one per channel, in source order
    bool persistent = false;         // <= or contract
    bool peek = false;               // <<-
    uint32_t numBindings = 0;        // pattern variables, bound in frame after captures
    // Derived from the patterns by analyze() (not stored in .rbc), so the machine does
    // not walk the pattern trees on every receive.
    bool usesProcessPatterns = false; // some pattern is a process pattern

    // Sets the derived flag; called by whoever builds or decodes a Join.
    void analyze();
};

struct Code {
    SequenceKind kind = SequenceKind::kExpression;
    uint32_t numCaptures = 0;
    uint32_t numSlots = 0; // whole frame: captures + bindings + locals
    std::vector<uint32_t> words;
    std::vector<Value> constants;
    std::vector<std::shared_ptr<const Code>> children;
    std::vector<Multiset> multisets;
    std::unique_ptr<Join> join; // set on receive bodies and match cases
    std::vector<Pattern> patterns; // PUSH_PATTERN holes (pattern sequences only)
    // One entry per constant: the interned symbol (symbol.h) of a method name used by
    // METHOD or a URN used by NEW_URN, kNoSymbol elsewhere. Derived (not stored in
    // .rbc): internSymbols() fills it when the Code is compiled or decoded, so the
    // machine finds handlers by symbol and never compares names at run time.
    std::vector<uint32_t> symbols;
    // Source position of each instruction word (same length as words) and the file.
    std::vector<SourcePos> positions;
    std::shared_ptr<const std::string> sourceName;

    Code() = default;
    Code(const Code&) = delete;
    Code& operator=(const Code&) = delete;
    // Frees the tree of children iteratively: a program nested 100,000 deep must not
    // take 100,000 recursive destructor frames.
    ~Code();
};

// A compiled program: its top-level sequence (whose multiset of branches is the
// program's par) and what it came from.
struct Program {
    std::shared_ptr<const Code> main;
    // The source text it was compiled from (for run-time errors' source lines), or
    // null (decoded from .rbc, which keeps positions but not the text).
    std::shared_ptr<const std::string> source;
};

} // namespace rho::bytecode
