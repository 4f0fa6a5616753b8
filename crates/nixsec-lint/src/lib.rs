//! nixsec-lint: static security lint of NixOS configuration, without evaluating anything.
//!
//! Each `.nix` file is parsed once with `rnix` (a lossless rowan syntax tree) and walked once
//! into an attribute-path [`index::FileIndex`]: every option assignment, whatever its spelling,
//! with its value, place, priority and condition. Every rule then runs over that index in one
//! pass ([`rules`]). Configurations (a `configuration.nix`, or each `nixosSystem` of a
//! `flake.nix`) are gathered by following relative `imports` inside the given paths, and the
//! rules that depend on NixOS defaults run over each ([`config`]). Nothing is evaluated,
//! executed or read outside the given paths.
#![deny(missing_docs)]

pub mod config;
pub mod engine;
pub mod fetches;
pub mod gitindex;
pub mod guard;
pub mod index;
pub mod known;
pub mod lines;
pub mod nftables;
pub mod rules;
pub mod sshd;
pub mod value;
pub mod walk;
pub mod words;

pub use engine::{lint, LintOptions, LintOutput, Progress};
pub use index::{Assignment, FileIndex, ModuleKind};
pub use rules::{lint_rules, LintRule, LINT_RULES};

/// Hash maps and sets of the run's own lookups (paths, option paths, file indices): keyed by
/// nixsec's own values, never by an attacker's choice of collisions that matters, so a fast
/// hash serves (`foldhash`; std's SipHash was a tenth of the configuration gathering).
pub(crate) mod fast {
    /// A `HashMap` with `foldhash`.
    pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
    /// A `HashSet` with `foldhash`.
    pub type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
}
