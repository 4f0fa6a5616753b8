//! NIX-071: database, cache and container-API ports (or huge ranges) opened in the firewall.

use crate::index::Assignment;
use crate::rules::{FileCx, Hit, LintRule};
use crate::value::Value;

struct SensitivePortsOpen;

crate::lint_rule!("NIX-071", SensitivePortsOpen);

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

/// The ports of [`RISKY`] whose service also listens on UDP.
const UDP_RISKY: &[i64] = &[3389, 11211];

fn physical(ifname: &str) -> bool {
    ["eth", "en", "wl", "ww"]
        .iter()
        .any(|p| ifname.starts_with(p))
}

impl LintRule for SensitivePortsOpen {
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
            &["networking", "firewall", "allowedUDPPorts"],
            &[
                "networking",
                "firewall",
                "interfaces",
                "*",
                "allowedUDPPorts",
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
        let tcp = a.path.last().is_some_and(|l| l.contains("TCP"));
        for item in items {
            // One port: a list's element, or a range of one port (`{ from = 5432; to = 5432; }`).
            let port = if ranges {
                let (Some(from), Some(to)) = (item.v.attr("from"), item.v.attr("to")) else {
                    continue;
                };
                let (&Value::Int(from), &Value::Int(to)) = (&from.v, &to.v) else {
                    continue;
                };
                if from == to {
                    from
                } else {
                    if to - from + 1 > 1000 {
                        out.push(
                            Hit::new(
                                item.range,
                                format!("ports {from}-{to} ({} ports) are open", to - from + 1),
                            )
                            .when(item.cond.as_deref()),
                        );
                    }
                    // A narrower range that begins at a risk-list port is opened for that
                    // service (VNC's displays from 5900, etcd's client and peer ports
                    // 2379-2380). One that only contains such a port is opened for something
                    // else (KDE Connect, Steam's 27015-27050, a 3000-3999 web range) and holds
                    // it by chance.
                    else if let Some((_, what)) =
                        RISKY.iter().find(|(r, _)| tcp && *r == from && to > from)
                    {
                        out.push(
                            Hit::new(
                                item.range,
                                format!("ports {from}-{to} are open to every network, from the {what} port {from}"),
                            )
                            .when(item.cond.as_deref()),
                        );
                    }
                    continue;
                }
            } else if let Value::Int(p) = item.v {
                p
            } else {
                continue;
            };
            // Over UDP only the services that listen there: RDP's UDP transport,
            // memcached's UDP protocol (an amplifier).
            if !tcp && !UDP_RISKY.contains(&port) {
                continue;
            }
            if let Some((_, what)) = RISKY.iter().find(|(r, _)| *r == port) {
                out.push(
                    Hit::new(
                        item.range,
                        format!(
                            "{what} port {port}{} is open to every network",
                            if tcp { "" } else { "/udp" }
                        ),
                    )
                    .when(item.cond.as_deref()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hc, hits};
    use nixsec_core::Severity::High;

    const ID: &str = "NIX-071";

    /// Over UDP only the risk-list services that listen there (RDP, memcached).
    #[test]
    fn risky_udp_ports() {
        let got = hits(
            "{ networking.firewall.allowedUDPPorts = [ 3389 5432 53 11211 ]; }",
            ID,
        );
        assert_eq!(got, [h("3389", 1, High), h("11211", 1, High)]);
        assert!(hits(
            "{ networking.firewall.interfaces.wg0.allowedUDPPorts = [ 3389 ]; }",
            ID
        )
        .is_empty());
    }

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
        // Narrow ranges that begin at a risk-list port are opened for that service.
        assert_eq!(
            hits(
                "{ networking.firewall.allowedTCPPortRanges = [ { from = 5900; to = 5999; } { from = 2379; to = 2380; } ]; }",
                ID
            ),
            [
                h("{ from = 5900; to = 5999; }", 1, High),
                h("{ from = 2379; to = 2380; }", 1, High)
            ]
        );
        // A range of one port is that port (over UDP, only a port whose service listens there).
        assert_eq!(
            hits(
                "{ networking.firewall.allowedTCPPortRanges = [ { from = 5432; to = 5432; } { from = 8080; to = 8080; } ]; }",
                ID
            ),
            [h("{ from = 5432; to = 5432; }", 1, High)]
        );
        assert!(hits(
            "{ networking.firewall.allowedUDPPortRanges = [ { from = 5432; to = 5432; } ]; }",
            ID
        )
        .is_empty());
        // Narrow ranges that happen to contain a risk-list port (Steam's 27015-27050 and
        // MongoDB's 27017, a 3000-3999 web range and MySQL's 3306), and UDP ranges.
        for src in [
            "{ networking.firewall.allowedUDPPortRanges = [ { from = 5900; to = 5999; } ]; }",
            "{ networking.firewall.allowedTCPPortRanges = [ { from = 27015; to = 27050; } ]; }",
            "{ networking.firewall.allowedTCPPortRanges = [ { from = 3000; to = 3999; } ]; }",
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
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
