// File: phlo_meter.cpp
// Phlogiston accounting (phlo_meter.h).

#include "phlo_meter.h"

#include "rho/bytecode/op.h"

#include <algorithm>

namespace rho::machine {

using bytecode::Code;
using bytecode::Op;

namespace {

constexpr int64_t kVarEval = 10;
constexpr int64_t kNewEval = 10;
constexpr int64_t kNewBinding = 2;

} // namespace

PhloMeter::PhloMeter(uint64_t limit, std::function<void()> onExhausted)
    : limit_(limit), onExhausted_(std::move(onExhausted)) {}

bool PhloMeter::charge(int64_t amount) {
    if (exhausted())
        return false;
    const int64_t used = used_.fetch_add(amount, std::memory_order_relaxed) + amount;
    if (limit_ == 0 || used <= static_cast<int64_t>(limit_))
        return true;
    if (!exhausted_.exchange(true) && onExhausted_)
        onExhausted_();
    return false;
}

uint64_t PhloMeter::cost() const {
    if (exhausted())
        return limit_;
    return static_cast<uint64_t>(std::max<int64_t>(0, used_.load(std::memory_order_relaxed)));
}

void PhloMeter::chargeLoad(const Code& code, uint32_t slot) {
    if (slot < code.numCaptures && analysis(code).substituted[slot])
        return;
    charge(kVarEval);
}

void PhloMeter::chargeNew(const Code& code, uint32_t pc, uint32_t names) {
    const Analysis& a = analysis(code);
    const bool first = std::binary_search(a.newStarts.begin(), a.newStarts.end(), pc);
    charge(kNewBinding * names + (first ? kNewEval : 0));
}

const PhloMeter::Analysis& PhloMeter::analysis(const Code& code) {
    std::lock_guard lock(mu_);
    auto it = analyses_.find(&code);
    if (it != analyses_.end())
        return it->second;
    // Not reached from a program's root: a continuation loaded from the store, or the
    // code of a process value. Both were substituted into their term: every capture.
    analyze(code, std::vector<bool>(code.numCaptures, true));
    return analyses_.at(&code);
}

// Walks [code] and the sequences under it: a child's capture is substituted when the
// child is a receive body or a quoted process (QUOTE, PAR), or when the parent's slot
// it copies was. (Called with mu_ held.)
void PhloMeter::analyze(const Code& root, std::vector<bool> rootSubstituted) {
    std::vector<std::pair<const Code*, std::vector<bool>>> work;
    work.emplace_back(&root, std::move(rootSubstituted));
    while (!work.empty()) {
        auto [code, substituted] = std::move(work.back());
        work.pop_back();
        if (analyses_.contains(code))
            continue;
        substituted.resize(code->numCaptures, true);
        Analysis& a = analyses_[code];
        a.substituted = substituted;
        std::vector<bool> quoted(code->multisets.size(), false);
        Op previous = Op::HALT;
        for (uint32_t pc = 0; pc < code->words.size();) {
            const Op op = bytecode::decodeOp(code->words[pc]);
            const uint32_t operand = bytecode::decodeA(code->words[pc]);
            if ((op == Op::QUOTE || op == Op::PAR) && operand < quoted.size())
                quoted[operand] = true;
            // One `new` is one NEW (its simple names) and then a NEW_URN per URN, so a NEW
            // always begins one; a NEW_URN right after either continues it. (A `new` whose
            // body is a `new` of URNs only compiles to the same code: charged as one.)
            if (op == Op::NEW || (op == Op::NEW_URN && previous != Op::NEW && previous != Op::NEW_URN))
                a.newStarts.push_back(pc);
            previous = op;
            pc += 1 + (bytecode::hasAux(bytecode::opInfo(op).format) ? 1 : 0);
        }
        for (size_t m = 0; m < code->multisets.size(); ++m) {
            for (const bytecode::ChildRef& ref : code->multisets[m].members) {
                const Code* child = code->children[ref.child].get();
                const bool boundary = quoted[m] || child->kind == bytecode::SequenceKind::kBody;
                std::vector<bool> s(child->numCaptures, true);
                for (size_t i = 0; i < ref.captureSlots.size() && i < s.size(); ++i) {
                    const uint32_t from = ref.captureSlots[i];
                    s[i] = boundary || (from < substituted.size() && substituted[from]);
                }
                work.emplace_back(child, std::move(s));
            }
        }
    }
}

} // namespace rho::machine
