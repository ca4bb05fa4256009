// File: rho_id.h (private)
// `rho:id:` URIs, the names the registry gives what it stores, built as the reference
// builds them (its Registry.buildURI): 32 key bytes, a CRC-14 of them in two more
// bytes, the first 270 bits of those 34 bytes in z-base-32.
#pragma once

#include <string>
#include <string_view>

namespace rho::primitives {

// The URI of a 32-byte key (a BLAKE2b-256 hash: of a public key for a signed
// registration, of a fresh name's bytes for insertArbitrary, of any bytes for
// rho:registry:ops buildUri). [key] must hold 32 bytes.
std::string rhoIdUri(std::string_view key);

} // namespace rho::primitives
