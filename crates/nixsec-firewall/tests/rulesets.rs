//! Verdicts on every fixture ruleset (real `nft`/`iptables` output, see tests/fixtures/README.md),
//! against the expectations the fixtures document: which hosts deny inbound by default,
//! which ports are accepted and by which rule, in both iptables backends.

use nixsec_firewall::model::RuleRef;
use nixsec_firewall::{iptables, nftjson, nfttext, nixos, IpVer, Packet, Ruleset, Tri, L4};

fn fixture(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn nft(name: &str) -> Ruleset {
    nftjson::parse(&fixture(name), name).unwrap_or_else(|e| panic!("{e}"))
}

fn save(name: &str) -> Ruleset {
    iptables::parse_save(&fixture(name), name, None).unwrap_or_else(|e| panic!("{e}"))
}

fn tcp(rs: &Ruleset, ver: IpVer, port: u16) -> Tri {
    rs.decide(&Packet::new(ver, L4::Tcp, port)).accepted
}

fn udp(rs: &Ruleset, ver: IpVer, port: u16) -> Tri {
    rs.decide(&Packet::new(ver, L4::Udp, port)).accepted
}

fn admitted(rs: &Ruleset, ver: IpVer, l4: L4, port: u16) -> String {
    rs.decide(&Packet::new(ver, l4, port)).admitted_by(rs)
}

fn dropped(rs: &Ruleset, ver: IpVer, l4: L4, port: u16) -> String {
    rs.decide(&Packet::new(ver, l4, port))
        .dropped_by(rs)
        .unwrap_or_default()
}

/// Open hosts: everything is accepted, nothing denies by default.
fn assert_open(rs: &Ruleset, vers: &[IpVer]) {
    for &v in vers {
        assert_eq!(rs.default_deny(v), None, "{v:?}");
        for port in [22, 80, 5432, 40_000] {
            assert_eq!(tcp(rs, v, port), Tri::Yes, "{v:?} tcp {port}");
            assert_eq!(udp(rs, v, port), Tri::Yes, "{v:?} udp {port}");
        }
    }
}

#[test]
fn empty_ruleset_is_an_open_host() {
    let rs = nft("empty-ruleset.json");
    assert_open(&rs, &[IpVer::V4, IpVer::V6]);
    assert_eq!(
        admitted(&rs, IpVer::V4, L4::Tcp, 22),
        "no input-hook chain filters it"
    );
}

#[test]
fn open_host_legacy_save_is_open() {
    let v4 = save("open-host.legacy.iptables-save.txt");
    let v6 = save("open-host.legacy.ip6tables-save.txt");
    assert_open(&v4, &[IpVer::V4]);
    assert_open(&v6, &[IpVer::V6]);
    assert_eq!(
        admitted(&v4, IpVer::V4, L4::Tcp, 5432),
        "policy accept of `ip filter INPUT`"
    );
    assert_eq!(
        admitted(&v6, IpVer::V6, L4::Tcp, 5432),
        "policy accept of `ip6 filter INPUT`"
    );
}

#[test]
fn open_host_nft_backend_save_is_empty_and_open() {
    // iptables-nft-save prints nothing at all when no tables exist.
    let rs = save("open-host.nft.iptables-save.txt");
    assert!(rs.chains.is_empty());
    assert_open(&rs, &[IpVer::V4]);
}

#[test]
fn debian_default_nftables_conf_is_open() {
    let rs = nft("debian-default-open.json");
    assert_open(&rs, &[IpVer::V4, IpVer::V6]);
    assert_eq!(
        admitted(&rs, IpVer::V6, L4::Udp, 53),
        "policy accept of `inet filter input`"
    );
}

#[test]
fn default_deny_nft_allows_ssh_only() {
    let rs = nft("default-deny.json");
    for v in [IpVer::V4, IpVer::V6] {
        assert_eq!(
            rs.default_deny(v).as_deref(),
            Some("policy drop of `inet filter input`")
        );
        assert_eq!(tcp(&rs, v, 22), Tri::Yes);
        assert_eq!(
            admitted(&rs, v, L4::Tcp, 22),
            "`inet filter input: tcp dport 22 ct state new accept # handle 9` (default-deny.json)"
        );
        for port in [80, 5432, 40_000] {
            assert_eq!(tcp(&rs, v, port), Tri::No, "tcp {port}");
            assert_eq!(
                dropped(&rs, v, L4::Tcp, port),
                "`inet filter input: reject # handle 10` (default-deny.json)"
            );
        }
        assert_eq!(udp(&rs, v, 22), Tri::No);
        assert_eq!(udp(&rs, v, 53), Tri::No);
    }
}

#[test]
fn two_input_chains_must_both_accept() {
    // `ip filter INPUT` (prio 0) accepts 22 and 0-65535, `inet lowprio input` (prio 10) has
    // policy drop: the packet must pass both, so the host is default-deny.
    let rs = nft("input-accept-explicit.json");
    for v in [IpVer::V4, IpVer::V6] {
        assert_eq!(
            rs.default_deny(v).as_deref(),
            Some("policy drop of `inet lowprio input`")
        );
        for port in [22, 80] {
            assert_eq!(tcp(&rs, v, port), Tri::No);
            assert_eq!(
                dropped(&rs, v, L4::Tcp, port),
                "policy drop of `inet lowprio input`"
            );
        }
    }
    let d = rs.decide(&Packet::new(IpVer::V4, L4::Tcp, 22));
    assert_eq!(d.chains.len(), 2, "both base chains, in priority order");
    assert_eq!(d.chains[0].accept, Tri::Yes);
    assert_eq!(d.chains[1].accept, Tri::No);
    assert!(rs.open_ports(None).is_empty());
}

#[test]
fn nixos_nftables_firewall() {
    let rs = nft("nixos-fw-nftables.json");
    for v in [IpVer::V4, IpVer::V6] {
        assert_eq!(
            rs.default_deny(v).as_deref(),
            Some("policy drop of `inet nixos-fw input`")
        );
        assert_eq!(tcp(&rs, v, 22), Tri::Yes);
        assert_eq!(
            admitted(&rs, v, L4::Tcp, 22),
            "`inet nixos-fw input-allow: tcp dport 22 accept # handle 14` (nixos-fw-nftables.json)"
        );
        for port in [80, 5432, 40_000] {
            assert_eq!(tcp(&rs, v, port), Tri::No, "tcp {port}");
            assert_eq!(
                dropped(&rs, v, L4::Tcp, port),
                "policy drop of `inet nixos-fw input`"
            );
        }
        assert_eq!(
            udp(&rs, v, 68),
            Tri::No,
            "DHCP is allowed by rpfilter, not input"
        );
        assert_eq!(udp(&rs, v, 546), Tri::No, "DHCPv6 only to fe80::/64");
    }
    // The DHCPv6 client rule admits packets to a link-local address.
    let mut p = Packet::new(IpVer::V6, L4::Udp, 546);
    p.daddr = "fe80::1".parse().ok();
    assert_eq!(rs.decide(&p).accepted, Tri::Yes);
    let open: Vec<String> = rs.open_ports(None).iter().map(|o| o.label()).collect();
    assert_eq!(open, ["tcp/22", "tcp/22"], "IPv4 and IPv6");
}

/// The NixOS iptables firewall, as either backend's `*tables-save` shows it.
fn assert_nixos_iptables(rs: &Ruleset, v: IpVer, file: &str) {
    let deny = rs.default_deny(v).unwrap_or_default();
    assert!(deny.starts_with("`-A INPUT -j nixos-fw`"), "{deny}");
    let (accept_line, drop_line) = if v == IpVer::V4 { (30, 37) } else { (28, 38) };
    assert!(
        deny.ends_with(&format!(
            "`-A nixos-fw-refuse -j DROP` ({file}:{drop_line})"
        )),
        "{deny}"
    );
    assert_eq!(tcp(rs, v, 22), Tri::Yes);
    let line = accept_line;
    assert_eq!(
        admitted(rs, v, L4::Tcp, 22),
        format!("`-A nixos-fw -p tcp -m tcp --dport 22 -j nixos-fw-accept` ({file}:{line})")
    );
    for port in [80, 5432, 40_000] {
        assert_eq!(tcp(rs, v, port), Tri::No, "tcp {port}");
        assert_eq!(udp(rs, v, port), Tri::No, "udp {port}");
        assert!(
            dropped(rs, v, L4::Tcp, port).starts_with("`-A nixos-fw-refuse -j DROP`"),
            "{}",
            dropped(rs, v, L4::Tcp, port)
        );
    }
    // DHCP from nspawn containers' veth interfaces.
    assert_eq!(udp(rs, v, 67), Tri::No);
    let mut p = Packet::new(v, L4::Udp, 67);
    p.iif = Some("ve-web".into());
    assert_eq!(rs.decide(&p).accepted, Tri::Yes);
    // (A file of one IP version says nothing about the other.)
    let open: Vec<String> = rs
        .open_ports(None)
        .iter()
        .filter(|o| o.ver == v)
        .map(|o| o.label())
        .collect();
    assert_eq!(open, ["tcp/22"]);
}

#[test]
fn nixos_iptables_legacy_v4() {
    let f = "nixos-fw-iptables.legacy.iptables-save.txt";
    assert_nixos_iptables(&save(f), IpVer::V4, f);
}

#[test]
fn nixos_iptables_legacy_v6() {
    let f = "nixos-fw-iptables.legacy.ip6tables-save.txt";
    let rs = save(f);
    assert!(
        rs.default_deny(IpVer::V4).is_none(),
        "an ip6tables file says nothing on IPv4"
    );
    assert_nixos_iptables(&rs, IpVer::V6, f);
}

#[test]
fn nixos_iptables_nft_backend_v4() {
    let f = "nixos-fw-iptables.nft.iptables-save.txt";
    let rs = save(f);
    assert!(matches!(
        rs.sources[0].kind,
        nixsec_firewall::SourceKind::IptablesSave {
            ver: IpVer::V4,
            nft_backend: true
        }
    ));
    assert_nixos_iptables(&rs, IpVer::V4, f);
}

#[test]
fn nixos_iptables_nft_backend_v6() {
    let f = "nixos-fw-iptables.nft.ip6tables-save.txt";
    assert_nixos_iptables(&save(f), IpVer::V6, f);
}

#[test]
fn nixos_iptables_nft_backend_as_nft_json_has_opaque_rules() {
    // `nft -j` shows iptables-nft's rules with `xt` expressions whose arguments are gone:
    // the conntrack rule may accept anything, so only ports accepted regardless are `Yes`.
    let rs = nft("nixos-fw-iptables.nft.nft.json");
    for v in [IpVer::V4, IpVer::V6] {
        assert!(rs.default_deny(v).is_some(), "{v:?}");
        assert_eq!(tcp(&rs, v, 22), Tri::Yes);
        let d = rs.decide(&Packet::new(v, L4::Tcp, 5432));
        assert_eq!(d.accepted, Tri::Unknown);
        let unsure: Vec<String> = d.unsure.iter().map(|r: &RuleRef| rs.describe(*r)).collect();
        assert!(
            unsure.iter().any(|u| u.contains("xt conntrack")),
            "{unsure:?}"
        );
    }
}

#[test]
fn nixos_iptables_legacy_backend_leaves_nft_empty() {
    let rs = nft("nixos-fw-iptables.legacy.nft.json");
    assert!(rs.chains.is_empty());
}

#[test]
fn hand_made_default_deny_iptables_both_backends() {
    for f in [
        "default-deny-iptables.legacy.iptables-save.txt",
        "default-deny-iptables.nft.iptables-save.txt",
        "default-deny-iptables.legacy.ip6tables-save.txt",
        "default-deny-iptables.nft.ip6tables-save.txt",
    ] {
        let rs = save(f);
        let v = if f.contains("ip6tables") {
            IpVer::V6
        } else {
            IpVer::V4
        };
        assert_eq!(
            rs.default_deny(v).as_deref(),
            Some(if v == IpVer::V4 {
                "policy drop of `ip filter INPUT`"
            } else {
                "policy drop of `ip6 filter INPUT`"
            }),
            "{f}"
        );
        assert_eq!(tcp(&rs, v, 22), Tri::Yes, "{f}");
        assert_eq!(
            admitted(&rs, v, L4::Tcp, 22),
            format!(
                "`-A INPUT -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT` ({f}:9)"
            )
        );
        for port in [80, 5432] {
            assert_eq!(tcp(&rs, v, port), Tri::No, "{f} {port}");
            assert_eq!(udp(&rs, v, port), Tri::No, "{f} {port}");
        }
    }
}

/// Conditions and verdicts of every chain, without texts and lines.
fn shape(rs: &Ruleset) -> Vec<String> {
    let mut out: Vec<String> = rs
        .chains
        .iter()
        .map(|c| {
            let rules: Vec<String> = c
                .rules
                .iter()
                .map(|r| format!("{:?} => {:?}", r.conds, r.action))
                .collect();
            format!("{} {:?}: {}", c.label(), c.hook, rules.join(" | "))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn nixos_firewall_start_script_replays_to_the_saved_rules() {
    let run = nixos::replay_script(&fixture("nixos-firewall-start.sh"), "firewall-start")
        .unwrap_or_else(|e| panic!("{e}"));
    // The flush loop uses `$chain`: it cannot be replayed and changes nothing on a fresh boot.
    assert_eq!(run.skipped.len(), 4, "{:?}", run.skipped);
    let mut saved = save("nixos-fw-iptables.legacy.iptables-save.txt");
    saved.merge(save("nixos-fw-iptables.legacy.ip6tables-save.txt"));
    assert_eq!(shape(&run.ruleset), shape(&saved));
    for v in [IpVer::V4, IpVer::V6] {
        assert!(run.ruleset.default_deny(v).is_some());
        assert_eq!(tcp(&run.ruleset, v, 22), Tri::Yes);
        assert_eq!(tcp(&run.ruleset, v, 80), Tri::No);
    }
}

#[test]
fn malformed_inputs_are_errors_naming_the_file() {
    for (text, want) in [
        ("{\"nftables\": [", "not valid JSON"),
        ("[1, 2]", "no `nftables` array"),
        ("{\"nftables\": [{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"c\", \"expr\": []}}]}", "unknown chain"),
        ("{\"nftables\": [{\"chain\": {\"family\": \"inet\"}}]}", "chain without"),
    ] {
        let e = nftjson::parse(text, "x.json").expect_err(text);
        assert!(e.to_string().starts_with("`x.json`"), "{e}");
        assert!(e.msg.contains(want), "{e}");
    }
    for (text, want) in [
        ("-A INPUT -j ACCEPT\n", "before any `*table`"),
        (
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport\nCOMMIT\n",
            "without a value",
        ),
        (
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport http-alt -j ACCEPT\nCOMMIT\n",
            "not a port",
        ),
        (
            "*filter\n:INPUT DROP [0:0]\n-A NOPE -j ACCEPT\nCOMMIT\n",
            "does not declare",
        ),
        (
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -j ACCEPT\n",
            "no `COMMIT`",
        ),
        ("*filter\ngarbage\nCOMMIT\n", "unexpected line"),
    ] {
        let e = iptables::parse_save(text, "rules.v4", None).expect_err(text);
        assert!(e.to_string().starts_with("`rules.v4`"), "{e}");
        assert!(e.msg.contains(want), "{text}: {e}");
    }
}

/// Decisions on a grid of packets (both versions and protocols, the ports the fixtures use,
/// a few interfaces and a link-local destination), for comparing two readings of one ruleset.
type Case = (IpVer, L4, u16, Option<&'static str>, bool, Tri);

fn decisions(rs: &Ruleset) -> Vec<Case> {
    let mut out = Vec::new();
    for ver in [IpVer::V4, IpVer::V6] {
        for l4 in [L4::Tcp, L4::Udp] {
            for port in [22, 53, 67, 68, 80, 546, 5432, 40_000, 65_535] {
                for iif in [None, Some("lo"), Some("eth0"), Some("ve-x")] {
                    for ll in [false, true] {
                        let mut p = Packet::new(ver, l4, port);
                        p.iif = iif.map(str::to_string);
                        if ll && ver == IpVer::V6 {
                            p.daddr = "fe80::1".parse().ok();
                        }
                        out.push((ver, l4, port, iif, ll, rs.decide(&p).accepted));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn nft_files_read_like_their_json() {
    // The `.nft` inputs were loaded with real `nft -f` and listed with `nft -j`: reading the
    // file must decide every packet as reading nft's own JSON does.
    for base in [
        "debian-default-open",
        "default-deny",
        "input-accept-explicit",
        "nixos-fw-nftables",
    ] {
        let f = format!("{base}.nft");
        let text = nfttext::parse(&fixture(&f), &f).unwrap_or_else(|e| panic!("{e}"));
        let json = nft(&format!("{base}.json"));
        assert_eq!(decisions(&text), decisions(&json), "{base}");
        for v in [IpVer::V4, IpVer::V6] {
            assert_eq!(
                text.default_deny(v).is_some(),
                json.default_deny(v).is_some(),
                "{base} {v:?}"
            );
        }
        let labels = |rs: &Ruleset| -> Vec<String> {
            rs.open_ports(None)
                .iter()
                .map(|o| format!("{:?} {}", o.ver, o.label()))
                .collect()
        };
        assert_eq!(labels(&text), labels(&json), "{base}");
    }
}

#[test]
fn nft_text_errors_name_the_line() {
    for (text, want) in [
        (
            "table inet t {\n  chain c {\n    tcp dport 22 accept\n",
            "unterminated",
        ),
        (
            "table inet t {\n  chain c {\n    policy drop;\n  }\n}\n",
            "`policy` in a chain without a hook",
        ),
        ("include \"/etc/other.nft\"\n", "`include` is not followed"),
        (
            "table inet t { chain c { comment \"x }\n",
            "unterminated string",
        ),
    ] {
        let e = nfttext::parse(text, "nftables.conf").expect_err(text);
        assert!(e.to_string().starts_with("`nftables.conf` line "), "{e}");
        assert!(e.msg.contains(want), "{text}: {e}");
    }
}

#[test]
fn truncated_and_mangled_inputs_never_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| !n.ends_with(".md"))
        .collect();
    names.sort();
    let probe = |rs: &Ruleset| {
        for v in [IpVer::V4, IpVer::V6] {
            let _ = rs.default_deny(v);
            let _ = rs.decide(&Packet::new(v, L4::Tcp, 22));
        }
        let _ = rs.open_ports(Some("eth0"));
    };
    for name in names {
        let text = fixture(&name);
        let mut cuts: Vec<usize> = (0..text.len()).step_by(29).collect();
        cuts.push(text.len());
        for cut in cuts {
            let Some(prefix) = text.get(..cut) else {
                continue;
            };
            // Also with a byte of garbage spliced in where the cut is.
            for t in [
                prefix.to_string(),
                format!("{prefix}}}{{\"!-A\n{}", &text[cut..]),
            ] {
                if let Ok(rs) = nftjson::parse(&t, &name) {
                    probe(&rs);
                }
                if let Ok(rs) = nfttext::parse(&t, &name) {
                    probe(&rs);
                }
                if let Ok(rs) = iptables::parse_save(&t, &name, None) {
                    probe(&rs);
                }
                if let Ok(run) = nixos::replay_script(&t, &name) {
                    probe(&run.ruleset);
                }
            }
        }
    }
}
