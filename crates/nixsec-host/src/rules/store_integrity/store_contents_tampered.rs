//! NIX-026: store objects modified, re-moded or re-owned after registration.

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};
use nixsec_store::Kind;

use crate::store::{evidence, of_kinds, with_store};

/// Store contents differ from what was registered, or their modes and owners are not Nix's.
pub struct StoreContentsTampered;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &StoreContentsTampered;

static META: RuleMeta = RuleMeta {
    id: "NIX-026",
    title: "Store contents tampered",
    section: Section::StoreIntegrity,
    severity: Severity::Critical,
    checks: "Every valid path of the store: owners and modes of every file (Nix canonicalises to root, 0444/0555, never setuid), signatures that do not verify, content addresses that do not reproduce the store path, references to paths that are not valid, paths missing from disk; with `nixsec audit --store-contents` also the NAR hash and size of every path against the database (as `nix-store --verify --check-contents` does, plus `ca` checks).",
    rationale: "The store is the system: a changed file in it changes what every user and service runs, and Nix's own checks never look at modes, owners or content addresses. A setuid file or a file writable by a user in the store is a direct path to root.",
    fix: "Treat the host as compromised; `nix-store --verify --check-contents --repair` restores paths from a substituter; run `nixsec store verify --check-contents` for the full list.",
    nixos: "# host command: nix-store --verify --check-contents --repair",
    references: &["nix-store(1): --verify", "CWE-345", "CWE-732"],
    source: file!(),
};

const KINDS: &[Kind] = &[
    Kind::HashMismatch,
    Kind::SizeMismatch,
    Kind::CaMismatch,
    Kind::InvalidSignature,
    Kind::Setuid,
    Kind::Writable,
    Kind::BadPermissions,
    Kind::Missing,
    Kind::DanglingReference,
    Kind::BadMetadata,
];

impl Rule for StoreContentsTampered {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        with_store(cx, |outcome| {
            let bad = of_kinds(outcome, KINDS);
            if !bad.is_empty() {
                let mut kinds: Vec<&str> = bad.iter().map(|p| p.kind.as_str()).collect();
                kinds.dedup();
                kinds.sort_unstable();
                kinds.dedup();
                return Outcome::fail(format!(
                    "{} problems in the store: {}",
                    bad.len(),
                    kinds.join(", ")
                ))
                .with_evidence(evidence(&bad, 20));
            }
            let unreadable = of_kinds(outcome, &[Kind::Unreadable]);
            if !unreadable.is_empty() {
                return Outcome::error(format!(
                    "{} store paths could not be read (run as root)",
                    unreadable.len()
                ))
                .with_evidence(evidence(&unreadable, 5));
            }
            let what = if cx.options().store_contents {
                "contents, modes and owners"
            } else {
                "modes, owners, signatures and references (contents not hashed: `--store-contents`)"
            };
            Outcome::pass(format!(
                "{} valid paths checked: {what} are as Nix registered them",
                outcome.paths_checked
            ))
        })
    }
}
