// File: printer.cpp
// print(): the tree back as Rholang source on one line. Every child is printed
// in the position's grammar level (RHOLANG.md §3); a child whose own level is
// looser is wrapped in braces, which turn any process into a level-16 atom and
// build no node, so parse(print(t)) gives t back. Parentheses are never needed.
//
// The printer is iterative (an explicit work stack), so it handles any depth the
// parser accepts, and deeper hand-built trees too.
#include <string>
#include <string_view>
#include <vector>

#include "rho/grammar/parser.h"

namespace rho::grammar {
namespace {

// Grammar levels, loosest first (RHOLANG.md §3).
constexpr int kLevelPar = 0;
constexpr int kLevelNew = 1;
constexpr int kLevelFor = 2;
constexpr int kLevelSend = 3;
constexpr int kLevelOr = 4;
constexpr int kLevelUnary = 10;
constexpr int kLevelMethod = 11;
constexpr int kLevelQuoted = 12;
constexpr int kLevelPattern = 13;
constexpr int kLevelConjunction = 14;
constexpr int kLevelNegation = 15;
constexpr int kLevelAtom = 16;

struct BinaryInfo {
    int level;
    int lhs;
    int rhs;
};

BinaryInfo binaryInfo(BinaryOp op) {
    switch (op) {
    case BinaryOp::kOr:
    case BinaryOp::kOrElse: return {4, 4, 5};
    case BinaryOp::kAnd:
    case BinaryOp::kAndAlso: return {5, 5, 6};
    case BinaryOp::kEq:
    case BinaryOp::kNeq: return {6, 6, 7};
    case BinaryOp::kMatches: return {6, 7, 7};
    case BinaryOp::kLt:
    case BinaryOp::kLe:
    case BinaryOp::kGt:
    case BinaryOp::kGe: return {7, 7, 8};
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kConcat:
    case BinaryOp::kDiff: return {8, 8, 9};
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod:
    case BinaryOp::kPercentPercent: return {9, 9, 10};
    }
    return {kLevelOr, kLevelAtom, kLevelAtom};
}

int levelOf(const Node* n) {
    switch (n->kind) {
    case NodeKind::kPar:
        return kLevelPar;
    case NodeKind::kIf:
    case NodeKind::kNew:
    case NodeKind::kSendSync:
        return kLevelNew;
    case NodeKind::kFor:
    case NodeKind::kContract:
    case NodeKind::kSelect:
    case NodeKind::kMatch:
    case NodeKind::kBundle:
    case NodeKind::kLet:
        return kLevelFor;
    case NodeKind::kSend:
    case NodeKind::kSendPersist:
        return kLevelSend;
    case NodeKind::kBinary:
        return binaryInfo(static_cast<BinaryOp>(n->op)).level;
    case NodeKind::kUnary:
        return kLevelUnary;
    case NodeKind::kMethod:
        return kLevelMethod;
    case NodeKind::kEval:
        return kLevelQuoted;
    case NodeKind::kDisjunction:
    case NodeKind::kVarRef:
        return kLevelPattern;
    case NodeKind::kConjunction:
        return kLevelConjunction;
    case NodeKind::kNegation:
        return kLevelNegation;
    default:
        return kLevelAtom;
    }
}

std::string_view simpleTypeName(SimpleType type) {
    switch (type) {
    case SimpleType::kBool:
        return "Bool";
    case SimpleType::kInt:
        return "Int";
    case SimpleType::kBigInt:
        return "BigInt";
    case SimpleType::kString:
        return "String";
    case SimpleType::kUri:
        return "Uri";
    case SimpleType::kByteArray:
        return "ByteArray";
    }
    return "?";
}

std::string_view bundleKeyword(BundleKind kind) {
    switch (kind) {
    case BundleKind::kReadWrite:
        return "bundle";
    case BundleKind::kWrite:
        return "bundle+";
    case BundleKind::kRead:
        return "bundle-";
    case BundleKind::kNone:
        return "bundle0";
    }
    return "bundle";
}

// One unit of pending output: literal text, or a node to print as a process at
// a required level, or as a name.
struct Item {
    enum class Mode : uint8_t { kText, kProc, kName };
    Mode mode = Mode::kText;
    std::string_view text;
    const Node* node = nullptr;
    int level = 0;
};

class Printer {
  public:
    std::string run(const Node* root) {
        stack_.push_back(procItem(root, kLevelPar));
        while (!stack_.empty()) {
            Item item = stack_.back();
            stack_.pop_back();
            if (item.mode == Item::Mode::kText) {
                emit(item.text);
                continue;
            }
            seq_.clear();
            if (item.mode == Item::Mode::kName)
                expandName(item.node);
            else
                expandProc(item.node, item.level);
            stack_.insert(stack_.end(), seq_.rbegin(), seq_.rend());
        }
        return std::move(out_);
    }

  private:
    static Item procItem(const Node* n, int level) { return {Item::Mode::kProc, {}, n, level}; }

    // Appends text; `-` followed by `-` would lex as the `--` operator.
    void emit(std::string_view text) {
        if (text.empty())
            return;
        if (!out_.empty() && out_.back() == '-' && text.front() == '-')
            out_ += ' ';
        out_ += text;
    }

    void text(std::string_view t) { seq_.push_back({Item::Mode::kText, t, nullptr, 0}); }
    void proc(const Node* n, int level) { seq_.push_back(procItem(n, level)); }
    void name(const Node* n) { seq_.push_back({Item::Mode::kName, {}, n, 0}); }

    void procs(const std::vector<Node*>& kids, size_t from, size_t to, std::string_view sep, int level) {
        for (size_t i = from; i < to; ++i) {
            if (i > from)
                text(sep);
            proc(kids[i], level);
        }
    }

    void names(const std::vector<Node*>& kids, size_t from, size_t to) {
        for (size_t i = from; i < to; ++i) {
            if (i > from)
                text(", ");
            name(kids[i]);
        }
    }

    // `...r` after [count] elements; name remainders (binds, contracts, let) add `@`.
    void remainder(const Node* r, size_t count, bool isName) {
        if (r == nullptr)
            return;
        text(count > 0 ? " ..." : "...");
        if (isName)
            text("@");
        proc(r, kLevelAtom);
    }

    void expandName(const Node* n) {
        if (n->kind == NodeKind::kQuote) {
            text("@");
            proc(n->kids[0], kLevelQuoted);
        } else {
            proc(n, kLevelAtom);
        }
    }

    // Patterns, remainder and arrow of a bind, e.g. `x, @y ...@r <- `.
    void bindHead(const Node* n, size_t patterns, std::string_view arrow) {
        names(n->kids, 0, patterns);
        remainder(n->remainder, patterns, true);
        text(patterns > 0 || n->remainder != nullptr ? " " : "");
        text(arrow);
    }

    void expandProc(const Node* n, int level) {
        if (levelOf(n) < level) {
            text("{ ");
            proc(n, kLevelPar);
            text(" }");
            return;
        }
        const std::vector<Node*>& k = n->kids;
        switch (n->kind) {
        case NodeKind::kNil:
            text("Nil");
            break;
        case NodeKind::kPar:
            procs(k, 0, k.size(), " | ", kLevelNew);
            break;
        case NodeKind::kNew:
            text("new ");
            procs(k, 0, k.size() - 1, ", ", kLevelAtom);
            text(" in ");
            proc(k.back(), kLevelNew);
            break;
        case NodeKind::kNameDecl:
            text(n->text);
            if (!n->uri.empty()) {
                text("(`");
                text(n->uri);
                text("`)");
            }
            break;
        case NodeKind::kSend:
        case NodeKind::kSendPersist:
            name(k[0]);
            text(n->kind == NodeKind::kSend ? "!(" : "!!(");
            procs(k, 1, k.size(), ", ", kLevelPar);
            text(")");
            break;
        case NodeKind::kSendSync: {
            size_t argsEnd = n->flag != 0 ? k.size() - 1 : k.size();
            name(k[0]);
            text("!?(");
            procs(k, 1, argsEnd, ", ", kLevelPar);
            if (n->flag != 0) {
                text("); ");
                proc(k.back(), kLevelNew);
            } else {
                text(").");
            }
            break;
        }
        case NodeKind::kFor:
            text("for (");
            procs(k, 0, k.size() - 1, "; ", kLevelAtom);
            text(") { ");
            proc(k.back(), kLevelPar);
            text(" }");
            break;
        case NodeKind::kReceipt:
            procs(k, 0, k.size(), " & ", kLevelAtom);
            break;
        case NodeKind::kBindLinear:
            bindHead(n, k.size() - 1, "<- ");
            proc(k.back(), kLevelAtom);
            break;
        case NodeKind::kBindPersist:
            bindHead(n, k.size() - 1, "<= ");
            proc(k.back(), kLevelAtom);
            break;
        case NodeKind::kBindPeek:
            bindHead(n, k.size() - 1, "<<- ");
            proc(k.back(), kLevelAtom);
            break;
        case NodeKind::kSourceSimple:
            name(k[0]);
            break;
        case NodeKind::kSourceReceiveSend:
            name(k[0]);
            text("?!");
            break;
        case NodeKind::kSourceSendReceive:
            name(k[0]);
            text("!?(");
            procs(k, 1, k.size(), ", ", kLevelPar);
            text(")");
            break;
        case NodeKind::kContract:
            text("contract ");
            name(k[0]);
            text("(");
            names(k, 1, k.size() - 1);
            remainder(n->remainder, k.size() - 2, true);
            text(") = { ");
            proc(k.back(), kLevelPar);
            text(" }");
            break;
        case NodeKind::kMatch:
            text("match ");
            proc(k[0], kLevelOr);
            text(" { ");
            procs(k, 1, k.size(), " ", kLevelAtom);
            text(" }");
            break;
        case NodeKind::kSelect:
            text("select { ");
            procs(k, 0, k.size(), " ", kLevelAtom);
            text(" }");
            break;
        case NodeKind::kCase:
            // A select branch has a receipt where a match case has a pattern.
            if (k[0]->kind == NodeKind::kReceipt)
                proc(k[0], kLevelAtom);
            else
                proc(k[0], kLevelPattern);
            text(" => ");
            proc(k[1], kLevelSend);
            break;
        case NodeKind::kIf:
            text("if (");
            proc(k[0], kLevelPar);
            text(") ");
            proc(k[1], kLevelFor);
            if (k.size() > 2) {
                text(" else ");
                proc(k[2], kLevelNew);
            }
            break;
        case NodeKind::kLet:
            text("let ");
            procs(k, 0, k.size() - 1, n->flag == 1 ? "; " : " & ", kLevelAtom);
            text(" in { ");
            proc(k.back(), kLevelPar);
            text(" }");
            break;
        case NodeKind::kLetDecl:
            bindHead(n, n->count, "<- ");
            procs(k, n->count, k.size(), ", ", kLevelPar);
            break;
        case NodeKind::kBundle:
            text(bundleKeyword(static_cast<BundleKind>(n->op)));
            text(" { ");
            proc(k[0], kLevelPar);
            text(" }");
            break;
        case NodeKind::kEval:
            text("*");
            name(k[0]);
            break;
        case NodeKind::kVar:
            text(n->text);
            break;
        case NodeKind::kWildcard:
            text("_");
            break;
        case NodeKind::kQuote:
            expandName(n);
            break;
        case NodeKind::kVarRef:
            text(n->flag != 0 ? "=*" : "=");
            text(n->text);
            break;
        case NodeKind::kBool:
            text(n->flag != 0 ? "true" : "false");
            break;
        case NodeKind::kInt:
            text(n->text);
            break;
        case NodeKind::kBigInt:
            text("BigInt(");
            text(n->text);
            text(")");
            break;
        case NodeKind::kString:
            text("\"");
            text(n->text);
            text("\"");
            break;
        case NodeKind::kUri:
            text("`");
            text(n->text);
            text("`");
            break;
        case NodeKind::kList:
            text("[");
            procs(k, 0, k.size(), ", ", kLevelPar);
            remainder(n->remainder, k.size(), false);
            text("]");
            break;
        case NodeKind::kTuple:
            text("(");
            procs(k, 0, k.size(), ", ", kLevelPar);
            text(k.size() == 1 ? ",)" : ")");
            break;
        case NodeKind::kSet:
            text("Set(");
            procs(k, 0, k.size(), ", ", kLevelPar);
            remainder(n->remainder, k.size(), false);
            text(")");
            break;
        case NodeKind::kMap:
            text("{");
            procs(k, 0, k.size(), ", ", kLevelAtom);
            remainder(n->remainder, k.size(), false);
            text("}");
            break;
        case NodeKind::kMapEntry:
            proc(k[0], kLevelPar);
            text(" : ");
            proc(k[1], kLevelPar);
            break;
        case NodeKind::kBinary: {
            BinaryInfo info = binaryInfo(static_cast<BinaryOp>(n->op));
            proc(k[0], info.lhs);
            text(" ");
            text(symbol(static_cast<BinaryOp>(n->op)));
            text(" ");
            proc(k[1], info.rhs);
            break;
        }
        case NodeKind::kUnary:
            text(symbol(static_cast<UnaryOp>(n->op)));
            if (static_cast<UnaryOp>(n->op) == UnaryOp::kNot)
                text(" ");
            proc(k[0], kLevelUnary);
            break;
        case NodeKind::kMethod:
            proc(k[0], kLevelMethod);
            text(".");
            text(n->text);
            text("(");
            procs(k, 1, k.size(), ", ", kLevelPar);
            text(")");
            break;
        case NodeKind::kSimpleType:
            text(simpleTypeName(static_cast<SimpleType>(n->op)));
            break;
        case NodeKind::kDisjunction:
            proc(k[0], kLevelPattern);
            text(" \\/ ");
            proc(k[1], kLevelConjunction);
            break;
        case NodeKind::kConjunction:
            proc(k[0], kLevelConjunction);
            text(" /\\ ");
            proc(k[1], kLevelNegation);
            break;
        case NodeKind::kNegation:
            text("~");
            proc(k[0], kLevelNegation);
            break;
        }
    }

    std::vector<Item> stack_;
    std::vector<Item> seq_;
    std::string out_;
};

} // namespace

std::string print(const Node* node) {
    if (node == nullptr)
        return "";
    return Printer().run(node);
}

} // namespace rho::grammar
