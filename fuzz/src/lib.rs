//! Helpers shared by the fuzz targets: splitting an input into a parser choice and its bytes,
//! and a scratch root for the readers that only read through a `Root`.
//!
//! Each target covers the parsers of one area; the first byte of an input picks the parser
//! (modulo their number), the rest is the file. Seeds made by `scripts/fuzz` from the test
//! fixtures carry the selector byte of the parser they belong to.

use std::path::Path;
use std::sync::OnceLock;

use nixsec_core::Root;

/// The parser index (first byte modulo `n`) and the rest of the input.
#[must_use]
pub fn split(data: &[u8], n: u8) -> Option<(u8, &[u8])> {
    let (&first, rest) = data.split_first()?;
    Some((first % n, rest))
}

/// The rest of the input as text (lossy: the readers take text).
#[must_use]
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch directory as an audited root, one per process (files are overwritten per input).
pub fn scratch() -> &'static (tempfile::TempDir, Root) {
    static ROOT: OnceLock<(tempfile::TempDir, Root)> = OnceLock::new();
    ROOT.get_or_init(|| {
        let t = tempfile::tempdir().expect("scratch directory");
        let root = Root::new(t.path()).expect("scratch root");
        (t, root)
    })
}

/// Write `bytes` at `path` (absolute, inside the scratch root) and return the root.
pub fn with_file(path: &str, bytes: &[u8]) -> &'static Root {
    let (dir, root) = scratch();
    let host = dir.path().join(path.trim_start_matches('/'));
    if let Some(parent) = host.parent() {
        std::fs::create_dir_all(parent).expect("scratch parent");
    }
    std::fs::write(&host, bytes).expect("scratch file");
    root
}

/// Remove a file of the scratch root (ignoring absence).
pub fn remove(path: &str) {
    let (dir, _) = scratch();
    let _ = std::fs::remove_file(dir.path().join(Path::new(path.trim_start_matches('/'))));
}
