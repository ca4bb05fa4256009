// File: handlers.h (private)
// Registration of the handler groups of the standard registry, one per file.
#pragma once

#include "rho/primitives/registry.h"

namespace rho::primitives {

// A successful answer.
inline Outcome ok(bytecode::Value v) {
    Outcome o;
    o.value = std::move(v);
    return o;
}

// A failed answer.
inline Outcome fault(FaultCode code, bytecode::Op op, const bytecode::Value& a = bytecode::Value(),
                            const bytecode::Value& b = bytecode::Value()) {
    Outcome o;
    o.fault = Fault{code, op, a, b};
    return o;
}

// collections.cpp: ++ (String, List, ByteArray, Map, Set), -- (Set), %% (String %% Map),
// and Set/Map + and - (wrapping the Int handlers already registered).
void addCollectionHandlers(Registry& r);
// bigint.cpp: arithmetic on BigInt operands (the left one is a BigInt).
bool isBigInt(const bytecode::Value& v);
Outcome bigIntBinary(bytecode::Op op, const bytecode::Value& a, const bytecode::Value& b);
bytecode::Value bigIntNegate(const bytecode::Value& a);

// methods.cpp: METHOD, every method of RHOLANG.md section 7 but toByteArray.
void addMethodHandlers(Registry& r);

} // namespace rho::primitives
