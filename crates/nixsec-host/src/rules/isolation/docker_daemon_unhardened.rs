//! NIX-059: a rootful Docker daemon without user-namespace remapping, `no-new-privileges` or
//! `icc: false`.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::isolation::docker_state;

/// Rootful dockerd without the isolation defaults.
pub struct DockerDaemonUnhardened;

crate::host_rule!("NIX-059", DockerDaemonUnhardened);

impl Rule for DockerDaemonUnhardened {
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
        let path = s
            .config_file
            .clone()
            .unwrap_or_else(|| d.daemon.rootful[0].clone());
        // (setting, what is wrong with it)
        let mut missing = Vec::new();
        if s.userns_remap.is_none() {
            missing.push(("userns-remap", "unset"));
        }
        if s.no_new_privileges != Some(true) {
            missing.push(("no-new-privileges", "not true"));
        }
        if s.icc != Some(false) {
            missing.push(("icc", "not false"));
        }
        let problems: Vec<Problem> = missing
            .into_iter()
            .map(|(k, why)| {
                Problem::about(k, format!("rootful dockerd with `{k}` {why}"))
                    .with_evidence([Evidence::value(path.clone(), format!("{k} {why}"))])
            })
            .collect();
        Outcome::problems_or(problems, || {
            Outcome::pass("userns-remap, no-new-privileges and icc=false are set")
                .with_evidence([Evidence::path(path.clone())])
        })
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
        assert_eq!(message(&o), "rootful dockerd with `icc` not false");
        assert_eq!(o.problems()[0].subject.as_deref(), Some("icc"));
        assert_eq!(
            o.problems()[0].evidence,
            [Evidence::value("/etc/docker/daemon.json", "icc not false")]
        );
        let o = run(
            &DockerDaemonUnhardened,
            &with(&text("containers/docker/daemon-json/empty.json")),
        );
        let got: Vec<(Option<&str>, &str)> = o
            .problems()
            .iter()
            .map(|p| (p.subject.as_deref(), p.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some("userns-remap"),
                    "rootful dockerd with `userns-remap` unset"
                ),
                (
                    Some("no-new-privileges"),
                    "rootful dockerd with `no-new-privileges` not true"
                ),
                (Some("icc"), "rootful dockerd with `icc` not false"),
            ]
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
