//! NIX-002: a library preloaded into every process that is not the configured allocator.

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::environment::EnvFiles;

/// `/etc/ld-nix.so.preload` or `/etc/ld.so.preload` lists a non-allocator or non-store library,
/// or `LD_PRELOAD` is set globally.
pub struct Preload;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &Preload;

static META: RuleMeta = RuleMeta {
    id: "NIX-002",
    title: "Unexpected preload library",
    section: Section::RuntimeSearchPaths,
    severity: Severity::High,
    checks: "`/etc/ld-nix.so.preload` (read by NixOS's patched loader; written by `environment.memoryAllocator.provider`), `/etc/ld.so.preload`, and `LD_PRELOAD` in the system-wide environment files. Fails when a preload file lists a library outside `/nix/store`, or one that is not a hardened allocator NixOS offers (scudo, jemalloc, graphene-hardened, mimalloc), or when `LD_PRELOAD` is set globally. Passes when there is no preload or only the allocator.",
    rationale: "A preloaded library runs inside every dynamically linked process, including setuid programs' children and daemons: it is the classic userland rootkit hook (`/etc/ld.so.preload` is what Azazel, Jynx and the XOR DDoS family write).",
    fix: "Remove hand-written preloads; choose the allocator through its option.",
    nixos: "environment.memoryAllocator.provider = \"scudo\";  # or \"libc\" for none",
    references: &["ld.so(8): /etc/ld.so.preload, LD_PRELOAD", "NixOS option environment.memoryAllocator.provider", "MITRE ATT&CK T1574.006"],
    source: file!(),
};

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
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

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
