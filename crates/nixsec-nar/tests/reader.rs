//! The strict streaming NAR parser `nar::read`.

mod common;

use std::io::Read;

use common::{dir, exec, file, link, put, Tree};
use nixsec_nar::nar::{self, NarError, Options, MAX_DEPTH};
use nixsec_nar::{Algo, Hash};
use proptest::prelude::*;

fn sample() -> Tree {
    dir(vec![
        (
            "a",
            dir(vec![("lnk", link("../b")), ("x", exec(b"#!/bin/sh\n"))]),
        ),
        ("b", file(b"bee")),
        ("c", file(&[7u8; 1000])),
        ("d", dir(vec![])),
    ])
}

fn read(bytes: &[u8]) -> Result<nixsec_nar::WalkResult, NarError> {
    nar::read(&mut &bytes[..], u64::MAX, None)
}

fn format_error(bytes: &[u8]) -> String {
    match read(bytes) {
        Err(e @ NarError::Format { .. }) => e.to_string(),
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[test]
fn reads_what_the_reference_serialiser_writes() {
    for t in [
        sample(),
        file(b""),
        file(b"x"),
        link("t"),
        dir(vec![]),
        exec(b"12345678"),
    ] {
        let bytes = common::nar(&t);
        let r = read(&bytes).expect("valid NAR");
        let s = r.nar.expect("summary");
        assert_eq!(s.size, bytes.len() as u64);
        assert_eq!(hex::encode(s.hash), common::sha256_hex(&bytes));
    }
}

#[test]
fn every_proper_prefix_is_truncated() {
    let bytes = common::nar(&sample());
    for cut in 0..bytes.len() {
        match read(&bytes[..cut]) {
            Err(NarError::Truncated { offset, .. }) => assert_eq!(offset, cut as u64),
            other => panic!("prefix of {cut} bytes: {other:?}"),
        }
    }
}

#[test]
fn truncated_mid_file_names_the_place() {
    let mut bytes = Vec::new();
    put(&mut bytes, b"nix-archive-1");
    for t in [&b"("[..], b"type", b"regular", b"contents"] {
        put(&mut bytes, t);
    }
    bytes.extend_from_slice(&1000u64.to_le_bytes());
    bytes.extend_from_slice(&[0u8; 500]);
    let e = read(&bytes).expect_err("truncated");
    assert!(
        matches!(
            e,
            NarError::Truncated {
                context: "file contents",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains(&bytes.len().to_string()), "{e}");
}

#[test]
fn nonzero_padding_is_an_error() {
    // "x" + 7 padding bytes in example 1: byte 96 is "x", 97..104 padding.
    let mut bytes = common::nar(&file(b"x"));
    assert_eq!(bytes[96], b'x');
    for i in 97..104 {
        let mut b = bytes.clone();
        b[i] = 1;
        assert!(format_error(&b).contains("padding"), "byte {i}");
    }
    // Padding of the magic, of a name and of a symlink target.
    bytes[21] = b' ';
    assert!(format_error(&bytes).contains("padding"));
    let mut b = common::nar(&dir(vec![("abc", file(b""))]));
    let pos = b.windows(3).position(|w| w == b"abc").expect("name");
    b[pos + 3] = b'd';
    assert!(format_error(&b).contains("padding"));
    let mut b = common::nar(&link("abc"));
    let pos = b.windows(3).position(|w| w == b"abc").expect("target");
    b[pos + 7] = 0xff;
    assert!(format_error(&b).contains("padding"));
}

#[test]
fn unsorted_duplicate_and_bad_names_are_errors() {
    let unsorted = common::nar(&dir(vec![("b", file(b"")), ("a", file(b""))]));
    assert!(format_error(&unsorted).contains("not sorted"));
    let dup = common::nar(&dir(vec![("a", file(b"")), ("a", file(b""))]));
    assert!(format_error(&dup).contains("duplicate"));
    // Bytewise, so "B" < "a" < "\xff".
    let ok = common::nar(&Tree::Dir(vec![
        (b"B".to_vec(), file(b"")),
        (b"a".to_vec(), file(b"")),
        (b"\xff".to_vec(), file(b"")),
    ]));
    read(&ok).expect("bytewise order");
    let nested_unsorted = common::nar(&dir(vec![(
        "d",
        dir(vec![("z", file(b"")), ("y", file(b""))]),
    )]));
    assert!(format_error(&nested_unsorted).contains("not sorted"));
    for bad in [&b""[..], b".", b"..", b"a/b", b"a\0b", &[b'n'; 256]] {
        let nar = common::nar(&Tree::Dir(vec![(bad.to_vec(), file(b""))]));
        let msg = format_error(&nar);
        assert!(msg.contains("entry name"), "{msg}");
    }
    read(&common::nar(&Tree::Dir(vec![(vec![b'n'; 255], file(b""))]))).expect("255 bytes");
}

#[test]
fn grammar_violations_are_errors() {
    let mut bad_magic = common::nar(&file(b"x"));
    bad_magic[8] = b'N';
    assert!(format_error(&bad_magic).contains("magic"));

    let mut b = Vec::new();
    put(&mut b, b"nix-archive-1");
    for t in [&b"("[..], b"type", b"fifo", b")"] {
        put(&mut b, t);
    }
    assert!(format_error(&b).contains("unknown node type"));

    let mut b = Vec::new();
    put(&mut b, b"nix-archive-1");
    for t in [
        &b"("[..],
        b"type",
        b"regular",
        b"executable",
        b"x",
        b"contents",
        b"",
        b")",
    ] {
        put(&mut b, t);
    }
    assert!(format_error(&b).contains("executable"));

    let mut b = Vec::new();
    put(&mut b, b"nix-archive-1");
    for t in [&b"("[..], b"type", b"symlink", b"target", b"", b")"] {
        put(&mut b, t);
    }
    assert!(format_error(&b).contains("empty symlink target"));

    let mut b = Vec::new();
    put(&mut b, b"nix-archive-1");
    for t in [
        &b"("[..],
        b"type",
        b"directory",
        b"entry",
        b"(",
        b"name",
        b"a",
        b"nod",
    ] {
        put(&mut b, t);
    }
    assert!(format_error(&b).contains("`node`"));

    // A keyword whose length is absurd is rejected without trying to read it.
    let mut b = Vec::new();
    put(&mut b, b"nix-archive-1");
    b.extend_from_slice(&u64::MAX.to_le_bytes());
    assert!(format_error(&b).contains("expected `(`"));

    // Data after the end.
    let mut b = common::nar(&file(b"x"));
    b.push(0);
    assert!(format_error(&b).contains("after the end"));
}

#[test]
fn limit_is_enforced() {
    let bytes = common::nar(&sample());
    let len = bytes.len() as u64;
    nar::read(&mut &bytes[..], len, None).expect("exactly at the limit");
    for limit in [0, 8, 100, len - 1] {
        let e = nar::read(&mut &bytes[..], limit, None).expect_err("over the limit");
        assert!(
            matches!(e, NarError::Limit { limit: l } if l == limit),
            "{e}"
        );
    }
}

#[test]
fn decompression_bomb_stops_at_the_limit() {
    // A file claiming 1 TiB followed by an endless stream of zeros.
    let mut head = Vec::new();
    put(&mut head, b"nix-archive-1");
    for t in [&b"("[..], b"type", b"regular", b"contents"] {
        put(&mut head, t);
    }
    head.extend_from_slice(&(1u64 << 40).to_le_bytes());
    let mut input = head.as_slice().chain(std::io::repeat(0));
    let e = nar::read(&mut input, 1 << 20, None).expect_err("bomb");
    assert!(matches!(e, NarError::Limit { .. }), "{e}");

    // Many small entries: stops once the limit is passed.
    let mut head = Vec::new();
    put(&mut head, b"nix-archive-1");
    for t in [&b"("[..], b"type", b"directory"] {
        put(&mut head, t);
    }
    let mut entries = Vec::new();
    for i in 0..100_000u32 {
        for t in [
            &b"entry"[..],
            b"(",
            b"name",
            format!("{i:08}").as_bytes(),
            b"node",
            b"(",
        ] {
            put(&mut entries, t);
        }
        for t in [&b"type"[..], b"regular", b"contents", b"", b")", b")"] {
            put(&mut entries, t);
        }
    }
    let mut input = head.as_slice().chain(entries.as_slice());
    let e = nar::read(&mut input, 1 << 16, None).expect_err("limit");
    assert!(matches!(e, NarError::Limit { .. }), "{e}");
}

#[test]
fn flat_hash_of_top_regular_file() {
    let data = vec![3u8; 300_000];
    let bytes = common::nar(&file(&data));
    for algo in [Algo::Md5, Algo::Sha1, Algo::Sha256, Algo::Sha512] {
        let r = nar::read(&mut &bytes[..], u64::MAX, Some(algo)).expect("read");
        assert_eq!(r.flat, Some(Hash::of(algo, &data)));
    }
    let r = nar::read(
        &mut &common::nar(&sample())[..],
        u64::MAX,
        Some(Algo::Sha256),
    )
    .expect("read");
    assert_eq!(r.flat, None);
}

fn nested(depth: usize) -> Vec<u8> {
    let mut b = Vec::new();
    put(&mut b, b"nix-archive-1");
    for _ in 0..depth {
        for t in [
            &b"("[..],
            b"type",
            b"directory",
            b"entry",
            b"(",
            b"name",
            b"a",
            b"node",
        ] {
            put(&mut b, t);
        }
    }
    for t in [&b"("[..], b"type", b"directory", b")"] {
        put(&mut b, t);
    }
    for _ in 0..depth {
        put(&mut b, b")");
        put(&mut b, b")");
    }
    b
}

#[test]
fn deep_nesting_is_bounded_without_recursion() {
    read(&nested(MAX_DEPTH - 1)).expect("deepest allowed");
    assert!(format_error(&nested(MAX_DEPTH)).contains("nested deeper"));
    assert!(format_error(&nested(100_000)).contains("nested deeper"));
}

#[test]
fn input_errors_are_reported_with_offset() {
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::Error::other("decompressor failed"));
            }
            let n = buf.len().min(self.0);
            buf[..n].fill(0);
            self.0 -= n;
            Ok(n)
        }
    }
    let e = nar::read(&mut Failing(0), u64::MAX, None).expect_err("io error");
    assert!(matches!(e, NarError::Read { offset: 0, .. }), "{e}");
}

fn name_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(
            prop_oneof![
                Just(b'a'),
                Just(b'B'),
                Just(b'.'),
                Just(b'-'),
                Just(0xffu8),
                Just(b' ')
            ],
            1..6
        ),
        Just(b"x".to_vec()),
    ]
    .prop_filter("valid entry name", |n| n != b"." && n != b"..")
}

fn tree_strategy() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        (proptest::collection::vec(any::<u8>(), 0..40), any::<bool>())
            .prop_map(|(data, exec)| Tree::File { data, exec }),
        (0usize..3000).prop_map(|n| Tree::File {
            data: vec![0x5a; n],
            exec: false
        }),
        "[a-z./]{1,20}".prop_map(|t| Tree::Link(t.into_bytes())),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        proptest::collection::btree_map(name_strategy(), inner, 0..5)
            .prop_map(|m| Tree::Dir(m.into_iter().collect()))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn dump_then_read_round_trip(t in tree_strategy()) {
        let d = tempfile::tempdir().expect("tempdir");
        let p = d.path().join("t");
        t.build(&p);
        let mut bytes = Vec::new();
        let size = nar::dump(&p, &mut bytes).expect("dump");
        prop_assert!(bytes == common::nar(&t.sorted()));
        let walked = nar::walk(&p, Options::default()).expect("walk").nar.expect("summary");
        prop_assert_eq!(walked.size, size);
        let r = nar::read(&mut &bytes[..], size, None).expect("read");
        prop_assert_eq!(r.nar, Some(walked));
    }

    #[test]
    fn read_never_panics_on_corruption(t in tree_strategy(), pos in any::<usize>(), byte in any::<u8>()) {
        let mut bytes = common::nar(&t.sorted());
        let i = pos % bytes.len();
        bytes[i] = byte;
        let _ = read(&bytes);
        let _ = read(&bytes[..i]);
    }
}
