//! NIX-031: Password hash in the store.
//!
//! ## What it checks
//! The `users-groups.json` files of the system closure: a `hashedPassword` or `initialHashedPassword` other than `!` or `*`; high for weak schemes (`$1$` MD5, `$5$` SHA-256, DES).
//!
//! ## Why it matters
//! The Nix store is readable by every local user and by every cache it is pushed to: a secret
//! that a configuration turns into a store path is no longer secret.
//!
//! ## Fix (NixOS)
//! Use `hashedPasswordFile` with a secrets manager, so the hash never enters the store.
//!
//! ## References
//! NixOS wiki, Security: "Obscurity of the Nix store"; CWE-312.

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::scan::closure_secrets_check;

/// Password hash in the store.
pub struct PasswordHash;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &PasswordHash;

static META: RuleMeta = RuleMeta {
    id: "NIX-031",
    title: "Password hash in the store",
    section: Section::StoreSecrets,
    severity: Severity::Medium,
    checks: "The `users-groups.json` files of the system closure: a `hashedPassword` or `initialHashedPassword` other than `!` or `*`; high for weak schemes (`$1$` MD5, `$5$` SHA-256, DES).",
    rationale: "The Nix store is world-readable (and is copied to binary caches): every local user can read a secret that a configuration put there, and it stays in old generations until garbage-collected.",
    fix: "Use `hashedPasswordFile` with a secrets manager, so the hash never enters the store.",
    nixos: "users.users.<n>.hashedPasswordFile = \"/run/secrets/<n>-pw\";",
    references: &["NixOS wiki: Security, Obscurity of the Nix store", "CWE-312"],
    source: file!(),
};

impl Rule for PasswordHash {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        closure_secrets_check(cx, &META)
    }
}
