// File: handlers.h (private)
// The groups of built-in handlers of the standard registry, one file each, and the
// helpers they share.
#pragma once

#include "rho/primitives/registry.h"

namespace rho::primitives {

// arith.cpp: - not + - * / % == != < <= > >= and or (RHOLANG.md 6.3), on Int and
// BigInt, and + - on sets and maps.
void addArithmeticHandlers(Registry& r);
// collections.cpp: ++ (String, List, ByteArray, Map, Set), -- (Set), %% (String %% Map).
void addCollectionHandlers(Registry& r);
// methods.cpp: every method of RHOLANG.md section 7, one handler each (toByteArray
// encodes through term_bytes.h).
void addMethodHandlers(Registry& r);
// system.cpp: rho:io:stdout, stdoutAck, stderr, stderrAck, rho:block:data,
// sys:authToken:ops.
void addSystemProcesses(Registry& r);
// crypto_processes.cpp: rho:crypto:sha256Hash, keccak256Hash, blake2b256Hash,
// ed25519Verify, secp256k1Verify.
void addCryptoProcesses(Registry& r);
// registry_processes.cpp: rho:registry:insertArbitrary, lookup, ops.
void addRegistryProcesses(Registry& r);
// chain_processes.cpp: rho:rev:address, rho:rchain:deployerId:ops.
void addChainProcesses(Registry& r);
// test_processes.cpp: rho:test:assertAck, rho:test:testSuiteCompleted, rho:io:stdlog.
void addTestProcesses(Registry& r);

// An operand must be a single expression: not a par of several parts, not a process.
// Otherwise writes the fault into [out] and returns false.
bool checkOperand(const bytecode::Value& v, bytecode::Op op, Answer& out);

// memory_limit.cpp: before a handler builds a value of about [bytes] (memory_limit.h):
// true when it fits, else writes the kMemoryLimit fault (for operator or METHOD [op])
// into [out] and returns false. Cheap below 1 MiB.
bool admitValue(Answer& out, bytecode::Op op, size_t bytes);

// bigint.cpp: arithmetic on BigInt operands (the left one is a BigInt).
bool isBigInt(const bytecode::Value& v);
void bigIntBinary(bytecode::Op op, const bytecode::Value& a, const bytecode::Value& b, Answer& out);
bytecode::Value bigIntNegate(const bytecode::Value& a);

} // namespace rho::primitives
