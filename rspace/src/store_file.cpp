// File: store_file.cpp
// The data file's pre-open check and the writer lock (store_file.h).
//
// LMDB's file starts with two meta pages (page 0 and page 1). Each is a page header
// (16 bytes: page number, padding, flags, lower and upper bounds) followed by MDB_meta:
//   u32 magic (0xBEEFC0DE), u32 data version (1), u64 address, u64 map size,
//   two MDB_db records of 48 bytes (the free list's, whose first u32 is the page size,
//   and the main database's), u64 last page number, u64 transaction id.
// LMDB uses the meta page with the larger transaction id; the file must hold every
// page up to that meta page's last page. (Layout of LMDB 0.9, 64-bit.)
#include "store_file.h"

#include "absl/strings/str_cat.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <string_view>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rho::rspace::detail {

namespace {

constexpr uint32_t kLmdbMagic = 0xBEEFC0DE;
constexpr uint32_t kLmdbDataVersion = 1;
constexpr size_t kPageHeader = 16;
constexpr size_t kMetaPageSizeAt = kPageHeader + 4 + 4 + 8 + 8;    // free DB's md_pad
constexpr size_t kMetaLastPageAt = kPageHeader + 4 + 4 + 8 + 8 + 96; // mm_last_pg
constexpr size_t kMetaBytes = kMetaLastPageAt + 16;                // through mm_txnid

struct Meta {
    bool valid = false;
    uint32_t pageSize = 0;
    uint64_t lastPage = 0;
    uint64_t txnid = 0;
};

template <class T>
T load(const unsigned char* p) {
    T v;
    std::memcpy(&v, p, sizeof v); // LMDB writes its meta pages in host order
    return v;
}

Meta parseMeta(const unsigned char* page) {
    Meta m;
    m.valid = load<uint32_t>(page + kPageHeader) == kLmdbMagic &&
              load<uint32_t>(page + kPageHeader + 4) == kLmdbDataVersion;
    m.pageSize = load<uint32_t>(page + kMetaPageSizeAt);
    m.lastPage = load<uint64_t>(page + kMetaLastPageAt);
    m.txnid = load<uint64_t>(page + kMetaLastPageAt + 8);
    return m;
}

bool plausiblePageSize(uint32_t size) { return size >= 512 && size <= 65536 && (size & (size - 1)) == 0; }

absl::Status fileError(const std::string& path, const char* what, int err) {
    std::string msg = absl::StrCat(what, " ", path, ": ", std::strerror(err));
    if (err == EACCES || err == EPERM)
        return absl::PermissionDeniedError(msg);
    return absl::InternalError(msg);
}

class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return fd_; }

  private:
    int fd_;
};

} // namespace

absl::Status checkDataFile(const std::string& dir, bool& exists) {
    const std::string path = dir + "/data.mdb";
    exists = false;
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT)
            return absl::OkStatus();
        return fileError(path, "cannot open", errno);
    }
    exists = true;
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return fileError(path, "cannot stat", errno);
    const auto size = static_cast<uint64_t>(st.st_size);
    if (size == 0)
        return absl::DataLossError(absl::StrCat(path, " is empty (0 bytes): the store was truncated"));
    unsigned char first[kMetaBytes];
    if (size < kMetaBytes || ::pread(fd.get(), first, kMetaBytes, 0) != static_cast<ssize_t>(kMetaBytes))
        return absl::DataLossError(absl::StrCat(path, " is truncated (", size, " bytes): not even one LMDB meta page"));
    Meta m0 = parseMeta(first);
    if (load<uint32_t>(first + kPageHeader) != kLmdbMagic)
        return absl::DataLossError(absl::StrCat(path, " is not an LMDB file (no LMDB magic in its first page)"));
    if (!m0.valid)
        return absl::DataLossError(absl::StrCat(path, ": LMDB data version ", load<uint32_t>(first + kPageHeader + 4),
                                                " (this build reads version ", kLmdbDataVersion, ")"));
    if (!plausiblePageSize(m0.pageSize))
        return absl::DataLossError(absl::StrCat(path, ": meta page 0 is damaged (page size ", m0.pageSize, ")"));
    const uint64_t pageSize = m0.pageSize;
    if (size < 2 * pageSize)
        return absl::DataLossError(
            absl::StrCat(path, " is truncated (", size, " bytes): its two meta pages need ", 2 * pageSize));
    unsigned char second[kMetaBytes];
    if (::pread(fd.get(), second, kMetaBytes, static_cast<off_t>(pageSize)) != static_cast<ssize_t>(kMetaBytes))
        return fileError(path, "cannot read", errno);
    Meta m1 = parseMeta(second);
    if (!m1.valid)
        return absl::DataLossError(absl::StrCat(path, ": meta page 1 is damaged (no LMDB magic)"));
    const Meta& newer = m1.txnid > m0.txnid ? m1 : m0;
    // The newest meta page's last page must be in the file (and in any sane range).
    if (newer.lastPage > (uint64_t{1} << 40))
        return absl::DataLossError(absl::StrCat(path, ": meta page ", &newer == &m1 ? 1 : 0,
                                                " is damaged (last page ", newer.lastPage, ")"));
    const uint64_t needed = (newer.lastPage + 1) * pageSize;
    if (size < needed)
        return absl::DataLossError(absl::StrCat(path, " is truncated: ", size, " bytes, but its last checkpoint needs ",
                                                needed, " (", newer.lastPage + 1, " pages of ", pageSize, ")"));
    return absl::OkStatus();
}

absl::Status WriterLock::acquire(const std::string& dir, bool wait, WriterLock& out) {
    const std::string path = dir + "/writer.lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        const int err = errno;
        if (err == EROFS || err == EACCES || err == EPERM)
            return absl::PermissionDeniedError(absl::StrCat(
                dir, err == EROFS ? " is on a read-only file system" : " is not writable by this user",
                ": a run cannot write its store (rhovm inspect and verify can read it)"));
        return fileError(path, "cannot open the writer lock", err);
    }
    WriterLock lock;
    lock.fd_ = fd;
    while (::flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK)
            return fileError(path, "cannot lock", errno);
        char buf[32] = {};
        ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
        std::string_view pid(buf, n > 0 ? static_cast<size_t>(n) : 0);
        while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' '))
            pid.remove_suffix(1);
        return absl::UnavailableError(absl::StrCat(
            dir, " is in use by another rhovm run", pid.empty() ? "" : absl::StrCat(" (pid ", std::string(pid), ")"),
            ": one run writes a store at a time (pass --wait to wait for it)"));
    }
    std::string pid = absl::StrCat(::getpid(), "\n");
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        // The pid is only for the message: the lock itself is held.
    }
    out = std::move(lock);
    return absl::OkStatus();
}

WriterLock& WriterLock::operator=(WriterLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

WriterLock::~WriterLock() {
    if (fd_ >= 0)
        ::close(fd_); // closing the last descriptor releases the flock
}

} // namespace rho::rspace::detail
