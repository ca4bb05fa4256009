// File: collections.cpp
// Operators on strings and collections (RHOLANG.md 6.3): `++` concatenation and
// union, `--` set difference, `%%` interpolation.

#include <string>
#include <vector>

#include "handlers.h"
#include "rho/primitives/memory_limit.h"

namespace rho::primitives {

using bytecode::Op;
using bytecode::Value;
using bytecode::ValueKind;

namespace {

void concat(std::span<const Value> v, Answer& out) {
    const Value& a = v[0];
    const Value& b = v[1];
    if (a.kind() != b.kind()) {
        // As the reference's EPlusPlus: a String, List, Map or Set on the left names
        // the right operand's type; any other left operand names its own.
        const ValueKind k = a.kind();
        const bool appendable =
            k == ValueKind::kString || k == ValueKind::kList || k == ValueKind::kMap || k == ValueKind::kSet;
        return out.fail(FaultCode::kOperatorType, Op::CONCAT, appendable ? b : a);
    }
    // The size of the result, before it is allocated (memory_limit.h).
    const size_t bytes = a.kind() == ValueKind::kString || a.kind() == ValueKind::kByteArray
                             ? a.asString().size() + b.asString().size()
                         : a.kind() == ValueKind::kList || a.kind() == ValueKind::kSet || a.kind() == ValueKind::kMap
                             ? (a.items().size() + b.items().size()) * sizeof(Value)
                             : 0;
    if (!admitValue(out, Op::CONCAT, bytes))
        return;
    switch (a.kind()) {
    case ValueKind::kString: return out.ok(Value::string(a.asString() + b.asString()));
    case ValueKind::kByteArray: return out.ok(Value::byteArray(a.asString() + b.asString()));
    case ValueKind::kList: {
        std::vector<Value> items;
        items.reserve(a.items().size() + b.items().size()); // no regrowth: the limit counted this much
        items.insert(items.end(), a.items().begin(), a.items().end());
        items.insert(items.end(), b.items().begin(), b.items().end());
        return out.ok(Value::list(std::move(items)));
    }
    case ValueKind::kSet: {
        std::vector<Value> items;
        items.reserve(a.items().size() + b.items().size());
        items.insert(items.end(), a.items().begin(), a.items().end());
        items.insert(items.end(), b.items().begin(), b.items().end());
        return out.ok(Value::set(std::move(items)));
    }
    case ValueKind::kMap: { // union; the right side wins on equal keys
        std::vector<Value> pairs;
        pairs.reserve(a.items().size() + b.items().size());
        pairs.insert(pairs.end(), a.items().begin(), a.items().end());
        pairs.insert(pairs.end(), b.items().begin(), b.items().end());
        return out.ok(Value::map(std::move(pairs)));
    }
    default: return out.fail(FaultCode::kOperatorType, Op::CONCAT, a);
    }
}

void diff(std::span<const Value> v, Answer& out) {
    const Value& a = v[0];
    const Value& b = v[1];
    if (a.kind() != ValueKind::kSet || b.kind() != ValueKind::kSet)
        return out.fail(FaultCode::kOperatorType, Op::DIFF, a.kind() == ValueKind::kSet ? b : a);
    std::vector<Value> rest;
    for (const Value& x : a.items()) {
        bool inB = false;
        for (const Value& y : b.items())
            inB = inB || x == y;
        if (!inB)
            rest.push_back(x);
    }
    out.ok(Value::set(std::move(rest)));
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
void interpolate(std::span<const Value> v, Answer& out) {
    const Value& s = v[0];
    const Value& m = v[1];
    if (s.kind() != ValueKind::kString || m.kind() != ValueKind::kMap)
        return out.fail(FaultCode::kOperatorType, Op::INTERPOLATE, s.kind() == ValueKind::kString ? m : s);
    auto items = m.items();
    std::vector<std::string> pieces(items.size() / 2); // the text of each value
    for (size_t i = 0; i < items.size(); i += 2) {
        if (items[i].kind() != ValueKind::kString)
            return out.fail(FaultCode::kInterpolationKey, Op::INTERPOLATE);
        if (!interpolationText(items[i + 1], pieces[i / 2]))
            return out.fail(FaultCode::kInterpolationValue, Op::INTERPOLATE, items[i + 1]);
    }
    const std::string& in = s.asString();
    // The result's size first (a template naming a long value many times multiplies
    // it), so the memory limit refuses it before it is built.
    auto pieceOf = [&](std::string_view key) -> const std::string* {
        for (size_t i = 0; i < items.size(); i += 2)
            if (items[i].asString() == key)
                return &pieces[i / 2];
        return nullptr;
    };
    size_t bytes = in.size();
    for (size_t at = 0;;) {
        size_t open = in.find("${", at);
        size_t close = open == std::string::npos ? open : in.find('}', open + 2);
        if (close == std::string::npos)
            break;
        if (const std::string* piece = pieceOf(std::string_view(in).substr(open + 2, close - open - 2)))
            bytes += piece->size();
        at = close + 1;
    }
    if (!admitValue(out, Op::INTERPOLATE, bytes))
        return;
    std::string text;
    text.reserve(bytes);
    size_t at = 0;
    while (at < in.size()) {
        size_t open = in.find("${", at);
        if (open == std::string::npos)
            break;
        size_t close = in.find('}', open + 2);
        if (close == std::string::npos)
            break;
        text.append(in, at, open - at);
        if (const std::string* piece = pieceOf(std::string_view(in).substr(open + 2, close - open - 2)))
            text += *piece;
        else
            text.append(in, open, close - open + 1);
        at = close + 1;
    }
    text.append(in, at, std::string::npos);
    out.ok(Value::string(std::move(text)));
}

} // namespace

void addCollectionHandlers(Registry& r) {
    r.addOperator(Op::CONCAT, concat);
    r.addOperator(Op::DIFF, diff);
    r.addOperator(Op::INTERPOLATE, interpolate);
}

} // namespace rho::primitives
