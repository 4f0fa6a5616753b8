//! A small DER walk over an Authenticode PKCS#7 SignedData, down to the signed image digest:
//! `ContentInfo{signedData, [0] SignedData{version, digestAlgorithms,
//! contentInfo{spcIndirectDataContext, [0] SpcIndirectDataContent{data,
//! messageDigest DigestInfo{AlgorithmIdentifier, OCTET STRING}}}, ...}}`.

const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const OID_SPC_INDIRECT_DATA: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x01, 0x04];
const OID_SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const OID_SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
const OID_SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const CTX0: u8 = 0xa0;

/// The digest algorithm of an Authenticode signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlg {
    /// SHA-1 (old signatures).
    Sha1,
    /// SHA-256 (sbsign, lanzaboote).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// Why a PKCS#7 blob is not an Authenticode signature this walk can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DerError {
    /// The data ends where an element should start.
    #[error("unexpected end of data")]
    End,
    /// A tag of more than one byte.
    #[error("multi-byte tags are not used by Authenticode")]
    MultiByteTag,
    /// The data ends inside a length.
    #[error("truncated length")]
    TruncatedLength,
    /// An indefinite length, or one of more than 4 bytes.
    #[error("unsupported length form {first:#04x} (indefinite or huge)")]
    LengthForm {
        /// The first length byte.
        first: u8,
    },
    /// An element longer than what is left.
    #[error("element of {len} bytes runs past the end ({left} left)")]
    Overrun {
        /// The element's length.
        len: usize,
        /// Bytes left.
        left: usize,
    },
    /// An element with another tag than the structure has there.
    #[error("{what}: expected tag {want:#04x}, found {found:#04x}")]
    Tag {
        /// The field (`SignedData.version`).
        what: &'static str,
        /// The tag it must have.
        want: u8,
        /// The tag found.
        found: u8,
    },
    /// `ContentInfo.contentType` is not `signedData`.
    #[error("ContentInfo is not PKCS#7 signedData")]
    NotSignedData,
    /// The signed content is not `SpcIndirectDataContent`.
    #[error("signed content is not SpcIndirectDataContent")]
    NotSpcIndirectData,
    /// A digest algorithm other than SHA-1, SHA-256, SHA-384 and SHA-512.
    #[error("unknown digest algorithm")]
    UnknownDigest,
    /// A digest whose length is not the algorithm's.
    #[error("digest of {len} bytes for a {want}-byte hash")]
    DigestLength {
        /// The digest's length.
        len: usize,
        /// The algorithm's digest length.
        want: usize,
    },
}

/// One TLV: tag, contents, and the rest after it.
fn tlv(b: &[u8]) -> Result<(u8, &[u8], &[u8]), DerError> {
    let (&tag, rest) = b.split_first().ok_or(DerError::End)?;
    if tag & 0x1f == 0x1f {
        return Err(DerError::MultiByteTag);
    }
    let (&l0, rest) = rest.split_first().ok_or(DerError::TruncatedLength)?;
    let (len, rest) = if l0 < 0x80 {
        (usize::from(l0), rest)
    } else {
        let n = usize::from(l0 & 0x7f);
        if n == 0 || n > 4 {
            return Err(DerError::LengthForm { first: l0 });
        }
        let bytes = rest.get(..n).ok_or(DerError::TruncatedLength)?;
        let len = bytes.iter().fold(0usize, |a, &x| (a << 8) | usize::from(x));
        (len, &rest[n..])
    };
    if len > rest.len() {
        return Err(DerError::Overrun {
            len,
            left: rest.len(),
        });
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

fn expect<'a>(b: &'a [u8], want: u8, what: &'static str) -> Result<(&'a [u8], &'a [u8]), DerError> {
    let (tag, content, rest) = tlv(b)?;
    if tag != want {
        return Err(DerError::Tag {
            what,
            want,
            found: tag,
        });
    }
    Ok((content, rest))
}

/// The digest algorithm and the image digest an Authenticode PKCS#7 blob signs.
///
/// # Errors
/// Not SignedData, not SpcIndirectDataContent, an unknown digest algorithm, bad DER.
pub fn authenticode_digest(pkcs7: &[u8]) -> Result<(DigestAlg, Vec<u8>), DerError> {
    let (ci, _) = expect(pkcs7, SEQUENCE, "ContentInfo")?;
    let (oid, rest) = expect(ci, OID, "ContentInfo.contentType")?;
    if oid != OID_SIGNED_DATA {
        return Err(DerError::NotSignedData);
    }
    let (explicit, _) = expect(rest, CTX0, "ContentInfo.content")?;
    let (sd, _) = expect(explicit, SEQUENCE, "SignedData")?;
    let (_, rest) = expect(sd, INTEGER, "SignedData.version")?;
    let (_, rest) = expect(rest, SET, "SignedData.digestAlgorithms")?;
    let (inner, _) = expect(rest, SEQUENCE, "SignedData.contentInfo")?;
    let (oid, rest) = expect(inner, OID, "contentInfo.contentType")?;
    if oid != OID_SPC_INDIRECT_DATA {
        return Err(DerError::NotSpcIndirectData);
    }
    let (explicit, _) = expect(rest, CTX0, "contentInfo.content")?;
    let (spc, _) = expect(explicit, SEQUENCE, "SpcIndirectDataContent")?;
    let (_, rest) = expect(spc, SEQUENCE, "SpcIndirectDataContent.data")?;
    let (di, _) = expect(rest, SEQUENCE, "SpcIndirectDataContent.messageDigest")?;
    let (algid, rest) = expect(di, SEQUENCE, "DigestInfo.digestAlgorithm")?;
    let (alg_oid, _) = expect(algid, OID, "AlgorithmIdentifier.algorithm")?;
    let alg = match alg_oid {
        OID_SHA1 => DigestAlg::Sha1,
        OID_SHA256 => DigestAlg::Sha256,
        OID_SHA384 => DigestAlg::Sha384,
        OID_SHA512 => DigestAlg::Sha512,
        _ => return Err(DerError::UnknownDigest),
    };
    let (digest, _) = expect(rest, OCTET_STRING, "DigestInfo.digest")?;
    let want = match alg {
        DigestAlg::Sha1 => 20,
        DigestAlg::Sha256 => 32,
        DigestAlg::Sha384 => 48,
        DigestAlg::Sha512 => 64,
    };
    if digest.len() != want {
        return Err(DerError::DigestLength {
            len: digest.len(),
            want,
        });
    }
    Ok((alg, digest.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_say_where_the_walk_stopped() {
        let msg = |b: &[u8]| authenticode_digest(b).expect_err("invalid").to_string();
        assert_eq!(msg(&[]), "unexpected end of data");
        assert_eq!(msg(&[0x1f]), "multi-byte tags are not used by Authenticode");
        assert_eq!(msg(&[0x30]), "truncated length");
        assert_eq!(
            msg(&[0x30, 0x80]),
            "unsupported length form 0x80 (indefinite or huge)"
        );
        assert_eq!(
            msg(&[0x30, 0x05, 0x00]),
            "element of 5 bytes runs past the end (1 left)"
        );
        assert_eq!(
            msg(&[0x31, 0x00]),
            "ContentInfo: expected tag 0x30, found 0x31"
        );
        assert_eq!(
            authenticode_digest(&[0x30, 0x03, 0x06, 0x01, 0x00]),
            Err(DerError::NotSignedData)
        );
    }
}
