// File: line_reader.cpp
// LineReader (line_reader.h) on libedit's native interface: el_gets with our own
// character reader, which polls stdin and a wake-up pipe so that an interrupt ends the
// read, and decodes the input as multibyte text in the locale (UTF-8).

#include "line_reader.h"

#include <cerrno>
#include <clocale>
#include <cstdio>
#include <cwchar>
#include <fcntl.h>
#include <histedit.h>
#include <iostream>
#include <poll.h>
#include <unistd.h>

namespace rho::cli {

struct LineReader::Editor {
    EditLine* el = nullptr;
    History* history = nullptr;
    std::string prompt;
    int wake = -1;
    bool interrupted = false;
    std::mbstate_t state{};

    ~Editor() {
        if (el != nullptr)
            el_end(el);
        if (history != nullptr)
            history_end(history);
    }

    static char* promptOf(EditLine* el) {
        void* data = nullptr;
        el_get(el, EL_CLIENTDATA, &data);
        return static_cast<Editor*>(data)->prompt.data();
    }

    // libedit's character source: 1 with a character, 0 at the end (or when woken).
    static int readChar(EditLine* el, wchar_t* out) {
        void* data = nullptr;
        el_get(el, EL_CLIENTDATA, &data);
        auto& self = *static_cast<Editor*>(data);
        for (;;) {
            pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {self.wake, POLLIN, 0}};
            if (poll(fds, 2, -1) < 0) {
                if (errno == EINTR)
                    continue;
                return -1;
            }
            if (fds[1].revents & POLLIN) {
                char drain[64];
                while (::read(self.wake, drain, sizeof drain) > 0) {
                }
                self.interrupted = true;
                return 0;
            }
            char byte = 0;
            ssize_t n = ::read(STDIN_FILENO, &byte, 1);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return n == 0 ? 0 : -1;
            wchar_t wc = 0;
            size_t used = std::mbrtowc(&wc, &byte, 1, &self.state);
            if (used == static_cast<size_t>(-2))
                continue; // the middle of a multibyte character
            if (used == static_cast<size_t>(-1)) { // not text in this locale: pass the byte
                self.state = {};
                wc = static_cast<unsigned char>(byte);
            }
            *out = wc;
            return 1;
        }
    }
};

LineReader::LineReader(std::string historyFile) : historyFile_(std::move(historyFile)) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
        wakeRead_ = fds[0];
        wakeWrite_ = fds[1];
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO) || wakeRead_ < 0)
        return;
    // Multibyte input and output in the user's locale; UTF-8 when the locale is plain C.
    const char* locale = std::setlocale(LC_CTYPE, "");
    if (locale == nullptr || std::string_view(locale) == "C" || std::string_view(locale) == "POSIX")
        std::setlocale(LC_CTYPE, "C.UTF-8");
    auto e = std::make_unique<Editor>();
    e->wake = wakeRead_;
    e->el = el_init("rhovm", stdin, stdout, stderr);
    e->history = history_init();
    if (e->el == nullptr || e->history == nullptr)
        return; // no editor: plain lines
    HistEvent ev;
    history(e->history, &ev, H_SETSIZE, 1000);
    history(e->history, &ev, H_SETUNIQUE, 1);
    if (!historyFile_.empty())
        history(e->history, &ev, H_LOAD, historyFile_.c_str()); // none yet: fine
    el_set(e->el, EL_CLIENTDATA, e.get());
    el_set(e->el, EL_EDITOR, "emacs");
    el_set(e->el, EL_PROMPT, &Editor::promptOf);
    el_set(e->el, EL_HIST, history, e->history);
    el_set(e->el, EL_GETCFN, &Editor::readChar);
    el_source(e->el, nullptr); // the user's ~/.editrc, if any
    editor_ = std::move(e);
}

LineReader::~LineReader() {
    editor_.reset();
    for (int fd : {wakeRead_, wakeWrite_})
        if (fd >= 0)
            close(fd);
}

LineReader::Result LineReader::read(const std::string& prompt, std::string& line) {
    line.clear();
    if (editor_ == nullptr) {
        if (!std::getline(std::cin, line))
            return Result::kEnd;
        return Result::kLine;
    }
    Editor& e = *editor_;
    e.prompt = prompt;
    e.interrupted = false;
    int count = 0;
    // The terminal in libedit's raw mode before the prompt shows: el_gets switches only
    // when it reads the first key, and a Ctrl-D typed between the prompt and that switch
    // would reach it as a NUL byte (the canonical-mode EOF converted), not as Ctrl-D.
    el_set(e.el, EL_PREP_TERM, 1);
    const char* text = el_gets(e.el, &count);
    if (e.interrupted) {
        el_reset(e.el);
        std::fputs("^C\n", stdout);
        std::fflush(stdout);
        return Result::kInterrupted;
    }
    if (text == nullptr || count <= 0)
        return Result::kEnd;
    line.assign(text, static_cast<size_t>(count));
    if (!line.empty() && line.back() == '\n')
        line.pop_back();
    return Result::kLine;
}

void LineReader::remember(const std::string& entry) {
    if (editor_ == nullptr)
        return;
    HistEvent ev;
    history(editor_->history, &ev, H_ENTER, entry.c_str());
    if (!historyFile_.empty())
        history(editor_->history, &ev, H_SAVE, historyFile_.c_str());
}

void LineReader::interrupt() {
    if (wakeWrite_ >= 0) {
        const char byte = 1;
        [[maybe_unused]] ssize_t n = ::write(wakeWrite_, &byte, 1);
    }
}

} // namespace rho::cli
