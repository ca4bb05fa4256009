// File: bench_command.cpp
// `rhovm bench` (bench_command.h).
#include "bench_command.h"

#include "bench_programs.h"
#include "human_number.h"
#include "nlohmann/json.hpp"
#include "program_input.h"
#include "rho/machine/runtime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <unistd.h>
#include <utility>

namespace rho::cli {

namespace {

struct Case {
    std::string name;   // join/4
    uint64_t items = 0; // what one run does, in `unit`
    std::string unit;   // joins, matches, msgs, ...
    std::string source;
    std::string expected; // text the program's output must contain
};

std::string str(uint64_t n) {
    return std::to_string(n);
}

// N-way joins: [rounds] rounds, each sending one message on each of N channels and
// taking them with one join.
Case joinCase(unsigned n, uint64_t rounds) {
    std::string channels, sends, binds;
    for (unsigned i = 0; i < n; ++i) {
        channels += ", c" + str(i);
        sends += "c" + str(i) + "!(k) | ";
        binds += (i == 0 ? "" : " & ") + std::string("@a") + str(i) + " <- c" + str(i);
    }
    std::string src = "new loop, out(`rho:io:stdout`)" + channels + " in {\n" +
                      "  contract loop(@k) = {\n    if (k == 0) { out!(\"bench done\") } else {\n      " +
                      sends + "for (" + binds + ") { loop!(k - 1) }\n    }\n  } |\n  loop!(" + str(rounds) +
                      ")\n}\n";
    return {"join/" + str(n), rounds, "joins", src, "bench done"};
}

// One message matched per round by the pattern [pattern], sent as [value].
Case matchCase(const std::string& name, const std::string& value, const std::string& pattern,
               uint64_t rounds) {
    std::string src = "new loop, ch, out(`rho:io:stdout`) in {\n"
                      "  contract loop(@k) = {\n    if (k == 0) { out!(\"bench done\") } else {\n      ch!(" +
                      value + ") |\n      for (@" + pattern +
                      " <- ch) { loop!(k - 1) }\n    }\n  } |\n  loop!(" + str(rounds) + ")\n}\n";
    return {name, rounds, "matches", src, "bench done"};
}

// A message nested [depth] lists deep, [0, [1, [... [x]]]]: every level a literal
// to compare and a list to descend into, a binder at the bottom.
Case deepCase(unsigned depth, uint64_t rounds) {
    std::string value, pattern;
    for (unsigned i = 0; i + 1 < depth; ++i) {
        value += "[" + str(i) + ", ";
        pattern += "[" + str(i) + ", ";
    }
    value += "[" + str(depth) + "]" + std::string(depth - 1, ']');
    pattern += "[x]" + std::string(depth - 1, ']');
    return matchCase("deep/" + str(depth), value, pattern, rounds);
}

// A list of [width] values matched by a pattern of as many elements, literals and
// binders alternating.
Case wideCase(unsigned width, uint64_t rounds) {
    std::string value = "[", pattern = "[";
    for (unsigned i = 0; i < width; ++i) {
        value += (i == 0 ? "" : ", ") + str(i);
        pattern += (i == 0 ? "" : ", ") + (i % 2 == 0 ? str(i) : "x" + str(i));
    }
    return matchCase("wide/" + str(width), value + "]", pattern + "]", rounds);
}

// [waiters] receives with distinct literal patterns waiting on one channel and as
// many sends, each matching one of them, for [rounds] rounds: a send (or a receive
// arriving after the data) tries the candidates until one matches.
Case waitersCase(unsigned waiters, uint64_t rounds) {
    std::string receives, sends;
    for (unsigned i = 0; i < waiters; ++i) {
        receives += "for (@" + str(i) + " <- ch) { got!(" + str(i) + ") } | ";
        sends += "ch!(" + str(waiters - 1 - i) + ") | ";
    }
    std::string src =
        "new round, out(`rho:io:stdout`) in {\n"
        "  contract round(@r) = {\n    if (r == 0) { out!(\"bench done\") } else {\n"
        "      new ch, got, collect in {\n        " +
        receives + "\n        " + sends +
        "\n        contract collect(@n) = { if (n == 0) { round!(r - 1) } else { for (_ <- got) { "
        "collect!(n - 1) } } } |\n        collect!(" +
        str(waiters) + ")\n      }\n    }\n  } |\n  round!(" + str(rounds) + ")\n}\n";
    return {"waiters/" + str(waiters), waiters * rounds, "COMMs", src, "bench done"};
}

std::string replaced(std::string text, const std::vector<std::pair<std::string, std::string>>& swaps) {
    for (const auto& [from, to] : swaps) {
        const size_t at = text.find(from);
        if (at != std::string::npos)
            text.replace(at, from.size(), to);
    }
    return text;
}

std::vector<Case> allCases(bool quick) {
    const uint64_t rounds = quick ? 500 : 50000;
    std::vector<Case> out;
    for (unsigned n : {1u, 2u, 4u, 8u, 16u})
        out.push_back(joinCase(n, rounds));
    for (unsigned d : {4u, 16u, 64u})
        out.push_back(deepCase(d, rounds));
    for (unsigned w : {4u, 16u, 64u})
        out.push_back(wideCase(w, rounds));
    for (unsigned w : {10u, 100u, 1000u})
        out.push_back(waitersCase(w, std::max<uint64_t>(1, (quick ? 2000 : 100000) / w)));
    namespace p = bench_programs;
    // Their full sizes are bench/compare.sh's; quick ones a hundredth.
    using Swaps = std::vector<std::pair<std::string, std::string>>;
    auto peer = [&](const char* name, const char* src, uint64_t items, uint64_t quickItems, const char* unit,
                    Swaps swaps, const char* expected, const char* quickExpected) {
        out.push_back({std::string("peer/") + name, quick ? quickItems : items, unit,
                       quick ? replaced(src, swaps) : std::string(src), quick ? quickExpected : expected});
    };
    peer("pingpong", p::kPingpong, 1000000, 10000, "msgs", Swaps{{"ping!(1000000)", "ping!(10000)"}},
         "pingpong done", "pingpong done");
    peer("ring", p::kRing, 1000000, 10000, "hops", Swaps{{"head!(1000000)", "head!(10000)"}}, "ring done",
         "ring done");
    peer("spawn", p::kSpawn, 1000000, 10000, "spawns",
         Swaps{{"spawner!(1000000)", "spawner!(10000)"}, {"collect!(1000000)", "collect!(10000)"}},
         "spawn done", "spawn done");
    peer("fanin", p::kFanin, 1000000, 10000, "msgs",
         Swaps{{"producer!(1000)", "producer!(10)"}, {"collect!(1000000)", "collect!(10000)"}}, "fanin done",
         "fanin done");
    // fib(n) with one process per call makes 2 fib(n + 1) - 1 calls: 242,785 for 25, 1,973 for 15.
    peer("pfib", p::kPfib, 242785, 1973, "procs", Swaps{{"fib!(25,", "fib!(15,"}}, "75025", "610");
    return out;
}

struct Sample {
    double seconds = 0;    // RunStats::seconds: the run, from the first machine to quiescence
    double cpuSeconds = 0; // the process's CPU time over run()
};

double cpuNow() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// One run of [program] on a fresh space; nullopt (after saying why) when it failed.
std::optional<Sample> runOnce(const Case& c, const bytecode::Program& program, unsigned threads) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::tmpfile(), &std::fclose);
    if (!out) {
        std::fprintf(stderr, "rhovm bench: cannot make a temporary file for the output\n");
        return std::nullopt;
    }
    machine::RuntimeOptions o;
    o.threads = threads;
    o.out = out.get();
    auto rt = machine::Runtime::open(o);
    if (!rt.ok()) {
        std::fprintf(stderr, "rhovm bench: %s\n", std::string(rt.status().message()).c_str());
        return std::nullopt;
    }
    const double cpu0 = cpuNow();
    auto stats = (*rt)->run(program);
    const double cpu = cpuNow() - cpu0;
    if (!stats.ok() || stats->errors != 0 || stats->stopReason != machine::StopReason::kNone) {
        std::fprintf(stderr, "rhovm bench: %s did not run to its end%s%s\n", c.name.c_str(),
                     stats.ok() ? "" : ": ", stats.ok() ? "" : std::string(stats.status().message()).c_str());
        return std::nullopt;
    }
    std::fflush(out.get());
    std::rewind(out.get());
    std::string text;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, out.get())) > 0;)
        text.append(buf, n);
    if (text.find(c.expected) == std::string::npos) {
        std::fprintf(stderr, "rhovm bench: %s printed %s, not %s\n", c.name.c_str(), text.c_str(),
                     c.expected.c_str());
        return std::nullopt;
    }
    return Sample{stats->seconds, cpu};
}

struct Result {
    const Case* c;
    unsigned threads;
    std::vector<Sample> samples;
    [[nodiscard]] double median() const {
        std::vector<double> s;
        for (const Sample& x : samples)
            s.push_back(x.seconds);
        std::sort(s.begin(), s.end());
        return s.size() % 2 == 1 ? s[s.size() / 2] : (s[s.size() / 2 - 1] + s[s.size() / 2]) / 2;
    }
    [[nodiscard]] double rate() const {
        const double m = median();
        return m > 0 ? static_cast<double>(c->items) / m : 0;
    }
};

std::string buildType() {
#ifdef NDEBUG
    return "release";
#else
    return "debug";
#endif
}

// Google Benchmark's JSON: a context, then per case and thread count each repetition
// (run_type "iteration") and the mean, median and stddev aggregates.
nlohmann::ordered_json toJson(const std::vector<Result>& results, unsigned repetitions) {
    nlohmann::ordered_json doc;
    char date[64];
    const std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&now));
    char host[256] = "";
    (void)gethostname(host, sizeof host - 1);
    double load[3] = {0, 0, 0};
    (void)getloadavg(load, 3);
    doc["context"] = {{"date", date},
                      {"host_name", host},
                      {"executable", "rhovm bench"},
                      {"num_cpus", std::thread::hardware_concurrency()},
                      {"mhz_per_cpu", 0},
                      {"cpu_scaling_enabled", false},
                      {"caches", nlohmann::ordered_json::array()},
                      {"load_avg", {load[0], load[1], load[2]}},
                      {"library_build_type", buildType()},
                      {"rhovm_version", RHOVM_VERSION}};
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    std::vector<std::string> families;
    for (const Result& r : results) {
        const std::string family = r.c->name.substr(0, r.c->name.find('/'));
        auto f = std::find(families.begin(), families.end(), family);
        const size_t familyIndex = static_cast<size_t>(f - families.begin());
        if (f == families.end())
            families.push_back(family);
        size_t instance = 0;
        for (const Result& before : results) {
            if (&before == &r)
                break;
            instance += before.c->name.substr(0, before.c->name.find('/')) == family ? 1 : 0;
        }
        const std::string name = r.c->name + "/threads:" + std::to_string(r.threads);
        auto entry = [&](const std::string& entryName, double seconds, double cpu) {
            nlohmann::ordered_json e;
            e["name"] = entryName;
            e["family_index"] = familyIndex;
            e["per_family_instance_index"] = instance;
            e["run_name"] = name;
            return std::make_tuple(e, seconds, cpu);
        };
        auto finish = [&](std::tuple<nlohmann::ordered_json, double, double> t, uint64_t iterations) {
            auto& [e, seconds, cpu] = t;
            e["threads"] = r.threads;
            e["iterations"] = iterations;
            e["real_time"] = seconds * 1e3;
            e["cpu_time"] = cpu * 1e3;
            e["time_unit"] = "ms";
            e["items_per_second"] = seconds > 0 ? static_cast<double>(r.c->items) / seconds : 0.0;
            e["label"] = r.c->unit;
            list.push_back(e);
        };
        for (size_t i = 0; i < r.samples.size(); ++i) {
            auto t = entry(name, r.samples[i].seconds, r.samples[i].cpuSeconds);
            auto& e = std::get<0>(t);
            e["run_type"] = "iteration";
            e["repetitions"] = repetitions;
            e["repetition_index"] = i;
            finish(std::move(t), 1);
        }
        double mean = 0, cpuMean = 0;
        for (const Sample& s : r.samples) {
            mean += s.seconds / static_cast<double>(r.samples.size());
            cpuMean += s.cpuSeconds / static_cast<double>(r.samples.size());
        }
        double var = 0;
        for (const Sample& s : r.samples)
            var += (s.seconds - mean) * (s.seconds - mean);
        const double stddev =
            r.samples.size() > 1 ? std::sqrt(var / static_cast<double>(r.samples.size() - 1)) : 0;
        std::vector<double> cpus;
        for (const Sample& s : r.samples)
            cpus.push_back(s.cpuSeconds);
        std::sort(cpus.begin(), cpus.end());
        for (auto [aggregate, seconds, cpu] :
             {std::tuple{"mean", mean, cpuMean}, std::tuple{"median", r.median(), cpus[cpus.size() / 2]},
              std::tuple{"stddev", stddev, 0.0}}) {
            auto t = entry(name + "_" + aggregate, seconds, cpu);
            auto& e = std::get<0>(t);
            e["run_type"] = "aggregate";
            e["repetitions"] = repetitions;
            e["aggregate_name"] = aggregate;
            e["aggregate_unit"] = "time";
            finish(std::move(t), r.samples.size());
            if (std::string(aggregate) == "stddev") // a spread of times: no rate of its own
                list.back().erase("items_per_second");
        }
    }
    doc["benchmarks"] = list;
    return doc;
}

// A bar chart of the median rates, a cluster per case, a bar per thread count.
bool drawPlot(const std::vector<Result>& results, const std::vector<unsigned>& threads,
              const std::string& png) {
    char dir[] = "/tmp/rhovm-bench-XXXXXX";
    if (::mkdtemp(dir) == nullptr) {
        std::fprintf(stderr, "rhovm bench: cannot make a temporary directory for the plot\n");
        return false;
    }
    const std::string data = std::string(dir) + "/rates.tsv", script = std::string(dir) + "/plot.gp";
    {
        std::ofstream d(data);
        for (size_t i = 0; i < results.size(); i += threads.size()) {
            d << results[i].c->name;
            for (size_t t = 0; t < threads.size() && i + t < results.size(); ++t)
                d << '\t' << results[i + t].rate();
            d << '\n';
        }
        // The range from the data: gnuplot's own is empty (and warns) for one rate.
        double lo = 0, hi = 0;
        for (const Result& r : results) {
            if (r.rate() > 0) {
                lo = lo == 0 ? r.rate() : std::min(lo, r.rate());
                hi = std::max(hi, r.rate());
            }
        }
        std::ofstream g(script);
        g << "set terminal pngcairo size 1200,560 font \"DejaVu Sans,10\"\n"
          << "set output \"" << png << "\"\n"
          << "set title \"rhovm bench: each case's rate, median of its runs (higher is better; log scale)\"\n"
          << "set datafile separator \"\\t\"\n"
          << "set style data histograms\nset style histogram clustered gap 1\n"
          << "set style fill solid 0.85 border -1\nset boxwidth 0.9\n"
          << "set logscale y\nset ylabel \"per second (joins, matches, COMMs, messages, processes)\"\n"
          << "set grid ytics\nset key top right\nset xtics rotate by -40 nomirror\n";
        if (hi > 0)
            g << "set yrange [" << lo / 2 << ":" << hi * 2 << "]\n";
        g << "plot ";
        for (size_t t = 0; t < threads.size(); ++t)
            g << (t == 0 ? "" : ", ") << "\"" << data << "\" using " << t + 2 << (t == 0 ? ":xtic(1)" : "")
              << " title \"" << threads[t] << (threads[t] == 1 ? " thread" : " threads") << "\"";
        g << "\n";
    }
    const std::string command = "gnuplot \"" + script + "\" 1>&2"; // its messages beside ours, off the table
    const int status = std::system(command.c_str());
    std::remove(data.c_str());
    std::remove(script.c_str());
    ::rmdir(dir);
    if (status != 0) {
        std::fprintf(stderr,
                     "rhovm bench: gnuplot failed (%s); it is installed by scripts/setup.sh "
                     "(apt-get install gnuplot-nox)\n",
                     WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "not found" : "see above");
        return false;
    }
    return true;
}

} // namespace

int runBench(const BenchOptions& options) {
    std::regex filter;
    try {
        filter = std::regex(options.filter.empty() ? std::string(".") : options.filter);
    } catch (const std::regex_error& e) {
        std::fprintf(stderr, "rhovm bench: --filter: not a regular expression: %s\n", e.what());
        return 2;
    }
    std::vector<Case> cases;
    for (Case& c : allCases(options.quick))
        if (std::regex_search(c.name, filter))
            cases.push_back(std::move(c));
    if (options.list) {
        for (const Case& c : cases)
            std::printf("%s\n", c.name.c_str());
        return 0;
    }
    if (cases.empty()) {
        std::fprintf(stderr, "rhovm bench: no case matches --filter '%s' (--list shows them)\n",
                     options.filter.c_str());
        return 2;
    }
    if (options.repetitions == 0 || options.threads.empty() ||
        std::any_of(options.threads.begin(), options.threads.end(), [](unsigned t) { return t == 0; })) {
        std::fprintf(stderr, "rhovm bench: --repetitions and --threads need numbers above 0\n");
        return 2;
    }
    std::printf(
        "rhovm bench: %zu cases, %u run%s each per thread count, the median shown (%s build, %u cores)\n",
        cases.size(), options.repetitions, options.repetitions == 1 ? "" : "s", buildType().c_str(),
        std::thread::hardware_concurrency());
    if (buildType() != "release")
        std::printf(
            "note: a debug build; for figures worth comparing build with -DCMAKE_BUILD_TYPE=Release\n");
    std::printf("%-16s %7s %10s %10s %14s\n", "case", "threads", "items", "seconds", "rate");
    std::fflush(stdout);
    std::vector<Result> results;
    int status = 0;
    for (const Case& c : cases) {
        int loadStatus = 0;
        std::optional<bytecode::Program> program = loadText(c.source, c.name + ".rho", loadStatus);
        if (!program)
            return 1; // a generated program that does not compile: loadText said why
        for (unsigned t : options.threads) {
            Result r{&c, t, {}};
            for (unsigned i = 0; i < options.repetitions; ++i) {
                std::optional<Sample> s = runOnce(c, *program, t);
                if (!s) {
                    status = 1;
                    break;
                }
                r.samples.push_back(*s);
            }
            if (r.samples.size() != options.repetitions)
                continue;
            std::printf("%-16s %7u %10llu %10.4f %10s %s/s\n", c.name.c_str(), t,
                        static_cast<unsigned long long>(c.items), r.median(), humanNumber(r.rate(), " ").c_str(),
                        c.unit.c_str());
            std::fflush(stdout);
            results.push_back(std::move(r));
        }
    }
    if (!options.json.empty()) {
        std::ofstream f(options.json);
        f << toJson(results, options.repetitions).dump(2) << '\n';
        if (!f) {
            std::fprintf(stderr, "rhovm bench: cannot write %s\n", options.json.c_str());
            return 2;
        }
    }
    if (!options.plot.empty()) {
        if (status != 0) {
            std::fprintf(stderr, "rhovm bench: no plot: a case failed\n");
            return status;
        }
        if (!drawPlot(results, options.threads, options.plot))
            return 2;
    }
    return status;
}

} // namespace rho::cli
