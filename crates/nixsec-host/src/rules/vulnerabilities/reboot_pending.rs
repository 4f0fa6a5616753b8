//! NIX-154: the running kernel, initrd or kernel modules are not those of the current system,
//! so an update that changed them is not in effect until a reboot.

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_core::{Evidence, Outcome, Root};

/// A switch to a new generation that changed the kernel, initrd or modules, without a reboot.
pub struct RebootPending;

crate::host_rule!("NIX-154", RebootPending);

/// The parts of a system whose change needs a reboot.
const PARTS: [&str; 3] = ["kernel", "initrd", "kernel-modules"];

/// Where `path` leads inside the root, `None` when it does not exist.
fn target(root: &Root, path: &str) -> Result<Option<String>, String> {
    match root.metadata(path) {
        Ok((r, _)) => Ok(Some(r.inner.display().to_string())),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

impl Rule for RebootPending {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        for system in ["/run/booted-system", "/run/current-system"] {
            match target(root, system) {
                Ok(Some(_)) => {}
                Ok(None) => {
                    return Outcome::skip(format!(
                        "no {system} (a mounted root, or not a running NixOS system)"
                    ))
                }
                Err(e) => return Outcome::error(e),
            }
        }
        let mut differ = Vec::new();
        let mut evidence = Vec::new();
        let mut compared = 0;
        for part in PARTS {
            let booted = format!("/run/booted-system/{part}");
            let current = format!("/run/current-system/{part}");
            let (b, c) = match (target(root, &booted), target(root, &current)) {
                (Ok(b), Ok(c)) => (b, c),
                (Err(e), _) | (_, Err(e)) => return Outcome::error(e),
            };
            if b.is_none() && c.is_none() {
                continue;
            }
            compared += 1;
            if b != c {
                differ.push(part);
                let shown = |t: Option<String>| t.unwrap_or_else(|| "(absent)".into());
                evidence.push(Evidence::value(booted, shown(b)));
                evidence.push(Evidence::value(current, shown(c)));
            }
        }
        if compared == 0 {
            return Outcome::skip("neither system has a kernel (a container?)");
        }
        if differ.is_empty() {
            return Outcome::pass(
                "the running kernel, initrd and modules are the current system's",
            );
        }
        let what = match differ.split_last() {
            Some((last, [])) => (*last).to_string(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        Outcome::fail(format!(
            "the current system's {what} differ from the booted system's: the update is not in effect until a reboot"
        ))
        .with_evidence(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    /// A system generation in the store with these kernel and initrd store paths (and modules
    /// named after the kernel).
    fn system(b: RootBuilder, name: &str, kernel: &str, initrd: &str) -> RootBuilder {
        let top = format!("/nix/store/{name}-nixos-system");
        b.file(&format!("/nix/store/{kernel}/bzImage"), "kernel")
            .file(&format!("/nix/store/{initrd}/initrd"), "initrd")
            .dir(&format!("/nix/store/{kernel}-modules/lib/modules"), 0o755)
            .symlink(
                &format!("{top}/kernel"),
                &format!("/nix/store/{kernel}/bzImage"),
            )
            .symlink(
                &format!("{top}/initrd"),
                &format!("/nix/store/{initrd}/initrd"),
            )
            .symlink(
                &format!("{top}/kernel-modules"),
                &format!("/nix/store/{kernel}-modules"),
            )
    }

    fn host(booted: &str, current: &str) -> RootBuilder {
        let b = system(RootBuilder::new(), "aaa", "k1-linux-6.6.1", "i1-initrd");
        let b = system(b, "bbb", "k2-linux-6.6.9", "i2-initrd");
        b.symlink(
            "/run/booted-system",
            &format!("/nix/store/{booted}-nixos-system"),
        )
        .symlink(
            "/run/current-system",
            &format!("/nix/store/{current}-nixos-system"),
        )
    }

    #[test]
    fn same_generation_passes() {
        let o = run(&RebootPending, &host("bbb", "bbb"));
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn a_new_kernel_not_booted_fails_with_both_paths() {
        let o = run(&RebootPending, &host("aaa", "bbb"));
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(
            message(&o).contains("kernel, initrd and kernel-modules differ"),
            "{}",
            message(&o)
        );
        let ev = format!("{o:?}");
        assert!(ev.contains("/nix/store/k1-linux-6.6.1/bzImage"), "{ev}");
        assert!(ev.contains("/nix/store/k2-linux-6.6.9/bzImage"), "{ev}");
    }

    #[test]
    fn same_kernel_other_generation_passes() {
        // A switch that changed services only: a new system, the same kernel and initrd.
        let b = system(RootBuilder::new(), "aaa", "k1-linux-6.6.1", "i1-initrd");
        let b = system(b, "bbb", "k1-linux-6.6.1", "i1-initrd")
            .symlink("/run/booted-system", "/nix/store/aaa-nixos-system")
            .symlink("/run/current-system", "/nix/store/bbb-nixos-system");
        let o = run(&RebootPending, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn mounted_roots_and_containers_are_skipped() {
        let o = run(
            &RebootPending,
            &RootBuilder::new().file("/etc/os-release", "ID=nixos\n"),
        );
        assert_eq!(o.status(), Status::Skip);
        let b = RootBuilder::new()
            .dir("/nix/store/ccc-nixos-system/sw", 0o755)
            .symlink("/run/booted-system", "/nix/store/ccc-nixos-system")
            .symlink("/run/current-system", "/nix/store/ccc-nixos-system");
        let o = run(&RebootPending, &b);
        assert_eq!(o.status(), Status::Skip, "{}", message(&o));
        assert!(message(&o).contains("container"));
    }

    #[test]
    fn a_symlink_loop_is_an_error() {
        let b = system(RootBuilder::new(), "bbb", "k2-linux-6.6.9", "i2-initrd")
            .symlink("/nix/store/loop-a", "/nix/store/loop-b")
            .symlink("/nix/store/loop-b", "/nix/store/loop-a")
            .symlink("/nix/store/ddd-nixos-system/kernel", "/nix/store/loop-a")
            .symlink("/run/booted-system", "/nix/store/ddd-nixos-system")
            .symlink("/run/current-system", "/nix/store/bbb-nixos-system");
        let o = run(&RebootPending, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
    }
}
