//! Mandatory access control as securityfs, selinuxfs and the kernel command line show it: the
//! active LSMs, AppArmor's module parameter and profile list, SELinux's enforcing switch.

use std::collections::BTreeMap;

use nixsec_core::{Root, RootError};

/// `/sys/kernel/security/lsm`: comma-separated active LSMs, no trailing newline.
pub const LSM: &str = "/sys/kernel/security/lsm";
/// `Y`/`N` when AppArmor is built in.
pub const APPARMOR_ENABLED: &str = "/sys/module/apparmor/parameters/enabled";
/// selinuxfs: `1` enforcing, `0` permissive, no newline; absent when SELinux is off.
pub const SELINUX_ENFORCE: &str = "/sys/fs/selinux/enforce";

/// Why a securityfs or selinuxfs file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MacError {
    /// The file exists but could not be read, or is not text.
    #[error(transparent)]
    Read(#[from] RootError),
    /// An entry of the LSM list that is not an LSM name.
    #[error("`{path}`: `{}` is not an LSM name", nixsec_core::escape(name))]
    NotLsmName {
        /// The file.
        path: &'static str,
        /// The entry as read.
        name: String,
    },
    /// A switch with a value the kernel never writes.
    #[error(
        "`{path}`: expected {expected}, found `{}`",
        nixsec_core::escape(found)
    )]
    Unexpected {
        /// The file.
        path: &'static str,
        /// What the kernel writes there (`Y or N`).
        expected: &'static str,
        /// What was read.
        found: String,
    },
}

/// The active LSMs: `Ok(None)` when the file is absent (old kernel, securityfs not mounted,
/// offline root).
///
/// # Errors
/// Unreadable, or not a comma list of LSM names.
pub fn lsm_list(root: &Root) -> Result<Option<Vec<String>>, MacError> {
    let text = match root.read_to_string(LSM) {
        Ok((_, t)) => t,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let list: Vec<String> = text
        .trim_end_matches('\n')
        .split(',')
        .map(str::to_string)
        .collect();
    if let Some(bad) = list.iter().find(|n| {
        n.is_empty()
            || !n
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    }) {
        return Err(MacError::NotLsmName {
            path: LSM,
            name: bad.clone(),
        });
    }
    Ok(Some(list))
}

/// A two-valued switch file: `Ok(None)` when absent.
fn switch(
    root: &Root,
    path: &'static str,
    values: (&str, &str),
    expected: &'static str,
) -> Result<Option<bool>, MacError> {
    match root.read_to_string(path) {
        Ok((_, t)) => match t.trim_end_matches('\n') {
            v if v == values.0 => Ok(Some(true)),
            v if v == values.1 => Ok(Some(false)),
            other => Err(MacError::Unexpected {
                path,
                expected,
                found: other.to_string(),
            }),
        },
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// [`APPARMOR_ENABLED`]: `Ok(None)` when absent.
///
/// # Errors
/// Unreadable or not `Y`/`N`.
pub fn apparmor_param(root: &Root) -> Result<Option<bool>, MacError> {
    switch(root, APPARMOR_ENABLED, ("Y", "N"), "Y or N")
}

/// [`SELINUX_ENFORCE`]: `Ok(None)` when absent, else enforcing (true) or permissive.
///
/// # Errors
/// Unreadable or not `0`/`1`.
pub fn selinux_enforce(root: &Root) -> Result<Option<bool>, MacError> {
    switch(root, SELINUX_ENFORCE, ("1", "0"), "0 or 1")
}

/// The MAC-related parameters of `/proc/cmdline` (`apparmor=`, `selinux=`, `security=`,
/// `lsm=`); none when it cannot be read.
#[must_use]
pub fn cmdline_mac_params(root: &Root) -> Vec<String> {
    let Ok((_, t)) = root.read_to_string("/proc/cmdline") else {
        return Vec::new();
    };
    crate::kernel::split_cmdline(&t)
        .into_iter()
        .filter(|p| {
            ["apparmor=", "selinux=", "security=", "lsm="]
                .iter()
                .any(|k| p.starts_with(k))
        })
        .collect()
}

/// A line of AppArmor's profile list that is not `NAME (MODE)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: `{}` is not `NAME (MODE)`", nixsec_core::escape(text))]
pub struct ProfileLineError {
    /// 1-based line.
    pub line: u32,
    /// The line as read.
    pub text: String,
}

/// Count the profiles of `/sys/kernel/security/apparmor/profiles` per mode (`enforce`,
/// `complain`, `kill`, `unconfined`, …).
///
/// # Errors
/// A line that is not `NAME (MODE)`.
pub fn profile_modes(text: &str) -> Result<BTreeMap<String, usize>, ProfileLineError> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let bad = || ProfileLineError {
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
            text: line.to_string(),
        };
        let Some((name, mode)) = line.rsplit_once(" (") else {
            return Err(bad());
        };
        let Some(mode) = mode.strip_suffix(')') else {
            return Err(bad());
        };
        if name.is_empty() || mode.is_empty() || !mode.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(bad());
        }
        *out.entry(mode.to_string()).or_insert(0) += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nixsec_testutil::RootBuilder;

    #[test]
    fn switches_and_lists() {
        let b = RootBuilder::new()
            .file(LSM, "lockdown,capability,yama,apparmor")
            .file(APPARMOR_ENABLED, "Y\n")
            .file(SELINUX_ENFORCE, "2");
        let r = b.root();
        assert_eq!(
            lsm_list(&r).expect("reads").expect("present"),
            ["lockdown", "capability", "yama", "apparmor"]
        );
        assert_eq!(apparmor_param(&r).expect("reads"), Some(true));
        let e = selinux_enforce(&r).expect_err("not 0/1");
        assert_eq!(
            e.to_string(),
            "`/sys/fs/selinux/enforce`: expected 0 or 1, found `2`"
        );
        let bad = RootBuilder::new().file(LSM, "capability,Bad Name");
        let e = lsm_list(&bad.root()).expect_err("not a name");
        assert_eq!(
            e.to_string(),
            "`/sys/kernel/security/lsm`: `Bad Name` is not an LSM name"
        );
        let none = RootBuilder::new().root();
        assert!(lsm_list(&none).expect("absent").is_none());
        assert!(selinux_enforce(&none).expect("absent").is_none());
        assert!(cmdline_mac_params(&none).is_empty());
    }

    #[test]
    fn profile_lines() {
        let c = profile_modes("/usr/bin/man (enforce)\nname with (parens) (complain)\n\n")
            .expect("parse");
        assert_eq!(c.get("enforce"), Some(&1));
        assert_eq!(c.get("complain"), Some(&1));
        let e = profile_modes("a (enforce)\nbroken\n").expect_err("line 2");
        assert_eq!((e.line, e.text.as_str()), (2, "broken"));
        assert_eq!(e.to_string(), "line 2: `broken` is not `NAME (MODE)`");
    }
}
