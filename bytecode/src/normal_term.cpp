// File: normal_term.cpp
// Rebuilding the reference's normalized term from a closure's code (normal_term.h):
// the walker's visitor (walk.h) that turns each instruction into the term it stands
// for. Variables are built with binder ids; normal_order.cpp then numbers them as
// de Bruijn levels and sorts every par.

#include "rho/bytecode/normal_term.h"

#include <algorithm>
#include <memory>

#include "normal_order.h"
#include "rho/base/assert.h"
#include "walk.h"

namespace rho::bytecode {

bool NPar::empty() const {
    return sends.empty() && receives.empty() && news.empty() && exprs.empty() && matches.empty() && bundles.empty() &&
           connectives.empty() && unforgeables.empty();
}

void NPar::append(NPar&& o) {
    auto move = [](auto& to, auto& from) {
        to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
    };
    move(sends, o.sends);
    move(receives, o.receives);
    move(news, o.news);
    move(exprs, o.exprs);
    move(matches, o.matches);
    move(bundles, o.bundles);
    move(connectives, o.connectives);
    move(unforgeables, o.unforgeables);
}

namespace {

NPar exprPar(NExpr e) {
    NPar p;
    p.exprs.push_back(std::move(e));
    return p;
}

NPar varPar(NVar v) {
    NExpr e;
    e.kind = NExprKind::kVar;
    e.var = v;
    return exprPar(std::move(e));
}

NPar groundPar(const Value& v) {
    NExpr e;
    e.kind = NExprKind::kGround;
    e.ground = v;
    return exprPar(std::move(e));
}

// The patterns of a receive body or match case, built before its bindings.
struct BodyPatterns {
    std::vector<NBind> binds;
};

class Builder {
  public:
    struct Item {
        NPar par;
        std::shared_ptr<BodyPatterns> patterns; // a receive body's or case's
    };
    // A captured value is kept as the Value and made a term where it is loaded: a
    // quote nested n deep is then built once per level, not copied at every level
    // above it (which made printing quadratic in the depth).
    struct Slot {
        bool bound = false;
        uint32_t id = 0;
        const Value* value = nullptr; // if not bound: the substituted value (null: Nil)
    };
    NPar term(const Slot& slot) { return slot.value != nullptr ? fromValue(*slot.value) : NPar{}; }
    // The process parts of a sequence: the outermost par, then one frame per `new`
    // whose scope the rest of the sequence is in.
    struct Frame {
        NNew header;
        NPar parts;
    };
    struct Seq {
        std::vector<Frame> frames = std::vector<Frame>(1);
        std::shared_ptr<BodyPatterns> patterns;
        size_t binderEnd = SIZE_MAX; // pc just after the last NEW / NEW_URN
        bool groupHasUrn = false;
        NPar& parts() { return frames.back().parts; }
    };
    using Scope = Walker<Builder>::Scope;

    Builder() : walker(*this) {}

    Walker<Builder> walker;
    uint32_t nextId = 0;

    NPar fromValue(const Value& v) {
        switch (v.kind()) {
        case ValueKind::kNil: return {};
        case ValueKind::kUnforgeable: {
            NPar p;
            p.unforgeables.push_back(v);
            return p;
        }
        case ValueKind::kList:
        case ValueKind::kTuple:
        case ValueKind::kSet:
        case ValueKind::kMap: {
            NExpr e;
            e.kind = v.kind() == ValueKind::kList    ? NExprKind::kList
                     : v.kind() == ValueKind::kTuple ? NExprKind::kTuple
                     : v.kind() == ValueKind::kSet   ? NExprKind::kSet
                                                     : NExprKind::kMap;
            for (const Value& item : v.items())
                e.ps.push_back(fromValue(item));
            return exprPar(std::move(e));
        }
        case ValueKind::kBundle: {
            NBundle b;
            b.body = fromValue(v.items()[0]);
            setBundleMode(b, static_cast<uint32_t>(v.bundleMode()));
            NPar p;
            p.bundles.push_back(std::move(b));
            return p;
        }
        case ValueKind::kProc: {
            const Closure& c = v.closure();
            std::vector<Slot> frame(c.code->numSlots);
            for (size_t i = 0; i < c.captures.size(); ++i)
                frame[i].value = &c.captures[i];
            return walker.sequence(*c.code, std::move(frame), 0).par;
        }
        case ValueKind::kPar: {
            NPar p;
            for (const Value& part : v.parts())
                p.append(fromValue(part));
            return p;
        }
        default: return groundPar(v);
        }
    }

    static void setBundleMode(NBundle& b, uint32_t mode) {
        const auto m = static_cast<BundleMode>(mode & 3);
        b.write = m == BundleMode::kReadWrite || m == BundleMode::kWrite;
        b.read = m == BundleMode::kReadWrite || m == BundleMode::kRead;
    }

    // --- the walker's visitor --------------------------------------------------------------

    Slot bound(uint32_t) {
        if (!reserved_.empty()) { // a body's bindings, reserved when its patterns were built
            Reservation& r = reserved_.back();
            Slot s{true, r.next++, {}};
            if (--r.left == 0)
                reserved_.pop_back();
            return s;
        }
        return Slot{true, nextId++, {}};
    }
    bool admit(const Insn&, Scope&) { return true; }
    void fail(size_t, const char* what) { RHO_CHECK(false, what); }

    void begin(Seq& seq, Scope& s) {
        const Code& code = s.code;
        if (!code.join)
            return;
        seq.patterns = std::make_shared<BodyPatterns>(bodyPatterns(*code.join, code, s, true));
    }

    Item value(Seq&, const Insn& i, std::span<Item> in, Scope& s) {
        const Code& code = s.code;
        switch (i.op) {
        case Op::PUSH_NIL: return {};
        case Op::PUSH_CONST: return {fromValue(code.constants[i.a]), nullptr};
        case Op::LOAD: {
            const Slot& slot = s.frame[i.a];
            if (slot.bound)
                return {varPar(NVar{NVar::Kind::kBound, 0, slot.id}), nullptr};
            return {term(slot), nullptr};
        }
        case Op::MAKE_LIST: return collection(NExprKind::kList, in);
        case Op::MAKE_TUPLE: return collection(NExprKind::kTuple, in);
        case Op::MAKE_SET: return collection(NExprKind::kSet, in);
        case Op::MAKE_MAP: return collection(NExprKind::kMap, in);
        case Op::QUOTE:
        case Op::PAR: {
            NPar p;
            for (Item& item : in)
                p.append(std::move(item.par));
            for (const ChildRef& m : code.multisets[i.a].members)
                p.append(s.member(m).par);
            return {std::move(p), nullptr};
        }
        case Op::BUNDLE: {
            NBundle b;
            b.body = std::move(in[0].par);
            setBundleMode(b, i.a);
            NPar p;
            p.bundles.push_back(std::move(b));
            return {std::move(p), nullptr};
        }
        case Op::METHOD: {
            NExpr e;
            e.kind = NExprKind::kMethod;
            e.method = code.constants[i.a].asString();
            for (Item& item : in)
                e.ps.push_back(std::move(item.par));
            return {exprPar(std::move(e)), nullptr};
        }
        case Op::MATCHES: {
            const Code& c = *code.children[code.multisets[i.a].members[0].child];
            NExpr e;
            e.kind = NExprKind::kMatches;
            e.ps.push_back(std::move(in[0].par));
            BodyPatterns pats = bodyPatterns(*c.join, c, s, false);
            e.ps.push_back(std::move(pats.binds[0].patterns[0]));
            e.binders = std::move(pats.binds[0].binders);
            return {exprPar(std::move(e)), nullptr};
        }
        case Op::AND_ALSO:
        case Op::OR_ELSE: {
            NExpr e;
            e.kind = NExprKind::kOp;
            e.op = i.op;
            e.ps.push_back(std::move(in[0].par));
            e.ps.push_back(s.member(code.multisets[i.a].members[0]).par);
            return {exprPar(std::move(e)), nullptr};
        }
        case Op::PUSH_PATTERN: return {pattern(code.patterns[i.a], code, s), nullptr};
        default: { // an operator
            RHO_CHECK(opInfo(i.op).primitive != PrimitiveClass::kNone, "an instruction the normalizer does not know");
            NExpr e;
            e.kind = NExprKind::kOp;
            e.op = i.op;
            for (Item& item : in)
                e.ps.push_back(std::move(item.par));
            return {exprPar(std::move(e)), nullptr};
        }
        }
    }

    void effect(Seq& seq, const Insn& i, std::span<Item> in, Scope& s) {
        const Code& code = s.code;
        switch (i.op) {
        case Op::SEND:
        case Op::SEND_PERSIST: {
            NSend send;
            send.chan = std::move(in[0].par);
            for (size_t k = 1; k < in.size(); ++k)
                send.data.push_back(std::move(in[k].par));
            send.persistent = i.op == Op::SEND_PERSIST;
            seq.parts().sends.push_back(std::move(send));
            break;
        }
        case Op::RECEIVE: {
            const Code& body = *code.children[code.multisets[i.a].members[0].child];
            Item b = s.member(code.multisets[i.a].members[0]);
            NReceive r;
            r.binds = std::move(b.patterns->binds);
            for (size_t k = 0; k < r.binds.size() && k < in.size(); ++k)
                r.binds[k].source = std::move(in[k].par);
            r.body = std::move(b.par);
            r.persistent = body.join->persistent;
            r.peek = body.join->peek;
            r.bindCount = body.join->numBindings;
            seq.parts().receives.push_back(std::move(r));
            break;
        }
        case Op::NEW:
        case Op::NEW_URN: {
            // One declaration compiles to NEW (its simple names) and then NEW_URN per
            // URN in URI order (compiler/src/process.cpp); anything else opens a new scope.
            const bool urn = i.op == Op::NEW_URN;
            std::string uri = urn ? code.constants[i.aux].asString() : std::string();
            const bool continues = urn && i.pc == seq.binderEnd && seq.frames.size() > 1 &&
                                   (seq.frames.back().header.uris.empty() || seq.frames.back().header.uris.back() <= uri);
            if (!continues)
                seq.frames.emplace_back();
            NNew& header = seq.frames.back().header;
            const uint32_t count = urn ? 1 : i.aux;
            for (uint32_t k = 0; k < count; ++k) {
                s.bind(i.a + k);
                header.binders.push_back(s.frame[i.a + k].id);
            }
            header.bindCount += count;
            if (urn)
                header.uris.push_back(std::move(uri));
            seq.binderEnd = i.pc + 2;
            break;
        }
        case Op::SPAWN:
            for (const ChildRef& m : code.multisets[i.a].members)
                seq.parts().append(s.member(m).par);
            break;
        case Op::EXEC: seq.parts().append(std::move(in[0].par)); break;
        case Op::IF: {
            const auto& ms = code.multisets[i.a].members;
            NMatch m;
            m.target = std::move(in[0].par);
            NMatchCase yes, no;
            yes.pattern = groundPar(Value::boolean(true));
            yes.source = s.member(ms[0]).par;
            no.pattern = groundPar(Value::boolean(false));
            if (ms.size() > 1)
                no.source = s.member(ms[1]).par;
            m.cases.push_back(std::move(yes));
            m.cases.push_back(std::move(no));
            seq.parts().matches.push_back(std::move(m));
            break;
        }
        case Op::MATCH: {
            NMatch m;
            m.target = std::move(in[0].par);
            for (const ChildRef& ref : code.multisets[i.a].members) {
                Item c = s.member(ref);
                NMatchCase mc;
                NBind& bind = c.patterns->binds[0];
                mc.pattern = std::move(bind.patterns[0]);
                mc.freeCount = bind.freeCount;
                mc.binders = std::move(bind.binders);
                mc.source = std::move(c.par);
                m.cases.push_back(std::move(mc));
            }
            seq.parts().matches.push_back(std::move(m));
            break;
        }
        default: break; // POP, HALT
        }
    }

    Item end(Seq& seq, Scope&) {
        while (seq.frames.size() > 1) {
            Frame f = std::move(seq.frames.back());
            seq.frames.pop_back();
            f.header.body = std::move(f.parts);
            seq.parts().news.push_back(std::move(f.header));
        }
        return {std::move(seq.frames[0].parts), seq.patterns};
    }

    // The binds of [join] (the join of [owner]), its pattern variables given the ids
    // [base, base + numBindings). When [walked], the walker binds the body's slots next:
    // they take those ids.
    BodyPatterns bodyPatterns(const Join& join, const Code& owner, Scope& s, bool walked) {
        const uint32_t base = nextId;
        nextId += join.numBindings;
        const uint32_t savedBase = patternBase_;
        patternBase_ = base;
        BodyPatterns out;
        for (const BindPatterns& b : join.binds) {
            NBind bind;
            for (const Pattern& p : b.args)
                bind.patterns.push_back(pattern(p, owner, s));
            if (b.remainder >= 0)
                bind.remainder = NVar{NVar::Kind::kFree, 0, base + static_cast<uint32_t>(b.remainder)};
            else if (b.remainder == Pattern::kWildRemainder)
                bind.remainder = NVar{NVar::Kind::kWildcard, 0, 0};
            // Its variables in the reference's order: by first occurrence, which is the
            // compiler's numbering of the body's bindings.
            std::vector<uint32_t> ids;
            for (const NPar& p : bind.patterns)
                detail::collectFree(p, ids);
            if (bind.remainder && bind.remainder->kind == NVar::Kind::kFree)
                ids.push_back(bind.remainder->id);
            std::sort(ids.begin(), ids.end());
            ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
            for (uint32_t id : ids)
                if (id >= base && id < base + join.numBindings)
                    bind.binders.push_back(id);
            bind.freeCount = static_cast<uint32_t>(bind.binders.size());
            out.binds.push_back(std::move(bind));
        }
        patternBase_ = savedBase;
        if (walked && join.numBindings > 0)
            reserved_.push_back({base, join.numBindings});
        return out;
    }

  private:
    struct Reservation {
        uint32_t next;
        uint32_t left;
    };

    Item collection(NExprKind kind, std::span<Item> in) {
        NExpr e;
        e.kind = kind;
        for (Item& item : in)
            e.ps.push_back(std::move(item.par));
        return {exprPar(std::move(e)), nullptr};
    }

    NPar pattern(const Pattern& p, const Code& owner, Scope& s) {
        auto items = [&](NExprKind kind) {
            NExpr e;
            e.kind = kind;
            for (const Pattern& q : p.items)
                e.ps.push_back(pattern(q, owner, s));
            if (p.remainder >= 0)
                e.remainder = NVar{NVar::Kind::kFree, 0, patternBase_ + static_cast<uint32_t>(p.remainder)};
            else if (p.remainder == Pattern::kWildRemainder)
                e.remainder = NVar{NVar::Kind::kWildcard, 0, 0};
            return exprPar(std::move(e));
        };
        auto connective = [&](NConnective::Kind kind) {
            NConnective c;
            c.kind = kind;
            for (const Pattern& q : p.items)
                c.ps.push_back(pattern(q, owner, s));
            NPar par;
            par.connectives.push_back(std::move(c));
            return par;
        };
        switch (p.kind) {
        case Pattern::Kind::kBind: return varPar(NVar{NVar::Kind::kFree, 0, patternBase_ + p.binding});
        case Pattern::Kind::kWildcard: return varPar(NVar{NVar::Kind::kWildcard, 0, 0});
        case Pattern::Kind::kLiteral: return fromValue(p.literal);
        case Pattern::Kind::kList: return items(NExprKind::kList);
        case Pattern::Kind::kTuple: return items(NExprKind::kTuple);
        case Pattern::Kind::kSet: return items(NExprKind::kSet);
        case Pattern::Kind::kMap: return items(NExprKind::kMap);
        case Pattern::Kind::kAnd: return connective(NConnective::Kind::kAnd);
        case Pattern::Kind::kOr: return connective(NConnective::Kind::kOr);
        case Pattern::Kind::kNot: return connective(NConnective::Kind::kNot);
        case Pattern::Kind::kType: {
            static const NConnective::Kind kTypes[] = {NConnective::Kind::kBool,   NConnective::Kind::kInt,
                                                       NConnective::Kind::kBigInt, NConnective::Kind::kString,
                                                       NConnective::Kind::kUri,    NConnective::Kind::kByteArray};
            NConnective c;
            c.kind = kTypes[p.simpleType % 6];
            NPar par;
            par.connectives.push_back(std::move(c));
            return par;
        }
        case Pattern::Kind::kVarRef: {
            if (&owner == &s.code && p.slot < s.frame.size()) {
                const Slot& slot = s.frame[p.slot];
                if (!slot.bound)
                    return term(slot); // substituted, as the reference substitutes it
                NConnective c;
                c.kind = NConnective::Kind::kVarRef;
                c.index = static_cast<int32_t>(slot.id); // a level once ordered
                c.depth = 1;
                NPar par;
                par.connectives.push_back(std::move(c));
                return par;
            }
            return varPar(NVar{NVar::Kind::kWildcard, 0, 0});
        }
        case Pattern::Kind::kProcess: {
            const Code& child = *owner.children[p.child];
            return walker.sequence(child, std::vector<Slot>(child.numSlots), 0).par;
        }
        case Pattern::Kind::kBundle: {
            NBundle b;
            b.body = pattern(p.items[0], owner, s);
            setBundleMode(b, p.bundleMode);
            NPar par;
            par.bundles.push_back(std::move(b));
            return par;
        }
        }
        return {};
    }

    std::vector<Reservation> reserved_;
    uint32_t patternBase_ = 0;
};

} // namespace

NPar normalTerm(const Value& v, const PrintStyle* style) {
    Builder b;
    NPar p = b.fromValue(v);
    detail::orderTerm(p, b.nextId, style);
    return p;
}

NPar normalReceive(const Code& body, std::span<const Value> captures, std::span<const Value> channels,
                   const PrintStyle* style) {
    Builder b;
    std::vector<Builder::Slot> frame(body.numSlots);
    for (size_t i = 0; i < captures.size(); ++i)
        frame[i].value = &captures[i];
    Builder::Item item = b.walker.sequence(body, std::move(frame), 0);
    NReceive r;
    r.binds = std::move(item.patterns->binds);
    for (size_t k = 0; k < r.binds.size(); ++k) {
        r.binds[k].origin = static_cast<uint32_t>(k);
        if (k < channels.size())
            r.binds[k].source = b.fromValue(channels[k]);
    }
    r.body = std::move(item.par);
    r.persistent = body.join->persistent;
    r.peek = body.join->peek;
    r.bindCount = body.join->numBindings;
    NPar p;
    p.receives.push_back(std::move(r));
    detail::orderTerm(p, b.nextId, style);
    return p;
}

} // namespace rho::bytecode
