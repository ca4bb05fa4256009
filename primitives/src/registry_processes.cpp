// File: registry_processes.cpp
// The registry (RHOLANG.md section 10), as system processes:
//   rho:registry:insertArbitrary (data, ret)  registers [data] under a fresh `rho:id:`
//                                             URI and answers the URI;
//   rho:registry:lookup (uri, ret)            answers what is registered under [uri],
//                                             or Nil;
//   rho:registry:insertSigned:secp256k1 ((nonce, data), deployerId, ret)
//                                             registers (nonce, data) under the URI of
//                                             the deployer's key, replacing an entry of
//                                             a smaller nonce;
//   rho:registry:ops ("buildUri", bytes, ret) the `rho:id:` URI of the BLAKE2b-256 hash
//                                             of the bytes, or Nil for a non-byte-array.
// A registration is a message in the space, on a channel no program can name (an
// unforgeable name derived from the URI): it is written by the checkpoint like any
// other message, so with a data directory a later run's lookup finds it, and
// `rhovm inspect` shows it. The reference keeps its registry in a Rholang hash map
// installed by its genesis (Registry.rho); the URIs are built the same way (rho_id.h).

#include <cstdint>
#include <string>
#include <vector>

#include "crypto.h"
#include "handlers.h"
#include "rho/primitives/system.h"
#include "rho_id.h"
#include "term_bytes.h"

namespace rho::primitives {

namespace {

using bytecode::Value;
using bytecode::ValueKind;

// The channel a registration under [uri] is stored on.
Value entryChannel(const std::string& uri) {
    const std::string h = crypto::blake2b256("rhovm registry entry " + uri);
    uint64_t lo = 0;
    uint64_t hi = 0;
    for (int i = 0; i < 8; ++i) {
        lo = lo << 8 | static_cast<unsigned char>(h[i]);
        hi = hi << 8 | static_cast<unsigned char>(h[8 + i]);
    }
    return Value::unforgeable(lo, hi);
}

void insertArbitrary(std::span<const Value> args, SystemContext& context) {
    // As the reference's Registry.rho: the URI of the hash of a fresh name's bytes
    // (toByteArray of the name).
    const std::string uri = rhoIdUri(crypto::blake2b256(termBytes(context.freshName())));
    context.send(entryChannel(uri), {args[0]});
    context.send(args[1], {Value::uri(uri)});
}

// ((nonce, data), deployerId, ret): registers (nonce, data) under the URI of the
// deployer's public key, when nothing is registered there yet or [nonce] is greater
// than the registered one; answers the URI, or Nil when the nonce is not greater (or
// the deployer id is not this run's). The reference checks the deploy's signature
// through its deployer id; a run's deployer id is its --deployer-key.
void insertSigned(std::span<const Value> args, SystemContext& context) {
    const Value& entry = args[0];
    if (entry.kind() != ValueKind::kTuple || entry.items().size() != 2 ||
        entry.items()[0].kind() != ValueKind::kInt) {
        context.fail("rho:registry:insertSigned:secp256k1 expects ((nonce, data), deployerId, ret) with an Int "
                     "nonce, not " +
                     bytecode::print(entry));
        return;
    }
    const std::string& key = context.deploy().deployerKey;
    if (!(args[1] == deployerIdOf(key))) {
        context.send(args[2], {Value()});
        return;
    }
    const std::string uri = rhoIdUri(crypto::blake2b256(key));
    const int64_t nonce = entry.items()[0].asInt();
    const bool stored = context.update(entryChannel(uri), [&](const std::vector<Value>* current, std::vector<Value>& next) {
        if (current != nullptr && !current->empty()) {
            const Value& old = (*current)[0];
            if (old.kind() == ValueKind::kTuple && !old.items().empty() &&
                old.items()[0].kind() == ValueKind::kInt && nonce <= old.items()[0].asInt())
                return false;
        }
        next = {entry};
        return true;
    });
    context.send(args[2], {stored ? Value::uri(uri) : Value()});
}

void lookup(std::span<const Value> args, SystemContext& context) {
    std::vector<Value> entry;
    if (args[0].kind() == ValueKind::kUri && context.read(entryChannel(args[0].asString()), entry) && !entry.empty()) {
        context.send(args[1], {entry[0]});
        return;
    }
    context.send(args[1], {Value()});
}

void registryOps(std::span<const Value> args, SystemContext& context) {
    if (args[0].kind() != ValueKind::kString || args[0].asString() != "buildUri") {
        context.fail("rho:registry:ops serves (\"buildUri\", bytes, ret), not " + bytecode::print(args[0]));
        return;
    }
    if (args[1].kind() != ValueKind::kByteArray) {
        context.send(args[2], {Value()});
        return;
    }
    context.send(args[2], {Value::uri(rhoIdUri(crypto::blake2b256(args[1].asString())))});
}

} // namespace

void addRegistryProcesses(Registry& r) {
    r.addSystemProcess("rho:registry:ops", 3, registryOps);
    r.addSystemProcess("rho:registry:insertArbitrary", 2, insertArbitrary);
    r.addSystemProcess("rho:registry:lookup", 2, lookup);
    r.addSystemProcess("rho:registry:insertSigned:secp256k1", 3, insertSigned);
}

} // namespace rho::primitives
