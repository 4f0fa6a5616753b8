//! NIX-014: users other than root trusted by the Nix daemon (root-equivalent).

use nixsec_core::Severity;

use crate::index::{Assignment, ModuleKind};
use crate::rules::{elements, nix_conf_lines, FileCx, Hit, LintRule};
use crate::value::Value;

struct TrustedUsers;

crate::lint_rule!("NIX-014", TrustedUsers);

fn severity(who: &str) -> Severity {
    if who == "*" || who == "@users" {
        Severity::Critical
    } else {
        Severity::High
    }
}

impl LintRule for TrustedUsers {
    fn kinds(&self) -> &'static [ModuleKind] {
        &[ModuleKind::NixOS, ModuleKind::Darwin]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["nix", "settings", "trusted-users"],
            &["nix", "settings", "extra-trusted-users"],
            &["nix", "trustedUsers"],
            &["nix", "extraOptions"],
            // Determinate Nix's nix-darwin and NixOS modules write these into its own nix.conf.
            &["determinateNix", "customSettings", "trusted-users"],
            &["determinateNix", "customSettings", "extra-trusted-users"],
            // nix.conf written as a file (system-manager, nix-darwin without `nix.enable`,
            // Determinate's include).
            &["environment", "etc", "nix/nix.conf", "text"],
            &["environment", "etc", "nix/nix.custom.conf", "text"],
        ]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        let mut found: Vec<(String, rnix::TextRange, Option<String>)> = Vec::new();
        if a.path[1] == "extraOptions" || a.path[0] == "environment" {
            for (_, v, range) in nix_conf_lines(a, cx, &["trusted-users"]) {
                found.extend(v.split_whitespace().map(|w| (w.to_string(), range, None)));
            }
        } else {
            // Nix joins the list with spaces and splits `nix.conf`'s value on whitespace: an
            // element's spaces separate names (`"root "` is root).
            found.extend(elements(&a.value).into_iter().flat_map(|(s, r, c)| {
                s.split_whitespace()
                    .map(move |w| (w.to_string(), r, c.map(str::to_string)))
            }));
            // An element written as a name (`username`, `vars.user`, `config.my.user`): a user
            // whose name is set elsewhere (a specialArg, a variables file), not root unless its
            // name says so.
            if let Value::List(items) = &a.value.v {
                for i in items {
                    if let Value::Unknown(text) = &i.v {
                        // `config.my.user.name or "kenan"`: the name the option holds.
                        let text = text.split(" or ").next().unwrap_or(text).trim();
                        if crate::value::user_name_expr(text) {
                            found.push((
                                format!("`{text}`"),
                                i.range,
                                i.cond.as_deref().map(str::to_string),
                            ));
                        }
                    }
                }
            }
        }
        // The two branches of one `if` (`if darwin then user else "@wheel"`): one finding,
        // whichever is taken.
        let mut found: Vec<(String, rnix::TextRange, Option<String>)> = found
            .into_iter()
            .filter(|(w, ..)| w != "root" && w != "@root")
            .collect();
        let mut i = 0;
        while i < found.len() {
            let other = found[i].2.as_ref().and_then(|c| {
                let neg = format!("!({c})");
                found
                    .iter()
                    .position(|(_, _, d)| d.as_deref() == Some(neg.as_str()))
            });
            if let Some(j) = other {
                let (keep, gone) = (i.min(j), i.max(j));
                let (w, ..) = found.remove(gone);
                let (first, ..) = &mut found[keep];
                *first = format!("{first} or {w}");
                found[keep].2 = None;
                i = keep;
            }
            i += 1;
        }
        // One finding per name: each is a user (or group) to take out of the list.
        for (who, range, cond) in &found {
            out.push(
                Hit::new(
                    *range,
                    format!("trusted by the Nix daemon (root-equivalent): {who}"),
                )
                .subject(who.trim_matches('`').to_string())
                .severity(severity(who))
                .when(cond.as_deref()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hc, hits};
    use nixsec_core::Severity::{Critical, High};

    const ID: &str = "NIX-014";

    #[test]
    fn determinate_nix_settings_and_the_root_group() {
        assert_eq!(
            hits(
                r#"{ determinateNix.customSettings.trusted-users = [ "root" "@admin" ]; }"#,
                ID
            ),
            [h("\"@admin\"", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ determinateNix = { enable = true; customSettings.extra-trusted-users = [ "@root" "@staff" ]; }; }"#,
                ID
            ),
            [h("\"@staff\"", 1, High)]
        );
    }

    /// A list element chosen from a set written in place by a key not known here (the module's
    /// class): one finding, under the keys whose values are unsafe.
    #[test]
    fn an_element_chosen_by_a_key() {
        for src in [
            "{ class, lib, ... }: let sudoers = lib.getAttr class { nixos = \"@wheel\"; darwin = \"@admin\"; }; in {\n  nix.settings.trusted-users = [ \"root\" sudoers ];\n}",
            "{ class, ... }: {\n  nix.settings.trusted-users = [ ({ nixos = \"@wheel\"; darwin = \"@admin\"; }.${class}) ];\n}",
        ] {
            let got = crate::rules::testing::findings(src, ID);
            assert_eq!(got.len(), 1, "{got:?}");
            assert_eq!(got[0].line, 2, "{got:?}");
            assert_eq!(
                got[0].condition.as_deref(),
                Some("class is one of \"nixos\", \"darwin\""),
                "{got:?}"
            );
        }
        // Only the unsafe key's value.
        let got = crate::rules::testing::findings(
            "{ class, lib, ... }: let u = lib.getAttr class { nixos = \"@wheel\"; darwin = \"root\"; }; in {\n  nix.settings.trusted-users = [ u ];\n}",
            ID,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            got[0].condition.as_deref(),
            Some("class == \"nixos\""),
            "{got:?}"
        );
        // A key known here: that value only, unconditional.
        for (key, want) in [("darwin", 0), ("nixos", 1)] {
            let got = crate::rules::testing::findings(
                &format!("{{ lib, ... }}: let u = lib.getAttr \"{key}\" {{ nixos = \"@wheel\"; darwin = \"root\"; }}; in {{\n  nix.settings.trusted-users = [ u ];\n}}"),
                ID,
            );
            assert_eq!(got.len(), want, "{key}: {got:?}");
            assert!(got.iter().all(|f| f.condition.is_none()), "{got:?}");
        }
    }

    /// A list element named by a `let` bound to an `if` of two values: both, at the use.
    #[test]
    fn names_in_one_element_are_split_on_whitespace() {
        let got = hits(r#"{ nix.settings.trusted-users = [ "root alice" ]; }"#, ID);
        assert_eq!(got.len(), 1, "{got:?}");
    }

    #[test]
    fn an_element_bound_to_an_if() {
        let src = "{ config, ... }: let admins = if config.sys.darwin then \"@admin\" else \"@wheel\"; in {\n  nix.settings.trusted-users = [ \"root\" admins ];\n}";
        let got = hits(src, ID);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!((got[0].0.as_str(), got[0].1), ("admins", 2));
    }

    #[test]
    fn spellings() {
        assert_eq!(
            hits(
                r#"{ nix.settings.trusted-users = [ "root" "@wheel" ]; }"#,
                ID
            ),
            [h("\"@wheel\"", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ nix.settings.trusted-users = [ "root" "alice" "*" ]; }"#,
                ID
            ),
            // One finding per name: each is taken out of the list on its own.
            [h("\"alice\"", 1, High), h("\"*\"", 1, Critical)]
        );
        assert_eq!(
            hits(r#"{ nix.trustedUsers = [ "@users" ]; }"#, ID),
            [h("\"@users\"", 1, Critical)]
        );
        assert_eq!(
            hits(
                r#"let me = "alice"; in { nix.settings.extra-trusted-users = [ me ]; }"#,
                ID
            ),
            [h("me", 1, High)]
        );
        // A user named by a variable (a specialArg, an imported variables file).
        assert_eq!(
            hits(
                r#"{ username, ... }: { nix.settings.trusted-users = [ "root" username ]; }"#,
                ID
            ),
            [h("username", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ vars, ... }: { nix.settings.trusted-users = [ "@wheel" vars.user.name ]; }"#,
                ID
            ),
            [h("\"@wheel\"", 1, High), h("vars.user.name", 1, High)]
        );
        // A name with a default (`config.my.user.name or "kenan"`, bound in a `let`).
        assert_eq!(
            crate::rules::testing::hit_lines(
                "{ config, ... }: let\n  username = config.my.user.name or \"kenan\";\nin {\n  nix.settings.trusted-users = [ username \"root\" ];\n}",
                ID
            ),
            [4]
        );
        // Both branches of an `if` trust someone: one finding, unconditional.
        assert_eq!(
            hits(
                r#"{ pkgs, me, ... }: { nix.settings.trusted-users = [ "root" (if pkgs.stdenv.isDarwin then me else "@wheel") ]; }"#,
                ID
            ),
            [h("\"@wheel\"", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ lib, ... }: { nix.settings.trusted-users = lib.mkAfter [ "alice" ]; }"#,
                ID
            ),
            [h("\"alice\"", 1, High)]
        );
        assert_eq!(
            hits(
                "{ nix.extraOptions = ''\n  trusted-users = root bob\n''; }",
                ID
            ),
            [h("trusted-users = root bob", 2, High)]
        );
        // nix.conf written as a file (a system-manager host, Determinate's include).
        for file in ["nix/nix.conf", "nix/nix.custom.conf"] {
            let src = format!(
                "{{ environment.etc.\"{file}\".text = ''\n  auto-optimise-store = true\n  trusted-users = root teemu\n''; }}"
            );
            assert_eq!(
                hits(&src, ID),
                [h("trusted-users = root teemu", 3, High)],
                "{file}"
            );
        }
        let src =
            "{ environment.etc.\"nix/other.conf\".text = ''\n  trusted-users = root bob\n''; }";
        assert!(hits(src, ID).is_empty());
        assert_eq!(
            hits(
                r#"{ config, lib, ... }: { options = {}; config = lib.mkIf config.dev { nix.settings.trusted-users = [ "@wheel" ]; }; }"#,
                ID
            ),
            [hc("\"@wheel\"", 1, High)]
        );
    }

    #[test]
    fn negatives() {
        for src in [
            r#"{ nix.settings.trusted-users = [ "root" ]; }"#,
            // Nix splits the joined list on whitespace: `"root "` is root.
            r#"{ nix.settings.trusted-users = [ "root "]; }"#,
            r#"{ nix.settings.allowed-users = [ "@wheel" ]; }"#,
            r#"{ config, ... }: { nix.settings.trusted-users = config.x; }"#,
            r#"{ config, ... }: { nix.settings.trusted-users = [ config.users.users.root.name ]; }"#,
            // home-manager writes a user nix.conf; the daemon ignores trusted-users there.
            r#"{ home.stateVersion = "24.05"; nix.settings.trusted-users = [ "alice" ]; }"#,
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
