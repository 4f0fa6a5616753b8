//! NIX-032: Secret file copied into the store (configuration-only).
//!
//! ## What it checks
//! Options named `*File`, `*Path`, `keyFile`, `environmentFile`, `passwordFile`, `credentialsFile`, `sslKey`, `privateKey*` assigned a path literal, `builtins.path`, `pkgs.writeText` or `builtins.readFile` of a file under a `secret`/`keys` directory. This is a configuration-only check: a host audit has no Nix expressions to read, so it is skipped; the copies themselves are found on the host by NIX-034.
//!
//! ## Why it matters
//! The Nix store is world-readable and copied to caches.
//!
//! ## Fix (NixOS)
//! Use a string path outside the store.
//!
//! ## References
//! NixOS wiki, Security: "Obscurity of the Nix store"; CWE-312.

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

/// Secret file copied into the store.
pub struct SecretFileCopied;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &SecretFileCopied;

static META: RuleMeta = RuleMeta {
    id: "NIX-032",
    title: "Secret file copied into the store",
    section: Section::StoreSecrets,
    severity: Severity::High,
    checks: "Options named `*File`, `*Path`, `keyFile`, `environmentFile`, `passwordFile`, `credentialsFile`, `sslKey`, `privateKey*` assigned a path literal, `builtins.path`, `pkgs.writeText` or `builtins.readFile` of a file under a `secret`/`keys` directory. This is a configuration-only check: a host audit has no Nix expressions to read, so it is skipped; the copies themselves are found on the host by NIX-034.",
    rationale: "The Nix store is readable by every local user and by every binary cache it is pushed to; whatever the configuration copies or writes into it is public on the machine.",
    fix: "Use a string path outside the store.",
    nixos: "environmentFile = \"/run/secrets/app.env\";  # a string, not ./app.env",
    references: &["NixOS wiki: Security, Obscurity of the Nix store", "CWE-312"],
    source: file!(),
};

impl Rule for SecretFileCopied {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _cx: &HostCx) -> Outcome {
        Outcome::skip("configuration-only rule: the host holds no NixOS expressions to read (its results on the host are NIX-034's)")
    }
}
