// core_latency: the round trip of one cache line between two cores of this machine
// (two threads pinned to CPUs 0 and 1 bounce a counter). Every COMM that one worker
// makes on a channel another worker just touched pays part of this, so it bounds
// what two threads can gain on workloads that funnel into one channel (fan-in,
// spawn). bench/compare.sh prints it beside the table. On a VM the figure can change
// from one boot to the next (where the host placed the vCPUs).
//
//   ./build/release/bench/core_latency [ROUND_TRIPS]
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace {

alignas(64) std::atomic<long> ball{0};

bool pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

} // namespace

int main(int argc, char** argv) {
    const long n = argc > 1 ? std::atol(argv[1]) : 1000000;
    if (n <= 0 || std::thread::hardware_concurrency() < 2) {
        std::fprintf(stderr, "core_latency: needs two CPUs and a positive count\n");
        return 2;
    }
    std::thread other([n] {
        pin(1);
        for (long i = 0; i < n; ++i) {
            while (ball.load(std::memory_order_acquire) != 2 * i + 1) {
            }
            ball.store(2 * i + 2, std::memory_order_release);
        }
    });
    const bool pinned = pin(0);
    const auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < n; ++i) {
        ball.store(2 * i + 1, std::memory_order_release);
        while (ball.load(std::memory_order_acquire) != 2 * i + 2) {
        }
    }
    const auto t1 = std::chrono::steady_clock::now();
    other.join();
    std::printf("cross-core round trip: %.0f ns%s\n",
                std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(n),
                pinned ? "" : " (threads not pinned)");
    return 0;
}
