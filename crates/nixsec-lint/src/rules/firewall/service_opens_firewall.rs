//! NIX-073: a service module told to open its ports in the firewall.

use crate::index::Assignment;
use crate::rules::{FileCx, Hit, LintRule};

struct ServiceOpensFirewall;

crate::lint_rule!("NIX-073", ServiceOpensFirewall);

impl LintRule for ServiceOpensFirewall {
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
