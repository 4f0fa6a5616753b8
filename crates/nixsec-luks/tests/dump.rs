//! The header reader against `cryptsetup luksDump`: the saved outputs of the fixture headers
//! (cryptsetup 2.6.1), and, where cryptsetup is on `PATH`, live dumps of headers made here
//! (without it the live test skips with a message, and fails when `CI` is set).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use nixsec_luks::{parse, read_header, Header, Kdf, LuksError, WeaknessKind};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn value(line: &str) -> String {
    line.split_once(':')
        .map(|x| x.1)
        .unwrap_or("")
        .trim()
        .to_string()
}

fn first_word(s: &str) -> String {
    s.split_whitespace().next().unwrap_or("").to_string()
}

/// The facts both sides report, one per line, from `cryptsetup luksDump` text.
fn facts_from_dump(dump: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut section = "";
    let mut item = String::new();
    let mut mk_bits = String::new();
    let mut cipher = (String::new(), String::new());
    let mut hash_spec = String::new();
    for raw in dump.lines() {
        let line = raw.trim_end();
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if !raw.starts_with([' ', '\t']) {
            let key = t.split(':').next().unwrap_or("");
            match key {
                "Version" => out.push(format!("version={}", value(t))),
                "Epoch" => out.push(format!("epoch={}", value(t))),
                "Metadata area" => out.push(format!("metadata={}", first_word(&value(t)))),
                "Keyslots area" => out.push(format!("keyslots-area={}", first_word(&value(t)))),
                "UUID" => out.push(format!("uuid={}", value(t))),
                "Label" => {
                    let v = value(t);
                    out.push(format!("label={}", if v == "(no label)" { "" } else { &v }));
                }
                "Cipher name" => cipher.0 = value(t),
                "Cipher mode" => {
                    cipher.1 = value(t);
                }
                "Hash spec" => hash_spec = value(t),
                "MK bits" => {
                    mk_bits = value(t);
                    out.push(format!(
                        "segment 0 cipher={}-{} sector=512 key={mk_bits}",
                        cipher.0, cipher.1
                    ));
                }
                "MK iterations" => out.push(format!("mk-iterations={}", value(t))),
                "Data segments" => section = "segment",
                "Keyslots" => section = "keyslot",
                "Tokens" => section = "token",
                "Digests" => section = "digest",
                _ if t.starts_with("Key Slot ") => {
                    section = "luks1-slot";
                    let (n, state) = t["Key Slot ".len()..].split_once(": ").unwrap();
                    item = if state == "ENABLED" {
                        format!("keyslot {n} key={mk_bits} pbkdf=pbkdf2 hash={hash_spec}")
                    } else {
                        String::new()
                    };
                }
                _ => {}
            }
            continue;
        }
        // "  N: type" starts an item; "\tkey: value" are its fields.
        if raw.starts_with("  ") && !raw.starts_with("   ") {
            let (n, kind) = t.split_once(": ").unwrap();
            item = match section {
                "segment" => format!("segment {n}"),
                "keyslot" => format!("keyslot {n}"),
                "token" => format!("token {n} type={kind}"),
                _ => String::new(),
            };
            continue;
        }
        if item.is_empty() {
            continue;
        }
        let key = t.split(':').next().unwrap_or("").trim();
        let v = value(t);
        let field = match (section, key) {
            ("segment", "cipher") => format!("cipher={v}"),
            ("segment", "sector") => format!("sector={}", first_word(&v)),
            ("keyslot", "Key") => format!("key={}", first_word(&v)),
            ("keyslot", "PBKDF") => format!("pbkdf={v}"),
            ("keyslot", "Time cost") => format!("time={v}"),
            ("keyslot", "Memory") => format!("memory={v}"),
            ("keyslot", "Threads") => format!("threads={v}"),
            ("keyslot", "Hash") => format!("hash={v}"),
            ("keyslot" | "luks1-slot", "Iterations") => format!("iterations={v}"),
            ("token", "Keyslot") => format!("keyslots={v}"),
            _ => continue,
        };
        item.push(' ');
        item.push_str(&field);
        // Items are emitted when complete; keep the latest text, dedup below.
        if let Some(last) = out.last_mut() {
            if last.split(' ').take(2).eq(item.split(' ').take(2)) {
                *last = item.clone();
                continue;
            }
        }
        out.push(item.clone());
    }
    // Segments need the key size, which luksDump prints per keyslot only (LUKS2).
    out
}

/// The same facts from our header.
fn facts_from_header(h: &Header) -> Vec<String> {
    let mut out = vec![format!("version={}", h.version)];
    if let Some(l1) = &h.luks1 {
        let s = &h.segments[0];
        out.push(format!(
            "segment 0 cipher={}-{} sector=512 key={}",
            l1.cipher_name,
            l1.cipher_mode,
            s.key_bits.unwrap()
        ));
        out.push(format!("mk-iterations={}", l1.mk_iterations));
        out.push(format!("uuid={}", h.uuid));
    } else {
        out.push(format!("epoch={}", h.epoch.unwrap()));
        out.push(format!("metadata={}", h.metadata_size.unwrap()));
        out.push(format!("keyslots-area={}", h.keyslots_size.unwrap()));
        out.push(format!("uuid={}", h.uuid));
        out.push(format!("label={}", h.label));
        for s in &h.segments {
            out.push(format!(
                "segment {} cipher={} sector={}",
                s.id, s.encryption, s.sector_size
            ));
        }
    }
    for k in &h.keyslots {
        let kdf = match &k.kdf {
            Kdf::Pbkdf2 { hash, iterations } => {
                format!("pbkdf=pbkdf2 hash={hash} iterations={iterations}")
            }
            Kdf::Argon2 {
                variant,
                time,
                memory_kib,
                cpus,
            } => {
                format!("pbkdf={variant} time={time} memory={memory_kib} threads={cpus}")
            }
            Kdf::Other(t) => format!("pbkdf={t}"),
        };
        out.push(format!("keyslot {} key={} {kdf}", k.id, k.key_bits));
    }
    for t in &h.tokens {
        let slots: Vec<String> = t.keyslots.iter().map(u32::to_string).collect();
        out.push(format!(
            "token {} type={} keyslots={}",
            t.id,
            t.kind,
            slots.join(" ")
        ));
    }
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

const HEADERS: &[&str] = &[
    "luks1-aes-xts-plain64-512.hdr4k",
    "luks1-aes-cbc-essiv-256.hdr4k",
    "luks1-pbkdf2-sha1-1000iter.hdr4k",
    "luks1-cipher-null-patched.hdr4k",
    "luks2-argon2id-aes-xts-512.hdr32k",
    "luks2-argon2i-weak-mem.hdr32k",
    "luks2-pbkdf2-1000iter.hdr32k",
    "luks2-aes-cbc-plain-128.hdr32k",
    "luks2-aes-xts-256-sector4096.hdr32k",
    "luks2-small-layout.hdr32k",
    "luks2-tpm2-token.hdr32k",
    "luks2-cipher-null-patched.hdr32k",
];

fn read_fixture(name: &str) -> Header {
    let f = std::fs::File::open(fixture(name)).unwrap();
    read_header(f).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_fixture_header_matches_its_saved_luksdump() {
    for name in HEADERS {
        let h = read_fixture(name);
        let stem = name.rsplit_once('.').unwrap().0;
        let dump = std::fs::read_to_string(fixture(&format!("{stem}.luksDump.txt"))).unwrap();
        assert_eq!(
            sorted(facts_from_header(&h)),
            sorted(facts_from_dump(&dump)),
            "{name}"
        );
        if h.version == 2 {
            assert!(h.copy_problems.is_empty(), "{name}: {:?}", h.copy_problems);
        }
    }
}

#[test]
fn luks2_json_matches_the_saved_metadata_dump() {
    // Sector sizes and key sizes from `cryptsetup luksDump --dump-json-metadata`.
    for name in HEADERS.iter().filter(|n| n.starts_with("luks2")) {
        let h = read_fixture(name);
        let stem = name.rsplit_once('.').unwrap().0;
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(fixture(&format!("{stem}.metadata.json"))).unwrap(),
        )
        .unwrap();
        for k in &h.keyslots {
            let ks = &json["keyslots"][k.id.to_string()];
            assert_eq!(
                u64::from(k.key_bits),
                ks["key_size"].as_u64().unwrap() * 8,
                "{name}"
            );
            assert_eq!(k.kdf.name(), ks["kdf"]["type"].as_str().unwrap(), "{name}");
        }
        assert_eq!(
            h.keyslots.len(),
            json["keyslots"].as_object().unwrap().len()
        );
    }
}

#[test]
fn weaknesses_follow_the_policy() {
    let kinds = |n: &str| -> Vec<WeaknessKind> {
        read_fixture(n)
            .weaknesses()
            .into_iter()
            .map(|w| w.kind)
            .collect()
    };
    assert_eq!(kinds("luks2-argon2id-aes-xts-512.hdr32k"), vec![]);
    assert_eq!(
        kinds("luks2-tpm2-token.hdr32k"),
        vec![],
        "the systemd-tpm2 keyslot's pbkdf2-1000 is by design"
    );
    assert_eq!(
        kinds("luks2-pbkdf2-1000iter.hdr32k"),
        vec![WeaknessKind::WeakPbkdf2]
    );
    assert_eq!(
        kinds("luks2-argon2i-weak-mem.hdr32k"),
        vec![WeaknessKind::WeakArgon2, WeaknessKind::Argon2i]
    );
    assert_eq!(
        kinds("luks2-aes-cbc-plain-128.hdr32k"),
        vec![
            WeaknessKind::WeakMode,
            WeaknessKind::SmallKey,
            WeaknessKind::WeakArgon2
        ]
    );
    assert_eq!(
        kinds("luks2-aes-xts-256-sector4096.hdr32k"),
        vec![WeaknessKind::SmallKey, WeaknessKind::WeakArgon2]
    );
    assert_eq!(
        kinds("luks2-cipher-null-patched.hdr32k"),
        vec![WeaknessKind::NullCipher, WeaknessKind::WeakPbkdf2]
    );
    assert_eq!(
        kinds("luks1-aes-xts-plain64-512.hdr4k"),
        vec![WeaknessKind::Luks1, WeaknessKind::WeakPbkdf2]
    );
    assert_eq!(
        kinds("luks1-aes-cbc-essiv-256.hdr4k"),
        vec![
            WeaknessKind::LegacyMode,
            WeaknessKind::Luks1,
            WeaknessKind::WeakPbkdf2
        ]
    );
    assert_eq!(
        kinds("luks1-pbkdf2-sha1-1000iter.hdr4k"),
        vec![
            WeaknessKind::SmallKey,
            WeaknessKind::Luks1,
            WeaknessKind::WeakPbkdf2,
            WeaknessKind::Sha1
        ]
    );
    assert_eq!(
        kinds("luks1-cipher-null-patched.hdr4k")[0],
        WeaknessKind::NullCipher
    );
    let h = read_fixture("luks2-tpm2-token.hdr32k");
    assert_eq!(
        h.systemd_token_for(1).map(|t| t.kind.as_str()),
        Some("systemd-tpm2")
    );
    assert!(h.systemd_token_for(0).is_none());
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

#[test]
fn truncated_headers_are_errors() {
    let l1 = bytes("luks1-aes-xts-plain64-512.hdr4k");
    let e = parse(&l1[..300]).unwrap_err();
    assert!(
        matches!(
            e,
            LuksError::Truncated {
                need: 592,
                have: 300,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("truncated"), "{e}");
    let l2 = bytes("luks2-argon2id-aes-xts-512.hdr32k");
    for cut in [7, 100, 4096, 10_000] {
        let e = parse(&l2[..cut]).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{cut}: {e}");
    }
    // Only the primary copy present: usable, the missing secondary is reported.
    let h = parse(&l2[..16384]).unwrap();
    assert_eq!(h.copy_problems.len(), 1);
    assert!(matches!(parse(&[]), Err(LuksError::NotLuks)));
    assert!(matches!(parse(&[0u8; 4096]), Err(LuksError::NotLuks)));
}

#[test]
fn checksums_of_both_copies_are_verified() {
    let good = bytes("luks2-argon2id-aes-xts-512.hdr32k");
    // A flipped byte in the primary JSON area: the secondary copy is used.
    let mut b = good.clone();
    b[4096 + 10] ^= 0x20;
    let h = parse(&b).unwrap();
    assert_eq!(h.used_copy, Some(nixsec_luks::Copy::Secondary));
    assert!(
        h.copy_problems[0].1.contains("checksum mismatch"),
        "{:?}",
        h.copy_problems
    );
    // Both copies damaged: an error, never a header.
    b[16384 + 4096 + 10] ^= 0x20;
    let e = parse(&b).unwrap_err();
    assert!(e.to_string().contains("checksum mismatch"), "{e}");
    // A damaged stored checksum is a mismatch too.
    let mut c = good.clone();
    c[448] ^= 1;
    c[16384 + 448] ^= 1;
    assert!(parse(&c)
        .unwrap_err()
        .to_string()
        .contains("both LUKS2 header copies"));
    // A wiped primary: found through the secondary at 16 KiB.
    let mut w = good;
    w[..4096].fill(0);
    let h = parse(&w).unwrap();
    assert_eq!(h.used_copy, Some(nixsec_luks::Copy::Secondary));
    assert_eq!(h.label, "nixos-root");
}

#[test]
fn garbage_json_and_bad_slot_states_are_errors() {
    let mut l1 = bytes("luks1-aes-xts-plain64-512.hdr4k");
    l1[208 + 48 * 3..208 + 48 * 3 + 4].copy_from_slice(&[1, 2, 3, 4]);
    assert!(parse(&l1).unwrap_err().to_string().contains("keyslot 3"));
    // Random bytes after a LUKS2 magic never give a header.
    let mut g = vec![0u8; 32768];
    for (i, x) in g.iter_mut().enumerate() {
        *x = (i * 7919 % 251) as u8;
    }
    g[..8].copy_from_slice(b"LUKS\xba\xbe\x00\x02");
    assert!(parse(&g).is_err());
}

// ---- live cryptsetup ------------------------------------------------------------------------

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn live_cryptsetup_headers_match_luksdump() {
    if !require(&["cryptsetup"]) {
        return;
    }
    let cs = find("cryptsetup").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, "nixsec-live-test").unwrap();
    let cases: &[(&str, &[&str])] = &[
        (
            "l1",
            &[
                "--type",
                "luks1",
                "--pbkdf-force-iterations",
                "1000",
                "-s",
                "256",
            ],
        ),
        (
            "l1cbc",
            &[
                "--type",
                "luks1",
                "-c",
                "aes-cbc-essiv:sha256",
                "--hash",
                "sha1",
                "--pbkdf-force-iterations",
                "1000",
            ],
        ),
        (
            "l2pb",
            &[
                "--type",
                "luks2",
                "--pbkdf",
                "pbkdf2",
                "--pbkdf-force-iterations",
                "1000",
                "--label",
                "live",
            ],
        ),
        (
            "l2ar",
            &[
                "--type",
                "luks2",
                "--pbkdf",
                "argon2id",
                "--pbkdf-memory",
                "32",
                "--pbkdf-parallel",
                "1",
                "--pbkdf-force-iterations",
                "4",
                "-s",
                "256",
                "--sector-size",
                "512",
            ],
        ),
        (
            "l2small",
            &[
                "--type",
                "luks2",
                "--pbkdf",
                "argon2i",
                "--pbkdf-memory",
                "64",
                "--pbkdf-parallel",
                "1",
                "--pbkdf-force-iterations",
                "4",
                "--luks2-metadata-size",
                "64k",
                "--luks2-keyslots-size",
                "1m",
            ],
        ),
    ];
    for (name, args) in cases {
        let img = dir.path().join(format!("{name}.img"));
        std::fs::File::create(&img)
            .unwrap()
            .set_len(24 << 20)
            .unwrap();
        run(Command::new(&cs)
            .arg("luksFormat")
            .arg("--batch-mode")
            .arg("--key-file")
            .arg(&key)
            .args(*args)
            .arg(&img));
        if *name == "l2pb" {
            // What systemd-cryptenroll leaves: a pbkdf2-1000 slot bound to a systemd-tpm2 token.
            let key2 = dir.path().join("key2");
            std::fs::write(&key2, "second").unwrap();
            run(Command::new(&cs)
                .args([
                    "luksAddKey",
                    "--batch-mode",
                    "--pbkdf",
                    "pbkdf2",
                    "--hash",
                    "sha512",
                    "--pbkdf-force-iterations",
                    "1000",
                    "--key-file",
                ])
                .arg(&key)
                .arg(&img)
                .arg(&key2));
            run(Command::new(&cs)
                .args(["token", "import", "--json-file"])
                .arg(fixture("tpm2-token.json"))
                .arg(&img));
        }
        let dump = run(Command::new(&cs).arg("luksDump").arg(&img));
        let h = read_header(std::fs::File::open(&img).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            sorted(facts_from_header(&h)),
            sorted(facts_from_dump(&dump)),
            "{name}:\n{dump}"
        );
        if *name == "l2pb" {
            assert_eq!(h.tokens.len(), 1);
            assert!(
                h.weaknesses()
                    .iter()
                    .all(|w| !w.detail.starts_with("keyslot 1")),
                "{:?}",
                h.weaknesses()
            );
            assert!(h
                .weaknesses()
                .iter()
                .any(|w| w.detail.starts_with("keyslot 0")));
        }
        if *name == "l2small" {
            assert_eq!(h.metadata_size, Some(65536));
        }
    }
}

/// Prefixes and single-byte flips of real headers: never a panic; a flip inside one LUKS2 copy
/// never changes the result (the other copy is used), and a LUKS2 prefix shorter than the primary
/// metadata area is never a header.
#[test]
fn corruption_sweep_never_panics() {
    for name in HEADERS {
        let good = bytes(name);
        let want = parse(&good).unwrap();
        for cut in (0..good.len()).step_by(331) {
            let r = parse(&good[..cut]);
            if name.starts_with("luks2") && cut < 16384 {
                assert!(r.is_err(), "{name}: prefix {cut}");
            }
        }
        if name.starts_with("luks2") {
            for at in (0..16384).step_by(509).chain([6, 7, 8, 15, 255, 448]) {
                let mut b = good.clone();
                b[at] ^= 0x41;
                let h = parse(&b).unwrap_or_else(|e| panic!("{name}: flip at {at}: {e}"));
                assert_eq!(h.segments, want.segments, "{name}: flip at {at}");
                assert_eq!(h.keyslots, want.keyslots, "{name}: flip at {at}");
            }
        } else {
            for at in (0..592).step_by(7) {
                let mut b = good.clone();
                b[at] ^= 0x41;
                let _ = parse(&b);
            }
        }
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
