// File: memory_limit.h
// The memory limit the primitive processor keeps when it builds values (issue 9):
// before a handler allocates a large value it asks memoryAdmits(bytes), and a value
// that would take the process's resident memory over the limit is refused with
// FaultCode::kMemoryLimit instead of being allocated (a string doubled 40 times is
// stopped at the limit, not by std::bad_alloc). Small values are left to the runtime's
// sampling of resident memory (RuntimeOptions::maxMemoryBytes), which reads the same
// residentBytes().
#pragma once

#include <cstddef>
#include <cstdint>

namespace rho::primitives {

// Sets the limit for the whole process (0: none). Any thread.
void setMemoryLimit(uint64_t bytes);
[[nodiscard]] uint64_t memoryLimit();

// Whether a new value of about [bytes] fits: always below 1 MiB (the sampling's
// business), else when resident memory plus [bytes] stays within the limit.
[[nodiscard]] bool memoryAdmits(size_t bytes);

// The process's resident memory in bytes (/proc/self/statm), 0 if unknown.
[[nodiscard]] uint64_t residentBytes();

} // namespace rho::primitives
