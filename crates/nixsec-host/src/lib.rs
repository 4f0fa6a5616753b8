//! nixsec-host: the host rules of `nixsec audit`, the typed host facts they share ([`HostCx`])
//! and the engine that runs them.
//!
//! Checkers attach to catalogue ids with [`host_rule!`] and land in [`HOST_RULES`]; [`link`]
//! exists so that the binary references this crate and the linker keeps every entry. Host files
//! are read by `nixsec-readers` (and the area crates); the modules beside `rules` are thin glue:
//! each caches a reader's result in [`cx::Facts`] and turns its typed errors into outcomes.
#![deny(missing_docs)]

pub mod blockdev;
pub mod cx;
pub mod diff;
pub mod engine;
pub mod environment;
pub mod firewall;
pub mod isolation;
pub mod kernel;
pub mod nix;
pub mod perms;
pub mod rules;
pub mod scan;
pub mod sshd;
pub mod store;
pub mod sudoers;
pub mod system;

pub use cx::{Fact, HostCx};
pub use engine::{find_rule, host_rules, run_rules, HostRule, Rule, Selection, HOST_RULES};

/// Called by the binary so the linker keeps this crate (and its registry entries).
#[must_use]
pub fn link() -> usize {
    HOST_RULES.len()
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for rule tests.
    pub use crate::engine::Rule;
    pub use nixsec_core::{Outcome, Status};
    pub use nixsec_testutil::RootBuilder;

    use crate::cx::HostCx;

    /// A context on the root built by `b`.
    pub fn cx(b: &RootBuilder) -> HostCx {
        HostCx::new(b.root())
    }

    /// Run `rule` on the root built by `b`.
    pub fn run(rule: &dyn Rule, b: &RootBuilder) -> Outcome {
        rule.check(&cx(b))
    }

    /// A multi-user root with this nix.conf.
    pub fn root_with_conf(conf: &str) -> RootBuilder {
        RootBuilder::new()
            .multi_user_nix()
            .file("/etc/nix/nix.conf", conf)
    }

    /// True when the tests run as root (needed to give fixtures root-owned files).
    pub fn am_root() -> bool {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
    }

    /// For a test that needs root (`why`: what for): true as root; otherwise a one-line skip
    /// message, and a failure when `CI` is set (CI runs `scripts/test` as root).
    pub fn root_or_skip(why: &str) -> bool {
        if am_root() {
            return true;
        }
        assert!(
            std::env::var_os("CI").is_none(),
            "not root ({why}): CI is set and runs scripts/test as root, so this fails instead of skipping"
        );
        eprintln!("skipped: not root ({why})");
        false
    }

    /// The message of a pass, skip or error; a failure's problems, one per line.
    pub fn message(o: &Outcome) -> String {
        o.message()
    }

    /// A failure seen whole: its problems' messages (one per line), all their evidence, and
    /// the highest severity any problem sets (`None` when none sets one).
    #[derive(Debug)]
    pub struct Failed {
        /// The problems' messages, one per line.
        pub message: String,
        /// Every problem's evidence, in order.
        pub evidence: Vec<nixsec_core::Evidence>,
        /// The highest severity a problem sets.
        pub severity: Option<nixsec_core::Severity>,
        /// The problems.
        #[allow(dead_code)]
        pub problems: Vec<nixsec_core::Problem>,
    }

    /// The failure `o` is, if it is one.
    pub fn failed(o: &Outcome) -> Option<Failed> {
        let Outcome::Fail { problems } = o else {
            return None;
        };
        Some(Failed {
            message: o.message(),
            evidence: problems.iter().flat_map(|p| p.evidence.clone()).collect(),
            severity: problems.iter().filter_map(|p| p.severity).max(),
            problems: problems.clone(),
        })
    }
}

#[cfg(test)]
mod registry_tests {
    //! The registry against the catalogue: every host checker attaches to a catalogue entry
    //! with an `[audit]` part, one checker per id, and every rule file registers one.
    use std::collections::BTreeSet;

    #[test]
    fn one_checker_per_audit_entry() {
        let ids: Vec<&str> = crate::host_rules().iter().map(|r| r.id).collect();
        let unique: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(
            unique.len(),
            ids.len(),
            "two host checkers claim one id: {ids:?}"
        );
        let audit: BTreeSet<&str> = nixsec_catalogue::all()
            .iter()
            .filter(|e| e.audit.is_some())
            .map(|e| e.id)
            .collect();
        for id in &unique {
            let e = nixsec_catalogue::get(id).unwrap_or_else(|| panic!("{id}: no catalogue entry"));
            assert!(
                e.audit.is_some(),
                "{id}: a host checker, but no `[audit]` in {}",
                e.file
            );
        }
        for id in &audit {
            assert!(
                unique.contains(id),
                "{id}: `[audit]` in the catalogue, but no host checker"
            );
        }
    }

    #[test]
    fn every_rule_file_is_registered() {
        let sources: BTreeSet<String> = crate::host_rules()
            .iter()
            .map(|r| r.source.replace('\\', "/"))
            .collect();
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for section in std::fs::read_dir(base.join("src/rules")).expect("rules dir") {
            let section = section.expect("entry").path();
            if !section.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(&section).expect("section dir") {
                let f = f.expect("entry").path();
                if f.file_name().is_some_and(|n| n != "mod.rs") {
                    files.push(f);
                }
            }
        }
        assert!(!files.is_empty());
        for f in files {
            let rel = f
                .strip_prefix(base)
                .expect("under crate")
                .to_string_lossy()
                .replace('\\', "/");
            assert!(
                sources.iter().any(|s| s.ends_with(&rel)),
                "{rel} defines no registered rule"
            );
        }
    }
}
