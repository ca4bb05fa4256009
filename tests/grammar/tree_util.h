// File: tree_util.h
// Test helpers for the grammar tests: an S-expression dump of a tree that ignores
// positions (so expected trees can be written as strings) and a structural
// equality. Both are iterative so they work on the 100,000-deep trees.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "rho/grammar/parser.h"

namespace rho::grammar::testing {

inline const char* binaryOpName(uint8_t op) {
    static const char* const kNames[] = {"or", "and", "||", "&&", "==", "!=", "matches", "<", "<=", ">",
                                         ">=", "+",   "-",  "++", "--", "*",  "/",       "%", "%%"};
    return op < sizeof(kNames) / sizeof(kNames[0]) ? kNames[op] : "?";
}

// `(Kind:detail kids... ...remainder)`, e.g. `(Binary:+ (Int 1) (Var x))`.
inline std::string dump(const Node* root) {
    if (root == nullptr)
        return "<null>";
    std::string out;
    std::vector<std::variant<const Node*, const char*>> stack{root};
    while (!stack.empty()) {
        auto item = stack.back();
        stack.pop_back();
        if (auto* text = std::get_if<const char*>(&item)) {
            out += *text;
            continue;
        }
        const Node* n = std::get<const Node*>(item);
        out += "(";
        out += nodeKindName(n->kind);
        switch (n->kind) {
        case NodeKind::kBinary:
            out += ':';
            out += binaryOpName(n->op);
            break;
        case NodeKind::kUnary:
            out += n->op == static_cast<uint8_t>(UnaryOp::kNot) ? ":not" : ":neg";
            break;
        case NodeKind::kBundle:
        case NodeKind::kSimpleType:
            out += ':';
            out += std::to_string(n->op);
            break;
        default:
            break;
        }
        // Appends only: GCC 12 at -O3 warns falsely (-Wrestrict) on "lit" + std::string.
        if (n->flag != 0) {
            out += '#';
            out += std::to_string(n->flag);
        }
        if (n->kind == NodeKind::kLetDecl) {
            out += '/';
            out += std::to_string(n->count);
        }
        if (n->kind == NodeKind::kString) {
            out += " \"";
            out += n->text;
            out += '"';
        } else if (!n->text.empty()) {
            out += ' ';
            out += n->text;
        }
        if (!n->uri.empty()) {
            out += " `";
            out += n->uri;
            out += '`';
        }
        stack.emplace_back(")");
        if (n->remainder != nullptr) {
            stack.emplace_back(n->remainder);
            stack.emplace_back(" ...");
        }
        for (size_t i = n->kids.size(); i-- > 0;) {
            stack.emplace_back(n->kids[i]);
            stack.emplace_back(" ");
        }
    }
    return out;
}

// Same kinds, payloads, remainders and children; positions are ignored.
inline bool sameTree(const Node* a, const Node* b) {
    std::vector<std::pair<const Node*, const Node*>> stack{{a, b}};
    while (!stack.empty()) {
        auto [x, y] = stack.back();
        stack.pop_back();
        if (x == nullptr || y == nullptr) {
            if (x != y)
                return false;
            continue;
        }
        if (x->kind != y->kind || x->op != y->op || x->flag != y->flag || x->count != y->count ||
            x->text != y->text || x->uri != y->uri || x->kids.size() != y->kids.size())
            return false;
        stack.emplace_back(x->remainder, y->remainder);
        for (size_t i = 0; i < x->kids.size(); ++i)
            stack.emplace_back(x->kids[i], y->kids[i]);
    }
    return true;
}

inline std::string messages(const ParseResult& r) {
    std::string out;
    for (const Diagnostic& d : r.diagnostics.items())
        out += std::to_string(d.pos.line) + ":" + std::to_string(d.pos.col) + ": " + d.message + "\n";
    return out;
}

} // namespace rho::grammar::testing
