// File: term_bytes.cpp
// toByteArray's encoding (see term_bytes.h).

#include "term_bytes.h"

#include <algorithm>
#include <cstdint>

#include "rho_types.pb.h"

namespace rho::primitives {

namespace {

using bytecode::Value;
using bytecode::ValueKind;

// Java BigInteger.toByteArray of a decimal integer: two's complement, big-endian,
// the fewest bytes that keep the sign.
std::string bigIntBytes(const std::string& decimal) {
    const bool negative = !decimal.empty() && decimal[0] == '-';
    std::string digits = decimal.substr(negative ? 1 : 0);
    std::string magnitude; // little-endian base 256
    while (!(digits.empty() || (digits.size() == 1 && digits[0] == '0'))) {
        std::string quotient;
        unsigned rem = 0;
        for (char c : digits) {
            rem = rem * 10 + static_cast<unsigned>(c - '0');
            if (!quotient.empty() || rem >= 256)
                quotient += static_cast<char>('0' + rem / 256);
            rem %= 256;
        }
        magnitude += static_cast<char>(rem);
        digits = quotient;
    }
    if (negative) { // two's complement: invert and add one
        unsigned carry = 1;
        for (char& b : magnitude) {
            unsigned v = static_cast<unsigned char>(~static_cast<unsigned char>(b)) + carry;
            b = static_cast<char>(v & 0xff);
            carry = v >> 8;
        }
    }
    // One more byte when the top bit does not show the sign.
    const bool topBit = !magnitude.empty() && (static_cast<unsigned char>(magnitude.back()) & 0x80) != 0;
    if (magnitude.empty() || topBit != negative)
        magnitude += static_cast<char>(negative ? 0xff : 0x00);
    std::reverse(magnitude.begin(), magnitude.end());
    return magnitude;
}

bool encode(const Value& v, proto::Par& par);

bool encodeExprInto(const Value& v, proto::Expr& e) {
    switch (v.kind()) {
    case ValueKind::kBool: e.set_g_bool(v.asBool()); return true;
    case ValueKind::kInt: e.set_g_int(v.asInt()); return true;
    case ValueKind::kBigInt: e.set_g_big_int(bigIntBytes(v.asString())); return true;
    case ValueKind::kString: e.set_g_string(v.asString()); return true;
    case ValueKind::kUri: e.set_g_uri(v.asString()); return true;
    case ValueKind::kByteArray: e.set_g_byte_array(v.asString()); return true;
    case ValueKind::kList:
    case ValueKind::kTuple:
    case ValueKind::kSet: {
        auto* ps = v.kind() == ValueKind::kList    ? e.mutable_e_list_body()->mutable_ps()
                   : v.kind() == ValueKind::kTuple ? e.mutable_e_tuple_body()->mutable_ps()
                                                   : e.mutable_e_set_body()->mutable_ps();
        for (const Value& item : v.items())
            if (!encode(item, *ps->Add()))
                return false;
        return true;
    }
    case ValueKind::kMap: {
        auto* kvs = e.mutable_e_map_body()->mutable_kvs();
        const auto items = v.items();
        for (size_t i = 0; i + 1 < items.size(); i += 2) {
            proto::KeyValuePair* kv = kvs->Add();
            if (!encode(items[i], *kv->mutable_key()) || !encode(items[i + 1], *kv->mutable_value()))
                return false;
        }
        return true;
    }
    default: return false;
    }
}

// Adds [v] to [par] (a par's parts each add theirs).
bool encode(const Value& v, proto::Par& par) {
    switch (v.kind()) {
    case ValueKind::kNil: return true;
    case ValueKind::kPar:
        for (const Value& part : v.parts())
            if (!encode(part, par))
                return false;
        return true;
    case ValueKind::kProc: return false;
    case ValueKind::kUnforgeable: {
        std::string id;
        for (uint64_t word : {v.unforgeableHi(), v.unforgeableLo()})
            for (int shift = 56; shift >= 0; shift -= 8)
                id += static_cast<char>((word >> shift) & 0xff);
        par.add_unforgeables()->mutable_g_private_body()->set_id(id);
        return true;
    }
    case ValueKind::kBundle: {
        proto::Bundle* b = par.add_bundles();
        const auto mode = v.bundleMode();
        b->set_writeflag(mode == bytecode::BundleMode::kReadWrite || mode == bytecode::BundleMode::kWrite);
        b->set_readflag(mode == bytecode::BundleMode::kReadWrite || mode == bytecode::BundleMode::kRead);
        return encode(v.items()[0], *b->mutable_body());
    }
    default: return encodeExprInto(v, *par.add_exprs());
    }
}

} // namespace

std::optional<std::string> termBytes(const Value& v) {
    proto::Par par;
    if (!encode(v, par))
        return std::nullopt;
    std::string out;
    par.SerializeToString(&out);
    return out;
}

} // namespace rho::primitives
