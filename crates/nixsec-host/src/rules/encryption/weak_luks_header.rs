//! NIX-043: a LUKS header with weak parameters.
//!
//! ## What it checks
//! Every dm-crypt mapping in `/sys/block/dm-*/dm/uuid`. For `CRYPT-LUKS1-`/`CRYPT-LUKS2-`, the
//! header is read from the backing device `/dev/NAME` (from `slaves/`) and parsed natively
//! (LUKS2: both metadata copies, checksums verified). Fails on `cipher_null` (high), `ecb` or
//! `cbc-plain` modes, `cbc-essiv`, an XTS key under 512 bits (AES-128) or another key under 256
//! bits, a LUKS1 header, PBKDF2 under 100 000 iterations or Argon2 under 64 MiB / time cost 2
//! (low). Keyslots bound to a systemd-cryptenroll token (TPM2, FIDO2, PKCS#11, recovery) are
//! exempt from the KDF checks: their PBKDF2-1000 is by design. `CRYPT-PLAIN-` mappings other
//! than swap fail too (no header, no salt, no KDF).
//!
//! ## Why it matters
//! A cheap KDF lets an attacker who copied the header brute-force the passphrase offline; a null
//! cipher or a watermarkable mode leaves the data readable or recognisable.
//!
//! ## Fix (NixOS)
//! `cryptsetup convert --type luks2 DEV`, `cryptsetup luksConvertKey --pbkdf argon2id DEV`, and
//! `cryptsetup reencrypt --cipher aes-xts-plain64 --key-size 512 DEV` for cipher or key size.
//!
//! ## References
//! cryptsetup(8); LUKS2 on-disk format specification.

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};
use nixsec_luks::WeaknessKind;

use crate::blockdev;

/// Weak LUKS parameters.
pub struct WeakLuksHeader;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &WeakLuksHeader;

static META: RuleMeta = RuleMeta {
    id: "NIX-043",
    title: "Weak LUKS header parameters",
    section: Section::Encryption,
    severity: Severity::Low,
    checks: "The LUKS header of every dm-crypt mapping (/sys/block/dm-*/dm/uuid `CRYPT-LUKS1-`/`CRYPT-LUKS2-`), read from the backing device /dev/NAME and parsed natively (LUKS2: both metadata copies, checksums verified). Fails on cipher_null (high), ecb/cbc-plain/cbc-essiv modes, an XTS key under 512 bits or another key under 256 bits, a LUKS1 header, PBKDF2 under 100000 iterations, or Argon2 under 64 MiB or time cost 2. Keyslots bound to a systemd-cryptenroll token (systemd-tpm2, -fido2, -pkcs11, -recovery) are exempt from the KDF checks (their PBKDF2-1000 is by design). Plain dm-crypt mappings that are not swap also fail.",
    rationale: "Anyone who copies the header can try passphrases offline at the speed the KDF allows: PBKDF2 with few iterations or Argon2 with little memory makes that cheap. A null cipher stores data in the clear; ECB and plain-IV CBC let an attacker recognise or watermark content.",
    fix: "Convert LUKS1 to LUKS2 and re-key with Argon2id; re-encrypt for a different cipher or key size.",
    nixos: "cryptsetup convert --type luks2 /dev/DEV\ncryptsetup luksConvertKey --pbkdf argon2id /dev/DEV\ncryptsetup reencrypt --cipher aes-xts-plain64 --key-size 512 /dev/DEV",
    references: &["cryptsetup(8): luksConvertKey, reencrypt", "LUKS2 on-disk format specification", "systemd-cryptenroll(1)"],
    source: file!(),
};

impl Rule for WeakLuksHeader {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        let layers = match blockdev::all_crypt_layers(root) {
            Ok(l) => l,
            Err(e) => return Outcome::error(e),
        };
        if layers.is_empty() {
            return Outcome::skip("no dm-crypt mapping in /sys/block/dm-*/dm/uuid");
        }
        let swaps: Vec<String> = root
            .read_to_string("/proc/swaps")
            .ok()
            .and_then(|(_, t)| blockdev::parse_swaps(&t).ok())
            .map(|v| v.into_iter().map(|s| s.filename).collect())
            .unwrap_or_default();
        let (mut weak, mut good, mut errors, mut evidence) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut severity = Severity::Low;
        for l in &layers {
            let uuid_path = format!("/sys/block/{}/dm/uuid", l.dm);
            match l.kind.as_str() {
                "LUKS1" | "LUKS2" => {}
                "PLAIN" => {
                    let is_swap = swaps.iter().any(|s| {
                        *s == format!("/dev/{}", l.dm) || *s == format!("/dev/mapper/{}", l.mapper)
                    });
                    if is_swap {
                        good.push(format!("{} `{}`: random-key plain swap", l.dm, l.mapper));
                    } else {
                        weak.push(format!(
                            "{} `{}`: plain dm-crypt (no header, salt or KDF)",
                            l.dm, l.mapper
                        ));
                        evidence.push(Evidence::value(uuid_path, "CRYPT-PLAIN"));
                    }
                    continue;
                }
                _ => {
                    good.push(format!(
                        "{} `{}`: {} mapping (not LUKS, not checked)",
                        l.dm, l.mapper, l.kind
                    ));
                    continue;
                }
            }
            let (path, header) = match blockdev::luks_header(root, l) {
                Ok(x) => x,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let ws = header.weaknesses();
            let serious: Vec<_> = ws.iter().filter(|w| !w.kind.is_note()).collect();
            let notes: Vec<_> = ws
                .iter()
                .filter(|w| w.kind.is_note())
                .map(|w| w.detail.clone())
                .collect();
            let copies: Vec<String> = header
                .copy_problems
                .iter()
                .map(|(c, why)| format!("{} header copy: {why}", c.as_str()))
                .collect();
            let summary = format!(
                "LUKS{} {}{}",
                header.version,
                header
                    .segments
                    .first()
                    .map(|s| s.encryption.as_str())
                    .unwrap_or("?"),
                header
                    .segments
                    .first()
                    .and_then(|s| s.key_bits)
                    .map(|b| format!(" {b}-bit"))
                    .unwrap_or_default()
            );
            if serious.is_empty() {
                let mut s = format!("`{path}` ({} `{}`): {summary}", l.dm, l.mapper);
                for n in notes.iter().chain(&copies) {
                    s.push_str(&format!("; note: {n}"));
                }
                good.push(s);
                continue;
            }
            if serious.iter().any(|w| w.kind == WeaknessKind::NullCipher) {
                severity = Severity::High;
            }
            let details: Vec<String> = serious
                .iter()
                .map(|w| w.detail.clone())
                .chain(notes)
                .chain(copies)
                .collect();
            weak.push(format!(
                "`{path}` ({} `{}`, {summary}): {}",
                l.dm,
                l.mapper,
                details.join(", ")
            ));
            evidence.push(Evidence::value(path, summary));
        }
        if !weak.is_empty() {
            let mut msg = weak.join("; ");
            if !errors.is_empty() {
                msg.push_str(&format!(" (not checked: {})", errors.join("; ")));
            }
            let o = Outcome::fail(msg).with_evidence(evidence);
            return if severity == Severity::High {
                o.with_severity(Severity::High)
            } else {
                o
            };
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; "));
        }
        Outcome::pass(good.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::encryption::fixtures::*;
    use crate::testing::*;

    fn with_header(name: &str) -> RootBuilder {
        luks_host().file("/dev/nvme0n1p2", header(name))
    }

    #[test]
    fn weak_headers_fail() {
        let o = run(&WeakLuksHeader, &luks_host());
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(
            message(&o).contains("cipher mode `cbc-plain`") && message(&o).contains("128-bit key"),
            "{}",
            message(&o)
        );
        let o = run(
            &WeakLuksHeader,
            &with_header("luks1-pbkdf2-sha1-1000iter.hdr4k"),
        );
        assert!(
            message(&o).contains("LUKS1 header") && message(&o).contains("1000 iterations"),
            "{}",
            message(&o)
        );
        let o = run(
            &WeakLuksHeader,
            &with_header("luks2-argon2i-weak-mem.hdr32k"),
        );
        assert!(message(&o).contains("32 KiB"), "{}", message(&o));
    }

    #[test]
    fn cipher_null_is_high() {
        for h in [
            "luks2-cipher-null-patched.hdr32k",
            "luks1-cipher-null-patched.hdr4k",
        ] {
            let o = run(&WeakLuksHeader, &with_header(h));
            let Outcome::Fail {
                severity,
                ref message,
                ..
            } = o
            else {
                panic!("{h}: {o:?}")
            };
            assert_eq!(severity, Some(Severity::High), "{h}");
            assert!(message.contains("cipher_null"), "{message}");
        }
    }

    #[test]
    fn good_headers_and_tpm2_tokens_pass() {
        for h in [
            "luks2-argon2id-aes-xts-512.hdr32k",
            "luks2-tpm2-token.hdr32k",
        ] {
            let o = run(&WeakLuksHeader, &with_header(h));
            assert_eq!(o.status(), Status::Pass, "{h}: {}", message(&o));
            assert!(
                message(&o).contains("random-key plain swap"),
                "{}",
                message(&o)
            );
        }
    }

    #[test]
    fn skipped_without_dm_crypt() {
        assert_eq!(run(&WeakLuksHeader, &plain_host()).status(), Status::Skip);
        assert_eq!(
            run(&WeakLuksHeader, &RootBuilder::new()).status(),
            Status::Skip
        );
    }

    #[test]
    fn truncated_garbage_and_bad_checksums_are_errors() {
        let h = header("luks2-argon2id-aes-xts-512.hdr32k");
        let mut bad = h.clone();
        bad[4096 + 20] ^= 1;
        bad[16384 + 4096 + 20] ^= 1;
        for (what, bytes) in [
            ("truncated", h[..3000].to_vec()),
            ("checksum mismatch", bad),
            ("not a LUKS header", vec![0u8; 8192]),
        ] {
            let o = run(&WeakLuksHeader, &luks_host().file("/dev/nvme0n1p2", bytes));
            assert_eq!(o.status(), Status::Error, "{what}: {}", message(&o));
            assert!(
                message(&o).contains("/dev/nvme0n1p2") && message(&o).contains(what),
                "{}",
                message(&o)
            );
        }
        // The backing device is missing.
        let b = luks_host();
        std::fs::remove_file(b.path().join("dev/nvme0n1p2")).expect("rm");
        let o = run(&WeakLuksHeader, &b);
        assert_eq!(o.status(), Status::Error);
        assert!(message(&o).contains("/dev/nvme0n1p2"), "{}", message(&o));
    }

    #[test]
    fn one_damaged_copy_is_noted_not_hidden() {
        let mut h = header("luks2-argon2id-aes-xts-512.hdr32k");
        h[16384 + 4096 + 20] ^= 1;
        let o = run(&WeakLuksHeader, &luks_host().file("/dev/nvme0n1p2", h));
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(
            message(&o).contains("secondary header copy: sha256 checksum mismatch"),
            "{}",
            message(&o)
        );
    }
}
