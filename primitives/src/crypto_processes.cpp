// File: crypto_processes.cpp
// The rho:crypto system processes (RHOLANG.md section 10): hashes answer a 32-byte
// ByteArray, signature checks answer true or false, on the message's last value.
// Arguments of another type are refused with the reference's message (a run-time
// error at the send; the reference raises a host exception).

#include <string>

#include "crypto.h"
#include "handlers.h"

namespace rho::primitives {

namespace {

using bytecode::Value;
using bytecode::ValueKind;

bool isBytes(const Value& v) { return v.kind() == ValueKind::kByteArray; }

using HashFn = std::string (*)(std::string_view);
using VerifyFn = crypto::Verdict (*)(std::string_view, std::string_view, std::string_view);

// (bytes, ret)
template <HashFn kHash>
void hashProcess(const char* name, std::span<const Value> args, SystemContext& context) {
    if (!isBytes(args[0])) {
        context.fail(std::string(name) + " expects a byte array and return channel");
        return;
    }
    context.send(args[1], {Value::byteArray(kHash(args[0].asString()))});
}

// (data, signature, public key, ret)
template <VerifyFn kVerify>
void verifyProcess(const char* name, std::span<const Value> args, SystemContext& context) {
    if (!isBytes(args[0]) || !isBytes(args[1]) || !isBytes(args[2])) {
        context.fail(std::string(name) +
                     " expects data, signature, public key (all as byte arrays), and an acknowledgement channel");
        return;
    }
    crypto::Verdict v = kVerify(args[0].asString(), args[1].asString(), args[2].asString());
    if (!v.error.empty()) {
        context.fail(std::string(name) + ": " + v.error);
        return;
    }
    context.send(args[3], {Value::boolean(v.valid)});
}

} // namespace

void addCryptoProcesses(Registry& r) {
    r.addSystemProcess("rho:crypto:sha256Hash", 2, [](std::span<const Value> a, SystemContext& c) {
        hashProcess<crypto::sha256>("sha256Hash", a, c);
    });
    r.addSystemProcess("rho:crypto:keccak256Hash", 2, [](std::span<const Value> a, SystemContext& c) {
        hashProcess<crypto::keccak256>("keccak256Hash", a, c);
    });
    r.addSystemProcess("rho:crypto:blake2b256Hash", 2, [](std::span<const Value> a, SystemContext& c) {
        hashProcess<crypto::blake2b256>("blake2b256Hash", a, c);
    });
    // Verification costs tens of microseconds: the slow lane answers it, and the
    // worker runs other machines meanwhile.
    r.addSystemProcess(
        "rho:crypto:ed25519Verify", 4,
        [](std::span<const Value> a, SystemContext& c) { verifyProcess<crypto::ed25519Verify>("ed25519Verify", a, c); },
        Timing::kSlow);
    r.addSystemProcess(
        "rho:crypto:secp256k1Verify", 4,
        [](std::span<const Value> a, SystemContext& c) {
            verifyProcess<crypto::secp256k1Verify>("secp256k1Verify", a, c);
        },
        Timing::kSlow);
}

} // namespace rho::primitives
