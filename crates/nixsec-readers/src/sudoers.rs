//! `/etc/sudoers` (with `@include`/`#include`, `@includedir`/`#includedir`) and
//! `/etc/doas.conf`, reduced to what the privilege-escalation rules need: who may run which
//! command, and whether a password is asked.
//!
//! sudoers(5): lines continue with `\`; `#` starts a comment except in `#include`,
//! `#includedir` and a `#uid` user; an includedir reads every file whose name neither ends in
//! `~` nor contains a `.`, in sorted order; a relative include is relative to the including
//! file's directory. A user specification is `users hosts = (runas) TAG: cmnd, cmnd : hosts =
//! …`; a tag (`NOPASSWD:`, `PASSWD:`, `SETENV:` …) holds for the following commands of the same
//! specification until changed. When several specifications match, the **last** one wins.
//! `Defaults !authenticate` (global or per user) also removes the password.

use std::collections::HashMap;

use nixsec_core::{Evidence, Root, RootError};

/// One command of a user specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SudoRule {
    /// The users/groups list as written (`%wheel`, `alice`, `ALL`).
    pub users: Vec<String>,
    /// The command as written (after alias expansion).
    pub command: String,
    /// `NOPASSWD` in force for this command.
    pub nopasswd: bool,
    /// File and line.
    pub file: String,
    /// 1-based line (of the first physical line).
    pub line: u32,
    /// The whole specification as written, for evidence.
    pub text: String,
}

impl SudoRule {
    /// Evidence for this rule.
    #[must_use]
    pub fn evidence(&self) -> Evidence {
        Evidence::line(&self.file, self.line, self.text.clone())
    }
}

/// A `Defaults` line that turns authentication off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoAuth {
    /// `None` for all users, or the binding (`%wheel`, `alice`).
    pub binding: Option<String>,
    /// Evidence.
    pub evidence: Evidence,
}

/// The parsed sudoers policy.
#[derive(Debug, Default)]
pub struct Sudoers {
    /// Every command rule, in file order.
    pub rules: Vec<SudoRule>,
    /// `Defaults !authenticate` lines.
    pub no_auth: Vec<NoAuth>,
    /// Files read.
    pub files: Vec<String>,
    /// Included files that exist but could not be read.
    pub unreadable: Vec<RootError>,
}

/// One `permit`/`deny` line of doas.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoasRule {
    /// `permit` (true) or `deny`.
    pub permit: bool,
    /// `nopass` given.
    pub nopass: bool,
    /// The identity (`:wheel`, `alice`).
    pub identity: String,
    /// `cmd` restriction, if any.
    pub cmd: Option<String>,
    /// `args …` after the command: the only arguments allowed (`Some(vec![])` for none); `None`
    /// allows any.
    pub args: Option<Vec<String>>,
    /// `keepenv` or `setenv { … }`: the command gets the caller's environment (or what it sets).
    pub keepenv: bool,
    /// Evidence.
    pub evidence: Evidence,
}

/// Why `/etc/sudoers` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SudoersError {
    /// `/etc/sudoers` exists but could not be read, or is not text.
    #[error(transparent)]
    Read(#[from] RootError),
    /// Includes nested more than 128 deep.
    #[error("`{path}`: includes nested too deep (an include loop?)")]
    TooDeep {
        /// The file whose include went too deep.
        path: String,
    },
}

impl SudoersError {
    /// True when `/etc/sudoers` does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, SudoersError::Read(e) if e.is_not_found())
    }
}

/// What the audited root has for sudo and doas.
#[derive(Debug)]
pub struct Policies {
    /// `Ok(None)`: no `/etc/sudoers`.
    pub sudoers: Result<Option<Sudoers>, SudoersError>,
    /// `Ok(None)`: no `/etc/doas.conf`.
    pub doas: Result<Option<Vec<DoasRule>>, RootError>,
}

impl Policies {
    /// Read `/etc/sudoers` and `/etc/doas.conf` under the root.
    #[must_use]
    pub fn read(root: &Root) -> Policies {
        Policies {
            sudoers: read_sudoers(root),
            doas: read_doas(root),
        }
    }
}

/// `/etc/doas.conf`: `Ok(None)` when it does not exist.
///
/// # Errors
/// The file exists but cannot be read, or is not text.
pub fn read_doas(root: &Root) -> Result<Option<Vec<DoasRule>>, RootError> {
    match root.read_to_string("/etc/doas.conf") {
        Ok((_, t)) => Ok(Some(parse_doas(&t))),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// `/etc/sudoers` with its includes: `Ok(None)` when it does not exist. An included file that
/// exists but cannot be read is listed in [`Sudoers::unreadable`].
///
/// # Errors
/// `/etc/sudoers` cannot be read or is not text, or includes nest too deep.
pub fn read_sudoers(root: &Root) -> Result<Option<Sudoers>, SudoersError> {
    let text = match root.read_to_string("/etc/sudoers") {
        Ok((_, t)) => t,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut p = SudoParser {
        root,
        out: Sudoers::default(),
        cmnd_alias: HashMap::new(),
    };
    p.file("/etc/sudoers", &text, 0)?;
    Ok(Some(p.out))
}

struct SudoParser<'a> {
    root: &'a Root,
    out: Sudoers,
    cmnd_alias: HashMap<String, Vec<String>>,
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/')
        .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d })
}

/// Split on `sep` outside backslash escapes.
fn split_unescaped(s: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut esc = false;
    for c in s.chars() {
        if esc {
            cur.push(c);
            esc = false;
        } else if c == '\\' {
            cur.push(c);
            esc = true;
        } else if c == sep {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out
}

impl SudoParser<'_> {
    fn file(&mut self, path: &str, text: &str, depth: usize) -> Result<(), SudoersError> {
        if depth > 128 {
            return Err(SudoersError::TooDeep {
                path: path.to_string(),
            });
        }
        self.out.files.push(path.to_string());
        // Join continuation lines, remembering the first line number.
        let mut logical: Vec<(u32, String)> = Vec::new();
        let mut pending: Option<(u32, String)> = None;
        for (i, raw) in text.lines().enumerate() {
            let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let (start, mut acc) = pending.take().unwrap_or((n, String::new()));
            if let Some(body) = raw.strip_suffix('\\') {
                acc.push_str(body);
                acc.push(' ');
                pending = Some((start, acc));
            } else {
                acc.push_str(raw);
                logical.push((start, acc));
            }
        }
        if let Some(p) = pending {
            logical.push(p);
        }
        for (line, l) in logical {
            let t = l.trim();
            if t.is_empty() {
                continue;
            }
            let directive = t
                .strip_prefix('@')
                .or_else(|| t.strip_prefix('#').filter(|r| r.starts_with("include")));
            if let Some(d) = directive {
                let (what, arg) = d.split_once(char::is_whitespace).unwrap_or((d, ""));
                let arg = arg.trim().trim_matches('"');
                let target = if arg.starts_with('/') {
                    arg.to_string()
                } else {
                    format!("{}/{arg}", dir_of(path))
                };
                match what {
                    "include" => self.include(&target, depth)?,
                    "includedir" => match self.root.read_dir(&target) {
                        Ok((_, names)) => {
                            for n in names {
                                let n = n.to_string_lossy().into_owned();
                                if n.ends_with('~') || n.contains('.') {
                                    continue;
                                }
                                self.include(&format!("{target}/{n}"), depth)?;
                            }
                        }
                        Err(e) if e.is_not_found() => {}
                        Err(e) => self.out.unreadable.push(e),
                    },
                    _ => {}
                }
                continue;
            }
            if t.starts_with('#') && !t[1..].starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            // Strip a trailing comment (a `#` not followed by a digit).
            let t = match t.char_indices().find(|&(i, c)| {
                c == '#' && i > 0 && !t[i + 1..].starts_with(|c: char| c.is_ascii_digit())
            }) {
                Some((i, _)) => t[..i].trim(),
                None => t,
            };
            self.statement(path, line, t);
        }
        Ok(())
    }

    fn include(&mut self, path: &str, depth: usize) -> Result<(), SudoersError> {
        match self.root.read_to_string(path) {
            Ok((_, t)) => self.file(path, &t, depth + 1),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => {
                self.out.unreadable.push(e);
                Ok(())
            }
        }
    }

    fn statement(&mut self, path: &str, line: u32, t: &str) {
        let first = t.split_whitespace().next().unwrap_or("");
        if first.starts_with("Defaults") {
            let binding = first
                .strip_prefix("Defaults")
                .and_then(|b| b.strip_prefix([':', '>', '@', '!']))
                .map(str::to_string);
            let rest = t[first.len()..].trim();
            for item in split_unescaped(rest, ',') {
                if item.trim() == "!authenticate" {
                    self.out.no_auth.push(NoAuth {
                        binding: binding.clone(),
                        evidence: Evidence::line(path, line, t.to_string()),
                    });
                }
            }
            return;
        }
        if matches!(first, "Cmnd_Alias" | "Cmd_Alias") {
            for def in split_unescaped(t[first.len()..].trim(), ':') {
                if let Some((name, cmds)) = def.split_once('=') {
                    let cmds = split_unescaped(cmds, ',')
                        .into_iter()
                        .map(|c| c.trim().to_string())
                        .collect();
                    self.cmnd_alias.insert(name.trim().to_string(), cmds);
                }
            }
            return;
        }
        if matches!(first, "User_Alias" | "Runas_Alias" | "Host_Alias") {
            return;
        }
        // users hosts = (runas) TAGS: cmnd, ...  [: hosts = ...]
        let Some((users_hosts, rest)) = t.split_once('=') else {
            return;
        };
        let mut uh = users_hosts.split_whitespace().collect::<Vec<_>>();
        uh.pop(); // the host list's last word
        let users: Vec<String> = split_unescaped(&uh.join(" "), ',')
            .into_iter()
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
            .collect();
        self.spec(path, line, t, &users, rest);
    }

    fn spec(&mut self, path: &str, line: u32, text: &str, users: &[String], rest: &str) {
        // Tokenise the command part: runas `( … )`, tags `WORD:`, commands separated by `,`,
        // and `: host =` starting another host section (treated as more commands).
        let mut nopasswd = false;
        let mut s = rest.trim();
        loop {
            if s.is_empty() {
                break;
            }
            if let Some(r) = s.strip_prefix('(') {
                s = r
                    .split_once(')')
                    .map_or("", |(_, after)| after)
                    .trim_start();
                continue;
            }
            // Tags.
            let word_end = s
                .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
                .unwrap_or(s.len());
            if word_end > 0 && s[word_end..].starts_with(':') {
                match &s[..word_end] {
                    "NOPASSWD" => nopasswd = true,
                    "PASSWD" => nopasswd = false,
                    _ => {}
                }
                s = s[word_end + 1..].trim_start();
                continue;
            }
            // One command up to an unescaped `,` or a `:` that starts another host section.
            let mut end = s.len();
            let mut next_host = false;
            let mut esc = false;
            for (i, c) in s.char_indices() {
                if esc {
                    esc = false;
                    continue;
                }
                match c {
                    '\\' => esc = true,
                    ',' => {
                        end = i;
                        break;
                    }
                    ':' if s[i + 1..].contains('=') && !s[..i].contains('/') => {
                        end = i;
                        next_host = true;
                        break;
                    }
                    _ => {}
                }
            }
            let cmd = s[..end].trim();
            if !cmd.is_empty() {
                let cmds = self
                    .cmnd_alias
                    .get(cmd.trim_start_matches('!'))
                    .cloned()
                    .unwrap_or_else(|| vec![cmd.to_string()]);
                for c in cmds {
                    self.out.rules.push(SudoRule {
                        users: users.to_vec(),
                        command: c,
                        nopasswd,
                        file: path.to_string(),
                        line,
                        text: text.to_string(),
                    });
                }
            }
            s = if end < s.len() {
                s[end + 1..].trim_start()
            } else {
                ""
            };
            if next_host {
                // `host = ` of the next section.
                s = s.split_once('=').map_or("", |(_, r)| r).trim_start();
            }
        }
    }
}

/// Parse doas.conf: `permit|deny [options] identity [as target] [cmd command [args ...]]`.
#[must_use]
pub fn parse_doas(text: &str) -> Vec<DoasRule> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.split('#').next().unwrap_or("").trim();
        let w: Vec<&str> = l.split_whitespace().collect();
        let Some(action) = w.first() else { continue };
        let permit = match *action {
            "permit" => true,
            "deny" => false,
            _ => continue,
        };
        let mut j = 1;
        let mut nopass = false;
        let mut keepenv = false;
        while let Some(opt) = w.get(j) {
            match *opt {
                "nopass" => nopass = true,
                "persist" | "nolog" => {}
                "keepenv" => keepenv = true,
                "setenv" => {
                    keepenv = true;
                    // `setenv { … }`
                    while j < w.len() && !w[j].ends_with('}') {
                        j += 1;
                    }
                }
                _ => break,
            }
            j += 1;
        }
        let Some(identity) = w.get(j) else { continue };
        let at = w.iter().position(|x| *x == "cmd");
        let cmd = at.and_then(|k| w.get(k + 1)).map(|s| (*s).to_string());
        let args = at
            .and_then(|k| w.get(k + 2))
            .filter(|x| **x == "args")
            .and_then(|_| w.get(at? + 3..))
            .map(|rest| rest.iter().map(|s| (*s).to_string()).collect());
        out.push(DoasRule {
            permit,
            nopass,
            identity: (*identity).to_string(),
            cmd,
            args,
            keepenv,
            evidence: Evidence::line(
                "/etc/doas.conf",
                u32::try_from(i + 1).unwrap_or(u32::MAX),
                l.to_string(),
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use nixsec_testutil::RootBuilder;

    fn sudoers(b: &RootBuilder) -> Sudoers {
        match read_sudoers(&b.root()) {
            Ok(Some(s)) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nixos_wheel_line_with_chained_tags() {
        // As NixOS writes it for `security.sudo.wheelNeedsPassword = false`.
        let s = sudoers(&RootBuilder::new().file("/etc/sudoers", "root     ALL=(ALL:ALL)    SETENV: ALL\n%wheel  ALL=(ALL:ALL)    NOPASSWD:SETENV: ALL\n"));
        assert_eq!(s.rules.len(), 2);
        assert!(!s.rules[0].nopasswd);
        assert_eq!(s.rules[1].users, ["%wheel"]);
        assert_eq!(s.rules[1].command, "ALL");
        assert!(s.rules[1].nopasswd);
    }

    #[test]
    fn includes_aliases_continuations_and_tags() {
        let b = RootBuilder::new()
            .file("/etc/sudoers", "#includedir /etc/sudoers.d\n@include extra\n# comment NOPASSWD: ALL\n")
            .file("/etc/sudoers.d/ops", "Cmnd_Alias SHELLS = /bin/bash, /bin/sh\nops ALL = (root) NOPASSWD: /usr/bin/apt update, \\\n  PASSWD: SHELLS\n")
            .file("/etc/sudoers.d/skipped.conf", "evil ALL = NOPASSWD: ALL\n")
            .file("/etc/sudoers.d/old~", "evil ALL = NOPASSWD: ALL\n")
            .file("/etc/extra", "Defaults:%wheel !authenticate\n");
        let s = sudoers(&b);
        assert_eq!(
            s.files,
            ["/etc/sudoers", "/etc/sudoers.d/ops", "/etc/extra"]
        );
        let cmds: Vec<(&str, bool)> = s
            .rules
            .iter()
            .map(|r| (r.command.as_str(), r.nopasswd))
            .collect();
        assert_eq!(
            cmds,
            [
                ("/usr/bin/apt update", true),
                ("/bin/bash", false),
                ("/bin/sh", false)
            ]
        );
        assert_eq!(s.rules[0].line, 2);
        assert_eq!(s.no_auth[0].binding.as_deref(), Some("%wheel"));
    }

    #[test]
    fn doas_lines() {
        let r = parse_doas(
            "permit nopass keepenv :wheel\npermit persist alice as root cmd /usr/bin/reboot\n# x\n",
        );
        assert_eq!(r.len(), 2);
        assert!(r[0].nopass && r[0].identity == ":wheel" && r[0].cmd.is_none());
        assert_eq!(r[1].cmd.as_deref(), Some("/usr/bin/reboot"));
        assert!(r[0].keepenv && r[0].args.is_none() && !r[1].keepenv);
        let r = parse_doas("permit nopass ops cmd /bin/systemctl args restart app\npermit nopass ops cmd /bin/true args\n");
        assert_eq!(
            r[0].args.as_deref(),
            Some(&["restart".to_string(), "app".to_string()][..])
        );
        assert_eq!(r[1].args.as_deref(), Some(&[][..]));
    }

    #[test]
    fn unreadable_includes_and_loops() {
        let b = RootBuilder::new()
            .file(
                "/etc/sudoers",
                "@include /etc/sudoers.extra\n%wheel ALL=(ALL) ALL\n",
            )
            .dir("/etc/sudoers.extra", 0o755);
        let s = sudoers(&b);
        assert_eq!(s.unreadable.len(), 1);
        assert_eq!(s.unreadable[0].path(), "/etc/sudoers.extra");
        assert_eq!(s.rules.len(), 1);
        let b = RootBuilder::new().file("/etc/sudoers", "@include /etc/sudoers\n");
        let e = read_sudoers(&b.root()).expect_err("a loop");
        assert_eq!(
            e.to_string(),
            "`/etc/sudoers`: includes nested too deep (an include loop?)"
        );
        let p = Policies::read(&RootBuilder::new().root());
        assert!(matches!(p.sudoers, Ok(None)) && matches!(p.doas, Ok(None)));
    }
}
