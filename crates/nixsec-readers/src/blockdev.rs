//! Which filesystems and swap areas sit on dm-crypt: mounts from `/proc/self/mountinfo`
//! (falling back to `/proc/mounts`), swap areas from `/proc/swaps`, each mapped to its block
//! device (`/sys/dev/block/MAJ:MIN/uevent`), then down the device-mapper stack
//! (`/sys/block/dm-N/dm/uuid`, `/sys/block/dm-N/slaves/*`, recursively: LVM on LUKS) to the
//! LUKS header on the backing device `/dev/NAME`. All through [`Root`]; nothing is written.

use std::collections::BTreeSet;

use nixsec_core::{Root, RootError};

/// One mounted filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Where it is mounted.
    pub mount_point: String,
    /// Filesystem type (`ext4`, `tmpfs`, `zfs`, ...).
    pub fstype: String,
    /// Mount source (`/dev/mapper/cryptroot`, `rpool/root`).
    pub source: String,
    /// `major:minor` of the device (mountinfo only).
    pub dev: Option<String>,
    /// The root of the mount within its filesystem (`/` unless a bind mount).
    pub fs_root: String,
}

/// One swap area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swap {
    /// The device or file.
    pub filename: String,
    /// `partition` or `file`.
    pub kind: String,
}

use crate::kernel::unescape_octal as unescape;

/// A malformed line of a mount or swap table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// A line of `/proc/self/mountinfo` that does not parse.
    #[error("line {0}: not a mountinfo line")]
    NotMountinfo(usize),
    /// A line with too few fields.
    #[error("line {0}: too few fields")]
    TooFewFields(usize),
    /// `/proc/swaps` without its header.
    #[error("no `Filename` header line")]
    NoHeader,
}

/// Why the mount table could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MountsError {
    /// The table exists but could not be read, or is not text.
    #[error(transparent)]
    Read(#[from] RootError),
    /// The table has a malformed line.
    #[error("`{path}`: {source}")]
    Malformed {
        /// The table.
        path: String,
        /// The line.
        source: TableError,
    },
}

/// Why the LUKS header below a dm-crypt mapping could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LuksHeaderError {
    /// sysfs names no device below the mapping.
    #[error("{dm} ({mapper}) lists no backing device in `/sys/block/{dm}/slaves`")]
    NoBacking {
        /// `dm-N`.
        dm: String,
        /// The mapper name.
        mapper: String,
    },
    /// The device could not be read (reading disks needs root).
    #[error(transparent)]
    Read(#[from] RootError),
    /// The device does not start with a valid LUKS header.
    #[error("`{path}`: {source}")]
    Header {
        /// The device.
        path: String,
        /// What is wrong with the header.
        source: nixsec_luks::LuksError,
    },
}

/// Parse `/proc/self/mountinfo` (with [`crate::kernel::parse_mountinfo`]).
///
/// # Errors
/// A malformed line (its number in the message).
pub fn parse_mountinfo(text: &str) -> Result<Vec<Mount>, TableError> {
    let (mounts, bad) = crate::kernel::parse_mountinfo(text);
    if let Some(line) = bad.first() {
        return Err(TableError::NotMountinfo(*line));
    }
    Ok(mounts
        .into_iter()
        .map(|m| Mount {
            dev: Some(m.dev),
            fs_root: m.fs_root,
            mount_point: m.point,
            fstype: m.fstype,
            source: m.source,
        })
        .collect())
}

/// Parse `/proc/mounts` (`source mountpoint fstype options 0 0`).
///
/// # Errors
/// A line with fewer than three fields.
pub fn parse_proc_mounts(text: &str) -> Result<Vec<Mount>, TableError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 3 {
            return Err(TableError::TooFewFields(i + 1));
        }
        out.push(Mount {
            source: unescape(f[0]),
            mount_point: unescape(f[1]),
            fstype: f[2].to_string(),
            dev: None,
            fs_root: "/".into(),
        });
    }
    Ok(out)
}

/// Parse `/proc/swaps`.
///
/// # Errors
/// A missing header or a short line.
pub fn parse_swaps(text: &str) -> Result<Vec<Swap>, TableError> {
    let mut lines = text.lines();
    match lines.next() {
        Some(h) if h.starts_with("Filename") => {}
        _ => return Err(TableError::NoHeader),
    }
    let mut out = Vec::new();
    for (i, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 2 {
            return Err(TableError::TooFewFields(i + 2));
        }
        out.push(Swap {
            filename: unescape(f[0]),
            kind: f[1].to_string(),
        });
    }
    Ok(out)
}

/// Filesystems whose data does not survive a reboot or is not on a local disk of this host.
#[must_use]
pub fn is_persistent_local(fstype: &str) -> bool {
    matches!(
        fstype,
        "ext2"
            | "ext3"
            | "ext4"
            | "xfs"
            | "btrfs"
            | "f2fs"
            | "jfs"
            | "reiserfs"
            | "nilfs2"
            | "zfs"
            | "bcachefs"
            | "vfat"
            | "exfat"
            | "ntfs"
            | "ntfs3"
            | "hfsplus"
    )
}

/// Filesystems with native encryption that sysfs does not show.
#[must_use]
pub fn has_native_encryption_option(fstype: &str) -> bool {
    matches!(fstype, "zfs" | "bcachefs")
}

/// The mounts of the audited system, read once per audit.
#[derive(Debug, Clone)]
pub struct Mounts {
    /// The file they came from.
    pub path: String,
    /// The mounts, in file order (later mounts hide earlier ones on the same point).
    pub list: Vec<Mount>,
}

impl Mounts {
    /// The mount visible at `point` (the last one listed).
    #[must_use]
    pub fn at(&self, point: &str) -> Option<&Mount> {
        self.list.iter().rev().find(|m| m.mount_point == point)
    }

    /// The mount holding `path` (longest mount-point prefix).
    #[must_use]
    pub fn holding(&self, path: &str) -> Option<&Mount> {
        self.list
            .iter()
            .rev()
            .filter(|m| {
                let mp = m.mount_point.trim_end_matches('/');
                path == m.mount_point || path.starts_with(&format!("{mp}/")) || m.mount_point == "/"
            })
            .max_by_key(|m| m.mount_point.len())
    }
}

/// Read the mounts: `/proc/self/mountinfo`, else `/proc/mounts`. `Ok(None)` when neither exists
/// (an offline root without `/proc`).
///
/// # Errors
/// Unreadable or malformed (the file is named).
pub fn read_mounts(root: &Root) -> Result<Option<Mounts>, MountsError> {
    for (path, parse) in [
        (
            crate::kernel::mountinfo_path(root),
            parse_mountinfo as fn(&str) -> Result<Vec<Mount>, TableError>,
        ),
        ("/proc/mounts", parse_proc_mounts),
    ] {
        match root.read_to_string(path) {
            Ok((_, text)) => {
                let list = parse(&text).map_err(|source| MountsError::Malformed {
                    path: path.to_string(),
                    source,
                })?;
                return Ok(Some(Mounts {
                    path: path.into(),
                    list,
                }));
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(None)
}

/// A dm-crypt mapping in a device's stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CryptLayer {
    /// `dm-N`.
    pub dm: String,
    /// The mapper name (`cryptroot`).
    pub mapper: String,
    /// `LUKS1`, `LUKS2`, `PLAIN`, `TCRYPT`, `BITLK`, ...
    pub kind: String,
    /// The devices directly below it (`nvme0n1p2`).
    pub backing: Vec<String>,
}

/// What lies below a block device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stack {
    /// Every device in the stack, top first (`dm-2`, `dm-0`, `nvme0n1p2`).
    pub devices: Vec<String>,
    /// The dm-crypt layers.
    pub crypt: Vec<CryptLayer>,
    /// The dm uuid of each device-mapper device in the stack (`dm-2`, `LVM-...`).
    pub uuids: Vec<(String, String)>,
}

impl Stack {
    /// True when a dm-crypt layer (not dm-integrity alone) is below the device.
    #[must_use]
    pub fn encrypted(&self) -> bool {
        self.crypt.iter().any(|c| c.kind != "INTEGRITY")
    }

    /// A short description (`dm-2 (LVM) -> dm-0 (CRYPT-LUKS2 cryptroot) -> nvme0n1p2`).
    #[must_use]
    pub fn describe(&self) -> String {
        self.devices
            .iter()
            .map(|d| match self.uuids.iter().find(|(n, _)| n == d) {
                Some((_, u)) => format!(
                    "{d} ({})",
                    u.split('-').take(2).collect::<Vec<_>>().join("-")
                ),
                None => d.clone(),
            })
            .collect::<Vec<_>>()
            .join(" -> ")
    }
}

fn read_line(root: &Root, path: &str) -> Result<Option<String>, RootError> {
    match root.read_to_string(path) {
        Ok((_, s)) => Ok(Some(s.trim_end_matches('\n').to_string())),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Walk the device-mapper stack below `dev` (a kernel name: `dm-0`, `sda2`).
///
/// # Errors
/// An unreadable sysfs file (named).
pub fn stack(root: &Root, dev: &str) -> Result<Stack, RootError> {
    let mut st = Stack::default();
    let mut seen = BTreeSet::new();
    let mut todo = vec![dev.to_string()];
    while let Some(d) = todo.pop() {
        if !seen.insert(d.clone()) || seen.len() > 64 {
            continue;
        }
        st.devices.push(d.clone());
        let Some(uuid) = read_line(root, &format!("/sys/block/{d}/dm/uuid"))? else {
            continue;
        };
        let slaves: Vec<String> = match root.read_dir(format!("/sys/block/{d}/slaves")) {
            Ok((_, v)) => v.into_iter().filter_map(|n| n.into_string().ok()).collect(),
            Err(e) if e.is_not_found() => Vec::new(),
            Err(e) => return Err(e),
        };
        if let Some(rest) = uuid.strip_prefix("CRYPT-") {
            let kind = rest.split('-').next().unwrap_or("").to_string();
            let mapper = read_line(root, &format!("/sys/block/{d}/dm/name"))?.unwrap_or_default();
            st.crypt.push(CryptLayer {
                dm: d.clone(),
                mapper,
                kind,
                backing: slaves.clone(),
            });
        }
        st.uuids.push((d.clone(), uuid));
        for s in slaves.into_iter().rev() {
            todo.push(s);
        }
    }
    Ok(st)
}

/// The kernel name of the block device behind a mount or swap source: from `major:minor`
/// through `/sys/dev/block/M:m/uevent` (`DEVNAME=`), else from the source path
/// (`/dev/mapper/NAME` via the dm names in `/sys/block/dm-*/dm/name`, `/dev/NAME`).
///
/// # Errors
/// An unreadable sysfs file.
pub fn device_name(
    root: &Root,
    dev: Option<&str>,
    source: &str,
) -> Result<Option<String>, RootError> {
    if let Some(mm) = dev {
        if let Some(uevent) = read_line(root, &format!("/sys/dev/block/{mm}/uevent"))? {
            if let Some(n) = uevent.lines().find_map(|l| l.strip_prefix("DEVNAME=")) {
                return Ok(Some(n.to_string()));
            }
        }
    }
    if let Some(name) = source.strip_prefix("/dev/mapper/") {
        let (_, blocks) = match root.read_dir("/sys/block") {
            Ok(x) => x,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        for b in blocks.iter().filter_map(|b| b.to_str()) {
            if b.starts_with("dm-")
                && read_line(root, &format!("/sys/block/{b}/dm/name"))?.as_deref() == Some(name)
            {
                return Ok(Some(b.to_string()));
            }
        }
        return Ok(None);
    }
    Ok(source.strip_prefix("/dev/").map(str::to_string))
}

/// Every dm-crypt mapping on the system (`/sys/block/dm-*` with a `CRYPT-` uuid), whether
/// mounted or not.
///
/// # Errors
/// An unreadable sysfs file.
pub fn all_crypt_layers(root: &Root) -> Result<Vec<CryptLayer>, RootError> {
    let (_, blocks) = match root.read_dir("/sys/block") {
        Ok(x) => x,
        Err(e) if e.is_not_found() => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for b in blocks
        .iter()
        .filter_map(|b| b.to_str())
        .filter(|b| b.starts_with("dm-"))
    {
        let st = stack(root, b)?;
        if let Some(c) = st.crypt.into_iter().find(|c| c.dm == b) {
            out.push(c);
        }
    }
    Ok(out)
}

/// How a persistent mount is protected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protection {
    /// On a dm-crypt device.
    Encrypted(Stack),
    /// On a plain block device.
    Plain(Stack),
    /// Not on a local disk (tmpfs, network, overlay, ...).
    NotPersistent,
    /// ZFS or bcachefs: native encryption may be on, but /proc and /sys do not show it.
    Unknown(String),
}

/// Classify a mount.
///
/// # Errors
/// An unreadable sysfs file.
pub fn protection(root: &Root, m: &Mount) -> Result<Protection, RootError> {
    if !is_persistent_local(&m.fstype) {
        return Ok(Protection::NotPersistent);
    }
    let dev = device_name(root, m.dev.as_deref(), &m.source)?;
    let Some(dev) = dev else {
        if has_native_encryption_option(&m.fstype) {
            return Ok(Protection::Unknown(format!(
                "{} dataset `{}`: native encryption is not visible in /proc or /sys (check `zfs get encryption`/`bcachefs` yourself)",
                m.fstype, m.source
            )));
        }
        return Ok(Protection::Unknown(format!(
            "cannot map `{}` ({}) to a block device",
            m.source,
            m.dev.as_deref().unwrap_or("no device number")
        )));
    };
    let st = stack(root, &dev)?;
    if st.encrypted() {
        Ok(Protection::Encrypted(st))
    } else if has_native_encryption_option(&m.fstype) {
        Ok(Protection::Unknown(format!(
            "{} on `{}`: native encryption is not visible in /proc or /sys",
            m.fstype, m.source
        )))
    } else {
        Ok(Protection::Plain(st))
    }
}

/// Read the LUKS header of the device below a crypt layer (`/dev/NAME` under the root).
///
/// # Errors
/// Unreadable device (reading disks needs root) or a bad header; the message names the path.
pub fn luks_header(
    root: &Root,
    layer: &CryptLayer,
) -> Result<(String, nixsec_luks::Header), LuksHeaderError> {
    let Some(dev) = layer.backing.first() else {
        return Err(LuksHeaderError::NoBacking {
            dm: layer.dm.clone(),
            mapper: layer.mapper.clone(),
        });
    };
    let path = format!("/dev/{dev}");
    let (_, bytes) = root.read_head(&path, nixsec_luks::MAX_READ)?;
    nixsec_luks::parse(&bytes)
        .map(|h| (path.clone(), h))
        .map_err(|source| LuksHeaderError::Header { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_and_swaps() {
        let m = parse_mountinfo("27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n36 27 0:40 /x /mnt/a\\040b rw - btrfs /dev/mapper/c rw\n").expect("parse");
        assert_eq!(m[1].mount_point, "/mnt/a b");
        assert_eq!(m[1].fs_root, "/x");
        assert_eq!(m[0].dev.as_deref(), Some("254:0"));
        assert_eq!(
            parse_mountinfo("garbage line\n"),
            Err(TableError::NotMountinfo(1))
        );
        let s = parse_swaps("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/swap\\040file                              file\t\t1048572\t\t0\t\t-2\n").expect("swaps");
        assert_eq!(s[0].filename, "/swap file");
        assert_eq!(s[0].kind, "file");
        assert_eq!(parse_swaps("nonsense"), Err(TableError::NoHeader));
        assert_eq!(unescape("a\\134b"), "a\\b");
    }

    #[test]
    fn mount_table_errors_name_the_file() {
        use nixsec_testutil::RootBuilder;
        let b = RootBuilder::new().file("/proc/mounts", "/dev/sda1 /\n");
        let e = read_mounts(&b.root()).expect_err("short line");
        assert_eq!(e.to_string(), "`/proc/mounts`: line 1: too few fields");
        assert!(read_mounts(&RootBuilder::new().root())
            .expect("absent")
            .is_none());
        let layer = CryptLayer {
            dm: "dm-0".into(),
            mapper: "cryptroot".into(),
            kind: "LUKS2".into(),
            backing: vec![],
        };
        let e = luks_header(&RootBuilder::new().root(), &layer).expect_err("no backing");
        assert_eq!(
            e.to_string(),
            "dm-0 (cryptroot) lists no backing device in `/sys/block/dm-0/slaves`"
        );
        let layer = CryptLayer {
            backing: vec!["sda2".into()],
            ..layer
        };
        let b = RootBuilder::new().file("/dev/sda2", [0u8; 4096]);
        let e = luks_header(&b.root(), &layer).expect_err("not LUKS");
        assert!(e.to_string().starts_with("`/dev/sda2`: "), "{e}");
    }
}
