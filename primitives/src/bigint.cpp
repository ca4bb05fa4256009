// File: bigint.cpp
// BigInt arithmetic (dev-head Rholang): + - * / % and unary minus on arbitrary-
// precision integers, kept as canonical decimal strings (Value::bigInt) and computed
// with GMP (mpz): subquadratic multiplication and division instead of schoolbook
// digit loops (bench/rholang/bigint.rho: a 3,000-digit factorial). Division truncates
// toward zero and the remainder takes the dividend's sign (Java BigInteger
// divide/remainder: mpz's tdiv). Int and BigInt never mix.

#include <gmpxx.h>
#include <string>

#include "handlers.h"

namespace rho::primitives {

using bytecode::Op;
using bytecode::Value;
using bytecode::ValueKind;

namespace {

mpz_class toMpz(const Value& v) { return mpz_class(v.asString(), 10); }

Value fromMpz(const mpz_class& z) { return Value::bigInt(z.get_str(10)); }

// Decimal digits of |v| (its text, without a sign).
size_t digits(const Value& v) { return v.asString().size() - (v.asString()[0] == '-' ? 1 : 0); }

} // namespace

bool isBigInt(const Value& v) { return v.kind() == ValueKind::kBigInt; }

void bigIntBinary(Op op, const Value& a, const Value& b, Answer& out) {
    if (!isBigInt(b)) // Int and BigInt do not mix: the reference names the right operand
        return out.fail(FaultCode::kOperatorType, op, b);
    // A product has up to the sum of the operands' digits (and GMP's binary form
    // besides): refused before it is computed when it cannot fit.
    if (op == Op::MUL && !admitValue(out, op, 2 * (digits(a) + digits(b))))
        return;
    const mpz_class x = toMpz(a), y = toMpz(b);
    mpz_class r;
    switch (op) {
    case Op::ADD: r = x + y; break;
    case Op::SUB: r = x - y; break;
    case Op::MUL: r = x * y; break;
    case Op::DIV:
    case Op::MOD:
        if (y == 0)
            return out.fail(FaultCode::kDivByZero, op);
        if (op == Op::DIV)
            mpz_tdiv_q(r.get_mpz_t(), x.get_mpz_t(), y.get_mpz_t());
        else
            mpz_tdiv_r(r.get_mpz_t(), x.get_mpz_t(), y.get_mpz_t());
        break;
    default: return out.fail(FaultCode::kOperatorType, op, a);
    }
    out.ok(fromMpz(r));
}

Value bigIntNegate(const Value& a) { return fromMpz(-toMpz(a)); }

} // namespace rho::primitives
