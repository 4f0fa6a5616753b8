//! The worked examples of section 10 of `nix-store-format.md`, rebuilt in a tempdir.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use common::{dir, file, link, Tree};
use nixsec_nar::nar::{self, Options};
use nixsec_nar::{Algo, ContentAddress, Hash};

struct Expect {
    size: u64,
    hex: &'static str,
    nix32: &'static str,
}

/// Walk, dump and read `path`, and check all three against the expectation.
fn check(path: &Path, e: &Expect) -> Vec<u8> {
    let walked = nar::walk(path, Options::default())
        .expect("walk")
        .nar
        .expect("summary");
    assert_eq!(walked.size, e.size, "size of {}", path.display());
    let h = walked.nar_hash();
    assert_eq!(h.hex(), e.hex);
    assert_eq!(h.to_nix32(), format!("sha256:{}", e.nix32));
    assert_eq!(h.to_base16(), format!("sha256:{}", e.hex));

    let mut bytes = Vec::new();
    let n = nar::dump(path, &mut bytes).expect("dump");
    assert_eq!(n, e.size);
    assert_eq!(bytes.len() as u64, e.size);
    assert_eq!(common::sha256_hex(&bytes), e.hex);

    let read = nar::read(&mut bytes.as_slice(), e.size, None)
        .expect("read")
        .nar
        .expect("summary");
    assert_eq!(read, walked);
    bytes
}

fn build(t: &Tree) -> (tempfile::TempDir, std::path::PathBuf) {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("x");
    t.build(&p);
    (d, p)
}

fn words(hex_words: &[&str]) -> Vec<u8> {
    hex_words
        .iter()
        .flat_map(|w| hex::decode(w).expect("hex"))
        .collect()
}

#[test]
fn example_1_one_byte_file_bytes() {
    let (_d, p) = build(&file(b"x"));
    let bytes = check(
        &p,
        &Expect {
            size: 120,
            hex: "2ca0b8ce996f865db37619bfe91023559305aad8158042fc6ddb0ef1d43c5b67",
            nix32: "0rsv7kag23nvdpy4500mv2m0b4sm4c8fkgqrfsrmv1kgk77bi81c",
        },
    );
    let want = words(&[
        "0d00000000000000",
        "6e69782d61726368",
        "6976652d31000000",
        "0100000000000000",
        "2800000000000000",
        "0400000000000000",
        "7479706500000000",
        "0700000000000000",
        "726567756c617200",
        "0800000000000000",
        "636f6e74656e7473",
        "0100000000000000",
        "7800000000000000",
        "0100000000000000",
        "2900000000000000",
    ]);
    assert_eq!(bytes, want);
}

#[test]
fn example_2_empty_file() {
    let (_d, p) = build(&file(b""));
    check(
        &p,
        &Expect {
            size: 112,
            hex: "77ac62e2629d8e45f624589c0c8bf99e24b3a722349bf1e79bc186008534e246",
            nix32: "0ip26j2h11n1kgkz36rl4akv694yz65hr72q4kv4b3lxcbi65b3p",
        },
    );
}

#[test]
fn example_3_symlink() {
    let (_d, p) = build(&link("libglibc.so.2.37"));
    check(
        &p,
        &Expect {
            size: 128,
            hex: "a4a496d8cc54d012fcfdf7779f9ec68e500e712b1298ee5ea9a0471568927b87",
            nix32: "11vvj9l1aix0m5gfx60j5dqhwl4fqsg9yxzpzpy15l2lrkc9d954",
        },
    );
}

#[test]
fn example_4_dangling_symlink() {
    let (_d, p) = build(&link("/nonexistent/glibc"));
    check(
        &p,
        &Expect {
            size: 136,
            hex: "17f908fb0a87d9f0e863df5915a4e0c8573c532e106c3b4a670d58abd5f8621b",
            nix32: "06v2z3asnn0dcx53nv0h5r9kqmy8w2j1anfzcglg1nc71bxhiy8p",
        },
    );
}

#[test]
fn example_5_empty_directory() {
    let (_d, p) = build(&dir(vec![]));
    check(
        &p,
        &Expect {
            size: 96,
            hex: "a50a5ab6d992f5598edd92105059fae9acfc192981e08bd88534c2167e92526a",
            nix32: "0sjjj9z1dhilhpc8pq4154czrb79z9cm044jvn75kxcjv6v5l2m5",
        },
    );
}

#[test]
fn example_6_directory_with_seven_entries() {
    // Deliberately created out of order: the NAR sorts them.
    let t = dir(vec![
        ("seven", file(b"1234567")),
        ("one", file(b"x")),
        ("nine", file(b"123456789")),
        ("empty-dir", dir(vec![])),
        ("empty", file(b"")),
        ("eight", file(b"12345678")),
        ("dangling", link("/nonexistent/glibc")),
    ]);
    let (_d, p) = build(&t);
    let bytes = check(
        &p,
        &Expect {
            size: 1440,
            hex: "0f16becd0731c10dbf96d57acc6a1792fb3284d0e11e8cf1f5c3314944413ab3",
            nix32: "1crs8524jcf3ypqqq7p1s2235ywj2xmcqynmjszhvh9i0z6vw5hg",
        },
    );
    assert_eq!(bytes, common::nar(&t.sorted()));
}

#[test]
fn example_7_executable_size() {
    // 35 664 bytes, executable: 144 bytes of tokens + contents, no padding.
    let data: Vec<u8> = (0..35_664u32).map(|i| (i * 7 % 251) as u8).collect();
    let (_d, p) = build(&common::exec(&data));
    let s = nar::walk(&p, Options::default())
        .expect("walk")
        .nar
        .expect("summary");
    assert_eq!(s.size, 35_808);
    // Only S_IXUSR counts.
    fs::set_permissions(&p, fs::Permissions::from_mode(0o100)).expect("chmod");
    let s2 = nar::walk(&p, Options::default()).expect("walk").nar;
    assert_eq!(s2, Some(s));
    fs::set_permissions(&p, fs::Permissions::from_mode(0o677)).expect("chmod");
    let s3 = nar::walk(&p, Options::default())
        .expect("walk")
        .nar
        .expect("summary");
    assert_eq!(s3.size, 35_808 - 32);
}

fn zlib_contents() -> Vec<u8> {
    (1..=366)
        .flat_map(|i| format!("zlib-1.2.13.tar.gz {i}\n").into_bytes())
        .collect()
}

#[test]
fn example_8_flat_fixed_output() {
    let data = zlib_contents();
    assert_eq!(data.len(), 8310);
    let (_d, p) = build(&file(&data));
    check(
        &p,
        &Expect {
            size: 8424,
            hex: "aa005ee13541998ed5fba44456d169e4adae9f902c1b44d89f8ef204419709a3",
            nix32: "18q9jx0h9wlfkzc486rcj2gsxbg4d78mci54zgaqx6a16phmw05a",
        },
    );
    let r = nar::walk(
        &p,
        Options {
            flat_hash: Some(Algo::Sha256),
            ..Options::default()
        },
    )
    .expect("walk");
    let flat = r.flat.expect("flat hash");
    assert_eq!(
        flat.hex(),
        "dd54af4df831d4175253fc3e4d14f12586bcb3f2e84e7dc346fdc7e1ddbe6b0b"
    );
    let ca =
        ContentAddress::parse("fixed:sha256:02vbpvfy3izx8v1pskp8yarvr1i5y4a4sgpwad91gm1iz16sym6x")
            .expect("ca");
    assert_eq!(ca.hash(), &flat);
    let me = "/nix/store/5d81waigs9f79fkzlx0960wlaf75ls0g-zlib-1.2.13.tar.gz";
    let sp = ca.store_path("zlib-1.2.13.tar.gz", &[], me).expect("path");
    assert_eq!(sp.to_full(), me);
    assert_eq!(sp.hash_part(), "5d81waigs9f79fkzlx0960wlaf75ls0g");

    // The reader computes the same flat hash from the NAR.
    let mut bytes = Vec::new();
    nar::dump(&p, &mut bytes).expect("dump");
    let rr = nar::read(&mut bytes.as_slice(), u64::MAX, Some(Algo::Sha256)).expect("read");
    assert_eq!(rr.flat, Some(flat));
    assert_eq!(rr.nar, r.nar);
}

#[test]
fn example_9_text_path() {
    // The fixture's generic builder (copied verbatim from make-nix-store.sh).
    let data = include_bytes!("data/generic-builder.sh");
    assert_eq!(data.len(), 3069);
    let (_d, p) = build(&file(data));
    check(
        &p,
        &Expect {
            size: 3184,
            hex: "c745e56f3842630a045b28df03ae288553c880c232e32868b8c40364414f6b06",
            nix32: "01kb9x0n80y4p1l2iqrjqa0chlw552p07pr8bc20lqs271pyaif7",
        },
    );
    let r = nar::walk(
        &p,
        Options {
            flat_hash: Some(Algo::Sha256),
            ..Options::default()
        },
    )
    .expect("walk");
    let ca =
        ContentAddress::parse("text:sha256:14991fw4234z87rlsvnvg5vhsac6pzh4wwzliw2qrxr59kpyaaic")
            .expect("ca");
    assert_eq!(r.flat.as_ref(), Some(ca.hash()));
    let me = "/nix/store/g66x2jvmfrsny95bsbrfk11iysjhcaj8-generic-builder.sh";
    let sp = ca.store_path("generic-builder.sh", &[], me).expect("path");
    assert_eq!(sp.to_full(), me);
}

#[test]
fn example_10_signature_fingerprint_shape() {
    // Section 8: the fingerprint of the narinfo example, with an empty reference list.
    let h =
        Hash::parse("sha256:01kb9x0n80y4p1l2iqrjqa0chlw552p07pr8bc20lqs271pyaif7").expect("hash");
    assert_eq!(
        nixsec_nar::sig::fingerprint(
            "/nix/store/g66x2jvmfrsny95bsbrfk11iysjhcaj8-generic-builder.sh",
            &h,
            3184,
            &[]
        ),
        "1;/nix/store/g66x2jvmfrsny95bsbrfk11iysjhcaj8-generic-builder.sh;\
         sha256:01kb9x0n80y4p1l2iqrjqa0chlw552p07pr8bc20lqs271pyaif7;3184;"
    );
}
