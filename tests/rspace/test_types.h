// File: test_types.h
// A small Types/Matcher pair for the rspace tests: channels are strings, data are
// vectors of ints, a pattern is a vector of optional<int> (nullopt is a wildcard that
// binds the value; a number must be equal), continuations are int ids (negative ids
// are non-durable), Bindings are the wildcard values in order. CollidingTypes maps
// every channel to one key, to drive the collision paths. Also helpers to dump a
// space to canonical text and to make temporary directories.
#pragma once

#include "rho/rspace/rspace.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <sstream>
#include <stdlib.h>
#include <string>
#include <string_view>
#include <vector>

namespace rho::rspace::test {

inline constexpr std::optional<int> kAny = std::nullopt;

// A Comm's data or bindings (inline vectors) as a std::vector, for comparisons.
template <class Seq>
auto vec(const Seq& s) {
    return std::vector<typename Seq::value_type>(s.begin(), s.end());
}

struct TestTypes {
    using Channel = std::string;
    using Datum = std::vector<int>;
    using Pattern = std::vector<std::optional<int>>;
    using Continuation = int;
    using Bindings = std::vector<int>;

    static ChannelKey key(const Channel& c) { return channelKey(c); }
    static bool sameChannel(const Channel& a, const Channel& b) { return a == b; }
    static bool isDurable(const Continuation& k) { return k >= 0; }

    static void putU32(std::string& out, uint32_t v) {
        for (int i = 0; i < 4; ++i) {
            out.push_back(static_cast<char>(static_cast<uint8_t>(v >> (8 * i))));
        }
    }
    static bool getU32(std::string_view& in, uint32_t& v) {
        if (in.size() < 4) {
            return false;
        }
        v = 0;
        for (size_t i = 4; i-- > 0;) {
            v = (v << 8) | static_cast<uint8_t>(in[i]);
        }
        in.remove_prefix(4);
        return true;
    }
    static void putInt(std::string& out, int v) { putU32(out, static_cast<uint32_t>(v)); }
    static bool getInt(std::string_view& in, int& v) {
        uint32_t u = 0;
        if (!getU32(in, u)) {
            return false;
        }
        v = static_cast<int>(u);
        return true;
    }

    static void encode(const std::string& s, std::string& out) {
        putU32(out, static_cast<uint32_t>(s.size()));
        out += s;
    }
    static void encode(const Datum& d, std::string& out) {
        putU32(out, static_cast<uint32_t>(d.size()));
        for (int v : d) {
            putInt(out, v);
        }
    }
    static void encode(const Pattern& p, std::string& out) {
        putU32(out, static_cast<uint32_t>(p.size()));
        for (const auto& v : p) {
            out.push_back(v ? '\1' : '\0');
            putInt(out, v.value_or(0));
        }
    }
    static void encode(const int& k, std::string& out) { putInt(out, k); }

    static bool decode(std::string_view& in, std::string& s) {
        uint32_t n = 0;
        if (!getU32(in, n) || in.size() < n) {
            return false;
        }
        s.assign(in.substr(0, n));
        in.remove_prefix(n);
        return true;
    }
    static bool decode(std::string_view& in, Datum& d) {
        uint32_t n = 0;
        if (!getU32(in, n) || in.size() < size_t{n} * 4) {
            return false;
        }
        d.resize(n);
        for (int& v : d) {
            getInt(in, v);
        }
        return true;
    }
    static bool decode(std::string_view& in, Pattern& p) {
        uint32_t n = 0;
        if (!getU32(in, n) || in.size() < size_t{n} * 5) {
            return false;
        }
        p.resize(n);
        for (auto& v : p) {
            bool some = in[0] != '\0';
            in.remove_prefix(1);
            int x = 0;
            getInt(in, x);
            v = some ? std::optional<int>(x) : std::nullopt;
        }
        return true;
    }
    static bool decode(std::string_view& in, int& k) { return getInt(in, k); }
};

// Every channel has the same key: each lookup walks the collision chain.
struct CollidingTypes : TestTypes {
    static ChannelKey key(const Channel&) { return ChannelKey{42, 7}; }
};

struct TestMatcher {
    bool match(const TestTypes::Pattern& p, const TestTypes::Continuation&, const TestTypes::Datum& d,
               TestTypes::Bindings& out) const {
        return match(p, d, out);
    }
    bool match(const TestTypes::Pattern& p, const TestTypes::Datum& d, TestTypes::Bindings& out) const {
        if (p.size() != d.size()) {
            return false;
        }
        for (size_t i = 0; i < p.size(); ++i) {
            if (!p[i]) {
                out.push_back(d[i]);
            } else if (*p[i] != d[i]) {
                return false;
            }
        }
        return true;
    }
};

using TestSpace = Space<TestTypes, TestMatcher>;
using CollidingSpace = Space<CollidingTypes, TestMatcher>;

// consume on one channel.
template <class S>
auto consume1(S& space, const std::string& ch, TestTypes::Pattern pat, int k, bool persistent = false,
              bool peek = false) {
    std::string chs[] = {ch};
    TestTypes::Pattern pats[] = {std::move(pat)};
    return space.consume(chs, pats, k, persistent, peek);
}

// consume on several channels with one pattern each.
template <class S>
auto consumeN(S& space, const std::vector<std::string>& chs, const std::vector<TestTypes::Pattern>& pats,
              int k, bool persistent = false, bool peek = false) {
    return space.consume(std::span<const std::string>(chs), std::span<const TestTypes::Pattern>(pats), k,
                         persistent, peek);
}

// prefix followed by the number [n]: "ch" + 12 -> "ch12".
template <class N>
std::string named(const char* prefix, N n) {
    std::string s = prefix;
    s += std::to_string(n);
    return s;
}

// Appends only (here and in named()): GCC 12 at -O3 warns falsely (-Wrestrict) on
// `const char* + std::string`.
inline std::string str(const std::vector<int>& d) {
    std::string s = "(";
    for (size_t i = 0; i < d.size(); ++i) {
        if (i != 0) {
            s += ',';
        }
        s += std::to_string(d[i]);
    }
    s += ')';
    return s;
}

inline std::string str(const TestTypes::Pattern& p) {
    std::string s = "(";
    for (size_t i = 0; i < p.size(); ++i) {
        if (i != 0) {
            s += ',';
        }
        s += p[i] ? std::to_string(*p[i]) : std::string("_");
    }
    s += ')';
    return s;
}

// inspect() as canonical text, one line per channel, in inspect's (key) order.
template <class S>
std::string dump(const S& space) {
    std::ostringstream out;
    for (const auto& view : space.inspect()) {
        out << view.channel << ":";
        for (const auto& [d, persistent] : view.data) {
            out << " " << str(d) << (persistent ? "!!" : "");
        }
        for (const auto& w : view.continuations) {
            out << " k" << w.continuation << "[";
            for (size_t i = 0; i < w.channels.size(); ++i) {
                out << (i ? " " : "") << w.channels[i] << str(w.patterns[i]);
            }
            out << "]" << (w.persistent ? "<=" : "") << (w.peek ? "<<" : "");
        }
        out << "\n";
    }
    return out.str();
}

// A fresh directory under $TMPDIR, removed with everything in it at scope exit.
class TempDir {
  public:
    TempDir() {
        const char* base = getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/rspace-test-XXXXXX";
        if (mkdtemp(tmpl.data()) != nullptr) {
            path_ = tmpl;
        }
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

} // namespace rho::rspace::test
