// File: rev_address.cpp
// REV addresses and Base58 (see rev_address.h).

#include "rev_address.h"

#include <cstdint>
#include <vector>

#include "crypto.h"

namespace rho::primitives {

namespace {

constexpr char kBase58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const std::string kPrefix(4, '\0'); // coin id 000000, version 00
constexpr size_t kChecksumLength = 4;
constexpr size_t kAddressLength = 4 + 32 + kChecksumLength;

std::string withChecksum(std::string payload) {
    payload += crypto::blake2b256(payload).substr(0, kChecksumLength);
    return payload;
}

} // namespace

std::string base58Encode(std::string_view bytes) {
    size_t zeros = 0;
    while (zeros < bytes.size() && bytes[zeros] == '\0')
        ++zeros;
    // Base-256 to base-58, most significant digit first.
    std::vector<uint8_t> digits; // least significant first
    for (size_t i = zeros; i < bytes.size(); ++i) {
        unsigned carry = static_cast<unsigned char>(bytes[i]);
        for (uint8_t& d : digits) {
            carry += static_cast<unsigned>(d) << 8;
            d = static_cast<uint8_t>(carry % 58);
            carry /= 58;
        }
        for (; carry > 0; carry /= 58)
            digits.push_back(static_cast<uint8_t>(carry % 58));
    }
    std::string out(zeros, '1');
    for (size_t i = digits.size(); i-- > 0;)
        out += kBase58[digits[i]];
    return out;
}

std::optional<std::string> base58Decode(std::string_view text) {
    size_t ones = 0;
    while (ones < text.size() && text[ones] == '1')
        ++ones;
    std::vector<uint8_t> bytes; // least significant first
    for (size_t i = ones; i < text.size(); ++i) {
        const char* p = nullptr;
        for (const char* q = kBase58; *q != '\0'; ++q)
            if (*q == text[i])
                p = q;
        if (p == nullptr)
            return std::nullopt;
        unsigned carry = static_cast<unsigned>(p - kBase58);
        for (uint8_t& b : bytes) {
            carry += static_cast<unsigned>(b) * 58;
            b = static_cast<uint8_t>(carry & 0xff);
            carry >>= 8;
        }
        for (; carry > 0; carry >>= 8)
            bytes.push_back(static_cast<uint8_t>(carry & 0xff));
    }
    std::string out(ones, '\0');
    for (size_t i = bytes.size(); i-- > 0;)
        out += static_cast<char>(bytes[i]);
    return out;
}

std::optional<std::string> revAddressFromPublicKey(std::string_view publicKey) {
    if (publicKey.size() != 65)
        return std::nullopt;
    const std::string ethAddress = crypto::keccak256(publicKey.substr(1)).substr(12); // the last 20 bytes
    return base58Encode(withChecksum(kPrefix + crypto::keccak256(ethAddress)));
}

std::string revAddressFromHashOf(std::string_view bytes) {
    return base58Encode(withChecksum(kPrefix + crypto::keccak256(bytes)));
}

std::optional<std::string> revAddressError(std::string_view address) {
    std::optional<std::string> decoded = base58Decode(address);
    if (!decoded)
        return "Invalid Base58 encoding";
    if (decoded->size() != kAddressLength)
        return "Invalid address length";
    const std::string payload = decoded->substr(0, kAddressLength - kChecksumLength);
    if (withChecksum(payload) != *decoded)
        return "Invalid checksum";
    if (payload.substr(0, kPrefix.size()) != kPrefix)
        return "Invalid prefix";
    return std::nullopt;
}

} // namespace rho::primitives
