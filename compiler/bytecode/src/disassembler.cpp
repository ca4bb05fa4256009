// File: disassembler.cpp
// Text listing of a Code tree (see disassembler.h). Sequences are numbered in
// depth-first order; multiset operands print the numbers of their member sequences.

#include "rho/bytecode/disassembler.h"

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
    }
    return "?";
}

std::string patternText(const Pattern& p) {
    switch (p.kind) {
    case Pattern::Kind::kBind: return "$" + std::to_string(p.binding);
    case Pattern::Kind::kWildcard: return "_";
    case Pattern::Kind::kLiteral: return print(p.literal);
    case Pattern::Kind::kList:
    case Pattern::Kind::kTuple: {
        std::string s = p.kind == Pattern::Kind::kList ? "[" : "(";
        for (size_t i = 0; i < p.items.size(); ++i)
            s += (i ? ", " : "") + patternText(p.items[i]);
        return s + (p.kind == Pattern::Kind::kList ? "]" : ")");
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
    void number(const Code& c) {
        ids_[&c] = order_.size();
        order_.push_back(&c);
        for (const auto& child : c.children)
            number(*child);
    }

    std::string members(const Code& c, uint32_t m) {
        std::string s = "{";
        const auto& ms = c.multisets[m].members;
        for (size_t i = 0; i < ms.size(); ++i) {
            s += (i ? ", " : "") + std::string("sequence ") + std::to_string(ids_[c.children[ms[i].child].get()]);
            if (!ms[i].captureSlots.empty()) {
                s += " captures(";
                for (size_t k = 0; k < ms[i].captureSlots.size(); ++k)
                    s += (k ? "," : "") + std::to_string(ms[i].captureSlots[k]);
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
            out_ += c.join->persistent ? "  receive persistent" : (c.join->peek ? "  receive peek" : "  receive linear");
            out_ += ", bindings=" + std::to_string(c.join->numBindings) + ":";
            for (size_t b = 0; b < c.join->binds.size(); ++b) {
                out_ += b ? " &" : "";
                out_ += " (";
                for (size_t i = 0; i < c.join->binds[b].args.size(); ++i)
                    out_ += (i ? ", " : "") + patternText(c.join->binds[b].args[i]);
                out_ += ")";
            }
            out_ += "\n";
        }
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

std::string disassemble(const Code& main) { return Lister().run(main); }

} // namespace rho::bytecode
