//! NIX-005: FHS directories on a NixOS system hold files (programs and libraries outside the
//! store, found by every hard-coded `/usr/bin/...` path).

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::perms::{capped, unreadable};
use nixsec_readers::kernel::mounts;

/// Most entries reported one by one.
const MAX_LISTED: usize = 10;

/// `/bin`, `/usr/bin`, `/lib`, `/lib64`, `/usr/lib` hold more than NixOS puts there.
pub struct FhsPopulated;

crate::host_rule!("NIX-005", FhsPopulated);

impl Rule for FhsPopulated {
    fn check(&self, cx: &HostCx) -> Outcome {
        if !cx.info().is_nixos {
            return Outcome::skip("not a NixOS system: FHS directories are populated by design");
        }
        if let Ok(Some(m)) = mounts(cx.root()) {
            if let Some(e) = m.iter().find(|m| {
                (m.point == "/usr/bin" || m.point == "/bin") && m.fstype.contains("envfs")
            }) {
                return Outcome::pass(format!("envfs is mounted on {}", e.point)).with_evidence([
                    Evidence::line(
                        "/proc/self/mountinfo",
                        e.line,
                        format!("{} {}", e.point, e.fstype),
                    ),
                ]);
            }
        }
        let mut unexpected = Vec::new();
        let mut errors = Vec::new();
        for (dir, expected) in [
            ("/bin", &["sh"][..]),
            ("/usr/bin", &["env"][..]),
            ("/lib", &[][..]),
            ("/usr/lib", &[][..]),
            ("/lib64", &[][..]),
        ] {
            let names = match cx.root().read_dir(dir) {
                Ok((_, n)) => n,
                Err(e) if e.is_not_found() => continue,
                Err(e) => {
                    errors.push(e.to_string());
                    continue;
                }
            };
            for n in names {
                let n = n.to_string_lossy().into_owned();
                let stub = dir == "/lib64" && n.starts_with("ld-linux") && n.ends_with(".so.2");
                if !expected.contains(&n.as_str()) && !stub {
                    unexpected.push(format!("{dir}/{n}"));
                }
            }
        }
        if !unexpected.is_empty() {
            let problems = unexpected
                .iter()
                .map(|p| {
                    Problem::about(
                        p.clone(),
                        format!(
                            "unexpected entry `{}` in an FHS directory",
                            nixsec_core::escape(p)
                        ),
                    )
                    .with_evidence([Evidence::path(p.clone())])
                })
                .collect();
            let mut problems = capped(problems, MAX_LISTED, "entries");
            problems.extend(errors.iter().map(|e| unreadable(e, "FHS directory")));
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; "));
        }
        Outcome::pass("FHS directories hold only /bin/sh, /usr/bin/env and the loader stub")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn nixos() -> RootBuilder {
        RootBuilder::new()
            .file("/etc/NIXOS", "")
            .symlink("/bin/sh", "/nix/store/aaaa-bash-5.2/bin/sh")
            .symlink("/usr/bin/env", "/nix/store/bbbb-coreutils-9.5/bin/env")
            .symlink(
                "/lib64/ld-linux-x86-64.so.2",
                "/nix/store/cccc-stub-ld-x86_64-linux/lib/ld-linux-x86-64.so.2",
            )
    }

    #[test]
    fn stock_nixos_passes() {
        assert_eq!(run(&FhsPopulated, &nixos()).status(), Status::Pass);
    }

    #[test]
    fn dropped_files_fail_unless_envfs() {
        let b = nixos()
            .file("/usr/bin/python3", "#!/bin/sh\n")
            .file("/lib/libfoo.so.1", "");
        let o = run(&FhsPopulated, &b);
        let p = o.problems();
        assert_eq!(p.len(), 2, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("/usr/bin/python3"));
        assert_eq!(
            p[0].message,
            "unexpected entry `/usr/bin/python3` in an FHS directory"
        );
        assert_eq!(p[1].subject.as_deref(), Some("/lib/libfoo.so.1"));
        assert!(p.iter().all(|p| p.severity.is_none()));
        let b = b.file(
            "/proc/self/mountinfo",
            "80 27 0:60 / /usr/bin rw,nosuid,nodev - fuse.envfs envfs rw\n",
        );
        assert_eq!(run(&FhsPopulated, &b).status(), Status::Pass);
    }

    #[test]
    fn ten_are_listed_then_a_count() {
        let mut b = nixos();
        for i in 0..12 {
            b = b.file(&format!("/usr/lib/lib{i:02}.so"), "");
        }
        let o = run(&FhsPopulated, &b);
        let p = o.problems();
        assert_eq!(p.len(), 10, "{o:?}");
        assert!(
            p[9].message.ends_with("(2 more entries found, not listed)"),
            "{}",
            p[9].message
        );
    }

    #[test]
    fn skip_and_error() {
        assert_eq!(
            run(&FhsPopulated, &RootBuilder::new()).status(),
            Status::Skip
        );
        let b = RootBuilder::new()
            .file("/etc/NIXOS", "")
            .file("/lib", "not a directory");
        assert_eq!(run(&FhsPopulated, &b).status(), Status::Error);
    }
}
