//! LXC container configs: `key = value` lines, `lxc.include` of files and directories
//! (resolved recursively, in order, with loop detection), list keys that accumulate and are
//! cleared by an empty value, and the LXC 2.x key names (`lxc.id_map`, `lxc.aa_profile`, …)
//! read as their 3.0 names.
//!
//! Containers: `<lxcpath>/<name>/config` with `lxcpath` from `/etc/lxc/lxc.conf`
//! (default `/var/lib/lxc`), and users' `~/.local/share/lxc/<name>/config` (unprivileged by
//! construction: they run as the user).

use nixsec_core::{Root, RootError};

use crate::passwd;

/// Why an LXC config (with its includes) could not be read; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum LxcError {
    /// A file or an included directory could not be read.
    #[error(transparent)]
    Read(#[from] RootError),
    /// A file includes itself, directly or through others.
    #[error("`{path}`: lxc.include loop ({})", .chain.join(" -> "))]
    IncludeLoop {
        /// The file included again.
        path: String,
        /// The files open when it was, ending with it again.
        chain: Vec<String>,
    },
    /// Includes nested too deep.
    #[error("`{path}`: lxc.include nested more than {MAX_INCLUDE_DEPTH} deep")]
    IncludeDepth {
        /// The file that would be one too many.
        path: String,
    },
    /// A line that is not `key = value`.
    #[error("`{path}`:{line}: not a `key = value` line: `{}`", nixsec_core::escape(.text))]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line.
        line: u32,
        /// The line, trimmed.
        text: String,
    },
    /// A key that is not an `lxc.` key.
    #[error("`{path}`:{line}: unknown key `{}`", nixsec_core::escape(.key))]
    UnknownKey {
        /// The file.
        path: String,
        /// 1-based line.
        line: u32,
        /// The key.
        key: String,
    },
    /// An error in an included file, with the `lxc.include` that led to it.
    #[error("{source} (lxc.include at `{path}`:{line})")]
    Included {
        /// The including file.
        path: String,
        /// 1-based line of its `lxc.include`.
        line: u32,
        /// The error in the included file or directory.
        source: Box<LxcError>,
    },
}

impl LxcError {
    /// True when a file (or a parent directory) the read needed does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        match self {
            LxcError::Read(e) => e.is_not_found(),
            LxcError::Included { source, .. } => source.is_not_found(),
            _ => false,
        }
    }

    /// True when the message already says which `lxc.include` led to the error.
    fn names_include(&self) -> bool {
        matches!(
            self,
            LxcError::IncludeLoop { .. }
                | LxcError::IncludeDepth { .. }
                | LxcError::Included { .. }
        )
    }
}

/// One setting after includes, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// Key, with 2.x names mapped to 3.0 ones.
    pub key: String,
    /// Value, trimmed.
    pub value: String,
    /// File inside the root.
    pub path: String,
    /// 1-based line.
    pub line: u32,
}

/// LXC 2.x → 3.0 key names (`lxc-update-config`).
fn modern_key(k: &str) -> String {
    let map = [
        ("lxc.id_map", "lxc.idmap"),
        ("lxc.aa_profile", "lxc.apparmor.profile"),
        ("lxc.aa_allow_incomplete", "lxc.apparmor.allow_incomplete"),
        ("lxc.utsname", "lxc.uts.name"),
        ("lxc.rootfs", "lxc.rootfs.path"),
        ("lxc.init_uid", "lxc.init.uid"),
        ("lxc.init_gid", "lxc.init.gid"),
        ("lxc.seccomp", "lxc.seccomp.profile"),
        ("lxc.console", "lxc.console.path"),
        ("lxc.tty", "lxc.tty.max"),
        ("lxc.haltsignal", "lxc.signal.halt"),
    ];
    for (old, new) in map {
        if k == old {
            return new.to_string();
        }
    }
    if let Some(rest) = k.strip_prefix("lxc.network.") {
        return format!("lxc.net.0.{rest}");
    }
    k.to_string()
}

/// Keys whose values accumulate (an empty value clears them).
fn is_list(k: &str) -> bool {
    matches!(
        k,
        "lxc.idmap"
            | "lxc.mount.entry"
            | "lxc.cap.drop"
            | "lxc.cap.keep"
            | "lxc.cgroup.devices.allow"
            | "lxc.cgroup2.devices.allow"
            | "lxc.cgroup.devices.deny"
            | "lxc.cgroup2.devices.deny"
            | "lxc.mount.auto"
    )
}

/// A container config with its includes resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// Effective settings in order (list keys keep every live value; other keys their last).
    pub settings: Vec<Setting>,
}

impl Config {
    /// Every live value of a list key.
    #[must_use]
    pub fn all(&self, key: &str) -> Vec<&Setting> {
        self.settings.iter().filter(|s| s.key == key).collect()
    }

    /// The last value of a key.
    #[must_use]
    pub fn last(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().rev().find(|s| s.key == key)
    }
}

const MAX_INCLUDE_DEPTH: usize = 32;

/// Settings as they are read: a key's earlier value is cleared in place (never by scanning the
/// list), so a config of many lines is read in linear time whatever keys repeat.
#[derive(Default)]
struct Builder {
    slots: Vec<Option<Setting>>,
    live: std::collections::HashMap<String, Vec<usize>>,
}

impl Builder {
    fn clear(&mut self, key: &str) {
        if let Some(idx) = self.live.get_mut(key) {
            for i in idx.drain(..) {
                if let Some(slot) = self.slots.get_mut(i) {
                    *slot = None;
                }
            }
        }
    }

    fn push(&mut self, s: Setting) {
        self.live
            .entry(s.key.clone())
            .or_default()
            .push(self.slots.len());
        self.slots.push(Some(s));
    }

    fn finish(self) -> Config {
        Config {
            settings: self.slots.into_iter().flatten().collect(),
        }
    }
}

/// Read `path` (and what it includes) into `cfg`.
///
/// # Errors
/// An unreadable file, an include loop, a line that is not `key = value`.
fn read_into(
    root: &Root,
    path: &str,
    stack: &mut Vec<String>,
    cfg: &mut Builder,
) -> Result<(), LxcError> {
    let resolved = root.resolve(path)?.display();
    if stack.contains(&resolved) {
        let mut chain = stack.clone();
        chain.push(resolved);
        return Err(LxcError::IncludeLoop {
            path: path.to_string(),
            chain,
        });
    }
    if stack.len() >= MAX_INCLUDE_DEPTH {
        return Err(LxcError::IncludeDepth {
            path: path.to_string(),
        });
    }
    let (_, text) = root.read_to_string(path)?;
    stack.push(resolved);
    for (i, raw) in text.lines().enumerate() {
        let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let Some((k, v)) = l.split_once('=') else {
            stack.pop();
            return Err(LxcError::Syntax {
                path: path.to_string(),
                line,
                text: l.to_string(),
            });
        };
        let key = modern_key(k.trim());
        if !key.starts_with("lxc.") {
            stack.pop();
            return Err(LxcError::UnknownKey {
                path: path.to_string(),
                line,
                key: k.trim().to_string(),
            });
        }
        let value = v.trim().trim_matches('"').to_string();
        if key == "lxc.include" {
            if value.is_empty() {
                continue;
            }
            let is_dir =
                value.ends_with('/') || root.metadata(&value).is_ok_and(|(_, m)| m.is_dir());
            if is_dir {
                let names = root
                    .read_dir(&value)
                    .map_err(|e| LxcError::Included {
                        path: path.to_string(),
                        line,
                        source: Box::new(e.into()),
                    })?
                    .1;
                for n in names
                    .iter()
                    .filter_map(|n| n.to_str())
                    .filter(|n| n.ends_with(".conf"))
                {
                    let p = format!("{}/{n}", value.trim_end_matches('/'));
                    if let Err(e) = read_into(root, &p, stack, cfg) {
                        stack.pop();
                        return Err(e);
                    }
                }
            } else if let Err(e) = read_into(root, &value, stack, cfg) {
                stack.pop();
                return Err(if e.names_include() {
                    e
                } else {
                    LxcError::Included {
                        path: path.to_string(),
                        line,
                        source: Box::new(e),
                    }
                });
            }
            continue;
        }
        if value.is_empty() && is_list(&key) {
            cfg.clear(&key);
            continue;
        }
        if !is_list(&key) {
            cfg.clear(&key);
        }
        cfg.push(Setting {
            key,
            value,
            path: path.to_string(),
            line,
        });
    }
    stack.pop();
    Ok(())
}

/// Read a container config with its includes.
///
/// # Errors
/// As `read_into`: unreadable file, include loop, invalid line.
pub fn read_config(root: &Root, path: &str) -> Result<Config, LxcError> {
    let mut cfg = Builder::default();
    read_into(root, path, &mut Vec::new(), &mut cfg)?;
    Ok(cfg.finish())
}

/// One container and what makes it unsafe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// Name (its directory).
    pub name: String,
    /// The config file.
    pub config: String,
    /// Owner of a per-user container.
    pub user: Option<String>,
    /// No `u 0`/`g 0` id map and not a user's container: container root is host root.
    pub privileged: bool,
    /// Problems: (description, setting) — the setting is `None` for "absent".
    pub problems: Vec<(String, Option<Setting>)>,
}

/// Host paths whose writable bind breaks the container boundary.
fn sensitive(src: &str) -> bool {
    let s = src.trim_end_matches('/');
    let s = if s.is_empty() { "/" } else { s };
    let under = |p: &str| s == p || s.starts_with(&format!("{p}/"));
    matches!(
        s,
        "/" | "/etc"
            | "/nix"
            | "/nix/var"
            | "/boot"
            | "/usr"
            | "/run"
            | "/var/run"
            | "/dev"
            | "/proc"
            | "/sys"
    ) || under("/root")
        || under("/home")
        || s.ends_with(".sock")
}

/// Assess a config.
#[must_use]
pub fn assess(name: &str, config: &str, user: Option<&str>, cfg: &Config) -> Container {
    let maps = cfg.all("lxc.idmap");
    let has = |kind: &str| {
        maps.iter().any(|m| {
            let f: Vec<&str> = m.value.split_whitespace().collect();
            f.len() == 4 && f[0] == kind && f[1] == "0"
        })
    };
    let privileged = user.is_none() && !(has("u") && has("g"));
    let mut problems = Vec::new();
    if privileged {
        problems.push((
            "no lxc.idmap: container root is host uid 0".to_string(),
            None,
        ));
        if cfg.all("lxc.cap.drop").is_empty() && cfg.all("lxc.cap.keep").is_empty() {
            problems.push((
                "lxc.cap.drop empty: every capability kept".to_string(),
                None,
            ));
        }
        for m in cfg.all("lxc.mount.auto") {
            for w in m
                .value
                .split_whitespace()
                .filter(|w| matches!(*w, "proc:rw" | "sys:rw" | "cgroup:rw"))
            {
                problems.push((
                    format!("lxc.mount.auto {w} in a privileged container"),
                    Some(m.clone()),
                ));
            }
        }
    }
    if let Some(p) = cfg.last("lxc.apparmor.profile") {
        if p.value == "unconfined" {
            problems.push(("AppArmor profile unconfined".to_string(), Some(p.clone())));
        }
    }
    for m in cfg.all("lxc.mount.entry") {
        let f: Vec<&str> = m.value.split_whitespace().collect();
        if f.len() < 4 {
            continue;
        }
        let opts: Vec<&str> = f[3].split(',').collect();
        if opts.contains(&"bind")
            && !opts.contains(&"ro")
            && f[0].starts_with('/')
            && sensitive(f[0])
        {
            problems.push((format!("writable bind of {}", f[0]), Some(m.clone())));
        }
    }
    for key in ["lxc.cgroup.devices.allow", "lxc.cgroup2.devices.allow"] {
        for d in cfg.all(key) {
            if d.value == "a" || d.value.starts_with("a ") {
                problems.push(("every device allowed".to_string(), Some(d.clone())));
            }
        }
    }
    Container {
        name: name.to_string(),
        config: config.to_string(),
        user: user.map(str::to_string),
        privileged,
        problems,
    }
}

/// Every LXC container under a root.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// Containers assessed.
    pub containers: Vec<Container>,
    /// Problems, each naming the file.
    pub errors: Vec<String>,
}

fn dirs(root: &Root, dir: &str) -> Result<Vec<String>, RootError> {
    match root.read_dir(dir) {
        Ok((_, n)) => Ok(n.into_iter().filter_map(|s| s.into_string().ok()).collect()),
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The system lxcpath: `lxc.lxcpath` of `/etc/lxc/lxc.conf`, default `/var/lib/lxc`.
fn lxcpath(root: &Root) -> String {
    root.read_to_string("/etc/lxc/lxc.conf")
        .ok()
        .and_then(|(_, t)| {
            t.lines()
                .rev()
                .filter_map(|l| l.split_once('='))
                .find(|(k, _)| k.trim() == "lxc.lxcpath")
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "/var/lib/lxc".to_string())
}

/// Read and assess every container.
#[must_use]
pub fn scan(root: &Root) -> Scan {
    let mut s = Scan::default();
    let mut places: Vec<(String, Option<String>)> = vec![(lxcpath(root), None)];
    match passwd::homes(root) {
        Ok(h) => places.extend(h.into_iter().filter(|h| h.uid != 0).map(|h| {
            (
                format!("{}/.local/share/lxc", h.dir.trim_end_matches('/')),
                Some(h.user),
            )
        })),
        Err(e) => s.errors.push(e.to_string()),
    }
    for (dir, user) in places {
        let names = match dirs(root, &dir) {
            Ok(n) => n,
            Err(e) => {
                s.errors.push(e.to_string());
                continue;
            }
        };
        for n in names {
            let config = format!("{dir}/{n}/config");
            match root.try_exists(&config) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    s.errors.push(e.to_string());
                    continue;
                }
            }
            match read_config(root, &config) {
                Ok(cfg) => s
                    .containers
                    .push(assess(&n, &config, user.as_deref(), &cfg)),
                Err(e) => s.errors.push(e.to_string()),
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use nixsec_testutil::RootBuilder;

    fn error(b: &RootBuilder) -> LxcError {
        read_config(&b.root(), "/var/lib/lxc/c/config").expect_err("invalid")
    }

    #[test]
    fn repeated_keys_are_read_in_linear_time() {
        // Regression (issue 20): each repeated key scanned every setting read so far.
        let mut text = String::new();
        for i in 0..100_000 {
            text.push_str(&format!(
                "lxc.apparmor.profile = p{i}\nlxc.mount.entry = /x{i} x none bind 0 0\n"
            ));
        }
        text.push_str("lxc.mount.entry =\nlxc.mount.entry = /etc etc none bind 0 0\n");
        let b = RootBuilder::new().file("/var/lib/lxc/c/config", text);
        let t = std::time::Instant::now();
        let cfg = read_config(&b.root(), "/var/lib/lxc/c/config").expect("reads");
        assert!(
            t.elapsed() < std::time::Duration::from_secs(3),
            "{:?}",
            t.elapsed()
        );
        assert_eq!(cfg.settings.len(), 2);
        assert_eq!(
            cfg.last("lxc.apparmor.profile").expect("set").value,
            "p99999"
        );
        assert_eq!(cfg.all("lxc.mount.entry").len(), 1);
    }

    #[test]
    fn errors_name_the_file_and_the_include() {
        const CONFIG: &str = "/var/lib/lxc/c/config";
        let b = RootBuilder::new()
            .dir("/etc/lxc", 0o755)
            .file(CONFIG, "lxc.include = /etc/lxc/a.conf\n");
        let e = error(&b);
        assert!(e.is_not_found());
        assert_eq!(
            e.to_string(),
            "`/etc/lxc/a.conf`: no such file or directory (lxc.include at `/var/lib/lxc/c/config`:1)"
        );
        let b = b.file("/etc/lxc/a.conf", "\nlxc.include = /var/lib/lxc/c/config\n");
        assert_eq!(
            error(&b).to_string(),
            "`/var/lib/lxc/c/config`: lxc.include loop (/var/lib/lxc/c/config -> /etc/lxc/a.conf -> /var/lib/lxc/c/config)"
        );
        let b = RootBuilder::new().file(CONFIG, "# c\nlxc.arch = x86_64\nnonsense\n");
        assert_eq!(
            error(&b).to_string(),
            "`/var/lib/lxc/c/config`:3: not a `key = value` line: `nonsense`"
        );
        let b = RootBuilder::new()
            .file(CONFIG, "lxc.include = /etc/lxc/b.conf\n")
            .file("/etc/lxc/b.conf", "foo = bar\n");
        let e = error(&b);
        assert!(!e.is_not_found());
        assert_eq!(
            e.to_string(),
            "`/etc/lxc/b.conf`:1: unknown key `foo` (lxc.include at `/var/lib/lxc/c/config`:1)"
        );
    }
}
