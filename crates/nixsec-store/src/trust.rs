//! Signature tallies and the `untrusted` verdict, shared by the store and cache verifiers.

use nixsec_nar::sig::{self, PublicKey, Signature, Verdict};

/// What a path's signatures say under the trusted keys.
#[derive(Debug, Default, Clone)]
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
        Tally::of_many(&[(sigs, fingerprint)], keys)
            .pop()
            .unwrap_or_default()
    }

    /// [`Tally::of`] for many paths (their signatures and fingerprints) at once: the
    /// signatures by trusted key names are verified together, in batches
    /// ([`sig::verify_many`]).
    pub(crate) fn of_many(paths: &[(&[String], &str)], keys: &[PublicKey]) -> Vec<Tally> {
        let mut tallies: Vec<Tally> = paths.iter().map(|_| Tally::default()).collect();
        // Problems per path with the position of their signature, to keep that order.
        let mut invalid: Vec<Vec<(usize, String)>> = paths.iter().map(|_| Vec::new()).collect();
        let mut batched: Vec<(usize, usize, Signature, &PublicKey)> = Vec::new();
        let does_not_verify =
            |sig: &Signature| format!("`{}` does not verify", nixsec_core::escape(&sig.name));
        for (p, (sigs, fingerprint)) in paths.iter().enumerate() {
            for (n, s) in sigs.iter().enumerate() {
                let sig = match Signature::parse(s) {
                    Ok(sig) => sig,
                    Err(e) => {
                        invalid[p].push((
                            n,
                            format!(
                                "`{}` cannot be decoded ({e})",
                                nixsec_core::escape(s.split(':').next().unwrap_or(""))
                            ),
                        ));
                        continue;
                    }
                };
                let mut named = keys.iter().filter(|k| k.name == sig.name);
                match (named.next(), named.next()) {
                    (Some(key), None) => batched.push((p, n, sig, key)),
                    // Several trusted keys of that name: any of them may verify it.
                    (Some(_), Some(_)) => match sig::check(&sig, keys, fingerprint) {
                        Verdict::Valid => tallies[p].valid += 1,
                        _ => invalid[p].push((n, does_not_verify(&sig))),
                    },
                    (None, _) => tallies[p]
                        .untrusted
                        .push(nixsec_core::escape(&sig.name).into_owned()),
                }
            }
        }
        let items: Vec<(&PublicKey, &[u8], &Signature)> = batched
            .iter()
            .map(|(p, _, sig, key)| (*key, paths[*p].1.as_bytes(), sig))
            .collect();
        for ((p, n, sig, _), ok) in batched.iter().zip(sig::verify_many(&items)) {
            if ok {
                tallies[*p].valid += 1;
            } else {
                invalid[*p].push((*n, does_not_verify(sig)));
            }
        }
        for (t, mut bad) in tallies.iter_mut().zip(invalid) {
            bad.sort_by_key(|(n, _)| *n);
            t.invalid = bad.into_iter().map(|(_, m)| m).collect();
        }
        tallies
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
