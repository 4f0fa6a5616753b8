//! File modes and owners for evidence, in `ls -l` form.

use std::fs::Metadata;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use nixsec_core::{Evidence, Problem};

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

/// A file or directory that could not be read while other problems were found, as a problem of
/// its own about that path, so that nothing unverified looks clean. `err` is a root error's
/// text (`` `PATH`: reason ``); any other text is about `fallback`.
#[must_use]
pub fn unreadable(err: &str, fallback: &str) -> Problem {
    let (path, reason) = match err.strip_prefix('`').and_then(|r| r.split_once("`: ")) {
        Some((p, r)) => (p, r),
        None => (fallback, err),
    };
    Problem::about(
        path,
        format!("`{path}` could not be read: {reason}; not checked"),
    )
    .with_evidence([Evidence::path(path)])
}

/// At most `max` problems: when there are more, the last one listed says how many more `what`
/// were found (a note, not a problem of its own).
#[must_use]
pub fn capped(mut problems: Vec<Problem>, max: usize, what: &str) -> Vec<Problem> {
    if problems.len() > max && max > 0 {
        let more = problems.len() - max;
        problems.truncate(max);
        if let Some(last) = problems.last_mut() {
            last.message
                .push_str(&format!(" ({more} more {what} found, not listed)"));
        }
    }
    problems
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
    fn unreadable_and_capped() {
        let p = unreadable("`/etc/shadow`: permission denied", "x");
        assert_eq!(p.subject.as_deref(), Some("/etc/shadow"));
        assert_eq!(
            p.message,
            "`/etc/shadow` could not be read: permission denied; not checked"
        );
        let p = unreadable("no mount table", "/proc/self/mountinfo");
        assert_eq!(p.subject.as_deref(), Some("/proc/self/mountinfo"));
        let many: Vec<Problem> = (0..5).map(|i| Problem::about(i.to_string(), "m")).collect();
        let c = capped(many.clone(), 3, "files");
        assert_eq!(c.len(), 3);
        assert_eq!(c[2].message, "m (2 more files found, not listed)");
        assert_eq!(capped(many, 5, "files").len(), 5);
    }
}
