// File: top_view.h
// TopView: `rhovm run --top`, an etop-style view of a run in progress on stderr, once
// a second: the run's rates (reductions, COMMs), its live machines and parked
// continuations, the sequences that spend the most (by source position, from the
// resource map: machines, reductions, COMMs and primitive requests per second over
// the last second, and in all) and the channels with the longest queues (sends and
// receives waiting). On a terminal each frame replaces the last on the alternate
// screen, and the last frame stays on the normal screen after the run; the program's
// output and error messages are held back meanwhile (streams from holdOutput) and
// written when the run ends. Elsewhere (a file, a pipe) frames follow each other.
#pragma once

#include "rho/machine/options.h"

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rho::cli {

class TopView {
  public:
    // Draws on [out] (stderr); [title]: what runs (the program's name).
    TopView(std::FILE* out, std::string title);
    ~TopView();
    TopView(const TopView&) = delete;
    TopView& operator=(const TopView&) = delete;

    // A new sample (RuntimeOptions::onProgress with progressDetail). Any thread.
    void update(const machine::Progress& p);
    // The run ended: leaves the alternate screen with the last frame shown, then
    // writes what the program wrote meanwhile.
    void finish();

    // On a terminal: a stream that keeps what is written to it until finish() writes
    // it to [target]; elsewhere [target] itself.
    std::FILE* holdOutput(std::FILE* target);

    // A frame's text for [now] with rates since [before] (null: none yet). For tests.
    static std::string frame(const std::string& title, const machine::Progress& now,
                             const machine::Progress* before);

  private:
    std::FILE* out_;
    const std::string title_;
    const bool terminal_;
    std::mutex mu_;
    bool started_ = false;
    std::string lastFrame_;
    machine::Progress last_;
    bool haveLast_ = false;
    struct Held {
        std::FILE* stream;
        std::FILE* target;
        char* data;
        size_t size;
        size_t written; // of data, already passed to target
    };
    std::vector<std::unique_ptr<Held>> held_; // stable: open_memstream writes through its fields
};

} // namespace rho::cli
