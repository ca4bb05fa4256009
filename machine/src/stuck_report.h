// File: stuck_report.h (private)
// reportStuck: Runtime::stuckReport's body. From a snapshot of the space it tells,
// for every send still stored and every receive still waiting, why nothing takes it:
//   a send      nothing receives on its channel (and, when a waiting receive's
//               channel is a typo away, which one); receives wait there but no
//               pattern matches it; or a join would take it and waits for its other
//               channels;
//   a receive   nothing was sent on its channel (with the near miss, as above); the
//               channel holds sends none of which its pattern matches; for a join,
//               which of its channels lack a matching send;
//   a contract  (a persistent receive) is listed as listening, not as stuck.
// Matching is the space's own (RhoMatcher), so "does not match" is what the COMM rule
// decided. Items alike (same origin, same reason) fold into one with a count.
#pragma once

#include "origin_sites.h"
#include "rho/machine/runtime.h"
#include "rho/rspace/comm.h"
#include "space_types.h"

#include <vector>

namespace rho::machine {

// [origins] may be null (positions not tracked: every item is "(unknown)"). [style]
// names unforgeable names (null: as the reference prints them).
StuckReport reportStuck(const std::vector<rspace::ChannelView<SpaceTypes>>& views, const RhoMatcher& matcher,
                        const OriginSites* origins, const bytecode::PrintStyle* style);

} // namespace rho::machine
