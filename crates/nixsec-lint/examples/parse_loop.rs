//! The ceiling for any rnix-based linter: read every `.nix` file under the given paths and
//! `rnix::Root::parse` it, nothing else. `scripts/bench-lint` runs it beside `nixsec lint`.
//!
//! Usage: `parse_loop [-j N] PATH...`; prints `files bytes seconds parse_errors` on one line.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

fn main() {
    let mut jobs = 1usize;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "-j" {
            jobs = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
        } else {
            paths.push(PathBuf::from(a));
        }
    }
    let start = Instant::now();
    // The same file discovery as `nixsec lint` (so both read the same files).
    let files = match nixsec_lint::walk::discover(&paths) {
        Ok((files, _, _)) => files,
        Err(e) => {
            eprintln!("parse_loop: {e}");
            std::process::exit(2);
        }
    };
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("parse_loop: {e}");
            std::process::exit(2);
        }
    };
    let (bytes, errors) = pool.install(|| {
        files
            .par_iter()
            .map(|f| {
                let Ok(src) = std::fs::read_to_string(&f.path) else {
                    return (0usize, 0usize);
                };
                let parse = rnix::Root::parse(&src);
                (src.len(), usize::from(!parse.errors().is_empty()))
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    });
    println!(
        "{} {} {:.4} {}",
        files.len(),
        bytes,
        start.elapsed().as_secs_f64(),
        errors
    );
}
