// File: rspace.h
// Space<Types, Matcher>: the tuplespace. It holds data (messages sent on channels)
// and continuations (receives waiting on one channel, or on several for a join),
// and performs COMM events when a produce meets a consume whose patterns match.
// It knows nothing of Rholang: channels, patterns, data and continuations are the
// opaque types of [Types]; pattern matching is the [Matcher] given at construction.
//
//   Space<MyTypes, MyMatcher> space(matcher);
//   if (auto comm = space.consume(chs, pats, k, /*persistent=*/false, /*peek=*/false)) run(*comm);
//   if (auto comm = space.produce(ch, datum, /*persistent=*/false)) run(*comm);
//
// Hot store: an in-memory absl::flat_hash_map keyed by ChannelKey. History: an LMDB
// environment (see history.h) written only by checkpoint(), in one write
// transaction; never per COMM.
//
// Types must provide:
//   using Channel; using Pattern; using Datum; using Continuation; using Bindings;
//   static ChannelKey key(const Channel&);                 // XXH3-128 of canonical bytes
//   static bool sameChannel(const Channel&, const Channel&); // full comparison (collisions)
//   static bool isDurable(const Continuation&);              // false: never written to LMDB
//   static void encode(const Channel&|Pattern&|Datum&|Continuation&, std::string& out);
//   static bool decode(std::string_view& in, Channel&|Pattern&|Datum&|Continuation&);
//     encode appends to [out]; decode reads one value from the front of [in], advances
//     [in] past it, and returns false on malformed input (the record is then DataLoss).
//   Channel, Pattern, Datum, Continuation: copyable, movable, default-constructible
//   (decode fills a default object). Datum is copied only when it stays in the space
//   (persistent data, peek) and Continuation only when it stays (persistent).
//   Bindings: default-constructible and movable.
// Matcher must provide:
//   bool match(const Pattern&, const Datum&, Bindings& out) const;  // thread-safe
//     [out] is a fresh default Bindings for every attempt; on false it is discarded.
//     match runs under the space's shard locks: it must not call back into the space.
//
// COMM semantics (RHOLANG.md section 8). Each call performs at most one COMM; the
// caller re-issues when the Rholang semantics ask for more:
//   - produce(ch, d, persistent): looks for a waiting continuation on ch whose
//     pattern for ch matches d and whose other channels (a join) each hold a
//     matching datum. If found: the continuation is removed unless persistent; the
//     other data are removed unless persistent or the continuation peeks; d itself
//     is never stored by a produce that COMMs. Returns the Comm, with d at
//     data[producedIndex]. The caller re-issues produce(ch, d, persistent) when
//     reissueProduce is set (d was persistent or the continuation peeked), so that
//     every waiting receive gets its chance (peek is consume-then-resend).
//     If nothing matches: d is stored, returns nullopt.
//     (A persistent d meeting a persistent continuation, or any d meeting a persistent
//     peek, COMMs on every re-issue: as in Rholang, such a program never quiesces.)
//   - consume(chs, pats, k, persistent, peek): looks for one matching datum on every
//     channel. If found: the data are removed unless persistent or peek; k is not
//     stored; returns the Comm (the caller re-issues a persistent consume). Else k is
//     stored under all of chs and nullopt is returned. chs are pairwise distinct.
//   - Candidates are tried oldest first: a produce tries the continuations waiting on
//     its channel in the order they were stored; each channel's data are scanned in the
//     order they were sent. (RHOLANG.md's shuffle is the caller's business.)
// A join takes all its data or none (atomic: it holds the locks of all its channels).
//
// Thread-safety: every public method may be called from any thread. The hot store is
// sharded by channel key, each shard with its own lock (space.h): operations on
// channels of different shards run in parallel; there is no global lock.
#pragma once

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "rho/rspace/channel_key.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace rho::rspace {

template <class Types>
struct Comm {
    typename Types::Continuation continuation;
    bool persistentContinuation = false;
    bool peek = false;
    // One entry per channel of the continuation, in the order given to consume.
    // Inline storage for the common single-channel COMM: no allocation per event.
    absl::InlinedVector<typename Types::Datum, 1> data;
    absl::InlinedVector<typename Types::Bindings, 1> bindings;
    // For produce: true when the produced datum must be re-issued by the caller.
    bool reissueProduce = false;
    // For produce: the index in [data] of the produced datum (its channel's position
    // in the continuation's join); 0 for consume.
    uint32_t producedIndex = 0;
};

// A COMM as its receiver sees it: the sink given to produce() or consume() is called
// with one CommEvent while the space holds the locks of the COMM's channels, so
// nothing is copied out of the space first. The sink must not call back into the
// space (it may queue work for later). What it may take:
//   - [continuation]: it may move from it unless persistentContinuation (then it
//     stays in the space and must only be read or copied);
//   - [data]: one datum per channel of the continuation, in its channel order, read
//     only (data[producedIndex] is the produced datum, which stays the caller's);
//   - [bindings]: one per channel, the sink's to move from.
template <class Types>
struct CommEvent {
    typename Types::Continuation& continuation;
    bool persistentContinuation = false;
    bool peek = false;
    std::span<const typename Types::Datum* const> data;
    std::span<typename Types::Bindings> bindings;
    uint32_t producedIndex = 0; // produce: the produced datum's position; consume: 0
    // False when the space holds no lock during this call (a produce meeting a
    // contract on the lock-free path): the sink may then do more work in place.
    bool locked = true;
};

// What produce() did with its datum.
enum class ProduceResult : uint8_t {
    kStored,  // no COMM: the datum was moved into the space
    kComm,    // a COMM; the datum is still the caller's
    kReissue, // a COMM, and the datum must be produced again (it was persistent, or the
              // continuation peeked): the caller calls produce again with it
};

// What inspect() reports for one channel.
template <class Types>
struct ChannelView {
    typename Types::Channel channel;
    std::vector<std::pair<typename Types::Datum, bool /*persistent*/>> data;
    struct Waiting {
        std::vector<typename Types::Channel> channels; // all channels of the join
        std::vector<typename Types::Pattern> patterns;
        typename Types::Continuation continuation;
        bool persistent = false;
        bool peek = false;
    };
    std::vector<Waiting> continuations; // every continuation listening on this channel
};

} // namespace rho::rspace

#include "rho/rspace/space.h" // the template Space<Types, Matcher>
