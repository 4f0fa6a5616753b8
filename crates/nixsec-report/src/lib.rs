//! nixsec-report: renders a [`nixsec_core::Report`] as text for people, as JSON, as SARIF
//! 2.1.0, as a self-contained HTML page, or as Prometheus metrics for node_exporter's textfile
//! collector.
//!
//! Each output format is one module: [`text::render`], [`json::render`], [`sarif::render`],
//! [`html::render`] (and `render_units`, `render_vulns`, `render_store`, `render_lint`,
//! `render_diff`) and
//! [`prometheus::render`]. [`render`] picks one by [`Format`] for an audit-shaped report.
//! Renderers never filter findings and never decide the exit status; that is
//! [`nixsec_core::Report::exit_status`].
#![deny(missing_docs)]

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use nixsec_core::Report;

pub mod html;
pub mod json;
pub mod lint;
pub mod prometheus;
pub mod sarif;
#[cfg(test)]
mod testdata;
pub mod text;

/// Rendering options shared by every format (JSON and SARIF ignore them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Use ANSI colours and bold. When false, no escape code is written at all.
    pub color: bool,
    /// Show the message and evidence of passing results too.
    pub verbose: bool,
    /// Leave out passing and skipped results (failures, errors and the summary stay).
    pub quiet: bool,
}

/// An output format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// Text for people ([`text`]).
    #[default]
    Text,
    /// The report's serde form ([`json`], documented in `docs/json-output.md`).
    Json,
    /// SARIF 2.1.0 ([`sarif`]).
    Sarif,
    /// One self-contained HTML page ([`html`]).
    Html,
    /// Prometheus text exposition for node_exporter's textfile collector ([`prometheus`]).
    Prometheus,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 5] = [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Html,
        Format::Prometheus,
    ];

    /// The lowercase name used on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Html => "html",
            Format::Prometheus => "prometheus",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|x| x.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown format `{s}` (expected text, json, sarif, html or prometheus)")
            })
    }
}

/// Render `report` in `format` to `out` (HTML and Prometheus as an audit's).
///
/// # Errors
///
/// Whatever writing to `out` returns.
pub fn render(
    format: Format,
    report: &Report,
    opts: &Options,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::render(report, opts, out),
        Format::Json => json::render(report, opts, out),
        Format::Sarif => sarif::render(report, opts, out),
        Format::Html => html::render(report, out),
        Format::Prometheus => {
            prometheus::render(report, "audit", &prometheus::Extra::default(), out)
        }
    }
}

/// One change between two systems, for the `nixsec diff` page ([`html::render_diff`]): the
/// fields of `nixsec diff`'s JSON changes, one to one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRow {
    /// What kind of change (`port-opened`, `rule-status`, …).
    pub kind: String,
    /// What changed: a rule id, a unit, a port, `group:user`, a setting.
    pub subject: String,
    /// The value on the old system (`None`: absent).
    pub old: Option<String>,
    /// The value on the new system (`None`: absent).
    pub new: Option<String>,
    /// Set when the change makes the new system worse: how much.
    pub severity: Option<nixsec_core::Severity>,
    /// The rule that judges it, when one does.
    pub rule: Option<String>,
}

/// One unit of `nixsec units`: the HTML exposure chart and table, and the Prometheus
/// `nixsec_unit_exposure` gauge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    /// The unit (`sshd.service`).
    pub unit: String,
    /// The exposure as systemd's integer 0–100 (`84` is 8.4).
    pub exposure: u64,
    /// systemd's level name (`EXPOSED`).
    pub level: String,
    /// The unit file it was loaded from, inside the root.
    pub fragment: String,
}

/// A unit that could not be scored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitError {
    /// The unit as asked for.
    pub unit: String,
    /// Why it could not be loaded.
    pub error: String,
}

/// One CVE of one package of `nixsec vulns`: the columns the HTML findings table adds for it,
/// and the Prometheus `nixsec_cves` counts.
#[derive(Debug, Clone, PartialEq)]
pub struct CveRow {
    /// The subject of its finding (`openssl-3.0.6 CVE-2022-3602`), which joins the two.
    pub subject: String,
    /// The CVE id.
    pub id: String,
    /// The package name (`openssl-3.0.6`).
    pub package: String,
    /// Its version.
    pub version: String,
    /// NVD's rating (`CRITICAL`, `HIGH`, `MEDIUM`, `LOW`, `NONE`), empty when NVD has none.
    pub rating: String,
    /// The CVSS base score.
    pub score: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        }
        assert_eq!("SARIF".parse::<Format>(), Ok(Format::Sarif));
        assert!("xml".parse::<Format>().is_err());
    }

    #[test]
    fn dispatch_writes_each_format() {
        let report = testdata::report();
        for f in Format::ALL {
            let mut out = Vec::new();
            render(f, &report, &Options::default(), &mut out).expect("render");
            assert!(!out.is_empty(), "{f} wrote nothing");
        }
    }
}
