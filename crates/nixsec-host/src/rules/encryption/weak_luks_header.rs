//! NIX-043: a LUKS header with weak parameters.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Problem, Severity};
use nixsec_luks::WeaknessKind;

use crate::engine::Rule;
use nixsec_readers::blockdev;

/// Weak LUKS parameters.
pub struct WeakLuksHeader;

crate::host_rule!("NIX-043", WeakLuksHeader);

impl Rule for WeakLuksHeader {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        let layers = match blockdev::all_crypt_layers(root) {
            Ok(l) => l,
            Err(e) => return Outcome::error(e.to_string()),
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
        // One problem per mapping: a header's weaknesses are fixed together (convert, re-key,
        // re-encrypt).
        let (mut weak, mut good, mut errors) = (Vec::new(), Vec::new(), Vec::new());
        for l in &layers {
            let uuid_path = format!("/sys/block/{}/dm/uuid", l.dm);
            let subject = if l.mapper.is_empty() {
                l.dm.clone()
            } else {
                nixsec_core::escape(&l.mapper).into_owned()
            };
            match l.kind.as_str() {
                "LUKS1" | "LUKS2" => {}
                "PLAIN" => {
                    let is_swap = swaps.iter().any(|s| {
                        *s == format!("/dev/{}", l.dm) || *s == format!("/dev/mapper/{}", l.mapper)
                    });
                    if is_swap {
                        good.push(format!("{} `{}`: random-key plain swap", l.dm, l.mapper));
                    } else {
                        weak.push(
                            Problem::about(
                                subject,
                                format!(
                                    "{} `{}`: plain dm-crypt (no header, salt or KDF)",
                                    l.dm,
                                    nixsec_core::escape(&l.mapper)
                                ),
                            )
                            .with_evidence([Evidence::value(uuid_path, "CRYPT-PLAIN")]),
                        );
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
                    errors.push((subject, e.to_string()));
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
            let null = serious.iter().any(|w| w.kind == WeaknessKind::NullCipher);
            let details: Vec<String> = serious
                .iter()
                .map(|w| w.detail.clone())
                .chain(notes)
                .chain(copies)
                .collect();
            weak.push(
                Problem::about(
                    subject,
                    format!(
                        "`{path}` ({} `{}`, {summary}): {}",
                        l.dm,
                        nixsec_core::escape(&l.mapper),
                        details.join(", ")
                    ),
                )
                .with_evidence([Evidence::value(path.clone(), summary)])
                // The catalogue's commands, on this device.
                .with_fix(
                    nixsec_catalogue::entry("NIX-043")
                        .nixos
                        .replace("/dev/DEV", &path),
                )
                .with_severity_opt(null.then_some(Severity::High)),
            );
        }
        if !weak.is_empty() {
            // A header that could not be read is a problem too (not checked).
            let mut problems = weak;
            problems.extend(
                errors
                    .into_iter()
                    .map(|(subject, e)| Problem::about(subject, format!("{e}; not checked"))),
            );
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() {
            let e: Vec<String> = errors.into_iter().map(|(_, e)| e).collect();
            return Outcome::error(e.join("; "));
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
        // One header, one problem about its mapping, with the commands for its device.
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("cryptroot"));
        assert!(
            p[0].message
                .starts_with("`/dev/nvme0n1p2` (dm-0 `cryptroot`, LUKS2 "),
            "{}",
            p[0].message
        );
        assert_eq!(p[0].severity, None);
        assert!(
            p[0].nixos
                .as_deref()
                .is_some_and(|f| f.contains("cryptsetup convert --type luks2 /dev/nvme0n1p2")),
            "{:?}",
            p[0].nixos
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
    fn plain_mapping_and_unread_header_are_one_problem_each() {
        // No swap is active: the random-key mapping is plain dm-crypt holding data; the LUKS
        // header cannot be read.
        let none = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
        let b = luks_host().file("/proc/swaps", none);
        std::fs::remove_file(b.path().join("dev/nvme0n1p2")).expect("rm");
        let o = run(&WeakLuksHeader, &b);
        let p = o.problems();
        let subjects: Vec<&str> = p.iter().filter_map(|p| p.subject.as_deref()).collect();
        assert_eq!(subjects, ["cryptswap", "cryptroot"], "{o:?}");
        assert_eq!(
            p[0].message,
            "dm-1 `cryptswap`: plain dm-crypt (no header, salt or KDF)"
        );
        assert!(
            p[1].message.contains("/dev/nvme0n1p2") && p[1].message.ends_with("; not checked"),
            "{}",
            p[1].message
        );
    }

    #[test]
    fn cipher_null_is_high() {
        for h in [
            "luks2-cipher-null-patched.hdr32k",
            "luks1-cipher-null-patched.hdr4k",
        ] {
            let o = run(&WeakLuksHeader, &with_header(h));
            let Some(crate::testing::Failed {
                severity,
                ref message,
                ..
            }) = crate::testing::failed(&o)
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
