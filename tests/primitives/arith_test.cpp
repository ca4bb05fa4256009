// Primitive handlers, served by the primitive processor from a private channel:
// wrapping Int arithmetic agrees with __builtin_*_overflow, JVM division rules, and
// the reference's error wording.

#include <catch2/catch.hpp>
#include <climits>
#include <string>

#include "processor_fixture.h"

using rho::bytecode::Op;
using rho::bytecode::Value;
using rho::primitives::FaultCode;
using rho::primitives::Registry;

namespace {

// [op] on [a] and [b], as a request to the primitive processor on a private channel.
rho::primitives::Answer apply(Op op, Value a, Value b) {
    static rho::primitives::test::ProcessorFixture fixture;
    return fixture.request(Registry::standard().operatorId(op), {std::move(a), std::move(b)});
}

int64_t intOf(Op op, int64_t a, int64_t b) {
    auto o = apply(op, Value::integer(a), Value::integer(b));
    REQUIRE(!o.failed());
    return o.value.asInt();
}

} // namespace

TEST_CASE("Int + - * wrap like two's complement", "[primitives][property]") {
    int64_t a = GENERATE(take(100, random(INT64_MIN, INT64_MAX)));
    int64_t b = GENERATE(take(5, random(INT64_MIN, INT64_MAX)));
    int64_t expect;
    __builtin_add_overflow(a, b, &expect);
    CHECK(intOf(Op::ADD, a, b) == expect);
    __builtin_sub_overflow(a, b, &expect);
    CHECK(intOf(Op::SUB, a, b) == expect);
    __builtin_mul_overflow(a, b, &expect);
    CHECK(intOf(Op::MUL, a, b) == expect);
}

TEST_CASE("division truncates, remainder takes the dividend's sign", "[primitives]") {
    CHECK(intOf(Op::DIV, -7, 2) == -3);
    CHECK(intOf(Op::MOD, -7, 2) == -1);
    CHECK(intOf(Op::MOD, 7, -2) == 1);
    CHECK(intOf(Op::DIV, INT64_MIN, -1) == INT64_MIN);
    CHECK(intOf(Op::MOD, INT64_MIN, -1) == 0);
    CHECK(apply(Op::DIV, Value::integer(1), Value::integer(0)).fault.code == FaultCode::kDivByZero);
    CHECK(apply(Op::MOD, Value::integer(1), Value::integer(0)).fault.code == FaultCode::kDivByZero);
}

TEST_CASE("operator errors use the reference wording", "[primitives][errors]") {
    auto o = apply(Op::ADD, Value::integer(1), Value::string("a"));
    CHECK(rho::primitives::describe(o.fault) == "Error: Operator `+` is not defined on String.");
    o = apply(Op::LT, Value::integer(1), Value::string("a"));
    CHECK(rho::primitives::describe(o.fault) == "Unexpected compare: 1 vs. \"a\"");
    o = apply(Op::AND, Value::integer(1), Value::boolean(true));
    CHECK(rho::primitives::describe(o.fault) == "Error: expression didn't evaluate to boolean.");
    o = apply(Op::ADD, Value::par({Value::integer(1), Value::integer(2)}), Value::integer(1));
    CHECK(rho::primitives::describe(o.fault) == "Error: Multiple expressions given.");
}

TEST_CASE("comparisons on Ints, Strings and Bools", "[primitives]") {
    CHECK(apply(Op::LT, Value::string("ab"), Value::string("b")).value.asBool());
    CHECK(apply(Op::LT, Value::boolean(false), Value::boolean(true)).value.asBool());
    CHECK(!apply(Op::GE, Value::integer(-1), Value::integer(0)).value.asBool());
    CHECK(apply(Op::EQ, Value::list({Value::integer(1)}), Value::list({Value::integer(1)})).value.asBool());
    CHECK(!apply(Op::EQ, Value::integer(1), Value::string("1")).value.asBool());
}

namespace {

std::string decimal(__int128 v) {
    if (v == 0)
        return "0";
    bool negative = v < 0;
    unsigned __int128 m = negative ? static_cast<unsigned __int128>(-(v + 1)) + 1 : static_cast<unsigned __int128>(v);
    std::string s;
    while (m) {
        s += static_cast<char>('0' + static_cast<int>(m % 10));
        m /= 10;
    }
    if (negative)
        s += '-';
    return std::string(s.rbegin(), s.rend());
}

std::string bigOf(Op op, int64_t a, int64_t b) {
    auto o = apply(op, Value::bigInt(std::to_string(a)), Value::bigInt(std::to_string(b)));
    REQUIRE(!o.failed());
    REQUIRE(o.value.kind() == rho::bytecode::ValueKind::kBigInt);
    return o.value.asString();
}

} // namespace

TEST_CASE("BigInt + - * / % agree with 128-bit arithmetic", "[primitives][bigint][property]") {
    int64_t a = GENERATE(take(60, random(INT64_MIN, INT64_MAX)));
    int64_t b = GENERATE(take(4, random(INT64_MIN, INT64_MAX)), -1, 1, 7);
    __int128 x = a, y = b;
    CHECK(bigOf(Op::ADD, a, b) == decimal(x + y));
    CHECK(bigOf(Op::SUB, a, b) == decimal(x - y));
    CHECK(bigOf(Op::MUL, a, b) == decimal(x * y));
    CHECK(bigOf(Op::DIV, a, b) == decimal(x / y)); // truncation toward zero, like BigInteger
    CHECK(bigOf(Op::MOD, a, b) == decimal(x % y)); // the dividend's sign
}

TEST_CASE("BigInt and Int do not mix; division by zero", "[primitives][bigint]") {
    auto o = apply(Op::ADD, Value::bigInt("1"), Value::integer(1));
    CHECK(rho::primitives::describe(o.fault) == "Error: Operator `+` is not defined on Int.");
    CHECK(apply(Op::DIV, Value::bigInt("1"), Value::bigInt("0")).fault.code == FaultCode::kDivByZero);
    CHECK(apply(Op::LT, Value::bigInt("-12"), Value::bigInt("3")).value.asBool());
    CHECK(!apply(Op::LT, Value::bigInt("100"), Value::bigInt("99")).value.asBool());
}
