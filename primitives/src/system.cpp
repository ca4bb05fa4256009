// File: system.cpp
// The stdout / stderr system processes (see system.h).

#include "rho/primitives/system.h"

#include <string>

namespace rho::primitives {

namespace {

struct Entry {
    SystemProcess sp;
    std::string_view urn;
    int arity;
};

constexpr Entry kEntries[] = {
    {SystemProcess::kStdout, "rho:io:stdout", 1},
    {SystemProcess::kStdoutAck, "rho:io:stdoutAck", 2},
    {SystemProcess::kStderr, "rho:io:stderr", 1},
    {SystemProcess::kStderrAck, "rho:io:stderrAck", 2},
};

// System channel ids: a fixed high word marks them, the low word is the process.
constexpr uint64_t kSystemHi = 0x5359535f52484f00ull; // "SYS_RHO\0"

} // namespace

std::optional<SystemProcess> lookupUrn(std::string_view urn) {
    for (const Entry& e : kEntries)
        if (e.urn == urn)
            return e.sp;
    return std::nullopt;
}

std::string_view urnOf(SystemProcess sp) { return kEntries[static_cast<int>(sp)].urn; }

int systemArity(SystemProcess sp) { return kEntries[static_cast<int>(sp)].arity; }

bytecode::Value systemChannel(SystemProcess sp) {
    return bytecode::Value::unforgeable(static_cast<uint64_t>(sp) + 1, kSystemHi);
}

bool isSystemChannel(const bytecode::Value& channel) {
    return channel.kind() == bytecode::ValueKind::kUnforgeable && channel.unforgeableHi() == kSystemHi;
}

std::optional<bytecode::Value> serveSystem(SystemProcess sp, std::span<const bytecode::Value> args, std::FILE* out,
                                           std::FILE* err) {
    std::string text = bytecode::print(args[0]);
    text += '\n';
    bool toErr = sp == SystemProcess::kStderr || sp == SystemProcess::kStderrAck;
    std::fwrite(text.data(), 1, text.size(), toErr ? err : out);
    if (sp == SystemProcess::kStdoutAck || sp == SystemProcess::kStderrAck)
        return args[1];
    return std::nullopt;
}

} // namespace rho::primitives
