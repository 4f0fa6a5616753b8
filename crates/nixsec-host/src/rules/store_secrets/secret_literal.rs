//! NIX-033: Secret literal in configuration (configuration-only).
//!
//! ## What it checks
//! String literals of the resolved NixOS configuration (`environment.etc.<n>.text`, `systemd.services.<n>.environment`, `services.*.settings`, `*.extraConfig`, `networking.wireless.networks.<ssid>.psk`) matching a secret pattern. This is a configuration-only check: a host audit has no configuration to evaluate, so it is skipped; what such literals produce in the store is found on the host by NIX-034.
//!
//! ## Why it matters
//! The Nix store is world-readable and copied to caches.
//!
//! ## Fix (NixOS)
//! Move the value to a file under `/run/secrets` and reference it.
//!
//! ## References
//! NixOS wiki, Security: "Obscurity of the Nix store"; CWE-312.

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

/// Secret literal in configuration.
pub struct SecretLiteral;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &SecretLiteral;

static META: RuleMeta = RuleMeta {
    id: "NIX-033",
    title: "Secret literal in configuration",
    section: Section::StoreSecrets,
    severity: Severity::High,
    checks: "String literals of the resolved NixOS configuration (`environment.etc.<n>.text`, `systemd.services.<n>.environment`, `services.*.settings`, `*.extraConfig`, `networking.wireless.networks.<ssid>.psk`) matching a secret pattern. This is a configuration-only check: a host audit has no configuration to evaluate, so it is skipped; what such literals produce in the store is found on the host by NIX-034.",
    rationale: "The Nix store is readable by every local user and by every binary cache it is pushed to; whatever the configuration copies or writes into it is public on the machine.",
    fix: "Move the value to a file under `/run/secrets` and reference it.",
    nixos: "networking.wireless.secretsFile = \"/run/secrets/wireless.env\";\nnetworking.wireless.networks.home.pskRaw = \"ext:psk_home\";",
    references: &["NixOS wiki: Security, Obscurity of the Nix store", "CWE-312"],
    source: file!(),
};

impl Rule for SecretLiteral {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _cx: &HostCx) -> Outcome {
        Outcome::skip("configuration-only rule: the host holds no NixOS expressions to read (its results on the host are NIX-034's)")
    }
}
