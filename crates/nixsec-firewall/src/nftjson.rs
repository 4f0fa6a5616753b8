//! `nft -j list ruleset` JSON (host-formats 3.1) into the [`Ruleset`] model.

use std::net::IpAddr;

use serde_json::Value;

use crate::model::{
    Action, Chain, Cond, Family, Hook, IpVer, Key, NamedSet, Pat, Req, Rule, Ruleset, Source,
    SourceKind,
};
use crate::Error;

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

/// Parse the JSON text of `nft -j list ruleset`; `path` names it in errors and evidence.
///
/// # Errors
/// Not JSON, no `nftables` array, or an element without its required fields.
pub fn parse(text: &str, path: &str) -> Result<Ruleset, Error> {
    let err = |msg: String| Error::new(path, None, msg);
    let doc: Value =
        serde_json::from_str(text).map_err(|e| err(format!("not valid JSON ({e})")))?;
    let items = doc
        .get("nftables")
        .and_then(Value::as_array)
        .ok_or_else(|| err("no `nftables` array (not `nft -j list ruleset` output)".into()))?;
    let mut rs = Ruleset {
        sources: vec![Source {
            path: path.to_string(),
            kind: SourceKind::NftJson,
        }],
        ..Ruleset::default()
    };
    // Sets and chains first, so rules can refer to them wherever they are listed.
    for (i, item) in items.iter().enumerate() {
        let bad = |what: &str| err(format!("element {i}: {what}"));
        let Some(obj) = item.as_object() else {
            return Err(bad("not an object"));
        };
        if let Some(c) = obj.get("chain") {
            let (Some(family), Some(table), Some(name)) =
                (s(c, "family"), s(c, "table"), s(c, "name"))
            else {
                return Err(bad("chain without family, table or name"));
            };
            let hook = s(c, "hook").map(|h| Hook {
                hook: h.to_string(),
                prio: c.get("prio").and_then(Value::as_i64).unwrap_or(0),
                policy_drop: s(c, "policy") == Some("drop"),
                kind: s(c, "type").unwrap_or("filter").to_string(),
            });
            rs.chains.push(Chain {
                family: Family::parse(family),
                family_name: family.to_string(),
                table: table.to_string(),
                name: name.to_string(),
                hook,
                rules: Vec::new(),
                source: 0,
            });
        } else if let Some(set) = obj.get("set").or_else(|| obj.get("map")) {
            let (Some(family), Some(table), Some(name)) =
                (s(set, "family"), s(set, "table"), s(set, "name"))
            else {
                return Err(bad("set without family, table or name"));
            };
            let n = set
                .get("type")
                .and_then(Value::as_array)
                .map_or(1, Vec::len);
            let elems = set
                .get("elem")
                .and_then(Value::as_array)
                .map(|es| es.iter().filter_map(|e| elem_tuple(e, n)).collect())
                .unwrap_or_default();
            rs.sets.push(NamedSet {
                family: Family::parse(family),
                table: table.to_string(),
                name: name.to_string(),
                elems,
            });
        }
    }
    for (i, item) in items.iter().enumerate() {
        let Some(r) = item.get("rule") else { continue };
        let bad = |what: &str| err(format!("element {i}: {what}"));
        let (Some(family), Some(table), Some(chain)) =
            (s(r, "family"), s(r, "table"), s(r, "chain"))
        else {
            return Err(bad("rule without family, table or chain"));
        };
        let Some(ci) = rs
            .chains
            .iter()
            .position(|c| c.family_name == family && c.table == table && c.name == chain)
        else {
            return Err(bad(&format!(
                "rule of unknown chain `{family} {table} {chain}`"
            )));
        };
        let Some(exprs) = r.get("expr").and_then(Value::as_array) else {
            return Err(bad("rule without `expr` list"));
        };
        let rule = convert_rule(&rs, ci, exprs, r);
        rs.chains[ci].rules.push(rule);
    }
    Ok(rs)
}

fn convert_rule(rs: &Ruleset, ci: usize, exprs: &[Value], r: &Value) -> Rule {
    let mut conds = Vec::new();
    let mut action = None;
    let mut words = Vec::new();
    let mut dnat = false;
    for e in exprs {
        let Some(obj) = e.as_object() else { continue };
        let Some((kind, body)) = obj.iter().next() else {
            continue;
        };
        if action.is_some() {
            break;
        }
        match kind.as_str() {
            "match" => {
                let c = match_cond(rs, ci, body);
                words.push(describe_match(body));
                conds.extend(c);
            }
            "accept" => action = Some(Action::Accept),
            "drop" => action = Some(Action::Drop),
            "reject" => action = Some(Action::Reject),
            "return" => action = Some(Action::Return),
            "jump" | "goto" => {
                if let Some(t) = body.get("target").and_then(Value::as_str) {
                    action = Some(if kind == "jump" {
                        Action::Jump(t.to_string())
                    } else {
                        Action::Goto(t.to_string())
                    });
                }
            }
            "vmap" => action = Some(vmap(rs, ci, body)),
            "dnat" | "redirect" => {
                dnat = true;
                words.push(kind.clone());
                // `dnat to tcp dport map { … }`: the map's key is a transport field, so the
                // statement applies to that protocol only (nft leaves the dependency out).
                for part in ["addr", "port"] {
                    let proto = body
                        .get(part)
                        .and_then(|v| v.get("map"))
                        .and_then(|m| m.get("key"))
                        .and_then(|k| k.get("payload"))
                        .and_then(|p| s(p, "protocol"));
                    if let Some(p @ ("tcp" | "udp" | "sctp" | "dccp" | "udplite")) = proto {
                        let c = Cond::one(Key::L4Proto, false, vec![Pat::Name(p.into())]);
                        if !conds.contains(&c) {
                            conds.push(c);
                        }
                    }
                }
            }
            "xt" => {
                let name = s(body, "name").unwrap_or("?");
                if name == "DNAT" || name == "REDIRECT" {
                    dnat = true;
                }
                if s(body, "type") == Some("match") {
                    conds.push(Cond::opaque(format!("iptables-nft `{name}` match")));
                }
                words.push(format!("xt {name}"));
            }
            _ => {}
        }
    }
    if let Some(a) = &action {
        words.push(verdict_word(a));
    }
    let mut text = words.join(" ");
    if let Some(h) = r.get("handle").and_then(Value::as_i64) {
        text.push_str(&format!(" # handle {h}"));
    }
    Rule {
        text,
        line: None,
        conds,
        action,
        dnat,
    }
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

/// A short nft-like rendering of a match for rule texts.
fn describe_match(m: &Value) -> String {
    fn side(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Array(a) => a.iter().map(side).collect::<Vec<_>>().join(","),
            Value::Object(o) => {
                if let Some(p) = o.get("payload") {
                    format!(
                        "{} {}",
                        s(p, "protocol").unwrap_or("?"),
                        s(p, "field").unwrap_or("?")
                    )
                } else if let Some(m) = o.get("meta") {
                    format!("meta {}", s(m, "key").unwrap_or("?"))
                } else if let Some(c) = o.get("ct") {
                    format!("ct {}", s(c, "key").unwrap_or("?"))
                } else if let Some(Value::Array(a)) = o.get("set") {
                    format!(
                        "{{ {} }}",
                        a.iter().map(side).collect::<Vec<_>>().join(", ")
                    )
                } else if let Some(Value::Array(a)) = o.get("range") {
                    a.iter().map(side).collect::<Vec<_>>().join("-")
                } else if let Some(Value::Array(a)) = o.get("concat") {
                    a.iter().map(side).collect::<Vec<_>>().join(" . ")
                } else if let Some(p) = o.get("prefix") {
                    format!(
                        "{}/{}",
                        s(p, "addr").unwrap_or("?"),
                        p.get("len").map(side).unwrap_or_default()
                    )
                } else if let Some(Value::Array(a)) = o.get("&") {
                    a.iter().map(side).collect::<Vec<_>>().join(" & ")
                } else {
                    o.keys().next().cloned().unwrap_or_default()
                }
            }
            Value::Null => "null".into(),
        }
    }
    let op = s(m, "op").unwrap_or("==");
    let left = m.get("left").map(side).unwrap_or_default();
    let right = m.get("right").map(side).unwrap_or_default();
    if op == "==" || op == "in" {
        format!("{left} {right}")
    } else {
        format!("{left} {op} {right}")
    }
}

/// Keys and protocol dependencies of a match's left side; `None` when nixsec cannot model it.
fn left_keys(left: &Value) -> Option<(Vec<Key>, Vec<Req>)> {
    let obj = left.as_object()?;
    if let Some(p) = obj.get("payload") {
        let proto = s(p, "protocol")?;
        let field = s(p, "field")?;
        let (key, reqs): (Key, Vec<Req>) = match (proto, field) {
            ("tcp" | "udp", "dport") => (Key::Dport, vec![Req::L4(proto.into())]),
            ("tcp" | "udp", "sport") => (Key::Sport, vec![Req::L4(proto.into())]),
            ("th", "dport") => (Key::Dport, vec![]),
            ("th", "sport") => (Key::Sport, vec![]),
            ("ip", "saddr") => (Key::Saddr, vec![Req::Ver(IpVer::V4)]),
            ("ip", "daddr") => (Key::Daddr, vec![Req::Ver(IpVer::V4)]),
            ("ip6", "saddr") => (Key::Saddr, vec![Req::Ver(IpVer::V6)]),
            ("ip6", "daddr") => (Key::Daddr, vec![Req::Ver(IpVer::V6)]),
            ("ip", "protocol") => (Key::L4Proto, vec![Req::Ver(IpVer::V4)]),
            ("ip6", "nexthdr") => (Key::L4Proto, vec![Req::Ver(IpVer::V6)]),
            ("ip", _) => (
                Key::Opaque(format!("ip {field}")),
                vec![Req::Ver(IpVer::V4)],
            ),
            ("ip6", _) => (
                Key::Opaque(format!("ip6 {field}")),
                vec![Req::Ver(IpVer::V6)],
            ),
            // Any field of another transport protocol (icmp type, sctp dport …): the packet
            // must be of that protocol, which a TCP/UDP packet is not.
            (p, _) if !matches!(p, "tcp" | "udp" | "th" | "ether" | "vlan" | "arp") => {
                (Key::Opaque(format!("{p} {field}")), vec![Req::L4(p.into())])
            }
            _ => (Key::Opaque(format!("{proto} {field}")), vec![]),
        };
        return Some((vec![key], reqs));
    }
    if let Some(m) = obj.get("meta") {
        let key = match s(m, "key")? {
            "iifname" | "iif" => Key::Iif,
            "oifname" | "oif" => Key::Oif,
            "l4proto" => Key::L4Proto,
            "nfproto" | "protocol" => Key::NfProto,
            "pkttype" => Key::PktType,
            other => Key::Opaque(format!("meta {other}")),
        };
        return Some((vec![key], vec![]));
    }
    if let Some(c) = obj.get("ct") {
        let key = match s(c, "key")? {
            "state" => Key::CtState,
            other => Key::Opaque(format!("ct {other}")),
        };
        return Some((vec![key], vec![]));
    }
    if let Some(Value::Array(parts)) = obj.get("concat") {
        let mut keys = Vec::new();
        let mut reqs = Vec::new();
        for p in parts {
            let (k, r) = left_keys(p)?;
            keys.extend(k);
            reqs.extend(r);
        }
        return Some((keys, reqs));
    }
    if obj.contains_key("fib") {
        return Some((vec![Key::Opaque("fib".into())], vec![]));
    }
    None
}

fn to_pat(v: &Value) -> Option<Pat> {
    match v {
        Value::Number(n) => n.as_u64().map(Pat::Int),
        Value::String(s) => Some(match s.parse::<IpAddr>() {
            Ok(a) => Pat::Prefix(a, if a.is_ipv4() { 32 } else { 128 }),
            Err(_) => Pat::Name(s.clone()),
        }),
        Value::Object(o) => {
            if let Some(Value::Array(r)) = o.get("range") {
                let lo = r.first()?.as_u64()?;
                let hi = r.get(1)?.as_u64()?;
                Some(Pat::Range(lo, hi))
            } else if let Some(p) = o.get("prefix") {
                let a: IpAddr = s(p, "addr")?.parse().ok()?;
                let len = u8::try_from(p.get("len")?.as_u64()?).ok()?;
                Some(Pat::Prefix(a, len))
            } else if let Some(e) = o.get("elem") {
                to_pat(e.get("val").unwrap_or(e))
            } else {
                None
            }
        }
        Value::Bool(_) | Value::Null | Value::Array(_) => None,
    }
}

/// One set element as a tuple of `n` patterns.
fn elem_tuple(v: &Value, n: usize) -> Option<Vec<Pat>> {
    let v = v.get("elem").map_or(v, |e| e.get("val").unwrap_or(e));
    if let Some(Value::Array(parts)) = v.get("concat") {
        let t: Option<Vec<Pat>> = parts.iter().map(to_pat).collect();
        return t.filter(|t| t.len() == n);
    }
    if n == 1 {
        return to_pat(v).map(|p| vec![p]);
    }
    None
}

/// The alternatives of a match's right side, as tuples of `n` patterns.
fn right_alts(rs: &Ruleset, ci: usize, right: &Value, n: usize) -> Option<Vec<Vec<Pat>>> {
    if let Some(name) = right.as_str().and_then(|r| r.strip_prefix('@')) {
        return rs
            .find_set(&rs.chains[ci], name)
            .map(|set| set.elems.clone());
    }
    if let Some(Value::Array(items)) = right.get("set") {
        return items.iter().map(|e| elem_tuple(e, n)).collect();
    }
    if let Value::Array(items) = right {
        // A flag list (`ct state established,related`): any of them.
        return items.iter().map(|e| elem_tuple(e, n)).collect();
    }
    elem_tuple(right, n).map(|t| vec![t])
}

fn match_cond(rs: &Ruleset, ci: usize, m: &Value) -> Vec<Cond> {
    let op = s(m, "op").unwrap_or("==");
    let (Some(left), Some(right)) = (m.get("left"), m.get("right")) else {
        return vec![Cond::opaque("match without sides")];
    };
    // `tcp flags & (fin|syn|rst|ack) == syn`: the first packet of a connection.
    if let Some(Value::Array(and)) = left.get("&") {
        let is_tcp_flags = and
            .first()
            .and_then(|p| p.get("payload"))
            .is_some_and(|p| s(p, "protocol") == Some("tcp") && s(p, "field") == Some("flags"));
        if is_tcp_flags && right.as_str() == Some("syn") && op == "==" {
            return vec![Cond::one(Key::TcpSyn, false, vec![]).with_req(Req::L4("tcp".into()))];
        }
        return vec![Cond::opaque(describe_match(m))];
    }
    // `fib daddr type local`: every packet to this host.
    if let Some(f) = left.get("fib") {
        let daddr_only = f
            .get("flags")
            .and_then(Value::as_array)
            .is_some_and(|fl| fl.len() == 1 && fl[0].as_str() == Some("daddr"));
        if s(f, "result") == Some("type")
            && daddr_only
            && right.as_str() == Some("local")
            && op == "=="
        {
            return Vec::new();
        }
    }
    let Some((keys, requires)) = left_keys(left) else {
        return vec![Cond::opaque(describe_match(m))];
    };
    if keys.iter().any(|k| matches!(k, Key::Opaque(_))) {
        return vec![Cond {
            keys: vec![Key::Opaque(describe_match(m))],
            neg: false,
            alts: Vec::new(),
            requires,
        }];
    }
    let n = keys.len();
    let numeric = |v: &Value| v.as_u64();
    let (neg, alts) = match op {
        "==" | "in" => (false, right_alts(rs, ci, right, n)),
        "!=" => (true, right_alts(rs, ci, right, n)),
        "<" | "<=" | ">" | ">=" if n == 1 => {
            let alt = numeric(right).map(|x| match op {
                "<" => Pat::Range(0, x.saturating_sub(1)),
                "<=" => Pat::Range(0, x),
                ">" => Pat::Range(x.saturating_add(1), u64::from(u16::MAX)),
                _ => Pat::Range(x, u64::from(u16::MAX)),
            });
            (false, alt.map(|a| vec![vec![a]]))
        }
        _ => (false, None),
    };
    match alts {
        Some(alts) => vec![Cond {
            keys,
            neg,
            alts,
            requires,
        }],
        None => vec![Cond {
            keys: vec![Key::Opaque(describe_match(m))],
            neg: false,
            alts: Vec::new(),
            requires,
        }],
    }
}

fn verdict(v: &Value) -> Option<Action> {
    let obj = v.as_object()?;
    let (k, body) = obj.iter().next()?;
    Some(match k.as_str() {
        "accept" => Action::Accept,
        "drop" => Action::Drop,
        "reject" => Action::Reject,
        "return" => Action::Return,
        "jump" => Action::Jump(s(body, "target")?.to_string()),
        "goto" => Action::Goto(s(body, "target")?.to_string()),
        _ => return None,
    })
}

fn vmap(rs: &Ruleset, ci: usize, body: &Value) -> Action {
    let unknown = || Action::Vmap {
        keys: vec![Key::Opaque("verdict map".into())],
        requires: Vec::new(),
        entries: vec![
            (vec![Pat::Name("*".into())], Action::Accept),
            (vec![Pat::Name("*".into())], Action::Drop),
        ],
    };
    let Some((keys, requires)) = body.get("key").and_then(left_keys) else {
        return unknown();
    };
    let n = keys.len();
    let Some(Value::Array(items)) = body.get("data").and_then(|d| d.get("set")) else {
        let _ = (rs, ci);
        return unknown();
    };
    let mut entries = Vec::new();
    for it in items {
        let Some(pair) = it.as_array() else {
            return unknown();
        };
        let (Some(k), Some(v)) = (pair.first(), pair.get(1)) else {
            return unknown();
        };
        let (Some(t), Some(a)) = (elem_tuple(k, n), verdict(v)) else {
            return unknown();
        };
        entries.push((t, a));
    }
    Action::Vmap {
        keys,
        requires,
        entries,
    }
}
