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

// A pattern of a receive bind (the slice: variables, @x, _, literals, lists, tuples).
struct Pattern {
    enum class Kind : uint8_t { kBind, kWildcard, kLiteral, kList, kTuple };
    Kind kind = Kind::kWildcard;
    uint32_t binding = 0;          // kBind: index among the body's bindings
    bool nameBinder = false;       // kBind: binds a name (`x`), not a process (`@x`); printing only
    Value literal;                 // kLiteral
    std::vector<Pattern> items;    // kList, kTuple
};

// One bind of a receive: `p1, ..., pn <- ch`.
struct BindPatterns {
    std::vector<Pattern> args;
};

// The receive a body Code belongs to.
struct Join {
    std::vector<BindPatterns> binds; // one per channel, in source order
    bool persistent = false;         // <= or contract
    bool peek = false;               // <<-
    uint32_t numBindings = 0;        // pattern variables, bound in frame after captures
};

struct Code {
    SequenceKind kind = SequenceKind::kExpression;
    uint32_t numCaptures = 0;
    uint32_t numSlots = 0; // whole frame: captures + bindings + locals
    std::vector<uint32_t> words;
    std::vector<Value> constants;
    std::vector<std::shared_ptr<const Code>> children;
    std::vector<Multiset> multisets;
    std::unique_ptr<Join> join; // set on receive bodies
    // Source position of each instruction word (same length as words) and the file.
    std::vector<SourcePos> positions;
    std::shared_ptr<const std::string> sourceName;

    Code() = default;
    Code(const Code&) = delete;
    Code& operator=(const Code&) = delete;
};

// A compiled program: its top-level sequence (whose multiset of branches is the
// program's par) and what it came from.
struct Program {
    std::shared_ptr<const Code> main;
};

} // namespace rho::bytecode
