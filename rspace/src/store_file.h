// File: store_file.h (private to rho_rspace)
// What History checks and holds outside LMDB: the data file's shape before LMDB maps
// it, and the store's one-writer lock.
#pragma once

#include "absl/status/status.h"

#include <string>

namespace rho::rspace::detail {

// Checks DIR/data.mdb before LMDB touches it, from its two meta pages (read with
// pread, never mapped): an LMDB magic and data version, a page size, and a file at
// least as long as the newer meta page's last page says. A missing file is OK (a new
// store); [exists] says whether there was one.
// Errors: DataLoss naming the damage (empty, truncated, not an LMDB file, damaged
// meta pages); PermissionDenied or Internal when the file cannot be read.
absl::Status checkDataFile(const std::string& dir, bool& exists);

// The one-writer lock of a store: an exclusive flock on DIR/writer.lock, which holds
// the holder's process id for the message a second writer gets. The kernel drops the
// lock when its holder exits in any way (kill -9 included), so it never goes stale.
class WriterLock {
  public:
    // Takes the lock, waiting for the current holder when [wait], else failing at once.
    // Errors: Unavailable (another process holds it: the message names its pid);
    // PermissionDenied / Internal when the lock file cannot be made.
    static absl::Status acquire(const std::string& dir, bool wait, WriterLock& out);

    WriterLock() = default;
    ~WriterLock();
    WriterLock(WriterLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    WriterLock& operator=(WriterLock&& other) noexcept;
    WriterLock(const WriterLock&) = delete;
    WriterLock& operator=(const WriterLock&) = delete;

  private:
    int fd_ = -1;
};

} // namespace rho::rspace::detail
