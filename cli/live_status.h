// File: live_status.h
// LiveStatus: the one-line live status of a long run on a terminal (`rhovm run`, on
// stderr): once the run has gone on for two seconds, a line redrawn at every sample
// of the run's monitor (RuntimeOptions::onProgress) with the elapsed time, reductions
// and COMMs per second (over the last second), live machines and parked
// continuations. The line is erased when the run ends, and before anything else is
// written to the terminal: the program's output and its error messages go through
// streams from wrap(), which erase the line first, so they never run into it.
#pragma once

#include "rho/machine/options.h"

#include <cstdio>
#include <deque>
#include <mutex>
#include <string>

namespace rho::cli {

class LiveStatus {
  public:
    // Draws on file descriptor [fd] (stderr) after [delaySeconds] of a run.
    explicit LiveStatus(int fd = 2, double delaySeconds = 2.0);
    ~LiveStatus();
    LiveStatus(const LiveStatus&) = delete;
    LiveStatus& operator=(const LiveStatus&) = delete;

    // A new sample: redraws the line (once the delay has passed). Any thread.
    void update(const machine::Progress& p);
    // Erases the line if it is shown, and forgets the samples (the next run starts
    // afresh). Any thread.
    void clear();

    // A stream that writes to [out]'s file descriptor, erasing the status line first;
    // line-buffered. Owned by this object (closed with it); null if it cannot be made.
    std::FILE* wrap(std::FILE* out);

    // The status text of [now] with rates measured since [before] (exposed for tests).
    static std::string format(const machine::Progress& now, const machine::Progress& before);

  private:
    void eraseLocked();
    static ssize_t writeThrough(void* cookie, const char* data, size_t size);

    const int fd_;
    const double delay_;
    std::mutex mu_;
    bool shown_ = false;
    std::deque<machine::Progress> window_; // samples of the last second, oldest first
    struct Wrapped {
        LiveStatus* status;
        int fd;
    };
    std::deque<Wrapped> wrapped_; // stable addresses: the cookies
    std::deque<std::FILE*> streams_;
};

} // namespace rho::cli
