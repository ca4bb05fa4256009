// File: front_door.cpp
// The command line's front door (see front_door.h).

#include "front_door.h"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <vector>

#include "rho/base/edit_distance.h"
#include "rho/bytecode/rbc.h"
#include "rho/rspace/history.h"

namespace rho::cli {

namespace {

// The candidate nearest to [word] within a third of its length (at least 2 edits), or
// a candidate [word] begins (a cut-off name); empty when none is near.
std::string nearest(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    size_t bestDistance = std::max<size_t>(2, word.size() / 3) + 1;
    for (const std::string& c : candidates) {
        const size_t d = editDistance(word, c);
        if (d < bestDistance || (best.empty() && word.size() >= 3 && c.starts_with(word))) {
            best = c;
            bestDistance = std::min(d, bestDistance);
        }
    }
    return best;
}

std::vector<std::string> commandNames(const CLI::App& app) {
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
        names.push_back(sub->get_name());
    return names;
}

} // namespace

std::string versionText() {
    return std::string("rhovm ") + RHOVM_VERSION + " (bytecode version " +
           std::to_string(rho::bytecode::kBytecodeVersion) + ", store format " +
           std::to_string(rho::rspace::kHistoryFormatVersion) + ")";
}

// What comes before CLI11's parse: `rhovm` alone (the help, exit 2), `rhovm help
// [COMMAND]` (exit 0), `rhovm version`, and a first word that is no command (with the
// nearest command as a suggestion, exit 2). nullopt: let CLI11 parse.
std::optional<int> frontDoor(CLI::App& app, int argc, char** argv) {
    if (argc < 2) {
        std::fputs(app.help().c_str(), stderr);
        return 2;
    }
    const std::string_view first = argv[1];
    if (first == "version") {
        std::printf("%s\n", versionText().c_str());
        return 0;
    }
    if (first == "help") {
        if (argc > 2) {
            for (CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
                if (sub->get_name() == argv[2]) {
                    std::fputs(sub->help().c_str(), stdout);
                    return 0;
                }
            std::fprintf(stderr, "rhovm: '%s' is not a command\n", argv[2]);
            return 2;
        }
        std::fputs(app.help().c_str(), stdout);
        return 0;
    }
    if (first.starts_with("-"))
        return std::nullopt;
    const std::vector<std::string> names = commandNames(app);
    if (std::find(names.begin(), names.end(), first) != names.end())
        return std::nullopt;
    std::string suggestion = nearest(first, names);
    std::fprintf(stderr, "rhovm: '%s' is not a command.%s\n", argv[1],
                 suggestion.empty() ? "" : (" Did you mean '" + suggestion + "'?").c_str());
    std::string all;
    for (const std::string& n : names)
        all += (all.empty() ? "" : ", ") + n;
    std::fprintf(stderr, "The commands are: %s (rhovm help COMMAND for one).\n", all.c_str());
    return 2;
}

// After a failed parse: for each --word of the command line that is no option of the
// command given, the nearest option's name.
void suggestOption(CLI::App& app, int argc, char** argv) {
    if (argc < 2)
        return;
    const CLI::App* command = nullptr;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
        if (sub->get_name() == argv[1])
            command = sub;
    if (command == nullptr)
        return;
    std::vector<std::string> options;
    for (const CLI::Option* opt : app.get_options()) // the ones every command takes (--color)
        for (const std::string& name : opt->get_lnames())
            options.push_back("--" + name);
    for (const CLI::Option* opt : command->get_options())
        for (const std::string& name : opt->get_lnames())
            options.push_back("--" + name);
    for (int i = 2; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (!arg.starts_with("--"))
            continue;
        arg = arg.substr(0, arg.find('='));
        if (std::find(options.begin(), options.end(), arg) != options.end())
            continue;
        std::string suggestion = nearest(arg, options);
        std::fprintf(stderr, "rhovm %s: unknown option %.*s%s\n", argv[1], static_cast<int>(arg.size()), arg.data(),
                     suggestion.empty() ? "" : ("; did you mean " + suggestion + "?").c_str());
    }
}

} // namespace rho::cli
