//! NIX-058: Docker containers that are privileged or share host namespaces.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Severity};
use nixsec_isolation::docker;

use crate::engine::Rule;
use crate::isolation::docker_state;

/// Privileged or host-namespace OCI containers.
pub struct OciPrivileged;

crate::host_rule!("NIX-058", OciPrivileged);

impl Rule for OciPrivileged {
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
        let Some(crate::testing::Failed {
            message,
            evidence,
            severity,
            ..
        }) = crate::testing::failed(&o)
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
