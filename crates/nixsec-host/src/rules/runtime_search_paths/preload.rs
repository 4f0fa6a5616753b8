//! NIX-002: a library preloaded into every process that is not the configured allocator.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

use crate::engine::Rule;
use crate::environment::EnvFiles;

/// `/etc/ld-nix.so.preload` or `/etc/ld.so.preload` lists a non-allocator or non-store library,
/// or `LD_PRELOAD` is set globally.
pub struct Preload;

crate::host_rule!("NIX-002", Preload);

const ALLOCATORS: &[&str] = &[
    "scudo",
    "jemalloc",
    "hardened_malloc",
    "graphene-hardened",
    "mimalloc",
];

fn entries(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.split([' ', '\t', ':']))
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect()
}

impl Rule for Preload {
    fn check(&self, cx: &HostCx) -> Outcome {
        let mut problems = Vec::new();
        let mut evidence = Vec::new();
        let mut allowed = Vec::new();
        for f in ["/etc/ld-nix.so.preload", "/etc/ld.so.preload"] {
            let text = match cx.root().read_to_string(f) {
                Ok((_, t)) => t,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Outcome::error(e.to_string()),
            };
            for e in entries(&text) {
                let name = e.rsplit('/').next().unwrap_or(&e);
                if !e.starts_with("/nix/store/") {
                    problems.push(format!(
                        "{f} preloads `{}` (outside /nix/store)",
                        nixsec_core::escape(&e)
                    ));
                    evidence.push(Evidence::value(f, e.clone()));
                } else if !ALLOCATORS
                    .iter()
                    .any(|a| name.contains(a) || e.contains(&format!("-{a}")))
                {
                    problems.push(format!(
                        "{f} preloads `{}`, which is not a memory allocator",
                        nixsec_core::escape(&e)
                    ));
                    evidence.push(Evidence::value(f, e.clone()));
                } else {
                    allowed.push(e.clone());
                    evidence.push(Evidence::value(f, e.clone()));
                }
            }
        }
        let env = EnvFiles::of(cx);
        for a in env.assignments("LD_PRELOAD") {
            problems.push(format!(
                "LD_PRELOAD is set for every login at {}:{}",
                a.file, a.line
            ));
            evidence.push(a.evidence());
        }
        if !problems.is_empty() {
            return Outcome::fail(problems.join("; ")).with_evidence(evidence);
        }
        if !env.errors.is_empty() {
            return Outcome::error(env.errors.join("; "));
        }
        if allowed.is_empty() {
            Outcome::pass("nothing is preloaded")
        } else {
            Outcome::pass(format!(
                "only the hardened allocator is preloaded ({})",
                allowed.join(", ")
            ))
            .with_evidence(evidence)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    // The path NixOS's malloc module writes for provider = "scudo" (LLVM 17).
    const SCUDO: &str = "/nix/store/mq4qx5zl5iqx1dr8xsbc0gj6ifnq2bzb-compiler-rt-libc-17.0.6/lib/linux/libclang_rt.scudo_standalone-x86_64.so\n";

    #[test]
    fn allocator_passes_and_nothing_passes() {
        let o = run(
            &Preload,
            &RootBuilder::new().file("/etc/ld-nix.so.preload", SCUDO),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert_eq!(
            message(&run(&Preload, &RootBuilder::new())),
            "nothing is preloaded"
        );
    }

    #[test]
    fn rootkit_style_preload_fails() {
        let o = run(
            &Preload,
            &RootBuilder::new().file("/etc/ld.so.preload", "/usr/local/lib/libprocesshider.so\n"),
        );
        assert_eq!(
            message(&o),
            "/etc/ld.so.preload preloads `/usr/local/lib/libprocesshider.so` (outside /nix/store)"
        );
        let o = run(
            &Preload,
            &RootBuilder::new().file(
                "/etc/ld-nix.so.preload",
                "/nix/store/aaaa-evil/lib/libhook.so\n",
            ),
        );
        assert!(message(&o).ends_with("which is not a memory allocator"));
        let o = run(
            &Preload,
            &RootBuilder::new().file("/etc/set-environment", "export LD_PRELOAD=/x.so\n"),
        );
        assert_eq!(
            message(&o),
            "LD_PRELOAD is set for every login at /etc/set-environment:1"
        );
    }

    #[test]
    fn unreadable_preload_is_an_error() {
        assert_eq!(
            run(
                &Preload,
                &RootBuilder::new().dir("/etc/ld.so.preload", 0o700)
            )
            .status(),
            Status::Error
        );
        assert_eq!(
            run(
                &Preload,
                &RootBuilder::new().file("/etc/ld.so.preload", b"\xff\xff".as_slice())
            )
            .status(),
            Status::Error
        );
    }
}
