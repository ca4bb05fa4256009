// File: fault_guard.cpp
// The SIGSEGV/SIGBUS handler behind guardedCall (fault_guard.h).
#include "fault_guard.h"

#include <csignal>
#include <cstdio>
#include <mutex>

namespace rho::rspace::detail {

struct FaultScopeAccess {
    static sigjmp_buf* jump(const FaultScope& s) { return s.jump_; }
    static FaultScope* previous(const FaultScope& s) { return s.previous_; }
};

namespace {

thread_local FaultScope* tScope = nullptr;
thread_local int tSignal = 0;
thread_local char tMessage[256] = {};
struct sigaction gPreviousSegv {};
struct sigaction gPreviousBus {};

void onFault(int sig, siginfo_t* info, void* context) {
    if (FaultScope* scope = tScope; scope != nullptr) {
        sigjmp_buf* jump = FaultScopeAccess::jump(*scope);
        tScope = FaultScopeAccess::previous(*scope); // the jump skips the scope's destructor
        siglongjmp(*jump, sig);
    }
    const struct sigaction& previous = sig == SIGSEGV ? gPreviousSegv : gPreviousBus;
    if ((previous.sa_flags & SA_SIGINFO) != 0 && previous.sa_sigaction != nullptr) {
        previous.sa_sigaction(sig, info, context);
        return;
    }
    if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        previous.sa_handler(sig);
        return;
    }
    // No one else handles it: the default action, when the faulting instruction runs
    // again on return.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, nullptr);
}

void installOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_sigaction = onFault;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGSEGV, &sa, &gPreviousSegv);
        sigaction(SIGBUS, &sa, &gPreviousBus);
    });
}

} // namespace

FaultScope::FaultScope(sigjmp_buf* jump) noexcept : jump_(jump), previous_(tScope) {
    installOnce();
    tScope = this;
}

FaultScope::~FaultScope() { tScope = previous_; }

int faultSignal() noexcept { return tSignal; }
const char* faultMessage() noexcept { return tMessage; }

void assertionFailed(const char* message) noexcept {
    FaultScope* scope = tScope;
    if (scope == nullptr)
        return;
    std::snprintf(tMessage, sizeof tMessage, "%s", message);
    sigjmp_buf* jump = FaultScopeAccess::jump(*scope);
    tScope = FaultScopeAccess::previous(*scope);
    siglongjmp(*jump, SIGABRT);
}
void setFaultSignal(int sig) noexcept { tSignal = sig; }

} // namespace rho::rspace::detail
