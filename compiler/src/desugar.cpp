// File: desugar.cpp
// Surface syntax to core (RHOLANG.md 5), as rewrites of the tree: `c!?(args); P`,
// `let` of several declarations, complex receive sources (`ch!?(args)`, `ch?!`),
// and the synthetic nodes they are made of.

#include "codegen.h"

namespace rho::compiler::detail {

Node* Compiler::make(NodeKind kind, SourcePos pos, std::vector<Node*> kids) {
    Node* n = synth_.make(kind, pos);
    n->kids = std::move(kids);
    return n;
}

// A variable no source program can name (identifiers cannot contain '%').
Node* Compiler::freshVar(SourcePos pos) {
    Node* n = make(NodeKind::kVar, pos);
    n->text = std::string("%").append(std::to_string(fresh_++));
    return n;
}

Node* Compiler::par(SourcePos pos, std::vector<Node*> branches) {
    std::vector<Node*> flat;
    for (Node* b : branches) {
        if (b->kind == NodeKind::kPar)
            flat.insert(flat.end(), b->kids.begin(), b->kids.end());
        else if (b->kind != NodeKind::kNil)
            flat.push_back(b);
    }
    if (flat.empty())
        return make(NodeKind::kNil, pos);
    if (flat.size() == 1)
        return flat[0];
    return make(NodeKind::kPar, pos, std::move(flat));
}

Node* Compiler::newOf(SourcePos pos, std::vector<Node*> vars, Node* body) {
    std::vector<Node*> kids;
    for (Node* v : vars) {
        Node* d = make(NodeKind::kNameDecl, v->pos);
        d->text = v->text;
        kids.push_back(d);
    }
    kids.push_back(body);
    return make(NodeKind::kNew, pos, std::move(kids));
}

Node* Compiler::linearBind(std::vector<Node*> patterns, Node* remainder, Node* channel) {
    Node* src = make(NodeKind::kSourceSimple, channel->pos, {channel});
    patterns.push_back(src);
    Node* b = make(NodeKind::kBindLinear, channel->pos, std::move(patterns));
    b->remainder = remainder;
    return b;
}

// c!?(args); P  =>  new r in { c!(*r, args) | for (_ <- r) { P } }   (`.`: P = Nil)
const Node* Compiler::desugarSendSync(const Node* p) {
    bool hasCont = p->flag != 0;
    size_t nargs = p->kids.size() - 1 - (hasCont ? 1 : 0);
    Node* r = freshVar(p->pos);
    std::vector<Node*> sendKids{p->kids[0], eval(r)};
    for (size_t i = 1; i <= nargs; ++i)
        sendKids.push_back(p->kids[i]);
    Node* send = make(NodeKind::kSend, p->pos, std::move(sendKids));
    Node* cont = hasCont ? p->kids.back() : make(NodeKind::kNil, p->pos);
    Node* wait = make(NodeKind::kFor, p->pos,
                      {make(NodeKind::kReceipt, p->pos, {linearBind({make(NodeKind::kWildcard, p->pos)}, nullptr, r)}),
                       cont});
    return newOf(p->pos, {r}, par(p->pos, {send, wait}));
}

// let d1 ; d2 in P  =>  let d1 in { let d2 in P }
// let d1 & d2 in P  =>  new c1, c2 in { c1!(e1...) | c2!(e2...) | for (p1 <- c1 & p2 <- c2) { P } }
// let ps <- es in P  =>  itself: a let of one declaration is core (letSingle)
const Node* Compiler::desugarLet(const Node* p) {
    size_t ndecls = p->kids.size() - 1;
    const Node* body = p->kids.back();
    if (ndecls == 1)
        return p;
    if (p->flag == 2) {
        std::vector<Node*> chans, branches, binds;
        for (size_t i = 0; i < ndecls; ++i) {
            const Node* d = p->kids[i];
            Node* c = freshVar(d->pos);
            chans.push_back(c);
            std::vector<Node*> sendKids{c};
            for (size_t k = d->count; k < d->kids.size(); ++k)
                sendKids.push_back(d->kids[k]);
            branches.push_back(make(NodeKind::kSend, d->pos, std::move(sendKids)));
            std::vector<Node*> pats(d->kids.begin(), d->kids.begin() + d->count);
            binds.push_back(linearBind(std::move(pats), d->remainder, c));
        }
        branches.push_back(make(NodeKind::kFor, p->pos,
                                {make(NodeKind::kReceipt, p->pos, std::move(binds)), const_cast<Node*>(body)}));
        return newOf(p->pos, std::move(chans), par(p->pos, std::move(branches)));
    }
    // Single or sequential: one declaration per nested let, innermost last.
    Node* inner = const_cast<Node*>(body);
    for (size_t i = ndecls; i-- > 0;)
        inner = make(NodeKind::kLet, p->kids[i]->pos, {p->kids[i], inner});
    return inner;
}
// for (r1 ; r2 ; ...) { P } whose first receipt has complex sources (RHOLANG.md 5):
//   ps <- ch!?(args)  =>  new r in { ch!(*r, args) | for (ps <- r ...) }
//   ps <- ch?!        =>  s, ps <- ch, with s!() added to the body
const Node* Compiler::desugarSources(const Node* p) {
    const Node* receipt = p->kids[0];
    bool complex = false;
    for (const Node* b : receipt->kids)
        complex |= b->kids.back()->kind != NodeKind::kSourceSimple;
    if (!complex)
        return nullptr;
    std::vector<Node*> news, sends, acks, binds;
    for (Node* b : receipt->kids) {
        Node* src = b->kids.back();
        std::vector<Node*> pats(b->kids.begin(), b->kids.end() - 1);
        Node* channel = src->kids[0];
        if (src->kind == NodeKind::kSourceSendReceive) {
            if (b->kind != NodeKind::kBindLinear)
                error(src, "a send-receive source needs the linear arrow `<-`");
            Node* r = freshVar(src->pos);
            news.push_back(r);
            std::vector<Node*> sendKids{channel, eval(r)};
            sendKids.insert(sendKids.end(), src->kids.begin() + 1, src->kids.end());
            sends.push_back(make(NodeKind::kSend, src->pos, std::move(sendKids)));
            channel = r;
        } else if (src->kind == NodeKind::kSourceReceiveSend) {
            if (b->kind != NodeKind::kBindLinear)
                error(src, "a receive-send source needs the linear arrow `<-`");
            Node* s = freshVar(src->pos);
            pats.insert(pats.begin(), s);
            acks.push_back(make(NodeKind::kSend, src->pos, {s}));
        }
        Node* nb = make(b->kind, b->pos, std::move(pats));
        nb->kids.push_back(make(NodeKind::kSourceSimple, src->pos, {channel}));
        nb->remainder = b->remainder;
        binds.push_back(nb);
    }
    std::vector<Node*> forKids{make(NodeKind::kReceipt, receipt->pos, std::move(binds))};
    forKids.insert(forKids.end(), p->kids.begin() + 1, p->kids.end() - 1);
    acks.push_back(p->kids.back());
    forKids.push_back(par(p->pos, std::move(acks)));
    Node* rewritten = make(NodeKind::kFor, p->pos, std::move(forKids));
    sends.push_back(rewritten);
    return news.empty() ? par(p->pos, std::move(sends)) : newOf(p->pos, std::move(news), par(p->pos, std::move(sends)));
}

// for (r1 ; r2 ; ... ; rn) { P }  =>  for (r1) { for (r2 ; ... ; rn) { P } }; null for
// one receipt. The inner `for` is compiled as a `for` of its own, so its sources may
// be complex too.
const Node* Compiler::desugarReceipts(const Node* p) {
    if (p->kids.size() <= 2)
        return nullptr;
    std::vector<Node*> restKids(p->kids.begin() + 1, p->kids.end());
    Node* rest = make(NodeKind::kFor, p->kids[1]->pos, std::move(restKids));
    return make(NodeKind::kFor, p->pos, {p->kids[0], rest});
}

// contract n(formals ...@r) = { P }  =>  for (formals ...@r <= n) { P }
const Node* Compiler::desugarContract(const Node* p) {
    std::vector<Node*> formals(p->kids.begin() + 1, p->kids.end() - 1);
    formals.push_back(make(NodeKind::kSourceSimple, p->kids[0]->pos, {p->kids[0]}));
    Node* bind = make(NodeKind::kBindPersist, p->pos, std::move(formals));
    bind->remainder = p->remainder;
    return make(NodeKind::kFor, p->pos, {make(NodeKind::kReceipt, p->pos, {bind}), p->kids.back()});
}

} // namespace rho::compiler::detail
