// File: normal_order.h (private)
// The second half of rebuilding a normalized term (normal_term.h): numbering the
// variables the builder made with binder ids as the reference numbers them, and
// sorting every par, set and map by the reference's ScoreTree.
#pragma once

#include <cstdint>
#include <vector>

#include "rho/bytecode/normal_term.h"

namespace rho::bytecode::detail {

// Numbers [p]'s variables (ids below [ids]) and sorts it, recursively.
// [style] (value.h), when it has an orderKey, orders unforgeable names by it instead
// of by their ids.
void orderTerm(NPar& p, uint32_t ids, const PrintStyle* style = nullptr);
// Appends the ids of the free variables (pattern variables) in [p].
void collectFree(const NPar& p, std::vector<uint32_t>& out);

} // namespace rho::bytecode::detail
