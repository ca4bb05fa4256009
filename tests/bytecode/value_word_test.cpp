// A Value's second word is an unforgeable name's high half or the counted pointer to
// a heap part (value.h): both kinds survive copies, moves and assignments, a
// moved-from value is Nil, and a value assigned from a part of itself stays valid.

#include <catch2/catch.hpp>
#include <cstdint>
#include <utility>
#include <vector>

#include "rho/bytecode/value.h"

using rho::bytecode::Value;
using rho::bytecode::ValueKind;

TEST_CASE("a value is three words", "[bytecode][value]") { STATIC_REQUIRE(sizeof(Value) == 24); }

TEST_CASE("an unforgeable name keeps both halves of its id", "[bytecode][value]") {
    const uint64_t lo = 0x0123456789abcdefULL, hi = 0xfedcba9876543210ULL;
    Value name = Value::unforgeable(lo, hi);
    Value copy = name;
    Value moved = std::move(copy);
    CHECK(moved.kind() == ValueKind::kUnforgeable);
    CHECK(moved.unforgeableLo() == lo);
    CHECK(moved.unforgeableHi() == hi);
    CHECK(moved.isInline());
    CHECK(moved == name);
    CHECK_FALSE(moved == Value::unforgeable(lo, hi ^ 1)); // the high half is compared
    CHECK(copy.isNil());                                  // moved from: Nil
}

TEST_CASE("copies and moves of heap values share one part", "[bytecode][value]") {
    Value s = Value::string("shared");
    std::vector<Value> many(100, s); // 100 copies, one heap part
    CHECK_FALSE(s.isInline());
    for (const Value& v : many)
        CHECK(&v.asString() == &s.asString());
    Value taken = std::move(many[0]);
    CHECK(many[0].isNil());
    CHECK(&taken.asString() == &s.asString());
    many.clear();
    CHECK(taken.asString() == "shared");
    Value& self = taken;
    taken = self; // self-assignment keeps the part
    CHECK(taken.asString() == "shared");
    taken = Value::integer(7); // a heap value overwritten by an inline one
    CHECK(taken.isInline());
    CHECK(taken.asInt() == 7);
    taken = Value::unforgeable(1, 2); // and an inline one by a name
    CHECK(taken.unforgeableHi() == 2);
}

TEST_CASE("a value assigned from a part it owns stays valid", "[bytecode][value]") {
    Value outer = Value::list({Value::list({Value::string("inner")})});
    // Copy-assignment from its own item: the item's part is counted before the list goes.
    outer = outer.items()[0];
    REQUIRE(outer.kind() == ValueKind::kList);
    CHECK(outer.items()[0].asString() == "inner");
    // Move-assignment from its own item (the last owner of the list): the item is read
    // before the list, and the item with it, is freed (ASan would see a use after free).
    Value again = Value::list({Value::string("inner")});
    outer = Value::list({again});
    again = Value();
    outer = std::move(const_cast<Value&>(outer.items()[0]));
    REQUIRE(outer.kind() == ValueKind::kList);
    CHECK(outer.items()[0].asString() == "inner");
}
