// File: term_size.h
// The sizes the reference's cost accounting charges (RHOLANG.md 13): the length of
// the protobuf encoding of a term (ProtoM.serializedSize), computed from the same
// normalized term toByteArray serializes (term_bytes.h). Slow, allocating: for the
// phlogiston meter only, never on an unmetered run's path.
#pragma once

#include "rho/bytecode/code.h"
#include "rho/bytecode/value.h"

#include <cstdint>
#include <span>

namespace rho::primitives {

// The serialized size of [v]'s Par, as the reducer substitutes it. A system channel is
// the reference's bundle+{fixed channel} (what its URN map binds the name to).
int64_t termSize(const bytecode::Value& v);
// The size of [v] as the channel of a datum the space stores: a system channel
// unbundled (the fixed channel alone), anything else its termSize.
int64_t channelSize(const bytecode::Value& v);

// What evaluating a receive substitutes and stores: the join of [body] closed over
// [captures], listening on [channels] (in the join's bind order).
struct ReceiveSize {
    int64_t sources = 0;  // the channels' Pars
    int64_t patterns = 0; // every bind's pattern Pars, substituted
    int64_t body = 0;     // the body's Par, substituted
    int64_t stored = 0;   // channels + BindPatterns + body: what consume stores (storageCostConsume)
};
ReceiveSize receiveSize(const bytecode::Code& body, std::span<const bytecode::Value> captures,
                        std::span<const bytecode::Value> channels);

// The serialized size of a match case's pattern ([kase] closed over [captures]).
int64_t casePatternSize(const bytecode::Code& kase, std::span<const bytecode::Value> captures);

} // namespace rho::primitives
