//! NIX-132: wheel may become root without a password (sudo, sudo-rs, doas).

use crate::index::Assignment;
use crate::rules::{FileCx, Hit, LintRule};

struct WheelWithoutPassword;

crate::lint_rule!("NIX-132", WheelWithoutPassword);

impl LintRule for WheelWithoutPassword {
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["security", "sudo", "wheelNeedsPassword"],
            &["security", "sudo-rs", "wheelNeedsPassword"],
            &["security", "doas", "wheelNeedsPassword"],
            &["security", "run0", "wheelNeedsPassword"],
        ]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if a.value.v.as_bool() != Some(false) {
            return;
        }
        let tool = &a.path[1];
        out.push(
            Hit::new(
                a.value.range,
                format!("wheel users run {tool} as root without a password"),
            )
            .fix(format!("security.{tool}.wheelNeedsPassword = true;")),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{findings, h, hits};
    use nixsec_core::Severity::Medium;

    const ID: &str = "NIX-132";

    /// `wheelNeedsPassword = !cfg.passwordlessSudo;` where the option defaults to `true` and
    /// nothing sets it: passwordless sudo, at the default; set anywhere in the run: not judged.
    #[test]
    fn a_negated_option_left_at_its_default() {
        let src = "{ config, lib, ... }: let\n  cfg = config.my.account;\nin {\n  options.my.account.passwordlessSudo = lib.mkOption { type = lib.types.bool; default = true; };\n  config.security.sudo.wheelNeedsPassword = !cfg.passwordlessSudo;\n}";
        let f = findings(src, ID);
        assert_eq!(f.iter().map(|f| f.line).collect::<Vec<_>>(), [5], "{src}");
        assert!(f[0].conditional, "{src}");
        let set = src.replace(
            "  config.security",
            "  config.my.account.passwordlessSudo = false;\n  config.security",
        );
        assert!(hits(&set, ID).is_empty(), "{set}");
    }

    /// A NixOS module that also sets a repository's own `home.<user>` option (a switch for
    /// its home-manager profile) is still a NixOS module; one that sets only `home.*` is
    /// home-manager's (it has no sudo).
    #[test]
    fn a_repository_home_option_does_not_make_a_nixos_module_home_managers() {
        let src = "{ lib, ... }: {\n  home.henrikvt.enable = lib.mkDefault true;\n  boot.loader.systemd-boot.enable = true;\n  security.sudo.wheelNeedsPassword = lib.mkDefault false;\n}";
        assert_eq!(hits(src, ID).len(), 1, "{src}");
        let hm = "{ home.packages = [ ]; programs.git.enable = true; }";
        assert!(hits(hm, ID).is_empty(), "{hm}");
        // A repository's `home.groups` beside NixOS-only programs (steam) and sudo.
        let nixos = "{ home.groups = [ \"gamemode\" ]; programs.steam.enable = true; security.sudo.wheelNeedsPassword = false; }";
        assert_eq!(hits(nixos, ID).len(), 1, "{nixos}");
    }

    /// denix's modules (`delib.module { nixos.always = …; nixos.ifEnabled = …; }`) and hosts
    /// (`delib.host { nixos = …; }`) hold NixOS module content; `ifEnabled` is under the
    /// module's switch.
    #[test]
    fn denix_modules_and_hosts() {
        let src = "{ delib, ... }:\ndelib.module {\n  name = \"user\";\n  nixos.always = { myconfig, ... }: {\n    security.sudo.wheelNeedsPassword = false;\n  };\n  nixos.ifEnabled.security.doas.wheelNeedsPassword = false;\n  home.always.security.sudo-rs.wheelNeedsPassword = false;\n}";
        let got = hits(src, ID);
        assert_eq!(
            got.iter().map(|x| (x.1, x.3)).collect::<Vec<_>>(),
            [(5, false), (7, true)],
            "{got:?}"
        );
        let f = findings(src, ID);
        assert!(
            f.iter()
                .any(|x| x.condition.as_deref() == Some("user.enable")),
            "{f:?}"
        );
        let host = "{ delib, ... }: delib.host { name = \"a\"; nixos = { security.sudo.wheelNeedsPassword = false; }; }";
        assert_eq!(hits(host, ID).len(), 1, "{host}");
    }

    #[test]
    fn each_tool() {
        for tool in ["sudo", "sudo-rs", "doas", "run0"] {
            let src = format!("{{ security.{tool}.wheelNeedsPassword = false; }}");
            assert_eq!(hits(&src, ID), [h("false", 1, Medium)], "{src}");
        }
        let nested = "{ security = { sudo = { enable = true; wheelNeedsPassword = false; }; }; }";
        assert_eq!(hits(nested, ID), [h("false", 1, Medium)]);
        let f = findings("{ security.doas.wheelNeedsPassword = false; }", ID);
        assert_eq!(
            f[0].finding.remediation.nixos,
            "security.doas.wheelNeedsPassword = true;"
        );
        assert!(hits("{ security.sudo.wheelNeedsPassword = true; }", ID).is_empty());
        assert!(hits("{ security.sudo.execWheelOnly = false; }", ID).is_empty());
    }
}
