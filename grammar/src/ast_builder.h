// File: ast_builder.h
// AstBuilder: the C++ side of every grammar action in rholang.y. Each Bison rule
// makes exactly one call here, so the grammar file stays a grammar and the node
// conventions of ast.h are enforced in one place. Lists of children are built in
// builder-owned NodeLists and moved into the node that consumes them.
#pragma once

#include <deque>
#include <unordered_map>
#include <vector>

#include "rho/grammar/ast.h"

namespace rho::grammar::detail {

// Loc: the Bison location type (api.location.type). The field names are the ones
// Bison's default YYLLOC_DEFAULT expects; `last_*` is one past the last character.
struct Loc {
    int first_line = 1;
    int first_column = 1;
    int last_line = 1;
    int last_column = 1;
};

using NodeList = std::vector<Node*>;

class AstBuilder {
  public:
    explicit AstBuilder(Arena& arena) : arena_(arena) {}

    // Leaves ------------------------------------------------------------------
    Node* leaf(NodeKind kind, const Loc& loc);
    Node* boolLit(bool value, const Loc& loc);
    Node* simpleType(SimpleType type, const Loc& loc);
    // A lexer token (kVar/kInt/kString/kUri) reused under another kind, e.g. the
    // Int of BigInt(n) or the identifier of a method call.
    Node* retag(Node* token, NodeKind kind, const Loc& loc);
    Node* varRef(Node* var, bool isName, const Loc& loc);
    Node* nameDecl(Node* var, Node* uri, const Loc& loc);
    // Stand-in for a subtree that failed to parse; the result is discarded anyway.
    Node* errorNode(const Loc& loc);

    // Lists ---------------------------------------------------------------------
    NodeList* emptyList();
    NodeList* listOf(Node* first);
    NodeList* append(NodeList* list, Node* item);

    // Processes -----------------------------------------------------------------
    Node* par(Node* lhs, Node* rhs, const Loc& loc);
    // Gives every par its branches; call once, after the parser has finished.
    void finish();
    Node* ifProc(Node* cond, Node* thenBranch, Node* elseBranch, const Loc& loc);
    Node* newProc(NodeList* decls, Node* body, const Loc& loc);
    Node* send(NodeKind kind, Node* channel, NodeList* args, const Loc& loc);
    Node* sendSync(Node* channel, NodeList* args, Node* cont, const Loc& loc);
    Node* contract(Node* name, NodeList* formals, Node* remainder, Node* body, const Loc& loc);
    Node* forProc(NodeList* receipts, Node* body, const Loc& loc);
    Node* receipt(NodeList* binds);
    Node* bind(NodeKind kind, NodeList* patterns, Node* remainder, Node* source, const Loc& loc);
    Node* source(NodeKind kind, Node* channel, NodeList* args, const Loc& loc);
    Node* select(NodeList* branches, const Loc& loc);
    Node* branch(NodeList* binds, Node* body, const Loc& loc);
    Node* match(Node* target, NodeList* cases, const Loc& loc);
    Node* matchCase(Node* pattern, Node* body, const Loc& loc);
    Node* bundle(BundleKind kind, Node* body, const Loc& loc);
    Node* let(uint8_t mode, Node* first, NodeList* rest, Node* body, const Loc& loc);
    Node* letDecl(NodeList* patterns, Node* remainder, NodeList* values, const Loc& loc);

    // Expressions ---------------------------------------------------------------
    Node* unary(NodeKind kind, uint8_t op, Node* operand, const Loc& loc);
    Node* binary(NodeKind kind, uint8_t op, Node* lhs, Node* rhs, const Loc& loc);
    Node* method(Node* target, Node* nameToken, NodeList* args, const Loc& loc);
    Node* collection(NodeKind kind, NodeList* elems, Node* remainder, const Loc& loc);
    Node* tuple(Node* first, NodeList* rest, const Loc& loc);
    Node* mapEntry(Node* key, Node* value, const Loc& loc);

    // Op overloads so the grammar can name the enumerator directly.
    Node* unary(UnaryOp op, Node* operand, const Loc& loc) {
        return unary(NodeKind::kUnary, static_cast<uint8_t>(op), operand, loc);
    }
    Node* binary(BinaryOp op, Node* lhs, Node* rhs, const Loc& loc) {
        return binary(NodeKind::kBinary, static_cast<uint8_t>(op), lhs, rhs, loc);
    }

  private:
    Node* make(NodeKind kind, const Loc& loc);
    static void moveInto(Node* node, NodeList* list);

    Arena& arena_;
    std::deque<NodeList> lists_;
    std::unordered_map<Node*, std::deque<Node*>> pars_; // branches of pars being built
};

SourcePos beginOf(const Loc& loc);
SourcePos endOf(const Loc& loc);

} // namespace rho::grammar::detail
