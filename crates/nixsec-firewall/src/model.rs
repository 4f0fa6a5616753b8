//! One model for every ruleset source: tables of chains of rules, each rule a list of
//! conditions and an optional verdict. nftables JSON, iptables-save text and the NixOS
//! firewall script are all translated into it, and [`crate::eval`] decides packets on it.

use std::fmt;
use std::net::IpAddr;

/// IP version of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpVer {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

impl IpVer {
    /// `IPv4` or `IPv6`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            IpVer::V4 => "IPv4",
            IpVer::V6 => "IPv6",
        }
    }
}

/// Transport protocol of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum L4 {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl L4 {
    /// `tcp` or `udp`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            L4::Tcp => "tcp",
            L4::Udp => "udp",
        }
    }
}

/// Address family of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// `ip`: IPv4 only (iptables).
    Ip,
    /// `ip6`: IPv6 only (ip6tables).
    Ip6,
    /// `inet`: both.
    Inet,
    /// `arp`, `bridge`, `netdev`: not on the IP input hook.
    Other,
}

impl Family {
    /// From nftables' family name.
    #[must_use]
    pub fn parse(s: &str) -> Family {
        match s {
            "ip" => Family::Ip,
            "ip6" => Family::Ip6,
            "inet" => Family::Inet,
            _ => Family::Other,
        }
    }

    /// True when packets of this IP version traverse tables of this family.
    #[must_use]
    pub fn sees(self, v: IpVer) -> bool {
        matches!(
            (self, v),
            (Family::Inet, _) | (Family::Ip, IpVer::V4) | (Family::Ip6, IpVer::V6)
        )
    }
}

/// What a packet is compared on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// Transport protocol (`meta l4proto`, `-p`).
    L4Proto,
    /// Destination port (`tcp dport`, `--dport`).
    Dport,
    /// Source port.
    Sport,
    /// Input interface (`iifname`, `iif`, `-i`); `*` at the end is a wildcard.
    Iif,
    /// Output interface (never set on the input hook).
    Oif,
    /// Source address.
    Saddr,
    /// Destination address.
    Daddr,
    /// Connection-tracking state (`ct state`, `--ctstate`, `--state`).
    CtState,
    /// IP version (`meta nfproto`).
    NfProto,
    /// Link-layer packet type (`meta pkttype`, `-m pkttype`).
    PktType,
    /// The TCP flags of a connection's first packet (`--syn`, `tcp flags syn / …`).
    TcpSyn,
    /// Something nixsec cannot evaluate (an iptables-nft `xt` match, `fib`, marks); the
    /// text says what it was.
    Opaque(String),
}

/// A value a key is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pat {
    /// A number (port, protocol number).
    Int(u64),
    /// An inclusive range of numbers.
    Range(u64, u64),
    /// A name (interface, protocol, state); interface names may end in `*`.
    Name(String),
    /// An address prefix.
    Prefix(IpAddr, u8),
}

impl fmt::Display for Pat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pat::Int(n) => write!(f, "{n}"),
            Pat::Range(a, b) => write!(f, "{a}-{b}"),
            Pat::Name(s) => f.write_str(s),
            Pat::Prefix(a, l) => write!(f, "{a}/{l}"),
        }
    }
}

/// A protocol a condition implies (nftables' payload dependencies: `tcp dport` only matches
/// TCP, `ip saddr` only IPv4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Req {
    /// The transport protocol must be this one (`tcp`, `udp`, `icmp`, …).
    L4(String),
    /// The IP version must be this one.
    Ver(IpVer),
}

/// One condition of a rule: the tuple of `keys` is (or with `neg`, is not) one of `alts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cond {
    /// The keys compared (one, or several for nftables concatenations).
    pub keys: Vec<Key>,
    /// The condition holds when the packet is *not* one of `alts`.
    pub neg: bool,
    /// Alternatives; each has one pattern per key.
    pub alts: Vec<Vec<Pat>>,
    /// Protocol dependencies that must hold whatever `neg` says.
    pub requires: Vec<Req>,
}

impl Cond {
    /// A condition on one key.
    #[must_use]
    pub fn one(key: Key, neg: bool, pats: Vec<Pat>) -> Self {
        Cond {
            keys: vec![key],
            neg,
            alts: pats.into_iter().map(|p| vec![p]).collect(),
            requires: Vec::new(),
        }
    }

    /// A condition that is only a protocol dependency.
    #[must_use]
    pub fn requires(req: Req) -> Self {
        Cond {
            keys: Vec::new(),
            neg: false,
            alts: Vec::new(),
            requires: vec![req],
        }
    }

    /// A condition nixsec cannot evaluate.
    #[must_use]
    pub fn opaque(what: impl Into<String>) -> Self {
        Cond::one(Key::Opaque(what.into()), false, Vec::new())
    }

    /// Add a protocol dependency.
    #[must_use]
    pub fn with_req(mut self, req: Req) -> Self {
        self.requires.push(req);
        self
    }

    /// Add protocol dependencies.
    #[must_use]
    pub fn with_reqs(mut self, reqs: impl IntoIterator<Item = Req>) -> Self {
        self.requires.extend(reqs);
        self
    }

    /// True when the condition restricts the source address.
    #[must_use]
    pub fn is_source_restriction(&self) -> bool {
        self.keys.contains(&Key::Saddr)
    }
}

/// What a rule does when its conditions hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Accept: ends this base chain.
    Accept,
    /// Drop: final.
    Drop,
    /// Reject: final (a drop with an answer).
    Reject,
    /// Evaluate a regular chain, then come back.
    Jump(String),
    /// Evaluate a regular chain and do not come back.
    Goto(String),
    /// Return to the calling chain (or the base chain's policy).
    Return,
    /// A verdict map (`ct state vmap { … }`): the first entry the packet matches.
    Vmap {
        /// What the map is keyed on.
        keys: Vec<Key>,
        /// Protocol dependencies of the key.
        requires: Vec<Req>,
        /// Entries: key values and their verdict.
        entries: Vec<(Vec<Pat>, Action)>,
    },
}

impl Action {
    /// True for accept, drop and reject.
    #[must_use]
    pub fn is_terminal(&self) -> bool {
        matches!(self, Action::Accept | Action::Drop | Action::Reject)
    }
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The rule as the source wrote it (iptables-save line, nft statement text).
    pub text: String,
    /// Line in the source file, when it has lines.
    pub line: Option<u32>,
    /// All must hold.
    pub conds: Vec<Cond>,
    /// The verdict; `None` for rules that only count or log.
    pub action: Option<Action>,
    /// The rule rewrites the destination (`DNAT`, `dnat to`, `redirect`): in a `prerouting`
    /// chain its packets go on to the forward path or another port, not this one's input.
    pub dnat: bool,
}

/// A base chain's hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    /// `input`, `prerouting`, `forward`, …
    pub hook: String,
    /// Priority (lower runs first).
    pub prio: i64,
    /// `policy drop` (else accept).
    pub policy_drop: bool,
    /// `filter`, `nat`, `route`.
    pub kind: String,
}

/// A chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// Table family.
    pub family: Family,
    /// Family as written (`inet`, `ip`, …) for messages.
    pub family_name: String,
    /// Table name.
    pub table: String,
    /// Chain name.
    pub name: String,
    /// Set for base chains.
    pub hook: Option<Hook>,
    /// Rules in order.
    pub rules: Vec<Rule>,
    /// Index into [`Ruleset::sources`].
    pub source: usize,
}

impl Chain {
    /// `inet filter input` (nftables) or `ip filter INPUT`.
    #[must_use]
    pub fn label(&self) -> String {
        format!("{} {} {}", self.family_name, self.table, self.name)
    }
}

/// Where a part of the ruleset came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Path (inside the audited root, or on this machine for `--nft-json`).
    pub path: String,
    /// What it is.
    pub kind: SourceKind,
}

/// Kinds of ruleset sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// `nft -j list ruleset`.
    NftJson,
    /// The live ruleset of the running host, read over netlink.
    NftNetlink,
    /// `iptables-save` / `ip6tables-save` text (legacy or nft backend).
    IptablesSave {
        /// Which `*tables-save`.
        ver: IpVer,
        /// Saved by the `iptables-nft` backend (header says `(nf_tables)`).
        nft_backend: bool,
    },
    /// The NixOS iptables firewall's `firewall-start` script.
    NixosFirewallScript,
    /// An nftables ruleset file (`nft -f` syntax).
    NftText,
}

/// A named nftables set: its elements, each a tuple of patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedSet {
    /// Table family.
    pub family: Family,
    /// Table.
    pub table: String,
    /// Name (without `@`).
    pub name: String,
    /// Elements.
    pub elems: Vec<Vec<Pat>>,
}

/// A whole ruleset, possibly merged from several sources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ruleset {
    /// Chains of every table.
    pub chains: Vec<Chain>,
    /// Named sets.
    pub sets: Vec<NamedSet>,
    /// Where it came from.
    pub sources: Vec<Source>,
}

/// A reference to one rule: chain index and rule index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleRef {
    /// Index into [`Ruleset::chains`].
    pub chain: usize,
    /// Index into that chain's rules.
    pub rule: usize,
}

impl Ruleset {
    /// Add the chains and sets of `other` (its source indices shifted).
    pub fn merge(&mut self, mut other: Ruleset) {
        let base = self.sources.len();
        for c in &mut other.chains {
            c.source += base;
        }
        self.sources.append(&mut other.sources);
        self.chains.append(&mut other.chains);
        self.sets.append(&mut other.sets);
    }

    /// The chain of this table with this name.
    #[must_use]
    pub fn find_chain(&self, like: &Chain, name: &str) -> Option<usize> {
        self.chains.iter().position(|c| {
            c.family_name == like.family_name
                && c.table == like.table
                && c.name == name
                && c.source == like.source
        })
    }

    /// The elements of a named set of the table of `like`.
    #[must_use]
    pub fn find_set(&self, like: &Chain, name: &str) -> Option<&NamedSet> {
        self.sets
            .iter()
            .find(|s| s.family == like.family && s.table == like.table && s.name == name)
    }

    /// The rule `r` as people read it: `-A nixos-fw -p tcp -m tcp --dport 22 -j nixos-fw-accept`
    /// or `inet filter input: tcp dport 22 accept`, with its file (and line).
    #[must_use]
    pub fn describe(&self, r: RuleRef) -> String {
        let Some(chain) = self.chains.get(r.chain) else {
            return String::new();
        };
        let Some(rule) = chain.rules.get(r.rule) else {
            return String::new();
        };
        let src = self.sources.get(chain.source);
        let where_ = match (src, rule.line) {
            (Some(s), Some(l)) => format!(" ({}:{l})", s.path),
            (Some(s), None) => format!(" ({})", s.path),
            (None, _) => String::new(),
        };
        if rule.text.starts_with("-A ") {
            format!("`{}`{where_}", rule.text)
        } else {
            format!("`{}: {}`{where_}", chain.label(), rule.text)
        }
    }

    /// Input-hook base chains that packets of `v` traverse, in priority order.
    #[must_use]
    pub fn input_chains(&self, v: IpVer) -> Vec<usize> {
        let mut out: Vec<usize> = (0..self.chains.len())
            .filter(|&i| {
                let c = &self.chains[i];
                c.family.sees(v)
                    && c.hook
                        .as_ref()
                        .is_some_and(|h| h.hook == "input" && h.kind != "nat")
            })
            .collect();
        out.sort_by_key(|&i| self.chains[i].hook.as_ref().map_or(0, |h| h.prio));
        out
    }
}
