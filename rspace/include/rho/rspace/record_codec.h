// File: record_codec.h
// The integer encodings of the space's LMDB records (little-endian counts and
// sequence numbers; big-endian continuation keys, so LMDB's byte order is id order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rho::rspace::detail {

inline void putU8(std::string& out, uint8_t v) {
    out.push_back(static_cast<char>(v));
}

inline void putU32(std::string& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) {
        out.push_back(static_cast<char>(static_cast<uint8_t>(v >> (8 * i))));
    }
}

inline void putU64(std::string& out, uint64_t v) {
    for (int i = 0; i < 8; ++i) {
        out.push_back(static_cast<char>(static_cast<uint8_t>(v >> (8 * i))));
    }
}

inline bool getU8(std::string_view& in, uint8_t& v) {
    if (in.empty()) {
        return false;
    }
    v = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    return true;
}

inline bool getU32(std::string_view& in, uint32_t& v) {
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

inline bool getU64(std::string_view& in, uint64_t& v) {
    if (in.size() < 8) {
        return false;
    }
    v = 0;
    for (size_t i = 8; i-- > 0;) {
        v = (v << 8) | static_cast<uint8_t>(in[i]);
    }
    in.remove_prefix(8);
    return true;
}

// Continuation ids are LMDB keys: big-endian, so LMDB's memcmp order is id order.
inline std::string contKeyBytes(uint64_t id) {
    std::string out(8, '\0');
    for (size_t i = 0; i < 8; ++i) {
        out[i] = static_cast<char>(static_cast<uint8_t>(id >> (56 - 8 * i)));
    }
    return out;
}

inline bool parseContKey(std::string_view in, uint64_t& id) {
    if (in.size() != 8) {
        return false;
    }
    id = 0;
    for (size_t i = 0; i < 8; ++i) {
        id = (id << 8) | static_cast<uint8_t>(in[i]);
    }
    return true;
}

} // namespace rho::rspace::detail
