//! The live netlink reader against real nftables: each ruleset below is loaded in a fresh
//! network namespace (with `nft -f`, or with the `iptables-nft` commands of the fixture
//! scripts), then listed both by `nft -j list ruleset` and by nixsec's netlink reader. The
//! two readings must agree on every chain, every rule's text and on the verdict of a grid of
//! packets; each real dump, cut short and corrupted, must read without a panic or a hang. The
//! namespace is made by running this test binary again under `unshare -n`
//! (the child only collects; the comparison runs here). Skipped with a message where `nft`,
//! `iptables-nft` or namespaces are missing; fails instead when `CI` is set.

use std::path::{Path, PathBuf};
use std::process::Command;

use nixsec_firewall::model::RuleRef;
use nixsec_firewall::{netlink, nftjson, IpVer, Packet, Ruleset, L4};

mod common;

/// Rulesets in nft syntax: the ones of `nft_oracle.rs` and more, for every construct the
/// reader decompiles (interval sets of ports, addresses and interface wildcards,
/// concatenations, verdict maps, prefixes under masks, ranges, `fib`, negations, `iif`
/// by index, several tables and families, NAT).
const NFT_RULESETS: &[(&str, &str)] = &[
    (
        "sets",
        "table inet fw {
  set admin { type ipv4_addr; flags interval; elements = { 10.0.0.0/8, 192.168.1.0/24 } }
  set web { type inet_service; flags interval; elements = { 80, 443, 8000-8099 } }
  chain input {
    type filter hook input priority filter; policy drop;
    iifname != \"eth*\" tcp dport 5432 accept
    ip saddr @admin tcp dport 22 accept
    tcp dport @web accept
    udp dport != { 53, 123 } drop
    meta l4proto udp accept
  }
}",
    ),
    (
        "jumps",
        "table ip early {
  chain input {
    type filter hook input priority -10; policy accept;
    tcp dport 23 drop
  }
}
table inet main {
  chain allow {
    tcp dport { 22, 23 } accept
    return
  }
  chain web {
    tcp dport vmap { 80 : accept, 8080 : drop }
  }
  chain input {
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    jump allow
    tcp dport 1000-2000 goto web
    tcp dport 80 jump web
    ip6 nexthdr tcp tcp dport 9000 accept
  }
}",
    ),
    (
        "nixos-like",
        "table inet nixos-fw {
  chain input {
    type filter hook input priority filter; policy drop;
    iifname { \"lo\", \"wg0\" } accept comment \"trusted interfaces\"
    ct state vmap { invalid : drop, established : accept, related : accept, new : jump input-allow, untracked : jump input-allow }
    tcp flags syn / fin,syn,rst,ack log level info prefix \"refused connection: \"
  }
  chain input-allow {
    tcp dport { 22, 443 } accept
    iifname \"eth1\" tcp dport { 5432 } accept
    iifname \"eth1\" udp dport 60000-61000 accept
    icmp type echo-request accept comment \"allow ping\"
  }
}",
    ),
    (
        "more",
        "table inet fw {
  chain input {
    type filter hook input priority filter; policy drop;
    iifname \"lo\" accept
    ct state established,related accept
    ct state invalid drop
    ct state != new drop
    iifname { \"br-*\", \"wg0\" } accept
    ip6 saddr fe80::/10 udp dport 546 accept
    fib daddr type local tcp dport 9 accept
    ip daddr . tcp dport { 192.0.2.1 . 80, 192.0.2.2 . 8080-8090 } accept
    ip daddr 192.0.2.0/24 tcp dport 8443 accept
    tcp dport >= 60000 accept
    meta pkttype broadcast drop
    tcp flags syn / fin,syn,rst,ack log
    udp sport 53 accept
    tcp dport 2222 reject
  }
  chain prerouting {
    type nat hook prerouting priority dstnat;
    iifname != \"docker0\" tcp dport 8080 dnat ip to 172.17.0.2:80
  }
}
table ip t4 {
  chain input {
    type filter hook input priority 5; policy accept;
    ip protocol tcp tcp dport 80 accept
    meta iif \"lo\" accept
    ip saddr 10.1.2.0/23 drop
    tcp dport != 22 drop
  }
}
table ip6 t6 {
  chain input {
    type filter hook input priority 0; policy accept;
    ip6 nexthdr ipv6-icmp accept
    ip6 daddr ::1 tcp dport 631 accept
  }
}",
    ),
];

/// Fixture rulesets (real nft files) and iptables-nft scripts, by file name.
const FIXTURE_NFT: &[&str] = &[
    "default-deny.nft",
    "debian-default-open.nft",
    "input-accept-explicit.nft",
    "nixos-fw-nftables.nft",
];
const FIXTURE_SCRIPTS: &[&str] = &[
    "nixos-fw-iptables.sh",
    "default-deny-iptables.sh",
    "docker-published.sh",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Inside the namespace: for each case in `$NIXSEC_NETLINK_CHILD`, load it, then save
/// `nft -j list ruleset` and the netlink dump beside it. Does nothing in a normal run.
#[test]
fn netns_child() {
    let Some(dir) = std::env::var_os("NIXSEC_NETLINK_CHILD") else {
        return;
    };
    let dir = PathBuf::from(dir);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("case dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "nft" || x == "sh"))
        .collect();
    cases.sort();
    for case in cases {
        let flush = Command::new("nft")
            .args(["flush", "ruleset"])
            .status()
            .expect("nft");
        assert!(flush.success());
        let load = if case.extension().is_some_and(|x| x == "nft") {
            Command::new("nft").arg("-f").arg(&case).output()
        } else {
            // The scripts call `iptables`: make it the nft backend whatever the alternative.
            let bin = dir.join("bin");
            std::fs::create_dir_all(&bin).expect("bin");
            for (name, real) in [
                ("iptables", "iptables-nft"),
                ("ip6tables", "ip6tables-nft"),
                ("iptables-save", "iptables-nft-save"),
            ] {
                let link = bin.join(name);
                if !link.exists() {
                    let target = common::find(real).expect("iptables-nft");
                    std::os::unix::fs::symlink(target, link).expect("symlink");
                }
            }
            let path = format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            );
            Command::new("bash")
                .arg(&case)
                .env("PATH", path)
                .env("IPT", "iptables-nft")
                .env("IP6T", "ip6tables-nft")
                .output()
        }
        .expect("load");
        assert!(
            load.status.success(),
            "{}: {}",
            case.display(),
            String::from_utf8_lossy(&load.stderr)
        );
        let json = Command::new("nft")
            .args(["-j", "list", "ruleset"])
            .output()
            .expect("nft -j");
        assert!(json.status.success());
        std::fs::write(case.with_extension("json"), &json.stdout).expect("write");
        let raw = netlink::read_raw().unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        std::fs::write(case.with_extension("netlink"), raw).expect("write");
    }
}

/// Run the cases in a namespace: each a file name and its text (`None`: the fixture of that
/// name); `(name, nft JSON text, netlink dump)` each.
fn collect(cases: &[(String, Option<String>)]) -> Option<Vec<(String, String, Vec<u8>)>> {
    if !common::require(&["nft", "unshare", "iptables-nft", "ip6tables-nft"]) || !common::netns() {
        return None;
    }
    let t = tempfile::tempdir().expect("tempdir");
    for (name, text) in cases {
        match text {
            Some(body) => std::fs::write(t.path().join(name), body).map(|()| 0),
            None => std::fs::copy(fixtures().join(name), t.path().join(name)),
        }
        .expect("case file");
    }
    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new("unshare")
        .arg("-n")
        .arg(&exe)
        .args([
            "--exact",
            "netns_child",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("NIXSEC_NETLINK_CHILD", t.path())
        .output()
        .expect("unshare");
    assert!(
        out.status.success(),
        "the namespace child failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        cases
            .iter()
            .map(|(name, _)| {
                let p = t.path().join(name);
                (
                    name.clone(),
                    std::fs::read_to_string(p.with_extension("json")).expect("json"),
                    std::fs::read(p.with_extension("netlink")).expect("netlink"),
                )
            })
            .collect(),
    )
}

/// A chain's identity: family, table, name and hook.
fn chains(rs: &Ruleset) -> Vec<String> {
    let mut v: Vec<String> = rs
        .chains
        .iter()
        .map(|c| {
            format!(
                "{} {} {} {:?} rules={}",
                c.family_name,
                c.table,
                c.name,
                c.hook,
                c.rules.len()
            )
        })
        .collect();
    v.sort();
    v
}

/// Every rule's text, by chain.
fn texts(rs: &Ruleset) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for (ci, c) in rs.chains.iter().enumerate() {
        for ri in 0..c.rules.len() {
            v.push(rs.describe(RuleRef {
                chain: ci,
                rule: ri,
            }));
        }
    }
    v.sort();
    v
}

/// Verdicts on a grid of packets: version, protocol, port, interface, destination.
fn grid(rs: &Ruleset) -> Vec<String> {
    let mut out = Vec::new();
    for ver in [IpVer::V4, IpVer::V6] {
        for l4 in [L4::Tcp, L4::Udp] {
            for port in [
                9, 22, 23, 53, 80, 123, 443, 546, 631, 1500, 2222, 5432, 8050, 8080, 8085, 8443,
                9000, 60_500, 65_000,
            ] {
                for iif in [
                    None,
                    Some("eth0"),
                    Some("eth1"),
                    Some("wg0"),
                    Some("lo"),
                    Some("br-x"),
                ] {
                    for daddr in [None, Some("192.0.2.1"), Some("::1")] {
                        let mut p = Packet::new(ver, l4, port);
                        p.iif = iif.map(str::to_string);
                        p.daddr = daddr.and_then(|a| a.parse().ok());
                        let d = rs.decide(&p);
                        out.push(format!(
                            "{ver:?} {l4:?} {port} {iif:?} {daddr:?}: {:?} by {} dropped by {:?} dnat {:?}",
                            d.accepted,
                            d.admitted_by(rs).replace(" (netlink:nftables)", "").replace(" (nft -j)", ""),
                            d.dropped_by(rs).map(|s| s.replace(" (netlink:nftables)", "").replace(" (nft -j)", "")),
                            rs.dnat_rule(&p).map(|(r, c)| (rs.describe(r).replace(" (netlink:nftables)", "").replace(" (nft -j)", ""), c)),
                        ));
                    }
                }
            }
        }
    }
    out
}

fn summary(rs: &Ruleset) -> Vec<String> {
    let strip = |s: String| {
        s.replace(" (netlink:nftables)", "")
            .replace(" (nft -j)", "")
    };
    let mut v = vec![
        format!("deny v4 {:?}", rs.default_deny(IpVer::V4).map(strip)),
        format!("deny v6 {:?}", rs.default_deny(IpVer::V6).map(strip)),
        format!("interfaces {:?}", rs.named_interfaces()),
        format!("unnamed {}", rs.unnamed_port()),
    ];
    for iif in [None, Some("eth1")] {
        for o in rs.open_ports(iif) {
            v.push(format!(
                "open {iif:?} {:?} {} {}-{} {} {}",
                o.ver,
                o.l4.as_str(),
                o.lo,
                o.hi,
                o.certain,
                strip(o.admitted_by)
            ));
        }
    }
    v
}

/// Rule texts without their source, and with the elements of inline sets sorted: nft lists a
/// hash set in the order of the kernel's buckets, nixsec in key order.
fn strip_src(v: Vec<String>) -> Vec<String> {
    v.into_iter()
        .map(|s| {
            let s = s
                .replace(" (netlink:nftables)", "")
                .replace(" (nft -j)", "");
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(i) = rest.find("{ ") {
                let Some(j) = rest[i..].find(" }") else { break };
                let mut items: Vec<&str> = rest[i + 2..i + j].split(", ").collect();
                items.sort_unstable();
                out.push_str(&rest[..i]);
                out.push_str(&format!("{{ {} }}", items.join(", ")));
                rest = &rest[i + j + 2..];
            }
            out.push_str(rest);
            out
        })
        .collect()
}

/// Equal lists, or a failure listing the lines that differ (netlink first, then nft JSON).
fn same(case: &str, what: &str, netlink: &[String], json: &[String]) {
    if let Some(d) = differ(case, what, netlink, json) {
        panic!("{d}");
    }
}

/// `None` when the lists are equal, else the lines that differ (netlink first, then nft JSON).
fn differ(case: &str, what: &str, netlink: &[String], json: &[String]) -> Option<String> {
    let diff: Vec<String> = netlink
        .iter()
        .zip(json)
        .filter(|(a, b)| a != b)
        .take(8)
        .map(|(a, b)| format!("  netlink: {a}\n  nft -j:  {b}"))
        .collect();
    (!diff.is_empty() || netlink.len() != json.len()).then(|| {
        format!(
            "{case}: {what} differ ({} vs {} lines):\n{}",
            netlink.len(),
            json.len(),
            diff.join("\n")
        )
    })
}

#[test]
fn netlink_reads_like_nft_json() {
    let mut cases: Vec<(String, Option<String>)> = NFT_RULESETS
        .iter()
        .map(|(n, t)| (format!("{n}.nft"), Some((*t).to_string())))
        .collect();
    cases.extend(
        FIXTURE_NFT
            .iter()
            .chain(FIXTURE_SCRIPTS)
            .map(|f| ((*f).to_string(), None)),
    );
    let Some(got) = collect(&cases) else { return };
    let lo = |i: u32| (i == 1).then(|| "lo".to_string());
    for (name, json, raw) in got {
        let by_json = nftjson::parse(&json, "nft -j").unwrap_or_else(|e| panic!("{name}: {e}"));
        let by_netlink = netlink::parse_raw(&raw, &lo).unwrap_or_else(|e| panic!("{name}: {e}"));
        same(&name, "chains", &chains(&by_netlink), &chains(&by_json));
        same(
            &name,
            "rule texts",
            &strip_src(texts(&by_netlink)),
            &strip_src(texts(&by_json)),
        );
        same(&name, "verdicts", &grid(&by_netlink), &grid(&by_json));
        same(
            &name,
            "open ports",
            &summary(&by_netlink),
            &summary(&by_json),
        );
        mangled_dumps_never_panic(&name, &raw);
    }
}

/// The example rulesets Debian's `nftables` package ships (upstream's `files/examples` and
/// `files/nftables`): written by nftables' authors, not for nixsec. Those that load on their own
/// in a fresh namespace (`load_balancing`, `overview`, `secmark` and `sets_and_maps` need
/// objects or modules they do not define).
const DEBIAN_EXAMPLES: &[&str] = &[
    "all-in-one.nft",
    "arp-filter.nft",
    "bridge-filter.nft",
    "ct_helpers.nft",
    "inet-filter.nft",
    "inet-nat.nft",
    "ipv4-filter.nft",
    "ipv4-mangle.nft",
    "ipv4-nat.nft",
    "ipv4-raw.nft",
    "ipv6-filter.nft",
    "ipv6-mangle.nft",
    "ipv6-nat.nft",
    "ipv6-raw.nft",
    "nat.nft",
    "netdev-ingress.nft",
    "workstation.nft",
];

#[test]
fn netlink_reads_debian_examples_like_nft_json() {
    let dir = Path::new("/usr/share/doc/nftables/examples");
    if !dir.is_dir() {
        // Documentation of the `nftables` package, left out of some minimal images.
        eprintln!("skipped: no `{}` (nftables' examples)", dir.display());
        return;
    }
    let cases: Vec<(String, Option<String>)> = DEBIAN_EXAMPLES
        .iter()
        .filter_map(|n| {
            let text = std::fs::read_to_string(dir.join(n)).ok()?;
            // Their `include "./…"` lines name files of the same directory.
            let text = text.replace("include \"./", &format!("include \"{}/", dir.display()));
            Some(((*n).to_string(), Some(text)))
        })
        .collect();
    let Some(got) = collect(&cases) else { return };
    let lo = |i: u32| (i == 1).then(|| "lo".to_string());
    let mut diffs = Vec::new();
    for (name, json, raw) in &got {
        let by_json = nftjson::parse(json, "nft -j").unwrap_or_else(|e| panic!("{name}: {e}"));
        let by_netlink = netlink::parse_raw(raw, &lo).unwrap_or_else(|e| panic!("{name}: {e}"));
        diffs.extend(differ(
            name,
            "chains",
            &chains(&by_netlink),
            &chains(&by_json),
        ));
        diffs.extend(differ(
            name,
            "rule texts",
            &strip_src(texts(&by_netlink)),
            &strip_src(texts(&by_json)),
        ));
        diffs.extend(differ(
            name,
            "verdicts",
            &grid(&by_netlink),
            &grid(&by_json),
        ));
        diffs.extend(differ(
            name,
            "open ports",
            &summary(&by_netlink),
            &summary(&by_json),
        ));
    }
    assert!(
        diffs.is_empty(),
        "{} of {} examples:\n{}",
        diffs.len(),
        got.len(),
        diffs.join("\n")
    );
}

/// A real dump cut short, and with bytes overwritten (a fixed pseudo-random sequence): the
/// reader returns an error or a ruleset that can be evaluated, and never panics.
fn mangled_dumps_never_panic(name: &str, raw: &[u8]) {
    let lo = |i: u32| (i == 1).then(|| "lo".to_string());
    let probe = |bytes: &[u8]| {
        if let Ok(rs) = netlink::parse_raw(bytes, &lo) {
            let _ = summary(&rs);
        }
    };
    let step = (raw.len() / 150).max(1);
    for cut in (0..raw.len()).step_by(step) {
        probe(&raw[..cut]);
    }
    // xorshift64: the same 300 corruptions of each dump on every run.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ raw.len() as u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..300 {
        let mut bytes = raw.to_vec();
        if bytes.is_empty() {
            break;
        }
        for _ in 0..1 + next() % 4 {
            let at = (next() % bytes.len() as u64) as usize;
            // Byte values that matter most: lengths and types of 0, 1, small and huge.
            bytes[at] = [0, 1, 4, 0xff, (next() & 0xff) as u8][(next() % 5) as usize];
        }
        probe(&bytes);
    }
    eprintln!(
        "{name}: {} bytes, cut and corrupted without a panic",
        raw.len()
    );
}
