// File: line_reader.h
// The REPL's input: on a terminal, libedit (line editing, a history kept in a file);
// otherwise plain lines from stdin with no prompt, so `rhovm repl < session.txt` runs
// a script of entries. interrupt() (any thread: the signal watcher) makes a read in
// progress return kInterrupted at once (Ctrl-C drops the line being typed).
#pragma once

#include <memory>
#include <string>

namespace rho::cli {

class LineReader {
  public:
    enum class Result { kLine, kInterrupted, kEnd };

    // [historyFile]: where the history is loaded from and saved to ("": none kept).
    // Interactive only when stdin and stdout are terminals.
    explicit LineReader(std::string historyFile);
    ~LineReader();
    LineReader(const LineReader&) = delete;
    LineReader& operator=(const LineReader&) = delete;

    [[nodiscard]] bool interactive() const { return editor_ != nullptr; }
    // One line, without its newline, into [line]. kEnd at the end of the input (Ctrl-D
    // on an empty line).
    Result read(const std::string& prompt, std::string& line);
    // Adds [entry] (possibly several lines) to the history and saves the history file.
    void remember(const std::string& entry);
    void interrupt();

  private:
    struct Editor;
    std::unique_ptr<Editor> editor_;
    std::string historyFile_;
    int wakeRead_ = -1; // a pipe: interrupt() writes, read() polls it beside stdin
    int wakeWrite_ = -1;
};

} // namespace rho::cli
