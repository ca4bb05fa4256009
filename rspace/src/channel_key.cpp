// File: channel_key.cpp
// channelKey() over XXH3-128 and the byte/hex forms of a ChannelKey.
#include "rho/rspace/channel_key.h"

#include <xxhash.h>

#include "rho/base/byte_order.h"

namespace rho::rspace {


std::string ChannelKey::bytes() const {
    std::string out;
    out.reserve(kSizeBytes);
    base::putU64(out, lo);
    base::putU64(out, hi);
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
    ChannelKey k;
    base::getU64(in, k.lo);
    base::getU64(in, k.hi);
    return k;
}

ChannelKey channelKey(std::string_view canonical) {
    XXH128_hash_t h = XXH3_128bits(canonical.data(), canonical.size());
    return ChannelKey{h.low64, h.high64};
}

} // namespace rho::rspace
