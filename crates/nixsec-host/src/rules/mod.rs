//! Host rules, one folder per catalogue section.

pub mod isolation;
pub mod multi_user;
pub mod runtime_search_paths;
pub mod store_integrity;
pub mod store_secrets;
