// File: signals.h
// SIGINT and SIGTERM for the whole command: blocked in every thread (watchSignals runs
// before any thread starts) and taken by one watcher thread with sigwait, so a signal
// never lands in the middle of a worker, of LMDB or of libedit. What a signal does:
//   1. a SignalHook in scope (the REPL) is asked first; when it takes the signal, that
//      is all (Ctrl-C at the prompt drops the entry being typed);
//   2. else, while a StopOnSignal is in scope (a run in progress), the first signal
//      asks the run to stop at a safe point (Runtime::requestStop);
//   3. else, or on a second signal, the process flushes what it printed and exits
//      128 + N at once.
#pragma once

#include <functional>

#include "rho/machine/runtime.h"

namespace rho::cli {

// Blocks SIGINT and SIGTERM and starts the watcher thread. Call first in main.
void watchSignals();

// The first signal that arrived (SIGINT or SIGTERM) and was not taken by a hook; 0: none.
[[nodiscard]] int lastSignal();

// Makes the first signal stop [rt]'s runs (StopReason::kSignal) while it lives.
class StopOnSignal {
  public:
    explicit StopOnSignal(machine::Runtime& rt);
    ~StopOnSignal();
    StopOnSignal(const StopOnSignal&) = delete;
    StopOnSignal& operator=(const StopOnSignal&) = delete;
};

// While it lives, every signal goes to [hook] first, on the watcher thread; the hook
// returns true when it has dealt with the signal, false to let the default happen.
class SignalHook {
  public:
    explicit SignalHook(std::function<bool(int)> hook);
    ~SignalHook();
    SignalHook(const SignalHook&) = delete;
    SignalHook& operator=(const SignalHook&) = delete;
};

} // namespace rho::cli
