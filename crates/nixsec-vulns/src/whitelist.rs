//! vulnix's whitelists, TOML (sections `["pname-version"]`, `["pname"]` or `["*"]` with `cve`,
//! `until`, `issue_url`, `comment`) and YAML (a list of entries with `name` and `version`), read
//! and applied as vulnix 1.12 does: a key names a package by its pname or its name, with or
//! without the version; the most specific rule that masks a CVE is the one shown; rules with the
//! same key in several files are merged. Unlike vulnix, an unreadable or invalid file is an error
//! naming the file and line, and entries that matched nothing or have expired are reported.
//! [`Whitelist::dump`] writes a whitelist in vulnix's format (`-W`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::NaiveDate;

/// One rule (after merging the rules of the same key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The section as written (`openssl-3.0.6`, `openssl`, `*`).
    pub key: String,
    /// The first file it came from.
    pub file: String,
    /// Every file it came from (several when rules of the same key were merged).
    pub files: Vec<String>,
    /// The 1-based line of the section in `file` (0 when not known).
    pub line: usize,
    /// The CVEs it masks; empty = all of the package.
    pub cves: BTreeSet<String>,
    /// Ignored from this date on.
    pub until: Option<NaiveDate>,
    /// Issue URLs.
    pub issue_urls: Vec<String>,
    /// Comments.
    pub comments: Vec<String>,
}

impl Rule {
    /// Where it was written: `file:line`, and the other files it was merged from.
    #[must_use]
    pub fn origin(&self) -> String {
        let mut s = if self.line > 0 {
            format!("{}:{}", self.file, self.line)
        } else {
            self.file.clone()
        };
        for f in self.files.iter().skip(1) {
            s.push_str(", ");
            s.push_str(f);
        }
        s
    }

    fn expired(&self, today: NaiveDate) -> bool {
        self.until.is_some_and(|u| u <= today)
    }

    /// Merge a rule of the same key as vulnix does: CVEs, issue URLs and comments are added,
    /// the later `until` wins (a rule without one has no say). Both err on the side of
    /// reporting: a rule for every CVE merged with one listing CVEs masks only those, and a
    /// permanent rule merged with a temporary one expires.
    fn merge(&mut self, other: Rule) {
        self.cves.extend(other.cves);
        self.until = match (self.until, other.until) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        for u in other.issue_urls {
            if !self.issue_urls.contains(&u) {
                self.issue_urls.push(u);
            }
        }
        self.comments.extend(other.comments);
        for f in other.files {
            if !self.files.contains(&f) {
                self.files.push(f);
            }
        }
    }
}

/// A whitelist that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("whitelist `{file}`{}: {message}", line_part(*line))]
pub struct WhitelistError {
    /// The file (or URL).
    pub file: String,
    /// The 1-based line, 0 when the problem is the whole file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn line_part(line: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" line {line}")
    }
}

/// All rules of all files.
#[derive(Debug, Clone, Default)]
pub struct Whitelist {
    /// The rules, one per key, in the order their keys first appeared.
    pub rules: Vec<Rule>,
    /// Keys that were ignored, one line each.
    pub warnings: Vec<String>,
}

/// How a package is named, for matching whitelist keys: its `pname` and `version` (from the
/// `.drv`) and its name (`python3.11-requests-2.31.0`).
#[derive(Debug, Clone, Copy)]
pub struct PackageName<'a> {
    /// pname.
    pub pname: &'a str,
    /// version.
    pub version: &'a str,
    /// The derivation (or store path) name.
    pub name: &'a str,
}

/// vulnix's name split: at the first `-` followed by a digit (`font-adobe-100dpi-1.0.3` is
/// `font-adobe` + `100dpi-1.0.3`); `None` without one.
#[must_use]
pub fn split_name(name: &str) -> Option<(&str, &str)> {
    let b = name.as_bytes();
    (1..b.len().saturating_sub(1))
        .find(|&i| b[i] == b'-' && b[i + 1].is_ascii_digit())
        .map(|i| (&name[..i], &name[i + 1..]))
}

impl PackageName<'_> {
    /// Keys naming this package with its version (most specific).
    fn versioned_keys(&self) -> Vec<String> {
        let mut out = vec![format!("{}-{}", self.pname, self.version)];
        if let Some((p, v)) = split_name(self.name) {
            out.push(format!("{p}-{}", self.version));
            out.push(format!("{p}-{v}"));
        }
        out.push(self.name.to_string());
        out
    }
    /// Keys naming this package without a version.
    fn name_keys(&self) -> Vec<String> {
        let mut out = vec![self.pname.to_string()];
        match split_name(self.name) {
            Some((p, _)) => out.push(p.to_string()),
            None => out.push(self.name.to_string()),
        }
        out
    }
}

/// A key: `*`, or a package name with an optional version (letters, digits, `.`, `_`, `+`,
/// `-`; vulnix allows no `+`, but nixpkgs pnames such as `libsigc++` have one).
fn valid_key(key: &str) -> bool {
    key == "*"
        || (!key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-')))
}

/// An `issue_url` as vulnix accepts it: `scheme://host/path`.
fn valid_url(u: &str) -> bool {
    let Some((scheme, rest)) = u.split_once("://") else {
        return false;
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !host.is_empty()
        && !host.contains(char::is_whitespace)
        && !path.is_empty()
        && !u.contains(char::is_whitespace)
}

/// One entry before it is checked: from a TOML section or a YAML list item.
enum Raw {
    Toml(toml::Table),
    Yaml(serde_yaml::Mapping),
}

/// Strings from a string or a list of strings.
fn toml_strings(v: &toml::Value) -> Option<Vec<String>> {
    match v {
        toml::Value::String(s) => Some(vec![s.clone()]),
        toml::Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_string)).collect(),
        _ => None,
    }
}

fn yaml_scalar(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn yaml_strings(v: &serde_yaml::Value) -> Option<Vec<String>> {
    match v {
        serde_yaml::Value::Sequence(a) => a.iter().map(yaml_scalar).collect(),
        other => yaml_scalar(other).map(|s| vec![s]),
    }
}

/// The section headers of a TOML whitelist with their lines, checked as vulnix checks them
/// (`["name-version"]`, or a bare `[name-version]` without dots), before TOML reads the file.
fn toml_headers(text: &str) -> Result<BTreeMap<String, usize>, (usize, String)> {
    let mut out = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if !line.starts_with('[') {
            continue;
        }
        let n = i + 1;
        let header = line.split(" #").next().unwrap_or(line).trim_end();
        if header.starts_with("[[") {
            return Err((
                n,
                format!("`{header}`: an array of tables is not a whitelist section"),
            ));
        }
        let Some(inner) = header.strip_prefix('[').and_then(|h| h.strip_suffix(']')) else {
            return Err((n, format!("`{header}`: a section header ends with `]`")));
        };
        let key = if let Some(q) = inner.strip_prefix('"').and_then(|h| h.strip_suffix('"')) {
            if q.contains('"') {
                return Err((
                    n,
                    format!("`{header}`: write one quoted name, `[\"name-version\"]`"),
                ));
            }
            q.to_string()
        } else if inner.starts_with(char::is_whitespace) || inner.ends_with(char::is_whitespace) {
            return Err((
                n,
                format!("`{header}`: no spaces inside the brackets; write `[\"name-version\"]`"),
            ));
        } else if inner.contains('.') {
            return Err((
                n,
                format!(
                    "`{header}`: an unquoted section with dots is read by TOML as nested tables; quote it: `[\"{inner}\"]`"
                ),
            ));
        } else if inner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        {
            inner.to_string()
        } else {
            return Err((
                n,
                format!("`{header}`: quote the section name: `[\"{inner}\"]`"),
            ));
        };
        out.entry(key).or_insert(n);
    }
    Ok(out)
}

/// The format of a whitelist: by its name (`.toml`, `.yaml`, `.yml`), else as vulnix guesses
/// it (a line starting with `[` is TOML, one starting with `-` is YAML).
fn is_yaml(name: &str, text: &str) -> Option<bool> {
    let base = name.split(['?', '#']).next().unwrap_or(name);
    if base.ends_with(".toml") {
        return Some(false);
    }
    if base.ends_with(".yaml") || base.ends_with(".yml") {
        return Some(true);
    }
    if text.lines().any(|l| l.starts_with('[')) {
        return Some(false);
    }
    if text.lines().any(|l| l.starts_with('-')) {
        return Some(true);
    }
    None
}

/// vulnix's whitelist format in TOML: a key as TOML writes it, bare when it can be.
fn toml_key(k: &str) -> String {
    if k.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        && !k.is_empty()
    {
        k.to_string()
    } else {
        format!("\"{}\"", toml_escape(k))
    }
}

fn toml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// A string, or a sorted list when there are several (as vulnix writes them).
fn toml_multi<'a>(v: impl IntoIterator<Item = &'a String>, sort: bool) -> String {
    let mut v: Vec<&String> = v.into_iter().collect();
    if v.len() == 1 {
        return format!("\"{}\"", toml_escape(v[0]));
    }
    if sort {
        v.sort();
    }
    let items: Vec<String> = v
        .iter()
        .map(|s| format!("\"{}\"", toml_escape(s)))
        .collect();
    format!("[ {} ]", items.join(", "))
}

impl Whitelist {
    /// Parse one file's text (TOML or YAML, see [`is_yaml`]) and merge its rules.
    ///
    /// # Errors
    /// Invalid TOML or YAML; a section header vulnix refuses (unquoted with dots, spaces inside
    /// the brackets); a key that is not `pname[-version]` or `*`; a value of the wrong type; a
    /// bad date; an `issue_url` that is not `scheme://host/path`; `["*"]` without `cve`.
    pub fn add_text(&mut self, file: &str, text: &str) -> Result<(), WhitelistError> {
        let err = |line: usize, message: String| WhitelistError {
            file: file.to_string(),
            line,
            message,
        };
        let yaml = is_yaml(file, text).ok_or_else(|| {
            err(
                0,
                "cannot tell whether it is TOML or YAML (name it .toml or .yaml)".into(),
            )
        })?;
        let mut entries: Vec<(String, usize, Raw)> = Vec::new();
        if yaml {
            let doc: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
                let line = e.location().map_or(0, |l| l.line());
                err(line, format!("not YAML: {e}").replace('\n', " "))
            })?;
            let items = match doc {
                serde_yaml::Value::Sequence(s) => s,
                serde_yaml::Value::Null => Vec::new(),
                _ => return Err(err(0, "a YAML whitelist is a list of entries".into())),
            };
            // Lines of the list items, for messages.
            let item_lines: Vec<usize> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| l.starts_with('-'))
                .map(|(i, _)| i + 1)
                .collect();
            for (i, item) in items.into_iter().enumerate() {
                let line = item_lines.get(i).copied().unwrap_or(0);
                let serde_yaml::Value::Mapping(mut m) = item else {
                    return Err(err(line, format!("entry {}: expected a mapping", i + 1)));
                };
                let name = m.remove("name").as_ref().and_then(yaml_scalar);
                let version = m.remove("version").as_ref().and_then(yaml_scalar);
                let key = match (name, version) {
                    (None, _) => "*".to_string(),
                    (Some(n), None) => n,
                    (Some(n), Some(v)) if v == "*" => n,
                    (Some(n), Some(v)) => format!("{n}-{v}"),
                };
                entries.push((key, line, Raw::Yaml(m)));
            }
        } else {
            let lines = toml_headers(text).map_err(|(l, m)| err(l, m))?;
            let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
                let line = e.span().map_or(0, |s| {
                    text[..s.start.min(text.len())].lines().count().max(1)
                });
                err(
                    line,
                    format!("not TOML: {}", e.message().trim_end().replace('\n', " ")),
                )
            })?;
            for (key, body) in doc {
                let line = lines.get(&key).copied().unwrap_or(0);
                let toml::Value::Table(t) = body else {
                    return Err(err(
                        line,
                        format!("`{key}` is not a section; write sections as [\"pname-version\"]"),
                    ));
                };
                if let Some((k, _)) = t.iter().find(|(_, v)| v.is_table()) {
                    return Err(err(
                        line,
                        format!(
                            "`[{key}.{k}]`: a section header with dots must be quoted (`[\"{key}.{k}...\"]`)"
                        ),
                    ));
                }
                entries.push((key, line, Raw::Toml(t)));
            }
            // TOML tables are sorted by key: back to the order of the file.
            entries.sort_by_key(|e| e.1);
        }
        for (key, line, raw) in entries {
            let rule = self.rule(file, &key, line, raw).map_err(|m| err(line, m))?;
            self.insert(rule);
        }
        Ok(())
    }

    /// Check one entry's values.
    fn rule(&mut self, file: &str, key: &str, line: usize, raw: Raw) -> Result<Rule, String> {
        if !valid_key(key) {
            return Err(format!(
                "[\"{key}\"]: not a package selector (`pname`, `pname-version` or `*`)"
            ));
        }
        let mut rule = Rule {
            key: key.to_string(),
            file: file.to_string(),
            files: vec![file.to_string()],
            line,
            cves: BTreeSet::new(),
            until: None,
            issue_urls: Vec::new(),
            comments: Vec::new(),
        };
        let fields: Vec<(String, Option<Vec<String>>, Option<String>)> = match raw {
            Raw::Toml(t) => t
                .into_iter()
                .map(|(k, v)| {
                    let date = match &v {
                        toml::Value::Datetime(d) => Some(d.to_string()),
                        toml::Value::String(s) => Some(s.clone()),
                        _ => None,
                    };
                    (k, toml_strings(&v), date)
                })
                .collect(),
            Raw::Yaml(m) => m
                .into_iter()
                .map(|(k, v)| {
                    let k = yaml_scalar(&k).unwrap_or_default();
                    (k, yaml_strings(&v), yaml_scalar(&v))
                })
                .collect(),
        };
        for (k, strings, scalar) in fields {
            let list = || {
                strings.clone().ok_or_else(|| {
                    format!("[\"{key}\"] {k}: expected a string or a list of strings")
                })
            };
            match k.as_str() {
                "cve" => {
                    for c in list()? {
                        let c = c.trim().to_uppercase();
                        if !c.starts_with("CVE-") {
                            return Err(format!("[\"{key}\"] cve: `{c}` is not a CVE id"));
                        }
                        rule.cves.insert(c);
                    }
                }
                "until" => {
                    let s = scalar
                        .ok_or_else(|| format!("[\"{key}\"] until: expected a date YYYY-MM-DD"))?;
                    rule.until = Some(
                        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
                            format!("[\"{key}\"] until: `{s}` is not a date YYYY-MM-DD")
                        })?,
                    );
                }
                "issue_url" => {
                    for u in list()? {
                        if !valid_url(&u) {
                            return Err(format!(
                                "[\"{key}\"] issue_url: `{u}` is not a URL (`scheme://host/path`)"
                            ));
                        }
                        if !rule.issue_urls.contains(&u) {
                            rule.issue_urls.push(u);
                        }
                    }
                }
                "comment" => rule.comments = list()?,
                "status" => {}
                other => self.warnings.push(format!(
                    "whitelist `{file}`{}: [\"{key}\"]: unknown key `{other}` ignored (expected cve, until, issue_url, comment)",
                    line_part(line)
                )),
            }
        }
        if rule.key == "*" && rule.cves.is_empty() {
            return Err("[\"*\"] (an entry without a name) needs a `cve` list".into());
        }
        Ok(rule)
    }

    /// Add a rule, merging it into the rule of the same key if there is one.
    pub fn insert(&mut self, rule: Rule) {
        if let Some(r) = self.rules.iter_mut().find(|r| r.key == rule.key) {
            r.merge(rule);
        } else {
            self.rules.push(rule);
        }
    }

    /// Read a file.
    ///
    /// # Errors
    /// Unreadable or invalid (see [`Whitelist::add_text`]).
    pub fn add_file(&mut self, path: &Path) -> Result<(), WhitelistError> {
        let text = std::fs::read_to_string(path).map_err(|e| WhitelistError {
            file: path.display().to_string(),
            line: 0,
            message: e.to_string(),
        })?;
        self.add_text(&path.display().to_string(), &text)
    }

    /// Read a file or, when `source` is a URL (`scheme://...`) and `fetch` allows it, download
    /// it.
    ///
    /// # Errors
    /// A URL without `fetch`, a download that fails, or see [`Whitelist::add_file`].
    pub fn add_source(&mut self, source: &str, fetch: bool) -> Result<(), WhitelistError> {
        let is_url = source
            .split_once("://")
            .is_some_and(|(s, _)| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase()));
        if !is_url {
            return self.add_file(Path::new(source));
        }
        let err = |message: String| WhitelistError {
            file: source.to_string(),
            line: 0,
            message,
        };
        if !fetch {
            return Err(err(
                "a whitelist URL is downloaded only with --fetch-whitelists".into(),
            ));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(60)))
            .user_agent(concat!("nixsec/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let text = agent
            .get(source)
            .call()
            .map_err(|e| err(format!("download failed: {e}")))?
            .into_body()
            .read_to_string()
            .map_err(|e| err(format!("download failed: {e}")))?;
        self.add_text(source, &text)
    }

    /// Whether rule `r` masks `cve` on a package named by `versioned` and `names` keys on
    /// `today`, and how specifically: 5 for a rule naming the version and the CVE, 4 the
    /// version, 3 the name and the CVE, 2 the name, 1 a `*` rule; `None` when it does not apply.
    fn specificity(
        r: &Rule,
        versioned: &[String],
        names: &[String],
        cve: &str,
        today: NaiveDate,
    ) -> Option<u8> {
        if r.expired(today) || !(r.cves.is_empty() || r.cves.contains(cve)) {
            return None;
        }
        let named = u8::from(!r.cves.is_empty());
        if r.key == "*" {
            return Some(1);
        }
        if versioned.contains(&r.key) {
            return Some(4 + named);
        }
        if names.contains(&r.key) {
            return Some(2 + named);
        }
        None
    }

    /// The rules masking `cve` on a package on `today`, most specific first (name, version and
    /// CVE; name and version; name and CVE; name; `*`).
    #[must_use]
    pub fn masking(&self, pkg: &PackageName<'_>, cve: &str, today: NaiveDate) -> Vec<usize> {
        if self.rules.is_empty() {
            return Vec::new();
        }
        let versioned = pkg.versioned_keys();
        let names = pkg.name_keys();
        let mut v: Vec<(u8, usize)> = self
            .rules
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                Self::specificity(r, &versioned, &names, cve, today).map(|s| (s, i))
            })
            .collect();
        v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        v.into_iter().map(|(_, i)| i).collect()
    }

    /// The most specific rule masking `cve` on a package, among the rules still valid `today`.
    #[must_use]
    pub fn masks(&self, pkg: &PackageName<'_>, cve: &str, today: NaiveDate) -> Option<usize> {
        self.masking(pkg, cve, today).first().copied()
    }

    /// Rules that expired on or before `today`.
    #[must_use]
    pub fn expired(&self, today: NaiveDate) -> Vec<&Rule> {
        self.rules.iter().filter(|r| r.expired(today)).collect()
    }

    /// The whitelist in vulnix's TOML format (what `-W` writes): one section per rule still
    /// valid `today`, in order, with `cve`, `comment`, `issue_url` and `until`.
    #[must_use]
    pub fn dump(&self, today: NaiveDate) -> String {
        let mut out = String::new();
        for r in self.rules.iter().filter(|r| !r.expired(today)) {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("[{}]\n", toml_key(&r.key)));
            if !r.cves.is_empty() {
                out.push_str(&format!("cve = {}\n", toml_multi(&r.cves, true)));
            }
            if !r.comments.is_empty() {
                out.push_str(&format!("comment = {}\n", toml_multi(&r.comments, false)));
            }
            if !r.issue_urls.is_empty() {
                out.push_str(&format!(
                    "issue_url = {}\n",
                    toml_multi(&r.issue_urls, true)
                ));
            }
            if let Some(u) = r.until {
                out.push_str(&format!("until = \"{u}\"\n"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test")
    }

    fn pkg<'a>(name: &'a str, pname: &'a str, version: &'a str) -> PackageName<'a> {
        PackageName {
            pname,
            version,
            name,
        }
    }

    #[test]
    fn reads_vulnix_whitelists() {
        let mut w = Whitelist::default();
        w.add_text(
            "w.toml",
            r#"
["openssl-3.0.6"]
cve = ["CVE-2022-3602", "cve-2022-3786"]
until = "2027-01-31"
issue_url = "https://example.org/1"
comment = "why"

["zlib"]
comment = ["all of zlib", "really"]

["*"]
cve = "CVE-2024-3094"
until = 2026-01-01
"#,
        )
        .expect("test");
        assert_eq!(w.rules.len(), 3);
        assert_eq!(w.rules[0].line, 2);
        let today = d("2026-11-28");
        let o306 = pkg("openssl-3.0.6", "openssl", "3.0.6");
        assert!(w.masks(&o306, "CVE-2022-3786", today).is_some());
        assert!(w
            .masks(
                &pkg("openssl-3.0.8", "openssl", "3.0.8"),
                "CVE-2022-3786",
                today
            )
            .is_none());
        assert!(w.masks(&o306, "CVE-2023-0286", today).is_none());
        let z = pkg("zlib-1.2.11", "zlib", "1.2.11");
        assert!(w.masks(&z, "CVE-2018-25032", today).is_some());
        // expired (until <= today) does not mask
        let xz = pkg("xz-5.6.0", "xz", "5.6.0");
        assert!(w.masks(&xz, "CVE-2024-3094", today).is_none());
        assert!(w.masks(&xz, "CVE-2024-3094", d("2025-12-31")).is_some());
        assert_eq!(w.expired(today).len(), 1);
        assert!(w.masks(&o306, "CVE-2022-3602", d("2027-01-31")).is_none());
    }

    #[test]
    fn keys_match_the_pname_or_the_name_with_or_without_the_version() {
        let mut w = Whitelist::default();
        w.add_text(
            "w.toml",
            "[\"python3.11-requests-2.31.0\"]\n[\"font-adobe-100dpi\"]\n[\"requests\"]\ncve = [\"CVE-1-2\"]\n",
        )
        .expect("test");
        let today = d("2026-11-28");
        let requests = pkg("python3.11-requests-2.31.0", "requests", "2.31.0");
        assert_eq!(w.masks(&requests, "CVE-2023-32681", today), Some(0));
        // The most specific rule shows, though the name-level rule also masks.
        assert_eq!(w.masking(&requests, "CVE-1-2", today), [0, 2]);
        let font = pkg("font-adobe-100dpi-1.0.3", "font-adobe-100dpi", "1.0.3");
        assert_eq!(w.masks(&font, "CVE-2000-1", today), Some(1));
        // vulnix's split of the name (first `-` before a digit) names it too.
        let mut w = Whitelist::default();
        w.add_text("w.toml", "[\"font-adobe\"]\n").expect("test");
        assert_eq!(w.masks(&font, "CVE-2000-1", today), Some(0));
        assert!(w
            .masks(
                &pkg("font-adobe-utopia-1.0", "font-adobe-utopia", "1.0"),
                "CVE-2000-1",
                today
            )
            .is_none());
    }

    #[test]
    fn the_most_specific_rule_wins_whatever_the_file_order() {
        let mut w = Whitelist::default();
        w.add_text(
            "w.toml",
            "[\"*\"]\ncve = [\"CVE-2015-7696\"]\ncomment = \"any\"\n\n[unzip]\ncomment = \"name\"\n\n[\"unzip-6.0\"]\ncve = [\"CVE-2015-7696\"]\nissue_url = \"https://tracker/1\"\n",
        )
        .expect("test");
        let today = d("2018-02-28");
        let unzip = pkg("unzip-6.0", "unzip", "6.0");
        assert_eq!(w.masks(&unzip, "CVE-2015-7696", today), Some(2));
        assert_eq!(w.masks(&unzip, "CVE-2014-9636", today), Some(1));
        assert_eq!(
            w.masks(&pkg("cpio-2.12", "cpio", "2.12"), "CVE-2015-7696", today),
            Some(0)
        );
    }

    #[test]
    fn rules_of_the_same_key_merge() {
        let mut w = Whitelist::default();
        w.add_text(
            "a.toml",
            "[\"libxslt-2.0\"]\nuntil = \"2018-03-01\"\ncve = [\"CVE-2015-9019\"]\n\n[zlib]\n",
        )
        .expect("test");
        w.add_text(
            "b.toml",
            "[\"libxslt-2.0\"]\nuntil = \"2018-02-25\"\ncve = [\"CVE-2017-2477\"]\ncomment = \"latest date wins\"\nissue_url = \"https://x.org/1\"\n\n[zlib]\ncve = [\"CVE-1-1\"]\n",
        )
        .expect("test");
        assert_eq!(w.rules.len(), 2);
        let l = &w.rules[0];
        assert_eq!(l.until, Some(d("2018-03-01")));
        assert_eq!(l.cves.len(), 2);
        assert_eq!(l.comments, ["latest date wins"]);
        assert_eq!(l.files, ["a.toml", "b.toml"]);
        assert_eq!(l.origin(), "a.toml:1, b.toml");
        // As in vulnix, a rule for every CVE merged with one listing CVEs lists them.
        assert_eq!(w.rules[1].cves.len(), 1);
    }

    #[test]
    fn yaml_whitelists() {
        let mut w = Whitelist::default();
        w.add_text(
            "w.yaml",
            "-\n    cve:\n        - CVE-2015-2504\n-\n    name: libxslt\n    version: '2.0'\n    until: 2018-03-01\n-\n    name: unzip\n    cve: CVE-2015-7696\n    status: inprogress\n",
        )
        .expect("test");
        let keys: Vec<&str> = w.rules.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["*", "libxslt-2.0", "unzip"]);
        assert_eq!(w.rules[1].until, Some(d("2018-03-01")));
        assert_eq!(w.rules[2].line, 8);
        let e = Whitelist::default()
            .add_text("w.yaml", "-\n  comment: invalid entry\n")
            .expect_err("test");
        assert!(e.to_string().contains("needs a `cve` list"), "{e}");
    }

    #[test]
    fn invalid_whitelists_are_errors_naming_the_line() {
        for (bad, line, what) in [
            ("[\"*\"]\ncomment = \"x\"\n", 1, "needs a `cve` list"),
            ("[\"a-1\"]\nuntil = \"soon\"\n", 1, "not a date"),
            ("[\"a-1\"]\ncve = 3\n", 1, "expected a string"),
            ("[\"a-1\"\n", 1, ""),
            ("x = 1\n", 0, "not a section"),
            ("[\"a-1\"]\ncve = [\"GHSA-1\"]\n", 1, "not a CVE id"),
            (
                "[\"ok-1.0\"]\n\n[libxslt-2.0.1]\ncomment = \"unquoted\"\n",
                3,
                "nested tables",
            ),
            ("[\"ok-1.0\"]\n\n[ \"broken-1.1\" ]\n", 3, "no spaces"),
            ("[\"broken-section 1.2\"]\n", 1, "not a package selector"),
            ("[\"pkg\"]\nissue_url = \"foobar\"\n", 1, "not a URL"),
            (
                "[\"pkg\"]\nissue_url = \"https://example.org\"\n",
                1,
                "not a URL",
            ),
        ] {
            let mut w = Whitelist::default();
            let e = w.add_text("w.toml", bad).expect_err(bad);
            assert_eq!(e.line, line, "{bad}: {e}");
            assert!(e.to_string().starts_with("whitelist `w.toml`"), "{e}");
            assert!(e.to_string().contains(what), "{bad}: {e}");
        }
        // Bare section names without dots are fine (vulnix: `[systemd-236]`).
        let mut w = Whitelist::default();
        w.add_text("w.toml", "[systemd-236]\ncomment = \"ok\"\n")
            .expect("test");
        assert_eq!(w.rules[0].key, "systemd-236");
    }

    #[test]
    fn split_name_is_vulnixs() {
        assert_eq!(
            split_name("font-adobe-100dpi-1.0.3"),
            Some(("font-adobe", "100dpi-1.0.3"))
        );
        assert_eq!(
            split_name("bundler-1.10.5-0"),
            Some(("bundler", "1.10.5-0"))
        );
        assert_eq!(split_name("hook"), None);
        assert_eq!(split_name("foo-"), None);
    }
}
