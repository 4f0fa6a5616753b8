//! nixsec-store: read-only verification of a local Nix store.
//!
//! [`db`] reads `db.sqlite` without locks or writes, [`verify`] checks every selected path
//! (NAR hash and size, references, signatures, content addresses, permissions and owners),
//! and [`problem`] names what it finds with stable kinds.
#![deny(missing_docs)]

pub mod db;
pub mod problem;
pub mod verify;

pub use problem::{Kind, Problem};
pub use verify::{verify, NoProgress, Options, Outcome, Progress, VerifyError};
