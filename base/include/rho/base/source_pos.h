// File: source_pos.h
// SourcePos (1-based line and column) and Diagnostics: the list of source errors a
// phase collects. Every phase reports every error it finds, not only the first.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rho {

struct SourcePos {
    uint32_t line = 0;
    uint32_t col = 0;
    friend bool operator==(const SourcePos&, const SourcePos&) = default;
};

struct Diagnostic {
    SourcePos pos;
    SourcePos end; // one past the last character; equal to pos when unknown
    std::string message;
};

class Diagnostics {
  public:
    void error(SourcePos pos, std::string message) { items_.push_back({pos, pos, std::move(message)}); }
    void error(SourcePos pos, SourcePos end, std::string message) {
        items_.push_back({pos, end, std::move(message)});
    }
    [[nodiscard]] bool empty() const { return items_.empty(); }
    [[nodiscard]] size_t size() const { return items_.size(); }
    [[nodiscard]] const std::vector<Diagnostic>& items() const { return items_; }
    void append(const Diagnostics& other) { items_.insert(items_.end(), other.items_.begin(), other.items_.end()); }

    // Renders every diagnostic as `file:line:col: error: message`, the source line and a caret.
    [[nodiscard]] std::string render(std::string_view fileName, std::string_view source) const;

  private:
    std::vector<Diagnostic> items_;
};

inline std::string Diagnostics::render(std::string_view fileName, std::string_view source) const {
    std::string out;
    for (const Diagnostic& d : items_) {
        out += std::string(fileName) + ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.col) +
               ": error: " + d.message + "\n";
        // Find the source line.
        size_t start = 0;
        for (uint32_t l = 1; l < d.pos.line && start != std::string_view::npos; ++l) {
            start = source.find('\n', start);
            if (start != std::string_view::npos)
                ++start;
        }
        if (d.pos.line == 0 || start == std::string_view::npos || start > source.size())
            continue;
        size_t end = source.find('\n', start);
        std::string_view line = source.substr(start, end == std::string_view::npos ? source.size() - start : end - start);
        // A very long line is shown as a window around the column.
        constexpr size_t kWindow = 100;
        size_t col = d.pos.col == 0 ? 0 : d.pos.col - 1;
        size_t from = 0;
        std::string prefix = "  ";
        if (line.size() > 2 * kWindow && col > kWindow) {
            from = col - kWindow / 2;
            prefix = "  ...";
        }
        std::string_view shown = line.substr(std::min(from, line.size()), kWindow);
        out += prefix + std::string(shown) + (from + kWindow < line.size() ? "..." : "") + "\n";
        out += std::string(prefix.size(), ' ');
        for (size_t c = from; c < col && c < line.size() && c - from < kWindow; ++c)
            out += line[c] == '\t' ? '\t' : ' ';
        out += "^\n";
    }
    return out;
}

} // namespace rho
