// File: memory_limit.cpp
// The processor's memory limit and the resident-memory reading (memory_limit.h).
#include "rho/primitives/memory_limit.h"

#include <algorithm>
#include <cstdint>

#include "handlers.h"
#include "rho/primitives/fault.h"

#include <atomic>
#include <cstdio>
#include <unistd.h>

namespace rho::primitives {

namespace {
std::atomic<uint64_t> gLimit{0};
constexpr size_t kCheckedFrom = size_t{1} << 20;
} // namespace

void setMemoryLimit(uint64_t bytes) { gLimit.store(bytes, std::memory_order_relaxed); }
uint64_t memoryLimit() { return gLimit.load(std::memory_order_relaxed); }

bool memoryAdmits(size_t bytes) {
    const uint64_t limit = memoryLimit();
    if (limit == 0 || bytes < kCheckedFrom)
        return true;
    return residentBytes() + bytes <= limit;
}

bool admitValue(Answer& out, bytecode::Op op, size_t bytes) {
    if (memoryAdmits(bytes))
        return true;
    out.fail(FaultCode::kMemoryLimit, op, bytecode::Value::integer(static_cast<int64_t>(memoryLimit())),
             bytecode::Value::integer(static_cast<int64_t>(std::min<size_t>(bytes, INT64_MAX))));
    return false;
}

uint64_t residentBytes() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr)
        return 0;
    unsigned long long size = 0;
    unsigned long long resident = 0;
    const int n = std::fscanf(f, "%llu %llu", &size, &resident);
    std::fclose(f);
    if (n != 2)
        return 0;
    return static_cast<uint64_t>(resident) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

} // namespace rho::primitives
