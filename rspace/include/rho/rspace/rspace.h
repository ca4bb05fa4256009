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
//   Optional: static bool relink(Pattern&, const Continuation&): a stored pattern may
//   leave out what its continuation holds (a join's body, stored once in the record);
//   after loading a record the space calls relink for each of its patterns with the
//   record's continuation (false: the record is corrupt, DataLoss).
// Matcher must provide:
//   bool match(const Pattern&, const Continuation&, const Datum&, Bindings& out) const;
//     thread-safe; the continuation is the one the pattern belongs to (a pattern may
//     leave to it what they share, such as a join's body: a parked receive then holds
//     it once).
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
//     order they were sent. After setChoiceSeed (RHOLANG.md's random choice) each scan
//     starts at a place drawn from the seed instead, and goes round from there.
// A join takes all its data or none (atomic: it holds the locks of all its channels).
//
// Thread-safety: every public method may be called from any thread. The hot store is
// sharded by channel key, each shard with its own lock (space.h): operations on
// channels of different shards run in parallel; there is no global lock.
#pragma once

#include "rho/rspace/comm.h"  // Comm, CommEvent, ProduceResult, ChannelView
#include "rho/rspace/space.h" // the template Space<Types, Matcher>
#include "rho/rspace/space_persistence.h"
#include "rho/rspace/space_store.h"
#include "rho/rspace/space_comm.h"
#include "rho/rspace/space_load.h"
