//! Authenticode presence and digest against `sbverify`: the saved verdicts of the fixture
//! images (sbsigntool 0.9.4), `expected.json` (python3-pefile), and live `sbverify`/`sbsign`
//! runs where sbsigntool is on `PATH` (without it the live tests skip with a message, and fail
//! when `CI` is set).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use nixsec_boot::{inspect, SignatureCheck};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pe")
        .join(name)
}

const IMAGES: [&str; 5] = [
    "tiny-unsigned.efi",
    "tiny-signed.efi",
    "tiny-signed-tampered.efi",
    "uki-unsigned.efi",
    "uki-signed.efi",
];

/// sbverify's verdict from its saved output: (has a signature table, hash check passes).
/// With `--cert`, "Signature verification OK" means the digest matched (and the chain to the
/// self-signed test cert verified); "Image fails hash check" means the digest did not match.
fn sbverify_verdict(list: &str, cert: &str) -> (bool, bool) {
    let signed = !list.contains("No signature table present");
    let digest_ok = signed && !cert.contains("Image fails hash check");
    (signed, digest_ok)
}

fn our_verdict(check: &SignatureCheck) -> (bool, bool) {
    match check {
        SignatureCheck::Unsigned => (false, false),
        SignatureCheck::DigestMatches => (true, true),
        SignatureCheck::DigestMismatch { .. } => (true, false),
        SignatureCheck::Malformed(why) => panic!("malformed: {why}"),
    }
}

#[test]
fn verdicts_equal_saved_sbverify_output() {
    for name in IMAGES {
        let stem = name.trim_end_matches(".efi");
        let list = std::fs::read_to_string(fixture(&format!("{stem}.sbverify-list.txt"))).unwrap();
        let cert = std::fs::read_to_string(fixture(&format!("{stem}.sbverify-cert.txt"))).unwrap();
        let img = inspect(&std::fs::read(fixture(name)).unwrap()).unwrap();
        assert_eq!(
            our_verdict(&img.signature),
            sbverify_verdict(&list, &cert),
            "{name}"
        );
    }
}

#[test]
fn tampered_digests_equal_sbverify_got_and_expecting() {
    let cert = std::fs::read_to_string(fixture("tiny-signed-tampered.sbverify-cert.txt")).unwrap();
    let field = |k: &str| {
        cert.lines()
            .find_map(|l| l.trim().strip_prefix(k).map(|v| v.trim().to_string()))
            .unwrap()
    };
    let img = inspect(&std::fs::read(fixture("tiny-signed-tampered.efi")).unwrap()).unwrap();
    // sbverify prints the signature's digest as "got" and the image's as "expecting"
    // (the untampered tiny-signed.efi's image digest is the "got" value).
    assert_eq!(
        img.signature,
        SignatureCheck::DigestMismatch {
            computed: field("expecting:"),
            signed: field("got:")
        }
    );
    assert_eq!(img.authenticode_sha256, field("expecting:"));
    let orig = inspect(&std::fs::read(fixture("tiny-signed.efi")).unwrap()).unwrap();
    assert_eq!(orig.authenticode_sha256, field("got:"));
}

#[test]
fn structure_equals_pefile() {
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("expected.json")).unwrap()).unwrap();
    for name in IMAGES {
        let e = &expected[name];
        let img = inspect(&std::fs::read(fixture(name)).unwrap()).unwrap();
        assert_eq!(
            format!("{:#x}", img.machine),
            e["machine"].as_str().unwrap()
        );
        let sections: Vec<&str> = e["sections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(img.sections, sections, "{name}");
        assert_eq!(
            u64::from(img.security_dir.0),
            e["security_dir"]["file_offset"].as_u64().unwrap()
        );
        assert_eq!(
            u64::from(img.security_dir.1),
            e["security_dir"]["size"].as_u64().unwrap()
        );
        let certs = e["certificates"].as_array().unwrap();
        assert_eq!(img.certificates.len(), certs.len());
        for (c, ec) in img.certificates.iter().zip(certs) {
            assert_eq!(c.offset as u64, ec["offset"].as_u64().unwrap());
            assert_eq!(u64::from(c.length), ec["dwLength"].as_u64().unwrap());
            assert_eq!(
                u64::from(c.cert_type),
                ec["wCertificateType"].as_u64().unwrap()
            );
        }
        assert_eq!(img.is_uki(), name.starts_with("uki"));
    }
}

#[test]
fn broken_images_never_verify() {
    let good = std::fs::read(fixture("tiny-signed.efi")).unwrap();
    // Not a PE at all.
    assert!(inspect(b"MZ garbage").is_err());
    assert!(inspect(b"").is_err());
    assert!(inspect(b"linux kernel stand-in\n").is_err());
    // Truncated inside the certificate table.
    let cut = &good[..good.len() - 100];
    let img = inspect(cut).unwrap();
    assert!(
        matches!(img.signature, SignatureCheck::Malformed(_)),
        "{:?}",
        img.signature
    );
    // A WIN_CERTIFICATE whose PKCS#7 is garbage.
    let mut g = good.clone();
    for b in &mut g[3832 + 8..3832 + 40] {
        *b = 0xff;
    }
    let img = inspect(&g).unwrap();
    assert!(
        matches!(img.signature, SignatureCheck::Malformed(_)),
        "{:?}",
        img.signature
    );
    // A dwLength larger than the table.
    let mut l = good;
    l[3832..3836].copy_from_slice(&9999u32.to_le_bytes());
    assert!(matches!(
        inspect(&l).unwrap().signature,
        SignatureCheck::Malformed(_)
    ));
}

/// Run sbverify live: on the fixtures, and on images signed here with a fresh key.
#[test]
fn live_sbverify_agrees() {
    if !require(&["sbverify", "sbsign", "openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = Command::new("openssl")
        .args([
            "req",
            "-new",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=nixsec live test",
        ])
        .arg("-keyout")
        .arg(d.join("k.key"))
        .arg("-out")
        .arg(d.join("k.crt"))
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let mut files: Vec<(PathBuf, PathBuf)> = IMAGES
        .iter()
        .map(|n| (fixture(n), fixture("test-db.crt")))
        .collect();
    for src in ["tiny-unsigned.efi", "uki-unsigned.efi"] {
        let out = d.join(format!("live-{src}"));
        let s = Command::new("sbsign")
            .arg("--key")
            .arg(d.join("k.key"))
            .arg("--cert")
            .arg(d.join("k.crt"))
            .arg("--output")
            .arg(&out)
            .arg(fixture(src))
            .output()
            .unwrap();
        assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
        // And a copy modified after signing, in the last section's data.
        let mut t = std::fs::read(&out).unwrap();
        t[1200] ^= 0x5a;
        let tampered = d.join(format!("live-tampered-{src}"));
        std::fs::write(&tampered, t).unwrap();
        files.push((out, d.join("k.crt")));
        files.push((tampered, d.join("k.crt")));
    }
    for (f, crt) in &files {
        let list = Command::new("sbverify")
            .arg("--list")
            .arg(f)
            .output()
            .unwrap();
        let list = String::from_utf8_lossy(&list.stdout).to_string()
            + &String::from_utf8_lossy(&list.stderr);
        let v = Command::new("sbverify")
            .arg("--cert")
            .arg(crt)
            .arg(f)
            .output()
            .unwrap();
        let cert =
            String::from_utf8_lossy(&v.stdout).to_string() + &String::from_utf8_lossy(&v.stderr);
        let img = inspect(&std::fs::read(f).unwrap()).unwrap();
        assert_eq!(
            our_verdict(&img.signature),
            sbverify_verdict(&list, &cert),
            "{}:\n{list}\n{cert}",
            f.display()
        );
        // A matching digest with the signing cert: sbverify accepts the whole signature.
        assert_eq!(
            img.signature.is_good(),
            v.status.success(),
            "{}: {cert}",
            f.display()
        );
    }
}

/// A UKI's `.cmdline` equals what `objcopy --dump-section .cmdline=FILE` extracts.
#[test]
fn uki_cmdline_equals_objcopy() {
    let img = inspect(&std::fs::read(fixture("uki-signed.efi")).unwrap()).unwrap();
    let cmdline = img.cmdline.clone().unwrap();
    assert!(cmdline.starts_with("init=/nix/store/"), "{cmdline}");
    assert_eq!(
        inspect(&std::fs::read(fixture("tiny-signed.efi")).unwrap())
            .unwrap()
            .cmdline,
        None
    );
    if !require(&["objcopy"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("objcopy")
        .arg(format!(
            "--dump-section=.cmdline={}",
            dir.path().join("c").display()
        ))
        .arg(fixture("uki-signed.efi"))
        .arg(dir.path().join("copy.efi"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let raw = std::fs::read_to_string(dir.path().join("c")).unwrap();
    assert_eq!(cmdline, raw.trim_end_matches(['\0', '\n', ' ']));
}

/// Every prefix and a sweep of single-byte corruptions of a signed image: never a panic, and never
/// a matching digest for a modified image.
#[test]
fn corrupted_images_never_panic_or_verify() {
    let good = std::fs::read(fixture("tiny-signed.efi")).unwrap();
    for cut in (0..good.len()).step_by(97) {
        if let Ok(img) = inspect(&good[..cut]) {
            assert!(!img.signature.is_good(), "prefix {cut}");
        }
    }
    for at in (0..good.len()).step_by(13) {
        let mut b = good.clone();
        b[at] ^= 0xa5;
        let _ = inspect(&b);
    }
}

/// The first executable `tool` on `PATH`, as a shell finds it.
fn find(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(tool))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// True when every one of `tools` is on `PATH`; otherwise [`skip`] naming the missing ones.
fn require(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| find(t).is_none())
        .collect();
    if !missing.is_empty() {
        skip(&format!("not on PATH: {}", missing.join(", ")));
    }
    missing.is_empty()
}

/// The test cannot run here (`reason`): a one-line message, or a failure when `CI` is set
/// (`scripts/test` installs every tool the suite uses).
fn skip(reason: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{reason}: CI is set, so this fails instead of skipping (scripts/test installs it)"
    );
    eprintln!("skipped: {reason}");
}
