//! NIX-064: a privileged or unconfined LXC container.

use crate::cx::HostCx;
use nixsec_core::{escape, Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::isolation::{lxc_scan, merged, unread};

/// Privileged or unconfined LXC containers.
pub struct LxcPrivileged;

crate::host_rule!("NIX-064", LxcPrivileged);

impl Rule for LxcPrivileged {
    fn check(&self, cx: &HostCx) -> Outcome {
        let scan = lxc_scan(cx);
        if scan.containers.is_empty() && scan.errors.is_empty() {
            return Outcome::skip("no LXC container (/var/lib/lxc, ~/.local/share/lxc)");
        }
        let mut problems = Vec::new();
        for c in &scan.containers {
            if c.problems.is_empty() {
                continue;
            }
            let name = escape(&c.name);
            let subject = match &c.user {
                Some(u) => format!("{name} (user {})", escape(u)),
                None => name.to_string(),
            };
            let evidence = c.problems.iter().map(|(what, at)| match at {
                Some(s) => Evidence::line(
                    s.path.clone(),
                    s.line,
                    format!("{}: {what} ({} = {})", c.name, s.key, s.value),
                ),
                None => Evidence::value(c.config.clone(), format!("{}: {what}", c.name)),
            });
            problems.push(
                Problem::about(
                    subject.as_str(),
                    format!(
                        "{}LXC container `{subject}` is not confined",
                        if c.privileged { "privileged " } else { "" }
                    ),
                )
                .with_evidence(evidence),
            );
        }
        let mut problems = merged(problems);
        if !problems.is_empty() {
            problems.extend(scan.errors.iter().map(|e| unread(e)));
            return Outcome::Fail { problems };
        }
        if !scan.errors.is_empty() {
            return Outcome::error(scan.errors.join("; "));
        }
        Outcome::pass(format!(
            "{} LXC container(s), all unprivileged and confined",
            scan.containers.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolation::fixtures::{dir, lxc_root, text, PASSWD};
    use crate::testing::*;

    #[test]
    fn lxc_create_fixtures() {
        let o = run(&LxcPrivileged, &lxc_root());
        let p = o.problems();
        let got: Vec<(Option<&str>, &str)> = p
            .iter()
            .map(|p| (p.subject.as_deref(), p.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some("busybox-priv"),
                    "privileged LXC container `busybox-priv` is not confined"
                ),
                (
                    Some("none-priv"),
                    "privileged LXC container `none-priv` is not confined"
                ),
            ],
            "{o:?}"
        );
        assert!(
            p[1].evidence
                .iter()
                .any(|e| e.path == "/var/lib/lxc/none-priv/config"
                    && e.value.as_deref()
                        == Some("none-priv: no lxc.idmap: container root is host uid 0")),
            "{p:?}"
        );
        assert!(
            p[0].evidence.iter().all(|e| e
                .value
                .as_deref()
                .is_some_and(|v| v.starts_with("busybox-priv: "))),
            "each container's evidence is its own: {p:?}"
        );
    }

    #[test]
    fn missing_include_is_its_own_problem_next_to_a_failure() {
        let b = lxc_root().file(
            "/var/lib/lxc/broken/config",
            "lxc.include = /usr/share/lxc/config/missing.conf\n",
        );
        let o = run(&LxcPrivileged, &b);
        let p = o.problems();
        assert_eq!(p.len(), 3, "{o:?}");
        assert_eq!(
            p[2].subject.as_deref(),
            Some("/usr/share/lxc/config/missing.conf")
        );
        assert!(
            p[2].message
                .starts_with("`/usr/share/lxc/config/missing.conf` could not be read: "),
            "{}",
            p[2].message
        );
    }

    #[test]
    fn unprivileged_passes() {
        let b = RootBuilder::new()
            .file("/etc/passwd", PASSWD)
            .tree(
                "/var/lib/lxc/none-unpriv",
                &dir("containers/lxc/var-lib-lxc/none-unpriv"),
            )
            .tree(
                "/etc/lxc/default.conf",
                &dir("containers/lxc/etc-lxc-default.conf"),
            );
        let o = run(&LxcPrivileged, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert_eq!(
            run(&LxcPrivileged, &RootBuilder::new()).status(),
            Status::Skip
        );
    }

    #[test]
    fn legacy_keys_are_read() {
        // 2.x names: lxc.id_map makes it unprivileged, lxc.aa_profile = unconfined still fails.
        for f in ["legacy-2x.conf", "legacy-2x.updated.conf"] {
            let b = RootBuilder::new().file(
                "/var/lib/lxc/legacy1/config",
                text(&format!("containers/lxc/{f}")),
            );
            let o = run(&LxcPrivileged, &b);
            let Some(crate::testing::Failed {
                message, evidence, ..
            }) = crate::testing::failed(&o)
            else {
                panic!("{f}: {o:?}")
            };
            assert_eq!(message, "LXC container `legacy1` is not confined", "{f}");
            assert_eq!(o.problems()[0].subject.as_deref(), Some("legacy1"), "{f}");
            assert_eq!(evidence.len(), 1, "{f}: {evidence:?}");
            assert!(
                evidence[0]
                    .value
                    .as_deref()
                    .unwrap_or("")
                    .contains("AppArmor profile unconfined"),
                "{f}"
            );
        }
    }

    #[test]
    fn include_loop_and_missing_include_are_errors() {
        let b = RootBuilder::new()
            .file("/var/lib/lxc/a/config", "lxc.include = /etc/lxc/one.conf\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n")
            .file("/etc/lxc/one.conf", "lxc.include = /etc/lxc/two.conf\n")
            .file("/etc/lxc/two.conf", "lxc.include = /etc/lxc/one.conf\n");
        let o = run(&LxcPrivileged, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(message(&o).contains("lxc.include loop"), "{}", message(&o));
        let b = RootBuilder::new().file(
            "/var/lib/lxc/a/config",
            "lxc.include = /etc/lxc/missing.conf\n",
        );
        assert_eq!(run(&LxcPrivileged, &b).status(), Status::Error);
        let b = RootBuilder::new().file("/var/lib/lxc/a/config", "{\"lxc\": true}\n");
        assert_eq!(run(&LxcPrivileged, &b).status(), Status::Error);
    }

    #[test]
    fn empty_value_clears_a_list() {
        let b = RootBuilder::new().file(
            "/var/lib/lxc/a/config",
            "lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\nlxc.idmap =\nlxc.cap.drop = sys_module\n",
        );
        let o = run(&LxcPrivileged, &b);
        assert_eq!(
            message(&o),
            "privileged LXC container `a` is not confined",
            "{}",
            message(&o)
        );
    }
}
