// File: collections.cpp
// Operators on strings and collections (RHOLANG.md 6.3): `++` concatenation and
// union, `--` set difference, `%%` interpolation, and `+` / `-` on sets and maps.

#include <string>
#include <vector>

#include "handlers.h"

namespace rho::primitives {

using bytecode::Op;
using bytecode::Value;
using bytecode::ValueKind;

namespace {


// The map [m] with [k] removed.
Value mapWithout(const Value& m, const Value& k) {
    std::vector<Value> pairs;
    auto items = m.items();
    for (size_t i = 0; i < items.size(); i += 2) {
        if (items[i] == k)
            continue;
        pairs.push_back(items[i]);
        pairs.push_back(items[i + 1]);
    }
    return Value::map(std::move(pairs));
}

Outcome concat(std::span<const Value> v) {
    const Value& a = v[0];
    const Value& b = v[1];
    if (a.kind() != b.kind())
        return fault(FaultCode::kOperatorType, Op::CONCAT, a.kind() == ValueKind::kInt ? b : a);
    switch (a.kind()) {
    case ValueKind::kString: return ok(Value::string(a.asString() + b.asString()));
    case ValueKind::kByteArray: return ok(Value::byteArray(a.asString() + b.asString()));
    case ValueKind::kList: {
        std::vector<Value> items(a.items().begin(), a.items().end());
        items.insert(items.end(), b.items().begin(), b.items().end());
        return ok(Value::list(std::move(items)));
    }
    case ValueKind::kSet: {
        std::vector<Value> items(a.items().begin(), a.items().end());
        items.insert(items.end(), b.items().begin(), b.items().end());
        return ok(Value::set(std::move(items)));
    }
    case ValueKind::kMap: { // union; the right side wins on equal keys
        std::vector<Value> pairs(a.items().begin(), a.items().end());
        pairs.insert(pairs.end(), b.items().begin(), b.items().end());
        return ok(Value::map(std::move(pairs)));
    }
    default: return fault(FaultCode::kOperatorType, Op::CONCAT, a);
    }
}

Outcome diff(std::span<const Value> v) {
    const Value& a = v[0];
    const Value& b = v[1];
    if (a.kind() != ValueKind::kSet || b.kind() != ValueKind::kSet)
        return fault(FaultCode::kOperatorType, Op::DIFF, a.kind() == ValueKind::kSet ? b : a);
    std::vector<Value> out;
    for (const Value& x : a.items()) {
        bool inB = false;
        for (const Value& y : b.items())
            inB = inB || x == y;
        if (!inB)
            out.push_back(x);
    }
    return ok(Value::set(std::move(out)));
}

// The text a value contributes to an interpolation, or false when its type cannot.
bool interpolationText(const Value& v, std::string& out) {
    switch (v.kind()) {
    case ValueKind::kString:
    case ValueKind::kUri: out = v.asString(); return true;
    case ValueKind::kInt: out = std::to_string(v.asInt()); return true;
    case ValueKind::kBigInt: out = v.asString(); return true;
    case ValueKind::kBool: out = v.asBool() ? "true" : "false"; return true;
    default: return false;
    }
}

// "${key}" is replaced by the map's value for "key"; unknown keys stay as written,
// and replaced text is not scanned again.
Outcome interpolate(std::span<const Value> v) {
    const Value& s = v[0];
    const Value& m = v[1];
    if (s.kind() != ValueKind::kString || m.kind() != ValueKind::kMap)
        return fault(FaultCode::kOperatorType, Op::INTERPOLATE, s.kind() == ValueKind::kString ? m : s);
    auto items = m.items();
    for (size_t i = 0; i < items.size(); i += 2) {
        if (items[i].kind() != ValueKind::kString)
            return fault(FaultCode::kInterpolationKey, Op::INTERPOLATE);
        std::string text;
        if (!interpolationText(items[i + 1], text))
            return fault(FaultCode::kInterpolationValue, Op::INTERPOLATE, items[i + 1]);
    }
    const std::string& in = s.asString();
    std::string out;
    size_t at = 0;
    while (at < in.size()) {
        size_t open = in.find("${", at);
        if (open == std::string::npos)
            break;
        size_t close = in.find('}', open + 2);
        if (close == std::string::npos)
            break;
        std::string key = in.substr(open + 2, close - open - 2);
        out.append(in, at, open - at);
        bool replaced = false;
        for (size_t i = 0; i < items.size() && !replaced; i += 2) {
            if (items[i].asString() == key) {
                std::string text;
                interpolationText(items[i + 1], text);
                out += text;
                replaced = true;
            }
        }
        if (!replaced)
            out.append(in, open, close - open + 1);
        at = close + 1;
    }
    out.append(in, at, std::string::npos);
    return ok(Value::string(std::move(out)));
}

// Set + x, Set - x, Map - k; anything else goes to the Int handlers registered before.
Handler gIntAdd = nullptr;
Handler gIntSub = nullptr;

Outcome add(std::span<const Value> v) {
    if (v[0].kind() == ValueKind::kSet) {
        std::vector<Value> items(v[0].items().begin(), v[0].items().end());
        items.push_back(v[1]);
        return ok(Value::set(std::move(items)));
    }
    return gIntAdd(v);
}

Outcome sub(std::span<const Value> v) {
    if (v[0].kind() == ValueKind::kSet) {
        std::vector<Value> items;
        for (const Value& x : v[0].items())
            if (!(x == v[1]))
                items.push_back(x);
        return ok(Value::set(std::move(items)));
    }
    if (v[0].kind() == ValueKind::kMap)
        return ok(mapWithout(v[0], v[1]));
    return gIntSub(v);
}

} // namespace

void addCollectionHandlers(Registry& r) {
    r.add(Op::CONCAT, concat);
    r.add(Op::DIFF, diff);
    r.add(Op::INTERPOLATE, interpolate);
    gIntAdd = r.find(Op::ADD);
    gIntSub = r.find(Op::SUB);
    r.add(Op::ADD, add);
    r.add(Op::SUB, sub);
}

} // namespace rho::primitives
