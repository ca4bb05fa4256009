// File: space_types.h (private)
// The Rholang instantiation of the generic tuplespace: channels are Values (keyed by
// their 128-bit term hash), data are messages, patterns point into a receive body's
// Join, continuations are closures (a body Code and its captures) or native
// listeners (system processes). Private channels carry primitives::Request / Answer.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rho/bytecode/code.h"
#include "rho/bytecode/rbc.h"
#include "rho/primitives/request.h"
#include "rho/rspace/rspace.h"
#include "small_vec.h"

namespace rho::machine {

using bytecode::Value;

// A message's values: inline up to two (most sends carry one or two), so a send
// allocates nothing for them.
using Args = SmallVec<Value, 2>;

struct Message {
    Args args;
};

// The patterns of one channel of a receive: bind [bind] of the join of its
// continuation's body, matched with that continuation's captures (for variable
// references, =x). A native listener has no body and accepts any message of [arity]
// values (any arity when 0). The body and captures are not repeated here: a parked
// receive holds them once, in its continuation.
struct PatternRef {
    uint32_t bind = 0;
    uint32_t arity = 0;
};

// kSystem: the native listener of a system process, served by the primitive processor.
enum class Native : uint8_t { kNone, kSystem };

// A receive body's captured values: inline for the common few, so installing a
// receive allocates nothing for them.
using Captures = SmallVec<Value, 2>;

struct Continuation {
    // kNone: the receive body (a borrowed reference when its root outlives the space's
    // use of it, see machine.h) and the values it captured.
    std::shared_ptr<const bytecode::Code> body;
    Captures captures;
    Native native = Native::kNone;
    // The worker that installed it, where the machine its COMM starts runs (affinity,
    // active_queue.h); kAnyWorker: any (persistent continuations, loaded ones, workers
    // past the 16-bit range). 16 bits keep the record within its 128 bytes.
    uint16_t worker = kAnyWorker;
    // kSystem: the system process's registry id. kNone: where the receive was made
    // (an OriginSites site, 0: unknown; only with RuntimeOptions::trackOrigins).
    uint32_t handler = 0;

    static constexpr uint16_t kAnyWorker = 0xffff;
    static uint16_t affinity(unsigned w) { return w < kAnyWorker ? static_cast<uint16_t>(w) : kAnyWorker; }
};
static_assert(sizeof(Continuation) <= 96, "a parked receive's record grows with its continuation");

// (binding index, value); inline for the common few, so a match allocates nothing.
using Bindings = SmallVec<std::pair<uint32_t, Value>, 4>;

// Matches [v] against pattern [p] of a receive body or match case [owner] (whose
// children its process patterns name), adding the bindings to [out]. [captures]: that
// sequence's captured values (for =x), may be empty.
bool matchPattern(const bytecode::Pattern& p, const Value& v, std::span<const Value> captures,
                  const bytecode::Code& owner, Bindings& out);

// The shard bits of a channel key (Space::kShardBits, checked in space_types.cpp).
inline constexpr unsigned Space_kShardBits = 6;

struct SpaceTypes {
    using Channel = Value;
    using Pattern = PatternRef;
    using Datum = Message;
    using Continuation = machine::Continuation;
    using Bindings = machine::Bindings;
    // Private channels (the channel trick): requests to the primitive processor.
    using Request = primitives::Request;
    using Answer = primitives::Answer;

    // The channel key: the value's hash, except that an unforgeable name keeps the top
    // bits of its id in the key's top bits, which choose the space's shard (space.h). A
    // worker mints names whose channels live in shards of its own (Kernel::freshName), so
    // the channels a process makes and uses stay in its core's cache.
    [[gnu::always_inline]] static rspace::ChannelKey key(const Value& v) { // (on every COMM)
        bytecode::Hash128 h = v.hash();
        if (v.kind() == bytecode::ValueKind::kUnforgeable)
            h.lo = (h.lo & ~kShardMask) | (v.unforgeableLo() & kShardMask);
        return {h.lo, h.hi};
    }
    static constexpr uint64_t kShardMask = ~(~uint64_t{0} >> Space_kShardBits);
    static bool sameChannel(const Value& a, const Value& b) { return a == b; }
    static bool isDurable(const Continuation& k) { return k.native == Native::kNone; }

    // False when what is encoded nests deeper than decode reads back (the space's
    // checkpoint then refuses to write anything).
    static bool encode(const Value& v, std::string& out) { return bytecode::encodeValueChecked(v, out); }
    static bool encode(const Message& m, std::string& out);
    static void encode(const PatternRef& p, std::string& out);
    static bool encode(const Continuation& k, std::string& out);
    static bool decode(std::string_view& in, Value& v);
    static bool decode(std::string_view& in, Message& m);
    static bool decode(std::string_view& in, PatternRef& p);
    static bool decode(std::string_view& in, Continuation& k);
    // A stored pattern is its place in the join (its body and captures are the record's
    // continuation's): false when the place is not in that body (rspace.h, relink).
    static bool relink(PatternRef& p, const Continuation& k);

    // What the records are written in, kept by the history beside its own format
    // version (History::open refuses a store written in another): the bytecode version
    // (values and code are encoded as in .rbc files) and this codec's revision.
    //   codec 1: a pattern carried its body (a join's body stored k + 1 times)
    //   codec 2: a pattern is its place in the join; the body is stored once
    static constexpr uint32_t kCodecRevision = 2;
    static std::string encodingTag();
};

// The spatial matcher (RHOLANG.md 4): binders and wildcards, literals, lists, tuples,
// sets and maps with remainders, the connectives /\ \/ ~, simple types, variable
// references (=x, =*x), bundles and process patterns (process_match.h); a receive
// over several channels is matched one channel at a time by the space. Thread-safe:
// stateless.
struct RhoMatcher {
    bool match(const PatternRef& pattern, const Continuation& k, const Message& message, Bindings& out) const;
};

using Space = rspace::Space<SpaceTypes, RhoMatcher>;
using Comm = rspace::Comm<SpaceTypes>;
using CommEvent = rspace::CommEvent<SpaceTypes>;
using PrivateChannel = rspace::PrivateChannel<primitives::Request, primitives::Answer>;

} // namespace rho::machine
