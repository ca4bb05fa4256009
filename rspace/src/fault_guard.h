// File: fault_guard.h (private to rho_rspace)
// Turns SIGSEGV and SIGBUS raised inside an LMDB call into an error the caller
// returns, so that a damaged store file is an error, never a crash.
//
// LMDB trusts its file: a page number written over by a disk error or a stray write
// makes it read outside the map (SIGSEGV), and a file truncated under a map makes the
// kernel raise SIGBUS. Checksums on every record (lmdb_env.cpp) catch a changed value,
// but the B-tree's own pages have none, so the reads themselves are guarded:
//
//   int rc = guardedCall([&] { return mdb_get(txn, dbi, &key, &val); });
//   if (rc == kFaulted) ...   // faultSignal() names the signal
//
// How: a process-wide handler for both signals (installed once, chaining to the one it
// replaced) jumps back to the innermost guard of the faulting thread with siglongjmp.
// Outside a guard it hands the signal to the previous handler, or lets the default
// action happen, so faults elsewhere still crash as before. The jump skips whatever
// the guarded call had in flight: LMDB's transaction is abandoned, not aborted, so
// after a fault the environment must never be used again (History marks it poisoned
// and leaks it rather than close it).
#pragma once

#include <csetjmp>

namespace rho::rspace::detail {

// The return code of a guarded call that faulted (no LMDB or errno code is this).
inline constexpr int kFaulted = -1'000'001;

// The innermost guard of this thread, while one is active.
class FaultScope {
  public:
    explicit FaultScope(sigjmp_buf* jump) noexcept;
    ~FaultScope();
    FaultScope(const FaultScope&) = delete;
    FaultScope& operator=(const FaultScope&) = delete;

  private:
    friend struct FaultScopeAccess;
    sigjmp_buf* jump_;
    FaultScope* previous_;
};

// The signal of this thread's last fault inside a guard (SIGSEGV or SIGBUS; SIGABRT
// for a failed LMDB assertion, whose text faultMessage() gives).
int faultSignal() noexcept;
void setFaultSignal(int sig) noexcept;
const char* faultMessage() noexcept;

// For LMDB's assertion hook (mdb_env_set_assert): LMDB calls it when it finds its
// pages inconsistent, and aborts the process when it returns. Inside a guard it jumps
// back to the guard as a fault (SIGABRT) with [message]; outside it returns.
void assertionFailed(const char* message) noexcept;

// Calls [f] (returning an int status) under a guard: its status, or kFaulted.
// No signal mask is saved or restored (the handler runs with SA_NODEFER), so a guard
// costs no system call.
template <class F>
int guardedCall(F&& f) {
    sigjmp_buf jump;
    if (int sig = sigsetjmp(jump, 0); sig != 0) {
        setFaultSignal(sig);
        return kFaulted;
    }
    FaultScope scope(&jump);
    return f();
}

} // namespace rho::rspace::detail
