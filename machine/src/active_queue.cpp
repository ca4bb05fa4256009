// File: active_queue.cpp
// The work-stealing queue of ready machines (see active_queue.h).

#include "active_queue.h"

#include <chrono>

namespace rho::machine {

namespace {
thread_local unsigned tlsWorker = 0;
} // namespace

void ActiveQueue::setWorker(unsigned worker) { tlsWorker = worker; }
unsigned ActiveQueue::currentWorker() { return tlsWorker; }

ActiveQueue::ActiveQueue(unsigned lanes) {
    for (unsigned i = 0; i < lanes; ++i)
        lanes_.push_back(std::make_unique<Lane>());
}

void ActiveQueue::spawn(Machine* m) {
    live_.fetch_add(1, std::memory_order_relaxed);
    push(m);
}

void ActiveQueue::requeue(Machine* m) { push(m); }

void ActiveQueue::push(Machine* m) {
    Lane& lane = *lanes_[tlsWorker % lanes_.size()];
    {
        std::lock_guard lock(lane.mu);
        lane.q.push_back(m);
    }
    queued_.fetch_add(1, std::memory_order_release);
    if (sleepers_.load(std::memory_order_acquire) > 0) {
        std::lock_guard lock(idleMu_);
        idleCv_.notify_one();
    }
}

Machine* ActiveQueue::pop(unsigned worker) {
    if (queued_.load(std::memory_order_acquire) == 0)
        return nullptr;
    size_t n = lanes_.size();
    for (size_t i = 0; i < n; ++i) {
        Lane& lane = *lanes_[(worker + i) % n];
        std::lock_guard lock(lane.mu);
        if (lane.q.empty())
            continue;
        Machine* m;
        if (i == 0) { // own lane: oldest first
            m = lane.q.front();
            lane.q.pop_front();
        } else { // steal the newest from another lane
            m = lane.q.back();
            lane.q.pop_back();
        }
        queued_.fetch_sub(1, std::memory_order_relaxed);
        return m;
    }
    return nullptr;
}

void ActiveQueue::retire() {
    if (live_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard lock(idleMu_);
        idleCv_.notify_all();
    }
}

void ActiveQueue::waitForWork() {
    std::unique_lock lock(idleMu_);
    sleepers_.fetch_add(1, std::memory_order_acq_rel);
    idleCv_.wait_for(lock, std::chrono::milliseconds(5), [&] {
        return queued_.load(std::memory_order_acquire) > 0 || live_.load(std::memory_order_acquire) == 0;
    });
    sleepers_.fetch_sub(1, std::memory_order_acq_rel);
}

} // namespace rho::machine
