// File: print.cpp
// Values as Rholang source text, as the reference prints them (RHOLANG.md 11).
// Ground values and collections print directly; processes, pars and bundles through
// their normalized term and the reference's PrettyPrinter (normal_term.h), as do
// waiting continuations (rhovm inspect).

#include "rho/bytecode/normal_term.h"
#include "rho/bytecode/value.h"

namespace rho::bytecode {

std::string printName(const Value& channel) { return prettyPrintChannel(normalTerm(channel)); }

std::string printSend(const Value& channel, std::span<const Value> args, bool persistent) {
    std::string s = printName(channel) + (persistent ? "!!(" : "!(");
    for (size_t i = 0; i < args.size(); ++i)
        s += (i ? ", " : "") + print(args[i]);
    return s + ")";
}

std::string printReceive(const Code& body, std::span<const Value> captures, std::span<const Value> channels) {
    return prettyPrint(normalReceive(body, captures, channels));
}

static void printHex(uint64_t v, std::string& out) {
    static const char* kDigits = "0123456789abcdef";
    for (int shift = 60; shift >= 0; shift -= 4)
        out += kDigits[(v >> shift) & 0xF];
}

void print(const Value& v, std::string& out) {
    switch (v.kind()) {
    case ValueKind::kNil: out += "Nil"; return;
    case ValueKind::kBool: out += v.asBool() ? "true" : "false"; return;
    case ValueKind::kInt: out += std::to_string(v.asInt()); return;
    case ValueKind::kString:
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
            print(item, out);
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
            print(items[i], out);
            if (!set) {
                out += " : ";
                print(items[i + 1], out);
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
        for (unsigned char ch : v.asString()) {
            static const char* kDigits = "0123456789abcdef";
            out += kDigits[ch >> 4];
            out += kDigits[ch & 0xF];
        }
        return;
    case ValueKind::kBundle:
    case ValueKind::kProc:
    case ValueKind::kPar: out += prettyPrint(normalTerm(v)); return;
    }
}

std::string print(const Value& v) {
    std::string out;
    print(v, out);
    return out;
}

} // namespace rho::bytecode
