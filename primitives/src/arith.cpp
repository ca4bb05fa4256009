// File: arith.cpp
// Arithmetic, comparison and logic handlers (RHOLANG.md 6.3): 64-bit Ints wrap on
// overflow, `/` truncates toward zero, `%` takes the dividend's sign, and
// INT64_MIN / -1 is INT64_MIN without trapping (as on the JVM). Overflow is computed
// with __builtin_*_overflow, never left to undefined behaviour.

#include <cstdint>

#include "handlers.h"
#include "rho/primitives/registry.h"

namespace rho::primitives {

using bytecode::Op;
using bytecode::Value;
using bytecode::ValueKind;

namespace {

// An operand must be a single expression: not a par of several parts, not a process.
bool checkOperand(const Value& v, Op op, Outcome& out) {
    if (v.kind() == ValueKind::kPar) {
        out = fault(FaultCode::kMultipleExpressions, op);
        return false;
    }
    if (v.kind() == ValueKind::kProc) {
        out = fault(FaultCode::kNonExpression, op);
        return false;
    }
    return true;
}

// The type the reference names in "Operator `op` is not defined on T": the right
// operand's when the left one is an Int, otherwise the left one's.
Outcome typeFault(Op op, const Value& a, const Value& b) {
    return fault(FaultCode::kOperatorType, op, a.kind() == ValueKind::kInt ? b : a);
}

template <Op kOp>
Outcome intBinary(std::span<const Value> v) {
    Outcome bad;
    if (!checkOperand(v[0], kOp, bad) || !checkOperand(v[1], kOp, bad))
        return bad;
    if (isBigInt(v[0]))
        return bigIntBinary(kOp, v[0], v[1]);
    if (v[0].kind() != ValueKind::kInt || v[1].kind() != ValueKind::kInt)
        return typeFault(kOp, v[0], v[1]);
    int64_t a = v[0].asInt(), b = v[1].asInt(), r = 0;
    switch (kOp) {
    case Op::ADD: __builtin_add_overflow(a, b, &r); break;
    case Op::SUB: __builtin_sub_overflow(a, b, &r); break;
    case Op::MUL: __builtin_mul_overflow(a, b, &r); break;
    case Op::DIV:
        if (b == 0)
            return fault(FaultCode::kDivByZero, kOp);
        r = (b == -1) ? static_cast<int64_t>(0 - static_cast<uint64_t>(a)) : a / b;
        break;
    case Op::MOD:
        if (b == 0)
            return fault(FaultCode::kDivByZero, kOp);
        r = (b == -1) ? 0 : a % b;
        break;
    default: break;
    }
    return ok(Value::integer(r));
}

Outcome neg(std::span<const Value> v) {
    Outcome bad;
    if (!checkOperand(v[0], Op::NEG, bad))
        return bad;
    if (isBigInt(v[0]))
        return ok(bigIntNegate(v[0]));
    if (v[0].kind() != ValueKind::kInt)
        return fault(FaultCode::kOperatorType, Op::NEG, v[0]);
    return ok(Value::integer(static_cast<int64_t>(0 - static_cast<uint64_t>(v[0].asInt()))));
}

Outcome notOp(std::span<const Value> v) {
    if (v[0].kind() != ValueKind::kBool)
        return fault(FaultCode::kNotBoolean, Op::NOT);
    return ok(Value::boolean(!v[0].asBool()));
}

template <Op kOp>
Outcome logic(std::span<const Value> v) {
    if (v[0].kind() != ValueKind::kBool || v[1].kind() != ValueKind::kBool)
        return fault(FaultCode::kNotBoolean, kOp);
    bool r = kOp == Op::AND ? (v[0].asBool() && v[1].asBool()) : (v[0].asBool() || v[1].asBool());
    return ok(Value::boolean(r));
}

template <bool kEqual>
Outcome equality(std::span<const Value> v) {
    return ok(Value::boolean((v[0] == v[1]) == kEqual));
}

template <Op kOp>
Outcome ordering(std::span<const Value> v) {
    const Value& a = v[0];
    const Value& b = v[1];
    Outcome bad;
    if (!checkOperand(a, kOp, bad) || !checkOperand(b, kOp, bad))
        return bad;
    int c;
    if (a.kind() != b.kind())
        return fault(FaultCode::kCompareMixed, kOp, a, b);
    switch (a.kind()) {
    case ValueKind::kInt: c = a.asInt() < b.asInt() ? -1 : (a.asInt() > b.asInt() ? 1 : 0); break;
    case ValueKind::kBigInt: c = compare(a, b); break; // numeric order (value.h)
    case ValueKind::kString: c = a.asString().compare(b.asString()); break;
    case ValueKind::kBool: c = static_cast<int>(a.asBool()) - static_cast<int>(b.asBool()); break; // false < true
    default: return fault(FaultCode::kCompareMixed, kOp, a, b);
    }
    bool r = false;
    switch (kOp) {
    case Op::LT: r = c < 0; break;
    case Op::LE: r = c <= 0; break;
    case Op::GT: r = c > 0; break;
    case Op::GE: r = c >= 0; break;
    default: break;
    }
    return ok(Value::boolean(r));
}

Registry makeStandard() {
    Registry r;
    r.add(Op::NEG, neg);
    r.add(Op::NOT, notOp);
    r.add(Op::ADD, intBinary<Op::ADD>);
    r.add(Op::SUB, intBinary<Op::SUB>);
    r.add(Op::MUL, intBinary<Op::MUL>);
    r.add(Op::DIV, intBinary<Op::DIV>);
    r.add(Op::MOD, intBinary<Op::MOD>);
    r.add(Op::EQ, equality<true>);
    r.add(Op::NEQ, equality<false>);
    r.add(Op::LT, ordering<Op::LT>);
    r.add(Op::LE, ordering<Op::LE>);
    r.add(Op::GT, ordering<Op::GT>);
    r.add(Op::GE, ordering<Op::GE>);
    r.add(Op::AND, logic<Op::AND>);
    r.add(Op::OR, logic<Op::OR>);
    addCollectionHandlers(r);
    addMethodHandlers(r);
    return r;
}

} // namespace

const Registry& Registry::standard() {
    static const Registry kStandard = makeStandard();
    return kStandard;
}

int primitiveArity(Op op) {
    switch (op) {
    case Op::NEG:
    case Op::NOT: return 1;
    case Op::ADD: case Op::SUB: case Op::MUL: case Op::DIV: case Op::MOD: case Op::EQ: case Op::NEQ: case Op::LT:
    case Op::LE: case Op::GT: case Op::GE: case Op::AND: case Op::OR: case Op::CONCAT: case Op::DIFF:
    case Op::INTERPOLATE:
        return 2;
    default: return 0;
    }
}

} // namespace rho::primitives
