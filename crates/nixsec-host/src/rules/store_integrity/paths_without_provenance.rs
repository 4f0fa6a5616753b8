//! NIX-025: valid store paths nobody trusted vouches for.

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};
use nixsec_store::Kind;

use crate::store::{evidence, of_kinds, with_store};

/// Valid paths that are not built locally, not content-addressed and not signed by a trusted key.
pub struct PathsWithoutProvenance;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &PathsWithoutProvenance;

static META: RuleMeta = RuleMeta {
    id: "NIX-025",
    title: "Store paths without provenance",
    section: Section::StoreIntegrity,
    severity: Severity::Medium,
    checks: "Every valid path in `/nix/var/nix/db/db.sqlite`: fails for a path with `ultimate` unset (not built here), no content address that reproduces its store path, and no signature that verifies against a key in `trusted-public-keys` (signatures are checked over Nix's fingerprint of the database values).",
    rationale: "Such a path came from somewhere that nothing trusted vouches for: typically `nix-store --import`, `nix copy --no-check-sigs`, or a substituter used while `require-sigs` was off. Whoever supplied it chose its contents.",
    fix: "Find who imported the path; delete it (`nix-store --delete`) and substitute it from a trusted cache or rebuild it.",
    nixos: "nix.settings.require-sigs = true;  # then: nix-store --delete <path> && nixos-rebuild switch",
    references: &["nix3-store-verify(1)", "nix.conf(5): trusted-public-keys"],
    source: file!(),
};

impl Rule for PathsWithoutProvenance {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

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
