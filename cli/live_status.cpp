// File: live_status.cpp
// LiveStatus (live_status.h).
#include "live_status.h"

#include "human_number.h"

#include <cerrno>
#include <sys/ioctl.h>
#include <unistd.h>

namespace rho::cli {

namespace {

bool writeAll(int fd, const char* data, size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

constexpr char kErase[] = "\r\033[K";

} // namespace

LiveStatus::LiveStatus(int fd, double delaySeconds) : fd_(fd), delay_(delaySeconds) {}

LiveStatus::~LiveStatus() {
    for (std::FILE* f : streams_)
        std::fclose(f);
    clear();
}

std::string LiveStatus::format(const machine::Progress& now, const machine::Progress& before) {
    const double dt = now.seconds - before.seconds;
    auto rate = [dt](uint64_t a, uint64_t b) {
        return dt > 0 && a >= b ? static_cast<double>(a - b) / dt : 0.0;
    };
    char elapsed[32];
    std::snprintf(elapsed, sizeof elapsed, "%.1fs", now.seconds);
    return std::string("rhovm ") + elapsed + ": " + humanNumber(rate(now.steps, before.steps)) + " reductions/s, " +
           humanNumber(rate(now.comms, before.comms)) + " COMMs/s, " +
           humanNumber(static_cast<double>(std::max<int64_t>(now.liveMachines, 0))) +
           (now.liveMachines == 1 ? " live machine, " : " live machines, ") +
           humanNumber(static_cast<double>(now.parked)) + " parked";
}

void LiveStatus::update(const machine::Progress& p) {
    std::lock_guard lock(mu_);
    window_.push_back(p);
    while (window_.size() > 2 && p.seconds - window_[1].seconds >= 1.0)
        window_.pop_front(); // keep about a second between the oldest and the newest
    if (p.seconds < delay_ || window_.size() < 2)
        return;
    std::string line = format(p, window_.front());
    winsize ws{};
    if (::ioctl(fd_, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && line.size() >= ws.ws_col)
        line.resize(ws.ws_col - 1); // a wrapped line could not be redrawn in place
    const std::string text = kErase + line;
    shown_ = writeAll(fd_, text.data(), text.size());
}

void LiveStatus::eraseLocked() {
    if (shown_)
        (void)writeAll(fd_, kErase, sizeof kErase - 1);
    shown_ = false;
}

void LiveStatus::clear() {
    std::lock_guard lock(mu_);
    eraseLocked();
    window_.clear();
}

ssize_t LiveStatus::writeThrough(void* cookie, const char* data, size_t size) {
    auto* w = static_cast<Wrapped*>(cookie);
    std::lock_guard lock(w->status->mu_);
    w->status->eraseLocked();
    if (!writeAll(w->fd, data, size))
        return -1;
    return static_cast<ssize_t>(size);
}

std::FILE* LiveStatus::wrap(std::FILE* out) {
    std::fflush(out);
    Wrapped& w = wrapped_.emplace_back(Wrapped{this, ::fileno(out)});
    cookie_io_functions_t io{};
    io.write = &LiveStatus::writeThrough;
    std::FILE* f = ::fopencookie(&w, "w", io);
    if (f == nullptr)
        return nullptr;
    std::setvbuf(f, nullptr, _IOLBF, 0);
    streams_.push_back(f);
    return f;
}

} // namespace rho::cli
