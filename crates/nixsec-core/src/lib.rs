//! nixsec-core: the finding model, `Root`, configuration and the report.
//!
//! Every area crate (host rules, store verification, …) depends on this crate. Checkers return
//! [`Outcome`]s made of [`Problem`]s; `nixsec-catalogue` turns them into [`Finding`]s (one per
//! problem) and the report crate only renders a [`Report`].
#![deny(missing_docs)]

pub mod cmdline;
pub mod config;
pub mod error;
pub mod escape;
pub mod finding;
pub mod host;
pub mod json;
pub mod lint;
pub mod report;
pub mod root;
pub mod section;
pub mod sudo;
pub mod url;

pub use config::{Config, ConfigError};
pub use error::ParseError;
pub use escape::{escape, escape_bytes};
pub use finding::{Evidence, Finding, Ignored, Outcome, Problem, Remediation, Severity, Status};
pub use host::{AuditOptions, HostInfo, Profile};
pub use lint::{LintConfiguration, LintFinding, LintReport};
pub use report::{ExitStatus, FailOn, Report, RuleCounts, RuleVerdict, Summary, Tool, SCHEMA};
pub use root::{Perm, Presence, Root, RootError};
pub use section::Section;
