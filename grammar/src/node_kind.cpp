// File: node_kind.cpp
// nodeKindName(): the printable name of each NodeKind, for dumps and test messages.
#include "rho/grammar/ast.h"

namespace rho::grammar {

const char* nodeKindName(NodeKind kind) {
    switch (kind) {
    case NodeKind::kNil:
        return "Nil";
    case NodeKind::kPar:
        return "Par";
    case NodeKind::kNew:
        return "New";
    case NodeKind::kNameDecl:
        return "NameDecl";
    case NodeKind::kSend:
        return "Send";
    case NodeKind::kSendPersist:
        return "SendPersist";
    case NodeKind::kSendSync:
        return "SendSync";
    case NodeKind::kFor:
        return "For";
    case NodeKind::kReceipt:
        return "Receipt";
    case NodeKind::kBindLinear:
        return "BindLinear";
    case NodeKind::kBindPersist:
        return "BindPersist";
    case NodeKind::kBindPeek:
        return "BindPeek";
    case NodeKind::kSourceSimple:
        return "SourceSimple";
    case NodeKind::kSourceReceiveSend:
        return "SourceReceiveSend";
    case NodeKind::kSourceSendReceive:
        return "SourceSendReceive";
    case NodeKind::kContract:
        return "Contract";
    case NodeKind::kMatch:
        return "Match";
    case NodeKind::kCase:
        return "Case";
    case NodeKind::kIf:
        return "If";
    case NodeKind::kLet:
        return "Let";
    case NodeKind::kLetDecl:
        return "LetDecl";
    case NodeKind::kBundle:
        return "Bundle";
    case NodeKind::kSelect:
        return "Select";
    case NodeKind::kEval:
        return "Eval";
    case NodeKind::kVar:
        return "Var";
    case NodeKind::kWildcard:
        return "Wildcard";
    case NodeKind::kQuote:
        return "Quote";
    case NodeKind::kVarRef:
        return "VarRef";
    case NodeKind::kBool:
        return "Bool";
    case NodeKind::kInt:
        return "Int";
    case NodeKind::kBigInt:
        return "BigInt";
    case NodeKind::kString:
        return "String";
    case NodeKind::kUri:
        return "Uri";
    case NodeKind::kList:
        return "List";
    case NodeKind::kTuple:
        return "Tuple";
    case NodeKind::kSet:
        return "Set";
    case NodeKind::kMap:
        return "Map";
    case NodeKind::kMapEntry:
        return "MapEntry";
    case NodeKind::kBinary:
        return "Binary";
    case NodeKind::kUnary:
        return "Unary";
    case NodeKind::kMethod:
        return "Method";
    case NodeKind::kSimpleType:
        return "SimpleType";
    case NodeKind::kConjunction:
        return "Conjunction";
    case NodeKind::kDisjunction:
        return "Disjunction";
    case NodeKind::kNegation:
        return "Negation";
    }
    return "?";
}

} // namespace rho::grammar
