// SmallVec (machine/src/small_vec.h): inline up to N, then on the heap; a move hands
// the elements over bytewise and leaves the source empty; copies share heap values;
// destroying releases every reference exactly once.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "rho/bytecode/value.h"
#include "small_vec.h"
#include "sole_owner.h"

using rho::bytecode::Value;
using rho::machine::test::soleOwner;
using Vec = rho::machine::SmallVec<Value, 2>;

namespace {


std::vector<int64_t> ints(const Vec& v) {
    std::vector<int64_t> out;
    for (const Value& x : v)
        out.push_back(x.asInt());
    return out;
}

} // namespace

TEST_CASE("small vector: inline, then on the heap, in order", "[small_vec]") {
    Vec v;
    REQUIRE(v.empty());
    REQUIRE(v.capacity() == 2);
    v.push_back(Value::integer(1));
    v.push_back(Value::integer(2));
    REQUIRE(v.capacity() == 2); // still inline
    for (int i = 3; i <= 100; ++i)
        v.push_back(Value::integer(i));
    REQUIRE(v.size() == 100);
    REQUIRE(v.capacity() >= 100);
    for (size_t i = 0; i < v.size(); ++i)
        REQUIRE(v[i].asInt() == static_cast<int64_t>(i + 1));
    v.resize(3);
    REQUIRE(ints(v) == std::vector<int64_t>{1, 2, 3});
    v.resize(5);
    REQUIRE(v.size() == 5);
    REQUIRE(v[4].isNil());
}

TEST_CASE("small vector: a move hands over and leaves the source empty", "[small_vec]") {
    Value text = Value::string("moved, never copied");
    for (int n : {1, 2, 7}) { // inline, full inline, heap
        Vec a;
        for (int i = 0; i < n; ++i)
            a.push_back(text);
        Vec b(std::move(a));
        REQUIRE(a.empty()); // NOLINT(bugprone-use-after-move): the contract under test
        REQUIRE(b.size() == static_cast<size_t>(n));
        Vec c;
        c.push_back(Value::integer(9));
        c = std::move(b);
        REQUIRE(b.empty()); // NOLINT(bugprone-use-after-move)
        REQUIRE(c.size() == static_cast<size_t>(n));
        for (const Value& x : c)
            REQUIRE(x == text);
        a.push_back(Value::integer(5)); // a moved-from vector is usable
        REQUIRE(ints(a) == std::vector<int64_t>{5});
    }
    REQUIRE(soleOwner(text)); // every copy was released exactly once
}

TEST_CASE("small vector: copies share heap values and release them", "[small_vec]") {
    Value text = Value::string("shared");
    {
        Vec a{text, Value::integer(1), text};
        Vec b(a);
        Vec c;
        c = b;
        REQUIRE(c.size() == 3);
        REQUIRE(c[0] == text);
        REQUIRE(c[1].asInt() == 1);
        REQUIRE_FALSE(soleOwner(text));
        c.clear();
        REQUIRE(c.empty());
    }
    REQUIRE(soleOwner(text));
}

TEST_CASE("small vector: built from a range, moving its elements", "[small_vec]") {
    std::vector<Value> src{Value::string("a"), Value::string("b"), Value::string("c")};
    Vec v(std::make_move_iterator(src.begin()), std::make_move_iterator(src.end()));
    REQUIRE(v.size() == 3);
    REQUIRE(v[2] == Value::string("c"));
    rho::machine::SmallVec<std::pair<uint32_t, Value>, 4> bindings;
    bindings.emplace_back(3u, Value::integer(7));
    REQUIRE(bindings.back().first == 3u);
    REQUIRE(bindings.back().second.asInt() == 7);
}

TEST_CASE("small vector: pushing its own element while it grows", "[small_vec]") {
    Vec v{Value::string("first"), Value::string("second")};
    REQUIRE(v.capacity() == 2);
    v.push_back(v[0]); // full: the storage moves while the argument points into it
    v.push_back(v.back());
    REQUIRE(v.size() == 4);
    REQUIRE(v[2] == Value::string("first"));
    REQUIRE(v[3] == Value::string("first"));
}
