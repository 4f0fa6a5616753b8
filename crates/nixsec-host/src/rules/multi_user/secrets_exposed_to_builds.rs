//! NIX-016: secret-bearing host paths are bind-mounted into every build sandbox.

use crate::cx::HostCx;
use nixsec_core::Outcome;

use crate::engine::Rule;
use crate::nix::with_conf;

/// `sandbox-paths`/`extra-sandbox-paths` exposes secrets to builds.
pub struct SecretsExposedToBuilds;

crate::host_rule!("NIX-016", SecretsExposedToBuilds);

const SENSITIVE: &[&str] = &[
    "/run/secrets",
    "/run/agenix",
    "/run/agenix.d",
    "/run/keys",
    "/run/credentials",
    "/etc/ssh",
    "/etc/nix",
    "/root",
    "/home",
    "/var/lib",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/podman/podman.sock",
];

/// The host side of a sandbox-path entry: `PATH`, `INSIDE=OUTSIDE`, with `?` meaning optional.
fn host_side(entry: &str) -> &str {
    let e = entry.strip_suffix('?').unwrap_or(entry);
    e.split_once('=').map_or(e, |(_, outside)| outside)
}

fn normalize(p: &str) -> String {
    let parts: Vec<&str> = p
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    format!("/{}", parts.join("/"))
}

fn within(p: &str, dir: &str) -> bool {
    p == dir || (dir == "/" || p.starts_with(&format!("{dir}/")))
}

/// The sensitive path an entry exposes, if any.
fn exposed(entry: &str) -> Option<&'static str> {
    let host = normalize(host_side(entry));
    SENSITIVE
        .iter()
        .copied()
        .find(|s| within(&host, s) || within(s, &host))
}

impl Rule for SecretsExposedToBuilds {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_conf(cx, |conf| {
            let Some(s) = conf.and_then(|c| c.get("sandbox-paths")) else {
                return Outcome::pass(
                    "no `sandbox-paths` configured beyond Nix's default (`/bin/sh`)",
                );
            };
            let bad: Vec<String> = s
                .items
                .iter()
                .filter_map(|e| {
                    exposed(e).map(|what| format!("`{}` (exposes {what})", nixsec_core::escape(e)))
                })
                .collect();
            if bad.is_empty() {
                Outcome::pass("no secret-bearing path is mounted into builds")
                    .with_evidence(s.evidence())
            } else {
                Outcome::fail(format!("builds can read: {}", bad.join(", ")))
                    .with_evidence(s.evidence_for(|e| exposed(e).is_some()))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn entry_forms() {
        assert_eq!(exposed("/run/secrets"), Some("/run/secrets"));
        assert_eq!(exposed("/secrets=/run/secrets/db?"), Some("/run/secrets"));
        assert_eq!(exposed("/home/alice/.aws"), Some("/home"));
        assert_eq!(
            exposed("/var/run/docker.sock"),
            Some("/var/run/docker.sock")
        );
        assert_eq!(
            exposed("/etc"),
            Some("/etc/ssh"),
            "an ancestor exposes what is under it"
        );
        assert_eq!(exposed("/"), Some("/run/secrets"));
        assert_eq!(exposed("/bin/sh=/nix/store/abc-busybox/bin/busybox"), None);
        assert_eq!(exposed("/dev/kvm"), None);
        assert_eq!(exposed("/homework"), None);
    }

    #[test]
    fn verdicts() {
        assert_eq!(
            run(&SecretsExposedToBuilds, &root_with_conf("")).status(),
            Status::Pass
        );
        assert_eq!(
            run(
                &SecretsExposedToBuilds,
                &root_with_conf("extra-sandbox-paths = /dev/kvm /ccache?\n")
            )
            .status(),
            Status::Pass
        );
        let o = run(
            &SecretsExposedToBuilds,
            &root_with_conf("extra-sandbox-paths = /dev/kvm\nextra-sandbox-paths = /run/agenix\n"),
        );
        let Some(crate::testing::Failed { evidence, .. }) = crate::testing::failed(&o) else {
            panic!("expected fail")
        };
        assert_eq!(evidence.len(), 1);
        assert_eq!(evidence[0].line, Some(2));
    }
}
