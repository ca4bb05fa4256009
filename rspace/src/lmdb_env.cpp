// File: lmdb_env.cpp
// History over LMDB: the only file that includes lmdb.h, and the only place where
// LMDB return codes become absl::Status. Every transaction here is short and
// opened and finished inside one call, so no LMDB handle outlives a method.
#include "absl/strings/str_cat.h"
#include "rho/base/byte_order.h"
#include "rho/rspace/history.h"

#include <lmdb.h>

#include <cstring>
#include <errno.h>
#include <filesystem>
#include <stdlib.h>
#include <system_error>
#include <unistd.h>

namespace rho::rspace {

namespace {

constexpr char kMetaDb[] = "meta";
constexpr char kDataDb[] = "data";
constexpr char kContsDb[] = "conts";
constexpr char kVersionKey[] = "version";
constexpr char kPayloadKey[] = "payload";

// Map an LMDB (or errno) return code to a canonical Status, naming the operation.
absl::Status lmdbStatus(int rc, const std::string& op) {
    std::string msg = absl::StrCat("lmdb ", op, ": ", mdb_strerror(rc));
    switch (rc) {
    case MDB_MAP_FULL:
    case MDB_TXN_FULL:
    case MDB_READERS_FULL:
    case MDB_DBS_FULL:
    case MDB_MAP_RESIZED:
    case ENOMEM:
    case ENOSPC:
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

std::string_view fromVal(const MDB_val& v) {
    return {static_cast<const char*>(v.mv_data), v.mv_size};
}

std::string encodeVersion(uint32_t v) {
    std::string out;
    base::putU32(out, v);
    return out;
}

// Aborts the transaction unless commit() succeeded, so early returns cannot leak it.
class TxnGuard {
  public:
    explicit TxnGuard(MDB_txn* txn) : txn_(txn) {}
    ~TxnGuard() {
        if (txn_ != nullptr) {
            mdb_txn_abort(txn_);
        }
    }
    TxnGuard(const TxnGuard&) = delete;
    TxnGuard& operator=(const TxnGuard&) = delete;
    MDB_txn* get() const { return txn_; }
    int commit() {
        int rc = mdb_txn_commit(txn_);
        txn_ = nullptr; // committed or not, the handle is freed by mdb_txn_commit
        return rc;
    }

  private:
    MDB_txn* txn_;
};

} // namespace

struct History::Env {
    MDB_env* env = nullptr;
    MDB_dbi meta = 0;
    MDB_dbi data = 0;
    MDB_dbi conts = 0;

    Env() = default;
    Env(const Env&) = delete;
    Env& operator=(const Env&) = delete;
    ~Env() {
        if (env != nullptr) {
            mdb_env_close(env); // also closes the DBI handles
        }
    }
    MDB_dbi dbi(Db db) const { return db == Db::kData ? data : conts; }
};

History::History(std::unique_ptr<Env> env, std::string dir, bool temporary, uint32_t formatVersion)
    : env_(std::move(env)), dir_(std::move(dir)), temporary_(temporary), formatVersion_(formatVersion) {}

History::~History() {
    env_.reset(); // close before removing the files
    if (temporary_) {
        std::error_code ec; // best effort: a destructor cannot report failure
        std::filesystem::remove_all(dir_, ec);
    }
}

absl::StatusOr<std::unique_ptr<History>> History::open(const std::string& dir, size_t mapSizeBytes,
                                                      std::string_view payloadTag) {
    if (dir.empty()) {
        return absl::InvalidArgumentError("history: empty directory name");
    }
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        std::string msg = absl::StrCat("history: cannot create directory ", dir, ": ", ec.message());
        if (ec == std::errc::permission_denied || ec == std::errc::read_only_file_system) {
            return absl::PermissionDeniedError(msg);
        }
        return absl::InternalError(msg);
    }

    auto env = std::make_unique<Env>();
    if (int rc = mdb_env_create(&env->env); rc != 0) {
        env->env = nullptr;
        return lmdbStatus(rc, "mdb_env_create");
    }
    if (int rc = mdb_env_set_maxdbs(env->env, 3); rc != 0) {
        return lmdbStatus(rc, "mdb_env_set_maxdbs");
    }
    if (int rc = mdb_env_set_mapsize(env->env, mapSizeBytes); rc != 0) {
        return lmdbStatus(rc, "mdb_env_set_mapsize");
    }
    // MDB_NOTLS: read transactions are not tied to a thread, since Space may be
    // driven from any worker thread. Default flags otherwise: a directory, durable commits.
    if (int rc = mdb_env_open(env->env, dir.c_str(), MDB_NOTLS, 0644); rc != 0) {
        return lmdbStatus(rc, absl::StrCat("mdb_env_open ", dir));
    }

    MDB_txn* raw = nullptr;
    if (int rc = mdb_txn_begin(env->env, nullptr, 0, &raw); rc != 0) {
        return lmdbStatus(rc, "mdb_txn_begin");
    }
    TxnGuard txn(raw);
    if (int rc = mdb_dbi_open(txn.get(), kMetaDb, MDB_CREATE, &env->meta); rc != 0) {
        return lmdbStatus(rc, "mdb_dbi_open meta");
    }
    if (int rc = mdb_dbi_open(txn.get(), kDataDb, MDB_CREATE, &env->data); rc != 0) {
        return lmdbStatus(rc, "mdb_dbi_open data");
    }
    if (int rc = mdb_dbi_open(txn.get(), kContsDb, MDB_CREATE, &env->conts); rc != 0) {
        return lmdbStatus(rc, "mdb_dbi_open conts");
    }

    MDB_val key = toVal(kVersionKey);
    MDB_val val{};
    int rc = mdb_get(txn.get(), env->meta, &key, &val);
    if (rc == MDB_NOTFOUND) {
        std::string bytes = encodeVersion(kHistoryFormatVersion);
        MDB_val v = toVal(bytes);
        if (rc = mdb_put(txn.get(), env->meta, &key, &v, 0); rc != 0) {
            return lmdbStatus(rc, "mdb_put meta version");
        }
    } else if (rc != 0) {
        return lmdbStatus(rc, "mdb_get meta version");
    } else {
        if (val.mv_size != 4) {
            return absl::DataLossError(
                absl::StrCat("history ", dir, ": malformed format version record (", val.mv_size, " bytes)"));
        }
        uint32_t stored = 0;
        std::string_view bytes = fromVal(val);
        base::getU32(bytes, stored);
        if (stored != kHistoryFormatVersion) {
            return absl::FailedPreconditionError(
                absl::StrCat("history ", dir, ": unsupported format version ", stored,
                             " (this build reads version ", kHistoryFormatVersion, ")"));
        }
    }
    MDB_val payloadKey = toVal(kPayloadKey);
    rc = mdb_get(txn.get(), env->meta, &payloadKey, &val);
    if (rc == MDB_NOTFOUND) {
        MDB_val v{payloadTag.size(), const_cast<char*>(payloadTag.data())};
        if (rc = mdb_put(txn.get(), env->meta, &payloadKey, &v, 0); rc != 0) {
            return lmdbStatus(rc, "mdb_put meta payload");
        }
    } else if (rc != 0) {
        return lmdbStatus(rc, "mdb_get meta payload");
    } else if (fromVal(val) != payloadTag) {
        return absl::FailedPreconditionError(absl::StrCat("history ", dir, ": written by \"", std::string(fromVal(val)),
                                                          "\"; this build is \"", std::string(payloadTag), "\""));
    }
    if (rc = txn.commit(); rc != 0) {
        return lmdbStatus(rc, "mdb_txn_commit (open)");
    }
    return std::unique_ptr<History>(new History(std::move(env), dir, false, kHistoryFormatVersion));
}

absl::StatusOr<std::unique_ptr<History>> History::openTemporary(size_t mapSizeBytes, std::string_view payloadTag) {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = absl::StrCat(base != nullptr && *base != '\0' ? base : "/tmp", "/rhovm-space-XXXXXX");
    if (mkdtemp(tmpl.data()) == nullptr) {
        return absl::InternalError(absl::StrCat("history: mkdtemp ", tmpl, ": ", std::strerror(errno)));
    }
    auto history = open(tmpl, mapSizeBytes, payloadTag);
    if (!history.ok()) {
        std::error_code ec;
        std::filesystem::remove_all(tmpl, ec);
        return history.status();
    }
    (*history)->temporary_ = true;
    return history;
}

absl::Status History::forEach(Db db,
                              absl::FunctionRef<absl::Status(std::string_view, std::string_view)> fn) const {
    MDB_txn* raw = nullptr;
    if (int rc = mdb_txn_begin(env_->env, nullptr, MDB_RDONLY, &raw); rc != 0) {
        return lmdbStatus(rc, "mdb_txn_begin (read)");
    }
    TxnGuard txn(raw); // a read transaction is only ever aborted
    MDB_cursor* cursor = nullptr;
    if (int rc = mdb_cursor_open(txn.get(), env_->dbi(db), &cursor); rc != 0) {
        return lmdbStatus(rc, "mdb_cursor_open");
    }
    absl::Status status;
    MDB_val key{};
    MDB_val val{};
    for (int rc = mdb_cursor_get(cursor, &key, &val, MDB_FIRST);;
         rc = mdb_cursor_get(cursor, &key, &val, MDB_NEXT)) {
        if (rc == MDB_NOTFOUND) {
            break;
        }
        if (rc != 0) {
            status = lmdbStatus(rc, "mdb_cursor_get");
            break;
        }
        status = fn(fromVal(key), fromVal(val));
        if (!status.ok()) {
            break;
        }
    }
    mdb_cursor_close(cursor);
    return status;
}

absl::Status History::commit(const std::vector<Put>& puts, const std::vector<Del>& dels) {
    MDB_txn* raw = nullptr;
    if (int rc = mdb_txn_begin(env_->env, nullptr, 0, &raw); rc != 0) {
        return lmdbStatus(rc, "mdb_txn_begin (write)");
    }
    TxnGuard txn(raw);
    for (const Put& put : puts) {
        MDB_val key = toVal(put.key);
        MDB_val val = toVal(put.value);
        if (int rc = mdb_put(txn.get(), env_->dbi(put.db), &key, &val, 0); rc != 0) {
            return lmdbStatus(rc, "mdb_put");
        }
    }
    for (const Del& del : dels) {
        MDB_val key = toVal(del.key);
        if (int rc = mdb_del(txn.get(), env_->dbi(del.db), &key, nullptr); rc != 0 && rc != MDB_NOTFOUND) {
            return lmdbStatus(rc, "mdb_del");
        }
    }
    if (int rc = txn.commit(); rc != 0) {
        return lmdbStatus(rc, "mdb_txn_commit");
    }
    return absl::OkStatus();
}

absl::Status History::setFormatVersionForTesting(uint32_t version) {
    MDB_txn* raw = nullptr;
    if (int rc = mdb_txn_begin(env_->env, nullptr, 0, &raw); rc != 0) {
        return lmdbStatus(rc, "mdb_txn_begin (write)");
    }
    TxnGuard txn(raw);
    std::string bytes = encodeVersion(version);
    MDB_val key = toVal(kVersionKey);
    MDB_val val = toVal(bytes);
    if (int rc = mdb_put(txn.get(), env_->meta, &key, &val, 0); rc != 0) {
        return lmdbStatus(rc, "mdb_put meta version");
    }
    if (int rc = txn.commit(); rc != 0) {
        return lmdbStatus(rc, "mdb_txn_commit");
    }
    formatVersion_ = version;
    return absl::OkStatus();
}

} // namespace rho::rspace
