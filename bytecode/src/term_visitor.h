// File: term_visitor.h (private)
// Term<B>: the walker's visitor (walk.h) that builds the term a sequence denotes with
// a builder B: HashBuilder and ExactBuilder (hash.cpp) make its hash and canonical
// form, TreeBuilder (term_tree.cpp) a tree for matching process patterns. One visitor
// for all three, so they cannot drift apart.
//
// A builder B provides:
//   using Item;
//   static Item value(const Value&);                                 a value (captures, constants)
//   static Item node(uint8_t tag, std::span<const Item>, uint64_t);  a node (hash_tags.h)
//   static Item par(std::vector<Item>), set(...), map(pairs);        unordered collections
//   static Item hole(const Pattern&, const Code& owner, Item, bool free);
//       a pattern's term [Item]; [free]: a pattern variable of an enclosing match or
//       receive (PUSH_PATTERN), not a pattern of a receive inside the term
//   template <class Slot> static Item member(Item, const Code& parent, const ChildRef&,
//       const std::vector<Slot>& frame);   the term of a member sequence, closed over [frame]
#pragma once

#include <span>
#include <vector>

#include "hash_tags.h"
#include "rho/base/assert.h"
#include "walk.h"

namespace rho::bytecode::detail {

// The visitor that builds a term (hash.h) with builder B.
template <class B>
struct Term {
    using Item = typename B::Item;
    struct Slot {
        bool bound = false; // a variable bound inside the term
        uint32_t depth = 0; // if bound: its binder's depth
        Item value;         // if not bound: the substituted value's term
    };
    struct Seq {
        std::vector<Item> stream; // the terms of the sequence's process parts
    };
    using Scope = typename Walker<Term>::Scope;

    Slot bound(uint32_t depth) { return Slot{true, depth, {}}; }
    bool admit(const Insn&, Scope&) { return true; }
    void fail(size_t, const char* what) { RHO_CHECK(false, what); }

    Item pattern(Scope& s, const Code& owner, const Pattern& p, bool free) {
        return B::hole(p, owner, patternTerm(s, owner, p, free), free);
    }
    Item patternTerm(Scope& s, const Code& owner, const Pattern& p, bool free) {
        switch (p.kind) {
        case Pattern::Kind::kBind: return B::node(kTagPattern, {}, 1000 + p.binding);
        case Pattern::Kind::kWildcard: return B::node(kTagPattern, {}, 1);
        case Pattern::Kind::kLiteral: return B::value(p.literal);
        case Pattern::Kind::kType: return B::node(kTagPattern, {}, 100 + p.simpleType);
        case Pattern::Kind::kVarRef: return B::node(kTagPattern, {}, 1u << 20 | p.slot);
        case Pattern::Kind::kProcess: {
            const Code& child = *owner.children[p.child];
            return s.walker.sequence(child, std::vector<Slot>(child.numSlots), s.depth);
        }
        default: {
            std::vector<Item> items;
            for (const Pattern& q : p.items)
                items.push_back(pattern(s, owner, q, free));
            uint64_t extra = static_cast<uint64_t>(p.kind) << 40 | static_cast<uint64_t>(p.bundleMode) << 32 |
                             static_cast<uint32_t>(p.remainder);
            return B::node(kTagPatternHole, items, extra);
        }
        }
    }

    // A receive body: its patterns (built before its bindings are in scope).
    void begin(Seq& seq, Scope& s) {
        const Code& code = s.code;
        if (!code.join)
            return;
        std::vector<Item> pats;
        for (const BindPatterns& b : code.join->binds) {
            std::vector<Item> args;
            for (const Pattern& p : b.args)
                args.push_back(pattern(s, code, p, false));
            pats.push_back(B::node(kTagPattern, args, args.size() | static_cast<uint64_t>(b.remainder + 2) << 32));
        }
        seq.stream.push_back(
            B::node(kTagReceive, pats, (code.join->persistent ? 1u : 0u) | (code.join->peek ? 2u : 0u)));
    }

    // [first], then the terms of the members of multiset [m].
    static std::vector<Item> withMembers(Scope& s, uint32_t m, std::span<Item> first) {
        std::vector<Item> parts(std::make_move_iterator(first.begin()), std::make_move_iterator(first.end()));
        for (const ChildRef& ref : s.code.multisets[m].members)
            parts.push_back(B::member(s.member(ref), s.code, ref, s.frame));
        return parts;
    }

    Item value(Seq&, const Insn& i, std::span<Item> in, Scope& s) {
        const Code& code = s.code;
        const auto op = static_cast<uint64_t>(i.op);
        switch (i.op) {
        case Op::PUSH_NIL: return B::value(Value());
        case Op::PUSH_CONST: return B::value(code.constants[i.a]);
        case Op::LOAD: {
            const Slot& slot = s.frame[i.a];
            return slot.bound ? B::node(kTagBound, {}, s.depth - 1 - slot.depth) : slot.value;
        }
        case Op::MAKE_LIST: return B::node(kTagList, in, i.a);
        case Op::MAKE_TUPLE: return B::node(kTagTuple, in, i.a);
        case Op::QUOTE:
        case Op::PAR: return B::par(withMembers(s, i.a, in));
        case Op::MAKE_SET: return B::set({std::make_move_iterator(in.begin()), std::make_move_iterator(in.end())});
        case Op::MAKE_MAP: {
            std::vector<std::pair<Item, Item>> pairs;
            for (size_t k = 0; k < in.size(); k += 2)
                pairs.emplace_back(std::move(in[k]), std::move(in[k + 1]));
            return B::map(std::move(pairs));
        }
        case Op::BUNDLE: return B::node(kTagBundle, in, i.a);
        case Op::METHOD: {
            std::vector<Item> parts(std::make_move_iterator(in.begin()), std::make_move_iterator(in.end()));
            parts.push_back(B::value(code.constants[i.a]));
            return B::node(kTagMethod, parts, i.aux);
        }
        case Op::MATCHES:
        case Op::AND_ALSO:
        case Op::OR_ELSE: {
            Item parts[2] = {std::move(in[0]), s.member(code.multisets[i.a].members[0])};
            return B::node(kTagOp, parts, op);
        }
        case Op::PUSH_PATTERN: return pattern(s, code, code.patterns[i.a], true);
        default: // an operator: an unevaluated application
            RHO_CHECK(opInfo(i.op).primitive != PrimitiveClass::kNone, "an instruction the hasher does not know");
            return B::node(kTagOp, in, op);
        }
    }

    void effect(Seq& seq, const Insn& i, std::span<Item> in, Scope& s) {
        const Code& code = s.code;
        switch (i.op) {
        case Op::IF: seq.stream.push_back(B::node(kTagIf, withMembers(s, i.a, in))); break;
        case Op::MATCH: seq.stream.push_back(B::node(kTagMatch, withMembers(s, i.a, in))); break;
        case Op::SEND:
        case Op::SEND_PERSIST:
            seq.stream.push_back(B::node(kTagSend, in, i.a | (i.op == Op::SEND_PERSIST ? 1ull << 32 : 0)));
            break;
        case Op::RECEIVE: seq.stream.push_back(B::node(kTagReceive, withMembers(s, i.a, in), in.size())); break;
        case Op::NEW:
            for (uint32_t k = 0; k < i.aux; ++k)
                s.bind(i.a + k);
            seq.stream.push_back(B::node(kTagNew, {}, i.aux));
            break;
        case Op::NEW_URN: {
            s.bind(i.a);
            Item uri = B::value(code.constants[i.aux]);
            seq.stream.push_back(B::node(kTagNewUrn, {&uri, 1}));
            break;
        }
        case Op::SPAWN: {
            Item p = B::par(withMembers(s, i.a, {}));
            seq.stream.push_back(B::node(kTagSpawn, {&p, 1}));
            break;
        }
        case Op::EXEC: seq.stream.push_back(B::node(kTagExec, in)); break;
        default: break; // POP, HALT
        }
    }

    Item end(Seq& seq, Scope&) {
        Item result = B::node(kTagSeq, seq.stream, seq.stream.size());
        return B::node(kTagProc, {&result, 1});
    }
};

template <class B>
typename B::Item closureTerm(const Code& code, std::span<const Value> captures) {
    std::vector<typename Term<B>::Slot> frame(code.numSlots);
    for (size_t i = 0; i < captures.size(); ++i)
        frame[i].value = B::value(captures[i]);
    Term<B> v;
    return Walker<Term<B>>(v).sequence(code, std::move(frame), 0);
}

} // namespace rho::bytecode::detail
