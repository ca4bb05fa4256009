// File: lsp_index.cpp
// indexDocument (lsp_index.h): a walk of the parse tree with a stack of scopes. An
// explicit stack of work items, not recursion: a program nested 10^5 deep must not
// overflow the server's stack.
#include "lsp_index.h"

#include "absl/container/flat_hash_map.h"
#include "rho/grammar/parser.h"

#include <algorithm>
#include <memory>
#include <tuple>
#include <utility>

namespace rho::cli {

using grammar::Node;
using grammar::NodeKind;

bool Span::contains(SourcePos p) const {
    auto key = [](SourcePos s) { return std::make_tuple(s.line, s.col); };
    return key(pos) <= key(p) && key(p) < key(end);
}

const Binding* DocumentIndex::at(SourcePos p) const {
    for (const Binding& b : bindings) {
        if (b.binder.contains(p))
            return &b;
        for (const Span& u : b.uses)
            if (u.contains(p))
                return &b;
    }
    return nullptr;
}

namespace {

// A scope: names to their bindings' indexes; scopes chain to their parent.
struct Scope {
    const Scope* parent = nullptr;
    absl::flat_hash_map<std::string, size_t> names;
};

class Indexer {
  public:
    DocumentIndex run(const Node* root) {
        process(root, newScope(nullptr));
        auto before = [](const Span& a, const Span& b) {
            return std::make_tuple(a.pos.line, a.pos.col) < std::make_tuple(b.pos.line, b.pos.col);
        };
        for (Binding& b : index_.bindings)
            std::sort(b.uses.begin(), b.uses.end(), before);
        return std::move(index_);
    }

  private:
    // Scopes live as long as the walk, at stable addresses.
    Scope* newScope(const Scope* parent) {
        owned_.push_back(std::make_unique<Scope>());
        owned_.back()->parent = parent;
        return owned_.back().get();
    }

    static const size_t* lookup(const std::string& name, const Scope* scope) {
        for (const Scope* s = scope; s != nullptr; s = s->parent) {
            auto it = s->names.find(name);
            if (it != s->names.end())
                return &it->second;
        }
        return nullptr;
    }

    void use(const Node* var, const Scope* scope) {
        if (const size_t* b = lookup(var->text, scope))
            index_.bindings[*b].uses.push_back({var->pos, var->end});
        // else unbound: the compiler's diagnostics say so
    }

    void bind(const Node* var, Scope* scope, bool isName, const char* boundBy) {
        auto [it, inserted] = scope->names.try_emplace(var->text, index_.bindings.size());
        if (!inserted) { // the same variable twice in one pattern: a use of the first
            index_.bindings[it->second].uses.push_back({var->pos, var->end});
            return;
        }
        index_.bindings.push_back(Binding{var->text, {var->pos, var->end}, isName, boundBy, {}, {}});
    }

    // The binders of a pattern into [into]; =x and =*x are uses, read in [outer].
    void pattern(const Node* n, bool namePosition, Scope* into, const Scope* outer, const char* boundBy) {
        std::vector<std::pair<const Node*, bool>> work{{n, namePosition}};
        while (!work.empty()) {
            auto [node, isName] = work.back();
            work.pop_back();
            if (node == nullptr)
                continue;
            switch (node->kind) {
            case NodeKind::kVar:
                bind(node, into, isName, boundBy);
                continue;
            case NodeKind::kVarRef:
                use(node, outer);
                continue;
            case NodeKind::kQuote:
                for (const Node* k : node->kids)
                    work.push_back({k, false});
                continue;
            case NodeKind::kSend:
            case NodeKind::kSendPersist:
            case NodeKind::kEval:
                for (size_t i = 0; i < node->kids.size(); ++i)
                    work.push_back({node->kids[i], i == 0});
                break;
            default:
                for (const Node* k : node->kids)
                    work.push_back({k, false});
            }
            if (node->remainder != nullptr)
                work.push_back({node->remainder, false});
        }
    }

    void process(const Node* root, Scope* rootScope) {
        struct Item {
            const Node* node;
            Scope* scope;
        };
        std::vector<Item> work{{root, rootScope}};
        while (!work.empty()) {
            auto [n, scope] = work.back();
            work.pop_back();
            if (n == nullptr)
                continue;
            switch (n->kind) {
            case NodeKind::kVar:
                use(n, scope);
                break;
            case NodeKind::kNew: {
                Scope* inner = newScope(scope);
                for (size_t i = 0; i + 1 < n->kids.size(); ++i)
                    if (n->kids[i]->kind == NodeKind::kNameDecl)
                        bind(n->kids[i], inner, true, "new");
                work.push_back({n->kids.back(), inner});
                break;
            }
            case NodeKind::kFor: {
                // Receipts in order: each one's sources in the scope so far, its patterns
                // binding into a new scope that the next receipt and the body see.
                Scope* current = scope;
                std::vector<Item> later;
                for (size_t r = 0; r + 1 < n->kids.size(); ++r) {
                    Scope* inner = newScope(current);
                    for (const Node* bindNode : n->kids[r]->kids) {
                        if (bindNode->kids.empty())
                            continue;
                        for (size_t i = 0; i + 1 < bindNode->kids.size(); ++i)
                            pattern(bindNode->kids[i], true, inner, current, "a for's pattern");
                        if (bindNode->remainder != nullptr)
                            pattern(bindNode->remainder, false, inner, current, "a for's pattern");
                        later.push_back({bindNode->kids.back(), current}); // the source
                    }
                    current = inner;
                }
                later.push_back({n->kids.back(), current});
                work.insert(work.end(), later.rbegin(), later.rend());
                break;
            }
            case NodeKind::kContract: {
                if (n->kids.empty())
                    break;
                const Node* channel = n->kids[0];
                index_.contracts.push_back(
                    ContractSymbol{grammar::print(channel), {n->pos, n->end}, {channel->pos, channel->end}});
                if (channel->kind == NodeKind::kVar)
                    if (const size_t* b = lookup(channel->text, scope))
                        index_.bindings[*b].contracts.push_back({channel->pos, channel->end});
                Scope* inner = newScope(scope);
                for (size_t i = 1; i + 1 < n->kids.size(); ++i)
                    pattern(n->kids[i], true, inner, scope, "a contract's formals");
                if (n->remainder != nullptr)
                    pattern(n->remainder, false, inner, scope, "a contract's formals");
                work.push_back({n->kids.back(), inner});
                work.push_back({channel, scope});
                break;
            }
            case NodeKind::kMatch: {
                for (size_t i = 1; i < n->kids.size(); ++i) {
                    const Node* c = n->kids[i];
                    if (c->kind != NodeKind::kCase || c->kids.size() != 2)
                        continue;
                    Scope* inner = newScope(scope);
                    pattern(c->kids[0], false, inner, scope, "a match case");
                    work.push_back({c->kids[1], inner});
                }
                if (!n->kids.empty())
                    work.push_back({n->kids[0], scope});
                break;
            }
            case NodeKind::kLet: {
                // flag 1: sequential (each declaration sees the ones before); otherwise
                // every value is read in the scope around the let.
                Scope* current = scope;
                Scope* all = newScope(scope);
                std::vector<Item> later;
                for (size_t d = 0; d + 1 < n->kids.size(); ++d) {
                    const Node* decl = n->kids[d];
                    Scope* target = n->flag == 1 ? newScope(current) : all;
                    for (size_t i = 0; i < decl->count && i < decl->kids.size(); ++i)
                        pattern(decl->kids[i], true, target, current, "a let");
                    if (decl->remainder != nullptr)
                        pattern(decl->remainder, false, target, current, "a let");
                    for (size_t i = decl->count; i < decl->kids.size(); ++i)
                        later.push_back({decl->kids[i], n->flag == 1 ? current : scope});
                    if (n->flag == 1)
                        current = target;
                }
                later.push_back({n->kids.back(), n->flag == 1 ? current : all});
                work.insert(work.end(), later.rbegin(), later.rend());
                break;
            }
            default:
                if ((n->kind == NodeKind::kSend || n->kind == NodeKind::kSendPersist) && !n->kids.empty() &&
                    n->kids[0]->kind == NodeKind::kQuote)
                    index_.quotedSends.emplace_back(Span{n->kids[0]->pos, n->kids[0]->end},
                                                    grammar::print(n->kids[0]));
                for (auto it = n->kids.rbegin(); it != n->kids.rend(); ++it)
                    work.push_back({*it, scope});
                if (n->remainder != nullptr)
                    work.push_back({n->remainder, scope});
            }
        }
    }

    DocumentIndex index_;
    std::vector<std::unique_ptr<Scope>> owned_;
};

} // namespace

DocumentIndex indexDocument(const grammar::Node* root) {
    return Indexer().run(root);
}

} // namespace rho::cli
