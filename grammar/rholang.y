/* File: rholang.y
 * The Rholang grammar (Bison, pure reentrant LALR(1) parser). It follows rchain's
 * BNFC grammar rholang_mercury.cf at the dev head (Aug 2022) rule for rule, so the
 * precedence ladder Proc (loosest) .. Proc16 (tightest) is written out as one
 * nonterminal per level instead of %left/%right declarations; see RHOLANG.md §3.
 * Each action is one call into AstBuilder (grammar/src/ast_builder.h).
 *
 * The parser is iterative; its stack is capped by YYMAXDEPTH and overflowing it
 * is reported as a nesting error, never a crash. Syntax errors are recovered at
 * the process level (`proc: error`), so independent errors are all reported.
 * LAC (lookahead correction) makes the "expecting ..." lists exact despite the
 * default reductions of the LALR tables.
 */
%require "3.8"
%define api.pure full
%define api.prefix {rho}
%define api.token.prefix {TOK_}
%define api.location.type {rho::grammar::detail::Loc}
%define parse.error custom
%define parse.lac full
%locations
%header
%expect 0

%param {yyscan_t scanner} {rho::grammar::detail::ParseContext& ctx}

%code requires {
#include "ast_builder.h"

namespace rho::grammar::detail {
struct ParseContext;
}
#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void* yyscan_t;
#endif
// Loc is a plain struct, so Bison may relocate its stacks with memcpy.
#define RHOLTYPE_IS_TRIVIAL 1
}

%code provides {
#define YY_DECL int rholex(RHOSTYPE* lval, RHOLTYPE* lloc, yyscan_t yyscanner, rho::grammar::detail::ParseContext& ctx)
YY_DECL;
}

%code {
#include "parse_context.h"

// A stack entry costs about 30 bytes; this allows every construct to nest
// kMaxNestingDepth deep (a `for` keeps five entries per level) while capping a
// hostile input at a few tens of megabytes.
#define YYMAXDEPTH (8 * rho::grammar::kMaxNestingDepth)
#define YYINITDEPTH 256

namespace {
using rho::grammar::BinaryOp;
using rho::grammar::BundleKind;
using rho::grammar::NodeKind;
using rho::grammar::SimpleType;
using rho::grammar::UnaryOp;
using rho::grammar::detail::Loc;
using rho::grammar::detail::ParseContext;

void rhoerror(const Loc* loc, yyscan_t scanner, ParseContext& ctx, const char* message);
}
}

%union {
    rho::grammar::Node* node;
    rho::grammar::detail::NodeList* list;
}

%token END 0 "end of file"
%token <node> VAR "identifier" INT "integer literal" STRING "string literal" URI "URI literal"
%token BIGINT_OPEN "BigInt("
%token NEW "new" IN "in" FOR "for" CONTRACT "contract" MATCH "match" MATCHES "matches"
%token IF "if" ELSE "else" SELECT "select" LET "let" NIL "Nil" TRUE "true" FALSE "false"
%token NOT "not" AND "and" OR "or" SET "Set"
%token BUNDLE "bundle" BUNDLE_WRITE "bundle+" BUNDLE_READ "bundle-" BUNDLE_NONE "bundle0"
%token TYPE_BOOL "Bool" TYPE_INT "Int" TYPE_BIGINT "BigInt" TYPE_STRING "String"
%token TYPE_URI "Uri" TYPE_BYTEARRAY "ByteArray"
%token WILDCARD "_"
%token BAR "|" BARBAR "||" BANG "!" BANGBANG "!!" BANGQ "!?" QBANG "?!" NEQ "!="
%token LARROW "<-" PEEKARROW "<<-" LE "<=" LT "<" GT ">" GE ">=" ARROW "=>" EQUALS "=" EQ "=="
%token PLUS "+" PLUSPLUS "++" MINUS "-" MINUSMINUS "--" STAR "*" SLASH "/" PERCENT "%"
%token PERCENTPERCENT "%%" DOT "." ELLIPSIS "..." AT "@" COLON ":" TILDE "~"
%token CONJ "/\\" DISJ "\\/" AMP "&" AMPAMP "&&" SEMI ";" COMMA "," COMMA_RPAREN ",)"
%token LPAREN "(" RPAREN ")" LBRACKET "[" RBRACKET "]" LBRACE "{" RBRACE "}"

%type <node> proc proc1 proc2 proc3 proc4 proc5 proc6 proc7 proc8 proc9 proc10 proc11
%type <node> proc12 proc13 proc14 proc15 proc16 ground collection procVar name
%type <node> nameDecl nameRemainder procRemainder receipt linearBind repeatedBind peekBind
%type <node> source branch case decl kvPair
%type <list> procs procsNonEmpty names namesNonEmpty nameDecls receipts linearBinds
%type <list> repeatedBinds peekBinds branches cases linearDecls concDecls kvPairs kvPairsNonEmpty

%start program

%%

/* Program: one process (BNFC: the entry point Proc). */
program
    : proc                                         { ctx.root = $1; }
    ;

/* Level 0: par (PPar). `error` recovers here so later errors are still reported. */
proc
    : proc "|" proc1                               { $$ = ctx.builder.par($1, $3, @$); }
    | proc1
    | error                                        { $$ = ctx.builder.errorNode(@$); }
    ;

/* Level 1: if / if-else (PIf, PIfElse), new (PNew), synchronous send (PSendSynch). */
proc1
    : "if" "(" proc ")" proc2                      { $$ = ctx.builder.ifProc($3, $5, nullptr, @$); }
    | "if" "(" proc ")" proc2 "else" proc1         { $$ = ctx.builder.ifProc($3, $5, $7, @$); }
    | "new" nameDecls "in" proc1                   { $$ = ctx.builder.newProc($2, $4, @$); }
    | name "!?" "(" procs ")" "."                  { $$ = ctx.builder.sendSync($1, $4, nullptr, @$); }
    | name "!?" "(" procs ")" ";" proc1            { $$ = ctx.builder.sendSync($1, $4, $7, @$); }
    | proc2
    ;

/* Level 2: contract (PContr), for (PInput), select (PChoice), match (PMatch),
   bundle (PBundle), let (PLet). */
proc2
    : "contract" name "(" names nameRemainder ")" "=" "{" proc "}"
                                                   { $$ = ctx.builder.contract($2, $4, $5, $9, @$); }
    | "for" "(" receipts ")" "{" proc "}"          { $$ = ctx.builder.forProc($3, $6, @$); }
    | "select" "{" branches "}"                    { $$ = ctx.builder.select($3, @$); }
    | "match" proc4 "{" cases "}"                  { $$ = ctx.builder.match($2, $4, @$); }
    | "bundle" "{" proc "}"                        { $$ = ctx.builder.bundle(BundleKind::kReadWrite, $3, @$); }
    | "bundle+" "{" proc "}"                       { $$ = ctx.builder.bundle(BundleKind::kWrite, $3, @$); }
    | "bundle-" "{" proc "}"                       { $$ = ctx.builder.bundle(BundleKind::kRead, $3, @$); }
    | "bundle0" "{" proc "}"                       { $$ = ctx.builder.bundle(BundleKind::kNone, $3, @$); }
    | "let" decl "in" "{" proc "}"                 { $$ = ctx.builder.let(0, $2, nullptr, $5, @$); }
    | "let" decl ";" linearDecls "in" "{" proc "}" { $$ = ctx.builder.let(1, $2, $4, $7, @$); }
    | "let" decl "&" concDecls "in" "{" proc "}"   { $$ = ctx.builder.let(2, $2, $4, $7, @$); }
    | proc3
    ;

/* Level 3: send (PSend with SendSingle / SendMultiple). */
proc3
    : name "!" "(" procs ")"                       { $$ = ctx.builder.send(NodeKind::kSend, $1, $4, @$); }
    | name "!!" "(" procs ")"                      { $$ = ctx.builder.send(NodeKind::kSendPersist, $1, $4, @$); }
    | proc4
    ;

/* Level 4: or, || (POr, PShortOr). */
proc4
    : proc4 "or" proc5                             { $$ = ctx.builder.binary(BinaryOp::kOr, $1, $3, @$); }
    | proc4 "||" proc5                             { $$ = ctx.builder.binary(BinaryOp::kOrElse, $1, $3, @$); }
    | proc5
    ;

/* Level 5: and, && (PAnd, PShortAnd). */
proc5
    : proc5 "and" proc6                            { $$ = ctx.builder.binary(BinaryOp::kAnd, $1, $3, @$); }
    | proc5 "&&" proc6                             { $$ = ctx.builder.binary(BinaryOp::kAndAlso, $1, $3, @$); }
    | proc6
    ;

/* Level 6: matches (PMatches, not chainable on the left), ==, != (PEq, PNeq). */
proc6
    : proc7 "matches" proc7                        { $$ = ctx.builder.binary(BinaryOp::kMatches, $1, $3, @$); }
    | proc6 "==" proc7                             { $$ = ctx.builder.binary(BinaryOp::kEq, $1, $3, @$); }
    | proc6 "!=" proc7                             { $$ = ctx.builder.binary(BinaryOp::kNeq, $1, $3, @$); }
    | proc7
    ;

/* Level 7: comparisons (PLt, PLte, PGt, PGte). */
proc7
    : proc7 "<" proc8                              { $$ = ctx.builder.binary(BinaryOp::kLt, $1, $3, @$); }
    | proc7 "<=" proc8                             { $$ = ctx.builder.binary(BinaryOp::kLe, $1, $3, @$); }
    | proc7 ">" proc8                              { $$ = ctx.builder.binary(BinaryOp::kGt, $1, $3, @$); }
    | proc7 ">=" proc8                             { $$ = ctx.builder.binary(BinaryOp::kGe, $1, $3, @$); }
    | proc8
    ;

/* Level 8: additive (PAdd, PMinus, PPlusPlus, PMinusMinus). */
proc8
    : proc8 "+" proc9                              { $$ = ctx.builder.binary(BinaryOp::kAdd, $1, $3, @$); }
    | proc8 "-" proc9                              { $$ = ctx.builder.binary(BinaryOp::kSub, $1, $3, @$); }
    | proc8 "++" proc9                             { $$ = ctx.builder.binary(BinaryOp::kConcat, $1, $3, @$); }
    | proc8 "--" proc9                             { $$ = ctx.builder.binary(BinaryOp::kDiff, $1, $3, @$); }
    | proc9
    ;

/* Level 9: multiplicative (PMult, PDiv, PMod, PPercentPercent). */
proc9
    : proc9 "*" proc10                             { $$ = ctx.builder.binary(BinaryOp::kMul, $1, $3, @$); }
    | proc9 "/" proc10                             { $$ = ctx.builder.binary(BinaryOp::kDiv, $1, $3, @$); }
    | proc9 "%" proc10                             { $$ = ctx.builder.binary(BinaryOp::kMod, $1, $3, @$); }
    | proc9 "%%" proc10                            { $$ = ctx.builder.binary(BinaryOp::kPercentPercent, $1, $3, @$); }
    | proc10
    ;

/* Level 10: prefix not and minus (PNot, PNeg). */
proc10
    : "not" proc10                                 { $$ = ctx.builder.unary(UnaryOp::kNot, $2, @$); }
    | "-" proc10                                   { $$ = ctx.builder.unary(UnaryOp::kNeg, $2, @$); }
    | proc11
    ;

/* Level 11: method call (PMethod), parenthesised expression (PExprs). */
proc11
    : proc11 "." VAR "(" procs ")"                 { $$ = ctx.builder.method($1, $3, $5, @$); }
    | "(" proc4 ")"                                { $$ = $2; }
    | proc12
    ;

/* Level 12: eval of a name (PEval). */
proc12
    : "*" name                                     { $$ = ctx.builder.unary(NodeKind::kEval, 0, $2, @$); }
    | proc13
    ;

/* Level 13: disjunction (PDisjunction), variable references =x, =*x (PVarRef). */
proc13
    : proc13 "\\/" proc14                          { $$ = ctx.builder.binary(NodeKind::kDisjunction, 0, $1, $3, @$); }
    | "=" VAR                                      { $$ = ctx.builder.varRef($2, false, @$); }
    | "=" "*" VAR                                  { $$ = ctx.builder.varRef($3, true, @$); }
    | proc14
    ;

/* Level 14: conjunction (PConjunction). */
proc14
    : proc14 "/\\" proc15                          { $$ = ctx.builder.binary(NodeKind::kConjunction, 0, $1, $3, @$); }
    | proc15
    ;

/* Level 15: negation (PNegation). */
proc15
    : "~" proc15                                   { $$ = ctx.builder.unary(NodeKind::kNegation, 0, $2, @$); }
    | proc16
    ;

/* Level 16: ground, collection, variable, Nil, simple type (PGround, PCollect,
   PVar, PNil, PSimpleType) and the block `{ P }`, which builds no node. */
proc16
    : ground
    | collection
    | procVar
    | "Nil"                                        { $$ = ctx.builder.leaf(NodeKind::kNil, @$); }
    | "Bool"                                       { $$ = ctx.builder.simpleType(SimpleType::kBool, @$); }
    | "Int"                                        { $$ = ctx.builder.simpleType(SimpleType::kInt, @$); }
    | "BigInt"                                     { $$ = ctx.builder.simpleType(SimpleType::kBigInt, @$); }
    | "String"                                     { $$ = ctx.builder.simpleType(SimpleType::kString, @$); }
    | "Uri"                                        { $$ = ctx.builder.simpleType(SimpleType::kUri, @$); }
    | "ByteArray"                                  { $$ = ctx.builder.simpleType(SimpleType::kByteArray, @$); }
    | "{" proc "}"                                 { $$ = $2; }
    ;

/* Process lists (BNFC `separator Proc ","`: may be empty, may end in a comma). */
procs
    : %empty                                       { $$ = ctx.builder.emptyList(); }
    | procsNonEmpty
    | procsNonEmpty ","
    ;
procsNonEmpty
    : proc                                         { $$ = ctx.builder.listOf($1); }
    | procsNonEmpty "," proc                       { $$ = ctx.builder.append($1, $3); }
    ;

/* Process variables (ProcVarWildcard, ProcVarVar). */
procVar
    : "_"                                          { $$ = ctx.builder.leaf(NodeKind::kWildcard, @$); }
    | VAR
    ;

/* Names (NameWildcard, NameVar, NameQuote) and name lists (`separator Name ","`). */
name
    : "_"                                          { $$ = ctx.builder.leaf(NodeKind::kWildcard, @$); }
    | VAR
    | "@" proc12                                   { $$ = ctx.builder.unary(NodeKind::kQuote, 0, $2, @$); }
    ;
names
    : %empty                                       { $$ = ctx.builder.emptyList(); }
    | namesNonEmpty
    | namesNonEmpty ","
    ;
namesNonEmpty
    : name                                         { $$ = ctx.builder.listOf($1); }
    | namesNonEmpty "," name                       { $$ = ctx.builder.append($1, $3); }
    ;

/* Name declarations of `new` (NameDeclSimpl, NameDeclUrn; nonempty, no trailing comma). */
nameDecls
    : nameDecl                                     { $$ = ctx.builder.listOf($1); }
    | nameDecls "," nameDecl                       { $$ = ctx.builder.append($1, $3); }
    ;
nameDecl
    : VAR                                          { $$ = ctx.builder.nameDecl($1, nullptr, @$); }
    | VAR "(" URI ")"                              { $$ = ctx.builder.nameDecl($1, $3, @$); }
    ;

/* Remainders (ProcRemainderVar `...r`, NameRemainderVar `...@r`); null when absent. */
procRemainder
    : %empty                                       { $$ = nullptr; }
    | "..." procVar                                { $$ = $2; }
    ;
nameRemainder
    : %empty                                       { $$ = nullptr; }
    | "..." "@" procVar                            { $$ = $3; }
    ;

/* Receipts of `for`, separated by `;` (ReceiptLinear, ReceiptRepeated, ReceiptPeek);
   the binds of one receipt are joined by `&` and share one arrow. */
receipts
    : receipt                                      { $$ = ctx.builder.listOf($1); }
    | receipts ";" receipt                         { $$ = ctx.builder.append($1, $3); }
    ;
receipt
    : linearBinds                                  { $$ = ctx.builder.receipt($1); }
    | repeatedBinds                                { $$ = ctx.builder.receipt($1); }
    | peekBinds                                    { $$ = ctx.builder.receipt($1); }
    ;
linearBinds
    : linearBind                                   { $$ = ctx.builder.listOf($1); }
    | linearBinds "&" linearBind                   { $$ = ctx.builder.append($1, $3); }
    ;
repeatedBinds
    : repeatedBind                                 { $$ = ctx.builder.listOf($1); }
    | repeatedBinds "&" repeatedBind               { $$ = ctx.builder.append($1, $3); }
    ;
peekBinds
    : peekBind                                     { $$ = ctx.builder.listOf($1); }
    | peekBinds "&" peekBind                       { $$ = ctx.builder.append($1, $3); }
    ;

/* Binds (LinearBindImpl, RepeatedBindImpl, PeekBindImpl). */
linearBind
    : names nameRemainder "<-" source              { $$ = ctx.builder.bind(NodeKind::kBindLinear, $1, $2, $4, @$); }
    ;
repeatedBind
    : names nameRemainder "<=" name                { $$ = ctx.builder.bind(NodeKind::kBindPersist, $1, $2, $4, @$); }
    ;
peekBind
    : names nameRemainder "<<-" name               { $$ = ctx.builder.bind(NodeKind::kBindPeek, $1, $2, $4, @$); }
    ;

/* Sources of a linear bind (SimpleSource, ReceiveSendSource, SendReceiveSource). */
source
    : name                                         { $$ = ctx.builder.source(NodeKind::kSourceSimple, $1, nullptr, @$); }
    | name "?!"                                    { $$ = ctx.builder.source(NodeKind::kSourceReceiveSend, $1, nullptr, @$); }
    | name "!?" "(" procs ")"                      { $$ = ctx.builder.source(NodeKind::kSourceSendReceive, $1, $4, @$); }
    ;

/* Select branches (BranchImpl), juxtaposed. */
branches
    : branch                                       { $$ = ctx.builder.listOf($1); }
    | branches branch                              { $$ = ctx.builder.append($1, $2); }
    ;
branch
    : linearBinds "=>" proc3                       { $$ = ctx.builder.branch($1, $3, @$); }
    ;

/* Match cases (CaseImpl): a level-13 pattern and a level-3 body, juxtaposed. */
cases
    : case                                         { $$ = ctx.builder.listOf($1); }
    | cases case                                   { $$ = ctx.builder.append($1, $2); }
    ;
case
    : proc13 "=>" proc3                            { $$ = ctx.builder.matchCase($1, $3, @$); }
    ;

/* Let declarations (DeclImpl; LinearDeclImpl joined by `;`, ConcDeclImpl by `&`). */
decl
    : names nameRemainder "<-" procs               { $$ = ctx.builder.letDecl($1, $2, $4, @$); }
    ;
linearDecls
    : decl                                         { $$ = ctx.builder.listOf($1); }
    | linearDecls ";" decl                         { $$ = ctx.builder.append($1, $3); }
    ;
concDecls
    : decl                                         { $$ = ctx.builder.listOf($1); }
    | concDecls "&" decl                           { $$ = ctx.builder.append($1, $3); }
    ;

/* Ground literals (GroundBool, GroundBigInt, GroundInt, GroundString, GroundUri). */
ground
    : INT
    | "BigInt(" INT ")"                            { $$ = ctx.builder.retag($2, NodeKind::kBigInt, @$); }
    | STRING
    | URI
    | "true"                                       { $$ = ctx.builder.boolLit(true, @$); }
    | "false"                                      { $$ = ctx.builder.boolLit(false, @$); }
    ;

/* Collections (CollectList, TupleSingle, TupleMultiple, CollectSet, CollectMap). */
collection
    : "[" procs procRemainder "]"                  { $$ = ctx.builder.collection(NodeKind::kList, $2, $3, @$); }
    | "(" proc ",)"                                { $$ = ctx.builder.tuple($2, nullptr, @$); }
    | "(" proc "," procs ")"                       { $$ = ctx.builder.tuple($2, $4, @$); }
    | "Set" "(" procs procRemainder ")"            { $$ = ctx.builder.collection(NodeKind::kSet, $3, $4, @$); }
    | "{" kvPairs procRemainder "}"                { $$ = ctx.builder.collection(NodeKind::kMap, $2, $3, @$); }
    ;
kvPairs
    : %empty                                       { $$ = ctx.builder.emptyList(); }
    | kvPairsNonEmpty
    | kvPairsNonEmpty ","
    ;
kvPairsNonEmpty
    : kvPair                                       { $$ = ctx.builder.listOf($1); }
    | kvPairsNonEmpty "," kvPair                   { $$ = ctx.builder.append($1, $3); }
    ;
kvPair
    : proc ":" proc                                { $$ = ctx.builder.mapEntry($1, $3, @$); }
    ;

%%

namespace {

// Token names for messages: punctuation and keywords in single quotes,
// descriptive names ("identifier", "end of file") as they are.
std::string tokenName(yysymbol_kind_t symbol) {
    std::string name = yysymbol_name(symbol);
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
        name = name.substr(1, name.size() - 2);
    std::string unescaped;
    for (size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '\\' && i + 1 < name.size())
            ++i;
        unescaped += name[i];
    }
    bool descriptive = unescaped == "identifier" || unescaped.find(' ') != std::string::npos;
    return descriptive ? unescaped : "'" + unescaped + "'";
}

void rhoerror(const Loc* loc, yyscan_t, ParseContext& ctx, const char* message) {
    if (ctx.tooDeep)
        return;
    // Bison's only other message is "memory exhausted": its stack hit YYMAXDEPTH.
    std::string text = message;
    if (text.find("exhausted") != std::string::npos)
        text = rho::grammar::detail::nestingTooDeepMessage();
    ctx.error(*loc, std::move(text));
}

} // namespace

// `syntax error, unexpected X, expecting A or B` at the offending token; the
// alternatives are listed only when there are at most five. Suppressed when the
// scanner has already explained the problem (nesting limit, unterminated text).
static int yyreport_syntax_error(const yypcontext_t* yyctx, yyscan_t, ParseContext& ctx) {
    yysymbol_kind_t lookahead = yypcontext_token(yyctx);
    if (ctx.tooDeep || (ctx.errorAtEof && lookahead == YYSYMBOL_YYEOF))
        return 0;
    std::string message = "syntax error";
    if (lookahead != YYSYMBOL_YYEMPTY)
        message += ", unexpected " + tokenName(lookahead);
    constexpr int kMaxExpected = 5;
    yysymbol_kind_t expected[kMaxExpected];
    int count = yypcontext_expected_tokens(yyctx, expected, kMaxExpected);
    if (count > 0) {
        for (int i = 0; i < count; ++i)
            message += (i == 0 ? ", expecting " : " or ") + tokenName(expected[i]);
    }
    ctx.error(*yypcontext_location(yyctx), std::move(message));
    return 0;
}
