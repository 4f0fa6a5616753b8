//! NIX-005: FHS directories on a NixOS system hold files (programs and libraries outside the
//! store, found by every hard-coded `/usr/bin/...` path).

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

use crate::engine::Rule;
use crate::kernel::mounts;

/// `/bin`, `/usr/bin`, `/lib`, `/lib64`, `/usr/lib` hold more than NixOS puts there.
pub struct FhsPopulated;

crate::host_rule!("NIX-005", FhsPopulated);

impl Rule for FhsPopulated {
    fn check(&self, cx: &HostCx) -> Outcome {
        if !cx.info().is_nixos {
            return Outcome::skip("not a NixOS system: FHS directories are populated by design");
        }
        if let Ok(Some(m)) = mounts(cx) {
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
            let shown: Vec<&str> = unexpected.iter().take(10).map(String::as_str).collect();
            let more = if unexpected.len() > 10 {
                format!(" and {} more", unexpected.len() - 10)
            } else {
                String::new()
            };
            return Outcome::fail(format!(
                "{} unexpected entries in FHS directories: {}{more}",
                unexpected.len(),
                shown.join(", ")
            ))
            .with_evidence(
                unexpected
                    .iter()
                    .take(10)
                    .map(|p| Evidence::path(p.clone())),
            );
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
        assert_eq!(
            message(&run(&FhsPopulated, &b)),
            "2 unexpected entries in FHS directories: /usr/bin/python3, /lib/libfoo.so.1"
        );
        let b = b.file(
            "/proc/self/mountinfo",
            "80 27 0:60 / /usr/bin rw,nosuid,nodev - fuse.envfs envfs rw\n",
        );
        assert_eq!(run(&FhsPopulated, &b).status(), Status::Pass);
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
