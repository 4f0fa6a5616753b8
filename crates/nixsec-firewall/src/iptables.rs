//! iptables: `iptables-save` / `ip6tables-save` text of both backends (host-formats 3.2), and
//! the rule arguments shared with iptables commands in scripts ([`crate::nixos`]).

use std::net::IpAddr;

use crate::model::{
    Action, Chain, Cond, Family, Hook, IpVer, Key, Pat, Req, Rule, Ruleset, Source, SourceKind,
};
use crate::Error;

/// A line whose quote does not close.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// A `"` without its closing `"`.
    #[error("unterminated double quote")]
    Double,
    /// A `'` without its closing `'`.
    #[error("unterminated single quote")]
    Single,
}

/// Split a line like a POSIX shell does for simple words: whitespace, `"…"` (with `\"` and
/// `\\`), `'…'`; a word starting with `#` ends the line.
///
/// # Errors
/// An unterminated quote.
pub fn shell_words(line: &str) -> Result<Vec<String>, QuoteError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '#' if !in_word => break,
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(n @ ('"' | '\\' | '$' | '`')) => cur.push(n),
                            Some(n) => {
                                cur.push('\\');
                                cur.push(n);
                            }
                            None => return Err(QuoteError::Double),
                        },
                        Some(ch) => cur.push(ch),
                        None => return Err(QuoteError::Double),
                    }
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => cur.push(ch),
                        None => return Err(QuoteError::Single),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

/// What `-j`/`-g` names, before chain names are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    None,
    Jump(String),
    Goto(String),
}

fn port_pat(s: &str) -> Option<Pat> {
    let num = |x: &str| -> Option<u64> {
        x.parse::<u64>()
            .ok()
            .or(match x {
                "ssh" => Some(22),
                "http" => Some(80),
                "https" => Some(443),
                "domain" => Some(53),
                _ => None,
            })
            .filter(|n| *n <= 65_535)
    };
    match s.split_once(':') {
        Some((a, b)) => {
            let lo = if a.is_empty() { 0 } else { num(a)? };
            let hi = if b.is_empty() { 65_535 } else { num(b)? };
            Some(Pat::Range(lo, hi))
        }
        None => num(s).map(Pat::Int),
    }
}

fn addr_pat(s: &str) -> Option<Pat> {
    let (a, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let a: IpAddr = a.parse().ok()?;
    let full = if a.is_ipv4() { 32 } else { 128 };
    let len = match len {
        Some(l) => match l.parse::<u8>() {
            Ok(n) => n,
            // A dotted netmask (`/255.255.255.0`).
            Err(_) => {
                let m: std::net::Ipv4Addr = l.parse().ok()?;
                u8::try_from(u32::from(m).count_ones()).ok()?
            }
        },
        None => full,
    };
    Some(Pat::Prefix(a, len))
}

fn iface_pat(s: &str) -> Pat {
    Pat::Name(match s.strip_suffix('+') {
        Some(p) => format!("{p}*"),
        None => s.to_string(),
    })
}

/// Parse the arguments of one rule (what follows `-A CHAIN`).
///
/// # Errors
/// An option without its value, or a value that is not what the option takes.
pub(crate) fn parse_rule_args(args: &[String]) -> Result<(Vec<Cond>, Target), String> {
    // Old syntax `-p ! tcp`: move the `!` before the option.
    let mut norm: Vec<String> = Vec::with_capacity(args.len());
    let mut k = 0;
    while k < args.len() {
        if args[k].starts_with('-') && args.get(k + 1).is_some_and(|n| n == "!") {
            norm.push("!".into());
            norm.push(args[k].clone());
            k += 2;
            continue;
        }
        norm.push(args[k].clone());
        k += 1;
    }
    let args = &norm[..];
    let mut conds = Vec::new();
    let mut target = Target::None;
    let mut i = 0;
    let mut module = String::new();
    let mut l4: Option<String> = None;
    // Options after `-j TARGET` that no match knows are the target's (`--log-prefix`, …).
    let mut after_target = false;
    while i < args.len() {
        let mut neg = false;
        if args[i] == "!" {
            neg = true;
            i += 1;
            if i >= args.len() {
                return Err("`!` at the end".into());
            }
        }
        let a = args[i].as_str();
        let val = |k: usize| -> Result<String, String> {
            args.get(i + k)
                .cloned()
                .ok_or_else(|| format!("`{a}` without a value"))
        };
        let take = |k: usize, _neg: &mut bool| val(k);
        let mut step = 2;
        match a {
            "-p" | "--protocol" => {
                let v = take(1, &mut neg)?.to_ascii_lowercase();
                if v != "all" && v != "0" {
                    let v = match v.as_str() {
                        "icmpv6" | "ipv6-icmp" | "58" => "ipv6-icmp".to_string(),
                        _ => v,
                    };
                    l4 = Some(v.clone());
                    conds.push(Cond::one(Key::L4Proto, neg, vec![Pat::Name(v)]));
                }
            }
            "-s" | "--source" | "--src" | "-d" | "--destination" | "--dst" => {
                let v = take(1, &mut neg)?;
                let pats: Option<Vec<Pat>> = v.split(',').map(addr_pat).collect();
                let pats = pats.ok_or_else(|| format!("`{a} {v}`: not an address"))?;
                let key = if a.starts_with("-s") || a.starts_with("--s") {
                    Key::Saddr
                } else {
                    Key::Daddr
                };
                conds.push(Cond::one(key, neg, pats));
            }
            "-i" | "--in-interface" | "-o" | "--out-interface" => {
                let v = take(1, &mut neg)?;
                let key = if a.starts_with("-i") || a.starts_with("--in") {
                    Key::Iif
                } else {
                    Key::Oif
                };
                conds.push(Cond::one(key, neg, vec![iface_pat(&v)]));
            }
            "-m" | "--match" => {
                module = val(1)?;
            }
            "-j" | "--jump" => {
                target = Target::Jump(val(1)?);
                after_target = true;
            }
            "-g" | "--goto" => {
                target = Target::Goto(val(1)?);
            }
            "--dport" | "--destination-port" | "--sport" | "--source-port" => {
                let v = take(1, &mut neg)?;
                let p = port_pat(&v).ok_or_else(|| format!("`{a} {v}`: not a port"))?;
                let key = if a == "--dport" || a == "--destination-port" {
                    Key::Dport
                } else {
                    Key::Sport
                };
                let mut c = Cond::one(key, neg, vec![p]);
                if let Some(p) = &l4 {
                    c = c.with_req(Req::L4(p.clone()));
                }
                conds.push(c);
            }
            "--dports" | "--destination-ports" | "--sports" | "--source-ports" => {
                let v = take(1, &mut neg)?;
                let pats: Option<Vec<Pat>> = v.split(',').map(port_pat).collect();
                let pats = pats.ok_or_else(|| format!("`{a} {v}`: not a port list"))?;
                let key = if a.contains("dport") || a.contains("destination") {
                    Key::Dport
                } else {
                    Key::Sport
                };
                conds.push(Cond::one(key, neg, pats));
            }
            "--ctstate" | "--state" => {
                let v = take(1, &mut neg)?;
                let mut names: Vec<String> = v.split(',').map(str::to_ascii_lowercase).collect();
                names.sort();
                let pats = names.into_iter().map(Pat::Name).collect();
                conds.push(Cond::one(Key::CtState, neg, pats));
            }
            "--pkt-type" => {
                let v = take(1, &mut neg)?;
                conds.push(Cond::one(Key::PktType, neg, vec![Pat::Name(v)]));
            }
            "--syn" => {
                step = 1;
                if neg {
                    // `! --syn`: not a connection's first packet.
                    conds.push(
                        Cond::one(Key::TcpSyn, true, vec![Pat::Int(1)])
                            .with_req(Req::L4("tcp".into())),
                    );
                } else {
                    conds.push(
                        Cond::one(Key::TcpSyn, false, vec![Pat::Int(1)])
                            .with_req(Req::L4("tcp".into())),
                    );
                }
            }
            "--tcp-flags" => {
                let mask = take(1, &mut neg)?;
                let comp = val(2)?;
                step = 3;
                let syn_only =
                    comp.eq_ignore_ascii_case("SYN") && mask.to_ascii_uppercase().contains("ACK");
                if syn_only {
                    conds.push(
                        Cond::one(Key::TcpSyn, neg, vec![Pat::Int(1)])
                            .with_req(Req::L4("tcp".into())),
                    );
                } else {
                    conds.push(Cond::opaque(format!("--tcp-flags {mask} {comp}")));
                }
            }
            "--dst-type" if !neg && val(1)? == "LOCAL" => {
                // `-m addrtype --dst-type LOCAL`: every packet to this host (Docker's
                // PREROUTING rule).
            }
            "--icmp-type" | "--icmpv6-type" => {
                let _ = take(1, &mut neg)?;
            }
            "--comment" | "--limit" | "--limit-burst" | "--log-prefix" | "--log-level" => {
                let _ = val(1)?;
            }
            "--validmark" | "--loose" | "--invert" | "--accept-local" => {
                step = 1;
                if !conds
                    .iter()
                    .any(|c| c.keys == [Key::Opaque("rpfilter".into())])
                {
                    conds.push(Cond::opaque("rpfilter"));
                }
            }
            "-w" | "--wait" => {
                step = 1;
                if args.get(i + 1).is_some_and(|n| n.parse::<u32>().is_ok()) {
                    step = 2;
                }
            }
            opt if opt.starts_with('-') => {
                // An option of a match nixsec does not model: the rule depends on it.
                step = 1;
                while args
                    .get(i + step)
                    .is_some_and(|n| !n.starts_with('-') && n != "!")
                {
                    step += 1;
                }
                if after_target {
                    // A target option: it does not change whether the rule matches.
                    i += step;
                    continue;
                }
                let what = if module.is_empty() {
                    opt.to_string()
                } else {
                    format!("-m {module} {opt}")
                };
                conds.push(Cond::opaque(what));
            }
            other => return Err(format!("unexpected word `{other}`")),
        }
        i += step;
    }
    // A module loaded with no option of its own (`-m rpfilter`) still matches something.
    if module == "rpfilter"
        && !conds
            .iter()
            .any(|c| c.keys == [Key::Opaque("rpfilter".into())])
    {
        conds.push(Cond::opaque("rpfilter"));
    }
    Ok((conds, target))
}

/// A chain under construction: name, policy (`Some` for built-in chains), rules (arguments
/// and line).
pub(crate) type ChainState = (String, Option<String>, Vec<(Vec<String>, Option<u32>)>);

/// One table under construction (iptables-save or a script).
#[derive(Debug, Clone, Default)]
pub(crate) struct TableState {
    pub name: String,
    /// Chains: name, policy (`Some` for built-in chains), rules (arguments and line).
    pub chains: Vec<ChainState>,
}

const BUILTIN: &[(&str, &[&str])] = &[
    ("filter", &["INPUT", "FORWARD", "OUTPUT"]),
    (
        "mangle",
        &["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
    ),
    ("raw", &["PREROUTING", "OUTPUT"]),
    ("nat", &["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"]),
    ("security", &["INPUT", "FORWARD", "OUTPUT"]),
];

impl TableState {
    pub fn new(name: &str) -> Self {
        let chains = BUILTIN
            .iter()
            .find(|(t, _)| *t == name)
            .map(|(_, cs)| {
                cs.iter()
                    .map(|c| ((*c).to_string(), Some("ACCEPT".to_string()), Vec::new()))
                    .collect()
            })
            .unwrap_or_default();
        TableState {
            name: name.to_string(),
            chains,
        }
    }

    pub fn chain_mut(&mut self, name: &str) -> Option<&mut ChainState> {
        self.chains.iter_mut().find(|c| c.0 == name)
    }
}

fn hook_of(table: &str, chain: &str) -> Option<(String, i64)> {
    let prio = match table {
        "raw" => -300,
        "mangle" => -150,
        "filter" => 0,
        "security" => 50,
        "nat" => {
            if chain == "PREROUTING" || chain == "OUTPUT" {
                -100
            } else {
                100
            }
        }
        _ => return None,
    };
    let hook = match chain {
        "PREROUTING" => "prerouting",
        "INPUT" => "input",
        "FORWARD" => "forward",
        "OUTPUT" => "output",
        "POSTROUTING" => "postrouting",
        _ => return None,
    };
    Some((hook.to_string(), prio))
}

/// Turn tables into chains of `ver`'s family, attributed to source `source`.
///
/// # Errors
/// A rule whose arguments cannot be parsed (naming its line).
pub(crate) fn build(
    tables: &[TableState],
    ver: IpVer,
    source: usize,
    path: &str,
) -> Result<Vec<Chain>, Error> {
    let (family, family_name) = match ver {
        IpVer::V4 => (Family::Ip, "ip"),
        IpVer::V6 => (Family::Ip6, "ip6"),
    };
    let mut out = Vec::new();
    for t in tables {
        let names: Vec<&str> = t.chains.iter().map(|c| c.0.as_str()).collect();
        for (name, policy, rules) in &t.chains {
            let hook = policy.as_ref().and_then(|p| {
                hook_of(&t.name, name).map(|(hook, prio)| Hook {
                    hook,
                    prio,
                    policy_drop: p == "DROP",
                    kind: if t.name == "nat" { "nat" } else { "filter" }.to_string(),
                })
            });
            let mut chain_rules = Vec::new();
            for (args, line) in rules {
                let (conds, target) = parse_rule_args(args)
                    .map_err(|m| Error::new(path, *line, format!("`-A {name}`: {m}")))?;
                let dnat = matches!(&target, Target::Jump(t) if t == "DNAT" || t == "REDIRECT");
                let action = match target {
                    Target::None => None,
                    Target::Goto(c) => Some(Action::Goto(c)),
                    Target::Jump(t) => match t.as_str() {
                        "ACCEPT" => Some(Action::Accept),
                        "DROP" => Some(Action::Drop),
                        "REJECT" => Some(Action::Reject),
                        "RETURN" => Some(Action::Return),
                        c if names.contains(&c) => Some(Action::Jump(c.to_string())),
                        // LOG, MARK, CT, … : the packet goes on.
                        _ => None,
                    },
                };
                chain_rules.push(Rule {
                    text: format!("-A {name} {}", quote_args(args)),
                    line: *line,
                    conds,
                    action,
                    dnat,
                });
            }
            out.push(Chain {
                family,
                family_name: family_name.to_string(),
                table: t.name.clone(),
                name: name.clone(),
                hook,
                rules: chain_rules,
                source,
            });
        }
    }
    Ok(out)
}

fn quote_args(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.is_empty() || a.contains(char::is_whitespace) {
                format!("\"{a}\"")
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parse `iptables-save` or `ip6tables-save` output. `ver` says which when the caller knows
/// (a `rules.v6` file); otherwise the header (`# Generated by ip6tables-save …`) decides, and
/// without one, IPv6 addresses in rules.
///
/// # Errors
/// A line that is none of a comment, `*table`, `:CHAIN POLICY`, `-A …` or `COMMIT`, a rule
/// before its table, or rule arguments nixsec cannot read.
pub fn parse_save(text: &str, path: &str, ver: Option<IpVer>) -> Result<Ruleset, Error> {
    let mut tables: Vec<TableState> = Vec::new();
    let mut current: Option<TableState> = None;
    let mut header_ver = None;
    let mut nft_backend = false;
    let mut saw_v6_addr = false;
    for (n, raw) in text.lines().enumerate() {
        let line_no = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let err = |m: String| Error::new(path, Some(line_no), m);
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(c) = line.strip_prefix('#') {
            if c.contains("ip6tables") {
                header_ver.get_or_insert(IpVer::V6);
            } else if c.contains("iptables") {
                header_ver.get_or_insert(IpVer::V4);
            }
            if c.contains("nf_tables") || c.contains("-nft-save") {
                nft_backend = true;
            }
            continue;
        }
        if let Some(t) = line.strip_prefix('*') {
            if let Some(prev) = current.take() {
                tables.push(prev);
            }
            current = Some(TableState::new(t.trim()));
            continue;
        }
        if line == "COMMIT" {
            match current.take() {
                Some(t) => tables.push(t),
                None => return Err(err("`COMMIT` outside a table".into())),
            }
            continue;
        }
        let Some(table) = current.as_mut() else {
            return Err(err(format!("`{line}` before any `*table` line")));
        };
        if let Some(decl) = line.strip_prefix(':') {
            let mut parts = decl.split_whitespace();
            let (Some(name), Some(policy)) = (parts.next(), parts.next()) else {
                return Err(err(format!("chain line `{line}` without a policy")));
            };
            let policy = (policy != "-").then(|| policy.to_string());
            match table.chain_mut(name) {
                Some(c) => c.1 = policy.or(c.1.take()),
                None => table.chains.push((name.to_string(), policy, Vec::new())),
            }
            continue;
        }
        // `iptables-save -c` puts counters first.
        let body = if line.starts_with('[') {
            line.split_once(']').map_or(line, |(_, r)| r.trim_start())
        } else {
            line
        };
        let words = shell_words(body).map_err(|e| err(e.to_string()))?;
        let (Some(op), Some(chain)) = (words.first(), words.get(1)) else {
            return Err(err(format!("unexpected line `{line}`")));
        };
        if op != "-A" && op != "--append" {
            return Err(err(format!("unexpected line `{line}`")));
        }
        let args = words[2..].to_vec();
        if args
            .iter()
            .any(|a| a.contains(':') && a.contains('/') && a.parse::<IpAddr>().is_err())
            || args.iter().any(|a| a.parse::<std::net::Ipv6Addr>().is_ok())
        {
            saw_v6_addr = true;
        }
        match table.chain_mut(chain) {
            Some(c) => c.2.push((args, Some(line_no))),
            None => {
                return Err(err(format!(
                    "rule for chain `{chain}` that the table does not declare"
                )))
            }
        }
    }
    if let Some(t) = current.take() {
        return Err(Error::new(
            path,
            None,
            format!("table `{}` has no `COMMIT` (truncated file?)", t.name),
        ));
    }
    let ver = ver
        .or(header_ver)
        .unwrap_or(if saw_v6_addr { IpVer::V6 } else { IpVer::V4 });
    let chains = build(&tables, ver, 0, path)?;
    Ok(Ruleset {
        chains,
        sets: Vec::new(),
        sources: vec![Source {
            path: path.to_string(),
            kind: SourceKind::IptablesSave { ver, nft_backend },
        }],
    })
}
