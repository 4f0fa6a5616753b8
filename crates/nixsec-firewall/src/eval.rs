//! Deciding inbound packets on a [`Ruleset`].
//!
//! A packet entering the host passes every base chain on the `input` hook that sees its IP
//! version, in priority order. In each, rules are tried in order; `jump` evaluates a regular
//! chain and comes back when it ends or `return`s, `goto` does not come back, `accept` ends
//! only the current base chain, `drop`/`reject` are final, and falling off the end of a base
//! chain applies its policy. The packet is a new connection (conntrack state `new`, the TCP
//! SYN) from a non-loopback interface and an outside source address chosen by the sender.
//!
//! Conditions nixsec cannot evaluate (iptables-nft `xt` matches, `fib`, marks, source ports,
//! which the sender picks) fork the evaluation: both outcomes are followed, so a verdict is
//! `Yes`, `No` or `Unknown` ("accepted on some paths"), and the forking rules are named.

use std::collections::BTreeSet;
use std::net::IpAddr;

use crate::model::{Action, Chain, Cond, IpVer, Key, Pat, Req, RuleRef, Ruleset, L4};

/// Three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tri {
    /// Certainly.
    Yes,
    /// Certainly not.
    No,
    /// Depends on something nixsec cannot see.
    Unknown,
}

/// An inbound packet starting a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// IP version.
    pub ver: IpVer,
    /// Transport protocol.
    pub l4: L4,
    /// Destination port.
    pub dport: u16,
    /// Destination address, when the listener is bound to one.
    pub daddr: Option<IpAddr>,
    /// Input interface; `None` is "some non-loopback interface no rule names".
    pub iif: Option<String>,
}

impl Packet {
    /// A packet to `port` from outside, on an interface no rule names.
    #[must_use]
    pub fn new(ver: IpVer, l4: L4, dport: u16) -> Self {
        Packet {
            ver,
            l4,
            dport,
            daddr: None,
            iif: None,
        }
    }
}

/// How one path through a base chain ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Accept,
    Drop,
    Fallthrough,
}

#[derive(Debug, Clone)]
struct Path {
    end: End,
    /// Rules that decided, outermost first (the jump, then the rule in the called chain, …).
    trace: Vec<RuleRef>,
    /// Rules whose conditions could not be evaluated and were assumed to hold.
    assumed: Vec<RuleRef>,
}

/// The verdict of one base chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainVerdict {
    /// Index of the base chain.
    pub chain: usize,
    /// Does it accept?
    pub accept: Tri,
    /// The rule that accepted (the most specific one on the path), or `None` for the
    /// chain's policy.
    pub accepted_by: Option<RuleRef>,
    /// The rule that dropped, or `None` for the chain's policy.
    pub dropped_by: Option<RuleRef>,
}

/// The decision on one packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Accepted by every input chain?
    pub accepted: Tri,
    /// Per base chain, in priority order.
    pub chains: Vec<ChainVerdict>,
    /// Rules with conditions nixsec could not evaluate on the way.
    pub unsure: Vec<RuleRef>,
}

impl Decision {
    /// The rule that lets the packet in, as text: the most specific accepting rule of the
    /// input chains, or the policy, or "no input-hook chain".
    #[must_use]
    pub fn admitted_by(&self, rs: &Ruleset) -> String {
        if self.chains.is_empty() {
            return "no input-hook chain filters it".to_string();
        }
        for cv in &self.chains {
            if let Some(r) = cv.accepted_by {
                if !rs.chains[r.chain].rules[r.rule].conds.is_empty() {
                    return rs.describe(r);
                }
            }
        }
        for cv in &self.chains {
            if let Some(r) = cv.accepted_by {
                return rs.describe(r);
            }
        }
        self.chains.first().map_or_else(String::new, |cv| {
            format!("policy accept of `{}`", rs.chains[cv.chain].label())
        })
    }

    /// The rule (or policy) that drops the packet, as text.
    #[must_use]
    pub fn dropped_by(&self, rs: &Ruleset) -> Option<String> {
        let cv = self.chains.iter().find(|c| c.accept == Tri::No)?;
        Some(match cv.dropped_by {
            Some(r) => rs.describe(r),
            None => format!("policy drop of `{}`", rs.chains[cv.chain].label()),
        })
    }

    /// The first accepting rule, if any.
    #[must_use]
    pub fn admitting_rule(&self, rs: &Ruleset) -> Option<RuleRef> {
        self.chains
            .iter()
            .filter_map(|c| c.accepted_by)
            .find(|r| !rs.chains[r.chain].rules[r.rule].conds.is_empty())
            .or_else(|| self.chains.iter().find_map(|c| c.accepted_by))
    }
}

/// Most chain calls followed in one evaluation (loops in a ruleset are refused by the kernel,
/// this only bounds the work).
const MAX_DEPTH: usize = 32;
/// Most paths kept per base chain.
const MAX_PATHS: usize = 512;

fn wildcard_eq(pat: &str, name: &str) -> bool {
    match pat.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pat == name,
    }
}

fn prefix_contains(net: IpAddr, len: u8, a: IpAddr) -> bool {
    match (net, a) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let len = u32::from(len.min(32));
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let len = u32::from(len.min(128));
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

/// Well-known service names nftables and iptables may print instead of numbers.
fn service_port(name: &str) -> Option<u64> {
    Some(match name {
        "ssh" => 22,
        "http" => 80,
        "https" => 443,
        "domain" => 53,
        "bootps" => 67,
        "bootpc" => 68,
        "dhcpv6-client" => 546,
        _ => return None,
    })
}

fn l4_name_matches(l4: L4, name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    match l4 {
        L4::Tcp => n == "tcp" || n == "6",
        L4::Udp => n == "udp" || n == "17",
    }
}

fn pat_match(key: &Key, pat: &Pat, p: &Packet) -> Tri {
    let b = |x: bool| if x { Tri::Yes } else { Tri::No };
    match key {
        Key::L4Proto => match pat {
            Pat::Name(n) => b(l4_name_matches(p.l4, n)),
            Pat::Int(n) => b(l4_name_matches(p.l4, &n.to_string())),
            _ => Tri::No,
        },
        Key::Dport => {
            let d = u64::from(p.dport);
            match pat {
                Pat::Int(n) => b(*n == d),
                Pat::Range(lo, hi) => b(*lo <= d && d <= *hi),
                Pat::Name(n) => service_port(n).map_or(Tri::Unknown, |n| b(n == d)),
                Pat::Prefix(..) => Tri::No,
            }
        }
        // The sender picks its source port.
        Key::Sport | Key::Opaque(_) => Tri::Unknown,
        Key::Iif => match pat {
            Pat::Name(n) => match &p.iif {
                Some(i) => b(wildcard_eq(n, i)),
                None => b(n == "*"),
            },
            _ => Tri::No,
        },
        Key::Oif => Tri::No,
        Key::Saddr => b(matches!(pat, Pat::Prefix(_, 0))),
        Key::Daddr => match (pat, p.daddr) {
            (Pat::Prefix(_, 0), _) => Tri::Yes,
            (Pat::Prefix(n, l), Some(a)) => b(prefix_contains(*n, *l, a)),
            _ => Tri::No,
        },
        Key::CtState => match pat {
            Pat::Name(n) => b(n.eq_ignore_ascii_case("new")),
            _ => Tri::No,
        },
        Key::NfProto => match pat {
            Pat::Name(n) => b(match p.ver {
                IpVer::V4 => n == "ipv4" || n == "ip",
                IpVer::V6 => n == "ipv6" || n == "ip6",
            }),
            Pat::Int(n) => b(match p.ver {
                IpVer::V4 => *n == 2,
                IpVer::V6 => *n == 10,
            }),
            _ => Tri::No,
        },
        Key::PktType => match pat {
            Pat::Name(n) => b(n == "unicast" || n == "host"),
            _ => Tri::No,
        },
        Key::TcpSyn => b(p.l4 == L4::Tcp),
    }
}

/// Does `cond` hold for `p`?
#[must_use]
pub fn cond_holds(cond: &Cond, p: &Packet) -> Tri {
    for r in &cond.requires {
        let ok = match r {
            Req::L4(n) => l4_name_matches(p.l4, n) || n == "th",
            Req::Ver(v) => *v == p.ver,
        };
        if !ok {
            return Tri::No;
        }
    }
    if cond.keys.is_empty() {
        return Tri::Yes;
    }
    if cond.keys.iter().any(|k| matches!(k, Key::Opaque(_))) {
        return Tri::Unknown;
    }
    let mut found = Tri::No;
    for alt in &cond.alts {
        let mut all = Tri::Yes;
        for (k, pat) in cond.keys.iter().zip(alt) {
            match pat_match(k, pat, p) {
                Tri::No => {
                    all = Tri::No;
                    break;
                }
                Tri::Unknown => all = Tri::Unknown,
                Tri::Yes => {}
            }
        }
        match all {
            Tri::Yes => {
                found = Tri::Yes;
                break;
            }
            Tri::Unknown => found = Tri::Unknown,
            Tri::No => {}
        }
    }
    match (found, cond.neg) {
        (Tri::Unknown, _) => Tri::Unknown,
        (Tri::Yes, false) | (Tri::No, true) => Tri::Yes,
        _ => Tri::No,
    }
}

fn conds_hold(conds: &[Cond], p: &Packet) -> Tri {
    let mut out = Tri::Yes;
    for c in conds {
        match cond_holds(c, p) {
            Tri::No => return Tri::No,
            Tri::Unknown => out = Tri::Unknown,
            Tri::Yes => {}
        }
    }
    out
}

struct Walker<'a> {
    rs: &'a Ruleset,
    p: &'a Packet,
    budget: usize,
}

impl Walker<'_> {
    fn run_from(&mut self, ci: usize, ri: usize, depth: usize) -> Vec<Path> {
        let chain = &self.rs.chains[ci];
        if ri >= chain.rules.len() || depth > MAX_DEPTH || self.budget == 0 {
            return vec![Path {
                end: End::Fallthrough,
                trace: Vec::new(),
                assumed: Vec::new(),
            }];
        }
        self.budget -= 1;
        let rule = &chain.rules[ri];
        let here = RuleRef {
            chain: ci,
            rule: ri,
        };
        match conds_hold(&rule.conds, self.p) {
            Tri::No => self.run_from(ci, ri + 1, depth),
            Tri::Yes => match &rule.action {
                Some(a) => self.apply(ci, ri, a, depth),
                None => self.run_from(ci, ri + 1, depth),
            },
            Tri::Unknown => {
                let mut out = match &rule.action {
                    Some(a) => self.apply(ci, ri, a, depth),
                    None => Vec::new(),
                };
                for path in &mut out {
                    path.assumed.insert(0, here);
                }
                out.extend(self.run_from(ci, ri + 1, depth));
                out
            }
        }
    }

    fn apply(&mut self, ci: usize, ri: usize, action: &Action, depth: usize) -> Vec<Path> {
        let here = RuleRef {
            chain: ci,
            rule: ri,
        };
        let leaf = |end| Path {
            end,
            trace: vec![here],
            assumed: Vec::new(),
        };
        match action {
            Action::Accept => vec![leaf(End::Accept)],
            Action::Drop | Action::Reject => vec![leaf(End::Drop)],
            Action::Return => vec![leaf(End::Fallthrough)],
            Action::Jump(t) | Action::Goto(t) => {
                let chain: &Chain = &self.rs.chains[ci];
                let Some(target) = self.rs.find_chain(chain, t) else {
                    // A jump to a chain that does not exist cannot be loaded; go on.
                    return self.run_from(ci, ri + 1, depth);
                };
                let sub = self.run_from(target, 0, depth + 1);
                let mut out = Vec::new();
                for mut sp in sub {
                    sp.trace.insert(0, here);
                    if sp.end == End::Fallthrough && matches!(action, Action::Jump(_)) {
                        for mut rest in self.run_from(ci, ri + 1, depth) {
                            rest.assumed.splice(0..0, sp.assumed.iter().copied());
                            out.push(rest);
                        }
                    } else {
                        out.push(sp);
                    }
                    if out.len() > MAX_PATHS {
                        break;
                    }
                }
                out
            }
            Action::Vmap {
                keys,
                requires,
                entries,
            } => {
                let mut out = Vec::new();
                let mut unknown = false;
                for (pats, act) in entries {
                    let cond = Cond {
                        keys: keys.clone(),
                        neg: false,
                        alts: vec![pats.clone()],
                        requires: requires.clone(),
                    };
                    match cond_holds(&cond, self.p) {
                        Tri::Yes => {
                            let mut r = self.apply(ci, ri, act, depth);
                            if unknown {
                                for path in &mut r {
                                    path.assumed.insert(0, here);
                                }
                            }
                            out.extend(r);
                            return out;
                        }
                        Tri::Unknown => {
                            unknown = true;
                            let mut r = self.apply(ci, ri, act, depth);
                            for path in &mut r {
                                path.assumed.insert(0, here);
                            }
                            out.extend(r);
                        }
                        Tri::No => {}
                    }
                }
                out.extend(self.run_from(ci, ri + 1, depth));
                out
            }
        }
    }
}

impl Ruleset {
    /// Decide `p` on the input hook.
    #[must_use]
    pub fn decide(&self, p: &Packet) -> Decision {
        let mut chains = Vec::new();
        let mut unsure = BTreeSet::new();
        for ci in self.input_chains(p.ver) {
            let policy_drop = self.chains[ci].hook.as_ref().is_some_and(|h| h.policy_drop);
            let mut w = Walker {
                rs: self,
                p,
                budget: 100_000,
            };
            let paths = w.run_from(ci, 0, 0);
            let accepts = |path: &Path| match path.end {
                End::Accept => true,
                End::Drop => false,
                End::Fallthrough => !policy_drop,
            };
            let n_acc = paths.iter().filter(|p| accepts(p)).count();
            let accept = if n_acc == paths.len() {
                Tri::Yes
            } else if n_acc == 0 {
                Tri::No
            } else {
                Tri::Unknown
            };
            for path in &paths {
                unsure.extend(path.assumed.iter().copied());
            }
            // The most specific rule on the first accepting (or dropping) path: the last
            // rule of its trace that has conditions, else its last rule.
            let pick = |want: bool| {
                paths.iter().find(|p| accepts(p) == want).and_then(|path| {
                    if path.end == End::Fallthrough {
                        return None;
                    }
                    path.trace
                        .iter()
                        .rev()
                        .find(|r| !self.chains[r.chain].rules[r.rule].conds.is_empty())
                        .or(path.trace.last())
                        .copied()
                })
            };
            chains.push(ChainVerdict {
                chain: ci,
                accept,
                accepted_by: pick(true),
                dropped_by: pick(false),
            });
        }
        let accepted = if chains.iter().any(|c| c.accept == Tri::No) {
            Tri::No
        } else if chains.iter().all(|c| c.accept == Tri::Yes) {
            Tri::Yes
        } else {
            Tri::Unknown
        };
        Decision {
            accepted,
            chains,
            unsure: unsure.into_iter().collect(),
        }
    }

    /// Is inbound traffic of version `v` denied by default? `Some(reason)` names the chain
    /// policy or the final unconditional drop that makes it so (host-formats 3.3).
    #[must_use]
    pub fn default_deny(&self, v: IpVer) -> Option<String> {
        self.input_chains(v)
            .into_iter()
            .find_map(|ci| self.ends_in_drop(ci, 0))
    }

    fn ends_in_drop(&self, ci: usize, depth: usize) -> Option<String> {
        let chain = &self.chains[ci];
        if depth > MAX_DEPTH {
            return None;
        }
        if chain.hook.as_ref().is_some_and(|h| h.policy_drop) {
            return Some(format!("policy drop of `{}`", chain.label()));
        }
        let (ri, last) = chain
            .rules
            .iter()
            .enumerate()
            .rev()
            .find(|(_, r)| r.action.is_some())?;
        if !last.conds.is_empty() {
            return None;
        }
        let here = RuleRef {
            chain: ci,
            rule: ri,
        };
        match last.action.as_ref()? {
            Action::Drop | Action::Reject => Some(self.describe(here)),
            Action::Jump(t) | Action::Goto(t) => {
                let target = self.find_chain(chain, t)?;
                self.ends_in_drop(target, depth + 1)
                    .map(|r| format!("{} → {r}", self.describe(here)))
            }
            _ => None,
        }
    }

    /// Every (version, protocol, port range) accepted from outside, with the rule that admits
    /// it: the ports named in `dport` matches are tried, and one port no rule names (to find
    /// "all ports" accepts). With `iif`, packets arrive on that interface.
    #[must_use]
    pub fn open_ports(&self, iif: Option<&str>) -> Vec<OpenPort> {
        let mut candidates: BTreeSet<u16> = BTreeSet::new();
        for c in &self.chains {
            for r in &c.rules {
                for cond in &r.conds {
                    for (k, alt) in cond.keys.iter().zip(0..) {
                        if *k != Key::Dport {
                            continue;
                        }
                        for a in &cond.alts {
                            match a.get(alt) {
                                Some(Pat::Int(n)) => {
                                    candidates.extend(u16::try_from(*n).ok());
                                }
                                Some(Pat::Range(lo, hi)) => {
                                    candidates.extend(u16::try_from(*lo).ok());
                                    candidates.extend(u16::try_from(*hi).ok());
                                }
                                _ => {}
                            }
                        }
                    }
                }
            }
        }
        candidates.insert(self.unnamed_port());
        let mut out: Vec<OpenPort> = Vec::new();
        for ver in [IpVer::V4, IpVer::V6] {
            for l4 in [L4::Tcp, L4::Udp] {
                for &port in &candidates {
                    let p = Packet {
                        ver,
                        l4,
                        dport: port,
                        daddr: None,
                        iif: iif.map(str::to_string),
                    };
                    let d = self.decide(&p);
                    if d.accepted == Tri::No {
                        // Published by destination NAT (Docker): reachable all the same.
                        if let Some((r, certain)) = self.dnat_rule(&p) {
                            let (lo, hi) = self.dport_range(r, port).unwrap_or((0, 65_535));
                            let op = OpenPort {
                                ver,
                                l4,
                                lo,
                                hi,
                                rule: Some(r),
                                certain,
                                admitted_by: format!(
                                    "{} (destination NAT in prerouting)",
                                    self.describe(r)
                                ),
                            };
                            if !out.contains(&op) {
                                out.push(op);
                            }
                        }
                        continue;
                    }
                    let rule = d.admitting_rule(self);
                    let (lo, hi) = rule
                        .and_then(|r| self.dport_range(r, port))
                        .unwrap_or((0, 65_535));
                    let op = OpenPort {
                        ver,
                        l4,
                        lo,
                        hi,
                        rule,
                        certain: d.accepted == Tri::Yes,
                        admitted_by: d.admitted_by(self),
                    };
                    if !out.iter().any(|o| {
                        o.ver == ver && o.l4 == l4 && o.lo == lo && o.hi == hi && o.rule == rule
                    }) {
                        out.push(op);
                    }
                }
            }
        }
        out
    }

    /// The `dport` pattern of rule `r` that contains `port`.
    fn dport_range(&self, r: RuleRef, port: u16) -> Option<(u16, u16)> {
        let rule = &self.chains[r.chain].rules[r.rule];
        for cond in &rule.conds {
            if cond.neg {
                continue;
            }
            for (i, k) in cond.keys.iter().enumerate() {
                if *k != Key::Dport {
                    continue;
                }
                for alt in &cond.alts {
                    match alt.get(i) {
                        Some(Pat::Int(n)) if *n == u64::from(port) => return Some((port, port)),
                        Some(Pat::Range(lo, hi))
                            if *lo <= u64::from(port) && u64::from(port) <= *hi =>
                        {
                            return Some((
                                u16::try_from(*lo).unwrap_or(0),
                                u16::try_from(*hi).unwrap_or(u16::MAX),
                            ));
                        }
                        _ => {}
                    }
                }
            }
        }
        None
    }

    /// The first destination-NAT rule reached from a `prerouting` NAT chain that rewrites
    /// `p` (Docker's published ports): such packets leave the input path for the forward
    /// path, so the input chains do not filter them (host-formats 3.3). The flag is false when
    /// the way there depends on conditions nixsec cannot evaluate (iptables-nft's opaque
    /// `addrtype` match).
    #[must_use]
    pub fn dnat_rule(&self, p: &Packet) -> Option<(RuleRef, bool)> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<(usize, bool)> = (0..self.chains.len())
            .filter(|&i| {
                let c = &self.chains[i];
                c.family.sees(p.ver)
                    && c.hook.as_ref().is_some_and(|h| {
                        h.hook == "prerouting" && (h.kind == "nat" || c.table == "nat")
                    })
            })
            .map(|i| (i, true))
            .collect();
        while let Some((ci, certain)) = todo.pop() {
            if !seen.insert(ci) {
                continue;
            }
            let chain = &self.chains[ci];
            for (ri, rule) in chain.rules.iter().enumerate() {
                let holds = conds_hold(&rule.conds, p);
                if holds == Tri::No {
                    continue;
                }
                let certain = certain && holds == Tri::Yes;
                if rule.dnat {
                    return Some((
                        RuleRef {
                            chain: ci,
                            rule: ri,
                        },
                        certain,
                    ));
                }
                if let Some(Action::Jump(t) | Action::Goto(t)) = &rule.action {
                    if let Some(next) = self.find_chain(chain, t) {
                        todo.push((next, certain));
                    }
                }
            }
        }
        None
    }

    /// A port that no `dport` match names or covers: only rules that ignore the port admit
    /// a packet to it.
    #[must_use]
    pub fn unnamed_port(&self) -> u16 {
        let mut pats: Vec<&Pat> = Vec::new();
        for c in &self.chains {
            for r in &c.rules {
                for cond in &r.conds {
                    for (i, k) in cond.keys.iter().enumerate() {
                        if *k == Key::Dport {
                            pats.extend(cond.alts.iter().filter_map(|a| a.get(i)));
                        }
                    }
                }
            }
        }
        let covered = |p: u16| {
            let p = u64::from(p);
            pats.iter().any(|pat| match pat {
                Pat::Int(n) => *n == p,
                Pat::Range(lo, hi) => *lo <= p && p <= *hi,
                _ => false,
            })
        };
        (40_000u16..=u16::MAX)
            .chain(1..40_000)
            .find(|p| !covered(*p))
            .unwrap_or(40_000)
    }

    /// Interface names (and `*`-patterns) that input rules match on, without negation.
    #[must_use]
    pub fn named_interfaces(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for c in &self.chains {
            for r in &c.rules {
                for cond in r.conds.iter().filter(|c| !c.neg) {
                    for (i, k) in cond.keys.iter().enumerate() {
                        if *k != Key::Iif {
                            continue;
                        }
                        for alt in &cond.alts {
                            if let Some(Pat::Name(n)) = alt.get(i) {
                                out.insert(n.clone());
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

/// A port range accepted from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenPort {
    /// IP version.
    pub ver: IpVer,
    /// Protocol.
    pub l4: L4,
    /// First port.
    pub lo: u16,
    /// Last port.
    pub hi: u16,
    /// The admitting rule (`None` for a policy accept).
    pub rule: Option<RuleRef>,
    /// False when the accept depends on conditions nixsec cannot evaluate.
    pub certain: bool,
    /// The admitting rule or policy as text.
    pub admitted_by: String,
}

impl OpenPort {
    /// Number of ports in the range.
    #[must_use]
    pub fn width(&self) -> u32 {
        (u32::from(self.hi) + 1).saturating_sub(u32::from(self.lo))
    }

    /// `tcp/22`, `tcp/1000-2000`, `tcp/all ports`.
    #[must_use]
    pub fn label(&self) -> String {
        if self.lo == 0 && self.hi == u16::MAX {
            format!("{}/all ports", self.l4.as_str())
        } else if self.lo == self.hi {
            format!("{}/{}", self.l4.as_str(), self.lo)
        } else {
            format!("{}/{}-{}", self.l4.as_str(), self.lo, self.hi)
        }
    }
}
