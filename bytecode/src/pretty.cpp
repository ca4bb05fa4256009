// File: pretty.cpp
// The reference's PrettyPrinter over normalized terms (normal_term.h), rule for rule
// (RHOLANG.md 11): generated variable names (x0, x1, ...; the letter advances inside
// a pattern), `*` before a variable bound by `new` outside channel position, `@{...}`
// around a channel that is not such a variable (collapsed onto one line when it is
// at most 60 characters), two-space indentation, and its quirks (two spaces before
// `&` between binds, `bundle+ {   P }`, `(x).method(a,b)`, `~` for not).

#include <cstdlib>
#include <memory>
#include <string>

#include "rho/bytecode/normal_term.h"

namespace rho::bytecode {

namespace {

// The indices of variables bound by `new` (a persistent list: copying a printer is O(1)).
struct NewsNode {
    int32_t index;
    std::shared_ptr<const NewsNode> next;
};

void indentTo(int n, std::string& out) { out.append(static_cast<size_t>(2 * n), ' '); }

bool isJavaInteger(const std::string& s) {
    size_t k = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    if (k >= s.size() || s.size() - k > 10)
        return false;
    for (size_t i = k; i < s.size(); ++i)
        if (s[i] < '0' || s[i] > '9')
            return false;
    const long long v = std::strtoll(s.c_str(), nullptr, 10);
    return v >= -2147483648LL && v <= 2147483647LL;
}

bool isJavaSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\x0B' || c == '\f' || c == '\r'; }

// s.replaceAll("\n(\\s\\s)*", " ").
std::string collapse(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size();) {
        if (s[i] != '\n') {
            out += s[i++];
            continue;
        }
        size_t j = i + 1;
        while (j + 1 < s.size() && isJavaSpace(s[j]) && isJavaSpace(s[j + 1]))
            j += 2;
        out += ' ';
        i = j;
    }
    return out;
}

const char* opText(Op op) {
    switch (op) {
    case Op::MUL: return " * ";
    case Op::DIV: return " / ";
    case Op::MOD: return " % ";
    case Op::INTERPOLATE: return " %% ";
    case Op::ADD: return " + ";
    case Op::CONCAT: return " ++ ";
    case Op::SUB: return " - ";
    case Op::DIFF: return " -- ";
    case Op::AND: return " and ";
    case Op::OR: return " or ";
    case Op::AND_ALSO: return " && ";
    case Op::OR_ELSE: return " || ";
    case Op::EQ: return " == ";
    case Op::NEQ: return " != ";
    case Op::GT: return " > ";
    case Op::GE: return " >= ";
    case Op::LT: return " < ";
    case Op::LE: return " <= ";
    default: return " ? ";
    }
}

class Printer {
  public:
    int32_t freeShift = 0;
    int32_t boundShift = 0;
    std::shared_ptr<const NewsNode> news;
    std::string freeId = "free";
    std::string baseId = "a";
    bool buildingChannel = false;
    bool inPattern = false;
    const PrintStyle* style = nullptr; // value.h: source text instead of the reference's

    [[nodiscard]] std::string boundId() const {
        std::string id = baseId;
        for (char& c : id)
            c = static_cast<char>((c + 23 - 97) % 26 + 97);
        return id;
    }
    static std::string increment(const std::string& id) {
        const char next = static_cast<char>((id.back() + 1 - 97) % 26 + 97);
        if (next == 'a')
            return id.size() > 1 ? increment(id.substr(0, id.size() - 1)) + "a" : "aa";
        return id.substr(0, id.size() - 1) + next;
    }

    // The printer for a pattern: its variables are the free ones, named after the
    // enclosing binders; a fresh bound scope; the next letter.
    [[nodiscard]] Printer forPattern(int32_t shift) const {
        Printer p = *this;
        p.freeShift = shift;
        p.boundShift = 0;
        p.freeId = boundId();
        p.baseId = increment(baseId);
        p.inPattern = true;
        return p;
    }
    [[nodiscard]] Printer shifted(int32_t n) const {
        Printer p = *this;
        p.boundShift += n;
        return p;
    }

    [[nodiscard]] bool isNewVar(int32_t level) const {
        const int32_t index = boundShift - level - 1;
        for (const NewsNode* n = news.get(); n; n = n->next.get())
            if (n->index == index)
                return true;
        return false;
    }

    void var(const NVar& v, std::string& out) const {
        switch (v.kind) {
        case NVar::Kind::kFree:
            out += freeId;
            out += std::to_string(freeShift + v.level);
            return;
        case NVar::Kind::kBound:
            if (isNewVar(v.level) && !buildingChannel)
                out += '*';
            out += boundId();
            out += std::to_string(boundShift - v.level - 1);
            return;
        default: out += '_'; return;
        }
    }

    // [p] as a channel: `@{...}` unless a variable bound by `new`; text of at most 60
    // characters collapsed onto one line.
    void channel(const NPar& p, int indent, std::string& out) const {
        if (style && !inPattern && p.unforgeables.size() == 1 && p.sends.empty() && p.receives.empty() &&
            p.news.empty() && p.exprs.empty() && p.matches.empty() && p.bundles.empty() && p.connectives.empty()) {
            out += style->unforgeable(p.unforgeables[0]); // the variable itself: u_0!(1)
            return;
        }
        const bool boundNew = p.exprs.size() == 1 && p.exprs[0].kind == NExprKind::kVar &&
                              p.exprs[0].var.kind == NVar::Kind::kBound && isNewVar(p.exprs[0].var.level);
        if (!boundNew)
            out += "@{";
        const size_t start = out.size();
        Printer c = *this;
        c.buildingChannel = true;
        c.par(p, indent, out);
        if (out.size() - start <= 60 && out.find('\n', start) != std::string::npos) {
            std::string text = collapse(out.substr(start));
            out.resize(start);
            out += text;
        }
        if (!boundNew)
            out += '}';
    }

    void seq(const std::vector<NPar>& ps, std::string& out, const char* sep = ", ") const {
        for (size_t k = 0; k < ps.size(); ++k) {
            if (k)
                out += sep;
            par(ps[k], 0, out);
        }
    }

    void remainder(const std::optional<NVar>& r, std::string& out) const {
        if (r) {
            out += "...";
            var(*r, out);
        }
    }

    // StringOps.wrapWithBraces around what [print] appends.
    template <class F>
    static void wrapped(std::string& out, F print) {
        const size_t start = out.size();
        print();
        const std::string_view text(out.data() + start, out.size() - start);
        if (isJavaInteger(std::string(text)) || (!text.empty() && text.front() == '(' && text.back() == ')'))
            return;
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(start), '(');
        out += ')';
    }

    void expr(const NExpr& e, std::string& out) const {
        switch (e.kind) {
        case NExprKind::kGround: print(e.ground, out, style); return;
        case NExprKind::kVar: var(e.var, out); return;
        case NExprKind::kList:
            out += '[';
            seq(e.ps, out);
            remainder(e.remainder, out);
            out += ']';
            return;
        case NExprKind::kTuple:
            out += '(';
            seq(e.ps, out);
            out += ')';
            return;
        case NExprKind::kSet:
            out += "Set(";
            seq(e.ps, out);
            remainder(e.remainder, out);
            out += ')';
            return;
        case NExprKind::kMap:
            out += '{';
            for (size_t k = 0; k + 1 < e.ps.size(); k += 2) {
                if (k)
                    out += ", ";
                par(e.ps[k], 0, out);
                out += " : ";
                par(e.ps[k + 1], 0, out);
            }
            remainder(e.remainder, out);
            out += '}';
            return;
        case NExprKind::kOp:
            if (e.op == Op::NEG || e.op == Op::NOT) {
                out += e.op == Op::NEG ? '-' : '~';
                wrapped(out, [&] { par(e.ps[0], 0, out); });
                return;
            }
            wrapped(out, [&] {
                par(e.ps[0], 0, out);
                out += opText(e.op);
                par(e.ps[1], 0, out);
            });
            return;
        case NExprKind::kMethod:
            out += '(';
            par(e.ps[0], 0, out);
            out += ").";
            out += e.method;
            out += '(';
            for (size_t k = 1; k < e.ps.size(); ++k) {
                if (k > 1)
                    out += ',';
                par(e.ps[k], 0, out);
            }
            out += ')';
            return;
        case NExprKind::kMatches:
            wrapped(out, [&] {
                par(e.ps[0], 0, out);
                out += " matches ";
                par(e.ps[1], 0, out);
            });
            return;
        }
    }

    void send(const NSend& s, std::string& out) const {
        channel(s.chan, 0, out);
        out += s.persistent ? "!!(" : "!(";
        seq(s.data, out);
        out += ')';
    }

    void receive(const NReceive& r, int indent, std::string& out) const {
        out += "for( ";
        int32_t previousFree = 0;
        for (size_t i = 0; i < r.binds.size(); ++i) {
            const NBind& b = r.binds[i];
            const Printer pat = forPattern(boundShift + previousFree);
            for (size_t k = 0; k < b.patterns.size(); ++k) {
                if (k)
                    out += ", ";
                pat.channel(b.patterns[k], 0, out);
            }
            if (style && b.remainder) { // the reference leaves it out; a program needs it
                out += b.patterns.empty() ? "...@" : " ...@";
                pat.var(*b.remainder, out);
            }
            out += r.persistent ? " <= " : r.peek ? " <<- " : " <- ";
            channel(b.source, indent, out);
            if (i + 1 != r.binds.size())
                out += "  & ";
            previousFree += static_cast<int32_t>(b.freeCount);
        }
        out += " ) {\n";
        indentTo(indent + 1, out);
        shifted(previousFree).par(r.body, indent + 1, out);
        out += '\n';
        indentTo(indent, out);
        out += '}';
    }

    void neu(const NNew& n, int indent, std::string& out) const {
        out += "new ";
        for (uint32_t i = 0; i < n.bindCount && i < 128; ++i) {
            if (i)
                out += ", ";
            out += boundId();
            out += std::to_string(boundShift + static_cast<int32_t>(i));
        }
        Printer inner = shifted(static_cast<int32_t>(n.bindCount));
        for (uint32_t i = 0; i < n.bindCount; ++i)
            inner.news = std::make_shared<const NewsNode>(NewsNode{boundShift + static_cast<int32_t>(i), inner.news});
        out += " in {\n";
        indentTo(indent + 1, out);
        inner.par(n.body, indent + 1, out);
        out += '\n';
        indentTo(indent, out);
        out += '}';
    }

    void match(const NMatch& m, int indent, std::string& out) const {
        out += "match ";
        par(m.target, 0, out);
        out += " {\n";
        for (size_t i = 0; i < m.cases.size(); ++i) {
            const NMatchCase& c = m.cases[i];
            indentTo(indent + 1, out);
            forPattern(boundShift).par(c.pattern, indent + 1, out);
            out += " => {\n";
            indentTo(indent + 2, out);
            shifted(static_cast<int32_t>(c.freeCount)).par(c.source, indent + 2, out);
            out += '\n';
            indentTo(indent + 1, out);
            out += '}';
            if (i + 1 != m.cases.size())
                out += '\n';
        }
        out += '\n';
        indentTo(indent, out);
        out += '}';
    }

    void bundle(const NBundle& b, int indent, std::string& out) const {
        std::string name = b.read && b.write ? "bundle" : b.read ? "bundle-" : b.write ? "bundle+" : "bundle0";
        name.resize(8, ' '); // "%-8s"
        out += name;
        out += "{ ";
        indentTo(indent + 1, out);
        par(b.body, indent + 1, out);
        out += " }";
    }

    void connective(const NConnective& c, std::string& out) const {
        using K = NConnective::Kind;
        switch (c.kind) {
        case K::kAnd:
        case K::kOr:
            out += '{';
            seq(c.ps, out, c.kind == K::kAnd ? " /\\ " : " \\/ ");
            out += '}';
            return;
        case K::kNot:
            out += "~{";
            par(c.ps[0], 0, out);
            out += '}';
            return;
        case K::kVarRef:
            out += '=';
            out += freeId;
            out += std::to_string(freeShift - c.index - 1);
            return;
        case K::kBool: out += "Bool"; return;
        case K::kInt: out += "Int"; return;
        case K::kBigInt: out += "BigInt"; return;
        case K::kString: out += "String"; return;
        case K::kUri: out += "Uri"; return;
        case K::kByteArray: out += "ByteArray"; return;
        }
    }

    void par(const NPar& p, int indent, std::string& out) const {
        if (p.empty()) {
            out += "Nil";
            return;
        }
        bool first = true;
        auto next = [&] {
            if (!first) {
                out += " |\n";
                indentTo(indent, out);
            }
            first = false;
        };
        for (const NBundle& b : p.bundles) {
            next();
            bundle(b, indent, out);
        }
        for (const NSend& x : p.sends) {
            next();
            send(x, out);
        }
        for (const NReceive& r : p.receives) {
            next();
            receive(r, indent, out);
        }
        for (const NNew& n : p.news) {
            next();
            neu(n, indent, out);
        }
        for (const NExpr& e : p.exprs) {
            next();
            expr(e, out);
        }
        for (const NMatch& m : p.matches) {
            next();
            match(m, indent, out);
        }
        for (const Value& u : p.unforgeables) {
            next();
            if (style) { // a variable the caller binds; inside a pattern a reference to it
                out += inPattern ? "=*" : "*";
                out += style->unforgeable(u);
            } else {
                print(u, out);
            }
        }
        for (const NConnective& c : p.connectives) {
            next();
            connective(c, out);
        }
    }
};

} // namespace

std::string prettyPrint(const NPar& p, const PrintStyle* style) {
    std::string out;
    Printer printer;
    printer.style = style;
    printer.par(p, 0, out);
    return out;
}

std::string prettyPrintChannel(const NPar& p, const PrintStyle* style) {
    std::string out;
    Printer printer;
    printer.style = style;
    printer.channel(p, 0, out);
    return out;
}

} // namespace rho::bytecode
