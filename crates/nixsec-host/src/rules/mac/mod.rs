//! Mandatory access control: AppArmor, SELinux (catalogue section 9, NIX-100..102).

automod::dir!(pub "src/rules/mac");

use nixsec_core::Root;

/// `/sys/kernel/security/lsm`: comma-separated active LSMs, no trailing newline.
pub(crate) const LSM: &str = "/sys/kernel/security/lsm";
/// `Y`/`N` when AppArmor is built in.
pub(crate) const APPARMOR_ENABLED: &str = "/sys/module/apparmor/parameters/enabled";
/// selinuxfs: `1` enforcing, `0` permissive, no newline; absent when SELinux is off.
pub(crate) const SELINUX_ENFORCE: &str = "/sys/fs/selinux/enforce";

/// The active LSMs: `Ok(None)` when the file is absent (old kernel, securityfs not mounted,
/// offline root).
///
/// # Errors
/// Unreadable, or not a comma list of LSM names.
pub(crate) fn lsm_list(root: &Root) -> Result<Option<Vec<String>>, String> {
    let text = match root.read_to_string(LSM) {
        Ok((_, t)) => t,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.to_string()),
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
        return Err(format!(
            "`{LSM}`: `{}` is not an LSM name",
            nixsec_core::escape(bad)
        ));
    }
    Ok(Some(list))
}

/// `/sys/module/apparmor/parameters/enabled`: `Ok(None)` when absent.
///
/// # Errors
/// Unreadable or not `Y`/`N`.
pub(crate) fn apparmor_param(root: &Root) -> Result<Option<bool>, String> {
    match root.read_to_string(APPARMOR_ENABLED) {
        Ok((_, t)) => match t.trim_end_matches('\n') {
            "Y" => Ok(Some(true)),
            "N" => Ok(Some(false)),
            other => Err(format!(
                "`{APPARMOR_ENABLED}`: expected Y or N, found `{}`",
                nixsec_core::escape(other)
            )),
        },
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// `/sys/fs/selinux/enforce`: `Ok(None)` when absent, else enforcing (true) or permissive.
///
/// # Errors
/// Unreadable or not `0`/`1`.
pub(crate) fn selinux_enforce(root: &Root) -> Result<Option<bool>, String> {
    match root.read_to_string(SELINUX_ENFORCE) {
        Ok((_, t)) => match t.trim_end_matches('\n') {
            "1" => Ok(Some(true)),
            "0" => Ok(Some(false)),
            other => Err(format!(
                "`{SELINUX_ENFORCE}`: expected 0 or 1, found `{}`",
                nixsec_core::escape(other)
            )),
        },
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// The MAC-related parameters of `/proc/cmdline` (`apparmor=`, `selinux=`, `security=`, `lsm=`).
pub(crate) fn cmdline_mac_params(root: &Root) -> Vec<String> {
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

#[cfg(test)]
pub(crate) mod fixtures {
    //! `tests/fixtures/mac`: modelled securityfs, selinuxfs and AppArmor files.
    use std::path::Path;

    /// A fixture file's content.
    pub fn mac(name: &str) -> Vec<u8> {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/mac")
                .join(name),
        )
        .expect("mac fixture")
    }
}
