//! nixsec-core: the finding model, the rule registry, `Root`, configuration and the report.
//!
//! Every area crate (host rules, store verification, …) depends on this crate and produces
//! [`Finding`]s; the report crate only renders a [`Report`].
#![deny(missing_docs)]

pub mod audit;
pub mod config;
pub mod escape;
pub mod finding;
pub mod host;
pub mod lint;
pub mod report;
pub mod root;
pub mod rule;
pub mod url;

pub use config::{Config, ConfigError};
pub use escape::{escape, escape_bytes};
pub use finding::{Evidence, Finding, Ignored, Outcome, Remediation, Severity, Status};
pub use host::{AuditOptions, HostCx, HostInfo, Profile};
pub use lint::{LintConfiguration, LintFinding, LintReport};
pub use report::{ExitStatus, FailOn, Report, Summary, Tool};
pub use root::{Root, RootError};
pub use rule::{find_rule, host_rules, Rule, RuleMeta, Section, HOST_RULES};
