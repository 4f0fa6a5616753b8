//! Host rules, one folder per catalogue section.

pub mod accounts;
pub mod encryption;
pub mod firewall;
pub mod isolation;
pub mod kernel;
pub mod mac;
pub mod multi_user;
pub mod runtime_search_paths;
pub mod secure_boot;
pub mod ssh;
pub mod store_integrity;
pub mod store_secrets;
pub mod vulnerabilities;
