//! NIX-056: users whose group gives them root-equivalent container or VM access.

use std::os::unix::fs::MetadataExt;

use crate::cx::{Fact, HostCx};
use nixsec_core::{escape, Evidence, Outcome, Problem};
use nixsec_isolation::docker::group_members;

use crate::engine::Rule;
use crate::isolation::docker_state;

/// Members of container/VM admin groups.
pub struct ContainerGroupMembers;

crate::host_rule!("NIX-056", ContainerGroupMembers);

impl Rule for ContainerGroupMembers {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        let d = docker_state(cx);
        let mut wanted: Vec<(String, String)> = Vec::new(); // (group, why)
        let mut problems = Vec::new();
        if !d.daemon.rootful.is_empty() {
            wanted.push(("docker".into(), "rootful Docker".into()));
        }
        let docker_sock = if !root.presence("/run/docker.sock").is_absent() {
            "/run/docker.sock"
        } else {
            "/var/run/docker.sock"
        };
        for (sock, what) in [
            (docker_sock, "Docker socket"),
            ("/run/podman/podman.sock", "rootful Podman socket"),
        ] {
            if let Ok((_, md)) = root.metadata(sock) {
                let accounts = nixsec_readers::accounts::Accounts::of(cx);
                let g = accounts.group_name(md.gid());
                if md.mode() & 0o002 != 0 {
                    problems.push(
                        Problem::about(
                            sock,
                            format!("the {what} `{sock}` is writable by every user"),
                        )
                        .with_evidence([Evidence::value(
                            sock,
                            format!(
                                "{what} writable by everyone (mode {:o})",
                                md.mode() & 0o7777
                            ),
                        )]),
                    );
                }
                if g != "root" {
                    wanted.push((g, format!("owns the {what}")));
                }
            }
        }
        for (group, dirs, why) in [
            (
                "libvirtd",
                &["/var/lib/libvirt", "/etc/libvirt"][..],
                "libvirt",
            ),
            (
                "libvirt",
                &["/var/lib/libvirt", "/etc/libvirt"][..],
                "libvirt",
            ),
            ("lxd", &["/var/lib/lxd"][..], "LXD"),
            ("incus-admin", &["/var/lib/incus"][..], "Incus"),
        ] {
            if dirs.iter().any(|p| !root.presence(p).is_absent()) {
                wanted.push((group.into(), why.into()));
            }
        }
        if wanted.is_empty() && problems.is_empty() {
            return Outcome::skip("no rootful Docker, Podman, libvirt, LXD or Incus daemon here");
        }
        let groups = match root.read_to_string("/etc/group") {
            Ok((_, t)) => group_members(&t),
            Err(e) => return Outcome::error(e.to_string()),
        };
        let users = nixsec_readers::accounts::Accounts::of(cx);
        let passwd = users.users.as_ref().ok();
        let mut seen: Vec<&str> = Vec::new();
        for (g, why) in &wanted {
            if seen.contains(&g.as_str()) {
                continue;
            }
            seen.push(g.as_str());
            let Some((line, gid, members)) = groups.get(g) else {
                continue;
            };
            // (user, by primary group)
            let mut m: Vec<(&str, bool)> = members
                .iter()
                .filter(|u| *u != "root")
                .map(|u| (u.as_str(), false))
                .collect();
            if let Some(us) = passwd {
                for u in us {
                    if u.gid == *gid && u.uid != 0 && !m.iter().any(|(n, _)| *n == u.name) {
                        m.push((u.name.as_str(), true));
                    }
                }
            }
            let g = escape(g);
            for (user, primary) in m {
                let user = escape(user);
                let (msg, value) = if primary {
                    (
                        format!("`{user}` has `{g}` ({why}) as primary group: root-equivalent"),
                        format!("{g} ({why}): {user} (primary group)"),
                    )
                } else {
                    (
                        format!("`{user}` is in `{g}` ({why}): root-equivalent"),
                        format!("{g} ({why}): {user}"),
                    )
                };
                problems.push(
                    Problem::about(format!("{g}:{user}"), msg).with_evidence([Evidence::line(
                        "/etc/group",
                        *line,
                        value,
                    )]),
                );
            }
        }
        let names: Vec<&str> = wanted.iter().map(|(g, _)| g.as_str()).collect();
        Outcome::problems_or(problems, || {
            Outcome::pass(format!("no user besides root in {}", names.join(", ")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolation::fixtures::PASSWD;
    use crate::testing::*;

    fn root(group: &str) -> RootBuilder {
        RootBuilder::new()
            .file("/etc/passwd", PASSWD)
            .file("/etc/group", group)
            .file("/etc/docker/daemon.json", "{}")
    }

    #[test]
    fn docker_group_member_fails() {
        let o = run(
            &ContainerGroupMembers,
            &root("root:x:0:\nwheel:x:1:alice\ndocker:x:131:alice\n"),
        );
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("docker:alice"));
        assert_eq!(
            p[0].message,
            "`alice` is in `docker` (rootful Docker): root-equivalent"
        );
        assert_eq!(p[0].severity, None);
        assert_eq!(
            p[0].evidence,
            [Evidence::line(
                "/etc/group",
                3,
                "docker (rootful Docker): alice"
            )]
        );
    }

    #[test]
    fn each_member_and_primary_group_user_is_a_problem() {
        // bob's primary group is docker (gid 131); alice and root are listed members.
        let b = RootBuilder::new()
            .file(
                "/etc/passwd",
                "root:x:0:0::/root:/bin/sh\nalice:x:1000:100::/home/alice:/bin/sh\nbob:x:1001:131::/home/bob:/bin/sh\n",
            )
            .file("/etc/group", "root:x:0:\ndocker:x:131:root,alice\n")
            .file("/etc/docker/daemon.json", "{}")
            .dir("/var/lib/lxd", 0o755);
        let o = run(&ContainerGroupMembers, &b);
        let got: Vec<(Option<&str>, &str)> = o
            .problems()
            .iter()
            .map(|p| (p.subject.as_deref(), p.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some("docker:alice"),
                    "`alice` is in `docker` (rootful Docker): root-equivalent"
                ),
                (
                    Some("docker:bob"),
                    "`bob` has `docker` (rootful Docker) as primary group: root-equivalent"
                ),
            ]
        );
        assert_eq!(
            o.problems()[1].evidence[0].value.as_deref(),
            Some("docker (rootful Docker): bob (primary group)")
        );
    }

    #[test]
    fn empty_group_passes_and_no_daemon_skips() {
        assert_eq!(
            run(&ContainerGroupMembers, &root("root:x:0:\ndocker:x:131:\n")).status(),
            Status::Pass
        );
        let b = RootBuilder::new().file("/etc/group", "docker:x:131:alice\n");
        assert_eq!(
            run(&ContainerGroupMembers, &b).status(),
            Status::Skip,
            "group without a daemon"
        );
    }

    #[test]
    fn libvirtd_member_fails() {
        let b = RootBuilder::new()
            .file("/etc/passwd", PASSWD)
            .dir("/var/lib/libvirt", 0o755)
            .file("/etc/group", "libvirtd:x:67:alice\n");
        assert_eq!(run(&ContainerGroupMembers, &b).status(), Status::Fail);
    }

    #[test]
    fn world_writable_socket_fails() {
        use std::os::unix::fs::PermissionsExt;
        let b = RootBuilder::new()
            .file("/etc/passwd", PASSWD)
            .file("/etc/group", "root:x:0:\n")
            .dir("/run", 0o755);
        let sock = b.path().join("run/docker.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&sock)
            .expect("bind a socket in the fixture root");
        std::fs::set_permissions(&sock, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        let o = run(&ContainerGroupMembers, &b);
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("/run/docker.sock"));
        assert_eq!(
            p[0].message,
            "the Docker socket `/run/docker.sock` is writable by every user"
        );
        assert_eq!(
            p[0].evidence[0],
            Evidence::value(
                "/run/docker.sock",
                "Docker socket writable by everyone (mode 666)"
            )
        );
    }

    #[test]
    fn unreadable_group_is_an_error() {
        let b = RootBuilder::new()
            .file("/etc/docker/daemon.json", "{}")
            .symlink("/etc/group", "/etc/group");
        assert_eq!(run(&ContainerGroupMembers, &b).status(), Status::Error);
    }
}
