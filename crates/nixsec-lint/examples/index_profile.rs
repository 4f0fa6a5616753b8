//! Where indexing time goes: per file, parse alone vs the full index (parse + walk), single
//! thread; prints totals and the files with the largest walk overhead.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let paths: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let Ok((files, _, _)) = nixsec_lint::walk::discover(&paths) else {
        eprintln!("index_profile: bad path");
        std::process::exit(2);
    };
    let srcs: Vec<(String, String)> = files
        .iter()
        .filter_map(|f| {
            std::fs::read_to_string(&f.path)
                .ok()
                .map(|s| (f.display.clone(), s))
        })
        .collect();
    let mut parse_total = 0.0;
    let mut index_total = 0.0;
    let mut lines_total = 0.0;
    let mut worst: Vec<(f64, String, usize)> = Vec::new();
    for (name, src) in &srcs {
        let t = Instant::now();
        let p = rnix::Root::parse(src);
        std::hint::black_box(&p);
        let a = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let idx = nixsec_lint::FileIndex::build(src);
        std::hint::black_box(&idx);
        let b = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let li = nixsec_lint::lines::LineIndex::new(src);
        std::hint::black_box(&li);
        lines_total += t.elapsed().as_secs_f64();
        parse_total += a;
        index_total += b;
        worst.push((b - a, name.clone(), src.len()));
    }
    worst.sort_by(|x, y| y.0.total_cmp(&x.0));
    println!(
        "files {} parse {parse_total:.3}s index {index_total:.3}s lines {lines_total:.3}s",
        srcs.len()
    );
    for (d, n, len) in worst.iter().take(15) {
        println!("{:.4}s {len} {n}", d);
    }
}
