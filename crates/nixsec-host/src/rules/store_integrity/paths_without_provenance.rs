//! NIX-025: valid store paths nobody trusted vouches for.

use crate::cx::HostCx;
use nixsec_core::Outcome;
use nixsec_store::Kind;

use crate::engine::Rule;
use crate::store::{of_kinds, problems, with_store, MAX_LISTED};

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
            // One problem per path: each is signed, rebuilt or deleted on its own (the
            // catalogue's command, on this path).
            let fix = nixsec_catalogue::entry("NIX-025").nixos;
            let problems = problems(&bad, MAX_LISTED)
                .into_iter()
                .zip(&bad)
                .map(|(p, b)| p.with_fix(fix.replace("<path>", &b.path)))
                .collect();
            Outcome::Fail { problems }
        })
    }
}
