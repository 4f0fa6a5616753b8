//! NIX-056: users whose group gives them root-equivalent container or VM access.

use std::os::unix::fs::MetadataExt;

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};
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
        let mut evidence = Vec::new();
        if !d.daemon.rootful.is_empty() {
            wanted.push(("docker".into(), "rootful Docker".into()));
        }
        let docker_sock = if root.exists("/run/docker.sock") {
            "/run/docker.sock"
        } else {
            "/var/run/docker.sock"
        };
        for (sock, what) in [
            (docker_sock, "Docker socket"),
            ("/run/podman/podman.sock", "rootful Podman socket"),
        ] {
            if let Ok((_, md)) = root.metadata(sock) {
                let accounts = crate::accounts::Accounts::of(cx);
                let g = accounts.group_name(md.gid());
                if md.mode() & 0o002 != 0 {
                    evidence.push(Evidence::value(
                        sock,
                        format!(
                            "{what} writable by everyone (mode {:o})",
                            md.mode() & 0o7777
                        ),
                    ));
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
            if dirs.iter().any(|p| root.exists(p)) {
                wanted.push((group.into(), why.into()));
            }
        }
        if wanted.is_empty() && evidence.is_empty() {
            return Outcome::skip("no rootful Docker, Podman, libvirt, LXD or Incus daemon here");
        }
        let groups = match root.read_to_string("/etc/group") {
            Ok((_, t)) => group_members(&t),
            Err(e) => return Outcome::error(e.to_string()),
        };
        let users = crate::accounts::Accounts::of(cx);
        let passwd = users.users.as_ref().ok();
        let mut who = Vec::new();
        wanted.dedup_by(|a, b| a.0 == b.0);
        for (g, why) in &wanted {
            let Some((line, gid, members)) = groups.get(g) else {
                continue;
            };
            let mut m: Vec<String> = members.iter().filter(|u| *u != "root").cloned().collect();
            if let Some(us) = passwd {
                let primary: Vec<String> = us
                    .iter()
                    .filter(|u| u.gid == *gid && u.uid != 0 && !m.contains(&u.name))
                    .map(|u| format!("{} (primary group)", u.name))
                    .collect();
                m.extend(primary);
            }
            if m.is_empty() {
                continue;
            }
            who.push(format!("{g}: {}", m.join(", ")));
            evidence.push(Evidence::line(
                "/etc/group",
                *line,
                format!("{g} ({why}): {}", m.join(",")),
            ));
        }
        if !evidence.is_empty() {
            let msg = if who.is_empty() {
                "a daemon socket is writable by every user".to_string()
            } else {
                format!("root-equivalent through a daemon group: {}", who.join("; "))
            };
            return Outcome::fail(nixsec_core::escape(&msg).into_owned()).with_evidence(evidence);
        }
        let names: Vec<&str> = wanted.iter().map(|(g, _)| g.as_str()).collect();
        Outcome::pass(format!("no user besides root in {}", names.join(", ")))
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
        let Some(crate::testing::Failed {
            evidence, message, ..
        }) = crate::testing::failed(&o)
        else {
            panic!("{o:?}")
        };
        assert!(message.contains("docker: alice"), "{message}");
        assert_eq!(
            evidence[0],
            Evidence::line("/etc/group", 3, "docker (rootful Docker): alice")
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
        let Some(crate::testing::Failed { evidence, .. }) = crate::testing::failed(&o) else {
            panic!("{o:?}")
        };
        assert_eq!(
            evidence[0],
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
