//! What an audit knows before any rule runs: facts about the audited system ([`HostInfo`]) and
//! the user's choices ([`AuditOptions`], [`Profile`]).

use crate::error::ParseError;
use crate::root::Root;

/// Facts about the audited system that many rules ask for.
#[derive(Debug, Clone, Default)]
pub struct HostInfo {
    /// `/etc/NIXOS` exists or `/etc/os-release` says `ID=nixos`.
    pub is_nixos: bool,
    /// `PRETTY_NAME` (or `NAME`) from `/etc/os-release`, if readable.
    pub os_name: Option<String>,
}

impl HostInfo {
    /// Read the facts from the root; unreadable files leave the defaults.
    #[must_use]
    pub fn detect(root: &Root) -> Self {
        let mut info = HostInfo::default();
        let os_release = root
            .read_to_string("/etc/os-release")
            .or_else(|_| root.read_to_string("/usr/lib/os-release"))
            .map(|(_, s)| s)
            .unwrap_or_default();
        let mut id = None;
        let mut pretty = None;
        let mut name = None;
        for line in os_release.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let v = v.trim().trim_matches('"').trim_matches('\'').to_string();
            match k.trim() {
                "ID" => id = Some(v),
                "PRETTY_NAME" => pretty = Some(v),
                "NAME" => name = Some(v),
                _ => {}
            }
        }
        info.is_nixos = !root.presence("/etc/NIXOS").is_absent() || id.as_deref() == Some("nixos");
        info.os_name = pretty.or(name);
        info
    }
}

/// Choices the user makes for an audit that some rules honour.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// Hash the contents of every store path (NIX-026); without it, store rules check
    /// metadata, references and signatures only.
    pub store_contents: bool,
    /// `nft -j list ruleset` output saved on this machine (`--nft-json FILE`): the live
    /// nftables ruleset for the firewall rules.
    pub nft_json: Option<std::path::PathBuf>,
    /// The host's role, where the catalogue's verdict differs by role (`--profile`). `None`:
    /// not declared; rules then use [`Profile::Server`] except where the catalogue changes a
    /// verdict only "if declared" (NIX-040).
    pub profile: Option<Profile>,
    /// vulnix whitelists (TOML, on this machine) NIX-150 honours (`--whitelist`, and
    /// `vulns-whitelist` of nixsec.toml).
    pub vulns_whitelists: Vec<std::path::PathBuf>,
}

/// The role of the audited host (`nixsec audit --profile`). The rule catalogue is stricter on
/// servers (nix-ld, SSH forwarding, USB storage); the default is `server`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// A server: no desktop conveniences expected.
    #[default]
    Server,
    /// A desktop or laptop used by people at the console.
    Desktop,
}

impl Profile {
    /// `server` or `desktop`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Server => "server",
            Profile::Desktop => "desktop",
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "server" => Ok(Profile::Server),
            "desktop" => Ok(Profile::Desktop),
            _ => Err(ParseError::Unknown {
                what: "profile",
                value: s.to_string(),
                expected: "server or desktop".into(),
            }),
        }
    }
}

impl AuditOptions {
    /// The declared profile, or [`Profile::Server`].
    #[must_use]
    pub fn profile(&self) -> Profile {
        self.profile.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nixos_detection() {
        let t = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(t.path().join("etc")).expect("mkdir");
        std::fs::write(
            t.path().join("etc/os-release"),
            "NAME=NixOS\nID=nixos\nPRETTY_NAME=\"NixOS 25.05 (Warbler)\"\n",
        )
        .expect("write");
        let info = HostInfo::detect(&Root::new(t.path()).expect("root"));
        assert!(info.is_nixos);
        assert_eq!(info.os_name.as_deref(), Some("NixOS 25.05 (Warbler)"));
    }
}
