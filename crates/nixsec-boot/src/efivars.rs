//! efivarfs: `/sys/firmware/efi/efivars/<Name>-<vendor guid>`, a 4-byte little-endian
//! attribute word followed by the variable's data.

use nixsec_core::{Root, RootError};

/// EFI global variable vendor GUID (SecureBoot, SetupMode, AuditMode, DeployedMode, PK, KEK).
pub const EFI_GLOBAL: &str = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
/// shim's MOK vendor GUID (MokSBStateRT).
pub const SHIM_LOCK: &str = "605dab50-e046-4300-abb6-3dd810dd8b23";
/// systemd-boot / systemd-stub vendor GUID (LoaderInfo, StubInfo, LoaderEntrySelected, ...).
pub const LOADER: &str = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";

/// Where efivarfs is mounted.
pub const EFIVARS_DIR: &str = "/sys/firmware/efi/efivars";

/// Attribute bits that the UEFI specification defines.
const KNOWN_ATTRS: u32 = 0x7f;

/// Why the bytes of a variable are not a well-formed variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VarFormatError {
    /// Fewer than 4 bytes.
    #[error("{len} bytes, shorter than the 4-byte attribute prefix")]
    Short {
        /// The file's length.
        len: usize,
    },
    /// Zero, or attribute bits the specification does not define.
    #[error("invalid attribute word {attrs:#010x}")]
    Attributes {
        /// The attribute word.
        attrs: u32,
    },
    /// An `EFI_SIGNATURE_LIST` header cut short.
    #[error("EFI_SIGNATURE_LIST header at offset {offset} is truncated")]
    ListHeader {
        /// Offset of the list in the variable's data.
        offset: usize,
    },
    /// An `EFI_SIGNATURE_LIST` whose sizes do not fit the data.
    #[error("EFI_SIGNATURE_LIST at offset {offset}: size {size} does not fit the data")]
    ListSize {
        /// Offset of the list in the variable's data.
        offset: usize,
        /// Its `SignatureListSize`.
        size: usize,
    },
}

/// Why an EFI variable could not be read; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum EfiVarError {
    /// The variable's file (or efivarfs) could not be read.
    #[error(transparent)]
    Read(#[from] RootError),
    /// `/sys/firmware/efi` is there but efivarfs is not mounted.
    #[error(
        "`{EFIVARS_DIR}` is missing: efivarfs is not mounted, the Secure Boot state cannot be read"
    )]
    NotMounted {
        /// The error listing [`EFIVARS_DIR`].
        source: RootError,
    },
    /// The attribute prefix or the data is malformed.
    #[error("`{path}`: {source}")]
    Format {
        /// The variable's file.
        path: String,
        /// What is wrong.
        source: VarFormatError,
    },
    /// A boolean variable whose data is not one byte 0 or 1.
    #[error(
        "`{path}`: expected one data byte 0 or 1 after the attributes, found {len} bytes ({head})"
    )]
    NotBoolean {
        /// The variable's file.
        path: String,
        /// The data length.
        len: usize,
        /// Its first bytes (at most 8) in hex.
        head: String,
    },
    /// A string variable of odd length.
    #[error("`{path}`: odd length for a UTF-16 string")]
    OddLength {
        /// The variable's file.
        path: String,
    },
    /// A string variable that is not UTF-16.
    #[error("`{path}`: invalid UTF-16")]
    Utf16 {
        /// The variable's file.
        path: String,
        /// The decoding error.
        source: std::string::FromUtf16Error,
    },
}

impl EfiVarError {
    /// True when a file or directory the read needed does not exist (efivarfs not mounted
    /// included).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        match self {
            EfiVarError::Read(e) | EfiVarError::NotMounted { source: e } => e.is_not_found(),
            _ => false,
        }
    }
}

fn format_error(path: &str) -> impl Fn(VarFormatError) -> EfiVarError + '_ {
    move |source| EfiVarError::Format {
        path: path.to_string(),
        source,
    }
}

/// The path of a variable.
#[must_use]
pub fn var_path(name: &str, guid: &str) -> String {
    format!("{EFIVARS_DIR}/{name}-{guid}")
}

/// Split a variable file into its attribute word and data.
///
/// # Errors
/// Shorter than the 4-byte attribute word, or attribute bits the specification does not define.
pub fn split(bytes: &[u8]) -> Result<(u32, &[u8]), VarFormatError> {
    if bytes.len() < 4 {
        return Err(VarFormatError::Short { len: bytes.len() });
    }
    let attrs = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if attrs & !KNOWN_ATTRS != 0 || attrs == 0 {
        return Err(VarFormatError::Attributes { attrs });
    }
    Ok((attrs, &bytes[4..]))
}

/// Read a one-byte boolean variable (SecureBoot, SetupMode, ...): `None` when absent.
///
/// # Errors
/// Unreadable, or not a 4-byte attribute word + one byte 0 or 1; the message names the file.
pub fn read_flag(root: &Root, name: &str, guid: &str) -> Result<Option<bool>, EfiVarError> {
    let path = var_path(name, guid);
    let bytes = match root.read_limited(&path, 4096) {
        Ok((_, b)) => b,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let (_, data) = split(&bytes).map_err(format_error(&path))?;
    match data {
        [0] => Ok(Some(false)),
        [1] => Ok(Some(true)),
        _ => Err(EfiVarError::NotBoolean {
            len: data.len(),
            head: crate::pe::hex(&data[..data.len().min(8)]),
            path,
        }),
    }
}

/// Read a UTF-16LE string variable (LoaderInfo, StubInfo, LoaderEntrySelected): trailing NULs
/// stripped, never required. `None` when absent.
///
/// # Errors
/// Unreadable, bad attributes, odd length or invalid UTF-16.
pub fn read_string(root: &Root, name: &str, guid: &str) -> Result<Option<String>, EfiVarError> {
    let path = var_path(name, guid);
    let bytes = match root.read_limited(&path, 65536) {
        Ok((_, b)) => b,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let (_, data) = split(&bytes).map_err(format_error(&path))?;
    if data.len() % 2 != 0 {
        return Err(EfiVarError::OddLength { path });
    }
    let units: Vec<u16> = data
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let s = match String::from_utf16(&units) {
        Ok(s) => s,
        Err(source) => return Err(EfiVarError::Utf16 { path, source }),
    };
    Ok(Some(s.trim_end_matches('\0').to_string()))
}

/// Vendor GUID of `db` and `dbx`.
pub const IMAGE_SECURITY: &str = "d719b2cb-3d3a-4596-a3bc-dad00e67656f";

/// EFI_CERT_SHA256_GUID, c1c41626-504c-4092-aca9-41f936934328, as stored (mixed-endian).
const CERT_SHA256: [u8; 16] = [
    0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28,
];

/// The SHA-256 entries of a signature database variable's data (a run of EFI_SIGNATURE_LISTs).
/// Lists of other types (X.509 certificates) are skipped.
///
/// # Errors
/// A list header or size that runs past the data.
pub fn sha256_entries(data: &[u8]) -> Result<Vec<[u8; 32]>, VarFormatError> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let h = data
            .get(pos..pos + 28)
            .ok_or(VarFormatError::ListHeader { offset: pos })?;
        let u32at = |o: usize| u32::from_le_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]) as usize;
        let (list_size, header_size, sig_size) = (u32at(16), u32at(20), u32at(24));
        if list_size < 28 + header_size || pos + list_size > data.len() || sig_size < 16 {
            return Err(VarFormatError::ListSize {
                offset: pos,
                size: list_size,
            });
        }
        if h[..16] == CERT_SHA256 && sig_size == 48 {
            let body = &data[pos + 28 + header_size..pos + list_size];
            for e in body.chunks_exact(sig_size) {
                let mut a = [0u8; 32];
                a.copy_from_slice(&e[16..48]);
                out.push(a);
            }
        }
        pos += list_size;
    }
    Ok(out)
}

/// The SHA-256 image hashes in `dbx` (`None` when the variable is absent).
///
/// # Errors
/// Unreadable, bad attributes, or malformed lists (the file is named).
pub fn dbx_hashes(root: &Root) -> Result<Option<Vec<[u8; 32]>>, EfiVarError> {
    let path = var_path("dbx", IMAGE_SECURITY);
    let bytes = match root.read_limited(&path, 1 << 20) {
        Ok((_, b)) => b,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let (_, data) = split(&bytes).map_err(format_error(&path))?;
    sha256_entries(data).map(Some).map_err(format_error(&path))
}

/// The firmware's Secure Boot state (host-formats 2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SbState {
    /// No `/sys/firmware/efi`: legacy BIOS boot, Secure Boot impossible.
    LegacyBios,
    /// UEFI, but no `SecureBoot` variable: firmware without Secure Boot support.
    Unsupported,
    /// SecureBoot=1, SetupMode=0 (user or deployed mode).
    Enabled {
        /// DeployedMode=1.
        deployed: bool,
        /// shim's MokSBStateRT=1: shim does not verify what it loads.
        shim_validation_disabled: bool,
    },
    /// SetupMode=1: no Platform Key, anyone can enrol keys.
    SetupMode {
        /// AuditMode=1.
        audit: bool,
    },
    /// SecureBoot=0 in user mode: keys enrolled but checks switched off.
    Disabled,
}

impl SbState {
    /// True only for [`SbState::Enabled`] without shim validation disabled.
    #[must_use]
    pub fn enforced(&self) -> bool {
        matches!(
            self,
            SbState::Enabled {
                shim_validation_disabled: false,
                ..
            }
        )
    }

    /// Words for a report (as `bootctl status` would say it).
    #[must_use]
    pub fn describe(&self) -> &'static str {
        match self {
            SbState::LegacyBios => "legacy BIOS boot (no /sys/firmware/efi): Secure Boot is not possible",
            SbState::Unsupported => "UEFI firmware without a SecureBoot variable: no Secure Boot support",
            SbState::Enabled { deployed: true, shim_validation_disabled: false } => "Secure Boot enabled (deployed mode)",
            SbState::Enabled { deployed: false, shim_validation_disabled: false } => "Secure Boot enabled (user mode)",
            SbState::Enabled { shim_validation_disabled: true, .. } => "Secure Boot enabled in firmware, but shim's validation is disabled (MokSBStateRT=1)",
            SbState::SetupMode { audit: true } => "audit mode: Secure Boot not enforced, no Platform Key enrolled",
            SbState::SetupMode { audit: false } => "setup mode: Secure Boot not enforced, anyone can enrol keys",
            SbState::Disabled => "Secure Boot disabled in firmware although keys are enrolled",
        }
    }
}

/// Read the Secure Boot state from efivarfs under `root`.
///
/// # Errors
/// `/sys/firmware/efi` present but efivarfs unreadable, or a garbage variable (named).
pub fn secure_boot_state(root: &Root) -> Result<SbState, EfiVarError> {
    match root.try_exists("/sys/firmware/efi") {
        Ok(false) => return Ok(SbState::LegacyBios),
        Ok(true) => {}
        Err(e) => return Err(e.into()),
    }
    if let Err(e) = root.read_dir(EFIVARS_DIR) {
        return Err(if e.is_not_found() {
            EfiVarError::NotMounted { source: e }
        } else {
            e.into()
        });
    }
    let sb = read_flag(root, "SecureBoot", EFI_GLOBAL)?;
    let setup = read_flag(root, "SetupMode", EFI_GLOBAL)?.unwrap_or(false);
    let audit = read_flag(root, "AuditMode", EFI_GLOBAL)?.unwrap_or(false);
    let deployed = read_flag(root, "DeployedMode", EFI_GLOBAL)?.unwrap_or(false);
    let mok = read_flag(root, "MokSBStateRT", SHIM_LOCK)?.unwrap_or(false);
    Ok(match sb {
        None => SbState::Unsupported,
        Some(_) if setup || audit => SbState::SetupMode { audit },
        Some(true) => SbState::Enabled {
            deployed,
            shim_validation_disabled: mok,
        },
        Some(false) => SbState::Disabled,
    })
}
