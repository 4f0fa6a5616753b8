//! nixsec-firewall: what inbound traffic a host's firewall accepts, from saved state only.
//!
//! Sources (host-formats section 3; no tool is ever run):
//! * on the running host, the live nftables ruleset read over netlink ([`netlink`]; needs
//!   root);
//! * `nft -j list ruleset` JSON ([`nftjson`]), given with `nixsec audit --nft-json FILE`;
//! * `iptables-save`/`ip6tables-save` text of either backend ([`iptables`]), from the files
//!   distributions restore at boot ([`SAVED_IPTABLES`]);
//! * the NixOS iptables firewall's `firewall-start` script in the system closure, replayed
//!   ([`nixos`]), found through `firewall.service`;
//! * nftables ruleset files (`nft -f` syntax, [`nfttext`]) that `nftables.service` loads:
//!   NixOS's `nftables-rules` (the nftables firewall backend) or `/etc/nftables.conf`.
//!
//! All become one [`Ruleset`] model; [`Ruleset::decide`] follows a packet through every
//! input-hook base chain, [`Ruleset::default_deny`] says whether inbound is denied by default.
#![deny(missing_docs)]

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use nixsec_core::{Root, RootError};

pub mod eval;
pub mod iptables;
pub mod model;
pub mod netlink;
pub mod nftjson;
pub mod nfttext;
pub mod nixos;

pub use eval::{Decision, OpenPort, Packet, Tri};
pub use model::{IpVer, Ruleset, Source, SourceKind, L4};
pub use netlink::LiveError;

/// A ruleset file that could not be read or parsed.
#[derive(Debug, Clone)]
pub struct Error {
    /// The file.
    pub path: String,
    /// The line, when known.
    pub line: Option<u32>,
    /// What is wrong.
    pub msg: String,
    /// The I/O error (a [`RootError`] or an [`std::io::Error`]) when the file could not be read.
    cause: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl PartialEq for Error {
    /// Equal when they say the same thing about the same place (the cause is not compared).
    fn eq(&self, other: &Self) -> bool {
        (&self.path, self.line, &self.msg) == (&other.path, other.line, &other.msg)
    }
}

impl Eq for Error {}

impl Error {
    /// An error about `path` (at `line`).
    pub fn new(path: &str, line: Option<u32>, msg: impl Into<String>) -> Self {
        Error {
            path: path.to_string(),
            line,
            msg: msg.into(),
            cause: None,
        }
    }

    /// A file under the root that could not be read, keeping the error as its source.
    fn read(e: RootError) -> Self {
        let whole = e.to_string();
        // RootError's message is "`path`: what"; the path is shown once, by this error.
        let msg = whole
            .split_once("`: ")
            .map_or(whole.clone(), |(_, r)| r.to_string());
        Error {
            path: e.path().to_string(),
            line: None,
            msg,
            cause: Some(Arc::new(e)),
        }
    }

    /// A file of this machine that could not be read.
    fn io(path: &str, e: std::io::Error) -> Self {
        Error::new(path, None, format!("cannot read it ({e})")).caused_by(e)
    }

    fn caused_by(mut self, e: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.cause = Some(Arc::new(e));
        self
    }

    /// True when the file (or a parent directory) does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        let Some(c) = &self.cause else { return false };
        if let Some(e) = c.downcast_ref::<RootError>() {
            return e.is_not_found();
        }
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "`{}` line {l}: {}", self.path, self.msg),
            None => write!(f, "`{}`: {}", self.path, self.msg),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

/// Saved iptables rules that distributions restore at boot, and the IP version of each
/// (Debian/Ubuntu `iptables-persistent`, RHEL/Fedora `iptables-services`).
pub const SAVED_IPTABLES: &[(&str, IpVer)] = &[
    ("/etc/iptables/rules.v4", IpVer::V4),
    ("/etc/iptables/rules.v6", IpVer::V6),
    ("/etc/sysconfig/iptables", IpVer::V4),
    ("/etc/sysconfig/ip6tables", IpVer::V6),
];

/// Where NixOS's `firewall.service` (the iptables firewall) is found under a root.
pub const FIREWALL_UNITS: &[&str] = &[
    "/etc/systemd/system/firewall.service",
    "/run/current-system/etc/systemd/system/firewall.service",
];

/// Where an nftables unit that loads a ruleset file at boot is found: NixOS's
/// `nftables.service` (`networking.nftables.enable`, also the nftables firewall backend), or
/// a distribution's unit enabled through a `.wants` link (Debian: `nft -f /etc/nftables.conf`).
pub const NFTABLES_UNITS: &[&str] = &[
    "/etc/systemd/system/nftables.service",
    "/etc/systemd/system/sysinit.target.wants/nftables.service",
    "/etc/systemd/system/multi-user.target.wants/nftables.service",
    "/run/current-system/etc/systemd/system/nftables.service",
];

/// Largest ruleset file read.
const MAX_RULESET: u64 = 64 * 1024 * 1024;

/// What became of the live ruleset of the running host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Live {
    /// Not read: a mounted root, or `--nft-json` gives the live rules.
    #[default]
    NotTried,
    /// Read over netlink: one of the ruleset's sources.
    Read,
    /// The kernel has no `nf_tables` loaded, so no nftables rules exist (the empty live
    /// ruleset is a source).
    NotLoaded,
    /// Could not be read; the reason in one line, and whether it is a lack of privilege.
    Unreadable {
        /// Why.
        reason: String,
        /// The kernel refused for lack of `CAP_NET_ADMIN`.
        permission: bool,
    },
}

/// The ruleset found for a host.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// Everything that could be read, merged.
    pub ruleset: Ruleset,
    /// Files that exist but could not be read or parsed.
    pub errors: Vec<Error>,
    /// Remarks on how the sources were combined (shown in messages).
    pub notes: Vec<String>,
    /// The live ruleset (running host only).
    pub live: Live,
}

impl Loaded {
    /// True when no ruleset source was found at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ruleset.sources.is_empty() && self.errors.is_empty()
    }

    /// The source paths, comma-separated (the live ruleset by name).
    #[must_use]
    pub fn source_list(&self) -> String {
        self.ruleset
            .sources
            .iter()
            .map(|s| match s.kind {
                SourceKind::NftNetlink => "the live nftables ruleset (netlink)".to_string(),
                _ => format!("`{}`", s.path),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The files `nft -f` loads in a unit's `ExecStart=` lines: the argument of `-f`, or a
/// program that is itself an `nft -f` script (NixOS's `nftables-rules`).
fn nft_files(root: &Root, unit: &str) -> Vec<String> {
    let mut out = Vec::new();
    for l in unit.lines() {
        let Some(v) = l.trim().strip_prefix("ExecStart=") else {
            continue;
        };
        let words: Vec<&str> = v
            .trim_start_matches(['@', '-', '+', '!', ':'])
            .split_whitespace()
            .collect();
        if let Some(i) = words.iter().position(|w| *w == "-f" || *w == "--file") {
            if let Some(f) = words.get(i + 1) {
                out.push((*f).to_string());
            }
            continue;
        }
        if let Some(first) = words.first() {
            let shebang = read_root(root, first).ok().flatten().is_some_and(|(_, t)| {
                t.lines()
                    .next()
                    .is_some_and(|l| l.starts_with("#!") && l.contains("nft") && l.contains("-f"))
            });
            if shebang {
                out.push((*first).to_string());
            }
        }
    }
    out
}

/// The script a unit's `ExecStart=` runs (prefixes `@-+!:` and the `@` argv0 dropped).
fn exec_start(unit: &str) -> Option<String> {
    unit.lines().find_map(|l| {
        let v = l.trim().strip_prefix("ExecStart=")?;
        let v = v.trim_start_matches(['@', '-', '+', '!', ':']);
        v.split_whitespace().next().map(str::to_string)
    })
}

/// Read `nft -j list ruleset` output from this machine (the `--nft-json` file).
///
/// # Errors
/// Unreadable, too large, not UTF-8, or not nft JSON.
pub fn read_nft_json_file(path: &Path) -> Result<Ruleset, Error> {
    use std::io::Read;
    let shown = path.display().to_string();
    let io = |e: std::io::Error| Error::io(&shown, e);
    let f = std::fs::File::open(path).map_err(io)?;
    let mut text = String::new();
    f.take(MAX_RULESET + 1)
        .read_to_string(&mut text)
        .map_err(io)?;
    if text.len() as u64 > MAX_RULESET {
        return Err(Error::new(&shown, None, "larger than 64 MiB, not read"));
    }
    nftjson::parse(&text, &shown)
}

fn read_root(root: &Root, path: &str) -> Result<Option<(String, String)>, Error> {
    match root.read_limited(path, MAX_RULESET) {
        Ok((r, bytes)) => match String::from_utf8(bytes) {
            Ok(s) => Ok(Some((r.display(), s))),
            Err(e) => Err(Error::new(path, None, "not a text file").caused_by(e.utf8_error())),
        },
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(Error::read(e)),
    }
}

/// True for chains of tables iptables-nft manages (their rules carry opaque `xt` matches).
fn iptables_nft_table(rs: &Ruleset, family: &str, table: &str) -> bool {
    rs.chains
        .iter()
        .filter(|c| c.family_name == family && c.table == table)
        .flat_map(|c| &c.rules)
        .any(|r| r.text.contains("xt "))
}

/// The live ruleset of the running host: empty without reading when `nf_tables` is not
/// loaded (a request would load it), else read over netlink.
fn read_live(root: &Root) -> Result<Option<Ruleset>, netlink::LiveError> {
    if netlink::nf_tables_present(root) == Some(false) {
        return Ok(None);
    }
    netlink::read_live().map(Some)
}

/// Find and read the host's ruleset: `nft_json` (from `--nft-json`) if given, else on the
/// running host the live nftables ruleset over netlink; saved iptables files, and the NixOS
/// firewall script of the system closure.
#[must_use]
pub fn load(root: &Root, nft_json: Option<&Path>) -> Loaded {
    let live = (root.is_live() && nft_json.is_none()).then(|| read_live(root));
    load_with(root, nft_json, live)
}

/// [`load`] with the outcome of reading the live ruleset given (`None`: not tried;
/// `Ok(None)`: `nf_tables` is not loaded).
#[must_use]
pub fn load_with(
    root: &Root,
    nft_json: Option<&Path>,
    live: Option<Result<Option<Ruleset>, netlink::LiveError>>,
) -> Loaded {
    let mut out = Loaded::default();
    let live_rs = match live {
        None => None,
        Some(Ok(Some(rs))) => {
            out.live = Live::Read;
            Some(rs)
        }
        Some(Ok(None)) => {
            out.live = Live::NotLoaded;
            out.notes
                .push("`nf_tables` is not loaded, so the kernel holds no nftables rules".into());
            Some(Ruleset {
                sources: vec![Source {
                    path: netlink::SOURCE.into(),
                    kind: SourceKind::NftNetlink,
                }],
                ..Ruleset::default()
            })
        }
        Some(Err(e)) => {
            out.live = Live::Unreadable {
                permission: matches!(e, netlink::LiveError::Permission),
                reason: e.to_string(),
            };
            None
        }
    };
    let mut ipt = Ruleset::default();
    for (path, ver) in SAVED_IPTABLES {
        match read_root(root, path) {
            Ok(Some((shown, text))) => match iptables::parse_save(&text, &shown, Some(*ver)) {
                Ok(rs) => ipt.merge(rs),
                Err(e) => out.errors.push(e),
            },
            Ok(None) => {}
            Err(e) => out.errors.push(e),
        }
    }
    for unit in FIREWALL_UNITS {
        let text = match read_root(root, unit) {
            Ok(Some((_, t))) => t,
            Ok(None) => continue,
            Err(e) => {
                out.errors.push(e);
                continue;
            }
        };
        let Some(script) = exec_start(&text) else {
            out.errors.push(Error::new(
                unit,
                None,
                "no `ExecStart=` line (not NixOS's firewall unit?)",
            ));
            break;
        };
        match read_root(root, &script) {
            Ok(Some((shown, body))) => match nixos::replay_script(&body, &shown) {
                Ok(run) => {
                    if !run.skipped.is_empty() {
                        out.notes.push(format!(
                            "{} command(s) of `{shown}` use shell variables and were not replayed (first at line {})",
                            run.skipped.len(),
                            run.skipped[0].0
                        ));
                    }
                    ipt.merge(run.ruleset);
                }
                Err(e) => out.errors.push(e),
            },
            Ok(None) => out.errors.push(Error::new(
                &script,
                None,
                format!("the script `{unit}` starts is missing from the root"),
            )),
            Err(e) => out.errors.push(e),
        }
        break;
    }
    // nftables files loaded at boot; the live ruleset (`--nft-json`, netlink) supersedes them.
    if nft_json.is_none() && live_rs.is_none() {
        for unit in NFTABLES_UNITS {
            let text = match read_root(root, unit) {
                Ok(Some((_, t))) => t,
                Ok(None) => continue,
                Err(e) => {
                    out.errors.push(e);
                    break;
                }
            };
            let files = nft_files(root, &text);
            if files.is_empty() {
                out.errors.push(Error::new(
                    unit,
                    None,
                    "no `ExecStart=` that loads a ruleset with `nft -f`",
                ));
            }
            for f in files {
                match read_root(root, &f) {
                    Ok(Some((shown, body))) => {
                        let mut reader = |inc: &str| read_root(root, inc);
                        match nfttext::parse_with_includes(&body, &shown, &mut reader) {
                            Ok(rs) => out.ruleset.merge(rs),
                            Err(e) => out.errors.push(e),
                        }
                    }
                    Ok(None) => out.errors.push(Error::new(
                        &f,
                        None,
                        format!("the ruleset `{unit}` loads is missing from the root"),
                    )),
                    Err(e) => out.errors.push(e),
                }
            }
            break;
        }
    }
    let live_read = live_rs.is_some();
    match nft_json.map(read_nft_json_file).or(live_rs.map(Ok)) {
        Some(Ok(mut nft)) => {
            if !ipt.chains.is_empty() {
                // Tables iptables-nft manages show opaque `xt` rules in the JSON: read them
                // from the iptables sources instead (host-formats 3.1).
                let managed: Vec<(String, String)> = nft
                    .chains
                    .iter()
                    .map(|c| (c.family_name.clone(), c.table.clone()))
                    .filter(|(f, t)| iptables_nft_table(&nft, f, t))
                    .collect();
                if !managed.is_empty() {
                    nft.chains
                        .retain(|c| !managed.contains(&(c.family_name.clone(), c.table.clone())));
                    out.notes.push(
                        "tables managed by iptables-nft are read from the iptables rules, not the nft JSON"
                            .into(),
                    );
                }
            }
            out.ruleset.merge(nft);
        }
        Some(Err(e)) => out.errors.push(e),
        None => {}
    }
    out.ruleset.merge(ipt);
    // Legacy iptables tables in use that no saved file or script accounts for.
    let has_ipt = |v: IpVer| {
        out.ruleset.sources.iter().any(|s| match s.kind {
            SourceKind::IptablesSave { ver, .. } => ver == v,
            SourceKind::NixosFirewallScript => true,
            _ => false,
        })
    };
    for (file, v) in [
        ("/proc/net/ip_tables_names", IpVer::V4),
        ("/proc/net/ip6_tables_names", IpVer::V6),
    ] {
        if let Ok(Some((_, names))) = read_root(root, file) {
            let names: Vec<&str> = names.split_whitespace().collect();
            if !names.is_empty() && !has_ipt(v) {
                let what = format!(
                    "legacy {} tables are loaded (`{file}`: {}) but no saved rules describe them, so their rules are not seen",
                    if v == IpVer::V4 { "iptables" } else { "ip6tables" },
                    names.join(", ")
                );
                // Read live, the verdict would rest on half the rules: an error, unless only
                // tables without input chains are loaded.
                if live_read
                    && names
                        .iter()
                        .any(|n| matches!(*n, "filter" | "mangle" | "raw" | "security"))
                {
                    out.errors.push(Error::new(
                        file,
                        None,
                        format!("{what}: save them with `iptables-save` to `/etc/iptables/rules.v4` (`ip6tables-save` to `rules.v6`)"),
                    ));
                } else {
                    out.notes.push(what);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_start_lines() {
        assert_eq!(
            exec_start("[Service]\nExecStart=@/nix/store/abc-firewall-start/bin/firewall-start firewall-start\n")
                .as_deref(),
            Some("/nix/store/abc-firewall-start/bin/firewall-start")
        );
        assert_eq!(exec_start("[Unit]\n"), None);
    }

    #[test]
    fn read_errors_keep_their_cause() {
        use std::error::Error as _;
        let b = nixsec_testutil::RootBuilder::new()
            .dir("/etc/iptables/rules.v4", 0o755)
            .file("/etc/iptables/rules.v6", b"\xff\n".as_slice());
        let loaded = load(&b.root(), Some(Path::new("/definitely/not/here.json")));
        let shown: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "`/etc/iptables/rules.v4`: not a regular file (a directory)",
                "`/etc/iptables/rules.v6`: not a text file",
                "`/definitely/not/here.json`: cannot read it (No such file or directory (os error 2))",
            ]
        );
        assert!(loaded.errors.iter().all(|e| e.source().is_some()));
        assert!(!loaded.errors[0].is_not_found());
        assert!(loaded.errors[2].is_not_found());
        assert_eq!(
            loaded.errors[0],
            Error::new(
                "/etc/iptables/rules.v4",
                None,
                "not a regular file (a directory)"
            )
        );
    }
}
