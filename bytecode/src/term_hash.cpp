// File: term_hash.cpp
// The symbolic hash of closures (see term_hash.h).

#include "term_hash.h"

#include <vector>

#include "hash_tags.h"
#include "rho/base/assert.h"

namespace rho::bytecode {

using namespace detail; // NOLINT(google-build-using-namespace): the hash tags

namespace {

// What a frame slot holds during the symbolic pass.
struct Sym {
    bool bound = false; // a variable bound inside the term being hashed
    uint32_t depth = 0; // if bound: its binder's depth
    Hash128 hash;       // if not bound: the substituted value's hash
};

class TermHasher {
  public:
    Hash128 sequence(const Code& code, std::vector<Sym> frame, uint32_t depth);

  private:
    Hash128 pattern(const Code& owner, const Pattern& p, uint32_t depth);
    Hash128 member(const Code& parent, const ChildRef& ref, const std::vector<Sym>& frame, uint32_t depth);
};

Hash128 TermHasher::pattern(const Code& owner, const Pattern& p, uint32_t depth) {
    switch (p.kind) {
    case Pattern::Kind::kBind: return hashNode(kTagPattern, {}, 1000 + p.binding);
    case Pattern::Kind::kWildcard: return hashNode(kTagPattern, {}, 1);
    case Pattern::Kind::kLiteral: return p.literal.hash();
    case Pattern::Kind::kType: return hashNode(kTagPattern, {}, 100 + p.simpleType);
    case Pattern::Kind::kVarRef: return hashNode(kTagPattern, {}, 1u << 20 | p.slot);
    case Pattern::Kind::kProcess:
        return sequence(*owner.children[p.child], std::vector<Sym>(owner.children[p.child]->numSlots), depth);
    default: {
        std::vector<Hash128> items;
        for (const Pattern& q : p.items)
            items.push_back(pattern(owner, q, depth));
        uint64_t extra = static_cast<uint64_t>(p.kind) << 40 | static_cast<uint64_t>(p.bundleMode) << 32 |
                         static_cast<uint32_t>(p.remainder);
        return hashNode(kTagPatternHole, items, extra);
    }
    }
    return {};
}

Hash128 TermHasher::member(const Code& parent, const ChildRef& ref, const std::vector<Sym>& frame,
                           uint32_t depth) {
    const Code& child = *parent.children[ref.child];
    std::vector<Sym> childFrame(child.numSlots);
    for (size_t i = 0; i < ref.captureSlots.size(); ++i)
        childFrame[i] = frame[ref.captureSlots[i]];
    return sequence(child, std::move(childFrame), depth);
}

Hash128 TermHasher::sequence(const Code& code, std::vector<Sym> frame, uint32_t depth) {
    std::vector<Hash128> stack;
    std::vector<Hash128> stream;
    Hash128 result;
    auto pop = [&]() {
        RHO_CHECK(!stack.empty(), "symbolic stack underflow");
        Hash128 h = stack.back();
        stack.pop_back();
        return h;
    };
    auto popN = [&](size_t n) {
        RHO_CHECK(stack.size() >= n, "symbolic stack underflow");
        std::vector<Hash128> v(stack.end() - static_cast<ptrdiff_t>(n), stack.end());
        stack.resize(stack.size() - n);
        return v;
    };
    if (code.join) {
        // A receive body: its patterns, then its bindings become bound variables.
        std::vector<Hash128> pats;
        for (const BindPatterns& b : code.join->binds) {
            std::vector<Hash128> args;
            for (const Pattern& p : b.args)
                args.push_back(pattern(code, p, depth));
            pats.push_back(hashNode(kTagPattern, args, args.size() | static_cast<uint64_t>(b.remainder + 2) << 32));
        }
        stream.push_back(hashNode(kTagReceive, pats, (code.join->persistent ? 1u : 0u) | (code.join->peek ? 2u : 0u)));
        for (uint32_t i = 0; i < code.join->numBindings; ++i)
            frame[code.numCaptures + i] = Sym{true, depth++, {}};
    }
    const std::vector<uint32_t>& w = code.words;
    for (size_t pc = 0; pc < w.size(); ++pc) {
        Op op = decodeOp(w[pc]);
        uint32_t a = decodeA(w[pc]);
        uint32_t aux = hasAux(opInfo(op).format) ? w[++pc] : 0;
        switch (op) {
        case Op::PUSH_NIL: stack.push_back(hashNode(kTagNil, {})); break;
        case Op::PUSH_CONST: stack.push_back(code.constants[a].hash()); break;
        case Op::LOAD: {
            const Sym& s = frame[a];
            stack.push_back(s.bound ? hashNode(kTagBound, {}, depth - 1 - s.depth) : s.hash);
            break;
        }
        case Op::MAKE_LIST:
        case Op::MAKE_TUPLE: {
            auto items = popN(a);
            stack.push_back(hashNode(op == Op::MAKE_LIST ? kTagList : kTagTuple, items, a));
            break;
        }
        case Op::QUOTE:
        case Op::PAR: {
            auto parts = popN(aux);
            for (const ChildRef& m : code.multisets[a].members)
                parts.push_back(member(code, m, frame, depth));
            stack.push_back(parHash(parts));
            break;
        }
        case Op::NEG:
        case Op::NOT: {
            Hash128 x = pop();
            stack.push_back(hashNode(kTagOp, {&x, 1}, static_cast<uint64_t>(op)));
            break;
        }
        case Op::ADD: case Op::SUB: case Op::MUL: case Op::DIV: case Op::MOD: case Op::EQ: case Op::NEQ:
        case Op::LT: case Op::LE: case Op::GT: case Op::GE: case Op::AND: case Op::OR: {
            auto xy = popN(2);
            stack.push_back(hashNode(kTagOp, xy, static_cast<uint64_t>(op)));
            break;
        }
        case Op::IF: {
            std::vector<Hash128> parts{pop()};
            for (const ChildRef& m : code.multisets[a].members)
                parts.push_back(member(code, m, frame, depth));
            stream.push_back(hashNode(kTagIf, parts));
            break;
        }
        case Op::SEND:
        case Op::SEND_PERSIST: {
            auto args = popN(a + 1u);
            stream.push_back(hashNode(kTagSend, args, a | (op == Op::SEND_PERSIST ? 1ull << 32 : 0)));
            break;
        }
        case Op::RECEIVE: {
            const ChildRef& body = code.multisets[a].members[0];
            size_t k = code.children[body.child]->join->binds.size();
            auto parts = popN(k);
            parts.push_back(member(code, body, frame, depth));
            stream.push_back(hashNode(kTagReceive, parts, k));
            break;
        }
        case Op::NEW:
            for (uint32_t i = 0; i < aux; ++i)
                frame[a + i] = Sym{true, depth++, {}};
            stream.push_back(hashNode(kTagNew, {}, aux));
            break;
        case Op::NEW_URN: {
            frame[a] = Sym{true, depth++, {}};
            Hash128 uri = code.constants[aux].hash();
            stream.push_back(hashNode(kTagNewUrn, {&uri, 1}));
            break;
        }
        case Op::SPAWN: {
            std::vector<Hash128> parts;
            for (const ChildRef& m : code.multisets[a].members)
                parts.push_back(member(code, m, frame, depth));
            Hash128 p = parHash(parts);
            stream.push_back(hashNode(kTagSpawn, {&p, 1}));
            break;
        }
        case Op::EXEC: {
            Hash128 x = pop();
            stream.push_back(hashNode(kTagExec, {&x, 1}));
            break;
        }
        case Op::MAKE_SET: stack.push_back(setHash(popN(a))); break;
        case Op::MAKE_MAP: {
            auto flat = popN(2 * size_t{a});
            std::vector<std::pair<Hash128, Hash128>> pairs;
            for (size_t i = 0; i < flat.size(); i += 2)
                pairs.emplace_back(flat[i], flat[i + 1]);
            stack.push_back(mapHash(std::move(pairs)));
            break;
        }
        case Op::BUNDLE: {
            Hash128 x = pop();
            stack.push_back(hashNode(kTagBundle, {&x, 1}, a));
            break;
        }
        case Op::CONCAT:
        case Op::DIFF:
        case Op::INTERPOLATE: {
            auto xy = popN(2);
            stack.push_back(hashNode(kTagOp, xy, static_cast<uint64_t>(op)));
            break;
        }
        case Op::METHOD: {
            auto parts = popN(size_t{aux} + 1);
            parts.push_back(code.constants[a].hash());
            stack.push_back(hashNode(kTagMethod, parts, aux));
            break;
        }
        case Op::MATCH: {
            std::vector<Hash128> parts{pop()};
            for (const ChildRef& m : code.multisets[a].members)
                parts.push_back(member(code, m, frame, depth));
            stream.push_back(hashNode(kTagMatch, parts));
            break;
        }
        case Op::MATCHES:
        case Op::AND_ALSO:
        case Op::OR_ELSE: {
            std::vector<Hash128> parts{pop(), member(code, code.multisets[a].members[0], frame, depth)};
            stack.push_back(hashNode(kTagOp, parts, static_cast<uint64_t>(op)));
            break;
        }
        case Op::PUSH_PATTERN: stack.push_back(pattern(code, code.patterns[a], depth)); break;
        case Op::POP: pop(); break;
        case Op::RET: return pop(); // an expression sequence denotes its value's term
        case Op::HALT: break;
        }
    }
    result = hashNode(kTagSeq, stream, stream.size());
    return hashNode(kTagProc, {&result, 1});
}

} // namespace

Hash128 closureHash(const Code& code, std::span<const Value> captures) {
    std::vector<Sym> frame(code.numSlots);
    for (size_t i = 0; i < captures.size(); ++i)
        frame[i].hash = captures[i].hash();
    return TermHasher().sequence(code, std::move(frame), 0);
}

} // namespace rho::bytecode
