// File: lifetime.cpp
// How values and code die, and what a receive body knows of its own patterns.
// Destruction is iterative: a value or code tree nested 10^6 deep is freed by a
// loop over work lists, never by one destructor frame per level.

#include <memory>
#include <vector>

#include "rho/bytecode/code.h"

namespace rho::bytecode {

HeapRef Value::releaseHeapIfLast() {
    if (!owns_ || p_->refs_.load(std::memory_order_acquire) != 1)
        return HeapRef();
    owns_ = false;
    return HeapRef(p_);
}

namespace {

// Work lists of nested parts whose last owner is going away: drained in a loop.
struct Reaper {
    std::vector<HeapRef> values;
    std::vector<std::shared_ptr<const Code>> codes;

    void takeValues(std::vector<Value>& items) {
        for (Value& v : items)
            if (auto h = v.releaseHeapIfLast())
                values.push_back(std::move(h));
    }
    void takeCode(std::shared_ptr<const Code>& c) {
        if (c && c.use_count() == 1)
            codes.push_back(std::move(c));
    }
    void drain() {
        while (!values.empty() || !codes.empty()) {
            if (!values.empty()) {
                HeapRef h = std::move(values.back());
                values.pop_back();
                auto& m = const_cast<HeapValue&>(*h); // last owner: safe to empty
                takeValues(m.items);
                takeValues(m.closure.captures);
                takeCode(m.closure.code);
                continue; // h dies here with nothing nested left in it
            }
            std::shared_ptr<const Code> c = std::move(codes.back());
            codes.pop_back();
            auto& m = const_cast<Code&>(*c);
            for (auto& child : m.children)
                takeCode(child);
            takeValues(m.constants);
        }
    }
};

thread_local bool tlsReaping = false;

template <class Fill>
void reap(Fill fill) {
    if (tlsReaping) { // an outer destructor's loop will take what we leave behind
        Reaper r;
        fill(r);
        // Nested parts still owned by r are freed here one level down; the outer
        // loop keeps recursion at one level.
        r.drain();
        return;
    }
    tlsReaping = true;
    Reaper r;
    fill(r);
    r.drain();
    tlsReaping = false;
}

} // namespace

HeapValue::~HeapValue() {
    if (items.empty() && closure.captures.empty() && !closure.code)
        return;
    reap([this](Reaper& r) {
        r.takeValues(items);
        r.takeValues(closure.captures);
        r.takeCode(closure.code);
    });
}

Code::~Code() {
    if (children.empty() && constants.empty())
        return;
    reap([this](Reaper& r) {
        for (auto& child : children)
            r.takeCode(child);
        r.takeValues(constants);
    });
}

namespace {

bool anyPattern(const Pattern& p, Pattern::Kind kind) {
    if (p.kind == kind)
        return true;
    for (const Pattern& q : p.items)
        if (anyPattern(q, kind))
            return true;
    return false;
}

} // namespace

void Join::analyze() {
    usesProcessPatterns = false;
    for (const BindPatterns& b : binds) {
        for (const Pattern& p : b.args) {
            usesProcessPatterns = usesProcessPatterns || anyPattern(p, Pattern::Kind::kProcess);
        }
    }
}

} // namespace rho::bytecode
