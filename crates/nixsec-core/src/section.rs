//! The sections of the rule catalogue (the NixOS wiki's Security page).

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

use crate::error::ParseError;

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
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Section::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Section::ALL.iter().map(|x| x.as_str()).collect();
                ParseError::Unknown {
                    what: "section",
                    value: s.to_string(),
                    expected: format!("one of: {}", names.join(", ")),
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_names_round_trip() {
        for s in Section::ALL {
            assert_eq!(s.as_str().parse::<Section>().ok(), Some(s));
        }
        assert!("network".parse::<Section>().is_err());
    }
}
