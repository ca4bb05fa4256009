// File: system.h
// System processes: the native listeners behind `new x(`rho:io:stdout`)` and its
// siblings (RHOLANG.md section 10). Each is a handler registered in the Registry
// under its URN; the runtime gives it a fixed channel (an unforgeable name no program
// can write down) and installs a persistent native continuation there, whose COMMs
// the primitive processor serves by dispatching to the handler.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rho/bytecode/value.h"

namespace rho::primitives {

// System channels and unknown URNs' names are unforgeable names with a fixed high
// word (the low word says which); both tests are on every send and receive, so inline.
inline constexpr uint64_t kSystemChannelHi = 0x5359535f52484f00ull; // "SYS_RHO\0"
inline constexpr uint64_t kUnknownUrnHi = 0x55524e3f5f52484full;    // "URN?_RHO"

// The channel of the system process registered as handler [id]; the same in every run
// with the same registry.
bytecode::Value systemChannel(uint32_t id);
// True when [channel] is a system channel (they are write-only: bundle+).
inline bool isSystemChannel(const bytecode::Value& channel) {
    return channel.kind() == bytecode::ValueKind::kUnforgeable && channel.unforgeableHi() == kSystemChannelHi;
}
// The handler id of a system channel (isSystemChannel(channel) must hold).
uint32_t systemChannelHandler(const bytecode::Value& channel);

// What `new x(`urn`)` binds for a URN nothing is registered under: a name that fails
// the process that sends or receives on it with "No value set for `urn`", and only
// that process (the other branches of the `new` run). [symbol]: the URN's.
bytecode::Value unknownUrnName(uint32_t symbol);
// The URN's symbol when [channel] is such a name, else 0 (bytecode::kNoSymbol).
inline uint32_t unknownUrnSymbol(const bytecode::Value& channel) {
    if (channel.kind() != bytecode::ValueKind::kUnforgeable || channel.unforgeableHi() != kUnknownUrnHi)
        return 0;
    return static_cast<uint32_t>(channel.unforgeableLo());
}

// The URNs `new` binds to a value of the deploy rather than a system process's channel
// (RHOLANG.md section 10): the deployer id and the deploy id.
inline constexpr const char* kDeployerIdUrn = "rho:rchain:deployerId";
inline constexpr const char* kDeployIdUrn = "rho:rchain:deployId";
// The deployer id of public key [key]: an unforgeable name no program can make, the
// same for the same key in every run (the reference's GDeployerId compares by key).
// rho:rchain:deployerId:ops pubKeyBytes and rho:rev:address fromDeployerId recognise it.
bytecode::Value deployerIdOf(std::string_view key);
// The key [id] is the deployer id of, if deployerIdOf made [id] in this process
// (toByteArray writes a deployer id as the reference does: its public key).
std::optional<std::string> deployerKeyOf(const bytecode::Value& id);

} // namespace rho::primitives
