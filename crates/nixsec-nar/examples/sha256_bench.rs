//! SHA-256 throughput check: hashes 512 MiB in memory with `sha2` (which picks SHA-NI at run
//! time when the CPU has it), the same split into 1 to 4 messages hashed together by
//! [`nixsec_nar::sha256x`], then the same amount through `nar::read` and `nar::walk`.
//!
//! `cargo run --release -p nixsec-nar --example sha256_bench [MiB]`
#![allow(clippy::print_stdout)]

use std::time::Instant;

use sha2::Digest as _;

fn rate(bytes: usize, secs: f64) -> String {
    format!("{:.2} GB/s", bytes as f64 / secs / 1e9)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mib: usize = match std::env::args().nth(1) {
        Some(a) => a.parse()?,
        None => 512,
    };
    let len = mib * 1024 * 1024;
    #[cfg(target_arch = "x86_64")]
    println!(
        "cpu: sha_ni={} ssse3={} sse4.1={}",
        std::arch::is_x86_feature_detected!("sha"),
        std::arch::is_x86_feature_detected!("ssse3"),
        std::arch::is_x86_feature_detected!("sse4.1"),
    );
    let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();

    let t = Instant::now();
    let digest = sha2::Sha256::digest(&data);
    let secs = t.elapsed().as_secs_f64();
    println!(
        "sha2::Sha256 over {mib} MiB in memory: {secs:.3} s, {} ({})",
        rate(len, secs),
        hex::encode(digest)
    );

    // The same bytes split into 1 to 4 independent messages compressed together.
    use nixsec_nar::sha256x;
    let usable = len - len % (sha256x::LANES * sha256x::BLOCK);
    for lanes in 1..=sha256x::LANES {
        let per = usable / lanes / sha256x::BLOCK * sha256x::BLOCK;
        let msgs: Vec<&[u8]> = data.chunks_exact(per).take(lanes).collect();
        let mut states = vec![sha256x::H0; lanes];
        let t = Instant::now();
        for at in (0..per).step_by(256 * 1024) {
            let end = (at + 256 * 1024).min(per);
            let part: Vec<&[u8]> = msgs.iter().map(|m| &m[at..end]).collect();
            sha256x::compress(&mut states, &part);
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "sha256x, {lanes} lane(s) together: {secs:.3} s, {} in all",
            rate(per * lanes, secs)
        );
    }

    // The same bytes as the contents of a single-file NAR, parsed by the streaming reader.
    let mut nar = Vec::with_capacity(len + 200);
    for tok in [
        &b"nix-archive-1"[..],
        b"(",
        b"type",
        b"regular",
        b"contents",
    ] {
        nar.extend_from_slice(&(tok.len() as u64).to_le_bytes());
        nar.extend_from_slice(tok);
        nar.resize(nar.len().div_ceil(8) * 8, 0);
    }
    nar.extend_from_slice(&(len as u64).to_le_bytes());
    nar.extend_from_slice(&data);
    nar.resize(nar.len().div_ceil(8) * 8, 0);
    nar.extend_from_slice(&1u64.to_le_bytes());
    nar.extend_from_slice(b")\0\0\0\0\0\0\0");
    drop(data);
    let t = Instant::now();
    let r = nixsec_nar::nar::read(&mut nar.as_slice(), u64::MAX, None)?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "nar::read of the same as a NAR: {secs:.3} s, {}",
        rate(nar.len(), secs)
    );

    // And from a file in the page cache through nar::walk.
    let dir = std::env::temp_dir().join(format!("nixsec-nar-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("f");
    let contents = nar.get(96..96 + len).ok_or("slice")?;
    std::fs::write(&file, contents)?;
    drop(nar);
    let _warm = nixsec_nar::nar::walk(&file, Default::default())?;
    let t = Instant::now();
    let w = nixsec_nar::nar::walk(&file, Default::default())?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "nar::walk of a {mib} MiB cached file: {secs:.3} s, {}",
        rate(len, secs)
    );
    std::fs::remove_dir_all(&dir)?;
    if w.nar != r.nar {
        return Err("walk and read disagree".into());
    }
    Ok(())
}
