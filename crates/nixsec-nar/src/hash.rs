//! Hash algorithms and Nix's textual hash forms.
//!
//! `algo:<digest>` where the digest is base16, nixbase32 or base64 and its length decides which
//! (as Nix's `Hash::parse` does), or SRI `algo-<base64>`. Nix prints `algo:<nixbase32>` in
//! narinfo files, `ca` values and signature fingerprints, and `sha256:<base16>` in its database.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use sha2::Digest as _;

use crate::nixbase32;

/// A hash algorithm Nix knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Algo {
    /// MD5 (16 bytes).
    Md5,
    /// SHA-1 (20 bytes).
    Sha1,
    /// SHA-256 (32 bytes).
    Sha256,
    /// SHA-512 (64 bytes).
    Sha512,
}

impl Algo {
    /// Nix's name for it: `md5`, `sha1`, `sha256`, `sha512`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Algo::Md5 => "md5",
            Algo::Sha1 => "sha1",
            Algo::Sha256 => "sha256",
            Algo::Sha512 => "sha512",
        }
    }

    /// Length of a digest in bytes.
    #[must_use]
    pub fn digest_len(self) -> usize {
        match self {
            Algo::Md5 => 16,
            Algo::Sha1 => 20,
            Algo::Sha256 => 32,
            Algo::Sha512 => 64,
        }
    }

    /// Length of the base16 form.
    #[must_use]
    pub fn base16_len(self) -> usize {
        self.digest_len() * 2
    }

    /// Length of the nixbase32 form.
    #[must_use]
    pub fn nix32_len(self) -> usize {
        nixbase32::encoded_len(self.digest_len())
    }

    /// Length of the (padded) base64 form.
    #[must_use]
    pub fn base64_len(self) -> usize {
        self.digest_len().div_ceil(3) * 4
    }
}

impl fmt::Display for Algo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algo {
    type Err = HashError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "md5" => Ok(Algo::Md5),
            "sha1" => Ok(Algo::Sha1),
            "sha256" => Ok(Algo::Sha256),
            "sha512" => Ok(Algo::Sha512),
            _ => Err(HashError::UnknownAlgo(s.to_string())),
        }
    }
}

/// Why a string is not a hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// The algorithm name is not one Nix knows.
    #[error("unknown hash algorithm `{0}`")]
    UnknownAlgo(String),
    /// Neither `algo:` nor `algo-` in front.
    #[error(
        "hash `{0}` does not name its algorithm (expected `algo:<digest>` or SRI `algo-<base64>`)"
    )]
    MissingAlgo(String),
    /// The digest has a length that none of the encodings gives for this algorithm.
    #[error("hash `{input}`: a {algo} digest is {} (base16), {} (nixbase32) or {} (base64) characters, not {len}", .algo.base16_len(), .algo.nix32_len(), .algo.base64_len())]
    BadLength {
        /// The algorithm.
        algo: Algo,
        /// Length of the digest part in bytes.
        len: usize,
        /// The digest part as given.
        input: String,
    },
    /// The digest is not valid in the encoding its length selects.
    #[error("hash `{input}`: invalid {encoding}: {message}")]
    BadEncoding {
        /// `base16`, `nixbase32` or `base64`.
        encoding: &'static str,
        /// What is wrong.
        message: String,
        /// The digest part as given.
        input: String,
    },
    /// A digest of the wrong size for its algorithm.
    #[error("a {algo} digest is {} bytes, not {len}", .algo.digest_len())]
    DigestSize {
        /// The algorithm.
        algo: Algo,
        /// Bytes given.
        len: usize,
    },
}

/// A hash: algorithm and raw digest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hash {
    /// The algorithm.
    pub algo: Algo,
    /// The raw digest (`algo.digest_len()` bytes for hashes made by this crate).
    pub digest: Vec<u8>,
}

impl Hash {
    /// A hash from a digest, checking its length.
    pub fn new(algo: Algo, digest: Vec<u8>) -> Result<Hash, HashError> {
        if digest.len() == algo.digest_len() {
            Ok(Hash { algo, digest })
        } else {
            Err(HashError::DigestSize {
                algo,
                len: digest.len(),
            })
        }
    }

    /// Parse `algo:<base16|nixbase32|base64>` (the length decides the encoding, as Nix does) or
    /// SRI `algo-<base64>`.
    pub fn parse(s: &str) -> Result<Hash, HashError> {
        if let Some((algo, rest)) = s.split_once(':') {
            Hash::parse_with(algo.parse()?, rest)
        } else if let Some((algo, rest)) = s.split_once('-') {
            let algo: Algo = algo.parse()?;
            if rest.len() != algo.base64_len() {
                return Err(HashError::BadLength {
                    algo,
                    len: rest.len(),
                    input: rest.to_string(),
                });
            }
            decode_base64(algo, rest)
        } else {
            Err(HashError::MissingAlgo(s.to_string()))
        }
    }

    /// Parse a digest of a known algorithm without prefix (e.g. the digest part of a `ca`
    /// value); its length selects base16, nixbase32 or base64.
    pub fn parse_with(algo: Algo, s: &str) -> Result<Hash, HashError> {
        let len = s.len();
        if len == algo.base16_len() {
            let digest = hex::decode(s).map_err(|e| HashError::BadEncoding {
                encoding: "base16",
                message: e.to_string(),
                input: s.to_string(),
            })?;
            Ok(Hash { algo, digest })
        } else if len == algo.nix32_len() {
            let digest = nixbase32::decode(s).map_err(|e| HashError::BadEncoding {
                encoding: "nixbase32",
                message: e.to_string(),
                input: s.to_string(),
            })?;
            Ok(Hash { algo, digest })
        } else if len == algo.base64_len() {
            decode_base64(algo, s)
        } else {
            Err(HashError::BadLength {
                algo,
                len,
                input: s.to_string(),
            })
        }
    }

    /// A SHA-256 hash from its digest.
    #[must_use]
    pub fn sha256(digest: [u8; 32]) -> Hash {
        Hash {
            algo: Algo::Sha256,
            digest: digest.to_vec(),
        }
    }

    /// Hash `bytes` in one go.
    #[must_use]
    pub fn of(algo: Algo, bytes: &[u8]) -> Hash {
        let mut h = Hasher::new(algo);
        h.update(bytes);
        h.finish()
    }

    /// `algo:<nixbase32>`, as in narinfo files, `ca` values and fingerprints.
    #[must_use]
    pub fn to_nix32(&self) -> String {
        format!("{}:{}", self.algo, nixbase32::encode(&self.digest))
    }

    /// `algo:<base16>`, as in Nix's database.
    #[must_use]
    pub fn to_base16(&self) -> String {
        format!("{}:{}", self.algo, self.hex())
    }

    /// SRI form `algo-<base64>`.
    #[must_use]
    pub fn to_sri(&self) -> String {
        format!(
            "{}-{}",
            self.algo,
            base64::engine::general_purpose::STANDARD.encode(&self.digest)
        )
    }

    /// Just the digest in lowercase hex.
    #[must_use]
    pub fn hex(&self) -> String {
        hex::encode(&self.digest)
    }

    /// Just the digest in nixbase32.
    #[must_use]
    pub fn nix32(&self) -> String {
        nixbase32::encode(&self.digest)
    }
}

/// Prints `algo:<nixbase32>` (Nix's default form).
impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_nix32())
    }
}

impl FromStr for Hash {
    type Err = HashError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Hash::parse(s)
    }
}

fn decode_base64(algo: Algo, s: &str) -> Result<Hash, HashError> {
    let bad = |message: String| HashError::BadEncoding {
        encoding: "base64",
        message,
        input: s.to_string(),
    };
    let digest = base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| bad(e.to_string()))?;
    if digest.len() != algo.digest_len() {
        return Err(bad(format!(
            "decodes to {} bytes, a {algo} digest has {}",
            digest.len(),
            algo.digest_len()
        )));
    }
    Ok(Hash { algo, digest })
}

/// Incremental hasher for any [`Algo`].
#[derive(Clone)]
pub struct Hasher(Inner);

#[derive(Clone)]
enum Inner {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Hasher").field(&self.algo()).finish()
    }
}

impl Hasher {
    /// A fresh hasher.
    #[must_use]
    pub fn new(a: Algo) -> Self {
        Hasher(match a {
            Algo::Md5 => Inner::Md5(md5::Md5::new()),
            Algo::Sha1 => Inner::Sha1(sha1::Sha1::new()),
            Algo::Sha256 => Inner::Sha256(sha2::Sha256::new()),
            Algo::Sha512 => Inner::Sha512(sha2::Sha512::new()),
        })
    }

    /// The algorithm.
    #[must_use]
    pub fn algo(&self) -> Algo {
        match self.0 {
            Inner::Md5(_) => Algo::Md5,
            Inner::Sha1(_) => Algo::Sha1,
            Inner::Sha256(_) => Algo::Sha256,
            Inner::Sha512(_) => Algo::Sha512,
        }
    }

    /// Feed bytes.
    pub fn update(&mut self, b: &[u8]) {
        match &mut self.0 {
            Inner::Md5(h) => h.update(b),
            Inner::Sha1(h) => h.update(b),
            Inner::Sha256(h) => h.update(b),
            Inner::Sha512(h) => h.update(b),
        }
    }

    /// The hash of everything fed.
    #[must_use]
    pub fn finish(self) -> Hash {
        let algo = self.algo();
        let digest = match self.0 {
            Inner::Md5(h) => h.finalize().to_vec(),
            Inner::Sha1(h) => h.finalize().to_vec(),
            Inner::Sha256(h) => h.finalize().to_vec(),
            Inner::Sha512(h) => h.finalize().to_vec(),
        };
        Hash { algo, digest }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "2ca0b8ce996f865db37619bfe91023559305aad8158042fc6ddb0ef1d43c5b67";
    const NB32: &str = "0rsv7kag23nvdpy4500mv2m0b4sm4c8fkgqrfsrmv1kgk77bi81c";

    #[test]
    fn parses_all_encodings_of_the_same_hash() {
        let h = Hash::parse(&format!("sha256:{HEX}")).expect("should succeed");
        assert_eq!(h.algo, Algo::Sha256);
        assert_eq!(h.hex(), HEX);
        assert_eq!(h.to_nix32(), format!("sha256:{NB32}"));
        assert_eq!(h.to_base16(), format!("sha256:{HEX}"));
        assert_eq!(
            Hash::parse(&format!("sha256:{NB32}")).expect("should succeed"),
            h
        );
        assert_eq!(
            Hash::parse(&format!("sha256:{}", HEX.to_uppercase())).expect("should succeed"),
            h
        );
        let sri = h.to_sri();
        assert_eq!(sri, "sha256-LKC4zplvhl2zdhm/6RAjVZMFqtgVgEL8bdsO8dQ8W2c=");
        assert_eq!(Hash::parse(&sri).expect("should succeed"), h);
        let b64 = sri.trim_start_matches("sha256-");
        assert_eq!(
            Hash::parse(&format!("sha256:{b64}")).expect("should succeed"),
            h
        );
        assert_eq!(
            Hash::parse_with(Algo::Sha256, NB32).expect("should succeed"),
            h
        );
        assert_eq!(h.to_string(), format!("sha256:{NB32}"));
    }

    #[test]
    fn hashes_known_inputs() {
        // Example 1 of the spec: the NAR of a file containing "x".
        let mut nar = Vec::new();
        for tok in [
            &b"nix-archive-1"[..],
            b"(",
            b"type",
            b"regular",
            b"contents",
            b"x",
            b")",
        ] {
            nar.extend_from_slice(&(tok.len() as u64).to_le_bytes());
            nar.extend_from_slice(tok);
            nar.resize(nar.len().div_ceil(8) * 8, 0);
        }
        assert_eq!(Hash::of(Algo::Sha256, &nar).hex(), HEX);
        assert_eq!(
            Hash::of(Algo::Md5, b"").hex(),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert_eq!(
            Hash::of(Algo::Sha1, b"abc").hex(),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            Hash::of(Algo::Sha512, b"abc").hex(),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
        let mut h = Hasher::new(Algo::Sha1);
        h.update(b"a");
        h.update(b"bc");
        assert_eq!(h.finish(), Hash::of(Algo::Sha1, b"abc"));
    }

    #[test]
    fn other_algorithms_by_length() {
        let md5 = Hash::of(Algo::Md5, b"");
        for s in [md5.to_base16(), md5.to_nix32(), md5.to_sri()] {
            assert_eq!(Hash::parse(&s).expect("should succeed"), md5, "{s}");
        }
        let sha512 = Hash::of(Algo::Sha512, b"");
        assert_eq!(sha512.nix32().len(), 103);
        for s in [sha512.to_base16(), sha512.to_nix32(), sha512.to_sri()] {
            assert_eq!(Hash::parse(&s).expect("should succeed"), sha512, "{s}");
        }
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(
            Hash::parse("sha257:abc"),
            Err(HashError::UnknownAlgo("sha257".into()))
        );
        assert!(matches!(Hash::parse(NB32), Err(HashError::MissingAlgo(_))));
        let e = Hash::parse("sha256:abc").expect_err("should fail");
        assert!(matches!(e, HashError::BadLength { len: 3, .. }));
        assert!(
            e.to_string()
                .contains("64 (base16), 52 (nixbase32) or 44 (base64)"),
            "{e}"
        );
        let bad32 = format!("sha256:{}", NB32.replace('v', "e"));
        assert!(matches!(
            Hash::parse(&bad32),
            Err(HashError::BadEncoding {
                encoding: "nixbase32",
                ..
            })
        ));
        let badhex = format!("sha256:{}", HEX.replace('c', "g"));
        assert!(matches!(
            Hash::parse(&badhex),
            Err(HashError::BadEncoding {
                encoding: "base16",
                ..
            })
        ));
        assert!(matches!(
            Hash::parse("sha256-!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!="),
            Err(HashError::BadEncoding {
                encoding: "base64",
                ..
            })
        ));
        assert!(matches!(
            Hash::parse("sha256-LKC4"),
            Err(HashError::BadLength { len: 4, .. })
        ));
        assert!(Hash::parse("").is_err());
        assert!(Hash::parse("sha256:").is_err());
        assert!(Hash::new(Algo::Sha256, vec![0; 31]).is_err());
    }

    #[test]
    fn algo_names() {
        for a in [Algo::Md5, Algo::Sha1, Algo::Sha256, Algo::Sha512] {
            assert_eq!(a.as_str().parse::<Algo>().expect("should succeed"), a);
        }
        assert_eq!(Algo::Sha1.base64_len(), 28);
        assert_eq!(Algo::Sha256.base64_len(), 44);
        assert_eq!(Algo::Sha512.base64_len(), 88);
        assert_eq!(Algo::Md5.base64_len(), 24);
    }
}
