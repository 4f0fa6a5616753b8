//! Host rules, one folder per catalogue section.

pub mod isolation;
pub mod multi_user;
pub mod store_integrity;
pub mod vulnerabilities;
