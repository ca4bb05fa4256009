// File: history.h
// History: the durable side of RSpace, an LMDB environment (a directory holding
// data.mdb, lock.mdb and writer.lock) with three named databases:
//   "meta"   "magic"   -> "rhovm tuplespace" (a store says what it is)
//            "version" -> u32 little-endian kHistoryFormatVersion
//            "payload" -> the encoding tag of the records' contents (what the space's
//                         Types encode with, e.g. "rhovm bytecode 2, space codec 2")
//            "digest"  -> per record database (data, conts, then waits): u64 record
//                         count, u64 sum of the records' checksums (mod 2^64)
//            "space"   -> the space's own counters (opaque here; Space::checkpoint),
//                         behind a checksum as a record
//   "data"   16-byte ChannelKey::bytes() -> the channel(s) with that key and their data
//   "conts"  8-byte big-endian continuation id -> one waiting continuation
//   "waits"  ChannelKey::bytes() + the 8-byte id of a continuation waiting on a channel
//            of that key -> nothing: the index a lazy space loads one channel by
// Every record value is stored as u64 checksum + payload, the checksum being XXH3-64 of
// the payload seeded with XXH3-64 of the key: a changed record is reported, never read
// back as data, and the digest (updated in the same transaction as the records) finds
// records lost or added. The API is byte-level: Space<Types, Matcher> (space.h) owns
// the payload encoding, History only stores, checks and loads bytes. LMDB is touched
// by attach (load) and checkpoint (commit) only, never per COMM; lmdb.h is included
// by lmdb_env.cpp only.
//
// A store has one writer at a time (a flock on writer.lock, held for the History's
// life; a second writer fails or waits) and any number of readers (read-only opens
// take no lock and never write). Before LMDB maps data.mdb its meta pages are checked
// (store_file.h), and every LMDB call runs under a fault guard (fault_guard.h): a
// damaged or truncated file is an error, never a crash.
//
//   RHO_ASSIGN_OR_RETURN(std::unique_ptr<History> history, History::open(dir, {}));
//   RHO_RETURN_IF_ERROR(space.attach(*history));
//   ... produce / consume ...
//   RHO_RETURN_IF_ERROR(space.checkpoint());
//
// Format version history:
//   1: initial layout (the three databases above; record encodings in space.h).
//   2: a continuation record gives, per channel, the continuation's sequence number
//      in that channel's age order (the hot store is sharded; ids alone no longer
//      order the continuations waiting on one channel).
//   3: "meta" holds the payload encoding tag; a store is opened only by a build
//      that encodes its contents the same way.
//   4: "meta" holds the magic and the digest; every record value carries a checksum.
//   5: the "waits" index and the "space" counters: a channel's data and waiters are
//      read on first touch (Space::attach, lazily) instead of the whole store at open.
//      A version 4 store is opened and upgraded by its first commit (the space writes
//      the index of everything it loaded; until then it stays a version 4 store).
#pragma once

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <span>
#include <string_view>
#include <vector>

namespace rho::rspace {

// Bump when the layout of any database or record changes; open() rejects others.
inline constexpr uint32_t kHistoryFormatVersion = 5;
// The oldest format a writer opens (and upgrades; see "Format version history").
inline constexpr uint32_t kOldestUpgradableFormat = 4;

// 1 GiB of address space. LMDB maps the file sparsely, so this costs no disk until used.
inline constexpr size_t kDefaultMapSizeBytes = size_t{1} << 30;

// What verify() found: the records it read and every problem, one line each.
struct HistoryReport {
    uint64_t dataRecords = 0;
    uint64_t contRecords = 0;
    uint64_t waitRecords = 0;
    std::vector<std::string> problems; // empty: the store is sound
};

class History {
  public:
    // The two record databases (the "meta" database is private to History).
    enum class Db : uint8_t { kData, kConts, kWaits };
    static constexpr size_t kDbCount = 3;

    struct Put {
        Db db;
        std::string key;
        std::string value;
    };
    struct Del {
        Db db;
        std::string key;
    };
    // A Put whose key and value live elsewhere (a checkpoint's one buffer of records).
    struct PutView {
        Db db;
        std::string_view key;
        std::string_view value;
    };

    struct Options {
        // The map LMDB starts with (address space, not disk: the file grows as used).
        size_t mapSizeBytes = kDefaultMapSizeBytes;
        // A commit that fills the map doubles it up to this size and retries
        // (0: the map never grows; a full map is ResourceExhausted).
        size_t maxMapSizeBytes = 0;
        // The encoding tag of the records' contents (see "payload" above).
        std::string_view payloadTag;
        // A reader: MDB_RDONLY, no writer lock, never creates or writes anything
        // (inspect, verify). It works beside a running writer and on read-only files.
        bool readOnly = false;
        // A writer whose store has a writer already waits for it instead of failing.
        bool waitForWriter = false;
    };

    // Open the environment in directory [dir]; a writer creates it when missing and
    // holds its writer lock until destroyed. A new environment gets the magic, the
    // current format version and the payload tag; an existing one must carry all three.
    // Errors:
    //   InvalidArgument     [dir] is empty.
    //   Unavailable         another process writes the store (the message names its
    //                       pid); only without waitForWriter.
    //   NotFound            a reader's [dir] holds no store.
    //   FailedPrecondition  the store is another program's LMDB file, or its format
    //                       version or payload tag is not this build's (the directory
    //                       was written by another build; convert or use another dir).
    //   PermissionDenied    the directory or its files cannot be created or opened.
    //   DataLoss            the file is damaged: empty, truncated, bad meta pages, pages
    //                       LMDB cannot read, or a malformed meta record.
    //   ResourceExhausted   no address space for the map, or no reader slots remain.
    //   Internal            any other LMDB or file-system error (the message names it).
    // @note An environment must be opened at most once per process (an LMDB rule:
    //       a second open of the same directory in one process corrupts its locks).
    [[nodiscard]] static absl::StatusOr<std::unique_ptr<History>> open(const std::string& dir, const Options& options);
    // A writer with a fixed map of [mapSizeBytes].
    [[nodiscard]] static absl::StatusOr<std::unique_ptr<History>> open(const std::string& dir, size_t mapSizeBytes,
                                                                       std::string_view payloadTag = {});

    // Open a fresh environment in a new directory made by mkdtemp under $TMPDIR (or /tmp).
    // The destructor removes the files and the directory. Errors as for open(), plus
    // Internal when the directory cannot be made.
    [[nodiscard]] static absl::StatusOr<std::unique_ptr<History>>
    openTemporary(size_t mapSizeBytes = kDefaultMapSizeBytes, std::string_view payloadTag = {});

    // Closes the environment (and, for openTemporary, deletes its directory).
    ~History();
    History(const History&) = delete;
    History& operator=(const History&) = delete;

    // Call [fn](key, payload) for every record of [db] in key order, inside one read
    // transaction, each record's checksum checked first; at the end the records' count
    // and checksum sum are checked against the digest. The views are valid only during
    // the call (they point into the map). Stops at and returns the first non-OK status
    // returned by [fn].
    // Errors: those of [fn]; DataLoss for a record whose checksum fails (naming its
    // key), records lost or added (the digest), or pages LMDB cannot read;
    // Internal / ResourceExhausted from LMDB.
    [[nodiscard]] absl::Status
    forEach(Db db, absl::FunctionRef<absl::Status(std::string_view key, std::string_view value)> fn) const;
    // The same, then [then]() in the same transaction once every record was read and
    // the digest agreed: views [fn] kept stay valid until [then] returns (a caller that
    // wants the records in another order than the keys' collects views, then reads).
    [[nodiscard]] absl::Status
    forEach(Db db, absl::FunctionRef<absl::Status(std::string_view key, std::string_view value)> fn,
            absl::FunctionRef<absl::Status()> then) const;

    // Walk every record of both databases and report every damaged one, and the
    // digest's verdict. Errors only when the walk itself cannot start.
    [[nodiscard]] absl::StatusOr<HistoryReport> verify() const;

    // Apply [puts] (insert or overwrite) then [dels] (deleting a missing key is not an
    // error) in one durable write transaction, with the digest: all or nothing. A full
    // map grows (Options::maxMapSizeBytes) and the transaction is retried.
    // Errors:
    //   FailedPrecondition a read-only History.
    //   ResourceExhausted  MDB_MAP_FULL at the largest map allowed, MDB_TXN_FULL, or a
    //                      full disk ("No space left on device"); nothing was written.
    //   InvalidArgument    a key is empty or longer than LMDB's maximum key size.
    //   DataLoss           pages LMDB cannot read, or (first commit only) damage the
    //                      walk of every page before it found; nothing was written.
    //   Internal           any other LMDB error; nothing was written.
    // [spaceState], when not null, replaces the "space" meta record in the same
    // transaction. A version 4 store becomes version 5 with its first commit.
    [[nodiscard]] absl::Status commit(const std::vector<Put>& puts, const std::vector<Del>& dels);
    [[nodiscard]] absl::Status commit(std::span<const PutView> puts, const std::vector<Del>& dels,
                                      const std::string* spaceState = nullptr);

    // Point reads for a space that loads channels when first touched, each in a read
    // transaction of its own or reused (MDB_NOTLS: any thread; several at once). They
    // see the last commit.
    // [fn](payload) for the record [key] of [db], its checksum checked first: false
    // when there is no such record.
    // Errors: DataLoss (checksum, damaged pages), Internal / ResourceExhausted (LMDB).
    [[nodiscard]] absl::StatusOr<bool> read(Db db, std::string_view key,
                                            absl::FunctionRef<absl::Status(std::string_view payload)> fn) const;
    // [fn](key, payload) for every record of [db] whose key starts with [prefix], in
    // key order, each checksum checked first. Errors as read().
    [[nodiscard]] absl::Status scan(Db db, std::string_view prefix,
                                    absl::FunctionRef<absl::Status(std::string_view key, std::string_view payload)> fn) const;
    // The "space" meta record as of the last commit ("" when none was written).
    [[nodiscard]] const std::string& spaceState() const;
    // False for a version 4 store (no "waits" index yet: the space loads it whole and
    // its first checkpoint writes the index).
    [[nodiscard]] bool hasWaitsIndex() const;

    // LMDB's own figures (mdb_env_info, mdb_env_stat, mdb_stat), as `mdb_stat -e -a`
    // prints them. Errors: from LMDB (a fault, a damaged page).
    struct DbStats {
        std::string name; // "meta", "data", "conts", "waits"; "main" for LMDB's own database
        uint64_t entries = 0;
        uint32_t depth = 0;
        uint64_t branchPages = 0;
        uint64_t leafPages = 0;
        uint64_t overflowPages = 0;
    };
    struct Stats {
        uint64_t mapSize = 0;
        uint64_t lastPage = 0; // the last page used: (lastPage + 1) * pageSize bytes of the file are in use
        uint64_t lastTxnId = 0;
        uint32_t pageSize = 0;
        uint32_t maxReaders = 0;
        uint32_t readers = 0;
        std::vector<DbStats> dbs;
    };
    [[nodiscard]] absl::StatusOr<Stats> stats() const;

    [[nodiscard]] bool readOnly() const;
    // The map's current size in bytes.
    [[nodiscard]] size_t mapSize() const;
    // The records of [db] as of the last commit, from the stored digest (no walk; a
    // damaged store may hold another number: a hint, such as for reserving a table).
    [[nodiscard]] uint64_t recordCount(Db db) const;

    // The format version stored in "meta" (kHistoryFormatVersion for any opened History).
    [[nodiscard]] uint32_t formatVersion() const;

    // Overwrite the stored format version. For tests of the version check only.
    [[nodiscard]] absl::Status setFormatVersionForTesting(uint32_t version);

    [[nodiscard]] const std::string& dir() const { return dir_; }

    // Thread-safety: every method may be called from any thread, one at a time (Space
    // calls History only with all its locks held), except read() and scan(), which
    // may run on several threads at once but never beside commit() or the destructor.

    struct Env; // the LMDB handles: opaque, defined in lmdb_env.cpp

  private:
    History(std::unique_ptr<Env> env, std::string dir, bool temporary);
    // Before the first commit: every page walked (see lmdb_env.cpp). DataLoss on damage.
    absl::Status checkStructure();

    std::unique_ptr<Env> env_;
    std::string dir_;
    bool temporary_ = false;
};

} // namespace rho::rspace
