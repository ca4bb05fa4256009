// File: term_bytes.cpp
// toByteArray's encoding (see term_bytes.h).

#include "term_bytes.h"
#include "rho/primitives/term_size.h"

#include <algorithm>
#include <cstdint>

#include "rho/bytecode/normal_term.h"
#include "rho/primitives/system.h"
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

// A ground value's Expr.
void encodeExprInto(const Value& v, proto::Expr& e) {
    switch (v.kind()) {
    case ValueKind::kBool: e.set_g_bool(v.asBool()); return;
    case ValueKind::kInt: e.set_g_int(v.asInt()); return;
    case ValueKind::kBigInt: e.set_g_big_int(bigIntBytes(std::string(v.asString()))); return;
    case ValueKind::kString: e.set_g_string(std::string(v.asString())); return;
    case ValueKind::kUri: e.set_g_uri(std::string(v.asString())); return;
    case ValueKind::kByteArray: e.set_g_byte_array(std::string(v.asString())); return;
    default: return;
    }
}

// A set of de Bruijn levels (the reference's BitSet).
struct Bits {
    std::vector<uint64_t> words;

    void set(uint32_t i) {
        if (words.size() <= i / 64)
            words.resize(i / 64 + 1);
        words[i / 64] |= uint64_t{1} << (i % 64);
    }
    void unite(const Bits& o) {
        if (words.size() < o.words.size())
            words.resize(o.words.size());
        for (size_t k = 0; k < o.words.size(); ++k)
            words[k] |= o.words[k];
    }
    // The levels at or above [n], lowered by [n] (the scope outside [n] binders).
    [[nodiscard]] Bits outside(uint32_t n) const {
        Bits b;
        for (size_t k = 0; k < words.size(); ++k)
            for (uint32_t bit = 0; bit < 64; ++bit)
                if ((words[k] >> bit & 1) && k * 64 + bit >= n)
                    b.set(static_cast<uint32_t>(k * 64 + bit - n));
        return b;
    }
    // BitSetBytesMapper: the words little-endian, trailing zero bytes dropped.
    [[nodiscard]] std::string bytes() const {
        std::string out;
        for (uint64_t w : words)
            for (int k = 0; k < 8; ++k)
                out += static_cast<char>(w >> (8 * k) & 0xff);
        while (!out.empty() && out.back() == 0)
            out.pop_back();
        return out;
    }
};

// What a term adds to its parent: its locally free variables and whether it uses
// connectives or free variables (it is a pattern).
struct Info {
    Bits free;
    bool connectiveUsed = false;
    void add(const Info& o) {
        free.unite(o.free);
        connectiveUsed = connectiveUsed || o.connectiveUsed;
    }
};

Info encode(const bytecode::NPar& p, proto::Par& out);

// Sets a Par field the reference leaves out when empty (scalapb no_box fields).
template <class SetField>
Info encodeField(const bytecode::NPar& p, SetField field) {
    proto::Par par;
    Info info = encode(p, par);
    if (par.ByteSizeLong() > 0)
        *field() = std::move(par);
    return info;
}

void encodeVar(const bytecode::NVar& v, proto::Var& out) {
    switch (v.kind) {
    case bytecode::NVar::Kind::kBound: out.set_bound_var(v.level); break;
    case bytecode::NVar::Kind::kFree: out.set_free_var(v.level); break;
    default: out.mutable_wildcard(); break;
    }
}

Info encodeExpr(const bytecode::NExpr& e, proto::Expr& out) {
    using bytecode::NExprKind;
    using bytecode::Op;
    Info info;
    auto all = [&](auto* ps) {
        for (const bytecode::NPar& p : e.ps)
            info.add(encode(p, *ps->Add()));
    };
    auto remainder = [&](auto* msg) {
        if (e.remainder) {
            encodeVar(*e.remainder, *msg->mutable_remainder());
            info.connectiveUsed = true;
        }
    };
    auto finish = [&](auto* msg) {
        msg->set_locallyfree(info.free.bytes());
        msg->set_connective_used(info.connectiveUsed);
    };
    switch (e.kind) {
    case NExprKind::kGround: encodeExprInto(e.ground, out); return info;
    case NExprKind::kVar:
        encodeVar(e.var, *out.mutable_e_var_body()->mutable_v());
        if (e.var.kind == bytecode::NVar::Kind::kBound)
            info.free.set(static_cast<uint32_t>(e.var.level));
        else
            info.connectiveUsed = true;
        return info;
    case NExprKind::kList: {
        auto* m = out.mutable_e_list_body();
        all(m->mutable_ps());
        remainder(m);
        finish(m);
        return info;
    }
    case NExprKind::kTuple: {
        auto* m = out.mutable_e_tuple_body();
        all(m->mutable_ps());
        finish(m);
        return info;
    }
    case NExprKind::kSet: {
        auto* m = out.mutable_e_set_body();
        all(m->mutable_ps());
        remainder(m);
        finish(m);
        return info;
    }
    case NExprKind::kMap: {
        auto* m = out.mutable_e_map_body();
        for (size_t k = 0; k + 1 < e.ps.size(); k += 2) {
            proto::KeyValuePair* kv = m->add_kvs();
            info.add(encodeField(e.ps[k], [&] { return kv->mutable_key(); }));
            info.add(encodeField(e.ps[k + 1], [&] { return kv->mutable_value(); }));
        }
        remainder(m);
        finish(m);
        return info;
    }
    case NExprKind::kMethod: {
        auto* m = out.mutable_e_method_body();
        m->set_methodname(e.method);
        info.add(encodeField(e.ps[0], [&] { return m->mutable_target(); }));
        for (size_t k = 1; k < e.ps.size(); ++k)
            info.add(encode(e.ps[k], *m->add_arguments()));
        finish(m);
        return info;
    }
    case NExprKind::kMatches: {
        auto* m = out.mutable_e_matches_body();
        info.add(encodeField(e.ps[0], [&] { return m->mutable_p1(); }));
        Info pattern = encodeField(e.ps[1], [&] { return m->mutable_p2(); });
        info.free.unite(pattern.free);
        return info;
    }
    case NExprKind::kOp: {
        if (e.op == Op::NEG || e.op == Op::NOT) {
            auto* m = e.op == Op::NEG ? out.mutable_e_neg_body() : out.mutable_e_not_body();
            info.add(encodeField(e.ps[0], [&] { return m->mutable_p(); }));
            return info;
        }
        proto::EBinary* m = nullptr;
        switch (e.op) {
        case Op::MUL: m = out.mutable_e_mult_body(); break;
        case Op::DIV: m = out.mutable_e_div_body(); break;
        case Op::MOD: m = out.mutable_e_mod_body(); break;
        case Op::ADD: m = out.mutable_e_plus_body(); break;
        case Op::SUB: m = out.mutable_e_minus_body(); break;
        case Op::LT: m = out.mutable_e_lt_body(); break;
        case Op::LE: m = out.mutable_e_lte_body(); break;
        case Op::GT: m = out.mutable_e_gt_body(); break;
        case Op::GE: m = out.mutable_e_gte_body(); break;
        case Op::EQ: m = out.mutable_e_eq_body(); break;
        case Op::NEQ: m = out.mutable_e_neq_body(); break;
        case Op::AND: m = out.mutable_e_and_body(); break;
        case Op::OR: m = out.mutable_e_or_body(); break;
        case Op::INTERPOLATE: m = out.mutable_e_percent_percent_body(); break;
        case Op::CONCAT: m = out.mutable_e_plus_plus_body(); break;
        case Op::DIFF: m = out.mutable_e_minus_minus_body(); break;
        case Op::AND_ALSO: m = out.mutable_e_short_and_body(); break;
        case Op::OR_ELSE: m = out.mutable_e_short_or_body(); break;
        default: return info;
        }
        info.add(encodeField(e.ps[0], [&] { return m->mutable_p1(); }));
        info.add(encodeField(e.ps[1], [&] { return m->mutable_p2(); }));
        return info;
    }
    }
    return info;
}

Info encodeConnective(const bytecode::NConnective& c, proto::Connective& out) {
    using K = bytecode::NConnective::Kind;
    Info info;
    info.connectiveUsed = true;
    switch (c.kind) {
    case K::kAnd:
    case K::kOr: {
        auto* body = c.kind == K::kAnd ? out.mutable_conn_and_body() : out.mutable_conn_or_body();
        for (const bytecode::NPar& p : c.ps)
            info.free.unite(encode(p, *body->add_ps()).free);
        break;
    }
    case K::kNot: info.free.unite(encode(c.ps[0], *out.mutable_conn_not_body()).free); break;
    case K::kVarRef:
        out.mutable_var_ref_body()->set_index(c.index);
        out.mutable_var_ref_body()->set_depth(c.depth);
        break;
    case K::kBool: out.set_conn_bool(true); break;
    case K::kInt: out.set_conn_int(true); break;
    case K::kBigInt: out.set_conn_big_int(true); break;
    case K::kString: out.set_conn_string(true); break;
    case K::kUri: out.set_conn_uri(true); break;
    case K::kByteArray: out.set_conn_byte_array(true); break;
    }
    return info;
}

// Set while the cost meter sizes a term (term_size.h): a name's id then takes the 32
// bytes of the reference's (Blake2b512Random.next()), not the 16 an rhovm name holds,
// so sizes and costs are the reference's.
thread_local bool tReferenceIds = false;

std::string unforgeableId(const Value& v) {
    std::string id;
    for (uint64_t word : {v.unforgeableHi(), v.unforgeableLo()})
        for (int shift = 56; shift >= 0; shift -= 8)
            id += static_cast<char>((word >> shift) & 0xff);
    if (tReferenceIds)
        id.resize(32, '\0');
    return id;
}

Info encode(const bytecode::NPar& p, proto::Par& out) {
    Info info;
    for (const bytecode::NSend& s : p.sends) {
        proto::Send* m = out.add_sends();
        Info i = encodeField(s.chan, [&] { return m->mutable_chan(); });
        for (const bytecode::NPar& d : s.data)
            i.add(encode(d, *m->add_data()));
        m->set_persistent(s.persistent);
        m->set_locallyfree(i.free.bytes());
        m->set_connective_used(i.connectiveUsed);
        info.add(i);
    }
    for (const bytecode::NReceive& r : p.receives) {
        proto::Receive* m = out.add_receives();
        Info i;
        for (const bytecode::NBind& b : r.binds) {
            proto::ReceiveBind* bind = m->add_binds();
            for (const bytecode::NPar& pat : b.patterns)
                i.free.unite(encode(pat, *bind->add_patterns()).free);
            i.add(encodeField(b.source, [&] { return bind->mutable_source(); }));
            if (b.remainder)
                encodeVar(*b.remainder, *bind->mutable_remainder());
            bind->set_freecount(static_cast<int32_t>(b.freeCount));
        }
        Info body = encodeField(r.body, [&] { return m->mutable_body(); });
        i.free.unite(body.free.outside(r.bindCount));
        i.connectiveUsed = i.connectiveUsed || body.connectiveUsed;
        m->set_persistent(r.persistent);
        m->set_peek(r.peek);
        m->set_bindcount(static_cast<int32_t>(r.bindCount));
        m->set_locallyfree(i.free.bytes());
        m->set_connective_used(i.connectiveUsed);
        info.add(i);
    }
    for (const bytecode::NNew& n : p.news) {
        proto::PNew* m = out.add_news();
        m->set_bindcount(static_cast<int32_t>(n.bindCount));
        Info body = encodeField(n.body, [&] { return m->mutable_p(); });
        for (const std::string& u : n.uris)
            m->add_uri(u);
        Info i{body.free.outside(n.bindCount), body.connectiveUsed};
        m->set_locallyfree(i.free.bytes());
        info.add(i);
    }
    for (const bytecode::NExpr& e : p.exprs)
        info.add(encodeExpr(e, *out.add_exprs()));
    for (const bytecode::NMatch& mt : p.matches) {
        proto::Match* m = out.add_matches();
        Info i = encodeField(mt.target, [&] { return m->mutable_target(); });
        for (const bytecode::NMatchCase& c : mt.cases) {
            proto::MatchCase* mc = m->add_cases();
            i.free.unite(encodeField(c.pattern, [&] { return mc->mutable_pattern(); }).free);
            Info src = encodeField(c.source, [&] { return mc->mutable_source(); });
            i.free.unite(src.free.outside(c.freeCount));
            i.connectiveUsed = i.connectiveUsed || src.connectiveUsed;
            mc->set_freecount(static_cast<int32_t>(c.freeCount));
        }
        m->set_locallyfree(i.free.bytes());
        m->set_connective_used(i.connectiveUsed);
        info.add(i);
    }
    for (const Value& u : p.unforgeables) {
        if (std::optional<std::string> key = deployerKeyOf(u)) // the reference's GDeployerId: its key
            out.add_unforgeables()->mutable_g_deployer_id_body()->set_publickey(*key);
        else if (tReferenceIds && isSystemChannel(u)) { // the reference's URN map: bundle+{byteName(b)}
            proto::Bundle* b = out.add_bundles();
            b->mutable_body()->add_unforgeables()->mutable_g_private_body()->set_id(std::string(1, '\0'));
            b->set_writeflag(true);
        } else
            out.add_unforgeables()->mutable_g_private_body()->set_id(unforgeableId(u));
    }
    for (const bytecode::NConnective& c : p.connectives)
        info.add(encodeConnective(c, *out.add_connectives()));
    for (const bytecode::NBundle& b : p.bundles) {
        proto::Bundle* m = out.add_bundles();
        info.add(encodeField(b.body, [&] { return m->mutable_body(); }));
        m->set_writeflag(b.write);
        m->set_readflag(b.read);
    }
    out.set_locallyfree(info.free.bytes());
    out.set_connective_used(info.connectiveUsed);
    return info;
}

} // namespace

std::string termBytes(const Value& v) {
    proto::Par par;
    encode(bytecode::normalTerm(v), par);
    std::string out;
    par.SerializeToString(&out);
    return out;
}

} // namespace rho::primitives

// --- the cost meter's sizes (term_size.h) ------------------------------------------------

namespace rho::primitives {

namespace {

int64_t varintLength(uint64_t n) {
    int64_t len = 1;
    while (n >= 0x80) {
        n >>= 7;
        ++len;
    }
    return len;
}

int64_t parSize(const bytecode::NPar& p) {
    proto::Par par;
    tReferenceIds = true;
    encode(p, par);
    tReferenceIds = false;
    return static_cast<int64_t>(par.ByteSizeLong());
}

// A length-delimited field of [n] bytes, with its one-byte tag.
int64_t fieldSize(int64_t n) { return 1 + varintLength(static_cast<uint64_t>(n)) + n; }

} // namespace

int64_t termSize(const bytecode::Value& v) { return parSize(bytecode::normalTerm(v)); }

int64_t channelSize(const bytecode::Value& v) {
    if (!isSystemChannel(v))
        return termSize(v);
    proto::Par fixed; // the reducer unbundles a send's channel: the space keeps byteName(b)
    fixed.add_unforgeables()->mutable_g_private_body()->set_id(std::string(1, '\0'));
    return static_cast<int64_t>(fixed.ByteSizeLong());
}

ReceiveSize receiveSize(const bytecode::Code& body, std::span<const bytecode::Value> captures,
                        std::span<const bytecode::Value> channels) {
    ReceiveSize out;
    bytecode::NPar term = bytecode::normalReceive(body, captures, channels);
    const bytecode::NReceive& r = term.receives.at(0);
    for (const bytecode::NBind& b : r.binds) {
        const int64_t source = parSize(b.source);
        out.sources += source;
        out.stored += source;
        // BindPattern { repeated Par patterns = 1; Var remainder = 2; int32 freeCount = 3; }
        int64_t bindPattern = 0;
        for (const bytecode::NPar& p : b.patterns) {
            const int64_t n = parSize(p);
            out.patterns += n;
            bindPattern += fieldSize(n);
        }
        if (b.remainder) {
            proto::Var var;
            encodeVar(*b.remainder, var);
            bindPattern += fieldSize(static_cast<int64_t>(var.ByteSizeLong()));
        }
        if (b.freeCount != 0)
            bindPattern += 1 + varintLength(b.freeCount);
        out.stored += bindPattern;
    }
    out.body = parSize(r.body);
    out.stored += out.body;
    return out;
}

int64_t casePatternSize(const bytecode::Code& kase, std::span<const bytecode::Value> captures) {
    bytecode::NPar term = bytecode::normalReceive(kase, captures, {});
    const bytecode::NReceive& r = term.receives.at(0);
    return r.binds.empty() || r.binds[0].patterns.empty() ? 0 : parSize(r.binds[0].patterns[0]);
}

} // namespace rho::primitives
