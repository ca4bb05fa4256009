// File: repl.cpp
// The REPL session (repl.h): reads entries with a LineReader, compiles each and runs it
// with Runtime::run in one space; the dot commands; Ctrl-C through a SignalHook (at the
// prompt it drops the entry being typed, during a run it stops that run).

#include "repl.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

#include "front_door.h"
#include "line_reader.h"
#include "program_input.h"
#include "repl_entry.h"
#include "signals.h"
#include "rho/bytecode/disassembler.h"
#include "rho/machine/runtime.h"

namespace rho::cli {

namespace {

constexpr const char* kHelp =
    "Type Rholang: an entry runs when its brackets close, in the same space as the entries\n"
    "before it (a contract stays for later entries). Ctrl-C drops the entry being typed, or\n"
    "stops the one running; Ctrl-D or .quit ends the session.\n"
    "  .help            this text\n"
    "  .load FILE       run a program file (.rho or .rbc) in the space\n"
    "  .space [TEXT]    what the space holds (only channels whose name contains TEXT)\n"
    "  .dis [PROGRAM]   the bytecode of PROGRAM, or of the last entry\n"
    "  .reset           an empty space; with --data-dir, the space of the last checkpoint\n"
    "  .checkpoint      write the space to the --data-dir (also done when the session ends)\n"
    "  .quit            end the session\n";

std::string trim(std::string_view s) {
    const size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos)
        return {};
    const size_t e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

class Session {
  public:
    explicit Session(const ReplOptions& options) : options_(options), reader_(options.historyFile) {}

    int run() {
        if (int status = open(); status != 0)
            return status;
        SignalHook hook([this](int sig) { return onSignal(sig); });
        if (reader_.interactive())
            banner();
        std::string pending, line;
        for (;;) {
            const LineReader::Result r = reader_.read(pending.empty() ? "rho> " : "...> ", line);
            if (r == LineReader::Result::kInterrupted) {
                pending.clear();
                continue;
            }
            if (r == LineReader::Result::kEnd) {
                if (!trim(pending).empty())
                    entry(pending);
                break;
            }
            if (pending.empty()) {
                const std::string command = trim(line);
                if (command.empty())
                    continue;
                if (command[0] == '.') {
                    reader_.remember(command);
                    if (!dotCommand(command))
                        break;
                    continue;
                }
            }
            pending += line;
            pending += '\n';
            if (!entryIsComplete(pending))
                continue;
            pending.pop_back();
            reader_.remember(pending);
            entry(pending);
            pending.clear();
        }
        if (reader_.interactive())
            std::fputs("\n", stdout);
        return finish();
    }

  private:
    bool durable() const { return !options_.runtime.dataDir.empty(); }

    // Opens (or reopens) the space. Returns 0, or the exit status after saying why not.
    int open() {
        rt_.reset(); // a durable space is reopened only after the old one is closed
        machine::RuntimeOptions o = options_.runtime;
        o.checkpointAfterRun = false;
        auto rt = machine::Runtime::open(o);
        if (!rt.ok()) {
            std::fprintf(stderr, "rhovm: %s\n", std::string(rt.status().message()).c_str());
            return rt.status().code() == absl::StatusCode::kUnavailable ? 4 : 2;
        }
        rt_ = std::move(rt).value();
        dirty_ = false;
        return 0;
    }

    void banner() {
        std::printf("%s: Rholang REPL. An entry runs when its brackets close; .help lists the commands.\n",
                    versionText().c_str());
        if (durable()) {
            machine::Runtime::SpaceListing l = rt_->listing();
            std::printf("The space: %s (%zu channels), written at .checkpoint and when the session ends.\n",
                        options_.runtime.dataDir.c_str(), l.channels.size());
        } else {
            std::printf("The space: in memory (start with --data-dir DIR to keep it).\n");
        }
        std::fflush(stdout);
    }

    // The watcher thread: SIGINT stops the run in progress (a second one ends the
    // process, for a run that does not stop), or drops the line being typed.
    bool onSignal(int sig) {
        if (sig != SIGINT)
            return false;
        std::lock_guard lock(mu_);
        if (running_) {
            if (interruptedRun_)
                return false;
            interruptedRun_ = true;
            rt_->requestStop(machine::StopReason::kInterrupt);
            return true;
        }
        if (!reader_.interactive())
            return false;
        reader_.interrupt();
        return true;
    }

    void entry(const std::string& text) {
        ++entries_;
        int status = 0;
        std::optional<bytecode::Program> program = loadText(text, "<repl:" + std::to_string(entries_) + ">", status);
        if (!program)
            return;
        runProgram(*program);
        last_ = std::move(program);
    }

    void runProgram(const bytecode::Program& program) {
        {
            std::lock_guard lock(mu_);
            running_ = true;
            interruptedRun_ = false;
        }
        absl::StatusOr<machine::RunStats> result = rt_->run(program);
        {
            std::lock_guard lock(mu_);
            running_ = false;
        }
        dirty_ = true;
        if (!result.ok()) {
            std::fprintf(stderr, "rhovm: %s\n", std::string(result.status().message()).c_str());
            return;
        }
        if (result->outputErrno != 0) {
            std::fprintf(stderr, "rhovm: cannot write the output: %s\n", std::strerror(result->outputErrno));
            std::clearerr(stdout);
        }
        if (result->stopReason == machine::StopReason::kInterrupt)
            std::fprintf(stderr, "%srhovm: interrupted: the entry's processes were stopped; the space keeps the "
                                 "COMMs that completed\n",
                         reader_.interactive() ? "\n" : ""); // after the terminal's ^C
    }

    // False: end the session.
    bool dotCommand(const std::string& text) {
        const size_t space = text.find_first_of(" \t");
        const std::string name = text.substr(0, space);
        const std::string arg = space == std::string::npos ? "" : trim(text.substr(space));
        if (name == ".quit" || name == ".exit")
            return false;
        if (name == ".help") {
            std::fputs(kHelp, stdout);
        } else if (name == ".load") {
            if (arg.empty()) {
                std::fprintf(stderr, ".load needs a file: .load FILE\n");
            } else {
                int status = 0;
                if (std::optional<bytecode::Program> p = load(arg, status))
                    runProgram(*p);
            }
        } else if (name == ".space") {
            machine::ListingOptions listing;
            listing.channel = arg;
            listing.source = true;
            const std::string shown = rt_->inspect(listing);
            std::fputs(shown.empty() ? (arg.empty() ? "The space is empty.\n" : "No channel matches.\n") : shown.c_str(),
                       stdout);
        } else if (name == ".dis") {
            disassembly(arg);
        } else if (name == ".reset") {
            if (open() != 0)
                return false; // the space is gone: nothing to go on with
            std::printf(durable() ? "Back to the last checkpoint of %s.\n" : "The space is empty.\n",
                        options_.runtime.dataDir.c_str());
        } else if (name == ".checkpoint") {
            if (!durable())
                std::fprintf(stderr, "No data directory: the space lives in memory (start the REPL with --data-dir "
                                     "DIR to keep it).\n");
            else if (checkpoint())
                std::printf("Checkpointed to %s.\n", options_.runtime.dataDir.c_str());
        } else {
            std::fprintf(stderr, "Unknown command %s (.help lists the commands).\n", name.c_str());
        }
        std::fflush(stdout);
        return true;
    }

    void disassembly(const std::string& programText) {
        std::string listing;
        if (!programText.empty()) {
            int status = 0;
            std::optional<bytecode::Program> p = loadText(programText, "<.dis>", status);
            if (!p)
                return;
            listing = bytecode::disassemble(*p->main);
        } else if (last_) {
            listing = bytecode::disassemble(*last_->main);
        } else {
            std::fprintf(stderr, "No entry has run yet: .dis PROGRAM shows the bytecode of PROGRAM.\n");
            return;
        }
        std::fwrite(listing.data(), 1, listing.size(), stdout);
    }

    bool checkpoint() {
        absl::Status s = rt_->checkpoint();
        if (!s.ok()) {
            std::fprintf(stderr, "rhovm: the checkpoint failed: %s\n", std::string(s.message()).c_str());
            return false;
        }
        dirty_ = false;
        return true;
    }

    int finish() {
        if (durable() && dirty_) {
            if (!checkpoint())
                return 2;
            if (reader_.interactive())
                std::printf("Checkpointed to %s.\n", options_.runtime.dataDir.c_str());
        }
        return 0;
    }

    ReplOptions options_;
    LineReader reader_;
    std::unique_ptr<machine::Runtime> rt_;
    std::optional<bytecode::Program> last_;
    unsigned entries_ = 0;
    bool dirty_ = false; // entries run since the last checkpoint
    std::mutex mu_;      // running_ and interruptedRun_, between the session and the watcher
    bool running_ = false;
    bool interruptedRun_ = false;
};

} // namespace

std::string defaultHistoryFile() {
    if (const char* file = std::getenv("RHOVM_HISTORY"))
        return file;
    const char* home = std::getenv("HOME");
    return home != nullptr && *home != '\0' ? std::string(home) + "/.rhovm_history" : std::string();
}

int runRepl(const ReplOptions& options) {
    Session session(options);
    return session.run();
}

} // namespace rho::cli
