// File: ast.h
// The abstract syntax tree the parser builds: one uniform Node type with a kind,
// a source span, a small payload and children. Nodes live in an Arena owned by
// the ParseResult. The tree is syntax only: no scoping, no sorts (name versus
// process) and no desugaring; those belong to the compiler.
//
// Child conventions are listed per kind below; "name" means a node of kind
// Var, Wildcard or Quote used in name position (the parser does not check sorts).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "rho/base/source_pos.h"

namespace rho::grammar {

enum class NodeKind : uint8_t {
    // Processes --------------------------------------------------------------
    kNil,          // Nil
    kPar,          // kids: the branches (>= 2; nested pars are flattened)
    kNew,          // kids: NameDecl..., body (last)
    kNameDecl,     // text: identifier; uri: the `urn` of x(`urn`) or empty
    kSend,         // kids: channel name, args...           (n!(args))
    kSendPersist,  // kids: channel name, args...           (n!!(args))
    kSendSync,     // kids: channel name, args..., [cont]  (n!?(args). / n!?(args); P); flag: has continuation
    kFor,          // kids: Receipt..., body (last)          (receipts separated by ';')
    kReceipt,      // kids: Bind...                          (binds joined by '&')
    kBindLinear,   // kids: patterns..., source (last); remainder: ...@r or null
    kBindPersist,  // same, with <=  (the source is always a kSourceSimple)
    kBindPeek,     // same, with <<- (the source is always a kSourceSimple)
    kSourceSimple, // kids: name                              (ch)
    kSourceReceiveSend, // kids: name                         (ch?!)
    kSourceSendReceive, // kids: name, args...                (ch!?(args))
    kContract,     // kids: name, formals..., body (last); remainder: ...@r or null
    kMatch,        // kids: target, Case...
    kCase,         // kids: pattern, body
    kIf,           // kids: condition, then, [else]
    kLet,          // flag: 0 single, 1 sequential (;), 2 concurrent (&); kids: LetDecl..., body (last)
    kLetDecl,      // kids: patterns..., (remainder in .remainder), then values after `<-`: count in .count
    kBundle,       // op: BundleKind; kids: body
    kSelect,       // kids: Case... each (Receipt, body) (the compiler rejects select)
    kEval,         // kids: name                              (*n)
    kVar,          // text: identifier
    kWildcard,     // _
    kQuote,        // kids: process                           (@P; only in name position)
    kVarRef,       // text: identifier; flag: 1 for =*x (name), 0 for =x (process)
    // Expressions --------------------------------------------------------------
    kBool,         // flag: 1 true, 0 false
    kInt,          // text: the decimal digits as written (range checked by the compiler)
    kBigInt,       // text: the decimal digits of BigInt(n)
    kString,       // text: contents without the quotes, escapes kept verbatim
    kUri,          // text: contents without the backticks
    kList,         // kids: elements; remainder: ...r or null
    kTuple,        // kids: elements (>= 1)
    kSet,          // kids: elements; remainder
    kMap,          // kids: MapEntry...; remainder
    kMapEntry,     // kids: key, value
    kBinary,       // op: BinaryOp; kids: lhs, rhs
    kUnary,        // op: UnaryOp; kids: operand
    kMethod,       // text: method name; kids: target, args...
    kSimpleType,   // op: SimpleType
    kConjunction,  // kids: lhs, rhs   (/\)
    kDisjunction,  // kids: lhs, rhs   (\/)
    kNegation,     // kids: operand    (~)
};

enum class BinaryOp : uint8_t {
    kOr, kAnd, kOrElse /* || */, kAndAlso /* && */, kEq, kNeq, kMatches,
    kLt, kLe, kGt, kGe, kAdd, kSub, kConcat /* ++ */, kDiff /* -- */,
    kMul, kDiv, kMod, kPercentPercent /* %% */,
};
enum class UnaryOp : uint8_t { kNot, kNeg };

// The Rholang spelling of an operator ("or", "||", "==", "matches", "%%", ...): what
// the printer writes and how the compiler finds the operator's instruction.
constexpr std::string_view symbol(BinaryOp op) {
    constexpr std::string_view kSymbols[] = {"or", "and", "||", "&&", "==", "!=", "matches", "<", "<=", ">",
                                             ">=", "+",   "-",  "++", "--", "*",  "/",       "%", "%%"};
    return kSymbols[static_cast<uint8_t>(op)];
}
constexpr std::string_view symbol(UnaryOp op) { return op == UnaryOp::kNot ? "not" : "-"; }
enum class BundleKind : uint8_t { kReadWrite /* bundle */, kWrite /* bundle+ */, kRead /* bundle- */, kNone /* bundle0 */ };
enum class SimpleType : uint8_t { kBool, kInt, kBigInt, kString, kUri, kByteArray };

struct Node {
    NodeKind kind = NodeKind::kNil;
    uint8_t op = 0;    // BinaryOp / UnaryOp / BundleKind / SimpleType, by kind
    uint8_t flag = 0;  // by kind, see above
    uint32_t count = 0; // kLetDecl: number of patterns before the values
    SourcePos pos;     // first character
    SourcePos end;     // one past the last character
    std::string text;
    std::string uri;
    // ...r / ...@r of lists, sets, maps, binds, contracts, let decls: the kVar or
    // kWildcard after the `...` (for ...@r the `@` is implied, no kQuote node).
    Node* remainder = nullptr;
    std::vector<Node*> kids;
};

// Arena: owns every node of one parse. Pointers stay valid for the arena's lifetime.
class Arena {
  public:
    Node* make(NodeKind kind, SourcePos pos) {
        Node& n = nodes_.emplace_back();
        n.kind = kind;
        n.pos = pos;
        n.end = pos;
        return &n;
    }
    [[nodiscard]] size_t size() const { return nodes_.size(); }

  private:
    std::deque<Node> nodes_;
};

const char* nodeKindName(NodeKind kind);

} // namespace rho::grammar
