//! Ed25519 keys and signatures in Nix's `name:base64` form, and the signed fingerprint.
//!
//! Public key `NAME:base64(32 bytes)`, secret key `NAME:base64(seed || public)` (64 bytes),
//! signature `NAME:base64(64 bytes)`. A signature counts only if a trusted key has its name and
//! the ed25519 check of the fingerprint passes.

use std::fmt;

use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};

use crate::hash::Hash;

/// Why a key or signature string is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigError {
    /// No `name:` in front, or an empty name.
    #[error("{what} `{input}` is not `name:base64`")]
    Syntax {
        /// `public key`, `secret key` or `signature`.
        what: &'static str,
        /// The input (not shown for secret keys).
        input: String,
    },
    /// The part after the name is not base64.
    #[error("{what} `{name}`: invalid base64: {message}")]
    Base64 {
        /// `public key`, `secret key` or `signature`.
        what: &'static str,
        /// The name.
        name: String,
        /// The decoder's complaint.
        message: String,
    },
    /// The decoded bytes have the wrong length.
    #[error("{what} `{name}`: {len} bytes, expected {expected}")]
    Length {
        /// `public key`, `secret key` or `signature`.
        what: &'static str,
        /// The name.
        name: String,
        /// Bytes decoded.
        len: usize,
        /// Bytes wanted.
        expected: usize,
    },
    /// The bytes are not a valid ed25519 key.
    #[error("{what} `{name}`: not a valid ed25519 key: {message}")]
    BadKey {
        /// `public key` or `secret key`.
        what: &'static str,
        /// The name.
        name: String,
        /// Details.
        message: String,
    },
}

fn split<'a, const N: usize>(
    what: &'static str,
    s: &'a str,
    show_input: bool,
) -> Result<(&'a str, [u8; N]), SigError> {
    let syntax = || SigError::Syntax {
        what,
        input: if show_input {
            s.to_string()
        } else {
            "(not shown)".to_string()
        },
    };
    let (name, b64) = s.split_once(':').ok_or_else(syntax)?;
    if name.is_empty() {
        return Err(syntax());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| SigError::Base64 {
            what,
            name: name.to_string(),
            message: e.to_string(),
        })?;
    let len = bytes.len();
    let arr: [u8; N] = bytes.try_into().map_err(|_| SigError::Length {
        what,
        name: name.to_string(),
        len,
        expected: N,
    })?;
    Ok((name, arr))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A named ed25519 public key (an entry of `trusted-public-keys`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// The key name.
    pub name: String,
    key: VerifyingKey,
}

impl PublicKey {
    /// Parse `name:base64(32 bytes)`.
    pub fn parse(s: &str) -> Result<PublicKey, SigError> {
        let (name, bytes) = split::<32>("public key", s.trim(), true)?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|e| SigError::BadKey {
            what: "public key",
            name: name.to_string(),
            message: e.to_string(),
        })?;
        Ok(PublicKey {
            name: name.to_string(),
            key,
        })
    }

    /// The 32 key bytes.
    #[must_use]
    pub fn bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Whether `sig` (regardless of its name) is a valid signature of `message` by this key
    /// (strict ed25519 verification).
    #[must_use]
    pub fn verify(&self, message: &[u8], sig: &Signature) -> bool {
        let sig = ed25519_dalek::Signature::from_bytes(&sig.bytes);
        self.key.verify_strict(message, &sig).is_ok()
    }
}

/// Verify many signatures at once: one verdict per `(key, message, signature)`, as
/// [`PublicKey::verify`] would give, in about half its time per signature.
///
/// First the checks of strict verification that batching would skip: a signature whose `R`
/// does not decode or has small order is rejected, and keys of small order (with which anyone
/// could forge) are left to the strict check, which rejects them. The rest are checked in
/// batches of [`BATCH`] (ed25519 batch verification: one random linear combination of the
/// verification equations, coefficients derived from the inputs). A batch that verifies is
/// accepted whole; one that does not is verified signature by signature, strictly, so a bad
/// signature is always named.
#[must_use]
pub fn verify_many(items: &[(&PublicKey, &[u8], &Signature)]) -> Vec<bool> {
    let mut out: Vec<Option<bool>> = items
        .iter()
        .map(|(key, message, sig)| {
            let r_ok = curve25519_dalek::edwards::CompressedEdwardsY::from_slice(&sig.bytes[..32])
                .ok()
                .and_then(|r| r.decompress())
                .is_some_and(|r| !r.is_small_order());
            if !r_ok {
                Some(false)
            } else if key.key.is_weak() {
                Some(key.verify(message, sig))
            } else {
                None // to batch
            }
        })
        .collect();
    let pending: Vec<usize> = (0..items.len()).filter(|&i| out[i].is_none()).collect();
    for batch in pending.chunks(BATCH) {
        let messages: Vec<&[u8]> = batch.iter().map(|&i| items[i].1).collect();
        let sigs: Vec<ed25519_dalek::Signature> = batch
            .iter()
            .map(|&i| ed25519_dalek::Signature::from_bytes(&items[i].2.bytes))
            .collect();
        let keys: Vec<VerifyingKey> = batch.iter().map(|&i| items[i].0.key).collect();
        let whole = batch.len() > 1 && ed25519_dalek::verify_batch(&messages, &sigs, &keys).is_ok();
        for &i in batch {
            let (key, message, sig) = items[i];
            out[i] = Some(whole || key.verify(message, sig));
        }
    }
    out.into_iter().map(|v| v.unwrap_or(false)).collect()
}

/// Signatures per batch in [`verify_many`].
pub const BATCH: usize = 64;

/// Prints `name:base64`.
impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.name, b64(self.key.as_bytes()))
    }
}

/// A named ed25519 secret key (as `nix-store --generate-binary-cache-key` writes it).
pub struct SecretKey {
    /// The key name.
    pub name: String,
    key: SigningKey,
}

/// Shows the name only.
impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl SecretKey {
    /// Parse `name:base64(seed || public)`; the public half must match the seed.
    pub fn parse(s: &str) -> Result<SecretKey, SigError> {
        let (name, bytes) = split::<64>("secret key", s.trim(), false)?;
        let key = SigningKey::from_keypair_bytes(&bytes).map_err(|e| SigError::BadKey {
            what: "secret key",
            name: name.to_string(),
            message: e.to_string(),
        })?;
        Ok(SecretKey {
            name: name.to_string(),
            key,
        })
    }

    /// A key from a 32-byte seed.
    #[must_use]
    pub fn from_seed(name: &str, seed: [u8; 32]) -> SecretKey {
        SecretKey {
            name: name.to_string(),
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The matching public key.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            name: self.name.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// Sign a fingerprint.
    #[must_use]
    pub fn sign(&self, fingerprint: &str) -> Signature {
        Signature {
            name: self.name.clone(),
            bytes: self.key.sign(fingerprint.as_bytes()).to_bytes(),
        }
    }

    /// Nix's secret key file contents `name:base64(seed || public)`.
    #[must_use]
    pub fn to_nix_string(&self) -> String {
        format!("{}:{}", self.name, b64(&self.key.to_keypair_bytes()))
    }
}

/// A named detached signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Name of the key that made it.
    pub name: String,
    /// The 64 signature bytes.
    pub bytes: [u8; 64],
}

impl Signature {
    /// Parse `name:base64(64 bytes)`.
    pub fn parse(s: &str) -> Result<Signature, SigError> {
        let (name, bytes) = split::<64>("signature", s, true)?;
        Ok(Signature {
            name: name.to_string(),
            bytes,
        })
    }
}

/// Prints `name:base64`.
impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.name, b64(&self.bytes))
    }
}

/// The message Nix signs:
/// `1;<path>;<narHash as sha256:nixbase32>;<narSize>;<refs sorted, comma-separated>`, without
/// a trailing newline. The references (full store paths) are sorted and deduplicated, as in
/// Nix's sorted set.
#[must_use]
pub fn fingerprint(path: &str, nar_hash: &Hash, nar_size: u64, references: &[String]) -> String {
    let mut refs: Vec<&str> = references.iter().map(String::as_str).collect();
    refs.sort_unstable();
    refs.dedup();
    format!(
        "1;{path};{};{nar_size};{}",
        nar_hash.to_nix32(),
        refs.join(",")
    )
}

/// Outcome of checking one signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A trusted key of that name verifies it.
    Valid,
    /// A key of that name is trusted but the signature does not verify.
    Invalid,
    /// No trusted key has that name.
    UntrustedKey,
}

/// Check one signature against the trusted keys (matched by name).
#[must_use]
pub fn check(sig: &Signature, keys: &[PublicKey], fingerprint: &str) -> Verdict {
    let mut named = keys.iter().filter(|k| k.name == sig.name).peekable();
    if named.peek().is_none() {
        return Verdict::UntrustedKey;
    }
    if named.any(|k| k.verify(fingerprint.as_bytes(), sig)) {
        Verdict::Valid
    } else {
        Verdict::Invalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Hash;

    fn key() -> SecretKey {
        SecretKey::from_seed("test-cache-1", [42; 32])
    }

    #[test]
    fn fingerprint_layout() {
        let h = Hash::parse("sha256:1apj20c582ry0pdxkl9nc1ds4dn6jlx8bxh8p11y1m79myf5mnf6")
            .expect("should succeed");
        let fp = fingerprint(
            "/nix/store/06c5fhinx3mdanmvfmxzhhpdhyva7smj-openssl-3.0.7.drv",
            &h,
            1600,
            &[
                "/nix/store/zf5gypazk7n4d80iydm6gkhhg2dq8hr1-glibc-2.37.drv".into(),
                "/nix/store/7qp931nyr7aa6afd4qppwh49gs0v9n8w-openssl-3.0.7.tar.gz.drv".into(),
            ],
        );
        assert_eq!(
            fp,
            "1;/nix/store/06c5fhinx3mdanmvfmxzhhpdhyva7smj-openssl-3.0.7.drv;\
             sha256:1apj20c582ry0pdxkl9nc1ds4dn6jlx8bxh8p11y1m79myf5mnf6;1600;\
             /nix/store/7qp931nyr7aa6afd4qppwh49gs0v9n8w-openssl-3.0.7.tar.gz.drv,\
             /nix/store/zf5gypazk7n4d80iydm6gkhhg2dq8hr1-glibc-2.37.drv"
        );
        assert_eq!(
            fingerprint("/nix/store/x", &h, 1, &[]),
            format!("1;/nix/store/x;{h};1;")
        );
    }

    #[test]
    fn valid_invalid_untrusted() {
        let sk = key();
        let pk = sk.public_key();
        let fp = "1;/nix/store/00000000000000000000000000000000-x;sha256:0;1;";
        let sig = sk.sign(fp);
        assert_eq!(sig.name, "test-cache-1");
        assert_eq!(check(&sig, std::slice::from_ref(&pk), fp), Verdict::Valid);
        assert_eq!(
            check(&sig, std::slice::from_ref(&pk), &format!("{fp}x")),
            Verdict::Invalid
        );
        let mut flipped = sig.clone();
        flipped.bytes[3] ^= 1;
        assert_eq!(
            check(&flipped, std::slice::from_ref(&pk), fp),
            Verdict::Invalid
        );
        let other = SecretKey::from_seed("other", [1; 32]).public_key();
        assert_eq!(
            check(&sig, std::slice::from_ref(&other), fp),
            Verdict::UntrustedKey
        );
        assert_eq!(check(&sig, &[], fp), Verdict::UntrustedKey);
        // A second key with the same name but other bytes does not hide the right one.
        let impostor = PublicKey::parse(&format!(
            "test-cache-1:{}",
            b64(&SecretKey::from_seed("x", [2; 32]).public_key().bytes())
        ))
        .expect("should succeed");
        assert_eq!(
            check(&sig, &[impostor.clone(), pk.clone()], fp),
            Verdict::Valid
        );
        assert_eq!(check(&sig, &[impostor], fp), Verdict::Invalid);
    }

    /// Batches give the verdicts of one-by-one strict verification: all good, one bad among
    /// many (in a full batch and in a short last one), a signature by another key, and keys
    /// of small order (the identity: anyone could "sign" for it), which must never pass.
    #[test]
    fn verify_many_matches_strict_verification() {
        let a = SecretKey::from_seed("a", [1; 32]);
        let b = SecretKey::from_seed("b", [2; 32]);
        let (pa, pb) = (a.public_key(), b.public_key());
        let msgs: Vec<String> = (0..150).map(|i| format!("message {i}")).collect();
        let mut items: Vec<(PublicKey, String, Signature)> = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let (sk, pk) = if i % 3 == 0 { (&a, &pa) } else { (&b, &pb) };
                (pk.clone(), m.clone(), sk.sign(m))
            })
            .collect();
        // A signature over another message, one by the wrong key, one with a flipped bit.
        items[10].2 = a.sign("something else");
        items[70].2 = b.sign(&msgs[70]);
        items[70].0 = pa.clone();
        items[140].2.bytes[5] ^= 1;
        // The identity as a key, with the forgery it allows: R = B (the base point), s = 1.
        let identity = PublicKey::parse(&format!(
            "weak:{}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, {
                let mut y = [0u8; 32];
                y[0] = 1;
                y
            })
        ))
        .expect("the identity decodes");
        let mut forged = [0u8; 64];
        forged[..32].copy_from_slice(&curve_base_point());
        forged[32] = 1;
        // It is a forgery plain (non-strict) verification accepts.
        assert!(ed25519_dalek::Verifier::verify(
            &identity.key,
            msgs[120].as_bytes(),
            &ed25519_dalek::Signature::from_bytes(&forged)
        )
        .is_ok());
        items[120] = (
            identity,
            msgs[120].clone(),
            Signature {
                name: "weak".into(),
                bytes: forged,
            },
        );
        let refs: Vec<(&PublicKey, &[u8], &Signature)> =
            items.iter().map(|(k, m, s)| (k, m.as_bytes(), s)).collect();
        let got = verify_many(&refs);
        let want: Vec<bool> = refs.iter().map(|(k, m, s)| k.verify(m, s)).collect();
        assert_eq!(got, want);
        assert!(!got[10] && !got[70] && !got[140] && !got[120]);
        assert_eq!(got.iter().filter(|ok| **ok).count(), 146);
    }

    /// A key's owner can sign with `R` the identity (s = k·a): plain verification and batch
    /// verification accept it, strict verification (and Nix, through libsodium) rejects it, and
    /// so must `verify_many`, alone or in a batch of good signatures.
    #[test]
    fn small_order_r_is_rejected_as_strict_verification_does() {
        use sha2::Digest as _;
        let sk = SecretKey::from_seed("owner", [9; 32]);
        let pk = sk.public_key();
        let secret = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        assert_eq!(secret.verifying_key().to_bytes(), pk.bytes());
        let message = b"a fingerprint";
        let mut r = [0u8; 32];
        r[0] = 1; // the identity
        let k = curve25519_dalek::Scalar::from_bytes_mod_order_wide(
            &sha2::Sha512::new()
                .chain_update(r)
                .chain_update(pk.bytes())
                .chain_update(message)
                .finalize()
                .into(),
        );
        let s = k * secret.to_scalar();
        let mut bytes = [0u8; 64];
        bytes[..32].copy_from_slice(&r);
        bytes[32..].copy_from_slice(s.as_bytes());
        let odd = Signature {
            name: "owner".into(),
            bytes,
        };
        assert!(ed25519_dalek::Verifier::verify(
            &pk.key,
            message,
            &ed25519_dalek::Signature::from_bytes(&bytes)
        )
        .is_ok());
        assert!(!pk.verify(message, &odd));
        let good: Vec<(String, Signature)> = (0..10)
            .map(|i| (format!("m{i}"), sk.sign(&format!("m{i}"))))
            .collect();
        let mut items: Vec<(&PublicKey, &[u8], &Signature)> =
            good.iter().map(|(m, s)| (&pk, m.as_bytes(), s)).collect();
        items.insert(4, (&pk, message, &odd));
        let got = verify_many(&items);
        assert_eq!(got.iter().filter(|ok| **ok).count(), 10);
        assert!(!got[4]);
    }

    /// The compressed base point of ed25519 (y = 4/5, x positive).
    fn curve_base_point() -> [u8; 32] {
        let mut b = [0x66u8; 32];
        b[0] = 0x58;
        b
    }

    #[test]
    fn round_trips_through_text() {
        let sk = key();
        let pk = sk.public_key();
        assert_eq!(
            PublicKey::parse(&pk.to_string()).expect("should succeed"),
            pk
        );
        let sk2 = SecretKey::parse(&sk.to_nix_string()).expect("should succeed");
        assert_eq!(sk2.public_key(), pk);
        let sig = sk.sign("m");
        assert_eq!(
            Signature::parse(&sig.to_string()).expect("should succeed"),
            sig
        );
        assert!(!format!("{sk:?}").contains(&sk.to_nix_string()[13..]));
    }

    #[test]
    fn malformed() {
        assert!(matches!(
            Signature::parse("nocolon"),
            Err(SigError::Syntax { .. })
        ));
        assert!(matches!(
            Signature::parse(":AAAA"),
            Err(SigError::Syntax { .. })
        ));
        assert!(matches!(
            Signature::parse("k:not base64!"),
            Err(SigError::Base64 { .. })
        ));
        assert!(matches!(
            Signature::parse("k:AAAA"),
            Err(SigError::Length {
                len: 3,
                expected: 64,
                ..
            })
        ));
        assert!(matches!(
            PublicKey::parse("k:AAAA"),
            Err(SigError::Length { .. })
        ));
        // Secret key whose public half does not match its seed.
        let mut kp = key().key.to_keypair_bytes();
        kp[40] ^= 1;
        let e = SecretKey::parse(&format!("k:{}", b64(&kp))).expect_err("should fail");
        assert!(matches!(e, SigError::BadKey { .. }), "{e}");
        // Secret material never appears in errors.
        let e = SecretKey::parse("name:@@@hunter2").expect_err("should fail");
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let e = SecretKey::parse("hunter2").expect_err("should fail");
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }
}
