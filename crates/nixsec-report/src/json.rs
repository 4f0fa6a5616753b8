//! The JSON report: the serde form of [`Report`], pretty-printed, with a trailing newline.
//!
//! The model is the schema; `docs/json-output.md` documents it. Host data is written as it is
//! (JSON escapes control characters itself).

use std::io::{self, Write};

use nixsec_core::Report;

use crate::Options;

/// Render `report` as pretty-printed JSON followed by a newline. `opts` is not used.
///
/// # Errors
///
/// Whatever writing to `out` returns.
pub fn render(report: &Report, _opts: &Options, out: &mut dyn Write) -> io::Result<()> {
    nixsec_core::json::to_writer_pretty(&mut *out, report).map_err(io::Error::from)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;
    use serde_json::{json, Value};

    fn value() -> (String, Value) {
        let mut out = Vec::new();
        render(&testdata::report(), &Options::default(), &mut out).expect("render");
        let s = String::from_utf8(out).expect("utf-8");
        let v = serde_json::from_str(&s).expect("valid JSON");
        (s, v)
    }

    #[test]
    fn top_level_keys() {
        let (s, v) = value();
        assert!(s.ends_with("}\n"), "{s}");
        let mut keys: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "duration_ms",
                "findings",
                "root",
                "schema",
                "started",
                "summary",
                "tool"
            ]
        );
        assert_eq!(v["tool"], json!({"name": "nixsec", "version": "0.1.0"}));
        assert_eq!(v["root"], "/mnt/host root");
        assert_eq!(v["duration_ms"], 42);
        assert_eq!(v["schema"], 2);
    }

    #[test]
    fn summary_and_findings_by_hand() {
        let (_, v) = value();
        assert_eq!(
            v["summary"],
            json!({
                "total": 7, "pass": 2, "fail": 2, "ignored": 1, "skip": 1, "error": 1,
                "fail_by_severity": {"critical": 1, "high": 0, "medium": 1, "low": 0, "info": 0},
                "rules": {"total": 7, "pass": 2, "fail": 2, "ignored": 1, "skip": 1, "error": 1},
                "hardening_index": 27,
                "fail_on": "high",
                "failing": 1,
                "warnings": ["`nixsec.toml`: line 4: the ignore of `NIX-099`\u{1b}[0m matched nothing"],
            })
        );
        let findings = v["findings"].as_array().expect("array");
        assert_eq!(findings.len(), 7);
        let crit = findings
            .iter()
            .find(|f| f["rule"] == "NIX-012")
            .expect("NIX-012");
        assert_eq!(
            crit,
            &json!({
                "rule": "NIX-012",
                "title": "Title of NIX-012",
                "section": "multi-user",
                "severity": "critical",
                "status": "fail",
                "message": "the build sandbox is disabled",
                "evidence": [
                    {"path": "/etc/nix/nix.conf", "line": 3, "value": "sandbox = false"},
                    {"path": "/etc/nix/evil\nname conf", "value": "sandbox = \u{1b}[2Jrelaxed"},
                ],
                "remediation": {"text": "Fix NIX-012.", "nixos": "# NIX-012\nnix.settings.option = true;"},
            })
        );
        let ignored = findings
            .iter()
            .find(|f| f["rule"] == "NIX-013")
            .expect("NIX-013");
        assert_eq!(
            ignored["ignored"],
            json!({"reason": "build box\u{7} only", "until": "2027-01-01"})
        );
        let skip = findings
            .iter()
            .find(|f| f["rule"] == "NIX-050")
            .expect("NIX-050");
        assert_eq!(skip["status"], "skip");
        assert_eq!(skip["evidence"], json!([]));
    }
}
