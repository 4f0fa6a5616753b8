//! nixsec-host: the host rules of `nixsec audit` and the host-file readers they share.
//!
//! Rules add themselves to `nixsec_core::HOST_RULES`; [`link`] exists so that the binary
//! references this crate and the linker keeps every rule's registry entry.
#![deny(missing_docs)]

pub mod accounts;
pub mod blockdev;
pub mod environment;
pub mod firewall;
pub mod isolation;
pub mod kernel;
pub mod nix;
pub mod perms;
pub mod procnet;
pub mod rules;
pub mod scan;
pub mod sshd;
pub mod store;
pub mod sudoers;

/// Called by the binary so the linker keeps this crate (and its registry entries).
#[must_use]
pub fn link() -> usize {
    nixsec_core::HOST_RULES.len()
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for rule tests.
    pub use nixsec_core::{Outcome, Rule, Status};
    pub use nixsec_testutil::RootBuilder;

    /// Run `rule` on the root built by `b`.
    pub fn run(rule: &dyn Rule, b: &RootBuilder) -> Outcome {
        rule.check(&b.cx())
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

    /// The message of any outcome.
    pub fn message(o: &Outcome) -> &str {
        match o {
            Outcome::Pass { message, .. } | Outcome::Fail { message, .. } => message,
            Outcome::Skip { reason } | Outcome::Error { reason, .. } => reason,
        }
    }
}

#[cfg(test)]
mod registry_tests {
    //! The registry against the catalogue: unique ids, catalogue ids, titles, sections and
    //! severities, non-empty texts, every rule file registered, and the id list reviewed here.
    use std::collections::BTreeSet;

    const CATALOGUE: &str = include_str!("../catalogue.tsv");

    /// Every registered rule id. Adding, renaming or dropping a rule shows up here in review.
    #[rustfmt::skip]
    const EXPECTED_IDS: &[&str] = &[
        "NIX-001", "NIX-002", "NIX-003", "NIX-004", "NIX-005", "NIX-006", "NIX-007", "NIX-008",
        "NIX-009", "NIX-010", "NIX-011", "NIX-012", "NIX-013", "NIX-014", "NIX-015", "NIX-016",
        "NIX-017", "NIX-018", "NIX-020", "NIX-021", "NIX-022", "NIX-023", "NIX-024", "NIX-025",
        "NIX-026", "NIX-027", "NIX-030", "NIX-031", "NIX-032", "NIX-033", "NIX-034", "NIX-035", "NIX-036",
        "NIX-037", "NIX-040", "NIX-041", "NIX-042", "NIX-043", "NIX-044", "NIX-050", "NIX-051",
        "NIX-052", "NIX-053", "NIX-054", "NIX-055", "NIX-056", "NIX-057", "NIX-058", "NIX-059",
        "NIX-060", "NIX-061", "NIX-064", "NIX-070", "NIX-071", "NIX-072", "NIX-074", "NIX-075",
        "NIX-076", "NIX-077", "NIX-078", "NIX-079", "NIX-080", "NIX-081", "NIX-082", "NIX-090",
        "NIX-091", "NIX-092", "NIX-093", "NIX-094", "NIX-100", "NIX-101", "NIX-102", "NIX-110",
        "NIX-111", "NIX-112", "NIX-113", "NIX-114", "NIX-115", "NIX-116", "NIX-117", "NIX-118",
        "NIX-120", "NIX-130", "NIX-131", "NIX-132", "NIX-133", "NIX-134", "NIX-135", "NIX-136",
        "NIX-137", "NIX-138", "NIX-139", "NIX-150", "NIX-151", "NIX-152", "NIX-154", "NIX-155",
        "NIX-157",
    ];

    #[test]
    fn registry_matches_the_catalogue() {
        let rules = nixsec_core::host_rules();
        let ids: Vec<&str> = rules.iter().map(|r| r.meta().id).collect();
        assert_eq!(ids, EXPECTED_IDS);
        let unique: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "duplicate ids");
        for r in &rules {
            let m = r.meta();
            let row = CATALOGUE
                .lines()
                .filter(|l| !l.starts_with('#'))
                .map(|l| l.split('\t').collect::<Vec<_>>())
                .find(|f| f[0] == m.id)
                .unwrap_or_else(|| panic!("{} is not in the catalogue", m.id));
            assert_eq!(row[1], m.section.as_str(), "{}: section", m.id);
            assert_eq!(row[2], m.severity.as_str(), "{}: severity", m.id);
            assert_eq!(row[3], m.title, "{}: title", m.id);
            for (what, text) in [
                ("checks", m.checks),
                ("rationale", m.rationale),
                ("fix", m.fix),
                ("nixos", m.nixos),
            ] {
                assert!(!text.trim().is_empty(), "{}: empty {what}", m.id);
            }
        }
    }

    #[test]
    fn every_rule_file_is_registered() {
        let sources: BTreeSet<String> = nixsec_core::host_rules()
            .iter()
            .map(|r| r.meta().source.replace('\\', "/"))
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
