// The hashes, signature checks and rho:id: URIs behind the rho:crypto and
// rho:registry system processes, against published test vectors: FIPS 180-2
// (SHA-256), the Keccak team's and Ethereum's Keccak-256, RFC 7693 / the BLAKE2
// reference (BLAKE2b-256), RFC 8032 section 7.1 (Ed25519), libsecp256k1's own
// Java binding test (ECDSA), and a URI from the reference's genesis files.

#include <catch2/catch.hpp>
#include <secp256k1.h>
#include <string>

#include "crypto.h" // primitives/src (private to the module)
#include "rev_address.h"
#include "rho_id.h"
#include "rho/base/hex.h"
#include "rho/primitives/registry.h"
#include "rho/primitives/system.h"

namespace {

std::string unhex(std::string_view hex) { return rho::base::fromHex(hex).value(); }

std::string hex(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (char c : bytes) {
        out += kDigits[static_cast<unsigned char>(c) >> 4];
        out += kDigits[static_cast<unsigned char>(c) & 15];
    }
    return out;
}

using namespace rho::primitives;

} // namespace

TEST_CASE("SHA-256 matches FIPS 180-2", "[crypto]") {
    CHECK(hex(crypto::sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(hex(crypto::sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(hex(crypto::sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("Keccak-256 uses the original padding, not SHA3-256's", "[crypto]") {
    CHECK(hex(crypto::keccak256("")) == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    CHECK(hex(crypto::keccak256("abc")) == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    // SHA3-256("") would be a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a.
    CHECK(hex(crypto::keccak256("")) != "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
}

TEST_CASE("BLAKE2b-256 is unkeyed BLAKE2b with a 32-byte digest", "[crypto]") {
    CHECK(hex(crypto::blake2b256("")) == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
    CHECK(hex(crypto::blake2b256("abc")) == "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST_CASE("Ed25519 verifies RFC 8032's test vectors and rejects a changed message", "[crypto]") {
    // RFC 8032 7.1, TEST 1 (empty message) and TEST 2 (one byte, 0x72).
    const std::string pk1 = unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    const std::string sig1 = unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
                                   "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    const std::string pk2 = unhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
    const std::string sig2 = unhex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e"
                                   "458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
    CHECK(crypto::ed25519Verify("", sig1, pk1).valid);
    CHECK(crypto::ed25519Verify(unhex("72"), sig2, pk2).valid);
    CHECK_FALSE(crypto::ed25519Verify(unhex("73"), sig2, pk2).valid);
    CHECK_FALSE(crypto::ed25519Verify("", sig1, pk2).valid);
    // Malformed sizes are errors, not `false` (the reference throws).
    CHECK_FALSE(crypto::ed25519Verify("", sig1, pk1.substr(0, 31)).error.empty());
    CHECK_FALSE(crypto::ed25519Verify("", sig1.substr(0, 63), pk1).error.empty());
}

TEST_CASE("secp256k1 verifies a DER signature over a 32-byte hash", "[crypto]") {
    // libsecp256k1's NativeSecp256k1Test (testVerifyPos / testVerifyNeg).
    const std::string data = unhex("cf80cd8aed482d5d1527d7dc72fceff84e6326592848447d2dc0b0e87dfc9a90");
    const std::string sig = unhex("3044022079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f817980220294f14"
                                  "e883b3f525b5367756c2a11ef6cf84b730b36c17cb0c56f0aab2c98589");
    const std::string pub = unhex("040a629506e1b65cd9d2e0ba9c75df9c4fed0db16dc9625ed14397f0afc836fae595dc53f8b0efe61e"
                                  "703075bd9b143bac75ec0e19f82a2208caeb32be53414c40");
    CHECK(crypto::secp256k1Verify(data, sig, pub).valid);
    const std::string other = unhex("cf80cd8aed482d5d1527d7dc72fceff84e6326592848447d2dc0b0e87dfc9a91");
    CHECK_FALSE(crypto::secp256k1Verify(other, sig, pub).valid);
    // A signature or key that does not parse is `false`; a hash of another size is an error.
    CHECK_FALSE(crypto::secp256k1Verify(data, "not DER", pub).valid);
    CHECK(crypto::secp256k1Verify(data, "not DER", pub).error.empty());
    CHECK_FALSE(crypto::secp256k1Verify(data.substr(0, 31), sig, pub).error.empty());
}

TEST_CASE("rho:id: URIs are built as the reference builds them", "[crypto][registry]") {
    // casper/src/main/resources/ListOps.rho (rchain): the URI of the signed
    // registration under this public key is built from its BLAKE2b-256 hash.
    const std::string pk = unhex("040126690519dc9b0f52876cb13458e15697794dd87d7c6477707c7efa4cce8a36b634eab5056bd4e3ba38"
                                 "5ab14a638e4ac7d3b3e4968da3d66933fc04bc7038b5");
    CHECK(rhoIdUri(crypto::blake2b256(pk)) == "rho:id:6fzorimqngeedepkrizgiqms6zjt76zjeciktt1eifequy4osz35ks");
    CHECK(rhoIdUri(crypto::blake2b256(pk)).size() == 7 + 54);
}

TEST_CASE("REV addresses are built and checked as the reference does", "[crypto][rev]") {
    // rholang RevAddressSpec and casper RevAddressTest.rho (rchain).
    CHECK(revAddressFromPublicKey(unhex("00322ba649cebf90d8bd0eeb0658ea7957bcc59ecee0676c86f4fec517c0625100311"
                                        "22ba649cebf90d8bd0eeb0658ea7957bcc59ecee0676c86f4fec517c06251")) ==
          "1111eEt66obfqvEcKeD3ajeupzsfj6PdSQccNNaRmCoy6Dhv1wM9E");
    CHECK(revAddressFromPublicKey(std::string(65, '\0')) == "1111WPpi6SB8FpNMtC9drZg3R8T1fH2BVyT52xPUXBbdKDfmskG1r");
    CHECK(revAddressFromPublicKey(std::string(65, '\x11')) == "1111pdZDG4MZ3eBfaipaD22VXmbFY6PW9ZdGDWdEcXZz4gGxTxgn9");
    CHECK(revAddressFromPublicKey(std::string(65, '\x22')) == "11112CXAkc8pV2AMHUSgHGbFkqovgyY9SRja4ZLSpRC9q7qYZx5SVc");
    CHECK_FALSE(revAddressFromPublicKey(std::string(64, '\x22')).has_value());
    CHECK_FALSE(revAddressError("1111K9MczqzZrNkUNmNGrNFyz7F7LiCUgaCHXd28g2k5PxiaNuCAi").has_value());
    CHECK(revAddressError("1111K9MczqzZrNkUNmNGrNFyz7F7LiCUgaCHXd28g2k5PxiaNuCAj") == "Invalid checksum");
    CHECK(revAddressError("0OIl") == "Invalid Base58 encoding");
    CHECK(revAddressError("1111") == "Invalid address length");
}

TEST_CASE("Base58 round-trips and keeps leading zero bytes as 1s", "[crypto][rev]") {
    CHECK(base58Encode("") == "");
    CHECK(base58Encode(std::string("\0\0\x01", 3)) == "112");
    CHECK(base58Encode("hello world") == "StV1DL6CwTryKyV"); // Bitcoin's base58 of the ASCII text
    for (const std::string& s : {std::string(""), std::string("\0\x01\x02", 3), std::string("rholang"), std::string(40, '\xff')})
        CHECK(base58Decode(base58Encode(s)) == s);
}

TEST_CASE("The default deployer key is the public key of private key 1", "[crypto][deploy]") {
    // Recomputed here with libsecp256k1 rather than trusted as a constant.
    secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_SIGN);
    unsigned char secret[32] = {};
    secret[31] = 1;
    secp256k1_pubkey pub;
    REQUIRE(secp256k1_ec_pubkey_create(ctx, &pub, secret) == 1);
    unsigned char out[65];
    size_t len = sizeof out;
    REQUIRE(secp256k1_ec_pubkey_serialize(ctx, out, &len, &pub, SECP256K1_EC_UNCOMPRESSED) == 1);
    secp256k1_context_destroy(ctx);
    CHECK(DeployData::defaultDeployerKey() == std::string(reinterpret_cast<const char*>(out), len));
    // A deployer id is the same for the same key, and differs between keys.
    CHECK(deployerIdOf(DeployData::defaultDeployerKey()) == deployerIdOf(DeployData::defaultDeployerKey()));
    CHECK_FALSE(deployerIdOf(DeployData::defaultDeployerKey()) == deployerIdOf(std::string(65, '\x11')));
}
