// File: normal_order.cpp
// De Bruijn numbering and the reference's canonical order (its ScoreTree and sort
// matchers) for normalized terms: each term gets a score tree, a tree of integer,
// big-integer, string and byte-string leaves; trees compare leaf before node, nodes
// child by child with a shorter prefix first. Every par's groups, set and map are
// sorted by it, and a receive's binds are sorted by it before their variables are
// numbered (the reference's ReceiveBindsSortMatcher).

#include <algorithm>
#include <memory>
#include <numeric>
#include <string>

#include "normal_order.h"

namespace rho::bytecode::detail {

namespace {

// The reference's Score constants.
enum : int64_t {
    kAbsent = 0,
    kBool = 1,
    kInt = 2,
    kString = 3,
    kUri = 4,
    kPrivate = 5,
    kEList = 6,
    kETuple = 7,
    kESet = 8,
    kEMap = 9,
    kBigInt = 13,
    kBoundVar = 50,
    kFreeVar = 51,
    kWildcard = 52,
    kEVar = 100,
    kENeg = 101,
    kEMult = 102,
    kEDiv = 103,
    kEPlus = 104,
    kEMinus = 105,
    kELt = 106,
    kELte = 107,
    kEGt = 108,
    kEGte = 109,
    kEEq = 110,
    kENeq = 111,
    kENot = 112,
    kEAnd = 113,
    kEOr = 114,
    kEMethod = 115,
    kEByteArr = 116,
    kEMatches = 118,
    kEPercent = 119,
    kEPlusPlus = 120,
    kEMinusMinus = 121,
    kEMod = 122,
    kEShortAnd = 123,
    kEShortOr = 124,
    kSend = 300,
    kReceive = 301,
    kNew = 303,
    kMatch = 304,
    kBundleEquiv = 305,
    kBundleRead = 306,
    kBundleWrite = 307,
    kBundleReadWrite = 308,
    kConnNot = 400,
    kConnAnd = 401,
    kConnOr = 402,
    kConnVarRef = 403,
    kConnBool = 404,
    kConnInt = 405,
    kConnString = 406,
    kConnUri = 407,
    kConnByteArray = 408,
    kConnBigInt = 409,
    kPar = 999,
};

int64_t opScore(Op op) {
    switch (op) {
    case Op::NEG: return kENeg;
    case Op::MUL: return kEMult;
    case Op::DIV: return kEDiv;
    case Op::ADD: return kEPlus;
    case Op::SUB: return kEMinus;
    case Op::LT: return kELt;
    case Op::LE: return kELte;
    case Op::GT: return kEGt;
    case Op::GE: return kEGte;
    case Op::EQ: return kEEq;
    case Op::NEQ: return kENeq;
    case Op::NOT: return kENot;
    case Op::AND: return kEAnd;
    case Op::OR: return kEOr;
    case Op::INTERPOLATE: return kEPercent;
    case Op::CONCAT: return kEPlusPlus;
    case Op::DIFF: return kEMinusMinus;
    case Op::MOD: return kEMod;
    case Op::AND_ALSO: return kEShortAnd;
    case Op::OR_ELSE: return kEShortOr;
    default: return kAbsent;
    }
}

struct ScoreNode;
using Score = std::shared_ptr<const ScoreNode>;

struct ScoreNode {
    enum class Atom : uint8_t { kInt, kBigInt, kString, kBytes, kNode }; // leaf kinds in the reference's order
    Atom atom = Atom::kNode;
    int64_t i = 0;
    std::string s; // kBigInt (decimal), kString, kBytes
    std::vector<Score> kids;
};

Score leaf(int64_t i) {
    auto n = std::make_shared<ScoreNode>();
    n->atom = ScoreNode::Atom::kInt;
    n->i = i;
    return n;
}
Score leafText(ScoreNode::Atom atom, std::string s) {
    auto n = std::make_shared<ScoreNode>();
    n->atom = atom;
    n->s = std::move(s);
    return n;
}
Score node(std::vector<Score> kids) {
    auto n = std::make_shared<ScoreNode>();
    n->kids = std::move(kids);
    return n;
}
// Node(tag, rest...).
Score tagged(int64_t tag, std::vector<Score> rest = {}) {
    rest.insert(rest.begin(), leaf(tag));
    return node(std::move(rest));
}

int compareBigInt(const std::string& a, const std::string& b) {
    const bool na = !a.empty() && a[0] == '-', nb = !b.empty() && b[0] == '-';
    if (na != nb)
        return na ? -1 : 1;
    const std::string_view ma = std::string_view(a).substr(na ? 1 : 0), mb = std::string_view(b).substr(nb ? 1 : 0);
    int c = ma.size() != mb.size() ? (ma.size() < mb.size() ? -1 : 1) : ma.compare(mb) < 0 ? -1 : ma.compare(mb) > 0;
    return na ? -c : c;
}

int compareScores(const ScoreNode& a, const ScoreNode& b) {
    using Atom = ScoreNode::Atom;
    if (a.atom != Atom::kNode && b.atom != Atom::kNode) {
        if (a.atom != b.atom)
            return a.atom < b.atom ? -1 : 1;
        switch (a.atom) {
        case Atom::kInt: return a.i < b.i ? -1 : a.i > b.i;
        case Atom::kBigInt: return compareBigInt(a.s, b.s);
        case Atom::kString: {
            const int c = a.s.compare(b.s);
            return c < 0 ? -1 : c > 0;
        }
        default: { // bytes compare as Java's signed bytes
            const size_t n = std::min(a.s.size(), b.s.size());
            for (size_t k = 0; k < n; ++k) {
                const auto x = static_cast<signed char>(a.s[k]), y = static_cast<signed char>(b.s[k]);
                if (x != y)
                    return x < y ? -1 : 1;
            }
            return a.s.size() < b.s.size() ? -1 : a.s.size() > b.s.size();
        }
        }
    }
    if (a.atom != Atom::kNode)
        return -1;
    if (b.atom != Atom::kNode)
        return 1;
    const size_t n = std::min(a.kids.size(), b.kids.size());
    for (size_t k = 0; k < n; ++k)
        if (int c = compareScores(*a.kids[k], *b.kids[k]))
            return c;
    return a.kids.size() < b.kids.size() ? -1 : a.kids.size() > b.kids.size();
}

struct Scored {
    Score score;
    bool connectiveUsed = false;
};

// Sorts [items] by the scores [score] gives them; returns the scores in the new order.
template <class T, class F>
std::vector<Scored> sortBy(std::vector<T>& items, F score) {
    std::vector<Scored> scores;
    scores.reserve(items.size());
    for (T& item : items)
        scores.push_back(score(item));
    std::vector<size_t> order(items.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t x, size_t y) { return compareScores(*scores[x].score, *scores[y].score) < 0; });
    std::vector<T> sorted;
    std::vector<Scored> sortedScores;
    sorted.reserve(items.size());
    for (size_t k : order) {
        sorted.push_back(std::move(items[k]));
        sortedScores.push_back(std::move(scores[k]));
    }
    items = std::move(sorted);
    return sortedScores;
}

class Orderer {
  public:
    Orderer(uint32_t ids, const PrintStyle* style) : depthOf_(ids, -1), localOf_(ids, 0), style_(style) {}

    Scored par(NPar& p, int32_t depth) {
        std::vector<Score> kids{leaf(kPar)};
        bool cu = false;
        auto add = [&](const std::vector<Scored>& scores) {
            for (const Scored& s : scores) {
                kids.push_back(s.score);
                cu = cu || s.connectiveUsed;
            }
        };
        add(sortBy(p.sends, [&](NSend& s) { return send(s, depth); }));
        add(sortBy(p.receives, [&](NReceive& r) { return receive(r, depth); }));
        add(sortBy(p.exprs, [&](NExpr& e) { return expr(e, depth); }));
        add(sortBy(p.news, [&](NNew& n) { return neu(n, depth); }));
        add(sortBy(p.matches, [&](NMatch& m) { return match(m, depth); }));
        add(sortBy(p.bundles, [&](NBundle& b) { return bundle(b, depth); }));
        add(sortBy(p.connectives, [&](NConnective& c) { return connective(c, depth); }));
        add(sortBy(p.unforgeables, [&](Value& u) { return Scored{unforgeable(u), false}; }));
        kids.push_back(leaf(cu ? 1 : 0));
        return {node(std::move(kids)), cu};
    }

  private:
    // Appends the scores of [ps] to [kids]; whether any of them uses connectives.
    bool addScores(std::vector<NPar>& ps, int32_t depth, std::vector<Score>& kids) {
        bool cu = false;
        for (NPar& p : ps) {
            Scored s = par(p, depth);
            kids.push_back(std::move(s.score));
            cu = cu || s.connectiveUsed;
        }
        return cu;
    }

    Scored var(NVar& v, int32_t depth) {
        switch (v.kind) {
        case NVar::Kind::kBound: {
            const int32_t d = v.id < depthOf_.size() ? depthOf_[v.id] : -1;
            v.level = d < 0 ? 0 : depth - 1 - d;
            return {node({leaf(kBoundVar), leaf(v.level)}), false};
        }
        case NVar::Kind::kFree:
            v.level = v.id < localOf_.size() ? localOf_[v.id] : 0;
            return {node({leaf(kFreeVar), leaf(v.level)}), true};
        default: return {node({leaf(kWildcard)}), true};
        }
    }

    Scored send(NSend& s, int32_t depth) {
        Scored chan = par(s.chan, depth);
        std::vector<Score> kids{leaf(kSend), leaf(s.persistent ? 1 : 0), chan.score};
        const bool cu = addScores(s.data, depth, kids) || chan.connectiveUsed;
        kids.push_back(leaf(cu ? 1 : 0));
        return {node(std::move(kids)), cu};
    }

    // Numbers the pattern variables [binders] locally (FreeVar levels).
    void local(const std::vector<uint32_t>& binders) {
        for (size_t k = 0; k < binders.size(); ++k)
            if (binders[k] < localOf_.size())
                localOf_[binders[k]] = static_cast<int32_t>(k);
    }
    // Binds [binders] at depths [depth], [depth] + 1, ...
    void bind(const std::vector<uint32_t>& binders, int32_t depth) {
        for (size_t k = 0; k < binders.size(); ++k)
            if (binders[k] < depthOf_.size())
                depthOf_[binders[k]] = depth + static_cast<int32_t>(k);
    }
    // A pattern: its own scope of bound variables, starting at 0.
    Scored pattern(NPar& p, int32_t outerDepth) {
        const int32_t saved = outerDepth_;
        outerDepth_ = outerDepth;
        Scored s = par(p, 0);
        outerDepth_ = saved;
        return s;
    }

    Scored receive(NReceive& r, int32_t depth) {
        bool cu = false;
        auto bindScore = [&](NBind& b) {
            Scored src = par(b.source, depth);
            cu = cu || src.connectiveUsed;
            local(b.binders);
            std::vector<Score> kids{src.score};
            for (NPar& p : b.patterns)
                kids.push_back(pattern(p, depth).score);
            if (b.remainder)
                kids.push_back(var(*b.remainder, 0).score);
            else
                kids.push_back(leaf(kAbsent));
            return Scored{node(std::move(kids)), false};
        };
        std::vector<Scored> binds = sortBy(r.binds, bindScore);
        int32_t offset = 0;
        for (NBind& b : r.binds) {
            bind(b.binders, depth + offset);
            offset += static_cast<int32_t>(b.binders.size());
        }
        Scored body = par(r.body, depth + offset);
        cu = cu || body.connectiveUsed;
        std::vector<Score> kids{leaf(kReceive), leaf(r.persistent ? 1 : 0), leaf(r.peek ? 1 : 0)};
        for (Scored& b : binds)
            kids.push_back(b.score);
        kids.push_back(body.score);
        kids.push_back(leaf(r.bindCount));
        kids.push_back(leaf(cu ? 1 : 0));
        return {node(std::move(kids)), cu};
    }

    Scored neu(NNew& n, int32_t depth) {
        bind(n.binders, depth);
        Scored body = par(n.body, depth + static_cast<int32_t>(n.bindCount));
        std::vector<Score> kids{leaf(kNew), leaf(n.bindCount)};
        for (const std::string& u : n.uris)
            kids.push_back(leafText(ScoreNode::Atom::kString, u));
        if (n.uris.empty())
            kids.push_back(leaf(kAbsent));
        kids.push_back(leaf(kAbsent)); // no injections
        kids.push_back(body.score);
        return {node(std::move(kids)), body.connectiveUsed};
    }

    Scored match(NMatch& m, int32_t depth) {
        Scored target = par(m.target, depth);
        bool cu = target.connectiveUsed;
        std::vector<Score> kids{leaf(kMatch), target.score};
        for (NMatchCase& c : m.cases) {
            local(c.binders);
            Scored pat = pattern(c.pattern, depth);
            bind(c.binders, depth);
            Scored src = par(c.source, depth + static_cast<int32_t>(c.freeCount));
            cu = cu || src.connectiveUsed;
            kids.push_back(node({pat.score, src.score, leaf(c.freeCount)}));
        }
        kids.push_back(leaf(cu ? 1 : 0));
        return {node(std::move(kids)), cu};
    }

    Scored bundle(NBundle& b, int32_t depth) {
        const int64_t tag = b.write && b.read ? kBundleReadWrite
                            : b.write         ? kBundleWrite
                            : b.read          ? kBundleRead
                                              : kBundleEquiv;
        Scored body = par(b.body, depth);
        return {tagged(tag, {body.score}), body.connectiveUsed};
    }

    Scored connective(NConnective& c, int32_t depth) {
        using K = NConnective::Kind;
        switch (c.kind) {
        case K::kAnd:
        case K::kOr: {
            std::vector<Score> kids;
            addScores(c.ps, depth, kids);
            return {tagged(c.kind == K::kAnd ? kConnAnd : kConnOr, std::move(kids)), true};
        }
        case K::kNot: return {tagged(kConnNot, {par(c.ps[0], depth).score}), true};
        case K::kVarRef: {
            const auto id = static_cast<uint32_t>(c.index);
            const int32_t d = id < depthOf_.size() ? depthOf_[id] : -1;
            c.index = d < 0 ? 0 : outerDepth_ - 1 - d;
            return {node({leaf(kConnVarRef), leaf(c.index), leaf(c.depth)}), true};
        }
        case K::kBool: return {node({leaf(kConnBool), leaf(1)}), true};
        case K::kInt: return {node({leaf(kConnInt), leaf(1)}), true};
        case K::kBigInt: return {node({leaf(kConnBigInt), leaf(1)}), true};
        case K::kString: return {node({leaf(kConnString), leaf(1)}), true};
        case K::kUri: return {node({leaf(kConnUri), leaf(1)}), true};
        case K::kByteArray: return {node({leaf(kConnByteArray), leaf(1)}), true};
        }
        return {leaf(kAbsent), true};
    }

    Score unforgeable(const Value& u) const {
        if (style_ != nullptr && style_->orderKey)
            return tagged(kPrivate, {leafText(ScoreNode::Atom::kBytes, style_->orderKey(u))});
        std::string id;
        for (uint64_t word : {u.unforgeableHi(), u.unforgeableLo()})
            for (int shift = 56; shift >= 0; shift -= 8)
                id += static_cast<char>((word >> shift) & 0xff);
        return tagged(kPrivate, {leafText(ScoreNode::Atom::kBytes, std::move(id))});
    }

    static Score ground(const Value& v) {
        using A = ScoreNode::Atom;
        switch (v.kind()) {
        case ValueKind::kBool: return node({leaf(kBool), leaf(v.asBool() ? 0 : 1)});
        case ValueKind::kInt: return node({leaf(kInt), leaf(v.asInt())});
        case ValueKind::kBigInt: return tagged(kBigInt, {leafText(A::kBigInt, std::string(v.asString()))});
        case ValueKind::kString: return tagged(kString, {leafText(A::kString, std::string(v.asString()))});
        case ValueKind::kUri: return tagged(kUri, {leafText(A::kString, std::string(v.asString()))});
        case ValueKind::kByteArray: return tagged(kEByteArr, {leafText(A::kBytes, std::string(v.asString()))});
        default: return tagged(kAbsent);
        }
    }

    Scored expr(NExpr& e, int32_t depth) {
        auto remainder = [&](bool& cu) {
            if (!e.remainder)
                return leaf(-1);
            cu = true;
            return var(*e.remainder, depth).score;
        };
        switch (e.kind) {
        case NExprKind::kGround: return {ground(e.ground), false};
        case NExprKind::kVar: {
            Scored v = var(e.var, depth);
            return {tagged(kEVar, {v.score}), v.connectiveUsed};
        }
        case NExprKind::kList:
        case NExprKind::kTuple: {
            bool cu = false;
            std::vector<Score> kids{leaf(e.kind == NExprKind::kList ? kEList : kETuple)};
            if (e.kind == NExprKind::kList)
                kids.push_back(remainder(cu));
            cu = addScores(e.ps, depth, kids) || cu;
            kids.push_back(leaf(cu ? 1 : 0));
            return {node(std::move(kids)), cu};
        }
        case NExprKind::kSet: {
            bool cu = false;
            std::vector<Score> kids{leaf(kESet), remainder(cu)};
            for (Scored& s : sortBy(e.ps, [&](NPar& p) { return par(p, depth); })) {
                kids.push_back(s.score);
                cu = cu || s.connectiveUsed;
            }
            kids.push_back(leaf(cu ? 1 : 0));
            return {node(std::move(kids)), cu};
        }
        case NExprKind::kMap: {
            bool cu = false;
            std::vector<Score> kids{leaf(kEMap), remainder(cu)};
            std::vector<std::pair<NPar, NPar>> pairs;
            for (size_t k = 0; k + 1 < e.ps.size(); k += 2)
                pairs.emplace_back(std::move(e.ps[k]), std::move(e.ps[k + 1]));
            auto keyScore = [&](std::pair<NPar, NPar>& kv) {
                Scored key = par(kv.first, depth);
                Scored value = par(kv.second, depth);
                return Scored{key.score, key.connectiveUsed || value.connectiveUsed};
            };
            for (Scored& s : sortBy(pairs, keyScore)) {
                kids.push_back(s.score);
                cu = cu || s.connectiveUsed;
            }
            e.ps.clear();
            for (auto& [k, v] : pairs) {
                e.ps.push_back(std::move(k));
                e.ps.push_back(std::move(v));
            }
            kids.push_back(leaf(cu ? 1 : 0));
            return {node(std::move(kids)), cu};
        }
        case NExprKind::kOp: {
            std::vector<Score> kids;
            const bool cu = addScores(e.ps, depth, kids);
            return {tagged(opScore(e.op), std::move(kids)), cu};
        }
        case NExprKind::kMethod: {
            std::vector<Score> kids{leaf(kEMethod), leafText(ScoreNode::Atom::kString, e.method)};
            const bool cu = addScores(e.ps, depth, kids);
            kids.push_back(leaf(cu ? 1 : 0));
            return {node(std::move(kids)), cu};
        }
        case NExprKind::kMatches: {
            Scored target = par(e.ps[0], depth);
            local(e.binders);
            Scored pat = pattern(e.ps[1], depth);
            return {tagged(kEMatches, {target.score, pat.score}), target.connectiveUsed};
        }
        }
        return {leaf(kAbsent), false};
    }

    std::vector<int32_t> depthOf_; // binder id -> its depth (binders outside it)
    std::vector<int32_t> localOf_; // pattern variable id -> its FreeVar level
    const PrintStyle* style_ = nullptr; // value.h: orders unforgeable names by its orderKey
    int32_t outerDepth_ = 0;       // in a pattern: the depth outside it (for =x)
};

void collect(const NPar& p, std::vector<uint32_t>& out) {
    auto v = [&](const NVar& x) {
        if (x.kind == NVar::Kind::kFree)
            out.push_back(x.id);
    };
    auto all = [&](const std::vector<NPar>& ps) {
        for (const NPar& q : ps)
            collect(q, out);
    };
    for (const NSend& s : p.sends) {
        collect(s.chan, out);
        all(s.data);
    }
    for (const NReceive& r : p.receives) {
        for (const NBind& b : r.binds) {
            all(b.patterns);
            collect(b.source, out);
            if (b.remainder)
                v(*b.remainder);
        }
        collect(r.body, out);
    }
    for (const NNew& n : p.news)
        collect(n.body, out);
    for (const NExpr& e : p.exprs) {
        if (e.kind == NExprKind::kVar)
            v(e.var);
        if (e.remainder)
            v(*e.remainder);
        all(e.ps);
    }
    for (const NMatch& m : p.matches) {
        collect(m.target, out);
        for (const NMatchCase& c : m.cases) {
            collect(c.pattern, out);
            collect(c.source, out);
        }
    }
    for (const NBundle& b : p.bundles)
        collect(b.body, out);
    for (const NConnective& c : p.connectives)
        all(c.ps);
}

} // namespace

void orderTerm(NPar& p, uint32_t ids, const PrintStyle* style) { Orderer(ids, style).par(p, 0); }

void collectFree(const NPar& p, std::vector<uint32_t>& out) { collect(p, out); }

} // namespace rho::bytecode::detail
