//! NIX-026: store objects modified, re-moded or re-owned after registration.

use crate::cx::HostCx;
use nixsec_core::Outcome;
use nixsec_store::Kind;

use crate::engine::Rule;
use crate::store::{evidence, of_kinds, problems, with_store, MAX_LISTED};

/// Store contents differ from what was registered, or their modes and owners are not Nix's.
pub struct StoreContentsTampered;

crate::host_rule!("NIX-026", StoreContentsTampered);

const KINDS: &[Kind] = &[
    Kind::HashMismatch,
    Kind::SizeMismatch,
    Kind::CaMismatch,
    Kind::InvalidSignature,
    Kind::Setuid,
    Kind::Writable,
    Kind::BadPermissions,
    Kind::Missing,
    Kind::DanglingReference,
    Kind::BadMetadata,
];

impl Rule for StoreContentsTampered {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_store(cx, |outcome| {
            let bad = of_kinds(outcome, KINDS);
            let unreadable = of_kinds(outcome, &[Kind::Unreadable]);
            if !bad.is_empty() {
                // One problem per path and kind; paths that could not be read are problems
                // too (not checked).
                let all: Vec<_> = bad.iter().chain(&unreadable).copied().collect();
                return Outcome::Fail {
                    problems: problems(&all, MAX_LISTED),
                };
            }
            if !unreadable.is_empty() {
                return Outcome::error(format!(
                    "{} store paths could not be read (run as root)",
                    unreadable.len()
                ))
                .with_evidence(evidence(&unreadable, 5));
            }
            let what = if cx.options().store_contents {
                "contents, modes and owners"
            } else {
                "modes, owners, signatures and references (contents not hashed: `--store-contents`)"
            };
            Outcome::pass(format!(
                "{} valid paths checked: {what} are as Nix registered them",
                outcome.paths_checked
            ))
        })
    }
}
