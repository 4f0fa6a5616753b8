//! The nft-syntax reader against real nftables: each ruleset below is loaded with `nft -f` in a
//! fresh network namespace and listed with `nft -j list ruleset`; reading the file must decide
//! every packet of a grid as reading nft's own JSON does; so must the example rulesets Debian's
//! `nftables` package ships. Skipped with a message where `nft`
//! or namespaces are missing; fails instead when `CI` is set.

use std::process::Command;

use nixsec_firewall::{nftjson, nfttext, IpVer, Packet, Ruleset, Tri, L4};

mod common;

const RULESETS: &[&str] = &[
    // Named sets with elements and intervals, negations, interface wildcards.
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
    // Two tables on the input hook, jumps, gotos and returns, a verdict map on ports.
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
    // NixOS's nftables firewall with per-interface ports and trusted interfaces.
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
];

fn grid(rs: &Ruleset) -> Vec<(IpVer, L4, u16, Option<&'static str>, Tri)> {
    let mut out = Vec::new();
    for ver in [IpVer::V4, IpVer::V6] {
        for l4 in [L4::Tcp, L4::Udp] {
            for port in [
                22, 23, 53, 80, 123, 443, 1500, 5432, 8050, 8080, 9000, 60_500, 65_000,
            ] {
                for iif in [None, Some("eth0"), Some("eth1"), Some("wg0")] {
                    let mut p = Packet::new(ver, l4, port);
                    p.iif = iif.map(str::to_string);
                    out.push((ver, l4, port, iif, rs.decide(&p).accepted));
                }
            }
        }
    }
    out
}

#[test]
fn nft_text_reads_like_real_nft_json() {
    if !common::require(&["nft", "unshare"]) || !common::netns() {
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    for (i, text) in RULESETS.iter().enumerate() {
        let f = t.path().join(format!("r{i}.nft"));
        std::fs::write(&f, text).expect("write");
        let out = Command::new("unshare")
            .args([
                "-n",
                "sh",
                "-c",
                "nft -f \"$1\" && nft -j list ruleset",
                "sh",
            ])
            .arg(&f)
            .output()
            .expect("unshare");
        assert!(
            out.status.success(),
            "nft rejected ruleset {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json = nftjson::parse(&String::from_utf8_lossy(&out.stdout), "nft -j")
            .unwrap_or_else(|e| panic!("{e}"));
        let ours = nfttext::parse(text, "file").unwrap_or_else(|e| panic!("ruleset {i}: {e}"));
        assert_eq!(grid(&ours), grid(&json), "ruleset {i}");
        assert!(
            grid(&ours).iter().any(|c| c.4 == Tri::Yes),
            "ruleset {i} accepts something"
        );
        assert!(
            grid(&ours).iter().any(|c| c.4 == Tri::No),
            "ruleset {i} drops something"
        );
    }
}

/// Verdicts worked out by hand from nft(8) for the rulesets above (the comparison with nft's
/// JSON checks the reader; these check the evaluation).
#[test]
fn hand_checked_verdicts() {
    let rs: Vec<Ruleset> = RULESETS
        .iter()
        .map(|t| nfttext::parse(t, "file").unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let d = |rs: &Ruleset, ver, l4, port, iif: Option<&str>| {
        let mut p = Packet::new(ver, l4, port);
        p.iif = iif.map(str::to_string);
        rs.decide(&p).accepted
    };
    use IpVer::{V4, V6};
    use Tri::{No, Yes};
    use L4::{Tcp, Udp};
    // 0: `iifname != "eth*"`, source-restricted ssh, a port set with a range, `!=` sets.
    assert_eq!(d(&rs[0], V4, Tcp, 5432, None), Yes);
    assert_eq!(d(&rs[0], V4, Tcp, 5432, Some("eth0")), No);
    assert_eq!(d(&rs[0], V4, Tcp, 22, None), No);
    assert_eq!(d(&rs[0], V6, Tcp, 8050, None), Yes);
    assert_eq!(d(&rs[0], V4, Udp, 53, None), Yes);
    assert_eq!(d(&rs[0], V4, Udp, 80, None), No);
    // 1: the `ip early` table drops 23 for IPv4 only; `goto web` does not come back, so 1500
    // ends in the policy; `jump web` accepts 80 by the verdict map; 9000 only for IPv6.
    assert_eq!(d(&rs[1], V4, Tcp, 23, None), No);
    assert_eq!(d(&rs[1], V6, Tcp, 23, None), Yes);
    assert_eq!(d(&rs[1], V4, Tcp, 1500, None), No);
    assert_eq!(d(&rs[1], V4, Tcp, 80, None), Yes);
    assert_eq!(d(&rs[1], V4, Tcp, 8080, None), No);
    assert_eq!(d(&rs[1], V6, Tcp, 9000, None), Yes);
    assert_eq!(d(&rs[1], V4, Tcp, 9000, None), No);
    // 2: trusted wg0, ports on eth1 only.
    assert_eq!(d(&rs[2], V4, Tcp, 5432, Some("eth1")), Yes);
    assert_eq!(d(&rs[2], V4, Tcp, 5432, None), No);
    assert_eq!(d(&rs[2], V6, Udp, 60_500, Some("eth1")), Yes);
    assert_eq!(d(&rs[2], V4, Udp, 12_345, Some("wg0")), Yes);
    assert_eq!(d(&rs[2], V4, Tcp, 443, None), Yes);
}

/// The example rulesets Debian's `nftables` package ships (written by nftables' authors, not
/// for nixsec) that load on their own in a fresh namespace.
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
fn nft_text_reads_debian_examples_like_nft_json() {
    let dir = std::path::Path::new("/usr/share/doc/nftables/examples");
    if !dir.is_dir() {
        // Documentation of the `nftables` package, left out of some minimal images.
        eprintln!("skipped: no `{}` (nftables' examples)", dir.display());
        return;
    }
    if !common::require(&["nft", "unshare"]) || !common::netns() {
        return;
    }
    let mut diffs = Vec::new();
    for name in DEBIAN_EXAMPLES {
        let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
            continue;
        };
        let out = Command::new("unshare")
            .args([
                "-n",
                "sh",
                "-c",
                "cd \"$1\" && nft -f \"$2\" && nft -j list ruleset",
                "sh",
            ])
            .arg(dir)
            .arg(name)
            .output()
            .expect("unshare");
        assert!(
            out.status.success(),
            "nft rejected {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json = nftjson::parse(&String::from_utf8_lossy(&out.stdout), "nft -j")
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut include = |p: &str| {
            let path = dir.join(p.trim_start_matches("./"));
            Ok(std::fs::read_to_string(&path)
                .ok()
                .map(|t| (path.display().to_string(), t)))
        };
        let ours = match nfttext::parse_with_includes(&text, name, &mut include) {
            Ok(rs) => rs,
            Err(e) => {
                diffs.push(format!("{name}: {e}"));
                continue;
            }
        };
        let (a, b) = (grid(&ours), grid(&json));
        let differ: Vec<String> = a
            .iter()
            .zip(&b)
            .filter(|(x, y)| x != y)
            .take(4)
            .map(|(x, y)| format!("  file: {x:?}\n  nft -j: {y:?}"))
            .collect();
        if !differ.is_empty() {
            diffs.push(format!("{name}:\n{}", differ.join("\n")));
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}
