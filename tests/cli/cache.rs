//! `nixsec store verify --cache` against binary caches exported by real Nix (`nix copy --to
//! file://...`) from the shared fixture store, in every compression Nix writes, read from a
//! directory, a `file://` URL and over HTTP (a tiny server on 127.0.0.1 started by the test),
//! with problems planted in copies. Skipped (with a message) where Nix or root is not available,
//! failed instead when `CI` is set.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nixsec_nar::hash::{Algo, Hash};
use nixsec_nar::narinfo::NarInfo;

use crate::nixsec;
use crate::nixstore::{fixture, Fixture};
use crate::tools;

/// Every compression exported (all that Nix 2.8 writes).
const COMPRESSIONS: [&str; 5] = ["xz", "zstd", "bzip2", "br", "none"];

struct Caches {
    /// Holds `cache-<compression>/` for each of [`COMPRESSIONS`].
    dir: PathBuf,
    key: String,
    /// Valid paths of the fixture store.
    paths: u64,
}

impl Caches {
    fn of(&self, compression: &str) -> PathBuf {
        self.dir.join(format!("cache-{compression}"))
    }
}

/// The fixture store exported once per test run in every compression, next to the store and
/// with the same mkdir lock protocol (tests never change the exports: they work on copies).
fn caches() -> Option<&'static Caches> {
    static C: OnceLock<Option<Caches>> = OnceLock::new();
    C.get_or_init(|| {
        let f = fixture()?;
        // Named after the compressions, so that another list makes another export.
        let base = f
            .root
            .parent()
            .expect("fixture base")
            .join(format!("caches-{}", COMPRESSIONS.join("-")));
        let ready = base.join("ready");
        let lock = PathBuf::from(format!("{}.lock", base.display()));
        let deadline = Instant::now() + Duration::from_secs(600);
        while !ready.exists() {
            if std::fs::create_dir(&lock).is_ok() {
                let result = export(f, &base);
                if result.is_ok() {
                    std::fs::write(&ready, "").expect("ready");
                }
                let _ = std::fs::remove_dir(&lock);
                if let Err(e) = result {
                    panic!("exporting the fixture caches failed: {e}");
                }
            } else {
                assert!(
                    Instant::now() < deadline,
                    "waited too long for {}",
                    lock.display()
                );
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        let paths = std::fs::read_to_string(f.root.join("gen/all-paths.txt"))
            .expect("all-paths.txt")
            .lines()
            .filter(|l| !l.is_empty())
            .count() as u64;
        Some(Caches {
            dir: base,
            key: f.key.clone(),
            paths,
        })
    })
    .as_ref()
}

/// `nix copy --all --to file://...?compression=C` from a copy of the store (Nix opens its
/// source store for writing) with a private configuration.
fn export(f: &Fixture, base: &Path) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(base);
    let src = base.join("src");
    let conf = base.join("conf");
    std::fs::create_dir_all(&src).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&conf).map_err(|e| e.to_string())?;
    std::fs::write(
        conf.join("nix.conf"),
        "experimental-features = nix-command\nsubstituters =\nrequire-sigs = false\n",
    )
    .map_err(|e| e.to_string())?;
    let cp = Command::new("cp")
        .arg("-a")
        .arg(f.root.join("nix"))
        .arg(&src)
        .status()
        .map_err(|e| e.to_string())?;
    if !cp.success() {
        return Err("cp -a of the store failed".into());
    }
    for c in COMPRESSIONS {
        let out = Command::new("nix")
            .args([
                "--extra-experimental-features",
                "nix-command",
                "copy",
                "--store",
            ])
            .arg(&src)
            .arg("--all")
            .arg("--to")
            .arg(format!(
                "file://{}?compression={c}",
                base.join(format!("cache-{c}")).display()
            ))
            .env("NIX_CONF_DIR", &conf)
            .env("NIX_USER_CONF_FILES", conf.join("nix.conf"))
            .env("XDG_CACHE_HOME", base.join("xdg"))
            .env_remove("NIX_REMOTE")
            .env_remove("NIX_CONFIG")
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "nix copy ({c}): {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&src);
    Ok(())
}

/// A copy of an export to plant problems in.
fn copy_cache(dir: &Path) -> tempfile::TempDir {
    let t = tempfile::tempdir().expect("tempdir");
    assert!(Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", dir.display()))
        .arg(t.path())
        .status()
        .expect("cp")
        .success());
    t
}

/// `nixsec` without proxies from the environment (the HTTP tests talk to 127.0.0.1).
fn nixsec_np() -> assert_cmd::Command {
    let mut c = nixsec();
    for v in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        c.env_remove(v);
    }
    c
}

fn verify_json(cache: &str, key: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    crate::run_json(
        nixsec_np()
            .args([
                "store",
                "verify",
                "--format",
                "json",
                "--trusted-key",
                key,
                "--sigs-needed",
                "1",
                "--cache",
                cache,
            ])
            .args(extra),
    )
}

/// The kinds reported for `path`, sorted.
fn kinds_of(v: &serde_json::Value, path: &str) -> Vec<String> {
    let mut k: Vec<String> = problems(v)
        .iter()
        .filter(|p| p["path"] == path)
        .map(|p| p["kind"].as_str().expect("kind").to_string())
        .collect();
    k.sort();
    k
}

fn problems(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["problems"].as_array().expect("problems")
}

fn detail_of(v: &serde_json::Value, path: &str, kind: &str) -> String {
    problems(v)
        .iter()
        .find(|p| p["path"] == path && p["kind"] == kind)
        .and_then(|p| p["detail"].as_str())
        .unwrap_or_else(|| panic!("no {kind} for {path}: {v:#}"))
        .to_string()
}

fn sorted(kinds: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = kinds.iter().map(|s| (*s).to_string()).collect();
    k.sort();
    k
}

/// One narinfo of a cache directory.
struct Entry {
    file: PathBuf,
    text: String,
    info: NarInfo,
}

impl Entry {
    fn path(&self) -> String {
        self.info.store_path.to_full()
    }

    fn nar(&self, dir: &Path) -> PathBuf {
        dir.join(&self.info.url)
    }
}

/// Every narinfo of `dir`, sorted by store path.
fn entries(dir: &Path) -> Vec<Entry> {
    let mut out: Vec<Entry> = std::fs::read_dir(dir)
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "narinfo"))
        .map(|file| {
            let text = std::fs::read_to_string(&file).expect("narinfo");
            let info = nixsec_nar::narinfo::parse(&text).expect("Nix writes valid narinfos");
            Entry { file, text, info }
        })
        .collect();
    out.sort_by_key(Entry::path);
    out
}

/// Narinfos whose NAR file no other narinfo shares (so planting in one touches one path),
/// filtered.
fn pick(dir: &Path, keep: impl Fn(&NarInfo) -> bool) -> Vec<Entry> {
    let all = entries(dir);
    let urls: Vec<String> = all.iter().map(|e| e.info.url.clone()).collect();
    all.into_iter()
        .filter(|e| urls.iter().filter(|u| **u == e.info.url).count() == 1)
        .filter(|e| keep(&e.info))
        .collect()
}

/// `text` with the line of `key` replaced by `key: value` (or removed when `value` is `None`).
fn set_field(text: &str, key: &str, value: Option<&str>) -> String {
    let prefix = format!("{key}:");
    let mut found = false;
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with(&prefix) && !found {
            found = true;
            if let Some(v) = value {
                out.push_str(&format!("{key}: {v}\n"));
            }
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(found, "no {key} in {text}");
    out
}

/// A valid public key that signed nothing here.
fn some_key(name: &str) -> String {
    nixsec_nar::sig::SecretKey::from_seed(name, [7; 32])
        .public_key()
        .to_string()
}

fn sha256_nix32(bytes: &[u8]) -> String {
    Hash::of(Algo::Sha256, bytes).to_nix32()
}

#[test]
fn clean_caches_in_every_compression_verify() {
    let Some(c) = caches() else { return };
    let mut hashed = Vec::new();
    for comp in COMPRESSIONS {
        let dir = c.of(comp);
        let nar_total: u64 = entries(&dir).iter().map(|e| e.info.nar_size).sum();
        // A directory for some, a file:// URL (with Nix's query string) for the others.
        let source = if comp == "xz" || comp == "none" {
            dir.display().to_string()
        } else {
            format!("file://{}?compression={comp}", dir.display())
        };
        let (code, v) = verify_json(&source, &c.key, &[]);
        assert_eq!(code, 0, "{comp}: {v:#}");
        assert_eq!(problems(&v).len(), 0, "{comp}: {v:#}");
        assert_eq!(v["paths_checked"], c.paths, "{comp}: as many as the store");
        assert_eq!(v["bytes_hashed"], nar_total, "{comp}: every NAR byte read");
        assert_eq!(v["store"], source.as_str());
        hashed.push(v["bytes_hashed"].clone());
    }
    assert!(hashed.windows(2).all(|w| w[0] == w[1]), "{hashed:?}");
    // The compressed files really are compressed as named.
    let xz = entries(&c.of("xz"));
    assert!(xz
        .iter()
        .all(|e| e.info.compression == "xz" && e.info.url.ends_with(".nar.xz")));
    // Without the trusted key, input-addressed paths are untrusted; content-addressed ones
    // are not (their CA reproduces their store path).
    let other_key = some_key("nobody-1");
    let (code, v) = verify_json(&c.of("zstd").display().to_string(), &other_key, &[]);
    assert_eq!(code, 0, "untrusted is medium: below the default fail-on");
    let ca = entries(&c.of("zstd"))
        .iter()
        .filter(|e| e.info.ca.is_some())
        .count() as u64;
    assert_eq!(v["summary"]["untrusted"], c.paths - ca, "{v:#}");
}

#[test]
fn planted_problems_are_named_and_the_run_goes_on() {
    let Some(c) = caches() else { return };
    let t = copy_cache(&c.of("xz"));
    let dir = t.path();
    let key_name = c.key.split(':').next().expect("key name").to_string();
    let ia = pick(dir, |i| {
        i.ca.is_none()
            && i.sigs
                .iter()
                .any(|s| s.starts_with(&format!("{key_name}:")))
    });
    assert!(ia.len() >= 7, "{} input-addressed narinfos", ia.len());
    let ca_entry = pick(dir, |i| {
        i.ca.as_deref().is_some_and(|ca| ca.starts_with("text:"))
    })
    .into_iter()
    .next()
    .expect("a text CA narinfo");
    let (flipped, rehashed, no_size, bad_sig, deleted, truncated, escaping) =
        (&ia[0], &ia[1], &ia[2], &ia[3], &ia[4], &ia[5], &ia[6]);
    // One byte flipped in the middle of a compressed NAR.
    let nar = flipped.nar(dir);
    let mut bytes = std::fs::read(&nar).expect("nar");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&nar, &bytes).expect("write");
    // NarHash changed: the signature no longer matches either.
    std::fs::write(
        &rehashed.file,
        set_field(
            &rehashed.text,
            "NarHash",
            Some(&sha256_nix32(b"something else")),
        ),
    )
    .expect("write");
    // NarSize missing.
    std::fs::write(&no_size.file, set_field(&no_size.text, "NarSize", None)).expect("write");
    // A signature by the trusted key name that is not base64.
    let sig = bad_sig
        .info
        .sigs
        .iter()
        .find(|s| s.starts_with(&format!("{key_name}:")))
        .expect("sig");
    let broken = format!("{key_name}:!!{}", &sig[key_name.len() + 3..]);
    std::fs::write(&bad_sig.file, bad_sig.text.replace(sig.as_str(), &broken)).expect("write");
    // The NAR file deleted.
    std::fs::remove_file(deleted.nar(dir)).expect("rm");
    // The NAR file cut in half.
    let nar = truncated.nar(dir);
    let bytes = std::fs::read(&nar).expect("nar");
    std::fs::write(&nar, &bytes[..bytes.len() / 2]).expect("write");
    // A URL that leaves the cache (the signature does not cover URL).
    std::fs::write(
        &escaping.file,
        set_field(&escaping.text, "URL", Some("../../etc/passwd")),
    )
    .expect("write");
    // A content-addressed path whose CA was changed (CA is not signed either).
    std::fs::write(
        &ca_entry.file,
        set_field(
            &ca_entry.text,
            "CA",
            Some(&format!("text:{}", sha256_nix32(b"other text"))),
        ),
    )
    .expect("write");
    // Junk that is not even text, named like a narinfo.
    let junk = dir.join("00000000000000000000000000000000.narinfo");
    std::fs::write(&junk, b"\xff\xfe\x00garbage").expect("write");

    let (code, v) = verify_json(&dir.display().to_string(), &c.key, &["--jobs", "2"]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(
        kinds_of(&v, &flipped.path()),
        sorted(&["file-hash-mismatch", "corrupt-nar"]),
        "{v:#}"
    );
    assert_eq!(
        kinds_of(&v, &rehashed.path()),
        sorted(&["hash-mismatch", "invalid-signature", "untrusted"]),
        "{v:#}"
    );
    let no_size_file = no_size.file.display().to_string();
    assert_eq!(kinds_of(&v, &no_size_file), ["bad-metadata"], "{v:#}");
    let d = detail_of(&v, &no_size_file, "bad-metadata");
    assert!(d.contains("`NarSize`") && d.contains(&no_size_file), "{d}");
    assert!(kinds_of(&v, &no_size.path()).is_empty());
    assert_eq!(
        kinds_of(&v, &bad_sig.path()),
        sorted(&["invalid-signature", "untrusted"]),
        "{v:#}"
    );
    let d = detail_of(&v, &bad_sig.path(), "invalid-signature");
    assert!(d.contains("cannot be decoded") && d.contains("line"), "{d}");
    assert_eq!(kinds_of(&v, &deleted.path()), ["missing"], "{v:#}");
    assert_eq!(
        kinds_of(&v, &truncated.path()),
        sorted(&["file-size-mismatch", "file-hash-mismatch", "corrupt-nar"]),
        "{v:#}"
    );
    assert_eq!(kinds_of(&v, &escaping.path()), ["bad-metadata"], "{v:#}");
    assert!(detail_of(&v, &escaping.path(), "bad-metadata").contains("not fetched"));
    assert_eq!(
        kinds_of(&v, &ca_entry.path()),
        ["ca-mismatch", "ca-mismatch"],
        "the store path and the file hash both contradict it: {v:#}"
    );
    assert_eq!(
        kinds_of(&v, &junk.display().to_string()),
        ["bad-metadata"],
        "{v:#}"
    );
    // Nothing else is reported, and every narinfo was checked.
    let mut named: Vec<String> = problems(&v)
        .iter()
        .map(|p| p["path"].as_str().expect("path").to_string())
        .collect();
    named.sort();
    named.dedup();
    assert_eq!(named.len(), 9, "{named:?}");
    assert_eq!(v["paths_checked"], c.paths + 1);
    assert_eq!(v["summary"]["corrupt-nar"], 2);

    // Text and SARIF carry the same problems.
    let out = nixsec()
        .args(["store", "verify", "--trusted-key", &c.key, "--cache"])
        .arg(dir)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("corrupt-nar (2, critical)"), "{text}");
    assert!(text.contains("file-hash-mismatch (2, critical)"), "{text}");
    assert!(text.contains(&flipped.path()), "{text}");
    let out = nixsec()
        .args([
            "store",
            "verify",
            "--format",
            "sarif",
            "--trusted-key",
            &c.key,
            "--cache",
        ])
        .arg(dir)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), problems(&v).len());
    assert!(results.iter().any(|r| r["ruleId"] == "NIX-026"
        && r["message"]["text"]
            .as_str()
            .is_some_and(|m| m.contains("corrupt-nar"))));
}

#[test]
fn flipped_content_byte_in_an_uncompressed_nar() {
    let Some(c) = caches() else { return };
    let t = copy_cache(&c.of("none"));
    let dir = t.path();
    let e = pick(dir, |i| i.ca.is_none() && i.nar_size > 200)
        .into_iter()
        .next()
        .expect("an input-addressed narinfo");
    let nar = e.nar(dir);
    let mut bytes = std::fs::read(&nar).expect("nar");
    // The first byte of the first non-empty file: `contents`, then its length, then the data.
    let at = (0..bytes.len().saturating_sub(16))
        .find(|&i| {
            bytes[i..i + 8] == *b"contents"
                && u64::from_le_bytes(bytes[i + 8..i + 16].try_into().expect("8 bytes")) > 0
        })
        .expect("a non-empty file")
        + 16;
    bytes[at] ^= 0x01;
    std::fs::write(&nar, &bytes).expect("write");
    let (code, v) = verify_json(&dir.display().to_string(), &c.key, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        kinds_of(&v, &e.path()),
        sorted(&["file-hash-mismatch", "hash-mismatch"]),
        "{v:#}"
    );
    assert_eq!(problems(&v).len(), 2, "{v:#}");
}

/// The NAR prefix of a single regular file of `len` bytes (its contents not included).
fn nar_file_header(len: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for s in [
        &b"nix-archive-1"[..],
        b"(",
        b"type",
        b"regular",
        b"contents",
    ] {
        out.extend_from_slice(&(s.len() as u64).to_le_bytes());
        out.extend_from_slice(s);
        out.resize(out.len().div_ceil(8) * 8, 0);
    }
    out.extend_from_slice(&len.to_le_bytes());
    out
}

#[test]
fn xz_bomb_is_stopped_quickly_in_little_memory() {
    if !tools::require(&["xz", "time"]) {
        return;
    }
    let Some(c) = caches() else { return };
    let t = copy_cache(&c.of("xz"));
    let dir = t.path();
    let e = pick(dir, |i| i.ca.is_none())
        .into_iter()
        .next()
        .expect("an input-addressed narinfo");
    // A valid NAR header for a 1 GiB file of zeros, and the zeros: about 150 KiB of xz.
    const GIB: u64 = 1 << 30;
    let bomb = dir.join("nar/bomb.nar.xz");
    let mut xz = Command::new("xz")
        .args(["-0", "-T1", "-c"])
        .stdin(Stdio::piped())
        .stdout(std::fs::File::create(&bomb).expect("create"))
        .spawn()
        .expect("xz");
    {
        let mut stdin = xz.stdin.take().expect("stdin");
        stdin.write_all(&nar_file_header(GIB)).expect("write");
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..GIB >> 20 {
            stdin.write_all(&zeros).expect("write");
        }
    }
    assert!(xz.wait().expect("xz").success());
    let compressed = std::fs::read(&bomb).expect("bomb");
    assert!(compressed.len() < 4 << 20, "{} bytes", compressed.len());
    // The narinfo keeps its (signed) NarHash and NarSize; URL and file fields fit the bomb.
    let text = set_field(&e.text, "URL", Some("nar/bomb.nar.xz"));
    let text = set_field(&text, "FileHash", Some(&sha256_nix32(&compressed)));
    let text = set_field(&text, "FileSize", Some(&compressed.len().to_string()));
    std::fs::write(&e.file, text).expect("write");

    // At most 1 GiB of address space (the NAR alone would need that much to be held), and
    // the peak resident size as GNU time tells it.
    let bin = assert_cmd::cargo::cargo_bin("nixsec");
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg("ulimit -v 1048576 && exec \"$@\"")
        .arg("bash")
        .arg(tools::find("time").expect("checked above"))
        .args(["-f", "maxrss-kib=%M"]);
    cmd.arg(&bin)
        .args([
            "store",
            "verify",
            "--format",
            "json",
            "--trusted-key",
            &c.key,
            "--jobs",
            "2",
            "--cache",
        ])
        .arg(dir)
        .env("TERM", "dumb");
    let started = Instant::now();
    let out = cmd.output().expect("run");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("not JSON ({err}): {stderr}"));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(kinds_of(&v, &e.path()), ["corrupt-nar"], "{v:#}");
    let d = detail_of(&v, &e.path(), "corrupt-nar");
    assert!(d.contains("NarSize"), "{d}");
    assert_eq!(problems(&v).len(), 1, "{v:#}");
    assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");
    let kib = stderr
        .lines()
        .find_map(|l| l.strip_prefix("maxrss-kib="))
        .and_then(|k| k.trim().parse::<u64>().ok())
        .unwrap_or_else(|| panic!("GNU time printed no maxrss-kib: {stderr}"));
    assert!(kib < 256 * 1024, "peak RSS {kib} KiB");
}

/// A tiny HTTP/1.1 file server for one test: 127.0.0.1, an ephemeral port, GET only, one
/// request per connection, 404 for anything that is not a file under its directory. It stops
/// when dropped, and by itself after two minutes in any case.
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let dir = dir.to_path_buf();
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(120);
            while !flag.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let dir = dir.clone();
                        std::thread::spawn(move || serve(conn, &dir));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => break,
                }
            }
        });
        Server {
            port,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(mut conn: TcpStream, dir: &Path) {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = conn.set_write_timeout(Some(Duration::from_secs(10)));
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
        if req.len() > 16 * 1024 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&req);
    let mut words = head.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or("/"));
    // Like harmonia, the query (`?hash=...`) does not change the file served.
    let rel = target
        .split('?')
        .next()
        .unwrap_or_default()
        .trim_start_matches('/');
    let body = (method == "GET" && !rel.split('/').any(|s| s.is_empty() || s == ".."))
        .then(|| dir.join(rel))
        .filter(|p| p.is_file())
        .and_then(|p| std::fs::read(p).ok());
    let _ = match body {
        Some(b) => write!(
            conn,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
            b.len()
        )
        .and_then(|()| conn.write_all(&b)),
        None => conn.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
    };
    let _ = conn.flush();
}

#[test]
fn http_cache_with_explicit_store_paths() {
    let Some(c) = caches() else { return };
    let t = copy_cache(&c.of("zstd"));
    let dir = t.path();
    let all = pick(dir, |_| true);
    assert!(all.len() >= 6);
    let gone = &all[5];
    std::fs::remove_file(gone.nar(dir)).expect("rm");
    let absent = "/nix/store/00000000000000000000000000000000-absent";
    let server = Server::start(dir);
    let mut args: Vec<String> = all[..6].iter().map(Entry::path).collect();
    // A base name and a path inside a store path name the same narinfos.
    args[0] = all[0].info.store_path.base_name();
    args[1] = format!("{}/share/doc", all[1].path());
    args.push(absent.to_string());
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut extra = vec!["--jobs", "2"];
    extra.extend(arg_refs);
    let (code, v) = verify_json(&format!("{}/", server.url()), &c.key, &extra);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["paths_checked"], 7);
    assert_eq!(kinds_of(&v, &gone.path()), ["missing"], "{v:#}");
    assert!(detail_of(&v, &gone.path(), "missing").contains("absent"));
    assert_eq!(kinds_of(&v, absent), ["missing"], "{v:#}");
    assert!(detail_of(&v, absent, "missing").contains("narinfo"));
    assert_eq!(problems(&v).len(), 2, "{v:#}");
    let hashed: u64 = all[..5].iter().map(|e| e.info.nar_size).sum();
    assert_eq!(v["bytes_hashed"], hashed);

    // An HTTP cache cannot be listed.
    let out = nixsec_np()
        .args(["store", "verify", "--cache", &server.url()])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot be listed; give store paths"), "{err}");
    drop(server);
    // Nothing listens any more: a clear error naming the URL.
    let out = nixsec_np()
        .args([
            "store",
            "verify",
            "--cache",
            &format!("http://127.0.0.1:{}", 1),
            absent,
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nix-cache-info"), "{err}");
}

/// harmonia's narinfos name the NAR with a query (`URL: nar/<narhash>.nar?hash=<path hash>`,
/// `Compression: none`); an HTTP cache's query is requested as written.
#[test]
fn http_cache_with_harmonia_style_urls() {
    let Some(c) = caches() else { return };
    let t = copy_cache(&c.of("none"));
    let dir = t.path();
    let all = entries(dir);
    for e in &all {
        let hash_part = e.info.store_path.base_name();
        let hash_part = hash_part.split('-').next().expect("hash");
        let url = format!("{}?hash={hash_part}", e.info.url);
        std::fs::write(&e.file, set_field(&e.text, "URL", Some(&url))).expect("write");
    }
    let server = Server::start(dir);
    let args: Vec<String> = all.iter().map(Entry::path).collect();
    let mut extra = vec!["--jobs", "2"];
    extra.extend(args.iter().map(String::as_str));
    let (code, v) = verify_json(&server.url(), &c.key, &extra);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["paths_checked"], all.len());
    assert!(problems(&v).is_empty(), "{v:#}");
    let hashed: u64 = all.iter().map(|e| e.info.nar_size).sum();
    assert_eq!(v["bytes_hashed"], hashed);
}

/// Usage errors need neither Nix nor root.
#[test]
fn cache_usage_errors() {
    let t = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| {
        let out = nixsec_np()
            .args(["store", "verify"])
            .args(args)
            .output()
            .expect("run");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let dir = t.path().display().to_string();
    let (code, err) = run(&["--cache", &dir]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("not a binary cache") && err.contains(&dir),
        "{err}"
    );
    std::fs::write(t.path().join("nix-cache-info"), "StoreDir: /gnu/store\n").expect("write");
    let (code, err) = run(&["--cache", &dir]);
    assert_eq!(code, Some(2));
    assert!(err.contains("/gnu/store"), "{err}");
    std::fs::write(t.path().join("nix-cache-info"), "StoreDir: /nix/store\n").expect("write");
    let (code, err) = run(&["--cache", &dir, "not-a-store-path"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("not-a-store-path"), "{err}");
    let (code, err) = run(&["--cache", "s3://bucket"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("unsupported cache URL"), "{err}");
    let (code, _) = run(&["--cache", &dir, "--store-root", "/"]);
    assert_eq!(code, Some(2), "--cache and --store-root conflict");
    let (code, err) = run(&["--cache", &format!("{dir}/missing")]);
    assert_eq!(code, Some(2));
    assert!(err.contains("missing"), "{err}");
    // An empty cache: nothing to check, nothing wrong.
    let key = some_key("k");
    let (code, _) = run(&["--cache", &dir, "--trusted-key", &key]);
    assert_eq!(code, Some(0));
    // A narinfo asked for that the cache does not have.
    let out = nixsec_np()
        .args([
            "store",
            "verify",
            "--format",
            "json",
            "--cache",
            &dir,
            "--trusted-key",
            &key,
            "/nix/store/00000000000000000000000000000000-absent",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        kinds_of(&v, "/nix/store/00000000000000000000000000000000-absent"),
        ["missing"]
    );
}
