// File: normal_term.h
// A process as the reference normalizes it (RhoTypes.proto's Par): components
// grouped as sends, receives, news, expressions, matches, bundles, connectives and
// unforgeable names, each group in the reference's canonical order (its ScoreTree),
// bound variables as de Bruijn levels (BoundVar 0 is the innermost binder), pattern
// variables as FreeVar levels local to their pattern, a receive's binds sorted, the
// names of a `new` with simple names first and URNs in URI order, `if` as a match on
// true and false.
//
// Closures are compiled code, not syntax: normalTerm() rebuilds this term from a
// closure's code by walking it (walk.h). It is what printing (RHOLANG.md 11: the
// reference's PrettyPrinter) and toByteArray (the protobuf of this term) read, so
// both are built only when a process is printed or serialized, never on the hot path.
//
// One ambiguity of the code: a `new` whose body starts with a `new` of URNs only, such
// as `new a in { new s(`rho:io:stdout`) in { P } }`, compiles to the same code as
// `new a, s(`rho:io:stdout`) in { P }` and is rebuilt as the latter.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rho/bytecode/code.h"
#include "rho/bytecode/value.h"

namespace rho::bytecode {

struct NSend;
struct NReceive;
struct NNew;
struct NExpr;
struct NMatch;
struct NBundle;
struct NConnective;

struct NVar {
    enum class Kind : uint8_t { kBound, kFree, kWildcard };
    Kind kind = Kind::kWildcard;
    int32_t level = 0;
    uint32_t id = 0; // while building: the binder it refers to
};

struct NPar {
    std::vector<NSend> sends;
    std::vector<NReceive> receives;
    std::vector<NNew> news;
    std::vector<NExpr> exprs;
    std::vector<NMatch> matches;
    std::vector<NBundle> bundles;
    std::vector<NConnective> connectives;
    std::vector<Value> unforgeables;

    [[nodiscard]] bool empty() const;
    void append(NPar&& other); // the par of both
};

struct NSend {
    NPar chan;
    std::vector<NPar> data;
    bool persistent = false;
};

struct NBind {
    std::vector<NPar> patterns;
    NPar source;
    std::optional<NVar> remainder;
    uint32_t freeCount = 0;
    std::vector<uint32_t> binders; // while building: the ids its pattern binds, in level order
    uint32_t origin = 0;           // normalReceive: its place among the channels given
};

struct NReceive {
    std::vector<NBind> binds;
    NPar body;
    bool persistent = false;
    bool peek = false;
    uint32_t bindCount = 0;
};

struct NNew {
    uint32_t bindCount = 0;
    std::vector<std::string> uris; // sorted
    NPar body;
    std::vector<uint32_t> binders;
};

enum class NExprKind : uint8_t {
    kGround,  // [ground]: Bool, Int, BigInt, String, Uri, ByteArray
    kVar,     // [var]
    kList,    // ps, remainder
    kTuple,   // ps
    kSet,     // ps, remainder
    kMap,     // ps: key, value, key, value, ...; remainder
    kOp,      // [op] applied to ps (one operand for NEG and NOT)
    kMethod,  // ps[0].[method](ps[1..])
    kMatches, // ps[0] matches ps[1]
};

struct NExpr {
    NExprKind kind = NExprKind::kGround;
    Value ground;
    NVar var;
    Op op = Op::ADD;
    std::string method;
    std::vector<NPar> ps;
    std::optional<NVar> remainder;
    std::vector<uint32_t> binders; // kMatches: the pattern's binders while building
};

struct NMatchCase {
    NPar pattern;
    NPar source;
    uint32_t freeCount = 0;
    std::vector<uint32_t> binders;
};

struct NMatch {
    NPar target;
    std::vector<NMatchCase> cases;
};

struct NBundle {
    NPar body;
    bool read = true;
    bool write = true;
};

struct NConnective {
    enum class Kind : uint8_t { kAnd, kOr, kNot, kVarRef, kBool, kInt, kBigInt, kString, kUri, kByteArray };
    Kind kind = Kind::kAnd;
    std::vector<NPar> ps;
    int32_t index = 0; // kVarRef
    int32_t depth = 0;
};

// The normalized, sorted term of [v].
NPar normalTerm(const Value& v, const PrintStyle* style = nullptr);
// The term of a waiting receive: body [body] closed over [captures], listening on [channels].
NPar normalReceive(const Code& body, std::span<const Value> captures, std::span<const Value> channels,
                   const PrintStyle* style = nullptr);

// The reference's PrettyPrinter rendering of [p] (RHOLANG.md 11), and of [p] as a
// channel (`@{...}`).
std::string prettyPrint(const NPar& p, const PrintStyle* style = nullptr);
std::string prettyPrintChannel(const NPar& p, const PrintStyle* style = nullptr);

} // namespace rho::bytecode
