//! NIX-034: Secrets in the running system closure.
//!
//! ## What it checks
//! Every file of the closure of `/run/current-system` (size-capped, links not followed): private keys (PEM, OpenSSH, PuTTY, PGP), cloud and forge tokens by their documented formats (AWS, GitHub, GitLab, Slack, Google, Stripe, npm, PyPI), password and pre-shared-key assignments and `.env` lines in configuration files, URLs with credentials; placeholders, vendor examples and files under doc/test directories are allowed.
//!
//! ## Why it matters
//! The Nix store is readable by every local user and by every cache it is pushed to: a secret
//! that a configuration turns into a store path is no longer secret.
//!
//! ## Fix (NixOS)
//! Remove the secret from the configuration (reference a file under `/run/secrets`), rebuild, `nix-collect-garbage -d`, and rotate the secret.
//!
//! ## References
//! NixOS wiki, Security: "Obscurity of the Nix store"; CWE-312.

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::scan::closure_secrets_check;

/// Secrets in the running system closure.
pub struct ClosureSecrets;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &ClosureSecrets;

static META: RuleMeta = RuleMeta {
    id: "NIX-034",
    title: "Secrets in the running system closure",
    section: Section::StoreSecrets,
    severity: Severity::High,
    checks: "Every file of the closure of `/run/current-system` (size-capped, links not followed): private keys (PEM, OpenSSH, PuTTY, PGP), cloud and forge tokens by their documented formats (AWS, GitHub, GitLab, Slack, Google, Stripe, npm, PyPI), password and pre-shared-key assignments and `.env` lines in configuration files, URLs with credentials; placeholders, vendor examples and files under doc/test directories are allowed.",
    rationale: "The Nix store is world-readable (and is copied to binary caches): every local user can read a secret that a configuration put there, and it stays in old generations until garbage-collected.",
    fix: "Remove the secret from the configuration (reference a file under `/run/secrets`), rebuild, `nix-collect-garbage -d`, and rotate the secret.",
    nixos: "systemd.services.<name>.serviceConfig.EnvironmentFile = \"/run/secrets/<name>.env\";",
    references: &["NixOS wiki: Security, Obscurity of the Nix store", "CWE-312"],
    source: file!(),
};

impl Rule for ClosureSecrets {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        closure_secrets_check(cx, &META)
    }
}
