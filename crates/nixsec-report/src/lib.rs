//! nixsec-report: renders a [`nixsec_core::Report`] as text for people, as JSON, or as SARIF 2.1.0.
//!
//! Each output format is one module with one entry point,
//! `render(report, opts, out) -> std::io::Result<()>`: [`text::render`], [`json::render`] and
//! [`sarif::render`]. [`render`] picks one by [`Format`]. Renderers never filter findings and
//! never decide the exit status; that is [`nixsec_core::Report::exit_status`].
#![deny(missing_docs)]

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use nixsec_core::Report;

pub mod json;
pub mod lint;
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
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 3] = [Format::Text, Format::Json, Format::Sarif];

    /// The lowercase name used on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
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
            .ok_or_else(|| format!("unknown format `{s}` (expected text, json or sarif)"))
    }
}

/// Render `report` in `format` to `out`.
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
    }
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
