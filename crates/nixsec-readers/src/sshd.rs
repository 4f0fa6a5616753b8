//! `/etc/ssh/sshd_config` read the way sshd reads it.
//!
//! * Keywords are case-insensitive; `Keyword value`, `Keyword=value` and `Keyword = value` are
//!   the same; `"` quotes an argument with spaces; a word starting with `#` ends the line.
//! * For single-valued keywords the **first** value wins (sshd ignores later ones).
//! * `Include` is expanded in place: each argument is a glob, relative to `/etc/ssh`, matched
//!   in sorted order; a pattern that matches nothing is ignored (as sshd does). A `Match` block
//!   inside an included file ends with that file; an `Include` inside a `Match` block puts the
//!   included lines in that block. Nesting deeper than 16 is an error (sshd's limit).
//! * `Match` blocks apply per connection: for a connection they match, their first value of a
//!   keyword overrides the global one. The effective configuration of a *default* connection is
//!   the global one (plus `Match all` blocks); [`SshdConfig::overrides`] lists every `Match`
//!   block that sets a keyword.
//! * A keyword that no line sets has sshd's compiled-in default ([`default_of`]), OpenSSH
//!   upstream; NixOS's generated file sets most of them explicitly.
//!
//! On NixOS the file is a link to `/etc/static/ssh/sshd_config` and from there into the store;
//! [`Root`] follows both inside the audited root.

use nixsec_core::{Evidence, Root, RootError};

/// The main configuration file.
pub const SSHD_CONFIG: &str = "/etc/ssh/sshd_config";

/// sshd's include depth limit (`SSH_MAX_INCLUDE_DEPTH`).
const MAX_DEPTH: usize = 16;

/// One configuration line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Keyword, lower-case.
    pub keyword: String,
    /// Keyword as written (for evidence).
    pub written: String,
    /// Arguments as sshd splits them.
    pub args: Vec<String>,
    /// File (inside the root, as named by the config or the include).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// Index of the enclosing `Match` block, if any.
    pub block: Option<usize>,
}

impl Directive {
    /// The first argument, lower-cased (what yes/no keywords compare).
    #[must_use]
    pub fn value(&self) -> String {
        self.args
            .first()
            .map(|a| a.to_ascii_lowercase())
            .unwrap_or_default()
    }

    /// Evidence: file, line and the line as written (keyword and arguments).
    #[must_use]
    pub fn evidence(&self) -> Evidence {
        Evidence::line(
            &self.file,
            self.line,
            format!("{} {}", self.keyword, self.args.join(" ")),
        )
    }
}

/// A `Match` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchBlock {
    /// The criteria as written (`User alice Address 10.0.0.0/8`).
    pub criteria: String,
    /// File of the `Match` line.
    pub file: String,
    /// Line of the `Match` line.
    pub line: u32,
    /// `Match all`: applies to every connection.
    pub all: bool,
}

/// What the effective value of a keyword rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// Set by this line.
    Set(&'a Directive),
    /// No line sets it: sshd's compiled-in default.
    Default(&'static str),
}

impl Value<'_> {
    /// The (first) value, lower-cased.
    #[must_use]
    pub fn value(&self) -> String {
        match self {
            Value::Set(d) => d.value(),
            Value::Default(v) => v.to_ascii_lowercase(),
        }
    }

    /// Evidence for the value: the line, or the main file with "unset, sshd default".
    #[must_use]
    pub fn evidence(&self, keyword: &str) -> Evidence {
        match self {
            Value::Set(d) => d.evidence(),
            Value::Default(v) => {
                Evidence::value(SSHD_CONFIG, format!("{keyword}: unset, sshd default `{v}`"))
            }
        }
    }

    /// `` `no` (line 12 of /etc/ssh/sshd_config)`` or `` `yes` (sshd default)`` for messages.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Value::Set(d) => format!(
                "`{}` ({}:{})",
                nixsec_core::escape(&d.args.join(" ")),
                d.file,
                d.line
            ),
            Value::Default(v) => format!("`{v}` (unset: sshd's compiled-in default)"),
        }
    }

    /// The value of a yes/no keyword as a bool.
    ///
    /// # Errors
    /// A value sshd rejects ([`BadValue`] names the file, line and value).
    pub fn yes_no(&self, keyword: &str) -> Result<bool, BadValue> {
        match self.value().as_str() {
            "yes" => Ok(true),
            "no" => Ok(false),
            other => Err(self.bad(keyword, other)),
        }
    }

    /// The error for `value`, this value of `keyword`, when sshd would refuse to start with it.
    #[must_use]
    pub fn bad(&self, keyword: &str, value: &str) -> BadValue {
        match self {
            Value::Set(d) => BadValue::Line {
                file: d.file.clone(),
                line: d.line,
                keyword: keyword.to_string(),
                value: value.to_string(),
            },
            Value::Default(_) => BadValue::Default {
                keyword: keyword.to_string(),
                value: value.to_string(),
            },
        }
    }
}

/// A value sshd would refuse to start with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadValue {
    /// Set by a line.
    #[error(
        "`{file}` line {line}: `{keyword} {}` is not a value sshd accepts",
        nixsec_core::escape(value)
    )]
    Line {
        /// The file (inside the root).
        file: String,
        /// 1-based line.
        line: u32,
        /// The keyword, as the caller names it.
        keyword: String,
        /// The value as read.
        value: String,
    },
    /// A compiled-in default (never happens with sshd's own defaults).
    #[error("{keyword}: bad default `{value}`")]
    Default {
        /// The keyword.
        keyword: String,
        /// The default.
        value: String,
    },
}

/// Why sshd_config could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SshdError {
    /// The main file exists but could not be read, or is not text.
    #[error(transparent)]
    Read(#[from] RootError),
    /// `Include` nested deeper than sshd allows.
    #[error("`{path}` line {line}: `Include` nested more than {limit} deep (an include loop?)")]
    IncludeDepth {
        /// The file of the `Include` line.
        path: String,
        /// Its 1-based line.
        line: u32,
        /// sshd's limit.
        limit: usize,
    },
}

impl SshdError {
    /// True when the main file (or a parent directory) does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, SshdError::Read(e) if e.is_not_found())
    }
}

/// A parsed configuration.
#[derive(Debug, Default)]
pub struct SshdConfig {
    /// Every line in the order sshd reads them (includes expanded).
    pub directives: Vec<Directive>,
    /// The `Match` blocks.
    pub blocks: Vec<MatchBlock>,
    /// Every file read.
    pub files: Vec<String>,
    /// Included files that exist but could not be read (their settings are unknown).
    pub unreadable: Vec<RootError>,
}

/// sshd's compiled-in default for a keyword (OpenSSH upstream, servconf.c `fill_default_server_options`).
#[must_use]
pub fn default_of(keyword: &str) -> Option<&'static str> {
    Some(match keyword.to_ascii_lowercase().as_str() {
        "permitrootlogin" => "prohibit-password",
        "passwordauthentication"
        | "kbdinteractiveauthentication"
        | "challengeresponseauthentication" => "yes",
        "usepam" => "no",
        "x11forwarding" => "no",
        "allowtcpforwarding" | "allowagentforwarding" | "allowstreamlocalforwarding" => "yes",
        "permittunnel" => "no",
        "permituserenvironment" => "no",
        "maxauthtries" => "6",
        "loglevel" => "INFO",
        "authorizedkeysfile" => ".ssh/authorized_keys .ssh/authorized_keys2",
        "port" => "22",
        "permitemptypasswords" => "no",
        "pubkeyauthentication" => "yes",
        _ => return None,
    })
}

impl SshdConfig {
    /// Lines setting `keyword` (any spelling; `ChallengeResponseAuthentication` is read as
    /// `KbdInteractiveAuthentication`, as sshd does).
    fn matching<'a>(&'a self, keyword: &str) -> impl Iterator<Item = &'a Directive> + 'a {
        let want = canonical(keyword);
        self.directives
            .iter()
            .filter(move |d| canonical(&d.keyword) == want)
    }

    /// The first line outside `Match` blocks (or in a `Match all` block) for `keyword`.
    #[must_use]
    pub fn global(&self, keyword: &str) -> Option<&Directive> {
        let mut first_global = None;
        for d in self.matching(keyword) {
            match d.block {
                Some(b) if self.blocks.get(b).is_some_and(|m| m.all) => return Some(d),
                None if first_global.is_none() => first_global = Some(d),
                _ => {}
            }
        }
        first_global
    }

    /// The effective value for a default connection (no `Match` criteria but `all` apply).
    #[must_use]
    pub fn effective(&self, keyword: &str) -> Option<Value<'_>> {
        match self.global(keyword) {
            Some(d) => Some(Value::Set(d)),
            None => default_of(keyword).map(Value::Default),
        }
    }

    /// For each `Match` block (other than `Match all`) that sets `keyword`: the block and its
    /// first line for it (the value a matching connection gets).
    #[must_use]
    pub fn overrides(&self, keyword: &str) -> Vec<(&MatchBlock, &Directive)> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for d in self.matching(keyword) {
            if let Some(b) = d.block {
                if seen.contains(&b) {
                    continue;
                }
                seen.push(b);
                if let Some(m) = self.blocks.get(b).filter(|m| !m.all) {
                    out.push((m, d));
                }
            }
        }
        out
    }

    /// Every global line for a list keyword (`AllowUsers`, `Port`), in order.
    #[must_use]
    pub fn all_global(&self, keyword: &str) -> Vec<&Directive> {
        self.matching(keyword)
            .filter(|d| d.block.is_none())
            .collect()
    }
}

fn canonical(keyword: &str) -> String {
    let k = keyword.to_ascii_lowercase();
    match k.as_str() {
        "challengeresponseauthentication" => "kbdinteractiveauthentication".into(),
        _ => k,
    }
}

/// Split one line into words as sshd's `argv_split` does (quotes, `#` ending the line), and the
/// keyword's optional `=`.
#[must_use]
pub fn split_line(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                quoted = false;
            } else if c == '\\' && matches!(chars.peek(), Some('"' | '\\')) {
                cur.push(chars.next().unwrap_or('\\'));
            } else {
                cur.push(c);
            }
            continue;
        }
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '#' if !in_word => break,
            '"' => {
                quoted = true;
                in_word = true;
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    // `Keyword=value`, `Keyword= value`, `Keyword =value`, `Keyword = value`.
    if let Some(first) = words.first().cloned() {
        if let Some((k, v)) = first.split_once('=') {
            let mut rest = vec![k.to_string()];
            if !v.is_empty() {
                rest.push(v.to_string());
            }
            rest.extend(words.drain(1..));
            words = rest;
        } else if words.get(1).is_some_and(|w| w.starts_with('=')) {
            let w = words.remove(1);
            if w.len() > 1 {
                words.insert(1, w[1..].to_string());
            }
        }
    }
    words
}

/// glob(3)-style matching of one path component: `*`, `?` and `[...]`; a leading `.` only
/// matches a literal `.`.
#[must_use]
pub fn glob_match(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // One pass with a single backtrack point (the last `*`): O(|p|·|n|) at worst, where the
    // naive recursion on `*` is exponential in the number of stars.
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
                continue;
            }
            Some('?') => Some(pi + 1),
            Some('[') => match class(&p[pi..], n[ni]) {
                Some((true, len)) => Some(pi + len),
                Some((false, _)) => None,
                // No closing `]`: a literal `[`.
                None => (n[ni] == '[').then_some(pi + 1),
            },
            Some(c) => (*c == n[ni]).then_some(pi + 1),
            None => None,
        };
        match (step, star) {
            (Some(next), _) => {
                pi = next;
                ni += 1;
            }
            (None, Some((sp, sn))) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            (None, None) => return false,
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// A `[...]` class at the start of `p`: whether `c` is in it and the class's length, or `None`
/// when there is no closing `]` (then `[` is literal).
fn class(p: &[char], c: char) -> Option<(bool, usize)> {
    let end = p.iter().skip(2).position(|c| *c == ']').map(|i| i + 2)?;
    let (neg, set) = match p.get(1) {
        Some('!' | '^') => (true, &p[2..end]),
        _ => (false, &p[1..end]),
    };
    let mut hit = false;
    let mut i = 0;
    while i < set.len() {
        if i + 2 < set.len() && set[i + 1] == '-' {
            hit |= set[i] <= c && c <= set[i + 2];
            i += 3;
        } else {
            hit |= set[i] == c;
            i += 1;
        }
    }
    Some((hit != neg, end + 1))
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Expand an absolute glob under the root, sorted (as glob(3) without `GLOB_NOSORT`). What
/// cannot be told present or absent (a symlink loop, a directory that cannot be listed) goes to
/// `unreadable`: sshd would read it, so its settings are unknown, never absent.
fn expand(root: &Root, pattern: &str, unreadable: &mut Vec<RootError>) -> Vec<String> {
    let mut paths = vec![String::new()];
    for comp in pattern.split('/').filter(|c| !c.is_empty()) {
        let mut next = Vec::new();
        for base in &paths {
            if has_glob(comp) {
                let dir = if base.is_empty() {
                    "/".to_string()
                } else {
                    base.clone()
                };
                match root.read_dir(&dir) {
                    Ok((_, names)) => {
                        for n in names {
                            let n = n.to_string_lossy().into_owned();
                            if glob_match(comp, &n) {
                                next.push(format!("{base}/{n}"));
                            }
                        }
                    }
                    Err(e) if e.is_not_found() || e.is_not_a_directory() => {}
                    Err(e) => unreadable.push(e),
                }
            } else {
                next.push(format!("{base}/{comp}"));
            }
        }
        paths = next;
    }
    paths.sort();
    paths.retain(|p| {
        !p.is_empty()
            && match root.presence(p) {
                nixsec_core::Presence::Present => true,
                nixsec_core::Presence::Absent => false,
                nixsec_core::Presence::Unknown(e) => {
                    unreadable.push(e);
                    false
                }
            }
    });
    paths
}

struct Parser<'a> {
    root: &'a Root,
    out: SshdConfig,
}

impl Parser<'_> {
    fn file(
        &mut self,
        path: &str,
        text: &str,
        mut block: Option<usize>,
        depth: usize,
    ) -> Result<(), SshdError> {
        self.out.files.push(path.to_string());
        for (i, raw) in text.lines().enumerate() {
            let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let words = split_line(raw);
            let Some(kw) = words.first() else { continue };
            let keyword = kw.to_ascii_lowercase();
            let args: Vec<String> = words[1..].to_vec();
            match keyword.as_str() {
                "match" => {
                    let all = args.len() == 1 && args[0].eq_ignore_ascii_case("all");
                    self.out.blocks.push(MatchBlock {
                        criteria: args.join(" "),
                        file: path.to_string(),
                        line,
                        all,
                    });
                    block = Some(self.out.blocks.len() - 1);
                }
                "include" => {
                    if depth >= MAX_DEPTH {
                        return Err(SshdError::IncludeDepth {
                            path: path.to_string(),
                            line,
                            limit: MAX_DEPTH,
                        });
                    }
                    for pat in &args {
                        let abs = if pat.starts_with('/') {
                            pat.clone()
                        } else {
                            format!("/etc/ssh/{pat}")
                        };
                        for f in expand(self.root, &abs, &mut self.out.unreadable) {
                            match self.root.read_to_string(&f) {
                                Ok((_, t)) => self.file(&f, &t, block, depth + 1)?,
                                Err(e) if e.is_not_found() => {}
                                Err(e) => self.out.unreadable.push(e),
                            }
                        }
                    }
                }
                _ => self.out.directives.push(Directive {
                    keyword,
                    written: kw.clone(),
                    args,
                    file: path.to_string(),
                    line,
                    block,
                }),
            }
        }
        Ok(())
    }
}

/// Parse a configuration from its text (includes read through the root).
///
/// # Errors
/// Include nesting beyond sshd's limit.
pub fn parse(root: &Root, path: &str, text: &str) -> Result<SshdConfig, SshdError> {
    let mut p = Parser {
        root,
        out: SshdConfig::default(),
    };
    p.file(path, text, None, 0)?;
    Ok(p.out)
}

/// The sshd configuration of the root: `Ok(None)` without [`SSHD_CONFIG`] (the OpenSSH
/// server is not configured there).
///
/// # Errors
/// The main file cannot be read or is not text, or includes nest too deep. An included file
/// that cannot be read is not an error: it is listed in [`SshdConfig::unreadable`].
pub fn read(root: &Root) -> Result<Option<SshdConfig>, SshdError> {
    match root.read_to_string(SSHD_CONFIG) {
        Ok((_, text)) => parse(root, SSHD_CONFIG, &text).map(Some),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nixsec_testutil::RootBuilder;

    fn load_from(b: &RootBuilder) -> SshdConfig {
        match read(&b.root()) {
            Ok(Some(c)) => c,
            other => panic!("{other:?}"),
        }
    }
    #[test]
    fn splitting_like_sshd() {
        assert_eq!(
            split_line("  PermitRootLogin   no  # comment"),
            ["PermitRootLogin", "no"]
        );
        assert_eq!(
            split_line("PermitRootLogin=yes"),
            ["PermitRootLogin", "yes"]
        );
        assert_eq!(
            split_line("PermitRootLogin = yes"),
            ["PermitRootLogin", "yes"]
        );
        assert_eq!(
            split_line("PermitRootLogin =yes"),
            ["PermitRootLogin", "yes"]
        );
        assert_eq!(
            split_line("AuthorizedKeysFile \"/etc/my keys/%u\" .ssh/k"),
            ["AuthorizedKeysFile", "/etc/my keys/%u", ".ssh/k"]
        );
        assert!(split_line("# all comment").is_empty());
        assert!(split_line("").is_empty());
    }

    #[test]
    fn globs() {
        assert!(glob_match("*.conf", "a.conf"));
        assert!(!glob_match("*.conf", ".hidden.conf"));
        assert!(glob_match("[0-9]?-x", "1a-x"));
        assert!(!glob_match("[!0-9]*", "1a"));
    }

    #[test]
    fn first_value_wins_case_insensitively_and_includes_expand_in_place() {
        let b = RootBuilder::new()
            .file(
                SSHD_CONFIG,
                "Include sshd_config.d/*.conf\npermitrootlogin yes\nPasswordAuthentication yes\n",
            )
            .file(
                "/etc/ssh/sshd_config.d/20-b.conf",
                "PasswordAuthentication no\n",
            )
            .file("/etc/ssh/sshd_config.d/10-a.conf", "PERMITROOTLOGIN no\n")
            .file("/etc/ssh/sshd_config.d/x.txt", "PermitRootLogin yes\n");
        let c = load_from(&b);
        let v = c.effective("PermitRootLogin").expect("known");
        assert_eq!(v.value(), "no");
        assert!(matches!(v, Value::Set(d) if d.file == "/etc/ssh/sshd_config.d/10-a.conf"));
        assert_eq!(
            c.effective("passwordauthentication")
                .expect("known")
                .value(),
            "no"
        );
        assert_eq!(c.effective("X11Forwarding"), Some(Value::Default("no")));
        assert_eq!(c.files.len(), 3);
    }

    #[test]
    fn match_blocks_end_with_their_file_and_override_per_connection() {
        let b = RootBuilder::new()
            .file(SSHD_CONFIG, "Include /etc/ssh/extra\nPermitRootLogin no\nMatch Address 10.0.0.0/8\n  PermitRootLogin yes\n  PermitRootLogin no\nMatch all\nX11Forwarding yes\n")
            .file("/etc/ssh/extra", "Match User bob\nPasswordAuthentication yes\n");
        let c = load_from(&b);
        // The Match in the included file ends with it: PermitRootLogin no is global.
        assert_eq!(c.effective("PermitRootLogin").expect("k").value(), "no");
        let o = c.overrides("PermitRootLogin");
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].0.criteria, "Address 10.0.0.0/8");
        assert_eq!(o[0].1.value(), "yes", "first value in the block wins");
        assert_eq!(
            c.effective("PasswordAuthentication"),
            Some(Value::Default("yes"))
        );
        assert_eq!(
            c.overrides("PasswordAuthentication")[0].0.criteria,
            "User bob"
        );
        // `Match all` applies to the default connection.
        assert_eq!(c.effective("X11Forwarding").expect("k").value(), "yes");
    }

    #[test]
    fn nixos_store_link_and_include_loop() {
        let b = RootBuilder::new()
            .file(
                "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-etc-sshd_config",
                "PermitRootLogin prohibit-password\n",
            )
            .symlink("/etc/static", "/nix/store/static-etc")
            .symlink(
                "/nix/store/static-etc/ssh/sshd_config",
                "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-etc-sshd_config",
            )
            .symlink(SSHD_CONFIG, "/etc/static/ssh/sshd_config");
        assert_eq!(
            load_from(&b)
                .effective("permitrootlogin")
                .expect("k")
                .value(),
            "prohibit-password"
        );
        let b = RootBuilder::new().file(SSHD_CONFIG, "Include sshd_config\n");
        let e = read(&b.root()).expect_err("an include loop");
        assert!(matches!(e, SshdError::IncludeDepth { limit: 16, .. }));
        assert_eq!(
            e.to_string(),
            "`/etc/ssh/sshd_config` line 1: `Include` nested more than 16 deep (an include loop?)"
        );
        assert!(!e.is_not_found());
        assert!(read(&RootBuilder::new().root()).expect("absent").is_none());
    }

    #[test]
    fn unreadable_includes_are_kept_not_fatal() {
        let b = RootBuilder::new()
            .file(
                SSHD_CONFIG,
                "Include /etc/ssh/extra.conf\nPermitRootLogin no\n",
            )
            .dir("/etc/ssh/extra.conf", 0o755);
        let c = load_from(&b);
        assert_eq!(c.unreadable.len(), 1);
        assert_eq!(c.unreadable[0].path(), "/etc/ssh/extra.conf");
        assert_eq!(c.effective("PermitRootLogin").expect("k").value(), "no");
    }

    #[test]
    fn includes_that_cannot_be_told_absent_are_unreadable_not_absent() {
        // Regression (issue 20): an `Include` through a symlink loop, or a glob over a
        // directory that cannot be listed, was dropped as if absent, and the rules passed.
        let b = RootBuilder::new()
            .file(
                SSHD_CONFIG,
                "Include /etc/ssh/loop.conf\nInclude /etc/ssh/conf.d/*.conf\n",
            )
            .symlink("/etc/ssh/loop.conf", "/etc/ssh/loop.conf")
            .symlink("/etc/ssh/conf.d", "/etc/ssh/conf.d");
        let c = load_from(&b);
        let paths: Vec<&str> = c.unreadable.iter().map(RootError::path).collect();
        assert_eq!(paths, ["/etc/ssh/loop.conf", "/etc/ssh/conf.d"], "{c:?}");
        // Known absence stays absence: sshd ignores a glob that matches nothing.
        let b = RootBuilder::new().file(
            SSHD_CONFIG,
            "Include /etc/ssh/none.d/*.conf\nInclude /etc/ssh/sshd_config/x\n",
        );
        assert!(load_from(&b).unreadable.is_empty());
    }

    #[test]
    fn globs_with_many_stars_match_in_linear_time() {
        let pattern = "*a".repeat(40) + "b";
        let name = "a".repeat(200);
        let t = std::time::Instant::now();
        assert!(!glob_match(&pattern, &name));
        assert!(glob_match(&pattern, &(name.clone() + "b")));
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
        for (p, n, m) in [
            ("*.conf", "a.conf", true),
            ("*.conf", ".a.conf", false),
            ("a?c", "abc", true),
            ("[a-c]x", "bx", true),
            ("[!a-c]x", "bx", false),
            ("[x", "[x", true),
            ("*", "", true),
            ("a*", "a", true),
            ("*b*", "acd", false),
        ] {
            assert_eq!(glob_match(p, n), m, "{p} {n}");
        }
    }

    #[test]
    fn bad_values_name_the_line() {
        let c = load_from(&RootBuilder::new().file(SSHD_CONFIG, "PasswordAuthentication maybe\n"));
        let v = c.effective("PasswordAuthentication").expect("k");
        let e = v.yes_no("PasswordAuthentication").expect_err("maybe");
        assert_eq!(
            e.to_string(),
            "`/etc/ssh/sshd_config` line 1: `PasswordAuthentication maybe` is not a value sshd accepts"
        );
        assert_eq!(Value::Default("no").yes_no("X11Forwarding"), Ok(false));
    }
}
