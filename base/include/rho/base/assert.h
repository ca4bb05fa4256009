// File: assert.h
// RHO_ASSERT (debug builds only) and RHO_CHECK (always on) for programmer errors.
// Neither may ever fire on user input: bad input is a Diagnostic, a Status or a Fault.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace rho::base::detail {
[[noreturn]] inline void checkFailed(const char* expr, const char* msg, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: internal error: check failed: %s (%s)\n", file, line, expr, msg);
    std::abort();
}
} // namespace rho::base::detail

#define RHO_CHECK(cond, msg)                                                                       \
    do {                                                                                           \
        if (!(cond)) [[unlikely]]                                                                  \
            ::rho::base::detail::checkFailed(#cond, msg, __FILE__, __LINE__);                      \
    } while (0)

// RHO_DEBUG: defined in every build without NDEBUG (the debug, ASan and TSan builds);
// it turns on checks too costly for a release build (the interpreter's operand-stack
// check against opcodes.def).
#ifdef NDEBUG
#define RHO_ASSERT(cond) ((void)0)
#else
#define RHO_DEBUG 1
#define RHO_ASSERT(cond) RHO_CHECK(cond, "assertion")
#endif
