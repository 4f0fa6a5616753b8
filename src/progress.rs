//! Progress bars on stderr (indicatif), only on a terminal and never under `--quiet`/`-v`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A byte bar when hashing, a path counter otherwise.
pub struct BarProgress {
    bar: ProgressBar,
    bytes: bool,
}

impl BarProgress {
    pub fn new(visible: bool, bytes: bool) -> Self {
        let bar = ProgressBar::with_draw_target(
            None,
            if visible {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        BarProgress { bar, bytes }
    }
}

impl nixsec_store::Progress for BarProgress {
    fn start(&self, paths: u64, bytes: u64) {
        let (len, template) = if self.bytes {
            (
                bytes,
                "{spinner} hashing [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
            )
        } else {
            (paths, "{spinner} checking [{bar:30}] {pos}/{len} paths")
        };
        self.bar.set_length(len);
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
    }

    fn bytes(&self, n: u64) {
        if self.bytes {
            self.bar.inc(n);
        }
    }

    fn path_done(&self) {
        if !self.bytes {
            self.bar.inc(1);
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// The bar of `store scan` and `elf`: files and bytes read, bytes/s.
pub struct ScanBar {
    bar: ProgressBar,
    files: std::sync::atomic::AtomicU64,
    total: std::sync::atomic::AtomicU64,
}

impl ScanBar {
    pub fn new(visible: bool) -> Self {
        let bar = ProgressBar::with_draw_target(
            None,
            if visible {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        ScanBar {
            bar,
            files: std::sync::atomic::AtomicU64::new(0),
            total: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

impl nixsec_scan::Progress for ScanBar {
    fn start(&self, files: u64, bytes: u64) {
        self.bar.set_length(bytes);
        self.bar.set_message(format!("0/{files} files"));
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} scanning [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {msg} ETA {eta}",
        ) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.set_position(0);
        self.total
            .store(files, std::sync::atomic::Ordering::Relaxed);
    }

    fn file(&self, bytes: u64) {
        use std::sync::atomic::Ordering;
        self.bar.inc(bytes);
        let done = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        if done.is_multiple_of(64) {
            let total = self.total.load(Ordering::Relaxed);
            self.bar.set_message(format!("{done}/{total} files"));
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
