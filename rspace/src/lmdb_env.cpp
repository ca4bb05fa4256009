// File: lmdb_env.cpp
// History over LMDB: the only file that includes lmdb.h, and the only place where
// LMDB return codes become absl::Status. Every transaction here is short and
// opened and finished inside one call, so no LMDB handle outlives a method. Every
// LMDB call that reads pages runs under the fault guard (fault_guard.h).
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "rho/base/byte_order.h"
#include "rho/base/status.h"
#include "rho/rspace/history.h"

#include <lmdb.h>
#include <xxhash.h>

#include <array>
#include <atomic>
#include <mutex>
#include <csignal>
#include <cstring>
#include <errno.h>
#include <filesystem>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <system_error>
#include <unistd.h>

#include "fault_guard.h"
#include "store_file.h"

namespace rho::rspace {

using detail::guardedCall;
using detail::kFaulted;

namespace {

constexpr char kMetaDb[] = "meta";
constexpr char kDataDb[] = "data";
constexpr char kContsDb[] = "conts";
constexpr char kWaitsDb[] = "waits";
constexpr char kMagicKey[] = "magic";
constexpr char kVersionKey[] = "version";
constexpr char kPayloadKey[] = "payload";
constexpr char kDigestKey[] = "digest";
constexpr char kSpaceKey[] = "space";
constexpr std::string_view kMagic = "rhovm tuplespace";
constexpr size_t kChecksumBytes = 8;

// Map an LMDB (or errno) return code to a canonical Status, naming the operation.
absl::Status lmdbStatus(int rc, const std::string& op) {
    if (rc == kFaulted) {
        const int sig = detail::faultSignal();
        if (sig == SIGABRT)
            return absl::DataLossError(absl::StrCat("lmdb ", op, ": the store's pages are damaged (LMDB: ",
                                                    detail::faultMessage(), ")"));
        return absl::DataLossError(absl::StrCat(
            "lmdb ", op, ": the store's pages are damaged (",
            sig == SIGBUS ? "SIGBUS: the file is shorter than its pages say" : "SIGSEGV: a page points outside the file",
            ")"));
    }
    std::string msg = absl::StrCat("lmdb ", op, ": ", mdb_strerror(rc));
    switch (rc) {
    case MDB_MAP_FULL:
    case MDB_TXN_FULL:
    case MDB_READERS_FULL:
    case MDB_DBS_FULL:
    case MDB_MAP_RESIZED:
    case ENOMEM:
    case ENOSPC:
    case EDQUOT:
        return absl::ResourceExhaustedError(msg);
    case MDB_INVALID:
    case MDB_CORRUPTED:
    case MDB_VERSION_MISMATCH:
    case MDB_PAGE_NOTFOUND:
        return absl::DataLossError(msg);
    case MDB_BAD_VALSIZE:
        return absl::InvalidArgumentError(msg);
    case EACCES:
    case EPERM:
    case EROFS:
        return absl::PermissionDeniedError(msg);
    case ENOENT:
        return absl::NotFoundError(msg);
    default:
        return absl::InternalError(msg);
    }
}

MDB_val toVal(std::string_view s) {
    // LMDB never writes through mv_data of a key or of a value given to mdb_put.
    return MDB_val{s.size(), const_cast<char*>(s.data())};
}

std::string_view fromVal(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

std::string encodeU32(uint32_t v) {
    std::string out;
    base::putU32(out, v);
    return out;
}

uint64_t checksum(std::string_view key, std::string_view payload) {
    return XXH3_64bits_withSeed(payload.data(), payload.size(), XXH3_64bits(key.data(), key.size()));
}

uint64_t storedChecksum(std::string_view value) {
    uint64_t c = 0;
    std::memcpy(&c, value.data(), kChecksumBytes); // little-endian hosts only (as LMDB's own file)
    return c;
}

// A record read back is sound when its checksum matches and, if LMDB keeps its value
// on overflow pages, the header of the first of them is one LMDB wrote: a commit that
// replaces or deletes the record frees those pages by what that header says (a
// damaged one made LMDB free a pointer into the map, or free pages of other records).
// Read only (under the fault guard) from a snapshot. The header (LMDB 0.9's file
// format, fixed): page number (8 bytes), padding (2), flags (2), page count (4); the
// value follows it, so a value at offset 16 of a page is on overflow pages (a value
// within a leaf page never starts there).
bool intactRecord(std::string_view key, std::string_view value, size_t pageSize) {
    if (value.size() < kChecksumBytes || storedChecksum(value) != checksum(key, value.substr(kChecksumBytes)))
        return false;
    constexpr size_t kHeader = 16;
    constexpr uint16_t kOverflow = 0x04; // P_OVERFLOW; P_DIRTY and the others never reach the file
    const auto at = reinterpret_cast<uintptr_t>(value.data());
    if (at % pageSize != kHeader)
        return true;
    uint16_t flags = 0;
    uint32_t pages = 0;
    std::memcpy(&flags, value.data() - 6, sizeof flags);
    std::memcpy(&pages, value.data() - 4, sizeof pages);
    const size_t need = (value.size() + kHeader + pageSize - 1) / pageSize;
    // LMDB may keep a larger run when a transaction rewrites a value it wrote itself.
    return flags == kOverflow && pages >= need && pages <= 2 * need + 8;
}

const char* dbName(History::Db db) {
    switch (db) {
    case History::Db::kData:
        return "data";
    case History::Db::kConts:
        return "conts";
    case History::Db::kWaits:
        return "waits";
    }
    return "?";
}

std::string printableKey(History::Db db, std::string_view key) {
    return absl::StrCat(dbName(db), " record ", absl::BytesToHexString(absl::string_view(key.data(), key.size())));
}

// A record intactRecord() refused.
absl::Status damagedRecord(History::Db db, std::string_view key) {
    return absl::DataLossError(
        absl::StrCat(printableKey(db, key), " is damaged (its checksum or the header of its overflow pages does not match)"));
}

// Aborts the transaction unless commit() succeeded, so early returns cannot leak it.
class TxnGuard {
  public:
    explicit TxnGuard(MDB_txn* txn) : txn_(txn) {}
    ~TxnGuard() {
        if (txn_ != nullptr)
            mdb_txn_abort(txn_);
    }
    TxnGuard(const TxnGuard&) = delete;
    TxnGuard& operator=(const TxnGuard&) = delete;
    MDB_txn* get() const { return txn_; }
    int commit() {
        MDB_txn* t = txn_;
        txn_ = nullptr; // committed or not, the handle is freed by mdb_txn_commit
        return guardedCall([&] { return mdb_txn_commit(t); });
    }
    // After a fault: the transaction is abandoned, never touched again.
    void forget() { txn_ = nullptr; }

  private:
    MDB_txn* txn_;
};

} // namespace

// Per record database: how many records it holds and the sum of their checksums.
struct Digest {
    static constexpr size_t kDbs = History::kDbCount;
    std::array<uint64_t, kDbs> count{};
    std::array<uint64_t, kDbs> sum{};
    void add(History::Db db, uint64_t c) {
        ++count[static_cast<size_t>(db)];
        sum[static_cast<size_t>(db)] += c;
    }
    void remove(History::Db db, uint64_t c) {
        --count[static_cast<size_t>(db)];
        sum[static_cast<size_t>(db)] -= c;
    }
    [[nodiscard]] std::string encode() const {
        std::string out;
        for (size_t i = 0; i < kDbs; ++i) {
            base::putU64(out, count[i]);
            base::putU64(out, sum[i]);
        }
        return out;
    }
    // Version 4 digests have no "waits" pair (the index is empty).
    bool decode(std::string_view in) {
        const size_t dbs = in.size() / 16;
        if (in.size() % 16 != 0 || dbs < 2 || dbs > kDbs)
            return false;
        *this = Digest{};
        for (size_t i = 0; i < dbs; ++i)
            if (!base::getU64(in, count[i]) || !base::getU64(in, sum[i]))
                return false;
        return true;
    }
};

struct History::Env {
    MDB_env* env = nullptr;
    MDB_dbi meta = 0;
    MDB_dbi data = 0;
    MDB_dbi conts = 0;
    MDB_dbi waits = 0;
    bool hasWaits = false;   // the "waits" database is open (format 5, or a version 4 writer)
    uint32_t version = kHistoryFormatVersion; // as stored: 4 until a version 4 store's first commit
    std::string spaceState;  // the "space" meta record
    bool readOnly = false;
    bool empty = false; // a reader's store that never completed its first commit
    bool structureChecked = false; // checkStructure() passed: commits may write
    size_t mapSize = 0;
    size_t maxMapSize = 0;
    size_t pageSize = 4096;
    Digest digest;
    detail::WriterLock lock;
    // Set when an LMDB call faulted: the environment is abandoned (never closed).
    // Written once, under poisonMu, and flagged in [faulted] for read() and scan(),
    // which run on several threads at once.
    absl::Status poisoned;
    std::mutex poisonMu;
    std::atomic<bool> faulted{false};
    absl::Status poisonedNow() {
        if (!faulted.load(std::memory_order_acquire))
            return absl::OkStatus();
        std::lock_guard held(poisonMu);
        return poisoned;
    }

    Env() = default;
    Env(const Env&) = delete;
    Env& operator=(const Env&) = delete;
    // Read transactions of read() and scan(), reset between uses; aborted before each
    // commit (a commit may grow the map, which no live transaction may see).
    mutable std::mutex readersMu;
    mutable std::vector<MDB_txn*> readers;
    void dropReaders() {
        std::lock_guard held(readersMu);
        for (MDB_txn* t : readers)
            mdb_txn_abort(t);
        readers.clear();
    }
    ~Env() {
        if (env != nullptr && !faulted.load()) {
            dropReaders();
            mdb_env_close(env); // also closes the DBI handles
        }
    }
    MDB_dbi dbi(Db db) const { return db == Db::kData ? data : db == Db::kConts ? conts : waits; }
    // The status of [rc]; a fault poisons the environment.
    absl::Status fail(int rc, const std::string& op) {
        absl::Status s = lmdbStatus(rc, op);
        if (rc == kFaulted) {
            std::lock_guard held(poisonMu);
            if (poisoned.ok())
                poisoned = s;
            faulted.store(true, std::memory_order_release);
        }
        return s;
    }
};

namespace {

using Env = History::Env;

absl::Status foreignStore(const std::string& dir) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " holds an LMDB store that is not a rhovm tuplespace (no rhovm magic): rhovm will "
                          "neither read nor write it"));
}

// Reads meta record [key] into [out]; false when missing.
absl::StatusOr<bool> getMeta(Env& e, MDB_txn* txn, const char* key, std::string& out) {
    MDB_val k = toVal(key);
    MDB_val v{};
    int rc = guardedCall([&] {
        int r = mdb_get(txn, e.meta, &k, &v);
        if (r == 0)
            out.assign(static_cast<const char*>(v.mv_data), v.mv_size);
        return r;
    });
    if (rc == MDB_NOTFOUND)
        return false;
    if (rc != 0)
        return e.fail(rc, absl::StrCat("mdb_get meta ", key));
    return true;
}

absl::Status putMeta(Env& e, MDB_txn* txn, const char* key, std::string_view value) {
    MDB_val k = toVal(key);
    MDB_val v = toVal(value);
    if (int rc = guardedCall([&] { return mdb_put(txn, e.meta, &k, &v, 0); }); rc != 0)
        return e.fail(rc, absl::StrCat("mdb_put meta ", key));
    return absl::OkStatus();
}

// A new store's meta records and record databases.
absl::Status createStore(Env& e, MDB_txn* txn, std::string_view payloadTag) {
    for (auto [name, dbi] : {std::pair{kMetaDb, &e.meta}, std::pair{kDataDb, &e.data}, std::pair{kContsDb, &e.conts},
                             std::pair{kWaitsDb, &e.waits}})
        if (int rc = guardedCall([&] { return mdb_dbi_open(txn, name, MDB_CREATE, dbi); }); rc != 0)
            return e.fail(rc, absl::StrCat("mdb_dbi_open ", name));
    e.hasWaits = true;
    e.version = kHistoryFormatVersion;
    RHO_RETURN_IF_ERROR(putMeta(e, txn, kMagicKey, kMagic));
    RHO_RETURN_IF_ERROR(putMeta(e, txn, kVersionKey, encodeU32(kHistoryFormatVersion)));
    RHO_RETURN_IF_ERROR(putMeta(e, txn, kPayloadKey, payloadTag));
    e.digest = Digest{};
    return putMeta(e, txn, kDigestKey, e.digest.encode());
}

// An existing store: its meta records must be this build's.
absl::Status checkStore(Env& e, MDB_txn* txn, const std::string& dir, std::string_view payloadTag) {
    std::string value;
    RHO_ASSIGN_OR_RETURN(bool hasVersion, getMeta(e, txn, kVersionKey, value));
    if (hasVersion) { // before the magic: stores of format 3 and older have none
        uint32_t stored = 0;
        std::string_view bytes = value;
        if (value.size() != 4 || !base::getU32(bytes, stored))
            return absl::DataLossError(
                absl::StrCat("history ", dir, ": malformed format version record (", value.size(), " bytes)"));
        if (stored < kOldestUpgradableFormat || stored > kHistoryFormatVersion)
            return absl::FailedPreconditionError(absl::StrCat("history ", dir, ": unsupported format version ",
                                                              stored, " (this build reads version ",
                                                              kHistoryFormatVersion, " and upgrades version ",
                                                              kOldestUpgradableFormat, ")"));
        e.version = stored;
    }
    RHO_ASSIGN_OR_RETURN(bool hasMagic, getMeta(e, txn, kMagicKey, value));
    if (!hasMagic || value != kMagic)
        return hasVersion ? absl::DataLossError(absl::StrCat("history ", dir, ": the magic record is damaged"))
                          : foreignStore(dir);
    if (!hasVersion)
        return absl::DataLossError(absl::StrCat("history ", dir, ": the format version record is missing"));
    RHO_ASSIGN_OR_RETURN(bool hasPayload, getMeta(e, txn, kPayloadKey, value));
    if (!hasPayload)
        return absl::DataLossError(absl::StrCat("history ", dir, ": the payload tag record is missing"));
    if (value != payloadTag)
        return absl::FailedPreconditionError(
            absl::StrCat("history ", dir, ": written by \"", value, "\"; this build is \"", std::string(payloadTag), "\""));
    RHO_ASSIGN_OR_RETURN(bool hasDigest, getMeta(e, txn, kDigestKey, value));
    if (!hasDigest || !e.digest.decode(value))
        return absl::DataLossError(absl::StrCat("history ", dir, ": the digest record is missing or damaged"));
    for (auto [name, dbi] : {std::pair{kDataDb, &e.data}, std::pair{kContsDb, &e.conts}}) {
        int rc = guardedCall([&] { return mdb_dbi_open(txn, name, 0, dbi); });
        if (rc == MDB_NOTFOUND)
            return absl::DataLossError(absl::StrCat("history ", dir, ": the ", name, " database is missing"));
        if (rc != 0)
            return e.fail(rc, absl::StrCat("mdb_dbi_open ", name));
    }
    // A version 4 store has no index yet: a writer makes its (empty) database, which
    // the space fills with its first checkpoint; a reader goes without.
    const bool readOnly = e.readOnly;
    int rc = guardedCall([&] {
        return mdb_dbi_open(txn, kWaitsDb, e.version < 5 && !readOnly ? MDB_CREATE : 0, &e.waits);
    });
    if (rc == 0)
        e.hasWaits = true;
    else if (rc != MDB_NOTFOUND || e.version >= 5)
        return rc == MDB_NOTFOUND ? absl::DataLossError(absl::StrCat("history ", dir, ": the waits database is missing"))
                                  : e.fail(rc, "mdb_dbi_open waits");
    // The space's record carries a checksum as every record does.
    std::string state;
    RHO_ASSIGN_OR_RETURN(bool hasState, getMeta(e, txn, kSpaceKey, state));
    e.spaceState.clear();
    if (hasState) {
        const std::string_view v = state;
        if (v.size() < kChecksumBytes || storedChecksum(v) != checksum(kSpaceKey, v.substr(kChecksumBytes)))
            return absl::DataLossError(
                absl::StrCat("history ", dir, ": the space record is damaged (its checksum does not match)"));
        e.spaceState.assign(v.substr(kChecksumBytes));
    }
    return absl::OkStatus();
}

// LMDB's assertion hook: a failed assertion inside a guarded call is a fault.
void onAssert(MDB_env*, const char* message) { detail::assertionFailed(message); }

absl::Status openEnv(Env& e, const std::string& dir, const History::Options& o) {
    if (int rc = mdb_env_create(&e.env); rc != 0) {
        e.env = nullptr;
        return lmdbStatus(rc, "mdb_env_create");
    }
    if (int rc = mdb_env_set_maxdbs(e.env, 4); rc != 0)
        return lmdbStatus(rc, "mdb_env_set_maxdbs");
    mdb_env_set_assert(e.env, onAssert);
    if (int rc = mdb_env_set_mapsize(e.env, o.mapSizeBytes); rc != 0)
        return lmdbStatus(rc, "mdb_env_set_mapsize");
    // MDB_NOTLS: read transactions are not tied to a thread, since Space may be
    // driven from any worker thread. Writers: durable commits.
    unsigned flags = MDB_NOTLS | (o.readOnly ? MDB_RDONLY : 0);
    int rc = guardedCall([&] { return mdb_env_open(e.env, dir.c_str(), flags, 0644); });
    if (rc == EACCES && o.readOnly) {
        // A store whose lock file this user cannot open (someone else's, or a read-only
        // copy): read without LMDB's reader table, as on a read-only file system.
        mdb_env_close(e.env);
        e.env = nullptr;
        if (int r = mdb_env_create(&e.env); r != 0) {
            e.env = nullptr;
            return lmdbStatus(r, "mdb_env_create");
        }
        mdb_env_set_maxdbs(e.env, 4);
        mdb_env_set_assert(e.env, onAssert);
        mdb_env_set_mapsize(e.env, o.mapSizeBytes);
        rc = guardedCall([&] { return mdb_env_open(e.env, dir.c_str(), flags | MDB_NOLOCK, 0644); });
    }
    if (rc != 0)
        return e.fail(rc, absl::StrCat("mdb_env_open ", dir));
    MDB_envinfo info{};
    mdb_env_info(e.env, &info);
    e.mapSize = info.me_mapsize;
    MDB_stat st{};
    if (mdb_env_stat(e.env, &st) == 0)
        e.pageSize = st.ms_psize;
    return absl::OkStatus();
}

} // namespace

History::History(std::unique_ptr<Env> env, std::string dir, bool temporary)
    : env_(std::move(env)), dir_(std::move(dir)), temporary_(temporary) {}

History::~History() {
    env_.reset(); // close (and unlock) before removing the files
    if (temporary_) {
        std::error_code ec; // best effort: a destructor cannot report failure
        std::filesystem::remove_all(dir_, ec);
    }
}

absl::StatusOr<std::unique_ptr<History>> History::open(const std::string& dir, size_t mapSizeBytes,
                                                      std::string_view payloadTag) {
    Options o;
    o.mapSizeBytes = mapSizeBytes;
    o.payloadTag = payloadTag;
    return open(dir, o);
}

absl::StatusOr<std::unique_ptr<History>> History::open(const std::string& dir, const Options& o) {
    if (dir.empty())
        return absl::InvalidArgumentError("history: empty directory name");
    std::error_code ec;
    if (o.readOnly) {
        if (!std::filesystem::is_directory(dir, ec))
            return absl::NotFoundError(absl::StrCat(dir, " is not a directory"));
    } else {
        std::filesystem::create_directories(dir, ec);
        if (ec) {
            std::string msg = absl::StrCat("history: cannot create directory ", dir, ": ", ec.message());
            if (ec == std::errc::permission_denied || ec == std::errc::read_only_file_system)
                return absl::PermissionDeniedError(msg);
            return absl::InternalError(msg);
        }
    }
    auto env = std::make_unique<Env>();
    env->readOnly = o.readOnly;
    env->maxMapSize = std::max(o.maxMapSizeBytes, o.mapSizeBytes);
    if (!o.readOnly) // the lock first: the writer's checks below see no other writer's half-made file
        RHO_RETURN_IF_ERROR(detail::WriterLock::acquire(dir, o.waitForWriter, env->lock));
    bool exists = false;
    RHO_RETURN_IF_ERROR(detail::checkDataFile(dir, exists));
    if (o.readOnly && !exists)
        return absl::NotFoundError(absl::StrCat(dir, " holds no tuplespace (no data.mdb)"));
    RHO_RETURN_IF_ERROR(openEnv(*env, dir, o));

    Env& e = *env;
    MDB_txn* raw = nullptr;
    if (int rc = guardedCall([&] { return mdb_txn_begin(e.env, nullptr, o.readOnly ? MDB_RDONLY : 0, &raw); }); rc != 0)
        return e.fail(rc, "mdb_txn_begin");
    TxnGuard txn(raw);
    // What the main database holds decides: rhovm's meta database, nothing (a new
    // store, or one whose first commit never completed), or another program's data.
    MDB_dbi main = 0;
    MDB_stat mainStat{};
    int rc = guardedCall([&] {
        int r = mdb_dbi_open(txn.get(), nullptr, 0, &main);
        return r != 0 ? r : mdb_stat(txn.get(), main, &mainStat);
    });
    if (rc != 0) {
        txn.forget();
        return e.fail(rc, "mdb_dbi_open (main)");
    }
    rc = guardedCall([&] { return mdb_dbi_open(txn.get(), kMetaDb, 0, &e.meta); });
    absl::Status status;
    if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE) {
        if (mainStat.ms_entries != 0 || rc == MDB_INCOMPATIBLE)
            status = foreignStore(dir);
        else if (o.readOnly)
            e.empty = true;
        else
            status = createStore(e, txn.get(), o.payloadTag);
    } else if (rc != 0) {
        status = e.fail(rc, "mdb_dbi_open meta");
    } else {
        status = checkStore(e, txn.get(), dir, o.payloadTag);
    }
    if (!status.ok()) {
        if (e.faulted.load())
            txn.forget();
        return status;
    }
    // Committing (a read transaction too) keeps the DBI handles for the environment.
    if (rc = txn.commit(); rc != 0)
        return e.fail(rc, "mdb_txn_commit (open)");
    return std::unique_ptr<History>(new History(std::move(env), dir, false));
}

absl::StatusOr<std::unique_ptr<History>> History::openTemporary(size_t mapSizeBytes, std::string_view payloadTag) {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = absl::StrCat(base != nullptr && *base != '\0' ? base : "/tmp", "/rhovm-space-XXXXXX");
    if (mkdtemp(tmpl.data()) == nullptr)
        return absl::InternalError(absl::StrCat("history: mkdtemp ", tmpl, ": ", std::strerror(errno)));
    auto history = open(tmpl, mapSizeBytes, payloadTag);
    if (!history.ok()) {
        std::error_code ec;
        std::filesystem::remove_all(tmpl, ec);
        return history.status();
    }
    (*history)->temporary_ = true;
    return history;
}

bool History::readOnly() const { return env_->readOnly; }
uint32_t History::formatVersion() const { return env_->version; }
bool History::hasWaitsIndex() const { return env_->version >= 5; }
const std::string& History::spaceState() const { return env_->spaceState; }
size_t History::mapSize() const { return env_->mapSize; }

uint64_t History::recordCount(Db db) const { return env_->digest.count[static_cast<size_t>(db)]; }

absl::StatusOr<History::Stats> History::stats() const {
    Env& e = *env_;
    RHO_RETURN_IF_ERROR(e.poisonedNow());
    Stats out;
    MDB_envinfo info{};
    MDB_stat st{};
    if (int rc = guardedCall([&] { return mdb_env_info(e.env, &info); }); rc != 0)
        return e.fail(rc, "mdb_env_info");
    if (int rc = guardedCall([&] { return mdb_env_stat(e.env, &st); }); rc != 0)
        return e.fail(rc, "mdb_env_stat");
    out.mapSize = info.me_mapsize;
    out.lastPage = info.me_last_pgno;
    out.lastTxnId = info.me_last_txnid;
    out.maxReaders = info.me_maxreaders;
    out.readers = info.me_numreaders;
    out.pageSize = st.ms_psize;
    auto add = [&out](const char* name, const MDB_stat& s) {
        out.dbs.push_back(DbStats{name, s.ms_entries, s.ms_depth, s.ms_branch_pages, s.ms_leaf_pages,
                                  s.ms_overflow_pages});
    };
    add("main", st);
    if (e.empty)
        return out;
    MDB_txn* raw = nullptr;
    if (int rc = guardedCall([&] { return mdb_txn_begin(e.env, nullptr, MDB_RDONLY, &raw); }); rc != 0)
        return e.fail(rc, "mdb_txn_begin (read)");
    TxnGuard txn(raw);
    for (auto [name, dbi] : {std::pair{"meta", e.meta}, std::pair{"data", e.data}, std::pair{"conts", e.conts},
                             std::pair{"waits", e.waits}}) {
        if (dbi == e.waits && !e.hasWaits)
            continue;
        MDB_stat s{};
        if (int rc = guardedCall([&] { return mdb_stat(txn.get(), dbi, &s); }); rc != 0) {
            if (rc == kFaulted)
                txn.forget();
            return e.fail(rc, "mdb_stat");
        }
        add(name, s);
    }
    return out;
}

namespace {

// One walk over a record database in key order, each record's checksum checked as it
// is read (under the fault guard: the checksum touches every byte, so a damaged page
// faults here, not in the caller's code). [onRecord](key, payload, intact) returns
// false to stop. Returns the walk's LMDB status: 0 at the end (or when stopped), else
// the failing code (kFaulted after a fault).
struct Walk {
    uint64_t count = 0;
    uint64_t sum = 0; // of the stored checksums, as the digest adds them
};

template <class F>
int walkRecords(MDB_txn* txn, MDB_dbi dbi, size_t pageSize, Walk& walk, F&& onRecord) {
    MDB_cursor* cursor = nullptr;
    if (int rc = mdb_cursor_open(txn, dbi, &cursor); rc != 0)
        return rc;
    MDB_val key{};
    MDB_val val{};
    int rc = 0;
    for (MDB_cursor_op op = MDB_FIRST;; op = MDB_NEXT) {
        bool intact = true;
        uint64_t stored = 0;
        rc = guardedCall([&] {
            int r = mdb_cursor_get(cursor, &key, &val, op);
            if (r == 0) {
                std::string_view v = fromVal(val);
                intact = intactRecord(fromVal(key), v, pageSize);
                stored = v.size() >= kChecksumBytes ? storedChecksum(v) : 0;
            }
            return r;
        });
        if (rc != 0)
            break;
        ++walk.count;
        walk.sum += stored;
        std::string_view v = fromVal(val);
        if (!onRecord(fromVal(key), intact ? v.substr(kChecksumBytes) : std::string_view(), intact))
            break;
    }
    if (rc != kFaulted) // after a fault the cursor is abandoned with the environment
        mdb_cursor_close(cursor);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

// The digest as of [txn]'s snapshot: a reader beside a writer walks one snapshot and
// must hold it against that snapshot's digest, not the one it read when it opened.
Digest snapshotDigest(Env& e, MDB_txn* txn) {
    std::string value;
    Digest d = e.digest;
    absl::StatusOr<bool> found = getMeta(e, txn, kDigestKey, value);
    if (found.ok() && *found)
        (void)d.decode(value);
    return d;
}

// The digest's verdict on a whole walk of [db]: "" when it agrees.
std::string digestProblem(History::Db db, const Walk& walk, const Digest& digest) {
    const auto i = static_cast<size_t>(db);
    if (walk.count == digest.count[i] && walk.sum == digest.sum[i])
        return {};
    return absl::StrCat(dbName(db), ": ", walk.count, " records on disk where the store's digest says ",
                        digest.count[i], walk.count == digest.count[i] ? " with other contents" : "",
                        " (records were lost, added or replaced on disk)");
}

} // namespace

absl::Status History::forEach(Db db, absl::FunctionRef<absl::Status(std::string_view, std::string_view)> fn) const {
    return forEach(db, fn, [] { return absl::OkStatus(); });
}

absl::Status History::forEach(Db db, absl::FunctionRef<absl::Status(std::string_view, std::string_view)> fn,
                              absl::FunctionRef<absl::Status()> then) const {
    Env& e = *env_;
    RHO_RETURN_IF_ERROR(e.poisonedNow());
    if (e.empty)
        return then();
    MDB_txn* raw = nullptr;
    if (int rc = guardedCall([&] { return mdb_txn_begin(e.env, nullptr, MDB_RDONLY, &raw); }); rc != 0)
        return e.fail(rc, "mdb_txn_begin (read)");
    TxnGuard txn(raw); // a read transaction is only ever aborted
    absl::Status status;
    Walk walk;
    int rc = walkRecords(txn.get(), e.dbi(db), e.pageSize, walk, [&](std::string_view key, std::string_view payload, bool intact) {
        status = intact ? fn(key, payload)
                        : damagedRecord(db, key);
        return status.ok();
    });
    if (rc != 0) {
        if (rc == kFaulted)
            txn.forget();
        return e.fail(rc, "mdb_cursor_get");
    }
    RHO_RETURN_IF_ERROR(status);
    if (std::string problem = digestProblem(db, walk, snapshotDigest(e, txn.get())); !problem.empty())
        return absl::DataLossError(problem);
    return then();
}

absl::StatusOr<HistoryReport> History::verify() const {
    Env& e = *env_;
    RHO_RETURN_IF_ERROR(e.poisonedNow());
    HistoryReport report;
    if (e.empty)
        return report;
    MDB_txn* raw = nullptr;
    if (int rc = guardedCall([&] { return mdb_txn_begin(e.env, nullptr, MDB_RDONLY, &raw); }); rc != 0)
        return e.fail(rc, "mdb_txn_begin (read)");
    TxnGuard txn(raw);
    for (Db db : {Db::kData, Db::kConts, Db::kWaits}) {
        if (db == Db::kWaits && !e.hasWaits)
            break;
        Walk walk;
        int rc = walkRecords(txn.get(), e.dbi(db), e.pageSize, walk, [&](std::string_view key, std::string_view, bool intact) {
            if (!intact)
                report.problems.push_back(
                    std::string(damagedRecord(db, key).message()));
            return true;
        });
        (db == Db::kData ? report.dataRecords : db == Db::kConts ? report.contRecords : report.waitRecords) = walk.count;
        if (rc != 0) {
            if (rc == kFaulted)
                txn.forget();
            report.problems.push_back(absl::StrCat(dbName(db), ": the walk stopped after ", walk.count,
                                                   " records: ", e.fail(rc, "mdb_cursor_get").message()));
            return report;
        }
        if (std::string problem = digestProblem(db, walk, snapshotDigest(e, txn.get())); !problem.empty())
            report.problems.push_back(std::move(problem));
    }
    return report;
}

namespace {

size_t integer(std::string_view bytes) {
    size_t n = 0;
    std::memcpy(&n, bytes.data(), std::min(bytes.size(), sizeof n));
    return n;
}

// The walk of checkStructure over one database: every key in order, values unread.
// Returns the LMDB status (0 at the end) and the number of keys; [disorder] is set
// when a key is not above the one before (LMDB's order: bytes, then length).
// [integerKeys]: LMDB's free list orders its keys as native integers.
int walkKeys(MDB_txn* txn, MDB_dbi dbi, bool integerKeys, uint64_t& count, bool& disorder,
             absl::FunctionRef<bool(std::string_view, std::string_view)> onRecord) {
    MDB_cursor* cursor = nullptr;
    if (int rc = mdb_cursor_open(txn, dbi, &cursor); rc != 0)
        return rc;
    std::string previous; // outside the guard: a fault jumps over the lambda's frame
    int rc = guardedCall([&] { // one guard for the walk: a fault abandons the environment anyway
        MDB_val key{}, val{};
        for (MDB_cursor_op op = MDB_FIRST;; op = MDB_NEXT) {
            if (int r = mdb_cursor_get(cursor, &key, &val, op); r != 0)
                return r;
            std::string_view k = fromVal(key);
            if (count > 0)
                disorder = integerKeys ? k.size() != sizeof(size_t) || previous.size() != sizeof(size_t) ||
                                             integer(k) <= integer(previous)
                                       : k <= std::string_view(previous);
            if (disorder || !onRecord(k, fromVal(val)))
                return 0;
            previous.assign(k);
            ++count;
        }
    });
    if (rc != kFaulted)
        mdb_cursor_close(cursor);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

} // namespace

// LMDB checks almost nothing of the pages a write transaction copies and changes: a
// page of garbage on a commit's path makes it copy past its buffers, a heap corruption
// no fault guard can catch (the store harness found it). A run that loads channels on
// touch never reads most pages before its first checkpoint, so the first commit of an
// environment walks every page first: the keys of each database in order (the record
// databases' counts held against the digest; values are not read, so overflow pages
// are not touched) and the free list (each entry a well-formed list of page numbers
// within the file). What it finds refuses the commit: nothing is written over damage.
// Its cost is one pass over the branch and leaf pages, once per open store.
absl::Status History::checkStructure() {
    Env& e = *env_;
    MDB_txn* raw = nullptr;
    if (int rc = guardedCall([&] { return mdb_txn_begin(e.env, nullptr, MDB_RDONLY, &raw); }); rc != 0)
        return e.fail(rc, "mdb_txn_begin (read)");
    TxnGuard txn(raw);
    MDB_envinfo info{};
    if (int rc = mdb_env_info(e.env, &info); rc != 0)
        return e.fail(rc, "mdb_env_info");
    const Digest digest = snapshotDigest(e, txn.get());
    auto damaged = [&](const std::string& what) {
        return absl::DataLossError("the store in " + dir_ + " is damaged (" + what +
                                   "); nothing was written over it (rhovm verify " + dir_ + " reports the damage)");
    };
    struct Table {
        const char* name;
        MDB_dbi dbi;
        int db; // index into the digest, or -1
    };
    constexpr MDB_dbi kFreeDbi = 0, kMainDbi = 1; // LMDB's own: the free list, the named databases
    std::vector<Table> tables{{"the table of databases", kMainDbi, -1}, {"meta", e.meta, -1}};
    for (Db db : {Db::kData, Db::kConts, Db::kWaits})
        if (db != Db::kWaits || e.hasWaits)
            tables.push_back({dbName(db), e.dbi(db), static_cast<int>(db)});
    for (const Table& t : tables) {
        uint64_t count = 0;
        bool disorder = false;
        int rc = walkKeys(txn.get(), t.dbi, false, count, disorder, [](std::string_view, std::string_view) { return true; });
        if (rc == kFaulted)
            txn.forget();
        if (rc != 0)
            return damaged(absl::StrCat(t.name, ": the walk stopped after ", count,
                                        " keys: ", e.fail(rc, "mdb_cursor_get").message()));
        if (disorder)
            return damaged(absl::StrCat(t.name, ": its keys are out of order after ", count, " of them"));
        if (t.db >= 0 && count != digest.count[static_cast<size_t>(t.db)])
            return damaged(absl::StrCat(t.name, ": ", count, " records on disk where the store's digest says ",
                                        digest.count[static_cast<size_t>(t.db)]));
    }
    // The free list: txn id -> [n, page, ..., page], pages past the two meta pages and
    // within the file.
    uint64_t entries = 0;
    bool disorder = false;
    std::string problem;
    int rc = walkKeys(txn.get(), kFreeDbi, true, entries, disorder, [&](std::string_view, std::string_view val) {
        const size_t n = val.size() % sizeof(size_t) == 0 ? integer(val) : 0;
        if (val.size() < sizeof(size_t) || n + 1 != val.size() / sizeof(size_t)) {
            problem = absl::StrCat("free list: entry ", entries, " is malformed");
            return false;
        }
        for (size_t i = 1; i <= n; ++i) {
            const size_t page = integer(val.substr(i * sizeof(size_t)));
            if (page < 2 || page > info.me_last_pgno) {
                problem = absl::StrCat("free list: entry ", entries, " names page ", page, ", outside the file's ",
                                       info.me_last_pgno + 1, " pages");
                return false;
            }
        }
        return true;
    });
    if (rc == kFaulted)
        txn.forget();
    if (rc != 0)
        return damaged(absl::StrCat("free list: the walk stopped after ", entries,
                                    " entries: ", e.fail(rc, "mdb_cursor_get").message()));
    if (disorder)
        return damaged(absl::StrCat("free list: its keys are out of order after ", entries, " of them"));
    if (!problem.empty())
        return damaged(problem);
    return absl::OkStatus();
}

namespace {

// The error of a failed commit; LMDB reports a short write (a full disk) as EIO.
absl::Status commitError(Env& e, int rc, const std::string& op, const std::string& dir) {
    if (rc == EIO || rc == ENOSPC) {
        struct statvfs fs {};
        if (rc == ENOSPC || (::statvfs(dir.c_str(), &fs) == 0 && fs.f_bavail == 0))
            return absl::ResourceExhaustedError(
                absl::StrCat("lmdb ", op, ": No space left on device (the disk holding ", dir,
                             " is full); nothing of this checkpoint was written"));
    }
    return e.fail(rc, op);
}

// LMDB's meta page counts every page number the transaction handed out, but a page
// freed again within it (a loose page) is never written: when that page is the last,
// the file ends before the page the meta page calls its last, and the check before
// every open (store_file.cpp) would take a sound store for a truncated one. After each
// commit the file is extended to that page (zeros: a free page, never read as part of
// a tree), so every store this writes covers what its meta page claims. (A crash
// between LMDB's commit and this leaves such a store refused as truncated.)
absl::Status coverLastPage(Env& e, const std::string& dir) {
    MDB_envinfo info{};
    MDB_stat st{};
    mdb_filehandle_t fd = -1;
    if (mdb_env_info(e.env, &info) != 0 || mdb_env_stat(e.env, &st) != 0 || mdb_env_get_fd(e.env, &fd) != 0)
        return absl::OkStatus(); // (nothing to go by: the next open checks the file)
    const auto needed = static_cast<off_t>((info.me_last_pgno + 1) * st.ms_psize);
    struct stat fs {};
    if (::fstat(fd, &fs) != 0 || fs.st_size >= needed)
        return absl::OkStatus();
    if (::ftruncate(fd, needed) != 0 || ::fdatasync(fd) != 0)
        return absl::InternalError(absl::StrCat("cannot extend ", dir, "/data.mdb to its last page (", needed,
                                                " bytes): ", std::strerror(errno)));
    return absl::OkStatus();
}

} // namespace

absl::Status History::commit(const std::vector<Put>& puts, const std::vector<Del>& dels) {
    std::vector<PutView> views;
    views.reserve(puts.size());
    for (const Put& p : puts)
        views.push_back({p.db, p.key, p.value});
    return commit(std::span<const PutView>(views), dels);
}

absl::Status History::commit(std::span<const PutView> puts, const std::vector<Del>& dels,
                             const std::string* spaceState) {
    Env& e = *env_;
    RHO_RETURN_IF_ERROR(e.poisonedNow());
    if (e.readOnly)
        return absl::FailedPreconditionError(absl::StrCat("history ", dir_, ": opened read-only"));
    for (const PutView& p : puts)
        if (p.db == Db::kWaits && !e.hasWaits)
            return absl::FailedPreconditionError(absl::StrCat("history ", dir_, ": no waits database"));
    e.dropReaders(); // the map may grow below
    if (!e.structureChecked) {
        RHO_RETURN_IF_ERROR(checkStructure());
        e.structureChecked = true;
    }
    // Grow the map before the transaction when what it writes will not fit: a full map
    // aborts the transaction and writes it all again (below), which for a first
    // checkpoint of 10^6 records doubled its cost.
    {
        size_t payload = 0;
        for (const PutView& p : puts)
            payload += p.key.size() + p.value.size() + kChecksumBytes + 16; // + LMDB's node header
        MDB_envinfo info{};
        MDB_stat st{};
        if (mdb_env_info(e.env, &info) == 0 && mdb_env_stat(e.env, &st) == 0) {
            const size_t used = (info.me_last_pgno + 1) * st.ms_psize;
            const size_t need = used + payload + payload / 2 + 64 * size_t{st.ms_psize}; // leaves half full, branches
            size_t grown = e.mapSize;
            while (grown < need && grown < e.maxMapSize)
                grown = std::min(e.maxMapSize, grown * 2);
            if (grown != e.mapSize && mdb_env_set_mapsize(e.env, grown) == 0)
                e.mapSize = grown;
        }
    }
    for (;;) {
        MDB_txn* raw = nullptr;
        if (int rc = guardedCall([&] { return mdb_txn_begin(e.env, nullptr, 0, &raw); }); rc != 0)
            return commitError(e, rc, "mdb_txn_begin (write)", dir_);
        TxnGuard txn(raw);
        Digest digest = e.digest;
        // Each write reads the record it replaces (its checksum leaves the digest) and
        // writes the new one in place (MDB_RESERVE: no copy of the payload).
        auto write = [&](Db db, std::string_view key, const std::string_view* payload, const char*& op) {
            MDB_val k = toVal(key);
            MDB_val old{};
            op = "mdb_get";
            int rc = mdb_get(txn.get(), e.dbi(db), &k, &old);
            if (rc == 0) {
                std::string_view v = fromVal(old);
                digest.remove(db, v.size() >= kChecksumBytes ? storedChecksum(v) : 0);
            } else if (rc != MDB_NOTFOUND) {
                return rc;
            }
            if (payload == nullptr) {
                op = "mdb_del";
                return rc == MDB_NOTFOUND ? 0 : mdb_del(txn.get(), e.dbi(db), &k, nullptr);
            }
            const uint64_t c = checksum(key, *payload);
            MDB_val v{kChecksumBytes + payload->size(), nullptr};
            op = "mdb_put";
            if (rc = mdb_put(txn.get(), e.dbi(db), &k, &v, MDB_RESERVE); rc != 0)
                return rc;
            char* out = static_cast<char*>(v.mv_data);
            std::memcpy(out, &c, kChecksumBytes);
            std::memcpy(out + kChecksumBytes, payload->data(), payload->size());
            digest.add(db, c);
            return 0;
        };
        // A put past the largest key of its table is a new record at the table's end:
        // written through a cursor with MDB_APPEND, with no search and no old record to
        // read. Puts in key order (as Space::checkpoint sorts them) into a table they
        // extend, a fresh store's first checkpoint above all, all take this path.
        MDB_cursor* cursors[kDbCount] = {};
        std::string largest[kDbCount];
        bool any[kDbCount] = {};
        auto append = [&](Db db, std::string_view key, std::string_view payload, bool& done, const char*& op) {
            const auto t = static_cast<size_t>(db);
            done = false;
            if (cursors[t] == nullptr) {
                op = "mdb_cursor_open";
                if (int rc = mdb_cursor_open(txn.get(), e.dbi(db), &cursors[t]); rc != 0)
                    return rc;
                MDB_val k{}, v{};
                int rc = mdb_cursor_get(cursors[t], &k, &v, MDB_LAST);
                if (rc == 0) {
                    largest[t].assign(static_cast<const char*>(k.mv_data), k.mv_size);
                    any[t] = true;
                } else if (rc != MDB_NOTFOUND) {
                    return rc;
                }
            }
            if (any[t] && key <= std::string_view(largest[t]))
                return 0; // not past the end: the searching path
            const uint64_t c = checksum(key, payload);
            MDB_val k = toVal(key);
            MDB_val v{kChecksumBytes + payload.size(), nullptr};
            op = "mdb_cursor_put (append)";
            if (int rc = mdb_cursor_put(cursors[t], &k, &v, MDB_APPEND | MDB_RESERVE); rc != 0)
                return rc;
            char* out = static_cast<char*>(v.mv_data);
            std::memcpy(out, &c, kChecksumBytes);
            std::memcpy(out + kChecksumBytes, payload.data(), payload.size());
            digest.add(db, c);
            largest[t].assign(key);
            any[t] = true;
            done = true;
            return 0;
        };
        const char* op = "mdb_put";
        int rc = guardedCall([&] {
            // The records are read in key order, not in the order they lie in memory
            // (a checkpoint encodes them as its channels come): each would be a cache
            // miss, so the ones a few places ahead are fetched early.
            constexpr size_t kAhead = 8;
            for (size_t i = 0; i < puts.size(); ++i) {
                if (i + kAhead < puts.size()) {
                    __builtin_prefetch(puts[i + kAhead].key.data());
                    __builtin_prefetch(puts[i + kAhead].value.data());
                }
                const PutView& put = puts[i];
                if (put.key.empty())
                    return static_cast<int>(MDB_BAD_VALSIZE);
                bool appended = false;
                if (int r = append(put.db, put.key, put.value, appended, op); r != 0)
                    return r;
                if (appended)
                    continue;
                if (int r = write(put.db, put.key, &put.value, op); r != 0)
                    return r;
            }
            for (const Del& del : dels)
                if (int r = write(del.db, del.key, nullptr, op); r != 0)
                    return r;
            return 0;
        });
        if (rc == 0) {
            std::string bytes = digest.encode();
            MDB_val k = toVal(kDigestKey);
            MDB_val v = toVal(bytes);
            op = "mdb_put meta digest";
            rc = guardedCall([&] { return mdb_put(txn.get(), e.meta, &k, &v, 0); });
            const std::string version = encodeU32(kHistoryFormatVersion);
            if (rc == 0 && e.version != kHistoryFormatVersion) { // a version 4 store's index is written
                MDB_val vk = toVal(kVersionKey);
                MDB_val vv = toVal(version);
                op = "mdb_put meta version";
                rc = guardedCall([&] { return mdb_put(txn.get(), e.meta, &vk, &vv, 0); });
            }
            std::string sealed; // checksum + the space's bytes
            if (spaceState != nullptr) {
                const uint64_t c = checksum(kSpaceKey, *spaceState);
                sealed.assign(reinterpret_cast<const char*>(&c), kChecksumBytes);
                sealed += *spaceState;
            }
            if (rc == 0 && spaceState != nullptr) {
                MDB_val sk = toVal(kSpaceKey);
                MDB_val sv = toVal(sealed);
                op = "mdb_put meta space";
                rc = guardedCall([&] { return mdb_put(txn.get(), e.meta, &sk, &sv, 0); });
            }
            if (rc == 0) {
                op = "mdb_txn_commit";
                rc = txn.commit();
            }
        }
        if (rc == kFaulted)
            txn.forget();
        if (rc == 0) {
            e.digest = digest;
            e.version = kHistoryFormatVersion;
            if (spaceState != nullptr)
                e.spaceState = *spaceState;
            return coverLastPage(e, dir_);
        }
        if (rc != MDB_MAP_FULL || e.mapSize >= e.maxMapSize)
            return commitError(e, rc, op, dir_);
        // A full map: abort (the guard), grow and write it all again.
        mdb_txn_abort(txn.get());
        txn.forget();
        const size_t grown = std::min(e.maxMapSize, e.mapSize * 2);
        if (int r = mdb_env_set_mapsize(e.env, grown); r != 0)
            return lmdbStatus(r, absl::StrCat("mdb_env_set_mapsize ", grown, " (growing the map)"));
        e.mapSize = grown;
    }
}

absl::Status History::setFormatVersionForTesting(uint32_t version) {
    Env& e = *env_;
    MDB_txn* raw = nullptr;
    if (int rc = mdb_txn_begin(e.env, nullptr, 0, &raw); rc != 0)
        return lmdbStatus(rc, "mdb_txn_begin (write)");
    TxnGuard txn(raw);
    RHO_RETURN_IF_ERROR(putMeta(e, txn.get(), kVersionKey, encodeU32(version)));
    if (int rc = txn.commit(); rc != 0)
        return lmdbStatus(rc, "mdb_txn_commit");
    e.version = version;
    return absl::OkStatus();
}

namespace {

// A read transaction from [e]'s pool (or a new one), given back (reset) when done.
class PooledReader {
  public:
    explicit PooledReader(const Env& e) : e_(e) {}
    ~PooledReader() {
        if (txn_ == nullptr)
            return;
        if (faulted_)
            return; // abandoned with the environment
        mdb_txn_reset(txn_);
        std::lock_guard lock(e_.readersMu);
        e_.readers.push_back(txn_);
    }
    PooledReader(const PooledReader&) = delete;
    PooledReader& operator=(const PooledReader&) = delete;
    // 0 or the LMDB code of the failed begin / renew.
    int begin() {
        {
            std::lock_guard lock(e_.readersMu);
            if (!e_.readers.empty()) {
                txn_ = e_.readers.back();
                e_.readers.pop_back();
            }
        }
        if (txn_ != nullptr) {
            int rc = guardedCall([&] { return mdb_txn_renew(txn_); });
            if (rc == 0)
                return 0;
            if (rc != kFaulted)
                mdb_txn_abort(txn_);
            txn_ = nullptr;
            return rc;
        }
        return guardedCall([&] { return mdb_txn_begin(e_.env, nullptr, MDB_RDONLY, &txn_); });
    }
    MDB_txn* get() const { return txn_; }
    void faulted() { faulted_ = true; }

  private:
    const Env& e_;
    MDB_txn* txn_ = nullptr;
    bool faulted_ = false;
};

} // namespace

absl::StatusOr<bool> History::read(Db db, std::string_view key,
                                   absl::FunctionRef<absl::Status(std::string_view)> fn) const {
    Env& e = *env_;
    RHO_RETURN_IF_ERROR(e.poisonedNow());
    if (e.empty || (db == Db::kWaits && !e.hasWaits))
        return false;
    PooledReader reader(e);
    if (int rc = reader.begin(); rc != 0)
        return e.fail(rc, "mdb_txn_begin (read)");
    MDB_val k = toVal(key);
    MDB_val v{};
    bool intact = false;
    int rc = guardedCall([&] {
        int r = mdb_get(reader.get(), e.dbi(db), &k, &v);
        if (r == 0) {
            intact = intactRecord(key, fromVal(v), e.pageSize);
        }
        return r;
    });
    if (rc == MDB_NOTFOUND)
        return false;
    if (rc != 0) {
        if (rc == kFaulted)
            reader.faulted();
        return e.fail(rc, "mdb_get");
    }
    if (!intact)
        return damagedRecord(db, key);
    RHO_RETURN_IF_ERROR(fn(fromVal(v).substr(kChecksumBytes)));
    return true;
}

absl::Status History::scan(Db db, std::string_view prefix,
                           absl::FunctionRef<absl::Status(std::string_view, std::string_view)> fn) const {
    Env& e = *env_;
    RHO_RETURN_IF_ERROR(e.poisonedNow());
    if (e.empty || (db == Db::kWaits && !e.hasWaits))
        return absl::OkStatus();
    PooledReader reader(e);
    if (int rc = reader.begin(); rc != 0)
        return e.fail(rc, "mdb_txn_begin (read)");
    MDB_cursor* cursor = nullptr;
    if (int rc = guardedCall([&] { return mdb_cursor_open(reader.get(), e.dbi(db), &cursor); }); rc != 0) {
        if (rc == kFaulted)
            reader.faulted();
        return e.fail(rc, "mdb_cursor_open");
    }
    MDB_val k = toVal(prefix);
    MDB_val v{};
    absl::Status status;
    int rc = 0;
    for (MDB_cursor_op op = MDB_SET_RANGE;; op = MDB_NEXT) {
        bool intact = false;
        rc = guardedCall([&] {
            int r = mdb_cursor_get(cursor, &k, &v, op);
            if (r == 0 && fromVal(k).substr(0, prefix.size()) == prefix) {
                intact = intactRecord(fromVal(k), fromVal(v), e.pageSize);
            }
            return r;
        });
        if (rc != 0 || fromVal(k).substr(0, prefix.size()) != prefix)
            break;
        if (!intact) {
            status = damagedRecord(db, fromVal(k));
            break;
        }
        if (status = fn(fromVal(k), fromVal(v).substr(kChecksumBytes)); !status.ok())
            break;
    }
    if (rc == kFaulted) {
        reader.faulted();
        return e.fail(rc, "mdb_cursor_get");
    }
    mdb_cursor_close(cursor);
    if (rc != 0 && rc != MDB_NOTFOUND)
        return e.fail(rc, "mdb_cursor_get");
    return status;
}

} // namespace rho::rspace
