// File: registry_processes.cpp
// rho:registry:ops (RHOLANG.md section 10): ("buildUri", bytes, ret) answers the
// `rho:id:` URI of the BLAKE2b-256 hash of the bytes, or Nil for any other argument.

#include <string>

#include "crypto.h"
#include "handlers.h"
#include "rho_id.h"

namespace rho::primitives {

namespace {

using bytecode::Value;
using bytecode::ValueKind;

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

void addRegistryProcesses(Registry& r) { r.addSystemProcess("rho:registry:ops", 3, registryOps); }

} // namespace rho::primitives
