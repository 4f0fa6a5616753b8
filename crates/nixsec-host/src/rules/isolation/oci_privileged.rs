//! NIX-058: Docker containers that are privileged or share host namespaces.
//!
//! ## What it checks
//! Every container under Docker's data roots (`/var/lib/docker/containers/*/hostconfig.json`,
//! remapped `/var/lib/docker/<uid>.<gid>/containers/`, rootless
//! `~/.local/share/docker/containers/`) and Podman's OCI runtime specs.
//!
//! ## Why it matters
//! A privileged container, one with `CAP_SYS_ADMIN`, the host's PID or network namespace, no
//! seccomp or AppArmor profile, or the Docker socket mounted is root on the host.
//!
//! ## Fix (NixOS)
//! Drop the flags from `virtualisation.oci-containers.containers.<n>.extraOptions` and mount
//! only what the service needs, read-only.
//!
//! ## References
//! docker-run(1) `--privileged`, `--cap-add`, `--pid`, `--security-opt`; CWE-250.

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};
use nixsec_isolation::docker;

use crate::isolation::docker_state;

/// Privileged or host-namespace OCI containers.
pub struct OciPrivileged;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &OciPrivileged;

static META: RuleMeta = RuleMeta {
    id: "NIX-058",
    title: "Privileged or host-namespace OCI containers",
    section: Section::Isolation,
    severity: Severity::High,
    checks: "Each Docker container's `hostconfig.json` under the data root (`/var/lib/docker/containers/`, or `data-root` from daemon.json), the user-namespace-remapped roots `<data-root>/<uid>.<gid>/containers/` and rootless `~/.local/share/docker/containers/`. Fails for `Privileged`, `CapAdd` of ALL, SYS_ADMIN, SYS_MODULE, SYS_PTRACE, SYS_RAWIO, DAC_READ_SEARCH, NET_ADMIN or BPF, `PidMode`/`NetworkMode`/`IpcMode` `host`, `SecurityOpt` `seccomp=unconfined`/`apparmor=unconfined`, a bind or mount of `/`, `/run`, `/var/run` or a Docker, containerd or Podman socket, a writable bind of `/etc`, `/root`, `/home`, `/nix`, `/boot`, `/usr`, `/var/lib`, `/dev`, `/proc` or `/sys`, or raw disk or memory devices. Podman containers are read from the OCI runtime spec Podman writes (`/var/lib/containers/storage/overlay-containers/<ID>/userdata/config.json`, rootless under `~/.local/share/containers/storage/`): a namespace missing from `linux.namespaces` is the host's, `process.capabilities.bounding` holds the capabilities, no `linux.seccomp` is unconfined. Containers whose root is not host root (remapped without `--userns=host`, or rootless) fail at medium.",
    rationale: "Each of these flags removes a wall between the container and the host: a privileged container can load kernel modules and mount the host's disks, the Docker socket lets it start a privileged sibling, and the host's PID namespace lets it ptrace host processes.",
    fix: "Remove the flags; grant single capabilities only where needed, and mount only the paths the service uses, read-only.",
    nixos: "virtualisation.oci-containers.containers.<name> = {\n  extraOptions = [ \"--cap-drop=ALL\" \"--security-opt=no-new-privileges\" ];  # no --privileged, --pid=host, --network=host\n  volumes = [ \"/srv/app:/data:ro\" ];  # no /var/run/docker.sock\n};",
    references: &["docker-run(1)", "https://docs.docker.com/engine/security/", "CWE-250"],
    source: file!(),
};

impl Rule for OciPrivileged {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        let d = docker_state(cx);
        let cs = &d.containers;
        if cs.roots.is_empty() {
            if let Some(e) = cs.errors.first() {
                return Outcome::error(e.clone());
            }
            return Outcome::skip("no Docker or Podman container data (/var/lib/docker/containers, /var/lib/containers/storage)");
        }
        let mut evidence = Vec::new();
        let mut names = Vec::new();
        let mut host_root = false;
        for c in &cs.containers {
            let p = docker::problems(c);
            if p.is_empty() {
                continue;
            }
            let userns = docker::in_user_namespace(c);
            host_root |= !userns;
            let who = match (&c.rootless_user, userns) {
                (Some(u), _) => format!(" (rootless, {u})"),
                (None, true) => " (user-namespace remapped)".to_string(),
                _ => String::new(),
            };
            names.push(format!("{}{who}", c.name));
            evidence.push(Evidence::value(
                format!("{}/hostconfig.json", c.dir),
                format!("{}{who}: {}", c.name, p.join(" ")),
            ));
        }
        let errs = if cs.errors.is_empty() {
            String::new()
        } else {
            format!("; not read: {}", cs.errors.join("; "))
        };
        if !evidence.is_empty() {
            let out = Outcome::fail(
                nixsec_core::escape(&format!(
                    "{} container(s) can reach the host: {}{errs}",
                    names.len(),
                    names.join(", ")
                ))
                .into_owned(),
            )
            .with_evidence(evidence);
            return if host_root {
                out
            } else {
                out.with_severity(Severity::Medium)
            };
        }
        if !cs.errors.is_empty() {
            return Outcome::error(cs.errors.join("; "));
        }
        Outcome::pass(format!(
            "{} container(s), none privileged or sharing host namespaces",
            cs.containers.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolation::fixtures::{dir, docker_root};
    use crate::testing::*;

    #[test]
    fn fixture_containers_fail_with_their_flags() {
        let o = run(&OciPrivileged, &docker_root("{}"));
        let Outcome::Fail {
            message,
            evidence,
            severity,
        } = o
        else {
            panic!("{o:?}")
        };
        assert_eq!(severity, None, "host root: high");
        assert!(message.starts_with("2 container(s)"), "{message}");
        let v: Vec<&str> = evidence.iter().filter_map(|e| e.value.as_deref()).collect();
        assert!(v.contains(&"privileged-sock: --privileged --pid=host --network=host --ipc=host -v /var/run/docker.sock:/var/run/docker.sock"), "{v:?}");
        assert!(
            v.iter()
                .any(|x| x.starts_with("caps-unconfined: --cap-add=NET_ADMIN --cap-add=SYS_ADMIN")),
            "{v:?}"
        );
        assert!(
            !message.contains("hardened") && !message.contains("web-default"),
            "{message}"
        );
    }

    #[test]
    fn hardened_container_passes_and_no_docker_skips() {
        let id = "3118434ea95d0c96146cde965255aefb30fbb981910728d1812ead77df21b479";
        let b = RootBuilder::new().tree(
            &format!("/var/lib/docker/containers/{id}"),
            &dir(&format!("containers/docker/var-lib-docker-containers/{id}")),
        );
        assert_eq!(run(&OciPrivileged, &b).status(), Status::Pass);
        assert_eq!(
            run(&OciPrivileged, &RootBuilder::new()).status(),
            Status::Skip
        );
    }

    #[test]
    fn garbage_hostconfig_is_an_error() {
        let id = "a".repeat(64);
        let b = RootBuilder::new().file(
            &format!("/var/lib/docker/containers/{id}/hostconfig.json"),
            "{\"Privileged\": tru",
        );
        let o = run(&OciPrivileged, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(message(&o).contains("hostconfig.json"), "{}", message(&o));
    }
}
