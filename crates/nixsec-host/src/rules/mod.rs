//! Host rules, one folder per catalogue section.

pub mod encryption;
pub mod firewall;
pub mod isolation;
pub mod mac;
pub mod multi_user;
pub mod secure_boot;
pub mod store_integrity;
