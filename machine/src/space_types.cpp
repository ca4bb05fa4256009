// File: space_types.cpp
// Storage encoding of messages, patterns and continuations, and the matcher.

#include "space_types.h"

#include <cstring>

namespace rho::machine {

using bytecode::Pattern;
using bytecode::ValueKind;

namespace {

void putU32(uint32_t v, std::string& out) { out.append(reinterpret_cast<const char*>(&v), 4); }

bool getU32(std::string_view& in, uint32_t& v) {
    if (in.size() < 4)
        return false;
    std::memcpy(&v, in.data(), 4);
    in.remove_prefix(4);
    return true;
}

bool matchOne(const Pattern& p, const Value& v, Bindings& out) {
    switch (p.kind) {
    case Pattern::Kind::kBind: out.emplace_back(p.binding, v); return true;
    case Pattern::Kind::kWildcard: return true;
    case Pattern::Kind::kLiteral: return p.literal == v;
    case Pattern::Kind::kList:
    case Pattern::Kind::kTuple: {
        ValueKind want = p.kind == Pattern::Kind::kList ? ValueKind::kList : ValueKind::kTuple;
        if (v.kind() != want || v.items().size() != p.items.size())
            return false;
        for (size_t i = 0; i < p.items.size(); ++i)
            if (!matchOne(p.items[i], v.items()[i], out))
                return false;
        return true;
    }
    }
    return false;
}

} // namespace

bool RhoMatcher::match(const PatternRef& pattern, const Message& message, Bindings& out) const {
    if (!pattern.body)
        return pattern.arity == 0 || message.args.size() == pattern.arity;
    const auto& args = pattern.body->join->binds[pattern.bind].args;
    if (args.size() != message.args.size())
        return false;
    size_t mark = out.size();
    for (size_t i = 0; i < args.size(); ++i) {
        if (!matchOne(args[i], message.args[i], out)) {
            out.resize(mark);
            return false;
        }
    }
    return true;
}

void SpaceTypes::encode(const Message& m, std::string& out) {
    putU32(static_cast<uint32_t>(m.args.size()), out);
    for (const Value& v : m.args)
        bytecode::encodeValue(v, out);
}

void SpaceTypes::encode(const PatternRef& p, std::string& out) {
    out += static_cast<char>(p.body ? 1 : 0);
    putU32(p.bind, out);
    putU32(p.arity, out);
    if (p.body)
        bytecode::encodeCode(*p.body, out);
}

void SpaceTypes::encode(const Continuation& k, std::string& out) {
    bytecode::encodeCode(*k.body, out);
    putU32(static_cast<uint32_t>(k.captures.size()), out);
    for (const Value& v : k.captures)
        bytecode::encodeValue(v, out);
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
    if (in.empty())
        return false;
    bool hasBody = in[0] != 0;
    in.remove_prefix(1);
    if (!getU32(in, p.bind) || !getU32(in, p.arity))
        return false;
    p.body.reset();
    if (hasBody) {
        auto r = bytecode::decodeCode(in);
        if (!r.ok() || !(*r)->join || p.bind >= (*r)->join->binds.size())
            return false;
        p.body = std::move(r).value();
    }
    return true;
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
