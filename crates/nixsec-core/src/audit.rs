//! Running host rules: selection by section and id, in parallel, a panic contained to its rule.

use std::panic::{catch_unwind, AssertUnwindSafe};

use rayon::prelude::*;

use crate::finding::{Finding, Outcome};
use crate::host::HostCx;
use crate::rule::{Rule, Section};

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
    pub fn includes(&self, rule: &dyn Rule) -> bool {
        let m = rule.meta();
        (self.sections.is_empty() || self.sections.contains(&m.section))
            && (self.rules.is_empty() || self.rules.iter().any(|r| r.eq_ignore_ascii_case(m.id)))
    }
}

/// Run each rule on `cx` (in parallel) and return one finding per rule, in rule order.
pub fn run_rules(cx: &HostCx, rules: &[&'static dyn Rule]) -> Vec<Finding> {
    rules
        .par_iter()
        .map(|rule| {
            let meta = rule.meta();
            let _span = tracing::debug_span!("rule", id = meta.id).entered();
            let outcome = catch_unwind(AssertUnwindSafe(|| rule.check(cx))).unwrap_or_else(|_| {
                Outcome::error(format!(
                    "internal error: the check of `{}` panicked; please report it",
                    meta.id
                ))
            });
            tracing::debug!(status = outcome.status().as_str(), "checked");
            Finding::from_outcome(meta, outcome)
        })
        .collect()
}
