//! nixsec-readers: the host files nixsec audits, read as the programs that use them read them.
//!
//! Every reader takes a [`Root`](nixsec_core::Root) (or a file's text), knows nothing about
//! rules, outcomes or the catalogue, and fails with a typed error that names the file and keeps
//! the cause. A file that does not exist is usually `Ok(None)`; where a caller needs to tell
//! absence apart itself, the error has `is_not_found()`. `nixsec-host` reads each of these facts
//! once per audit into its `HostCx` and turns them into findings.
#![deny(missing_docs)]

pub mod accounts;
pub mod blockdev;
pub mod environment;
pub mod kernel;
pub mod mac;
pub mod nixos;
pub mod perms;
pub mod procnet;
pub mod sshd;
pub mod sudoers;

pub use nixsec_core::RootError;
