//! NIX-009: programs of the system closure built without the usual hardening.
//!
//! ## What it checks
//! Every ELF file in the closure of `/run/current-system`, with the properties Debian's
//! `checksec` reports: PIE, NX (`PT_GNU_STACK`), full RELRO (`PT_GNU_RELRO` + `BIND_NOW`) and
//! the stack protector for programs; NX and full RELRO for libraries. The deriver's
//! `hardeningDisable` is cited when its `.drv` is in the store.
//!
//! ## Why it matters
//! These are cheap mitigations that turn memory-safety bugs into crashes instead of code
//! execution; nixpkgs enables them by default, so a missing one was usually switched off.
//!
//! ## Fix (NixOS)
//! Drop the `hardeningDisable` entry of the package (an overlay), or report upstream.
//!
//! ## References
//! checksec; nixpkgs manual, "Hardening in Nixpkgs"; CWE-693.

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};
use nixsec_scan::findings;

use crate::scan::{fail_with, with_scan};

/// Binary hardening missing.
pub struct BinaryHardeningMissing;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &BinaryHardeningMissing;

static META: RuleMeta = RuleMeta {
    id: "NIX-009",
    title: "Binary hardening missing",
    section: Section::RuntimeSearchPaths,
    severity: Severity::Low,
    checks: "ELF files of the closure of `/run/current-system`, computed as Debian's `checksec` does: PIE (`ET_DYN` with `DT_DEBUG`), NX (`PT_GNU_STACK` not RWE), full RELRO (`PT_GNU_RELRO` and `BIND_NOW`), stack canary (`__stack_chk_fail`/`__stack_chk_guard`). Fails for a program without PIE, NX, full RELRO or canary, or a library without NX or full RELRO; medium for setuid/setgid files. The deriver's `hardeningDisable` is cited.",
    rationale: "PIE, NX, RELRO and stack canaries turn many memory-safety bugs into crashes instead of code execution. nixpkgs turns them on by default, so a binary without them was usually built with `hardeningDisable`.",
    fix: "Drop the `hardeningDisable` entry of the package (or override it in an overlay), or report upstream.",
    nixos: "nixpkgs.overlays = [ (final: prev: { pkg = prev.pkg.overrideAttrs (_: { hardeningDisable = [ ]; }); }) ];",
    references: &["checksec(1)", "nixpkgs manual: Hardening in Nixpkgs", "CWE-693"],
    source: file!(),
};

impl Rule for BinaryHardeningMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        with_scan(cx, |o| {
            let found: Vec<_> = o.elf.iter().filter_map(findings::hardening).collect();
            if found.is_empty() {
                return Outcome::pass(format!(
                    "{} ELF files in the system closure are fully hardened",
                    o.elf.len()
                ));
            }
            let setuid = found.iter().any(|f| f.severity == Severity::Medium);
            let out = fail_with(&found, "ELF files lack hardening", 20);
            if setuid {
                out.with_severity(Severity::Medium)
            } else {
                out
            }
        })
    }
}
