// File: main.cpp
// The rhovm command line: the one place that wires every module together.
//   rhovm run [--threads N] [--seed S] [--data-dir DIR] [--deployer-key HEX] [--block-number N]
//             [--block-sender HEX] [--preload FILE]... [--seeds A..B] [--checkpoint-every N|Ns]
//             [--print-storage | --unmatched-sends-only] [-q] [FILE]... [-e PROGRAM]...
//             (.rho, .rbc, or - for stdin; several run one after another in one space)
//   rhovm compile [--disasm] [-o OUT.rbc] FILE
//   rhovm check [--format text|json] FILE                     (check.h: compile, run nothing)
//   rhovm inspect DIR                                         (read-only: beside a running writer too)
//   rhovm verify DIR                                          (every record's checksum, the digest, decoding)
//   rhovm test [-v] FILE...                                   (test_command.h: RhoSpec test files)
//   rhovm repl [--data-dir DIR] [--history FILE]              (repl.h; also `rhovm` alone on a terminal)
// Exit status: 0 on success, 1 when the program has errors (compile-time or run-time)
// or verify found damage, 2 for usage errors and unreadable files or data directories,
// 3 when a limit stopped the run (--max-steps, --timeout, --max-memory, --phlo-limit), 4 when the
// data directory is in use by another run (without --wait) or the output cannot be
// written (a full disk, a closed pipe), 128 + N when signal N
// (SIGINT, SIGTERM) stopped it: the run stops at a safe point, checkpoints the space
// as it stands, flushes its output and exits.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string_view>
#include <tuple>

#include "bench_command.h"
#include "check.h"
#include "color.h"
#include "front_door.h"
#include "inspect_command.h"
#include "live_status.h"
#include "lsp_server.h"
#include "top_view.h"
#include "program_input.h"
#include "run_reports.h"
#include "repl.h"
#include "signals.h"
#include "seeds_command.h"
#include "test_command.h"
#include "rho/base/big_stack.h"
#include "rho/base/hex.h"
#include "rho/bytecode/disassembler.h"
#include "rho/bytecode/rbc.h"
#include "rho/compiler/compiler.h"
#include "rho/machine/runtime.h"

#include <csignal>
#include <unistd.h>

namespace {

using rho::cli::load;
using rho::cli::loadText;
using rho::cli::readInput;
using rho::cli::StopOnSignal;
using rho::base::fromHex;

// `run --stats`: the run's totals, then the sequences that used the most (the resource
// map's top consumers, by source position).
// --checkpoint-every: "N" COMMs, or "Ns" / "Nms" seconds; nullopt when malformed or 0.
struct CheckpointEvery {
    uint64_t comms = 0;
    double seconds = 0;
};
std::optional<CheckpointEvery> parseCheckpointEvery(const std::string& text) {
    CheckpointEvery every;
    size_t used = 0;
    try {
        if (text.size() > 2 && text.ends_with("ms")) {
            every.seconds = std::stod(text.substr(0, text.size() - 2), &used) / 1000;
            used += 2;
        } else if (text.size() > 1 && text.ends_with("s")) {
            every.seconds = std::stod(text.substr(0, text.size() - 1), &used);
            used += 1;
        } else if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
            every.comms = std::stoull(text, &used);
        }
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (used != text.size() || (every.comms == 0 && !(every.seconds > 0 && every.seconds < 1e9)))
        return std::nullopt;
    return every;
}

void printStats(const rho::machine::RunStats& s) {
    auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
    std::fprintf(stderr,
                 "seconds %.6f, steps %llu, machines %llu, comms %llu, primitive requests %llu, "
                 "private-channel comms %llu, late answers %llu, worker rests %llu, backlog yields %llu, held sends %llu, "
                 "leased data %llu, bytes allocated %llu\n",
                 s.seconds, u(s.steps), u(s.machines), u(s.comms), u(s.primitiveRequests), u(s.privateComms),
                 u(s.lateAnswers), u(s.rests), u(s.backlogYields), u(s.heldSends), u(s.leasedData),
                 u(s.bytesAllocated));
    if (s.checkpoints != 0)
        std::fprintf(stderr, "checkpoints during the run %llu\n", u(s.checkpoints));
    if (s.channelsLoaded != 0 || s.channelsEvicted != 0)
        std::fprintf(stderr, "channels read from the store %llu, dropped from memory after checkpoints %llu\n",
                     u(s.channelsLoaded), u(s.channelsEvicted));
    if (s.checkpointSeconds > 0)
        std::fprintf(stderr, "checkpoint at the end %.6f seconds\n", s.checkpointSeconds);
    if (s.top.empty())
        return;
    std::fprintf(stderr, "top sequences by reductions:\n  %-28s %10s %10s %10s %10s %12s\n", "source", "machines",
                 "steps", "comms", "requests", "bytes");
    for (const auto& c : s.top)
        std::fprintf(stderr, "  %-28s %10llu %10llu %10llu %10llu %12llu\n", c.where.c_str(), u(c.machines),
                     u(c.steps), u(c.comms), u(c.primitiveRequests), u(c.bytesAllocated));
}

// The whole command, run on a big stack (see main).
int runCommand(int argc, char** argv) {
    CLI::App app{"rhovm: a Rholang virtual machine on a tuplespace", "rhovm"};
    app.require_subcommand(1);
    app.set_version_flag("--version", rho::cli::versionText());
    std::string colorMode = "auto";
    app.add_option("--color", colorMode, "colour in error messages: auto (on a terminal, unless NO_COLOR is set), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    app.fallthrough(); // --color after the command's name too

    auto* run = app.add_subcommand("run", "compile (if needed) and run a program");
    std::vector<std::string> runFiles, evalTexts;
    std::string dataDir;
    unsigned threads = 0;
    std::optional<uint64_t> seed;
    bool stats = false;
    bool reportStuck = false;
    uint64_t maxSteps = 0;
    run->add_option("files", runFiles,
                    "programs: .rho source, .rbc bytecode, or - for stdin; several run one after another in "
                    "the same space");
    run->add_option("-e,--eval", evalTexts, "run this program text (after the files; repeatable)")
        ->allow_extra_args(false) // one program per -e: a file after it is a file
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    bool printStorage = false, unmatchedSendsOnly = false, quiet = false;
    run->add_flag("--print-storage", printStorage,
                  "after the run, print the storage contents (what rnode eval prints): every datum and waiting receive");
    run->add_flag("--unmatched-sends-only", unmatchedSendsOnly,
                  "after the run, print only the sends no receive matched");
    run->add_flag("-q,--quiet", quiet, "print nothing of rhovm's own on success (no storage contents, no statistics)");
    run->add_option("--threads", threads, "worker threads (default: the machine's cores)");
    run->add_option("--seed", seed, "deterministic schedule and unforgeable names (implies one thread)");
    run->add_option("--data-dir", dataDir, "keep the tuplespace in this LMDB directory between runs");
    bool waitForStore = false;
    run->add_flag("--wait", waitForStore,
                  "when another run writes the --data-dir, wait for it to finish (default: fail at once, exit 4)");
    uint64_t mapSize = 0;
    run->add_option("--map-size", mapSize,
                    "the most address space (and so disk) the --data-dir's LMDB map may grow to, e.g. 64G "
                    "(default: 1T; the map starts at 64M and doubles as it fills)")
        ->transform(CLI::AsSizeValue(false));
    std::string checkpointEvery;
    run->add_option("--checkpoint-every", checkpointEvery,
                    "with --data-dir, also checkpoint during the run: every N COMMs (e.g. 100000) or every "
                    "N seconds (e.g. 30s, 500ms)");
    run->add_flag("--stats", stats, "print run statistics to stderr");
    bool timeOnly = false;
    run->add_flag("--time", timeOnly,
                  "print the run's time to stderr (`seconds S`: from the first machine to quiescence, after "
                  "compilation and start-up), without the profiling that --stats adds");
    std::string progressMode = "auto";
    run->add_option("--progress", progressMode,
                    "a live status line on stderr once a run passes two seconds: auto (when stderr is a terminal, "
                    "unless -q), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    bool top = false;
    run->add_flag("--top", top,
                  "an etop-style view on stderr, once a second: the busiest sequences (by source position) and "
                  "the longest channel queues; the program's output follows the run on a terminal");
    run->add_flag("--report-stuck", reportStuck,
                  "after the run, list on stderr every send and receive left waiting, where it was made and why "
                  "nothing takes it");
    run->add_option("--max-steps", maxSteps, "stop the run after this many reductions (exit 3; default: no limit)");
    double timeout = 0;
    run->add_option("--timeout", timeout, "stop the run after this many seconds (exit 3; default: no limit)")
        ->check(CLI::NonNegativeNumber);
    uint64_t maxMemory = 0;
    run->add_option("--max-memory", maxMemory,
                    "stop the run before the process's memory exceeds this, e.g. 512M (exit 3; default: no limit)")
        ->transform(CLI::AsSizeValue(false));
    bool cost = false;
    run->add_flag("--cost", cost,
                  "print each program's phlogiston cost to stderr, as the reference charges a deploy "
                  "(parsing, evaluation, substitution, storage, COMM events)");
    uint64_t phloLimit = 0;
    run->add_option("--phlo-limit", phloLimit,
                    "stop every branch when the cost would exceed this many phlogistons: \"Computation ran out "
                    "of phlogistons.\" (exit 3; default: no limit)")
        ->check(CLI::PositiveNumber);
    rho::primitives::DeployData deploy;
    std::string deployerKeyHex, blockSenderHex;
    run->add_option("--deployer-key", deployerKeyHex,
                    "the deployer's public key, hex (rho:rchain:deployerId; default: the secp256k1 public key of "
                    "private key 1)");
    run->add_option("--block-number", deploy.blockNumber, "the block number rho:block:data answers (default: 0)");
    std::string seedRange;
    run->add_option("--seeds", seedRange,
                    "A..B: run once per seed in the range and report the distinct outputs with the seeds "
                    "that gave each (a race finder; replay one with --seed)");
    std::vector<std::string> preloadFiles;
    run->add_option("--preload", preloadFiles,
                    "deploy FILE into the same space first, as a node's genesis would (its contracts and "
                    "registrations are there for the program); repeat for several, in order")
        ->allow_extra_args(false) // one file per --preload: a file after it is a program to run
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    run->add_option("--block-sender", blockSenderHex,
                    "the block sender's public key, hex, that rho:block:data answers (default: 00)");

    auto* compile = app.add_subcommand("compile", "compile a program to bytecode");
    std::string compileFile, outFile;
    bool disasm = false;
    compile->add_option("file", compileFile, "program: .rho source, .rbc bytecode, or - for stdin")->required();
    compile->add_option("-o,--output", outFile, "write the .rbc bytecode file");
    compile->add_flag("--disasm", disasm, "print the bytecode listing, one sequence at a time");

    auto* inspect = app.add_subcommand("inspect", "print what a durable tuplespace holds");
    rho::cli::InspectArgs inspectArgs;
    inspect->add_option("dir", inspectArgs.dir, "the --data-dir of earlier runs")->required();
    inspect->add_option("--channel", inspectArgs.channel, "only channels whose printed name contains TEXT");
    inspect->add_flag("--unmatched-sends-only", inspectArgs.sendsOnly, "only the sends (no receives)");
    std::string inspectFormat = "text";
    inspect->add_option("--format", inspectFormat,
                        "text (one Rholang process: items joined by |, a summary comment) or json")
        ->check(CLI::IsMember({"text", "json"}));
    inspect->add_flag("--stat", inspectArgs.stat, "the store's LMDB figures (as mdb_stat) instead of its contents");

    auto* verify = app.add_subcommand("verify", "check a durable tuplespace for damage: every record, the digest");
    std::string verifyDir;
    verify->add_option("dir", verifyDir, "the --data-dir of earlier runs")->required();

    auto* check = app.add_subcommand("check", "parse and compile a program, run nothing, report every error");
    std::string checkFile, checkFormat = "text";
    check->add_option("file", checkFile, "program: .rho source, .rbc bytecode, or - for stdin")->required();
    check->add_option("--format", checkFormat, "text (as run prints errors, on stderr) or json (on stdout)")
        ->check(CLI::IsMember({"text", "json"}));

    auto* test = app.add_subcommand("test", "run RhoSpec test files (the reference's format) and summarise");
    std::vector<std::string> testFiles;
    bool testVerbose = false;
    test->add_option("files", testFiles, "RhoSpec test files (.rho)")->required();
    test->add_flag("-v,--verbose", testVerbose, "list every assertion, not only the failed ones");
    test->add_option("--threads", threads, "worker threads (default: the machine's cores)");
    test->add_option("--seed", seed, "deterministic schedule and unforgeable names (implies one thread)");
    std::string testDeployerKey;
    test->add_option("--deployer-key", testDeployerKey,
                     "the public key (hex) the test files run as (default: as for run)");

    auto* bench = app.add_subcommand("bench", "benchmark channel matching through the full Rholang path: joins, "
                                              "deep and wide patterns, waiting receives, the peer workloads");
    rho::cli::BenchOptions benchOptions;
    std::string benchThreads = "1";
    bench->add_option("--filter", benchOptions.filter, "only cases whose name matches this regular expression");
    bench->add_option("--threads", benchThreads, "worker threads, a comma-separated list (default 1): each case "
                                                 "runs once per entry");
    bench->add_option("--repetitions", benchOptions.repetitions, "runs per case and thread count (default 3); "
                                                                 "the median is shown");
    bench->add_flag("--quick", benchOptions.quick, "sizes about a hundredth of the default: a first look, or tests");
    bench->add_flag("--list", benchOptions.list, "list the cases and run nothing");
    bench->add_option("--json", benchOptions.json, "also write the results in Google Benchmark's JSON format");
    bench->add_option("--plot", benchOptions.plot, "also draw the rates as a bar chart in this PNG file (gnuplot)");

    auto* lsp = app.add_subcommand("lsp", "a Language Server Protocol server on stdin/stdout for editors: "
                                          "diagnostics, definition, references, hover, contracts");

    auto* repl = app.add_subcommand("repl", "type Rholang and run each entry in one space (rhovm alone on a terminal)");
    rho::cli::ReplOptions replOptions;
    std::string replHistory = rho::cli::defaultHistoryFile();
    bool replNoHistory = false;
    repl->add_option("--data-dir", replOptions.runtime.dataDir,
                     "work on this durable space (written at .checkpoint and when the session ends)");
    repl->add_flag("--wait", replOptions.runtime.waitForStore,
                   "when another run writes the --data-dir, wait for it to finish (default: fail at once, exit 4)");
    repl->add_option("--threads", replOptions.runtime.threads, "worker threads (default: the machine's cores)");
    repl->add_option("--seed", replOptions.runtime.seed,
                     "deterministic schedule and unforgeable names (implies one thread)");
    repl->add_option("--history", replHistory, "the history file (default: $RHOVM_HISTORY, else ~/.rhovm_history)");
    repl->add_flag("--no-history", replNoHistory, "keep no history");

    // `rhovm` alone on a terminal: the REPL.
    if (argc == 1 && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
        replOptions.historyFile = replHistory;
        rho::cli::diagnosticColor() = rho::cli::chooseColor("auto");
        replOptions.runtime.colorErrors = rho::cli::diagnosticColor() == rho::Color::kAlways;
        return rho::cli::runRepl(replOptions);
    }
    // Before CLI11: no command, `help`, `version`, a mistyped command.
    if (std::optional<int> early = rho::cli::frontDoor(app, argc, argv))
        return *early;
    // Not CLI11_PARSE: its exit statuses (104, 106, ...) would break the documented 2.
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() != 0)
            rho::cli::suggestOption(app, argc, argv);
        return app.exit(e) == 0 ? 0 : 2;
    }

    rho::cli::diagnosticColor() = rho::cli::chooseColor(colorMode);
    int status = 0;
    if (*run) {
        if (runFiles.empty() && evalTexts.empty()) {
            std::fprintf(stderr, "rhovm run: give a program: FILE... (- for stdin) or -e 'PROGRAM'\n");
            return 2;
        }
        // Every program is compiled before any runs: a compile error anywhere runs nothing.
        std::vector<rho::bytecode::Program> programs;
        for (const std::string& file : runFiles) {
            int fileStatus = 0;
            if (auto p = load(file, fileStatus))
                programs.push_back(std::move(*p));
            else
                status = std::max(status, fileStatus);
        }
        for (size_t i = 0; i < evalTexts.size(); ++i) {
            int textStatus = 0;
            if (auto p = loadText(evalTexts[i], evalTexts.size() == 1 ? "<-e>" : "<-e " + std::to_string(i + 1) + ">",
                                  textStatus))
                programs.push_back(std::move(*p));
            else
                status = std::max(status, textStatus);
        }
        if (status != 0)
            return status;
        if (quiet)
            stats = timeOnly = printStorage = unmatchedSendsOnly = false;
        for (auto [hex, field, flag] : {std::tuple{&deployerKeyHex, &deploy.deployerKey, "--deployer-key"},
                                        std::tuple{&blockSenderHex, &deploy.blockSender, "--block-sender"}}) {
            if (hex->empty())
                continue;
            std::optional<std::string> bytes = fromHex(*hex);
            if (!bytes || bytes->empty()) {
                std::fprintf(stderr, "rhovm: %s needs an even number of hex digits, not '%s'\n", flag, hex->c_str());
                return 2;
            }
            *field = std::move(*bytes);
        }
        rho::machine::RuntimeOptions o;
        o.deploy = deploy;
        o.threads = threads;
        o.seed = seed;
        o.dataDir = dataDir;
        o.waitForStore = waitForStore;
        if (mapSize != 0) {
            o.maxMapSizeBytes = mapSize;
            o.mapSizeBytes = std::min<size_t>(o.mapSizeBytes, mapSize);
        }
        if (!checkpointEvery.empty()) {
            auto every = parseCheckpointEvery(checkpointEvery);
            if (!every) {
                std::fprintf(stderr, "rhovm: --checkpoint-every takes a number of COMMs (100000) or of seconds "
                                     "(30s, 500ms), not '%s'\n", checkpointEvery.c_str());
                return 2;
            }
            if (dataDir.empty()) {
                std::fprintf(stderr, "rhovm: --checkpoint-every needs --data-dir (without it nothing is kept)\n");
                return 2;
            }
            o.checkpointEveryComms = every->comms;
            o.checkpointEverySeconds = every->seconds;
        }
        o.maxSteps = maxSteps;
        o.timeoutSeconds = timeout;
        o.maxMemoryBytes = maxMemory;
        o.meterPhlo = cost || phloLimit != 0;
        o.phloLimit = phloLimit;
        o.profile = stats;
        o.trackOrigins = reportStuck;
        o.colorErrors = rho::cli::diagnosticColor() == rho::Color::kAlways;
        // The live status line, and streams that erase it before the program's output
        // and error messages reach the terminal.
        std::optional<rho::cli::LiveStatus> liveStatus;
        std::optional<rho::cli::TopView> topView;
        if (top) {
            std::string title = programs.size() == 1 ? programs[0].main->sourceName
                                    ? *programs[0].main->sourceName : std::string("<program>")
                                                     : std::to_string(programs.size()) + " programs";
            topView.emplace(stderr, std::move(title));
            o.progressDetail = true;
            o.progressIntervalSeconds = 1.0;
            o.onProgress = [&topView](const rho::machine::Progress& p) { topView->update(p); };
            o.out = topView->holdOutput(stdout);
            o.err = topView->holdOutput(stderr);
        } else if (progressMode == "always" || (progressMode == "auto" && !quiet && isatty(STDERR_FILENO))) {
            liveStatus.emplace(STDERR_FILENO);
            o.onProgress = [&liveStatus](const rho::machine::Progress& p) { liveStatus->update(p); };
            if (isatty(STDOUT_FILENO))
                if (std::FILE* f = liveStatus->wrap(stdout))
                    o.out = f;
            if (std::FILE* f = liveStatus->wrap(stderr))
                o.err = f;
        }
        if (!seedRange.empty()) {
            auto range = rho::cli::parseSeedRange(seedRange);
            if (!range || seed || !dataDir.empty()) {
                std::fprintf(stderr, "rhovm: --seeds takes A..B (at most 100000 seeds), without --seed or "
                                     "--data-dir (each seed starts from the same empty space)\n");
                return 2;
            }
            std::vector<rho::bytecode::Program> preloads;
            for (const std::string& file : preloadFiles) {
                auto pre = load(file, status);
                if (!pre)
                    return status;
                preloads.push_back(std::move(*pre));
            }
            if (programs.size() != 1) {
                std::fprintf(stderr, "rhovm: --seeds runs one program\n");
                return 2;
            }
            return rho::cli::runSeeds(programs[0], preloads, o, range->first, range->second);
        }
        auto rt = rho::machine::Runtime::open(o);
        if (!rt.ok()) {
            std::fprintf(stderr, "rhovm: %s\n", std::string(rt.status().message()).c_str());
            return rt.status().code() == absl::StatusCode::kUnavailable ? 4 : 2;
        }
        StopOnSignal stopOnSignal(**rt);
        for (const std::string& file : preloadFiles) {
            auto pre = load(file, status);
            if (!pre)
                return status;
            auto r = (*rt)->run(*pre);
            if (!r.ok()) {
                std::fprintf(stderr, "rhovm: %s\n", std::string(r.status().message()).c_str());
                return 2;
            }
            if (r->errors) {
                std::fprintf(stderr, "rhovm: the preloaded %s had run-time errors\n", file.c_str());
                return 1;
            }
        }
        bool anyErrors = false;
        for (const rho::bytecode::Program& program : programs) {
            auto result = (*rt)->run(program);
            if (liveStatus)
                liveStatus->clear();
            if (topView)
                topView->finish();
            if (!result.ok()) {
                std::fprintf(stderr, "rhovm: %s\n", std::string(result.status().message()).c_str());
                return 2;
            }
            if (stats)
                printStats(*result);
            else if (timeOnly)
                std::fprintf(stderr, "seconds %.6f\n", result->seconds);
            if (reportStuck && (&program == &programs.back() || result->stopReason != rho::machine::StopReason::kNone))
                rho::cli::printStuckReport((*rt)->stuckReport(), stderr);
            if (cost && result->cost) {
                if (phloLimit != 0)
                    std::fprintf(stderr, "rhovm: cost: %llu of %llu phlogistons\n",
                                 static_cast<unsigned long long>(*result->cost),
                                 static_cast<unsigned long long>(phloLimit));
                else
                    std::fprintf(stderr, "rhovm: cost: %llu phlogistons\n",
                                 static_cast<unsigned long long>(*result->cost));
            }
            if (result->outputErrno != 0) {
                std::fprintf(stderr, "rhovm: cannot write the output: %s\n", std::strerror(result->outputErrno));
                std::clearerr(stdout); // said once
                return 4;
            }
            anyErrors = anyErrors || result->errors != 0;
            using rho::machine::StopReason;
            const char* kept = dataDir.empty() ? "" : "; the space was checkpointed as it stood";
            switch (result->stopReason) {
            case StopReason::kNone: break;
            case StopReason::kSteps:
                std::fprintf(stderr,
                             "rhovm: the step limit of %llu reductions (--max-steps) was reached; the run was stopped%s\n",
                             static_cast<unsigned long long>(maxSteps), kept);
                return 3;
            case StopReason::kTime:
                std::fprintf(stderr, "rhovm: the time limit of %g seconds (--timeout) was reached; the run was stopped%s\n",
                             timeout, kept);
                return 3;
            case StopReason::kMemory: {
                std::string most;
                for (const auto& c : result->memoryTop)
                    if (c.bytesAllocated != 0)
                        most += (most.empty() ? "; the processes that built the most: " : ", ") + c.where + " (" +
                                std::to_string(c.bytesAllocated) + " bytes in " + std::to_string(c.machines) +
                                (c.machines == 1 ? " process)" : " processes)");
                std::fprintf(stderr,
                             "rhovm: the memory limit of %llu bytes (--max-memory) was reached; the run was stopped%s%s\n",
                             static_cast<unsigned long long>(maxMemory), kept, most.c_str());
                return 3;
            }
            case StopReason::kPhlo:
                std::fprintf(stderr, "rhovm: Computation ran out of phlogistons. (--phlo-limit %llu)%s\n",
                             static_cast<unsigned long long>(phloLimit), kept);
                return 3;
            case StopReason::kStore: break; // run() returned the checkpoint's error instead
            case StopReason::kInterrupt: break; // the REPL's alone
            case StopReason::kSignal: {
                const int sig = rho::cli::lastSignal();
                std::fprintf(stderr, "rhovm: stopped by %s%s\n", sig == SIGINT ? "SIGINT" : "SIGTERM", kept);
                return 128 + sig;
            }
            }
        }
        // As rnode eval (RholangCLI) prints it after a program.
        if (printStorage || unmatchedSendsOnly) {
            std::string text = (*rt)->inspect({unmatchedSendsOnly, {}});
            if (text.empty())
                text = unmatchedSendsOnly ? "No unmatched sends.\n" : "The space is empty.\n";
            std::printf("\nStorage Contents:\n%s", text.c_str());
        }
        return anyErrors ? 1 : 0;
    }
    if (*repl) {
        replOptions.historyFile = replNoHistory ? std::string() : replHistory;
        replOptions.runtime.colorErrors = rho::cli::diagnosticColor() == rho::Color::kAlways;
        return rho::cli::runRepl(replOptions);
    }
    if (*lsp)
        return rho::cli::runLanguageServer(stdin, stdout);
    if (*bench) {
        benchOptions.threads.clear();
        for (std::string_view rest = benchThreads; !rest.empty();) {
            const size_t comma = rest.find(',');
            const std::string item(rest.substr(0, comma));
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
            char* end = nullptr;
            const unsigned long n = std::strtoul(item.c_str(), &end, 10);
            if (item.empty() || *end != '\0' || n == 0 || n > 1024) {
                std::fprintf(stderr, "rhovm: --threads takes numbers from 1 to 1024 separated by commas, not '%s'\n",
                             benchThreads.c_str());
                return 2;
            }
            benchOptions.threads.push_back(static_cast<unsigned>(n));
        }
        return rho::cli::runBench(benchOptions);
    }
    if (*test) {
        rho::machine::RuntimeOptions o;
        o.threads = threads;
        o.seed = seed;
        if (!testDeployerKey.empty()) {
            std::optional<std::string> key = fromHex(testDeployerKey);
            if (!key || key->empty()) {
                std::fprintf(stderr, "rhovm: --deployer-key needs an even number of hex digits, not '%s'\n",
                             testDeployerKey.c_str());
                return 2;
            }
            o.deploy.deployerKey = *key;
        }
        o.colorErrors = rho::cli::diagnosticColor() == rho::Color::kAlways;
        return rho::cli::runTests(testFiles, o, testVerbose);
    }
    if (*compile) {
        if (outFile.empty() && !disasm) {
            std::fprintf(stderr, "rhovm compile: nothing to do: give -o FILE.rbc to write the bytecode or --disasm "
                                 "to list it (rhovm check only checks a program)\n");
            return 2;
        }
        auto program = load(compileFile, status);
        if (!program)
            return status;
        if (disasm) {
            std::string listing = rho::bytecode::disassemble(*program->main);
            std::fwrite(listing.data(), 1, listing.size(), stdout);
        }
        if (!outFile.empty()) {
            std::string bytes = rho::bytecode::encodeProgram(*program);
            std::ofstream out(outFile, std::ios::binary);
            if (!out || !out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
                std::fprintf(stderr, "rhovm: cannot write %s\n", outFile.c_str());
                return 2;
            }
        }
        return 0;
    }
    if (*check) {
        std::string text;
        if (!readInput(checkFile, text)) {
            std::fprintf(stderr, "rhovm: cannot read %s\n", checkFile.c_str());
            return 2;
        }
        return rho::cli::check(checkFile == "-" ? "<stdin>" : checkFile, text,
                               checkFormat == "json" ? rho::cli::CheckFormat::kJson : rho::cli::CheckFormat::kText);
    }
    if (*verify) {
        rho::machine::RuntimeOptions o;
        o.dataDir = verifyDir;
        auto report = rho::machine::Runtime::verify(o);
        if (!report.ok()) {
            std::fprintf(stderr, "rhovm: %s\n", std::string(report.status().message()).c_str());
            return 2;
        }
        for (const std::string& p : report->problems)
            std::fprintf(stderr, "%s: damaged: %s\n", verifyDir.c_str(), p.c_str());
        std::printf("%s: %s: %llu channel records, %llu continuation records, %zu problems\n", verifyDir.c_str(),
                    report->problems.empty() ? "sound" : "DAMAGED",
                    static_cast<unsigned long long>(report->dataRecords),
                    static_cast<unsigned long long>(report->continuationRecords), report->problems.size());
        return report->problems.empty() ? 0 : 1;
    }
    if (*inspect) {
        inspectArgs.json = inspectFormat == "json";
        return rho::cli::runInspect(inspectArgs);
    }
    return 0;
}

} // namespace

// Every command runs on a thread with a big stack: compiling, decoding, checkpointing,
// inspecting and printing recurse once per nesting level of a program or a value, and
// programs may nest 100,000 deep (base/big_stack.h).
int main(int argc, char** argv) {
    rho::cli::watchSignals();
    // A closed pipe is a write error reported below, not a silent death by SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    int status = 0;
    auto command = [&] { status = runCommand(argc, argv); };
    if (!rho::runOnBigStack(command))
        command();
    // Output that could not be written (a full disk, a closed pipe) fails the command.
    errno = 0;
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        std::fprintf(stderr, "rhovm: cannot write the output: %s\n",
                     std::strerror(errno != 0 ? errno : EIO));
        return 4;
    }
    return status;
}
