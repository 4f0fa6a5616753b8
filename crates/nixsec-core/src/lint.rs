//! The configuration linter's result model: a [`Finding`] plus where it is in a source file.
//!
//! `nixsec lint` reads NixOS configuration, not a host, so each result also carries the file,
//! the 1-based line and column range, the resolved option path, the value written there and
//! whether the assignment is conditional (`mkIf`, `if ... then ... else`). The JSON form is the
//! audit finding's fields plus these (see `docs/json-output.md`, "Lint report").

use serde::Serialize;

use crate::finding::Finding;
use crate::report::{FailOn, Summary, Tool};

/// One lint result: an audit-shaped finding at a place in a Nix file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    /// The finding, in the same shape as an audit finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// The file, as given on the command line or found under a given directory.
    pub file: String,
    /// 1-based line of the start of the region.
    pub line: u32,
    /// 1-based column (in characters) of the start of the region.
    pub column: u32,
    /// 1-based line of the end of the region.
    pub end_line: u32,
    /// 1-based column just past the end of the region.
    pub end_column: u32,
    /// The NixOS option path after static resolution (`services.openssh.settings.PermitRootLogin`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    /// The value written there, as Nix source after resolution (`"yes"`, `false`, `[ "root" "@wheel" ]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// True when the assignment only applies under a condition (`mkIf`, `if`).
    pub conditional: bool,
    /// The condition, as written, when `conditional`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// For configuration-level results: the entry point (`configuration.nix`, or
    /// `flake.nix#nixosConfigurations.NAME`) whose modules together produce the finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<String>,
    /// The text of the source line at `line` (for the text renderer's caret; not in JSON).
    #[serde(skip)]
    pub source_line: String,
}

/// The report of one `nixsec lint` run.
#[derive(Debug, Clone, Serialize)]
pub struct LintReport {
    /// The tool.
    pub tool: Tool,
    /// The paths given on the command line.
    pub paths: Vec<String>,
    /// Start time, RFC 3339.
    pub started: String,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// Nix files read.
    pub files: usize,
    /// Configurations found (entry points) and what was not followed.
    pub configurations: Vec<LintConfiguration>,
    /// Results, sorted by file, line, column and rule.
    pub findings: Vec<LintFinding>,
    /// Counts and the `--fail-on` verdict (the hardening index is not computed for lint).
    pub summary: Summary,
    /// `.nix` files under the given paths that were not read, with why (`path: reason`):
    /// ignored by `.gitignore` and not tracked, a link leading outside, an unreadable directory.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
}

/// One configuration: an entry point and the modules gathered from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintConfiguration {
    /// `configuration.nix` or `flake.nix#nixosConfigurations.NAME`.
    pub entry_point: String,
    /// `nixos`, `darwin` or `home-manager`.
    pub kind: String,
    /// Files whose modules belong to it (relative imports followed).
    pub modules: Vec<String>,
    /// Imports that were not followed: outside the given paths, from another flake, computed.
    pub not_followed: Vec<String>,
}

impl LintReport {
    /// Build a report: sorts findings by place and computes the summary.
    #[must_use]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        tool: Tool,
        paths: Vec<String>,
        started: String,
        duration_ms: u64,
        files: usize,
        configurations: Vec<LintConfiguration>,
        mut findings: Vec<LintFinding>,
        fail_on: FailOn,
        warnings: Vec<String>,
    ) -> LintReport {
        findings.sort_by(|a, b| {
            (&a.file, a.line, a.column, &a.finding.rule, &a.entry_point).cmp(&(
                &b.file,
                b.line,
                b.column,
                &b.finding.rule,
                &b.entry_point,
            ))
        });
        let plain: Vec<Finding> = findings.iter().map(|f| f.finding.clone()).collect();
        let mut summary = crate::report::summarize(&plain, fail_on, warnings);
        summary.hardening_index = None;
        LintReport {
            tool,
            paths,
            started,
            duration_ms,
            files,
            configurations,
            findings,
            summary,
            skipped: Vec::new(),
        }
    }

    /// The exit status under `fail_on` (as for the audit: 2 when no file could be checked at
    /// all, 1 when a result fails the run, else 0). A file that parsed counts as checked even
    /// when it produced no finding.
    #[must_use]
    pub fn exit_status(&self, fail_on: FailOn) -> crate::report::ExitStatus {
        use crate::report::ExitStatus;
        let plain: Vec<Finding> = self.findings.iter().map(|f| f.finding.clone()).collect();
        let errors = plain
            .iter()
            .filter(|f| f.status == crate::finding::Status::Error)
            .count();
        match crate::report::exit_status(&plain, fail_on) {
            ExitStatus::Error if self.files > errors => {
                if fail_on.errors {
                    ExitStatus::Failure
                } else {
                    ExitStatus::Success
                }
            }
            st => st,
        }
    }
}
