//! NIX-026: store objects modified, re-moded or re-owned after registration.

use crate::cx::HostCx;
use nixsec_core::Outcome;
use nixsec_store::Kind;

use crate::engine::Rule;
use crate::store::{evidence, of_kinds, with_store};

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
            if !bad.is_empty() {
                let mut kinds: Vec<&str> = bad.iter().map(|p| p.kind.as_str()).collect();
                kinds.dedup();
                kinds.sort_unstable();
                kinds.dedup();
                return Outcome::fail(format!(
                    "{} problems in the store: {}",
                    bad.len(),
                    kinds.join(", ")
                ))
                .with_evidence(evidence(&bad, 20));
            }
            let unreadable = of_kinds(outcome, &[Kind::Unreadable]);
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
