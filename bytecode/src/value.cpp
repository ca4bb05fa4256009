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
    case ValueKind::kSet: return "Set";
    case ValueKind::kMap: return "Map";
    case ValueKind::kBigInt: return "BigInt";
    case ValueKind::kByteArray: return "ByteArray";
    case ValueKind::kBundle: return "Bundle";
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
    auto h = std::make_unique<HeapValue>();
    h->hash = hashBytes(tag, s);
    h->text = std::move(s);
    return Value::fromHeap(kind, HeapRef(h.release()));
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
    auto h = std::make_unique<HeapValue>();
    std::vector<Hash128> hashes;
    hashes.reserve(items.size());
    for (const Value& item : items)
        hashes.push_back(item.hash());
    h->hash = hashNode(tag, hashes, items.size());
    h->items = std::move(items);
    return Value::fromHeap(kind, HeapRef(h.release()));
}

Value Value::fromHeap(ValueKind kind, HeapRef heap) {
    Value v;
    v.kind_ = kind;
    v.heap_ = std::move(heap);
    return v;
}

Value Value::list(std::vector<Value> items) { return makeCollection(ValueKind::kList, kTagList, std::move(items)); }

Value Value::tuple(std::vector<Value> items) {
    return makeCollection(ValueKind::kTuple, kTagTuple, std::move(items));
}

Value Value::set(std::vector<Value> items) {
    std::sort(items.begin(), items.end(), [](const Value& x, const Value& y) { return compare(x, y) < 0; });
    items.erase(std::unique(items.begin(), items.end()), items.end());
    return setFromSorted(std::move(items));
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

} // namespace

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

Value Value::setFromSorted(std::vector<Value> items) {
    auto h = std::make_unique<HeapValue>();
    h->hash = uniqueSetHash(items);
    h->items = std::move(items);
    return fromHeap(ValueKind::kSet, HeapRef(h.release()));
}

Value Value::mapFromSorted(std::vector<Value> pairs) {
    auto h = std::make_unique<HeapValue>();
    h->hash = uniqueMapHash(pairs);
    h->items = std::move(pairs);
    return fromHeap(ValueKind::kMap, HeapRef(h.release()));
}

Value Value::map(std::vector<Value> pairs) {
    size_t n = pairs.size() / 2;
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i)
        order[i] = i;
    // Stable by key, then keep the last of equal keys (a later entry wins).
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return compare(pairs[2 * a], pairs[2 * b]) < 0; });
    std::vector<Value> out;
    out.reserve(pairs.size());
    for (size_t i = 0; i < n; ++i) {
        bool lastOfKey = i + 1 == n || !(pairs[2 * order[i]] == pairs[2 * order[i + 1]]);
        if (!lastOfKey)
            continue;
        out.push_back(std::move(pairs[2 * order[i]]));
        out.push_back(std::move(pairs[2 * order[i] + 1]));
    }
    return mapFromSorted(std::move(out));
}

Value Value::bigInt(std::string decimal) {
    bool negative = !decimal.empty() && decimal[0] == '-';
    size_t first = negative ? 1 : 0;
    while (first + 1 < decimal.size() && decimal[first] == '0')
        ++first;
    std::string digits = decimal.substr(first);
    if (digits.empty() || digits == "0")
        negative = false;
    return makeText(ValueKind::kBigInt, kTagBigInt, (negative ? "-" : "") + (digits.empty() ? "0" : digits));
}

Value Value::byteArray(std::string bytes) { return makeText(ValueKind::kByteArray, kTagByteArray, std::move(bytes)); }

Value Value::bundle(Value body, BundleMode mode) {
    auto m = static_cast<uint8_t>(mode);
    if (body.kind_ == ValueKind::kBundle) { // bundle inside bundle: permissions intersect
        m = static_cast<uint8_t>(m | static_cast<uint8_t>(body.a_));
        body = Value(body.heap_->items[0]);
    }
    auto h = std::make_unique<HeapValue>();
    Hash128 inner = body.hash();
    h->hash = hashNode(kTagBundle, {&inner, 1}, m);
    h->items.push_back(std::move(body));
    Value v = fromHeap(ValueKind::kBundle, HeapRef(h.release()));
    v.a_ = m;
    return v;
}

Value Value::closure(std::shared_ptr<const Code> code, std::vector<Value> captures) {
    auto h = std::make_unique<HeapValue>();
    h->hash = closureHash(*code, captures);
    h->closure.code = std::move(code);
    h->closure.captures = std::move(captures);
    return fromHeap(ValueKind::kProc, HeapRef(h.release()));
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
    auto h = std::make_unique<HeapValue>();
    h->hash = parHash(hashes);
    h->items = std::move(flat);
    return fromHeap(ValueKind::kPar, HeapRef(h.release()));
}

// Iterative destruction --------------------------------------------------------------

HeapRef Value::releaseHeapIfLast() {
    if (heap_ && heap_.useCount() == 1)
        return std::move(heap_);
    return HeapRef();
}

namespace {

// Work lists of nested parts whose last owner is going away: drained in a loop.
struct Reaper {
    std::vector<HeapRef> values;
    std::vector<std::shared_ptr<const Code>> codes;

    void takeValues(std::vector<Value>& items) {
        for (Value& v : items)
            if (auto h = v.releaseHeapIfLast())
                values.push_back(std::move(h));
    }
    void takeCode(std::shared_ptr<const Code>& c) {
        if (c && c.use_count() == 1)
            codes.push_back(std::move(c));
    }
    void drain() {
        while (!values.empty() || !codes.empty()) {
            if (!values.empty()) {
                HeapRef h = std::move(values.back());
                values.pop_back();
                auto& m = const_cast<HeapValue&>(*h); // last owner: safe to empty
                takeValues(m.items);
                takeValues(m.closure.captures);
                takeCode(m.closure.code);
                continue; // h dies here with nothing nested left in it
            }
            std::shared_ptr<const Code> c = std::move(codes.back());
            codes.pop_back();
            auto& m = const_cast<Code&>(*c);
            for (auto& child : m.children)
                takeCode(child);
            takeValues(m.constants);
        }
    }
};

thread_local bool tlsReaping = false;

template <class Fill>
void reap(Fill fill) {
    if (tlsReaping) { // an outer destructor's loop will take what we leave behind
        Reaper r;
        fill(r);
        // Nested parts still owned by r are freed here one level down; the outer
        // loop keeps recursion at one level.
        r.drain();
        return;
    }
    tlsReaping = true;
    Reaper r;
    fill(r);
    r.drain();
    tlsReaping = false;
}

} // namespace

HeapValue::~HeapValue() {
    if (items.empty() && closure.captures.empty() && !closure.code)
        return;
    reap([this](Reaper& r) {
        r.takeValues(items);
        r.takeValues(closure.captures);
        r.takeCode(closure.code);
    });
}

Code::~Code() {
    if (children.empty() && constants.empty())
        return;
    reap([this](Reaper& r) {
        for (auto& child : children)
            r.takeCode(child);
        r.takeValues(constants);
    });
}

// Access ------------------------------------------------------------------------

const std::string& Value::asString() const {
    RHO_ASSERT(kind_ == ValueKind::kString || kind_ == ValueKind::kUri || kind_ == ValueKind::kBigInt ||
               kind_ == ValueKind::kByteArray);
    return heap_->text;
}

std::span<const Value> Value::items() const {
    RHO_ASSERT(kind_ != ValueKind::kNil && kind_ != ValueKind::kBool && kind_ != ValueKind::kInt &&
               kind_ != ValueKind::kUnforgeable && kind_ != ValueKind::kProc);
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
    case ValueKind::kUri:
    case ValueKind::kBigInt:
    case ValueKind::kByteArray: return x.heap_->text == y.heap_->text;
    case ValueKind::kBundle: return x.a_ == y.a_ && x.heap_->items == y.heap_->items;
    case ValueKind::kList:
    case ValueKind::kTuple:
    case ValueKind::kSet:
    case ValueKind::kMap:
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

// Numeric order of canonical decimals ("-12" < "-3" < "0" < "7" < "10").
static int compareDecimal(const std::string& a, const std::string& b) {
    bool na = a[0] == '-', nb = b[0] == '-';
    if (na != nb)
        return na ? -1 : 1;
    int c = a.size() != b.size() ? (a.size() < b.size() ? -1 : 1) : compareStrings(a, b);
    return na ? -c : c;
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
    case ValueKind::kUri:
    case ValueKind::kByteArray: return compareStrings(x.heap_->text, y.heap_->text);
    case ValueKind::kBigInt: return compareDecimal(x.heap_->text, y.heap_->text);
    case ValueKind::kBundle:
        if (x.a_ != y.a_)
            return x.a_ < y.a_ ? -1 : 1;
        return compareSeq(x.heap_->items, y.heap_->items);
    case ValueKind::kList:
    case ValueKind::kTuple:
    case ValueKind::kSet:
    case ValueKind::kMap:
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
    case ValueKind::kSet:
    case ValueKind::kMap: {
        bool set = v.kind() == ValueKind::kSet;
        out += set ? "Set(" : "{";
        auto items = v.items();
        for (size_t i = 0; i < items.size(); i += set ? 1 : 2) {
            if (i)
                out += ", ";
            print(items[i], out);
            if (!set) {
                out += " : ";
                print(items[i + 1], out);
            }
        }
        out += set ? ")" : "}";
        return;
    }
    case ValueKind::kBigInt:
        out += "BigInt(";
        out += v.asString();
        out += ')';
        return;
    case ValueKind::kByteArray:
        for (unsigned char ch : v.asString()) {
            static const char* kDigits = "0123456789abcdef";
            out += kDigits[ch >> 4];
            out += kDigits[ch & 0xF];
        }
        return;
    case ValueKind::kBundle: {
        static const char* kNames[] = {"bundle", "bundle+", "bundle-", "bundle0"};
        out += kNames[static_cast<int>(v.bundleMode()) & 3];
        out += " { ";
        print(v.items()[0], out);
        out += " }";
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
            if (p.kind() == ValueKind::kBundle)
                return -1; // bundles print first
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
