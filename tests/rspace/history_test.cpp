// File: history_test.cpp
// The LMDB history: checkpoint + reopen reproduces the space, removals delete
// records, non-durable continuations are never written, the format version is
// checked, and LMDB errors arrive as Status (map full, corrupt records).
#include "test_types.h"
#include "absl/strings/str_cat.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

namespace rho::rspace::test {
namespace {

using V = std::vector<int>;

std::vector<std::string> sortedLines(const std::string& text) {
    std::vector<std::string> lines;
    size_t start = 0;
    for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
        lines.push_back(text.substr(start, nl - start));
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

size_t countRecords(const History& h, History::Db db) {
    size_t n = 0;
    absl::Status s = h.forEach(db, [&n](std::string_view, std::string_view) {
        ++n;
        return absl::OkStatus();
    });
    REQUIRE(s.ok());
    return n;
}

// The space [dir]'s store holds, opened and attached afresh, as dump() prints it.
std::string reopenedDump(const TempDir& dir, TestMatcher& m) {
    auto history = History::open(dir.path(), kDefaultMapSizeBytes);
    REQUIRE(history.ok());
    TestSpace space(m);
    REQUIRE(space.attach(**history).ok());
    return dump(space);
}

// Fill a space with a bit of everything: plain and persistent data, a waiting
// receive, a persistent peeking receive, a join, a non-durable continuation.
template <class S>
void populate(S& space) {
    REQUIRE_FALSE(space.produce("a", V{1, 2}, false));
    REQUIRE_FALSE(space.produce("a", V{3}, true));
    REQUIRE_FALSE(space.produce("b", V{4}, false));
    REQUIRE_FALSE(consume1(space, "c", {kAny}, 10));
    REQUIRE_FALSE(consume1(space, "a", {9, 9}, 11, /*persistent=*/true, /*peek=*/true));
    REQUIRE_FALSE(consumeN(space, {"b", "d"}, {{5}, {kAny}}, 12));
    REQUIRE_FALSE(consume1(space, "e", {kAny}, -1)); // non-durable
}

TEST_CASE("checkpoint then reopen reproduces the space", "[rspace][history]") {
    TempDir dir;
    TestMatcher m;
    std::string expected;
    {
        auto history = History::open(dir.path(), kDefaultMapSizeBytes);
        REQUIRE(history.ok());
        CHECK((*history)->formatVersion() == kHistoryFormatVersion);
        TestSpace space(m);
        REQUIRE(space.attach(**history).ok());
        populate(space);
        REQUIRE(space.checkpoint().ok());
        expected = dump(space);
        CHECK(countRecords(**history, History::Db::kData) == 2);  // a, b
        CHECK(countRecords(**history, History::Db::kConts) == 3); // 10, 11, 12 (not -1)
    }
    auto history = History::open(dir.path(), kDefaultMapSizeBytes);
    REQUIRE(history.ok());
    TestSpace space(m);
    REQUIRE(space.attach(**history).ok());
    // Everything but the non-durable continuation on "e" comes back, in the same order.
    const std::string eLine = "e: k-1[e(_)]\n";
    const size_t ePos = expected.find(eLine);
    REQUIRE(ePos != std::string::npos);
    expected.erase(ePos, eLine.size());
    CHECK(dump(space) == expected);

    // The reloaded space works: the join on b,d fires, and new ids follow the old ones.
    REQUIRE_FALSE(space.produce("b", V{5}, false));
    auto comm = space.produce("d", V{6}, false);
    REQUIRE(comm);
    CHECK(comm->continuation == 12);
    CHECK(vec(comm->data) == std::vector<V>{{5}, {6}});
    REQUIRE_FALSE(consume1(space, "c", {kAny}, 13)); // queued behind 10
    auto first = space.produce("c", V{0}, false);
    REQUIRE(first);
    CHECK(first->continuation == 10);
}

TEST_CASE("a checkpoint after removals deletes the records", "[rspace][history]") {
    TempDir dir;
    TestMatcher m;
    {
        auto history = History::open(dir.path(), kDefaultMapSizeBytes);
        REQUIRE(history.ok());
        TestSpace space(m);
        REQUIRE(space.attach(**history).ok());
        REQUIRE_FALSE(space.produce("a", V{1}, false));
        REQUIRE_FALSE(space.produce("a", V{2}, false));
        REQUIRE_FALSE(consume1(space, "b", {kAny}, 1));
        REQUIRE(space.checkpoint().ok());
        CHECK(countRecords(**history, History::Db::kData) == 1);
        CHECK(countRecords(**history, History::Db::kConts) == 1);

        REQUIRE(consume1(space, "a", {kAny}, 2)); // modifies a's record
        REQUIRE(space.checkpoint().ok());
        CHECK(countRecords(**history, History::Db::kData) == 1);

        REQUIRE(consume1(space, "a", {kAny}, 3)); // empties a
        REQUIRE(space.produce("b", V{0}, false)); // removes k1
        // Created and removed between checkpoints: never written, and no error.
        REQUIRE_FALSE(consume1(space, "t", {kAny}, 4));
        REQUIRE(space.produce("t", V{0}, false));
        REQUIRE(space.checkpoint().ok());
        CHECK(countRecords(**history, History::Db::kData) == 0);
        CHECK(countRecords(**history, History::Db::kConts) == 0);
        CHECK(space.checkpoint().ok()); // nothing pending: an empty transaction
    }
    CHECK(reopenedDump(dir, m).empty());
}

TEST_CASE("continuation slots reused between checkpoints are written correctly", "[rspace][history]") {
    TempDir dir;
    TestMatcher m;
    {
        auto history = History::open(dir.path(), kDefaultMapSizeBytes);
        REQUIRE(history.ok());
        TestSpace space(m);
        REQUIRE(space.attach(**history).ok());
        REQUIRE_FALSE(consume1(space, "a", {kAny}, 1));
        REQUIRE(space.checkpoint().ok());
        REQUIRE(space.produce("a", V{0}, false));       // k1 fired: its record must go
        REQUIRE_FALSE(consume1(space, "a", {kAny}, 2)); // takes k1's freed slot
        REQUIRE_FALSE(consume1(space, "b", {kAny}, 3));
        REQUIRE(space.produce("b", V{0}, false));       // k3 never written
        REQUIRE_FALSE(consume1(space, "b", {kAny}, 4)); // takes k3's slot
        REQUIRE(space.checkpoint().ok());
        CHECK(countRecords(**history, History::Db::kConts) == 2);
    }
    auto history = History::open(dir.path(), kDefaultMapSizeBytes);
    REQUIRE(history.ok());
    TestSpace space(m);
    REQUIRE(space.attach(**history).ok());
    CHECK(sortedLines(dump(space)) == std::vector<std::string>{"a: k2[a(_)]", "b: k4[b(_)]"});
}

TEST_CASE("a modified record is rewritten, not duplicated", "[rspace][history]") {
    TempDir dir;
    TestMatcher m;
    {
        auto history = History::open(dir.path(), kDefaultMapSizeBytes);
        REQUIRE(history.ok());
        TestSpace space(m);
        REQUIRE(space.attach(**history).ok());
        REQUIRE_FALSE(space.produce("a", V{1}, false));
        REQUIRE(space.checkpoint().ok());
        REQUIRE_FALSE(space.produce("a", V{2}, false));
        REQUIRE(consume1(space, "a", {kAny}, 0)); // takes (1)
        REQUIRE_FALSE(space.produce("a", V{3}, true));
        REQUIRE(space.checkpoint().ok());
    }
    CHECK(reopenedDump(dir, m) == "a: (2) (3)!!\n");
}

TEST_CASE("a channel dropped and made anew between checkpoints is written once", "[rspace][history]") {
    TempDir dir;
    TestMatcher m;
    {
        auto history = History::open(dir.path(), kDefaultMapSizeBytes);
        REQUIRE(history.ok());
        TestSpace space(m);
        REQUIRE(space.attach(**history).ok());
        REQUIRE_FALSE(space.produce("a", V{1}, false)); // "a" listed dirty
        REQUIRE(consume1(space, "a", {kAny}, 0));       // its entry dropped
        REQUIRE_FALSE(space.produce("a", V{2}, false)); // a new entry: "a" listed again
        REQUIRE_FALSE(space.produce("z", V{3}, false)); // a key past "a"'s, appended after it
        REQUIRE(space.checkpoint().ok());
        CHECK(countRecords(**history, History::Db::kData) == 2);
        // Dropped again and not remade: the record goes.
        REQUIRE(consume1(space, "a", {kAny}, 0));
        REQUIRE_FALSE(space.produce("a", V{4}, false));
        REQUIRE(consume1(space, "a", {kAny}, 0));
        REQUIRE(space.checkpoint().ok());
        CHECK(countRecords(**history, History::Db::kData) == 1);
    }
    CHECK(reopenedDump(dir, m) == "z: (3)\n");
}

TEST_CASE("non-durable continuations are never persisted", "[rspace][history]") {
    TempDir dir;
    TestMatcher m;
    {
        auto history = History::open(dir.path(), kDefaultMapSizeBytes);
        REQUIRE(history.ok());
        TestSpace space(m);
        REQUIRE(space.attach(**history).ok());
        REQUIRE_FALSE(consume1(space, "sys", {kAny}, -7, /*persistent=*/true));
        REQUIRE_FALSE(consumeN(space, {"x", "y"}, {{kAny}, {kAny}}, -8));
        REQUIRE(space.checkpoint().ok());
        CHECK(countRecords(**history, History::Db::kConts) == 0);
        CHECK(countRecords(**history, History::Db::kData) == 0);
        REQUIRE(space.produce("sys", V{1}, false));
    }
    CHECK(reopenedDump(dir, m).empty());
}

TEST_CASE("joins and collisions survive a reopen", "[rspace][history][collision]") {
    TempDir dir;
    TestMatcher m;
    std::string expected;
    {
        auto history = History::open(dir.path(), kDefaultMapSizeBytes);
        REQUIRE(history.ok());
        CollidingSpace space(m);
        REQUIRE(space.attach(**history).ok());
        REQUIRE_FALSE(space.produce("a", V{1}, false));
        REQUIRE_FALSE(space.produce("b", V{2}, true));
        REQUIRE_FALSE(space.produce("b", V{3}, false));
        REQUIRE_FALSE(consumeN(space, {"c", "a"}, {{kAny}, {7}}, 1));
        REQUIRE(space.checkpoint().ok());
        expected = dump(space);
        CHECK(countRecords(**history, History::Db::kData) == 1); // one key, two channels
    }
    auto history = History::open(dir.path(), kDefaultMapSizeBytes);
    REQUIRE(history.ok());
    CollidingSpace space(m);
    REQUIRE(space.attach(**history).ok());
    // The order of channels that share a key is not specified: compare as sets of lines.
    CHECK(sortedLines(dump(space)) == sortedLines(expected));
    REQUIRE_FALSE(space.produce("c", V{0}, false));
    auto comm = space.produce("a", V{7}, false);
    REQUIRE(comm);
    CHECK(vec(comm->data) == std::vector<V>{{0}, {7}});
}

TEST_CASE("an unknown format version is rejected", "[rspace][history]") {
    TempDir dir;
    {
        auto history = History::open(dir.path(), kDefaultMapSizeBytes);
        REQUIRE(history.ok());
        REQUIRE((*history)->setFormatVersionForTesting(99).ok());
    }
    auto history = History::open(dir.path(), kDefaultMapSizeBytes);
    REQUIRE_FALSE(history.ok());
    CHECK(history.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK_THAT(std::string(history.status().message()), Catch::Contains("unsupported format version 99"));
    CHECK_THAT(std::string(history.status().message()), Catch::Contains(absl::StrCat("this build reads version ", kHistoryFormatVersion)));
}

TEST_CASE("a store written in another payload encoding is refused, by name", "[rspace][history]") {
    TempDir dir;
    REQUIRE(History::open(dir.path(), kDefaultMapSizeBytes, "codec A").ok());
    REQUIRE(History::open(dir.path(), kDefaultMapSizeBytes, "codec A").ok()); // the same: opened
    auto other = History::open(dir.path(), kDefaultMapSizeBytes, "codec B");
    REQUIRE_FALSE(other.ok());
    CHECK(other.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK_THAT(std::string(other.status().message()), Catch::Contains("written by \"codec A\""));
    CHECK_THAT(std::string(other.status().message()), Catch::Contains("this build is \"codec B\""));
}

TEST_CASE("attach and checkpoint preconditions", "[rspace][history]") {
    TestMatcher m;
    TestSpace space(m);
    CHECK(space.checkpoint().code() == absl::StatusCode::kFailedPrecondition);
    auto history = History::openTemporary();
    REQUIRE(history.ok());
    SECTION("a non-empty space cannot attach") {
        REQUIRE_FALSE(space.produce("a", V{1}, false));
        CHECK(space.attach(**history).code() == absl::StatusCode::kFailedPrecondition);
        CHECK_FALSE(space.isAttached());
    }
    SECTION("attach twice") {
        REQUIRE(space.attach(**history).ok());
        CHECK(space.isAttached());
        CHECK(space.attach(**history).code() == absl::StatusCode::kFailedPrecondition);
    }
}

TEST_CASE("openTemporary removes its directory", "[rspace][history]") {
    std::string path;
    {
        auto history = History::openTemporary();
        REQUIRE(history.ok());
        path = (*history)->dir();
        CHECK(std::filesystem::is_directory(path));
        TestMatcher m;
        TestSpace space(m);
        REQUIRE(space.attach(**history).ok());
        REQUIRE_FALSE(space.produce("a", V{1}, false));
        REQUIRE(space.checkpoint().ok());
    }
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("a full map is ResourceExhausted and the changes stay pending", "[rspace][history]") {
    TempDir dir;
    auto history = History::open(dir.path(), 256 * 1024);
    REQUIRE(history.ok());
    TestMatcher m;
    TestSpace space(m);
    REQUIRE(space.attach(**history).ok());
    for (int i = 0; i < 4000; ++i) {
        REQUIRE_FALSE(space.produce(named("ch", i), V(64, i), false));
    }
    absl::Status s = space.checkpoint();
    REQUIRE(s.code() == absl::StatusCode::kResourceExhausted);
    CHECK_THAT(std::string(s.message()), Catch::Contains("MDB_MAP_FULL"));
    CHECK(countRecords(**history, History::Db::kData) == 0); // all or nothing
    // Drain most channels: the pending checkpoint now fits.
    const std::vector<std::optional<int>> any64(64, kAny);
    for (int i = 0; i < 3990; ++i) {
        REQUIRE(consume1(space, named("ch", i), any64, 0));
    }
    CHECK(space.checkpoint().ok());
    CHECK(countRecords(**history, History::Db::kData) == 10);
}

TEST_CASE("corrupt records are DataLoss and leave the space empty", "[rspace][history]") {
    auto history = History::openTemporary();
    REQUIRE(history.ok());
    std::vector<History::Put> puts;
    SECTION("data") {
        puts.push_back({History::Db::kData, channelKey("x").bytes(), "garbage"});
    }
    SECTION("data under the wrong key") {
        std::string value;
        TestTypes::putU32(value, 1);
        TestTypes::encode(std::string("y"), value);
        TestTypes::putU32(value, 1);
        value.append(8, '\1');
        value.push_back('\0');
        TestTypes::encode(V{1}, value);
        puts.push_back({History::Db::kData, channelKey("x").bytes(), value});
    }
    SECTION("continuation") {
        puts.push_back({History::Db::kConts, std::string(8, '\0'), "\x01"});
    }
    REQUIRE((*history)->commit(puts, {}).ok());
    TestMatcher m;
    TestSpace space(m);
    absl::Status s = space.attach(**history);
    CHECK(s.code() == absl::StatusCode::kDataLoss);
    CHECK_FALSE(space.isAttached());
    CHECK(space.channelEntryCount() == 0);
    CHECK(space.continuationCount() == 0);
}

} // namespace
} // namespace rho::rspace::test
