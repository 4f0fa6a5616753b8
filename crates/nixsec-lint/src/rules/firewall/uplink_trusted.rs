//! NIX-072: an uplink (Ethernet, Wi-Fi or mobile) interface trusted by the NixOS firewall.

use crate::index::Assignment;
use crate::rules::{elements, FileCx, Hit, LintRule};

struct UplinkTrusted;

crate::lint_rule!("NIX-072", UplinkTrusted);

/// Names the kernel and systemd give uplinks: `eth0`, `enp3s0`, `eno1`, `wlan0`, `wlp2s0`,
/// `wwan0` (`eth+`-style patterns included).
fn uplink(name: &str) -> bool {
    ["eth", "en", "wl", "ww"]
        .iter()
        .any(|p| name.starts_with(p))
}

impl LintRule for UplinkTrusted {
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[&["networking", "firewall", "trustedInterfaces"]]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        for (name, range, cond) in elements(&a.value) {
            if uplink(name) {
                out.push(
                    Hit::new(
                        range,
                        format!("interface `{name}` is trusted: the firewall accepts everything that arrives on it"),
                    )
                    .subject(name)
                    .when(cond)
                    .fix(format!("# remove \"{name}\" from networking.firewall.trustedInterfaces; open ports with networking.firewall.interfaces.{name}.allowedTCPPorts")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hc, hits};
    use nixsec_core::Severity::High;

    const ID: &str = "NIX-072";

    #[test]
    fn uplinks_in_every_spelling() {
        assert_eq!(
            hits(
                r#"{ networking.firewall.trustedInterfaces = [ "lo" "tailscale0" "enp3s0" ]; }"#,
                ID
            ),
            [h("\"enp3s0\"", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ networking.firewall = { enable = true; trustedInterfaces = [ "wlan0" "docker0" ]; }; }"#,
                ID
            ),
            [h("\"wlan0\"", 1, High)]
        );
        assert_eq!(
            hits(
                r#"let lan = "eth0"; in { networking.firewall.trustedInterfaces = [ lan ]; }"#,
                ID
            ),
            [h("lan", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ lib, config, ... }: { networking.firewall.trustedInterfaces = [ "wg0" ] ++ lib.optional config.lab "eno1"; }"#,
                ID
            ),
            [hc("\"eno1\"", 1, High)]
        );
        for ok in [
            r#"{ networking.firewall.trustedInterfaces = [ "wg0" "tailscale0" "br0" "virbr0" "podman0" ]; }"#,
            r#"{ networking.firewall.interfaces.eth0.allowedTCPPorts = [ 22 ]; }"#,
        ] {
            assert!(hits(ok, ID).is_empty(), "{ok}");
        }
    }
}
