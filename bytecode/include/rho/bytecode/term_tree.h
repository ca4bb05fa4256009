// File: term_tree.h
// A quoted process as a tree of terms, for matching process patterns (RHOLANG.md 9)
// against it structurally. The tree is what the hasher's walk of a sequence computes
// (term_visitor.h): a sequence is a Proc node holding a Seq of its process parts
// (sends, receives, news, spawned pars, evaluations, ifs, matches) in code order;
// values are leaves; a receive body's Seq begins with its patterns. Built on demand,
// only when a process pattern is tried: nothing on the hot path.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "rho/bytecode/code.h"

namespace rho::bytecode {

enum class TermTag : uint8_t {
    kValue,   // a value: [value]
    kHole,    // a pattern variable of the enclosing match or receive: [pattern] of [owner]
    kPattern, // a pattern of a receive inside the term (compared structurally)
    kPar,     // components, in no particular order
    kProc,    // a sequence: kids[0] is its kSeq
    kSeq,     // the sequence's parts, in code order
    kBound,   // a variable bound inside the term: extra = de Bruijn index
    kOp,      // an unevaluated operator application: extra = opcode
    kSend,    // kids: channel, arguments; extra = arity | persistent << 32
    kReceive, // as a part: kids = channels, then the body's kProc; as the body's first part: its patterns
    kNew,
    kNewUrn,
    kIf,
    kExec,    // evaluation of a name (*x)
    kSpawn,   // kids[0]: the spawned par
    kList,
    kTuple,
    kSet,
    kMap,
    kBundle,
    kMethod,
    kMatch,
    kOther,
};

struct TermNode;
using TermPtr = std::shared_ptr<const TermNode>;

struct TermNode {
    TermTag tag = TermTag::kValue;
    uint64_t extra = 0;
    std::vector<TermPtr> kids;
    // kValue: the value. Other nodes: the value they denote when it is known (a member
    // sequence whose captures are all values: its closure), for binding.
    Value value;
    bool hasValue = false;
    const Pattern* pattern = nullptr; // kHole
    const Code* owner = nullptr;      // kHole: the code whose children a process pattern names
    bool hasHole = false;             // a kHole is in this subtree (a pattern's, not a value)
};

// The tree of [v]: a closure is walked (its node's value is [v]); a par is a kPar of its
// parts' trees; any other value is a kValue leaf.
TermPtr termOf(const Value& v);
// The tree of a process pattern: the pattern sequence [child] of [owner] (the code whose
// join or pattern table holds the pattern), its pattern variables as kHole nodes.
TermPtr patternTermOf(const Code& owner, uint32_t child);

} // namespace rho::bytecode
