// File: replay_main.cpp
// A plain main() for the fuzz targets (no libFuzzer): feeds files through
// LLVMFuzzerTestOneInput, so the committed corpus and the conformance programs run
// as ordinary ctest tests with any compiler (STYLE.md §8). A finding aborts or
// crashes the process, which fails the test; otherwise it prints a count, exit 0.
//
//   parser_replay [--suffix=.rho] PATH...
//
// A PATH that is a file is always replayed; a directory contributes every regular
// file below it (sorted, recursively) whose name ends in the current --suffix
// (empty by default: every file). --suffix applies to the paths after it.
// A missing PATH is an error (exit 2): CMake passes only folders that exist.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

bool readFile(const fs::path& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return !in.bad();
}

bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Appends the files [path] stands for; false when it does not exist.
bool collect(const fs::path& path, std::string_view suffix, std::vector<fs::path>& files) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) {
        files.push_back(path);
        return true;
    }
    if (!fs::is_directory(path, ec))
        return false;
    std::vector<fs::path> found;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(path, ec)) {
        if (entry.is_regular_file(ec) && endsWith(entry.path().filename().string(), suffix))
            found.push_back(entry.path());
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
    return !ec;
}

} // namespace

int main(int argc, char** argv) {
    std::string suffix;
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg.starts_with("--suffix=")) {
            suffix = arg.substr(9);
            continue;
        }
        if (!collect(fs::path(arg), suffix, files)) {
            std::fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[i]);
            return 2;
        }
    }
    std::string bytes;
    for (const fs::path& file : files) {
        if (!readFile(file, bytes)) {
            std::fprintf(stderr, "%s: cannot read %s\n", argv[0], file.c_str());
            return 2;
        }
        // Named before it runs, so a crash or abort says which input it was.
        std::fprintf(stderr, "replay %s\n", file.c_str());
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    }
    std::printf("replayed %zu inputs\n", files.size());
    return 0;
}
