// File: comm.h
// The values the tuplespace hands over (rspace.h): a COMM event as the sink sees it
// under the space's locks (CommEvent), the same copied out as a value (Comm), what a
// produce did (ProduceResult), and a channel as inspect() returns it (ChannelView).
#pragma once

#include "absl/container/inlined_vector.h"

#include <cstdint>
#include <span>
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
    // The channel of each datum, in the continuation's channel order (what a cost meter
    // reads to refund what the COMM removes), and which data are persistent (bit i).
    std::span<const typename Types::Channel* const> channels = {};
    uint32_t persistentData = 0;
    // A receive on one channel: the data that channel held when this COMM took one
    // (its backlog; the scheduler lets a receive drain a deep one, kernel.cpp). Else 0.
    size_t backlog = 0;
};

// A channel holding this many data or more is deep: a send that stores onto it is
// told so (kStoredDeep), so that the scheduler can let the channel's receivers catch
// up before the senders pile up more (bounded memory, a backlog still in cache).
inline constexpr size_t kDeepBacklog = 8192;

// What produce() did with its datum.
enum class ProduceResult : uint8_t {
    kStored,  // no COMM: the datum was moved into the space
    kStoredDeep, // as kStored, on a channel that now holds kDeepBacklog data or more
    kComm,    // a COMM; the datum is still the caller's
    kReissue, // a COMM, and the datum must be produced again (it was persistent, or the
              // continuation peeked): the caller calls produce again with it
};
// Whether the datum was stored (no COMM).
inline constexpr bool stored(ProduceResult r) { return r == ProduceResult::kStored || r == ProduceResult::kStoredDeep; }

// What inspect() reports for one channel.
template <class Types>
struct ChannelView {
    typename Types::Channel channel;
    std::vector<std::pair<typename Types::Datum, bool /*persistent*/>> data;
    std::vector<uint16_t> origins; // each datum's origin (Space::produce), as data
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
