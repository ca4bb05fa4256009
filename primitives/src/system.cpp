// File: system.cpp
// The rho:io system processes and the system channel names (see system.h).

#include "rho/primitives/system.h"

#include <mutex>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"

#include "crypto.h"
#include "handlers.h"
#include "rho/base/hex.h"

namespace rho::primitives {

namespace {

template <OutputStream kStream, bool kAck>
void printLine(std::span<const bytecode::Value> args, SystemContext& context) {
    std::string text = bytecode::print(args[0]);
    text += '\n';
    context.write(kStream, text);
    if (kAck)
        context.send(args[1], {bytecode::Value()});
}

// (ret): the block number and the block sender's public key.
void blockData(std::span<const bytecode::Value> args, SystemContext& context) {
    const DeployData& d = context.deploy();
    context.send(args[0], {bytecode::Value::integer(d.blockNumber), bytecode::Value::byteArray(d.blockSender)});
}

// ("check", token, ret): true iff [token] is the system's auth token. No program can
// hold that token here (rhovm has no system contracts that take it), so a program's
// value never is.
void authTokenOps(std::span<const bytecode::Value> args, SystemContext& context) {
    if (args[0].kind() != bytecode::ValueKind::kString || args[0].asString() != "check") {
        context.fail("sys:authToken:ops serves (\"check\", token, ret), not " + bytecode::print(args[0]));
        return;
    }
    context.send(args[2], {bytecode::Value::boolean(false)});
}

} // namespace

void addSystemProcesses(Registry& r) {
    r.addSystemProcess("rho:io:stdout", 1, printLine<OutputStream::kOut, false>);
    r.addSystemProcess("rho:io:stdoutAck", 2, printLine<OutputStream::kOut, true>);
    r.addSystemProcess("rho:io:stderr", 1, printLine<OutputStream::kErr, false>);
    r.addSystemProcess("rho:io:stderrAck", 2, printLine<OutputStream::kErr, true>);
    r.addSystemProcess("rho:block:data", 1, blockData);
    r.addSystemProcess("sys:authToken:ops", 3, authTokenOps);
}

bytecode::Value systemChannel(uint32_t id) { return bytecode::Value::unforgeable(uint64_t{id} + 1, kSystemChannelHi); }

uint32_t systemChannelHandler(const bytecode::Value& channel) {
    return static_cast<uint32_t>(channel.unforgeableLo() - 1);
}

bytecode::Value unknownUrnName(uint32_t symbol) { return bytecode::Value::unforgeable(symbol, kUnknownUrnHi); }

namespace {

// The keys of the deployer ids made so far (a few per process), by id.
struct DeployerKeys {
    std::mutex mu;
    absl::flat_hash_map<std::pair<uint64_t, uint64_t>, std::string> byId;
};
DeployerKeys& deployerKeys() {
    static DeployerKeys keys;
    return keys;
}

} // namespace

bytecode::Value deployerIdOf(std::string_view key) {
    const std::string h = crypto::blake2b256("rhovm deployer id " + std::string(key));
    uint64_t lo = 0;
    uint64_t hi = 0;
    for (int i = 0; i < 8; ++i) {
        lo = lo << 8 | static_cast<unsigned char>(h[i]);
        hi = hi << 8 | static_cast<unsigned char>(h[8 + i]);
    }
    DeployerKeys& keys = deployerKeys();
    std::lock_guard lock(keys.mu);
    keys.byId.try_emplace({lo, hi}, key);
    return bytecode::Value::unforgeable(lo, hi);
}

std::optional<std::string> deployerKeyOf(const bytecode::Value& id) {
    if (id.kind() != bytecode::ValueKind::kUnforgeable)
        return std::nullopt;
    DeployerKeys& keys = deployerKeys();
    std::lock_guard lock(keys.mu);
    auto it = keys.byId.find({id.unforgeableLo(), id.unforgeableHi()});
    if (it == keys.byId.end())
        return std::nullopt;
    return it->second;
}

std::string DeployData::defaultDeployerKey() {
    // The uncompressed public key of private key 1: the generator point of secp256k1.
    static const std::string key = *base::fromHex("0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
                                                  "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
    return key;
}

} // namespace rho::primitives
