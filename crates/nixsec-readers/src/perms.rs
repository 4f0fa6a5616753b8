//! File modes and owners for evidence, in `ls -l` form.

use std::fs::Metadata;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use crate::accounts::Accounts;

/// `drwxrwxr-t` style text for a mode.
#[must_use]
pub fn mode_string(md: &Metadata) -> String {
    let mode = md.permissions().mode();
    let kind = if md.is_dir() {
        'd'
    } else if md.file_type().is_symlink() {
        'l'
    } else {
        use std::os::unix::fs::FileTypeExt;
        if md.file_type().is_socket() {
            's'
        } else {
            '-'
        }
    };
    let bit = |m: u32, c: char| if mode & m != 0 { c } else { '-' };
    let special = |x: u32, s: u32, lower: char, upper: char| match (mode & x != 0, mode & s != 0) {
        (true, true) => lower,
        (false, true) => upper,
        (true, false) => 'x',
        (false, false) => '-',
    };
    let mut out = String::with_capacity(10);
    out.push(kind);
    out.push(bit(0o400, 'r'));
    out.push(bit(0o200, 'w'));
    out.push(special(0o100, 0o4000, 's', 'S'));
    out.push(bit(0o040, 'r'));
    out.push(bit(0o020, 'w'));
    out.push(special(0o010, 0o2000, 's', 'S'));
    out.push(bit(0o004, 'r'));
    out.push(bit(0o002, 'w'));
    out.push(special(0o001, 0o1000, 't', 'T'));
    out
}

/// [`describe`] with the mode and owners the audited system gives the file
/// ([`nixsec_core::Root::perm`]), which may differ from this machine's copy of it.
#[must_use]
pub fn describe_as(md: &Metadata, p: nixsec_core::Perm, accounts: &Accounts) -> String {
    let shown = mode_string(md);
    let mut s: Vec<char> = shown.chars().collect();
    let bit = |m: u32, c: char| if p.mode & m != 0 { c } else { '-' };
    let special =
        |x: u32, sp: u32, lower: char, upper: char| match (p.mode & x != 0, p.mode & sp != 0) {
            (true, true) => lower,
            (false, true) => upper,
            (true, false) => 'x',
            (false, false) => '-',
        };
    if s.len() == 10 {
        let bits = [
            bit(0o400, 'r'),
            bit(0o200, 'w'),
            special(0o100, 0o4000, 's', 'S'),
            bit(0o040, 'r'),
            bit(0o020, 'w'),
            special(0o010, 0o2000, 's', 'S'),
            bit(0o004, 'r'),
            bit(0o002, 'w'),
            special(0o001, 0o1000, 't', 'T'),
        ];
        s[1..].copy_from_slice(&bits);
    }
    format!(
        "{} {}:{} ({:04o})",
        s.into_iter().collect::<String>(),
        accounts.user_name(p.uid),
        accounts.group_name(p.gid),
        p.mode & 0o7777
    )
}

/// `drwxrwxr-t root:nixbld (1775)` for evidence.
#[must_use]
pub fn describe(md: &Metadata, accounts: &Accounts) -> String {
    format!(
        "{} {}:{} ({:04o})",
        mode_string(md),
        accounts.user_name(md.uid()),
        accounts.group_name(md.gid()),
        md.permissions().mode() & 0o7777
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn modes_render_like_ls() {
        let t = tempfile::tempdir().expect("tempdir");
        let d = t.path().join("store");
        fs::create_dir(&d).expect("mkdir");
        fs::set_permissions(&d, fs::Permissions::from_mode(0o1775)).expect("chmod");
        assert_eq!(mode_string(&fs::metadata(&d).expect("md")), "drwxrwxr-t");
        fs::set_permissions(&d, fs::Permissions::from_mode(0o1774)).expect("chmod");
        assert_eq!(mode_string(&fs::metadata(&d).expect("md")), "drwxrwxr-T");
        let f = t.path().join("f");
        fs::write(&f, "").expect("write");
        fs::set_permissions(&f, fs::Permissions::from_mode(0o4755)).expect("chmod");
        assert_eq!(mode_string(&fs::metadata(&f).expect("md")), "-rwsr-xr-x");
    }

    #[test]
    fn owners_by_name_or_number() {
        let t = tempfile::tempdir().expect("tempdir");
        let f = t.path().join("f");
        fs::write(&f, "").expect("write");
        fs::set_permissions(&f, fs::Permissions::from_mode(0o640)).expect("chmod");
        let md = fs::metadata(&f).expect("md");
        let uid = std::os::unix::fs::MetadataExt::uid(&md);
        let gid = std::os::unix::fs::MetadataExt::gid(&md);
        let accounts = Accounts {
            users: Ok(crate::accounts::parse_passwd(&format!(
                "me:x:{uid}:{gid}::/:/bin/sh\n"
            ))),
            groups: Ok(Vec::new()),
            shadow: Ok(Vec::new()),
        };
        assert_eq!(
            describe(&md, &accounts),
            format!("-rw-r----- me:{gid} (0640)")
        );
    }
}
