// File: machine_pool.cpp
// Pooled machine objects with renewed identities (see machine_pool.h).

#include "machine_pool.h"

#include "fiber_waiter.h"

namespace rho::machine {

Machine::Machine() = default;
Machine::~Machine() = default;

MachinePool::MachinePool(Space::PrivateTable& privates, ResourceMap& resources, unsigned workers)
    : privates_(privates), resources_(resources) {
    for (unsigned i = 0; i < workers; ++i)
        lists_.push_back(std::make_unique<FreeList>());
}

MachinePool::~MachinePool() {
    for (auto& list : lists_)
        for (Machine* m : list->machines)
            destroy(m);
}

Machine* MachinePool::make() {
    auto* m = new Machine;
    m->channel = privates_.open();
    m->usage = &resources_.entry(*m->channel);
    return m;
}

void MachinePool::destroy(Machine* m) {
    privates_.close(m->channel);
    delete m;
}

Machine* MachinePool::acquire(unsigned w) {
    if (w >= lists_.size())
        return make();
    auto& free = lists_[w]->machines;
    if (free.empty())
        return make();
    Machine* m = free.back();
    free.pop_back();
    privates_.reopen(*m->channel);
    return m;
}

void MachinePool::release(unsigned w, Machine* m) {
    if (w >= lists_.size() || lists_[w]->machines.size() >= kMaxPooled) {
        destroy(m);
        return;
    }
    lists_[w]->machines.push_back(m);
}

} // namespace rho::machine
