// File: phlo_cost.cpp
// The reference's charges for matches, operators and methods (phlo_cost.h).

#include "phlo_cost.h"

#include "absl/container/flat_hash_map.h"
#include "rho/bytecode/symbol.h"
#include "rho/primitives/term_size.h"

#include <algorithm>
#include <cmath>

namespace rho::machine {

using bytecode::Op;
using bytecode::Value;
using bytecode::ValueKind;

namespace {

constexpr int64_t kBoolPattern = 4; // the Par of `true` or `false`: Expr{g_bool} in exprs
constexpr int64_t kSum = 3, kSubtraction = 3, kComparison = 3;
constexpr int64_t kMultiplication = 9, kDivision = 9, kModulo = 9;
constexpr int64_t kBooleanAnd = 2, kBooleanOr = 2;
constexpr int64_t kOpCall = 10, kMethodCall = 10;
constexpr int64_t kLookup = 3, kRemove = 3, kAdd = 3;

// bigIntSize: bitLength / 8 + 1, from the decimal digits the value keeps.
int64_t bigIntSize(const Value& v) {
    const std::string& s = v.asString();
    const size_t digits = s.size() - (!s.empty() && s[0] == '-' ? 1 : 0);
    const auto bits = static_cast<int64_t>(std::ceil(static_cast<double>(digits) * 3.321928094887362));
    return bits / 8 + 1;
}

int64_t textLength(const Value& v) {
    return v.kind() == ValueKind::kString ? static_cast<int64_t>(v.asString().size()) : 0;
}

int64_t itemCount(const Value& v) {
    switch (v.kind()) {
    case ValueKind::kList:
    case ValueKind::kTuple:
    case ValueKind::kSet:
        return static_cast<int64_t>(v.items().size());
    case ValueKind::kMap:
        return static_cast<int64_t>(v.items().size() / 2);
    default:
        return 0;
    }
}

int64_t intArgument(const Value& v) {
    return v.kind() == ValueKind::kInt ? std::max<int64_t>(0, v.asInt()) : 0;
}

} // namespace

void chargeIf(PhloMeter& meter, const Value& condition) {
    const bool first = condition.kind() == ValueKind::kBool && condition.asBool();
    meter.charge(kMatchEval + primitives::termSize(condition) + kBoolPattern + (first ? 0 : kBoolPattern));
}

void chargeOperator(PhloMeter& meter, Op op, const ValueStack& stack, uint32_t n) {
    const Value& lhs = stack[stack.size() - n];
    const Value& rhs = stack[stack.size() - 1];
    const bool ints = lhs.kind() == ValueKind::kInt && rhs.kind() == ValueKind::kInt;
    const bool bigs = lhs.kind() == ValueKind::kBigInt && rhs.kind() == ValueKind::kBigInt;
    int64_t cost = 0;
    switch (op) {
    case Op::NEG:
        cost = lhs.kind() == ValueKind::kBigInt ? bigIntSize(lhs) : 0;
        break;
    case Op::NOT:
        break;
    case Op::ADD:
        cost = ints ? kSum : bigs ? std::max(bigIntSize(lhs), bigIntSize(rhs)) + 1 : kOpCall + kAdd;
        break;
    case Op::SUB:
        cost = ints   ? kSubtraction
               : bigs ? std::max(bigIntSize(lhs), bigIntSize(rhs)) + 1
                      : kOpCall + kRemove;
        break;
    case Op::MUL:
        cost = bigs ? bigIntSize(lhs) * bigIntSize(rhs) : kMultiplication;
        break;
    case Op::DIV:
        cost = bigs ? bigIntSize(lhs) * bigIntSize(rhs) : kDivision;
        break;
    case Op::MOD:
        cost = bigs ? bigIntSize(lhs) * bigIntSize(rhs) : kModulo;
        break;
    case Op::LT:
    case Op::LE:
    case Op::GT:
    case Op::GE:
        cost = bigs ? std::min(bigIntSize(lhs), bigIntSize(rhs)) : kComparison;
        break;
    case Op::EQ:
    case Op::NEQ: { // both sides substituted, then compared: the smaller size
        const int64_t a = primitives::termSize(lhs), b = primitives::termSize(rhs);
        cost = a + b + std::min(a, b);
        break;
    }
    case Op::AND:
        cost = kBooleanAnd;
        break;
    case Op::OR:
        cost = kBooleanOr;
        break;
    case Op::CONCAT:
        if (lhs.kind() == ValueKind::kString)
            cost = kOpCall + textLength(lhs) + textLength(rhs);
        else if (lhs.kind() == ValueKind::kByteArray)
            cost = kOpCall + static_cast<int64_t>(
                                 std::log10(std::max<double>(1, static_cast<double>(lhs.asString().size()))));
        else
            cost = kOpCall + itemCount(rhs);
        break;
    case Op::DIFF:
        cost = kOpCall + kRemove * itemCount(rhs);
        break;
    case Op::INTERPOLATE:
        cost = kOpCall + textLength(lhs) * itemCount(rhs);
        break;
    default:
        break;
    }
    meter.charge(cost);
}

namespace {

// What a method's charge depends on, beyond METHOD_CALL_COST.
enum class MethodCost : uint8_t {
    kFlat10,      // nth, keys, length
    kToByteArray, // the target substituted, then serialized: its size twice
    kToInt,
    kToBigInt,
    kTextLength,
    kBytesLength,
    kUnion,
    kDiff,
    kAddition,
    kRemoval,
    kLookupKey,
    kSize,
    kSliceOrTake,
    kToList,
    kNone,
};

// Method symbols (interned once, as the machine finds handlers) to their cost kind.
MethodCost methodCost(uint32_t symbol) {
    static const absl::flat_hash_map<uint32_t, MethodCost> kTable = [] {
        absl::flat_hash_map<uint32_t, MethodCost> t;
        const std::pair<const char*, MethodCost> kinds[] = {
            {"nth", MethodCost::kFlat10},
            {"keys", MethodCost::kFlat10},
            {"length", MethodCost::kFlat10},
            {"toByteArray", MethodCost::kToByteArray},
            {"toInt", MethodCost::kToInt},
            {"toBigInt", MethodCost::kToBigInt},
            {"hexToBytes", MethodCost::kTextLength},
            {"toUtf8Bytes", MethodCost::kTextLength},
            {"bytesToHex", MethodCost::kBytesLength},
            {"union", MethodCost::kUnion},
            {"diff", MethodCost::kDiff},
            {"add", MethodCost::kAddition},
            {"set", MethodCost::kAddition},
            {"delete", MethodCost::kRemoval},
            {"contains", MethodCost::kLookupKey},
            {"get", MethodCost::kLookupKey},
            {"getOrElse", MethodCost::kLookupKey},
            {"size", MethodCost::kSize},
            {"slice", MethodCost::kSliceOrTake},
            {"take", MethodCost::kSliceOrTake},
            {"toList", MethodCost::kToList},
        };
        for (const auto& [name, kind] : kinds)
            t.emplace(bytecode::internSymbol(name), kind);
        return t;
    }();
    auto it = kTable.find(symbol);
    return it == kTable.end() ? MethodCost::kNone : it->second;
}

} // namespace

void chargeMethod(PhloMeter& meter, uint32_t symbol, const ValueStack& stack, uint32_t n) {
    const Value& target = stack[stack.size() - n];
    const Value* arg0 = n > 1 ? &stack[stack.size() - n + 1] : nullptr;
    const Value* last = n > 1 ? &stack[stack.size() - 1] : nullptr;
    int64_t cost = kMethodCall;
    switch (methodCost(symbol)) {
    case MethodCost::kFlat10:
        cost += 10;
        break;
    case MethodCost::kToByteArray:
        cost += 2 * primitives::termSize(target);
        break;
    case MethodCost::kToInt:
        cost += target.kind() == ValueKind::kBigInt ? bigIntSize(target) : textLength(target);
        break;
    case MethodCost::kToBigInt:
        cost += target.kind() == ValueKind::kInt ? 8 : textLength(target);
        break;
    case MethodCost::kTextLength:
        cost += textLength(target);
        break;
    case MethodCost::kBytesLength:
        cost += target.kind() == ValueKind::kByteArray ? static_cast<int64_t>(target.asString().size()) : 0;
        break;
    case MethodCost::kUnion:
        cost += kAdd * (arg0 ? itemCount(*arg0) : 0);
        break;
    case MethodCost::kDiff:
        cost += kRemove * (arg0 ? itemCount(*arg0) : 0);
        break;
    case MethodCost::kAddition:
        cost += kAdd;
        break;
    case MethodCost::kRemoval:
        cost += kRemove;
        break;
    case MethodCost::kLookupKey:
        cost += kLookup;
        break;
    case MethodCost::kSize:
    case MethodCost::kToList:
        cost += itemCount(target);
        break;
    case MethodCost::kSliceOrTake:
        cost += last ? intArgument(*last) : 0;
        break;
    case MethodCost::kNone:
        break;
    }
    meter.charge(cost);
}

} // namespace rho::machine
