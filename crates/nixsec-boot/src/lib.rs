//! nixsec-boot: the boot chain as nixsec audits it, read-only and without external tools.
//!
//! * [`efivars`]: the firmware's Secure Boot state from efivarfs (SecureBoot, SetupMode,
//!   AuditMode, DeployedMode, shim's MokSBStateRT), each variable checked for its 4-byte
//!   attribute prefix; systemd-boot's UTF-16 loader variables.
//! * [`esp`]: the EFI system partition: systemd-boot's `loader.conf` and type #1 entries,
//!   lanzaboote / UKI type #2 entries, fallback and GRUB loaders.
//! * [`pe`]: PE images (parsed with goblin): sections, the Authenticode signature table, and the
//!   Authenticode digest compared with the one in the PKCS#7 signature ([`der`]).
#![deny(missing_docs)]

pub mod der;
pub mod efivars;
pub mod esp;
pub mod pe;

pub use efivars::{secure_boot_state, EfiVarError, SbState};
pub use pe::{inspect, PeError, PeImage, SignatureCheck};
