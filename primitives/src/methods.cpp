// File: methods.cpp
// Method calls (RHOLANG.md section 7), served by the primitive processor like the
// operators: one handler per method, registered under the method's name. A request's
// operands are the target, then the arguments. Errors use the reference's wording.

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "handlers.h"
#include "rho/base/hex.h"
#include "term_bytes.h"

namespace rho::primitives {

using bytecode::Op;
using bytecode::Value;
using bytecode::ValueKind;

namespace {

// What a (key, value) tuple made from a map's pair costs: its block and two values.
constexpr size_t kPairBytes = sizeof(bytecode::HeapValue) + 2 * sizeof(Value);

void error(Answer& out, std::string message) {
    out.fail(FaultCode::kMessage, Op::METHOD, Value::string(std::move(message)));
}

void notDefined(Answer& out, std::string_view name, const Value& target) {
    error(out, "Error: Method `" + std::string(name) + "` is not defined on " +
                   bytecode::valueKindName(target.kind()) + ".");
}

// The argument count a method takes; otherwise the reference's error.
bool arity(Answer& out, std::string_view name, std::span<const Value> args, size_t n) {
    if (args.size() == n)
        return true;
    error(out, "Error: Method `" + std::string(name) + "` expects " + std::to_string(n) +
                   " Par argument(s), but got " + std::to_string(args.size()) + " argument(s).");
    return false;
}

// An Int argument that must fit a 32-bit int (indices, bounds).
bool intArg(Answer& out, const Value& v, int64_t& result) {
    if (v.kind() != ValueKind::kInt) {
        error(out, "Error: expression didn't evaluate to integer.");
        return false;
    }
    if (v.asInt() > INT32_MAX || v.asInt() < INT32_MIN) {
        error(out, "Integer overflow for value " + std::to_string(v.asInt()));
        return false;
    }
    result = v.asInt();
    return true;
}

// Sets keep their elements, and maps their keys (every [step]-th item), in canonical
// order (value.h), so lookups are binary searches: the item index where [x] is or
// would be inserted, and whether it is there.
size_t lowerBound(std::span<const Value> items, const Value& x, size_t step, bool& found) {
    size_t lo = 0, hi = items.size() / step;
    found = false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = compare(items[mid * step], x);
        if (c == 0) {
            found = true;
            return mid * step;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo * step;
}

size_t find(std::span<const Value> items, const Value& x, size_t step = 1) {
    bool found;
    size_t at = lowerBound(items, x, step, found);
    return found ? at : std::string::npos;
}

// [t] (a set, or a map with step 2) with [key] (and [value]) put in place: O(n).
Value withEntry(const Value& t, const Value& key, const Value* value) {
    size_t step = value ? 2 : 1;
    bool found;
    size_t at = lowerBound(t.items(), key, step, found);
    std::vector<Value> out(t.items().begin(), t.items().end());
    if (found) {
        if (value)
            out[at + 1] = *value;
    } else {
        out.insert(out.begin() + static_cast<ptrdiff_t>(at), key);
        if (value)
            out.insert(out.begin() + static_cast<ptrdiff_t>(at) + 1, *value);
    }
    return value ? Value::mapFromSorted(std::move(out)) : Value::setFromSorted(std::move(out));
}

// [t] (a set, or a map with step 2) without [key]: O(n).
Value withoutEntry(const Value& t, const Value& key, size_t step) {
    size_t at = find(t.items(), key, step);
    if (at == std::string::npos)
        return t;
    std::vector<Value> out(t.items().begin(), t.items().end());
    out.erase(out.begin() + static_cast<ptrdiff_t>(at), out.begin() + static_cast<ptrdiff_t>(at + step));
    return step == 2 ? Value::mapFromSorted(std::move(out)) : Value::setFromSorted(std::move(out));
}

bool contains(std::span<const Value> items, const Value& x, size_t step = 1) {
    return find(items, x, step) != std::string::npos;
}

Value mapGet(const Value& m, const Value& k, const Value& otherwise) {
    size_t at = find(m.items(), k, 2);
    return at == std::string::npos ? otherwise : m.items()[at + 1];
}

// UTF-16 code units of a UTF-8 string, as the JVM counts String.length.
size_t utf16Length(const std::string& s) {
    size_t n = 0;
    for (size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
        n += len == 4 ? 2 : 1;
        i += len;
    }
    return n;
}

using base::hexDigit;

void nth(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = "nth";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    if (!arity(out, kName, args, 1))
        return;
    if (k != ValueKind::kList && k != ValueKind::kTuple && k != ValueKind::kByteArray)
        return error(out, "Error: nth applied to something that wasn't a list or tuple.");
    int64_t i;
    if (!intArg(out, args[0], i))
        return;
    size_t size = k == ValueKind::kByteArray ? t.asString().size() : t.items().size();
    if (i < 0 || static_cast<size_t>(i) >= size)
        return error(out, "Error: index out of bound: " + std::to_string(i));
    if (k == ValueKind::kByteArray)
        return out.ok(Value::integer(static_cast<unsigned char>(t.asString()[static_cast<size_t>(i)])));
    return out.ok(t.items()[static_cast<size_t>(i)]);
}

void length(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = "length";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    if (!arity(out, kName, args, 0))
        return;
    if (k == ValueKind::kString)
        return out.ok(Value::integer(static_cast<int64_t>(utf16Length(t.asString()))));
    if (k == ValueKind::kByteArray)
        return out.ok(Value::integer(static_cast<int64_t>(t.asString().size())));
    if (k == ValueKind::kList)
        return out.ok(Value::integer(static_cast<int64_t>(t.items().size())));
    return notDefined(out, kName, t);
}

void size(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = "size";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    if (!arity(out, kName, args, 0))
        return;
    if (k == ValueKind::kSet)
        return out.ok(Value::integer(static_cast<int64_t>(t.items().size())));
    if (k == ValueKind::kMap)
        return out.ok(Value::integer(static_cast<int64_t>(t.items().size() / 2)));
    return notDefined(out, kName, t);
}

// slice and take share this body; [kSecond] selects take.
template <bool kSecond>
void sliceOrTake(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = kSecond ? "take" : "slice";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    constexpr bool take = kSecond;
    if (!arity(out, kName, args, take ? 1 : 2))
        return;
    int64_t from = 0, to = 0;
    if (!take && !intArg(out, args[0], from))
        return;
    if (!intArg(out, args[take ? 0 : 1], to))
        return;
    if (take && k != ValueKind::kList)
        return notDefined(out, kName, t);
    size_t size = k == ValueKind::kList ? t.items().size()
                  : (k == ValueKind::kString || k == ValueKind::kByteArray) ? t.asString().size()
                                                                             : 0;
    if (k != ValueKind::kList && k != ValueKind::kString && k != ValueKind::kByteArray)
        return notDefined(out, kName, t);
    auto lo = static_cast<size_t>(std::max<int64_t>(0, from));
    auto hi = static_cast<size_t>(std::max<int64_t>(0, std::min<int64_t>(to, static_cast<int64_t>(size))));
    if (lo > hi)
        lo = hi;
    if (k == ValueKind::kList)
        return out.ok(Value::list(std::vector<Value>(t.items().begin() + static_cast<ptrdiff_t>(lo),
                                                 t.items().begin() + static_cast<ptrdiff_t>(hi))));
    std::string part = t.asString().substr(lo, hi - lo);
    return out.ok(k == ValueKind::kString ? Value::string(std::move(part)) : Value::byteArray(std::move(part)));
}

void containsMethod(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = "contains";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    if (!arity(out, kName, args, 1))
        return;
    if (k == ValueKind::kSet)
        return out.ok(Value::boolean(contains(t.items(), args[0])));
    if (k == ValueKind::kMap)
        return out.ok(Value::boolean(contains(t.items(), args[0], 2)));
    return notDefined(out, kName, t);
}

// get and getOrElse share this body; [kSecond] selects getOrElse.
template <bool kSecond>
void getOrElse(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = kSecond ? "getOrElse" : "get";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    constexpr bool orElse = kSecond;
    if (!arity(out, kName, args, orElse ? 2 : 1))
        return;
    if (k != ValueKind::kMap)
        return notDefined(out, kName, t);
    return out.ok(mapGet(t, args[0], orElse ? args[1] : Value()));
}

void setMethod(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = "set";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    if (!arity(out, kName, args, 2))
        return;
    if (k != ValueKind::kMap)
        return notDefined(out, kName, t);
    return out.ok(withEntry(t, args[0], &args[1]));
}

void keys(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = "keys";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    if (!arity(out, kName, args, 0))
        return;
    if (k != ValueKind::kMap)
        return notDefined(out, kName, t);
    std::vector<Value> keys;
    for (size_t i = 0; i < t.items().size(); i += 2)
        keys.push_back(t.items()[i]);
    return out.ok(Value::set(std::move(keys)));
}

void addMethod(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = "add";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    if (!arity(out, kName, args, 1))
        return;
    if (k != ValueKind::kSet)
        return notDefined(out, kName, t);
    return out.ok(withEntry(t, args[0], nullptr));
}

void deleteMethod(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = "delete";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    if (!arity(out, kName, args, 1))
        return;
    if (k != ValueKind::kSet && k != ValueKind::kMap)
        return notDefined(out, kName, t);
    return out.ok(withoutEntry(t, args[0], k == ValueKind::kMap ? 2 : 1));
}

// union and diff share this body; [kSecond] selects diff.
template <bool kSecond>
void unionOrDiff(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = kSecond ? "diff" : "union";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    if (!arity(out, kName, args, 1))
        return;
    if ((k != ValueKind::kSet && k != ValueKind::kMap) || args[0].kind() != k)
        return notDefined(out, kName, t);
    size_t step = k == ValueKind::kMap ? 2 : 1;
    if (!admitValue(out, Op::METHOD, (t.items().size() + (kSecond ? 0 : args[0].items().size())) * sizeof(Value)))
        return;
    std::vector<Value> items;
    if (!kSecond) {
        items.assign(t.items().begin(), t.items().end());
        items.insert(items.end(), args[0].items().begin(), args[0].items().end()); // right wins
    } else {
        for (size_t i = 0; i < t.items().size(); i += step) {
            if (contains(args[0].items(), t.items()[i], step))
                continue;
            for (size_t j = 0; j < step; ++j)
                items.push_back(t.items()[i + j]);
        }
    }
    out.ok(k == ValueKind::kMap ? Value::map(std::move(items)) : Value::set(std::move(items)));
}

void toList(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = "toList";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    if (!arity(out, kName, args, 0))
        return;
    if (k == ValueKind::kList || k == ValueKind::kSet || k == ValueKind::kTuple) {
        if (!admitValue(out, Op::METHOD, t.items().size() * sizeof(Value)))
            return;
        return out.ok(Value::list(std::vector<Value>(t.items().begin(), t.items().end())));
    }
    if (k == ValueKind::kMap) {
        if (!admitValue(out, Op::METHOD, t.items().size() / 2 * kPairBytes))
            return;
        std::vector<Value> pairs;
        pairs.reserve(t.items().size() / 2);
        for (size_t i = 0; i < t.items().size(); i += 2)
            pairs.push_back(Value::tuple({t.items()[i], t.items()[i + 1]}));
        return out.ok(Value::list(std::move(pairs)));
    }
    return notDefined(out, kName, t);
}

void toSet(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = "toSet";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    if (!arity(out, kName, args, 0))
        return;
    if (k == ValueKind::kSet || k == ValueKind::kList) {
        if (!admitValue(out, Op::METHOD, t.items().size() * sizeof(Value)))
            return;
        return out.ok(Value::set(std::vector<Value>(t.items().begin(), t.items().end())));
    }
    if (k == ValueKind::kMap) {
        if (!admitValue(out, Op::METHOD, t.items().size() / 2 * kPairBytes))
            return;
        std::vector<Value> pairs;
        for (size_t i = 0; i < t.items().size(); i += 2)
            pairs.push_back(Value::tuple({t.items()[i], t.items()[i + 1]}));
        return out.ok(Value::set(std::move(pairs)));
    }
    return notDefined(out, kName, t);
}

void toMap(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = "toMap";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    if (!arity(out, kName, args, 0))
        return;
    if (k == ValueKind::kMap)
        return out.ok(t);
    if (k == ValueKind::kList || k == ValueKind::kSet) {
        std::vector<Value> pairs;
        for (const Value& e : t.items()) {
            if (e.kind() != ValueKind::kTuple || e.items().size() != 2)
                return error(out, "Error: Method `toMap` is not defined on types except List[(K,V)].");
            pairs.push_back(e.items()[0]);
            pairs.push_back(e.items()[1]);
        }
        return out.ok(Value::map(std::move(pairs)));
    }
    return error(out, "Error: Method `toMap` is not defined on types except List[(K,V)].");
}

void hexToBytes(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = "hexToBytes";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    if (!arity(out, kName, args, 0))
        return;
    if (k != ValueKind::kString)
        return notDefined(out, kName, t);
    std::string digits;
    for (char c : t.asString())
        if (hexDigit(c) >= 0)
            digits += c; // non-hex characters are ignored, as the reference does
    if (digits.size() % 2)
        digits.insert(digits.begin(), '0');
    std::string bytes;
    for (size_t i = 0; i < digits.size(); i += 2)
        bytes += static_cast<char>(hexDigit(digits[i]) * 16 + hexDigit(digits[i + 1]));
    return out.ok(Value::byteArray(std::move(bytes)));
}

void bytesToHex(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = "bytesToHex";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    if (!arity(out, kName, args, 0))
        return;
    if (k != ValueKind::kByteArray)
        return notDefined(out, kName, t);
    const std::string& bytes = t.asString();
    if (!admitValue(out, Op::METHOD, 2 * bytes.size()))
        return;
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex(2 * bytes.size(), '\0'); // sized once: the limit counted this much
    for (size_t i = 0; i < bytes.size(); ++i) {
        const auto ch = static_cast<unsigned char>(bytes[i]);
        hex[2 * i] = kDigits[ch >> 4];
        hex[2 * i + 1] = kDigits[ch & 0xF];
    }
    return out.ok(Value::string(std::move(hex)));
}

void toUtf8Bytes(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = "toUtf8Bytes";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    if (!arity(out, kName, args, 0))
        return;
    if (k != ValueKind::kString)
        return notDefined(out, kName, t);
    if (!admitValue(out, Op::METHOD, t.asString().size()))
        return;
    return out.ok(Value::byteArray(t.asString()));
}

void toBigInt(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = "toBigInt";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    if (!arity(out, kName, args, 0))
        return;
    if (k == ValueKind::kInt)
        return out.ok(Value::bigInt(std::to_string(t.asInt())));
    if (k == ValueKind::kBigInt)
        return out.ok(t);
    if (k == ValueKind::kString) {
        const std::string& s = t.asString();
        size_t digitsAt = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
        if (digitsAt == s.size() || s.find_first_not_of("0123456789", digitsAt) != std::string::npos)
            return error(out, "Error: " + s + " cannot be converted to BigInt");
        return out.ok(Value::bigInt(s[0] == '+' ? s.substr(1) : s));
    }
    return notDefined(out, kName, t);
}

void toInt(std::span<const Value> v, Answer& out) {
    constexpr std::string_view kName = "toInt";
    const Value& t = v[0];
    std::span<const Value> args = v.subspan(1);
    ValueKind k = t.kind();
    if (!arity(out, kName, args, 0))
        return;
    if (k == ValueKind::kInt)
        return out.ok(t);
    if (k == ValueKind::kBigInt || k == ValueKind::kString) {
        const std::string& s = t.asString();
        errno = 0;
        char* end = nullptr;
        long long n = std::strtoll(s.c_str(), &end, 10);
        if (s.empty() || *end != '\0' || errno == ERANGE)
            return error(out, "Error: " + s + " cannot be converted to Int");
        return out.ok(Value::integer(n));
    }
    return notDefined(out, kName, t);
}

// The protobuf encoding of the value's term, as the reference's (term_bytes.h).
void toByteArray(std::span<const Value> v, Answer& out) {
    out.ok(Value::byteArray(termBytes(v[0])));
}

} // namespace

void addMethodHandlers(Registry& r) {
    r.addMethod("nth", nth);
    r.addMethod("length", length);
    r.addMethod("size", size);
    r.addMethod("slice", sliceOrTake<false>);
    r.addMethod("take", sliceOrTake<true>);
    r.addMethod("contains", containsMethod);
    r.addMethod("get", getOrElse<false>);
    r.addMethod("getOrElse", getOrElse<true>);
    r.addMethod("set", setMethod);
    r.addMethod("keys", keys);
    r.addMethod("add", addMethod);
    r.addMethod("delete", deleteMethod);
    r.addMethod("union", unionOrDiff<false>);
    r.addMethod("diff", unionOrDiff<true>);
    r.addMethod("toList", toList);
    r.addMethod("toSet", toSet);
    r.addMethod("toMap", toMap);
    r.addMethod("hexToBytes", hexToBytes);
    r.addMethod("bytesToHex", bytesToHex);
    r.addMethod("toUtf8Bytes", toUtf8Bytes);
    r.addMethod("toBigInt", toBigInt);
    r.addMethod("toInt", toInt);
    r.addMethod("toByteArray", toByteArray);
}

} // namespace rho::primitives
