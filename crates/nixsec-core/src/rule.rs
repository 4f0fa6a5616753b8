//! Rules: their metadata, the `Rule` trait and the one registry rules add themselves to.
//!
//! A rule lives in one file of an area crate, holds a `const META: RuleMeta` and adds itself to
//! [`HOST_RULES`] with `#[linkme::distributed_slice(HOST_RULES)]`; nothing else lists it.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

use crate::finding::{Outcome, Severity};
use crate::host::HostCx;

/// The sections of the NixOS wiki's Security page, as the catalogue groups rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Section {
    /// ELF search paths, preload, PATH, profiles (NIX-001..009).
    RuntimeSearchPaths,
    /// The Nix daemon, build users, nix.conf (NIX-010..019).
    MultiUser,
    /// Signatures, substituters, store contents (NIX-020..029).
    StoreIntegrity,
    /// Secrets in the world-readable store (NIX-030..039).
    StoreSecrets,
    /// LUKS and swap (NIX-040..049).
    Encryption,
    /// Flatpak, containers, Docker, VMs, systemd units (NIX-050..069).
    Isolation,
    /// Firewall, listeners, SSH (NIX-070..089).
    Firewall,
    /// Secure Boot and the boot chain (NIX-090..099).
    SecureBoot,
    /// AppArmor and SELinux (NIX-100..109).
    Mac,
    /// Kernel, sysctl and mounts (NIX-110..129).
    Kernel,
    /// Accounts and authentication (NIX-130..149).
    Accounts,
    /// CVEs and updates (NIX-150..169).
    Vulnerabilities,
}

impl Section {
    /// Every section, in catalogue order.
    pub const ALL: [Section; 12] = [
        Section::RuntimeSearchPaths,
        Section::MultiUser,
        Section::StoreIntegrity,
        Section::StoreSecrets,
        Section::Encryption,
        Section::Isolation,
        Section::Firewall,
        Section::SecureBoot,
        Section::Mac,
        Section::Kernel,
        Section::Accounts,
        Section::Vulnerabilities,
    ];

    /// The kebab-case name (`multi-user`), used on the command line and in JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Section::RuntimeSearchPaths => "runtime-search-paths",
            Section::MultiUser => "multi-user",
            Section::StoreIntegrity => "store-integrity",
            Section::StoreSecrets => "store-secrets",
            Section::Encryption => "encryption",
            Section::Isolation => "isolation",
            Section::Firewall => "firewall",
            Section::SecureBoot => "secure-boot",
            Section::Mac => "mac",
            Section::Kernel => "kernel",
            Section::Accounts => "accounts",
            Section::Vulnerabilities => "vulnerabilities",
        }
    }

    /// A heading for people.
    #[must_use]
    pub fn heading(self) -> &'static str {
        match self {
            Section::RuntimeSearchPaths => "Runtime search paths",
            Section::MultiUser => "Multi-user Nix",
            Section::StoreIntegrity => "Store integrity and signatures",
            Section::StoreSecrets => "Store obscurity and secrets",
            Section::Encryption => "Encryption",
            Section::Isolation => "Isolation",
            Section::Firewall => "Firewall and network",
            Section::SecureBoot => "Secure Boot and boot chain",
            Section::Mac => "Mandatory access control",
            Section::Kernel => "Kernel, sysctl and mounts",
            Section::Accounts => "Accounts and authentication",
            Section::Vulnerabilities => "Vulnerabilities and updates",
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Section {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Section::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Section::ALL.iter().map(|x| x.as_str()).collect();
                format!(
                    "unknown section `{s}` (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// Everything about a rule that is not its check: the catalogue entry.
#[derive(Debug, Serialize)]
pub struct RuleMeta {
    /// Catalogue id, `NIX-NNN`.
    pub id: &'static str,
    /// Catalogue title.
    pub title: &'static str,
    /// Wiki section.
    pub section: Section,
    /// Default severity.
    pub severity: Severity,
    /// What the rule looks at and when it fails.
    pub checks: &'static str,
    /// Why it matters.
    pub rationale: &'static str,
    /// The fix in words.
    pub fix: &'static str,
    /// The fix as NixOS configuration (or a host command where no option exists).
    pub nixos: &'static str,
    /// Man pages, option names, CWE ids.
    pub references: &'static [&'static str],
    /// The source file that defines the rule (`file!()`).
    pub source: &'static str,
}

/// A host rule: reads the audited system through [`HostCx`] and returns one [`Outcome`].
pub trait Rule: Sync {
    /// The rule's catalogue entry.
    fn meta(&self) -> &'static RuleMeta;
    /// Run the check. Never panics on host data: problems become [`Outcome::Error`].
    fn check(&self, cx: &HostCx) -> Outcome;
}

/// Every host rule, added by the rule files themselves.
#[linkme::distributed_slice]
pub static HOST_RULES: [&'static dyn Rule];

/// The registered host rules, sorted by id.
#[must_use]
pub fn host_rules() -> Vec<&'static dyn Rule> {
    let mut v: Vec<&'static dyn Rule> = HOST_RULES.iter().copied().collect();
    v.sort_by_key(|r| r.meta().id);
    v
}

/// The registered rule with this id (case-insensitive).
#[must_use]
pub fn find_rule(id: &str) -> Option<&'static dyn Rule> {
    HOST_RULES
        .iter()
        .copied()
        .find(|r| r.meta().id.eq_ignore_ascii_case(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_names_round_trip() {
        for s in Section::ALL {
            assert_eq!(s.as_str().parse::<Section>(), Ok(s));
        }
        assert!("network".parse::<Section>().is_err());
    }
}
