//! Errors of parsing the names nixsec takes on the command line and in configuration.

/// A name or list that is not one nixsec knows (`--fail-on`, `--section`, a severity).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not one of the known names.
    #[error("unknown {what} `{value}` (expected {expected})")]
    Unknown {
        /// What was parsed (`severity`, `section`, …).
        what: &'static str,
        /// The text given.
        value: String,
        /// The names accepted.
        expected: String,
    },
    /// `--fail-on` with two severities.
    #[error("`{0}`: give at most one severity")]
    TwoSeverities(String),
}
