//! LUKS1 `phdr`: 592 bytes at offset 0, big-endian, eight 48-byte keyslots from offset 208.

use crate::{be32, cstr, Header, Kdf, Keyslot, Luks1Fields, LuksError, Segment};

const PHDR_LEN: usize = 592;
const SLOT_ACTIVE: u32 = 0x00AC_71F3;
const SLOT_DISABLED: u32 = 0x0000_DEAD;

pub(crate) fn parse(b: &[u8]) -> Result<Header, LuksError> {
    if b.len() < PHDR_LEN {
        return Err(LuksError::Truncated {
            what: "the LUKS1 header",
            need: PHDR_LEN,
            have: b.len(),
        });
    }
    let cipher_name = cstr(&b[8..40]);
    let cipher_mode = cstr(&b[40..72]);
    let hash_spec = cstr(&b[72..104]);
    let payload_offset = be32(b, 104);
    let key_bytes = be32(b, 108);
    let mk_iterations = be32(b, 164);
    let uuid = cstr(&b[168..208]);
    if cipher_name.is_empty() || cipher_mode.is_empty() {
        return Err(LuksError::Corrupt(
            "LUKS1 cipher name or mode is empty".into(),
        ));
    }
    if key_bytes == 0 || key_bytes > 512 {
        return Err(LuksError::Corrupt(format!(
            "LUKS1 key size of {key_bytes} bytes is out of range"
        )));
    }
    let mut keyslots = Vec::new();
    for i in 0..8u32 {
        let off = 208 + 48 * i as usize;
        match be32(b, off) {
            SLOT_ACTIVE => keyslots.push(Keyslot {
                id: i,
                kind: "luks1".into(),
                key_bits: key_bytes * 8,
                kdf: Kdf::Pbkdf2 {
                    hash: hash_spec.clone(),
                    iterations: u64::from(be32(b, off + 4)),
                },
                priority: None,
                area_encryption: None,
            }),
            SLOT_DISABLED => {}
            other => {
                return Err(LuksError::Corrupt(format!(
                    "LUKS1 keyslot {i} has the invalid state word {other:#010x}"
                )))
            }
        }
    }
    Ok(Header {
        version: 1,
        uuid,
        label: String::new(),
        subsystem: String::new(),
        epoch: None,
        metadata_size: None,
        keyslots_size: None,
        flags: Vec::new(),
        segments: vec![Segment {
            id: 0,
            kind: "crypt".into(),
            encryption: format!("{cipher_name}-{cipher_mode}"),
            sector_size: 512,
            key_bits: Some(key_bytes * 8),
            offset: u64::from(payload_offset) * 512,
            integrity: None,
        }],
        keyslots,
        tokens: Vec::new(),
        luks1: Some(Luks1Fields {
            cipher_name,
            cipher_mode,
            hash_spec,
            payload_offset,
            mk_iterations,
        }),
        used_copy: None,
        copy_problems: Vec::new(),
    })
}
