// File: sole_owner.h
// For the tests of containers of values: whether a value is the only owner of its
// heap part, i.e. every copy a container made was released exactly once.
#pragma once

#include <utility>

#include "rho/bytecode/value.h"

namespace rho::machine::test {

// Whether [v] is the only owner of its heap part (v is left as it was).
inline bool soleOwner(bytecode::Value& v) {
    bytecode::HeapRef h = v.releaseHeapIfLast();
    if (!h)
        return false;
    v = bytecode::Value::fromHeap(v.kind(), std::move(h));
    return true;
}

} // namespace rho::machine::test
