// File: disassembler.cpp
// Text listing of a Code tree (see disassembler.h). Sequences are numbered in
// depth-first order; multiset operands print the numbers of their member sequences.

#include "rho/bytecode/disassembler.h"

#include "rho/base/big_stack.h"

#include <cstdio>
#include <map>

namespace rho::bytecode {

namespace {

const char* kindName(SequenceKind k) {
    switch (k) {
    case SequenceKind::kExpression: return "expression";
    case SequenceKind::kSend: return "send";
    case SequenceKind::kReceive: return "receive";
    case SequenceKind::kNew: return "new";
    case SequenceKind::kIf: return "if";
    case SequenceKind::kEval: return "eval";
    case SequenceKind::kPar: return "par";
    case SequenceKind::kBody: return "body";
    case SequenceKind::kBranch: return "branch";
    case SequenceKind::kCase: return "case";
    case SequenceKind::kPattern: return "pattern";
    case SequenceKind::kBundle: return "bundle";
    case SequenceKind::kMatch: return "match";
    }
    return "?";
}

std::string remainderText(int32_t r) {
    if (r == Pattern::kNoRemainder)
        return "";
    return r == Pattern::kWildRemainder ? " ..._" : " ...$" + std::to_string(r);
}

// Patterns in the listing: $N is binding N of the body, =capN a variable reference,
// <sequence N> a process pattern.
std::string patternText(const Pattern& p, const std::map<const Code*, size_t>& ids, const Code& owner) {
    static const char* kTypes[] = {"Bool", "Int", "BigInt", "String", "Uri", "ByteArray"};
    auto items = [&](const char* sep) {
        std::string s;
        for (size_t i = 0; i < p.items.size(); ++i)
            s += (i ? sep : "") + patternText(p.items[i], ids, owner);
        return s;
    };
    switch (p.kind) {
    case Pattern::Kind::kBind: return (p.nameBinder ? "$" : "@$") + std::to_string(p.binding);
    case Pattern::Kind::kWildcard: return "_";
    case Pattern::Kind::kLiteral: return print(p.literal);
    case Pattern::Kind::kList: return "[" + items(", ") + remainderText(p.remainder) + "]";
    case Pattern::Kind::kTuple: return std::string("(").append(items(", ")).append(")");
    case Pattern::Kind::kSet: return "Set(" + items(", ") + remainderText(p.remainder) + ")";
    case Pattern::Kind::kMap: {
        std::string s = "{";
        for (size_t i = 0; i + 1 < p.items.size(); i += 2)
            s += (i ? ", " : "") + patternText(p.items[i], ids, owner) + " : " + patternText(p.items[i + 1], ids, owner);
        return s + remainderText(p.remainder) + "}";
    }
    case Pattern::Kind::kAnd: return "(" + items(" /\\ ") + ")";
    case Pattern::Kind::kOr: return "(" + items(" \\/ ") + ")";
    case Pattern::Kind::kNot: return "~" + items("");
    case Pattern::Kind::kType: return kTypes[p.simpleType % 6];
    case Pattern::Kind::kVarRef: return "=cap" + std::to_string(p.slot);
    case Pattern::Kind::kBundle:
        return std::string("bundle").append(std::to_string(p.bundleMode)).append("{").append(items("")).append("}");
    case Pattern::Kind::kProcess: {
        auto it = ids.find(owner.children[p.child].get());
        return "<sequence " + (it == ids.end() ? std::string("?") : std::to_string(it->second)) + ">";
    }
    }
    return "?";
}

class Lister {
  public:
    std::string run(const Code& main) {
        number(main);
        for (const Code* c : order_)
            list(*c);
        return out_;
    }

  private:
    // Depth-first numbering, iterative (programs nest 100,000 deep).
    void number(const Code& root) {
        std::vector<const Code*> todo{&root};
        while (!todo.empty()) {
            const Code* c = todo.back();
            todo.pop_back();
            ids_[c] = order_.size();
            order_.push_back(c);
            for (auto it = c->children.rbegin(); it != c->children.rend(); ++it)
                todo.push_back(it->get());
        }
    }

    std::string members(const Code& c, uint32_t m) {
        std::string s = "{";
        const auto& ms = c.multisets[m].members;
        for (size_t i = 0; i < ms.size(); ++i) {
            s += (i ? ", " : "") + std::string("sequence ") + std::to_string(ids_[c.children[ms[i].child].get()]);
            if (!ms[i].captureSlots.empty()) {
                s += " captures(";
                for (size_t k = 0; k < ms[i].captureSlots.size(); ++k) {
                    s += k ? "," : "";
                    s += std::to_string(ms[i].captureSlots[k]);
                }
                s += ")";
            }
        }
        return s + "}";
    }

    void list(const Code& c) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "sequence %zu (%s) captures=%u slots=%u\n", ids_[&c], kindName(c.kind),
                      c.numCaptures, c.numSlots);
        out_ += buf;
        if (c.join) {
            if (c.kind == SequenceKind::kCase)
                out_ += "  case";
            else
                out_ += c.join->persistent ? "  receive persistent" : (c.join->peek ? "  receive peek" : "  receive linear");
            out_ += ", bindings=" + std::to_string(c.join->numBindings) + ":";
            for (size_t b = 0; b < c.join->binds.size(); ++b) {
                out_ += b ? " &" : "";
                out_ += " (";
                for (size_t i = 0; i < c.join->binds[b].args.size(); ++i)
                    out_ += (i ? ", " : "") + patternText(c.join->binds[b].args[i], ids_, c);
                out_ += remainderText(c.join->binds[b].remainder) + ")";
            }
            out_ += "\n";
        }
        for (size_t i = 0; i < c.patterns.size(); ++i)
            out_ += "  pattern P" + std::to_string(i) + ": " + patternText(c.patterns[i], ids_, c) + "\n";
        for (size_t pc = 0; pc < c.words.size(); ++pc) {
            Op op = decodeOp(c.words[pc]);
            uint32_t a = decodeA(c.words[pc]);
            const OpInfo& info = opInfo(op);
            uint32_t aux = hasAux(info.format) ? c.words[pc + 1] : 0;
            std::string operands;
            switch (info.format) {
            case OperandFormat::kNone: break;
            case OperandFormat::kConst: operands = "K" + std::to_string(a) + "  ; " + print(c.constants[a]); break;
            case OperandFormat::kSlot: operands = "L" + std::to_string(a); break;
            case OperandFormat::kCount: operands = std::to_string(a); break;
            case OperandFormat::kMultiset: operands = "M" + std::to_string(a) + " " + members(c, a); break;
            case OperandFormat::kMultisetValues:
                operands = "M" + std::to_string(a) + " " + members(c, a) + ", values=" + std::to_string(aux);
                break;
            case OperandFormat::kSlotCount: operands = "L" + std::to_string(a) + ", " + std::to_string(aux); break;
            case OperandFormat::kSlotConst:
                operands = "L" + std::to_string(a) + ", K" + std::to_string(aux) + "  ; " + print(c.constants[aux]);
                break;
            case OperandFormat::kConstCount:
                operands = "K" + std::to_string(a) + ", " + std::to_string(aux) + "  ; " + print(c.constants[a]);
                break;
            case OperandFormat::kPattern:
                operands = "P" + std::to_string(a) + "  ; " + patternText(c.patterns[a], ids_, c);
                break;
            }
            std::snprintf(buf, sizeof buf, "  %04zu  %-13s ", pc, info.name);
            out_ += buf;
            out_ += operands;
            if (pc < c.positions.size() && c.positions[pc].line)
                out_ += "   @" + std::to_string(c.positions[pc].line) + ":" + std::to_string(c.positions[pc].col);
            out_ += "\n";
            if (hasAux(info.format))
                ++pc;
        }
    }

    std::map<const Code*, size_t> ids_;
    std::vector<const Code*> order_;
    std::string out_;
};

} // namespace

std::string disassemble(const Code& main) {
    // Printing constants and patterns recurses per nesting level: use a big stack.
    std::string out;
    auto work = [&] { out = Lister().run(main); };
    if (!runOnBigStack(work))
        work();
    return out;
}

} // namespace rho::bytecode
