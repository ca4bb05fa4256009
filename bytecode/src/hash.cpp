// File: hash.cpp
// The 128-bit Merkle hash of values and terms: scalars, byte strings, nodes, sets
// and maps (order-independent sums), pars, and closures, whose code is walked
// symbolically (walk.h) so that a closure hashes as the term it denotes (hash.h).
// Stored channel keys depend on every function here: change none without a new
// store format version.

#include "hash.h"

#include <algorithm>
#include <cstring>
#include <vector>
#define XXH_STATIC_LINKING_ONLY // XXH3_state_t on the stack
#include <xxhash.h>

#include "hash_tags.h"
#include "rho/base/assert.h"
#include "walk.h"

namespace rho::bytecode {

using namespace detail; // NOLINT(google-build-using-namespace): the hash tags

namespace {

// 128 bits from two 64-bit words: a cheap bijective mix (splitmix64's finalizer on
// each half, cross-coupled), used for scalars whose hashing is on every hot path.
inline uint64_t mix64(uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

inline Hash128 mix128(uint8_t tag, uint64_t a, uint64_t b) {
    uint64_t t = 0x9e3779b97f4a7c15ull * (uint64_t{tag} + 1);
    uint64_t lo = mix64(a ^ t);
    uint64_t hi = mix64(b ^ lo ^ (t << 1));
    return {lo ^ mix64(hi), hi};
}

} // namespace

Hash128 hashBytes(uint8_t tag, std::string_view bytes) {
    // One-shot XXH3 over [tag][bytes]; a stack buffer for the common small case.
    char small[256];
    if (bytes.size() < sizeof small) {
        small[0] = static_cast<char>(tag);
        std::memcpy(small + 1, bytes.data(), bytes.size());
        XXH128_hash_t h = XXH3_128bits(small, bytes.size() + 1);
        return {h.low64, h.high64};
    }
    XXH3_state_t state;
    XXH3_128bits_reset(&state);
    XXH3_128bits_update(&state, &tag, 1);
    XXH3_128bits_update(&state, bytes.data(), bytes.size());
    XXH128_hash_t h = XXH3_128bits_digest(&state);
    return {h.low64, h.high64};
}

Hash128 hashNode(uint8_t tag, std::span<const Hash128> children, uint64_t extra) {
    if (children.empty())
        return mix128(tag, extra, 0);
    constexpr size_t kInline = 16;
    if (children.size() <= kInline) {
        uint64_t buf[2 + 2 * kInline];
        buf[0] = tag;
        buf[1] = extra;
        std::memcpy(buf + 2, children.data(), children.size() * sizeof(Hash128));
        XXH128_hash_t h = XXH3_128bits(buf, (2 + 2 * children.size()) * sizeof(uint64_t));
        return {h.low64, h.high64};
    }
    XXH3_state_t state;
    XXH3_128bits_reset(&state);
    uint64_t head[2] = {tag, extra};
    XXH3_128bits_update(&state, head, sizeof head);
    XXH3_128bits_update(&state, children.data(), children.size() * sizeof(Hash128));
    XXH128_hash_t h = XXH3_128bits_digest(&state);
    return {h.low64, h.high64};
}

// Sets and maps hash as a wrapping 128-bit sum of their (mixed) element or entry
// hashes: independent of order, linear to compute, and no sort is needed.
namespace {

struct Sum128 {
    uint64_t lo = 0;
    uint64_t hi = 0;
    void add(Hash128 h) {
        Hash128 m = mix128(kTagSet, h.lo, h.hi);
        uint64_t before = lo;
        lo += m.lo;
        hi += m.hi + (lo < before ? 1 : 0);
    }
};

Hash128 finishSum(uint8_t tag, const Sum128& s, size_t count) {
    Hash128 h{s.lo, s.hi};
    return hashNode(tag, {&h, 1}, count);
}

Hash128 entryHash(Hash128 k, Hash128 v) {
    Hash128 kv[2] = {k, v};
    return hashNode(kTagMap, kv, 2);
}

} // namespace

Hash128 uniqueSetHash(std::span<const Value> items) {
    Sum128 s;
    for (const Value& v : items)
        s.add(v.hash());
    return finishSum(kTagSet, s, items.size());
}

Hash128 uniqueMapHash(std::span<const Value> pairs) {
    Sum128 s;
    for (size_t i = 0; i < pairs.size(); i += 2)
        s.add(entryHash(pairs[i].hash(), pairs[i + 1].hash()));
    return finishSum(kTagMap, s, pairs.size() / 2);
}

Hash128 setHash(std::vector<Hash128> hashes) {
    std::sort(hashes.begin(), hashes.end());
    hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
    Sum128 s;
    for (Hash128 h : hashes)
        s.add(h);
    return finishSum(kTagSet, s, hashes.size());
}

Hash128 mapHash(std::vector<std::pair<Hash128, Hash128>> pairs) {
    // A later entry wins over an earlier one with the same key.
    std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    Sum128 s;
    size_t n = 0;
    for (size_t i = 0; i < pairs.size(); ++i) {
        if (i + 1 < pairs.size() && pairs[i].first == pairs[i + 1].first)
            continue;
        s.add(entryHash(pairs[i].first, pairs[i].second));
        ++n;
    }
    return finishSum(kTagMap, s, n);
}

Hash128 parHash(std::span<const Hash128> componentHashes) {
    if (componentHashes.empty())
        return hashNode(kTagNil, {});
    if (componentHashes.size() == 1)
        return componentHashes[0];
    std::vector<Hash128> sorted(componentHashes.begin(), componentHashes.end());
    std::sort(sorted.begin(), sorted.end());
    return hashNode(kTagPar, sorted, sorted.size());
}

Hash128 Value::hash() const {
    switch (kind_) {
    case ValueKind::kNil: return hashNode(kTagNil, {});
    case ValueKind::kBool: return hashNode(kTagBool, {}, a_);
    case ValueKind::kInt: return hashNode(kTagInt, {}, a_);
    case ValueKind::kUnforgeable: return mix128(kTagUnforgeable, a_, b_);
    default: return heap_->hash;
    }
}

// Terms ---------------------------------------------------------------------------

namespace {

// The walker's visitor that hashes a term (hash.h).
struct TermHash {
    using Item = Hash128;
    struct Slot {
        bool bound = false; // a variable bound inside the term being hashed
        uint32_t depth = 0; // if bound: its binder's depth
        Hash128 hash;       // if not bound: the substituted value's hash
    };
    struct Seq {
        std::vector<Hash128> stream; // the hashes of the sequence's process parts
    };
    using Scope = Walker<TermHash>::Scope;

    Slot bound(uint32_t depth) { return Slot{true, depth, {}}; }
    bool admit(const Insn&, Scope&) { return true; }
    void fail(size_t, const char* what) { RHO_CHECK(false, what); }

    Hash128 pattern(Scope& s, const Code& owner, const Pattern& p) {
        switch (p.kind) {
        case Pattern::Kind::kBind: return hashNode(kTagPattern, {}, 1000 + p.binding);
        case Pattern::Kind::kWildcard: return hashNode(kTagPattern, {}, 1);
        case Pattern::Kind::kLiteral: return p.literal.hash();
        case Pattern::Kind::kType: return hashNode(kTagPattern, {}, 100 + p.simpleType);
        case Pattern::Kind::kVarRef: return hashNode(kTagPattern, {}, 1u << 20 | p.slot);
        case Pattern::Kind::kProcess: {
            const Code& child = *owner.children[p.child];
            return s.walker.sequence(child, std::vector<Slot>(child.numSlots), s.depth);
        }
        default: {
            std::vector<Hash128> items;
            for (const Pattern& q : p.items)
                items.push_back(pattern(s, owner, q));
            uint64_t extra = static_cast<uint64_t>(p.kind) << 40 | static_cast<uint64_t>(p.bundleMode) << 32 |
                             static_cast<uint32_t>(p.remainder);
            return hashNode(kTagPatternHole, items, extra);
        }
        }
    }

    // A receive body: its patterns (hashed before its bindings are in scope).
    void begin(Seq& seq, Scope& s) {
        const Code& code = s.code;
        if (!code.join)
            return;
        std::vector<Hash128> pats;
        for (const BindPatterns& b : code.join->binds) {
            std::vector<Hash128> args;
            for (const Pattern& p : b.args)
                args.push_back(pattern(s, code, p));
            pats.push_back(hashNode(kTagPattern, args, args.size() | static_cast<uint64_t>(b.remainder + 2) << 32));
        }
        seq.stream.push_back(hashNode(kTagReceive, pats, (code.join->persistent ? 1u : 0u) | (code.join->peek ? 2u : 0u)));
    }

    // [first], then the terms of the members of multiset [m].
    static std::vector<Hash128> withMembers(Scope& s, uint32_t m, std::span<const Hash128> first) {
        std::vector<Hash128> parts(first.begin(), first.end());
        for (const ChildRef& ref : s.code.multisets[m].members)
            parts.push_back(s.member(ref));
        return parts;
    }

    Hash128 value(Seq&, const Insn& i, std::span<Hash128> in, Scope& s) {
        const Code& code = s.code;
        const auto op = static_cast<uint64_t>(i.op);
        switch (i.op) {
        case Op::PUSH_NIL: return hashNode(kTagNil, {});
        case Op::PUSH_CONST: return code.constants[i.a].hash();
        case Op::LOAD: {
            const Slot& slot = s.frame[i.a];
            return slot.bound ? hashNode(kTagBound, {}, s.depth - 1 - slot.depth) : slot.hash;
        }
        case Op::MAKE_LIST: return hashNode(kTagList, in, i.a);
        case Op::MAKE_TUPLE: return hashNode(kTagTuple, in, i.a);
        case Op::QUOTE:
        case Op::PAR: return parHash(withMembers(s, i.a, in));
        case Op::MAKE_SET: return setHash({in.begin(), in.end()});
        case Op::MAKE_MAP: {
            std::vector<std::pair<Hash128, Hash128>> pairs;
            for (size_t k = 0; k < in.size(); k += 2)
                pairs.emplace_back(in[k], in[k + 1]);
            return mapHash(std::move(pairs));
        }
        case Op::BUNDLE: return hashNode(kTagBundle, in, i.a);
        case Op::METHOD: {
            std::vector<Hash128> parts(in.begin(), in.end());
            parts.push_back(code.constants[i.a].hash());
            return hashNode(kTagMethod, parts, i.aux);
        }
        case Op::MATCHES:
        case Op::AND_ALSO:
        case Op::OR_ELSE: {
            Hash128 parts[2] = {in[0], s.member(code.multisets[i.a].members[0])};
            return hashNode(kTagOp, parts, op);
        }
        case Op::PUSH_PATTERN: return pattern(s, code, code.patterns[i.a]);
        default: // an operator: an unevaluated application
            RHO_CHECK(opInfo(i.op).primitive != PrimitiveClass::kNone, "an instruction the hasher does not know");
            return hashNode(kTagOp, in, op);
        }
    }

    void effect(Seq& seq, const Insn& i, std::span<Hash128> in, Scope& s) {
        const Code& code = s.code;
        switch (i.op) {
        case Op::IF: seq.stream.push_back(hashNode(kTagIf, withMembers(s, i.a, in))); break;
        case Op::MATCH: seq.stream.push_back(hashNode(kTagMatch, withMembers(s, i.a, in))); break;
        case Op::SEND:
        case Op::SEND_PERSIST:
            seq.stream.push_back(hashNode(kTagSend, in, i.a | (i.op == Op::SEND_PERSIST ? 1ull << 32 : 0)));
            break;
        case Op::RECEIVE: seq.stream.push_back(hashNode(kTagReceive, withMembers(s, i.a, in), in.size())); break;
        case Op::NEW:
            for (uint32_t k = 0; k < i.aux; ++k)
                s.bind(i.a + k);
            seq.stream.push_back(hashNode(kTagNew, {}, i.aux));
            break;
        case Op::NEW_URN: {
            s.bind(i.a);
            Hash128 uri = code.constants[i.aux].hash();
            seq.stream.push_back(hashNode(kTagNewUrn, {&uri, 1}));
            break;
        }
        case Op::SPAWN: {
            Hash128 p = parHash(withMembers(s, i.a, {}));
            seq.stream.push_back(hashNode(kTagSpawn, {&p, 1}));
            break;
        }
        case Op::EXEC: seq.stream.push_back(hashNode(kTagExec, in)); break;
        default: break; // POP, HALT
        }
    }

    Hash128 end(Seq& seq, Scope&) {
        Hash128 result = hashNode(kTagSeq, seq.stream, seq.stream.size());
        return hashNode(kTagProc, {&result, 1});
    }
};

} // namespace

Hash128 closureHash(const Code& code, std::span<const Value> captures) {
    std::vector<TermHash::Slot> frame(code.numSlots);
    for (size_t i = 0; i < captures.size(); ++i)
        frame[i].hash = captures[i].hash();
    TermHash v;
    return Walker<TermHash>(v).sequence(code, std::move(frame), 0);
}

} // namespace rho::bytecode
