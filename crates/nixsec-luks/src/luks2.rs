//! LUKS2: two metadata copies, each a 4096-byte binary header followed by a NUL-terminated
//! JSON area; the checksum covers the whole `hdr_size` bytes with the `csum` field zeroed.

use serde_json::{Map, Value};
use sha2::Digest;

use crate::{
    be64, cstr, Copy, Header, Kdf, Keyslot, LuksError, Segment, Token, LUKS2_HDR_SIZES, MAGIC,
    MAGIC_SECONDARY,
};

const BIN_LEN: usize = 4096;
const CSUM_OFF: usize = 448;
const CSUM_LEN: usize = 64;

/// How many bytes to read for a LUKS2 device whose first 4096 bytes are `first`; `None` when
/// it is LUKS1 (or too short to tell), which needs no more.
pub(crate) fn wanted_len(first: &[u8]) -> Option<u64> {
    if first.len() < 16 {
        return None;
    }
    if &first[..6] == MAGIC {
        if u16::from_be_bytes([first[6], first[7]]) != 2 {
            return None;
        }
        let hs = be64(first, 8);
        if LUKS2_HDR_SIZES.contains(&hs) {
            return Some(2 * hs);
        }
    }
    // Damaged or wiped primary: look for the secondary at every allowed offset.
    Some(crate::MAX_READ)
}

/// One validated metadata copy.
struct CopyData {
    seqid: u64,
    hdr_size: u64,
    label: String,
    subsystem: String,
    uuid: String,
    json: Value,
}

fn check_copy(b: &[u8], off: usize, copy: Copy) -> Result<CopyData, String> {
    let magic = match copy {
        Copy::Primary => MAGIC,
        Copy::Secondary => MAGIC_SECONDARY,
    };
    if b.len() < off + BIN_LEN {
        return Err(format!(
            "truncated: the binary header at offset {off} needs {} bytes, only {} present",
            off + BIN_LEN,
            b.len()
        ));
    }
    let h = &b[off..off + BIN_LEN];
    if &h[..6] != magic {
        return Err(format!("no LUKS2 magic at offset {off}"));
    }
    let version = u16::from_be_bytes([h[6], h[7]]);
    if version != 2 {
        return Err(format!("version {version}, expected 2"));
    }
    let hdr_size = be64(h, 8);
    if !LUKS2_HDR_SIZES.contains(&hdr_size) {
        return Err(format!("invalid metadata size {hdr_size}"));
    }
    let hdr_offset = be64(h, 256);
    if hdr_offset != off as u64 {
        return Err(format!(
            "header offset field {hdr_offset} does not match its position {off}"
        ));
    }
    let size = usize::try_from(hdr_size).map_err(|_| "metadata size too large".to_string())?;
    if b.len() < off + size {
        return Err(format!(
            "truncated: the metadata area at offset {off} needs {} bytes, only {} present",
            off + size,
            b.len()
        ));
    }
    let area = &b[off..off + size];
    let alg = cstr(&h[72..104]);
    let stored = &h[CSUM_OFF..CSUM_OFF + CSUM_LEN];
    let computed =
        checksum(&alg, area).ok_or_else(|| format!("unknown checksum algorithm `{alg}`"))?;
    if stored[..computed.len()] != computed[..] {
        return Err(format!("{alg} checksum mismatch"));
    }
    let json_area = &area[BIN_LEN..];
    let end = json_area
        .iter()
        .position(|&c| c == 0)
        .unwrap_or(json_area.len());
    let json: Value =
        serde_json::from_slice(&json_area[..end]).map_err(|e| format!("JSON metadata: {e}"))?;
    if !json.is_object() {
        return Err("JSON metadata is not an object".into());
    }
    Ok(CopyData {
        seqid: be64(h, 16),
        hdr_size,
        label: cstr(&h[24..72]),
        subsystem: cstr(&h[208..256]),
        uuid: cstr(&h[168..208]),
        json,
    })
}

fn checksum(alg: &str, area: &[u8]) -> Option<Vec<u8>> {
    fn run<D: Digest>(area: &[u8]) -> Vec<u8> {
        let mut d = D::new();
        d.update(&area[..CSUM_OFF]);
        d.update([0u8; CSUM_LEN]);
        d.update(&area[CSUM_OFF + CSUM_LEN..]);
        d.finalize().to_vec()
    }
    Some(match alg {
        "sha256" => run::<sha2::Sha256>(area),
        "sha512" => run::<sha2::Sha512>(area),
        "sha384" => run::<sha2::Sha384>(area),
        "sha1" => run::<sha1::Sha1>(area),
        _ => return None,
    })
}

pub(crate) fn parse(b: &[u8]) -> Result<Header, LuksError> {
    let primary_magic = b.len() >= 6 && &b[..6] == MAGIC;
    let primary = if primary_magic {
        Some(check_copy(b, 0, Copy::Primary))
    } else {
        None
    };
    // The secondary sits at the primary's hdr_size; when the primary is unusable, try every
    // allowed offset (as cryptsetup does).
    let hint = if b.len() >= 16 && primary_magic {
        Some(be64(b, 8)).filter(|h| LUKS2_HDR_SIZES.contains(h))
    } else {
        None
    };
    let secondary = match hint {
        Some(h) => Some(check_copy(b, h as usize, Copy::Secondary)),
        None => LUKS2_HDR_SIZES
            .iter()
            .map(|&h| h as usize)
            .find(|&h| b.len() >= h + 6 && &b[h..h + 6] == MAGIC_SECONDARY)
            .map(|h| check_copy(b, h, Copy::Secondary)),
    };
    if primary.is_none() && secondary.is_none() {
        return Err(LuksError::NotLuks);
    }
    let mut problems = Vec::new();
    let (p, s) = match (primary, secondary) {
        (Some(Ok(p)), Some(Ok(s))) => (Some(p), Some(s)),
        (Some(Ok(p)), Some(Err(e))) => {
            problems.push((Copy::Secondary, e));
            (Some(p), None)
        }
        (Some(Ok(p)), None) => {
            problems.push((Copy::Secondary, "not found".to_string()));
            (Some(p), None)
        }
        (Some(Err(e)), Some(Ok(s))) => {
            problems.push((Copy::Primary, e));
            (None, Some(s))
        }
        (None, Some(Ok(s))) => {
            problems.push((Copy::Primary, "no LUKS2 magic at offset 0".to_string()));
            (None, Some(s))
        }
        (pe, se) => {
            let pe = match pe {
                Some(Err(e)) => e,
                _ => "no LUKS2 magic at offset 0".to_string(),
            };
            let se = match se {
                Some(Err(e)) => e,
                _ => "not found".to_string(),
            };
            if pe.starts_with("truncated") {
                return Err(LuksError::Corrupt(format!(
                    "LUKS2 primary header {pe}; secondary header: {se}"
                )));
            }
            return Err(LuksError::Corrupt(format!(
                "both LUKS2 header copies are unusable: primary: {pe}; secondary: {se}"
            )));
        }
    };
    let (used, copy) = match (p, s) {
        (Some(p), Some(s)) => {
            if s.seqid > p.seqid {
                problems.push((
                    Copy::Primary,
                    format!("older than the secondary (seqid {} < {})", p.seqid, s.seqid),
                ));
                (s, Copy::Secondary)
            } else {
                if s.seqid < p.seqid {
                    problems.push((
                        Copy::Secondary,
                        format!("older than the primary (seqid {} < {})", s.seqid, p.seqid),
                    ));
                }
                (p, Copy::Primary)
            }
        }
        (Some(p), None) => (p, Copy::Primary),
        (None, Some(s)) => (s, Copy::Secondary),
        (None, None) => return Err(LuksError::NotLuks),
    };
    let mut h = interpret(&used)?;
    h.used_copy = Some(copy);
    h.copy_problems = problems;
    Ok(h)
}

fn obj<'a>(v: &'a Value, key: &str) -> Result<&'a Map<String, Value>, LuksError> {
    v.get(key)
        .and_then(Value::as_object)
        .ok_or_else(|| LuksError::Corrupt(format!("JSON metadata lacks the `{key}` object")))
}

fn id(key: &str, what: &str) -> Result<u32, LuksError> {
    key.parse()
        .map_err(|_| LuksError::Corrupt(format!("{what} id `{key}` is not a number")))
}

/// A JSON number or a decimal string (LUKS2 stores 64-bit values as strings).
fn num(v: &Value, key: &str, what: &str) -> Result<u64, LuksError> {
    let field = v.get(key);
    field
        .and_then(|f| {
            f.as_u64()
                .or_else(|| f.as_str().and_then(|s| s.parse().ok()))
        })
        .ok_or_else(|| LuksError::Corrupt(format!("{what}: `{key}` missing or not a number")))
}

fn text(v: &Value, key: &str, what: &str) -> Result<String, LuksError> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| LuksError::Corrupt(format!("{what}: `{key}` missing or not a string")))
}

fn id_list(v: &Value, key: &str, what: &str) -> Result<Vec<u32>, LuksError> {
    let Some(list) = v.get(key).and_then(Value::as_array) else {
        return Err(LuksError::Corrupt(format!(
            "{what}: `{key}` missing or not a list"
        )));
    };
    list.iter()
        .map(|x| {
            x.as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| LuksError::Corrupt(format!("{what}: `{key}` holds a non-id")))
        })
        .collect()
}

fn interpret(c: &CopyData) -> Result<Header, LuksError> {
    let j = &c.json;
    let mut keyslots = Vec::new();
    for (k, v) in obj(j, "keyslots")? {
        let sid = id(k, "keyslot")?;
        let what = format!("keyslot {sid}");
        let kdf_v = v
            .get("kdf")
            .ok_or_else(|| LuksError::Corrupt(format!("{what}: no `kdf`")))?;
        let kdf_type = text(kdf_v, "type", &what)?;
        let kdf = match kdf_type.as_str() {
            "pbkdf2" => Kdf::Pbkdf2 {
                hash: text(kdf_v, "hash", &what)?,
                iterations: num(kdf_v, "iterations", &what)?,
            },
            "argon2i" | "argon2id" => Kdf::Argon2 {
                variant: kdf_type.clone(),
                time: num(kdf_v, "time", &what)?,
                memory_kib: num(kdf_v, "memory", &what)?,
                cpus: num(kdf_v, "cpus", &what)?,
            },
            _ => Kdf::Other(kdf_type.clone()),
        };
        let key_bytes = num(v, "key_size", &what)?;
        keyslots.push(Keyslot {
            id: sid,
            kind: text(v, "type", &what)?,
            key_bits: u32::try_from(key_bytes.saturating_mul(8)).unwrap_or(u32::MAX),
            kdf,
            priority: v.get("priority").and_then(Value::as_u64),
            area_encryption: v
                .get("area")
                .and_then(|a| a.get("encryption"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }
    keyslots.sort_by_key(|k| k.id);

    let mut tokens = Vec::new();
    if let Some(toks) = j.get("tokens").and_then(Value::as_object) {
        for (k, v) in toks {
            let tid = id(k, "token")?;
            let what = format!("token {tid}");
            tokens.push(Token {
                id: tid,
                kind: text(v, "type", &what)?,
                keyslots: id_list(v, "keyslots", &what)?,
            });
        }
    }
    tokens.sort_by_key(|t| t.id);

    // Segment key size: the keyslots the segment's digest covers.
    let digests = obj(j, "digests")?;
    let mut segments = Vec::new();
    for (k, v) in obj(j, "segments")? {
        let sid = id(k, "segment")?;
        let what = format!("segment {sid}");
        let kind = text(v, "type", &what)?;
        let mut key_bits = None;
        for d in digests.values() {
            let segs = id_list(d, "segments", "digest")?;
            if segs.contains(&sid) {
                let slots = id_list(d, "keyslots", "digest")?;
                key_bits = keyslots
                    .iter()
                    .filter(|s| slots.contains(&s.id))
                    .map(|s| s.key_bits)
                    .max();
            }
        }
        segments.push(Segment {
            id: sid,
            encryption: if kind == "crypt" {
                text(v, "encryption", &what)?
            } else {
                String::new()
            },
            sector_size: if kind == "crypt" {
                u32::try_from(num(v, "sector_size", &what)?).unwrap_or(u32::MAX)
            } else {
                512
            },
            kind,
            key_bits,
            offset: num(v, "offset", &what)?,
            integrity: v
                .get("integrity")
                .and_then(|i| i.get("type"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }
    segments.sort_by_key(|s| s.id);

    let config = obj(j, "config")?;
    let config_v = Value::Object(config.clone());
    let flags = config
        .get("flags")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok(Header {
        version: 2,
        uuid: c.uuid.clone(),
        label: c.label.clone(),
        subsystem: c.subsystem.clone(),
        epoch: Some(c.seqid),
        metadata_size: Some(c.hdr_size),
        keyslots_size: Some(num(&config_v, "keyslots_size", "config")?),
        flags,
        segments,
        keyslots,
        tokens,
        luks1: None,
        used_copy: None,
        copy_problems: Vec::new(),
    })
}
