// File: stuck_report.cpp
// reportStuck (stuck_report.h).
#include "stuck_report.h"

#include "absl/container/flat_hash_map.h"
#include "rho/base/edit_distance.h"

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

namespace rho::machine {

namespace {

using View = rspace::ChannelView<SpaceTypes>;
using Waiting = View::Waiting;

enum class Reason : uint8_t {
    kNoReceiver,     // send: nothing receives on its channel
    kNoMatch,        // send: receives wait there, none matches
    kSystemArity,    // send: a system process's channel, the wrong number of values
    kJoinWaits,      // send: a join would take it, and waits for its other channels
    kNoSend,         // receive: nothing was sent on its channel
    kNoMatchingSend, // receive: sends are there, none matches
    kJoinMissing,    // receive (a join): some channels lack a matching send
    kStoppedEarly,   // both sides are there and match: the run stopped before they met
    kListening,      // a contract
};

// Items alike fold into a group: what the first one was, and how many.
struct Group {
    uint16_t site = 0;
    Reason reason{};
    std::string what;
    Value channel;              // the first item's channel (a join: its first)
    bool sameChannel = true;    // every item on that channel
    size_t others = 0;          // kNoMatch, kNoMatchingSend: how many on the other side
    uint16_t joinSite = 0;      // kJoinWaits: where the join was made
    std::vector<Value> missing; // kJoinMissing: the channels without a matching send
    uint64_t count = 0;
};

class Builder {
  public:
    Builder(const std::vector<View>& views, const RhoMatcher& matcher, const OriginSites* origins,
            const bytecode::PrintStyle* style)
        : views_(views), matcher_(matcher), origins_(origins), style_(style) {
        for (size_t i = 0; i < views.size(); ++i)
            index_[SpaceTypes::key(views[i].channel)].push_back(i);
    }

    StuckReport build() {
        for (const View& view : views_) {
            for (size_t d = 0; d < view.data.size(); ++d)
                addSend(view, d);
            for (const Waiting& w : view.continuations)
                if (w.continuation.native == Native::kNone && w.channels[0] == view.channel)
                    addReceive(w);
        }
        StuckReport report;
        report.sendCount = counted(sends_);
        report.receiveCount = counted(receives_);
        report.contractCount = counted(contracts_);
        report.sends = items(sends_);
        report.receives = items(receives_);
        report.contracts = items(contracts_);
        return report;
    }

  private:
    using GroupKey = std::tuple<uint16_t, Reason, bool>; // site, reason, persistent
    using Groups = absl::flat_hash_map<GroupKey, Group>;

    const View* find(const Value& channel) const {
        auto it = index_.find(SpaceTypes::key(channel));
        if (it == index_.end())
            return nullptr;
        for (size_t i : it->second)
            if (views_[i].channel == channel)
                return &views_[i];
        return nullptr;
    }

    bool matches(const Waiting& w, size_t channelIndex, const Message& msg) const {
        Bindings b;
        return matcher_.match(w.patterns[channelIndex], w.continuation, msg, b);
    }
    static size_t indexIn(const Waiting& w, const Value& channel) {
        for (size_t i = 0; i < w.channels.size(); ++i)
            if (w.channels[i] == channel)
                return i;
        return 0;
    }
    // Does [view] hold a datum that channel [i] of [w] matches?
    bool holdsMatch(const View* view, const Waiting& w, size_t i) const {
        if (view == nullptr)
            return false;
        for (const auto& [msg, persistent] : view->data)
            if (matches(w, i, msg))
                return true;
        return false;
    }

    Group& group(Groups& groups, uint16_t site, Reason reason, bool persistent, const Value& channel) {
        Group& g = groups[GroupKey{site, reason, persistent}];
        if (g.count++ == 0) {
            g.site = site;
            g.reason = reason;
            g.channel = channel;
        } else if (!(g.channel == channel)) {
            g.sameChannel = false;
        }
        return g;
    }

    void addSend(const View& view, size_t d) {
        const auto& [msg, persistent] = view.data[d];
        const uint16_t site = d < view.origins.size() ? view.origins[d] : OriginSites::kUnknown;
        Reason reason = Reason::kNoReceiver;
        size_t receivers = 0;
        uint16_t joinSite = 0;
        std::optional<uint32_t> systemArity;
        for (const Waiting& w : view.continuations) {
            const size_t i = indexIn(w, view.channel);
            if (w.continuation.native != Native::kNone) {
                if (!matches(w, i, msg))
                    systemArity = w.patterns[i].arity;
                continue;
            }
            ++receivers;
            if (!matches(w, i, msg))
                continue;
            if (w.channels.size() > 1) {
                reason = Reason::kJoinWaits;
                joinSite = static_cast<uint16_t>(w.continuation.handler);
            } else {
                reason = Reason::kStoppedEarly;
            }
            break;
        }
        if (reason == Reason::kNoReceiver && receivers > 0)
            reason = Reason::kNoMatch;
        if (reason == Reason::kNoReceiver && systemArity)
            reason = Reason::kSystemArity;
        Group& g = group(sends_, site, reason, persistent, view.channel);
        if (g.count == 1) {
            g.what = bytecode::printSend(view.channel, msg.args, persistent, style_);
            g.others = reason == Reason::kSystemArity ? *systemArity : receivers;
            g.joinSite = joinSite;
        }
    }

    void addReceive(const Waiting& w) {
        const auto site = static_cast<uint16_t>(w.continuation.handler);
        if (w.persistent && w.channels.size() == 1) {
            Group& g = group(contracts_, site, Reason::kListening, true, w.channels[0]);
            if (g.count == 1)
                g.what = printReceive(w);
            return;
        }
        std::vector<Value> missing;
        size_t sends = 0;
        for (size_t i = 0; i < w.channels.size(); ++i) {
            const View* view = find(w.channels[i]);
            if (view != nullptr)
                sends += view->data.size();
            if (!holdsMatch(view, w, i))
                missing.push_back(w.channels[i]);
        }
        Reason reason = Reason::kStoppedEarly;
        if (w.channels.size() > 1 && !missing.empty())
            reason = Reason::kJoinMissing;
        else if (!missing.empty())
            reason = sends == 0 ? Reason::kNoSend : Reason::kNoMatchingSend;
        Group& g = group(receives_, site, reason, w.persistent, w.channels[0]);
        if (g.count == 1) {
            g.what = printReceive(w);
            g.others = sends;
            g.missing = std::move(missing);
        }
    }

    // On one line (a report lists one item per line).
    std::string printReceive(const Waiting& w) const {
        const std::string text =
            bytecode::printReceive(*w.continuation.body, w.continuation.captures, w.channels, style_);
        std::string out;
        bool space = false;
        for (char c : text) {
            if (c == '\n' || c == ' ') {
                space = !out.empty();
                continue;
            }
            if (space)
                out += ' ';
            space = false;
            out += c;
        }
        return out;
    }
    std::string name(const Value& channel) const { return bytecode::printName(channel, style_); }

    static uint64_t counted(const Groups& groups) {
        uint64_t n = 0;
        for (const auto& [key, g] : groups)
            n += g.count;
        return n;
    }

    std::string where(uint16_t site) const {
        return origins_ != nullptr ? origins_->where(site) : std::string("(unknown)");
    }

    // The channel a typo away from [channel] among those where the other side waits:
    // receives (for a send) or sends (for a receive). Empty when none is near.
    std::string nearMiss(const Value& channel, bool wantReceivers) {
        std::vector<std::string>& names = wantReceivers ? receiverNames_ : senderNames_;
        if (names.empty()) {
            for (const View& v : views_) {
                const bool has =
                    wantReceivers
                        ? std::any_of(v.continuations.begin(), v.continuations.end(),
                                      [](const Waiting& w) { return w.continuation.native == Native::kNone; })
                        : !v.data.empty();
                if (has && names.size() < kMaxNearMissNames)
                    names.push_back(name(v.channel));
            }
            if (names.empty())
                names.emplace_back(); // looked: none
        }
        const std::string text = name(channel);
        std::string best;
        size_t bestDistance = std::max<size_t>(1, text.size() / 5) + 1;
        for (const std::string& c : names) {
            if (c.empty() || c == text)
                continue;
            const size_t d = editDistance(text, c);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }

    std::string why(Group& g) {
        const std::string ch = name(g.channel);
        auto their = [&] { return g.sameChannel ? ch : "their channels (the first: " + ch + ")"; };
        switch (g.reason) {
        case Reason::kNoReceiver: {
            std::string out = "nothing receives on " + their();
            if (std::string near = nearMiss(g.channel, true); !near.empty())
                out += "; a receive waits on " + near + ": a typo?";
            return out;
        }
        case Reason::kNoMatch:
            return std::to_string(g.others) + (g.others == 1 ? " receive waits" : " receives wait") + " on " +
                   ch + ", and no pattern there matches " + (g.count > 1 ? "these" : "it");
        case Reason::kSystemArity:
            return "the system process on " + ch + " takes " + std::to_string(g.others) + " value" +
                   (g.others == 1 ? "" : "s");
        case Reason::kJoinWaits:
            return "the join at " + where(g.joinSite) + " would take " + (g.count > 1 ? "them" : "it") +
                   ", once its other channels hold matching sends";
        case Reason::kNoSend: {
            std::string out = "nothing was sent on " + their();
            if (std::string near = nearMiss(g.channel, false); !near.empty())
                out += "; sends wait on " + near + ": a typo?";
            return out;
        }
        case Reason::kNoMatchingSend:
            return ch + " holds " + std::to_string(g.others) + " send" + (g.others == 1 ? "" : "s") +
                   ", and the pattern matches none";
        case Reason::kJoinMissing: {
            std::string out = "the join waits for a matching send on ";
            for (size_t i = 0; i < g.missing.size(); ++i)
                out += (i == 0 ? "" : i + 1 == g.missing.size() ? " and " : ", ") + name(g.missing[i]);
            return out;
        }
        case Reason::kStoppedEarly:
            return "a match is there: the run stopped before they met";
        case Reason::kListening:
            return "listening on " + their();
        }
        return {};
    }

    std::vector<StuckReport::Item> items(Groups& groups) {
        std::vector<Group*> sorted;
        for (auto& [key, g] : groups)
            sorted.push_back(&g);
        auto order = [this](const Group* g) {
            const OriginSites::Site s = origins_ != nullptr ? origins_->site(g->site) : OriginSites::Site{};
            // Unknown last; then by file, line, column; then the text.
            return std::make_tuple(s.pos.line == 0, s.file ? *s.file : std::string(), s.pos.line, s.pos.col,
                                   g->what, g->reason);
        };
        std::sort(sorted.begin(), sorted.end(),
                  [&](const Group* a, const Group* b) { return order(a) < order(b); });
        std::vector<StuckReport::Item> out;
        out.reserve(sorted.size());
        for (Group* g : sorted)
            out.push_back(StuckReport::Item{where(g->site), g->what, why(*g), g->count});
        return out;
    }

    static constexpr size_t kMaxNearMissNames = 4096;

    const std::vector<View>& views_;
    const RhoMatcher& matcher_;
    const OriginSites* origins_;
    const bytecode::PrintStyle* style_;
    absl::flat_hash_map<rspace::ChannelKey, std::vector<size_t>> index_;
    Groups sends_, receives_, contracts_;
    std::vector<std::string> receiverNames_, senderNames_;
};

} // namespace

StuckReport reportStuck(const std::vector<View>& views, const RhoMatcher& matcher, const OriginSites* origins,
                        const bytecode::PrintStyle* style) {
    return Builder(views, matcher, origins, style).build();
}

} // namespace rho::machine
