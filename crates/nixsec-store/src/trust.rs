//! Signature tallies and the `untrusted` verdict, shared by the store and cache verifiers.

use nixsec_nar::sig::{self, PublicKey, Signature, Verdict};

/// What a path's signatures say under the trusted keys.
#[derive(Default)]
pub(crate) struct Tally {
    /// Signatures that verify under a trusted key.
    pub valid: usize,
    /// Names of keys we do not trust.
    pub untrusted: Vec<String>,
    /// Signatures by a trusted key name that do not verify or cannot be decoded.
    pub invalid: Vec<String>,
}

impl Tally {
    /// Check every signature (`NAME:BASE64`) against `keys` over `fingerprint`.
    pub(crate) fn of(sigs: &[String], keys: &[PublicKey], fingerprint: &str) -> Tally {
        let mut t = Tally::default();
        for s in sigs {
            match Signature::parse(s) {
                Ok(sig) => match sig::check(&sig, keys, fingerprint) {
                    Verdict::Valid => t.valid += 1,
                    Verdict::Invalid => t.invalid.push(format!(
                        "`{}` does not verify",
                        nixsec_core::escape(&sig.name)
                    )),
                    Verdict::UntrustedKey => t
                        .untrusted
                        .push(nixsec_core::escape(&sig.name).into_owned()),
                },
                Err(e) => t.invalid.push(format!(
                    "`{}` cannot be decoded ({e})",
                    nixsec_core::escape(s.split(':').next().unwrap_or(""))
                )),
            }
        }
        t
    }

    /// Why a path is untrusted: the count against `needed`, the untrusted signers, then
    /// `reasons` (such as "not built locally").
    pub(crate) fn untrusted_detail(&self, needed: usize, reasons: &[&str]) -> String {
        let valid = self.valid;
        let mut why = vec![format!(
            "{valid} valid signature{} by trusted keys, {needed} needed",
            if valid == 1 { "" } else { "s" }
        )];
        if !self.untrusted.is_empty() {
            why.push(format!(
                "signed by untrusted keys: {}",
                self.untrusted.join(", ")
            ));
        }
        why.extend(reasons.iter().map(|r| (*r).to_string()));
        why.join("; ")
    }
}
