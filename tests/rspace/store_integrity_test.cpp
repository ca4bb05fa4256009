// File: store_integrity_test.cpp
// The store defends itself (issue 9): one writer at a time, readers that never write,
// a foreign or truncated file refused before LMDB maps it, a changed record or a lost
// one reported (checksums, digest), a full map that grows. Damage is made the way a
// disk or another program would make it: by writing the file, or by LMDB itself
// behind History's back.
#include "test_types.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

#include <catch2/catch.hpp>
#include <lmdb.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif
#include <sys/stat.h>
#include <unistd.h>

namespace rho::rspace::test {
namespace {

using V = std::vector<int>;

History::Options writer(size_t map = kDefaultMapSizeBytes) {
    History::Options o;
    o.mapSizeBytes = map;
    o.payloadTag = "test payload";
    return o;
}

History::Options reader() {
    History::Options o = writer();
    o.readOnly = true;
    return o;
}

// A store holding channels "ch0".."ch{n-1}", each with one datum {i, 7777}.
void makeStore(const std::string& dir, int n) {
    auto h = History::open(dir, writer());
    REQUIRE(h.ok());
    TestMatcher m;
    TestSpace space(m);
    REQUIRE(space.attach(**h).ok());
    for (int i = 0; i < n; ++i)
        REQUIRE_FALSE(space.produce(named("ch", i), V{i, 7777}, false));
    REQUIRE(space.checkpoint().ok());
}

absl::Status load(const std::string& dir) {
    auto h = History::open(dir, reader());
    if (!h.ok())
        return h.status();
    TestMatcher m;
    TestSpace space(m);
    return space.attach(**h);
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void writeFile(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// LMDB directly, as another program (or a bug) would use the same file.
struct RawEnv {
    MDB_env* env = nullptr;
    explicit RawEnv(const std::string& dir) {
        REQUIRE(mdb_env_create(&env) == 0);
        mdb_env_set_maxdbs(env, 4);
        REQUIRE(mdb_env_open(env, dir.c_str(), 0, 0644) == 0);
    }
    ~RawEnv() { mdb_env_close(env); }
    RawEnv(const RawEnv&) = delete;
    RawEnv& operator=(const RawEnv&) = delete;
};

TEST_CASE("a second writer is refused, naming the first; readers are not", "[rspace][store]") {
    TempDir dir;
    auto first = History::open(dir.path(), writer());
    REQUIRE(first.ok());
    auto second = History::open(dir.path(), writer());
    REQUIRE(second.status().code() == absl::StatusCode::kUnavailable);
    CHECK_THAT(std::string(second.status().message()),
               Catch::Contains(absl::StrCat("pid ", getpid())) && Catch::Contains("--wait"));
    // A reader opens beside the writer (not in one process with LMDB's rule, so only
    // the lock is checked here: History::open of a reader takes no writer lock).
    first->reset();
    auto third = History::open(dir.path(), writer());
    CHECK(third.ok()); // the lock went with the first writer
}

TEST_CASE("a reader never creates or writes a store", "[rspace][store]") {
    TempDir dir;
    SECTION("no store: NotFound, and nothing made") {
        auto h = History::open(dir.path(), reader());
        CHECK(h.status().code() == absl::StatusCode::kNotFound);
        CHECK(std::filesystem::is_empty(dir.path()));
    }
    SECTION("an existing store is read, its file unchanged, on a read-only file") {
        makeStore(dir.path(), 3);
        const std::string before = readFile(dir.path() + "/data.mdb");
        chmod((dir.path() + "/data.mdb").c_str(), 0444);
        CHECK(load(dir.path()).ok());
        CHECK(readFile(dir.path() + "/data.mdb") == before);
        auto h = History::open(dir.path(), reader());
        REQUIRE(h.ok());
        CHECK((*h)->commit(std::vector<History::Put>{}, {}).code() == absl::StatusCode::kFailedPrecondition);
    }
}

TEST_CASE("a foreign LMDB store is refused and left as it was", "[rspace][store]") {
    TempDir dir;
    {
        RawEnv raw(dir.path());
        MDB_txn* txn = nullptr;
        REQUIRE(mdb_txn_begin(raw.env, nullptr, 0, &txn) == 0);
        MDB_dbi dbi = 0;
        REQUIRE(mdb_dbi_open(txn, nullptr, 0, &dbi) == 0);
        MDB_val k{3, const_cast<char*>("foo")};
        MDB_val v{3, const_cast<char*>("bar")};
        REQUIRE(mdb_put(txn, dbi, &k, &v, 0) == 0);
        REQUIRE(mdb_txn_commit(txn) == 0);
    }
    const std::string before = readFile(dir.path() + "/data.mdb");
    for (const History::Options& o : {writer(), reader()}) {
        auto h = History::open(dir.path(), o);
        REQUIRE(h.status().code() == absl::StatusCode::kFailedPrecondition);
        CHECK_THAT(std::string(h.status().message()), Catch::Contains("not a rhovm tuplespace"));
    }
    CHECK(readFile(dir.path() + "/data.mdb") == before);
}

TEST_CASE("a truncated or empty data file is DataLoss before LMDB maps it", "[rspace][store]") {
    TempDir dir;
    makeStore(dir.path(), 200);
    const std::string path = dir.path() + "/data.mdb";
    const std::string whole = readFile(path);
    REQUIRE(whole.size() > 4 * 4096);
    SECTION("to zero bytes") {
        writeFile(path, "");
        absl::Status s = load(dir.path());
        CHECK(s.code() == absl::StatusCode::kDataLoss);
        CHECK_THAT(std::string(s.message()), Catch::Contains("empty"));
        CHECK(History::open(dir.path(), writer()).status().code() == absl::StatusCode::kDataLoss);
    }
    SECTION("at every page boundary") {
        for (size_t size = 4096; size < whole.size(); size += 4096) {
            writeFile(path, whole.substr(0, size));
            absl::Status s = load(dir.path());
            INFO("truncated to " << size);
            CHECK(s.code() == absl::StatusCode::kDataLoss);
            CHECK_THAT(std::string(s.message()), Catch::Contains("truncated"));
        }
    }
    SECTION("not an LMDB file") {
        writeFile(path, std::string(3 * 4096, 'x'));
        CHECK_THAT(std::string(load(dir.path()).message()), Catch::Contains("not an LMDB file"));
    }
}

TEST_CASE("a changed record is reported by its key, never read back", "[rspace][store]") {
    TempDir dir;
    makeStore(dir.path(), 5);
    const std::string path = dir.path() + "/data.mdb";
    std::string bytes = readFile(path);
    // The datum {3, 7777} of "ch3": its two ints, little-endian, sit in the record.
    std::string needle;
    TestTypes::encode(V{3, 7777}, needle);
    size_t at = bytes.find(needle);
    REQUIRE(at != std::string::npos);
    REQUIRE(bytes.find(needle, at + 1) == std::string::npos);
    bytes[at + needle.size() - 1] ^= 0x01; // 7777 becomes another number
    writeFile(path, bytes);
    absl::Status s = load(dir.path());
    CHECK(s.code() == absl::StatusCode::kDataLoss);
    CHECK_THAT(std::string(s.message()),
               Catch::Contains(absl::StrCat("data record ", absl::BytesToHexString(channelKey(named("ch", 3)).bytes()))) &&
                   Catch::Contains("checksum"));
    auto h = History::open(dir.path(), reader());
    REQUIRE(h.ok());
    auto report = (*h)->verify();
    REQUIRE(report.ok());
    CHECK(report->dataRecords == 5);
    REQUIRE(report->problems.size() >= 1);
    CHECK_THAT(report->problems[0], Catch::Contains("checksum"));
}

TEST_CASE("a record lost or added behind the store's back breaks the digest", "[rspace][store]") {
    TempDir dir;
    makeStore(dir.path(), 5);
    bool lost = false;
    {
        RawEnv raw(dir.path());
        MDB_txn* txn = nullptr;
        REQUIRE(mdb_txn_begin(raw.env, nullptr, 0, &txn) == 0);
        MDB_dbi data = 0;
        REQUIRE(mdb_dbi_open(txn, "data", 0, &data) == 0);
        MDB_cursor* c = nullptr;
        REQUIRE(mdb_cursor_open(txn, data, &c) == 0);
        MDB_val k{};
        MDB_val v{};
        REQUIRE(mdb_cursor_get(c, &k, &v, MDB_FIRST) == 0);
        SECTION("lost") {
            lost = true;
            REQUIRE(mdb_cursor_del(c, 0) == 0);
        }
        SECTION("copied under another key") {
            std::string value(static_cast<char*>(v.mv_data), v.mv_size);
            std::string key(16, '\x7f');
            MDB_val k2{key.size(), key.data()};
            MDB_val v2{value.size(), value.data()};
            REQUIRE(mdb_put(txn, data, &k2, &v2, 0) == 0);
        }
        mdb_cursor_close(c);
        REQUIRE(mdb_txn_commit(txn) == 0);
    }
    absl::Status s = load(dir.path());
    CHECK(s.code() == absl::StatusCode::kDataLoss);
    // A lost record leaves the digest short; a copied one fails its checksum (seeded
    // with its key), or the digest if it passed.
    if (lost)
        CHECK_THAT(std::string(s.message()), Catch::Contains("4 records on disk where the store's digest says 5"));
    else
        CHECK_THAT(std::string(s.message()), Catch::Contains("digest") || Catch::Contains("checksum"));
}

// While alive, allocations are not reported as leaks (a faulted LMDB environment is
// abandoned on purpose); nothing without LeakSanitizer.
struct LeaksIgnored {
#if defined(__SANITIZE_ADDRESS__)
    LeaksIgnored() { __lsan_disable(); }
    ~LeaksIgnored() { __lsan_enable(); }
#else
    LeaksIgnored() = default;
#endif
    LeaksIgnored(const LeaksIgnored&) = delete;
    LeaksIgnored& operator=(const LeaksIgnored&) = delete;
};

// A page of garbage that no read touched (a lazy run reads only the channels it
// touches) was written through by LMDB's first commit: copied past its buffers, a heap
// corruption, found by the store harness. The first commit walks every page first.
TEST_CASE("a first commit over a damaged page refuses and leaves the file as it was", "[rspace][store]") {
    TempDir dir;
    makeStore(dir.path(), 2000);
    const std::string path = dir.path() + "/data.mdb";
    std::string bytes = readFile(path);
    // A leaf page of the data table (flags at offset 10: P_LEAF), found by a key it holds.
    const std::string key = channelKey(named("ch", 1000)).bytes();
    size_t page = std::string::npos;
    for (size_t at = bytes.find(key); at != std::string::npos; at = bytes.find(key, at + 1))
        if (const size_t p = at / 4096 * 4096; static_cast<uint8_t>(bytes[p + 10]) == 0x02)
            page = p;
    REQUIRE(page != std::string::npos);
    SECTION("a whole page of garbage") {
        std::mt19937_64 random(20261204);
        for (size_t i = page; i < page + 4096; ++i)
            bytes[i] = static_cast<char>(random());
    }
    SECTION("its node offsets past the page") {
        bytes[page + 12] = '\xff'; // mp_lower: 0x..ff, more nodes than the page holds
        bytes[page + 14] = '\x01'; // mp_upper
    }
    writeFile(path, bytes);
    {
        // The walk may fault on the garbage: the environment is then abandoned, never
        // closed (as History documents), and LeakSanitizer would report LMDB's buffers.
        [[maybe_unused]] LeaksIgnored abandoned;
        auto h = History::open(dir.path(), writer());
        REQUIRE(h.ok());
        const std::string newKey(32, '\x42');
        absl::Status s = (*h)->commit({{History::Db::kData, newKey, "a payload"}}, {});
        CHECK(s.code() == absl::StatusCode::kDataLoss);
        CHECK_THAT(std::string(s.message()), Catch::Contains("is damaged (data: ") &&
                                                 Catch::Contains("nothing was written over it"));
    }
    const bool unchanged = readFile(path) == bytes;
    CHECK(unchanged);
}

// A value kept on overflow pages: the header of its first page says how many pages a
// commit frees when it replaces the record; a damaged one (or one marked dirty) made
// LMDB free pages of other records, or free() a pointer into the map.
TEST_CASE("a damaged overflow page header is reported, a sound one never", "[rspace][store]") {
    TempDir dir;
    auto key = [](int i) { return absl::StrCat("key", i); };
    {
        auto h = History::open(dir.path(), writer());
        REQUIRE(h.ok());
        // Values rewritten larger and smaller across commits (two to five overflow
        // pages): LMDB's page counts stay what the check expects.
        for (size_t size : {size_t{12000}, size_t{5000}, size_t{20000}, size_t{12000}}) {
            std::vector<History::Put> puts;
            for (int i = 0; i < 4; ++i)
                puts.push_back({History::Db::kData, key(i), std::string(size + static_cast<size_t>(i), char('a' + i))});
            REQUIRE((*h)->commit(puts, {}).ok());
        }
        auto report = (*h)->verify();
        REQUIRE(report.ok());
        CHECK(report->problems.empty());
        CHECK(report->dataRecords == 4);
    }
    const std::string path = dir.path() + "/data.mdb";
    std::string bytes = readFile(path);
    const size_t at = bytes.find(std::string(12002, 'c')); // key2's value: 8 checksum bytes before it
    REQUIRE(at != std::string::npos);
    const size_t page = at / 4096 * 4096;
    REQUIRE(at - page == 16 + 8);         // after the page header and the checksum: an overflow page
    REQUIRE(bytes[page + 10] == '\x04'); // P_OVERFLOW
    bytes[page + 10] = '\x14';           // ... and P_DIRTY: a commit would free() it
    writeFile(path, bytes);
    auto h = History::open(dir.path(), writer());
    REQUIRE(h.ok());
    auto read = (*h)->read(History::Db::kData, key(2), [](std::string_view) { return absl::OkStatus(); });
    CHECK(read.status().code() == absl::StatusCode::kDataLoss);
    CHECK_THAT(std::string(read.status().message()), Catch::Contains("the header of its overflow pages"));
    auto other = (*h)->read(History::Db::kData, key(1), [](std::string_view) { return absl::OkStatus(); });
    CHECK((other.ok() && *other));
    auto report = (*h)->verify();
    REQUIRE(report.ok());
    REQUIRE(report->problems.size() == 1);
    CHECK_THAT(report->problems[0], Catch::Contains(absl::BytesToHexString(key(2))));
}

TEST_CASE("a changed space record (the counters a lazy space starts from) is DataLoss at open", "[rspace][store]") {
    TempDir dir;
    makeStore(dir.path(), 3);
    {
        RawEnv raw(dir.path());
        MDB_txn* txn = nullptr;
        REQUIRE(mdb_txn_begin(raw.env, nullptr, 0, &txn) == 0);
        MDB_dbi meta = 0;
        REQUIRE(mdb_dbi_open(txn, "meta", 0, &meta) == 0);
        std::string key = "space";
        MDB_val k{key.size(), key.data()};
        MDB_val v{};
        REQUIRE(mdb_get(txn, meta, &k, &v) == 0);
        std::string value(static_cast<char*>(v.mv_data), v.mv_size);
        REQUIRE(value.size() == 8 + 16); // checksum, next sequence number, next continuation counter
        value[8 + 7] = '\x7f';          // a sequence number past 2^47: once read back, a crash
        MDB_val v2{value.size(), value.data()};
        REQUIRE(mdb_put(txn, meta, &k, &v2, 0) == 0);
        REQUIRE(mdb_txn_commit(txn) == 0);
    }
    for (bool readOnly : {true, false}) {
        History::Options o = readOnly ? reader() : writer();
        auto h = History::open(dir.path(), o);
        REQUIRE_FALSE(h.ok());
        CHECK(h.status().code() == absl::StatusCode::kDataLoss);
        CHECK_THAT(std::string(h.status().message()), Catch::Contains("the space record is damaged"));
    }
}

TEST_CASE("a full map grows up to its maximum", "[rspace][store]") {
    TempDir dir;
    History::Options o = writer(256 * 1024);
    o.maxMapSizeBytes = 64 << 20;
    auto h = History::open(dir.path(), o);
    REQUIRE(h.ok());
    TestMatcher m;
    TestSpace space(m);
    REQUIRE(space.attach(**h).ok());
    for (int i = 0; i < 4000; ++i)
        REQUIRE_FALSE(space.produce(named("ch", i), V(64, i), false));
    REQUIRE(space.checkpoint().ok());
    CHECK((*h)->mapSize() > 256 * 1024);
    h->reset();
    auto again = History::open(dir.path(), reader());
    REQUIRE(again.ok());
    TestSpace loaded(m);
    REQUIRE(loaded.attach(**again).ok());
    CHECK(loaded.channelEntryCount() == 4000);
}

} // namespace
} // namespace rho::rspace::test
