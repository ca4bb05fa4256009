// File: system.cpp
// The rho:io system processes and the system channel names (see system.h).

#include "rho/primitives/system.h"

#include <string>

#include "handlers.h"

namespace rho::primitives {

namespace {

// System channel ids: a fixed high word marks them, the low word is the handler id + 1.
constexpr uint64_t kSystemHi = 0x5359535f52484f00ull; // "SYS_RHO\0"

template <OutputStream kStream, bool kAck>
void printLine(std::span<const bytecode::Value> args, SystemContext& context) {
    std::string text = bytecode::print(args[0]);
    text += '\n';
    context.write(kStream, text);
    if (kAck)
        context.send(args[1], {bytecode::Value()});
}

} // namespace

void addSystemProcesses(Registry& r) {
    r.addSystemProcess("rho:io:stdout", 1, printLine<OutputStream::kOut, false>);
    r.addSystemProcess("rho:io:stdoutAck", 2, printLine<OutputStream::kOut, true>);
    r.addSystemProcess("rho:io:stderr", 1, printLine<OutputStream::kErr, false>);
    r.addSystemProcess("rho:io:stderrAck", 2, printLine<OutputStream::kErr, true>);
}

bytecode::Value systemChannel(uint32_t id) { return bytecode::Value::unforgeable(uint64_t{id} + 1, kSystemHi); }

bool isSystemChannel(const bytecode::Value& channel) {
    return channel.kind() == bytecode::ValueKind::kUnforgeable && channel.unforgeableHi() == kSystemHi;
}

uint32_t systemChannelHandler(const bytecode::Value& channel) {
    return static_cast<uint32_t>(channel.unforgeableLo() - 1);
}

} // namespace rho::primitives
