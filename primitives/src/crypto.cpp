// File: crypto.cpp
// Hashes and signature checks over the Debian crypto libraries (see crypto.h).

#include "crypto.h"

#include <cryptopp/keccak.h>
#include <openssl/evp.h>
#include <secp256k1.h>
#include <sodium.h>

#include "rho/base/assert.h"

namespace rho::primitives::crypto {

namespace {

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

void initSodium() {
    static const bool ready = sodium_init() >= 0;
    RHO_CHECK(ready, "libsodium failed to initialise");
}

// One verification context for the process: libsecp256k1 allows concurrent use of
// a context for verification.
const secp256k1_context* secpContext() {
    static secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
    return ctx;
}

std::string sizeError(const char* what, size_t got, size_t want) {
    return std::string("invalid ") + what + " size " + std::to_string(got) + " (" + std::to_string(want) +
           " bytes expected)";
}

} // namespace

std::string sha256(std::string_view data) {
    std::string out(32, '\0');
    unsigned int n = 0;
    const bool ok = EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &n,
                               EVP_sha256(), nullptr) == 1;
    RHO_CHECK(ok && n == 32, "OpenSSL SHA-256 failed");
    return out;
}

std::string keccak256(std::string_view data) {
    std::string out(CryptoPP::Keccak_256::DIGESTSIZE, '\0');
    CryptoPP::Keccak_256 h;
    h.CalculateDigest(reinterpret_cast<CryptoPP::byte*>(out.data()), bytes(data), data.size());
    return out;
}

std::string blake2b256(std::string_view data) {
    initSodium();
    std::string out(32, '\0');
    crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(), bytes(data), data.size(), nullptr, 0);
    return out;
}

Verdict ed25519Verify(std::string_view data, std::string_view signature, std::string_view publicKey) {
    initSodium();
    if (publicKey.size() != crypto_sign_PUBLICKEYBYTES)
        return {false, sizeError("public key", publicKey.size(), crypto_sign_PUBLICKEYBYTES)};
    if (signature.size() != crypto_sign_BYTES)
        return {false, sizeError("signature", signature.size(), crypto_sign_BYTES)};
    return {crypto_sign_verify_detached(bytes(signature), bytes(data), data.size(), bytes(publicKey)) == 0, {}};
}

Verdict secp256k1Verify(std::string_view hash, std::string_view signature, std::string_view publicKey) {
    constexpr size_t kMaxInput = 520; // the reference's native library's bound
    if (hash.size() != 32)
        return {false, sizeError("data", hash.size(), 32) + ": secp256k1Verify checks a 32-byte hash"};
    if (signature.size() > kMaxInput || publicKey.size() > kMaxInput)
        return {false, "signature or public key longer than 520 bytes"};
    const secp256k1_context* ctx = secpContext();
    secp256k1_ecdsa_signature sig;
    secp256k1_pubkey pub;
    if (secp256k1_ecdsa_signature_parse_der(ctx, &sig, bytes(signature), signature.size()) != 1 ||
        secp256k1_ec_pubkey_parse(ctx, &pub, bytes(publicKey), publicKey.size()) != 1)
        return {false, {}};
    return {secp256k1_ecdsa_verify(ctx, &sig, bytes(hash), &pub) == 1, {}};
}

} // namespace rho::primitives::crypto
