// File: system.h
// System processes: the native listeners behind `new x(`rho:io:stdout`)` and its
// siblings (RHOLANG.md section 10). Each is a handler registered in the Registry
// under its URN; the runtime gives it a fixed channel (an unforgeable name no program
// can write down) and installs a persistent native continuation there, whose COMMs
// the primitive processor serves by dispatching to the handler.
#pragma once

#include <cstdint>

#include "rho/bytecode/value.h"

namespace rho::primitives {

// The channel of the system process registered as handler [id]; the same in every run
// with the same registry.
bytecode::Value systemChannel(uint32_t id);
// True when [channel] is a system channel (they are write-only: bundle+).
bool isSystemChannel(const bytecode::Value& channel);
// The handler id of a system channel (isSystemChannel(channel) must hold).
uint32_t systemChannelHandler(const bytecode::Value& channel);

} // namespace rho::primitives
