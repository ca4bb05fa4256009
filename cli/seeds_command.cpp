// File: seeds_command.cpp
// `rhovm run --seeds` (see seeds_command.h).

#include "seeds_command.h"

#include <charconv>
#include <cstdio>
#include <map>
#include <string>

#include "rho/machine/runtime.h"

namespace rho::cli {

std::optional<std::pair<uint64_t, uint64_t>> parseSeedRange(std::string_view text) {
    const size_t dots = text.find("..");
    if (dots == std::string_view::npos)
        return std::nullopt;
    uint64_t a = 0;
    uint64_t b = 0;
    const std::string_view x = text.substr(0, dots);
    const std::string_view y = text.substr(dots + 2);
    auto ra = std::from_chars(x.data(), x.data() + x.size(), a);
    auto rb = std::from_chars(y.data(), y.data() + y.size(), b);
    if (x.empty() || y.empty() || ra.ec != std::errc() || ra.ptr != x.data() + x.size() || rb.ec != std::errc() ||
        rb.ptr != y.data() + y.size() || a > b || b - a >= 100000)
        return std::nullopt;
    return std::pair{a, b};
}

int runSeeds(const bytecode::Program& program, const std::vector<bytecode::Program>& preloads,
             machine::RuntimeOptions options, uint64_t first, uint64_t last) {
    // Output (with the run-time errors, which are part of an outcome) -> the seeds that gave it.
    std::map<std::string, std::vector<uint64_t>> outcomes;
    for (uint64_t seed = first;; ++seed) {
        char* text = nullptr;
        size_t size = 0;
        std::FILE* out = open_memstream(&text, &size);
        if (out == nullptr) {
            std::fprintf(stderr, "rhovm: cannot capture the output\n");
            return 2;
        }
        options.seed = seed;
        options.out = out;
        options.err = out;
        bool started = true;
        {
            auto rt = machine::Runtime::open(options);
            if (!rt.ok()) {
                std::fprintf(stderr, "rhovm: %s\n", std::string(rt.status().message()).c_str());
                started = false;
            } else {
                for (const bytecode::Program& p : preloads)
                    started = started && (*rt)->run(p).ok();
                started = started && (*rt)->run(program).ok();
            }
        }
        std::fclose(out);
        std::string captured(text, size);
        std::free(text);
        if (!started)
            return 2;
        outcomes[captured].push_back(seed);
        if (seed == last)
            break;
    }
    std::printf("seeds %llu..%llu: %zu distinct output%s\n", static_cast<unsigned long long>(first),
                static_cast<unsigned long long>(last), outcomes.size(), outcomes.size() == 1 ? "" : "s");
    size_t n = 0;
    for (const auto& [text, seeds] : outcomes) {
        std::string list;
        for (size_t i = 0; i < seeds.size() && i < 20; ++i)
            list += (i == 0 ? "" : ", ") + std::to_string(seeds[i]);
        if (seeds.size() > 20)
            list += ", ...";
        std::printf("--- output %zu: %zu run%s (seeds %s)\n", ++n, seeds.size(), seeds.size() == 1 ? "" : "s",
                    list.c_str());
        if (text.empty())
            std::printf("(nothing)\n");
        else
            std::fwrite(text.data(), 1, text.size(), stdout);
    }
    return 0;
}

} // namespace rho::cli
