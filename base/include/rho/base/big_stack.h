// File: big_stack.h
// runOnBigStack: runs a function on a new thread with a large stack and waits for
// it. Work that recurses once per nesting level of a program or a value (compiling,
// encoding, decoding, printing, hashing) runs there, so the deepest input the parser
// accepts (100,000 levels) cannot overflow a stack. The size is address space only:
// pages are touched as deep as the work goes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <pthread.h>
#include <sys/resource.h>

namespace rho {

inline constexpr size_t kBigStackBytes = size_t{2} << 30;

// [wanted] bytes of address space, or 1/[parts] of the process's address-space limit
// (ulimit -v) when that is less: reservations shrink to fit a limited process instead
// of failing to start (with a smaller depth of nesting handled).
inline size_t addressSpaceShare(size_t wanted, size_t parts) {
    struct rlimit lim {};
    if (getrlimit(RLIMIT_AS, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY)
        return wanted;
    return std::min(wanted, static_cast<size_t>(lim.rlim_cur) / parts);
}

// Runs [fn] on a thread with [stackBytes] of stack. Returns false (without running
// [fn]) when no such thread could be made; the caller then runs it itself, with a
// smaller depth limit.
template <class Fn>
bool runOnBigStack(Fn& fn, size_t stackBytes = addressSpaceShare(kBigStackBytes, 4)) {
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return false;
    pthread_t thread;
    bool started = pthread_attr_setstacksize(&attr, stackBytes) == 0 &&
                   pthread_create(
                       &thread, &attr,
                       [](void* arg) -> void* {
                           (*static_cast<Fn*>(arg))();
                           return nullptr;
                       },
                       &fn) == 0;
    pthread_attr_destroy(&attr);
    if (started)
        pthread_join(thread, nullptr);
    return started;
}

} // namespace rho
