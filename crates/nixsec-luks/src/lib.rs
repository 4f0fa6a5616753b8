//! nixsec-luks: read LUKS1 and LUKS2 headers without cryptsetup.
//!
//! [`read_header`] takes the first bytes of a block device or image (a reader positioned at
//! offset 0) and returns a [`Header`]: version, UUID, label, the data segments (cipher, sector
//! size, key size), the active keyslots with their KDF and cost, and the tokens (systemd-cryptenroll
//! `systemd-tpm2`/`-fido2`/`-pkcs11`/`-recovery`, clevis, ...). For LUKS2 both metadata copies
//! are checked (magic, offsets, checksum over binary header + JSON area) and the valid copy with
//! the higher sequence id is used, as cryptsetup does; a damaged copy is reported in
//! [`Header::copy_problems`]. [`Header::weaknesses`] applies nixsec's policy (host-formats 1.6).
//!
//! Layouts: LUKS1 `phdr` (592 bytes, big-endian), LUKS2 on-disk format (binary header of 4096
//! bytes + JSON area, twice). The reader never needs the keyslot material.
#![deny(missing_docs)]

mod luks1;
mod luks2;
mod policy;

use std::io::Read;

pub use policy::{
    Weakness, WeaknessKind, MIN_ARGON2_MEMORY_KIB, MIN_ARGON2_TIME, MIN_PBKDF2_ITERATIONS,
};

/// `LUKS\xba\xbe`: LUKS1 header and LUKS2 primary header.
pub const MAGIC: &[u8; 6] = b"LUKS\xba\xbe";
/// `SKUL\xba\xbe`: LUKS2 secondary header.
pub const MAGIC_SECONDARY: &[u8; 6] = b"SKUL\xba\xbe";

/// Why a header could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LuksError {
    /// No LUKS magic at offset 0 (and no LUKS2 secondary header at a standard offset).
    #[error("not a LUKS header (no LUKS magic at offset 0)")]
    NotLuks,
    /// Fewer bytes than the header needs.
    #[error("truncated LUKS header: {what} needs {need} bytes, only {have} present")]
    Truncated {
        /// Which structure.
        what: &'static str,
        /// Bytes needed.
        need: usize,
        /// Bytes present.
        have: usize,
    },
    /// A version other than 1 or 2.
    #[error("unsupported LUKS version {0}")]
    Version(u16),
    /// Structurally invalid (bad field, bad JSON, both LUKS2 copies damaged, ...).
    #[error("corrupt LUKS header: {0}")]
    Corrupt(String),
    /// The reader failed.
    #[error("read error: {0}")]
    Io(#[from] std::io::Error),
}

/// A data segment (LUKS1 has exactly one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Segment id (LUKS2 JSON key; 0 for LUKS1).
    pub id: u32,
    /// `crypt` (LUKS2 also knows `linear` during re-encryption).
    pub kind: String,
    /// Cipher spec as cryptsetup prints it (`aes-xts-plain64`, `cipher_null-ecb`).
    pub encryption: String,
    /// Encryption sector size in bytes (512 for LUKS1).
    pub sector_size: u32,
    /// Volume key size in bits, from the keyslots bound to this segment (LUKS1: `MK bits`).
    pub key_bits: Option<u32>,
    /// Data offset in bytes.
    pub offset: u64,
    /// dm-integrity type, if the segment has one.
    pub integrity: Option<String>,
}

/// A key derivation function and its cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kdf {
    /// PBKDF2 with a hash and an iteration count.
    Pbkdf2 {
        /// `sha256`, `sha512`, `sha1`, ...
        hash: String,
        /// Iterations.
        iterations: u64,
    },
    /// Argon2i or Argon2id.
    Argon2 {
        /// `argon2i` or `argon2id`.
        variant: String,
        /// Time cost (iterations).
        time: u64,
        /// Memory cost in KiB.
        memory_kib: u64,
        /// Parallel lanes.
        cpus: u64,
    },
    /// Any other type (kept for the report).
    Other(String),
}

impl Kdf {
    /// The name cryptsetup prints after `PBKDF:`.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Kdf::Pbkdf2 { .. } => "pbkdf2",
            Kdf::Argon2 { variant, .. } => variant,
            Kdf::Other(t) => t,
        }
    }
}

/// An active keyslot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyslot {
    /// Slot number.
    pub id: u32,
    /// `luks1` for LUKS1 slots, the JSON `type` for LUKS2 (`luks2`, `reencrypt`).
    pub kind: String,
    /// Volume key size in bits that this slot unlocks.
    pub key_bits: u32,
    /// The passphrase KDF.
    pub kdf: Kdf,
    /// LUKS2 priority (0 ignore, 1 normal, 2 prefer); `None` when absent (= normal).
    pub priority: Option<u64>,
    /// Cipher protecting the keyslot material (LUKS2 `area.encryption`).
    pub area_encryption: Option<String>,
}

/// A LUKS2 token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Token id.
    pub id: u32,
    /// `systemd-tpm2`, `systemd-fido2`, `clevis`, ...
    pub kind: String,
    /// Keyslots the token unlocks.
    pub keyslots: Vec<u32>,
}

impl Token {
    /// True for the token types systemd-cryptenroll writes; their keyslots use PBKDF2 with
    /// 1000 iterations on purpose (the secret is a high-entropy key, not a passphrase).
    #[must_use]
    pub fn is_systemd_cryptenroll(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "systemd-tpm2" | "systemd-fido2" | "systemd-pkcs11" | "systemd-recovery"
        )
    }
}

/// Fields only LUKS1 has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Luks1Fields {
    /// `cipher_name` (`aes`, `cipher_null`).
    pub cipher_name: String,
    /// `cipher_mode` (`xts-plain64`, `cbc-essiv:sha256`).
    pub cipher_mode: String,
    /// `hash_spec` (PBKDF2 hash of every slot).
    pub hash_spec: String,
    /// Payload offset in 512-byte sectors.
    pub payload_offset: u32,
    /// Iterations of the master-key digest.
    pub mk_iterations: u32,
}

/// Which LUKS2 metadata copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copy {
    /// At offset 0.
    Primary,
    /// At offset `hdr_size`.
    Secondary,
}

impl Copy {
    /// `primary` / `secondary`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Copy::Primary => "primary",
            Copy::Secondary => "secondary",
        }
    }
}

/// A parsed LUKS header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// 1 or 2.
    pub version: u16,
    /// The UUID string.
    pub uuid: String,
    /// LUKS2 label (empty when none; always empty for LUKS1).
    pub label: String,
    /// LUKS2 subsystem (empty when none).
    pub subsystem: String,
    /// LUKS2 sequence id of the copy used (`Epoch:` in luksDump).
    pub epoch: Option<u64>,
    /// LUKS2 metadata area size (binary header + JSON) in bytes.
    pub metadata_size: Option<u64>,
    /// LUKS2 keyslots area size in bytes.
    pub keyslots_size: Option<u64>,
    /// LUKS2 `config.flags`.
    pub flags: Vec<String>,
    /// Data segments.
    pub segments: Vec<Segment>,
    /// Active keyslots, by id.
    pub keyslots: Vec<Keyslot>,
    /// LUKS2 tokens, by id.
    pub tokens: Vec<Token>,
    /// LUKS1 fields.
    pub luks1: Option<Luks1Fields>,
    /// LUKS2: which copy the values come from.
    pub used_copy: Option<Copy>,
    /// LUKS2: a copy that is damaged, missing or older than the other, with the reason.
    pub copy_problems: Vec<(Copy, String)>,
}

impl Header {
    /// Tokens that unlock keyslot `id`.
    pub fn tokens_for(&self, id: u32) -> impl Iterator<Item = &Token> {
        self.tokens.iter().filter(move |t| t.keyslots.contains(&id))
    }

    /// The systemd-cryptenroll token bound to keyslot `id`, if any.
    #[must_use]
    pub fn systemd_token_for(&self, id: u32) -> Option<&Token> {
        self.tokens_for(id).find(|t| t.is_systemd_cryptenroll())
    }
}

/// Allowed LUKS2 metadata area sizes (binary header + JSON), bytes.
pub const LUKS2_HDR_SIZES: [u64; 9] = [
    0x4000, 0x8000, 0x10000, 0x20000, 0x40000, 0x80000, 0x100000, 0x200000, 0x400000,
];

/// The most bytes [`read_header`] reads: a secondary header at 4 MiB with its 4 MiB area.
pub const MAX_READ: u64 = 2 * 0x40_0000;

/// Read a header from the start of a device or image.
///
/// Reads 4096 bytes, then (LUKS2) both metadata copies: `2 × hdr_size` bytes, or up to
/// [`MAX_READ`] to find the secondary copy when the primary is damaged.
///
/// # Errors
/// [`LuksError`]: not LUKS, truncated, corrupt (bad checksum of every copy, bad JSON), I/O.
pub fn read_header(r: impl Read) -> Result<Header, LuksError> {
    let mut r = r.take(MAX_READ);
    let mut buf = Vec::with_capacity(4096);
    (&mut r).take(4096).read_to_end(&mut buf)?;
    let want = match luks2::wanted_len(&buf) {
        Some(n) => n,
        None => return parse(&buf),
    };
    if (buf.len() as u64) < want && buf.len() == 4096 {
        (&mut r).take(want - 4096).read_to_end(&mut buf)?;
    }
    parse(&buf)
}

/// Parse a header from bytes (a prefix of the device).
///
/// # Errors
/// As [`read_header`].
pub fn parse(bytes: &[u8]) -> Result<Header, LuksError> {
    if bytes.len() >= 8 && &bytes[..6] == MAGIC {
        let version = u16::from_be_bytes([bytes[6], bytes[7]]);
        return match version {
            1 => luks1::parse(bytes),
            2 => luks2::parse(bytes),
            // A damaged version field: a LUKS2 secondary copy may still be intact.
            v => luks2::parse(bytes).map_err(|_| LuksError::Version(v)),
        };
    }
    if bytes.len() < 8 {
        let n = bytes.len().min(6);
        if bytes.is_empty() || bytes[..n] != MAGIC[..n] {
            return Err(LuksError::NotLuks);
        }
        return Err(LuksError::Truncated {
            what: "the header magic and version",
            need: 8,
            have: bytes.len(),
        });
    }
    // A wiped primary: LUKS2 may still have its secondary copy.
    luks2::parse(bytes)
}

/// A NUL-padded fixed-width string field.
pub(crate) fn cstr(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

pub(crate) fn be32(b: &[u8], off: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[off..off + 4]);
    u32::from_be_bytes(a)
}

pub(crate) fn be64(b: &[u8], off: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[off..off + 8]);
    u64::from_be_bytes(a)
}
