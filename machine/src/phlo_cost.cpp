// File: phlo_cost.cpp
// The reference's charges for matches, operators and methods (phlo_cost.h).

#include "phlo_cost.h"

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

void chargeMethod(PhloMeter& meter, const std::string& name, const ValueStack& stack, uint32_t n) {
    const Value& target = stack[stack.size() - n];
    const Value* arg0 = n > 1 ? &stack[stack.size() - n + 1] : nullptr;
    const Value* last = n > 1 ? &stack[stack.size() - 1] : nullptr;
    int64_t cost = kMethodCall;
    if (name == "nth" || name == "keys" || name == "length")
        cost += 10;
    else if (name == "toByteArray") // the target substituted (its size), then serialized (its size)
        cost += 2 * primitives::termSize(target);
    else if (name == "toInt")
        cost += target.kind() == ValueKind::kBigInt ? bigIntSize(target) : textLength(target);
    else if (name == "toBigInt")
        cost += target.kind() == ValueKind::kInt ? 8 : textLength(target);
    else if (name == "hexToBytes" || name == "toUtf8Bytes")
        cost += textLength(target);
    else if (name == "bytesToHex")
        cost += target.kind() == ValueKind::kByteArray ? static_cast<int64_t>(target.asString().size()) : 0;
    else if (name == "union")
        cost += kAdd * (arg0 ? itemCount(*arg0) : 0);
    else if (name == "diff")
        cost += kRemove * (arg0 ? itemCount(*arg0) : 0);
    else if (name == "add" || name == "set")
        cost += kAdd;
    else if (name == "delete")
        cost += kRemove;
    else if (name == "contains" || name == "get" || name == "getOrElse")
        cost += kLookup;
    else if (name == "size")
        cost += itemCount(target);
    else if (name == "slice" || name == "take")
        cost += last ? intArgument(*last) : 0;
    else if (name == "toList")
        cost += itemCount(target);
    meter.charge(cost);
}

} // namespace rho::machine
