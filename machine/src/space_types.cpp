// File: space_types.cpp
// Storage encoding of messages, patterns and continuations, and the matcher.

#include "space_types.h"

#include "process_match.h"

#include "rho/base/byte_order.h"
#include "rho/bytecode/rbc.h"

#include <cstring>

namespace rho::machine {

static_assert(Space_kShardBits == Space::kShardBits, "SpaceTypes::key must put a name's shard where Space reads it");
// A parked receive on a channel of its own: a record and an entry (with its key, a
// 96-byte node), each a slot of its shard's slab pool (BM_ParkedReceiveMemory: 249
// bytes with the shard's table; issue 6 asks for 256 at most).
static_assert(Space::entryBytes() <= 80, "a channel's entry outgrew 80 bytes");
static_assert(Space::recordBytes() <= 128, "a parked receive's record outgrew 128 bytes");

using bytecode::Pattern;
using bytecode::ValueKind;

namespace {

void putU32(uint32_t v, std::string& out) { base::putU32(out, v); }
using base::getU32;

bool isSimpleType(uint8_t type, const Value& v) {
    static const ValueKind kKinds[] = {ValueKind::kBool,   ValueKind::kInt, ValueKind::kBigInt,
                                       ValueKind::kString, ValueKind::kUri, ValueKind::kByteArray};
    return v.kind() == kKinds[type % 6];
}

// One match of a pattern against a value, with the captured values that variable
// references (=x) read.
struct PatternMatch {
    std::span<const Value> captures;
    const bytecode::Code* owner = nullptr; // whose children the process patterns name

    bool match(const Pattern& p, const Value& v, Bindings& out) const {
        switch (p.kind) {
        case Pattern::Kind::kBind: out.emplace_back(p.binding, v); return true;
        case Pattern::Kind::kWildcard: return true;
        case Pattern::Kind::kLiteral: return p.literal == v;
        case Pattern::Kind::kType: return isSimpleType(p.simpleType, v);
        case Pattern::Kind::kVarRef: return p.slot < captures.size() && captures[p.slot] == v;
        case Pattern::Kind::kList:
        case Pattern::Kind::kTuple: {
            ValueKind want = p.kind == Pattern::Kind::kList ? ValueKind::kList : ValueKind::kTuple;
            if (v.kind() != want)
                return false;
            auto items = v.items();
            if (items.size() < p.items.size() || (p.remainder == Pattern::kNoRemainder && items.size() != p.items.size()))
                return false;
            for (size_t i = 0; i < p.items.size(); ++i)
                if (!match(p.items[i], items[i], out))
                    return false;
            if (p.remainder >= 0)
                out.emplace_back(static_cast<uint32_t>(p.remainder),
                                 Value::list(std::vector<Value>(items.begin() + static_cast<ptrdiff_t>(p.items.size()),
                                                                items.end())));
            return true;
        }
        case Pattern::Kind::kSet:
        case Pattern::Kind::kMap: return matchUnordered(p, v, out);
        case Pattern::Kind::kAnd:
            for (const Pattern& q : p.items)
                if (!match(q, v, out))
                    return false;
            return true;
        case Pattern::Kind::kOr:
            for (const Pattern& q : p.items) {
                Bindings scratch;
                if (match(q, v, scratch))
                    return true; // a disjunction binds nothing
            }
            return false;
        case Pattern::Kind::kNot: {
            Bindings scratch;
            return !match(p.items[0], v, scratch);
        }
        case Pattern::Kind::kBundle: {
            if (v.kind() != ValueKind::kBundle || static_cast<uint8_t>(v.bundleMode()) != p.bundleMode)
                return false;
            Bindings scratch;
            return match(p.items[0], v.items()[0], scratch);
        }
        case Pattern::Kind::kProcess: {
            if (owner == nullptr || p.child >= owner->children.size())
                return false;
            // Inside, each pattern variable is matched here again, with its own owner.
            const HoleMatcher hole = [this](const Pattern& q, const bytecode::Code& qOwner, const Value& x,
                                            Bindings& b) { return PatternMatch{captures, &qOwner}.match(q, x, b); };
            return matchProcessPattern(p, *owner, v, hole, out);
        }
        }
        return false;
    }

    // Sets and maps: each pattern item takes a distinct element (entry), found by
    // backtracking; the rest goes to the remainder. Without remainder the sizes match.
    bool matchUnordered(const Pattern& p, const Value& v, Bindings& out) const {
        bool isMap = p.kind == Pattern::Kind::kMap;
        if (v.kind() != (isMap ? ValueKind::kMap : ValueKind::kSet))
            return false;
        size_t step = isMap ? 2 : 1;
        size_t want = p.items.size() / step;
        auto items = v.items();
        size_t have = items.size() / step;
        if (have < want || (p.remainder == Pattern::kNoRemainder && have != want))
            return false;
        std::vector<bool> used(have, false);
        size_t mark = out.size();
        if (!assign(p, items, step, 0, used, out)) {
            out.resize(mark);
            return false;
        }
        if (p.remainder >= 0) {
            std::vector<Value> rest;
            for (size_t e = 0; e < have; ++e)
                if (!used[e])
                    for (size_t k = 0; k < step; ++k)
                        rest.push_back(items[e * step + k]);
            out.emplace_back(static_cast<uint32_t>(p.remainder),
                             isMap ? Value::map(std::move(rest)) : Value::set(std::move(rest)));
        }
        return true;
    }

    bool assign(const Pattern& p, std::span<const Value> items, size_t step, size_t i, std::vector<bool>& used,
                Bindings& out) const {
        if (i * step == p.items.size())
            return true;
        for (size_t e = 0; e < used.size(); ++e) {
            if (used[e])
                continue;
            size_t mark = out.size();
            bool ok = match(p.items[i * step], items[e * step], out) &&
                      (step == 1 || match(p.items[i * step + 1], items[e * step + 1], out));
            if (ok) {
                used[e] = true;
                if (assign(p, items, step, i + 1, used, out))
                    return true;
                used[e] = false;
            }
            out.resize(mark);
        }
        return false;
    }
};

} // namespace

bool matchPattern(const Pattern& p, const Value& v, std::span<const Value> captures, const bytecode::Code& owner,
                  Bindings& out) {
    return PatternMatch{captures, &owner}.match(p, v, out);
}

bool RhoMatcher::match(const PatternRef& pattern, const Continuation& k, const Message& message,
                       Bindings& out) const {
    if (!k.body)
        return pattern.arity == 0 || message.args.size() == pattern.arity;
    const bytecode::BindPatterns& bind = k.body->join->binds[pattern.bind];
    const auto& args = bind.args;
    if (message.args.size() < args.size() ||
        (bind.remainder == Pattern::kNoRemainder && args.size() != message.args.size()))
        return false;
    PatternMatch m{std::span<const Value>(k.captures.begin(), k.captures.end()), k.body.get()};
    size_t mark = out.size();
    for (size_t i = 0; i < args.size(); ++i) {
        // The common patterns of a contract's or receive's parameters, without a call.
        if (args[i].kind == Pattern::Kind::kBind) {
            out.emplace_back(args[i].binding, message.args[i]);
            continue;
        }
        if (args[i].kind == Pattern::Kind::kWildcard)
            continue;
        if (!m.match(args[i], message.args[i], out)) {
            out.resize(mark);
            return false;
        }
    }
    if (bind.remainder >= 0)
        out.emplace_back(static_cast<uint32_t>(bind.remainder),
                         Value::list(std::vector<Value>(message.args.begin() + static_cast<ptrdiff_t>(args.size()),
                                                        message.args.end())));
    return true;
}

bool SpaceTypes::encode(const Message& m, std::string& out) {
    putU32(static_cast<uint32_t>(m.args.size()), out);
    for (const Value& v : m.args)
        if (!bytecode::encodeValueChecked(v, out))
            return false;
    return true;
}

// A pattern is stored as its place in the join; its body and captures are the
// continuation's, stored once in the same record (relink restores them).
void SpaceTypes::encode(const PatternRef& p, std::string& out) {
    putU32(p.bind, out);
    putU32(p.arity, out);
}

bool SpaceTypes::encode(const Continuation& k, std::string& out) {
    if (!bytecode::encodeCodeChecked(*k.body, out))
        return false;
    putU32(static_cast<uint32_t>(k.captures.size()), out);
    for (const Value& v : k.captures)
        if (!bytecode::encodeValueChecked(v, out))
            return false;
    return true;
}

bool SpaceTypes::decode(std::string_view& in, Value& v) {
    auto r = bytecode::decodeValue(in);
    if (!r.ok())
        return false;
    v = std::move(r).value();
    return true;
}

bool SpaceTypes::decode(std::string_view& in, Message& m) {
    uint32_t n;
    if (!getU32(in, n) || n > in.size())
        return false;
    m.args.clear();
    for (uint32_t i = 0; i < n; ++i) {
        Value v;
        if (!decode(in, v))
            return false;
        m.args.push_back(std::move(v));
    }
    return true;
}

bool SpaceTypes::decode(std::string_view& in, PatternRef& p) {
    return getU32(in, p.bind) && getU32(in, p.arity);
}

std::string SpaceTypes::encodingTag() {
    return "rhovm bytecode " + std::to_string(bytecode::kBytecodeVersion) + ", space codec " +
           std::to_string(kCodecRevision);
}

bool SpaceTypes::relink(PatternRef& p, const Continuation& k) {
    return k.body && k.body->join && p.bind < k.body->join->binds.size();
}

bool SpaceTypes::decode(std::string_view& in, Continuation& k) {
    auto r = bytecode::decodeCode(in);
    if (!r.ok() || !(*r)->join)
        return false;
    k.body = std::move(r).value();
    uint32_t n;
    if (!getU32(in, n) || n != k.body->numCaptures)
        return false;
    k.captures.clear();
    for (uint32_t i = 0; i < n; ++i) {
        Value v;
        if (!decode(in, v))
            return false;
        k.captures.push_back(std::move(v));
    }
    k.native = Native::kNone;
    return true;
}

} // namespace rho::machine
