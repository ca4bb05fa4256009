// File: byte_order.h
// The one fixed-width integer encoding of everything rhovm stores (LMDB records,
// channel keys, the history's meta records): little-endian, whatever the host. put*
// appends to a string; get* reads from the front of a view and advances it, false
// (the view untouched) when it is too short. Big-endian only where LMDB's byte order
// must be numeric order (continuation ids as keys: putU64BE / getU64BE).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rho::base {

inline void putU8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }

template <class T>
inline void putLE(std::string& out, T v) {
    for (size_t i = 0; i < sizeof(T); ++i)
        out.push_back(static_cast<char>(static_cast<uint8_t>(v >> (8 * i))));
}
inline void putU32(std::string& out, uint32_t v) { putLE(out, v); }
inline void putU64(std::string& out, uint64_t v) { putLE(out, v); }

inline void putU64BE(std::string& out, uint64_t v) {
    for (size_t i = 0; i < 8; ++i)
        out.push_back(static_cast<char>(static_cast<uint8_t>(v >> (56 - 8 * i))));
}

inline bool getU8(std::string_view& in, uint8_t& v) {
    if (in.empty())
        return false;
    v = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    return true;
}

template <class T>
inline bool getLE(std::string_view& in, T& v) {
    if (in.size() < sizeof(T))
        return false;
    T r = 0;
    for (size_t i = sizeof(T); i-- > 0;)
        r = static_cast<T>((r << 8) | static_cast<uint8_t>(in[i]));
    v = r;
    in.remove_prefix(sizeof(T));
    return true;
}
inline bool getU32(std::string_view& in, uint32_t& v) { return getLE(in, v); }
inline bool getU64(std::string_view& in, uint64_t& v) { return getLE(in, v); }

inline bool getU64BE(std::string_view& in, uint64_t& v) {
    if (in.size() < 8)
        return false;
    uint64_t r = 0;
    for (size_t i = 0; i < 8; ++i)
        r = (r << 8) | static_cast<uint8_t>(in[i]);
    v = r;
    in.remove_prefix(8);
    return true;
}

} // namespace rho::base
