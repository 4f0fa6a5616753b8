//! NIX-059: a rootful Docker daemon without user-namespace remapping, `no-new-privileges` or
//! `icc: false`.
//!
//! ## What it checks
//! The daemon's configuration file and command line.
//!
//! ## Why it matters
//! Without remapping, root in a container is root on the host once it escapes; without
//! `no-new-privileges` setuid binaries in images gain privileges; with `icc` every container
//! on the default bridge can reach every other.
//!
//! ## Fix (NixOS)
//! `virtualisation.docker.daemon.settings = { userns-remap = "default"; no-new-privileges =
//! true; icc = false; };` or rootless Docker.
//!
//! ## References
//! dockerd(8) `--userns-remap`, `--no-new-privileges`, `--icc`.

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::isolation::docker_state;

/// Rootful dockerd without the isolation defaults.
pub struct DockerDaemonUnhardened;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &DockerDaemonUnhardened;

static META: RuleMeta = RuleMeta {
    id: "NIX-059",
    title: "Docker daemon without user-namespace remap or no-new-privileges",
    section: Section::Isolation,
    severity: Severity::Low,
    checks: "The rootful dockerd's settings from its configuration file (`/etc/docker/daemon.json` or the `--config-file` of `docker.service`, as on NixOS) and its command line. Fails when `userns-remap` is unset, when `no-new-privileges` is not true, or when `icc` is not false. Passes with rootless Docker only (`/etc/systemd/user/docker.service` as NixOS installs it, or a user's `~/.local/share/docker`), which runs in a user namespace already; skipped without Docker.",
    rationale: "With remapping, container root is an unprivileged host uid, so an escape does not land as root; `no-new-privileges` stops setuid binaries inside images from gaining privileges; `icc: false` stops containers on the default bridge from reaching each other.",
    fix: "Enable user-namespace remapping, no-new-privileges and icc=false in the daemon settings, or use rootless Docker.",
    nixos: "virtualisation.docker.daemon.settings = {\n  userns-remap = \"default\";\n  no-new-privileges = true;\n  icc = false;\n};",
    references: &["dockerd(8)", "https://docs.docker.com/engine/security/userns-remap/", "CIS Docker Benchmark 2.8, 2.14, 2.1"],
    source: file!(),
};

impl Rule for DockerDaemonUnhardened {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        let d = docker_state(cx);
        if !d.daemon.errors.is_empty() {
            return Outcome::error(d.daemon.errors.join("; "));
        }
        if d.daemon.rootful.is_empty() {
            if !d.daemon.rootless.is_empty() {
                return Outcome::pass(
                    "only rootless Docker: the daemon runs as its user, in a user namespace",
                )
                .with_evidence(d.daemon.rootless.iter().map(|p| Evidence::path(p.clone())));
            }
            return Outcome::skip(
                "no rootful Docker daemon configured (no docker.service, daemon.json or socket)",
            );
        }
        let s = &d.daemon.settings;
        let mut missing = Vec::new();
        if s.userns_remap.is_none() {
            missing.push("userns-remap unset");
        }
        if s.no_new_privileges != Some(true) {
            missing.push("no-new-privileges not true");
        }
        if s.icc != Some(false) {
            missing.push("icc not false");
        }
        let path = s
            .config_file
            .clone()
            .unwrap_or_else(|| d.daemon.rootful[0].clone());
        if missing.is_empty() {
            return Outcome::pass("userns-remap, no-new-privileges and icc=false are set")
                .with_evidence([Evidence::path(path)]);
        }
        Outcome::fail(format!("rootful dockerd with {}", missing.join(", ")))
            .with_evidence([Evidence::value(path, missing.join("; "))])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolation::fixtures::text;
    use crate::testing::*;

    fn with(json: &str) -> RootBuilder {
        RootBuilder::new().file("/etc/docker/daemon.json", json)
    }

    #[test]
    fn hardened_passes() {
        let o = run(
            &DockerDaemonUnhardened,
            &with(&text("containers/docker/daemon-json/hardened.json")),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn remapped_without_icc_and_empty_fail() {
        let o = run(
            &DockerDaemonUnhardened,
            &with(&text("containers/docker/userns-remap/daemon.json")),
        );
        assert_eq!(message(&o), "rootful dockerd with icc not false");
        let o = run(
            &DockerDaemonUnhardened,
            &with(&text("containers/docker/daemon-json/empty.json")),
        );
        assert_eq!(
            message(&o),
            "rootful dockerd with userns-remap unset, no-new-privileges not true, icc not false"
        );
    }

    #[test]
    fn no_daemon_skips_and_garbage_errors() {
        assert_eq!(
            run(&DockerDaemonUnhardened, &RootBuilder::new()).status(),
            Status::Skip
        );
        // Rootless only (NixOS `virtualisation.docker.rootless.enable`): nothing to remap.
        let b = RootBuilder::new().file(
            "/etc/systemd/user/docker.service",
            "[Service]\nExecStart=/nix/store/x-docker/bin/dockerd-rootless\n",
        );
        assert_eq!(run(&DockerDaemonUnhardened, &b).status(), Status::Pass);
        let o = run(&DockerDaemonUnhardened, &with("garbage"));
        assert_eq!(o.status(), Status::Error);
        assert!(
            message(&o).contains("/etc/docker/daemon.json"),
            "{}",
            message(&o)
        );
    }
}
