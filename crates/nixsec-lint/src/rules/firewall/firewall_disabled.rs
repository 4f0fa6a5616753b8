//! NIX-070: the NixOS firewall switched off.

use crate::index::Assignment;
use crate::nftables::keeps_default_deny;
use crate::rules::{FileCx, Hit, LintRule};

struct FirewallDisabled;

crate::lint_rule!("NIX-070", FirewallDisabled);

impl LintRule for FirewallDisabled {
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[&["networking", "firewall", "enable"]]
    }
    fn also_reads(&self) -> &'static [&'static [&'static str]] {
        &[
            &["networking", "nftables", "ruleset"],
            &["networking", "nftables", "tables", "*", "content"],
            &["containers", "*", "privateNetwork"],
            &["containers", "*", "macvlans"],
            &["containers", "*", "interfaces"],
            &["containers", "*", "hostBridge"],
            &["containers", "*", "extraVeths"],
            &["containers", "*", "networkNamespace"],
        ]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        // The NixOS firewall off, and a default-deny input chain written beside it in the same
        // file (with nftables): the host is not left open.
        let own = cx
            .index
            .assignments
            .iter()
            .any(|b| b.condition == a.condition && keeps_default_deny(b));
        // A NixOS container without a network of its own (no private network, no macvlan,
        // interface, bridge, veth or namespace given to it) shares the host's: the host's
        // firewall filters what reaches it, the container's own is never in the way.
        let shared_network = cx
            .index
            .containers
            .iter()
            .find(|(_, m)| *m == a.module)
            .is_some_and(|(name, _)| {
                !cx.index.assignments.iter().any(|b| {
                    b.path.len() == 3
                        && b.path[0] == "containers"
                        && b.path[1] == *name
                        && self
                            .also_reads()
                            .iter()
                            .any(|p| p[0] == "containers" && p[2] == b.path[2])
                        && b.value.v.as_bool() != Some(false)
                })
            });
        if a.value.v.as_bool() == Some(false) && !own && !shared_network {
            out.push(Hit::new(a.value.range, "the firewall is disabled"));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hc, hits};
    use nixsec_core::Severity::High;

    const ID: &str = "NIX-070";

    #[test]
    fn every_spelling() {
        for (src, text, line) in [
            ("{ networking.firewall.enable = false; }", "false", 1),
            ("{ networking = { firewall = { enable = false; }; }; }", "false", 1),
            ("{ lib, ... }: { networking.firewall.enable = lib.mkForce false; }", "false", 1),
            ("{ lib, ... }: with lib; { networking.firewall.enable = mkDefault false; }", "false", 1),
            ("{ config, ... }: { options.x = 1; config.networking.firewall.enable = false; }", "false", 1),
            ("let fw = false; in { networking.firewall.enable = fw; }", "fw", 1),
            ("let fw = { enable = false; }; in { networking.firewall = fw; }", "false", 1),
            ("rec { off = false; networking.firewall.enable = off; }", "off", 1),
            ("let enable = false; in { networking.firewall = { inherit enable; }; }", "enable", 1),
            ("{ lib, ... }: { config = lib.mkMerge [ { networking.firewall.enable = false; } ]; }", "false", 1),
            ("{\n  networking.firewall.enable =\n    false;\n}", "false", 3),
        ] {
            assert_eq!(hits(src, ID), [h(text, line, High)], "{src}");
        }
    }

    #[test]
    fn a_container_on_the_host_network_is_behind_the_host_firewall() {
        assert!(hits(
            "{ containers.deluge = { autoStart = true; config = { config, ... }: { networking.firewall.enable = false; }; }; }",
            ID
        )
        .is_empty());
        // With a network of its own (or one this file cannot see), it counts.
        assert_eq!(
            hits(
                "{ containers.vpn = { privateNetwork = true; config = { networking.firewall.enable = false; }; }; }",
                ID
            )
            .len(),
            1
        );
        assert_eq!(
            hits(
                "{ cfg, ... }: { containers.gate = { inherit (cfg) macvlans; config = { networking.firewall.enable = false; }; }; }",
                ID
            )
            .len(),
            1
        );
        assert_eq!(
            hits(
                "{ cfg, ... }: { containers.vpn = { privateNetwork = cfg.isolated; config = { networking.firewall.enable = false; }; }; }",
                ID
            )
            .len(),
            1
        );
    }

    #[test]
    fn conditional() {
        let src = "{ lib, config, ... }: {\n  config = lib.mkIf config.lab { networking.firewall.enable = false; };\n}";
        assert_eq!(hits(src, ID), [hc("false", 2, High)]);
        // Each branch of an `if` is an assignment under its condition.
        let ite =
            "{ config, ... }: { networking.firewall.enable = if config.lab then false else true; }";
        assert_eq!(hits(ite, ID), [hc("false", 1, High)]);
        let ite = "{ config, ... }: { networking.firewall = if config.lab then { enable = false; } else { }; }";
        assert_eq!(hits(ite, ID), [hc("false", 1, High)]);
    }

    #[test]
    fn an_nftables_ruleset_that_accepts_by_default_does_not_count() {
        for src in [
            "{ networking.firewall.enable = false; networking.nftables.ruleset = \"table inet filter { chain input { type filter hook input priority 0; policy accept; } }\"; }",
            "{ networking.firewall.enable = false; networking.nftables.ruleset = \"table inet filter { chain fwd { type filter hook forward priority 0; policy drop; } }\"; }",
        ] {
            assert_eq!(hits(src, ID).len(), 1, "{src}");
        }
    }

    #[test]
    fn negatives() {
        for src in [
            "{ networking.firewall.enable = true; }",
            "{\n  # networking.firewall.enable = false;\n}",
            "{ /* networking.firewall.enable = false; */ }",
            "{ config, ... }: { networking.firewall.enable = config.x; }",
            "{ lib, ... }: with lib; { networking.firewall.enable = someFlag; }",
            "{ networking.firewall.allowedTCPPorts = [ 22 ]; }",
            // Not an option assignment: a string that mentions it.
            "{ environment.etc.x.text = \"networking.firewall.enable = false;\"; }",
            // Outside `config` in a module with `options`: NixOS would reject it; not indexed.
            "{ options.x = 1; networking.firewall.enable = false; }",
            // The firewall replaced by a default-deny nftables input chain in the same file.
            "{ networking.firewall.enable = false; networking.nftables.ruleset = ''\n  table inet filter {\n    chain input {\n      type filter hook input priority filter; policy drop;\n      iif lo accept\n    }\n  }\n''; }",
            "{ networking.firewall.enable = false; networking.nftables = { enable = true; tables.fw = { family = \"inet\"; content = \"chain in { type filter hook input priority 0; policy drop; }\"; }; }; }",
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }

    #[test]
    fn home_manager_and_darwin_modules_are_not_nixos() {
        let hm = "{ home.stateVersion = \"24.05\"; networking.firewall.enable = false; }";
        assert!(hits(hm, ID).is_empty());
        let darwin = "{ homebrew.enable = true; networking.firewall.enable = false; }";
        assert!(hits(darwin, ID).is_empty());
    }

    #[test]
    fn suppressed_with_a_reason_only() {
        let ok = "{\n  # nixsec: ignore NIX-070 -- isolated lab network\n  networking.firewall.enable = false;\n}";
        assert!(hits(ok, ID).is_empty());
        let f = crate::rules::testing::findings(ok, ID);
        assert_eq!(
            f[0].finding.ignored.as_ref().map(|i| i.reason.as_str()),
            Some("isolated lab network")
        );
        let trailing = "{ networking.firewall.enable = false; # nixsec: ignore NIX-070 -- lab\n}";
        assert!(hits(trailing, ID).is_empty());
        let no_reason = "{\n  # nixsec: ignore NIX-070\n  networking.firewall.enable = false;\n}";
        assert_eq!(hits(no_reason, ID), [h("false", 3, High)]);
        let other_id =
            "{\n  # nixsec: ignore NIX-071 -- x\n  networking.firewall.enable = false;\n}";
        assert_eq!(hits(other_id, ID), [h("false", 3, High)]);
        let two_above =
            "{\n  # nixsec: ignore NIX-070 -- x\n\n  networking.firewall.enable = false;\n}";
        assert_eq!(hits(two_above, ID), [h("false", 4, High)]);
    }
}
