//! NIX-033: Secret literal in configuration (configuration-only).

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_core::Outcome;

/// Secret literal in configuration.
pub struct SecretLiteral;

crate::host_rule!("NIX-033", SecretLiteral);

impl Rule for SecretLiteral {
    fn check(&self, _cx: &HostCx) -> Outcome {
        Outcome::skip("configuration-only rule: the host holds no NixOS expressions to read (its results on the host are NIX-034's)")
    }
}
