//! Behaviour of `nar::walk` and `nar::dump` beyond the spec's examples.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{symlink, PermissionsExt as _};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use common::{dir, exec, file, link, Tree};
use nixsec_nar::nar::{self, NarError, Node, Options, BUF_SIZE};
use nixsec_nar::{Algo, Hash};

fn sample() -> Tree {
    dir(vec![
        ("b", file(b"bee")),
        (
            "a",
            dir(vec![("x", exec(b"#!/bin/sh\n")), ("lnk", link("../b"))]),
        ),
        ("Z", file(b"upper case sorts first")),
        ("big", file(&vec![0xa5; 2 * BUF_SIZE + 3])),
    ])
}

fn built(t: &Tree) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("top");
    t.build(&p);
    (d, p)
}

#[test]
fn dump_matches_independent_serialiser() {
    let t = sample();
    let (_d, p) = built(&t);
    let mut out = Vec::new();
    let n = nar::dump(&p, &mut out).expect("dump");
    let want = common::nar(&t.sorted());
    assert_eq!(n, want.len() as u64);
    assert!(out == want, "dump differs from the reference serialisation");
    let s = nar::walk(&p, Options::default())
        .expect("walk")
        .nar
        .expect("summary");
    assert_eq!(s.size, want.len() as u64);
    assert_eq!(hex::encode(s.hash), common::sha256_hex(&want));
}

#[test]
fn nodes_reported_in_nar_order_with_metadata() {
    let t = sample();
    let (_d, p) = built(&t);
    let mut seen: Vec<(PathBuf, bool)> = Vec::new();
    let mut cb = |n: Node<'_>| seen.push((n.rel.to_path_buf(), n.meta.is_dir()));
    let progress = AtomicU64::new(0);
    let on_bytes = |n: u64| {
        progress.fetch_add(n, Ordering::Relaxed);
    };
    nar::walk(
        &p,
        Options {
            on_node: Some(&mut cb),
            on_bytes: Some(&on_bytes),
            ..Options::default()
        },
    )
    .expect("walk");
    let names: Vec<String> = seen
        .iter()
        .map(|(p, _)| p.to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["", "Z", "a", "a/lnk", "a/x", "b", "big"]);
    assert!(seen[0].1 && seen[2].1 && !seen[3].1);
    assert_eq!(progress.load(Ordering::Relaxed), t.content_bytes());
}

#[test]
fn metadata_only_walk_reads_nothing() {
    let (_d, p) = built(&sample());
    let mut count = 0;
    let mut cb = |_: Node<'_>| count += 1;
    let on_bytes = |_: u64| panic!("no content may be read");
    let r = nar::walk(
        &p,
        Options {
            contents: false,
            on_node: Some(&mut cb),
            on_bytes: Some(&on_bytes),
            flat_hash: Some(Algo::Sha256),
            one_read_listings: false,
        },
    )
    .expect("walk");
    assert_eq!(r.nar, None);
    assert_eq!(r.flat, None);
    assert_eq!(count, 7);
}

#[test]
fn non_utf8_names_sort_bytewise() {
    let d = tempfile::tempdir().expect("tempdir");
    let top = d.path().join("t");
    fs::create_dir(&top).expect("mkdir");
    let names: [&[u8]; 5] = [b"\xff", b"a", "é".as_bytes(), b"B", b"a-"];
    for n in names {
        fs::write(top.join(OsStr::from_bytes(n)), n).expect("write");
    }
    let mut sorted: Vec<&[u8]> = names.to_vec();
    sorted.sort();
    let want = common::nar(&Tree::Dir(
        sorted.iter().map(|n| (n.to_vec(), file(n))).collect(),
    ));
    let mut out = Vec::new();
    nar::dump(&top, &mut out).expect("dump");
    assert!(out == want);
}

#[test]
fn symlinks_are_never_followed_even_at_the_top() {
    let d = tempfile::tempdir().expect("tempdir");
    let real = d.path().join("real");
    dir(vec![("f", file(b"secret"))]).build(&real);
    let l = d.path().join("l");
    symlink(&real, &l).expect("symlink");
    let target = real.as_os_str().as_bytes().to_vec();
    let want = common::nar(&Tree::Link(target));
    for p in [l.clone(), PathBuf::from(format!("{}/", l.display()))] {
        let mut out = Vec::new();
        nar::dump(&p, &mut out).expect("dump");
        assert!(out == want, "{} was followed", p.display());
    }
    // A link inside a directory to a directory stays a link.
    let t = dir(vec![("up", link("..")), ("abs", link("/etc"))]);
    let (_d2, p) = built(&t);
    let mut out = Vec::new();
    nar::dump(&p, &mut out).expect("dump");
    assert!(out == common::nar(&t.sorted()));
}

#[test]
fn only_owner_execute_counts() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("f");
    fs::write(&p, b"data").expect("write");
    let plain = common::nar(&file(b"data"));
    let execd = common::nar(&exec(b"data"));
    for (mode, want) in [
        (0o644, &plain),
        (0o011, &plain),
        (0o6644, &plain),
        (0o1777 & !0o100, &plain),
        (0o100, &execd),
        (0o4755, &execd),
        (0o500, &execd),
    ] {
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).expect("chmod");
        let mut out = Vec::new();
        nar::dump(&p, &mut out).expect("dump");
        assert!(&out == want, "mode {mode:o}");
    }
}

#[test]
fn flat_hash_of_top_file_only() {
    let data = b"flat contents".repeat(30_000);
    let (_d, p) = built(&file(&data));
    for algo in [Algo::Md5, Algo::Sha1, Algo::Sha256, Algo::Sha512] {
        let r = nar::walk(
            &p,
            Options {
                flat_hash: Some(algo),
                ..Options::default()
            },
        )
        .expect("walk");
        assert_eq!(r.flat, Some(Hash::of(algo, &data)));
    }
    let (_d2, p2) = built(&sample());
    let r = nar::walk(
        &p2,
        Options {
            flat_hash: Some(Algo::Sha256),
            ..Options::default()
        },
    )
    .expect("walk");
    assert_eq!(r.flat, None);
    assert!(r.nar.is_some());
}

#[test]
fn unsupported_file_types_are_errors_naming_the_path() {
    let d = tempfile::tempdir().expect("tempdir");
    let top = d.path().join("t");
    fs::create_dir(&top).expect("mkdir");
    let sock = top.join("sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).expect("bind");
    let e = nar::walk(&top, Options::default()).expect_err("socket");
    assert!(
        matches!(e, NarError::Unsupported { kind: "socket", .. }),
        "{e}"
    );
    assert!(e.to_string().contains(&sock.display().to_string()), "{e}");
    fs::remove_file(&sock).expect("rm");

    let fifo = top.join("fifo");
    if common::require(&["mkfifo"]) {
        let st = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(st.success(), "mkfifo {}", fifo.display());
        let e = nar::walk(&top, Options::default()).expect_err("fifo");
        assert!(
            matches!(e, NarError::Unsupported { kind: "FIFO", .. }),
            "{e}"
        );
        // The metadata-only walk rejects it too.
        let e = nar::walk(
            &top,
            Options {
                contents: false,
                ..Options::default()
            },
        )
        .expect_err("fifo");
        assert!(matches!(e, NarError::Unsupported { .. }), "{e}");
    }
    let char_dev = std::path::Path::new("/dev/null");
    let e = nar::walk(char_dev, Options::default()).expect_err("device");
    assert!(
        matches!(
            e,
            NarError::Unsupported {
                kind: "character device",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn missing_path_error_names_it() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("nope");
    let e = nar::walk(&p, Options::default()).expect_err("missing");
    assert!(matches!(e, NarError::Io { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains(&p.display().to_string()) && msg.contains("status"),
        "{msg}"
    );
}

#[test]
fn file_growing_or_shrinking_while_read_is_an_error() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("f");
    fs::write(&p, vec![1u8; 3 * BUF_SIZE]).expect("write");
    let grow = |_: u64| {
        let mut f = fs::OpenOptions::new().append(true).open(&p).expect("open");
        std::io::Write::write_all(&mut f, &[2u8; 10]).expect("append");
    };
    let e = nar::walk(
        &p,
        Options {
            on_bytes: Some(&grow),
            ..Options::default()
        },
    )
    .expect_err("grew");
    assert!(matches!(e, NarError::Changed { .. }), "{e}");
    assert!(e.to_string().contains("grew"), "{e}");

    fs::write(&p, vec![1u8; 3 * BUF_SIZE]).expect("write");
    let shrink = |_: u64| {
        fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .and_then(|f| f.set_len(BUF_SIZE as u64))
            .expect("truncate");
    };
    let e = nar::walk(
        &p,
        Options {
            on_bytes: Some(&shrink),
            ..Options::default()
        },
    )
    .expect_err("shrank");
    assert!(e.to_string().contains("shrank"), "{e}");
    assert!(e.to_string().contains(&p.display().to_string()), "{e}");
}

#[test]
fn dump_write_errors_are_reported() {
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::Error::other("disk full"))
        }
    }
    let (_d, p) = built(&sample());
    let e = nar::dump(&p, &mut Full).expect_err("write error");
    assert!(matches!(e, NarError::Write(_)), "{e}");
}

#[test]
fn one_read_listings_and_the_lanes_give_the_same_result() {
    // A tree with many small entries, a directory whose listing needs several `getdents64`
    // calls, and one file spanning several hashing buffers: `walk`, `walk` trusting short
    // listings, and `walk_feed` through a hub all agree with `dump`.
    let big: Vec<u8> = (0..(3 * nixsec_nar::lanes::CHUNK + 12_345))
        .map(|i| (i % 251) as u8)
        .collect();
    let wide = Tree::Dir(
        (0..3000u32)
            .map(|i| {
                (
                    format!("entry-with-a-longish-name-{i:05}").into_bytes(),
                    file(&i.to_le_bytes()),
                )
            })
            .collect(),
    );
    for tree in [sample(), file(&big), wide] {
        let (_d, p) = built(&tree);
        let plain = nar::walk(&p, Options::default()).expect("walk");
        let short = nar::walk(
            &p,
            Options {
                one_read_listings: true,
                ..Options::default()
            },
        )
        .expect("walk");
        assert_eq!(plain.nar, short.nar);
        let hub = nixsec_nar::lanes::Hub::new();
        let (fed, size) = nar::walk_feed(
            &p,
            Options::default(),
            nixsec_nar::lanes::Feed { id: 7, hub: &hub },
        )
        .expect("walk_feed");
        assert_eq!(fed.nar, None);
        let done = hub.finish();
        assert_eq!(done.len(), 1);
        assert_eq!(Some(done[0].hash), plain.nar.map(|n| n.hash));
        assert_eq!(Some(size), plain.nar.map(|n| n.size));
        let mut out = Vec::new();
        let dumped = nar::dump(&p, &mut out).expect("dump");
        assert_eq!(short.nar.map(|n| n.size), Some(dumped));
    }
}
