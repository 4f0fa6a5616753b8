//! NIX-071: database, cache and container-API ports (or huge ranges) opened in the firewall.

use linkme::distributed_slice;
use nixsec_core::{RuleMeta, Section, Severity};

use crate::index::Assignment;
use crate::rules::{FileCx, Hit, LintRule, LINT_RULES};
use crate::value::Value;

/// ## What it checks
/// `networking.firewall.allowedTCPPorts` (and the per-interface lists of physical interfaces,
/// `eth*`, `en*`, `wl*`, `ww*`) containing a port of the risk list — Docker API 2375/2376,
/// etcd 2379, MySQL 3306, PostgreSQL 5432, CouchDB 5984, Redis 6379, Consul 8500,
/// Elasticsearch 9200, memcached 11211, MongoDB 27017, VNC 5900, RDP 3389 — and
/// `allowedTCPPortRanges`/`allowedUDPPortRanges` wider than 1000 ports.
///
/// ## Why it matters
/// These services are meant for a private network: most have no or weak authentication by
/// default, and an exposed Docker API is root on the host.
///
/// ## Fix (NixOS)
/// Remove the port; open it on a VPN interface only:
/// `networking.firewall.interfaces.wg0.allowedTCPPorts = [ 5432 ];`
///
/// ## References
/// NixOS option `networking.firewall.allowedTCPPorts`; CWE-668.
pub struct SensitivePortsOpen;

static META: RuleMeta = RuleMeta {
    id: "NIX-071",
    title: "Sensitive or broad ports open",
    section: Section::Firewall,
    severity: Severity::High,
    checks: "risk-list ports in `allowedTCPPorts` (global or of a physical interface); port ranges wider than 1000",
    rationale: "Databases, caches and container APIs are meant for private networks; an exposed Docker API is root on the host.",
    fix: "Remove the port; bind the service to loopback or open it only on a VPN interface",
    nixos: "networking.firewall.interfaces.wg0.allowedTCPPorts = [ 5432 ];",
    references: &["NixOS option networking.firewall.allowedTCPPorts", "CWE-668"],
    source: file!(),
};

// linkme places the entry with `#[link_section]`, which the workspace's `unsafe_code` lint flags.
#[allow(unsafe_code)]
#[distributed_slice(LINT_RULES)]
static RULE: &dyn LintRule = &SensitivePortsOpen;

/// Port, service.
const RISKY: &[(i64, &str)] = &[
    (2375, "Docker API (plain)"),
    (2376, "Docker API (TLS)"),
    (2379, "etcd"),
    (3306, "MySQL"),
    (3389, "RDP"),
    (5432, "PostgreSQL"),
    (5900, "VNC"),
    (5984, "CouchDB"),
    (6379, "Redis"),
    (8500, "Consul"),
    (9200, "Elasticsearch"),
    (11211, "memcached"),
    (27017, "MongoDB"),
];

fn physical(ifname: &str) -> bool {
    ["eth", "en", "wl", "ww"]
        .iter()
        .any(|p| ifname.starts_with(p))
}

impl LintRule for SensitivePortsOpen {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["networking", "firewall", "allowedTCPPorts"],
            &[
                "networking",
                "firewall",
                "interfaces",
                "*",
                "allowedTCPPorts",
            ],
            &["networking", "firewall", "allowedTCPPortRanges"],
            &["networking", "firewall", "allowedUDPPortRanges"],
            &[
                "networking",
                "firewall",
                "interfaces",
                "*",
                "allowedTCPPortRanges",
            ],
            &[
                "networking",
                "firewall",
                "interfaces",
                "*",
                "allowedUDPPortRanges",
            ],
        ]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if a.path.len() == 5 && !physical(&a.path[3]) {
            return;
        }
        let Value::List(items) = &a.value.v else {
            return;
        };
        let ranges = a.path.last().is_some_and(|l| l.ends_with("Ranges"));
        for item in items {
            if ranges {
                let (Some(from), Some(to)) = (item.v.attr("from"), item.v.attr("to")) else {
                    continue;
                };
                let (Value::Int(from), Value::Int(to)) = (&from.v, &to.v) else {
                    continue;
                };
                if to - from + 1 > 1000 {
                    out.push(Hit::new(
                        item.range,
                        format!("ports {from}-{to} ({} ports) are open", to - from + 1),
                    ));
                } else if let Some((p, what)) =
                    RISKY.iter().find(|(p, _)| (*from..=*to).contains(p))
                {
                    out.push(Hit::new(
                        item.range,
                        format!("the range {from}-{to} opens {what} ({p})"),
                    ));
                }
            } else if let Value::Int(p) = item.v {
                if let Some((_, what)) = RISKY.iter().find(|(r, _)| *r == p) {
                    out.push(Hit::new(
                        item.range,
                        format!("{what} port {p} is open to every network"),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hc, hits};
    use nixsec_core::Severity::High;

    const ID: &str = "NIX-071";

    #[test]
    fn risky_ports_each_spelling() {
        assert_eq!(
            hits(
                "{ networking.firewall.allowedTCPPorts = [ 22 5432 80 2375 ]; }",
                ID
            ),
            [h("5432", 1, High), h("2375", 1, High)]
        );
        assert_eq!(
            hits(
                "let db = 3306; in { networking.firewall.allowedTCPPorts = [ 22 ] ++ [ db ]; }",
                ID
            ),
            [h("db", 1, High)]
        );
        assert_eq!(
            hits("{ lib, cfg, ... }: { config = lib.mkIf cfg.on { networking.firewall.allowedTCPPorts = [ 6379 ]; }; options = {}; }", ID),
            [hc("6379", 1, High)]
        );
        assert_eq!(
            hits(
                "{ networking.firewall.interfaces.eth0.allowedTCPPorts = [ 27017 ]; }",
                ID
            ),
            [h("27017", 1, High)]
        );
    }

    #[test]
    fn ranges() {
        assert_eq!(
            hits(
                "{ networking.firewall.allowedTCPPortRanges = [ { from = 1000; to = 65535; } ]; }",
                ID
            ),
            [h("{ from = 1000; to = 65535; }", 1, High)]
        );
        assert_eq!(
            hits(
                "{ networking.firewall.allowedUDPPortRanges = [ { from = 60000; to = 61000; } ]; }",
                ID
            )
            .len(),
            1
        );
        assert!(hits(
            "{ networking.firewall.allowedUDPPortRanges = [ { from = 60000; to = 60999; } ]; }",
            ID
        )
        .is_empty());
    }

    #[test]
    fn negatives() {
        for src in [
            "{ networking.firewall.allowedTCPPorts = [ 22 80 443 ]; }",
            "{ networking.firewall.interfaces.wg0.allowedTCPPorts = [ 5432 ]; }",
            "{ networking.firewall.interfaces.\"tailscale0\".allowedTCPPorts = [ 6379 ]; }",
            "{ networking.firewall.allowedUDPPorts = [ 5432 ]; }",
            "{ services.postgresql.settings.port = 5432; }",
            "{ config, ... }: { networking.firewall.allowedTCPPorts = [ config.services.postgresql.settings.port ]; }",
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
