//! Content addresses (the `ca` column and narinfo `CA` field) and the store paths they give.
//!
//! `text:sha256:<hash>` (hash of the file contents), `fixed:r:<algo>:<hash>` (hash of the NAR)
//! and `fixed:<algo>:<hash>` (hash of the single regular file's contents).

use std::fmt;

use sha2::Digest as _;

use crate::hash::{Algo, Hash, HashError};
use crate::path::{make_store_path, PathError, StorePath};

/// Why a content address is malformed or gives no store path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaError {
    /// Not `text:...` or `fixed:...`.
    #[error("content address `{0}` is neither `text:<hash>` nor `fixed:[r:]<hash>`")]
    Syntax(String),
    /// The hash part is malformed.
    #[error("content address `{input}`: {source}")]
    Hash {
        /// The whole content address.
        input: String,
        /// The problem with its hash.
        source: HashError,
    },
    /// `text:` with another algorithm than sha256.
    #[error("content address `{0}`: text hashes must be sha256")]
    TextNotSha256(String),
    /// A reference is not a store path, or the name is not a store path name.
    #[error(transparent)]
    Path(#[from] PathError),
    /// A text path that refers to itself (Nix cannot make one).
    #[error("a text content-addressed path cannot refer to itself")]
    TextSelfReference,
    /// A fixed-output path other than `fixed:r:sha256` with references.
    #[error("content address `{0}` cannot have references (only fixed:r:sha256 and text can)")]
    FixedWithReferences(String),
}

/// A content-address assertion.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ContentAddress {
    /// `text:sha256:<hash>`: `builtins.toFile` and `.drv` files; hash of the contents.
    Text {
        /// The sha256 of the file contents.
        hash: Hash,
    },
    /// `fixed:[r:]<algo>:<hash>`.
    Fixed {
        /// `r:`: the hash is of the NAR serialisation; otherwise of the single file's contents.
        recursive: bool,
        /// The hash.
        hash: Hash,
    },
}

impl ContentAddress {
    /// Parse `text:sha256:<hash>`, `fixed:r:<algo>:<hash>` or `fixed:<algo>:<hash>`; the hash may
    /// be in any form [`Hash::parse`] accepts.
    pub fn parse(s: &str) -> Result<Self, CaError> {
        let hash = |h: &str| {
            Hash::parse(h).map_err(|source| CaError::Hash {
                input: s.to_string(),
                source,
            })
        };
        if let Some(rest) = s.strip_prefix("text:") {
            let hash = hash(rest)?;
            if hash.algo != Algo::Sha256 {
                return Err(CaError::TextNotSha256(s.to_string()));
            }
            Ok(ContentAddress::Text { hash })
        } else if let Some(rest) = s.strip_prefix("fixed:") {
            match rest.strip_prefix("r:") {
                Some(rest) => Ok(ContentAddress::Fixed {
                    recursive: true,
                    hash: hash(rest)?,
                }),
                None => Ok(ContentAddress::Fixed {
                    recursive: false,
                    hash: hash(rest)?,
                }),
            }
        } else {
            Err(CaError::Syntax(s.to_string()))
        }
    }

    /// The asserted hash.
    #[must_use]
    pub fn hash(&self) -> &Hash {
        match self {
            ContentAddress::Text { hash } | ContentAddress::Fixed { hash, .. } => hash,
        }
    }

    /// Whether the hash is over the NAR (`fixed:r:`) rather than a file's contents.
    #[must_use]
    pub fn is_recursive(&self) -> bool {
        matches!(
            self,
            ContentAddress::Fixed {
                recursive: true,
                ..
            }
        )
    }

    /// The store path this content address gives for `name` and `references` (full store
    /// paths; one equal to `self_path` is a self-reference), as Nix's `makeTextPath` and
    /// `makeFixedOutputPath` compute it:
    ///
    /// * `text`: type `text:<refs...>`, inner hash the content hash (no self-reference allowed);
    /// * `fixed:r:sha256`: type `source:<refs...>[:self]`, inner hash the NAR hash;
    /// * any other `fixed`: type `output:out`, inner hash
    ///   `sha256("fixed:out:<r:?><algo>:<hex>:")`, no references allowed.
    ///
    /// References are sorted and deduplicated (Nix keeps them in a sorted set).
    pub fn store_path(
        &self,
        name: &str,
        references: &[String],
        self_path: &str,
    ) -> Result<StorePath, CaError> {
        let mut refs: Vec<StorePath> = Vec::with_capacity(references.len());
        let mut has_self = false;
        for r in references {
            if r == self_path {
                has_self = true;
            } else {
                refs.push(StorePath::parse(r)?);
            }
        }
        refs.sort();
        refs.dedup();
        let with_refs = |kind: &str| {
            let mut t = kind.to_string();
            for r in &refs {
                t.push(':');
                t.push_str(&r.to_full());
            }
            t
        };
        let inner32 = |h: &Hash| -> Result<[u8; 32], CaError> {
            h.digest.as_slice().try_into().map_err(|_| CaError::Hash {
                input: self.to_string(),
                source: HashError::DigestSize {
                    algo: h.algo,
                    len: h.digest.len(),
                },
            })
        };
        match self {
            ContentAddress::Text { hash } => {
                if has_self {
                    return Err(CaError::TextSelfReference);
                }
                if hash.algo != Algo::Sha256 {
                    return Err(CaError::TextNotSha256(self.to_string()));
                }
                Ok(make_store_path(&with_refs("text"), &inner32(hash)?, name)?)
            }
            ContentAddress::Fixed {
                recursive: true,
                hash,
            } if hash.algo == Algo::Sha256 => {
                let mut t = with_refs("source");
                if has_self {
                    t.push_str(":self");
                }
                Ok(make_store_path(&t, &inner32(hash)?, name)?)
            }
            ContentAddress::Fixed { recursive, hash } => {
                if has_self || !refs.is_empty() {
                    return Err(CaError::FixedWithReferences(self.to_string()));
                }
                let r = if *recursive { "r:" } else { "" };
                let inner: [u8; 32] = sha2::Sha256::digest(
                    format!("fixed:out:{r}{}:{}:", hash.algo, hash.hex()).as_bytes(),
                )
                .into();
                Ok(make_store_path("output:out", &inner, name)?)
            }
        }
    }
}

/// Prints Nix's form, with the hash in nixbase32.
impl fmt::Display for ContentAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContentAddress::Text { hash } => write!(f, "text:{}", hash.to_nix32()),
            ContentAddress::Fixed { recursive, hash } => {
                let r = if *recursive { "r:" } else { "" };
                write!(f, "fixed:{r}{}", hash.to_nix32())
            }
        }
    }
}

impl std::str::FromStr for ContentAddress {
    type Err = CaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ContentAddress::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_8_flat_fixed_output() {
        let ca = ContentAddress::parse(
            "fixed:sha256:02vbpvfy3izx8v1pskp8yarvr1i5y4a4sgpwad91gm1iz16sym6x",
        )
        .expect("should succeed");
        assert_eq!(
            ca.hash().hex(),
            "dd54af4df831d4175253fc3e4d14f12586bcb3f2e84e7dc346fdc7e1ddbe6b0b"
        );
        assert!(!ca.is_recursive());
        let me = "/nix/store/5d81waigs9f79fkzlx0960wlaf75ls0g-zlib-1.2.13.tar.gz";
        let p = ca
            .store_path("zlib-1.2.13.tar.gz", &[], me)
            .expect("should succeed");
        assert_eq!(p.to_full(), me);
        // A flat fixed-output path cannot have references.
        assert!(matches!(
            ca.store_path("zlib-1.2.13.tar.gz", &[me.to_string()], me),
            Err(CaError::FixedWithReferences(_))
        ));
        assert_eq!(
            ca.to_string(),
            "fixed:sha256:02vbpvfy3izx8v1pskp8yarvr1i5y4a4sgpwad91gm1iz16sym6x"
        );
    }

    #[test]
    fn source_type_string_lists_refs_and_self() {
        // The type string for fixed:r:sha256 is "source:<refs sorted>[:self]"; check that the
        // store path equals make_store_path with that hand-built type.
        let nar = Hash::sha256([7; 32]);
        let ca = ContentAddress::Fixed {
            recursive: true,
            hash: nar,
        };
        let me = "/nix/store/00000000000000000000000000000000-me";
        let a = "/nix/store/a0000000000000000000000000000000-a".to_string();
        let b = "/nix/store/b0000000000000000000000000000000-b".to_string();
        let got = ca
            .store_path("me", &[b.clone(), me.to_string(), a.clone(), b.clone()], me)
            .expect("should succeed");
        let want = make_store_path(&format!("source:{a}:{b}:self"), &[7; 32], "me")
            .expect("should succeed");
        assert_eq!(got, want);
        let no_self = ca
            .store_path("me", std::slice::from_ref(&a), me)
            .expect("should succeed");
        let want = make_store_path(&format!("source:{a}"), &[7; 32], "me").expect("should succeed");
        assert_eq!(no_self, want);

        let text = ContentAddress::Text {
            hash: Hash::sha256([9; 32]),
        };
        let got = text
            .store_path("t", &[b.clone(), a.clone()], me)
            .expect("should succeed");
        assert_eq!(
            got,
            make_store_path(&format!("text:{a}:{b}"), &[9; 32], "t").expect("should succeed")
        );
        assert_eq!(
            text.store_path("t", &[me.to_string()], me),
            Err(CaError::TextSelfReference)
        );
    }

    #[test]
    fn recursive_non_sha256_uses_output_out() {
        let h = Hash::of(Algo::Sha1, b"abc");
        let ca =
            ContentAddress::parse(&format!("fixed:r:{}", h.to_base16())).expect("should succeed");
        let inner: [u8; 32] =
            sha2::Sha256::digest(format!("fixed:out:r:sha1:{}:", h.hex()).as_bytes()).into();
        assert_eq!(
            ca.store_path("x", &[], "/nix/store/00000000000000000000000000000000-x")
                .expect("should succeed"),
            make_store_path("output:out", &inner, "x").expect("should succeed")
        );
    }

    #[test]
    fn parse_errors() {
        assert!(matches!(
            ContentAddress::parse("sha256:abc"),
            Err(CaError::Syntax(_))
        ));
        assert!(matches!(
            ContentAddress::parse("fixed:sha256:abc"),
            Err(CaError::Hash { .. })
        ));
        assert!(matches!(
            ContentAddress::parse(&format!("text:{}", Hash::of(Algo::Sha1, b"").to_nix32())),
            Err(CaError::TextNotSha256(_))
        ));
        let ca = ContentAddress::parse(
            "text:sha256:14991fw4234z87rlsvnvg5vhsac6pzh4wwzliw2qrxr59kpyaaic",
        )
        .expect("should succeed");
        assert!(matches!(
            ca.store_path("x", &["/tmp/x".to_string()], "/nix/store/x"),
            Err(CaError::Path(_))
        ));
        assert!(matches!(
            ca.store_path(".x", &[], "/nix/store/x"),
            Err(CaError::Path(_))
        ));
    }
}
