//! NIX-031: Password hash in the store.

use crate::cx::HostCx;
use nixsec_core::Outcome;

use crate::engine::Rule;
use crate::scan::closure_secrets_check;

/// Password hash in the store.
pub struct PasswordHash;

crate::host_rule!("NIX-031", PasswordHash);

impl Rule for PasswordHash {
    fn check(&self, cx: &HostCx) -> Outcome {
        closure_secrets_check(cx, "NIX-031")
    }
}
