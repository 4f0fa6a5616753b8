//! Flatpak: the effective sandbox of every installed app, and the remotes.
//!
//! An app's sandbox is its `metadata` `[Context]` and bus policies, changed by override files
//! in this order, later wins (as `flatpak info --show-permissions` computes it): system
//! `overrides/global`, system `overrides/<ID>`, the user's `overrides/global`, the user's
//! `overrides/<ID>`. User overrides also apply to system-installed apps, so a system app has
//! one view for users without overrides and one for each user whose overrides change it;
//! system overrides do not apply to apps of a per-user installation (fixture
//! `org.example.SandboxEscape` does not get the system `global` environment).
//!
//! The merge follows `flatpak-context.c`: `shared`, `sockets`, `devices` and `features` are
//! flag sets where an entry (`x11` or `!x11`) replaces what earlier layers said about that flag;
//! `filesystems` map a location to a mode (`!` = none, removed from the view), and
//! `!host:reset` drops every earlier filesystem; bus policies are replaced per name (`none`
//! removes a grant); `persistent` accumulates; unknown values are ignored as Flatpak ignores
//! them, while a file GLib cannot parse or an invalid bus name or policy makes the app's
//! permissions unknown (an error, as `flatpak run` would refuse it).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use nixsec_core::{Root, RootError};

use crate::keyfile::{escape_list_item, KeyFile, KeyFileError};
use crate::passwd;

/// A metadata or override file Flatpak refuses: a bus policy it does not know or an invalid
/// D-Bus name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContextError {
    /// A policy other than `none`, `see`, `talk` and `own`.
    #[error("line {line}: unknown policy `{}` for `{}` in [{group}]", nixsec_core::escape(.policy), nixsec_core::escape(.name))]
    Policy {
        /// 1-based line.
        line: u32,
        /// The group (`Session Bus Policy`, `System Bus Policy`).
        group: &'static str,
        /// The bus name.
        name: String,
        /// The policy as written.
        policy: String,
    },
    /// A bus name that is not a valid D-Bus name.
    #[error("line {line}: invalid D-Bus name `{}` in [{group}]", nixsec_core::escape(.name))]
    BusName {
        /// 1-based line.
        line: u32,
        /// The group (`Session Bus Policy`, `System Bus Policy`).
        group: &'static str,
        /// The bus name.
        name: String,
    },
}

/// Why a flattened permissions view ([`Permissions::parse`]) could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PermissionsError {
    /// Not a key file GLib would load.
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    /// A bus policy or name Flatpak refuses.
    #[error(transparent)]
    Context(#[from] ContextError),
}

/// Why a Flatpak file could not be used; the message names the file.
#[derive(Debug, thiserror::Error)]
enum FileError {
    #[error(transparent)]
    Read(#[from] RootError),
    #[error("`{path}`: {source}")]
    KeyFile { path: String, source: KeyFileError },
    #[error("`{path}`: {source}")]
    Context { path: String, source: ContextError },
}

/// The `shared` flags, in Flatpak's order.
pub const SHARES: &[&str] = &["network", "ipc"];
/// The `sockets` flags, in Flatpak's order.
pub const SOCKETS: &[&str] = &[
    "x11",
    "wayland",
    "pulseaudio",
    "session-bus",
    "system-bus",
    "fallback-x11",
    "ssh-auth",
    "pcsc",
    "cups",
    "gpg-agent",
    "inherit-wayland-socket",
];
/// The `devices` flags, in Flatpak's order.
pub const DEVICES: &[&str] = &["dri", "all", "kvm", "shm", "input", "usb"];
/// The `features` flags, in Flatpak's order.
pub const FEATURES: &[&str] = &[
    "devel",
    "multiarch",
    "bluetooth",
    "canbus",
    "per-app-dev-shm",
];

/// Access to a filesystem location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FsMode {
    /// Removed (`!location`).
    None,
    /// `:ro`.
    ReadOnly,
    /// `:rw` or no suffix.
    ReadWrite,
    /// `:create` (read-write, created if missing).
    Create,
}

impl FsMode {
    /// The suffix Flatpak writes (`""` for read-write).
    #[must_use]
    pub fn suffix(self) -> &'static str {
        match self {
            FsMode::None | FsMode::ReadWrite => "",
            FsMode::ReadOnly => ":ro",
            FsMode::Create => ":create",
        }
    }

    /// True for read-write and create.
    #[must_use]
    pub fn writable(self) -> bool {
        matches!(self, FsMode::ReadWrite | FsMode::Create)
    }
}

/// A D-Bus name policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Policy {
    /// No access (removes a grant).
    None,
    /// See the name.
    See,
    /// Call it.
    Talk,
    /// Own it (and talk).
    Own,
}

impl Policy {
    fn parse(s: &str) -> Option<Policy> {
        match s {
            "none" => Some(Policy::None),
            "see" => Some(Policy::See),
            "talk" => Some(Policy::Talk),
            "own" => Some(Policy::Own),
            _ => None,
        }
    }

    /// The name Flatpak writes.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::None => "none",
            Policy::See => "see",
            Policy::Talk => "talk",
            Policy::Own => "own",
        }
    }
}

/// One layer (metadata or override) or the merge of several, with negations kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// `shared`: flag → granted (`false` = `!flag`).
    pub shared: BTreeMap<String, bool>,
    /// `sockets`.
    pub sockets: BTreeMap<String, bool>,
    /// `devices`.
    pub devices: BTreeMap<String, bool>,
    /// `features`.
    pub features: BTreeMap<String, bool>,
    /// `filesystems`: canonical location → mode.
    pub filesystems: BTreeMap<String, FsMode>,
    /// `persistent` directories.
    pub persistent: BTreeSet<String>,
    /// `[Session Bus Policy]`.
    pub session_bus: BTreeMap<String, Policy>,
    /// `[System Bus Policy]`.
    pub system_bus: BTreeMap<String, Policy>,
    /// `[Environment]` (`None` = unset).
    pub env: BTreeMap<String, Option<String>>,
}

fn apply_flags(map: &mut BTreeMap<String, bool>, known: &[&str], items: &[String]) {
    for it in items {
        let (neg, name) = match it.strip_prefix('!') {
            Some(n) => (true, n),
            None => (false, it.as_str()),
        };
        // Unknown flags: Flatpak logs them at debug level and ignores them.
        if known.contains(&name) {
            map.insert(name.to_string(), !neg);
        }
    }
}

/// Names Flatpak accepts as the first part of a filesystem entry.
const XDG_DIRS: &[&str] = &[
    "xdg-desktop",
    "xdg-documents",
    "xdg-download",
    "xdg-music",
    "xdg-pictures",
    "xdg-public-share",
    "xdg-templates",
    "xdg-videos",
    "xdg-run",
    "xdg-config",
    "xdg-cache",
    "xdg-data",
];

/// Remove `.` segments, duplicate and trailing slashes (Flatpak canonicalises paths).
fn canonical_path(p: &str) -> String {
    let (prefix, rest) = if let Some(r) = p.strip_prefix("~/") {
        ("~/", r)
    } else if let Some(r) = p.strip_prefix('/') {
        ("/", r)
    } else {
        ("", p)
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in rest.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (prefix, joined.is_empty()) {
        ("~/", true) => "~".to_string(),
        ("/", true) => "/".to_string(),
        _ => format!("{prefix}{joined}"),
    }
}

/// Parse one `filesystems` item into (location, mode); `None` when Flatpak would ignore it.
#[must_use]
pub fn parse_filesystem(item: &str) -> Option<(String, FsMode)> {
    let (neg, spec) = match item.strip_prefix('!') {
        Some(s) => (true, s),
        None => (false, item),
    };
    // The suffix starts at the last unescaped colon.
    let bytes = spec.as_bytes();
    let mut split = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b':' => split = Some(i),
            _ => {}
        }
        i += 1;
    }
    let (name, suffix) = match split {
        Some(i) => (&spec[..i], Some(&spec[i + 1..])),
        None => (spec, None),
    };
    let name = name.replace("\\:", ":");
    let mut mode = FsMode::ReadWrite;
    let mut reset = false;
    if let Some(s) = suffix {
        for flag in s.split(',') {
            match flag {
                "ro" => mode = FsMode::ReadOnly,
                "rw" => mode = FsMode::ReadWrite,
                "create" => mode = FsMode::Create,
                "reset" => reset = true,
                _ => return None,
            }
        }
    }
    if reset {
        // Only `!host:reset` is valid.
        return (neg && name == "host").then(|| ("host-reset".to_string(), FsMode::None));
    }
    let valid = matches!(name.as_str(), "host" | "host-os" | "host-etc" | "home")
        || name == "~"
        || name.starts_with("~/")
        || name.starts_with('/')
        || XDG_DIRS
            .iter()
            .any(|x| name == *x || name.strip_prefix(x).is_some_and(|r| r.starts_with('/')));
    if !valid {
        return None;
    }
    let name = if name.starts_with('/') || name.starts_with('~') {
        canonical_path(&name)
    } else {
        name
    };
    Some((name, if neg { FsMode::None } else { mode }))
}

/// A D-Bus name as Flatpak accepts it in a policy (`org.foo.Bar` or `org.foo.*`).
fn valid_bus_name(name: &str) -> bool {
    let n = name.strip_suffix(".*").unwrap_or(name);
    if n.is_empty() || n.len() > 255 {
        return false;
    }
    if let Some(unique) = n.strip_prefix(':') {
        return !unique.is_empty();
    }
    let parts: Vec<&str> = n.split('.').collect();
    (parts.len() >= 2 || name.ends_with(".*"))
        && parts.iter().all(|p| {
            !p.is_empty()
                && !p.as_bytes()[0].is_ascii_digit()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
}

impl Context {
    /// Read the `[Context]`, bus policy and `[Environment]` groups of a metadata or override
    /// file.
    ///
    /// # Errors
    /// An invalid bus name or policy (Flatpak refuses such a file).
    pub fn from_keyfile(kf: &KeyFile) -> Result<Context, ContextError> {
        let mut c = Context::default();
        c.apply_keyfile(kf)?;
        Ok(c)
    }

    /// Apply a keyfile on top of this context, as `flatpak_context_load_metadata` does.
    ///
    /// # Errors
    /// As [`Context::from_keyfile`].
    pub fn apply_keyfile(&mut self, kf: &KeyFile) -> Result<(), ContextError> {
        let list = |k: &str| kf.list("Context", k).unwrap_or_default();
        apply_flags(&mut self.shared, SHARES, &list("shared"));
        apply_flags(&mut self.sockets, SOCKETS, &list("sockets"));
        apply_flags(&mut self.devices, DEVICES, &list("devices"));
        apply_flags(&mut self.features, FEATURES, &list("features"));
        for item in list("filesystems") {
            if let Some((name, mode)) = parse_filesystem(&item) {
                if name == "host-reset" {
                    self.filesystems.clear();
                }
                self.filesystems.insert(name, mode);
            }
        }
        for p in list("persistent") {
            self.persistent.insert(p);
        }
        for (group, map) in [
            ("Session Bus Policy", &mut self.session_bus),
            ("System Bus Policy", &mut self.system_bus),
        ] {
            let Some(g) = kf.group(group) else { continue };
            for e in &g.entries {
                let value = crate::keyfile::unescape_string(&e.raw);
                let Some(p) = Policy::parse(value.trim_end()) else {
                    return Err(ContextError::Policy {
                        line: e.line,
                        group,
                        name: e.key.clone(),
                        policy: value,
                    });
                };
                if !valid_bus_name(&e.key) {
                    return Err(ContextError::BusName {
                        line: e.line,
                        group,
                        name: e.key.clone(),
                    });
                }
                map.insert(e.key.clone(), p);
            }
        }
        if let Some(g) = kf.group("Environment") {
            for e in &g.entries {
                self.env
                    .insert(e.key.clone(), Some(crate::keyfile::unescape_string(&e.raw)));
            }
        }
        for v in list("unset-environment") {
            self.env.insert(v, None);
        }
        Ok(())
    }

    /// Merge `other` on top (`flatpak_context_merge`).
    pub fn merge(&mut self, other: &Context) {
        for (mine, theirs) in [
            (&mut self.shared, &other.shared),
            (&mut self.sockets, &other.sockets),
            (&mut self.devices, &other.devices),
            (&mut self.features, &other.features),
        ] {
            for (k, v) in theirs {
                mine.insert(k.clone(), *v);
            }
        }
        if other.filesystems.contains_key("host-reset") {
            self.filesystems.clear();
        }
        for (k, v) in &other.filesystems {
            self.filesystems.insert(k.clone(), *v);
        }
        self.persistent.extend(other.persistent.iter().cloned());
        for (mine, theirs) in [
            (&mut self.session_bus, &other.session_bus),
            (&mut self.system_bus, &other.system_bus),
        ] {
            for (k, v) in theirs {
                mine.insert(k.clone(), *v);
            }
        }
        for (k, v) in &other.env {
            self.env.insert(k.clone(), v.clone());
        }
    }

    /// Keep only the environment (what an app inherits from its runtime).
    pub fn reset_permissions(&mut self) {
        let env = std::mem::take(&mut self.env);
        *self = Context {
            env,
            ..Context::default()
        };
    }

    /// The granted permissions, negations dropped (Flatpak's "flattened" view).
    #[must_use]
    pub fn permissions(&self) -> Permissions {
        let granted = |m: &BTreeMap<String, bool>| -> BTreeSet<String> {
            m.iter()
                .filter(|(_, v)| **v)
                .map(|(k, _)| k.clone())
                .collect()
        };
        Permissions {
            shared: granted(&self.shared),
            sockets: granted(&self.sockets),
            devices: granted(&self.devices),
            features: granted(&self.features),
            filesystems: self
                .filesystems
                .iter()
                .filter(|(_, m)| **m != FsMode::None)
                .map(|(k, m)| (k.clone(), *m))
                .collect(),
            persistent: self.persistent.clone(),
            session_bus: self
                .session_bus
                .iter()
                .filter(|(_, p)| **p != Policy::None)
                .map(|(k, p)| (k.clone(), *p))
                .collect(),
            system_bus: self
                .system_bus
                .iter()
                .filter(|(_, p)| **p != Policy::None)
                .map(|(k, p)| (k.clone(), *p))
                .collect(),
            env: self
                .env
                .iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| (k.clone(), v.clone())))
                .collect(),
            unset_env: self
                .env
                .iter()
                .filter(|(_, v)| v.is_none())
                .map(|(k, _)| k.clone())
                .collect(),
        }
    }
}

/// An app's effective sandbox: what `flatpak info --show-permissions` prints, as sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    /// `shared`.
    pub shared: BTreeSet<String>,
    /// `sockets`.
    pub sockets: BTreeSet<String>,
    /// `devices`.
    pub devices: BTreeSet<String>,
    /// `features`.
    pub features: BTreeSet<String>,
    /// `filesystems` with their modes.
    pub filesystems: BTreeMap<String, FsMode>,
    /// `persistent`.
    pub persistent: BTreeSet<String>,
    /// Session bus names with talk, own or see.
    pub session_bus: BTreeMap<String, Policy>,
    /// System bus names with talk, own or see.
    pub system_bus: BTreeMap<String, Policy>,
    /// Environment variables set.
    pub env: BTreeMap<String, String>,
    /// Environment variables unset.
    pub unset_env: BTreeSet<String>,
}

impl Permissions {
    /// Read a flattened view (the output of `flatpak info --show-permissions`).
    ///
    /// # Errors
    /// Unparsable text.
    pub fn parse(text: &str) -> Result<Permissions, PermissionsError> {
        let kf = KeyFile::parse(text)?;
        Ok(Context::from_keyfile(&kf)?.permissions())
    }
}

fn ordered<'a>(set: &'a BTreeSet<String>, order: &'a [&'a str]) -> Vec<&'a str> {
    order.iter().copied().filter(|n| set.contains(*n)).collect()
}

impl fmt::Display for Permissions {
    /// The keyfile `flatpak info --show-permissions` would print (flags in Flatpak's order,
    /// other lists sorted).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ctx: Vec<(&str, String)> = Vec::new();
        let join = |v: Vec<String>| {
            v.iter()
                .map(|s| format!("{};", escape_list_item(s)))
                .collect::<String>()
        };
        for (key, set, order) in [
            ("shared", &self.shared, SHARES),
            ("sockets", &self.sockets, SOCKETS),
            ("devices", &self.devices, DEVICES),
            ("features", &self.features, FEATURES),
        ] {
            if !set.is_empty() {
                ctx.push((
                    key,
                    join(ordered(set, order).into_iter().map(String::from).collect()),
                ));
            }
        }
        if !self.filesystems.is_empty() {
            ctx.push((
                "filesystems",
                join(
                    self.filesystems
                        .iter()
                        .map(|(k, m)| format!("{k}{}", m.suffix()))
                        .collect(),
                ),
            ));
        }
        if !self.persistent.is_empty() {
            ctx.push((
                "persistent",
                join(self.persistent.iter().cloned().collect()),
            ));
        }
        if !self.unset_env.is_empty() {
            ctx.push((
                "unset-environment",
                join(self.unset_env.iter().cloned().collect()),
            ));
        }
        let mut first = true;
        let mut group = |f: &mut fmt::Formatter<'_>, name: &str| -> fmt::Result {
            if !first {
                writeln!(f)?;
            }
            first = false;
            writeln!(f, "[{name}]")
        };
        if !ctx.is_empty() {
            group(f, "Context")?;
            for (k, v) in ctx {
                writeln!(f, "{k}={v}")?;
            }
        }
        for (name, map) in [
            ("Session Bus Policy", &self.session_bus),
            ("System Bus Policy", &self.system_bus),
        ] {
            if !map.is_empty() {
                group(f, name)?;
                for (k, p) in map {
                    writeln!(f, "{k}={}", p.as_str())?;
                }
            }
        }
        if !self.env.is_empty() {
            group(f, "Environment")?;
            for (k, v) in &self.env {
                writeln!(f, "{k}={}", crate::keyfile::escape_string(v))?;
            }
        }
        Ok(())
    }
}

/// How bad a permission is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grade {
    /// Weakens the sandbox (reads private data, spies on input, raw devices).
    Weakening,
    /// Runs code outside the sandbox (writes what the host executes, or asks the host to).
    Escape,
}

/// One sandbox-breaking permission in an app's effective sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    /// The permission as Flatpak writes it (`filesystems=home`, `sockets=x11`,
    /// `talk-name=org.freedesktop.Flatpak`).
    pub permission: String,
    /// Escape or weakening.
    pub grade: Grade,
    /// Why it matters, a few words.
    pub why: &'static str,
}

/// Does a bus-policy name (maybe `org.foo.*`) cover `target`?
fn covers(name: &str, target: &str) -> bool {
    match name.strip_suffix(".*") {
        Some(prefix) => target == prefix || target.starts_with(&format!("{prefix}.")),
        None => name == target,
    }
}

/// Home-relative locations whose write access lets an app run code outside the sandbox.
const EXEC_HOME_PATHS: &[&str] = &[
    "xdg-config",
    "xdg-config/autostart",
    "xdg-config/systemd",
    "xdg-config/environment.d",
    "xdg-data",
    "xdg-data/applications",
    "xdg-data/flatpak",
    "xdg-data/flatpak/overrides",
    "~/.bashrc",
    "~/.bash_profile",
    "~/.profile",
    "~/.zshrc",
    "~/.local",
    "~/.local/bin",
    "~/bin",
    "~/.ssh",
];

/// Sockets whose holder is root-equivalent on the host.
const RUNTIME_SOCKETS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/podman/podman.sock",
    "/run/containerd/containerd.sock",
    "/run/libvirt/libvirt-sock",
];

fn filesystem_breach(name: &str, mode: FsMode) -> Option<Breach> {
    let rw = mode.writable();
    let perm = format!("filesystems={name}{}", mode.suffix());
    let b = |grade, why| {
        Some(Breach {
            permission: perm.clone(),
            grade,
            why,
        })
    };
    // `~/.config/...` is the default `xdg-config/...`.
    let norm = if let Some(r) = name.strip_prefix("~/.config") {
        format!("xdg-config{r}")
    } else if let Some(r) = name.strip_prefix("~/.local/share") {
        format!("xdg-data{r}")
    } else {
        name.to_string()
    };
    match norm.as_str() {
        "host" | "home" | "~" | "/" if rw => b(
            Grade::Escape,
            "writes the user's files (shell rc, autostart): code runs outside the sandbox",
        ),
        "host" | "home" | "~" | "/" => b(
            Grade::Weakening,
            "reads every file of the user, including keys",
        ),
        "host-os" => b(Grade::Weakening, "the host's system files"),
        "host-etc" => b(Grade::Weakening, "the host's /etc"),
        n if RUNTIME_SOCKETS.contains(&n)
            || matches!(n, "/run" | "/var/run" | "/run/podman" | "/run/containerd") =>
        {
            b(
                Grade::Escape,
                "a container or VM daemon socket: root on the host",
            )
        }
        n if rw && EXEC_HOME_PATHS.contains(&n) => b(
            Grade::Escape,
            "writes files the host executes or overrides that grant more",
        ),
        _ => None,
    }
}

/// The sandbox-breaking permissions of an effective sandbox (policy of host-formats.md 4.4).
#[must_use]
pub fn breaches(p: &Permissions) -> Vec<Breach> {
    let mut out = Vec::new();
    for (name, mode) in &p.filesystems {
        out.extend(filesystem_breach(name, *mode));
    }
    let sock = |s: &str| p.sockets.contains(s);
    let mut push = |permission: String, grade, why| {
        out.push(Breach {
            permission,
            grade,
            why,
        })
    };
    // As flatpak-run decides: with `fallback-x11` the app gets X11 exactly when it has no
    // Wayland socket (the `x11` flag is then irrelevant); otherwise when `x11` is set.
    if sock("fallback-x11") {
        if !sock("wayland") {
            push(
                "sockets=fallback-x11 (without wayland)".into(),
                Grade::Weakening,
                "X11 has no client isolation: keylogging, input injection",
            );
        }
    } else if sock("x11") {
        push(
            "sockets=x11".into(),
            Grade::Weakening,
            "X11 has no client isolation: keylogging, input injection",
        );
    }
    if sock("session-bus") {
        push(
            "sockets=session-bus".into(),
            Grade::Escape,
            "unfiltered session bus: talks to org.freedesktop.Flatpak and systemd --user",
        );
    }
    if sock("system-bus") {
        push(
            "sockets=system-bus".into(),
            Grade::Weakening,
            "unfiltered system bus: talks to every system service",
        );
    }
    if sock("ssh-auth") {
        push(
            "sockets=ssh-auth".into(),
            Grade::Weakening,
            "uses the user's SSH keys",
        );
    }
    if sock("gpg-agent") {
        push(
            "sockets=gpg-agent".into(),
            Grade::Weakening,
            "uses the user's GPG keys",
        );
    }
    if p.devices.contains("all") {
        push(
            "devices=all".into(),
            Grade::Weakening,
            "raw devices: webcams, USB, /dev/kvm",
        );
    }
    if p.features.contains("devel") {
        push(
            "features=devel".into(),
            Grade::Weakening,
            "ptrace and perf system calls",
        );
    }
    for (name, pol) in &p.session_bus {
        if *pol < Policy::Talk {
            continue;
        }
        if covers(name, "org.freedesktop.Flatpak") {
            push(
                format!("talk-name={name}"),
                Grade::Escape,
                "flatpak-spawn --host: runs anything on the host",
            );
        } else if covers(name, "org.freedesktop.systemd1") {
            push(
                format!("talk-name={name}"),
                Grade::Escape,
                "starts user units: runs anything as the user",
            );
        }
    }
    for (name, pol) in &p.system_bus {
        if *pol < Policy::Talk {
            continue;
        }
        if covers(name, "org.freedesktop.systemd1") || covers(name, "org.freedesktop.PolicyKit1") {
            push(
                format!("system-talk-name={name}"),
                Grade::Weakening,
                "starts units or asks for authorisation",
            );
        }
    }
    out
}

/// A Flatpak installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installation {
    /// `system`, `system (ID)` for an extra one, or `user NAME`.
    pub label: String,
    /// The directory inside the root.
    pub path: String,
    /// The owning user, for a per-user installation.
    pub user: Option<String>,
}

/// One app as one set of users sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppView {
    /// Application id.
    pub id: String,
    /// Architecture.
    pub arch: String,
    /// Branch.
    pub branch: String,
    /// The installation's label.
    pub installation: String,
    /// The app's directory (`<installation>/app/<ID>`).
    pub app_dir: String,
    /// `None`: users without overrides of their own; `Some(user)`: that user's view.
    pub as_user: Option<String>,
    /// The metadata file read.
    pub metadata: String,
    /// Override files applied, in order.
    pub overrides: Vec<String>,
    /// The effective sandbox.
    pub permissions: Permissions,
    /// Its sandbox-breaking permissions.
    pub breaches: Vec<Breach>,
}

impl AppView {
    /// `ID (system)`, `ID (system, as alice)`, `ID (user alice)`.
    #[must_use]
    pub fn label(&self) -> String {
        match &self.as_user {
            Some(u) => format!("{} ({}, with {u}'s overrides)", self.id, self.installation),
            None => format!("{} ({})", self.id, self.installation),
        }
    }
}

/// A configured remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    /// Remote name.
    pub name: String,
    /// Its URL.
    pub url: String,
    /// `gpg-verify` (default true).
    pub gpg_verify: bool,
    /// `gpg-verify-summary` (default true).
    pub gpg_verify_summary: bool,
    /// The repo config file.
    pub config: String,
    /// 1-based line of the `[remote "…"]` group's `gpg-verify*=false` entry, if any.
    pub line: Option<u32>,
    /// Installation label.
    pub installation: String,
}

impl Remote {
    /// A `file://` remote (a local directory; signatures matter less).
    #[must_use]
    pub fn is_local(&self) -> bool {
        self.url.starts_with("file://") || self.url.starts_with('/')
    }
}

/// Everything found about Flatpak under a root.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// Installations that exist.
    pub installations: Vec<Installation>,
    /// Apps (one entry per distinct view).
    pub apps: Vec<AppView>,
    /// Remotes of every installation.
    pub remotes: Vec<Remote>,
    /// Problems with installations and apps (unreadable or invalid files), each naming the
    /// file.
    pub errors: Vec<String>,
    /// Problems with repository configs.
    pub remote_errors: Vec<String>,
}

fn read_keyfile(root: &Root, path: &str) -> Result<Option<KeyFile>, FileError> {
    match root.read_to_string(path) {
        Ok((_, text)) => KeyFile::parse(&text)
            .map(Some)
            .map_err(|source| FileError::KeyFile {
                path: path.to_string(),
                source,
            }),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn read_context(root: &Root, path: &str) -> Result<Option<Context>, FileError> {
    match read_keyfile(root, path)? {
        Some(kf) => Context::from_keyfile(&kf)
            .map(Some)
            .map_err(|source| FileError::Context {
                path: path.to_string(),
                source,
            }),
        None => Ok(None),
    }
}

fn names(root: &Root, dir: &str) -> Result<Vec<String>, RootError> {
    match root.read_dir(dir) {
        Ok((_, n)) => Ok(n.into_iter().filter_map(|s| s.into_string().ok()).collect()),
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

fn is_dir(root: &Root, path: &str) -> bool {
    root.metadata(path).is_ok_and(|(_, m)| m.is_dir())
}

/// Override layers of one installation: `global` then `<ID>`, each with its path.
fn override_layers(root: &Root, inst: &str, id: &str) -> Result<Vec<(String, Context)>, FileError> {
    let mut out = Vec::new();
    for name in ["global", id] {
        let path = format!("{inst}/overrides/{name}");
        if let Some(c) = read_context(root, &path)? {
            out.push((path, c));
        }
    }
    Ok(out)
}

/// A deployed ref: (id, arch, branch, deployment dir).
type Ref = (String, String, String, String);

/// Deployed refs of an installation, and the errors met on the way (one bad app does not
/// hide the others).
fn deployed(root: &Root, inst: &str, kind: &str) -> (Vec<Ref>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let base = format!("{inst}/{kind}");
    let ids = match names(root, &base) {
        Ok(n) => n,
        Err(e) => return (out, vec![e.to_string()]),
    };
    for id in ids {
        let id_dir = format!("{base}/{id}");
        let arches = match names(root, &id_dir) {
            Ok(n) => n,
            Err(e) => {
                errors.push(e.to_string());
                continue;
            }
        };
        for arch in arches {
            let arch_dir = format!("{id_dir}/{arch}");
            if arch == "current" || !is_dir(root, &arch_dir) {
                continue;
            }
            let branches = match names(root, &arch_dir) {
                Ok(n) => n,
                Err(e) => {
                    errors.push(e.to_string());
                    continue;
                }
            };
            for branch in branches {
                let active = format!("{arch_dir}/{branch}/active");
                match root.try_exists(&active) {
                    Ok(true) => out.push((id.clone(), arch.clone(), branch, active)),
                    Ok(false) => {}
                    Err(e) => errors.push(e.to_string()),
                }
            }
        }
    }
    (out, errors)
}

/// The installations under a root: `/var/lib/flatpak`, extra system installations from
/// `/etc/flatpak/installations.d/*.conf`, and `~/.local/share/flatpak` of every home in
/// `/etc/passwd`.
fn installations(root: &Root, errors: &mut Vec<String>) -> Vec<Installation> {
    let mut out = Vec::new();
    if is_dir(root, "/var/lib/flatpak") {
        out.push(Installation {
            label: "system".into(),
            path: "/var/lib/flatpak".into(),
            user: None,
        });
    }
    match names(root, "/etc/flatpak/installations.d") {
        Ok(files) => {
            for f in files.iter().filter(|f| f.ends_with(".conf")) {
                let path = format!("/etc/flatpak/installations.d/{f}");
                match read_keyfile(root, &path) {
                    Ok(Some(kf)) => {
                        for g in &kf.groups {
                            let Some(id) = g
                                .name
                                .strip_prefix("Installation \"")
                                .and_then(|s| s.strip_suffix('"'))
                            else {
                                continue;
                            };
                            if let Some(p) = kf.string(&g.name, "Path") {
                                if is_dir(root, &p)
                                    && !out.iter().any(|i: &Installation| i.path == p)
                                {
                                    out.push(Installation {
                                        label: format!("system ({id})"),
                                        path: p,
                                        user: None,
                                    });
                                }
                            }
                        }
                    }
                    Ok(None) => {}
                    Err(e) => errors.push(e.to_string()),
                }
            }
        }
        Err(e) => errors.push(e.to_string()),
    }
    match passwd::homes(root) {
        Ok(homes) => {
            for h in homes {
                let p = format!("{}/.local/share/flatpak", h.dir.trim_end_matches('/'));
                if is_dir(root, &p) {
                    out.push(Installation {
                        label: format!("user {}", h.user),
                        path: p,
                        user: Some(h.user),
                    });
                }
            }
        }
        Err(e) => errors.push(e.to_string()),
    }
    out
}

/// The environment an app inherits from its runtime (`runtime=ID/arch/branch`), looked up
/// in the app's installation, then the system one.
fn runtime_context(root: &Root, md: &KeyFile, insts: &[&str]) -> Option<Context> {
    let rt = md.string("Application", "runtime")?;
    for inst in insts {
        let path = format!("{inst}/runtime/{rt}/active/metadata");
        if let Ok(Some(mut c)) = read_context(root, &path) {
            c.reset_permissions();
            return Some(c);
        }
    }
    None
}

/// Scan every installation under `root`.
#[must_use]
pub fn scan(root: &Root) -> Scan {
    let mut s = Scan::default();
    s.installations = installations(root, &mut s.errors);
    let users: Vec<&Installation> = s
        .installations
        .iter()
        .filter(|i| i.user.is_some())
        .collect();
    let default_system = "/var/lib/flatpak";
    for inst in &s.installations {
        remotes(root, inst, &mut s.remotes, &mut s.remote_errors);
        let (refs, errs) = deployed(root, &inst.path, "app");
        s.errors.extend(errs);
        for (id, arch, branch, active) in refs {
            let metadata = format!("{active}/metadata");
            let md = match read_keyfile(root, &metadata) {
                Ok(Some(kf)) => kf,
                Ok(None) => {
                    s.errors.push(format!(
                        "`{metadata}`: missing (a deployed app without metadata)"
                    ));
                    continue;
                }
                Err(e) => {
                    s.errors.push(e.to_string());
                    continue;
                }
            };
            let mut base = runtime_context(root, &md, &[inst.path.as_str(), default_system])
                .unwrap_or_default();
            if let Err(e) = base.apply_keyfile(&md) {
                s.errors.push(format!("`{metadata}`: {e}"));
                continue;
            }
            // System overrides (those of the default system installation) apply to apps of
            // system installations only; a per-user app sees only its user's overrides.
            let mut applied = Vec::new();
            let sys_layers = if inst.user.is_some() {
                Vec::new()
            } else {
                match override_layers(root, default_system, &id) {
                    Ok(l) => l,
                    Err(e) => {
                        s.errors.push(e.to_string());
                        continue;
                    }
                }
            };
            for (p, c) in &sys_layers {
                base.merge(c);
                applied.push(p.clone());
            }
            let app_dir = format!("{}/app/{id}", inst.path);
            let view = |ctx: &Context, as_user: Option<String>, overrides: Vec<String>| {
                let permissions = ctx.permissions();
                let breaches = breaches(&permissions);
                AppView {
                    id: id.clone(),
                    arch: arch.clone(),
                    branch: branch.clone(),
                    installation: inst.label.clone(),
                    app_dir: app_dir.clone(),
                    as_user,
                    metadata: metadata.clone(),
                    overrides,
                    permissions,
                    breaches,
                }
            };
            let owners: Vec<&Installation> = match &inst.user {
                Some(_) => vec![inst],
                None => users.clone(),
            };
            let base_view = view(&base, None, applied.clone());
            let mut views = Vec::new();
            for u in owners {
                let layers = match override_layers(root, &u.path, &id) {
                    Ok(l) => l,
                    Err(e) => {
                        s.errors.push(e.to_string());
                        continue;
                    }
                };
                let mut ctx = base.clone();
                let mut ov = applied.clone();
                for (p, c) in &layers {
                    ctx.merge(c);
                    ov.push(p.clone());
                }
                let v = view(
                    &ctx,
                    if inst.user.is_some() {
                        None
                    } else {
                        u.user.clone()
                    },
                    ov,
                );
                if inst.user.is_some() || v.permissions != base_view.permissions {
                    views.push(v);
                }
            }
            if inst.user.is_none() {
                s.apps.push(base_view);
            }
            s.apps.extend(views);
        }
    }
    s
}

/// Remotes of an installation's `repo/config` (`[remote "NAME"]` groups).
fn remotes(root: &Root, inst: &Installation, out: &mut Vec<Remote>, errors: &mut Vec<String>) {
    let path = format!("{}/repo/config", inst.path);
    let kf = match read_keyfile(root, &path) {
        Ok(Some(kf)) => kf,
        Ok(None) => return,
        Err(e) => {
            errors.push(e.to_string());
            return;
        }
    };
    for g in &kf.groups {
        let Some(name) = g
            .name
            .strip_prefix("remote \"")
            .and_then(|s| s.strip_suffix('"'))
        else {
            continue;
        };
        let flag = |k: &str| kf.boolean(&g.name, k).unwrap_or(true);
        let gpg_verify = flag("gpg-verify");
        let gpg_verify_summary = flag("gpg-verify-summary");
        let line = ["gpg-verify", "gpg-verify-summary"]
            .iter()
            .filter(|k| kf.boolean(&g.name, k) == Some(false))
            .filter_map(|k| kf.entry(&g.name, k).map(|e| e.line))
            .min();
        out.push(Remote {
            name: name.to_string(),
            url: kf.string(&g.name, "url").unwrap_or_default(),
            gpg_verify,
            gpg_verify_summary,
            config: path.clone(),
            line,
            installation: inst.label.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filesystem_items() {
        assert_eq!(
            parse_filesystem("home"),
            Some(("home".into(), FsMode::ReadWrite))
        );
        assert_eq!(
            parse_filesystem("xdg-download:ro"),
            Some(("xdg-download".into(), FsMode::ReadOnly))
        );
        assert_eq!(
            parse_filesystem("!host"),
            Some(("host".into(), FsMode::None))
        );
        assert_eq!(
            parse_filesystem("xdg-data/flatpak/overrides:create"),
            Some(("xdg-data/flatpak/overrides".into(), FsMode::Create))
        );
        assert_eq!(
            parse_filesystem("/run//docker.sock/"),
            Some(("/run/docker.sock".into(), FsMode::ReadWrite))
        );
        assert_eq!(
            parse_filesystem("~/src/"),
            Some(("~/src".into(), FsMode::ReadWrite))
        );
        assert_eq!(
            parse_filesystem("!host:reset"),
            Some(("host-reset".into(), FsMode::None))
        );
        assert_eq!(parse_filesystem("host:reset"), None);
        assert_eq!(parse_filesystem("bogus"), None);
        assert_eq!(parse_filesystem("home:sideways"), None);
        assert_eq!(parse_filesystem("xdg-musicx"), None);
    }

    fn ctx(text: &str) -> Context {
        Context::from_keyfile(&KeyFile::parse(text).expect("keyfile")).expect("context")
    }

    #[test]
    fn negations_and_reset() {
        let mut c = ctx("[Context]\nsockets=x11;wayland;\nfilesystems=home;host;\ndevices=all;\n");
        c.merge(&ctx(
            "[Context]\nsockets=!x11;\ndevices=dri;!all;\nfilesystems=!home;\n",
        ));
        let p = c.permissions();
        assert_eq!(p.sockets.iter().collect::<Vec<_>>(), ["wayland"]);
        assert_eq!(p.devices.iter().collect::<Vec<_>>(), ["dri"]);
        assert_eq!(p.filesystems.keys().collect::<Vec<_>>(), ["host"]);
        c.merge(&ctx("[Context]\nfilesystems=!host:reset;xdg-music:ro;\n"));
        assert_eq!(
            c.permissions().filesystems.keys().collect::<Vec<_>>(),
            ["xdg-music"]
        );
    }

    #[test]
    fn bad_bus_policy_is_an_error() {
        let kf = KeyFile::parse("[Session Bus Policy]\norg.foo.Bar=sideways\n").expect("kf");
        assert_eq!(
            Context::from_keyfile(&kf).expect_err("policy").to_string(),
            "line 2: unknown policy `sideways` for `org.foo.Bar` in [Session Bus Policy]"
        );
        let kf = KeyFile::parse("[System Bus Policy]\nnot a name=talk\n").expect("kf");
        assert_eq!(
            Context::from_keyfile(&kf).expect_err("name").to_string(),
            "line 2: invalid D-Bus name `not a name` in [System Bus Policy]"
        );
        assert!(matches!(
            Permissions::parse("[Session Bus Policy]\norg.foo.Bar=sideways\n"),
            Err(PermissionsError::Context(ContextError::Policy {
                line: 2,
                ..
            }))
        ));
        assert!(matches!(
            Permissions::parse("no group\n"),
            Err(PermissionsError::KeyFile(_))
        ));
    }

    #[test]
    fn printed_view_reads_back() {
        let c =
            ctx("[Context]\nfilesystems=/a\\;b;~/x y;\n[Environment]\nA=x\\ny\\\\z\nB=\\slead\n");
        let p = c.permissions();
        assert_eq!(p.env["A"], "x\ny\\z");
        assert_eq!(p.env["B"], " lead");
        assert_eq!(Permissions::parse(&p.to_string()).expect("reads back"), p);
    }

    #[test]
    fn wildcards_cover_names() {
        assert!(covers("org.freedesktop.*", "org.freedesktop.Flatpak"));
        assert!(covers("org.freedesktop.Flatpak", "org.freedesktop.Flatpak"));
        assert!(!covers(
            "org.freedesktop.FlatpakX",
            "org.freedesktop.Flatpak"
        ));
        assert!(!covers(
            "org.freedesktop.Flatpak.*",
            "org.freedesktop.FlatpakX"
        ));
    }

    #[test]
    fn fallback_x11_with_wayland_is_not_x11() {
        let p = ctx("[Context]\nsockets=x11;wayland;fallback-x11;\n").permissions();
        assert!(breaches(&p).is_empty());
        let p = ctx("[Context]\nsockets=x11;fallback-x11;\n").permissions();
        assert_eq!(
            breaches(&p)[0].permission,
            "sockets=fallback-x11 (without wayland)"
        );
        let p = ctx("[Context]\nsockets=fallback-x11;\n").permissions();
        assert_eq!(breaches(&p).len(), 1, "fallback without wayland is X11");
        let p = ctx("[Context]\nsockets=x11;pulseaudio;\n").permissions();
        assert_eq!(breaches(&p)[0].permission, "sockets=x11");
    }
}
