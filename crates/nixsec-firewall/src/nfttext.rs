//! nftables ruleset files (`nft -f` syntax) into the [`Ruleset`] model: the subset rulesets
//! for a host firewall use, and all that NixOS's `firewall-nftables.nix` and `nftables.nix`
//! generate. Tables, chains with `type … hook … priority …; policy …;`, named sets with
//! `elements`, `flush ruleset`, `delete table`; rules with interface, port, address,
//! protocol, conntrack-state and `fib` matches, concatenations, anonymous and named sets,
//! verdict maps and verdicts. An expression nixsec does not know makes the rule opaque (its
//! verdict then depends on something nixsec cannot evaluate) rather than failing.

use std::net::IpAddr;

use crate::model::{
    Action, Chain, Cond, Family, Hook, IpVer, Key, NamedSet, Pat, Req, Rule, Ruleset, Source,
    SourceKind,
};
use crate::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Str(String),
    Punct(char),
    Nl,
}

fn tokenize(text: &str) -> Result<Vec<(Tok, u32)>, (u32, String)> {
    let mut out = Vec::new();
    let mut line = 1u32;
    let mut chars = text.chars().peekable();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<(Tok, u32)>, line: u32| {
        if word.is_empty() {
            return;
        }
        let w = std::mem::take(word);
        // `untracked:` in a verdict map: split the key from its colon (not `fe80::`).
        if let Some(stem) = w.strip_suffix(':') {
            if !stem.contains(':') && !stem.is_empty() {
                out.push((Tok::Word(stem.to_string()), line));
                out.push((Tok::Punct(':'), line));
                return;
            }
        }
        out.push((Tok::Word(w), line));
    };
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                flush(&mut word, &mut out, line);
                out.push((Tok::Nl, line));
                line += 1;
            }
            '\\' if chars.peek() == Some(&'\n') => {
                chars.next();
                line += 1;
            }
            c if c.is_whitespace() => flush(&mut word, &mut out, line),
            '#' if word.is_empty() => {
                while chars.peek().is_some_and(|c| *c != '\n') {
                    chars.next();
                }
            }
            '"' => {
                flush(&mut word, &mut out, line);
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => {
                            if let Some(n) = chars.next() {
                                s.push(n);
                            }
                        }
                        Some('\n') | None => return Err((line, "unterminated string".into())),
                        Some(ch) => s.push(ch),
                    }
                }
                out.push((Tok::Str(s), line));
            }
            '{' | '}' | ';' | ',' => {
                flush(&mut word, &mut out, line);
                out.push((Tok::Punct(c), line));
            }
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out, line);
    Ok(out)
}

struct P<'a> {
    toks: &'a [(Tok, u32)],
    i: usize,
    path: &'a str,
}

impl P<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.0)
    }
    fn line(&self) -> u32 {
        self.toks
            .get(self.i)
            .or_else(|| self.toks.last())
            .map_or(1, |t| t.1)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.i).map(|t| t.0.clone());
        self.i += 1;
        t
    }
    fn err(&self, m: impl Into<String>) -> Error {
        Error::new(self.path, Some(self.line()), m)
    }
    fn word(&mut self) -> Result<String, Error> {
        match self.next() {
            Some(Tok::Word(w) | Tok::Str(w)) => Ok(w),
            other => Err(self.err(format!("expected a name, found {other:?}"))),
        }
    }
    fn skip_nl(&mut self) {
        while matches!(self.peek(), Some(Tok::Nl | Tok::Punct(';'))) {
            self.i += 1;
        }
    }
    fn expect(&mut self, c: char) -> Result<(), Error> {
        self.skip_nl();
        match self.next() {
            Some(Tok::Punct(p)) if p == c => Ok(()),
            other => Err(self.err(format!("expected `{c}`, found {other:?}"))),
        }
    }
    /// Skip a `{ … }` block (the `{` not yet read).
    fn skip_block(&mut self) -> Result<(), Error> {
        self.expect('{')?;
        let mut depth = 1;
        while depth > 0 {
            match self.next() {
                Some(Tok::Punct('{')) => depth += 1,
                Some(Tok::Punct('}')) => depth -= 1,
                Some(_) => {}
                None => return Err(self.err("unterminated block")),
            }
        }
        Ok(())
    }
    /// The tokens of one statement: up to a newline, `;` or `}` (not consumed), with
    /// `{ … }` groups kept whole.
    fn statement(&mut self) -> Vec<Tok> {
        let mut out = Vec::new();
        let mut depth = 0;
        while let Some(t) = self.peek() {
            match t {
                Tok::Nl | Tok::Punct(';') if depth == 0 => break,
                Tok::Nl if depth > 0 => {
                    self.i += 1;
                    continue;
                }
                Tok::Punct('}') if depth == 0 => break,
                Tok::Punct('{') => depth += 1,
                Tok::Punct('}') => depth -= 1,
                _ => {}
            }
            out.push(t.clone());
            self.i += 1;
        }
        out
    }
}

fn prio_value(words: &[String]) -> Option<i64> {
    let base = |w: &str| -> Option<i64> {
        Some(match w {
            "raw" => -300,
            "mangle" => -150,
            "dstnat" => -100,
            "filter" => 0,
            "security" => 50,
            "srcnat" => 100,
            n => n.parse().ok()?,
        })
    };
    let mut v = base(words.first()?)?;
    let mut k = 1;
    while k + 1 < words.len() {
        let n: i64 = words[k + 1].parse().ok()?;
        match words[k].as_str() {
            "+" => v += n,
            "-" => v -= n,
            _ => return None,
        }
        k += 2;
    }
    Some(v)
}

struct TableCx {
    family: Family,
    family_name: String,
    table: String,
    source: usize,
}

/// Most nested `include`s followed.
const MAX_INCLUDE_DEPTH: usize = 16;

/// Reads an included file: `Ok(None)` when it does not exist.
pub type IncludeReader<'a> = dyn FnMut(&str) -> Result<Option<(String, String)>, Error> + 'a;

/// Parse an nftables ruleset file. `path` names it in errors and evidence. `include`
/// statements are errors; use [`parse_with_includes`] to follow them.
///
/// # Errors
/// Unbalanced braces, an unterminated string, or a table/chain statement nixsec cannot read.
pub fn parse(text: &str, path: &str) -> Result<Ruleset, Error> {
    let mut rs = Ruleset::default();
    parse_into(&mut rs, text, path, 0, None)?;
    resolve_sets(&mut rs);
    Ok(rs)
}

/// Parse an nftables ruleset file, reading `include "FILE"` with `include` (which returns
/// the file's shown path and text, or `None` when it does not exist: then it is skipped,
/// as NixOS creates `/var/lib/nftables/deletions.nft` just before loading).
///
/// # Errors
/// As [`parse`], an include that cannot be read, or includes nested too deep.
pub fn parse_with_includes(
    text: &str,
    path: &str,
    include: &mut IncludeReader<'_>,
) -> Result<Ruleset, Error> {
    let mut rs = Ruleset::default();
    parse_into(&mut rs, text, path, 0, Some(include))?;
    resolve_sets(&mut rs);
    Ok(rs)
}

fn parse_into(
    rs: &mut Ruleset,
    text: &str,
    path: &str,
    depth: usize,
    mut include: Option<&mut IncludeReader<'_>>,
) -> Result<(), Error> {
    let toks = tokenize(text).map_err(|(l, m)| Error::new(path, Some(l), m))?;
    let mut p = P {
        toks: &toks,
        i: 0,
        path,
    };
    let source = rs.sources.len();
    rs.sources.push(Source {
        path: path.to_string(),
        kind: SourceKind::NftText,
    });
    loop {
        p.skip_nl();
        let Some(t) = p.next() else { break };
        let Tok::Word(w) = t else {
            return Err(p.err(format!("unexpected {t:?}")));
        };
        match w.as_str() {
            "flush" => {
                let what = p.statement();
                if what.first() == Some(&Tok::Word("ruleset".into())) {
                    rs.chains.clear();
                    rs.sets.clear();
                }
            }
            "delete" | "destroy" => {
                let what = p.statement();
                if let [Tok::Word(k), Tok::Word(f), Tok::Word(n)] = &what[..] {
                    if k == "table" {
                        rs.chains
                            .retain(|c| !(c.family_name == *f && c.table == *n));
                        rs.sets
                            .retain(|s| !(s.family == Family::parse(f) && s.table == *n));
                    }
                }
            }
            "table" | "add" | "create" => {
                if w != "table" && p.word()? != "table" {
                    // `add rule …` and other one-line commands.
                    return Err(p.err(format!(
                        "`{w}` commands other than `{w} table` are not supported"
                    )));
                }
                let a = p.word()?;
                let (family_name, table) = match p.peek() {
                    Some(Tok::Word(_) | Tok::Str(_)) => (a, p.word()?),
                    _ => ("ip".to_string(), a),
                };
                let cx = TableCx {
                    family: Family::parse(&family_name),
                    family_name,
                    table,
                    source,
                };
                if matches!(p.peek(), Some(Tok::Punct('{'))) {
                    table_body(&mut p, &cx, rs)?;
                }
            }
            "include" => {
                let line = p.line();
                let file = p.word()?;
                let Some(reader) = include.as_deref_mut() else {
                    return Err(Error::new(
                        path,
                        Some(line),
                        "`include` is not followed; give the live ruleset with `--nft-json`",
                    ));
                };
                if depth >= MAX_INCLUDE_DEPTH {
                    return Err(Error::new(path, Some(line), "includes nested too deep"));
                }
                if let Some((shown, body)) = reader(&file)? {
                    parse_into(rs, &body, &shown, depth + 1, Some(reader))?;
                }
            }
            "define" => {
                return Err(p.err(
                    "`define` variables are not supported; give the live ruleset with `--nft-json`",
                ))
            }
            other => return Err(p.err(format!("unexpected `{other}`"))),
        }
    }
    Ok(())
}

fn table_body(p: &mut P, cx: &TableCx, rs: &mut Ruleset) -> Result<(), Error> {
    p.expect('{')?;
    loop {
        p.skip_nl();
        match p.next() {
            Some(Tok::Punct('}')) => return Ok(()),
            Some(Tok::Word(w)) if w == "chain" => {
                let name = p.word()?;
                chain_body(p, cx, name, rs)?;
            }
            Some(Tok::Word(w)) if w == "set" || w == "map" => {
                let name = p.word()?;
                let elems = set_body(p)?;
                rs.sets.push(NamedSet {
                    family: cx.family,
                    table: cx.table.clone(),
                    name,
                    elems,
                });
            }
            Some(Tok::Word(w)) if w == "flags" || w == "comment" => {
                let _ = p.statement();
            }
            Some(Tok::Word(_)) => {
                // flowtables, counters, quotas, `ct helper NAME`, …: not part of filtering
                // decisions here. Their words up to the block, then the block.
                while matches!(p.peek(), Some(Tok::Word(_) | Tok::Str(_))) {
                    p.i += 1;
                }
                p.skip_block()?;
            }
            Some(t) => return Err(p.err(format!("unexpected {t:?} in table"))),
            None => return Err(p.err("unterminated table")),
        }
    }
}

fn set_body(p: &mut P) -> Result<Vec<Vec<Pat>>, Error> {
    p.expect('{')?;
    let mut elems = Vec::new();
    loop {
        p.skip_nl();
        match p.peek() {
            Some(Tok::Punct('}')) => {
                p.i += 1;
                return Ok(elems);
            }
            None => return Err(p.err("unterminated set")),
            _ => {}
        }
        let st = p.statement();
        if let Some(Tok::Word(w)) = st.first() {
            if w == "elements" {
                let vals = st
                    .iter()
                    .skip_while(|t| **t != Tok::Word("=".into()))
                    .skip(1)
                    .cloned()
                    .collect::<Vec<_>>();
                elems = value_alts(&vals).unwrap_or_default();
            }
        }
    }
}

fn chain_body(p: &mut P, cx: &TableCx, name: String, rs: &mut Ruleset) -> Result<(), Error> {
    p.expect('{')?;
    let mut chain = Chain {
        family: cx.family,
        family_name: cx.family_name.clone(),
        table: cx.table.clone(),
        name,
        hook: None,
        rules: Vec::new(),
        source: cx.source,
    };
    loop {
        p.skip_nl();
        if matches!(p.peek(), Some(Tok::Punct('}'))) {
            p.i += 1;
            break;
        }
        if p.peek().is_none() {
            return Err(p.err("unterminated chain"));
        }
        let line = p.line();
        let st = p.statement();
        let words: Vec<String> = st
            .iter()
            .map(|t| match t {
                Tok::Word(w) | Tok::Str(w) => w.clone(),
                Tok::Punct(c) => c.to_string(),
                Tok::Nl => String::new(),
            })
            .collect();
        match words.first().map(String::as_str) {
            Some("type") => {
                // type filter hook input priority filter [+ N] [device …]
                let kind = words.get(1).cloned().unwrap_or_else(|| "filter".into());
                let hook = words
                    .iter()
                    .position(|w| w == "hook")
                    .and_then(|i| words.get(i + 1))
                    .cloned()
                    .ok_or_else(|| Error::new(p.path, Some(line), "chain type without a hook"))?;
                let prio = words
                    .iter()
                    .position(|w| w == "priority")
                    .map(|i| {
                        let rest: Vec<String> = words[i + 1..]
                            .iter()
                            .take_while(|w| *w != "device" && *w != ";")
                            .cloned()
                            .collect();
                        prio_value(&rest).ok_or_else(|| {
                            Error::new(
                                p.path,
                                Some(line),
                                format!("bad priority `{}`", rest.join(" ")),
                            )
                        })
                    })
                    .transpose()?
                    .unwrap_or(0);
                let policy_drop = chain.hook.as_ref().is_some_and(|h| h.policy_drop);
                chain.hook = Some(Hook {
                    hook,
                    prio,
                    policy_drop,
                    kind,
                });
            }
            Some("policy") => {
                let drop = words.get(1).is_some_and(|w| w == "drop");
                match &mut chain.hook {
                    Some(h) => h.policy_drop = drop,
                    None => {
                        return Err(Error::new(
                            p.path,
                            Some(line),
                            "`policy` in a chain without a hook",
                        ));
                    }
                }
            }
            Some("comment") | None => {}
            Some(_) => {
                let text = words.join(" ").replace(" , ", ", ");
                let (conds, action) = rule_body(&st);
                let dnat = st
                    .iter()
                    .any(|t| matches!(t, Tok::Word(w) if w == "dnat" || w == "redirect"));
                chain.rules.push(Rule {
                    text,
                    line: Some(line),
                    conds,
                    action,
                    dnat,
                });
            }
        }
    }
    rs.chains.push(chain);
    Ok(())
}

fn tok_pat(t: &Tok) -> Option<Pat> {
    match t {
        Tok::Str(s) => Some(Pat::Name(s.clone())),
        Tok::Word(w) => {
            if let Ok(n) = w.parse::<u64>() {
                return Some(Pat::Int(n));
            }
            if let Some((a, b)) = w.split_once('/') {
                if let (Ok(a), Ok(l)) = (a.parse::<IpAddr>(), b.parse::<u8>()) {
                    return Some(Pat::Prefix(a, l));
                }
            }
            if let Ok(a) = w.parse::<IpAddr>() {
                return Some(Pat::Prefix(a, if a.is_ipv4() { 32 } else { 128 }));
            }
            if let Some((a, b)) = w.split_once('-') {
                if let (Ok(a), Ok(b)) = (a.parse::<u64>(), b.parse::<u64>()) {
                    return Some(Pat::Range(a, b));
                }
            }
            Some(Pat::Name(w.clone()))
        }
        _ => None,
    }
}

/// Alternatives of a value: `22`, `{ 22, 80 }`, `established,related`, `67 . 68`.
fn value_alts(toks: &[Tok]) -> Option<Vec<Vec<Pat>>> {
    let inner: &[Tok] = match toks {
        [Tok::Punct('{'), mid @ .., Tok::Punct('}')] => mid,
        _ => toks,
    };
    let mut alts = Vec::new();
    for item in inner.split(|t| *t == Tok::Punct(',')) {
        if item.is_empty() {
            continue;
        }
        // `67 . 68`: a tuple. `established,related` arrives as one word.
        if let [Tok::Word(w)] = item {
            if w.contains(',') {
                for part in w.split(',') {
                    alts.push(vec![Pat::Name(part.to_string())]);
                }
                continue;
            }
        }
        let tuple: Option<Vec<Pat>> = item
            .split(|t| *t == Tok::Word(".".into()))
            .map(|part| match part {
                [t] => tok_pat(t),
                _ => None,
            })
            .collect();
        alts.push(tuple?);
    }
    Some(alts)
}

fn verdict_at(toks: &[Tok], k: usize) -> Option<(Action, usize)> {
    let w = match toks.get(k)? {
        Tok::Word(w) => w.as_str(),
        _ => return None,
    };
    let target = || match toks.get(k + 1) {
        Some(Tok::Word(t) | Tok::Str(t)) => Some(t.clone()),
        _ => None,
    };
    Some(match w {
        "accept" => (Action::Accept, 1),
        "drop" => (Action::Drop, 1),
        "reject" => {
            // `reject with icmpx type admin-prohibited`
            let mut n = 1;
            if toks.get(k + 1) == Some(&Tok::Word("with".into())) {
                n = 4.min(toks.len() - k);
            }
            (Action::Reject, n)
        }
        "return" => (Action::Return, 1),
        "jump" => (Action::Jump(target()?), 2),
        "goto" => (Action::Goto(target()?), 2),
        _ => return None,
    })
}

/// The key of a selector starting at `k`: `(keys, requires, tokens used)`.
fn selector(toks: &[Tok], k: usize) -> Option<(Key, Vec<Req>, usize)> {
    let w = |i: usize| match toks.get(i) {
        Some(Tok::Word(w)) => Some(w.as_str()),
        _ => None,
    };
    let a = w(k)?;
    Some(match a {
        "iifname" | "iif" => (Key::Iif, vec![], 1),
        "oifname" | "oif" => (Key::Oif, vec![], 1),
        "tcp" | "udp" => match w(k + 1)? {
            "dport" => (Key::Dport, vec![Req::L4(a.into())], 2),
            "sport" => (Key::Sport, vec![Req::L4(a.into())], 2),
            f => (Key::Opaque(format!("{a} {f}")), vec![Req::L4(a.into())], 2),
        },
        "th" => match w(k + 1)? {
            "dport" => (Key::Dport, vec![], 2),
            "sport" => (Key::Sport, vec![], 2),
            f => (Key::Opaque(format!("th {f}")), vec![], 2),
        },
        "ip" | "ip6" => {
            let v = if a == "ip" { IpVer::V4 } else { IpVer::V6 };
            match w(k + 1)? {
                "saddr" => (Key::Saddr, vec![Req::Ver(v)], 2),
                "daddr" => (Key::Daddr, vec![Req::Ver(v)], 2),
                "protocol" | "nexthdr" => (Key::L4Proto, vec![Req::Ver(v)], 2),
                f => (Key::Opaque(format!("{a} {f}")), vec![Req::Ver(v)], 2),
            }
        }
        "ct" => match w(k + 1)? {
            "state" => (Key::CtState, vec![], 2),
            f => (Key::Opaque(format!("ct {f}")), vec![], 2),
        },
        "meta" => match w(k + 1)? {
            "iifname" | "iif" => (Key::Iif, vec![], 2),
            "oifname" | "oif" => (Key::Oif, vec![], 2),
            "l4proto" => (Key::L4Proto, vec![], 2),
            "nfproto" | "protocol" => (Key::NfProto, vec![], 2),
            "pkttype" => (Key::PktType, vec![], 2),
            f => (Key::Opaque(format!("meta {f}")), vec![], 2),
        },
        "l4proto" => (Key::L4Proto, vec![], 1),
        "nfproto" => (Key::NfProto, vec![], 1),
        "pkttype" => (Key::PktType, vec![], 1),
        "icmp" | "icmpv6" | "igmp" | "sctp" | "dccp" | "esp" | "ah" | "udplite" => {
            let f = w(k + 1).unwrap_or("?");
            let proto = if a == "icmpv6" { "ipv6-icmp" } else { a };
            (
                Key::Opaque(format!("{a} {f}")),
                vec![Req::L4(proto.into())],
                2,
            )
        }
        _ => return None,
    })
}

fn is_op(t: Option<&Tok>) -> Option<&'static str> {
    match t {
        Some(Tok::Word(w)) => match w.as_str() {
            "==" | "eq" => Some("=="),
            "!=" | "ne" => Some("!="),
            "<" | "lt" => Some("<"),
            ">" | "gt" => Some(">"),
            "<=" | "le" => Some("<="),
            ">=" | "ge" => Some(">="),
            _ => None,
        },
        _ => None,
    }
}

/// Conditions and verdict of a rule's tokens.
fn rule_body(toks: &[Tok]) -> (Vec<Cond>, Option<Action>) {
    let mut conds = Vec::new();
    let mut k = 0;
    let opaque_rest = |k: usize, conds: &mut Vec<Cond>| -> Option<Action> {
        // Something nixsec does not know: the rule depends on it; its verdict is the last
        // verdict word in the rule.
        let text: Vec<String> = toks[k..]
            .iter()
            .map(|t| match t {
                Tok::Word(w) | Tok::Str(w) => w.clone(),
                Tok::Punct(c) => c.to_string(),
                Tok::Nl => String::new(),
            })
            .collect();
        conds.push(Cond::opaque(text.join(" ")));
        (k..toks.len())
            .rev()
            .find_map(|i| verdict_at(toks, i).map(|(a, _)| a))
    };
    while k < toks.len() {
        if let Some((a, _)) = verdict_at(toks, k) {
            return (conds, Some(a));
        }
        let Tok::Word(w) = &toks[k] else {
            let a = opaque_rest(k, &mut conds);
            return (conds, a);
        };
        match w.as_str() {
            "counter" => {
                k += 1;
                while matches!(toks.get(k), Some(Tok::Word(x)) if x == "packets" || x == "bytes") {
                    k += 2;
                }
                continue;
            }
            "log" => {
                k += 1;
                while let Some(Tok::Word(x)) = toks.get(k) {
                    if matches!(
                        x.as_str(),
                        "prefix" | "level" | "group" | "snaplen" | "flags"
                    ) {
                        k += 2;
                    } else {
                        break;
                    }
                }
                continue;
            }
            "comment" => {
                k += 2;
                continue;
            }
            // `dnat to ADDR:PORT`, `redirect to :PORT`: a NAT statement ends the matches.
            "dnat" | "snat" | "masquerade" | "redirect" => return (conds, None),
            "limit" => {
                // limit rate [over] N/unit [burst N packets|bytes]
                k += 2;
                if matches!(toks.get(k), Some(Tok::Word(x)) if x == "over") {
                    conds.push(Cond::opaque("limit rate over"));
                    k += 1;
                }
                k += 1;
                if matches!(toks.get(k), Some(Tok::Word(x)) if x == "burst") {
                    k += 3;
                }
                continue;
            }
            "fib"
                if toks.get(k + 1) == Some(&Tok::Word("daddr".into()))
                    && toks.get(k + 2) == Some(&Tok::Word("type".into()))
                    && toks.get(k + 3) == Some(&Tok::Word("local".into())) =>
            {
                // `fib daddr type local`: every packet to this host.
                k += 4;
                continue;
            }
            "fib" => {
                // fib saddr . mark . iif oif exists
                k += 1;
                while matches!(toks.get(k + 1), Some(Tok::Word(x)) if x == ".") {
                    k += 2;
                }
                k += 2;
                if is_op(toks.get(k)).is_some() {
                    k += 1;
                }
                if matches!(toks.get(k), Some(Tok::Word(x)) if verdict_at(toks, k).is_none() && (x == "exists" || x == "missing" || x.parse::<u64>().is_ok() || x == "local"))
                {
                    k += 1;
                }
                conds.push(Cond::opaque("fib"));
                continue;
            }
            "tcp" if matches!(toks.get(k + 1), Some(Tok::Word(x)) if x == "flags") => {
                // tcp flags syn / fin,syn,rst,ack   or   tcp flags & (…) == syn
                let v = toks.get(k + 2);
                let slash = matches!(toks.get(k + 3), Some(Tok::Word(x)) if x == "/");
                if v == Some(&Tok::Word("syn".into())) && slash {
                    conds.push(
                        Cond::one(Key::TcpSyn, false, vec![]).with_req(Req::L4("tcp".into())),
                    );
                    k += 5;
                    continue;
                }
                let a = opaque_rest(k, &mut conds);
                return (conds, a);
            }
            _ => {}
        }
        // A selector (possibly a concatenation), an optional operator, and a value.
        let mut keys = Vec::new();
        let mut reqs = Vec::new();
        let mut j = k;
        while let Some((key, r, n)) = selector(toks, j) {
            keys.push(key);
            reqs.extend(r);
            j += n;
            if toks.get(j) == Some(&Tok::Word(".".into())) {
                j += 1;
            } else {
                break;
            }
        }
        if keys.is_empty() {
            let a = opaque_rest(k, &mut conds);
            return (conds, a);
        }
        // `ct state vmap { … }`
        if toks.get(j) == Some(&Tok::Word("vmap".into())) {
            let action = vmap(&toks[j + 1..], keys, reqs);
            return (conds, Some(action));
        }
        let op = is_op(toks.get(j));
        if op.is_some() {
            j += 1;
        }
        // The value: a `{ … }` group, `@set`, or one word.
        let (vals, used): (Vec<Tok>, usize) = match toks.get(j) {
            Some(Tok::Punct('{')) => {
                let mut depth = 0;
                let mut end = j;
                for (i, t) in toks.iter().enumerate().skip(j) {
                    match t {
                        Tok::Punct('{') => depth += 1,
                        Tok::Punct('}') => {
                            depth -= 1;
                            if depth == 0 {
                                end = i;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                (toks[j..=end].to_vec(), end + 1 - j)
            }
            Some(t) => {
                // A concatenated value `67 . 68` outside braces.
                let mut v = vec![t.clone()];
                let mut n = 1;
                while toks.get(j + n) == Some(&Tok::Word(".".into()))
                    && toks.get(j + n + 1).is_some()
                {
                    v.push(toks[j + n].clone());
                    v.push(toks[j + n + 1].clone());
                    n += 2;
                }
                (v, n)
            }
            None => (Vec::new(), 0),
        };
        let opaque = keys.iter().any(|k| matches!(k, Key::Opaque(_)));
        let alts = if let [Tok::Word(w)] = &vals[..] {
            if let Some(name) = w.strip_prefix('@') {
                Some(vec![vec![Pat::Name(format!("@{name}"))]])
            } else {
                value_alts(&vals)
            }
        } else {
            value_alts(&vals)
        };
        let cond = match (opaque, alts, op.unwrap_or("==")) {
            (false, Some(alts), op @ ("==" | "!=")) => Cond {
                keys,
                neg: op == "!=",
                alts,
                requires: reqs,
            },
            (false, Some(alts), op) if alts.len() == 1 && alts[0].len() == 1 => {
                let range = match (&alts[0][0], op) {
                    (Pat::Int(x), "<") => Pat::Range(0, x.saturating_sub(1)),
                    (Pat::Int(x), "<=") => Pat::Range(0, *x),
                    (Pat::Int(x), ">") => Pat::Range(x.saturating_add(1), u64::from(u16::MAX)),
                    (Pat::Int(x), _) => Pat::Range(*x, u64::from(u16::MAX)),
                    _ => Pat::Name("?".into()),
                };
                Cond {
                    keys,
                    neg: false,
                    alts: vec![vec![range]],
                    requires: reqs,
                }
            }
            _ => Cond {
                keys: vec![Key::Opaque("expression".into())],
                neg: false,
                alts: Vec::new(),
                requires: reqs,
            },
        };
        conds.push(cond);
        k = j + used;
    }
    (conds, None)
}

fn vmap(toks: &[Tok], keys: Vec<Key>, requires: Vec<Req>) -> Action {
    let inner: &[Tok] = match toks {
        [Tok::Punct('{'), mid @ .., Tok::Punct('}')] => mid,
        _ => &[],
    };
    let mut entries = Vec::new();
    for item in inner.split(|t| *t == Tok::Punct(',')) {
        let Some(colon) = item
            .iter()
            .position(|t| *t == Tok::Punct(':') || *t == Tok::Word(":".into()))
        else {
            continue;
        };
        let key: Option<Vec<Pat>> = item[..colon]
            .split(|t| *t == Tok::Word(".".into()))
            .map(|part| match part {
                [t] => tok_pat(t),
                _ => None,
            })
            .collect();
        let verdict = verdict_at(item, colon + 1).map(|(a, _)| a);
        if let (Some(k), Some(v)) = (key, verdict) {
            entries.push((k, v));
        }
    }
    Action::Vmap {
        keys,
        requires,
        entries,
    }
}

/// Replace `@set` patterns by the set's elements.
fn resolve_sets(rs: &mut Ruleset) {
    let sets = rs.sets.clone();
    for c in &mut rs.chains {
        for r in &mut c.rules {
            for cond in &mut r.conds {
                let named = match cond.alts.as_slice() {
                    [alt] => match alt.as_slice() {
                        [Pat::Name(n)] => n.strip_prefix('@').map(str::to_string),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(n) = named {
                    cond.alts = sets
                        .iter()
                        .find(|s| s.family == c.family && s.table == c.table && s.name == n)
                        .map(|s| s.elems.clone())
                        .unwrap_or_default();
                }
            }
        }
    }
}
