//! Nix's formats: nixbase32, hashes, NAR serialisation and streaming hashing, store paths,
//! content addresses, narinfo and ed25519 signatures.
//!
//! Everything follows `shared/docs/nix-store-format.md` (Nix 2.8). No function panics on any
//! input: malformed data gives an error that names what was wrong.
#![deny(missing_docs)]

pub mod ca;
pub mod hash;
pub mod lanes;
pub mod nar;
pub mod narinfo;
pub mod nixbase32;
pub mod path;
pub mod sha256x;
pub mod sig;

pub use ca::{CaError, ContentAddress};
pub use hash::{Algo, Hash, HashError, Hasher};
pub use nar::{NarError, NarSummary, WalkResult};
pub use narinfo::{NarInfo, NarInfoError};
pub use path::{PathError, StorePath, STORE_DIR};
pub use sig::{PublicKey, SecretKey, SigError, Signature, Verdict};
