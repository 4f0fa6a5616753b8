//! The EFI system partition as NixOS leaves it: systemd-boot (`loader/loader.conf`, type #1
//! entries in `loader/entries/*.conf`), lanzaboote / UKIs (type #2 entries `EFI/Linux/*.efi`),
//! the fallback loader `EFI/BOOT/BOOTX64.EFI`, and GRUB (`grub/grub.cfg`).
//!
//! FAT is case-insensitive: names are matched without regard to ASCII case.

use std::ffi::OsString;

use nixsec_core::{Root, RootError};

/// Where NixOS mounts the ESP (`boot.loader.efi.efiSysMountPoint`), in the order tried.
pub const ESP_CANDIDATES: [&str; 3] = ["/boot", "/efi", "/boot/efi"];

/// `loader/loader.conf`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoaderConf {
    /// Path under the root.
    pub path: String,
    /// The `editor` setting: (enabled, line number, raw value); `None` when absent.
    pub editor: Option<(bool, u32, String)>,
    /// The `default` pattern.
    pub default: Option<String>,
    /// Lines whose value is not understood (for error reporting): (line, text).
    pub invalid: Vec<(u32, String)>,
}

/// A boot entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entry id systemd-boot uses (file name, with extension).
    pub id: String,
    /// Path of the `.conf` (type #1) or `.efi` (type #2) under the root.
    pub path: String,
    /// True for a type #2 entry (a UKI in `EFI/Linux`).
    pub uki: bool,
    /// The EFI binary the entry starts, as a path under the root: the UKI itself, or a type #1
    /// entry's `linux`/`efi` file (the kernel's EFI stub).
    pub binary: Option<String>,
    /// Type #1 `options` lines, joined with spaces.
    pub options: Option<(u32, String)>,
}

/// What is on the ESP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Esp {
    /// The mount point under the root (`/boot`).
    pub dir: String,
    /// `loader/loader.conf`, if present (and readable).
    pub loader_conf: Option<LoaderConf>,
    /// systemd-boot (or lanzaboote's signed copy of it) is installed.
    pub systemd_boot: bool,
    /// Boot loaders on the ESP: `EFI/systemd/systemd-bootx64.efi`, `EFI/BOOT/BOOTX64.EFI`, GRUB.
    pub loaders: Vec<String>,
    /// Type #1 and type #2 entries, sorted by id.
    pub entries: Vec<Entry>,
}

/// The child of `dir` named `name`, ignoring ASCII case (FAT).
fn child(root: &Root, dir: &str, name: &str) -> Option<String> {
    let (_, names) = root.read_dir(dir).ok()?;
    names
        .iter()
        .filter_map(|n| n.to_str())
        .find(|n| n.eq_ignore_ascii_case(name))
        .map(|n| format!("{}/{n}", dir.trim_end_matches('/')))
}

/// A path below `dir`, each component matched without regard to case.
fn path_ci(root: &Root, dir: &str, rel: &str) -> Option<String> {
    let mut cur = dir.to_string();
    for part in rel.split(['/', '\\']).filter(|p| !p.is_empty()) {
        cur = child(root, &cur, part)?;
    }
    Some(cur)
}

fn names(root: &Root, dir: &str) -> Vec<String> {
    root.read_dir(dir)
        .map(|(_, v)| {
            v.into_iter()
                .filter_map(|n: OsString| n.into_string().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// systemd-boot's boolean parser (`yes/no/true/false/on/off/1/0/t/f/y/n`).
#[must_use]
pub fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "yes" | "y" | "true" | "t" | "on" => Some(true),
        "0" | "no" | "n" | "false" | "f" | "off" => Some(false),
        _ => None,
    }
}

fn parse_loader_conf(path: String, text: &str) -> LoaderConf {
    let mut c = LoaderConf {
        path,
        editor: None,
        default: None,
        invalid: Vec::new(),
    };
    for (i, line) in text.lines().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line
            .split_once(char::is_whitespace)
            .map_or((line, ""), |(k, v)| (k, v.trim()));
        match k {
            "editor" => match parse_bool(v) {
                Some(b) => c.editor = Some((b, n, v.to_string())),
                None => c.invalid.push((n, line.to_string())),
            },
            "default" => c.default = Some(v.to_string()),
            _ => {}
        }
    }
    c
}

fn parse_entry(root: &Root, esp: &str, id: String, path: String, text: &str) -> Entry {
    let mut binary = None;
    let mut options: Option<(u32, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let line = line.trim();
        let (k, v) = line
            .split_once(char::is_whitespace)
            .map_or((line, ""), |(k, v)| (k, v.trim()));
        match k {
            "linux" | "efi" => {
                binary = Some(path_ci(root, esp, v).unwrap_or_else(|| {
                    format!(
                        "{}/{}",
                        esp.trim_end_matches('/'),
                        v.trim_start_matches(['/', '\\']).replace('\\', "/")
                    )
                }));
            }
            "options" => match &mut options {
                Some((_, o)) => {
                    o.push(' ');
                    o.push_str(v);
                }
                None => options = Some((n, v.to_string())),
            },
            _ => {}
        }
    }
    Entry {
        id,
        path,
        uki: false,
        binary,
        options,
    }
}

/// Find the ESP under `root` (the first of [`ESP_CANDIDATES`] that holds an `EFI` or `loader`
/// directory) and list what is on it. `None` when there is none.
///
/// # Errors
/// An unreadable `loader.conf` or entry file (named in the message).
pub fn find(root: &Root) -> Result<Option<Esp>, RootError> {
    let Some(dir) = ESP_CANDIDATES
        .iter()
        .find(|d| child(root, d, "EFI").is_some() || child(root, d, "loader").is_some())
    else {
        return Ok(None);
    };
    let dir = (*dir).to_string();
    let loader_conf = match path_ci(root, &dir, "loader/loader.conf") {
        Some(p) => {
            let (_, text) = root.read_to_string(&p)?;
            Some(parse_loader_conf(p, &text))
        }
        None => None,
    };
    let sd = path_ci(root, &dir, "EFI/systemd/systemd-bootx64.efi")
        .or_else(|| path_ci(root, &dir, "EFI/systemd/systemd-bootaa64.efi"));
    let mut loaders = Vec::new();
    loaders.extend(sd.clone());
    loaders.extend(
        path_ci(root, &dir, "EFI/BOOT/BOOTX64.EFI")
            .or_else(|| path_ci(root, &dir, "EFI/BOOT/BOOTAA64.EFI")),
    );
    if let Some(efi) = child(root, &dir, "EFI") {
        for vendor in names(root, &efi) {
            for g in ["grubx64.efi", "grubaa64.efi", "shimx64.efi"] {
                loaders.extend(path_ci(root, &efi, &format!("{vendor}/{g}")));
            }
        }
    }
    let mut entries = Vec::new();
    if let Some(edir) = path_ci(root, &dir, "loader/entries") {
        for name in names(root, &edir) {
            if !name.to_ascii_lowercase().ends_with(".conf") {
                continue;
            }
            let p = format!("{edir}/{name}");
            let (_, text) = root.read_to_string(&p)?;
            entries.push(parse_entry(root, &dir, name, p, &text));
        }
    }
    if let Some(ldir) = path_ci(root, &dir, "EFI/Linux") {
        for name in names(root, &ldir) {
            if !name.to_ascii_lowercase().ends_with(".efi") {
                continue;
            }
            let p = format!("{ldir}/{name}");
            entries.push(Entry {
                id: name,
                path: p.clone(),
                uki: true,
                binary: Some(p),
                options: None,
            });
        }
    }
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Some(Esp {
        systemd_boot: sd.is_some() || loader_conf.is_some(),
        dir,
        loader_conf,
        loaders,
        entries,
    }))
}

/// systemd-boot's glob (`*`, `?`), case-insensitive.
#[must_use]
pub fn glob_match(pattern: &str, name: &str) -> bool {
    fn rec(p: &[u8], n: &[u8]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(b'*'), _) => rec(&p[1..], n) || (!n.is_empty() && rec(p, &n[1..])),
            (Some(b'?'), Some(_)) => rec(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => rec(&p[1..], &n[1..]),
            _ => false,
        }
    }
    rec(pattern.as_bytes(), name.as_bytes())
}

impl Esp {
    /// The entries that boot: the one named by `selected` (LoaderEntrySelected), else the
    /// `default` of loader.conf (the newest match, as systemd-boot sorts), else every entry.
    #[must_use]
    pub fn booting_entries(&self, selected: Option<&str>) -> Vec<&Entry> {
        if let Some(sel) = selected {
            let hit: Vec<&Entry> = self
                .entries
                .iter()
                .filter(|e| e.id.eq_ignore_ascii_case(sel))
                .collect();
            if !hit.is_empty() {
                return hit;
            }
        }
        if let Some(def) = self.loader_conf.as_ref().and_then(|c| c.default.as_deref()) {
            if let Some(e) = self.entries.iter().rev().find(|e| glob_match(def, &e.id)) {
                return vec![e];
            }
        }
        self.entries.iter().collect()
    }
}
