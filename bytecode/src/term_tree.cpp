// File: term_tree.cpp
// Trees of terms for process-pattern matching (term_tree.h), built by the hasher's
// visitor (term_visitor.h) over TreeBuilder.

#include "rho/bytecode/term_tree.h"

#include "term_visitor.h"

namespace rho::bytecode {

using namespace detail; // NOLINT(google-build-using-namespace): the hash tags

namespace {

TermTag tagOf(uint8_t hashTag) {
    switch (hashTag) {
    case kTagPar: return TermTag::kPar;
    case kTagProc: return TermTag::kProc;
    case kTagSeq: return TermTag::kSeq;
    case kTagBound: return TermTag::kBound;
    case kTagOp: return TermTag::kOp;
    case kTagSend: return TermTag::kSend;
    case kTagReceive: return TermTag::kReceive;
    case kTagNew: return TermTag::kNew;
    case kTagNewUrn: return TermTag::kNewUrn;
    case kTagIf: return TermTag::kIf;
    case kTagExec: return TermTag::kExec;
    case kTagSpawn: return TermTag::kSpawn;
    case kTagList: return TermTag::kList;
    case kTagTuple: return TermTag::kTuple;
    case kTagSet: return TermTag::kSet;
    case kTagMap: return TermTag::kMap;
    case kTagBundle: return TermTag::kBundle;
    case kTagMethod: return TermTag::kMethod;
    case kTagMatch: return TermTag::kMatch;
    case kTagPattern:
    case kTagPatternHole: return TermTag::kPattern;
    default: return TermTag::kOther;
    }
}

std::shared_ptr<TermNode> leaf(const Value& v) {
    auto n = std::make_shared<TermNode>();
    n->tag = TermTag::kValue;
    n->value = v;
    n->hasValue = true;
    return n;
}

struct TreeBuilder {
    using Item = TermPtr;

    static Item value(const Value& v) { return leaf(v); }
    static Item node(uint8_t tag, std::span<const Item> kids, uint64_t extra = 0) {
        auto n = std::make_shared<TermNode>();
        n->tag = tagOf(tag);
        n->extra = extra;
        n->kids.assign(kids.begin(), kids.end());
        for (const Item& k : n->kids)
            n->hasHole = n->hasHole || k->hasHole;
        return n;
    }
    // Components, nested pars flattened and Nils dropped; zero give Nil, one gives itself.
    static Item par(std::vector<Item> kids) {
        std::vector<Item> flat;
        for (Item& k : kids) {
            if (k->tag == TermTag::kPar)
                flat.insert(flat.end(), k->kids.begin(), k->kids.end());
            else if (!(k->tag == TermTag::kValue && k->value.isNil()))
                flat.push_back(std::move(k));
        }
        if (flat.empty())
            return leaf(Value());
        if (flat.size() == 1)
            return flat[0];
        auto n = std::make_shared<TermNode>();
        n->tag = TermTag::kPar;
        n->kids = std::move(flat);
        for (const Item& k : n->kids)
            n->hasHole = n->hasHole || k->hasHole;
        return n;
    }
    static Item set(std::vector<Item> kids) { return node(kTagSet, kids, kids.size()); }
    static Item map(std::vector<std::pair<Item, Item>> pairs) {
        std::vector<Item> flat;
        for (auto& [k, v] : pairs) {
            flat.push_back(std::move(k));
            flat.push_back(std::move(v));
        }
        return node(kTagMap, flat, flat.size());
    }
    static Item hole(const Pattern& p, const Code& owner, Item built, bool free) {
        if (!free)
            return built;
        auto n = std::make_shared<TermNode>();
        n->tag = TermTag::kHole;
        n->pattern = &p;
        n->owner = &owner;
        n->hasHole = true;
        return n;
    }
    // A member sequence whose captures are all known values denotes a closure.
    template <class Slot>
    static Item member(Item built, const Code& parent, const ChildRef& ref, const std::vector<Slot>& frame) {
        if (built->hasValue || built->hasHole) // an expression's value, or part of a pattern
            return built;
        std::vector<Value> captures;
        for (uint32_t slot : ref.captureSlots) {
            const Slot& s = frame[slot];
            if (s.bound || !s.value || !s.value->hasValue)
                return built;
            captures.push_back(s.value->value);
        }
        auto n = std::make_shared<TermNode>(*built);
        n->value = Value::closure(parent.children[ref.child], std::move(captures));
        n->hasValue = true;
        return n;
    }
};

} // namespace

TermPtr termOf(const Value& v) {
    switch (v.kind()) {
    case ValueKind::kProc: {
        const Closure& c = v.closure();
        auto n = std::make_shared<TermNode>(*closureTerm<TreeBuilder>(*c.code, c.captures));
        n->value = v;
        n->hasValue = true;
        return n;
    }
    case ValueKind::kPar: {
        auto n = std::make_shared<TermNode>();
        n->tag = TermTag::kPar;
        for (const Value& part : v.parts())
            n->kids.push_back(termOf(part));
        n->value = v;
        n->hasValue = true;
        return n;
    }
    default: return leaf(v);
    }
}

TermPtr patternTermOf(const Code& owner, uint32_t child) {
    const Code& code = *owner.children[child];
    Term<TreeBuilder> visitor;
    return Walker<Term<TreeBuilder>>(visitor).sequence(code, std::vector<Term<TreeBuilder>::Slot>(code.numSlots), 0);
}

} // namespace rho::bytecode
