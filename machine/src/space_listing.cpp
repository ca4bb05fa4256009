// File: space_listing.cpp
// listChannels (space_listing.h).
//
// Source text names each unforgeable name by a variable u_N, bound by a `new` around
// the text (with its URN for a system process's channel, the deployer id, ...). The
// numbering must not depend on the names' ids, which differ from run to run, so that
// a space recreated from the text lists alike:
//  1. each name gets a colour (nameColours) that tells apart names in different places
//     of the space without looking at ids;
//  2. channels are placed one at a time, always the one whose text is least with the
//     names numbered so far shown (u_3) and the others by the size of their colour's
//     class and their colour (u_?<size>:<colour>, which sorts after every number); the names a placed channel mentions are then
//     numbered in the order they appear in it, and the waiting channels that mention
//     them are printed again.
// Par components, sets and join binds are ordered the same way (PrintStyle::orderKey),
// and a channel's items are sorted by their text. Names that stay alike after the
// refinement (a ring of identical processes) list alike from whichever of them the
// order starts; a structure that refinement cannot split and that is not symmetric
// may still come out in either of its orders.

#include "space_listing.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace rho::machine {

namespace {

using View = rspace::ChannelView<SpaceTypes>;
using NameKey = std::pair<uint64_t, uint64_t>;

NameKey keyOf(const Value& u) { return {u.unforgeableHi(), u.unforgeableLo()}; }

// One channel's entry as text in [style] (nullptr: the reference's rendering). A join
// is listed once, under the channel of the bind printed first ([home] style).
SpaceListing::Channel printChannel(const View& view, const ListingOptions& options, const bytecode::PrintStyle* style,
                                   const bytecode::PrintStyle* home) {
    SpaceListing::Channel ch{bytecode::printName(view.channel, style), {}, {}};
    for (const auto& [msg, persistent] : view.data)
        ch.sends.push_back(bytecode::printSend(view.channel, msg.args, persistent, style));
    if (options.sendsOnly)
        return ch;
    for (const auto& w : view.continuations) {
        if (w.continuation.native != Native::kNone)
            continue; // system listeners are the runtime's, not the program's
        const auto& captures = w.continuation.captures;
        size_t first = 0;
        if (w.channels.size() > 1)
            (void)bytecode::printReceive(*w.continuation.body, captures, w.channels, home, &first);
        if (!(w.channels[first] == view.channel))
            continue;
        ch.receives.push_back(bytecode::printReceive(*w.continuation.body, captures, w.channels, style));
    }
    if (style != nullptr) { // source: the order of arrival is no part of what a program says
        std::sort(ch.sends.begin(), ch.sends.end());
        std::sort(ch.receives.begin(), ch.receives.end());
    }
    return ch;
}

bool listed(const SpaceListing::Channel& ch, const ListingOptions& options) {
    return (options.channel.empty() || ch.name.find(options.channel) != std::string::npos) &&
           !(ch.sends.empty() && ch.receives.empty());
}

void listAsReferencePrints(const std::vector<View>& views, const ListingOptions& options, SpaceListing& out) {
    for (const View& view : views) {
        SpaceListing::Channel ch = printChannel(view, options, nullptr, nullptr);
        if (listed(ch, options))
            out.channels.push_back(std::move(ch));
    }
    std::stable_sort(out.channels.begin(), out.channels.end(),
                     [](const SpaceListing::Channel& a, const SpaceListing::Channel& b) { return a.name < b.name; });
}

// The masks of names not yet numbered: a name a URN binds is known by its URN; any
// other by the colour nameColours gives it.
using Colours = absl::flat_hash_map<NameKey, std::string>;

std::string masked(const Colours& colour, const Value& u) {
    auto it = colour.find(keyOf(u));
    return "u_?" + (it == colour.end() ? std::string() : it->second);
}

// Colour refinement, as graph canonicalization starts: at first a name's colour is
// its URN (or nothing); each round, a name's colour becomes a hash of the texts of the
// listed channels that mention it, printed with the colours of the round before, each
// marked whether the name is that channel's own. It stops when the colours no longer
// split further, after at most 8 rounds. No id goes in: spaces equal up to a renaming
// of their names get equal colours.
Colours nameColours(const std::vector<View>& views, const std::vector<size_t>& listedViews,
                    const ListingOptions& options, const UrnOf& urnOf) {
    Colours colour;
    std::vector<Value> seen;
    auto shown = [&colour](const Value& u) { return masked(colour, u); };
    const bytecode::PrintStyle collecting{[&](const Value& u) {
                                              seen.push_back(u);
                                              return shown(u);
                                          },
                                          shown};
    const bytecode::PrintStyle plain{[](const Value&) { return std::string("u_?"); },
                                     [](const Value&) { return std::string("u_?"); }};
    absl::flat_hash_map<NameKey, std::string> urns;
    for (size_t i : listedViews) {
        seen.clear();
        (void)printChannel(views[i], options, &collecting, &plain);
        for (const Value& u : seen)
            if (std::string urn = urnOf(u); !urn.empty())
                urns[keyOf(u)] = "`" + urn + "`";
    }
    colour = urns;
    size_t classes = 0;
    for (int round = 0; round < 8; ++round) {
        absl::flat_hash_map<NameKey, std::vector<std::string>> contexts;
        for (size_t i : listedViews) {
            const View& view = views[i];
            seen.clear();
            const SpaceListing::Channel ch = printChannel(view, options, &collecting, &plain);
            std::string text = ch.name;
            for (const auto* items : {&ch.sends, &ch.receives})
                for (const std::string& item : *items)
                    text += "\n" + item;
            for (const Value& u : seen)
                contexts[keyOf(u)].push_back((u == view.channel ? "own " : "in ") + text);
        }
        Colours next;
        std::set<std::string> distinct;
        for (auto& [name, texts] : contexts) {
            if (auto urn = urns.find(name); urn != urns.end()) {
                next[name] = urn->second;
            } else {
                std::sort(texts.begin(), texts.end());
                size_t h = 0;
                for (const std::string& t : texts) // libstdc++'s string hash: the same in every run
                    h = h * 1000003u ^ std::hash<std::string>{}(t);
                char hex[17];
                std::snprintf(hex, sizeof hex, "%016zx", h);
                next[name] = hex;
            }
            distinct.insert(next[name]);
        }
        colour = std::move(next);
        if (distinct.size() <= classes)
            break;
        classes = distinct.size();
    }
    // The size of its class before each colour: the rarest names sort first, so the
    // placing starts where the space is least symmetric (a unique name, if any).
    absl::flat_hash_map<std::string, size_t> size;
    for (const auto& [name, c] : colour)
        ++size[c];
    for (auto& [name, c] : colour) {
        char count[24];
        std::snprintf(count, sizeof count, "%010zu:", size[c]);
        c = count + c;
    }
    return colour;
}

void listAsSource(const std::vector<View>& views, const ListingOptions& options, const UrnOf& urnOf,
                  SpaceListing& out) {
    const bytecode::PrintStyle plain{[](const Value&) { return std::string("u_?"); },
                                     [](const Value&) { return std::string("u_?"); }};
    // Channels whose text names no unforgeable name (most, in a large space) read the
    // same whatever the numbering: printed once here, left out of the colouring (they
    // give it nothing), sorted once, and merged in below in the order the set of the
    // others would have given them.
    bool named = false;
    auto probe = [&named](const Value&) {
        named = true;
        return std::string("u_?");
    };
    const bytecode::PrintStyle probing{probe, probe};
    std::vector<SpaceListing::Channel> text(views.size());
    std::vector<size_t> listedViews; // listed, with names
    std::vector<size_t> fixed;       // listed, without
    for (size_t i = 0; i < views.size(); ++i) {
        named = false;
        SpaceListing::Channel ch = printChannel(views[i], options, &probing, &plain);
        if (!listed(ch, options))
            continue;
        if (named) {
            listedViews.push_back(i);
        } else {
            text[i] = std::move(ch);
            fixed.push_back(i);
        }
    }
    const Colours colour = nameColours(views, listedViews, options, urnOf);

    absl::flat_hash_map<NameKey, size_t> numbers;
    auto shown = [&numbers, &colour](const Value& u) {
        auto it = numbers.find(keyOf(u));
        return it != numbers.end() ? "u_" + std::to_string(it->second) : masked(colour, u);
    };
    std::vector<Value> seen; // the names a printing mentioned, in order
    const bytecode::PrintStyle collecting{[&](const Value& u) {
                                              seen.push_back(u);
                                              return shown(u);
                                          },
                                          shown};

    absl::flat_hash_map<NameKey, std::vector<size_t>> mentions; // name -> channels whose text has it
    auto less = [&text](size_t a, size_t b) {
        return std::tie(text[a].name, text[a].sends, text[a].receives, a) <
               std::tie(text[b].name, text[b].sends, text[b].receives, b);
    };
    std::set<size_t, decltype(less)> waiting(less);
    for (size_t i : listedViews) {
        seen.clear();
        text[i] = printChannel(views[i], options, &collecting, &plain);
        for (const Value& u : seen) {
            std::vector<size_t>& m = mentions[keyOf(u)];
            if (m.empty() || m.back() != i)
                m.push_back(i);
        }
        waiting.insert(i);
    }
    std::sort(fixed.begin(), fixed.end(), less);
    size_t nextFixed = 0;
    while (!waiting.empty() || nextFixed < fixed.size()) {
        if (nextFixed < fixed.size() && (waiting.empty() || less(fixed[nextFixed], *waiting.begin()))) {
            out.channels.push_back(std::move(text[fixed[nextFixed++]]));
            continue;
        }
        const size_t i = *waiting.begin();
        waiting.erase(waiting.begin());
        seen.clear();
        text[i] = printChannel(views[i], options, &collecting, &plain);
        std::vector<NameKey> added;
        for (const Value& u : seen) {
            if (!numbers.try_emplace(keyOf(u), numbers.size()).second)
                continue;
            added.push_back(keyOf(u));
            const std::string urn = urnOf(u);
            out.unforgeables.push_back("u_" + std::to_string(numbers.size() - 1) +
                                       (urn.empty() ? std::string() : "(`" + urn + "`)"));
        }
        if (!added.empty())
            text[i] = printChannel(views[i], options, &collecting, &plain);
        out.channels.push_back(text[i]);
        // The waiting channels that mention a name just numbered read differently now.
        for (const NameKey& name : added)
            for (size_t j : mentions[name]) {
                if (waiting.erase(j) == 0)
                    continue;
                text[j] = printChannel(views[j], options, &collecting, &plain);
                waiting.insert(j);
            }
    }
}

} // namespace

void listChannels(const std::vector<View>& views, const ListingOptions& options, const UrnOf& urnOf,
                  SpaceListing& out) {
    if (options.source)
        listAsSource(views, options, urnOf, out);
    else
        listAsReferencePrints(views, options, out);
    for (const SpaceListing::Channel& ch : out.channels) {
        out.sends += ch.sends.size();
        out.receives += ch.receives.size();
    }
}

} // namespace rho::machine
