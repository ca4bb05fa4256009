// File: ast_builder.cpp
// The node constructors behind rholang.y's actions. Every node's span is the span
// of the whole production that built it (Bison's @$), so a parenthesised
// expression `(a + b) * c` starts at the `(`; braces and parentheses that only
// group build no node of their own.
#include "ast_builder.h"

#include <utility>

namespace rho::grammar::detail {

SourcePos beginOf(const Loc& loc) {
    return SourcePos{static_cast<uint32_t>(loc.first_line), static_cast<uint32_t>(loc.first_column)};
}

SourcePos endOf(const Loc& loc) {
    return SourcePos{static_cast<uint32_t>(loc.last_line), static_cast<uint32_t>(loc.last_column)};
}

Node* AstBuilder::make(NodeKind kind, const Loc& loc) {
    Node* n = arena_.make(kind, beginOf(loc));
    n->end = endOf(loc);
    return n;
}

void AstBuilder::moveInto(Node* node, NodeList* list) {
    if (list == nullptr)
        return;
    if (node->kids.empty())
        node->kids = std::move(*list);
    else
        node->kids.insert(node->kids.end(), list->begin(), list->end());
    list->clear();
    list->shrink_to_fit();
}

// Leaves ----------------------------------------------------------------------

Node* AstBuilder::leaf(NodeKind kind, const Loc& loc) { return make(kind, loc); }

Node* AstBuilder::boolLit(bool value, const Loc& loc) {
    Node* n = make(NodeKind::kBool, loc);
    n->flag = value ? 1 : 0;
    return n;
}

Node* AstBuilder::simpleType(SimpleType type, const Loc& loc) {
    Node* n = make(NodeKind::kSimpleType, loc);
    n->op = static_cast<uint8_t>(type);
    return n;
}

Node* AstBuilder::retag(Node* token, NodeKind kind, const Loc& loc) {
    token->kind = kind;
    token->pos = beginOf(loc);
    token->end = endOf(loc);
    return token;
}

Node* AstBuilder::varRef(Node* var, bool isName, const Loc& loc) {
    retag(var, NodeKind::kVarRef, loc);
    var->flag = isName ? 1 : 0;
    return var;
}

Node* AstBuilder::nameDecl(Node* var, Node* uri, const Loc& loc) {
    retag(var, NodeKind::kNameDecl, loc);
    if (uri != nullptr)
        var->uri = std::move(uri->text);
    return var;
}

Node* AstBuilder::errorNode(const Loc& loc) { return make(NodeKind::kNil, loc); }

// Lists -------------------------------------------------------------------------

NodeList* AstBuilder::emptyList() { return &lists_.emplace_back(); }

NodeList* AstBuilder::listOf(Node* first) {
    NodeList* list = emptyList();
    list->push_back(first);
    return list;
}

NodeList* AstBuilder::append(NodeList* list, Node* item) {
    list->push_back(item);
    return list;
}

// Processes ---------------------------------------------------------------------

// Par is flattened on both sides: `{a | b} | c` and `a | b | c` are the same tree.
// Pars are flattened as they are built. Their branches wait in a deque (pars_) until
// finish(): a right-nested chain `a | {b | {c | ...}}` then costs one push_front per
// level, and joining two pars moves the smaller into the larger, so flattening is
// O(n log n) at worst instead of copying the whole chain at every level.
Node* AstBuilder::par(Node* lhs, Node* rhs, const Loc& loc) {
    std::deque<Node*>* left = lhs->kind == NodeKind::kPar ? &pars_[lhs] : nullptr;
    std::deque<Node*>* right = rhs->kind == NodeKind::kPar ? &pars_[rhs] : nullptr;
    Node* n;
    if (right != nullptr && (left == nullptr || right->size() > left->size())) {
        n = rhs;
        if (left != nullptr) {
            for (auto it = left->rbegin(); it != left->rend(); ++it)
                right->push_front(*it);
            pars_.erase(lhs);
        } else {
            right->push_front(lhs);
        }
    } else if (left != nullptr) {
        n = lhs;
        if (right != nullptr) {
            left->insert(left->end(), right->begin(), right->end());
            pars_.erase(rhs);
        } else {
            left->push_back(rhs);
        }
    } else {
        n = make(NodeKind::kPar, loc);
        std::deque<Node*>& branches = pars_[n];
        branches.push_back(lhs);
        branches.push_back(rhs);
    }
    n->pos = beginOf(loc);
    n->end = endOf(loc);
    return n;
}

void AstBuilder::finish() {
    for (auto& [node, branches] : pars_)
        node->kids.assign(branches.begin(), branches.end());
    pars_.clear();
}

Node* AstBuilder::ifProc(Node* cond, Node* thenBranch, Node* elseBranch, const Loc& loc) {
    Node* n = make(NodeKind::kIf, loc);
    n->kids.push_back(cond);
    n->kids.push_back(thenBranch);
    if (elseBranch != nullptr)
        n->kids.push_back(elseBranch);
    return n;
}

Node* AstBuilder::newProc(NodeList* decls, Node* body, const Loc& loc) {
    Node* n = make(NodeKind::kNew, loc);
    moveInto(n, decls);
    n->kids.push_back(body);
    return n;
}

Node* AstBuilder::send(NodeKind kind, Node* channel, NodeList* args, const Loc& loc) {
    Node* n = make(kind, loc);
    n->kids.push_back(channel);
    moveInto(n, args);
    return n;
}

Node* AstBuilder::sendSync(Node* channel, NodeList* args, Node* cont, const Loc& loc) {
    Node* n = send(NodeKind::kSendSync, channel, args, loc);
    if (cont != nullptr) {
        n->kids.push_back(cont);
        n->flag = 1;
    }
    return n;
}

Node* AstBuilder::contract(Node* name, NodeList* formals, Node* remainder, Node* body, const Loc& loc) {
    Node* n = make(NodeKind::kContract, loc);
    n->kids.push_back(name);
    moveInto(n, formals);
    n->kids.push_back(body);
    n->remainder = remainder;
    return n;
}

Node* AstBuilder::forProc(NodeList* receipts, Node* body, const Loc& loc) {
    Node* n = make(NodeKind::kFor, loc);
    moveInto(n, receipts);
    n->kids.push_back(body);
    return n;
}

// A receipt has no tokens of its own: it spans its binds.
Node* AstBuilder::receipt(NodeList* binds) {
    Node* n = arena_.make(NodeKind::kReceipt, binds->front()->pos);
    n->end = binds->back()->end;
    moveInto(n, binds);
    return n;
}

// Persistent and peek binds take a plain name; it is wrapped in kSourceSimple so
// that every bind ends in a source node, whatever its arrow.
Node* AstBuilder::bind(NodeKind kind, NodeList* patterns, Node* remainder, Node* source, const Loc& loc) {
    if (kind != NodeKind::kBindLinear) {
        Node* simple = arena_.make(NodeKind::kSourceSimple, source->pos);
        simple->end = source->end;
        simple->kids.push_back(source);
        source = simple;
    }
    Node* n = make(kind, loc);
    moveInto(n, patterns);
    n->kids.push_back(source);
    n->remainder = remainder;
    return n;
}

Node* AstBuilder::source(NodeKind kind, Node* channel, NodeList* args, const Loc& loc) {
    Node* n = make(kind, loc);
    n->kids.push_back(channel);
    moveInto(n, args);
    return n;
}

Node* AstBuilder::select(NodeList* branches, const Loc& loc) {
    Node* n = make(NodeKind::kSelect, loc);
    moveInto(n, branches);
    return n;
}

Node* AstBuilder::branch(NodeList* binds, Node* body, const Loc& loc) {
    Node* n = make(NodeKind::kCase, loc);
    n->kids.push_back(receipt(binds));
    n->kids.push_back(body);
    return n;
}

Node* AstBuilder::match(Node* target, NodeList* cases, const Loc& loc) {
    Node* n = make(NodeKind::kMatch, loc);
    n->kids.push_back(target);
    moveInto(n, cases);
    return n;
}

Node* AstBuilder::matchCase(Node* pattern, Node* body, const Loc& loc) {
    Node* n = make(NodeKind::kCase, loc);
    n->kids.push_back(pattern);
    n->kids.push_back(body);
    return n;
}

Node* AstBuilder::bundle(BundleKind kind, Node* body, const Loc& loc) {
    Node* n = make(NodeKind::kBundle, loc);
    n->op = static_cast<uint8_t>(kind);
    n->kids.push_back(body);
    return n;
}

Node* AstBuilder::let(uint8_t mode, Node* first, NodeList* rest, Node* body, const Loc& loc) {
    Node* n = make(NodeKind::kLet, loc);
    n->flag = mode;
    n->kids.push_back(first);
    moveInto(n, rest);
    n->kids.push_back(body);
    return n;
}

Node* AstBuilder::letDecl(NodeList* patterns, Node* remainder, NodeList* values, const Loc& loc) {
    Node* n = make(NodeKind::kLetDecl, loc);
    n->count = static_cast<uint32_t>(patterns->size());
    moveInto(n, patterns);
    moveInto(n, values);
    n->remainder = remainder;
    return n;
}

// Expressions -------------------------------------------------------------------

Node* AstBuilder::unary(NodeKind kind, uint8_t op, Node* operand, const Loc& loc) {
    Node* n = make(kind, loc);
    n->op = op;
    n->kids.push_back(operand);
    return n;
}

Node* AstBuilder::binary(NodeKind kind, uint8_t op, Node* lhs, Node* rhs, const Loc& loc) {
    Node* n = make(kind, loc);
    n->op = op;
    n->kids.push_back(lhs);
    n->kids.push_back(rhs);
    return n;
}

Node* AstBuilder::method(Node* target, Node* nameToken, NodeList* args, const Loc& loc) {
    Node* n = make(NodeKind::kMethod, loc);
    n->text = std::move(nameToken->text);
    n->kids.push_back(target);
    moveInto(n, args);
    return n;
}

Node* AstBuilder::collection(NodeKind kind, NodeList* elems, Node* remainder, const Loc& loc) {
    Node* n = make(kind, loc);
    moveInto(n, elems);
    n->remainder = remainder;
    return n;
}

Node* AstBuilder::tuple(Node* first, NodeList* rest, const Loc& loc) {
    Node* n = make(NodeKind::kTuple, loc);
    n->kids.push_back(first);
    moveInto(n, rest);
    return n;
}

Node* AstBuilder::mapEntry(Node* key, Node* value, const Loc& loc) {
    Node* n = make(NodeKind::kMapEntry, loc);
    n->kids.push_back(key);
    n->kids.push_back(value);
    return n;
}

} // namespace rho::grammar::detail
