//! One module per subcommand.

pub mod audit;
pub mod diff;
pub mod explain;
pub mod generate;
pub mod lint;
pub mod rules;
pub mod scan;
pub mod store;
pub mod units;
pub mod vulns;
