// File: walk.h (private)
// Walker: the one pass over a sequence's code that the hasher (hash.cpp), the
// printer (print.cpp) and the validator's stack check (validator.cpp) share. It
// runs the straight-line code symbolically: each instruction takes what opcodes.def
// says it pops from a stack of the visitor's Items and, if the table says it
// pushes, pushes the Item the visitor makes of it. Frame slots hold the visitor's
// Slots; the walker binds the slots of a receive's bindings and of `new` to
// variables numbered by binding depth (de Bruijn levels), so alpha-equivalent code
// walks alike. It recurses into a member of a multiset only when the visitor asks
// (Scope::member), so the validator, which checks one Code at a time, never does.
//
// A visitor V provides:
//   using Item, Slot;                       stack entries, frame entries (default-constructible)
//   struct Seq;                             what it collects per sequence
//   Slot bound(uint32_t depth);             a variable bound inside the term
//   void begin(Seq&, Scope&);               before the code (a receive body's patterns)
//   bool admit(const Insn&, Scope&);        false: the walk stops (the validator's operand checks)
//   Item value(Seq&, const Insn&, std::span<Item> popped, Scope&);   instructions that push
//   void effect(Seq&, const Insn&, std::span<Item> popped, Scope&);  instructions that do not
//   Item end(Seq&, Scope&);                 the term of a process sequence (HALT, RECEIVE, ...)
//   void fail(size_t pc, const char* what); malformed code; the walk stops
// RET ends an expression sequence: its term is the Item it pops.
#pragma once

#include <span>
#include <vector>

#include "rho/bytecode/code.h"

namespace rho::bytecode {

// One decoded instruction.
struct Insn {
    Op op;
    uint32_t a;
    uint32_t aux; // 0 when the format has no AUX word
    size_t pc;
};

template <class V>
class Walker {
  public:
    using Item = typename V::Item;
    using Slot = typename V::Slot;

    // What a visitor sees of the sequence being walked.
    struct Scope {
        Walker& walker;
        const Code& code;
        std::vector<Slot>& frame;
        uint32_t& depth; // binders in scope
        // The term of member [ref] of this sequence, closed over this frame.
        Item member(const ChildRef& ref) { return walker.member(code, ref, frame, depth); }
        // Binds frame slot [slot] to a new variable.
        void bind(uint32_t slot) { frame[slot] = walker.v_.bound(depth++); }
    };

    explicit Walker(V& v) : v_(v) {}

    // The term of [code], its frame [frame] (numSlots entries), with [depth] binders in scope.
    Item sequence(const Code& code, std::vector<Slot> frame, uint32_t depth) {
        Scope scope{*this, code, frame, depth};
        typename V::Seq seq;
        v_.begin(seq, scope);
        if (code.join)
            for (uint32_t i = 0; i < code.join->numBindings; ++i)
                scope.bind(code.numCaptures + i);
        std::vector<Item> stack;
        const std::vector<uint32_t>& w = code.words;
        for (size_t pc = 0; pc < w.size(); ++pc) {
            if ((w[pc] & 0xFFu) >= kOpCount)
                return failed(pc, "unknown opcode");
            const Op op = decodeOp(w[pc]);
            const OpInfo& info = opInfo(op);
            if (hasAux(info.format) && pc + 1 >= w.size())
                return failed(pc, "missing AUX word");
            const Insn insn{op, decodeA(w[pc]), hasAux(info.format) ? w[pc + 1] : 0, pc};
            if (!v_.admit(insn, scope))
                return Item{};
            const size_t binds = info.pops == StackCount::kBinds
                                     ? code.children[code.multisets[insn.a].members[0].child]->join->binds.size()
                                     : 0;
            const size_t n = popCount(info, insn.a, insn.aux, binds);
            if (stack.size() < n)
                return failed(pc, "stack underflow");
            std::span<Item> popped(stack.data() + (stack.size() - n), n);
            if (op == Op::RET) {
                if (pc + 1 < w.size())
                    return failed(pc + 1, "instruction after the end of the sequence");
                return std::move(stack.back());
            }
            if (info.pushes) {
                Item r = v_.value(seq, insn, popped, scope);
                stack.resize(stack.size() - n);
                stack.push_back(std::move(r));
            } else {
                v_.effect(seq, insn, popped, scope);
                stack.resize(stack.size() - n);
            }
            if (hasAux(info.format))
                ++pc;
            if (endsSequence(op)) {
                if (pc + 1 < w.size())
                    return failed(pc + 1, "instruction after the end of the sequence");
                return v_.end(seq, scope);
            }
        }
        return failed(w.size(), "sequence does not end in HALT, RET, RECEIVE, IF or MATCH");
    }

    // The term of member [ref] of [parent], its captures taken from [frame].
    Item member(const Code& parent, const ChildRef& ref, const std::vector<Slot>& frame, uint32_t depth) {
        const Code& child = *parent.children[ref.child];
        std::vector<Slot> childFrame(child.numSlots);
        for (size_t i = 0; i < ref.captureSlots.size(); ++i)
            childFrame[i] = frame[ref.captureSlots[i]];
        return sequence(child, std::move(childFrame), depth);
    }

  private:
    Item failed(size_t pc, const char* what) {
        v_.fail(pc, what);
        return Item{};
    }

    V& v_;
};

} // namespace rho::bytecode
