// File: registry_processes.cpp
// The registry (RHOLANG.md section 10), as system processes:
//   rho:registry:insertArbitrary (data, ret)  registers [data] under a fresh `rho:id:`
//                                             URI and answers the URI;
//   rho:registry:lookup (uri, ret)            answers what is registered under [uri],
//                                             or Nil;
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
#include "rho_id.h"

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

// The 16 bytes of an unforgeable name's id.
std::string idBytes(const Value& name) {
    std::string out;
    for (uint64_t word : {name.unforgeableHi(), name.unforgeableLo()})
        for (int shift = 56; shift >= 0; shift -= 8)
            out += static_cast<char>((word >> shift) & 0xff);
    return out;
}

void insertArbitrary(std::span<const Value> args, SystemContext& context) {
    // As the reference does: the URI of the hash of a fresh name's bytes.
    const std::string uri = rhoIdUri(crypto::blake2b256(idBytes(context.freshName())));
    context.send(entryChannel(uri), {args[0]});
    context.send(args[1], {Value::uri(uri)});
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
}

} // namespace rho::primitives
