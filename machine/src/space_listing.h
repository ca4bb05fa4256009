// File: space_listing.h (private)
// The channels of a space as text (Runtime::listing): as the reference prints them, or
// as Rholang source that recreates the space, with its unforgeable names numbered in
// a canonical order (ListingOptions::source).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "rho/machine/runtime.h"
#include "rho/rspace/comm.h"
#include "space_types.h"

namespace rho::machine {

// The URN `new` binds to an unforgeable name (Kernel::urnOf), "" for a plain one.
using UrnOf = std::function<std::string(const Value&)>;

// Fills [out]'s channels, sends, receives and unforgeables from [views].
void listChannels(const std::vector<rspace::ChannelView<SpaceTypes>>& views, const ListingOptions& options,
                  const UrnOf& urnOf, SpaceListing& out);

} // namespace rho::machine
