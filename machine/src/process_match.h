// File: process_match.h (private)
// Process patterns (RHOLANG.md 9): a pattern such as {@"greet"!(m, n)},
// {for (@y <- @"in") { body }} or {@"b"!(x) | rest} matched against a quoted process
// structurally, over the term trees of both (rho/bytecode/term_tree.h):
//   - a par is matched as a bag: each component of the pattern takes a distinct
//     component of the target, found by backtracking; a process variable (or _) among
//     the components takes what the others leave (the last one, when there are several;
//     the earlier ones take one component each), bound as a par (Nil when empty);
//   - sends match on persistence, arity, channel and arguments; receives on their
//     channels, their own patterns (structurally) and their bodies; other parts (new,
//     if, match, expressions) structurally, part by part;
//   - a pattern variable inside binds the target's value there (a captured or literal
//     value, or the closure of a sequence), and any other pattern kind (literals,
//     connectives, collections, nested process patterns) is matched by the caller's
//     matcher on that value;
//   - a variable that ends a receive body's pattern ({ ... body }) takes the rest of
//     the target body: bound to the body's closure.
// Not yet: sets and maps written with pattern variables inside a process pattern, and
// receives whose own patterns bind different numbers of variables in another order.
#pragma once

#include <functional>

#include "rho/bytecode/code.h"
#include "space_types.h"

namespace rho::machine {

// Matches pattern [p] (or any pattern kind inside a process pattern) against [v]:
// the caller's matcher, for the pattern variables of a process pattern.
using HoleMatcher = std::function<bool(const bytecode::Pattern& p, const bytecode::Code& owner, const Value& v,
                                       Bindings& out)>;

// Matches process pattern [p] (kind kProcess, a child of [owner]) against [v].
bool matchProcessPattern(const bytecode::Pattern& p, const bytecode::Code& owner, const Value& v,
                         const HoleMatcher& hole, Bindings& out);

} // namespace rho::machine
