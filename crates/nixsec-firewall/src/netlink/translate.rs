//! From the kernel's rule bytecode to the [`Ruleset`] model, as `nft` decompiles it for
//! `nft list ruleset`: loads into registers (`payload`, `meta`, `ct`, `fib`) followed by
//! comparisons (`cmp`, `range`, `bitwise` masks) and set lookups become conditions, protocol
//! dependencies (`meta l4proto tcp` before `tcp dport`, `meta nfproto ipv4` before `ip saddr`)
//! stay conditions of their own (the evaluation is the same) but are left out of the rule text,
//! and `immediate` verdicts, verdict maps, `reject`, `nat` and iptables-nft `match`/`target`
//! become actions. What nixsec cannot model becomes an opaque condition, as in the JSON reader.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::wire::{self, attrs, be32, get, string, Dump, RawRule, RawSet, Verdict};
use crate::model::{
    Action, Chain, Cond, Family, Hook, IpVer, Key, NamedSet, Pat, Req, Rule, Ruleset, Source,
    SourceKind,
};

/// What a register holds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    /// `meta l4proto`, `ip protocol`, `ip6 nexthdr`.
    L4Proto(&'static str),
    /// `meta nfproto`.
    NfProto,
    /// Transport destination port.
    Dport,
    /// Transport source port.
    Sport,
    /// Source and destination port in one load (iptables-nft's `--sport A --dport B`).
    Ports,
    /// `meta iifname` (true) or `meta oifname` (false).
    IfName(bool),
    /// `meta iif` / `meta oif` (interface index).
    IfIndex(bool),
    /// An address: source (true) or destination, its version, byte offset and length.
    Addr(bool, IpVer, usize, usize),
    /// `ct state`.
    CtState,
    /// `meta pkttype`.
    PktType,
    /// `tcp flags`.
    TcpFlags,
    /// `fib` with its flags and result.
    Fib(u32, u32),
    /// A field of another transport header (`icmp type`): protocol and field name.
    OtherL4(&'static str, &'static str),
    /// Something nixsec does not model; the text names it.
    Other(String),
}

impl Field {
    /// The left side as `nft -j` prints it (`tcp dport`, `meta iifname`, `ct state`).
    fn label(&self, l4: Option<&str>) -> String {
        match self {
            Field::L4Proto(s) => (*s).to_string(),
            Field::Other(s) => s.clone(),
            Field::NfProto => "meta nfproto".into(),
            Field::Dport => format!("{} dport", l4.unwrap_or("th")),
            Field::Sport => format!("{} sport", l4.unwrap_or("th")),
            Field::Ports => format!("{0} sport . {0} dport", l4.unwrap_or("th")),
            Field::IfName(true) => "meta iifname".into(),
            Field::IfName(false) => "meta oifname".into(),
            Field::IfIndex(true) => "meta iif".into(),
            Field::IfIndex(false) => "meta oif".into(),
            Field::Addr(src, v, ..) => format!(
                "{} {}",
                if *v == IpVer::V4 { "ip" } else { "ip6" },
                if *src { "saddr" } else { "daddr" }
            ),
            Field::CtState => "ct state".into(),
            Field::PktType => "meta pkttype".into(),
            Field::TcpFlags => "tcp flags".into(),
            Field::Fib(..) => "fib".into(),
            Field::OtherL4(p, f) => format!("{p} {f}"),
        }
    }

    /// The model's key and its protocol dependencies.
    fn key(&self) -> (Key, Vec<Req>) {
        match self {
            Field::L4Proto(s) => (
                Key::L4Proto,
                match *s {
                    "ip protocol" => vec![Req::Ver(IpVer::V4)],
                    "ip6 nexthdr" => vec![Req::Ver(IpVer::V6)],
                    _ => vec![],
                },
            ),
            Field::NfProto => (Key::NfProto, vec![]),
            Field::Dport => (Key::Dport, vec![]),
            Field::Sport => (Key::Sport, vec![]),
            Field::Ports => (Key::Opaque("sport . dport".into()), vec![]),
            Field::IfName(true) | Field::IfIndex(true) => (Key::Iif, vec![]),
            Field::IfName(false) | Field::IfIndex(false) => (Key::Oif, vec![]),
            Field::Addr(src, v, ..) => (
                if *src { Key::Saddr } else { Key::Daddr },
                vec![Req::Ver(*v)],
            ),
            Field::CtState => (Key::CtState, vec![]),
            Field::PktType => (Key::PktType, vec![]),
            Field::TcpFlags => (Key::Opaque("tcp flags".into()), vec![Req::L4("tcp".into())]),
            Field::Fib(..) => (Key::Opaque("fib".into()), vec![]),
            Field::OtherL4(p, f) => (Key::Opaque(format!("{p} {f}")), vec![Req::L4((*p).into())]),
            Field::Other(s) => (Key::Opaque(s.clone()), vec![]),
        }
    }

    /// Bytes the field takes in a register.
    fn len(&self) -> usize {
        match self {
            Field::L4Proto(_) | Field::NfProto | Field::PktType | Field::TcpFlags => 1,
            Field::OtherL4(..) => 1,
            Field::Dport | Field::Sport => 2,
            Field::IfName(_) => 16,
            Field::Addr(_, _, _, len) => *len,
            Field::IfIndex(_) | Field::CtState | Field::Fib(..) | Field::Other(_) => 4,
            Field::Ports => 4,
        }
    }
}

/// A register's content: a field, possibly masked by `bitwise`.
#[derive(Debug, Clone)]
struct Reg {
    field: Field,
    mask: Option<Vec<u8>>,
}

/// 4-byte slot of a register number (`NFT_REG_1..4` are 16 bytes, `NFT_REG32_00..15` four).
fn slot(reg: u32) -> Option<usize> {
    match reg {
        1..=4 => Some((reg as usize - 1) * 4),
        8..=23 => Some(reg as usize - 8),
        _ => None,
    }
}

/// Names of well-known IP protocols, as nft prints them.
fn proto_name(n: u64) -> Option<&'static str> {
    Some(match n {
        1 => "icmp",
        2 => "igmp",
        6 => "tcp",
        17 => "udp",
        33 => "dccp",
        47 => "gre",
        50 => "esp",
        51 => "ah",
        58 => "ipv6-icmp",
        132 => "sctp",
        136 => "udplite",
        _ => return None,
    })
}

const CT_STATES: &[(u32, &str)] = &[
    (1, "invalid"),
    (2, "established"),
    (4, "related"),
    (8, "new"),
    (64, "untracked"),
];

fn be_int(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 8 {
        return None;
    }
    Some(b.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x)))
}

fn ne32(b: &[u8]) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(..4)?.try_into().ok()?))
}

/// An interface name in a register: a full name ends in NUL (padded to 16 bytes), a
/// wildcard (`eth*`) is compared on its prefix only.
fn ifname(b: &[u8], compared_len: usize) -> String {
    let end = b.iter().position(|c| *c == 0);
    match end {
        Some(e) => String::from_utf8_lossy(&b[..e]).into_owned(),
        None => {
            let n = compared_len.min(b.len());
            format!("{}*", String::from_utf8_lossy(&b[..n]))
        }
    }
}

fn addr_of(v: IpVer, off: usize, b: &[u8]) -> IpAddr {
    match v {
        IpVer::V4 => {
            let mut a = [0u8; 4];
            for (i, x) in b.iter().enumerate() {
                if let Some(slot) = a.get_mut(off + i) {
                    *slot = *x;
                }
            }
            IpAddr::V4(Ipv4Addr::from(a))
        }
        IpVer::V6 => {
            let mut a = [0u8; 16];
            for (i, x) in b.iter().enumerate() {
                if let Some(slot) = a.get_mut(off + i) {
                    *slot = *x;
                }
            }
            IpAddr::V6(Ipv6Addr::from(a))
        }
    }
}

/// The prefix length a mask stands for, if its ones are leading and contiguous.
fn mask_prefix(m: &[u8]) -> Option<u8> {
    let mut n: u32 = 0;
    let mut zero_seen = false;
    for byte in m {
        for bit in (0..8).rev() {
            if byte >> bit & 1 == 1 {
                if zero_seen {
                    return None;
                }
                n += 1;
            } else {
                zero_seen = true;
            }
        }
    }
    u8::try_from(n).ok()
}

/// Subtract one from a big-endian byte string (the exclusive end of an interval).
fn minus_one(b: &[u8]) -> Vec<u8> {
    let mut out = b.to_vec();
    for x in out.iter_mut().rev() {
        if *x == 0 {
            *x = 0xff;
        } else {
            *x -= 1;
            break;
        }
    }
    out
}

/// CIDR prefixes covering the address range `[lo, hi]` (both of one version).
fn range_prefixes(lo: u128, hi: u128, bits: u32) -> Vec<(u128, u8)> {
    let mut out = Vec::new();
    let mut cur = lo;
    loop {
        if cur > hi || out.len() > 256 {
            break;
        }
        // The largest block aligned at `cur` that stays within `hi`.
        let mut size = if cur == 0 {
            bits
        } else {
            cur.trailing_zeros().min(bits)
        };
        while size > 0 {
            let span = if size >= 128 {
                u128::MAX
            } else {
                (1u128 << size) - 1
            };
            if cur.checked_add(span).is_some_and(|end| end <= hi) {
                break;
            }
            size -= 1;
        }
        out.push((cur, u8::try_from(bits - size).unwrap_or(0)));
        let span = if size >= 128 {
            u128::MAX
        } else {
            (1u128 << size) - 1
        };
        match cur.checked_add(span).and_then(|e| e.checked_add(1)) {
            Some(next) => cur = next,
            None => break,
        }
    }
    out
}

/// The values of one field between `lo` and `hi` (inclusive, register bytes) as patterns,
/// or `None` when the field cannot be matched on.
fn field_pats(
    f: &Field,
    lo: &[u8],
    hi: &[u8],
    ifindex: &dyn Fn(u32) -> Option<String>,
) -> Option<Vec<Pat>> {
    let len = f.len();
    let lo = lo.get(..len.min(lo.len()))?;
    let hi = hi.get(..len.min(hi.len()))?;
    match f {
        Field::L4Proto(_) | Field::Dport | Field::Sport => {
            let (a, b) = (be_int(lo)?, be_int(hi)?);
            Some(vec![if a == b {
                match (f, proto_name(a)) {
                    (Field::L4Proto(_), Some(n)) => Pat::Name(n.into()),
                    _ => Pat::Int(a),
                }
            } else {
                Pat::Range(a, b)
            }])
        }
        Field::NfProto => {
            let a = be_int(lo)?;
            Some(vec![match a {
                2 => Pat::Name("ipv4".into()),
                10 => Pat::Name("ipv6".into()),
                n => Pat::Int(n),
            }])
        }
        Field::PktType => Some(vec![Pat::Name(
            match lo.first()? {
                0 => "host",
                1 => "broadcast",
                2 => "multicast",
                _ => "other",
            }
            .into(),
        )]),
        Field::IfName(_) => {
            if lo == hi {
                return Some(vec![Pat::Name(ifname(lo, lo.len()))]);
            }
            // `"eth*"` in a set is the interval from `eth\0…` to `eth\xff…`.
            let common = lo.iter().zip(hi).take_while(|(a, b)| a == b).count();
            let wild =
                lo[common..].iter().all(|b| *b == 0) && hi[common..].iter().all(|b| *b == 0xff);
            wild.then(|| {
                vec![Pat::Name(format!(
                    "{}*",
                    String::from_utf8_lossy(&lo[..common])
                ))]
            })
        }
        Field::IfIndex(_) => {
            let i = ne32(lo)?;
            Some(vec![Pat::Name(
                ifindex(i).unwrap_or_else(|| format!("#{i}")),
            )])
        }
        Field::Addr(_, v, off, _) => {
            if *off != 0 {
                return None;
            }
            let bits: u32 = if *v == IpVer::V4 { 32 } else { 128 };
            let full = |b: &[u8]| -> u128 {
                let a = addr_of(*v, 0, b);
                match a {
                    IpAddr::V4(a) => u128::from(u32::from(a)),
                    IpAddr::V6(a) => u128::from(a),
                }
            };
            // A field shorter than the address (a prefix load) covers all its suffixes.
            let pad = |b: &[u8], fill: u8| -> Vec<u8> {
                let mut x = b.to_vec();
                x.resize((bits / 8) as usize, fill);
                x
            };
            let (a, b) = (full(&pad(lo, 0)), full(&pad(hi, 0xff)));
            Some(
                range_prefixes(a, b, bits)
                    .into_iter()
                    .map(|(n, l)| {
                        let addr = match v {
                            IpVer::V4 => IpAddr::V4(Ipv4Addr::from(u32::try_from(n).unwrap_or(0))),
                            IpVer::V6 => IpAddr::V6(Ipv6Addr::from(n)),
                        };
                        Pat::Prefix(addr, l)
                    })
                    .collect(),
            )
        }
        Field::CtState => {
            let v = ne32(lo)?;
            Some(
                CT_STATES
                    .iter()
                    .filter(|(bit, _)| v & bit != 0)
                    .map(|(_, n)| Pat::Name((*n).into()))
                    .collect(),
            )
        }
        Field::OtherL4(p, "type") => {
            let v = *lo.first()?;
            let names: &[(u8, &str)] = if *p == "icmp" {
                ICMP_TYPES
            } else {
                ICMPV6_TYPES
            };
            Some(vec![names
                .iter()
                .find(|(n, _)| *n == v)
                .map_or(Pat::Int(u64::from(v)), |(_, n)| {
                    Pat::Name((*n).into())
                })])
        }
        Field::OtherL4(..) => Some(vec![Pat::Int(u64::from(*lo.first()?))]),
        Field::TcpFlags | Field::Ports | Field::Fib(..) | Field::Other(_) => None,
    }
}

/// ICMP type names as nft prints them.
const ICMP_TYPES: &[(u8, &str)] = &[
    (0, "echo-reply"),
    (3, "destination-unreachable"),
    (4, "source-quench"),
    (5, "redirect"),
    (8, "echo-request"),
    (9, "router-advertisement"),
    (10, "router-solicitation"),
    (11, "time-exceeded"),
    (12, "parameter-problem"),
    (13, "timestamp-request"),
    (14, "timestamp-reply"),
    (15, "info-request"),
    (16, "info-reply"),
    (17, "address-mask-request"),
    (18, "address-mask-reply"),
];

/// ICMPv6 type names as nft prints them.
const ICMPV6_TYPES: &[(u8, &str)] = &[
    (1, "destination-unreachable"),
    (2, "packet-too-big"),
    (3, "time-exceeded"),
    (4, "parameter-problem"),
    (128, "echo-request"),
    (129, "echo-reply"),
    (130, "mld-listener-query"),
    (131, "mld-listener-report"),
    (132, "mld-listener-done"),
    (133, "nd-router-solicit"),
    (134, "nd-router-advert"),
    (135, "nd-neighbor-solicit"),
    (136, "nd-neighbor-advert"),
    (137, "nd-redirect"),
    (138, "router-renumbering"),
    (141, "ind-neighbor-solicit"),
    (142, "ind-neighbor-advert"),
    (143, "mld2-listener-report"),
];

/// A pattern as `nft -j` prints it, for rule texts (a whole address without its length).
fn pat_text(p: &Pat) -> String {
    match p {
        Pat::Prefix(a, l) if (a.is_ipv4() && *l == 32) || (a.is_ipv6() && *l == 128) => {
            a.to_string()
        }
        p => p.to_string(),
    }
}

/// Rule text as the JSON reader writes it for the same rule.
fn alts_text(alts: &[Vec<Pat>], set: Option<&str>, flags_list: bool) -> String {
    if let Some(name) = set {
        return format!("@{name}");
    }
    let tuple = |t: &Vec<Pat>| t.iter().map(pat_text).collect::<Vec<_>>().join(" . ");
    if alts.len() == 1 {
        return tuple(&alts[0]);
    }
    if flags_list {
        return alts.iter().map(tuple).collect::<Vec<_>>().join(",");
    }
    format!(
        "{{ {} }}",
        alts.iter().map(tuple).collect::<Vec<_>>().join(", ")
    )
}

/// The elements of `set` as tuples of patterns of `fields`, with each element's verdict.
fn set_alts(
    set: &RawSet,
    fields: &[Field],
    ifindex: &dyn Fn(u32) -> Option<String>,
) -> Option<Vec<(Vec<Pat>, Option<Verdict>)>> {
    let padded: Vec<usize> = fields.iter().map(|f| (f.len() + 3) & !3).collect();
    // Each element as an inclusive range of keys.
    let mut ranges: Vec<(Vec<u8>, Vec<u8>, Option<Verdict>)> = Vec::new();
    if set.flags & wire::SET_INTERVAL != 0 && set.elems.iter().all(|e| e.key_end.is_none()) {
        // Interval sets store a start element and an end element (exclusive) per range.
        let mut es: Vec<&wire::RawElem> = set.elems.iter().collect();
        es.sort_by(|a, b| a.key.cmp(&b.key));
        let mut open: Option<&wire::RawElem> = None;
        for e in es {
            if e.flags & wire::ELEM_INTERVAL_END != 0 {
                if let Some(s) = open.take() {
                    if e.key > s.key {
                        ranges.push((s.key.clone(), minus_one(&e.key), s.verdict.clone()));
                    }
                }
            } else {
                if let Some(s) = open.take() {
                    ranges.push((s.key.clone(), s.key.clone(), s.verdict.clone()));
                }
                open = Some(e);
            }
        }
        if let Some(s) = open {
            // A range to the end of the key space has no end element.
            ranges.push((s.key.clone(), vec![0xff; s.key.len()], s.verdict.clone()));
        }
    } else {
        for e in &set.elems {
            if e.flags & wire::ELEM_CATCHALL != 0 {
                return None;
            }
            let end = e.key_end.clone().unwrap_or_else(|| e.key.clone());
            ranges.push((e.key.clone(), end, e.verdict.clone()));
        }
        // In key order (nft's listing order of hash sets follows the kernel's hash buckets).
        ranges.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let mut out = Vec::new();
    for (lo, hi, verdict) in ranges {
        let mut tuples: Vec<Vec<Pat>> = vec![Vec::new()];
        let mut at = 0;
        for (f, w) in fields.iter().zip(&padded) {
            // A single field is stored unpadded; concatenated ones are padded to 4 bytes.
            let l = lo
                .get(at..(at + w).min(lo.len()))
                .filter(|b| !b.is_empty())?;
            let h = hi
                .get(at..(at + w).min(hi.len()))
                .filter(|b| !b.is_empty())?;
            at += w;
            let pats = field_pats(f, l, h, ifindex)?;
            let mut next = Vec::new();
            for t in &tuples {
                for p in &pats {
                    let mut t = t.clone();
                    t.push(p.clone());
                    next.push(t);
                }
            }
            tuples = next;
        }
        for t in tuples {
            out.push((t, verdict.clone()));
        }
    }
    Some(out)
}

fn action_of(v: &Verdict) -> Option<Action> {
    Some(match v {
        Verdict::Accept => Action::Accept,
        Verdict::Drop => Action::Drop,
        Verdict::Jump(c) => Action::Jump(c.clone()),
        Verdict::Goto(c) => Action::Goto(c.clone()),
        Verdict::Return => Action::Return,
        Verdict::Other(_) => return None,
    })
}

fn verdict_word(a: &Action) -> String {
    match a {
        Action::Accept => "accept".into(),
        Action::Drop => "drop".into(),
        Action::Reject => "reject".into(),
        Action::Return => "return".into(),
        Action::Jump(t) => format!("jump {t}"),
        Action::Goto(t) => format!("goto {t}"),
        Action::Vmap { .. } => "vmap { … }".into(),
    }
}

/// One word of a rule's text, with what it means for the protocol dependencies nft leaves
/// out of its listing.
struct Word {
    text: String,
    /// The word is a dependency of this layer (`meta l4proto tcp`, `meta nfproto ipv4`).
    dep: Option<Layer>,
    /// The word matches on fields of these layers.
    uses: Vec<Layer>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Layer {
    /// IP header fields (`ip saddr`, `ip6 nexthdr`): `meta nfproto` is their dependency.
    Net,
    /// Transport header fields (`tcp dport`): `meta l4proto` is their dependency.
    Transport,
}

impl Word {
    fn plain(text: impl Into<String>) -> Self {
        Word {
            text: text.into(),
            dep: None,
            uses: Vec::new(),
        }
    }
}

/// Translates one rule.
struct RuleCx<'a> {
    dump: &'a Dump,
    family: u8,
    table: &'a str,
    ver: Option<IpVer>,
    l4: Option<&'static str>,
    regs: HashMap<usize, Reg>,
    conds: Vec<Cond>,
    words: Vec<Word>,
    action: Option<Action>,
    dnat: bool,
    sets: Vec<NamedSet>,
    ifindex: &'a dyn Fn(u32) -> Option<String>,
    /// The last expression nixsec does not know.
    unknown: Option<String>,
    /// Protocol dependencies not yet taken up by a field: layer, condition index, requirement.
    pending: Vec<(Layer, usize, Req)>,
    /// Conditions that became requirements of later ones.
    absorbed: Vec<usize>,
}

impl RuleCx<'_> {
    /// Add `cond` for a match on fields of `uses`: a protocol dependency still pending for one
    /// of them becomes a requirement of this condition (as the JSON reader has it: `tcp
    /// dport` requires TCP); `dep` marks `cond` itself as such a dependency.
    fn push_cond(&mut self, mut cond: Cond, uses: &[Layer], dep: Option<Layer>) {
        for layer in uses {
            if let Some(pos) = self.pending.iter().rposition(|p| p.0 == *layer) {
                let (_, idx, req) = self.pending.remove(pos);
                self.absorbed.push(idx);
                if !cond.requires.contains(&req) {
                    cond.requires.push(req);
                }
            }
        }
        if let Some(layer) = dep {
            let req = match (layer, cond.alts.first().and_then(|a| a.first())) {
                (Layer::Net, _) => self.ver.map(Req::Ver),
                (Layer::Transport, _) => self.l4.map(|p| Req::L4(p.into())),
            };
            if let Some(req) = req {
                self.pending.push((layer, self.conds.len(), req));
            }
        }
        self.conds.push(cond);
    }

    /// The requirements pending dependencies of `uses` add to a verdict map's key.
    fn absorb(&mut self, uses: &[Layer], requires: &mut Vec<Req>) {
        for layer in uses {
            if let Some(pos) = self.pending.iter().rposition(|p| p.0 == *layer) {
                let (_, idx, req) = self.pending.remove(pos);
                self.absorbed.push(idx);
                if !requires.contains(&req) {
                    requires.push(req);
                }
            }
        }
    }

    /// What a comparison of a register no known expression loaded compares.
    fn unknown_value(&self) -> String {
        match &self.unknown {
            Some(e) => format!("{e} expression"),
            None => "a value nixsec does not know".into(),
        }
    }

    fn opaque(&mut self, what: String, reqs: Vec<Req>) {
        self.push_cond(
            Cond {
                keys: vec![Key::Opaque(what.clone())],
                neg: false,
                alts: Vec::new(),
                requires: reqs,
            },
            &[],
            None,
        );
        self.words.push(Word::plain(what));
    }

    fn set_reg(&mut self, a: &[wire::Attr<'_>], dreg_attr: u16, field: Field) {
        let Some(s) = be32(a, dreg_attr).and_then(slot) else {
            return;
        };
        let n = field.len().div_ceil(4);
        for i in 0..n {
            self.regs.remove(&(s + i));
        }
        self.regs.insert(s, Reg { field, mask: None });
    }

    fn reg(&self, a: &[wire::Attr<'_>], sreg_attr: u16) -> Option<Reg> {
        let s = be32(a, sreg_attr).and_then(slot)?;
        self.regs.get(&s).cloned()
    }

    fn payload_field(&self, base: u32, off: u32, len: u32) -> Field {
        let (off, len) = (off as usize, len as usize);
        match base {
            1 => match self.ver {
                Some(IpVer::V4) => match (off, len) {
                    (9, 1) => Field::L4Proto("ip protocol"),
                    (12..=15, _) if off + len <= 16 => Field::Addr(true, IpVer::V4, off - 12, len),
                    (16..=19, _) if off + len <= 20 => Field::Addr(false, IpVer::V4, off - 16, len),
                    _ => Field::Other(format!("ip header @{off},{len}")),
                },
                Some(IpVer::V6) => match (off, len) {
                    (6, 1) => Field::L4Proto("ip6 nexthdr"),
                    (8..=23, _) if off + len <= 24 => Field::Addr(true, IpVer::V6, off - 8, len),
                    (24..=39, _) if off + len <= 40 => Field::Addr(false, IpVer::V6, off - 24, len),
                    _ => Field::Other(format!("ip6 header @{off},{len}")),
                },
                None => Field::Other(format!("network header @{off},{len}")),
            },
            2 => match (off, len) {
                (0, 2) => Field::Sport,
                (2, 2) => Field::Dport,
                (0, 4) => Field::Ports,
                (13, 1) if self.l4 == Some("tcp") => Field::TcpFlags,
                (0, 1) if matches!(self.l4, Some("icmp" | "icmpv6")) => {
                    Field::OtherL4(self.l4.unwrap_or("icmp"), "type")
                }
                (1, 1) if matches!(self.l4, Some("icmp" | "icmpv6")) => {
                    Field::OtherL4(self.l4.unwrap_or("icmp"), "code")
                }
                _ => Field::Other(format!(
                    "{} @{off},{len}",
                    self.l4.unwrap_or("transport header")
                )),
            },
            _ => Field::Other(format!("payload base {base} @{off},{len}")),
        }
    }

    /// The layers a field belongs to.
    fn layers(f: &Field) -> Vec<Layer> {
        match f {
            Field::Dport | Field::Sport | Field::Ports | Field::TcpFlags => {
                vec![Layer::Transport]
            }
            // ICMP implies its IP version too.
            Field::OtherL4(..) => vec![Layer::Transport, Layer::Net],
            Field::Addr(..) | Field::L4Proto("ip protocol" | "ip6 nexthdr") => vec![Layer::Net],
            _ => Vec::new(),
        }
    }

    /// A comparison of register `r` with `alts` (`neg` for `!=`).
    fn compare(&mut self, r: &Reg, neg: bool, alts: Vec<Vec<Pat>>, text_right: String) {
        let (key, reqs) = r.field.key();
        let mut dep = None;
        // Remember protocol context for later fields, and mark dependencies.
        if !neg && alts.len() == 1 {
            match (&r.field, alts[0].first()) {
                (Field::NfProto, Some(Pat::Name(n))) => {
                    self.ver = match n.as_str() {
                        "ipv4" => Some(IpVer::V4),
                        "ipv6" => Some(IpVer::V6),
                        _ => self.ver,
                    };
                    dep = Some(Layer::Net);
                }
                (Field::L4Proto(which), Some(Pat::Name(n))) => {
                    // nft leaves out `meta l4proto`, and `ip protocol`/`ip6 nexthdr` only in
                    // tables of one IP version (in `inet` they say more than the dependency).
                    let is_dep = *which == "meta l4proto" || matches!(self.family, 2 | 10);
                    self.l4 = match n.as_str() {
                        "tcp" => Some("tcp"),
                        "udp" => Some("udp"),
                        "sctp" => Some("sctp"),
                        "dccp" => Some("dccp"),
                        "udplite" => Some("udplite"),
                        "icmp" => Some("icmp"),
                        "ipv6-icmp" => Some("icmpv6"),
                        _ => None,
                    };
                    if self.l4.is_some() && is_dep {
                        dep = Some(Layer::Transport);
                    }
                }
                _ => {}
            }
        }
        let left = r.field.label(self.l4);
        let text = if neg {
            format!("{left} != {text_right}")
        } else {
            format!("{left} {text_right}")
        };
        let uses = Self::layers(&r.field);
        self.words.push(Word {
            text,
            dep,
            uses: uses.clone(),
        });
        if let Key::Opaque(_) = key {
            self.push_cond(
                Cond {
                    keys: vec![key],
                    neg: false,
                    alts: Vec::new(),
                    requires: reqs,
                },
                &uses,
                None,
            );
            return;
        }
        self.push_cond(
            Cond {
                keys: vec![key],
                neg,
                alts,
                requires: reqs,
            },
            &uses,
            dep,
        );
    }

    fn cmp(&mut self, a: &[wire::Attr<'_>]) {
        let Some(r) = self.reg(a, 1) else {
            let what = self.unknown_value();
            self.opaque(what, vec![]);
            return;
        };
        let op = be32(a, 2).unwrap_or(0);
        let Some(data) = get(a, 3).and_then(wire::data_value) else {
            self.opaque(
                format!("{} compared with nothing", r.field.label(self.l4)),
                vec![],
            );
            return;
        };
        // `fib daddr type local`: every packet to this host.
        if let Field::Fib(flags, result) = r.field {
            if flags == 2 && result == 3 && op == 0 && ne32(&data) == Some(2) {
                self.words.push(Word::plain("fib local"));
                return;
            }
            // `fib … exists` / `missing`: nft shows the result as a Boolean.
            let text = if flags & 32 != 0 && matches!(op, 0 | 1) {
                let v = ne32(&data).unwrap_or(0) != 0;
                format!("fib {}", (op == 0) == v)
            } else {
                "fib".into()
            };
            self.push_cond(Cond::opaque("fib"), &[], None);
            self.words.push(Word::plain(text));
            return;
        }
        if r.field == Field::TcpFlags {
            // `tcp flags & (fin|syn|rst|ack) == syn`: the first packet of a connection.
            if op == 0 && data.first() == Some(&2) && r.mask.is_some() {
                self.push_cond(
                    Cond::one(Key::TcpSyn, false, vec![]).with_req(Req::L4("tcp".into())),
                    &[Layer::Transport],
                    None,
                );
                let mask = r
                    .mask
                    .as_ref()
                    .and_then(|m| m.first())
                    .copied()
                    .unwrap_or(0);
                let names: Vec<&str> = [
                    (1, "fin"),
                    (2, "syn"),
                    (4, "rst"),
                    (8, "psh"),
                    (16, "ack"),
                    (32, "urg"),
                    (64, "ecn"),
                    (128, "cwr"),
                ]
                .iter()
                .filter(|(b, _)| mask & b != 0)
                .map(|(_, n)| *n)
                .collect();
                self.words.push(Word {
                    text: format!("tcp flags & {} syn", names.join(",")),
                    dep: None,
                    uses: vec![Layer::Transport],
                });
                return;
            }
            self.words.push(Word {
                text: "tcp flags".into(),
                dep: None,
                uses: vec![Layer::Transport],
            });
            self.push_cond(
                Cond::opaque("tcp flags").with_req(Req::L4("tcp".into())),
                &[Layer::Transport],
                None,
            );
            return;
        }
        if r.field == Field::Ports && op == 0 && r.mask.is_none() && data.len() >= 4 {
            // Two conditions, as nft lists them.
            for (f, b) in [(Field::Sport, &data[..2]), (Field::Dport, &data[2..4])] {
                let Some(n) = be_int(b) else { continue };
                let reg = Reg {
                    field: f,
                    mask: None,
                };
                self.compare(&reg, false, vec![vec![Pat::Int(n)]], n.to_string());
            }
            return;
        }
        if r.field == Field::CtState {
            let v = ne32(&data).unwrap_or(0);
            let (neg, bits) = match (&r.mask, op) {
                // `ct state established,related`: `state & mask != 0`.
                (Some(m), 1) if v == 0 => (false, ne32(m).unwrap_or(0)),
                (Some(m), 0) if v == 0 => (true, ne32(m).unwrap_or(0)),
                (None, 0) => (false, v),
                (None, 1) => (true, v),
                _ => {
                    self.opaque("ct state".into(), vec![]);
                    return;
                }
            };
            let names: Vec<Vec<Pat>> = CT_STATES
                .iter()
                .filter(|(b, _)| bits & b != 0)
                .map(|(_, n)| vec![Pat::Name((*n).into())])
                .collect();
            let text = alts_text(&names, None, true);
            self.compare(&r, neg, names, text);
            return;
        }
        // Addresses under a mask: a prefix.
        if let (Field::Addr(src, v, off, len), Some(m)) = (&r.field, &r.mask) {
            let Some(plen) = mask_prefix(m).filter(|_| *off == 0) else {
                let (_, reqs) = r.field.key();
                self.opaque(format!("{} under a mask", r.field.label(self.l4)), reqs);
                return;
            };
            let addr = addr_of(*v, 0, &data[..(*len).min(data.len())]);
            let p = Pat::Prefix(addr, plen);
            let text = p.to_string();
            let _ = src;
            self.compare(&r, op == 1, vec![vec![p]], text);
            return;
        }
        if r.mask.is_some() {
            let (_, reqs) = r.field.key();
            self.opaque(format!("{} under a mask", r.field.label(self.l4)), reqs);
            return;
        }
        let pats = match op {
            0 | 1 => field_pats(&r.field, &data, &data, self.ifindex),
            2..=5 => {
                let n = match r.field {
                    Field::Dport | Field::Sport | Field::L4Proto(_) => {
                        be_int(&data[..r.field.len().min(data.len())])
                    }
                    _ => None,
                };
                n.map(|x| {
                    vec![match op {
                        2 => Pat::Range(0, x.saturating_sub(1)),
                        3 => Pat::Range(0, x),
                        4 => Pat::Range(x.saturating_add(1), u64::from(u16::MAX)),
                        _ => Pat::Range(x, u64::from(u16::MAX)),
                    }]
                })
            }
            _ => None,
        };
        let Some(pats) = pats else {
            let (_, reqs) = r.field.key();
            let what = r.field.label(self.l4);
            self.opaque(what, reqs);
            return;
        };
        // `dport >= a` then `dport <= b`: one range, as nft shows it.
        if let (2..=5, Some(Pat::Range(lo, hi))) = (op, pats.first()) {
            let (key, _) = r.field.key();
            if let Some(prev) = self.conds.last_mut() {
                if prev.keys == [key] && !prev.neg && prev.alts.len() == 1 {
                    if let Some(Pat::Range(plo, phi)) = prev.alts[0].first().cloned() {
                        let (nlo, nhi) = (plo.max(*lo), phi.min(*hi));
                        prev.alts = vec![vec![Pat::Range(nlo, nhi)]];
                        if let Some(w) = self.words.last_mut() {
                            w.text = format!("{} {nlo}-{nhi}", r.field.label(self.l4));
                        }
                        return;
                    }
                }
            }
        }
        let alts: Vec<Vec<Pat>> = pats.into_iter().map(|p| vec![p]).collect();
        let text = match (op, be_int(&data[..r.field.len().min(data.len())])) {
            (2..=5, Some(x)) => {
                format!("{} {x}", ["<", "<=", ">", ">="][(op - 2) as usize])
            }
            _ => alts_text(&alts, None, false),
        };
        self.compare(&r, op == 1, alts, text);
    }

    fn range(&mut self, a: &[wire::Attr<'_>]) {
        let Some(r) = self.reg(a, 1) else {
            let what = self.unknown_value();
            self.opaque(what, vec![]);
            return;
        };
        let op = be32(a, 2).unwrap_or(0);
        let lo = get(a, 3).and_then(wire::data_value);
        let hi = get(a, 4).and_then(wire::data_value);
        let pats = match (lo, hi) {
            (Some(lo), Some(hi)) if r.mask.is_none() => {
                field_pats(&r.field, &lo, &hi, self.ifindex)
            }
            _ => None,
        };
        match pats {
            Some(p) => {
                let alts: Vec<Vec<Pat>> = p.into_iter().map(|p| vec![p]).collect();
                let text = alts_text(&alts, None, false);
                self.compare(&r, op == 1, alts, text);
            }
            None => {
                let (_, reqs) = r.field.key();
                let what = r.field.label(self.l4);
                self.opaque(what, reqs);
            }
        }
    }

    fn lookup(&mut self, a: &[wire::Attr<'_>]) {
        let name = string(a, 1).unwrap_or_default();
        let Some(set) = self
            .dump
            .sets
            .get(&(self.family, self.table.to_string(), name.clone()))
        else {
            self.opaque(format!("lookup in unknown set `{name}`"), vec![]);
            return;
        };
        let Some(start) = be32(a, 2).and_then(slot) else {
            self.opaque(format!("lookup in `{name}`"), vec![]);
            return;
        };
        // The fields loaded for the key: consecutive registers (concatenations).
        let mut fields = Vec::new();
        let mut at = start;
        let mut got = 0usize;
        let want = set.key_len as usize;
        while got < want {
            let Some(r) = self.regs.get(&at) else { break };
            if r.mask.is_some() {
                break;
            }
            let w = (r.field.len() + 3) & !3;
            // A field of no length (a corrupt dump) would never reach the key's length.
            if w == 0 || fields.len() >= 16 {
                break;
            }
            fields.push(r.field.clone());
            got += w;
            at += w / 4;
        }
        let anonymous = set.flags & wire::SET_ANONYMOUS != 0;
        let named = (!anonymous).then_some(name.as_str());
        let left = fields
            .iter()
            .map(|f| f.label(self.l4))
            .collect::<Vec<_>>()
            .join(" . ");
        let elems = if got >= want && got - want < 4 && !fields.is_empty() {
            set_alts(set, &fields, self.ifindex)
        } else {
            None
        };
        let keys: Vec<(Key, Vec<Req>)> = fields.iter().map(Field::key).collect();
        let opaque_key = keys.iter().any(|(k, _)| matches!(k, Key::Opaque(_)));
        let reqs: Vec<Req> = keys.iter().flat_map(|(_, r)| r.clone()).collect();
        let inverted = be32(a, 5).unwrap_or(0) & 1 != 0;
        let verdict_map = be32(a, 3) == Some(0);
        let uses: Vec<Layer> = fields.iter().flat_map(Self::layers).collect();
        let right_of = |alts: &[Vec<Pat>]| match named {
            Some(n) => format!("@{n}"),
            None if alts.len() == 1 => format!("{{ {} }}", alts_text(alts, None, false)),
            None => alts_text(alts, None, false),
        };
        if let (Some(elems), true, false) = (&elems, opaque_key, verdict_map) {
            // A field nixsec cannot match on (`icmpv6 type`): the text, and an opaque condition.
            let alts: Vec<Vec<Pat>> = elems.iter().map(|(t, _)| t.clone()).collect();
            let right = right_of(&alts);
            self.words.push(Word {
                text: if inverted {
                    format!("{left} != {right}")
                } else {
                    format!("{left} {right}")
                },
                dep: None,
                uses: uses.clone(),
            });
            self.push_cond(
                Cond {
                    keys: vec![Key::Opaque(format!("{left} {right}"))],
                    neg: false,
                    alts: Vec::new(),
                    requires: reqs,
                },
                &uses,
                None,
            );
            return;
        }
        let (Some(elems), false) = (elems, opaque_key) else {
            if verdict_map {
                self.action = Some(Action::Vmap {
                    keys: vec![Key::Opaque("verdict map".into())],
                    requires: Vec::new(),
                    entries: vec![
                        (vec![Pat::Name("*".into())], Action::Accept),
                        (vec![Pat::Name("*".into())], Action::Drop),
                    ],
                });
            } else {
                let what = if left.is_empty() {
                    format!("lookup in `{name}`")
                } else {
                    format!("{left} @{name}")
                };
                self.words.push(Word {
                    text: what.clone(),
                    dep: None,
                    uses: uses.clone(),
                });
                self.push_cond(Cond::opaque(what).with_reqs(reqs), &uses, None);
            }
            return;
        };
        if let Some(n) = named {
            if !self
                .sets
                .iter()
                .any(|s| s.table == self.table && s.name == n)
            {
                self.sets.push(NamedSet {
                    family: family_of(self.family).0,
                    table: self.table.to_string(),
                    name: n.to_string(),
                    elems: elems.iter().map(|(t, _)| t.clone()).collect(),
                });
            }
        }
        let key_list: Vec<Key> = keys.into_iter().map(|(k, _)| k).collect();
        if verdict_map {
            // No word of its own (`vmap { … }` is the verdict), but its key's dependencies
            // are left out all the same.
            self.words.push(Word {
                text: String::new(),
                dep: None,
                uses: fields.iter().flat_map(Self::layers).collect(),
            });
            let entries = elems
                .into_iter()
                .filter_map(|(t, v)| Some((t, action_of(&v?)?)))
                .collect();
            let mut requires = reqs;
            let uses: Vec<Layer> = fields.iter().flat_map(Self::layers).collect();
            self.absorb(&uses, &mut requires);
            self.action = Some(Action::Vmap {
                keys: key_list,
                requires,
                entries,
            });
            return;
        }
        if be32(a, 3).is_some() {
            // A data map (`meta mark set … map { … }`, `dnat to tcp dport map { … }`) loads a
            // value; nothing to match. Its key's protocol dependency stays a condition (the
            // statement applies to that protocol only) but is left out of the text, as nft
            // lists it.
            self.words.push(Word {
                text: String::new(),
                dep: None,
                uses: fields.iter().flat_map(Self::layers).collect(),
            });
            self.regs.clear();
            return;
        }
        let alts: Vec<Vec<Pat>> = elems.into_iter().map(|(t, _)| t).collect();
        let right = right_of(&alts);
        self.words.push(Word {
            text: if inverted {
                format!("{left} != {right}")
            } else {
                format!("{left} {right}")
            },
            dep: None,
            uses: fields.iter().flat_map(Self::layers).collect(),
        });
        let uses: Vec<Layer> = fields.iter().flat_map(Self::layers).collect();
        self.push_cond(
            Cond {
                keys: key_list,
                neg: inverted,
                alts,
                requires: reqs,
            },
            &uses,
            None,
        );
    }

    fn expr(&mut self, e: &wire::RawExpr) {
        if self.action.is_some() {
            return;
        }
        let a = attrs(&e.data);
        match e.name.as_str() {
            "payload" => {
                if get(&a, 1).is_none() {
                    return; // a payload write (mangle): a statement
                }
                let f = self.payload_field(
                    be32(&a, 2).unwrap_or(0),
                    be32(&a, 3).unwrap_or(0),
                    be32(&a, 4).unwrap_or(0),
                );
                self.set_reg(&a, 1, f);
            }
            "meta" => {
                if get(&a, 1).is_none() {
                    return; // `meta … set`
                }
                let f = match be32(&a, 2).unwrap_or(u32::MAX) {
                    4 => Field::IfIndex(true),
                    5 => Field::IfIndex(false),
                    6 => Field::IfName(true),
                    7 => Field::IfName(false),
                    15 => Field::NfProto,
                    16 => Field::L4Proto("meta l4proto"),
                    19 => Field::PktType,
                    k => Field::Other(format!("meta key {k}")),
                };
                self.set_reg(&a, 1, f);
            }
            "ct" => {
                if get(&a, 1).is_none() {
                    return; // `ct … set`
                }
                let f = match be32(&a, 2).unwrap_or(u32::MAX) {
                    0 => Field::CtState,
                    k => Field::Other(format!("ct key {k}")),
                };
                self.set_reg(&a, 1, f);
            }
            "fib" => {
                let f = Field::Fib(be32(&a, 3).unwrap_or(0), be32(&a, 2).unwrap_or(0));
                self.set_reg(&a, 1, f);
            }
            "bitwise" => {
                let Some(mut r) = self.reg(&a, 1) else { return };
                let xor_zero = get(&a, 5)
                    .and_then(wire::data_value)
                    .is_some_and(|x| x.iter().all(|b| *b == 0));
                let op = be32(&a, 6).unwrap_or(0);
                let mask = get(&a, 4).and_then(wire::data_value);
                if op == 0 && xor_zero && r.mask.is_none() {
                    r.mask = mask;
                } else {
                    r.field = Field::Other(format!("{} (transformed)", r.field.label(self.l4)));
                    r.mask = None;
                }
                if let Some(s) = be32(&a, 2).and_then(slot) {
                    self.regs.insert(s, r);
                }
            }
            "byteorder" => {
                // A change of byte order (a concatenation of host-order fields): the field
                // stays what it is.
                if let (Some(r), Some(d)) = (self.reg(&a, 1), be32(&a, 2).and_then(slot)) {
                    self.regs.insert(d, r);
                }
            }
            "cmp" => self.cmp(&a),
            "range" => self.range(&a),
            "lookup" => self.lookup(&a),
            // `ct helper set udp dport map { … }`: an object chosen by a map whose key is a
            // field (`NFTA_OBJREF_SET_SREG`); its protocol dependency is left out of the text
            // as nft lists it. Matches nothing and decides nothing.
            "objref" => {
                if let Some(r) = self.reg(&a, 3) {
                    self.words.push(Word {
                        text: String::new(),
                        dep: None,
                        uses: Self::layers(&r.field),
                    });
                }
            }
            "immediate" => {
                if be32(&a, 1) == Some(0) {
                    if let Some(v) = get(&a, 2).and_then(wire::data_verdict) {
                        self.action = action_of(&v);
                    }
                } else if let Some(s) = be32(&a, 1).and_then(slot) {
                    self.regs.insert(
                        s,
                        Reg {
                            field: Field::Other("immediate value".into()),
                            mask: None,
                        },
                    );
                }
            }
            "reject" => self.action = Some(Action::Reject),
            "nat" => {
                if be32(&a, 1) == Some(1) {
                    self.dnat = true;
                    self.words.push(Word::plain("dnat"));
                }
            }
            "redir" => {
                self.dnat = true;
                self.words.push(Word::plain("redirect"));
            }
            "match" | "target" => {
                let name = string(&a, 1).unwrap_or_else(|| "?".into());
                if e.name == "target" && (name == "DNAT" || name == "REDIRECT") {
                    self.dnat = true;
                }
                if e.name == "match" {
                    self.conds
                        .push(Cond::opaque(format!("iptables-nft `{name}` match")));
                }
                self.words.push(Word::plain(format!("xt {name}")));
            }
            // Statements that neither match nor decide (as the JSON reader treats them).
            "counter" | "log" | "limit" | "quota" | "connlimit" | "notrack" | "dynset"
            | "queue" | "masq" | "last" | "dup" | "fwd" | "synproxy" | "tproxy"
            | "flow_offload" | "ct_expect" | "secmark" => {}
            other => {
                // An expression nixsec does not know may load any register: forget them all.
                self.regs.clear();
                self.unknown = Some(other.to_string());
            }
        }
    }

    fn text(&self, handle: u64) -> String {
        let mut out: Vec<&str> = Vec::new();
        for (i, w) in self.words.iter().enumerate() {
            // A dependency is left out when a field of its layer follows before another
            // dependency of that layer.
            let hidden = w.dep.is_some_and(|layer| {
                self.words[i + 1..]
                    .iter()
                    .take_while(|n| n.dep != Some(layer))
                    .any(|n| n.uses.contains(&layer))
            });
            if !hidden && !w.text.is_empty() {
                out.push(&w.text);
            }
        }
        let mut t = out.join(" ");
        if let Some(a) = &self.action {
            if !t.is_empty() {
                t.push(' ');
            }
            t.push_str(&verdict_word(a));
        }
        t.push_str(&format!(" # handle {handle}"));
        t
    }
}

/// The model's family and nft's name for a netfilter family number.
fn family_of(f: u8) -> (Family, &'static str) {
    match f {
        1 => (Family::Inet, "inet"),
        2 => (Family::Ip, "ip"),
        3 => (Family::Other, "arp"),
        5 => (Family::Other, "netdev"),
        7 => (Family::Other, "bridge"),
        10 => (Family::Ip6, "ip6"),
        _ => (Family::Other, "unknown"),
    }
}

fn hook_name(family: u8, n: u32) -> String {
    match (family, n) {
        (3, 0) => "input",
        (3, 1) => "output",
        (3, 2) => "forward",
        (5, 0) => "ingress",
        (5, 1) => "egress",
        (_, 0) => "prerouting",
        (_, 1) => "input",
        (_, 2) => "forward",
        (_, 3) => "output",
        (_, 4) => "postrouting",
        (_, 5) => "ingress",
        _ => "unknown",
    }
    .to_string()
}

fn translate_rule(
    dump: &Dump,
    r: &RawRule,
    sets: &mut Vec<NamedSet>,
    ifindex: &dyn Fn(u32) -> Option<String>,
) -> Rule {
    let mut cx = RuleCx {
        dump,
        family: r.family,
        table: &r.table,
        ver: match r.family {
            2 => Some(IpVer::V4),
            10 => Some(IpVer::V6),
            _ => None,
        },
        l4: None,
        regs: HashMap::new(),
        conds: Vec::new(),
        words: Vec::new(),
        action: None,
        dnat: false,
        sets: Vec::new(),
        ifindex,
        unknown: None,
        pending: Vec::new(),
        absorbed: Vec::new(),
    };
    for e in &r.exprs {
        cx.expr(e);
    }
    let text = cx.text(r.handle);
    let conds: Vec<Cond> = std::mem::take(&mut cx.conds)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !cx.absorbed.contains(i))
        .map(|(_, c)| c)
        .collect();
    for s in cx.sets.drain(..) {
        if !sets
            .iter()
            .any(|x| x.family == s.family && x.table == s.table && x.name == s.name)
        {
            sets.push(s);
        }
    }
    Rule {
        text,
        line: None,
        conds,
        action: cx.action,
        dnat: cx.dnat,
    }
}

/// The ruleset a dump describes; `path` names the source in evidence, `ifindex` names an
/// interface index (`meta iif`).
#[must_use]
pub fn translate(dump: &Dump, path: &str, ifindex: &dyn Fn(u32) -> Option<String>) -> Ruleset {
    let mut rs = Ruleset {
        sources: vec![Source {
            path: path.to_string(),
            kind: SourceKind::NftNetlink,
        }],
        ..Ruleset::default()
    };
    for c in &dump.chains {
        let (family, family_name) = family_of(c.family);
        let dormant = dump.tables.iter().any(|t| {
            t.family == c.family && t.name == c.table && t.flags & wire::TABLE_DORMANT != 0
        });
        let hook = c.hook.filter(|_| !dormant).map(|(n, prio)| Hook {
            hook: hook_name(c.family, n),
            prio: i64::from(prio),
            policy_drop: c.policy == Some(0),
            kind: c.kind.clone().unwrap_or_else(|| "filter".into()),
        });
        rs.chains.push(Chain {
            family,
            family_name: family_name.to_string(),
            table: c.table.clone(),
            name: c.name.clone(),
            hook,
            rules: Vec::new(),
            source: 0,
        });
    }
    let mut sets = Vec::new();
    for r in &dump.rules {
        let fname = family_of(r.family).1;
        let Some(ci) = rs
            .chains
            .iter()
            .position(|c| c.family_name == fname && c.table == r.table && c.name == r.chain)
        else {
            continue;
        };
        let rule = translate_rule(dump, r, &mut sets, ifindex);
        rs.chains[ci].rules.push(rule);
    }
    rs.sets = sets;
    rs
}
