//! The NixOS `firewall-start` script replayed by nixsec against the real thing: the script is
//! run by bash with the real `iptables`/`ip6tables` of each backend inside a fresh network
//! namespace (`unshare -n`), and what `*tables-save` then prints must be, chain for chain and
//! rule for rule, what nixsec's replay produced. Skipped with a message where the tools,
//! namespaces or a backend are missing; fails instead when `CI` is set.

use std::path::Path;
use std::process::Command;

use nixsec_firewall::{iptables, nixos, Ruleset};

mod common;

/// Conditions and verdicts of every chain, without texts and lines (as in `rulesets.rs`).
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
fn replay_matches_real_iptables_in_both_backends() {
    let tools = [
        "unshare",
        "bash",
        "iptables-legacy",
        "iptables-nft",
        "ip6tables-legacy",
        "ip6tables-nft",
        "iptables-legacy-save",
        "iptables-nft-save",
        "ip6tables-legacy-save",
        "ip6tables-nft-save",
    ];
    if !common::require(&tools) || !common::netns() {
        return;
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let script_text =
        std::fs::read_to_string(fixtures.join("nixos-firewall-start.sh")).expect("script");
    let replay = nixos::replay_script(&script_text, "firewall-start").expect("replays");
    let t = tempfile::tempdir().expect("tempdir");
    for backend in ["legacy", "nft"] {
        // `iptables`/`ip6tables` of this backend first on PATH.
        let bin = t.path().join(backend);
        std::fs::create_dir_all(&bin).expect("mkdir");
        for (name, real) in [
            ("iptables", format!("iptables-{backend}")),
            ("ip6tables", format!("ip6tables-{backend}")),
        ] {
            let target = common::find(&real).expect("checked above");
            std::os::unix::fs::symlink(&target, bin.join(name)).expect("symlink");
        }
        let run = format!(
            "set -e; PATH={}:$PATH bash -e {} >&2; iptables-{backend}-save; echo '#SPLIT'; ip6tables-{backend}-save",
            bin.display(),
            fixtures.join("nixos-firewall-start.sh").display()
        );
        let out = Command::new("unshare")
            .args(["-n", "bash", "-c", &run])
            .output()
            .expect("unshare");
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            if stderr.contains("Could not fetch rule set generation id")
                || stderr.contains("can't initialize")
                || stderr.contains("Table does not exist")
            {
                common::skip(&format!("the kernel lacks the {backend} backend: {stderr}"));
                continue;
            }
            panic!("{backend}: the script failed: {stderr}");
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let (v4, v6) = stdout.split_once("#SPLIT").expect("two saves");
        let mut saved = iptables::parse_save(v4, "v4", None).expect("v4 save parses");
        saved.merge(iptables::parse_save(v6, "v6", None).expect("v6 save parses"));
        assert_eq!(shape(&replay.ruleset), shape(&saved), "{backend}");
    }
}
