// File: decompile.cpp
// Closure -> Rholang source text (see decompile.h).

#include "decompile.h"

#include <algorithm>
#include <vector>

#include "rho/base/assert.h"

namespace rho::bytecode {

namespace {

struct Text {
    std::string text;
    bool isVar = false; // a bound variable: prints bare in name position
};

struct Slot {
    bool bound = false;
    std::string text; // variable name, or the printed value
    const Value* value = nullptr;
};

std::string varName(uint32_t depth) { return "x" + std::to_string(depth); }

std::string asName(const Text& t) { return t.isVar ? t.text : "@{" + t.text + "}"; }

class Decompiler {
  public:
    std::string sequence(const Code& code, std::vector<Slot> frame, uint32_t depth);
    std::string pattern(const Pattern& p, const Code& body, uint32_t firstDepth, bool namePosition);

  private:
    std::string member(const Code& parent, const ChildRef& ref, const std::vector<Slot>& frame, uint32_t depth);
};

std::string Decompiler::pattern(const Pattern& p, const Code& body, uint32_t firstDepth, bool namePosition) {
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
        s = "{ " + sequence(child, std::vector<Slot>(child.numSlots), firstDepth) + " }";
        break;
    }
    }
    return namePosition ? "@{" + s + "}" : s;
}

std::string Decompiler::member(const Code& parent, const ChildRef& ref, const std::vector<Slot>& frame,
                               uint32_t depth) {
    const Code& child = *parent.children[ref.child];
    std::vector<Slot> childFrame(child.numSlots);
    for (size_t i = 0; i < ref.captureSlots.size(); ++i)
        childFrame[i] = frame[ref.captureSlots[i]];
    return sequence(child, std::move(childFrame), depth);
}

std::string Decompiler::sequence(const Code& code, std::vector<Slot> frame, uint32_t depth) {
    std::vector<Text> stack;
    std::vector<std::string> stream;
    std::string prefix, suffix;
    auto pop = [&]() {
        RHO_CHECK(!stack.empty(), "decompiler stack underflow");
        Text t = std::move(stack.back());
        stack.pop_back();
        return t;
    };
    auto popN = [&](size_t n) {
        RHO_CHECK(stack.size() >= n, "decompiler stack underflow");
        std::vector<Text> v(stack.end() - static_cast<ptrdiff_t>(n), stack.end());
        stack.resize(stack.size() - n);
        return v;
    };
    uint32_t bodyDepth = depth;
    if (code.join) {
        for (uint32_t i = 0; i < code.join->numBindings; ++i)
            frame[code.numCaptures + i] = Slot{true, varName(depth + i), nullptr};
        depth += code.join->numBindings;
    }
    const std::vector<uint32_t>& w = code.words;
    for (size_t pc = 0; pc < w.size(); ++pc) {
        Op op = decodeOp(w[pc]);
        uint32_t a = decodeA(w[pc]);
        uint32_t aux = hasAux(opInfo(op).format) ? w[++pc] : 0;
        switch (op) {
        case Op::PUSH_NIL: stack.push_back({"Nil"}); break;
        case Op::PUSH_CONST: stack.push_back({print(code.constants[a])}); break;
        case Op::LOAD: stack.push_back({frame[a].text, frame[a].bound}); break;
        case Op::MAKE_LIST:
        case Op::MAKE_TUPLE: {
            auto items = popN(a);
            std::string s = op == Op::MAKE_LIST ? "[" : "(";
            for (size_t i = 0; i < items.size(); ++i)
                s += (i ? ", " : "") + items[i].text;
            s += op == Op::MAKE_LIST ? "]" : (items.size() == 1 ? ",)" : ")");
            stack.push_back({s});
            break;
        }
        case Op::QUOTE:
        case Op::PAR: {
            auto parts = popN(aux);
            std::vector<std::string> texts;
            for (auto& p : parts)
                texts.push_back(p.isVar ? "*" + p.text : p.text);
            for (const ChildRef& m : code.multisets[a].members)
                texts.push_back(member(code, m, frame, depth));
            std::string s;
            for (size_t i = 0; i < texts.size(); ++i)
                s += (i ? " | " : "") + texts[i];
            stack.push_back({texts.empty() ? "Nil" : s});
            break;
        }
        case Op::NEG: stack.push_back({"-" + pop().text}); break;
        case Op::NOT: stack.push_back({"not " + pop().text}); break;
        case Op::ADD: case Op::SUB: case Op::MUL: case Op::DIV: case Op::MOD: case Op::EQ: case Op::NEQ:
        case Op::LT: case Op::LE: case Op::GT: case Op::GE: case Op::AND: case Op::OR: {
            auto xy = popN(2);
            stack.push_back({"(" + xy[0].text + " " + operatorSymbol(op) + " " + xy[1].text + ")"});
            break;
        }
        case Op::IF: {
            Text c = pop();
            const auto& ms = code.multisets[a].members;
            std::string s = "if (" + c.text + ") { " + member(code, ms[0], frame, depth) + " }";
            if (ms.size() > 1)
                s += " else { " + member(code, ms[1], frame, depth) + " }";
            stream.push_back(s);
            break;
        }
        case Op::SEND:
        case Op::SEND_PERSIST: {
            auto args = popN(a + 1u);
            std::string s = asName(args[0]) + (op == Op::SEND ? "!(" : "!!(");
            for (size_t i = 1; i < args.size(); ++i)
                s += (i > 1 ? ", " : "") + (args[i].isVar ? "*" + args[i].text : args[i].text);
            stream.push_back(s + ")");
            break;
        }
        case Op::RECEIVE: {
            const ChildRef& bodyRef = code.multisets[a].members[0];
            const Code& body = *code.children[bodyRef.child];
            auto chans = popN(body.join->binds.size());
            const char* arrow = body.join->peek ? " <<- " : (body.join->persistent ? " <= " : " <- ");
            std::string s = "for (";
            for (size_t b = 0; b < chans.size(); ++b) {
                if (b)
                    s += " & ";
                const auto& args = body.join->binds[b].args;
                for (size_t i = 0; i < args.size(); ++i)
                    s += (i ? ", " : "") + pattern(args[i], body, depth, true);
                s += arrow + asName(chans[b]);
            }
            s += ") { " + member(code, bodyRef, frame, depth) + " }";
            stream.push_back(s);
            break;
        }
        case Op::NEW: {
            prefix += "new ";
            for (uint32_t i = 0; i < aux; ++i) {
                frame[a + i] = Slot{true, varName(depth), nullptr};
                prefix += (i ? ", " : "") + varName(depth++);
            }
            prefix += " in { ";
            suffix = " }" + suffix;
            break;
        }
        case Op::NEW_URN: {
            frame[a] = Slot{true, varName(depth), nullptr};
            prefix += "new " + varName(depth++) + "(" + print(code.constants[aux]) + ") in { ";
            suffix = " }" + suffix;
            break;
        }
        case Op::SPAWN: {
            std::string s;
            const auto& ms = code.multisets[a].members;
            for (size_t i = 0; i < ms.size(); ++i)
                s += (i ? " | " : "") + member(code, ms[i], frame, depth);
            stream.push_back(s);
            break;
        }
        case Op::EXEC: {
            Text t = pop();
            stream.push_back(t.isVar ? "*" + t.text : t.text);
            break;
        }
        case Op::MAKE_SET:
        case Op::MAKE_MAP: {
            bool set = op == Op::MAKE_SET;
            auto items = popN(set ? a : 2 * size_t{a});
            std::string s = set ? "Set(" : "{";
            for (size_t i = 0; i < items.size(); i += set ? 1 : 2) {
                s += (i ? ", " : "") + items[i].text;
                if (!set)
                    s += " : " + items[i + 1].text;
            }
            stack.push_back({s + (set ? ")" : "}")});
            break;
        }
        case Op::BUNDLE: {
            static const char* kNames[] = {"bundle", "bundle+", "bundle-", "bundle0"};
            stack.push_back({std::string(kNames[a & 3]) + " { " + pop().text + " }"});
            break;
        }
        case Op::CONCAT:
        case Op::DIFF:
        case Op::INTERPOLATE: {
            auto xy = popN(2);
            stack.push_back({"(" + xy[0].text + " " + operatorSymbol(op) + " " + xy[1].text + ")"});
            break;
        }
        case Op::METHOD: {
            auto parts = popN(size_t{aux} + 1);
            std::string s = parts[0].text + "." + code.constants[a].asString() + "(";
            for (size_t i = 1; i < parts.size(); ++i)
                s += (i > 1 ? ", " : "") + parts[i].text;
            stack.push_back({s + ")"});
            break;
        }
        case Op::MATCH: {
            Text target = pop();
            std::string s = "match " + target.text + " {";
            for (const ChildRef& m : code.multisets[a].members) {
                const Code& c = *code.children[m.child];
                s += " " + pattern(c.join->binds[0].args[0], c, depth, false) + " => { " +
                     member(code, m, frame, depth) + " }";
            }
            stream.push_back(s + " }");
            break;
        }
        case Op::MATCHES: {
            Text v = pop();
            const ChildRef& m = code.multisets[a].members[0];
            const Code& c = *code.children[m.child];
            stack.push_back({"(" + v.text + " matches " + pattern(c.join->binds[0].args[0], c, depth, false) + ")"});
            break;
        }
        case Op::AND_ALSO:
        case Op::OR_ELSE: {
            Text l = pop();
            stack.push_back({"(" + l.text + " " + operatorSymbol(op) + " " +
                             member(code, code.multisets[a].members[0], frame, depth) + ")"});
            break;
        }
        case Op::PUSH_PATTERN: stack.push_back({pattern(code.patterns[a], code, depth, false)}); break;
        case Op::POP: pop(); break;
        case Op::RET: return pop().text;
        case Op::HALT: break;
        }
    }
    (void)bodyDepth;
    std::string s;
    for (size_t i = 0; i < stream.size(); ++i)
        s += (i ? " | " : "") + stream[i];
    if (stream.empty())
        s = "Nil";
    return prefix + s + suffix;
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
    Decompiler d;
    std::vector<Slot> frame(body.numSlots);
    for (size_t i = 0; i < captures.size(); ++i)
        frame[i].text = print(captures[i]);
    const char* arrow = body.join->peek ? " <<- " : (body.join->persistent ? " <= " : " <- ");
    std::string s = "for (";
    for (size_t b = 0; b < body.join->binds.size() && b < channels.size(); ++b) {
        if (b)
            s += " & ";
        const auto& args = body.join->binds[b].args;
        for (size_t i = 0; i < args.size(); ++i)
            s += (i ? ", " : "") + d.pattern(args[i], body, 0, true);
        s += arrow + printName(channels[b]);
    }
    return s + ") { " + d.sequence(body, std::move(frame), 0) + " }";
}

void decompileClosure(const Closure& closure, std::string& out) {
    const Code& code = *closure.code;
    std::vector<Slot> frame(code.numSlots);
    for (size_t i = 0; i < closure.captures.size(); ++i) {
        frame[i].text = print(closure.captures[i]);
        frame[i].value = &closure.captures[i];
    }
    out += Decompiler().sequence(code, std::move(frame), 0);
}

} // namespace rho::bytecode
