//! Scores every service unit under a root in one process and prints `unit exposure` per line
//! (`unit error: ...` for a unit that fails to load), scoring on every core (`SCORE_ALL_THREADS=1`
//! for one). Used by `scripts/bench-units`.
//!
//! `cargo run --release -p nixsec-systemd --example score_all -- ROOT`
use std::io::Write;

use nixsec_core::Root;
use nixsec_systemd::{assess, Loader};

fn main() {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: score_all ROOT");
        std::process::exit(2);
    };
    let root = match Root::new(&dir) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("score_all: {e}");
            std::process::exit(2);
        }
    };
    // One process, every core: units are independent, output stays in list order.
    let loader = Loader::new(&root);
    let units = loader.list("service");
    let workers = std::env::var("SCORE_ALL_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
    let chunk = units.len().div_ceil(workers).max(1);
    let lines: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = units
            .chunks(chunk)
            .map(|part| {
                let loader = &loader;
                s.spawn(move || {
                    part.iter()
                        .map(|name| match loader.load(name).map(|u| assess(&u)) {
                            Ok(s) => format!("{name} {}", s.exposure_str()),
                            Err(e) => format!("{name} error: {e}"),
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("scoring thread"))
            .collect()
    });
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in lines {
        if writeln!(out, "{line}").is_err() {
            std::process::exit(1);
        }
    }
    if out.flush().is_err() {
        std::process::exit(1);
    }
}
