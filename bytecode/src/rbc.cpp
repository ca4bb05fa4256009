// File: rbc.cpp
// Encoding and decoding of .rbc programs, Codes and Values (see rbc.h).

#include "rho/bytecode/rbc.h"

#include "rho/base/byte_order.h"

#include <cstring>
#include <xxhash.h>

#include "absl/strings/str_cat.h"
#include "rho/base/big_stack.h"
#include "rho/base/status.h"
#include "rho/bytecode/symbol.h"
#include "rho/bytecode/validator.h"

namespace rho::bytecode {

namespace {

constexpr char kMagic[4] = {'R', 'H', 'B', 'C'};
// Magic, version, and the XXH3-64 checksum of everything after the header.
constexpr size_t kHeaderBytes = 16;
// Deeper nesting than this in stored code or data is rejected. It is above anything
// the compiler produces (4 levels of code per source level, 100,000 source levels);
// decoding recurses once per level, so whole programs decode on a big stack
// (decodeProgram), as every rhovm command runs on one (base/big_stack.h).
constexpr int kMaxDecodeDepth = 450000;

void putVar(uint64_t v, std::string& out) {
    while (v >= 0x80) {
        out += static_cast<char>((v & 0x7F) | 0x80);
        v >>= 7;
    }
    out += static_cast<char>(v);
}

void putBytes(std::string_view s, std::string& out) {
    putVar(s.size(), out);
    out.append(s);
}

void putPos(SourcePos p, std::string& out) {
    putVar(p.line, out);
    putVar(p.col, out);
}

// Remainders as varints: 0 none, 1 wildcard, 2 + binding.
uint64_t remainderCode(int32_t r) { return r == Pattern::kNoRemainder ? 0 : (r == Pattern::kWildRemainder ? 1 : 2 + static_cast<uint64_t>(r)); }

// The nesting of what is being encoded, counted as the decoder counts it (each value,
// code and pattern inside another is one level deeper), so that an encoder can refuse
// what the decoder would refuse (encodeValueChecked).
struct EncodeDepth {
    int depth = 0;
    bool checking = false; // in an encode*Checked call: stop at the limit
    bool tooDeep = false;
};
thread_local EncodeDepth tEncode;

// One level of nesting for the scope of an encoder call; false (for a checked
// encoding) when it is one too many, and the caller writes nothing more.
class Level {
  public:
    Level() {
        if (++tEncode.depth > kMaxDecodeDepth)
            tEncode.tooDeep = true;
    }
    ~Level() { --tEncode.depth; }
    Level(const Level&) = delete;
    Level& operator=(const Level&) = delete;
    [[nodiscard]] bool stop() const { return tEncode.checking && tEncode.tooDeep; }
};

void putPattern(const Pattern& p, std::string& out) {
    Level level;
    if (level.stop())
        return;
    out += static_cast<char>(p.kind);
    switch (p.kind) {
    case Pattern::Kind::kBind:
        putVar(p.binding, out);
        out += static_cast<char>(p.nameBinder ? 1 : 0);
        break;
    case Pattern::Kind::kWildcard: break;
    case Pattern::Kind::kLiteral: encodeValue(p.literal, out); break;
    case Pattern::Kind::kType: out += static_cast<char>(p.simpleType); break;
    case Pattern::Kind::kVarRef: putVar(p.slot, out); break;
    case Pattern::Kind::kProcess: putVar(p.child, out); break;
    case Pattern::Kind::kBundle:
    case Pattern::Kind::kList:
    case Pattern::Kind::kTuple:
    case Pattern::Kind::kSet:
    case Pattern::Kind::kMap:
    case Pattern::Kind::kAnd:
    case Pattern::Kind::kOr:
    case Pattern::Kind::kNot:
        out += static_cast<char>(p.bundleMode);
        putVar(remainderCode(p.remainder), out);
        putVar(p.items.size(), out);
        for (const Pattern& q : p.items)
            putPattern(q, out);
        break;
    }
}

class Reader {
  public:
    // [base]: the offset of [in] in the whole file, so errors name file offsets.
    explicit Reader(std::string_view& in, size_t base = 0) : in_(in), start_(in.size()), base_(base) {}

    absl::StatusOr<uint64_t> var() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (in_.empty())
                return truncated();
            auto b = static_cast<uint8_t>(in_[0]);
            in_.remove_prefix(1);
            v |= static_cast<uint64_t>(b & 0x7F) << shift;
            if (!(b & 0x80))
                return v;
        }
        return corrupt("varint too long");
    }
    absl::StatusOr<uint32_t> var32() {
        RHO_ASSIGN_OR_RETURN(uint64_t v, var());
        if (v > 0xFFFFFFFFu)
            return corrupt("value out of range");
        return static_cast<uint32_t>(v);
    }
    // A count of items that each take at least one byte: bounded by what is left.
    absl::StatusOr<uint32_t> count() {
        RHO_ASSIGN_OR_RETURN(uint32_t n, var32());
        if (n > in_.size())
            return truncated();
        return n;
    }
    absl::StatusOr<uint8_t> byte() {
        if (in_.empty())
            return truncated();
        auto b = static_cast<uint8_t>(in_[0]);
        in_.remove_prefix(1);
        return b;
    }
    absl::StatusOr<std::string> bytes() {
        RHO_ASSIGN_OR_RETURN(uint64_t n, var());
        if (n > in_.size())
            return truncated();
        std::string s(in_.substr(0, n));
        in_.remove_prefix(n);
        return s;
    }
    absl::StatusOr<uint64_t> fixed64() {
        if (in_.size() < 8)
            return truncated();
        uint64_t v = 0;
        base::getU64(in_, v);
        return v;
    }
    absl::Status truncated() const {
        return absl::DataLossError(absl::StrCat("truncated bytecode at byte ", offset()));
    }
    absl::Status corrupt(std::string_view what) const {
        return absl::DataLossError(absl::StrCat("corrupted bytecode at byte ", offset(), ": ", std::string(what)));
    }
    [[nodiscard]] size_t offset() const { return base_ + start_ - in_.size(); }

    absl::StatusOr<Value> value(int depth);
    absl::StatusOr<std::shared_ptr<const Code>> code(int depth);
    absl::StatusOr<Pattern> pattern(int depth);

  private:
    std::string_view& in_;
    size_t start_;
    size_t base_;
};

absl::StatusOr<Pattern> Reader::pattern(int depth) {
    if (depth > kMaxDecodeDepth)
        return corrupt("nesting too deep");
    Pattern p;
    RHO_ASSIGN_OR_RETURN(uint8_t kind, byte());
    if (kind > static_cast<uint8_t>(Pattern::Kind::kBundle))
        return corrupt("bad pattern kind");
    p.kind = static_cast<Pattern::Kind>(kind);
    switch (p.kind) {
    case Pattern::Kind::kBind: {
        RHO_ASSIGN_OR_RETURN(p.binding, var32());
        RHO_ASSIGN_OR_RETURN(uint8_t nameBinder, byte());
        p.nameBinder = nameBinder != 0;
        break;
    }
    case Pattern::Kind::kWildcard: break;
    case Pattern::Kind::kLiteral: {
        RHO_ASSIGN_OR_RETURN(p.literal, value(depth + 1));
        break;
    }
    case Pattern::Kind::kType: {
        RHO_ASSIGN_OR_RETURN(p.simpleType, byte());
        if (p.simpleType > 5)
            return corrupt("bad simple type");
        break;
    }
    case Pattern::Kind::kVarRef: {
        RHO_ASSIGN_OR_RETURN(p.slot, var32());
        break;
    }
    case Pattern::Kind::kProcess: {
        RHO_ASSIGN_OR_RETURN(p.child, var32());
        break;
    }
    default: {
        RHO_ASSIGN_OR_RETURN(p.bundleMode, byte());
        RHO_ASSIGN_OR_RETURN(uint64_t r, var());
        if (r > 0x7FFFFFFF)
            return corrupt("bad remainder");
        p.remainder = r == 0 ? Pattern::kNoRemainder : (r == 1 ? Pattern::kWildRemainder : static_cast<int32_t>(r - 2));
        RHO_ASSIGN_OR_RETURN(uint32_t n, count());
        for (uint32_t i = 0; i < n; ++i) {
            RHO_ASSIGN_OR_RETURN(Pattern q, pattern(depth + 1));
            p.items.push_back(std::move(q));
        }
        break;
    }
    }
    return p;
}

absl::StatusOr<Value> Reader::value(int depth) {
    if (depth > kMaxDecodeDepth)
        return corrupt("nesting too deep");
    RHO_ASSIGN_OR_RETURN(uint8_t kind, byte());
    switch (static_cast<ValueKind>(kind)) {
    case ValueKind::kNil: return Value();
    case ValueKind::kBool: {
        RHO_ASSIGN_OR_RETURN(uint8_t b, byte());
        return Value::boolean(b != 0);
    }
    case ValueKind::kInt: {
        RHO_ASSIGN_OR_RETURN(uint64_t i, fixed64());
        return Value::integer(static_cast<int64_t>(i));
    }
    case ValueKind::kString:
    case ValueKind::kUri:
    case ValueKind::kBigInt:
    case ValueKind::kByteArray: {
        RHO_ASSIGN_OR_RETURN(std::string s, bytes());
        switch (static_cast<ValueKind>(kind)) {
        case ValueKind::kString: return Value::string(std::move(s));
        case ValueKind::kUri: return Value::uri(std::move(s));
        case ValueKind::kByteArray: return Value::byteArray(std::move(s));
        default: break;
        }
        if (s.empty() || s.find_first_not_of("-0123456789") != std::string::npos || s.find('-', 1) != std::string::npos)
            return corrupt("bad BigInt");
        return Value::bigInt(std::move(s));
    }
    case ValueKind::kBundle: {
        RHO_ASSIGN_OR_RETURN(uint8_t mode, byte());
        if (mode > 3)
            return corrupt("bad bundle mode");
        RHO_ASSIGN_OR_RETURN(Value body, value(depth + 1));
        return Value::bundle(std::move(body), static_cast<BundleMode>(mode));
    }
    case ValueKind::kUnforgeable: {
        RHO_ASSIGN_OR_RETURN(uint64_t lo, fixed64());
        RHO_ASSIGN_OR_RETURN(uint64_t hi, fixed64());
        return Value::unforgeable(lo, hi);
    }
    case ValueKind::kList:
    case ValueKind::kTuple:
    case ValueKind::kSet:
    case ValueKind::kMap:
    case ValueKind::kPar: {
        RHO_ASSIGN_OR_RETURN(uint32_t n, count());
        std::vector<Value> items;
        items.reserve(n);
        for (uint32_t i = 0; i < n; ++i) {
            RHO_ASSIGN_OR_RETURN(Value item, value(depth + 1));
            items.push_back(std::move(item));
        }
        if (kind == static_cast<uint8_t>(ValueKind::kList))
            return Value::list(std::move(items));
        if (kind == static_cast<uint8_t>(ValueKind::kTuple)) {
            if (items.empty())
                return corrupt("empty tuple");
            return Value::tuple(std::move(items));
        }
        if (kind == static_cast<uint8_t>(ValueKind::kSet))
            return Value::set(std::move(items));
        if (kind == static_cast<uint8_t>(ValueKind::kMap)) {
            if (items.size() % 2)
                return corrupt("odd map");
            return Value::map(std::move(items));
        }
        return Value::par(std::move(items));
    }
    case ValueKind::kProc: {
        RHO_ASSIGN_OR_RETURN(std::shared_ptr<const Code> c, code(depth + 1));
        RHO_ASSIGN_OR_RETURN(uint32_t n, count());
        if (n != c->numCaptures)
            return corrupt("closure capture count differs from its code");
        std::vector<Value> caps;
        for (uint32_t i = 0; i < n; ++i) {
            RHO_ASSIGN_OR_RETURN(Value cap, value(depth + 1));
            caps.push_back(std::move(cap));
        }
        return Value::closure(std::move(c), std::move(caps));
    }
    }
    return corrupt("bad value kind");
}

absl::StatusOr<std::shared_ptr<const Code>> Reader::code(int depth) {
    if (depth > kMaxDecodeDepth)
        return corrupt("nesting too deep");
    auto c = std::make_shared<Code>();
    RHO_ASSIGN_OR_RETURN(uint8_t kind, byte());
    if (kind > static_cast<uint8_t>(SequenceKind::kMatch))
        return corrupt("bad sequence kind");
    c->kind = static_cast<SequenceKind>(kind);
    RHO_ASSIGN_OR_RETURN(c->numCaptures, var32());
    RHO_ASSIGN_OR_RETURN(c->numSlots, var32());
    RHO_ASSIGN_OR_RETURN(uint32_t nWords, count());
    c->words.reserve(nWords);
    for (uint32_t i = 0; i < nWords; ++i) {
        RHO_ASSIGN_OR_RETURN(uint32_t w, var32());
        c->words.push_back(w);
    }
    RHO_ASSIGN_OR_RETURN(uint32_t nConst, count());
    for (uint32_t i = 0; i < nConst; ++i) {
        RHO_ASSIGN_OR_RETURN(Value v, value(depth + 1));
        c->constants.push_back(std::move(v));
    }
    RHO_ASSIGN_OR_RETURN(uint32_t nChildren, count());
    for (uint32_t i = 0; i < nChildren; ++i) {
        RHO_ASSIGN_OR_RETURN(std::shared_ptr<const Code> child, code(depth + 1));
        c->children.push_back(std::move(child));
    }
    RHO_ASSIGN_OR_RETURN(uint32_t nMultisets, count());
    for (uint32_t i = 0; i < nMultisets; ++i) {
        Multiset m;
        RHO_ASSIGN_OR_RETURN(uint32_t nMembers, count());
        for (uint32_t j = 0; j < nMembers; ++j) {
            ChildRef r;
            RHO_ASSIGN_OR_RETURN(r.child, var32());
            RHO_ASSIGN_OR_RETURN(uint32_t nCaps, count());
            for (uint32_t k = 0; k < nCaps; ++k) {
                RHO_ASSIGN_OR_RETURN(uint32_t slot, var32());
                r.captureSlots.push_back(slot);
            }
            m.members.push_back(std::move(r));
        }
        c->multisets.push_back(std::move(m));
    }
    RHO_ASSIGN_OR_RETURN(uint8_t hasJoin, byte());
    if (hasJoin) {
        auto j = std::make_unique<Join>();
        RHO_ASSIGN_OR_RETURN(uint8_t flags, byte());
        j->persistent = flags & 1;
        j->peek = (flags & 2) != 0;
        RHO_ASSIGN_OR_RETURN(j->numBindings, var32());
        RHO_ASSIGN_OR_RETURN(uint32_t nBinds, count());
        for (uint32_t b = 0; b < nBinds; ++b) {
            BindPatterns bp;
            RHO_ASSIGN_OR_RETURN(uint64_t r, var());
            if (r > 0x7FFFFFFF || r == 1)
                return corrupt("bad bind remainder");
            bp.remainder = r == 0 ? Pattern::kNoRemainder : static_cast<int32_t>(r - 2);
            RHO_ASSIGN_OR_RETURN(uint32_t nArgs, count());
            for (uint32_t k = 0; k < nArgs; ++k) {
                RHO_ASSIGN_OR_RETURN(Pattern p, pattern(depth + 1));
                bp.args.push_back(std::move(p));
            }
            j->binds.push_back(std::move(bp));
        }
        j->analyze();
        c->join = std::move(j);
    }
    RHO_ASSIGN_OR_RETURN(uint32_t nPatterns, count());
    for (uint32_t i = 0; i < nPatterns; ++i) {
        RHO_ASSIGN_OR_RETURN(Pattern p, pattern(depth + 1));
        c->patterns.push_back(std::move(p));
    }
    RHO_ASSIGN_OR_RETURN(std::string name, bytes());
    c->sourceName = std::make_shared<const std::string>(std::move(name));
    RHO_ASSIGN_OR_RETURN(uint32_t nPos, count());
    if (nPos != 0 && nPos != nWords)
        return corrupt("position table length differs from the code");
    for (uint32_t i = 0; i < nPos; ++i) {
        SourcePos p;
        RHO_ASSIGN_OR_RETURN(p.line, var32());
        RHO_ASSIGN_OR_RETURN(p.col, var32());
        c->positions.push_back(p);
    }
    if (nPos == 0)
        c->positions.resize(nWords);
    if (absl::Status s = validate(*c); !s.ok())
        return corrupt(std::string(s.message()));
    internSymbols(*c);
    return std::shared_ptr<const Code>(std::move(c));
}

} // namespace

void encodeValue(const Value& v, std::string& out) {
    Level level;
    if (level.stop())
        return;
    out += static_cast<char>(v.kind());
    switch (v.kind()) {
    case ValueKind::kNil: break;
    case ValueKind::kBool: out += static_cast<char>(v.asBool()); break;
    case ValueKind::kInt: {
        auto i = static_cast<uint64_t>(v.asInt());
        base::putU64(out, i);
        break;
    }
    case ValueKind::kString:
    case ValueKind::kUri:
    case ValueKind::kBigInt:
    case ValueKind::kByteArray: putBytes(v.asString(), out); break;
    case ValueKind::kBundle:
        out += static_cast<char>(v.bundleMode());
        encodeValue(v.items()[0], out);
        break;
    case ValueKind::kUnforgeable: {
        uint64_t lo = v.unforgeableLo(), hi = v.unforgeableHi();
        base::putU64(out, lo);
        base::putU64(out, hi);
        break;
    }
    case ValueKind::kList:
    case ValueKind::kTuple:
    case ValueKind::kSet:
    case ValueKind::kMap:
    case ValueKind::kPar: {
        auto items = v.kind() == ValueKind::kPar ? v.parts() : v.items();
        putVar(items.size(), out);
        for (const Value& item : items)
            encodeValue(item, out);
        break;
    }
    case ValueKind::kProc:
        encodeCode(*v.closure().code, out);
        putVar(v.closure().captures.size(), out);
        for (const Value& cap : v.closure().captures)
            encodeValue(cap, out);
        break;
    }
}

void encodeCode(const Code& c, std::string& out, bool withPositions, bool withChildren) {
    Level level;
    if (level.stop())
        return;
    out += static_cast<char>(c.kind);
    putVar(c.numCaptures, out);
    putVar(c.numSlots, out);
    putVar(c.words.size(), out);
    for (uint32_t w : c.words)
        putVar(w, out);
    putVar(c.constants.size(), out);
    for (const Value& k : c.constants)
        encodeValue(k, out);
    putVar(c.children.size(), out);
    if (withChildren)
        for (const auto& child : c.children)
            encodeCode(*child, out, withPositions);
    putVar(c.multisets.size(), out);
    for (const Multiset& m : c.multisets) {
        putVar(m.members.size(), out);
        for (const ChildRef& r : m.members) {
            putVar(r.child, out);
            putVar(r.captureSlots.size(), out);
            for (uint32_t s : r.captureSlots)
                putVar(s, out);
        }
    }
    out += static_cast<char>(c.join ? 1 : 0);
    if (c.join) {
        out += static_cast<char>((c.join->persistent ? 1 : 0) | (c.join->peek ? 2 : 0));
        putVar(c.join->numBindings, out);
        putVar(c.join->binds.size(), out);
        for (const BindPatterns& b : c.join->binds) {
            putVar(remainderCode(b.remainder), out);
            putVar(b.args.size(), out);
            for (const Pattern& p : b.args)
                putPattern(p, out);
        }
    }
    putVar(c.patterns.size(), out);
    for (const Pattern& p : c.patterns)
        putPattern(p, out);
    if (!withPositions) {
        putBytes({}, out);
        putVar(0, out);
        return;
    }
    putBytes(c.sourceName ? *c.sourceName : std::string(), out);
    putVar(c.positions.size(), out);
    for (SourcePos p : c.positions)
        putPos(p, out);
}

std::string encodeProgram(const Program& program) {
    std::string out(kMagic, 4);
    base::putU32(out, kBytecodeVersion);
    base::putU64(out, 0); // the checksum, patched below
    // Encoding recurses once per nesting level: a deep program needs a big stack.
    auto work = [&] { encodeCode(*program.main, out); };
    if (!runOnBigStack(work))
        work();
    return sealProgramBytes(std::move(out));
}

std::string sealProgramBytes(std::string bytes) {
    if (bytes.size() < kHeaderBytes)
        return bytes;
    const uint64_t sum = XXH3_64bits(bytes.data() + kHeaderBytes, bytes.size() - kHeaderBytes);
    for (size_t i = 0; i < 8; ++i)
        bytes[8 + i] = static_cast<char>(static_cast<uint8_t>(sum >> (8 * i)));
    return bytes;
}

absl::StatusOr<Program> decodeProgram(std::string_view bytes) {
    if (bytes.size() < 4 || std::memcmp(bytes.data(), kMagic, 4) != 0)
        return absl::InvalidArgumentError("not an rhovm bytecode file (bad magic)");
    if (bytes.size() < 8)
        return absl::DataLossError("truncated bytecode: no version");
    uint32_t version = 0;
    std::string_view versionBytes = bytes.substr(4, 4);
    base::getU32(versionBytes, version);
    if (version != kBytecodeVersion)
        return absl::FailedPreconditionError(absl::StrCat("bytecode version ", version, ", this rhovm reads version ",
                                                          kBytecodeVersion, "; recompile the program"));
    if (bytes.size() < kHeaderBytes)
        return absl::DataLossError("truncated bytecode: no checksum");
    std::string_view sumBytes = bytes.substr(8, 8);
    uint64_t sum = 0;
    base::getU64(sumBytes, sum);
    std::string_view rest = bytes.substr(kHeaderBytes);
    if (rest.empty())
        return absl::DataLossError("truncated bytecode: the file ends after its header (16 bytes)");
    if (XXH3_64bits(rest.data(), rest.size()) != sum)
        return absl::DataLossError(absl::StrCat("corrupted or truncated bytecode: the checksum does not match its ",
                                                rest.size(), " bytes of content (the file was changed after "
                                                             "rhovm wrote it; recompile the program)"));
    // Decoding recurses once per nesting level: a deep program needs a big stack.
    absl::StatusOr<Program> result = absl::InternalError("decoder did not run");
    auto work = [&] {
        Reader r(rest, kHeaderBytes);
        auto main = r.code(0);
        if (!main.ok())
            result = main.status();
        else if (!rest.empty())
            result = absl::DataLossError("corrupted bytecode: trailing bytes after the program");
        else
            result = Program{std::move(main).value(), nullptr};
    };
    if (!runOnBigStack(work))
        work();
    return result;
}

namespace {

template <class Encode>
bool checkedEncoding(Encode&& encode) {
    const EncodeDepth saved = tEncode;
    tEncode = EncodeDepth{0, true, false};
    encode();
    const bool ok = !tEncode.tooDeep;
    tEncode = saved;
    return ok;
}

} // namespace

bool encodeValueChecked(const Value& v, std::string& out) {
    return checkedEncoding([&] { encodeValue(v, out); });
}

bool encodeCodeChecked(const Code& code, std::string& out) {
    return checkedEncoding([&] { encodeCode(code, out); });
}

absl::StatusOr<Value> decodeValue(std::string_view& in) { return Reader(in).value(0); }

absl::StatusOr<std::shared_ptr<const Code>> decodeCode(std::string_view& in) { return Reader(in).code(0); }

} // namespace rho::bytecode
