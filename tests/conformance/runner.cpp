// File: runner.cpp
// The conformance runner: runs one Rholang program with rhovm and checks it against
// NAME.expected (exact stdout, exit 0; `# unordered` sorts both sides) or NAME.error
// (non-zero exit; every requirement line matched, ignoring case, by one of its
// ` | `-separated alternatives in stdout + stderr). The format is the one of
// ../shared/conformance/README.md.
//
//   conformance_runner RHOVM PROGRAM.rho [extra rhovm run arguments...]
// Exit status: 0 pass, 1 fail (with the reason on stderr), 2 usage or I/O error.

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace {

bool readFile(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        out.push_back(line);
    return out;
}

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t\r");
    size_t e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Runs argv with stdout and stderr captured into files; returns the exit status.
int run(const std::vector<std::string>& args, std::string& out, std::string& err) {
    char dirTemplate[] = "/tmp/rhovm-conformance-XXXXXX";
    char* dir = mkdtemp(dirTemplate);
    if (!dir)
        return -1;
    std::string outPath = std::string(dir) + "/out", errPath = std::string(dir) + "/err";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char*> argv;
    for (const std::string& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    int status = -1;
    if (rc == 0 && waitpid(pid, &status, 0) == pid)
        status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    readFile(outPath, out);
    readFile(errPath, err);
    unlink(outPath.c_str());
    unlink(errPath.c_str());
    rmdir(dir);
    return status;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: conformance_runner RHOVM PROGRAM.rho [rhovm run args...]\n");
        return 2;
    }
    std::string program = argv[2];
    std::string stem = program.substr(0, program.size() - 4);
    std::vector<std::string> args = {argv[1], "run"};
    for (int i = 3; i < argc; ++i)
        args.push_back(argv[i]);
    args.push_back(program);
    std::string out, err, expected;
    int status = run(args, out, err);
    if (readFile(stem + ".expected", expected)) {
        bool unordered = expected.rfind("# unordered\n", 0) == 0;
        if (unordered) {
            expected = expected.substr(12);
            auto sortLines = [](const std::string& text) {
                std::vector<std::string> ls = lines(text);
                std::sort(ls.begin(), ls.end());
                std::string joined;
                for (const std::string& l : ls)
                    joined += l + "\n";
                return joined;
            };
            out = sortLines(out);
            expected = sortLines(expected);
        }
        if (status != 0) {
            std::fprintf(stderr, "FAIL: exit status %d (expected 0)\nstderr:\n%s", status, err.c_str());
            return 1;
        }
        if (out != expected) {
            std::fprintf(stderr, "FAIL: stdout differs\n--- expected\n%s--- actual\n%s--- stderr\n%s", expected.c_str(),
                         out.c_str(), err.c_str());
            return 1;
        }
        return 0;
    }
    std::string requirements;
    if (!readFile(stem + ".error", requirements)) {
        std::fprintf(stderr, "no %s.expected or %s.error\n", stem.c_str(), stem.c_str());
        return 2;
    }
    if (status == 0) {
        std::fprintf(stderr, "FAIL: exit status 0, expected an error\nstdout:\n%s\nstderr:\n%s", out.c_str(), err.c_str());
        return 1;
    }
    std::string all = lower(out + "\n" + err);
    for (const std::string& line : lines(requirements)) {
        std::string t = trim(line);
        if (t.empty() || t[0] == '#')
            continue;
        bool met = false;
        size_t start = 0;
        while (start <= t.size()) {
            size_t bar = t.find(" | ", start);
            std::string alt = trim(t.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
            if (!alt.empty() && all.find(lower(alt)) != std::string::npos)
                met = true;
            if (bar == std::string::npos)
                break;
            start = bar + 3;
        }
        if (!met) {
            std::fprintf(stderr, "FAIL: no alternative of \"%s\" in the output\nstdout:\n%s\nstderr:\n%s", t.c_str(),
                         out.c_str(), err.c_str());
            return 1;
        }
    }
    return 0;
}
