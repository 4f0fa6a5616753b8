//! `nixsec.toml`: ignores with a mandatory reason and an optional end date, per-rule severity
//! overrides, and a default `fail-on`. Unknown keys are errors that name the line.
//!
//! ```toml
//! fail-on = "medium"
//!
//! [[ignore]]
//! rule = "NIX-013"
//! reason = "fallback needed on the CI builders, see INFRA-12"
//! until = 2027-03-31
//!
//! [[ignore]]
//! rule = "NIX-074"
//! subject = "tcp/8080"      # one problem of the rule, not all of them
//! reason = "the staging app, behind the VPN"
//!
//! [severity]
//! NIX-015 = "medium"
//! ```
//!
//! `vulns-whitelist = ["vulnix-whitelist.toml"]` names vulnix whitelists for the audit's NIX-150
//! (relative to the file's directory).

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use crate::finding::Severity;
use crate::report::FailOn;

/// A configuration problem: the file, the line when known, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The configuration file as given.
    pub path: String,
    /// 1-based line.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "`{}`: line {l}: {}", self.path, self.message),
            None => write!(f, "`{}`: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreEntry {
    /// Rule id as in the registry (`NIX-013`).
    pub rule: String,
    /// Only the finding about this subject (`tcp/8080`, `alice`); all of the rule's when unset.
    pub subject: Option<String>,
    /// Why it is accepted (mandatory, non-empty).
    pub reason: String,
    /// Last day the ignore holds.
    pub until: Option<NaiveDate>,
    /// Line of the `[[ignore]]` entry.
    pub line: usize,
}

/// A validated configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The file it came from, for messages.
    pub path: Option<String>,
    /// Default for `--fail-on`.
    pub fail_on: Option<FailOn>,
    /// Ignores, in file order.
    pub ignores: Vec<IgnoreEntry>,
    /// Severity overrides by rule id.
    pub severity: BTreeMap<String, Severity>,
    /// vulnix whitelists for the audit's NIX-150 (`vulns-whitelist = [ ... ]`), as written;
    /// a relative path is relative to the configuration file's directory.
    pub vulns_whitelist: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<RawIgnore>>,
    #[serde(default)]
    severity: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    vulns_whitelist: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    rule: Spanned<String>,
    #[serde(default)]
    subject: Option<Spanned<String>>,
    reason: Spanned<String>,
    #[serde(default)]
    until: Option<Spanned<RawDate>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawDate {
    Date(toml::value::Datetime),
    Text(String),
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

impl Config {
    /// Parse and validate `text`; `path` names the file in errors; `known_rule` says whether an
    /// id exists (ids are matched case-insensitively and stored as the registry spells them).
    ///
    /// # Errors
    /// TOML syntax errors, unknown keys, an ignore without a reason, an unknown rule id, a bad
    /// severity or date; each names the line.
    pub fn parse(
        text: &str,
        path: &str,
        known_rule: &dyn Fn(&str) -> Option<&'static str>,
    ) -> Result<Config, ConfigError> {
        let err = |offset: Option<usize>, message: String| ConfigError {
            path: path.to_string(),
            line: offset.map(|o| line_of(text, o)),
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let msg = e.message().trim().replace('\n', " ");
            err(e.span().map(|s| s.start), msg)
        })?;
        let mut cfg = Config {
            path: Some(path.to_string()),
            vulns_whitelist: raw.vulns_whitelist.clone(),
            ..Config::default()
        };
        if let Some(f) = raw.fail_on {
            let v: FailOn = f
                .get_ref()
                .parse()
                .map_err(|m: crate::error::ParseError| err(Some(f.span().start), m.to_string()))?;
            cfg.fail_on = Some(v);
        }
        for ig in raw.ignore {
            let start = ig.span().start;
            let ig = ig.into_inner();
            let id = known_rule(ig.rule.get_ref()).ok_or_else(|| {
                err(
                    Some(ig.rule.span().start),
                    format!("unknown rule `{}`", ig.rule.get_ref()),
                )
            })?;
            if ig.reason.get_ref().trim().is_empty() {
                return Err(err(
                    Some(ig.reason.span().start),
                    format!("the ignore of `{id}` needs a non-empty `reason`"),
                ));
            }
            let until = match ig.until {
                None => None,
                Some(u) => {
                    let at = u.span().start;
                    let text = match u.into_inner() {
                        RawDate::Date(d) => d.to_string(),
                        RawDate::Text(s) => s,
                    };
                    let d = NaiveDate::parse_from_str(text.get(..10).unwrap_or(&text), "%Y-%m-%d")
                        .map_err(|_| {
                            err(
                                Some(at),
                                format!("`until` must be a date like 2027-01-31, not `{text}`"),
                            )
                        })?;
                    Some(d)
                }
            };
            let subject = match ig.subject {
                Some(sub) if sub.get_ref().trim().is_empty() => {
                    return Err(err(
                        Some(sub.span().start),
                        format!("the ignore of `{id}` has an empty `subject`"),
                    ));
                }
                Some(sub) => Some(sub.into_inner()),
                None => None,
            };
            cfg.ignores.push(IgnoreEntry {
                rule: id.to_string(),
                subject,
                reason: ig.reason.into_inner(),
                until,
                line: line_of(text, start),
            });
        }
        for (rule, sev) in raw.severity {
            let at = Some(sev.span().start);
            let id = known_rule(&rule)
                .ok_or_else(|| err(at, format!("unknown rule `{rule}` in [severity]")))?;
            let s: Severity = sev
                .get_ref()
                .parse()
                .map_err(|m: crate::error::ParseError| err(at, m.to_string()))?;
            cfg.severity.insert(id.to_string(), s);
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(id: &str) -> Option<&'static str> {
        ["NIX-012", "NIX-013", "NIX-015"]
            .into_iter()
            .find(|k| k.eq_ignore_ascii_case(id))
    }

    #[test]
    fn full_example_parses() {
        let text = "fail-on = \"medium,error\"\n\n[[ignore]]\nrule = \"nix-013\"\nreason = \"CI builders\"\nuntil = 2027-03-31\n\n[[ignore]]\nrule = \"NIX-012\"\nreason = \"Debian\"\nuntil = \"2026-01-01\"\n\n[severity]\nNIX-015 = \"medium\"\n";
        let c = Config::parse(text, "nixsec.toml", &known).expect("parse");
        assert_eq!(
            c.fail_on,
            Some(FailOn {
                threshold: Some(Severity::Medium),
                errors: true
            })
        );
        assert_eq!(c.ignores.len(), 2);
        assert_eq!(c.ignores[0].rule, "NIX-013");
        assert_eq!(c.ignores[0].line, 3);
        assert_eq!(c.ignores[0].until, NaiveDate::from_ymd_opt(2027, 3, 31));
        assert_eq!(c.ignores[1].until, NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(c.severity.get("NIX-015"), Some(&Severity::Medium));
        assert_eq!(c.ignores[0].subject, None);
    }

    #[test]
    fn ignores_may_name_a_subject() {
        let text = "[[ignore]]\nrule = \"NIX-012\"\nsubject = \"tcp/8080\"\nreason = \"r\"\n";
        let c = Config::parse(text, "c.toml", &known).expect("parse");
        assert_eq!(c.ignores[0].subject.as_deref(), Some("tcp/8080"));
        let e = Config::parse(
            "[[ignore]]\nrule = \"NIX-012\"\nsubject = \"\"\nreason = \"r\"\n",
            "c.toml",
            &known,
        )
        .expect_err("empty subject");
        assert_eq!(e.line, Some(3), "{e}");
    }

    #[test]
    fn the_readme_example_parses() {
        let readme = include_str!("../../../README.md");
        let start = readme
            .find("## Configuration: `nixsec.toml`")
            .expect("section");
        let block = &readme[start..];
        let body = &block[block.find("```toml\n").expect("toml block") + 8..];
        let text = &body[..body.find("```").expect("end")];
        let c = Config::parse(text, "nixsec.toml", &known).expect("the README's example");
        assert_eq!(c.vulns_whitelist, ["vulnix-whitelist.toml"]);
        assert_eq!(c.ignores.len(), 1);
    }

    #[test]
    fn unknown_keys_name_the_line() {
        let e = Config::parse(
            "[[ignore]]\nrule = \"NIX-012\"\nreason = \"x\"\nuntill = 2027-01-01\n",
            "c.toml",
            &known,
        )
        .expect_err("unknown key");
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.message.contains("untill"), "{e}");
        let e = Config::parse("\nfoo = 1\n", "c.toml", &known).expect_err("unknown top key");
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.to_string().starts_with("`c.toml`: line 2: "), "{e}");
    }

    #[test]
    fn reason_is_mandatory_and_ids_are_checked() {
        let e = Config::parse("[[ignore]]\nrule = \"NIX-012\"\n", "c.toml", &known)
            .expect_err("no reason");
        assert!(e.message.contains("reason"), "{e}");
        let e = Config::parse(
            "[[ignore]]\nrule = \"NIX-012\"\nreason = \"  \"\n",
            "c.toml",
            &known,
        )
        .expect_err("empty");
        assert_eq!(e.line, Some(3));
        let e = Config::parse(
            "[[ignore]]\nrule = \"NIX-999\"\nreason = \"x\"\n",
            "c.toml",
            &known,
        )
        .expect_err("id");
        assert_eq!(
            (e.line, e.message.as_str()),
            (Some(2), "unknown rule `NIX-999`")
        );
        let e =
            Config::parse("[severity]\nNIX-012 = \"severe\"\n", "c.toml", &known).expect_err("sev");
        assert_eq!(e.line, Some(2));
        let e = Config::parse(
            "[[ignore]]\nrule = \"NIX-012\"\nreason = \"x\"\nuntil = \"soon\"\n",
            "c.toml",
            &known,
        )
        .expect_err("date");
        assert_eq!(e.line, Some(4));
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e =
            Config::parse("fail-on = \"high\"\n[[ignore]\n", "c.toml", &known).expect_err("syntax");
        assert_eq!(e.line, Some(2), "{e}");
        let e = Config::parse("\u{0}\u{1}garbage", "c.toml", &known).expect_err("garbage");
        assert_eq!(e.line, Some(1), "{e}");
    }
}
