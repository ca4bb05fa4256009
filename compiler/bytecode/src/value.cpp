// File: value.cpp
// Construction, hashing, equality, canonical order and printing of Values.
// Closures are hashed by term_hash.cpp and printed by decompile.cpp.

#include "rho/bytecode/value.h"

#include <algorithm>
#include <cstring>
#define XXH_STATIC_LINKING_ONLY // XXH3_state_t on the stack
#include <xxhash.h>

#include "hash_tags.h"
#include "rho/base/assert.h"
#include "rho/bytecode/code.h"
#include "term_hash.h"
#include "decompile.h"

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

const char* valueKindName(ValueKind kind) {
    switch (kind) {
    case ValueKind::kNil: return "Nil";
    case ValueKind::kBool: return "Bool";
    case ValueKind::kInt: return "Int";
    case ValueKind::kString: return "String";
    case ValueKind::kUri: return "Uri";
    case ValueKind::kUnforgeable: return "Unforgeable";
    case ValueKind::kList: return "List";
    case ValueKind::kTuple: return "Tuple";
    case ValueKind::kProc: return "Process";
    case ValueKind::kPar: return "Par";
    }
    return "?";
}

// Construction --------------------------------------------------------------

Value Value::boolean(bool b) {
    Value v;
    v.kind_ = ValueKind::kBool;
    v.a_ = b ? 1 : 0;
    return v;
}

Value Value::integer(int64_t i) {
    Value v;
    v.kind_ = ValueKind::kInt;
    v.a_ = static_cast<uint64_t>(i);
    return v;
}

static Value makeText(ValueKind kind, uint8_t tag, std::string s) {
    auto h = std::make_shared<HeapValue>();
    h->hash = hashBytes(tag, s);
    h->text = std::move(s);
    return Value::fromHeap(kind, std::move(h));
}

Value Value::string(std::string s) { return makeText(ValueKind::kString, kTagString, std::move(s)); }

Value Value::uri(std::string s) { return makeText(ValueKind::kUri, kTagUri, std::move(s)); }

Value Value::unforgeable(uint64_t lo, uint64_t hi) {
    Value v;
    v.kind_ = ValueKind::kUnforgeable;
    v.a_ = lo;
    v.b_ = hi;
    return v;
}

static Value makeCollection(ValueKind kind, uint8_t tag, std::vector<Value> items) {
    auto h = std::make_shared<HeapValue>();
    std::vector<Hash128> hashes;
    hashes.reserve(items.size());
    for (const Value& item : items)
        hashes.push_back(item.hash());
    h->hash = hashNode(tag, hashes, items.size());
    h->items = std::move(items);
    return Value::fromHeap(kind, std::move(h));
}

Value Value::fromHeap(ValueKind kind, std::shared_ptr<const HeapValue> heap) {
    Value v;
    v.kind_ = kind;
    v.heap_ = std::move(heap);
    return v;
}

Value Value::list(std::vector<Value> items) { return makeCollection(ValueKind::kList, kTagList, std::move(items)); }

Value Value::tuple(std::vector<Value> items) {
    return makeCollection(ValueKind::kTuple, kTagTuple, std::move(items));
}

Value Value::closure(std::shared_ptr<const Code> code, std::vector<Value> captures) {
    auto h = std::make_shared<HeapValue>();
    h->hash = closureHash(*code, captures);
    h->closure.code = std::move(code);
    h->closure.captures = std::move(captures);
    return fromHeap(ValueKind::kProc, std::move(h));
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

Value Value::par(std::vector<Value> parts) {
    std::vector<Value> flat;
    flat.reserve(parts.size());
    for (Value& p : parts) {
        if (p.kind_ == ValueKind::kNil)
            continue;
        if (p.kind_ == ValueKind::kPar) {
            for (const Value& q : p.heap_->items)
                flat.push_back(q);
        } else {
            flat.push_back(std::move(p));
        }
    }
    if (flat.empty())
        return Value();
    if (flat.size() == 1)
        return std::move(flat[0]);
    std::sort(flat.begin(), flat.end(), [](const Value& x, const Value& y) { return compare(x, y) < 0; });
    std::vector<Hash128> hashes;
    hashes.reserve(flat.size());
    for (const Value& p : flat)
        hashes.push_back(p.hash());
    auto h = std::make_shared<HeapValue>();
    h->hash = parHash(hashes);
    h->items = std::move(flat);
    return fromHeap(ValueKind::kPar, std::move(h));
}

// Access ------------------------------------------------------------------------

const std::string& Value::asString() const {
    RHO_ASSERT(kind_ == ValueKind::kString || kind_ == ValueKind::kUri);
    return heap_->text;
}

std::span<const Value> Value::items() const {
    RHO_ASSERT(kind_ == ValueKind::kList || kind_ == ValueKind::kTuple || kind_ == ValueKind::kPar);
    return heap_->items;
}

std::span<const Value> Value::parts() const {
    if (kind_ == ValueKind::kPar)
        return heap_->items;
    if (kind_ == ValueKind::kNil)
        return {};
    return {this, 1};
}

const Closure& Value::closure() const {
    RHO_ASSERT(kind_ == ValueKind::kProc);
    return heap_->closure;
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

// Equality and order ------------------------------------------------------------

bool operator==(const Value& x, const Value& y) {
    if (x.kind_ != y.kind_)
        return false;
    switch (x.kind_) {
    case ValueKind::kNil: return true;
    case ValueKind::kBool:
    case ValueKind::kInt: return x.a_ == y.a_;
    case ValueKind::kUnforgeable: return x.a_ == y.a_ && x.b_ == y.b_;
    default: break;
    }
    if (x.heap_ == y.heap_)
        return true;
    if (x.heap_->hash != y.heap_->hash)
        return false;
    switch (x.kind_) {
    case ValueKind::kString:
    case ValueKind::kUri: return x.heap_->text == y.heap_->text;
    case ValueKind::kList:
    case ValueKind::kTuple:
    case ValueKind::kPar: return x.heap_->items == y.heap_->items;
    case ValueKind::kProc: {
        // Closures with identical code compare their captures; closures with
        // different code can still denote one term (a captured value versus the
        // same literal), which only the 128-bit term hash decides.
        const Closure& a = x.heap_->closure;
        const Closure& b = y.heap_->closure;
        if (a.code == b.code)
            return a.captures == b.captures;
        return true; // equal 128-bit term hashes
    }
    default: return false;
    }
}

static int compareStrings(const std::string& a, const std::string& b) {
    int c = a.compare(b);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

static int compareSeq(std::span<const Value> a, std::span<const Value> b) {
    size_t n = std::min(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
        if (int c = compare(a[i], b[i]))
            return c;
    }
    return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

int compare(const Value& x, const Value& y) {
    if (x.kind_ != y.kind_)
        return x.kind_ < y.kind_ ? -1 : 1;
    switch (x.kind_) {
    case ValueKind::kNil: return 0;
    case ValueKind::kBool: return x.a_ == y.a_ ? 0 : (x.a_ ? -1 : 1); // quirk: true before false
    case ValueKind::kInt: {
        int64_t a = x.asInt(), b = y.asInt();
        return a < b ? -1 : (a > b ? 1 : 0);
    }
    case ValueKind::kUnforgeable:
        if (x.b_ != y.b_)
            return x.b_ < y.b_ ? -1 : 1;
        return x.a_ < y.a_ ? -1 : (x.a_ > y.a_ ? 1 : 0);
    case ValueKind::kString:
    case ValueKind::kUri: return compareStrings(x.heap_->text, y.heap_->text);
    case ValueKind::kList:
    case ValueKind::kTuple:
    case ValueKind::kPar: return compareSeq(x.heap_->items, y.heap_->items);
    case ValueKind::kProc: {
        auto ka = x.heap_->closure.code->kind, kb = y.heap_->closure.code->kind;
        if (ka != kb)
            return ka < kb ? -1 : 1;
        Hash128 a = x.heap_->hash, b = y.heap_->hash;
        return a < b ? -1 : (b < a ? 1 : 0);
    }
    }
    return 0;
}

// Printing --------------------------------------------------------------------------

static void printHex(uint64_t v, std::string& out) {
    static const char* kDigits = "0123456789abcdef";
    for (int shift = 60; shift >= 0; shift -= 4)
        out += kDigits[(v >> shift) & 0xF];
}

void print(const Value& v, std::string& out) {
    switch (v.kind()) {
    case ValueKind::kNil: out += "Nil"; return;
    case ValueKind::kBool: out += v.asBool() ? "true" : "false"; return;
    case ValueKind::kInt: out += std::to_string(v.asInt()); return;
    case ValueKind::kString:
        out += '"';
        out += v.asString();
        out += '"';
        return;
    case ValueKind::kUri:
        out += '`';
        out += v.asString();
        out += '`';
        return;
    case ValueKind::kUnforgeable:
        out += "Unforgeable(0x";
        printHex(v.unforgeableHi(), out);
        printHex(v.unforgeableLo(), out);
        out += ')';
        return;
    case ValueKind::kList:
    case ValueKind::kTuple: {
        bool list = v.kind() == ValueKind::kList;
        out += list ? '[' : '(';
        bool first = true;
        for (const Value& item : v.items()) {
            if (!first)
                out += ", ";
            first = false;
            print(item, out);
        }
        out += list ? ']' : ')';
        return;
    }
    case ValueKind::kProc: decompileClosure(v.closure(), out); return;
    case ValueKind::kPar: {
        // The reference prints a par's parts grouped: sends, receives, news,
        // expressions, matches, unforgeables, each group in canonical order.
        auto group = [](const Value& p) -> int {
            if (p.kind() == ValueKind::kProc) {
                switch (p.closure().code->kind) {
                case SequenceKind::kSend: return 0;
                case SequenceKind::kReceive: return 1;
                case SequenceKind::kNew: return 2;
                case SequenceKind::kIf: return 4;
                default: return 5;
                }
            }
            return p.kind() == ValueKind::kUnforgeable ? 6 : 3;
        };
        struct Part {
            int group;
            std::string text;
        };
        std::vector<Part> order;
        for (const Value& p : v.items())
            order.push_back({group(p), print(p)});
        // Expressions are already in canonical order; processes sort by their text.
        std::stable_sort(order.begin(), order.end(), [](const Part& a, const Part& b) {
            if (a.group != b.group)
                return a.group < b.group;
            return a.group != 3 && a.text < b.text;
        });
        bool first = true;
        for (const Part& p : order) {
            if (!first)
                out += " |\n";
            first = false;
            out += p.text;
        }
        return;
    }
    }
}

std::string print(const Value& v) {
    std::string out;
    print(v, out);
    return out;
}

} // namespace rho::bytecode
