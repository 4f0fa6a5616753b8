//! systemd unit files and the `systemd-analyze security` exposure score, offline.
//!
//! [`unit`] parses the file syntax, [`load`] finds a unit and its drop-ins under a
//! [`nixsec_core::Root`], [`score`] replays the settings and scores them with upstream's
//! assessor table (systemd 252, x86_64), whose rows also say what a failing check means and
//! which NixOS option fixes it; [`nixos`] writes those fixes as `serviceConfig` for a scored
//! unit. [`score_unit`] ties loading and scoring together.
#![deny(missing_docs)]

pub mod json;
pub mod load;
pub mod nixos;
pub mod score;
pub mod unit;

pub use load::{list_units, load, Index, LoadError, LoadedUnit, Loader, SEARCH_PATH};
pub use nixos::{service_config, service_name};
pub use score::{assess, level, Badness, CheckResult, Fix, UnitScore, ASSESSORS};
pub use unit::{parse, Assignment, ParseError, UnitFile};

/// Load `name` under `root` and score it.
///
/// # Errors
/// The unit cannot be loaded (see [`LoadError`]).
pub fn score_unit(root: &nixsec_core::Root, name: &str) -> Result<UnitScore, LoadError> {
    load(root, name).map(|u| assess(&u))
}
