//! PE/COFF images: sections, the Authenticode signature table (WIN_CERTIFICATE records in the
//! security directory) and the Authenticode digest, compared with the digest the PKCS#7
//! SignedData carries (`SpcIndirectDataContent.messageDigest`).
//!
//! The digest follows the Authenticode specification as sbsigntool computes it: the whole file
//! except the optional header's CheckSum field, the Certificate Table data-directory entry and
//! the certificate table itself. Verifying the signer's certificate against `db` is not done
//! here (that is `sbverify --cert`'s job); see [`SignatureCheck`].

use sha2::Digest;

use crate::der;

/// Why a file is not a usable PE image.
#[derive(Debug, thiserror::Error)]
pub enum PeError {
    /// Not a PE image at all (or too damaged for goblin).
    #[error("not a PE image: {0}")]
    NotPe(String),
}

/// The Authenticode verdict for one image, as `sbverify` would give it (without `--cert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// No certificate table (`sbverify`: "No signature table present").
    Unsigned,
    /// At least one PKCS#7 signature whose digest equals the image's Authenticode digest.
    DigestMatches,
    /// Signed, but no signature's digest matches the image (modified after signing).
    DigestMismatch {
        /// The image's Authenticode digest (hex).
        computed: String,
        /// The digest in the first signature (hex).
        signed: String,
    },
    /// A certificate table is present but cannot be read.
    Malformed(String),
}

impl SignatureCheck {
    /// Words for a report.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            SignatureCheck::Unsigned => "unsigned (no signature table)".into(),
            SignatureCheck::DigestMatches => "signed, Authenticode digest matches".into(),
            SignatureCheck::DigestMismatch { .. } => {
                "signed, but the Authenticode digest does not match the image (modified after signing)".into()
            }
            SignatureCheck::Malformed(why) => format!("signature table malformed: {why}"),
        }
    }

    /// True when the image carries a signature whose digest matches.
    #[must_use]
    pub fn is_good(&self) -> bool {
        matches!(self, SignatureCheck::DigestMatches)
    }
}

/// One WIN_CERTIFICATE record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WinCertificate {
    /// File offset of the record.
    pub offset: usize,
    /// `dwLength` (header included).
    pub length: u32,
    /// `wRevision` (0x0200).
    pub revision: u16,
    /// `wCertificateType` (2 = PKCS#7 SignedData).
    pub cert_type: u16,
}

/// What [`inspect`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeImage {
    /// COFF machine (0x8664 x86-64, 0xaa64 arm64).
    pub machine: u16,
    /// Section names in table order.
    pub sections: Vec<String>,
    /// Security directory (file offset, size); `(0, 0)` when unsigned.
    pub security_dir: (u32, u32),
    /// The WIN_CERTIFICATE records.
    pub certificates: Vec<WinCertificate>,
    /// The Authenticode verdict.
    pub signature: SignatureCheck,
    /// The image's SHA-256 Authenticode digest (hex); for an unsigned image whose size is not a
    /// multiple of 8, computed over the image padded with zeros (as sbsign and efitools do), so
    /// it can be looked up in `dbx`.
    pub authenticode_sha256: String,
    /// A UKI's built-in kernel command line (the `.cmdline` section, trailing NULs and
    /// whitespace removed).
    pub cmdline: Option<String>,
}

impl PeImage {
    /// A unified kernel image: has `.linux` (and usually `.osrel`, `.cmdline`, `.initrd`).
    #[must_use]
    pub fn is_uki(&self) -> bool {
        self.sections.iter().any(|s| s == ".linux")
    }
}

fn le16(b: &[u8], o: usize) -> Option<u16> {
    b.get(o..o + 2).map(|x| u16::from_le_bytes([x[0], x[1]]))
}

fn le32(b: &[u8], o: usize) -> Option<u32> {
    b.get(o..o + 4)
        .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
}

/// Byte ranges the Authenticode digest covers, for an image whose optional header starts at
/// `opt`, is PE32+ when `pe64`, and whose certificate table is `(cert_off, cert_size)`.
fn digest_ranges(
    len: usize,
    opt: usize,
    pe64: bool,
    cert_off: usize,
    cert_size: usize,
) -> Vec<(usize, usize)> {
    let checksum = opt + 64;
    let dir = opt + if pe64 { 112 } else { 96 } + 4 * 8;
    let mut v = vec![(0, checksum), (checksum + 4, dir)];
    if cert_size == 0 {
        v.push((dir + 8, len));
    } else {
        v.push((dir + 8, cert_off.min(len)));
        v.push(((cert_off + cert_size).min(len), len));
    }
    v
}

fn hash_ranges<D: Digest>(b: &[u8], ranges: &[(usize, usize)]) -> Vec<u8> {
    let mut d = D::new();
    for &(s, e) in ranges {
        let e = e.min(b.len());
        if s < e {
            d.update(&b[s..e]);
        }
    }
    d.finalize().to_vec()
}

/// The largest EFI binary read (a unified kernel image with its initrd is tens of MiB): a larger
/// one is not read, and the rule that wanted it is an `error`, so a planted file of hundreds of
/// MiB on the ESP cannot take that much memory (images are parsed whole).
pub const MAX_IMAGE_SIZE: u64 = 256 * 1024 * 1024;

/// Parse an EFI binary and check its Authenticode signature(s).
///
/// # Errors
/// [`PeError::NotPe`] when the bytes are not a PE image. A damaged signature table is not an
/// error: it is [`SignatureCheck::Malformed`].
pub fn inspect(b: &[u8]) -> Result<PeImage, PeError> {
    // The certificate table is read below, so that a damaged one is a verdict, not a parse error.
    let mut opts = goblin::pe::options::ParseOptions::default();
    opts.parse_attribute_certificates = false;
    let pe =
        goblin::pe::PE::parse_with_opts(b, &opts).map_err(|e| PeError::NotPe(e.to_string()))?;
    let lfanew = pe.header.dos_header.pe_pointer as usize;
    let opt = lfanew + 4 + 20;
    let magic = le16(b, opt).ok_or_else(|| PeError::NotPe("no optional header".into()))?;
    let pe64 = match magic {
        0x20b => true,
        0x10b => false,
        m => return Err(PeError::NotPe(format!("optional header magic {m:#x}"))),
    };
    let nrva_off = opt + if pe64 { 108 } else { 92 };
    let nrva =
        le32(b, nrva_off).ok_or_else(|| PeError::NotPe("truncated optional header".into()))?;
    let dir = opt + if pe64 { 112 } else { 96 } + 4 * 8;
    let (cert_off, cert_size) = if nrva >= 5 {
        (le32(b, dir).unwrap_or(0), le32(b, dir + 4).unwrap_or(0))
    } else {
        (0, 0)
    };
    let sections: Vec<String> = pe
        .sections
        .iter()
        .map(|s| {
            String::from_utf8_lossy(&s.name)
                .trim_end_matches('\0')
                .to_string()
        })
        .collect();
    let cmdline = pe
        .sections
        .iter()
        .zip(&sections)
        .find(|(_, n)| *n == ".cmdline")
        .and_then(|(s, _)| {
            let start = s.pointer_to_raw_data as usize;
            let len = s.size_of_raw_data.min(s.virtual_size.max(1)) as usize;
            b.get(start..start.checked_add(len)?)
        })
        .map(|raw| {
            String::from_utf8_lossy(raw)
                .trim_end_matches(['\0', '\n', ' '])
                .to_string()
        });
    // An unsigned image is hashed as if padded with zeros to 8 bytes, as sbsign and efitools
    // (`hash-to-efi-sig-list`, which makes dbx entries) do: the digest then equals that of the
    // signed image.
    let sha256_all = |off: usize, size: usize| {
        let mut d = sha2::Sha256::new();
        for (s, e) in digest_ranges(b.len(), opt, pe64, off, size) {
            let e = e.min(b.len());
            if s < e {
                d.update(&b[s..e]);
            }
        }
        if size == 0 && !b.len().is_multiple_of(8) {
            d.update(&[0u8; 8][..8 - b.len() % 8]);
        }
        hex(&d.finalize())
    };
    let mut image = PeImage {
        machine: pe.header.coff_header.machine,
        sections,
        security_dir: (cert_off, cert_size),
        certificates: Vec::new(),
        signature: SignatureCheck::Unsigned,
        authenticode_sha256: sha256_all(cert_off as usize, cert_size as usize),
        cmdline,
    };
    if cert_size == 0 {
        return Ok(image);
    }
    let (off, size) = (cert_off as usize, cert_size as usize);
    if off.checked_add(size).is_none_or(|end| end > b.len()) || off < dir + 8 {
        image.signature = SignatureCheck::Malformed(format!(
            "the certificate table ({size} bytes at offset {off}) lies outside the file ({} bytes)",
            b.len()
        ));
        return Ok(image);
    }
    let mut pos = off;
    let mut signed = Vec::new();
    while pos + 8 <= off + size {
        let length = le32(b, pos).unwrap_or(0);
        let revision = le16(b, pos + 4).unwrap_or(0);
        let cert_type = le16(b, pos + 6).unwrap_or(0);
        let l = length as usize;
        if l < 8 || pos + l > off + size {
            image.signature = SignatureCheck::Malformed(format!(
                "WIN_CERTIFICATE at offset {pos} has length {length}, outside the table"
            ));
            return Ok(image);
        }
        image.certificates.push(WinCertificate {
            offset: pos,
            length,
            revision,
            cert_type,
        });
        if cert_type == 2 {
            match der::authenticode_digest(&b[pos + 8..pos + l]) {
                Ok(d) => signed.push(d),
                Err(e) => {
                    image.signature =
                        SignatureCheck::Malformed(format!("PKCS#7 at offset {pos}: {e}"));
                    return Ok(image);
                }
            }
        }
        pos += (l + 7) & !7;
    }
    if signed.is_empty() {
        image.signature = SignatureCheck::Malformed("no PKCS#7 SignedData record".into());
        return Ok(image);
    }
    let ranges = digest_ranges(b.len(), opt, pe64, off, size);
    let mut first = None;
    for (alg, digest) in &signed {
        let computed = match alg {
            der::DigestAlg::Sha1 => hash_ranges::<sha1::Sha1>(b, &ranges),
            der::DigestAlg::Sha256 => hash_ranges::<sha2::Sha256>(b, &ranges),
            der::DigestAlg::Sha384 => hash_ranges::<sha2::Sha384>(b, &ranges),
            der::DigestAlg::Sha512 => hash_ranges::<sha2::Sha512>(b, &ranges),
        };
        if &computed == digest {
            image.signature = SignatureCheck::DigestMatches;
            return Ok(image);
        }
        first.get_or_insert((hex(&computed), hex(digest)));
    }
    if let Some((computed, signed)) = first {
        image.signature = SignatureCheck::DigestMismatch { computed, signed };
    }
    Ok(image)
}

/// Lower-case hex of bytes.
#[must_use]
pub fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
}
