// File: history.h
// History: the durable side of RSpace, an LMDB environment (a directory holding
// data.mdb and lock.mdb) with three named databases:
//   "meta"   "version" -> u32 little-endian kHistoryFormatVersion
//            "payload" -> the encoding tag of the records' contents (what the space's
//                         Types encode with, e.g. "rhovm bytecode 2, space codec 2")
//   "data"   16-byte ChannelKey::bytes() -> the channel(s) with that key and their data
//   "conts"  8-byte big-endian continuation id -> one waiting continuation
// The API is byte-level: Space<Types, Matcher> (space.h) owns the record encoding,
// History only stores and loads bytes. LMDB is touched by attach (load) and
// checkpoint (commit) only, never per COMM; lmdb.h is included by lmdb_env.cpp only.
//
//   RHO_ASSIGN_OR_RETURN(std::unique_ptr<History> history, History::open(dir, 1 << 30));
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
#pragma once

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rho::rspace {

// Bump when the layout of any database or record changes; open() rejects others.
inline constexpr uint32_t kHistoryFormatVersion = 3;

// 1 GiB of address space. LMDB maps the file sparsely, so this costs no disk until used.
inline constexpr size_t kDefaultMapSizeBytes = size_t{1} << 30;

class History {
  public:
    // The two record databases (the "meta" database is private to History).
    enum class Db : uint8_t { kData, kConts };

    struct Put {
        Db db;
        std::string key;
        std::string value;
    };
    struct Del {
        Db db;
        std::string key;
    };

    // Open (creating if missing) the environment in directory [dir], with a map of
    // [mapSizeBytes] (the largest the database may grow; checkpoints beyond it fail).
    // A new environment gets the current format version and [payloadTag], the name of
    // the encoding its records' contents are written in; an existing one must carry both.
    // Errors:
    //   InvalidArgument     [dir] is empty.
    //   FailedPrecondition  the stored format version is not kHistoryFormatVersion, or
    //                       the stored payload tag is not [payloadTag] (the directory was
    //                       written by another build; convert or use another dir).
    //   PermissionDenied    the directory or its files cannot be created or opened.
    //   DataLoss            LMDB reports a corrupt or foreign file (MDB_INVALID, MDB_CORRUPTED,
    //                       MDB_VERSION_MISMATCH) or a malformed version record.
    //   ResourceExhausted   the map is too small for the existing file, or no reader slots remain.
    //   Internal            any other LMDB or file-system error (the message names it).
    // @note An environment must be opened at most once per process (an LMDB rule:
    //       a second open of the same directory in one process corrupts its locks).
    [[nodiscard]] static absl::StatusOr<std::unique_ptr<History>> open(const std::string& dir,
                                                                       size_t mapSizeBytes,
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

    // Call [fn](key, value) for every record of [db] in key order, inside one read
    // transaction. The views are valid only during the call (they point into the map).
    // Stops at and returns the first non-OK status returned by [fn].
    // Errors: those of [fn]; Internal / DataLoss / ResourceExhausted from LMDB.
    [[nodiscard]] absl::Status
    forEach(Db db, absl::FunctionRef<absl::Status(std::string_view key, std::string_view value)> fn) const;

    // Apply [puts] (insert or overwrite) then [dels] (deleting a missing key is not an
    // error) in one durable write transaction: all or nothing.
    // Errors:
    //   ResourceExhausted  MDB_MAP_FULL (the map is too small: reopen with a larger
    //                      mapSizeBytes) or MDB_TXN_FULL; nothing was written.
    //   InvalidArgument    a key is empty or longer than LMDB's maximum key size.
    //   Internal           any other LMDB error; nothing was written.
    [[nodiscard]] absl::Status commit(const std::vector<Put>& puts, const std::vector<Del>& dels);

    // The format version stored in "meta" (kHistoryFormatVersion for any opened History).
    [[nodiscard]] uint32_t formatVersion() const { return formatVersion_; }

    // Overwrite the stored format version. For tests of the version check only.
    [[nodiscard]] absl::Status setFormatVersionForTesting(uint32_t version);

    [[nodiscard]] const std::string& dir() const { return dir_; }

    // Thread-safety: every method may be called from any thread; LMDB serialises
    // writers itself. Space calls History only under its own mutex.

  private:
    struct Env; // the LMDB handles, defined in lmdb_env.cpp
    History(std::unique_ptr<Env> env, std::string dir, bool temporary, uint32_t formatVersion);

    std::unique_ptr<Env> env_;
    std::string dir_;
    bool temporary_ = false;
    uint32_t formatVersion_ = 0;
};

} // namespace rho::rspace
