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

// (ret): the block number and the block sender's public key.
void blockData(std::span<const bytecode::Value> args, SystemContext& context) {
    const BlockData& b = context.block();
    context.send(args[0], {bytecode::Value::integer(b.number), bytecode::Value::byteArray(b.sender)});
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

bytecode::Value systemChannel(uint32_t id) { return bytecode::Value::unforgeable(uint64_t{id} + 1, kSystemHi); }

bool isSystemChannel(const bytecode::Value& channel) {
    return channel.kind() == bytecode::ValueKind::kUnforgeable && channel.unforgeableHi() == kSystemHi;
}

uint32_t systemChannelHandler(const bytecode::Value& channel) {
    return static_cast<uint32_t>(channel.unforgeableLo() - 1);
}

} // namespace rho::primitives
