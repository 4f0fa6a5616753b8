//! NIX-155 (configuration side): `nix.package` pins a Nix or Lix series that never got the fix
//! for a published advisory.

use nixsec_vulns::support::{unfixed_in_series, Implementation};

use crate::index::{Assignment, ModuleKind};
use crate::rules::{FileCx, Hit, LintRule};
use crate::value::Value;

struct NixSeriesVulnerable;

crate::lint_rule!("NIX-155", NixSeriesVulnerable);

/// The implementation and series an expression pins: `nix_2_18` → Nix `2.18`.
fn pinned_series(expr: &str) -> Option<(Implementation, String)> {
    for (tag, implementation) in [("lix_", Implementation::Lix), ("nix_", Implementation::Nix)] {
        for (i, _) in expr.match_indices(tag) {
            // `nix_2_18`, not the tail of another word (`unix_2_1`).
            if expr[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            {
                continue;
            }
            let rest = &expr[i + tag.len()..];
            let mut parts = rest.split('_');
            let (Some(major), Some(minor)) = (parts.next(), parts.next()) else {
                continue;
            };
            let minor: String = minor.chars().take_while(char::is_ascii_digit).collect();
            if major.is_empty() || minor.is_empty() || !major.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            return Some((implementation, format!("{major}.{minor}")));
        }
    }
    None
}

impl LintRule for NixSeriesVulnerable {
    fn kinds(&self) -> &'static [ModuleKind] {
        &[ModuleKind::NixOS, ModuleKind::Darwin]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[&["nix", "package"]]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        let Value::Unknown(expr) = &a.value.v else {
            return;
        };
        let Some((implementation, series)) = pinned_series(expr) else {
            return;
        };
        let open = unfixed_in_series(implementation, &series);
        let Some(severity) = open.iter().map(|a| a.severity).max() else {
            return;
        };
        let ids: Vec<&str> = open.iter().map(|a| a.ids).collect();
        out.push(
            Hit::new(
                a.value.range,
                format!(
                    "nix.package pins {} {series}, a series that never got the fix for {}",
                    implementation.name(),
                    ids.join("; ")
                ),
            )
            .severity(severity),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::pinned_series;
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::Critical;
    use nixsec_vulns::support::Implementation;

    const ID: &str = "NIX-155";

    #[test]
    fn series_names() {
        assert_eq!(
            pinned_series("pkgs.nixVersions.nix_2_18"),
            Some((Implementation::Nix, "2.18".into()))
        );
        assert_eq!(
            pinned_series("pkgs.nix_2_3"),
            Some((Implementation::Nix, "2.3".into()))
        );
        assert_eq!(
            pinned_series("pkgs.lixPackageSets.lix_2_90.lix"),
            Some((Implementation::Lix, "2.90".into()))
        );
        assert_eq!(pinned_series("pkgs.nixVersions.latest"), None);
        assert_eq!(pinned_series("pkgs.unix_2_1"), None);
    }

    #[test]
    fn unfixed_series_are_flagged() {
        // 2.18 never got the CVE-2026-39860 fix (critical).
        assert_eq!(
            hits(
                "{ pkgs, ... }: { nix.package = pkgs.nixVersions.nix_2_18; }",
                ID
            ),
            [h("pkgs.nixVersions.nix_2_18", 1, Critical)]
        );
        assert_eq!(
            hits(
                "{ pkgs, ... }: { nix.package = pkgs.nixVersions.nix_2_24; }",
                ID
            )
            .len(),
            1
        );
        for fine in [
            "pkgs.nixVersions.latest",
            "pkgs.nixVersions.stable",
            "pkgs.nixVersions.nix_2_28",
            "pkgs.nix",
            "pkgs.lixPackageSets.lix_2_93.lix",
        ] {
            let src = format!("{{ pkgs, ... }}: {{ nix.package = {fine}; }}");
            assert!(hits(&src, ID).is_empty(), "{fine}");
        }
    }
}
