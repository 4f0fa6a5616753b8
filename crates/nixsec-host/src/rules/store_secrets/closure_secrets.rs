//! NIX-034: Secrets in the running system closure.

use crate::cx::HostCx;
use nixsec_core::Outcome;

use crate::engine::Rule;
use crate::scan::closure_secrets_check;

/// Secrets in the running system closure.
pub struct ClosureSecrets;

crate::host_rule!("NIX-034", ClosureSecrets);

impl Rule for ClosureSecrets {
    fn check(&self, cx: &HostCx) -> Outcome {
        closure_secrets_check(cx, "NIX-034")
    }
}
