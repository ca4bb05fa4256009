// File: process_match.cpp
// Structural matching of process patterns (see process_match.h).

#include "process_match.h"

#include <vector>

#include "rho/bytecode/term_tree.h"

namespace rho::machine {

namespace {

using bytecode::Pattern;
using bytecode::TermNode;
using bytecode::TermPtr;
using bytecode::TermTag;

bool isCatcher(const TermNode& n) {
    return n.tag == TermTag::kHole &&
           (n.pattern->kind == Pattern::Kind::kBind || n.pattern->kind == Pattern::Kind::kWildcard);
}

class ProcessMatch {
  public:
    explicit ProcessMatch(const HoleMatcher& hole) : hole_(hole) {}

    bool term(const TermPtr& pat, const TermPtr& tgt, Bindings& out) {
        if (pat->tag == TermTag::kHole)
            return tgt->hasValue && hole_(*pat->pattern, *pat->owner, tgt->value, out);
        std::vector<TermPtr> pc = components(pat);
        std::vector<TermPtr> tc = components(tgt);
        if (pc.size() != 1 || tc.size() != 1)
            return bag(pc, tc, out);
        return single(pc[0], tc[0], out);
    }

  private:
    // The parts of a par, however it is written: a par node, a par value, a sequence
    // that only spawns a par or evaluates a quoted process; Nil has none.
    std::vector<TermPtr> components(const TermPtr& n) {
        std::vector<TermPtr> out;
        collect(n, out);
        return out;
    }
    void collect(const TermPtr& n, std::vector<TermPtr>& out) {
        switch (n->tag) {
        case TermTag::kValue:
            if (n->value.isNil())
                return;
            if (n->value.kind() == bytecode::ValueKind::kPar) {
                collect(bytecode::termOf(n->value), out);
                return;
            }
            out.push_back(n);
            return;
        case TermTag::kPar:
            for (const TermPtr& k : n->kids)
                collect(k, out);
            return;
        case TermTag::kProc: {
            const TermNode& seq = *n->kids[0];
            if (seq.kids.size() == 1) {
                const TermPtr& only = seq.kids[0];
                if (only->tag == TermTag::kSpawn) {
                    collect(only->kids[0], out);
                    return;
                }
                if (only->tag == TermTag::kExec && (only->kids[0]->tag == TermTag::kHole || only->kids[0]->hasValue)) {
                    collect(only->kids[0], out);
                    return;
                }
            }
            if (seq.kids.empty())
                return;
            out.push_back(n);
            return;
        }
        default: out.push_back(n); return;
        }
    }

    // Bag matching of components (process_match.h).
    bool bag(const std::vector<TermPtr>& pc, const std::vector<TermPtr>& tc, Bindings& out) {
        std::vector<TermPtr> fixed;
        TermPtr rest; // the last catcher takes the remainder
        for (const TermPtr& p : pc) {
            if (isCatcher(*p)) {
                if (rest)
                    fixed.push_back(rest);
                rest = p;
            } else {
                fixed.push_back(p);
            }
        }
        if (fixed.size() > tc.size() || (!rest && fixed.size() != tc.size()))
            return false;
        std::vector<bool> used(tc.size(), false);
        const size_t mark = out.size();
        if (!assign(fixed, 0, tc, used, rest, out)) {
            out.resize(mark);
            return false;
        }
        return true;
    }

    bool assign(const std::vector<TermPtr>& fixed, size_t i, const std::vector<TermPtr>& tc, std::vector<bool>& used,
                const TermPtr& rest, Bindings& out) {
        if (i == fixed.size())
            return bindRest(tc, used, rest, out);
        for (size_t j = 0; j < tc.size(); ++j) {
            if (used[j])
                continue;
            const size_t mark = out.size();
            if (term(fixed[i], tc[j], out)) {
                used[j] = true;
                if (assign(fixed, i + 1, tc, used, rest, out))
                    return true;
                used[j] = false;
            }
            out.resize(mark);
        }
        return false;
    }

    bool bindRest(const std::vector<TermPtr>& tc, const std::vector<bool>& used, const TermPtr& rest, Bindings& out) {
        if (!rest)
            return true;
        std::vector<Value> parts;
        for (size_t j = 0; j < tc.size(); ++j) {
            if (used[j])
                continue;
            if (!tc[j]->hasValue)
                return false; // a part that is no value on its own (it uses variables bound around it)
            parts.push_back(tc[j]->value);
        }
        return hole_(*rest->pattern, *rest->owner, Value::par(std::move(parts)), out);
    }

    // One component against one.
    bool single(const TermPtr& pat, const TermPtr& tgt, Bindings& out) {
        if (pat->tag == TermTag::kHole)
            return tgt->hasValue && hole_(*pat->pattern, *pat->owner, tgt->value, out);
        if (pat->tag == TermTag::kValue) {
            if (tgt->hasValue)
                return pat->value == tgt->value;
            return false;
        }
        if (tgt->tag == TermTag::kValue)
            return expandable(tgt->value) && single(pat, expand(tgt->value), out);
        if (pat->tag != tgt->tag || pat->extra != tgt->extra)
            return false;
        if (pat->tag == TermTag::kProc)
            return sequence(*pat->kids[0], *tgt->kids[0], tgt, out);
        return pairwise(pat->kids, tgt->kids, out);
    }

    bool pairwise(const std::vector<TermPtr>& ps, const std::vector<TermPtr>& ts, Bindings& out) {
        if (ps.size() != ts.size())
            return false;
        for (size_t i = 0; i < ps.size(); ++i)
            if (!term(ps[i], ts[i], out))
                return false;
        return true;
    }

    // The parts of two sequences in order; a variable evaluated as the pattern's last
    // part takes the rest of the target's (the whole sequence [whole] stands for it).
    bool sequence(const TermNode& ps, const TermNode& ts, const TermPtr& whole, Bindings& out) {
        const auto& p = ps.kids;
        const auto& t = ts.kids;
        if (!p.empty() && p.back()->tag == TermTag::kExec && isCatcher(*p.back()->kids[0]) && t.size() >= p.size() - 1) {
            const size_t k = p.size() - 1;
            for (size_t i = 0; i < k; ++i)
                if (!term(p[i], t[i], out))
                    return false;
            const TermNode& var = *p.back()->kids[0];
            if (t.size() == k)
                return hole_(*var.pattern, *var.owner, Value(), out);
            if (t.size() == k + 1 && t[k]->tag == TermTag::kExec && t[k]->kids[0]->hasValue)
                return hole_(*var.pattern, *var.owner, t[k]->kids[0]->value, out);
            return whole->hasValue && hole_(*var.pattern, *var.owner, whole->value, out);
        }
        return pairwise(p, t, out);
    }

    static bool expandable(const Value& v) {
        switch (v.kind()) {
        case bytecode::ValueKind::kProc:
        case bytecode::ValueKind::kList:
        case bytecode::ValueKind::kTuple:
        case bytecode::ValueKind::kBundle: return true;
        default: return false;
        }
    }
    // A value as the node its code would build: a closure's term, or a list, tuple or
    // bundle of value leaves (for patterns written with variables inside them).
    static TermPtr expand(const Value& v) {
        if (v.kind() == bytecode::ValueKind::kProc)
            return bytecode::termOf(v);
        auto n = std::make_shared<TermNode>();
        n->tag = v.kind() == bytecode::ValueKind::kList    ? TermTag::kList
                 : v.kind() == bytecode::ValueKind::kTuple ? TermTag::kTuple
                                                           : TermTag::kBundle;
        const auto items = v.items();
        n->extra = v.kind() == bytecode::ValueKind::kBundle ? static_cast<uint64_t>(v.bundleMode()) : items.size();
        for (const Value& x : items)
            n->kids.push_back(bytecode::termOf(x));
        n->value = v;
        n->hasValue = true;
        return n;
    }

    const HoleMatcher& hole_;
};

} // namespace

bool matchProcessPattern(const Pattern& p, const bytecode::Code& owner, const Value& v, const HoleMatcher& hole,
                         Bindings& out) {
    const TermPtr pat = bytecode::patternTermOf(owner, p.child);
    const size_t mark = out.size();
    if (!ProcessMatch(hole).term(pat, bytecode::termOf(v), out)) {
        out.resize(mark);
        return false;
    }
    return true;
}

} // namespace rho::machine
