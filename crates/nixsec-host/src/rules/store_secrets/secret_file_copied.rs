//! NIX-032: Secret file copied into the store (configuration-only).

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_core::Outcome;

/// Secret file copied into the store.
pub struct SecretFileCopied;

crate::host_rule!("NIX-032", SecretFileCopied);

impl Rule for SecretFileCopied {
    fn check(&self, _cx: &HostCx) -> Outcome {
        Outcome::skip("configuration-only rule: the host holds no NixOS expressions to read (its results on the host are NIX-034's)")
    }
}
