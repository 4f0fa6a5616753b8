//! NIX-030: Plaintext password in configuration.
//!
//! ## What it checks
//! The `users-groups.json` files of the system closure (written by the NixOS user activation): a non-null `password` or `initialPassword` of any user.
//!
//! ## Why it matters
//! The Nix store is readable by every local user and by every cache it is pushed to: a secret
//! that a configuration turns into a store path is no longer secret.
//!
//! ## Fix (NixOS)
//! Set `hashedPasswordFile` to a path outside the store, managed by a secrets tool (sops-nix, agenix).
//!
//! ## References
//! NixOS wiki, Security: "Obscurity of the Nix store"; CWE-312.

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::scan::closure_secrets_check;

/// Plaintext password in configuration.
pub struct PlaintextPassword;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &PlaintextPassword;

static META: RuleMeta = RuleMeta {
    id: "NIX-030",
    title: "Plaintext password in configuration",
    section: Section::StoreSecrets,
    severity: Severity::High,
    checks: "The `users-groups.json` files of the system closure (written by the NixOS user activation): a non-null `password` or `initialPassword` of any user.",
    rationale: "The Nix store is world-readable (and is copied to binary caches): every local user can read a secret that a configuration put there, and it stays in old generations until garbage-collected.",
    fix: "Set `hashedPasswordFile` to a path outside the store, managed by a secrets tool (sops-nix, agenix).",
    nixos: "users.users.<n>.hashedPasswordFile = \"/run/secrets/<n>-pw\";",
    references: &["NixOS wiki: Security, Obscurity of the Nix store", "CWE-312"],
    source: file!(),
};

impl Rule for PlaintextPassword {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        closure_secrets_check(cx, &META)
    }
}
