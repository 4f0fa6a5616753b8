//! `/etc/passwd`, `/etc/group` and `/etc/shadow`, `/etc/login.defs`, and NixOS's declarative
//! `users-groups.json`.
//!
//! Parsed as glibc's files backend does: colon-separated fields, blank lines, comments and
//! NIS `+`/`-` lines skipped, malformed lines ignored. An empty shell field means `/bin/sh`.

use nixsec_core::{Root, RootError};

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
#[derive(Debug)]
pub struct Accounts {
    /// `/etc/passwd`.
    pub users: Result<Vec<User>, RootError>,
    /// `/etc/group`.
    pub groups: Result<Vec<Group>, RootError>,
    /// `/etc/shadow` (often unreadable when not root; a malformed line makes it an error).
    pub shadow: Result<Vec<Shadow>, AccountsError>,
}

/// Why an account database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] RootError),
    /// A line the C library would not parse, or a file cut short: which accounts it holds,
    /// and with which password, cannot be told.
    #[error("`{path}` line {line}: {why}")]
    Malformed {
        /// The file inside the root.
        path: &'static str,
        /// 1-based line.
        line: u32,
        /// What is wrong.
        why: &'static str,
    },
}

impl AccountsError {
    /// True when the file (or a parent directory) does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, AccountsError::Read(e) if e.is_not_found())
    }
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

/// Parse `/etc/shadow` text strictly: a line glibc's `sgetspent` would reject (fewer than the
/// five fields name, password, last change, minimum and maximum age; a number field that is
/// not a number) or a last line without its newline (a file cut short) is an error, since the
/// password of that account cannot be told.
///
/// # Errors
/// [`AccountsError::Malformed`] with the line.
pub fn parse_shadow(text: &str) -> Result<Vec<Shadow>, AccountsError> {
    let malformed = |line: u32, why: &'static str| AccountsError::Malformed {
        path: "/etc/shadow",
        line,
        why,
    };
    let mut out = Vec::new();
    for (line, f) in lines(text) {
        if f.len() < 5 {
            return Err(malformed(
                line,
                "fewer fields than a shadow entry has (a truncated or malformed line)",
            ));
        }
        let numeric = f
            .iter()
            .skip(2)
            .take(6)
            .all(|n| n.is_empty() || n.bytes().all(|b| b.is_ascii_digit() || b == b'-'));
        if !numeric {
            return Err(malformed(line, "a number field holds something else"));
        }
        out.push(Shadow {
            name: f[0].to_string(),
            hash: f[1].to_string(),
            line,
        });
    }
    if !text.is_empty() && !text.ends_with('\n') {
        let line = u32::try_from(text.lines().count()).unwrap_or(u32::MAX);
        return Err(malformed(
            line,
            "the last line has no newline (a file cut short?)",
        ));
    }
    Ok(out)
}

impl Accounts {
    /// Read and parse the three files under the root (a missing file is an error: every
    /// system has them).
    #[must_use]
    pub fn read(root: &Root) -> Accounts {
        let read = |p: &str| root.read_to_string(p).map(|(_, t)| t);
        Accounts {
            users: read("/etc/passwd").map(|t| parse_passwd(&t)),
            groups: read("/etc/group").map(|t| parse_group(&t)),
            shadow: read("/etc/shadow")
                .map_err(AccountsError::from)
                .and_then(|t| parse_shadow(&t)),
        }
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
pub fn login_defs(root: &Root) -> Result<Option<Vec<LoginDef>>, RootError> {
    match root.read_to_string("/etc/login.defs") {
        Ok((_, t)) => Ok(Some(parse_login_defs(&t))),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Parse `/etc/login.defs` text: every `KEY value` line, in order (values unquoted).
#[must_use]
pub fn parse_login_defs(text: &str) -> Vec<LoginDef> {
    text.lines()
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
        .collect()
}

/// NixOS's activation script, which names the `users-groups.json` store file.
pub const ACTIVATE: &str = "/run/current-system/activate";

/// Why NixOS's `users-groups.json` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum UsersGroupsError {
    /// The activation script or the JSON file exists but could not be read.
    #[error(transparent)]
    Read(#[from] RootError),
    /// The JSON file is not valid JSON.
    #[error("`{path}`: not valid JSON: {source}")]
    Json {
        /// The store file.
        path: String,
        /// The parser's error.
        source: serde_json::Error,
    },
}

impl UsersGroupsError {
    /// True when the file named by the activation script does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, UsersGroupsError::Read(e) if e.is_not_found())
    }
}

/// NixOS's declarative user database: the `users-groups.json` store file that
/// `/run/current-system/activate` hands to `update-users-groups.pl`, with its path. `Ok(None)`
/// when there is no such activation script (not NixOS, a mounted root without `/run`, or
/// userborn/sysusers).
///
/// # Errors
/// The activation script or the JSON file is unreadable or not valid JSON.
pub fn users_groups_json(
    root: &Root,
) -> Result<Option<(String, serde_json::Value)>, UsersGroupsError> {
    let script = match root.read_to_string(ACTIVATE) {
        Ok((_, t)) => t,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let Some(path) = script
        .split(|c: char| c.is_whitespace() || c == '\'' || c == '"')
        .find(|w| w.starts_with("/nix/store/") && w.ends_with("-users-groups.json"))
    else {
        return Ok(None);
    };
    let (_, text) = root.read_to_string(path)?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| UsersGroupsError::Json {
            path: path.to_string(),
            source,
        })?;
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
        let s =
            parse_shadow("root:$6$abc:19000::::::\nnixbld1:!:1::::::\nx:*:1::\nnopw::1::::::\n")
                .expect("parses");
        assert!(s[0].password_usable());
        assert!(!s[1].password_usable());
        assert!(!s[2].password_usable());
        assert!(
            s[3].password_usable(),
            "an empty field logs in without a password"
        );
    }

    #[test]
    fn truncated_or_malformed_shadow_lines_are_errors() {
        // Regression (issue 20): each of these was read as a valid entry, and rules passed.
        for (text, line) in [
            ("root:$6$abc\n", 1),
            ("alice:!:1::::::\nroot:$6$abc:19000::::::", 2),
            ("root:\n", 1),
            ("root:$6$x:abc:0:99999:7:::\n", 1),
        ] {
            match parse_shadow(text) {
                Err(AccountsError::Malformed { line: l, .. }) => assert_eq!(l, line, "{text}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
        assert!(parse_shadow("").expect("empty").is_empty());
        assert_eq!(
            parse_shadow("# c\nold:x:1:0:9\n").expect("5 fields").len(),
            1
        );
    }

    #[test]
    fn login_defs_and_users_groups_json() {
        use nixsec_testutil::RootBuilder;
        let d = parse_login_defs("# c\nPASS_MAX_DAYS\t99999\nENCRYPT_METHOD \"SHA512\"\n\nUMASK\n");
        assert_eq!(
            d,
            [
                ("PASS_MAX_DAYS".into(), "99999".into(), 2),
                ("ENCRYPT_METHOD".into(), "SHA512".into(), 3),
                ("UMASK".into(), String::new(), 5)
            ]
        );
        assert!(login_defs(&RootBuilder::new().root())
            .expect("absent")
            .is_none());
        let json = "/nix/store/aaaa-users-groups.json";
        let b = RootBuilder::new()
            .file(
                ACTIVATE,
                format!("#!/bin/sh\nperl update-users-groups.pl '{json}'\n"),
            )
            .file(json, "{\"users\": [");
        let e = users_groups_json(&b.root()).expect_err("bad JSON");
        assert!(
            e.to_string()
                .starts_with("`/nix/store/aaaa-users-groups.json`: not valid JSON: "),
            "{e}"
        );
        let b = b.file(json, "{\"users\": []}");
        let (path, v) = users_groups_json(&b.root()).expect("reads").expect("found");
        assert_eq!(path, json);
        assert!(v["users"].is_array());
        assert!(users_groups_json(&RootBuilder::new().root())
            .expect("absent")
            .is_none());
    }
}
