// File: value.cpp
// Values: construction (canonical forms), access, equality and canonical order.
// Hashing is in hash.cpp, printing in print.cpp, destruction in lifetime.cpp.

#include "rho/bytecode/value.h"

#include <algorithm>

#include "hash.h"
#include "hash_tags.h"
#include "rho/base/assert.h"
#include "rho/bytecode/code.h"

namespace rho::bytecode {

using namespace detail; // NOLINT(google-build-using-namespace): the hash tags

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
    v.p_ = heap.release();
    v.owns_ = v.p_ != nullptr;
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
    std::string text = negative ? "-" : "";
    text += digits.empty() ? std::string("0") : digits;
    return makeText(ValueKind::kBigInt, kTagBigInt, std::move(text));
}

Value Value::byteArray(std::string bytes) { return makeText(ValueKind::kByteArray, kTagByteArray, std::move(bytes)); }

Value Value::bundle(Value body, BundleMode mode) {
    auto m = static_cast<uint8_t>(mode);
    if (body.kind_ == ValueKind::kBundle) { // bundle inside bundle: permissions intersect
        m = static_cast<uint8_t>(m | static_cast<uint8_t>(body.a_));
        body = Value(body.p_->items[0]);
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

Value Value::par(std::vector<Value> parts) {
    std::vector<Value> flat;
    flat.reserve(parts.size());
    for (Value& p : parts) {
        if (p.kind_ == ValueKind::kNil)
            continue;
        if (p.kind_ == ValueKind::kPar) {
            for (const Value& q : p.p_->items)
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

// Access ------------------------------------------------------------------------

const std::string& Value::asString() const {
    RHO_ASSERT(kind_ == ValueKind::kString || kind_ == ValueKind::kUri || kind_ == ValueKind::kBigInt ||
               kind_ == ValueKind::kByteArray);
    return p_->text;
}

std::span<const Value> Value::items() const {
    RHO_ASSERT(kind_ != ValueKind::kNil && kind_ != ValueKind::kBool && kind_ != ValueKind::kInt &&
               kind_ != ValueKind::kUnforgeable && kind_ != ValueKind::kProc);
    return p_->items;
}

std::span<const Value> Value::parts() const {
    if (kind_ == ValueKind::kPar)
        return p_->items;
    if (kind_ == ValueKind::kNil)
        return {};
    return {this, 1};
}

const Closure& Value::closure() const {
    RHO_ASSERT(kind_ == ValueKind::kProc);
    return p_->closure;
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
    if (x.p_ == y.p_)
        return true;
    if (x.p_->hash != y.p_->hash)
        return false;
    switch (x.kind_) {
    case ValueKind::kString:
    case ValueKind::kUri:
    case ValueKind::kBigInt:
    case ValueKind::kByteArray: return x.p_->text == y.p_->text;
    case ValueKind::kBundle: return x.a_ == y.a_ && x.p_->items == y.p_->items;
    case ValueKind::kList:
    case ValueKind::kTuple:
    case ValueKind::kSet:
    case ValueKind::kMap:
    case ValueKind::kPar: return x.p_->items == y.p_->items;
    case ValueKind::kProc: {
        // Closures with identical code compare their captures; closures with
        // different code can still denote one term (a captured value versus the
        // same literal): their equal hashes are confirmed by their full terms.
        const Closure& a = x.p_->closure;
        const Closure& b = y.p_->closure;
        if (a.code == b.code && a.captures == b.captures)
            return true;
        return compareClosureTerms(a, b) == 0;
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
    case ValueKind::kByteArray: return compareStrings(x.p_->text, y.p_->text);
    case ValueKind::kBigInt: return compareDecimal(x.p_->text, y.p_->text);
    case ValueKind::kBundle:
        if (x.a_ != y.a_)
            return x.a_ < y.a_ ? -1 : 1;
        return compareSeq(x.p_->items, y.p_->items);
    case ValueKind::kList:
    case ValueKind::kTuple:
    case ValueKind::kSet:
    case ValueKind::kMap:
    case ValueKind::kPar: return compareSeq(x.p_->items, y.p_->items);
    case ValueKind::kProc: {
        auto ka = x.p_->closure.code->kind, kb = y.p_->closure.code->kind;
        if (ka != kb)
            return ka < kb ? -1 : 1;
        Hash128 a = x.p_->hash, b = y.p_->hash;
        if (a != b)
            return a < b ? -1 : 1;
        const Closure& p = x.p_->closure;
        const Closure& q = y.p_->closure;
        if (p.code == q.code && compareSeq(p.captures, q.captures) == 0)
            return 0;
        return compareClosureTerms(p, q);
    }
    }
    return 0;
}

} // namespace rho::bytecode
