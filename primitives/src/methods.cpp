// File: methods.cpp
// Method calls (RHOLANG.md section 7), served by the primitive processor like the
// operators. The request's operands are the method name (a String), the target and
// the arguments. Errors use the reference's wording.

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "handlers.h"

namespace rho::primitives {

using bytecode::Op;
using bytecode::Value;
using bytecode::ValueKind;

namespace {

Outcome error(std::string message) {
    return fault(FaultCode::kMessage, Op::METHOD, Value::string(std::move(message)));
}

Outcome notDefined(const std::string& name, const Value& target) {
    return error("Error: Method `" + name + "` is not defined on " + bytecode::valueKindName(target.kind()) + ".");
}

// An Int argument that must fit a 32-bit int (indices, bounds).
bool intArg(const Value& v, int64_t& out, Outcome& fault) {
    if (v.kind() != ValueKind::kInt) {
        fault = error("Error: expression didn't evaluate to integer.");
        return false;
    }
    if (v.asInt() > INT32_MAX || v.asInt() < INT32_MIN) {
        fault = error("Integer overflow for value " + std::to_string(v.asInt()));
        return false;
    }
    out = v.asInt();
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

int hexDigit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

Outcome call(const std::string& name, const Value& t, std::span<const Value> args) {
    auto arity = [&](size_t n, Outcome& fault) {
        if (args.size() == n)
            return true;
        fault = error("Error: Method `" + name + "` expects " + std::to_string(n) + " Par argument(s), but got " +
                      std::to_string(args.size()) + " argument(s).");
        return false;
    };
    Outcome f;
    ValueKind k = t.kind();
    if (name == "nth") {
        if (!arity(1, f))
            return f;
        if (k != ValueKind::kList && k != ValueKind::kTuple && k != ValueKind::kByteArray)
            return error("Error: nth applied to something that wasn't a list or tuple.");
        int64_t i;
        if (!intArg(args[0], i, f))
            return f;
        size_t size = k == ValueKind::kByteArray ? t.asString().size() : t.items().size();
        if (i < 0 || static_cast<size_t>(i) >= size)
            return error("Error: index out of bound: " + std::to_string(i));
        if (k == ValueKind::kByteArray)
            return ok(Value::integer(static_cast<unsigned char>(t.asString()[static_cast<size_t>(i)])));
        return ok(t.items()[static_cast<size_t>(i)]);
    }
    if (name == "length") {
        if (!arity(0, f))
            return f;
        if (k == ValueKind::kString)
            return ok(Value::integer(static_cast<int64_t>(utf16Length(t.asString()))));
        if (k == ValueKind::kByteArray)
            return ok(Value::integer(static_cast<int64_t>(t.asString().size())));
        if (k == ValueKind::kList)
            return ok(Value::integer(static_cast<int64_t>(t.items().size())));
        return notDefined(name, t);
    }
    if (name == "size") {
        if (!arity(0, f))
            return f;
        if (k == ValueKind::kSet)
            return ok(Value::integer(static_cast<int64_t>(t.items().size())));
        if (k == ValueKind::kMap)
            return ok(Value::integer(static_cast<int64_t>(t.items().size() / 2)));
        return notDefined(name, t);
    }
    if (name == "slice" || name == "take") {
        bool take = name == "take";
        if (!arity(take ? 1 : 2, f))
            return f;
        int64_t from = 0, to = 0;
        if (!take && !intArg(args[0], from, f))
            return f;
        if (!intArg(args[take ? 0 : 1], to, f))
            return f;
        if (take && k != ValueKind::kList)
            return notDefined(name, t);
        size_t size = k == ValueKind::kList ? t.items().size()
                      : (k == ValueKind::kString || k == ValueKind::kByteArray) ? t.asString().size()
                                                                                 : 0;
        if (k != ValueKind::kList && k != ValueKind::kString && k != ValueKind::kByteArray)
            return notDefined(name, t);
        auto lo = static_cast<size_t>(std::max<int64_t>(0, from));
        auto hi = static_cast<size_t>(std::max<int64_t>(0, std::min<int64_t>(to, static_cast<int64_t>(size))));
        if (lo > hi)
            lo = hi;
        if (k == ValueKind::kList)
            return ok(Value::list(std::vector<Value>(t.items().begin() + static_cast<ptrdiff_t>(lo),
                                                     t.items().begin() + static_cast<ptrdiff_t>(hi))));
        std::string part = t.asString().substr(lo, hi - lo);
        return ok(k == ValueKind::kString ? Value::string(std::move(part)) : Value::byteArray(std::move(part)));
    }
    if (name == "contains") {
        if (!arity(1, f))
            return f;
        if (k == ValueKind::kSet)
            return ok(Value::boolean(contains(t.items(), args[0])));
        if (k == ValueKind::kMap)
            return ok(Value::boolean(contains(t.items(), args[0], 2)));
        return notDefined(name, t);
    }
    if (name == "get" || name == "getOrElse") {
        bool orElse = name == "getOrElse";
        if (!arity(orElse ? 2 : 1, f))
            return f;
        if (k != ValueKind::kMap)
            return notDefined(name, t);
        return ok(mapGet(t, args[0], orElse ? args[1] : Value()));
    }
    if (name == "set") {
        if (!arity(2, f))
            return f;
        if (k != ValueKind::kMap)
            return notDefined(name, t);
        return ok(withEntry(t, args[0], &args[1]));
    }
    if (name == "keys") {
        if (!arity(0, f))
            return f;
        if (k != ValueKind::kMap)
            return notDefined(name, t);
        std::vector<Value> keys;
        for (size_t i = 0; i < t.items().size(); i += 2)
            keys.push_back(t.items()[i]);
        return ok(Value::set(std::move(keys)));
    }
    if (name == "add") {
        if (!arity(1, f))
            return f;
        if (k != ValueKind::kSet)
            return notDefined(name, t);
        return ok(withEntry(t, args[0], nullptr));
    }
    if (name == "delete") {
        if (!arity(1, f))
            return f;
        if (k != ValueKind::kSet && k != ValueKind::kMap)
            return notDefined(name, t);
        return ok(withoutEntry(t, args[0], k == ValueKind::kMap ? 2 : 1));
    }
    if (name == "union" || name == "diff") {
        if (!arity(1, f))
            return f;
        if ((k != ValueKind::kSet && k != ValueKind::kMap) || args[0].kind() != k)
            return notDefined(name, t);
        size_t step = k == ValueKind::kMap ? 2 : 1;
        std::vector<Value> out;
        if (name == "union") {
            out.assign(t.items().begin(), t.items().end());
            out.insert(out.end(), args[0].items().begin(), args[0].items().end()); // right wins
        } else {
            for (size_t i = 0; i < t.items().size(); i += step) {
                if (contains(args[0].items(), t.items()[i], step))
                    continue;
                for (size_t j = 0; j < step; ++j)
                    out.push_back(t.items()[i + j]);
            }
        }
        return ok(k == ValueKind::kMap ? Value::map(std::move(out)) : Value::set(std::move(out)));
    }
    if (name == "toList") {
        if (!arity(0, f))
            return f;
        if (k == ValueKind::kList || k == ValueKind::kSet || k == ValueKind::kTuple)
            return ok(Value::list(std::vector<Value>(t.items().begin(), t.items().end())));
        if (k == ValueKind::kMap) {
            std::vector<Value> pairs;
            for (size_t i = 0; i < t.items().size(); i += 2)
                pairs.push_back(Value::tuple({t.items()[i], t.items()[i + 1]}));
            return ok(Value::list(std::move(pairs)));
        }
        return notDefined(name, t);
    }
    if (name == "toSet") {
        if (!arity(0, f))
            return f;
        if (k == ValueKind::kSet || k == ValueKind::kList)
            return ok(Value::set(std::vector<Value>(t.items().begin(), t.items().end())));
        if (k == ValueKind::kMap) {
            std::vector<Value> pairs;
            for (size_t i = 0; i < t.items().size(); i += 2)
                pairs.push_back(Value::tuple({t.items()[i], t.items()[i + 1]}));
            return ok(Value::set(std::move(pairs)));
        }
        return notDefined(name, t);
    }
    if (name == "toMap") {
        if (!arity(0, f))
            return f;
        if (k == ValueKind::kMap)
            return ok(t);
        if (k == ValueKind::kList || k == ValueKind::kSet) {
            std::vector<Value> pairs;
            for (const Value& e : t.items()) {
                if (e.kind() != ValueKind::kTuple || e.items().size() != 2)
                    return error("Error: Method `toMap` is not defined on types except List[(K,V)].");
                pairs.push_back(e.items()[0]);
                pairs.push_back(e.items()[1]);
            }
            return ok(Value::map(std::move(pairs)));
        }
        return error("Error: Method `toMap` is not defined on types except List[(K,V)].");
    }
    if (name == "hexToBytes") {
        if (!arity(0, f))
            return f;
        if (k != ValueKind::kString)
            return notDefined(name, t);
        std::string digits;
        for (char c : t.asString())
            if (hexDigit(c) >= 0)
                digits += c; // non-hex characters are ignored, as the reference does
        if (digits.size() % 2)
            digits.insert(digits.begin(), '0');
        std::string bytes;
        for (size_t i = 0; i < digits.size(); i += 2)
            bytes += static_cast<char>(hexDigit(digits[i]) * 16 + hexDigit(digits[i + 1]));
        return ok(Value::byteArray(std::move(bytes)));
    }
    if (name == "bytesToHex") {
        if (!arity(0, f))
            return f;
        if (k != ValueKind::kByteArray)
            return notDefined(name, t);
        return ok(Value::string(bytecode::print(t)));
    }
    if (name == "toUtf8Bytes") {
        if (!arity(0, f))
            return f;
        if (k != ValueKind::kString)
            return notDefined(name, t);
        return ok(Value::byteArray(t.asString()));
    }
    if (name == "toBigInt") {
        if (!arity(0, f))
            return f;
        if (k == ValueKind::kInt)
            return ok(Value::bigInt(std::to_string(t.asInt())));
        if (k == ValueKind::kBigInt)
            return ok(t);
        if (k == ValueKind::kString) {
            const std::string& s = t.asString();
            size_t digitsAt = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
            if (digitsAt == s.size() || s.find_first_not_of("0123456789", digitsAt) != std::string::npos)
                return error("Error: " + s + " cannot be converted to BigInt");
            return ok(Value::bigInt(s[0] == '+' ? s.substr(1) : s));
        }
        return notDefined(name, t);
    }
    if (name == "toInt") {
        if (!arity(0, f))
            return f;
        if (k == ValueKind::kInt)
            return ok(t);
        if (k == ValueKind::kBigInt || k == ValueKind::kString) {
            const std::string& s = t.asString();
            errno = 0;
            char* end = nullptr;
            long long v = std::strtoll(s.c_str(), &end, 10);
            if (s.empty() || *end != '\0' || errno == ERANGE)
                return error("Error: " + s + " cannot be converted to Int");
            return ok(Value::integer(v));
        }
        return notDefined(name, t);
    }
    if (name == "toByteArray")
        return error("Method `toByteArray` is not supported yet at run time");
    return error("Unimplemented method: " + name);
}

Outcome method(std::span<const Value> v) {
    // v[0]: the method name; v[1]: the target; the rest: the arguments.
    return call(v[0].asString(), v[1], v.subspan(2));
}

} // namespace

void addMethodHandlers(Registry& r) { r.add(Op::METHOD, method); }

} // namespace rho::primitives
