//! nixsec's policy for weak LUKS parameters (host-formats 1.6). Thresholds are policy, not format.

use crate::{Header, Kdf};

/// PBKDF2 passphrase keyslots below this many iterations are weak.
pub const MIN_PBKDF2_ITERATIONS: u64 = 100_000;
/// Argon2 keyslots below this memory cost (KiB) are weak.
pub const MIN_ARGON2_MEMORY_KIB: u64 = 65_536;
/// Argon2 keyslots below this time cost are weak.
pub const MIN_ARGON2_TIME: u64 = 2;

/// What is weak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WeaknessKind {
    /// `cipher_null`: the data is not encrypted at all.
    NullCipher,
    /// `ecb`, `cbc-plain`, `cbc-plain64`: predictable IVs or no chaining.
    WeakMode,
    /// `cbc-essiv`: acceptable but legacy (old distro default).
    LegacyMode,
    /// XTS key under 512 bits (AES-128) or another mode's key under 256 bits.
    SmallKey,
    /// A LUKS1 header (PBKDF2 only, no header checksum, no Argon2).
    Luks1,
    /// A passphrase keyslot with PBKDF2 under [`MIN_PBKDF2_ITERATIONS`].
    WeakPbkdf2,
    /// An Argon2 keyslot under [`MIN_ARGON2_MEMORY_KIB`] or [`MIN_ARGON2_TIME`].
    WeakArgon2,
    /// Informational: `argon2i` rather than `argon2id`.
    Argon2i,
    /// Informational: PBKDF2 with SHA-1.
    Sha1,
}

impl WeaknessKind {
    /// True for findings that only inform (they do not fail NIX-043 on their own).
    #[must_use]
    pub fn is_note(self) -> bool {
        matches!(self, WeaknessKind::Argon2i | WeaknessKind::Sha1)
    }
}

/// One weak parameter of a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weakness {
    /// What kind.
    pub kind: WeaknessKind,
    /// In words, naming the segment or keyslot and the values.
    pub detail: String,
}

impl Header {
    /// The header's weak parameters under nixsec's policy, most serious first.
    ///
    /// Keyslots bound to a systemd-cryptenroll token (TPM2, FIDO2, PKCS#11, recovery key) are
    /// exempt from the KDF-cost checks: systemd uses PBKDF2 with 1000 iterations there on
    /// purpose, because the secret is a random high-entropy key.
    #[must_use]
    pub fn weaknesses(&self) -> Vec<Weakness> {
        let mut out = Vec::new();
        let mut push = |kind, detail: String| out.push(Weakness { kind, detail });
        for s in &self.segments {
            if s.kind != "crypt" {
                continue;
            }
            let enc = s.encryption.as_str();
            let (cipher, mode) = enc.split_once('-').unwrap_or((enc, ""));
            if cipher.starts_with("cipher_null") || cipher == "null" {
                push(
                    WeaknessKind::NullCipher,
                    format!("segment {}: cipher `{enc}` does not encrypt", s.id),
                );
                continue;
            }
            let mode_l = mode.to_ascii_lowercase();
            if mode_l == "ecb" || mode_l == "cbc-plain" || mode_l == "cbc-plain64" {
                push(
                    WeaknessKind::WeakMode,
                    format!("segment {}: cipher mode `{mode}` (predictable IVs)", s.id),
                );
            } else if mode_l.starts_with("cbc-essiv") {
                push(
                    WeaknessKind::LegacyMode,
                    format!(
                        "segment {}: legacy cipher mode `{mode}` (use xts-plain64)",
                        s.id
                    ),
                );
            }
            if let Some(bits) = s.key_bits {
                let xts = mode_l.starts_with("xts");
                if (xts && bits < 512) || (!xts && bits < 256) {
                    let eff = if xts { bits / 2 } else { bits };
                    push(
                        WeaknessKind::SmallKey,
                        format!(
                            "segment {}: {bits}-bit key for `{enc}` ({eff}-bit {cipher})",
                            s.id
                        ),
                    );
                }
            }
        }
        if self.version == 1 {
            push(
                WeaknessKind::Luks1,
                "LUKS1 header: PBKDF2 only and no metadata checksum".to_string(),
            );
        }
        for k in &self.keyslots {
            let token = self.systemd_token_for(k.id);
            match &k.kdf {
                Kdf::Pbkdf2 { hash, iterations } => {
                    if token.is_none() && *iterations < MIN_PBKDF2_ITERATIONS {
                        push(
                            WeaknessKind::WeakPbkdf2,
                            format!(
                                "keyslot {}: pbkdf2-{hash} with {iterations} iterations (< {MIN_PBKDF2_ITERATIONS})",
                                k.id
                            ),
                        );
                    }
                    if hash == "sha1" && token.is_none() {
                        push(
                            WeaknessKind::Sha1,
                            format!("keyslot {}: pbkdf2 with sha1", k.id),
                        );
                    }
                }
                Kdf::Argon2 {
                    variant,
                    time,
                    memory_kib,
                    ..
                } => {
                    if token.is_none()
                        && (*memory_kib < MIN_ARGON2_MEMORY_KIB || *time < MIN_ARGON2_TIME)
                    {
                        push(
                            WeaknessKind::WeakArgon2,
                            format!(
                                "keyslot {}: {variant} with {memory_kib} KiB memory and time cost {time} (policy: >= {MIN_ARGON2_MEMORY_KIB} KiB, >= {MIN_ARGON2_TIME})",
                                k.id
                            ),
                        );
                    }
                    if variant == "argon2i" {
                        push(
                            WeaknessKind::Argon2i,
                            format!("keyslot {}: argon2i rather than argon2id", k.id),
                        );
                    }
                }
                Kdf::Other(_) => {}
            }
        }
        out.sort_by_key(|w| w.kind);
        out
    }
}
