//! NIX-016: secret-bearing host paths are bind-mounted into every build sandbox.

use crate::cx::HostCx;
use nixsec_core::{Outcome, Problem};

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
            // One problem per entry: each is removed on its own.
            let mut problems: Vec<Problem> = Vec::new();
            for e in &s.items {
                let Some(what) = exposed(e) else { continue };
                let entry = nixsec_core::escape(e).into_owned();
                if problems
                    .iter()
                    .any(|p| p.subject.as_deref() == Some(entry.as_str()))
                {
                    continue;
                }
                problems.push(
                    Problem::about(
                        entry.clone(),
                        format!("builds can read `{entry}` (it exposes {what})"),
                    )
                    .with_evidence(s.evidence_for(|i| i == e)),
                );
            }
            Outcome::problems_or(problems, || {
                Outcome::pass("no secret-bearing path is mounted into builds")
                    .with_evidence(s.evidence())
            })
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

    #[test]
    fn one_problem_per_entry() {
        let o = run(
            &SecretsExposedToBuilds,
            &root_with_conf("sandbox-paths = /bin/sh /run/secrets /root/.aws=/root/.aws\nextra-sandbox-paths = /dev/kvm /etc/ssh/ssh_host_ed25519_key? /run/secrets\n"),
        );
        let p = o.problems();
        let subjects: Vec<&str> = p.iter().filter_map(|p| p.subject.as_deref()).collect();
        assert_eq!(
            subjects,
            [
                "/run/secrets",
                "/root/.aws=/root/.aws",
                "/etc/ssh/ssh_host_ed25519_key?"
            ],
            "{o:?}"
        );
        assert_eq!(
            p[1].message,
            "builds can read `/root/.aws=/root/.aws` (it exposes /root)"
        );
        // Set on both lines: both cited.
        assert_eq!(p[0].evidence.len(), 2);
        assert_eq!(p[2].evidence[0].line, Some(2));
        assert!(p.iter().all(|p| p.severity.is_none()));
    }
}
