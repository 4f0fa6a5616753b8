//! NIX-025: valid store paths nobody trusted vouches for.

use crate::cx::HostCx;
use nixsec_core::Outcome;
use nixsec_store::Kind;

use crate::engine::Rule;
use crate::store::{evidence, of_kinds, with_store};

/// Valid paths that are not built locally, not content-addressed and not signed by a trusted key.
pub struct PathsWithoutProvenance;

crate::host_rule!("NIX-025", PathsWithoutProvenance);

impl Rule for PathsWithoutProvenance {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_store(cx, |outcome| {
            let bad = of_kinds(outcome, &[Kind::Untrusted]);
            if bad.is_empty() {
                return Outcome::pass(format!(
                    "all {} valid paths were built here, are content-addressed, or carry a trusted signature",
                    outcome.paths_checked
                ));
            }
            Outcome::fail(format!(
                "{} of {} valid paths have no trusted provenance",
                bad.len(),
                outcome.paths_checked
            ))
            .with_evidence(evidence(&bad, 20))
        })
    }
}
