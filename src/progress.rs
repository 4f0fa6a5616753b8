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
