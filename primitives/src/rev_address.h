// File: rev_address.h (private)
// REV addresses as the reference builds and checks them (its AddressTools and
// RevAddress): Base58 of a 4-byte prefix (coin 000000, version 00), a 32-byte key
// hash and a 4-byte BLAKE2b-256 checksum of the first 36 bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rho::primitives {

// The address of a 65-byte (uncompressed secp256k1) public key: the key hash is the
// Keccak-256 of its Ethereum address (the last 20 bytes of the Keccak-256 of the key
// without its first byte). nullopt for a key of another length.
std::optional<std::string> revAddressFromPublicKey(std::string_view publicKey);
// The address whose key hash is the Keccak-256 of [bytes] (an unforgeable name's
// serialized form).
std::string revAddressFromHashOf(std::string_view bytes);
// Why [address] is not a valid REV address ("Invalid Base58 encoding", "Invalid
// address length", "Invalid checksum", "Invalid prefix"), or nullopt when it is.
std::optional<std::string> revAddressError(std::string_view address);

// Bitcoin's Base58 (its alphabet; leading zero bytes as '1').
std::string base58Encode(std::string_view bytes);
std::optional<std::string> base58Decode(std::string_view text);

} // namespace rho::primitives
