//! The host-rule engine: the [`Rule`] trait, the one registry checkers add themselves to with
//! [`host_rule!`](crate::host_rule), selection and the parallel run that folds each checker's
//! problems into findings.
//!
//! A checker attaches to a catalogue id and never restates its text: title, section, severity
//! and fix come from `nixsec-catalogue`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use nixsec_catalogue::Entry;
use nixsec_core::{Finding, Outcome, Section};
use rayon::prelude::*;

use crate::cx::HostCx;

/// A host check: reads the audited system through [`HostCx`] and returns an [`Outcome`] (one
/// problem per thing wrong).
pub trait Rule: Sync {
    /// Run the check. Never panics on host data: problems reading it become
    /// [`Outcome::Error`].
    fn check(&self, cx: &HostCx) -> Outcome;
}

/// One registered checker: the catalogue id it attaches to and where it is defined.
pub struct HostRule {
    /// Catalogue id (`NIX-012`).
    pub id: &'static str,
    /// The checker's source file (`file!()`).
    pub source: &'static str,
    /// The check.
    pub rule: &'static dyn Rule,
}

impl HostRule {
    /// The rule's catalogue entry.
    #[must_use]
    pub fn entry(&self) -> &'static Entry {
        nixsec_catalogue::entry(self.id)
    }

    /// Run the check (a panic becomes an `error` result) and make its findings.
    #[must_use]
    pub fn run(&self, cx: &HostCx) -> Vec<Finding> {
        let _span = tracing::debug_span!("rule", id = self.id).entered();
        if let Some(skip) = crate::system::not_running(cx, self.id) {
            return self.entry().findings(skip);
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| self.rule.check(cx))).unwrap_or_else(|_| {
            Outcome::error(format!(
                "internal error: the check of `{}` panicked; please report it",
                self.id
            ))
        });
        tracing::debug!(status = outcome.status().as_str(), "checked");
        self.entry().findings(outcome)
    }
}

/// Every host checker, added by the checker files themselves.
#[linkme::distributed_slice]
pub static HOST_RULES: [HostRule];

/// Register a host checker for a catalogue id: `host_rule!("NIX-012", SandboxDisabled);`.
#[macro_export]
macro_rules! host_rule {
    ($id:literal, $rule:expr) => {
        // linkme places the entry with `#[link_section]`, which `unsafe_code` flags.
        #[allow(unsafe_code)]
        #[linkme::distributed_slice($crate::engine::HOST_RULES)]
        static HOST_RULE: $crate::engine::HostRule = $crate::engine::HostRule {
            id: $id,
            source: file!(),
            rule: &$rule,
        };
    };
}

/// The registered host checkers, sorted by id.
#[must_use]
pub fn host_rules() -> Vec<&'static HostRule> {
    let mut v: Vec<&'static HostRule> = HOST_RULES.iter().collect();
    v.sort_by_key(|r| r.id);
    v
}

/// The registered host checker for this id (case-insensitive).
#[must_use]
pub fn find_rule(id: &str) -> Option<&'static HostRule> {
    HOST_RULES.iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// Which rules to run. Empty lists mean all.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only rules of these sections.
    pub sections: Vec<Section>,
    /// Only these rule ids (as the registry spells them).
    pub rules: Vec<String>,
}

impl Selection {
    /// True when `rule` is selected.
    #[must_use]
    pub fn includes(&self, rule: &HostRule) -> bool {
        (self.sections.is_empty() || self.sections.contains(&rule.entry().section))
            && (self.rules.is_empty() || self.rules.iter().any(|r| r.eq_ignore_ascii_case(rule.id)))
    }
}

/// Run each rule on `cx` (in parallel): one finding per problem of a failing rule, one per
/// other rule, in rule order.
pub fn run_rules(cx: &HostCx, rules: &[&'static HostRule]) -> Vec<Finding> {
    rules
        .par_iter()
        .flat_map_iter(|rule| rule.run(cx))
        .collect()
}
