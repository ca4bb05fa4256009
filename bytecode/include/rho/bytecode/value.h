// File: value.h
// Value: a Rholang process as data. Every value is a *par*, a canonical multiset of
// components; a name is the same thing (quote is the identity on representations:
// `@P` and `P` are one Value, `*@P` = P). Components are ground values (Bool, Int,
// String, Uri), collections (List, Tuple), unforgeable names, and closures (a
// process sequence with its captured values, substituted). Nil is the empty par.
//
// Values are immutable and cheap to copy (inline scalars; heap parts shared).
// Structural equivalence is equality: P | Q == Q | P, P | Nil == P, and
// alpha-equivalent closures are equal (their code is identical by construction and
// captured values are compared by value). hash() is a 128-bit Merkle hash (XXH3)
// consistent with equality; RSpace keys channels by it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rho::bytecode {

struct Code;

struct Hash128 {
    uint64_t lo = 0;
    uint64_t hi = 0;
    friend bool operator==(const Hash128&, const Hash128&) = default;
    friend auto operator<=>(const Hash128&, const Hash128&) = default;
};

// Component kinds, in the reference's canonical sort order (RHOLANG.md 6.4):
// ground values, then collections, then processes.
enum class ValueKind : uint8_t {
    kNil = 0,     // the empty par (only ever a whole value, never a component)
    kBool = 1,
    kInt = 2,
    kString = 3,
    kUri = 4,
    kUnforgeable = 5,
    kList = 6,
    kTuple = 7,
    kSet = 8,     // items sorted canonically, no duplicates
    kMap = 9,     // items: key0, value0, key1, value1, ... sorted by key, keys unique
    kBigInt = 10, // text: canonical decimal ("-12", "0")
    kByteArray = 11, // text: the raw bytes
    kBundle = 12, // items[0]: the body; a_: BundleMode
    kProc = 13,   // a closure: a process sequence with its captures
    kPar = 14,    // two or more components
};

// What may be done through a bundle used as a channel (bundle, bundle+, bundle-, bundle0).
enum class BundleMode : uint8_t { kReadWrite = 0, kWrite = 1, kRead = 2, kNone = 3 };

const char* valueKindName(ValueKind kind); // "Int", "String", ... as the reference names types

struct HeapValue;
class Value;

// An owning pointer to an immutable HeapValue, counted inside the HeapValue (one word,
// one atomic count: cheaper to copy and move than a shared_ptr, which every Value
// copy on the interpreter's hot path paid for).
class HeapRef {
  public:
    HeapRef() noexcept = default;
    explicit HeapRef(HeapValue* adopt) noexcept : p_(adopt) {} // takes the first reference
    HeapRef(const HeapRef& other) noexcept;
    HeapRef(HeapRef&& other) noexcept : p_(other.p_) { other.p_ = nullptr; }
    HeapRef& operator=(const HeapRef& other) noexcept;
    HeapRef& operator=(HeapRef&& other) noexcept;
    ~HeapRef() { reset(); }

    void reset() noexcept;
    [[nodiscard]] const HeapValue* get() const noexcept { return p_; }
    const HeapValue* operator->() const noexcept { return p_; }
    const HeapValue& operator*() const noexcept { return *p_; }
    explicit operator bool() const noexcept { return p_ != nullptr; }
    // Gives the reference up to the caller, uncounted (Value adopts it).
    [[nodiscard]] HeapValue* release() noexcept {
        HeapValue* p = p_;
        p_ = nullptr;
        return p;
    }
    // Owners of the HeapValue (1: this reference is the only one).
    [[nodiscard]] uint32_t useCount() const noexcept;
    friend bool operator==(const HeapRef& a, const HeapRef& b) noexcept { return a.p_ == b.p_; }

  private:
    HeapValue* p_ = nullptr;
};

// A process sequence closed over its captured values.
struct Closure {
    std::shared_ptr<const Code> code;
    std::vector<Value> captures;
};

class Value {
  public:
    Value() noexcept : b_(0) {} // Nil
    Value(const Value& other) noexcept;
    Value(Value&& other) noexcept;
    Value& operator=(const Value& other) noexcept;
    Value& operator=(Value&& other) noexcept;
    ~Value() { drop(); }

    static Value boolean(bool b);
    static Value integer(int64_t i);
    static Value string(std::string s);
    static Value uri(std::string s);
    static Value unforgeable(uint64_t lo, uint64_t hi);
    static Value list(std::vector<Value> items);
    static Value tuple(std::vector<Value> items);
    static Value closure(std::shared_ptr<const Code> code, std::vector<Value> captures);
    // A set of [items] (duplicates removed, canonical order).
    static Value set(std::vector<Value> items);
    // A map of [pairs] given as key0, value0, key1, value1, ...; a later equal key wins.
    static Value map(std::vector<Value> pairs);
    // A set of [items] already in canonical order without duplicates (the caller's
    // promise: methods that edit a set keep its order and build the result in O(n)).
    static Value setFromSorted(std::vector<Value> items);
    // A map of [pairs] whose keys are already in canonical order and unique.
    static Value mapFromSorted(std::vector<Value> pairs);
    // [decimal]: an optional '-' and digits; leading zeros are removed ("-0" is "0").
    static Value bigInt(std::string decimal);
    static Value byteArray(std::string bytes);
    // A bundle of [body]; nested bundles combine by intersecting permissions.
    static Value bundle(Value body, BundleMode mode);
    // The canonical par of [parts]: nested pars flattened, Nils dropped, components
    // sorted; zero parts give Nil and one part gives that part.
    static Value par(std::vector<Value> parts);

    [[nodiscard]] ValueKind kind() const { return kind_; }
    [[nodiscard]] bool isNil() const { return kind_ == ValueKind::kNil; }
    // True when the value holds no heap part (Nil, Bool, Int, unforgeable names).
    [[nodiscard]] bool isInline() const { return !owns_; }
    [[nodiscard]] bool asBool() const { return a_ != 0; }
    [[nodiscard]] int64_t asInt() const { return static_cast<int64_t>(a_); }
    [[nodiscard]] uint64_t unforgeableLo() const { return a_; }
    [[nodiscard]] uint64_t unforgeableHi() const { return b_; }
    [[nodiscard]] const std::string& asString() const; // kString, kUri, kBigInt, kByteArray
    [[nodiscard]] BundleMode bundleMode() const { return static_cast<BundleMode>(a_); }
    [[nodiscard]] std::span<const Value> items() const; // kList, kTuple, kSet, kMap (k, v, ...), kBundle (body)
    [[nodiscard]] std::span<const Value> parts() const; // kPar: the components; others: itself
    [[nodiscard]] const Closure& closure() const;       // kProc

    [[nodiscard]] Hash128 hash() const;
    friend bool operator==(const Value& x, const Value& y);
    // The reference's canonical order: by kind, then by content (Ints numerically,
    // Strings by UTF-16 code units, true before false, lists element-wise).
    friend int compare(const Value& x, const Value& y);

    // For the bytecode module's own constructors (rbc decoding): wraps a heap part.
    static Value fromHeap(ValueKind kind, HeapRef heap);
    // Gives up this value's heap part when this is its last owner (else null): lets
    // destructors free nested values iteratively.
    HeapRef releaseHeapIfLast();

  private:
    void drop() noexcept;
    void swapWords(Value& other) noexcept;

    // 24 bytes: the second word is an unforgeable name's high half or, for the kinds
    // with a heap part, the counted pointer to it (owns_). Every frame slot, message,
    // capture and channel entry holds Values, so this word is a parked receive's 24
    // bytes and a fan-in backlog's 16 per message.
    ValueKind kind_ = ValueKind::kNil;
    bool owns_ = false; // p_ holds a counted reference
    uint64_t a_ = 0;    // Bool, Int, unforgeable lo, bundle mode
    union {
        uint64_t b_;    // unforgeable hi
        HeapValue* p_;  // the heap part (owns_)
    };
};
static_assert(sizeof(Value) == 24);

struct HeapValue {
    Hash128 hash;
    std::string text;          // kString, kUri, kBigInt, kByteArray
    std::vector<Value> items;  // kList, kTuple, kSet, kMap, kBundle, kPar
    Closure closure;           // kProc

    HeapValue() = default;
    HeapValue(const HeapValue&) = delete;
    HeapValue& operator=(const HeapValue&) = delete;
    // Frees nested values iteratively (deeply nested data must not recurse).
    ~HeapValue();

  private:
    friend class HeapRef;
    friend class Value;
    mutable std::atomic<uint32_t> refs_{1};
};

inline HeapRef::HeapRef(const HeapRef& other) noexcept : p_(other.p_) {
    if (p_)
        p_->refs_.fetch_add(1, std::memory_order_relaxed);
}

inline HeapRef& HeapRef::operator=(const HeapRef& other) noexcept {
    if (other.p_)
        other.p_->refs_.fetch_add(1, std::memory_order_relaxed);
    reset();
    p_ = other.p_;
    return *this;
}

inline HeapRef& HeapRef::operator=(HeapRef&& other) noexcept {
    if (this != &other) {
        reset();
        p_ = other.p_;
        other.p_ = nullptr;
    }
    return *this;
}

inline void HeapRef::reset() noexcept {
    if (p_ == nullptr)
        return;
    // The last owner frees without an atomic write: nobody else can add a reference.
    if (p_->refs_.load(std::memory_order_acquire) == 1 || p_->refs_.fetch_sub(1, std::memory_order_acq_rel) == 1)
        delete p_;
    p_ = nullptr;
}

inline uint32_t HeapRef::useCount() const noexcept { return p_ ? p_->refs_.load(std::memory_order_acquire) : 0; }

inline Value::Value(const Value& other) noexcept
    : kind_(other.kind_), owns_(other.owns_), a_(other.a_), b_(other.b_) {
    if (owns_)
        p_->refs_.fetch_add(1, std::memory_order_relaxed);
}

inline Value::Value(Value&& other) noexcept : kind_(other.kind_), owns_(other.owns_), a_(other.a_), b_(other.b_) {
    other.kind_ = ValueKind::kNil; // moved from: Nil
    other.owns_ = false;
}

// Copy (or move) and swap: [other] is counted, or emptied, before this value's old
// part goes with the temporary (that part may own [other]); a self-move ends as it began.
inline Value& Value::operator=(const Value& other) noexcept {
    Value copy(other);
    swapWords(copy);
    return *this;
}

inline Value& Value::operator=(Value&& other) noexcept {
    Value taken(std::move(other));
    swapWords(taken);
    return *this;
}

inline void Value::swapWords(Value& other) noexcept {
    std::swap(kind_, other.kind_);
    std::swap(owns_, other.owns_);
    std::swap(a_, other.a_);
    std::swap(b_, other.b_);
}

inline void Value::drop() noexcept {
    if (!owns_)
        return;
    owns_ = false;
    HeapRef last(p_); // adopts this value's reference and lets it go
}

// How the printers below render what the reference's rendering cannot give back as a
// program. Without one (nullptr) they print as the reference does. With one, the text
// is Rholang source that evaluates to the value: a string that a literal cannot hold
// (a lone `"` or `\`, which slicing can make) as a concatenation with one-character
// slices, a byte array as `"0a1b".hexToBytes()`, and each unforgeable name as the
// variable [unforgeable] names (`*u_0`; `=*u_0` inside a pattern), which the caller
// binds with a `new` around the text.
struct PrintStyle {
    std::function<std::string(const Value&)> unforgeable;
    // Optional: where an unforgeable name sorts among others in a par, a set or a
    // join's binds (the reference sorts by id, which differs from run to run).
    std::function<std::string(const Value&)> orderKey;
};

// Pretty-prints [v] as the reference does for rho:io:stdout (RHOLANG.md section 11).
std::string print(const Value& v);
void print(const Value& v, std::string& out, const PrintStyle* style = nullptr);

// A channel as Rholang source: an unforgeable name bare, anything else as @{P}.
std::string printName(const Value& channel, const PrintStyle* style = nullptr);
// A waiting message as Rholang source: `@{"ch"}!(1, 2)` (or `!!` when persistent).
std::string printSend(const Value& channel, std::span<const Value> args, bool persistent,
                      const PrintStyle* style = nullptr);
// A waiting receive as Rholang source: `for (@{x0} <- @{"ch"}) { ... }`. [body] is a
// receive body (its Code has a join); [channels] are its evaluated channels.
// [firstChannel], when given, receives the index in [channels] of the bind printed first.
std::string printReceive(const Code& body, std::span<const Value> captures, std::span<const Value> channels,
                         const PrintStyle* style = nullptr, size_t* firstChannel = nullptr);

// Hash helpers shared by the value hash and the symbolic code hash (term_hash.cpp),
// so that a value and the code that denotes it hash alike.
Hash128 hashBytes(uint8_t tag, std::string_view bytes);
Hash128 hashNode(uint8_t tag, std::span<const Hash128> children, uint64_t extra = 0);
// The hash of a par with these component hashes (order-independent).
Hash128 parHash(std::span<const Hash128> componentHashes);
// The hash of a set of elements with these hashes (order-independent, duplicates merge).
Hash128 setHash(std::vector<Hash128> hashes);
// The hash of a map with these (key, value) hashes (order-independent; a later key wins).
Hash128 mapHash(std::vector<std::pair<Hash128, Hash128>> pairs);

} // namespace rho::bytecode
