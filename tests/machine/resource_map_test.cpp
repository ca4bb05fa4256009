// ResourceMap (machine/src/resource_map.h): a machine's usage, when it ends, is added
// once to its worker's totals or, when the run profiles, to its sequence's source
// position; totals() and top() see every machine exactly once, whichever way it went.
#include <catch2/catch.hpp>

#include <memory>
#include <new>
#include <string>

#include "resource_map.h"

using rho::bytecode::Code;
using rho::machine::ResourceMap;
using rho::machine::Usage;

namespace {

void placeAt(Code& code, const std::shared_ptr<const std::string>& file, uint32_t line, uint32_t col) {
    code.sourceName = file;
    code.positions = {{line, col}};
}

Usage used(uint64_t reductions, uint64_t bytes = 0) {
    Usage u;
    u.reductions = reductions;
    u.comms = 1;
    u.bytesAllocated = bytes;
    return u;
}

} // namespace

TEST_CASE("every ended machine is counted once in the totals and once by its source", "[machine][resources]") {
    const auto file = std::make_shared<const std::string>("a.rho");
    Code a, b;
    placeAt(a, file, 3, 5);
    placeAt(b, file, 7, 1);
    for (bool bySource : {false, true}) {
        for (bool liveReads : {false, true}) {
            ResourceMap map(2, bySource, liveReads);
            Usage u = used(10, 100);
            map.retire(0, u, &a);
            CHECK(u.reductions == 0); // the entry is cleared for the channel's next identity
            u = used(10, 100);
            map.retire(1, u, &a); // the same source on another worker
            u = used(4);
            map.retire(0, u, &b);
            u = used(1);
            map.retire(0, u, nullptr); // no sequence (a system process)
            u = used(2);
            map.retire(~0u, u, &b); // outside the workers
            const ResourceMap::Totals t = map.totals();
            CHECK(t.machines == 5);
            CHECK(t.usage.reductions == 27);
            CHECK(t.usage.comms == 5);
            CHECK(t.usage.bytesAllocated == 200);
            const auto top = map.top(10);
            if (!bySource) {
                CHECK(top.empty());
                continue;
            }
            REQUIRE(top.size() == 2);
            CHECK(top[0].where == "a.rho:3:5");
            CHECK(top[0].machines == 2);
            CHECK(top[0].usage.reductions == 20);
            CHECK(top[1].where == "a.rho:7:1");
            CHECK(top[1].machines == 2);
            CHECK(top[1].usage.reductions == 6);
            const auto byBytes = map.top(1, ResourceMap::Rank::kBytes);
            REQUIRE(byBytes.size() == 1);
            CHECK(byBytes[0].usage.bytesAllocated == 200);
        }
    }
}

// A continuation read back from the store decodes its own Code, freed when it fires;
// another may then take its address. The source cache is indexed by that address, so
// it must not credit the new sequence to the old one's source.
TEST_CASE("a sequence at a freed one's address is credited to its own source", "[machine][resources]") {
    const auto file = std::make_shared<const std::string>("b.rho");
    alignas(Code) unsigned char storage[sizeof(Code)];
    ResourceMap map(1, true);
    Code* first = new (storage) Code;
    placeAt(*first, file, 1, 1);
    Usage u = used(5);
    map.retire(0, u, first);
    first->~Code();
    Code* second = new (storage) Code;
    REQUIRE(static_cast<void*>(second) == static_cast<void*>(first));
    placeAt(*second, file, 9, 2);
    u = used(3);
    map.retire(0, u, second);
    u = used(3);
    map.retire(0, u, second);
    const auto top = map.top(10);
    REQUIRE(top.size() == 2);
    CHECK(top[0].where == "b.rho:9:2");
    CHECK(top[0].machines == 2);
    CHECK(top[1].where == "b.rho:1:1");
    CHECK(top[1].machines == 1);
    second->~Code();
}
