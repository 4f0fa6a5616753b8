//! `/etc/passwd`, `/etc/group` and `/etc/shadow`, read once per audit.
//!
//! Parsed as glibc's files backend does: colon-separated fields, blank lines, comments and
//! NIS `+`/`-` lines skipped, malformed lines ignored (and counted). An empty shell field means
//! `/bin/sh`.

use std::sync::Arc;

use crate::cx::HostCx;

/// One `/etc/passwd` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Login shell (empty means `/bin/sh`).
    pub shell: String,
    /// 1-based line.
    pub line: u32,
    /// Home directory.
    pub home: String,
}

impl User {
    /// Can this account get an interactive shell? False for `nologin` and `false`.
    #[must_use]
    pub fn has_login_shell(&self) -> bool {
        let base = self.shell.rsplit('/').next().unwrap_or("");
        !matches!(base, "nologin" | "false")
    }
}

/// One `/etc/group` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Group name.
    pub name: String,
    /// Group id.
    pub gid: u32,
    /// Supplementary members.
    pub members: Vec<String>,
    /// 1-based line.
    pub line: u32,
}

/// One `/etc/shadow` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shadow {
    /// Login name.
    pub name: String,
    /// The password field.
    pub hash: String,
    /// 1-based line.
    pub line: u32,
}

impl Shadow {
    /// `Some(true)` when a password can be used to log in, `Some(false)` when locked, and
    /// the empty field (no password at all) counts as usable.
    #[must_use]
    pub fn password_usable(&self) -> bool {
        !(self.hash.starts_with('!') || self.hash.starts_with('*'))
    }
}

/// The three files, each parsed or with the error that stopped it.
#[derive(Debug, Clone)]
pub struct Accounts {
    /// `/etc/passwd`.
    pub users: Result<Vec<User>, String>,
    /// `/etc/group`.
    pub groups: Result<Vec<Group>, String>,
    /// `/etc/shadow` (often unreadable when not root).
    pub shadow: Result<Vec<Shadow>, String>,
}

fn lines(text: &str) -> impl Iterator<Item = (u32, Vec<&str>)> {
    text.lines().enumerate().filter_map(|(i, l)| {
        let l = l.trim_end_matches('\r');
        if l.is_empty() || l.starts_with('#') || l.starts_with('+') || l.starts_with('-') {
            return None;
        }
        Some((
            u32::try_from(i + 1).unwrap_or(u32::MAX),
            l.split(':').collect(),
        ))
    })
}

/// Parse `/etc/passwd` text; malformed lines are skipped.
#[must_use]
pub fn parse_passwd(text: &str) -> Vec<User> {
    lines(text)
        .filter_map(|(line, f)| {
            if f.len() < 7 {
                return None;
            }
            Some(User {
                name: f[0].to_string(),
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                shell: f[6].to_string(),
                line,
                home: f[5].to_string(),
            })
        })
        .collect()
}

/// Parse `/etc/group` text; malformed lines are skipped.
#[must_use]
pub fn parse_group(text: &str) -> Vec<Group> {
    lines(text)
        .filter_map(|(line, f)| {
            if f.len() < 4 {
                return None;
            }
            Some(Group {
                name: f[0].to_string(),
                gid: f[2].parse().ok()?,
                members: f[3]
                    .split(',')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .collect(),
                line,
            })
        })
        .collect()
}

/// Parse `/etc/shadow` text; malformed lines are skipped.
#[must_use]
pub fn parse_shadow(text: &str) -> Vec<Shadow> {
    lines(text)
        .filter_map(|(line, f)| {
            (f.len() >= 2).then(|| Shadow {
                name: f[0].to_string(),
                hash: f[1].to_string(),
                line,
            })
        })
        .collect()
}

impl Accounts {
    /// The accounts of the audited root, parsed once per audit.
    #[must_use]
    pub fn of(cx: &HostCx) -> Arc<Accounts> {
        cx.fact(
            |f| &f.accounts,
            |cx| {
                let read = |p: &str| {
                    cx.root()
                        .read_to_string(p)
                        .map(|(_, t)| t)
                        .map_err(|e| e.to_string())
                };
                Accounts {
                    users: read("/etc/passwd").map(|t| parse_passwd(&t)),
                    groups: read("/etc/group").map(|t| parse_group(&t)),
                    shadow: read("/etc/shadow").map(|t| parse_shadow(&t)),
                }
            },
        )
    }

    /// The group named `name`.
    #[must_use]
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.as_ref().ok()?.iter().find(|g| g.name == name)
    }

    /// A group's name by id, or the id as text.
    #[must_use]
    pub fn group_name(&self, gid: u32) -> String {
        self.groups
            .as_ref()
            .ok()
            .and_then(|gs| gs.iter().find(|g| g.gid == gid))
            .map_or_else(|| gid.to_string(), |g| g.name.clone())
    }

    /// A user's name by id, or the id as text.
    #[must_use]
    pub fn user_name(&self, uid: u32) -> String {
        self.users
            .as_ref()
            .ok()
            .and_then(|us| us.iter().find(|u| u.uid == uid))
            .map_or_else(|| uid.to_string(), |u| u.name.clone())
    }
}

/// One `/etc/login.defs` setting: key, value, 1-based line.
pub type LoginDef = (String, String, u32);

/// `/etc/login.defs`: `KEY value` lines, `#` comments; the last value of a key wins (shadow's
/// `getdef` keeps the last). `Ok(None)` when the file does not exist.
///
/// # Errors
/// Unreadable or not text.
pub fn login_defs(cx: &HostCx) -> Result<Option<Vec<LoginDef>>, String> {
    match cx.root().read_to_string("/etc/login.defs") {
        Ok((_, t)) => Ok(Some(
            t.lines()
                .enumerate()
                .filter_map(|(i, l)| {
                    let l = l.trim();
                    if l.is_empty() || l.starts_with('#') {
                        return None;
                    }
                    let (k, v) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
                    Some((
                        k.to_string(),
                        v.trim().trim_matches('"').to_string(),
                        u32::try_from(i + 1).unwrap_or(u32::MAX),
                    ))
                })
                .collect(),
        )),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// NixOS's declarative user database: the `users-groups.json` store file that
/// `/run/current-system/activate` hands to `update-users-groups.pl`. `Ok(None)` when there is
/// no such activation script (not NixOS, a mounted root without `/run`, or userborn/sysusers).
///
/// # Errors
/// The activation script or the JSON file is unreadable or not valid JSON.
pub fn users_groups_json(cx: &HostCx) -> Result<Option<(String, serde_json::Value)>, String> {
    let script = match cx.root().read_to_string("/run/current-system/activate") {
        Ok((_, t)) => t,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let Some(path) = script
        .split(|c: char| c.is_whitespace() || c == '\'' || c == '"')
        .find(|w| w.starts_with("/nix/store/") && w.ends_with("-users-groups.json"))
    else {
        return Ok(None);
    };
    let (_, text) = cx.root().read_to_string(path).map_err(|e| e.to_string())?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("`{path}`: not valid JSON: {e}"))?;
    Ok(Some((path.to_string(), v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_fields_and_malformed_lines() {
        let u = parse_passwd("root:x:0:0:root:/root:/bin/bash\n\n# c\nbroken:x:1\n+nis::::::\nnixbld1:x:30001:30000:Nix build user 1:/var/empty:/run/current-system/sw/bin/nologin\nsh:x:5:5::/:\n");
        assert_eq!(u.len(), 3);
        assert!(u[0].has_login_shell());
        assert!(!u[1].has_login_shell());
        assert_eq!((u[1].uid, u[1].gid, u[1].line), (30001, 30000, 6));
        assert!(u[2].has_login_shell(), "empty shell is /bin/sh");
    }

    #[test]
    fn groups_and_shadow() {
        let g = parse_group("nixbld:x:30000:nixbld1,nixbld2\nwheel:x:1:alice\nempty:x:5:\n");
        assert_eq!(g[0].members, ["nixbld1", "nixbld2"]);
        assert!(g[2].members.is_empty());
        let s = parse_shadow("root:$6$abc:19000::::::\nnixbld1:!:1::::::\nx:*:1\nnopw::1::::::\n");
        assert!(s[0].password_usable());
        assert!(!s[1].password_usable());
        assert!(!s[2].password_usable());
        assert!(
            s[3].password_usable(),
            "an empty field logs in without a password"
        );
    }
}
