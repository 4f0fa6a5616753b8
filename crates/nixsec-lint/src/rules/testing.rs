//! Test helpers for rules: lint a snippet and list one rule's findings by hand-checkable
//! fields.

use nixsec_core::{LintFinding, Severity, Status};

/// The source text a finding points at (single-line regions; the first line otherwise).
fn text_at(src: &str, f: &LintFinding) -> String {
    let line = src.lines().nth(f.line as usize - 1).unwrap_or("");
    let start = f.column as usize - 1;
    let end = if f.end_line == f.line {
        f.end_column as usize - 1
    } else {
        line.chars().count()
    };
    line.chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect()
}

/// Active (not suppressed) failures of rule `id` in `src`, as
/// `(text at the region, line, severity, conditional)`.
pub fn hits(src: &str, id: &str) -> Vec<(String, u32, Severity, bool)> {
    crate::engine::lint_source("test.nix", src)
        .iter()
        .filter(|f| {
            f.finding.rule == id && f.finding.status == Status::Fail && f.finding.ignored.is_none()
        })
        .map(|f| (text_at(src, f), f.line, f.finding.severity, f.conditional))
        .collect()
}

/// The lines of the hits of rule `id` in `src`.
pub fn hit_lines(src: &str, id: &str) -> Vec<u32> {
    hits(src, id).into_iter().map(|(_, l, ..)| l).collect()
}

/// All findings of rule `id` in `src` (any status), for message and fix checks.
pub fn findings(src: &str, id: &str) -> Vec<LintFinding> {
    crate::engine::lint_source("test.nix", src)
        .into_iter()
        .filter(|f| f.finding.rule == id)
        .collect()
}

/// Shorthand for one expected hit.
pub fn h(text: &str, line: u32, sev: Severity) -> (String, u32, Severity, bool) {
    (text.to_string(), line, sev, false)
}

/// Shorthand for one expected conditional hit.
pub fn hc(text: &str, line: u32, sev: Severity) -> (String, u32, Severity, bool) {
    (text.to_string(), line, sev, true)
}
