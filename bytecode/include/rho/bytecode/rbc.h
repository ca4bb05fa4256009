// File: rbc.h
// The .rbc binary format: a compiled program, and the encoding of single Values and
// Codes that RSpace uses to store data and continuations in LMDB.
//
// Layout: "RHBC" magic, u32 kBytecodeVersion, u64 XXH3-64 checksum of the rest, then
// the main Code. A Code is its
// fields in declaration order; counts and operands are LEB128 varints, fixed-width
// integers (Int values, unforgeable ids, the version) little-endian as everything
// rhovm stores (base/byte_order.h); Values are a kind byte and their payload
// (closures embed their Code). Decoding validates every
// index and bound (validator.h), so a truncated, corrupted or foreign file is a
// clear error, never a crash.
//
// Version history:
//   1  first format (rhovm 0.1): straight-line sequences, QUOTE/PAR/SPAWN multisets.
//   2  the whole language: sets, maps, BigInt, ByteArray, bundles (values); MAKE_SET,
//      MAKE_MAP, BUNDLE, CONCAT, DIFF, INTERPOLATE, METHOD, MATCH, MATCHES, AND_ALSO,
//      OR_ELSE, PUSH_PATTERN; pattern tables, remainders, connectives, simple types,
//      variable references and process patterns; sequence kinds kCase, kPattern.
//   3  the file header carries a checksum of the content: a changed file is refused
//      before decoding (values and codes inside are encoded as in version 2).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "rho/bytecode/code.h"

namespace rho::bytecode {

inline constexpr uint32_t kBytecodeVersion = 3;

// Whole programs (.rbc files).
std::string encodeProgram(const Program& program);
// Errors: InvalidArgument "not an rhovm bytecode file", FailedPrecondition for another
// version ("bytecode version N, this rhovm reads version 3; recompile the program"),
// DataLoss for a checksum that does not match (a changed or truncated file), and for
// content that does not decode (with the byte offset).
absl::StatusOr<Program> decodeProgram(std::string_view bytes);
// Tests and fuzzers: [bytes] with the header's checksum rewritten to match the content
// (unchanged when shorter than a header), so that a changed file reaches the decoder.
std::string sealProgramBytes(std::string bytes);

// Single values and codes, without the file header (used by RSpace storage).
void encodeValue(const Value& v, std::string& out);
// [withPositions]: include the source name and positions. [withChildren]: encode the
// child sequences too (else only their count: a shallow encoding, for hashing).
void encodeCode(const Code& code, std::string& out, bool withPositions = true, bool withChildren = true);
// As encodeValue and encodeCode, but false when the value or code nests deeper than
// decodeValue / decodeCode read back (450,000 levels): [out] is then incomplete and
// must be dropped. For what is stored to be read later (RSpace's checkpoint).
bool encodeValueChecked(const Value& v, std::string& out);
bool encodeCodeChecked(const Code& code, std::string& out);
// Decode from the front of [in], advancing it. Errors: DataLoss.
absl::StatusOr<Value> decodeValue(std::string_view& in);
absl::StatusOr<std::shared_ptr<const Code>> decodeCode(std::string_view& in);

} // namespace rho::bytecode
