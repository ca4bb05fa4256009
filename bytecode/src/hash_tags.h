// File: hash_tags.h (private)
// Tags of the 128-bit Merkle hash. A value and the code that denotes it must hash
// alike (value.cpp and term_hash.cpp share these), so never reuse or renumber a tag:
// stored channel keys in LMDB depend on them.
#pragma once

#include <cstdint>

namespace rho::bytecode::detail {

enum HashTag : uint8_t {
    kTagNil = 1,
    kTagBool = 2,
    kTagInt = 3,
    kTagString = 4,
    kTagUri = 5,
    kTagUnforgeable = 6,
    kTagList = 7,
    kTagTuple = 8,
    kTagPar = 9,
    kTagProc = 10,
    kTagBound = 11,    // a variable bound inside the term: its de Bruijn level
    kTagOp = 12,       // an unevaluated operator application: extra = opcode
    kTagSend = 13,     // extra = arity | persistent << 32
    kTagReceive = 14,
    kTagNew = 15,
    kTagNewUrn = 16,
    kTagIf = 17,
    kTagExec = 18,
    kTagPattern = 19,
    kTagSpawn = 20,
    kTagSeq = 21,
    kTagSet = 22,
    kTagMap = 23,
    kTagBigInt = 24,
    kTagByteArray = 25,
    kTagBundle = 26,
    kTagMethod = 27,
    kTagMatch = 28,
    kTagPatternHole = 29,
};

} // namespace rho::bytecode::detail
