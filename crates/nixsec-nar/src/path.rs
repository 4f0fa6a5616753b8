//! Store paths: `/nix/store/<32 nixbase32 characters>-<name>`, and how Nix computes them.

use std::fmt;

use sha2::Digest as _;

use crate::nixbase32;

/// The logical store directory (appears in paths, hashes and signatures).
pub const STORE_DIR: &str = "/nix/store";

/// Characters of the hash part.
pub const HASH_PART_LEN: usize = 32;

/// Longest name Nix accepts.
pub const MAX_NAME_LEN: usize = 211;

/// Why a string is not a store path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// Not directly under `/nix/store/`.
    #[error("`{0}` is not a path directly under /nix/store")]
    NotInStore(String),
    /// Too short to hold a hash part, or no `-` after it.
    #[error("`{0}` is not a store path base name (`<32 nixbase32 characters>-<name>`)")]
    Malformed(String),
    /// The hash part has a character outside the nixbase32 alphabet.
    #[error("store path `{path}`: hash part has invalid character {ch:?}")]
    BadHashChar {
        /// The base name.
        path: String,
        /// The character.
        ch: char,
    },
    /// The name is empty, too long, starts with `.` or has a character Nix forbids.
    #[error("store path name `{name}`: {problem}")]
    BadName {
        /// The name (with control characters escaped).
        name: String,
        /// What is wrong.
        problem: String,
    },
}

/// A store path. Ordered as Nix orders them (by base name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StorePath {
    // Field order matters for the derived Ord: hash part first, then name, which is the order
    // of the base names (the hash part has a fixed length).
    hash: String,
    name: String,
}

/// Check a store path name: 1..=211 characters of `[A-Za-z0-9+-._?=]`, not starting with `.`.
pub fn check_name(name: &str) -> Result<(), PathError> {
    let bad = |problem: String| PathError::BadName {
        name: name.escape_debug().to_string(),
        problem,
    };
    if name.is_empty() {
        return Err(bad("is empty".into()));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(bad(format!(
            "is {} characters long, the limit is {MAX_NAME_LEN}",
            name.len()
        )));
    }
    if name.starts_with('.') {
        return Err(bad("starts with `.`".into()));
    }
    if let Some(c) = name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "+-._?=".contains(c)))
    {
        return Err(bad(format!("has invalid character {:?}", c)));
    }
    Ok(())
}

impl StorePath {
    /// Parse a full path directly under `/nix/store`.
    pub fn parse(full: &str) -> Result<StorePath, PathError> {
        let base = full
            .strip_prefix(STORE_DIR)
            .and_then(|r| r.strip_prefix('/'))
            .filter(|b| !b.contains('/'))
            .ok_or_else(|| PathError::NotInStore(full.escape_debug().to_string()))?;
        StorePath::from_base_name(base)
    }

    /// Parse a base name `<hash>-<name>`.
    pub fn from_base_name(base: &str) -> Result<StorePath, PathError> {
        let (Some(hash), Some(rest)) = (base.get(..HASH_PART_LEN), base.get(HASH_PART_LEN..))
        else {
            return Err(PathError::Malformed(base.escape_debug().to_string()));
        };
        let Some(name) = rest.strip_prefix('-') else {
            return Err(PathError::Malformed(base.escape_debug().to_string()));
        };
        if let Some(ch) = hash
            .chars()
            .find(|c| !c.is_ascii() || !nixbase32::ALPHABET.contains(&(*c as u8)))
        {
            return Err(PathError::BadHashChar {
                path: base.escape_debug().to_string(),
                ch,
            });
        }
        check_name(name)?;
        Ok(StorePath {
            hash: hash.to_string(),
            name: name.to_string(),
        })
    }

    /// From a hash part (20 bytes) and a name.
    pub fn from_parts(hash: &[u8; 20], name: &str) -> Result<StorePath, PathError> {
        check_name(name)?;
        Ok(StorePath {
            hash: nixbase32::encode(hash),
            name: name.to_string(),
        })
    }

    /// The 32 nixbase32 characters.
    #[must_use]
    pub fn hash_part(&self) -> &str {
        &self.hash
    }

    /// The name after the hash part.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `<hash>-<name>`.
    #[must_use]
    pub fn base_name(&self) -> String {
        format!("{}-{}", self.hash, self.name)
    }

    /// `/nix/store/<hash>-<name>`.
    #[must_use]
    pub fn to_full(&self) -> String {
        format!("{STORE_DIR}/{}-{}", self.hash, self.name)
    }
}

/// Prints the full path.
impl fmt::Display for StorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{STORE_DIR}/{}-{}", self.hash, self.name)
    }
}

impl std::str::FromStr for StorePath {
    type Err = PathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StorePath::parse(s)
    }
}

/// XOR-fold a digest into 20 bytes (`out[i mod 20] ^= in[i]`).
#[must_use]
pub fn compress20(digest: &[u8]) -> [u8; 20] {
    let mut out = [0u8; 20];
    for (i, b) in digest.iter().enumerate() {
        out[i % 20] ^= b;
    }
    out
}

/// Nix's `makeStorePath`: the hash part is
/// `nixbase32(compress20(sha256("<type>:sha256:<inner hex>:/nix/store:<name>")))`.
pub fn make_store_path(type_: &str, inner: &[u8; 32], name: &str) -> Result<StorePath, PathError> {
    check_name(name)?;
    let fingerprint = format!("{type_}:sha256:{}:{STORE_DIR}:{name}", hex::encode(inner));
    let digest = sha2::Sha256::digest(fingerprint.as_bytes());
    StorePath::from_parts(&compress20(&digest), name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "5d81waigs9f79fkzlx0960wlaf75ls0g-zlib-1.2.13.tar.gz";

    #[test]
    fn parses_and_prints() {
        let p = StorePath::parse(&format!("/nix/store/{BASE}")).expect("should succeed");
        assert_eq!(p.hash_part(), "5d81waigs9f79fkzlx0960wlaf75ls0g");
        assert_eq!(p.name(), "zlib-1.2.13.tar.gz");
        assert_eq!(p.base_name(), BASE);
        assert_eq!(p.to_full(), format!("/nix/store/{BASE}"));
        assert_eq!(p.to_string(), p.to_full());
        assert_eq!(StorePath::from_base_name(BASE).expect("should succeed"), p);
        // Every allowed character.
        StorePath::from_base_name("00000000000000000000000000000000-aZ09+-._?=-x.drv")
            .expect("should succeed");
    }

    #[test]
    fn rejects_bad_paths() {
        let h = "5d81waigs9f79fkzlx0960wlaf75ls0g";
        let long = "a".repeat(212);
        let ok211 = "a".repeat(211);
        assert!(StorePath::from_base_name(&format!("{h}-{ok211}")).is_ok());
        for bad in [
            format!("{h}-{long}"),
            format!("{h}-.hidden"),
            format!("{h}-.."),
            format!("{h}-"),
            format!("{h}-a\nb"),
            format!("{h}-a\u{7f}"),
            format!("{h}-a b"),
            format!("{h}-a/b"),
            format!("{h}-é"),
            format!("{h}-a:b"),
            format!("{h}_name"),
            "5d81waigs9f79fkzlx0960wlaf75ls0e-name".to_string(),
            "5d81waigs9f79fkzlx0960wlaf75lsUg-name".to_string(),
            "5d81waigs9f79fkzlx0960wlaf75ls-name".to_string(),
            "short".to_string(),
            String::new(),
            "5d81waigs9f79fkzlx0960wlaf75ls0é-name".to_string(),
        ] {
            assert!(StorePath::from_base_name(&bad).is_err(), "{bad:?}");
        }
        for bad in [
            format!("/nix/store/{BASE}/bin"),
            format!("/nix/store//{BASE}"),
            format!("/nix/storex/{BASE}"),
            format!("/gnu/store/{BASE}"),
            BASE.to_string(),
            format!("/nix/store/{BASE}\0"),
        ] {
            assert!(StorePath::parse(&bad).is_err(), "{bad:?}");
        }
        let e = StorePath::from_base_name(&format!("{h}-a\tb")).expect_err("should fail");
        assert!(e.to_string().contains("invalid character '\\t'"), "{e}");
        let e = StorePath::from_base_name("5d81waigs9f79fkzlx0960wlaf75lsog-x")
            .expect_err("should fail");
        assert!(matches!(e, PathError::BadHashChar { ch: 'o', .. }), "{e}");
    }

    #[test]
    fn orders_by_base_name() {
        let mut v = [
            StorePath::from_base_name("10000000000000000000000000000000-a")
                .expect("should succeed"),
            StorePath::from_base_name("00000000000000000000000000000000-b")
                .expect("should succeed"),
            StorePath::from_base_name("00000000000000000000000000000000-a-b")
                .expect("should succeed"),
            StorePath::from_base_name("00000000000000000000000000000000-a")
                .expect("should succeed"),
        ];
        v.sort();
        let full: Vec<String> = v.iter().map(StorePath::to_full).collect();
        let mut sorted = full.clone();
        sorted.sort();
        assert_eq!(full, sorted);
    }

    #[test]
    fn compress20_folds() {
        let mut d = [0u8; 32];
        d[0] = 1;
        d[20] = 3;
        d[31] = 0xff;
        let c = compress20(&d);
        assert_eq!(c[0], 2);
        assert_eq!(c[11], 0xff);
    }

    #[test]
    fn example_8_store_path() {
        // Spec section 10, example 8: a flat fixed-output file.
        let file_hash =
            hex::decode("dd54af4df831d4175253fc3e4d14f12586bcb3f2e84e7dc346fdc7e1ddbe6b0b")
                .expect("should succeed");
        let inner: [u8; 32] = sha2::Sha256::digest(
            format!("fixed:out:sha256:{}:", hex::encode(&file_hash)).as_bytes(),
        )
        .into();
        let p =
            make_store_path("output:out", &inner, "zlib-1.2.13.tar.gz").expect("should succeed");
        assert_eq!(p.base_name(), BASE);
    }
}
