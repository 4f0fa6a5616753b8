//! NIX-030: Plaintext password in configuration.

use crate::cx::HostCx;
use nixsec_core::Outcome;

use crate::engine::Rule;
use crate::scan::closure_secrets_check;

/// Plaintext password in configuration.
pub struct PlaintextPassword;

crate::host_rule!("NIX-030", PlaintextPassword);

impl Rule for PlaintextPassword {
    fn check(&self, cx: &HostCx) -> Outcome {
        closure_secrets_check(cx, "NIX-030")
    }
}
