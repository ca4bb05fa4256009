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

    // The message as shown beside its position: the reference's wording names the
    // position again (" at 2:6"), which is dropped where it is this diagnostic's own.
    [[nodiscard]] std::string shownMessage() const;
};

// Colours of a rendered diagnostic (ANSI escapes), or none.
enum class Color : uint8_t { kNever, kAlways };

// `file:line:col: error: message`, then the source line and a caret under the column
// when [source] has that line (a program compiled from .rbc has no source: the first
// line only). [message] is shown as given.
std::string renderDiagnostic(std::string_view fileName, SourcePos pos, std::string_view message,
                             std::string_view source, Color color = Color::kNever);

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
    [[nodiscard]] std::string render(std::string_view fileName, std::string_view source,
                                     Color color = Color::kNever) const;

  private:
    std::vector<Diagnostic> items_;
};

inline std::string Diagnostic::shownMessage() const {
    if (pos.line == 0)
        return message;
    const std::string own = " at " + std::to_string(pos.line) + ":" + std::to_string(pos.col);
    std::string out = message;
    for (size_t at = out.find(own); at != std::string::npos; at = out.find(own, at)) {
        const size_t after = at + own.size();
        if (after == out.size() || out[after] == '.' || out[after] == ' ' || out[after] == ',')
            out.erase(at, own.size());
        else
            at = after;
    }
    return out;
}

inline std::string renderDiagnostic(std::string_view fileName, SourcePos pos, std::string_view message,
                                    std::string_view source, Color color) {
    const bool c = color == Color::kAlways;
    const char* bold = c ? "\033[1m" : "";
    const char* red = c ? "\033[1;31m" : "";
    const char* green = c ? "\033[1;32m" : "";
    const char* reset = c ? "\033[0m" : "";
    std::string out = std::string(bold) + std::string(fileName) + ":" + std::to_string(pos.line) + ":" +
                      std::to_string(pos.col) + ":" + reset + " " + red + "error:" + reset + " " + bold +
                      std::string(message) + reset + "\n";
    // Find the source line.
    size_t start = 0;
    for (uint32_t l = 1; l < pos.line && start != std::string_view::npos; ++l) {
        start = source.find('\n', start);
        if (start != std::string_view::npos)
            ++start;
    }
    if (pos.line == 0 || start == std::string_view::npos || start > source.size())
        return out;
    size_t end = source.find('\n', start);
    std::string_view line = source.substr(start, end == std::string_view::npos ? source.size() - start : end - start);
    // A very long line is shown as a window around the column.
    constexpr size_t kWindow = 100;
    size_t col = pos.col == 0 ? 0 : pos.col - 1;
    size_t from = 0;
    std::string prefix = "  ";
    if (line.size() > 2 * kWindow && col > kWindow) {
        from = col - kWindow / 2;
        prefix = "  ...";
    }
    std::string_view shown = line.substr(std::min(from, line.size()), kWindow);
    out += prefix + std::string(shown) + (from + kWindow < line.size() ? "..." : "") + "\n";
    out += std::string(prefix.size(), ' ');
    for (size_t i = from; i < col && i < line.size() && i - from < kWindow; ++i)
        out += line[i] == '\t' ? '\t' : ' ';
    out += std::string(green) + "^" + reset + "\n";
    return out;
}

inline std::string Diagnostics::render(std::string_view fileName, std::string_view source, Color color) const {
    std::string out;
    for (const Diagnostic& d : items_)
        out += renderDiagnostic(fileName, d.pos, d.shownMessage(), source, color);
    return out;
}

} // namespace rho
