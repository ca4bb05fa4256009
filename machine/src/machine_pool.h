// File: machine_pool.h (private)
// MachinePool: where machine objects come from and go back to. Each object keeps its
// private channel (and the vectors' capacity) while it waits in the pool; each time it
// is handed out the channel is renewed, so every sequence runs under an identity no
// other live machine has (never 0, never reused while in use). One free list per
// worker, touched only by that worker's thread.
#pragma once

#include <memory>
#include <vector>

#include "machine.h"
#include "resource_map.h"
#include "space_types.h"

namespace rho::machine {

class MachinePool {
  public:
    MachinePool(Space::PrivateTable& privates, ResourceMap& resources, unsigned workers);
    ~MachinePool(); // closes the private channels of the pooled machines and frees them
    MachinePool(const MachinePool&) = delete;
    MachinePool& operator=(const MachinePool&) = delete;

    // A machine with a fresh identity, from worker [w]'s list (w == ~0u: outside the
    // workers, always a new object).
    Machine* acquire(unsigned w);
    // [m] has ended (its code and values already dropped): back to worker [w]'s list,
    // or freed when the list is full or w is not a worker.
    void release(unsigned w, Machine* m);

  private:
    // A worker keeps at most this many idle machines (enough for the widest spawn of
    // the peer workloads; the rest are freed).
    static constexpr size_t kMaxPooled = 4096;

    Machine* make();
    void destroy(Machine* m);

    struct alignas(64) FreeList {
        std::vector<Machine*> machines;
    };
    Space::PrivateTable& privates_;
    ResourceMap& resources_;
    std::vector<std::unique_ptr<FreeList>> lists_;
};

} // namespace rho::machine
