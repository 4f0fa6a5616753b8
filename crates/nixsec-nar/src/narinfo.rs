//! `.narinfo` files of binary caches, parsed strictly.
//!
//! One `Key: value` per line. `StorePath`, `URL`, `NarHash` and `NarSize` are required; every
//! known field may appear once except `Sig`, which may repeat. Unknown keys are kept in
//! [`NarInfo::extra`] (Nix ignores them). `References` and `Deriver` hold base names in the file
//! and full store paths here; `Deriver: unknown-deriver` means none, as in Nix.

use crate::ca::ContentAddress;
use crate::hash::Hash;
use crate::path::StorePath;
use crate::sig::Signature;

/// Why a narinfo is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NarInfoError {
    /// A line that is not `Key: value`.
    #[error("narinfo line {line}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A field whose value is malformed.
    #[error("narinfo line {line}: field `{field}`: {message}")]
    Field {
        /// 1-based line.
        line: usize,
        /// The key.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A field given twice.
    #[error("narinfo line {line}: duplicate field `{field}`")]
    Duplicate {
        /// 1-based line of the second occurrence.
        line: usize,
        /// The key.
        field: String,
    },
    /// A required field is absent.
    #[error("narinfo: missing required field `{field}`")]
    Missing {
        /// The key.
        field: &'static str,
    },
}

/// A parsed narinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NarInfo {
    /// `StorePath`.
    pub store_path: StorePath,
    /// `URL` of the (compressed) NAR, relative to the cache root.
    pub url: String,
    /// `Compression`; when the field is absent this is `bzip2`, as in Nix's parser (the `xz`
    /// default applies only to writing caches).
    pub compression: String,
    /// `FileHash` of the compressed file.
    pub file_hash: Option<Hash>,
    /// `FileSize` of the compressed file.
    pub file_size: Option<u64>,
    /// `NarHash`.
    pub nar_hash: Hash,
    /// `NarSize`.
    pub nar_size: u64,
    /// `References` as full store paths, in file order.
    pub references: Vec<String>,
    /// `Deriver` as a full store path (`None` when absent or `unknown-deriver`).
    pub deriver: Option<String>,
    /// `Sig` lines (each checked to be `name:base64` of 64 bytes), in file order.
    pub sigs: Vec<String>,
    /// `CA` (checked to be a valid content address).
    pub ca: Option<String>,
    /// Other `Key: value` lines (e.g. `System`), in file order.
    pub extra: Vec<(String, String)>,
}

impl NarInfo {
    /// The fingerprint its signatures sign (see [`crate::sig::fingerprint`]).
    #[must_use]
    pub fn fingerprint(&self) -> String {
        crate::sig::fingerprint(
            &self.store_path.to_full(),
            &self.nar_hash,
            self.nar_size,
            &self.references,
        )
    }
}

/// A decimal number of ASCII digits only (no sign, no spaces).
fn parse_u64(s: &str) -> Result<u64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{s}` is not a decimal number"));
    }
    s.parse::<u64>().map_err(|e| format!("`{s}`: {e}"))
}

/// Parse a narinfo strictly: every line `Key: value` (the last newline may be missing), no
/// blank lines or control characters, required fields present, known fields valid and not
/// repeated (except `Sig`). Errors name the field and line.
pub fn parse(text: &str) -> Result<NarInfo, NarInfoError> {
    let mut store_path = None;
    let mut url = None;
    let mut compression = None;
    let mut file_hash = None;
    let mut file_size = None;
    let mut nar_hash = None;
    let mut nar_size = None;
    let mut references = None;
    let mut deriver: Option<Option<String>> = None;
    let mut sigs = Vec::new();
    let mut ca = None;
    let mut extra = Vec::new();

    let body = text.strip_suffix('\n').unwrap_or(text);
    if body.is_empty() {
        return Err(NarInfoError::Missing { field: "StorePath" });
    }
    for (idx, line) in body.split('\n').enumerate() {
        let line_no = idx + 1;
        let syntax = |message: String| NarInfoError::Syntax {
            line: line_no,
            message,
        };
        if line.is_empty() {
            return Err(syntax("empty line".into()));
        }
        if let Some(c) = line.chars().find(|c| c.is_control()) {
            return Err(syntax(format!("control character {c:?}")));
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(syntax(format!("`{line}` is not `Key: value`")));
        };
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(syntax(format!("`{key}` is not a field name")));
        }
        let value = if value.is_empty() {
            value
        } else if let Some(v) = value.strip_prefix(' ') {
            v
        } else {
            return Err(syntax(format!("no space after `{key}:`")));
        };
        let field = |message: String| NarInfoError::Field {
            line: line_no,
            field: key.to_string(),
            message,
        };
        let dup = || NarInfoError::Duplicate {
            line: line_no,
            field: key.to_string(),
        };
        fn set<T>(
            slot: &mut Option<T>,
            v: T,
            dup: impl FnOnce() -> NarInfoError,
        ) -> Result<(), NarInfoError> {
            if slot.is_some() {
                return Err(dup());
            }
            *slot = Some(v);
            Ok(())
        }
        let nonempty = |v: &str| {
            if v.is_empty() {
                Err(field("empty value".into()))
            } else {
                Ok(v.to_string())
            }
        };
        match key {
            "StorePath" => {
                let p = StorePath::parse(value).map_err(|e| field(e.to_string()))?;
                set(&mut store_path, p, dup)?;
            }
            "URL" => set(&mut url, nonempty(value)?, dup)?,
            "Compression" => set(&mut compression, nonempty(value)?, dup)?,
            "FileHash" => {
                let h = Hash::parse(value).map_err(|e| field(e.to_string()))?;
                set(&mut file_hash, h, dup)?;
            }
            "FileSize" => set(&mut file_size, parse_u64(value).map_err(field)?, dup)?,
            "NarHash" => {
                let h = Hash::parse(value).map_err(|e| field(e.to_string()))?;
                set(&mut nar_hash, h, dup)?;
            }
            "NarSize" => set(&mut nar_size, parse_u64(value).map_err(field)?, dup)?,
            "References" => {
                let refs = value
                    .split(' ')
                    .filter(|r| !r.is_empty())
                    .map(|r| {
                        StorePath::from_base_name(r)
                            .map(|p| p.to_full())
                            .map_err(|e| field(e.to_string()))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                set(&mut references, refs, dup)?;
            }
            "Deriver" => {
                let d = if value == "unknown-deriver" {
                    None
                } else {
                    Some(
                        StorePath::from_base_name(value)
                            .map_err(|e| field(e.to_string()))?
                            .to_full(),
                    )
                };
                set(&mut deriver, d, dup)?;
            }
            "Sig" => {
                Signature::parse(value).map_err(|e| field(e.to_string()))?;
                sigs.push(value.to_string());
            }
            "CA" => {
                ContentAddress::parse(value).map_err(|e| field(e.to_string()))?;
                set(&mut ca, value.to_string(), dup)?;
            }
            _ => extra.push((key.to_string(), value.to_string())),
        }
    }
    Ok(NarInfo {
        store_path: store_path.ok_or(NarInfoError::Missing { field: "StorePath" })?,
        url: url.ok_or(NarInfoError::Missing { field: "URL" })?,
        compression: compression.unwrap_or_else(|| "bzip2".to_string()),
        file_hash,
        file_size,
        nar_hash: nar_hash.ok_or(NarInfoError::Missing { field: "NarHash" })?,
        nar_size: nar_size.ok_or(NarInfoError::Missing { field: "NarSize" })?,
        references: references.unwrap_or_default(),
        deriver: deriver.flatten(),
        sigs,
        ca,
        extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Algo;

    const EXAMPLE: &str = "\
StorePath: /nix/store/06c5fhinx3mdanmvfmxzhhpdhyva7smj-openssl-3.0.7.drv
URL: nar/1b33hy4k7qbmh0dr5a792mvk2lpfhq19f9f27ifqjs6ngffq1dbx.nar.zst
Compression: zstd
FileHash: sha256:1b33hy4k7qbmh0dr5a792mvk2lpfhq19f9f27ifqjs6ngffq1dbx
FileSize: 758
NarHash: sha256:1apj20c582ry0pdxkl9nc1ds4dn6jlx8bxh8p11y1m79myf5mnf6
NarSize: 1600
References: 7qp931nyr7aa6afd4qppwh49gs0v9n8w-openssl-3.0.7.tar.gz.drv g66x2jvmfrsny95bsbrfk11iysjhcaj8-generic-builder.sh zf5gypazk7n4d80iydm6gkhhg2dq8hr1-glibc-2.37.drv
Sig: nixsec-fixture-1:tA4/8FQlYyw8sPnRM8VLDv3zXZB2EeENVzWqobH4tHhwVR0ivNKX4ETSRocFRE5O9RilGdmqTGid8xQT1e9tBg==
CA: text:sha256:10m85dzfkqr237ycz1a2q5crzwirm8w0pwrwx03jfcsdpz8g2702
";

    #[test]
    fn spec_example() {
        let n = parse(EXAMPLE).expect("should succeed");
        assert_eq!(
            n.store_path.to_full(),
            "/nix/store/06c5fhinx3mdanmvfmxzhhpdhyva7smj-openssl-3.0.7.drv"
        );
        assert_eq!(
            n.url,
            "nar/1b33hy4k7qbmh0dr5a792mvk2lpfhq19f9f27ifqjs6ngffq1dbx.nar.zst"
        );
        assert_eq!(n.compression, "zstd");
        let fh = n.file_hash.as_ref().expect("should succeed");
        assert_eq!(fh.algo, Algo::Sha256);
        assert_eq!(
            fh.nix32(),
            "1b33hy4k7qbmh0dr5a792mvk2lpfhq19f9f27ifqjs6ngffq1dbx"
        );
        assert_eq!(n.file_size, Some(758));
        assert_eq!(
            n.nar_hash.to_nix32(),
            "sha256:1apj20c582ry0pdxkl9nc1ds4dn6jlx8bxh8p11y1m79myf5mnf6"
        );
        assert_eq!(n.nar_size, 1600);
        assert_eq!(
            n.references,
            vec![
                "/nix/store/7qp931nyr7aa6afd4qppwh49gs0v9n8w-openssl-3.0.7.tar.gz.drv",
                "/nix/store/g66x2jvmfrsny95bsbrfk11iysjhcaj8-generic-builder.sh",
                "/nix/store/zf5gypazk7n4d80iydm6gkhhg2dq8hr1-glibc-2.37.drv",
            ]
        );
        assert_eq!(n.deriver, None);
        assert_eq!(n.sigs.len(), 1);
        assert!(n.sigs[0].starts_with("nixsec-fixture-1:tA4/8FQ"));
        assert_eq!(
            n.ca.as_deref(),
            Some("text:sha256:10m85dzfkqr237ycz1a2q5crzwirm8w0pwrwx03jfcsdpz8g2702")
        );
        assert!(n.extra.is_empty());
        assert_eq!(
            n.fingerprint(),
            "1;/nix/store/06c5fhinx3mdanmvfmxzhhpdhyva7smj-openssl-3.0.7.drv;\
             sha256:1apj20c582ry0pdxkl9nc1ds4dn6jlx8bxh8p11y1m79myf5mnf6;1600;\
             /nix/store/7qp931nyr7aa6afd4qppwh49gs0v9n8w-openssl-3.0.7.tar.gz.drv,\
             /nix/store/g66x2jvmfrsny95bsbrfk11iysjhcaj8-generic-builder.sh,\
             /nix/store/zf5gypazk7n4d80iydm6gkhhg2dq8hr1-glibc-2.37.drv"
        );
        // Without the final newline too.
        assert_eq!(parse(EXAMPLE.trim_end()).expect("should succeed"), n);
    }

    #[test]
    fn optional_fields_and_defaults() {
        let minimal = "StorePath: /nix/store/06c5fhinx3mdanmvfmxzhhpdhyva7smj-x\nURL: nar/x.nar\n\
                       NarHash: sha256:1apj20c582ry0pdxkl9nc1ds4dn6jlx8bxh8p11y1m79myf5mnf6\n\
                       NarSize: 1\nReferences: \nDeriver: zf5gypazk7n4d80iydm6gkhhg2dq8hr1-x.drv\n\
                       System: x86_64-linux\nSig: a:{s}\nSig: b:{s}\n";
        let s = "A".repeat(86) + "==";
        let n = parse(&minimal.replace("{s}", &s)).expect("should succeed");
        assert_eq!(n.compression, "bzip2");
        assert!(n.references.is_empty());
        assert_eq!(n.file_hash, None);
        assert_eq!(
            n.deriver.as_deref(),
            Some("/nix/store/zf5gypazk7n4d80iydm6gkhhg2dq8hr1-x.drv")
        );
        assert_eq!(n.sigs.len(), 2);
        assert_eq!(
            n.extra,
            vec![("System".to_string(), "x86_64-linux".to_string())]
        );
        let unknown = EXAMPLE.replace("CA:", "Deriver: unknown-deriver\nCA:");
        assert_eq!(parse(&unknown).expect("should succeed").deriver, None);
    }

    fn err(text: &str) -> NarInfoError {
        parse(text).expect_err("should fail")
    }

    #[test]
    fn missing_fields() {
        for (f, name) in [
            ("StorePath: ", "StorePath"),
            ("URL: ", "URL"),
            ("NarHash: ", "NarHash"),
            ("NarSize: ", "NarSize"),
        ] {
            let text: String = EXAMPLE
                .lines()
                .filter(|l| !l.starts_with(f))
                .map(|l| format!("{l}\n"))
                .collect();
            assert_eq!(err(&text), NarInfoError::Missing { field: name });
        }
        assert_eq!(err(""), NarInfoError::Missing { field: "StorePath" });
    }

    #[test]
    fn bad_values_name_field_and_line() {
        let bad_sig = EXAMPLE.replace("Sig: nixsec-fixture-1:tA4/", "Sig: nixsec-fixture-1:tA4!");
        let e = err(&bad_sig);
        assert!(
            matches!(&e, NarInfoError::Field { line: 9, field, .. } if field == "Sig"),
            "{e}"
        );
        assert!(
            e.to_string().contains("line 9") && e.to_string().contains("`Sig`"),
            "{e}"
        );

        let short_sig = EXAMPLE.replace("Sig: nixsec-fixture-1:tA4/8FQ", "Sig: nixsec-fixture-1:");
        assert!(matches!(
            err(&short_sig),
            NarInfoError::Field { line: 9, .. }
        ));

        let bad_hash = EXAMPLE.replace("NarHash: sha256:1apj", "NarHash: sha256:eapj");
        assert!(
            matches!(&err(&bad_hash), NarInfoError::Field { line: 6, field, .. } if field == "NarHash")
        );
        let bad_algo = EXAMPLE.replace("NarHash: sha256:", "NarHash: sha257:");
        assert!(matches!(
            err(&bad_algo),
            NarInfoError::Field { line: 6, .. }
        ));
        let bad_size = EXAMPLE.replace("NarSize: 1600", "NarSize: +1600");
        assert!(
            matches!(&err(&bad_size), NarInfoError::Field { line: 7, field, .. } if field == "NarSize")
        );
        let huge = EXAMPLE.replace("NarSize: 1600", "NarSize: 99999999999999999999999");
        assert!(matches!(err(&huge), NarInfoError::Field { line: 7, .. }));
        let bad_ref = EXAMPLE.replace("References: 7qp9", "References: /nix/store/7qp9");
        assert!(matches!(err(&bad_ref), NarInfoError::Field { line: 8, .. }));
        let bad_path = EXAMPLE.replace("StorePath: /nix/store/06c5", "StorePath: /nix/store/e6c5");
        assert!(matches!(
            err(&bad_path),
            NarInfoError::Field { line: 1, .. }
        ));
        let bad_ca = EXAMPLE.replace("CA: text:", "CA: txt:");
        assert!(matches!(err(&bad_ca), NarInfoError::Field { line: 10, .. }));
        let empty_url = EXAMPLE.replace(
            "URL: nar/1b33hy4k7qbmh0dr5a792mvk2lpfhq19f9f27ifqjs6ngffq1dbx.nar.zst",
            "URL:",
        );
        assert!(matches!(
            err(&empty_url),
            NarInfoError::Field { line: 2, .. }
        ));
    }

    #[test]
    fn junk_and_duplicates() {
        let dup = format!("{EXAMPLE}NarSize: 1600\n");
        assert_eq!(
            err(&dup),
            NarInfoError::Duplicate {
                line: 11,
                field: "NarSize".into()
            }
        );
        assert!(matches!(
            err(&format!("{EXAMPLE}junk\n")),
            NarInfoError::Syntax { line: 11, .. }
        ));
        assert!(matches!(
            err(&format!("{EXAMPLE}\n")),
            NarInfoError::Syntax { line: 11, .. }
        ));
        assert!(matches!(
            err(&format!("\n{EXAMPLE}")),
            NarInfoError::Syntax { line: 1, .. }
        ));
        assert!(matches!(
            err(&EXAMPLE.replace("FileSize: 758", "FileSize:758")),
            NarInfoError::Syntax { line: 5, .. }
        ));
        assert!(matches!(
            err(&EXAMPLE.replace('\n', "\r\n")),
            NarInfoError::Syntax { line: 1, .. }
        ));
        assert!(matches!(
            err(&format!("{EXAMPLE}: x\n")),
            NarInfoError::Syntax { line: 11, .. }
        ));
        assert!(matches!(
            err(&format!("{EXAMPLE}Bad Key: x\n")),
            NarInfoError::Syntax { line: 11, .. }
        ));
    }
}
