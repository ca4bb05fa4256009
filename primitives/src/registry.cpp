// File: registry.cpp
// The handler table (see registry.h) and the standard registry.

#include "rho/primitives/registry.h"

#include "handlers.h"
#include "rho/bytecode/symbol.h"

namespace rho::primitives {

namespace {

Registry makeStandard() {
    Registry r;
    addArithmeticHandlers(r);
    addCollectionHandlers(r);
    addMethodHandlers(r);
    addSystemProcesses(r);
    addCryptoProcesses(r);
    addRegistryProcesses(r);
    addChainProcesses(r);
    addTestProcesses(r);
    return r;
}

} // namespace

const Registry& Registry::standard() {
    static const Registry kStandard = makeStandard();
    return kStandard;
}

uint32_t Registry::put(Registration r, std::vector<uint32_t>* bySymbol) {
    uint32_t* slot = nullptr;
    if (bySymbol) {
        uint32_t symbol = bytecode::internSymbol(r.name);
        if (bySymbol->size() <= symbol)
            bySymbol->resize(symbol + 1, kNoHandler);
        slot = &(*bySymbol)[symbol];
    } else {
        slot = &byOp_[static_cast<uint8_t>(r.op)];
    }
    if (*slot != kNoHandler) {
        entries_[*slot] = std::move(r);
        return *slot;
    }
    *slot = static_cast<uint32_t>(entries_.size());
    entries_.push_back(std::move(r));
    return *slot;
}

uint32_t Registry::addOperator(bytecode::Op op, Handler handler, Timing timing) {
    Registration r;
    r.kind = Registration::Kind::kOperator;
    r.name = bytecode::operatorSymbol(op);
    r.op = op;
    r.handler = handler;
    r.timing = timing;
    return put(std::move(r), nullptr);
}

uint32_t Registry::addMethod(std::string_view name, Handler handler, Timing timing) {
    Registration r;
    r.kind = Registration::Kind::kMethod;
    r.name = name;
    r.op = bytecode::Op::METHOD;
    r.handler = handler;
    r.timing = timing;
    return put(std::move(r), &methodBySymbol_);
}

uint32_t Registry::addSystemProcess(std::string_view urn, uint8_t arity, SystemHandler handler, Timing timing) {
    Registration r;
    r.kind = Registration::Kind::kSystemProcess;
    r.name = urn;
    r.system = handler;
    r.arity = arity;
    r.timing = timing;
    return put(std::move(r), &systemBySymbol_);
}

} // namespace rho::primitives
