//! NIX-014: users other than root trusted by the Nix daemon (root-equivalent).

use nixsec_core::Severity;

use crate::index::{Assignment, ModuleKind};
use crate::rules::{elements, nix_conf_lines, FileCx, Hit, LintRule};

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
        ]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        let mut found: Vec<(String, rnix::TextRange, Option<String>)> = Vec::new();
        if a.path[1] == "extraOptions" {
            for (_, v, range) in nix_conf_lines(a, cx, &["trusted-users"]) {
                found.extend(v.split_whitespace().map(|w| (w.to_string(), range, None)));
            }
        } else {
            found.extend(
                elements(&a.value)
                    .into_iter()
                    .map(|(s, r, c)| (s.to_string(), r, c.map(str::to_string))),
            );
        }
        let extra: Vec<&(String, rnix::TextRange, Option<String>)> =
            found.iter().filter(|(w, ..)| w != "root").collect();
        let Some(worst) = extra.iter().max_by_key(|(w, ..)| severity(w)) else {
            return;
        };
        let names: Vec<&str> = extra.iter().map(|(w, ..)| w.as_str()).collect();
        // Conditional only when every name is.
        let cond = if extra.iter().all(|(.., c)| c.is_some()) {
            worst.2.as_deref()
        } else {
            None
        };
        out.push(
            Hit::new(
                worst.1,
                format!(
                    "trusted by the Nix daemon (root-equivalent): {}",
                    names.join(", ")
                ),
            )
            .severity(severity(&worst.0))
            .when(cond),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hc, hits};
    use nixsec_core::Severity::{Critical, High};

    const ID: &str = "NIX-014";

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
            [h("\"*\"", 1, Critical)]
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
            r#"{ nix.settings.allowed-users = [ "@wheel" ]; }"#,
            r#"{ config, ... }: { nix.settings.trusted-users = config.x; }"#,
            // home-manager writes a user nix.conf; the daemon ignores trusted-users there.
            r#"{ home.stateVersion = "24.05"; nix.settings.trusted-users = [ "alice" ]; }"#,
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
