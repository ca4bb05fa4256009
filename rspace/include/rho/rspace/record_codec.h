// File: record_codec.h
// The integer encodings of the space's LMDB records: base/byte_order.h's (little-endian
// counts and sequence numbers; big-endian continuation keys, so LMDB's byte order is
// id order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rho/base/byte_order.h"

namespace rho::rspace::detail {

using base::getU32;
using base::getU64;
using base::getU8;
using base::putU32;
using base::putU64;
using base::putU8;

// Continuation ids are LMDB keys: big-endian, so LMDB's memcmp order is id order.
inline std::string contKeyBytes(uint64_t id) {
    std::string out;
    base::putU64BE(out, id);
    return out;
}

inline bool parseContKey(std::string_view in, uint64_t& id) {
    return in.size() == 8 && base::getU64BE(in, id);
}

} // namespace rho::rspace::detail
