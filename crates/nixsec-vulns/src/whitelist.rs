//! vulnix's TOML whitelist: sections `["pname-version"]`, `["pname"]` or `["*"]` with `cve`,
//! `until`, `issue_url` and `comment`. Unlike vulnix, an unreadable or invalid file is an error,
//! and entries that matched nothing or have expired are reported.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::NaiveDate;

use crate::version::parse_drv_name;

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The section as written.
    pub key: String,
    /// The file it came from.
    pub file: String,
    /// pname (`*` for every package).
    pub pname: String,
    /// Exact version, if the section names one.
    pub version: Option<String>,
    /// The CVEs it masks; empty = all of the package.
    pub cves: BTreeSet<String>,
    /// Ignored from this date on.
    pub until: Option<NaiveDate>,
    /// Issue URLs.
    pub issue_urls: Vec<String>,
    /// Comments.
    pub comments: Vec<String>,
}

/// A whitelist file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("whitelist `{file}`: {message}")]
pub struct WhitelistError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

/// All rules of all files.
#[derive(Debug, Clone, Default)]
pub struct Whitelist {
    /// The rules in file order.
    pub rules: Vec<Rule>,
    /// Keys that were ignored, one line each.
    pub warnings: Vec<String>,
}

fn strings(v: &toml::Value, key: &str, section: &str) -> Result<Vec<String>, String> {
    match v {
        toml::Value::String(s) => Ok(vec![s.clone()]),
        toml::Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("[\"{section}\"] {key}: expected strings"))
            })
            .collect(),
        _ => Err(format!(
            "[\"{section}\"] {key}: expected a string or a list of strings"
        )),
    }
}

impl Whitelist {
    /// Parse one file's text.
    ///
    /// # Errors
    /// Invalid TOML, a section that is not a table, a value of the wrong type, a bad date,
    /// `["*"]` without `cve`.
    pub fn add_text(&mut self, file: &str, text: &str) -> Result<(), WhitelistError> {
        let err = |message: String| WhitelistError {
            file: file.to_string(),
            message,
        };
        let doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| err(e.to_string().trim_end().replace('\n', " ")))?;
        for (key, body) in doc {
            let toml::Value::Table(t) = body else {
                return Err(err(format!(
                    "`{key}` is not a section; write sections as [\"pname-version\"]"
                )));
            };
            let (pname, version) = if key == "*" {
                ("*".to_string(), None)
            } else {
                let (p, v) = parse_drv_name(&key);
                (p.to_string(), (!v.is_empty()).then(|| v.to_string()))
            };
            let mut rule = Rule {
                key: key.clone(),
                file: file.to_string(),
                pname,
                version,
                cves: BTreeSet::new(),
                until: None,
                issue_urls: Vec::new(),
                comments: Vec::new(),
            };
            for (k, v) in &t {
                match k.as_str() {
                    "cve" => {
                        for c in strings(v, k, &key).map_err(err)? {
                            let c = c.trim().to_uppercase();
                            if !c.starts_with("CVE-") {
                                return Err(err(format!("[\"{key}\"] cve: `{c}` is not a CVE id")));
                            }
                            rule.cves.insert(c);
                        }
                    }
                    "until" => {
                        let s = match v {
                            toml::Value::String(s) => s.clone(),
                            toml::Value::Datetime(d) => d.to_string(),
                            _ => {
                                return Err(err(format!(
                                    "[\"{key}\"] until: expected a date YYYY-MM-DD"
                                )))
                            }
                        };
                        rule.until = Some(NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(
                            |_| err(format!("[\"{key}\"] until: `{s}` is not a date YYYY-MM-DD")),
                        )?);
                    }
                    "issue_url" => rule.issue_urls = strings(v, k, &key).map_err(err)?,
                    "comment" => rule.comments = strings(v, k, &key).map_err(err)?,
                    "status" => {}
                    other => self.warnings.push(format!(
                        "whitelist `{file}`: [\"{key}\"]: unknown key `{other}` ignored (expected cve, until, issue_url, comment)"
                    )),
                }
            }
            if rule.pname == "*" && rule.cves.is_empty() {
                return Err(err("[\"*\"] needs a `cve` list".into()));
            }
            self.rules.push(rule);
        }
        Ok(())
    }

    /// Read a file.
    ///
    /// # Errors
    /// Unreadable or invalid (see [`Whitelist::add_text`]).
    pub fn add_file(&mut self, path: &Path) -> Result<(), WhitelistError> {
        let text = std::fs::read_to_string(path).map_err(|e| WhitelistError {
            file: path.display().to_string(),
            message: e.to_string(),
        })?;
        self.add_text(&path.display().to_string(), &text)
    }

    /// The index of the rule masking `cve` on a package, among the rules still valid `today`.
    #[must_use]
    pub fn masks(&self, pname: &str, version: &str, cve: &str, today: NaiveDate) -> Option<usize> {
        self.rules.iter().position(|r| {
            r.until.is_none_or(|u| u > today)
                && (r.pname == "*" || r.pname == pname)
                && r.version.as_deref().is_none_or(|v| v == version)
                && (r.cves.is_empty() || r.cves.contains(cve))
        })
    }

    /// Rules that expired on or before `today`.
    #[must_use]
    pub fn expired(&self, today: NaiveDate) -> Vec<&Rule> {
        self.rules
            .iter()
            .filter(|r| r.until.is_some_and(|u| u <= today))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test")
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
        let today = d("2026-11-28");
        assert!(w
            .masks("openssl", "3.0.6", "CVE-2022-3786", today)
            .is_some());
        assert!(w
            .masks("openssl", "3.0.8", "CVE-2022-3786", today)
            .is_none());
        assert!(w
            .masks("openssl", "3.0.6", "CVE-2023-0286", today)
            .is_none());
        assert!(w.masks("zlib", "1.2.11", "CVE-2018-25032", today).is_some());
        // expired (until <= today) does not mask
        assert!(w.masks("xz", "5.6.0", "CVE-2024-3094", today).is_none());
        assert!(w
            .masks("xz", "5.6.0", "CVE-2024-3094", d("2025-12-31"))
            .is_some());
        assert_eq!(w.expired(today).len(), 1);
        assert!(w
            .masks("openssl", "3.0.6", "CVE-2022-3602", d("2027-01-31"))
            .is_none());
    }

    #[test]
    fn invalid_whitelists_are_errors() {
        for bad in [
            "[\"*\"]\ncomment = \"x\"\n",
            "[\"a-1\"]\nuntil = \"soon\"\n",
            "[\"a-1\"]\ncve = 3\n",
            "[\"a-1\"\n",
            "x = 1\n",
            "[\"a-1\"]\ncve = [\"GHSA-1\"]\n",
        ] {
            let mut w = Whitelist::default();
            let e = w.add_text("w.toml", bad).expect_err("test");
            assert!(e.to_string().starts_with("whitelist `w.toml`: "), "{e}");
        }
    }
}
