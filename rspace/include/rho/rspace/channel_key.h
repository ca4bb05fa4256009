// File: channel_key.h
// ChannelKey: the 128-bit XXH3 hash of a channel's canonical bytes. RSpace indexes
// every channel by its key; a key collision is resolved by comparing the channels
// (Types::sameChannel), so a collision costs time, never correctness.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace rho::rspace {

struct ChannelKey {
    static constexpr size_t kSizeBytes = 16;

    uint64_t lo = 0;
    uint64_t hi = 0;
    friend bool operator==(const ChannelKey&, const ChannelKey&) = default;
    friend auto operator<=>(const ChannelKey&, const ChannelKey&) = default;
    template <typename H>
    friend H AbslHashValue(H h, const ChannelKey& k) {
        return H::combine(std::move(h), k.lo); // lo is already a well-mixed hash
    }
    // 16 bytes, little-endian lo then hi: the LMDB key of the channel's record.
    [[nodiscard]] std::string bytes() const;
    // 32 lowercase hex digits, hi then lo (the 128-bit number, most significant first).
    [[nodiscard]] std::string hex() const;
    // The inverse of bytes(); nullopt unless [in] is exactly kSizeBytes long.
    [[nodiscard]] static std::optional<ChannelKey> fromBytes(std::string_view in);
};

// XXH3-128 of [canonical]. Thread-safe, pure; the result is stable across runs and
// machines (it is stored in LMDB), so changing the hash needs a history format bump.
[[nodiscard]] ChannelKey channelKey(std::string_view canonical);

} // namespace rho::rspace
