//! efivarfs: `/sys/firmware/efi/efivars/<Name>-<vendor guid>`, a 4-byte little-endian
//! attribute word followed by the variable's data.

use nixsec_core::Root;

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

/// The path of a variable.
#[must_use]
pub fn var_path(name: &str, guid: &str) -> String {
    format!("{EFIVARS_DIR}/{name}-{guid}")
}

/// Split a variable file into its attribute word and data.
///
/// # Errors
/// Shorter than the 4-byte attribute word, or attribute bits the specification does not define.
pub fn split(bytes: &[u8]) -> Result<(u32, &[u8]), String> {
    if bytes.len() < 4 {
        return Err(format!(
            "{} bytes, shorter than the 4-byte attribute prefix",
            bytes.len()
        ));
    }
    let attrs = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if attrs & !KNOWN_ATTRS != 0 || attrs == 0 {
        return Err(format!("invalid attribute word {attrs:#010x}"));
    }
    Ok((attrs, &bytes[4..]))
}

/// Read a one-byte boolean variable (SecureBoot, SetupMode, ...): `None` when absent.
///
/// # Errors
/// Unreadable, or not a 4-byte attribute word + one byte 0 or 1; the message names the file.
pub fn read_flag(root: &Root, name: &str, guid: &str) -> Result<Option<bool>, String> {
    let path = var_path(name, guid);
    let bytes = match root.read_limited(&path, 4096) {
        Ok((_, b)) => b,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let (_, data) = split(&bytes).map_err(|e| format!("`{path}`: {e}"))?;
    match data {
        [0] => Ok(Some(false)),
        [1] => Ok(Some(true)),
        _ => Err(format!(
            "`{path}`: expected one data byte 0 or 1 after the attributes, found {} bytes ({})",
            data.len(),
            crate::pe::hex(&data[..data.len().min(8)])
        )),
    }
}

/// Read a UTF-16LE string variable (LoaderInfo, StubInfo, LoaderEntrySelected): trailing NULs
/// stripped, never required. `None` when absent.
///
/// # Errors
/// Unreadable, bad attributes, odd length or invalid UTF-16.
pub fn read_string(root: &Root, name: &str, guid: &str) -> Result<Option<String>, String> {
    let path = var_path(name, guid);
    let bytes = match root.read_limited(&path, 65536) {
        Ok((_, b)) => b,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let (_, data) = split(&bytes).map_err(|e| format!("`{path}`: {e}"))?;
    if data.len() % 2 != 0 {
        return Err(format!("`{path}`: odd length for a UTF-16 string"));
    }
    let units: Vec<u16> = data
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let s = String::from_utf16(&units).map_err(|_| format!("`{path}`: invalid UTF-16"))?;
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
pub fn sha256_entries(data: &[u8]) -> Result<Vec<[u8; 32]>, String> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let h = data
            .get(pos..pos + 28)
            .ok_or_else(|| format!("EFI_SIGNATURE_LIST header at offset {pos} is truncated"))?;
        let u32at = |o: usize| u32::from_le_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]) as usize;
        let (list_size, header_size, sig_size) = (u32at(16), u32at(20), u32at(24));
        if list_size < 28 + header_size || pos + list_size > data.len() || sig_size < 16 {
            return Err(format!(
                "EFI_SIGNATURE_LIST at offset {pos}: size {list_size} does not fit the data"
            ));
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
pub fn dbx_hashes(root: &Root) -> Result<Option<Vec<[u8; 32]>>, String> {
    let path = var_path("dbx", IMAGE_SECURITY);
    let bytes = match root.read_limited(&path, 1 << 20) {
        Ok((_, b)) => b,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let (_, data) = split(&bytes).map_err(|e| format!("`{path}`: {e}"))?;
    sha256_entries(data)
        .map(Some)
        .map_err(|e| format!("`{path}`: {e}"))
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
pub fn secure_boot_state(root: &Root) -> Result<SbState, String> {
    match root.try_exists("/sys/firmware/efi") {
        Ok(false) => return Ok(SbState::LegacyBios),
        Ok(true) => {}
        Err(e) => return Err(e.to_string()),
    }
    if let Err(e) = root.read_dir(EFIVARS_DIR) {
        return Err(if e.is_not_found() {
            format!("`{EFIVARS_DIR}` is missing: efivarfs is not mounted, the Secure Boot state cannot be read")
        } else {
            e.to_string()
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
