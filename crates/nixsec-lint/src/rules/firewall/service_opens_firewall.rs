//! NIX-073: a service module told to open its ports in the firewall.

use linkme::distributed_slice;
use nixsec_core::{RuleMeta, Section, Severity};

use crate::index::Assignment;
use crate::rules::{FileCx, Hit, LintRule, LINT_RULES};

/// ## What it checks
/// Every `services.<svc>.openFirewall = true` except `services.openssh` (whose default is
/// already `true`), reported once per assignment for review.
///
/// ## Why it matters
/// `openFirewall` opens the service's ports on every interface; many services are meant for a
/// private network only.
///
/// ## Fix (NixOS)
/// `services.<svc>.openFirewall = false;` and open the port on the intended interface:
/// `networking.firewall.interfaces.wg0.allowedTCPPorts = [ PORT ];`
///
/// ## References
/// NixOS options `services.*.openFirewall`.
pub struct ServiceOpensFirewall;

static META: RuleMeta = RuleMeta {
    id: "NIX-073",
    title: "Service opened in the firewall by its module",
    section: Section::Firewall,
    severity: Severity::Low,
    checks: "`services.<svc>.openFirewall = true` (openssh excepted)",
    rationale: "`openFirewall` opens the service's ports on every interface; many services are meant for a private network only.",
    fix: "Open the port only on the interface that needs it",
    nixos: "networking.firewall.interfaces.wg0.allowedTCPPorts = [ 8080 ];",
    references: &["NixOS options services.*.openFirewall"],
    source: file!(),
};

// linkme places the entry with `#[link_section]`, which the workspace's `unsafe_code` lint flags.
#[allow(unsafe_code)]
#[distributed_slice(LINT_RULES)]
static RULE: &dyn LintRule = &ServiceOpensFirewall;

impl LintRule for ServiceOpensFirewall {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[&["services", "*", "openFirewall"]]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        let svc = &a.path[1];
        if svc == "openssh" || a.value.v.as_bool() != Some(true) {
            return;
        }
        out.push(
            Hit::new(
                a.value.range,
                format!("`services.{svc}` opens its ports on every interface"),
            )
            .fix(format!(
                "services.{svc}.openFirewall = false;  # then: networking.firewall.interfaces.<if>.allowedTCPPorts = [ ... ];"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{findings, h, hits};
    use nixsec_core::Severity::Low;

    const ID: &str = "NIX-073";

    #[test]
    fn positives_and_negatives() {
        assert_eq!(
            hits(
                "{ services.jellyfin = { enable = true; openFirewall = true; }; }",
                ID
            ),
            [h("true", 1, Low)]
        );
        let f = findings("{ services.grafana.openFirewall = true; }", ID);
        assert!(f[0]
            .finding
            .remediation
            .nixos
            .starts_with("services.grafana.openFirewall = false;"));
        for src in [
            "{ services.openssh.openFirewall = true; }",
            "{ services.jellyfin.openFirewall = false; }",
            "{ services.x.y.openFirewall = true; }",
            "{ services.jellyfin.openFirewall = cfg.open; }",
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
