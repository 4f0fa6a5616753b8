//! Nix's version ordering (`builtins.compareVersions`) and name splitting
//! (`builtins.parseDrvName`), written from the rules Nix documents and checked against
//! `nix-instantiate --eval` (see `tests/data/`).

use std::cmp::Ordering;

/// The next component of a version string from byte offset `*p`: separators `.` and `-` are
/// skipped, then the longest run of digits, or of characters that are neither digits nor
/// separators.
fn next_component<'a>(s: &'a [u8], p: &mut usize) -> &'a [u8] {
    while *p < s.len() && (s[*p] == b'.' || s[*p] == b'-') {
        *p += 1;
    }
    let start = *p;
    if *p < s.len() && s[*p].is_ascii_digit() {
        while *p < s.len() && s[*p].is_ascii_digit() {
            *p += 1;
        }
    } else {
        while *p < s.len() && !s[*p].is_ascii_digit() && s[*p] != b'.' && s[*p] != b'-' {
            *p += 1;
        }
    }
    &s[start..*p]
}

/// A component as Nix's `string2Int<int>` reads it: all digits and within `i32`.
fn as_int(c: &[u8]) -> Option<i32> {
    if c.is_empty() || !c.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(c).ok()?.parse().ok()
}

/// Nix's `componentsLT`.
fn component_lt(c1: &[u8], c2: &[u8]) -> bool {
    let n1 = as_int(c1);
    let n2 = as_int(c2);
    match (n1, n2) {
        (Some(a), Some(b)) => a < b,
        _ if c1.is_empty() && n2.is_some() => true,
        _ if c1 == b"pre" && c2 != b"pre" => true,
        _ if c2 == b"pre" => false,
        // `2.3a` < `2.3.1`
        (_, Some(_)) => true,
        (Some(_), _) => false,
        _ => c1 < c2,
    }
}

/// `builtins.compareVersions a b`.
#[must_use]
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut p1, mut p2) = (0, 0);
    while p1 < a.len() || p2 < b.len() {
        let c1 = next_component(a, &mut p1);
        let c2 = next_component(b, &mut p2);
        if component_lt(c1, c2) {
            return Ordering::Less;
        }
        if component_lt(c2, c1) {
            return Ordering::Greater;
        }
    }
    Ordering::Equal
}

/// The components of a version as Nix splits them (`2.3pre1` is `2`, `3`, `pre`, `1`).
#[must_use]
pub fn components(v: &str) -> Vec<&str> {
    let b = v.as_bytes();
    let mut p = 0;
    let mut out = Vec::new();
    while p < b.len() {
        let c = next_component(b, &mut p);
        if !c.is_empty() {
            // Components are cut at ASCII bytes, so they are valid UTF-8 slices of `v`.
            let start = c.as_ptr() as usize - b.as_ptr() as usize;
            out.push(&v[start..start + c.len()]);
        }
    }
    out
}

/// `builtins.parseDrvName`: the name is cut at the first `-` that is followed by a character
/// that is not a letter; `(name, version)`, with an empty version when there is no such `-`.
#[must_use]
pub fn parse_drv_name(s: &str) -> (&str, &str) {
    let b = s.as_bytes();
    for i in 0..b.len() {
        if b[i] == b'-' && i + 1 < b.len() && !b[i + 1].is_ascii_alphabetic() {
            return (&s[..i], &s[i + 1..]);
        }
    }
    (s, "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn hand_written_orderings() {
        // From the Nix manual's examples and nixpkgs conventions.
        assert_eq!(compare_versions("1.0", "2.3"), Less);
        assert_eq!(compare_versions("2.1", "2.3"), Less);
        assert_eq!(compare_versions("2.3", "2.3"), Equal);
        assert_eq!(compare_versions("2.5", "2.3"), Greater);
        assert_eq!(compare_versions("3.1", "2.3"), Greater);
        assert_eq!(compare_versions("2.3.1", "2.3"), Greater);
        assert_eq!(compare_versions("2.3pre1", "2.3"), Less);
        assert_eq!(compare_versions("2.3a", "2.3.1"), Less);
        assert_eq!(compare_versions("1.9.5p1", "1.9.5"), Greater);
        assert_eq!(compare_versions("1.0.2zg", "1.0.2"), Greater);
        assert_eq!(compare_versions("1.0.2zg", "1.0.2zh"), Less);
        assert_eq!(compare_versions("3.0", "3.0.0"), Less);
        assert_eq!(compare_versions("1.01", "1.1"), Equal);
        assert_eq!(compare_versions("1.2-3", "1.2.3"), Equal);
    }

    #[test]
    fn hand_written_names() {
        assert_eq!(parse_drv_name("openssl-3.0.6"), ("openssl", "3.0.6"));
        assert_eq!(
            parse_drv_name("python3.11-requests-2.28.1"),
            ("python3.11-requests", "2.28.1")
        );
        assert_eq!(parse_drv_name("sudo-1.9.5p1"), ("sudo", "1.9.5p1"));
        assert_eq!(parse_drv_name("hello"), ("hello", ""));
        assert_eq!(parse_drv_name("foo-bar"), ("foo-bar", ""));
        assert_eq!(parse_drv_name("foo-"), ("foo-", ""));
        assert_eq!(parse_drv_name("foo-_1"), ("foo", "_1"));
    }

    #[test]
    fn components_split_like_nix() {
        assert_eq!(components("1.9.5p1"), ["1", "9", "5", "p", "1"]);
        assert_eq!(components("2.3-rc1"), ["2", "3", "rc", "1"]);
    }
}
