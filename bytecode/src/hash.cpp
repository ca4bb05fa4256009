// File: hash.cpp
// The 128-bit Merkle hash of values and terms: scalars, byte strings, nodes, sets
// and maps (order-independent sums), pars, and closures, whose code is walked
// symbolically (walk.h) so that a closure hashes as the term it denotes (hash.h).
// Stored channel keys depend on every function here: change none without a new
// store format version.

#include "hash.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>
#define XXH_STATIC_LINKING_ONLY // XXH3_state_t on the stack
#include <xxhash.h>

#include "hash_tags.h"
#include "rho/base/byte_order.h"
#include "rho/base/assert.h"
#include "term_visitor.h"

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
    default: return p_->hash;
    }
}

// Terms ---------------------------------------------------------------------------
//
// A closure's term is built by one visitor of the walker over one of two builders:
// HashBuilder makes its 128-bit hash (every value's hash, at construction), and
// ExactBuilder its full canonical form, the preimage of that hash: equal forms are
// equal terms, so closures whose hashes agree are compared by their forms (a hash
// collision is then no false equality). Both builders are given the same tree of
// nodes, so the two cannot drift apart.

namespace {

struct HashBuilder {
    using Item = Hash128;
    static Item value(const Value& v) { return v.hash(); }
    static Item node(uint8_t tag, std::span<const Item> kids, uint64_t extra = 0) { return hashNode(tag, kids, extra); }
    static Item par(std::vector<Item> kids) { return parHash(kids); }
    static Item hole(const Pattern&, const Code&, Item i, bool) { return i; }
    template <class Slot>
    static Item member(Item i, const Code&, const ChildRef&, const std::vector<Slot>&) {
        return i;
    }
    static Item set(std::vector<Item> kids) { return setHash(std::move(kids)); }
    static Item map(std::vector<std::pair<Item, Item>> pairs) { return mapHash(std::move(pairs)); }
};

// A term's canonical form: its hash and the bytes that determine it.
struct Exact {
    Hash128 hash;
    std::string form;
    friend bool operator<(const Exact& x, const Exact& y) {
        return x.hash != y.hash ? x.hash < y.hash : x.form < y.form;
    }
    friend bool operator==(const Exact& x, const Exact& y) { return x.hash == y.hash && x.form == y.form; }
};

void appendWord(std::string& out, uint64_t w) { base::putU64(out, w); }

struct ExactBuilder {
    using Item = Exact;
    static Item value(const Value& v);
    static Item hole(const Pattern&, const Code&, Item i, bool) { return i; }
    template <class Slot>
    static Item member(Item i, const Code&, const ChildRef&, const std::vector<Slot>&) {
        return i;
    }
    static Item node(uint8_t tag, std::span<const Item> kids, uint64_t extra = 0) {
        Item r;
        std::vector<Hash128> hashes;
        hashes.reserve(kids.size());
        r.form.push_back(static_cast<char>(tag));
        appendWord(r.form, extra);
        appendWord(r.form, kids.size());
        for (const Item& k : kids) {
            hashes.push_back(k.hash);
            appendWord(r.form, k.form.size());
            r.form += k.form;
        }
        r.hash = hashNode(tag, hashes, extra);
        return r;
    }
    static Item par(std::vector<Item> kids) {
        if (kids.empty())
            return value(Value()); // as parHash: the empty par is Nil
        if (kids.size() == 1)
            return std::move(kids[0]);
        std::sort(kids.begin(), kids.end());
        Item r = node(kTagPar, kids, kids.size());
        std::vector<Hash128> hashes;
        for (const Item& k : kids)
            hashes.push_back(k.hash);
        r.hash = parHash(hashes);
        return r;
    }
    static Item set(std::vector<Item> kids) {
        std::sort(kids.begin(), kids.end());
        kids.erase(std::unique(kids.begin(), kids.end()), kids.end());
        Item r = node(kTagSet, kids, kids.size());
        std::vector<Hash128> hashes;
        for (const Item& k : kids)
            hashes.push_back(k.hash);
        r.hash = setHash(std::move(hashes));
        return r;
    }
    static Item map(std::vector<std::pair<Item, Item>> pairs) {
        // A later entry wins over an earlier one with the same key.
        std::stable_sort(pairs.begin(), pairs.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
        std::vector<Item> flat;
        std::vector<std::pair<Hash128, Hash128>> hashes;
        for (size_t i = 0; i < pairs.size(); ++i) {
            if (i + 1 < pairs.size() && pairs[i].first == pairs[i + 1].first)
                continue;
            hashes.emplace_back(pairs[i].first.hash, pairs[i].second.hash);
            flat.push_back(std::move(pairs[i].first));
            flat.push_back(std::move(pairs[i].second));
        }
        Item r = node(kTagMap, flat, flat.size());
        r.hash = mapHash(std::move(hashes));
        return r;
    }
};


// A value's canonical form, as ExactBuilder builds the code that denotes it.
Exact ExactBuilder::value(const Value& v) {
    auto items = [&v]() {
        std::vector<Exact> out;
        for (const Value& x : v.items())
            out.push_back(value(x));
        return out;
    };
    switch (v.kind()) {
    case ValueKind::kNil: return node(kTagNil, {});
    case ValueKind::kBool: return node(kTagBool, {}, v.asBool() ? 1 : 0);
    case ValueKind::kInt: return node(kTagInt, {}, static_cast<uint64_t>(v.asInt()));
    case ValueKind::kUnforgeable: {
        Exact r{v.hash(), {}};
        r.form.push_back(static_cast<char>(kTagUnforgeable));
        appendWord(r.form, v.unforgeableLo());
        appendWord(r.form, v.unforgeableHi());
        return r;
    }
    case ValueKind::kString:
    case ValueKind::kUri:
    case ValueKind::kBigInt:
    case ValueKind::kByteArray: {
        Exact r{v.hash(), {}};
        r.form.push_back(static_cast<char>(0x80 | static_cast<uint8_t>(v.kind())));
        r.form += v.asString();
        return r;
    }
    case ValueKind::kList: return node(kTagList, items(), v.items().size());
    case ValueKind::kTuple: return node(kTagTuple, items(), v.items().size());
    case ValueKind::kSet: return set(items());
    case ValueKind::kMap: {
        std::vector<Exact> flat = items();
        std::vector<std::pair<Exact, Exact>> pairs;
        for (size_t i = 0; i + 1 < flat.size(); i += 2)
            pairs.emplace_back(std::move(flat[i]), std::move(flat[i + 1]));
        return map(std::move(pairs));
    }
    case ValueKind::kPar: return par(items());
    case ValueKind::kBundle: return node(kTagBundle, items(), static_cast<uint64_t>(v.bundleMode()));
    case ValueKind::kProc: return closureTerm<ExactBuilder>(*v.closure().code, v.closure().captures);
    }
    return {};
}

} // namespace

Hash128 closureHash(const Code& code, std::span<const Value> captures) {
    return closureTerm<HashBuilder>(code, captures);
}

int compareClosureTerms(const Closure& x, const Closure& y) {
    Exact a = closureTerm<ExactBuilder>(*x.code, x.captures);
    Exact b = closureTerm<ExactBuilder>(*y.code, y.captures);
    RHO_ASSERT(a.hash == closureHash(*x.code, x.captures));
    return a.form < b.form ? -1 : (b.form < a.form ? 1 : 0);
}

} // namespace rho::bytecode
