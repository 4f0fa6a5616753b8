//! Evaluation semantics on small hand-written rulesets (expected verdicts from iptables(8) and
//! nft(8): `-g` does not come back, `RETURN` falls back to the caller or the policy, the first
//! matching verdict-map entry wins), and how the loader combines sources.

use nixsec_firewall::{iptables, load, nftjson, IpVer, Packet, Ruleset, Tri, L4};
use nixsec_testutil::RootBuilder;

fn save(text: &str) -> Ruleset {
    iptables::parse_save(text, "rules.v4", Some(IpVer::V4)).unwrap_or_else(|e| panic!("{e}"))
}

fn tcp(rs: &Ruleset, port: u16) -> Tri {
    rs.decide(&Packet::new(IpVer::V4, L4::Tcp, port)).accepted
}

const CHAINS: &str = "*filter
:INPUT DROP [0:0]
:a - [0:0]
:b - [0:0]
-A INPUT -p tcp -m tcp --dport 8000:8999 -j ACCEPT
-A INPUT -p tcp VIA a
-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT
-A a -p tcp -m tcp --dport 22 -j RETURN
-A a -p tcp -m tcp --dport 443 -j b
-A a -p udp -j ACCEPT
-A b -j ACCEPT
COMMIT
";

#[test]
fn jump_comes_back_goto_does_not() {
    let jump = save(&CHAINS.replace("VIA", "-j"));
    let goto = save(&CHAINS.replace("VIA", "-g"));
    // 443: a → b → ACCEPT either way.
    assert_eq!(tcp(&jump, 443), Tri::Yes);
    assert_eq!(tcp(&goto, 443), Tri::Yes);
    // 80: after `-j a` returns, INPUT goes on to its own accept; after `-g a` the end of `a`
    // returns past INPUT to its policy.
    assert_eq!(tcp(&jump, 80), Tri::Yes);
    assert_eq!(tcp(&goto, 80), Tri::No);
    // 22: RETURN from `a`: the same.
    assert_eq!(tcp(&jump, 22), Tri::No);
    assert_eq!(tcp(&goto, 22), Tri::No);
    // Ranges.
    assert_eq!(tcp(&jump, 8500), Tri::Yes);
    let d = jump.decide(&Packet::new(IpVer::V4, L4::Tcp, 8500));
    assert_eq!(
        d.admitted_by(&jump),
        "`-A INPUT -p tcp -m tcp --dport 8000:8999 -j ACCEPT` (rules.v4:5)"
    );
    let open: Vec<String> = jump
        .open_ports(None)
        .iter()
        .filter(|o| o.ver == IpVer::V4)
        .map(|o| o.label())
        .collect();
    assert_eq!(open, ["tcp/80", "tcp/443", "tcp/8000-8999"]);
}

#[test]
fn negations_interfaces_and_sources() {
    let rs = save(
        "*filter
:INPUT DROP [0:0]
-A INPUT -s 10.0.0.0/8 -j ACCEPT
-A INPUT ! -i eth0 -p tcp -m tcp --dport 25 -j ACCEPT
-A INPUT -i wg+ -p tcp -m multiport --dports 5432,6379 -j ACCEPT
-A INPUT -p tcp -m tcp ! --dport 1:1023 -j ACCEPT
COMMIT
",
    );
    // A source restriction admits nobody in particular.
    assert_eq!(tcp(&rs, 22), Tri::No);
    // `! -i eth0`: any other interface, including one no rule names.
    assert_eq!(tcp(&rs, 25), Tri::Yes);
    let mut p = Packet::new(IpVer::V4, L4::Tcp, 25);
    p.iif = Some("eth0".into());
    assert_eq!(rs.decide(&p).accepted, Tri::No);
    // `wg+` matches `wg0` only.
    let mut p = Packet::new(IpVer::V4, L4::Tcp, 6379);
    p.iif = Some("wg0".into());
    assert_eq!(rs.decide(&p).accepted, Tri::Yes);
    // `! --dport 1:1023`: every unprivileged port.
    assert_eq!(tcp(&rs, 1024), Tri::Yes);
    assert_eq!(tcp(&rs, 443), Tri::No);
}

#[test]
fn verdict_map_first_match_and_opaque_forks() {
    let rs = nftjson::parse(
        r#"{"nftables": [
 {"table": {"family": "inet", "name": "t", "handle": 1}},
 {"chain": {"family": "inet", "table": "t", "name": "in", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}},
 {"chain": {"family": "inet", "table": "t", "name": "allow", "handle": 2}},
 {"rule": {"family": "inet", "table": "t", "chain": "in", "handle": 3, "expr": [{"vmap": {"key": {"ct": {"key": "state"}}, "data": {"set": [["established", {"accept": null}], ["new", {"jump": {"target": "allow"}}]]}}}]}},
 {"rule": {"family": "inet", "table": "t", "chain": "allow", "handle": 4, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"set": [22, {"range": [60000, 60010]}]}}}, {"accept": null}]}},
 {"rule": {"family": "inet", "table": "t", "chain": "allow", "handle": 5, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "mark"}}, "right": 1}}, {"accept": null}]}}
]}"#,
        "t.json",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tcp(&rs, 22), Tri::Yes);
    assert_eq!(tcp(&rs, 60_005), Tri::Yes);
    // Other ports depend on the packet mark, which nixsec cannot see.
    let d = rs.decide(&Packet::new(IpVer::V4, L4::Tcp, 80));
    assert_eq!(d.accepted, Tri::Unknown);
    assert_eq!(d.unsure.len(), 1);
    assert_eq!(
        rs.describe(d.unsure[0]),
        "`inet t allow: meta mark 1 accept # handle 5` (t.json)"
    );
    assert!(rs.default_deny(IpVer::V6).is_some());
}

fn fixture(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn iptables_nft_tables_in_json_are_read_from_the_nixos_script() {
    let script = "/nix/store/00000000000000000000000000000000-firewall-start/bin/firewall-start";
    let b = RootBuilder::new()
        .file(
            "/etc/systemd/system/firewall.service",
            format!("[Service]\nExecStart=@{script} firewall-start\n"),
        )
        .file(script, fixture("nixos-firewall-start.sh"));
    let json = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/nixos-fw-iptables.nft.nft.json");
    let loaded = load(&b.root(), Some(&json));
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.notes.len(), 2, "{:?}", loaded.notes);
    let rs = &loaded.ruleset;
    for v in [IpVer::V4, IpVer::V6] {
        assert_eq!(rs.decide(&Packet::new(v, L4::Tcp, 22)).accepted, Tri::Yes);
        assert_eq!(
            rs.decide(&Packet::new(v, L4::Tcp, 5432)).accepted,
            Tri::No,
            "{v:?}"
        );
    }
    // Without the script, the JSON alone leaves the conntrack rule opaque.
    let alone = load(&RootBuilder::new().root(), Some(&json));
    assert_eq!(
        alone
            .ruleset
            .decide(&Packet::new(IpVer::V4, L4::Tcp, 5432))
            .accepted,
        Tri::Unknown
    );
}

#[test]
fn saved_iptables_files_of_both_versions_are_read() {
    let b = RootBuilder::new()
        .file(
            "/etc/iptables/rules.v4",
            fixture("default-deny-iptables.legacy.iptables-save.txt"),
        )
        .file(
            "/etc/iptables/rules.v6",
            fixture("default-deny-iptables.legacy.ip6tables-save.txt"),
        );
    let loaded = load(&b.root(), None);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(
        loaded.source_list(),
        "`/etc/iptables/rules.v4`, `/etc/iptables/rules.v6`"
    );
    for v in [IpVer::V4, IpVer::V6] {
        assert!(loaded.ruleset.default_deny(v).is_some());
    }
}

#[test]
fn docker_published_port_bypasses_input() {
    let f = "docker-published.iptables-save.txt";
    let rs = iptables::parse_save(&fixture(f), f, None).unwrap_or_else(|e| panic!("{e}"));
    let p = Packet::new(IpVer::V4, L4::Tcp, 8080);
    assert_eq!(rs.decide(&p).accepted, Tri::No, "INPUT drops 8080");
    let (r, certain) = rs.dnat_rule(&p).expect("8080 is DNATed");
    assert!(certain);
    assert_eq!(
        rs.describe(r),
        format!("`-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80` ({f}:27)")
    );
    assert_eq!(rs.dnat_rule(&Packet::new(IpVer::V4, L4::Tcp, 22)), None);
    // From the bridge itself the DOCKER chain returns first.
    let mut from_bridge = p.clone();
    from_bridge.iif = Some("docker0".into());
    assert_eq!(rs.dnat_rule(&from_bridge), None);
    // nft's JSON of the same hides `-m addrtype`: published, but not for certain.
    let json = "docker-published.nft.json";
    let rs = nftjson::parse(&fixture(json), json).unwrap_or_else(|e| panic!("{e}"));
    let (r, certain) = rs.dnat_rule(&p).expect("8080 is DNATed");
    assert!(!certain);
    assert!(rs.describe(r).contains("xt DNAT"), "{}", rs.describe(r));
}

#[test]
fn published_ports_are_open_ports_and_unseen_legacy_tables_are_noted() {
    let b = RootBuilder::new()
        .file(
            "/etc/iptables/rules.v4",
            fixture("docker-published.iptables-save.txt"),
        )
        .file("/proc/net/ip6_tables_names", "filter\nmangle\n");
    let loaded = load(&b.root(), None);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let open: Vec<String> = loaded
        .ruleset
        .open_ports(None)
        .iter()
        .filter(|o| o.ver == IpVer::V4)
        .map(|o| format!("{} {}", o.label(), o.admitted_by))
        .collect();
    assert_eq!(
        open,
        [
            "tcp/22 `-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT` (/etc/iptables/rules.v4:9)",
            "tcp/8080 `-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80` (/etc/iptables/rules.v4:27) (destination NAT in prerouting)",
        ]
    );
    assert_eq!(
        loaded.notes,
        ["legacy ip6tables tables are loaded (`/proc/net/ip6_tables_names`: filter, mangle) but no saved rules describe them, so their rules are not seen"]
    );
}
