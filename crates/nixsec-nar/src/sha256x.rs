//! Multi-lane SHA-256: up to [`LANES`] independent messages compressed together.
//!
//! With the x86 SHA extensions one SHA-256 stream is bound by the latency of
//! `sha256rnds2` (each of its 32 instructions per block waits for the previous one), so a
//! single stream leaves the unit mostly idle. Interleaving the rounds of independent streams
//! fills it: on the machines we measured, four lanes hash 1.9× the bytes per second of one
//! (`cargo run --release -p nixsec-nar --example sha256_bench`). Store verification hashes
//! thousands of independent NARs, so it feeds several at once (see [`crate::lanes`]).
//!
//! One lane, and every lane on a CPU without the SHA extensions (or not x86-64), goes through
//! the `sha2` crate's compression function (which picks its own SHA-NI/ARMv8/soft backend).
//! Every path is checked against `sha2` in the tests, lane by lane.

/// Most messages compressed together.
pub const LANES: usize = 4;

/// A SHA-256 block.
pub const BLOCK: usize = 64;

/// The initial hash value (FIPS 180-4 §5.3.3).
pub const H0: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// Compress `blocks[i]` into `states[i]` for every lane. Every slice must have the same length,
/// a multiple of [`BLOCK`]; at most [`LANES`] lanes. Anything else is a caller bug and is
/// answered by compressing lane by lane what whole blocks there are.
#[allow(unsafe_code)] // the call into `x86::compress`, whose precondition is checked here
pub fn compress(states: &mut [[u32; 8]], blocks: &[&[u8]]) {
    let n = states.len();
    let len = blocks.first().map_or(0, |b| b.len());
    let uniform = blocks.len() == n
        && len.is_multiple_of(BLOCK)
        && blocks.iter().all(|b| b.len() == len)
        && (2..=LANES).contains(&n);
    if uniform && x86::available() {
        // SAFETY: `x86::available()` just said the CPU has every feature `x86::compress` is
        // compiled for, and `uniform` checked its lane count and lengths.
        unsafe { x86::compress(states, blocks) };
        return;
    }
    for (state, data) in states.iter_mut().zip(blocks) {
        compress1(state, data);
    }
}

/// Compress the whole blocks of `data` into one state (through `sha2`, which takes its blocks
/// as an array type: they are staged a few KiB at a time, a copy far cheaper than the hashing).
pub fn compress1(state: &mut [u32; 8], data: &[u8]) {
    use sha2::digest::generic_array::GenericArray;
    const STAGED: usize = 64;
    let mut staged = [GenericArray::<u8, sha2::digest::consts::U64>::default(); STAGED];
    for group in data.chunks(STAGED * BLOCK) {
        let mut n = 0;
        for (slot, chunk) in staged.iter_mut().zip(group.chunks_exact(BLOCK)) {
            slot.copy_from_slice(chunk);
            n += 1;
        }
        sha2::compress256(state, &staged[..n]);
    }
}

/// Finish a message: `state` has absorbed `absorbed` bytes (a multiple of [`BLOCK`]) and `rest`
/// (shorter than a block, or any length: whole blocks are compressed first) follows. Returns
/// the digest.
#[must_use]
pub fn finish(mut state: [u32; 8], absorbed: u64, rest: &[u8]) -> [u8; 32] {
    let whole = rest.len() - rest.len() % BLOCK;
    compress1(&mut state, &rest[..whole]);
    let tail = &rest[whole..];
    let bits = absorbed
        .wrapping_add(rest.len() as u64)
        .wrapping_mul(8)
        .to_be_bytes();
    let mut last = [0u8; 2 * BLOCK];
    last[..tail.len()].copy_from_slice(tail);
    last[tail.len()] = 0x80;
    let end = if tail.len() < BLOCK - 8 {
        BLOCK
    } else {
        2 * BLOCK
    };
    last[end - 8..end].copy_from_slice(&bits);
    compress1(&mut state, &last[..end]);
    let mut out = [0u8; 32];
    for (o, w) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_blend_epi16, _mm_set_epi32, _mm_setzero_si128,
        _mm_sha256msg1_epu32, _mm_sha256msg2_epu32, _mm_sha256rnds2_epu32, _mm_shuffle_epi32,
        _mm_storeu_si128,
    };

    use super::{BLOCK, LANES};

    /// The round constants (FIPS 180-4 §4.2.2), four per group of rounds.
    const K: [u32; 64] = [
        0x428a_2f98,
        0x7137_4491,
        0xb5c0_fbcf,
        0xe9b5_dba5,
        0x3956_c25b,
        0x59f1_11f1,
        0x923f_82a4,
        0xab1c_5ed5,
        0xd807_aa98,
        0x1283_5b01,
        0x2431_85be,
        0x550c_7dc3,
        0x72be_5d74,
        0x80de_b1fe,
        0x9bdc_06a7,
        0xc19b_f174,
        0xe49b_69c1,
        0xefbe_4786,
        0x0fc1_9dc6,
        0x240c_a1cc,
        0x2de9_2c6f,
        0x4a74_84aa,
        0x5cb0_a9dc,
        0x76f9_88da,
        0x983e_5152,
        0xa831_c66d,
        0xb003_27c8,
        0xbf59_7fc7,
        0xc6e0_0bf3,
        0xd5a7_9147,
        0x06ca_6351,
        0x1429_2967,
        0x27b7_0a85,
        0x2e1b_2138,
        0x4d2c_6dfc,
        0x5338_0d13,
        0x650a_7354,
        0x766a_0abb,
        0x81c2_c92e,
        0x9272_2c85,
        0xa2bf_e8a1,
        0xa81a_664b,
        0xc24b_8b70,
        0xc76c_51a3,
        0xd192_e819,
        0xd699_0624,
        0xf40e_3585,
        0x106a_a070,
        0x19a4_c116,
        0x1e37_6c08,
        0x2748_774c,
        0x34b0_bcb5,
        0x391c_0cb3,
        0x4ed8_aa4a,
        0x5b9c_ca4f,
        0x682e_6ff3,
        0x748f_82ee,
        0x78a5_636f,
        0x84c8_7814,
        0x8cc7_0208,
        0x90be_fffa,
        0xa450_6ceb,
        0xbef9_a3f7,
        0xc671_78f2,
    ];

    pub(super) fn available() -> bool {
        std::is_x86_feature_detected!("sha")
            && std::is_x86_feature_detected!("sse4.1")
            && std::is_x86_feature_detected!("ssse3")
    }

    /// Compress `blocks[j]` into `states[j]` for `states.len()` lanes (2 to [`LANES`]), every
    /// block slice of the same length, a multiple of [`BLOCK`].
    ///
    /// # Safety
    /// The CPU must have the `sha`, `sse2`, `ssse3` and `sse4.1` features: call it only after
    /// [`available`] returned true. Executing these instructions on a CPU without them is
    /// undefined behaviour.
    ///
    /// The lengths are not a safety condition (memory is only reached through bounds-checked
    /// slices), but `blocks` must hold at least `states.len()` slices of the first one's
    /// length or the function panics, and bytes past the last whole block are ignored.
    #[allow(unsafe_code)]
    pub(super) unsafe fn compress(states: &mut [[u32; 8]], blocks: &[&[u8]]) {
        debug_assert!((2..=LANES).contains(&states.len()) && blocks.len() == states.len());
        debug_assert!(blocks.iter().all(|b| b.len() == blocks[0].len()));
        // SAFETY: the caller guarantees the target features `lanes` is compiled for.
        unsafe {
            match states.len() {
                2 => lanes::<2>(states, blocks),
                3 => lanes::<3>(states, blocks),
                _ => lanes::<LANES>(states, blocks),
            }
        }
    }

    /// Four big-endian words of `b` (16 bytes) as a vector, word 0 in the low lane.
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn load(b: &[u8]) -> __m128i {
        let w = |i: usize| {
            let mut x = [0u8; 4];
            if let Some(s) = b.get(4 * i..4 * i + 4) {
                x.copy_from_slice(s);
            }
            i32::from_be_bytes(x)
        };
        _mm_set_epi32(w(3), w(2), w(1), w(0))
    }

    /// The state as SHA-NI keeps it: (ABEF, CDGH).
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn split(s: &[u32; 8]) -> (__m128i, __m128i) {
        let abcd = _mm_set_epi32(s[3] as i32, s[2] as i32, s[1] as i32, s[0] as i32);
        let efgh = _mm_set_epi32(s[7] as i32, s[6] as i32, s[5] as i32, s[4] as i32);
        let cdab = _mm_shuffle_epi32::<0xB1>(abcd);
        let efgh = _mm_shuffle_epi32::<0x1B>(efgh);
        (
            _mm_alignr_epi8::<8>(cdab, efgh),
            _mm_blend_epi16::<0xF0>(efgh, cdab),
        )
    }

    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    #[allow(unsafe_code)] // the unaligned stores
    fn join(abef: __m128i, cdgh: __m128i, s: &mut [u32; 8]) {
        let feba = _mm_shuffle_epi32::<0x1B>(abef);
        let dchg = _mm_shuffle_epi32::<0xB1>(cdgh);
        let abcd = _mm_blend_epi16::<0xF0>(feba, dchg);
        let efgh = _mm_alignr_epi8::<8>(dchg, feba);
        let mut out = [0u32; 8];
        let (lo, hi) = out.split_at_mut(4);
        // SAFETY: each half is 16 writable bytes; the store is unaligned.
        unsafe {
            _mm_storeu_si128(lo.as_mut_ptr().cast(), abcd);
            _mm_storeu_si128(hi.as_mut_ptr().cast(), efgh);
        }
        *s = out;
    }

    /// `N` lanes in lock step: each group of four rounds is issued for every lane before the
    /// next group, so the lanes' `sha256rnds2` chains overlap.
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn lanes<const N: usize>(states: &mut [[u32; 8]], blocks: &[&[u8]]) {
        let mut abef = [_mm_setzero_si128(); N];
        let mut cdgh = [_mm_setzero_si128(); N];
        for j in 0..N {
            (abef[j], cdgh[j]) = split(&states[j]);
        }
        let len = blocks[0].len();
        let mut at = 0;
        while at + BLOCK <= len {
            let (save_abef, save_cdgh) = (abef, cdgh);
            let mut w = [[_mm_setzero_si128(); 4]; N];
            for j in 0..N {
                let b = &blocks[j][at..at + BLOCK];
                for (r, word) in w[j].iter_mut().enumerate() {
                    *word = load(&b[16 * r..16 * r + 16]);
                }
            }
            for i in 0..16 {
                if i >= 4 {
                    for wj in &mut w {
                        let t = _mm_sha256msg1_epu32(wj[i % 4], wj[(i + 1) % 4]);
                        let t = _mm_add_epi32(
                            t,
                            _mm_alignr_epi8::<4>(wj[(i + 3) % 4], wj[(i + 2) % 4]),
                        );
                        wj[i % 4] = _mm_sha256msg2_epu32(t, wj[(i + 3) % 4]);
                    }
                }
                let k = _mm_set_epi32(
                    K[4 * i + 3] as i32,
                    K[4 * i + 2] as i32,
                    K[4 * i + 1] as i32,
                    K[4 * i] as i32,
                );
                let mut m = [_mm_setzero_si128(); N];
                for j in 0..N {
                    m[j] = _mm_add_epi32(w[j][i % 4], k);
                    cdgh[j] = _mm_sha256rnds2_epu32(cdgh[j], abef[j], m[j]);
                }
                for j in 0..N {
                    abef[j] =
                        _mm_sha256rnds2_epu32(abef[j], cdgh[j], _mm_shuffle_epi32::<0x0E>(m[j]));
                }
            }
            for j in 0..N {
                abef[j] = _mm_add_epi32(abef[j], save_abef[j]);
                cdgh[j] = _mm_add_epi32(cdgh[j], save_cdgh[j]);
            }
            at += BLOCK;
        }
        for j in 0..N {
            join(abef[j], cdgh[j], &mut states[j]);
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod x86 {
    pub(super) fn available() -> bool {
        false
    }

    /// Never called: [`available`] is false.
    ///
    /// # Safety
    /// None needed; `unsafe` only to match the x86-64 version.
    #[allow(unsafe_code)]
    pub(super) unsafe fn compress(_: &mut [[u32; 8]], _: &[&[u8]]) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest as _;

    fn data(seed: u32, len: usize) -> Vec<u8> {
        (0..len as u32)
            .map(|i| (i.wrapping_add(seed).wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect()
    }

    #[test]
    fn finish_matches_sha2_at_every_padding_boundary() {
        for len in (0..200).chain([1000, 4095, 4096, 4097]) {
            let d = data(len as u32, len);
            let whole = len - len % BLOCK;
            let mut s = H0;
            compress1(&mut s, &d[..whole]);
            let got = finish(s, whole as u64, &d[whole..]);
            assert_eq!(
                got.as_slice(),
                sha2::Sha256::digest(&d).as_slice(),
                "len {len}"
            );
            // And with everything left to `finish`.
            assert_eq!(
                finish(H0, 0, &d).as_slice(),
                sha2::Sha256::digest(&d).as_slice()
            );
        }
    }

    #[test]
    fn every_lane_count_matches_sha2_lane_by_lane() {
        for n in 1..=LANES {
            for blocks in [1, 2, 7, 64] {
                let msgs: Vec<Vec<u8>> = (0..n)
                    .map(|j| data(j as u32 * 77 + 1, blocks * BLOCK))
                    .collect();
                let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
                let mut states = vec![H0; n];
                compress(&mut states, &refs);
                for (j, m) in msgs.iter().enumerate() {
                    let got = finish(states[j], m.len() as u64, &[]);
                    assert_eq!(
                        got.as_slice(),
                        sha2::Sha256::digest(m).as_slice(),
                        "{n} lanes, {blocks} blocks, lane {j}"
                    );
                }
            }
        }
    }

    #[test]
    fn uneven_lanes_fall_back_lane_by_lane() {
        let a = data(1, 128);
        let b = data(2, 64);
        let mut states = vec![H0; 2];
        compress(&mut states, &[&a, &b]);
        assert_eq!(
            finish(states[0], 128, &[]).as_slice(),
            sha2::Sha256::digest(&a).as_slice()
        );
        assert_eq!(
            finish(states[1], 64, &[]).as_slice(),
            sha2::Sha256::digest(&b).as_slice()
        );
    }
}
