//! nixsec-store: read-only verification of a local Nix store and of binary caches.
//!
//! [`db`] reads `db.sqlite` without locks or writes, [`verify`] checks every selected path
//! (NAR hash and size, references, signatures, content addresses, permissions and owners),
//! [`cache`] checks the narinfos and NAR files of a binary cache, and [`problem`] names what
//! they find with stable kinds.
#![deny(missing_docs)]

pub mod cache;
pub mod db;
mod parallel;
pub mod problem;
mod trust;
pub mod verify;

pub use cache::{verify_cache, CacheError, CacheOptions, FetchError};
pub use problem::{Kind, Problem};
pub use verify::{verify, NoProgress, Options, Outcome, Progress, VerifyError};
