// File: top_view.cpp
// TopView (top_view.h).
#include "top_view.h"

#include "human_number.h"

#include <algorithm>
#include <cstdlib>
#include <unistd.h>

namespace rho::cli {

namespace {

std::string clipped(std::string s, size_t n) {
    if (s.size() > n)
        s = s.substr(0, n - 3) + "...";
    return s;
}

// A long file:line:col keeps its end: the file's name and the position.
std::string clippedFront(const std::string& s, size_t n) {
    return s.size() > n ? "..." + s.substr(s.size() - (n - 3)) : s;
}

constexpr char kAltScreen[] = "\033[?1049h";
constexpr char kMainScreen[] = "\033[?1049l";
constexpr char kHomeClear[] = "\033[H\033[2J";

} // namespace

TopView::TopView(std::FILE* out, std::string title)
    : out_(out), title_(std::move(title)), terminal_(isatty(fileno(out)) != 0) {}

TopView::~TopView() {
    finish();
    for (const std::unique_ptr<Held>& h : held_) {
        std::fclose(h->stream);
        std::free(h->data);
    }
}

std::string TopView::frame(const std::string& title, const machine::Progress& now,
                           const machine::Progress* before) {
    const double dt = before != nullptr ? now.seconds - before->seconds : 0;
    auto rate = [dt](uint64_t a, uint64_t b) {
        return dt > 0 && a >= b ? static_cast<double>(a - b) / dt : 0.0;
    };
    std::string f;
    char line[512];
    std::snprintf(line, sizeof line,
                  "rhovm top  %s  %.1fs  %s reductions/s  %s COMMs/s  %s live %s  %s parked\n\n",
                  title.c_str(), now.seconds, humanNumber(before ? rate(now.steps, before->steps) : 0).c_str(),
                  humanNumber(before ? rate(now.comms, before->comms) : 0).c_str(),
                  humanNumber(static_cast<double>(std::max<int64_t>(now.liveMachines, 0))).c_str(),
                  now.liveMachines == 1 ? "machine" : "machines", humanNumber(static_cast<double>(now.parked)).c_str());
    f += line;
    std::snprintf(line, sizeof line, "%-32s %11s %13s %10s %11s %10s %12s\n", "SEQUENCE (machines ended)",
                  "MACHINES/s", "REDUCTIONS/s", "COMMs/s", "REQUESTS/s", "MACHINES", "REDUCTIONS");
    f += line;
    for (const machine::Progress::Sequence& s : now.sequences) {
        const machine::Progress::Sequence* prev = nullptr;
        if (before != nullptr)
            for (const machine::Progress::Sequence& b : before->sequences)
                if (b.where == s.where)
                    prev = &b;
        const machine::Progress::Sequence zero{};
        const machine::Progress::Sequence& p = prev != nullptr ? *prev : zero;
        std::snprintf(
            line, sizeof line, "%-32s %11s %13s %10s %11s %10s %12s\n", clippedFront(s.where, 32).c_str(),
            humanNumber(rate(s.machines, p.machines)).c_str(), humanNumber(rate(s.steps, p.steps)).c_str(),
            humanNumber(rate(s.comms, p.comms)).c_str(), humanNumber(rate(s.requests, p.requests)).c_str(),
            humanNumber(static_cast<double>(s.machines)).c_str(), humanNumber(static_cast<double>(s.steps)).c_str());
        f += line;
    }
    if (now.sequences.empty())
        f += "  (no machine has ended yet)\n";
    std::snprintf(line, sizeof line, "\n%-48s %14s %17s\n", "CHANNEL (longest queues)", "SENDS WAITING",
                  "RECEIVES WAITING");
    f += line;
    for (const machine::Progress::Channel& c : now.channels) {
        std::snprintf(line, sizeof line, "%-48s %14s %17s\n", clipped(c.name, 48).c_str(),
                      humanNumber(static_cast<double>(c.sends)).c_str(),
                      humanNumber(static_cast<double>(c.receives)).c_str());
        f += line;
    }
    if (now.channels.empty())
        f += "  (nothing waits in the space)\n";
    return f;
}

void TopView::update(const machine::Progress& p) {
    std::lock_guard lock(mu_);
    lastFrame_ = frame(title_, p, haveLast_ ? &last_ : nullptr);
    last_ = p;
    haveLast_ = true;
    if (terminal_) {
        if (!started_)
            std::fputs(kAltScreen, out_);
        std::fputs(kHomeClear, out_);
    } else if (started_) {
        std::fputc('\n', out_);
    }
    started_ = true;
    std::fputs(lastFrame_.c_str(), out_);
    std::fflush(out_);
}

void TopView::finish() {
    std::lock_guard lock(mu_);
    if (terminal_ && started_) {
        std::fputs(kMainScreen, out_);
        std::fputs(lastFrame_.c_str(), out_); // the last frame stays in view
        std::fputc('\n', out_);
    }
    started_ = false;
    std::fflush(out_);
    for (const std::unique_ptr<Held>& h : held_) { // kept open: a later run of the same command writes on
        std::fflush(h->stream);
        std::fwrite(h->data + h->written, 1, h->size - h->written, h->target);
        std::fflush(h->target);
        h->written = h->size;
    }
}

std::FILE* TopView::holdOutput(std::FILE* target) {
    if (!terminal_ || isatty(fileno(target)) == 0)
        return target;
    auto h = std::make_unique<Held>(Held{nullptr, target, nullptr, 0, 0});
    h->stream = open_memstream(&h->data, &h->size);
    if (h->stream == nullptr)
        return target;
    std::FILE* f = h->stream;
    held_.push_back(std::move(h));
    return f;
}

} // namespace rho::cli
