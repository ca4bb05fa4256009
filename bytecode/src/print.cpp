// File: print.cpp
// Values and closures as Rholang source text. A closure prints by walking its code
// symbolically (walk.h) with text in place of values: processes sent as data
// (rho:io:stdout) and waiting continuations (rhovm inspect) print this way. Bound
// variables print as x<depth>.

#include <algorithm>
#include <vector>

#include "rho/base/assert.h"
#include "rho/bytecode/value.h"
#include "walk.h"

namespace rho::bytecode {

namespace {

std::string varName(uint32_t depth) { return "x" + std::to_string(depth); }

const char* const kBundleNames[] = {"bundle", "bundle+", "bundle-", "bundle0"};

// The walker's visitor that prints a term.
class Printer {
  public:
    struct Item {
        std::string text;
        bool isVar = false; // a bound variable: prints bare in name position
    };
    struct Slot {
        bool bound = false;
        std::string text; // variable name, or the printed value
    };
    struct Seq {
        std::vector<std::string> stream; // the sequence's process parts
        std::string prefix, suffix;      // the `new ... in { ... }` around them
    };
    using Scope = Walker<Printer>::Scope;

    Printer() : walker(*this) {}

    Walker<Printer> walker;

    std::string pattern(const Pattern& p, const Code& body, uint32_t firstDepth, bool namePosition) {
        static const char* kTypes[] = {"Bool", "Int", "BigInt", "String", "Uri", "ByteArray"};
        std::string s;
        auto remainder = [&](int32_t r) -> std::string {
            if (r == Pattern::kNoRemainder)
                return "";
            return " ..." + (r == Pattern::kWildRemainder ? std::string("_") : varName(firstDepth + static_cast<uint32_t>(r)));
        };
        auto joined = [&](const char* sep, size_t step = 1) {
            std::string t;
            for (size_t i = 0; i < p.items.size(); i += step) {
                if (i)
                    t += sep;
                t += pattern(p.items[i], body, firstDepth, false);
                if (step == 2)
                    t += " : " + pattern(p.items[i + 1], body, firstDepth, false);
            }
            return t;
        };
        switch (p.kind) {
        case Pattern::Kind::kBind:
            s = varName(firstDepth + p.binding);
            return namePosition && !p.nameBinder ? "@{" + s + "}" : s;
        case Pattern::Kind::kWildcard: return "_";
        case Pattern::Kind::kLiteral: s = print(p.literal); break;
        case Pattern::Kind::kList: s = "[" + joined(", ") + remainder(p.remainder) + "]"; break;
        case Pattern::Kind::kTuple: s = "(" + joined(", ") + (p.items.size() == 1 ? ",)" : ")"); break;
        case Pattern::Kind::kSet: s = "Set(" + joined(", ") + remainder(p.remainder) + ")"; break;
        case Pattern::Kind::kMap: s = "{" + joined(", ", 2) + remainder(p.remainder) + "}"; break;
        case Pattern::Kind::kAnd: s = "{" + joined(" /\\ ") + "}"; break;
        case Pattern::Kind::kOr: s = "{" + joined(" \\/ ") + "}"; break;
        case Pattern::Kind::kNot: s = "~" + joined(""); break;
        case Pattern::Kind::kType: s = kTypes[p.simpleType % 6]; break;
        case Pattern::Kind::kVarRef: s = "=<capture " + std::to_string(p.slot) + ">"; break;
        case Pattern::Kind::kBundle: {
            static const char* kNames[] = {"bundle", "bundle+", "bundle-", "bundle0"};
            s = std::string(kNames[p.bundleMode & 3]) + " { " + joined("") + " }";
            break;
        }
        case Pattern::Kind::kProcess: {
            const Code& child = *body.children[p.child];
            s = "{ " + walker.sequence(child, std::vector<Slot>(child.numSlots), firstDepth).text + " }";
            break;
        }
        }
        return namePosition ? "@{" + s + "}" : s;
    }

    Slot bound(uint32_t depth) { return Slot{true, varName(depth)}; }
    bool admit(const Insn&, Scope&) { return true; }
    void fail(size_t, const char* what) { RHO_CHECK(false, what); }
    void begin(Seq&, Scope&) {}

    Item value(Seq&, const Insn& i, std::span<Item> in, Scope& s) {
        const Code& code = s.code;
        switch (i.op) {
        case Op::PUSH_NIL: return {"Nil"};
        case Op::PUSH_CONST: return {print(code.constants[i.a])};
        case Op::LOAD: return {s.frame[i.a].text, s.frame[i.a].bound};
        case Op::MAKE_LIST: return {"[" + joined(in, ", ") + "]"};
        case Op::MAKE_TUPLE: return {"(" + joined(in, ", ") + (in.size() == 1 ? ",)" : ")")};
        case Op::QUOTE:
        case Op::PAR: {
            std::vector<std::string> texts;
            for (auto& p : in)
                texts.push_back(p.isVar ? "*" + p.text : p.text);
            for (const ChildRef& m : code.multisets[i.a].members)
                texts.push_back(s.member(m).text);
            return {texts.empty() ? "Nil" : joined(texts, " | ")};
        }
        case Op::NEG: return {"-" + in[0].text};
        case Op::NOT: return {"not " + in[0].text};
        case Op::MAKE_SET: return {"Set(" + joined(in, ", ") + ")"};
        case Op::MAKE_MAP: {
            std::string t = "{";
            for (size_t k = 0; k < in.size(); k += 2)
                t += (k ? ", " : "") + in[k].text + " : " + in[k + 1].text;
            return {t + "}"};
        }
        case Op::BUNDLE: return {std::string(kBundleNames[i.a & 3]) + " { " + in[0].text + " }"};
        case Op::METHOD:
            return {in[0].text + "." + code.constants[i.a].asString() + "(" + joined(in.subspan(1), ", ") + ")"};
        case Op::MATCHES: {
            const Code& c = *code.children[code.multisets[i.a].members[0].child];
            return {"(" + in[0].text + " matches " + pattern(c.join->binds[0].args[0], c, s.depth, false) + ")"};
        }
        case Op::AND_ALSO:
        case Op::OR_ELSE:
            return {"(" + in[0].text + " " + operatorSymbol(i.op) + " " + s.member(code.multisets[i.a].members[0]).text +
                    ")"};
        case Op::PUSH_PATTERN: return {pattern(code.patterns[i.a], code, s.depth, false)};
        default: // a binary operator
            RHO_CHECK(in.size() == 2, "an instruction the printer does not know");
            return {"(" + in[0].text + " " + operatorSymbol(i.op) + " " + in[1].text + ")"};
        }
    }

    void effect(Seq& seq, const Insn& i, std::span<Item> in, Scope& s) {
        const Code& code = s.code;
        switch (i.op) {
        case Op::IF: {
            const auto& ms = code.multisets[i.a].members;
            std::string t = "if (" + in[0].text + ") { " + s.member(ms[0]).text + " }";
            if (ms.size() > 1)
                t += " else { " + s.member(ms[1]).text + " }";
            seq.stream.push_back(t);
            break;
        }
        case Op::SEND:
        case Op::SEND_PERSIST: {
            std::string t = asName(in[0]) + (i.op == Op::SEND ? "!(" : "!!(");
            for (size_t k = 1; k < in.size(); ++k)
                t += (k > 1 ? ", " : "") + (in[k].isVar ? "*" + in[k].text : in[k].text);
            seq.stream.push_back(t + ")");
            break;
        }
        case Op::RECEIVE: {
            const ChildRef& bodyRef = code.multisets[i.a].members[0];
            const Code& body = *code.children[bodyRef.child];
            const char* arrow = body.join->peek ? " <<- " : (body.join->persistent ? " <= " : " <- ");
            std::string t = "for (";
            for (size_t b = 0; b < in.size(); ++b) {
                if (b)
                    t += " & ";
                const auto& args = body.join->binds[b].args;
                for (size_t k = 0; k < args.size(); ++k)
                    t += (k ? ", " : "") + pattern(args[k], body, s.depth, true);
                t += arrow + asName(in[b]);
            }
            seq.stream.push_back(t + ") { " + s.member(bodyRef).text + " }");
            break;
        }
        case Op::NEW: {
            seq.prefix += "new ";
            for (uint32_t k = 0; k < i.aux; ++k) {
                s.bind(i.a + k);
                seq.prefix += (k ? ", " : "") + s.frame[i.a + k].text;
            }
            seq.prefix += " in { ";
            seq.suffix = " }" + seq.suffix;
            break;
        }
        case Op::NEW_URN:
            s.bind(i.a);
            seq.prefix += "new " + s.frame[i.a].text + "(" + print(code.constants[i.aux]) + ") in { ";
            seq.suffix = " }" + seq.suffix;
            break;
        case Op::SPAWN: {
            std::vector<std::string> texts;
            for (const ChildRef& m : code.multisets[i.a].members)
                texts.push_back(s.member(m).text);
            seq.stream.push_back(joined(texts, " | "));
            break;
        }
        case Op::EXEC: seq.stream.push_back(in[0].isVar ? "*" + in[0].text : in[0].text); break;
        case Op::MATCH: {
            std::string t = "match " + in[0].text + " {";
            for (const ChildRef& m : code.multisets[i.a].members) {
                const Code& c = *code.children[m.child];
                t += " " + pattern(c.join->binds[0].args[0], c, s.depth, false) + " => { " + s.member(m).text + " }";
            }
            seq.stream.push_back(t + " }");
            break;
        }
        default: break; // POP, HALT
        }
    }

    Item end(Seq& seq, Scope&) {
        return {seq.prefix + (seq.stream.empty() ? "Nil" : joined(seq.stream, " | ")) + seq.suffix};
    }

  private:
    static std::string asName(const Item& t) { return t.isVar ? t.text : "@{" + t.text + "}"; }
    static std::string joined(std::span<const Item> items, const char* sep) {
        std::string t;
        for (size_t k = 0; k < items.size(); ++k)
            t += (k ? sep : "") + items[k].text;
        return t;
    }
    static std::string joined(const std::vector<std::string>& texts, const char* sep) {
        std::string t;
        for (size_t k = 0; k < texts.size(); ++k)
            t += (k ? sep : "") + texts[k];
        return t;
    }
};

void printClosure(const Closure& closure, std::string& out) {
    const Code& code = *closure.code;
    std::vector<Printer::Slot> frame(code.numSlots);
    for (size_t i = 0; i < closure.captures.size(); ++i)
        frame[i].text = print(closure.captures[i]);
    Printer p;
    out += p.walker.sequence(code, std::move(frame), 0).text;
}

} // namespace

std::string printName(const Value& channel) {
    if (channel.kind() == ValueKind::kUnforgeable)
        return print(channel);
    return "@{" + print(channel) + "}";
}

std::string printSend(const Value& channel, std::span<const Value> args, bool persistent) {
    std::string s = printName(channel) + (persistent ? "!!(" : "!(");
    for (size_t i = 0; i < args.size(); ++i)
        s += (i ? ", " : "") + print(args[i]);
    return s + ")";
}

std::string printReceive(const Code& body, std::span<const Value> captures, std::span<const Value> channels) {
    Printer p;
    std::vector<Printer::Slot> frame(body.numSlots);
    for (size_t i = 0; i < captures.size(); ++i)
        frame[i].text = print(captures[i]);
    const char* arrow = body.join->peek ? " <<- " : (body.join->persistent ? " <= " : " <- ");
    std::string s = "for (";
    for (size_t b = 0; b < body.join->binds.size() && b < channels.size(); ++b) {
        if (b)
            s += " & ";
        const auto& args = body.join->binds[b].args;
        for (size_t i = 0; i < args.size(); ++i)
            s += (i ? ", " : "") + p.pattern(args[i], body, 0, true);
        s += arrow + printName(channels[b]);
    }
    return s + ") { " + p.walker.sequence(body, std::move(frame), 0).text + " }";
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
    case ValueKind::kBundle: {
        static const char* kNames[] = {"bundle", "bundle+", "bundle-", "bundle0"};
        out += kNames[static_cast<int>(v.bundleMode()) & 3];
        out += " { ";
        print(v.items()[0], out);
        out += " }";
        return;
    }
    case ValueKind::kProc: printClosure(v.closure(), out); return;
    case ValueKind::kPar: {
        // The reference prints a par's parts grouped: sends, receives, news,
        // expressions, matches, unforgeables, each group in canonical order.
        auto group = [](const Value& p) -> int {
            if (p.kind() == ValueKind::kProc) {
                switch (p.closure().code->kind) {
                case SequenceKind::kSend: return 0;
                case SequenceKind::kReceive: return 1;
                case SequenceKind::kNew: return 2;
                case SequenceKind::kIf: return 4;
                default: return 5;
                }
            }
            if (p.kind() == ValueKind::kBundle)
                return -1; // bundles print first
            return p.kind() == ValueKind::kUnforgeable ? 6 : 3;
        };
        struct Part {
            int group;
            std::string text;
        };
        std::vector<Part> order;
        for (const Value& p : v.items())
            order.push_back({group(p), print(p)});
        // Expressions are already in canonical order; processes sort by their text.
        std::stable_sort(order.begin(), order.end(), [](const Part& a, const Part& b) {
            if (a.group != b.group)
                return a.group < b.group;
            return a.group != 3 && a.text < b.text;
        });
        bool first = true;
        for (const Part& p : order) {
            if (!first)
                out += " |\n";
            first = false;
            out += p.text;
        }
        return;
    }
    }
}

std::string print(const Value& v) {
    std::string out;
    print(v, out);
    return out;
}

} // namespace rho::bytecode
