//! NIX-058: Docker containers that are privileged or share host namespaces.

use crate::cx::HostCx;
use nixsec_core::{escape, Evidence, Outcome, Problem, Severity};
use nixsec_isolation::docker;

use crate::engine::Rule;
use crate::isolation::{docker_state, merged, unread};

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
        let mut problems = Vec::new();
        for c in &cs.containers {
            let p = docker::problems(c);
            if p.is_empty() {
                continue;
            }
            let userns = docker::in_user_namespace(c);
            let who = match (&c.rootless_user, userns) {
                (Some(u), _) => format!(" (rootless, {u})"),
                (None, true) => " (user-namespace remapped)".to_string(),
                _ => String::new(),
            };
            let name = escape(&c.name);
            // A container whose root is not host root reaches less of the host: medium.
            let severity = userns.then_some(Severity::Medium);
            problems.push(
                Problem::about(
                    name.as_ref(),
                    format!("container `{name}`{} can reach the host", escape(&who)),
                )
                .with_evidence([Evidence::value(
                    format!("{}/hostconfig.json", c.dir),
                    format!("{}{who}: {}", c.name, p.join(" ")),
                )])
                .with_severity_opt(severity),
            );
        }
        let mut problems = merged(problems);
        if !problems.is_empty() {
            problems.extend(cs.errors.iter().map(|e| unread(e)));
            return Outcome::Fail { problems };
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
        let mut p: Vec<&nixsec_core::Problem> = o.problems().iter().collect();
        p.sort_by_key(|p| p.subject.clone());
        let subjects: Vec<_> = p.iter().map(|p| p.subject.as_deref()).collect();
        // hardened, web-default and the remapped container share nothing with the host.
        assert_eq!(
            subjects,
            [Some("caps-unconfined"), Some("privileged-sock")],
            "{o:?}"
        );
        assert_eq!(
            p[0].message,
            "container `caps-unconfined` can reach the host"
        );
        assert_eq!(p[0].severity, None, "host root: high");
        assert!(
            p[0].evidence[0]
                .value
                .as_deref()
                .unwrap_or("")
                .starts_with("caps-unconfined: --cap-add=NET_ADMIN --cap-add=SYS_ADMIN"),
            "{p:?}"
        );
        assert_eq!(p[1].evidence[0].value.as_deref(), Some("privileged-sock: --privileged --pid=host --network=host --ipc=host -v /var/run/docker.sock:/var/run/docker.sock"));
        assert_eq!(p[1].severity, None);
    }

    #[test]
    fn a_remapped_privileged_container_is_medium_on_its_own() {
        let id = "7400db4bcfa9203521073607812a03f5c9bb52c966f1c0ad641d1934cdfd3c44";
        let rel = format!(
            "containers/docker/userns-remap/var-lib-docker-100000.100000-containers/{id}/hostconfig.json"
        );
        let hc = crate::isolation::fixtures::text(&rel)
            .replace("\"Privileged\":false", "\"Privileged\":true");
        let b = docker_root("{}").file(
            &format!("/var/lib/docker/100000.100000/containers/{id}/hostconfig.json"),
            hc,
        );
        let o = run(&OciPrivileged, &b);
        let remapped: Vec<_> = o
            .problems()
            .iter()
            .filter(|p| p.subject.as_deref() == Some("remapped"))
            .collect();
        assert_eq!(remapped.len(), 1, "{o:?}");
        assert_eq!(
            remapped[0].message,
            "container `remapped` (user-namespace remapped) can reach the host"
        );
        assert_eq!(remapped[0].severity, Some(Severity::Medium));
        assert_eq!(o.problems().len(), 3, "the host-root ones stay high: {o:?}");
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
