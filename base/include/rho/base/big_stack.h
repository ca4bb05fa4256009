// File: big_stack.h
// runOnBigStack: runs a function on a new thread with a large stack and waits for
// it. Work that recurses once per nesting level of a program or a value (compiling,
// encoding, decoding, printing, hashing) runs there, so the deepest input the parser
// accepts (100,000 levels) cannot overflow a stack. The size is address space only:
// pages are touched as deep as the work goes.
#pragma once

#include <cstddef>
#include <pthread.h>

namespace rho {

inline constexpr size_t kBigStackBytes = size_t{2} << 30;

// Runs [fn] on a thread with [stackBytes] of stack. Returns false (without running
// [fn]) when no such thread could be made; the caller then runs it itself, with a
// smaller depth limit.
template <class Fn>
bool runOnBigStack(Fn& fn, size_t stackBytes = kBigStackBytes) {
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
