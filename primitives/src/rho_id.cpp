// File: rho_id.cpp
// `rho:id:` URIs (see rho_id.h).

#include "rho_id.h"

#include <cstdint>

#include "rho/base/assert.h"

namespace rho::primitives {

namespace {

// The reference's CRC-14 (polynomial 0x4805), computed as it does on a signed 16-bit
// remainder with each byte sign-extended: bit for bit the same check bytes.
int16_t crc14(std::string_view bytes) {
    int16_t rem = 0;
    for (char c : bytes) {
        const int b = static_cast<int8_t>(c);
        rem = static_cast<int16_t>(rem ^ static_cast<int16_t>(b << 6));
        for (int i = 0; i < 8; ++i) {
            const auto shifted = static_cast<int16_t>(rem << 1);
            rem = (shifted & 0x4000) != 0 ? static_cast<int16_t>(shifted ^ 0x4805) : shifted;
        }
    }
    return rem;
}

// z-base-32 (Zooko's alphabet) of the first [bits] bits of [data], most significant
// bit first, five bits a character.
std::string zbase32(std::string_view data, size_t bits) {
    static constexpr char kAlphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
    std::string out;
    out.reserve((bits + 4) / 5);
    for (size_t i = 0; i < bits; i += 5) {
        unsigned v = 0;
        for (size_t j = i; j < i + 5; ++j) {
            const unsigned bit = j < bits ? (static_cast<unsigned char>(data[j / 8]) >> (7 - j % 8)) & 1u : 0u;
            v = (v << 1) | bit;
        }
        out += kAlphabet[v];
    }
    return out;
}

} // namespace

std::string rhoIdUri(std::string_view key) {
    RHO_CHECK(key.size() == 32, "a rho:id: key is 32 bytes");
    std::string full(key);
    const int16_t crc = crc14(key);
    full += static_cast<char>(crc & 0xff);
    full += static_cast<char>(((static_cast<int>(crc) & 0xff00) >> 6) & 0xff);
    return "rho:id:" + zbase32(full, 270);
}

} // namespace rho::primitives
