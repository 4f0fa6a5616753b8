//! Byte-for-byte comparison with Nix itself (`nix-store --dump`, `nix-hash`), when installed.
//! Skipped with a message when `nix-store` or `nix-hash` is not on PATH, and failed instead when
//! `CI` is set (`scripts/test` installs `nix-bin`).

mod common;

use std::path::Path;
use std::process::Command;

use common::{dir, exec, file, link, Tree};
use nixsec_nar::nar::{self, Options};
use nixsec_nar::{Algo, Hash};
use proptest::prelude::*;

fn have_nix() -> bool {
    common::require(&["nix-store", "nix-hash"])
}

fn nix(args: &[&str], path: &Path) -> Vec<u8> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .arg(path)
        .output()
        .expect("run nix");
    assert!(
        out.status.success(),
        "{args:?} {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn nix_text(args: &[&str], path: &Path) -> String {
    String::from_utf8(nix(args, path))
        .expect("utf-8")
        .trim()
        .to_string()
}

/// Compare dump bytes, NAR hash and (for files) flat hashes with Nix.
fn compare(path: &Path) {
    let mut ours = Vec::new();
    let size = nar::dump(path, &mut ours).expect("dump");
    let theirs = nix(&["nix-store", "--dump"], path);
    assert_eq!(size, theirs.len() as u64, "{}", path.display());
    assert!(
        ours == theirs,
        "NAR of {} differs from nix-store --dump",
        path.display()
    );
    let walked = nar::walk(path, Options::default())
        .expect("walk")
        .nar
        .expect("summary");
    assert_eq!(
        walked.nar_hash().nix32(),
        nix_text(&["nix-hash", "--type", "sha256", "--base32"], path)
    );
    if std::fs::symlink_metadata(path).expect("lstat").is_file() {
        for algo in [Algo::Md5, Algo::Sha1, Algo::Sha256, Algo::Sha512] {
            let r = nar::walk(
                path,
                Options {
                    flat_hash: Some(algo),
                    ..Options::default()
                },
            )
            .expect("walk");
            let flat = r.flat.expect("flat");
            let want = nix_text(
                &["nix-hash", "--type", algo.as_str(), "--flat", "--base32"],
                path,
            );
            assert_eq!(flat.nix32(), want, "{algo}");
            assert_eq!(Hash::parse_with(algo, &want).expect("parse"), flat);
        }
    }
}

#[test]
fn matches_nix_store_dump() {
    if !have_nix() {
        return;
    }
    let t = dir(vec![
        ("eight", file(b"12345678")),
        ("nine", file(b"123456789")),
        ("empty", file(b"")),
        ("run", exec(b"#!/bin/sh\necho hi\n")),
        ("rel", link("nine")),
        ("abs", link("/etc/passwd")),
        ("dangling", link("/nonexistent/glibc")),
        ("up", link("..")),
        ("empty-dir", dir(vec![])),
        (
            "nested",
            dir(vec![
                ("deeper", dir(vec![("f", file(b"deep")), ("x", exec(b""))])),
                ("Upper", file(b"U")),
                (".hidden", file(b"h")),
                ("big", file(&vec![0x42; 600_000])),
            ]),
        ),
    ]);
    let d = tempfile::tempdir().expect("tempdir");
    let top = d.path().join("tree");
    t.build(&top);
    compare(&top);
    for sub in [
        "nine",
        "eight",
        "empty",
        "run",
        "rel",
        "dangling",
        "empty-dir",
        "nested/big",
    ] {
        compare(&top.join(sub));
    }
}

/// Random trees, compared with Nix. The tool check comes first, outside the property: a
/// missing tool under CI fails once instead of being shrunk and saved as a regression.
#[test]
fn random_trees_match_nix() {
    if !have_nix() {
        return;
    }
    let strategy = proptest::collection::btree_map(
        "[a-zA-Z0-9_-][a-zA-Z0-9._-]{0,7}",
        prop_oneof![
            (
                proptest::collection::vec(any::<u8>(), 0..100),
                any::<bool>()
            )
                .prop_map(|(data, exec)| Tree::File { data, exec }),
            "[a-z/]{1,12}".prop_map(|t| Tree::Link(t.into_bytes())),
            Just(dir(vec![])),
        ],
        0..8,
    );
    proptest!(ProptestConfig { cases: 12, ..ProptestConfig::default() }, |(entries in strategy)| {
        let t = Tree::Dir(entries.into_iter().map(|(n, t)| (n.into_bytes(), t)).collect());
        let d = tempfile::tempdir().expect("tempdir");
        let top = d.path().join("tree");
        t.build(&top);
        compare(&top);
    });
}
