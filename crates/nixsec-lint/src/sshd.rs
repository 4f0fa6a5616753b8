//! What the sshd rules (NIX-078, NIX-079, NIX-080) share: the `sshd_config` lines of a literal
//! `services.openssh.extraConfig`, and whether root is kept out by `AllowUsers`,
//! `AllowGroups`, `DenyUsers` or `DenyGroups` (in `settings` or in `extraConfig`).
//!
//! NixOS writes `services.openssh.settings` (defaults included: `PermitRootLogin
//! prohibit-password`, `PasswordAuthentication yes`, ...) before `extraConfig`, and sshd keeps
//! the first value of a keyword: an `extraConfig` line outside a `Match` block only counts for a
//! keyword that `settings` does not write (`AllowUsers`, `AllowGroups`, `DenyUsers`,
//! `DenyGroups`, `AuthenticationMethods`); inside a `Match` block it applies to the connections
//! that match.

use rnix::TextRange;

use crate::index::Assignment;
use crate::value::Value;

/// `services.openssh.extraConfig`.
pub const EXTRA: &[&str] = &["services", "openssh", "extraConfig"];

/// The options that keep users out.
pub const ACCESS: &[&[&str]] = &[
    &["services", "openssh", "settings", "AllowUsers"],
    &["services", "openssh", "settings", "AllowGroups"],
    &["services", "openssh", "settings", "DenyUsers"],
    &["services", "openssh", "settings", "DenyGroups"],
    &["services", "openssh", "settings", "AuthenticationMethods"],
    &["services", "openssh", "allowSFTP"],
];

/// sshd is on: `services.openssh.enable` (or its alias `services.sshd.enable`).
pub const ENABLE: &[&[&str]] = &[
    &["services", "openssh", "enable"],
    &["services", "sshd", "enable"],
];

/// One `Keyword value` line of `extraConfig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The keyword, lower case.
    pub key: String,
    /// The value, as written.
    pub value: String,
    /// The line in the file's source (the whole value when the line cannot be placed).
    pub range: TextRange,
    /// The `Match` block it is in (`Match User deploy`), if any.
    pub matched: Option<String>,
}

/// The lines of a literal `extraConfig` string, with their places in `src` (the file's text).
#[must_use]
pub fn extra_lines(a: &Assignment, src: &str) -> Vec<Line> {
    let Some(text) = a.value.v.text() else {
        return Vec::new();
    };
    let start = usize::from(a.value.range.start());
    let raw = src
        .get(start..usize::from(a.value.range.end()))
        .unwrap_or("");
    let mut out = Vec::new();
    let mut matched: Option<String> = None;
    let mut from = 0;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = match line.split_once(|c: char| c.is_whitespace() || c == '=') {
            Some((k, v)) => (k, v.trim().trim_start_matches('=').trim()),
            None => (line, ""),
        };
        let key = key.to_ascii_lowercase();
        if key == "match" {
            matched = (!value.eq_ignore_ascii_case("all")).then(|| format!("Match {value}"));
            continue;
        }
        let range = match raw[from.min(raw.len())..].find(line) {
            Some(q) => {
                let s = start + from + q;
                from += q + line.len();
                TextRange::new(
                    u32::try_from(s).unwrap_or(u32::MAX).into(),
                    u32::try_from(s + line.len()).unwrap_or(u32::MAX).into(),
                )
            }
            None => a.value.range,
        };
        out.push(Line {
            key,
            value: value.to_string(),
            range,
            matched: matched.clone(),
        });
    }
    out
}

/// The names in a value: a list of strings, or one string of names separated by spaces (or
/// commas, as `AuthenticationMethods` writes them).
fn names(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::List(items) => items
            .iter()
            .map(|i| match &i.v {
                Value::Str(s) => Some(s.clone()),
                // A user named elsewhere (`cfg.adminUser`, `username`): not root unless its
                // name says so; written as a name root never matches.
                Value::Unknown(t) if crate::value::user_name_expr(t) => Some(format!("`{t}`")),
                _ => None,
            })
            .collect(),
        Value::Str(s) => Some(s.split_whitespace().map(str::to_string).collect()),
        _ => None,
    }
}

/// True when an `AllowUsers`/`DenyUsers` pattern (`root`, `root@10.0.0.*`, `*`, `r?ot`) can
/// match the user root.
/// Whether the `Match` block `block` of an `extraConfig` lets root in by its own
/// `AllowUsers`/`DenyUsers` lines (they replace the global ones there): `None` when it has
/// none.
#[must_use]
pub fn block_lets_root_in(lines: &[Line], block: &str) -> Option<bool> {
    let mut verdict = None;
    for l in lines.iter().filter(|l| l.matched.as_deref() == Some(block)) {
        let users: Vec<&str> = l.value.split_whitespace().collect();
        match l.key.as_str() {
            "allowusers" => verdict = Some(users.iter().any(|u| matches_root(u))),
            "denyusers" if users.iter().any(|u| matches_root(u)) => return Some(false),
            _ => {}
        }
    }
    verdict
}

fn matches_root(pattern: &str) -> bool {
    let user = pattern.split('@').next().unwrap_or(pattern);
    glob(user.as_bytes(), b"root")
}

/// sshd's `*`/`?` patterns.
fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// Why root cannot log in over SSH at all, from the assignments of a file or configuration
/// (`(assignment, the source text of its file)`): `AllowUsers` without root, `AllowGroups`
/// without `root`, `DenyUsers`/`DenyGroups` naming it. Only unconditional settings count.
#[must_use]
pub fn root_kept_out<'a>(items: impl Iterator<Item = (&'a Assignment, &'a str)>) -> Option<String> {
    let mut kv: Vec<(String, Vec<String>)> = Vec::new();
    for (a, src) in items {
        if a.condition.is_some() {
            continue;
        }
        if a.is(EXTRA) {
            for l in extra_lines(a, src)
                .into_iter()
                .filter(|l| l.matched.is_none())
            {
                kv.push((
                    l.key,
                    l.value.split_whitespace().map(str::to_string).collect(),
                ));
            }
        } else if a.path.len() == 4 && a.path[2] == "settings" {
            if let Some(n) = names(&a.value.v) {
                kv.push((a.path[3].to_ascii_lowercase(), n));
            }
        }
    }
    for (k, v) in &kv {
        match k.as_str() {
            "allowusers" if !v.iter().any(|p| matches_root(p)) => {
                return Some(format!("`AllowUsers {}` does not let root in", v.join(" ")));
            }
            "allowgroups" if !v.iter().any(|g| glob(g.as_bytes(), b"root")) => {
                return Some(format!(
                    "`AllowGroups {}` does not let root in",
                    v.join(" ")
                ));
            }
            "denyusers" if v.iter().any(|p| matches_root(p)) => {
                return Some(format!("`DenyUsers {}` keeps root out", v.join(" ")));
            }
            "denygroups" if v.iter().any(|g| glob(g.as_bytes(), b"root")) => {
                return Some(format!("`DenyGroups {}` keeps root out", v.join(" ")));
            }
            _ => {}
        }
    }
    None
}

/// nix-darwin writes `services.openssh.extraConfig` to `/etc/ssh/sshd_config.d/`, which
/// macOS's `sshd_config` includes before its own lines (sshd keeps the first value): a line
/// outside a `Match` block sets the keyword. True when one of `keys` (lower case) is set so.
#[must_use]
pub fn darwin_extra_sets<'a>(
    items: impl Iterator<Item = (&'a Assignment, &'a str)>,
    keys: &[&str],
) -> bool {
    items.filter(|(a, _)| a.is(EXTRA)).any(|(a, src)| {
        extra_lines(a, src)
            .iter()
            .any(|l| l.matched.is_none() && keys.contains(&l.key.as_str()))
    })
}

/// True when the module of `a` turns sshd off for good (`services.openssh.enable = false;`,
/// unconditional, not a `mkDefault`): a host importing it runs no sshd (a plain `true`
/// elsewhere would conflict), so the settings written beside it take no effect.
#[must_use]
pub fn switched_off(a: &Assignment, assignments: &[Assignment]) -> bool {
    assignments.iter().any(|b| {
        b.module == a.module
            && ENABLE.iter().any(|p| b.is(p))
            && b.condition.is_none()
            && b.priority <= 100
            && b.value.v.as_bool() == Some(false)
    })
}

/// True when `AuthenticationMethods` (unconditional) allows only public keys: passwords are
/// never accepted whatever `PasswordAuthentication` says.
#[must_use]
pub fn keys_only<'a>(items: impl Iterator<Item = (&'a Assignment, &'a str)>) -> bool {
    for (a, src) in items {
        if a.condition.is_some() {
            continue;
        }
        let methods: Vec<String> = if a.is(EXTRA) {
            extra_lines(a, src)
                .into_iter()
                .filter(|l| l.matched.is_none() && l.key == "authenticationmethods")
                .map(|l| l.value)
                .collect()
        } else if a.is(&["services", "openssh", "settings", "AuthenticationMethods"]) {
            names(&a.value.v).unwrap_or_default()
        } else {
            continue;
        };
        if !methods.is_empty()
            && methods.iter().all(|m| {
                m.split([',', ' '])
                    .filter(|x| !x.is_empty())
                    .all(|x| x == "publickey")
            })
        {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(src: &str) -> (crate::index::FileIndex, String) {
        (crate::index::FileIndex::build(src), src.to_string())
    }

    #[test]
    fn patterns() {
        assert!(matches_root("root"));
        assert!(matches_root("root@10.0.0.*"));
        assert!(matches_root("*"));
        assert!(matches_root("r?ot"));
        assert!(!matches_root("alice"));
        assert!(!matches_root("rooty"));
    }

    #[test]
    fn kept_out_in_settings_and_extra_config() {
        for (src, out) in [
            (r#"{ services.openssh.settings.AllowUsers = [ "alice" "bob" ]; }"#, true),
            (r#"{ services.openssh.settings.AllowUsers = [ "alice" "root@10.0.0.1" ]; }"#, false),
            (r#"{ services.openssh.settings.AllowGroups = [ "ssh-users" ]; }"#, true),
            (r#"{ services.openssh.settings.DenyUsers = [ "root" ]; }"#, true),
            ("{ services.openssh.extraConfig = ''\n  AllowUsers alice\n''; }", true),
            ("{ services.openssh.extraConfig = ''\n  Match Address 10.0.0.0/8\n    AllowUsers alice\n''; }", false),
            (r#"{ config, ... }: { services.openssh.settings.AllowUsers = config.x; }"#, false),
            // A user named elsewhere, not root by its name (a public homelab's spelling).
            (r#"{ config, ... }: let cfg = config.homelab; in { services.openssh.settings.AllowUsers = [ cfg.adminUser ]; }"#, true),
            (r#"{ config, ... }: { services.openssh.settings.AllowUsers = [ config.users.root.name ]; }"#, false),
            (r#"{ config, ... }: { services.openssh.settings.AllowUsers = [ (f config) ]; }"#, false),
        ] {
            let (idx, text) = first(src);
            let got = root_kept_out(idx.assignments.iter().map(|a| (a, text.as_str())));
            assert_eq!(got.is_some(), out, "{src}: {got:?}");
        }
    }

    #[test]
    fn extra_config_lines_and_match_blocks() {
        let src = "{\n  services.openssh.extraConfig = ''\n    PermitRootLogin yes\n    Match User deploy\n      PasswordAuthentication yes\n  '';\n}";
        let (idx, text) = first(src);
        let lines = extra_lines(&idx.assignments[0], &text);
        let got: Vec<(&str, &str, Option<&str>, &str)> = lines
            .iter()
            .map(|l| {
                (
                    l.key.as_str(),
                    l.value.as_str(),
                    l.matched.as_deref(),
                    &text[usize::from(l.range.start())..usize::from(l.range.end())],
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("permitrootlogin", "yes", None, "PermitRootLogin yes"),
                (
                    "passwordauthentication",
                    "yes",
                    Some("Match User deploy"),
                    "PasswordAuthentication yes"
                ),
            ]
        );
        let keys = r#"{ services.openssh.settings.AuthenticationMethods = "publickey"; }"#;
        let (idx, text) = first(keys);
        assert!(keys_only(
            idx.assignments.iter().map(|a| (a, text.as_str()))
        ));
    }
}
