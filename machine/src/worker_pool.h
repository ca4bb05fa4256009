// File: worker_pool.h (private)
// runWorkers: drains the active queue on [threads] OS threads. Each thread runs a
// Boost.Fiber runner that takes machines from the queue and runs them one slice at
// a time; a machine that spends its budget goes to the back of the queue, so one
// endless process cannot starve the others. Returns when no machine is live.
// This file and worker_pool.cpp are the only ones that include Boost.Fiber.
#pragma once

#include "active_queue.h"

namespace rho::machine {

class Vm;

void runWorkers(ActiveQueue& queue, Vm& vm, unsigned threads);

} // namespace rho::machine
