// File: signals.cpp
// The signal watcher thread (signals.h).

#include "signals.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <pthread.h>
#include <thread>
#include <unistd.h>

namespace rho::cli {

namespace {

std::mutex gMu;
std::function<void()> gStopRun;      // set while a run is in progress (StopOnSignal)
std::function<bool(int)> gHook;      // set by a SignalHook
std::atomic<int> gSignal{0};

sigset_t stopSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

} // namespace

void watchSignals() {
    const sigset_t set = stopSignals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread([set] {
        for (;;) {
            int sig = 0;
            if (sigwait(&set, &sig) != 0)
                continue;
            std::lock_guard lock(gMu);
            if (gHook && gHook(sig))
                continue;
            int none = 0;
            const bool first = gSignal.compare_exchange_strong(none, sig);
            if (first && gStopRun) {
                gStopRun();
                continue;
            }
            std::fflush(stdout);
            std::fflush(stderr);
            _exit(128 + sig);
        }
    }).detach();
}

int lastSignal() { return gSignal.load(); }

StopOnSignal::StopOnSignal(machine::Runtime& rt) {
    std::lock_guard lock(gMu);
    gStopRun = [&rt] { rt.requestStop(machine::StopReason::kSignal); };
    if (gSignal.load() != 0)
        gStopRun();
}

StopOnSignal::~StopOnSignal() {
    std::lock_guard lock(gMu);
    gStopRun = nullptr;
}

SignalHook::SignalHook(std::function<bool(int)> hook) {
    std::lock_guard lock(gMu);
    gHook = std::move(hook);
}

SignalHook::~SignalHook() {
    std::lock_guard lock(gMu);
    gHook = nullptr;
}

} // namespace rho::cli
