//! Problems every rule builds the same way: a file that could not be read (so nothing
//! unverified looks clean) and a capped list. File modes and owners in `ls -l` form are
//! [`nixsec_readers::perms`].

use nixsec_core::{Evidence, Problem};

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
