// ValueStack (machine/src/value_stack.h): growth keeps the values and their heap
// references, dropping values releases them, copies share and moves hand over.
#include <catch2/catch.hpp>

#include "value_stack.h"
#include "sole_owner.h"

using rho::bytecode::Value;
using rho::machine::test::soleOwner;
using rho::machine::ValueStack;

TEST_CASE("value stack: pushes past its capacity keep every value in order", "[value_stack]") {
    ValueStack s;
    for (int i = 0; i < 1000; ++i)
        s.push_back(Value::integer(i));
    REQUIRE(s.size() == 1000);
    for (int i = 0; i < 1000; ++i)
        REQUIRE(s[static_cast<size_t>(i)].asInt() == i);
    s.truncate(10);
    REQUIRE(s.size() == 10);
    REQUIRE(s.back().asInt() == 9);
}

TEST_CASE("value stack: heap values survive growth and are released when dropped", "[value_stack]") {
    Value text = Value::string("kept across growth");
    {
        ValueStack s;
        for (int i = 0; i < 100; ++i)
            s.push_back(text); // grows several times with the string's references inside
        for (const Value& v : s)
            REQUIRE(v.asString() == "kept across growth");
        REQUIRE_FALSE(soleOwner(text)); // the stack still shares it
        s.truncate(0);
        REQUIRE(soleOwner(text)); // every copy released
        s.push_back(text);
        REQUIRE_FALSE(soleOwner(text));
    }
    REQUIRE(soleOwner(text)); // the destructor released the last copy
}

TEST_CASE("value stack: resize fills with Nil and assign replaces the contents", "[value_stack]") {
    ValueStack s;
    s.push_back(Value::integer(7));
    s.resize(4);
    REQUIRE(s.size() == 4);
    REQUIRE(s[0].asInt() == 7);
    REQUIRE(s[3].isNil());
    std::vector<Value> src{Value::integer(1), Value::string("two")};
    s.assign(src.begin(), src.end());
    REQUIRE(s.size() == 2);
    REQUIRE(s[1].asString() == "two");
    s.resize(1);
    REQUIRE(s.size() == 1);
    REQUIRE(s[0].asInt() == 1);
}

TEST_CASE("value stack: copies are independent, moves and swaps hand the storage over", "[value_stack]") {
    ValueStack a;
    a.push_back(Value::integer(1));
    a.push_back(Value::string("x"));
    ValueStack b = a;
    b.push_back(Value::integer(3));
    REQUIRE(a.size() == 2);
    REQUIRE(b.size() == 3);
    ValueStack c = std::move(b);
    REQUIRE(c.size() == 3);
    REQUIRE(c[1].asString() == "x");
    c.swap(a);
    REQUIRE(a.size() == 3);
    REQUIRE(c.size() == 2);
    c.pop_back();
    REQUIRE(c.size() == 1);
    REQUIRE(c.back().asInt() == 1);
}

TEST_CASE("value stack: pushing its own value while it grows", "[value_stack]") {
    ValueStack s;
    s.push_back(Value::string("top"));
    while (s.size() < 8) // fill to the first capacity
        s.push_back(Value::integer(static_cast<int64_t>(s.size())));
    s.push_back(s[0]); // full: the storage moves while the argument points into it
    REQUIRE(s.size() == 9);
    REQUIRE(s.back() == Value::string("top"));
}
