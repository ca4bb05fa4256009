// File: channel_key.cpp
// channelKey() over XXH3-128 and the byte/hex forms of a ChannelKey.
#include "rho/rspace/channel_key.h"

#include <xxhash.h>

namespace rho::rspace {

namespace {

void appendLe64(std::string& out, uint64_t v) {
    for (int i = 0; i < 8; ++i) {
        out.push_back(static_cast<char>(static_cast<uint8_t>(v >> (8 * i))));
    }
}

uint64_t readLe64(const char* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) {
        v = (v << 8) | static_cast<uint8_t>(p[i]);
    }
    return v;
}

} // namespace

std::string ChannelKey::bytes() const {
    std::string out;
    out.reserve(kSizeBytes);
    appendLe64(out, lo);
    appendLe64(out, hi);
    return out;
}

std::string ChannelKey::hex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(32, '0');
    for (size_t i = 0; i < 16; ++i) {
        out[i] = kDigits[(hi >> (60 - 4 * i)) & 0xF];
        out[16 + i] = kDigits[(lo >> (60 - 4 * i)) & 0xF];
    }
    return out;
}

std::optional<ChannelKey> ChannelKey::fromBytes(std::string_view in) {
    if (in.size() != kSizeBytes) {
        return std::nullopt;
    }
    return ChannelKey{readLe64(in.data()), readLe64(in.data() + 8)};
}

ChannelKey channelKey(std::string_view canonical) {
    XXH128_hash_t h = XXH3_128bits(canonical.data(), canonical.size());
    return ChannelKey{h.low64, h.high64};
}

} // namespace rho::rspace
