// File: crypto.h (private)
// The hash functions and signature checks behind the rho:crypto system processes and
// the registry's URIs, each over a well-kept library: SHA-256 from OpenSSL, Keccak-256
// (the original padding, as Ethereum) from Crypto++, BLAKE2b-256 and Ed25519 from
// libsodium, secp256k1 ECDSA from libsecp256k1. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace rho::primitives::crypto {

// 32-byte digests.
std::string sha256(std::string_view data);
std::string keccak256(std::string_view data);
std::string blake2b256(std::string_view data);

// A signature check's outcome, or why the arguments cannot be checked at all (the
// reference raises an exception for those: a run-time error, not `false`).
struct Verdict {
    bool valid = false;
    std::string error; // non-empty: the arguments are malformed
};

// Ed25519 over [data]: a 64-byte signature and a 32-byte public key.
Verdict ed25519Verify(std::string_view data, std::string_view signature, std::string_view publicKey);
// ECDSA over secp256k1: [hash] of 32 bytes, a DER signature and a serialized public
// key (33 or 65 bytes), each at most 520 bytes; a signature or key that does not
// parse is `false`, as in the reference's native library.
Verdict secp256k1Verify(std::string_view hash, std::string_view signature, std::string_view publicKey);

} // namespace rho::primitives::crypto
