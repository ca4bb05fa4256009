// File: chain_processes.cpp
// rho:rev:address (RHOLANG.md section 10), as the reference's SystemProcesses serve it:
//   ("validate", address, ret)        Nil for a valid address (or a non-string), else
//                                     the reason as a String;
//   ("fromPublicKey", bytes, ret)     the address of a 65-byte public key, else Nil;
//   ("fromUnforgeable", name, ret)    the address of an unforgeable name, else Nil;
//   ("fromDeployerId", id, ret)       the address of the deployer id's key, else Nil;
// and rho:rchain:deployerId:ops ("pubKeyBytes", deployerId, ret): the deployer id's
// public key bytes, else Nil. A deployer id is recognised when it is this run's
// (deployerIdOf of the run's key): one deployer a run, as one deploy in the reference.

#include <string>

#include "handlers.h"
#include "rev_address.h"
#include "rho/primitives/system.h"

namespace rho::primitives {

namespace {

using bytecode::Value;
using bytecode::ValueKind;

// An unforgeable name serialized as the reference's GPrivate message: field 1, the id.
std::string privateNameBytes(const Value& name) {
    std::string out = {'\x0a', '\x10'};
    for (uint64_t word : {name.unforgeableHi(), name.unforgeableLo()})
        for (int shift = 56; shift >= 0; shift -= 8)
            out += static_cast<char>((word >> shift) & 0xff);
    return out;
}

// The public key of [id] when it is this run's deployer id.
const std::string* deployerKey(const Value& id, SystemContext& context) {
    const std::string& key = context.deploy().deployerKey;
    return id == deployerIdOf(key) ? &key : nullptr;
}

void deployerIdOps(std::span<const Value> args, SystemContext& context) {
    if (args[0].kind() != ValueKind::kString || args[0].asString() != "pubKeyBytes") {
        context.fail("rho:rchain:deployerId:ops serves (\"pubKeyBytes\", deployerId, ret), not " +
                     bytecode::print(args[0]));
        return;
    }
    const std::string* key = deployerKey(args[1], context);
    context.send(args[2], {key ? Value::byteArray(*key) : Value()});
}

Value addressOrNil(const std::optional<std::string>& address) { return address ? Value::string(*address) : Value(); }

void revAddress(std::span<const Value> args, SystemContext& context) {
    const std::string op = args[0].kind() == ValueKind::kString ? args[0].asString() : std::string();
    const Value& arg = args[1];
    Value answer;
    if (op == "validate") {
        if (arg.kind() == ValueKind::kString)
            answer = addressOrNil(revAddressError(arg.asString()));
    } else if (op == "fromPublicKey") {
        if (arg.kind() == ValueKind::kByteArray)
            answer = addressOrNil(revAddressFromPublicKey(arg.asString()));
    } else if (op == "fromUnforgeable") {
        if (arg.kind() == ValueKind::kUnforgeable)
            answer = Value::string(revAddressFromHashOf(privateNameBytes(arg)));
    } else if (op == "fromDeployerId") {
        if (const std::string* key = deployerKey(arg, context))
            answer = addressOrNil(revAddressFromPublicKey(*key));
    } else {
        context.fail("rho:rev:address serves \"validate\", \"fromPublicKey\", \"fromDeployerId\" and "
                     "\"fromUnforgeable\", not " +
                     bytecode::print(args[0]));
        return;
    }
    context.send(args[2], {answer});
}

} // namespace

void addChainProcesses(Registry& r) {
    r.addSystemProcess("rho:rev:address", 3, revAddress);
    r.addSystemProcess("rho:rchain:deployerId:ops", 3, deployerIdOps);
}

} // namespace rho::primitives
