// File: bigint.cpp
// BigInt arithmetic (dev-head Rholang): + - * / % and unary minus on arbitrary-
// precision integers, kept as canonical decimal strings (Value::bigInt). Schoolbook
// algorithms on base-10 digits: simple and exact; fast enough for the numbers
// programs write. Division truncates toward zero and the remainder takes the
// dividend's sign (Java BigInteger divide/remainder). Int and BigInt never mix.

#include <algorithm>
#include <string>

#include "handlers.h"

namespace rho::primitives {

using bytecode::Op;
using bytecode::Value;
using bytecode::ValueKind;

namespace {

// Magnitudes: decimal digit strings without sign or leading zeros ("0" for zero).
int compareMagnitude(const std::string& a, const std::string& b) {
    if (a.size() != b.size())
        return a.size() < b.size() ? -1 : 1;
    int c = a.compare(b);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string trim(std::string s) {
    size_t nz = s.find_first_not_of('0');
    return nz == std::string::npos ? "0" : s.substr(nz);
}

std::string addMagnitude(const std::string& a, const std::string& b) {
    std::string out;
    int carry = 0;
    for (size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
        int d = carry;
        if (i < a.size())
            d += a[a.size() - 1 - i] - '0';
        if (i < b.size())
            d += b[b.size() - 1 - i] - '0';
        out += static_cast<char>('0' + d % 10);
        carry = d / 10;
    }
    std::reverse(out.begin(), out.end());
    return trim(out);
}

// a - b for a >= b.
std::string subMagnitude(const std::string& a, const std::string& b) {
    std::string out;
    int borrow = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        int d = (a[a.size() - 1 - i] - '0') - borrow - (i < b.size() ? b[b.size() - 1 - i] - '0' : 0);
        borrow = d < 0 ? 1 : 0;
        out += static_cast<char>('0' + (d + 10) % 10);
    }
    std::reverse(out.begin(), out.end());
    return trim(out);
}

std::string mulMagnitude(const std::string& a, const std::string& b) {
    std::vector<int> acc(a.size() + b.size(), 0);
    for (size_t i = 0; i < a.size(); ++i)
        for (size_t j = 0; j < b.size(); ++j)
            acc[i + j + 1] += (a[i] - '0') * (b[j] - '0');
    for (size_t k = acc.size(); k-- > 1;) {
        acc[k - 1] += acc[k] / 10;
        acc[k] %= 10;
    }
    std::string out;
    for (int d : acc)
        out += static_cast<char>('0' + d);
    return trim(out);
}

// Long division of magnitudes: quotient and remainder (b != "0").
void divMagnitude(const std::string& a, const std::string& b, std::string& q, std::string& r) {
    q.clear();
    r = "0";
    for (char digit : a) {
        r = trim(r + digit);
        int n = 0;
        while (compareMagnitude(r, b) >= 0) {
            r = subMagnitude(r, b);
            ++n;
        }
        q += static_cast<char>('0' + n);
    }
    q = trim(q);
}

struct Big {
    bool negative = false;
    std::string mag;
};

Big split(const Value& v) {
    const std::string& s = v.asString();
    return s[0] == '-' ? Big{true, s.substr(1)} : Big{false, s};
}

Value join(bool negative, const std::string& mag) { return Value::bigInt((negative && mag != "0" ? "-" : "") + mag); }

Value addSigned(const Big& x, const Big& y) {
    if (x.negative == y.negative)
        return join(x.negative, addMagnitude(x.mag, y.mag));
    int c = compareMagnitude(x.mag, y.mag);
    if (c == 0)
        return Value::bigInt("0");
    return c > 0 ? join(x.negative, subMagnitude(x.mag, y.mag)) : join(y.negative, subMagnitude(y.mag, x.mag));
}

} // namespace

bool isBigInt(const Value& v) { return v.kind() == ValueKind::kBigInt; }

void bigIntBinary(Op op, const Value& a, const Value& b, Answer& out) {
    if (!isBigInt(b)) // Int and BigInt do not mix: the reference names the right operand
        return out.fail(FaultCode::kOperatorType, op, b);
    Big x = split(a), y = split(b);
    switch (op) {
    case Op::ADD: return out.ok(addSigned(x, y));
    case Op::SUB: return out.ok(addSigned(x, Big{!y.negative, y.mag}));
    case Op::MUL: return out.ok(join(x.negative != y.negative, mulMagnitude(x.mag, y.mag)));
    case Op::DIV:
    case Op::MOD: {
        if (y.mag == "0")
            return out.fail(FaultCode::kDivByZero, op);
        std::string q, r;
        divMagnitude(x.mag, y.mag, q, r);
        return out.ok(op == Op::DIV ? join(x.negative != y.negative, q) : join(x.negative, r));
    }
    default: return out.fail(FaultCode::kOperatorType, op, a);
    }
}

Value bigIntNegate(const Value& a) {
    Big x = split(a);
    return join(!x.negative, x.mag);
}

} // namespace rho::primitives
