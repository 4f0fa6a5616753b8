//! The real Nix store the store and cache tests share: built once per test run by
//! `scripts/make-nix-store.sh` under `CARGO_TARGET_TMPDIR`, with a mkdir lock so that concurrent
//! test processes wait for one build.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::tools;

/// The shared fixture store.
pub struct Fixture {
    /// The store root (holds `nix/`, `trusted-public-key`, `roots.txt`, `gen/`...).
    pub root: PathBuf,
    /// The public key that signed every path (`NAME:BASE64`).
    pub key: String,
}

/// A small real store, built once and shared by every test process (nextest runs each test in
/// its own process, and two Nix builds at once would fight over the same build users). Tests
/// never change it: they work on copies.
pub fn fixture() -> Option<&'static Fixture> {
    static F: OnceLock<Option<Fixture>> = OnceLock::new();
    F.get_or_init(|| {
        if !tools::require_root("real Nix builds the fixture store as root")
            || !tools::require(&["nix-store", "nix-instantiate", "nix", "sqlite3"])
        {
            return None;
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/make-nix-store.sh");
        let script_text = std::fs::read(&script).expect("script");
        let tag = script_text
            .iter()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(*b)));
        let base =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("nix-store-fixture-{tag:016x}"));
        let root = base.join("store");
        let ready = base.join("ready");
        let lock = PathBuf::from(format!("{}.lock", base.display()));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
        while !ready.exists() {
            if std::fs::create_dir(&lock).is_ok() {
                let _ = std::fs::remove_dir_all(&base);
                std::fs::create_dir_all(&base).expect("mkdir");
                let out = Command::new("bash")
                    .arg(&script)
                    .arg(&root)
                    .arg("4")
                    .env("SOURCE_ROOTS", "/usr/share/doc")
                    .output()
                    .expect("run");
                if out.status.success() {
                    std::fs::write(&ready, "").expect("ready");
                }
                let _ = std::fs::remove_dir(&lock);
                assert!(
                    out.status.success(),
                    "make-nix-store failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            } else {
                assert!(
                    std::time::Instant::now() < deadline,
                    "waited too long for {}",
                    lock.display()
                );
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        }
        let key = std::fs::read_to_string(root.join("trusted-public-key"))
            .expect("key")
            .trim()
            .to_string();
        Some(Fixture { root, key })
    })
    .as_ref()
}
