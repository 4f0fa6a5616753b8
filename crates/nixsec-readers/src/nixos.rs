//! Which NixOS release the audited system runs: `/run/current-system/nixos-version`, else the
//! NixOS `/etc/os-release`.

use nixsec_core::{Root, RootError};

/// The version file of the current system generation.
pub const NIXOS_VERSION: &str = "/run/current-system/nixos-version";
/// The os-release file.
pub const OS_RELEASE: &str = "/etc/os-release";

/// A field (`VERSION_ID`, `BUILD_ID`) of an os-release file, when it describes NixOS.
#[must_use]
pub fn os_release_field(text: &str, field: &str) -> Option<String> {
    let nixos = text
        .lines()
        .any(|l| l.trim() == "ID=nixos" || l.trim() == "ID=\"nixos\"");
    if !nixos {
        return None;
    }
    text.lines().find_map(|l| {
        let v = l.strip_prefix(field)?.strip_prefix('=')?;
        Some(v.trim().trim_matches('"').trim_matches('\'').to_string())
    })
}

/// The NixOS version of the current system and the file it came from: [`NIXOS_VERSION`], else
/// `field` (`BUILD_ID`, `VERSION_ID`) of a NixOS [`OS_RELEASE`]; `Ok(None)` when this is not
/// NixOS.
///
/// # Errors
/// A file that exists but cannot be read.
pub fn version(root: &Root, field: &str) -> Result<Option<(String, &'static str)>, RootError> {
    match root.read_to_string(NIXOS_VERSION) {
        Ok((_, v)) => return Ok(Some((v.trim().to_string(), NIXOS_VERSION))),
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(e),
    }
    match root.read_to_string(OS_RELEASE) {
        Ok((_, text)) => Ok(os_release_field(&text, field).map(|v| (v, OS_RELEASE))),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nixsec_testutil::RootBuilder;

    #[test]
    fn version_file_first_then_a_nixos_os_release() {
        let os = "ID=nixos\nVERSION_ID=\"24.05\"\nBUILD_ID=\"24.05.20240601.abcdef0\"\n";
        let b = RootBuilder::new().file(OS_RELEASE, os);
        assert_eq!(
            version(&b.root(), "VERSION_ID").expect("reads"),
            Some(("24.05".to_string(), OS_RELEASE))
        );
        let b = b.file(NIXOS_VERSION, "24.11.20241201.0123456\n");
        assert_eq!(
            version(&b.root(), "BUILD_ID").expect("reads"),
            Some(("24.11.20241201.0123456".to_string(), NIXOS_VERSION))
        );
        let debian = RootBuilder::new().file(OS_RELEASE, "ID=debian\nVERSION_ID=\"12\"\n");
        assert_eq!(version(&debian.root(), "VERSION_ID").expect("reads"), None);
        assert_eq!(os_release_field(os, "NAME"), None);
    }
}
