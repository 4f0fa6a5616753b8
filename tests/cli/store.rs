//! `nixsec store verify` against stores built by real Nix (`scripts/make-nix-store.sh`), with
//! problems planted in copies, and Nix's own verifiers run on the same copies as oracles.
//! Skipped (with a message) where Nix or root is not available, failed instead when `CI` is set.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::nixsec;
use crate::nixstore::{fixture, Fixture};

/// A copy of the fixture store (owners, modes and links preserved) to plant problems in.
fn copy(f: &Fixture) -> tempfile::TempDir {
    copy_dir(&f.root)
}

/// A copy of the store under `root` (Nix's own verifiers write to what they check).
fn copy_dir(root: &Path) -> tempfile::TempDir {
    let t = tempfile::tempdir().expect("tempdir");
    let st = Command::new("cp")
        .arg("-a")
        .arg(root.join("nix"))
        .arg(t.path())
        .status()
        .expect("cp");
    assert!(st.success());
    t
}

fn sql(root: &Path, q: &str) -> String {
    let out = Command::new("sqlite3")
        .arg(root.join("nix/var/nix/db/db.sqlite"))
        .arg(q)
        .output()
        .expect("sqlite3");
    assert!(
        out.status.success(),
        "{q}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_string()
}

fn verify_json(root: &Path, key: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    crate::run_json(
        nixsec()
            .args([
                "store",
                "verify",
                "--format",
                "json",
                "--trusted-key",
                key,
                "--store-root",
            ])
            .arg(root)
            .args(extra),
    )
}

fn kinds_of(v: &serde_json::Value, path: &str) -> Vec<String> {
    v["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| p["path"] == path)
        .map(|p| p["kind"].as_str().expect("kind").to_string())
        .collect()
}

/// A store path of the fixture, chosen by a SQL condition.
fn pick(root: &Path, cond: &str) -> String {
    let p = sql(
        root,
        &format!("SELECT path FROM ValidPaths WHERE {cond} ORDER BY path LIMIT 1"),
    );
    assert!(!p.is_empty(), "no path where {cond}");
    p
}

fn on_disk(root: &Path, store_path: &str) -> PathBuf {
    root.join(store_path.trim_start_matches('/'))
}

fn nix_store_verify(root: &Path) -> String {
    let out = Command::new("nix-store")
        .arg("--store")
        .arg(root)
        .args(["--verify", "--check-contents"])
        .output()
        .expect("nix-store");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn nix_store_verify_new(root: &Path, key: &str) -> (i32, String) {
    let out = Command::new("nix")
        .args([
            "--extra-experimental-features",
            "nix-command",
            "store",
            "verify",
            "--all",
            "--store",
        ])
        .arg(root)
        .args(["--option", "trusted-public-keys", key])
        .output()
        .expect("nix");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn clean_store_has_no_problems_and_is_not_written() {
    let Some(f) = fixture() else { return };
    let t = copy(f);
    let before = nixsec_testutil::snapshot(t.path());
    let (code, v) = verify_json(
        t.path(),
        &f.key,
        &["--check-contents", "--sigs-needed", "1"],
    );
    // Before anything else opens the database (sqlite3 itself creates and removes its WAL).
    let changed = before.diff(&nixsec_testutil::snapshot(t.path()));
    assert!(changed.is_empty(), "changed by the run: {changed:?}");
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["problems"].as_array().map(Vec::len), Some(0), "{v:#}");
    let n: u64 = sql(t.path(), "SELECT count(*) FROM ValidPaths")
        .parse()
        .expect("count");
    assert_eq!(v["paths_checked"], n);
    let total: u64 = sql(t.path(), "SELECT sum(narSize) FROM ValidPaths")
        .parse()
        .expect("sum");
    assert_eq!(
        v["bytes_hashed"], total,
        "every NAR byte hashed, sizes equal Nix's"
    );
    // Nix agrees that the store is clean.
    let (nix_code, nix_err) = nix_store_verify_new(t.path(), &f.key);
    assert_eq!(nix_code, 0, "{nix_err}");
}

#[test]
fn modified_missing_and_unsigned_paths_match_nix() {
    let Some(f) = fixture() else { return };
    let t = copy(f);
    let root = t.path();
    // hash-mismatch: same size, other bytes. Pick an input-addressed output with a `one` file.
    // Which outputs the fixture's zlib has (one, or `bin`, `dev`, `man` besides) differs from
    // one build of the fixture to another: the first, by path, that holds `share/*/one`.
    let candidates = sql(
        root,
        "SELECT path FROM ValidPaths WHERE ca IS NULL AND path NOT LIKE '%.drv' AND path LIKE '%-zlib-%' AND path NOT LIKE '%.tar.gz' ORDER BY path",
    );
    let (modified, file) = candidates
        .lines()
        .find_map(|p| {
            let one = std::fs::read_dir(on_disk(root, p).join("share"))
                .ok()?
                .filter_map(Result::ok)
                .map(|e| e.path().join("one"))
                .find(|f| f.is_file())?;
            Some((p.to_string(), one))
        })
        .unwrap_or_else(|| panic!("no zlib output with a `share/*/one` file among {candidates}"));
    std::process::Command::new("chmod")
        .arg("u+w")
        .arg(&file)
        .status()
        .expect("chmod");
    std::fs::write(&file, "y").expect("write");
    std::process::Command::new("chmod")
        .arg("0444")
        .arg(&file)
        .status()
        .expect("chmod");
    // missing: a .drv nothing refers to.
    let missing = pick(
        root,
        "path LIKE '%.drv' AND id NOT IN (SELECT reference FROM Refs WHERE referrer != reference)",
    );
    std::fs::remove_file(on_disk(root, &missing)).expect("rm");
    // untrusted: drop the signatures of a substituted, input-addressed path.
    let unsigned = pick(root, "ca IS NULL AND (ultimate IS NULL OR ultimate = 0) AND path NOT LIKE '%.drv' AND path LIKE '%-glibc-%'");
    sql(
        root,
        &format!("UPDATE ValidPaths SET sigs = NULL WHERE path = '{unsigned}'"),
    );

    let (code, v) = verify_json(root, &f.key, &["--check-contents"]);
    assert_eq!(code, 1);
    assert_eq!(kinds_of(&v, &modified), ["hash-mismatch"]);
    assert_eq!(kinds_of(&v, &missing), ["missing"]);
    assert_eq!(kinds_of(&v, &unsigned), ["untrusted"]);
    assert_eq!(v["summary"]["hash-mismatch"], 1);

    // Oracles, on copies (Nix's verifiers are not read-only).
    let c1 = copy_dir(root);
    let (nix_code, nix_err) = nix_store_verify_new(c1.path(), &f.key);
    assert!(
        nix_err.contains(&format!("path '{modified}' was modified!")),
        "{nix_err}"
    );
    assert!(
        nix_err.contains(&format!("path '{unsigned}' is untrusted")),
        "{nix_err}"
    );
    assert!(
        nix_code & 1 != 0 && nix_code & 2 != 0,
        "{nix_code}: {nix_err}"
    );
    let c2 = copy_dir(root);
    let old = nix_store_verify(c2.path());
    assert!(
        old.contains(&format!("path '{modified}' was modified!")),
        "{old}"
    );
    assert!(
        old.contains(&format!("path '{missing}' disappeared")),
        "{old}"
    );
}

#[test]
fn what_nix_does_not_see() {
    let Some(f) = fixture() else { return };
    let t = copy(f);
    let root = t.path();
    let target = pick(root, "ca IS NULL AND path NOT LIKE '%.drv' AND path LIKE '%-openssl-%' AND path NOT LIKE '%-dev' AND path NOT LIKE '%-man' AND path NOT LIKE '%-bin' AND path NOT LIKE '%-doc'");
    let dir = on_disk(root, &target);
    let exe = std::fs::read_dir(dir.join("libexec"))
        .expect("libexec")
        .filter_map(Result::ok)
        .next()
        .expect("exe")
        .path();
    let chmod = |mode: &str, p: &Path| {
        assert!(Command::new("chmod")
            .arg(mode)
            .arg(p)
            .status()
            .expect("chmod")
            .success())
    };
    chmod("4555", &exe); // setuid (and not canonical)
    let other = pick(root, "ca IS NULL AND path NOT LIKE '%.drv' AND path LIKE '%-curl-%' AND path NOT LIKE '%-dev' AND path NOT LIKE '%-man' AND path NOT LIKE '%-bin' AND path NOT LIKE '%-doc'");
    chmod(
        "0666",
        &on_disk(root, &other).join("nix-support/runtime-deps"),
    ); // writable by all
    std::os::unix::fs::chown(on_disk(root, &other).join("lib64"), Some(1000), None).ok(); // foreign owner (symlink)
                                                                                          // unregistered: a planted directory with a valid-looking name.
    std::fs::create_dir(root.join("nix/store/00000000000000000000000000000000-planted"))
        .expect("mkdir");
    // ca-mismatch that Nix cannot see: change a flat fixed-output file *and* its registered
    // NAR hash and size, so the database agrees with the disk but not with `ca`.
    let fod = pick(root, "ca LIKE 'fixed:sha256:%'");
    let fod_file = on_disk(root, &fod);
    chmod("u+w", &fod_file);
    std::fs::write(&fod_file, "replaced contents\n").expect("write");
    chmod("0444", &fod_file);
    let nar = Command::new("nix-store")
        .arg("--dump")
        .arg(&fod_file)
        .output()
        .expect("dump")
        .stdout;
    let hex = sha256_hex(&nar);
    // (Its signature covered the old hash; drop it: the content address alone makes it trusted.)
    sql(root, &format!("UPDATE ValidPaths SET hash = 'sha256:{hex}', narSize = {}, sigs = NULL WHERE path = '{fod}'", nar.len()));
    // dangling reference.
    let referrer = pick(root, "path LIKE '%-system-path'");
    sql(root, &format!("INSERT INTO Refs VALUES ((SELECT id FROM ValidPaths WHERE path = '{referrer}'), 999999)"));
    // invalid signature by the trusted key name.
    let forged = pick(
        root,
        "ca IS NULL AND path NOT LIKE '%.drv' AND path LIKE '%-bash-%'",
    );
    let name = f.key.split(':').next().expect("name");
    let bogus = format!("{name}:{}", "A".repeat(86) + "==");
    sql(
        root,
        &format!("UPDATE ValidPaths SET sigs = '{bogus}' WHERE path = '{forged}'"),
    );
    // world-writable store directory.
    chmod("1777", &root.join("nix/store"));

    let (code, v) = verify_json(root, &f.key, &["--check-contents"]);
    assert_eq!(code, 1);
    let k = kinds_of(&v, &target);
    assert!(
        k.contains(&"setuid".to_string()) && k.contains(&"bad-permissions".to_string()),
        "{k:?}"
    );
    let k = kinds_of(&v, &other);
    assert!(k.contains(&"writable".to_string()), "{k:?}");
    assert_eq!(
        kinds_of(&v, "/nix/store/00000000000000000000000000000000-planted"),
        ["unregistered"]
    );
    assert_eq!(kinds_of(&v, &fod), ["ca-mismatch"], "{v:#}");
    assert_eq!(kinds_of(&v, &referrer), ["dangling-reference"]);
    assert_eq!(kinds_of(&v, &forged), ["untrusted", "invalid-signature"]);
    assert_eq!(kinds_of(&v, "/nix/store"), ["world-writable"]);
    // Nix sees none of the ca-mismatch: its verifier is content with the forged row.
    let c = copy_dir(root);
    let old = nix_store_verify(c.path());
    assert!(!old.contains(&fod), "{old}");
}

fn sha256_hex(bytes: &[u8]) -> String {
    let out = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().expect("stdin").write_all(bytes)?;
            c.wait_with_output()
        })
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("hash")
        .to_string()
}

#[test]
fn metadata_only_paths_and_closure() {
    let Some(f) = fixture() else { return };
    let t = copy(f); // nix-store writes to the database even to query it
    let root = t.path();
    let top = std::fs::read_to_string(f.root.join("roots.txt"))
        .expect("roots")
        .lines()
        .next()
        .expect("root")
        .to_string();
    let (code, v) = verify_json(root, &f.key, &["--closure", &top]);
    assert_eq!(code, 0, "{v:#}");
    let closure = Command::new("nix-store")
        .arg("--store")
        .arg(root)
        .args(["-qR", &top])
        .output()
        .expect("nix-store -qR");
    let n = String::from_utf8_lossy(&closure.stdout).lines().count();
    assert_eq!(v["paths_checked"], n as u64, "the closure Nix computes");
    assert_eq!(v["bytes_hashed"], 0, "no contents without --check-contents");
    // Not valid: usage error.
    let out = nixsec()
        .args(["store", "verify", "--store-root"])
        .arg(root)
        .arg("/nix/store/00000000000000000000000000000000-nope")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn garbage_and_truncated_databases_are_clear_errors() {
    let Some(f) = fixture() else { return };
    let t = copy(f);
    let db = t.path().join("nix/var/nix/db/db.sqlite");
    let _ = std::fs::remove_file(t.path().join("nix/var/nix/db/db.sqlite-wal"));
    let bytes = std::fs::read(&db).expect("db");
    std::fs::write(&db, &bytes[..bytes.len().min(5000)]).expect("truncate");
    let out = nixsec()
        .args(["store", "verify", "--store-root"])
        .arg(t.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("db.sqlite"), "{err}");
    std::fs::write(&db, b"\x00garbage\xff not sqlite at all, but long enough to look like a header..........................................................................................").expect("garbage");
    let out = nixsec()
        .args(["store", "verify", "--store-root"])
        .arg(t.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("db.sqlite") && err.contains("not a SQLite database"),
        "{err}"
    );
}

#[test]
fn malformed_rows_do_not_stop_the_run() {
    let Some(f) = fixture() else { return };
    let t = copy(f);
    let root = t.path();
    let a = pick(root, "path LIKE '%-zlib-%' AND path NOT LIKE '%.drv'");
    sql(
        root,
        &format!("UPDATE ValidPaths SET hash = 'sha256:nothex' WHERE path = '{a}'"),
    );
    let b = pick(
        root,
        "path LIKE '%-curl-%' AND path NOT LIKE '%.drv' AND ca IS NULL",
    );
    sql(
        root,
        &format!("UPDATE ValidPaths SET sigs = 'x:!!notbase64!!' WHERE path = '{b}'"),
    );
    let (code, v) = verify_json(root, &f.key, &["--check-contents"]);
    assert_eq!(code, 1);
    assert!(
        kinds_of(&v, &a).contains(&"bad-metadata".to_string()),
        "{v:#}"
    );
    assert!(kinds_of(&v, &b).contains(&"untrusted".to_string()), "{v:#}");
    let n: u64 = sql(root, "SELECT count(*) FROM ValidPaths")
        .parse()
        .expect("count");
    assert_eq!(v["paths_checked"], n, "the rest of the run goes on");
}

#[test]
fn audit_reports_store_rules() {
    let Some(f) = fixture() else { return };
    let t = copy(f);
    let root = t.path();
    std::fs::create_dir_all(root.join("etc/nix")).expect("mkdir");
    std::fs::write(
        root.join("etc/nix/nix.conf"),
        format!("trusted-public-keys = {}\n", f.key),
    )
    .expect("write");
    let unsigned = pick(root, "ca IS NULL AND (ultimate IS NULL OR ultimate = 0) AND path NOT LIKE '%.drv' AND path LIKE '%-glibc-%'");
    sql(
        root,
        &format!("UPDATE ValidPaths SET sigs = NULL WHERE path = '{unsigned}'"),
    );
    let (_, r) = crate::audit_json(root, &["--rule", "NIX-025", "--rule", "NIX-026"]);
    let f25 = crate::finding(&r, "NIX-025");
    assert_eq!(f25["status"], "fail", "{f25:#}");
    assert_eq!(f25["evidence"][0]["path"], unsigned);
    // One finding per path, about it, with the command for it.
    let all25 = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "NIX-025")
        .count();
    assert_eq!(all25, 1, "{r:#}");
    assert_eq!(f25["subject"], unsigned);
    assert!(f25["remediation"]["nixos"]
        .as_str()
        .is_some_and(|n| n.contains(&format!("nix-store --delete {unsigned}"))));
    assert_eq!(crate::finding(&r, "NIX-026")["status"], "pass");
}

#[test]
fn hostile_names_are_escaped() {
    let Some(f) = fixture() else { return };
    let t = copy(f);
    let evil = t
        .path()
        .join("nix/store/00000000000000000000000000000000-evil\x1b[2J\x07name");
    std::fs::create_dir(&evil).expect("mkdir");
    let out = nixsec()
        .args([
            "store",
            "verify",
            "--color",
            "never",
            "--trusted-key",
            &f.key,
            "--store-root",
        ])
        .arg(t.path())
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "an unregistered entry is low severity"
    );
    let text = String::from_utf8(out.stdout).expect("utf8");
    assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text}");
    assert!(text.contains("-evil\\x1b[2J\\x07name"), "{text}");
}
