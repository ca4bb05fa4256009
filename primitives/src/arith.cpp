// File: arith.cpp
// Arithmetic, comparison and logic handlers (RHOLANG.md 6.3): 64-bit Ints wrap on
// overflow, `/` truncates toward zero, `%` takes the dividend's sign, and
// INT64_MIN / -1 is INT64_MIN without trapping (as on the JVM). Overflow is computed
// with __builtin_*_overflow, never left to undefined behaviour. `+` and `-` also add
// to and remove from sets, and `-` removes a key from a map.

#include <cstdint>
#include <vector>

#include "handlers.h"

namespace rho::primitives {

using bytecode::Op;
using bytecode::Value;
using bytecode::ValueKind;

namespace {

// The type the reference names in "Operator `op` is not defined on T": the right
// operand's when the left one is an Int, otherwise the left one's.
void typeFault(Op op, const Value& a, const Value& b, Answer& out) {
    out.fail(FaultCode::kOperatorType, op, a.kind() == ValueKind::kInt ? b : a);
}

// Set + x, Set - x, Map - k: true when [v] was such an operation (answered in [out]).
bool collectionArithmetic(Op op, std::span<const Value> v, Answer& out) {
    ValueKind k = v[0].kind();
    if (k == ValueKind::kSet) {
        std::vector<Value> items;
        items.reserve(v[0].items().size() + 1);
        for (const Value& x : v[0].items())
            if (op == Op::ADD || !(x == v[1]))
                items.push_back(x);
        if (op == Op::ADD)
            items.push_back(v[1]);
        out.ok(Value::set(std::move(items)));
        return true;
    }
    if (k == ValueKind::kMap && op == Op::SUB) {
        std::vector<Value> pairs;
        auto items = v[0].items();
        for (size_t i = 0; i < items.size(); i += 2) {
            if (items[i] == v[1])
                continue;
            pairs.push_back(items[i]);
            pairs.push_back(items[i + 1]);
        }
        out.ok(Value::map(std::move(pairs)));
        return true;
    }
    return false;
}

template <Op kOp>
void intBinary(std::span<const Value> v, Answer& out) {
    if (v[0].kind() == ValueKind::kInt && v[1].kind() == ValueKind::kInt) [[likely]] {
        int64_t a = v[0].asInt(), b = v[1].asInt(), r = 0;
        switch (kOp) {
        case Op::ADD: __builtin_add_overflow(a, b, &r); break;
        case Op::SUB: __builtin_sub_overflow(a, b, &r); break;
        case Op::MUL: __builtin_mul_overflow(a, b, &r); break;
        case Op::DIV:
            if (b == 0)
                return out.fail(FaultCode::kDivByZero, kOp);
            r = (b == -1) ? static_cast<int64_t>(0 - static_cast<uint64_t>(a)) : a / b;
            break;
        case Op::MOD:
            if (b == 0)
                return out.fail(FaultCode::kDivByZero, kOp);
            r = (b == -1) ? 0 : a % b;
            break;
        default: break;
        }
        return out.ok(Value::integer(r));
    }
    if ((kOp == Op::ADD || kOp == Op::SUB) && collectionArithmetic(kOp, v, out))
        return;
    if (!checkOperand(v[0], kOp, out) || !checkOperand(v[1], kOp, out))
        return;
    if (isBigInt(v[0]))
        return bigIntBinary(kOp, v[0], v[1], out);
    typeFault(kOp, v[0], v[1], out);
}

void neg(std::span<const Value> v, Answer& out) {
    if (!checkOperand(v[0], Op::NEG, out))
        return;
    if (isBigInt(v[0]))
        return out.ok(bigIntNegate(v[0]));
    if (v[0].kind() != ValueKind::kInt)
        return out.fail(FaultCode::kOperatorType, Op::NEG, v[0]);
    out.ok(Value::integer(static_cast<int64_t>(0 - static_cast<uint64_t>(v[0].asInt()))));
}

void notOp(std::span<const Value> v, Answer& out) {
    if (v[0].kind() != ValueKind::kBool)
        return out.fail(FaultCode::kNotBoolean, Op::NOT);
    out.ok(Value::boolean(!v[0].asBool()));
}

template <Op kOp>
void logic(std::span<const Value> v, Answer& out) {
    if (v[0].kind() != ValueKind::kBool || v[1].kind() != ValueKind::kBool)
        return out.fail(FaultCode::kNotBoolean, kOp);
    bool r = kOp == Op::AND ? (v[0].asBool() && v[1].asBool()) : (v[0].asBool() || v[1].asBool());
    out.ok(Value::boolean(r));
}

template <bool kEqual>
void equality(std::span<const Value> v, Answer& out) {
    out.ok(Value::boolean((v[0] == v[1]) == kEqual));
}

template <Op kOp>
void ordering(std::span<const Value> v, Answer& out) {
    const Value& a = v[0];
    const Value& b = v[1];
    int c = 0;
    if (a.kind() == ValueKind::kInt && b.kind() == ValueKind::kInt) [[likely]] {
        c = a.asInt() < b.asInt() ? -1 : (a.asInt() > b.asInt() ? 1 : 0);
    } else {
        if (!checkOperand(a, kOp, out) || !checkOperand(b, kOp, out))
            return;
        if (a.kind() != b.kind())
            return out.fail(FaultCode::kCompareMixed, kOp, a, b);
        switch (a.kind()) {
        case ValueKind::kBigInt: c = compare(a, b); break; // numeric order (value.h)
        case ValueKind::kString: c = a.asString().compare(b.asString()); break;
        case ValueKind::kBool: c = static_cast<int>(a.asBool()) - static_cast<int>(b.asBool()); break; // false < true
        default: return out.fail(FaultCode::kCompareMixed, kOp, a, b);
        }
    }
    bool r = false;
    switch (kOp) {
    case Op::LT: r = c < 0; break;
    case Op::LE: r = c <= 0; break;
    case Op::GT: r = c > 0; break;
    case Op::GE: r = c >= 0; break;
    default: break;
    }
    out.ok(Value::boolean(r));
}

} // namespace

bool checkOperand(const Value& v, Op op, Answer& out) {
    if (v.kind() == ValueKind::kPar) {
        out.fail(FaultCode::kMultipleExpressions, op);
        return false;
    }
    if (v.kind() == ValueKind::kProc) {
        out.fail(FaultCode::kNonExpression, op);
        return false;
    }
    return true;
}

namespace {

// The handler of operator [kOp], chosen by its primitive class in opcodes.def.
template <Op kOp, bytecode::PrimitiveClass kClass>
void addByClass(Registry& r) {
    using bytecode::PrimitiveClass;
    if constexpr (kClass == PrimitiveClass::kUnary)
        r.addOperator(kOp, kOp == Op::NEG ? neg : notOp);
    else if constexpr (kClass == PrimitiveClass::kArithmetic)
        r.addOperator(kOp, intBinary<kOp>);
    else if constexpr (kClass == PrimitiveClass::kEquality)
        r.addOperator(kOp, equality<kOp == Op::EQ>);
    else if constexpr (kClass == PrimitiveClass::kOrder)
        r.addOperator(kOp, ordering<kOp>);
    else if constexpr (kClass == PrimitiveClass::kLogic)
        r.addOperator(kOp, logic<kOp>);
}

} // namespace

void addArithmeticHandlers(Registry& r) {
#define RHO_OP(name, fmt, pops, pushes, flow, prim, symbol, effect) addByClass<Op::name, bytecode::PrimitiveClass::prim>(r);
#include "rho/bytecode/opcodes.def"
#undef RHO_OP
}

} // namespace rho::primitives
