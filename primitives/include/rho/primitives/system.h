// File: system.h
// System processes: the native listeners behind `new x(`rho:io:stdout`)` and its
// siblings (RHOLANG.md section 10). Each has a fixed channel (a write-only
// unforgeable name) on which the runtime installs a persistent native continuation.
#pragma once

#include <cstdio>
#include <optional>
#include <span>
#include <string_view>

#include "rho/bytecode/value.h"

namespace rho::primitives {

enum class SystemProcess : uint8_t { kStdout, kStdoutAck, kStderr, kStderrAck };
inline constexpr SystemProcess kAllSystemProcesses[] = {SystemProcess::kStdout, SystemProcess::kStdoutAck,
                                                        SystemProcess::kStderr, SystemProcess::kStderrAck};

std::optional<SystemProcess> lookupUrn(std::string_view urn);
std::string_view urnOf(SystemProcess sp);
// The channel a system process listens on; the same in every run.
bytecode::Value systemChannel(SystemProcess sp);
// True when [channel] is a system channel (they are write-only: bundle+).
bool isSystemChannel(const bytecode::Value& channel);
// The message arity it answers; other arities simply wait (as the reference does).
int systemArity(SystemProcess sp);

// Serves one message: prints args[0] as the pretty-printer does, plus a newline, to
// the process's stream. For the Ack variants returns the channel to answer on with
// one Nil. [out] and [err] are written under the caller's output lock.
std::optional<bytecode::Value> serveSystem(SystemProcess sp, std::span<const bytecode::Value> args, std::FILE* out,
                                           std::FILE* err);

} // namespace rho::primitives
