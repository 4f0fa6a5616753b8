//! NIX-008: an ELF file of the system closure loads code from outside the store.
//!
//! ## What it checks
//! Every ELF file in the closure of `/run/current-system`: `DT_RPATH`/`DT_RUNPATH` entries with
//! `$ORIGIN`, `$LIB` and `$PLATFORM` expanded, `PT_INTERP`, and each `DT_NEEDED` name resolved
//! in ld.so's order (RPATH only without RUNPATH, then RUNPATH, then the glibc's own directory).
//!
//! ## Why it matters
//! Nix points every search path into `/nix/store` so that nothing is loaded from elsewhere; an
//! empty entry (the current directory), a relative one, `/usr/lib`, `/build` or `/tmp` lets
//! whoever controls that directory run code in the program.
//!
//! ## Fix (NixOS)
//! Rebuild the package with `patchelf --shrink-rpath` or `autoPatchelfHook`, keep nixpkgs'
//! `audit-tmpdir` hook.
//!
//! ## References
//! ld.so(8); nixpkgs audit-tmpdir.sh; CWE-426.

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};
use nixsec_scan::findings;

use crate::scan::{fail_with, with_scan};

/// ELF search path escapes the store.
pub struct ElfSearchPathEscapes;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &ElfSearchPathEscapes;

static META: RuleMeta = RuleMeta {
    id: "NIX-008",
    title: "ELF search path escapes the store",
    section: Section::RuntimeSearchPaths,
    severity: Severity::High,
    checks: "Every ELF file in the closure of `/run/current-system`: `DT_RPATH`/`DT_RUNPATH` entries (with `$ORIGIN`, `$LIB`, `$PLATFORM` expanded) that are empty (the current directory), relative, or outside `/nix/store`; a `PT_INTERP` outside the store; `$ORIGIN` in a setuid/setgid file; `DT_NEEDED` libraries that the loader would find outside the store.",
    rationale: "Nix points every binary's search path into the store so that nothing is loaded from elsewhere. An entry such as `/usr/lib`, `/build`, `/tmp` or an empty one (the current directory) lets whoever can write there run code inside the program, with its privileges.",
    fix: "Rebuild the package; in its derivation use `patchelf --shrink-rpath` or `autoPatchelfHook` and keep nixpkgs' `audit-tmpdir` hook (never `dontPatchELF` without cause).",
    nixos: "# in the package's derivation:\nnativeBuildInputs = [ autoPatchelfHook ];\n# and drop dontPatchELF = true;",
    references: &["ld.so(8): DT_RPATH, DT_RUNPATH", "nixpkgs audit-tmpdir", "CWE-426"],
    source: file!(),
};

impl Rule for ElfSearchPathEscapes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        with_scan(cx, |o| {
            let found: Vec<_> = o.elf.iter().filter_map(findings::search_path).collect();
            if found.is_empty() {
                Outcome::pass(format!(
                    "{} ELF files in the system closure: every search path stays in the store",
                    o.elf.len()
                ))
            } else {
                fail_with(&found, "ELF files search outside the store", 20)
            }
        })
    }
}
