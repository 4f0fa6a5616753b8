//! NIX-002: a library preloaded into every process that is not the configured allocator.

use crate::cx::{Fact, HostCx};
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::environment::lines;
use crate::perms::unreadable;
use nixsec_readers::environment::{Assignment, EnvFiles};

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
        // One problem per library (listed in one or both files), then per file setting
        // `LD_PRELOAD`.
        let mut problems: Vec<Problem> = Vec::new();
        let mut evidence = Vec::new();
        let mut allowed = Vec::new();
        let mut errors = Vec::new();
        for f in ["/etc/ld-nix.so.preload", "/etc/ld.so.preload"] {
            let text = match cx.root().read_to_string(f) {
                Ok((_, t)) => t,
                Err(e) if e.is_not_found() => continue,
                Err(e) => {
                    errors.push(e.to_string());
                    continue;
                }
            };
            for e in entries(&text) {
                let name = e.rsplit('/').next().unwrap_or(&e);
                let ev = Evidence::value(f, e.clone());
                if let Some(p) = problems
                    .iter_mut()
                    .find(|p| p.subject.as_deref() == Some(e.as_str()))
                {
                    p.evidence.push(ev);
                    continue;
                }
                let shown = nixsec_core::escape(&e);
                let why = if !e.starts_with("/nix/store/") {
                    format!("`{f}` preloads `{shown}` (outside /nix/store)")
                } else if !ALLOCATORS
                    .iter()
                    .any(|a| name.contains(a) || e.contains(&format!("-{a}")))
                {
                    format!("`{f}` preloads `{shown}`, which is not a memory allocator")
                } else {
                    allowed.push(e.clone());
                    evidence.push(ev);
                    continue;
                };
                problems.push(Problem::about(e.clone(), why).with_evidence([ev]));
            }
        }
        let env = EnvFiles::of(cx);
        for (file, hits) in env.assignments_by_file("LD_PRELOAD") {
            let value = hits.last().map(|a| a.value.as_str()).unwrap_or_default();
            problems.push(
                Problem::about(
                    file,
                    format!(
                        "`LD_PRELOAD` is set for every login in `{file}` ({}): `{}`",
                        lines(&hits),
                        nixsec_core::escape(value)
                    ),
                )
                .with_evidence(hits.iter().map(Assignment::evidence)),
            );
        }
        errors.extend(env.errors.iter().map(ToString::to_string));
        if !problems.is_empty() {
            problems.extend(errors.iter().map(|e| unreadable(e, "preload file")));
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; "));
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
            "`/etc/ld.so.preload` preloads `/usr/local/lib/libprocesshider.so` (outside /nix/store)"
        );
        assert_eq!(
            o.problems()[0].subject.as_deref(),
            Some("/usr/local/lib/libprocesshider.so")
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
            "`LD_PRELOAD` is set for every login in `/etc/set-environment` (line 1): `/x.so`"
        );
        assert_eq!(
            o.problems()[0].subject.as_deref(),
            Some("/etc/set-environment")
        );
    }

    #[test]
    fn one_problem_per_library_and_per_file() {
        let b = RootBuilder::new()
            .file(
                "/etc/ld-nix.so.preload",
                format!("{SCUDO}/usr/local/lib/libsnoopy.so\n"),
            )
            .file(
                "/etc/ld.so.preload",
                "/usr/local/lib/libsnoopy.so /nix/store/aaaa-libfaketime-0.9.10/lib/libfaketime.so.1\n",
            )
            .file("/etc/pam/environment", "LD_PRELOAD DEFAULT=/usr/lib/libfakeroot.so\n");
        let o = run(&Preload, &b);
        let p = o.problems();
        let subjects: Vec<&str> = p.iter().filter_map(|p| p.subject.as_deref()).collect();
        assert_eq!(
            subjects,
            [
                "/usr/local/lib/libsnoopy.so",
                "/nix/store/aaaa-libfaketime-0.9.10/lib/libfaketime.so.1",
                "/etc/pam/environment"
            ],
            "{o:?}"
        );
        // Listed in both files: one problem, evidence from each.
        assert_eq!(
            p[0].message,
            "`/etc/ld-nix.so.preload` preloads `/usr/local/lib/libsnoopy.so` (outside /nix/store)"
        );
        assert_eq!(p[0].evidence.len(), 2);
        assert_eq!(
            p[1].message,
            "`/etc/ld.so.preload` preloads `/nix/store/aaaa-libfaketime-0.9.10/lib/libfaketime.so.1`, which is not a memory allocator"
        );
        assert_eq!(
            p[2].message,
            "`LD_PRELOAD` is set for every login in `/etc/pam/environment` (line 1): `/usr/lib/libfakeroot.so`"
        );
        assert!(p.iter().all(|p| p.severity.is_none()));
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
        // Next to a problem, the unreadable file is a problem of its own.
        let o = run(
            &Preload,
            &RootBuilder::new()
                .dir("/etc/ld.so.preload", 0o700)
                .file("/etc/ld-nix.so.preload", "/usr/lib/libx.so\n"),
        );
        let p = o.problems();
        assert_eq!(p.len(), 2, "{o:?}");
        assert_eq!(p[1].subject.as_deref(), Some("/etc/ld.so.preload"));
        assert!(p[1].message.ends_with("; not checked"), "{}", p[1].message);
    }
}
