// File: parser.cpp
// parse(): runs the generated reentrant scanner and parser over one source text,
// then checks the tree depth so that every later recursive walk (the compiler's)
// is bounded by kMaxNestingDepth. The grammar itself lives in rholang.y.
#include "rho/grammar/parser.h"

#include <algorithm>
#include <exception>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "parse_context.h"
#include "rholang_lexer.h"
#include "rholang_parser.h"

namespace rho::grammar {

namespace detail {

std::string nestingTooDeepMessage() {
    return "nesting deeper than " + std::to_string(kMaxNestingDepth) + " levels";
}

namespace {

// Nodes that only structure their parent (a receipt, a bind, a case, ...) share
// their parent's nesting level; every other node is one level below its parent.
bool isStructural(NodeKind kind) {
    switch (kind) {
    case NodeKind::kReceipt:
    case NodeKind::kBindLinear:
    case NodeKind::kBindPersist:
    case NodeKind::kBindPeek:
    case NodeKind::kSourceSimple:
    case NodeKind::kSourceReceiveSend:
    case NodeKind::kSourceSendReceive:
    case NodeKind::kCase:
    case NodeKind::kLetDecl:
    case NodeKind::kMapEntry:
    case NodeKind::kNameDecl:
        return true;
    default:
        return false;
    }
}

// Brackets are limited by the scanner, but prefix chains (`- - - 1`, `*@*@x`,
// `new x in new y in ...`) and long left-associative chains (`1 + 1 + ...`) nest
// without brackets. This walk is iterative and reports the first node nested
// deeper than kMaxNestingDepth (the root is at level 0), so that any later
// recursive walk over the tree (the compiler's) has a known bound.
void checkDepth(const Node* root, Diagnostics& diagnostics) {
    std::vector<std::pair<const Node*, int>> stack;
    stack.emplace_back(root, 0);
    while (!stack.empty()) {
        auto [node, depth] = stack.back();
        stack.pop_back();
        if (depth > kMaxNestingDepth) {
            diagnostics.error(node->pos, node->end, nestingTooDeepMessage());
            return;
        }
        int kidDepth = isStructural(node->kind) ? depth : depth + 1;
        if (node->remainder != nullptr)
            stack.emplace_back(node->remainder, kidDepth);
        for (const Node* kid : node->kids)
            stack.emplace_back(kid, kidDepth);
    }
}

} // namespace
} // namespace detail

namespace {

// Diagnostics in source order (the depth check runs after the parse, and a
// lexer error can follow a syntax error reported at the same token).
Diagnostics sorted(const Diagnostics& diagnostics) {
    std::vector<Diagnostic> items = diagnostics.items();
    std::stable_sort(items.begin(), items.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return a.pos.line != b.pos.line ? a.pos.line < b.pos.line : a.pos.col < b.pos.col;
    });
    Diagnostics out;
    for (Diagnostic& d : items)
        out.error(d.pos, d.end, std::move(d.message));
    return out;
}

// Runs the scanner and parser; may throw only on resource exhaustion.
void runParser(std::string_view source, detail::ParseContext& ctx) {
    yyscan_t scanner = nullptr;
    if (rholex_init(&scanner) != 0) {
        ctx.diagnostics.error(SourcePos{1, 1}, "cannot initialise the scanner");
        return;
    }
    // rho_scan_bytes copies the text, so [source] need not be NUL-terminated.
    YY_BUFFER_STATE buffer = rho_scan_bytes(source.data(), static_cast<int>(source.size()), scanner);
    int status = rhoparse(scanner, ctx);
    rho_delete_buffer(buffer, scanner);
    rholex_destroy(scanner);
    if (status != 0 && ctx.diagnostics.empty())
        ctx.diagnostics.error(SourcePos{1, 1}, "syntax error");
}

} // namespace

ParseResult parse(std::string_view source) {
    ParseResult result;
    result.arena = std::make_unique<Arena>();
    detail::ParseContext ctx(*result.arena);
    if (source.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
        result.diagnostics.error(SourcePos{1, 1}, "source text larger than 2 GiB");
        return result;
    }
    try {
        runParser(source, ctx);
    } catch (const detail::ScannerFatal& e) {
        ctx.diagnostics.error(SourcePos{static_cast<uint32_t>(ctx.line), static_cast<uint32_t>(ctx.column)},
                              e.message);
    } catch (const std::exception& e) { // std::bad_alloc from the arena or a NodeList
        ctx.diagnostics.error(SourcePos{static_cast<uint32_t>(ctx.line), static_cast<uint32_t>(ctx.column)},
                              std::string("parser failed: ") + e.what());
    }
    ctx.builder.finish();
    if (ctx.diagnostics.empty() && ctx.root != nullptr)
        detail::checkDepth(ctx.root, ctx.diagnostics);
    if (ctx.diagnostics.empty())
        result.root = ctx.root;
    result.diagnostics = sorted(ctx.diagnostics);
    return result;
}

} // namespace rho::grammar
