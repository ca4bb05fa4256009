// File: print.cpp
// Values as Rholang source text, as the reference prints them (RHOLANG.md 11).
// Ground values and collections print directly; processes, pars and bundles through
// their normalized term and the reference's PrettyPrinter (normal_term.h), as do
// waiting continuations (rhovm inspect).

#include "rho/bytecode/normal_term.h"
#include "rho/bytecode/value.h"

namespace rho::bytecode {

std::string printName(const Value& channel, const PrintStyle* style) {
    return prettyPrintChannel(normalTerm(channel, style), style);
}

std::string printSend(const Value& channel, std::span<const Value> args, bool persistent, const PrintStyle* style) {
    std::string s = printName(channel, style) + (persistent ? "!!(" : "!(");
    for (size_t i = 0; i < args.size(); ++i) {
        if (i)
            s += ", ";
        print(args[i], s, style);
    }
    return s + ")";
}

std::string printReceive(const Code& body, std::span<const Value> captures, std::span<const Value> channels,
                         const PrintStyle* style, size_t* firstChannel) {
    const NPar p = normalReceive(body, captures, channels, style);
    if (firstChannel != nullptr)
        *firstChannel = p.receives[0].binds.empty() ? 0 : p.receives[0].binds[0].origin;
    return prettyPrint(p, style);
}

namespace {

void printSourceString(std::string_view s, std::string& out) {
    // Pieces a literal holds as they are (the lexer keeps the escapes \" \\ \n \t
    // verbatim), and a one-character slice for each lone quote or backslash.
    std::vector<std::string> pieces;
    std::string literal;
    auto flush = [&] {
        if (!literal.empty())
            pieces.push_back("\"" + literal + "\"");
        literal.clear();
    };
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const char next = i + 1 < s.size() ? s[i + 1] : '\0';
        if (c == '\\' && (next == '"' || next == '\\' || next == 'n' || next == 't')) {
            literal += c;
            literal += next;
            ++i;
        } else if (c == '"' || c == '\\') {
            flush();
            pieces.emplace_back(c == '"' ? "\"\\\"\".slice(1, 2)" : "\"\\\\\".slice(1, 2)");
        } else {
            literal += c;
        }
    }
    flush();
    if (pieces.size() == 1 && pieces[0].front() == '"' && pieces[0].back() == '"') {
        out += pieces[0];
        return;
    }
    if (pieces.empty()) {
        out += "\"\"";
        return;
    }
    out += '(';
    for (size_t k = 0; k < pieces.size(); ++k)
        out += (k ? " ++ " : "") + pieces[k];
    out += ')';
}

void printHex(uint64_t v, std::string& out) {
    static const char* kDigits = "0123456789abcdef";
    for (int shift = 60; shift >= 0; shift -= 4)
        out += kDigits[(v >> shift) & 0xF];
}

} // namespace

void print(const Value& v, std::string& out, const PrintStyle* style) {
    switch (v.kind()) {
    case ValueKind::kNil: out += "Nil"; return;
    case ValueKind::kBool: out += v.asBool() ? "true" : "false"; return;
    case ValueKind::kInt: out += std::to_string(v.asInt()); return;
    case ValueKind::kString:
        if (style) {
            printSourceString(v.asString(), out);
            return;
        }
        out += '"';
        out += v.asString();
        out += '"';
        return;
    case ValueKind::kUri:
        out += '`';
        out += v.asString();
        out += '`';
        return;
    case ValueKind::kUnforgeable:
        if (style) {
            out += '*';
            out += style->unforgeable(v);
            return;
        }
        out += "Unforgeable(0x";
        printHex(v.unforgeableHi(), out);
        printHex(v.unforgeableLo(), out);
        out += ')';
        return;
    case ValueKind::kList:
    case ValueKind::kTuple: {
        bool list = v.kind() == ValueKind::kList;
        out += list ? '[' : '(';
        bool first = true;
        for (const Value& item : v.items()) {
            if (!first)
                out += ", ";
            first = false;
            print(item, out, style);
        }
        out += list ? ']' : ')';
        return;
    }
    case ValueKind::kSet:
    case ValueKind::kMap: {
        bool set = v.kind() == ValueKind::kSet;
        out += set ? "Set(" : "{";
        auto items = v.items();
        for (size_t i = 0; i < items.size(); i += set ? 1 : 2) {
            if (i)
                out += ", ";
            print(items[i], out, style);
            if (!set) {
                out += " : ";
                print(items[i + 1], out, style);
            }
        }
        out += set ? ")" : "}";
        return;
    }
    case ValueKind::kBigInt:
        out += "BigInt(";
        out += v.asString();
        out += ')';
        return;
    case ValueKind::kByteArray:
        if (style)
            out += '"';
        for (unsigned char ch : v.asString()) {
            static const char* kDigits = "0123456789abcdef";
            out += kDigits[ch >> 4];
            out += kDigits[ch & 0xF];
        }
        if (style)
            out += "\".hexToBytes()";
        return;
    case ValueKind::kBundle:
    case ValueKind::kProc:
    case ValueKind::kPar: out += prettyPrint(normalTerm(v, style), style); return;
    }
}

std::string print(const Value& v) {
    std::string out;
    print(v, out);
    return out;
}

} // namespace rho::bytecode
