//! Docker: the daemon's settings (`daemon.json`, the `dockerd` command line of
//! `docker.service` and of running `dockerd` processes), its API endpoints, and every
//! container's `hostconfig.json` / `config.v2.json` (rootful, user-namespace-remapped and
//! rootless data roots).
//!
//! NixOS starts dockerd as `dockerd --config-file=/nix/store/…-daemon.json <extraOptions>`,
//! so the configuration file named on the command line is read instead of
//! `/etc/docker/daemon.json` when there is one.

use std::collections::BTreeMap;

use nixsec_core::{Root, RootError};
use serde_json::Value;

use crate::passwd;

/// Why a Docker or Podman file could not be read, or holds what dockerd would refuse; the
/// message names the file.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    /// A file under the root could not be read.
    #[error(transparent)]
    Read(#[from] RootError),
    /// `docker.service` could not be loaded (a file unreadable or refused by systemd).
    #[error(transparent)]
    Unit(#[from] nixsec_systemd::LoadError),
    /// The `ExecStart=` of `docker.service` has unbalanced quotes.
    #[error("{file}:{line}: unbalanced quotes in ExecStart")]
    ExecStart {
        /// The unit file.
        file: String,
        /// 1-based line.
        line: usize,
    },
    /// Not JSON.
    #[error("`{path}`: not valid JSON: {source}")]
    Json {
        /// The file.
        path: String,
        /// What the JSON parser said.
        source: serde_json::Error,
    },
    /// JSON, but not an object.
    #[error("`{path}`: not a JSON object")]
    NotObject {
        /// The file.
        path: String,
    },
    /// A key whose value has the wrong type.
    #[error("`{path}`: `{key}` is not {expected} ({found})")]
    WrongType {
        /// The file.
        path: String,
        /// The key.
        key: &'static str,
        /// What it should be (`a boolean`, `a string`, `a list`).
        expected: &'static str,
        /// The value found, as JSON.
        found: String,
    },
    /// An entry of `hosts` that is not a string.
    #[error("`{path}`: `hosts` holds a non-string ({found})")]
    HostNotString {
        /// The file.
        path: String,
        /// The entry, as JSON.
        found: String,
    },
}

impl DockerError {
    /// True when a file (or a parent directory) the read needed does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        match self {
            DockerError::Read(e) => e.is_not_found(),
            DockerError::Unit(e) => e.is_not_found(),
            _ => false,
        }
    }
}

/// Where a daemon setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file (daemon.json, the unit, `/proc/<pid>/cmdline`).
    pub path: String,
    /// 1-based line for unit files.
    pub line: Option<u32>,
}

/// The daemon settings that matter, merged from the configuration file and the command line
/// (the command line wins, as dockerd refuses conflicts anyway).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaemonSettings {
    /// API endpoints (`-H`/`hosts`), each with where it was set.
    pub hosts: Vec<(String, Source)>,
    /// `tls`.
    pub tls: Option<bool>,
    /// `tlsverify`.
    pub tlsverify: Option<bool>,
    /// `userns-remap`.
    pub userns_remap: Option<String>,
    /// `no-new-privileges`.
    pub no_new_privileges: Option<bool>,
    /// `icc`.
    pub icc: Option<bool>,
    /// `iptables`.
    pub iptables: Option<bool>,
    /// `ip` (default bind address of published ports).
    pub ip: Option<String>,
    /// `data-root`.
    pub data_root: Option<String>,
    /// `seccomp-profile`.
    pub seccomp_profile: Option<String>,
    /// The configuration file read, if any.
    pub config_file: Option<String>,
}

/// What a `docker.service` unit or a dockerd process says.
#[derive(Debug, Clone, Default)]
pub struct Daemon {
    /// Settings from the config file and command lines.
    pub settings: DaemonSettings,
    /// Evidence that a rootful daemon is installed here (unit, config, data root, socket).
    pub rootful: Vec<String>,
    /// Evidence of rootless Docker (the user unit NixOS installs for
    /// `virtualisation.docker.rootless`, or a user's `~/.local/share/docker`).
    pub rootless: Vec<String>,
    /// Problems (unreadable or invalid files), each naming the file.
    pub errors: Vec<String>,
}

fn wrong_type(path: &str, key: &'static str, expected: &'static str, found: &Value) -> DockerError {
    DockerError::WrongType {
        path: path.to_string(),
        key,
        expected,
        found: found.to_string(),
    }
}

fn json(path: &str, text: &str) -> Result<Value, DockerError> {
    serde_json::from_str(text).map_err(|source| DockerError::Json {
        path: path.to_string(),
        source,
    })
}

fn bool_field(
    obj: &serde_json::Map<String, Value>,
    key: &'static str,
    path: &str,
) -> Result<Option<bool>, DockerError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(wrong_type(path, key, "a boolean", other)),
    }
}

fn str_field(
    obj: &serde_json::Map<String, Value>,
    key: &'static str,
    path: &str,
) -> Result<Option<String>, DockerError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(wrong_type(path, key, "a string", other)),
    }
}

/// Parse daemon.json text into settings.
///
/// # Errors
/// Not JSON, not an object, or a key of the wrong type (dockerd refuses to start then).
pub fn parse_daemon_json(text: &str, path: &str) -> Result<DaemonSettings, DockerError> {
    let Value::Object(obj) = json(path, text)? else {
        return Err(DockerError::NotObject {
            path: path.to_string(),
        });
    };
    let mut s = DaemonSettings {
        config_file: Some(path.to_string()),
        ..DaemonSettings::default()
    };
    match obj.get("hosts") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) => {
            for h in a {
                let Value::String(h) = h else {
                    return Err(DockerError::HostNotString {
                        path: path.to_string(),
                        found: h.to_string(),
                    });
                };
                s.hosts.push((
                    h.clone(),
                    Source {
                        path: path.to_string(),
                        line: None,
                    },
                ));
            }
        }
        Some(other) => return Err(wrong_type(path, "hosts", "a list", other)),
    }
    s.tls = bool_field(&obj, "tls", path)?;
    s.tlsverify = bool_field(&obj, "tlsverify", path)?;
    s.userns_remap = str_field(&obj, "userns-remap", path)?.filter(|v| !v.is_empty());
    s.no_new_privileges = bool_field(&obj, "no-new-privileges", path)?;
    s.icc = bool_field(&obj, "icc", path)?;
    s.iptables = bool_field(&obj, "iptables", path)?;
    s.ip = str_field(&obj, "ip", path)?;
    s.data_root = str_field(&obj, "data-root", path)?.or(str_field(&obj, "graph", path)?);
    s.seccomp_profile = str_field(&obj, "seccomp-profile", path)?;
    Ok(s)
}

fn flag_bool(v: Option<&str>) -> Option<bool> {
    match v {
        None => Some(true),
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        Some(_) => None,
    }
}

/// Apply dockerd command-line arguments (after argv\[0\]) to `s`; returns the
/// `--config-file` named, if any.
pub fn apply_args(args: &[String], src: &Source, s: &mut DaemonSettings) -> Option<String> {
    let mut config = None;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with('-') => (n.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let takes_value = matches!(
            name.as_str(),
            "-H" | "--host"
                | "--config-file"
                | "--userns-remap"
                | "--ip"
                | "--data-root"
                | "-g"
                | "--graph"
                | "--seccomp-profile"
        );
        let value = if takes_value && inline.is_none() {
            i += 1;
            args.get(i).cloned()
        } else {
            inline.clone()
        };
        match name.as_str() {
            "-H" | "--host" => {
                if let Some(v) = value {
                    s.hosts.push((v, src.clone()));
                }
            }
            "--config-file" => config = value,
            "--tls" => s.tls = flag_bool(inline.as_deref()).or(s.tls),
            "--tlsverify" => s.tlsverify = flag_bool(inline.as_deref()).or(s.tlsverify),
            "--no-new-privileges" => {
                s.no_new_privileges = flag_bool(inline.as_deref()).or(s.no_new_privileges)
            }
            "--icc" => s.icc = flag_bool(inline.as_deref()).or(s.icc),
            "--iptables" => s.iptables = flag_bool(inline.as_deref()).or(s.iptables),
            "--userns-remap" => s.userns_remap = value.filter(|v| !v.is_empty()),
            "--ip" => s.ip = value,
            "--data-root" | "-g" | "--graph" => s.data_root = value,
            "--seccomp-profile" => s.seccomp_profile = value,
            _ => {}
        }
        i += 1;
    }
    config
}

/// The last `ExecStart=` of `docker.service` (fragment and drop-ins), split into words.
fn unit_command(root: &Root) -> Result<Option<(Vec<String>, Source)>, DockerError> {
    let u = match nixsec_systemd::load(root, "docker.service") {
        Ok(u) => u,
        Err(
            nixsec_systemd::LoadError::NotFound { .. } | nixsec_systemd::LoadError::Masked { .. },
        ) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut last = None;
    for a in u
        .assignments
        .iter()
        .filter(|a| &*a.section == "Service" && a.key == "ExecStart")
    {
        if a.value.is_empty() {
            last = None;
            continue;
        }
        last = Some(a);
    }
    let Some(a) = last else { return Ok(None) };
    let words =
        nixsec_systemd::unit::split_words(&a.value).ok_or_else(|| DockerError::ExecStart {
            file: a.file.to_string(),
            line: a.line,
        })?;
    // Only the command word carries systemd's `@-:+!` prefixes.
    let mut words = words;
    if let Some(first) = words.first_mut() {
        *first = first
            .trim_start_matches(['@', '-', ':', '+', '!'])
            .to_string();
    }
    Ok(Some((
        words,
        Source {
            path: a.file.to_string(),
            line: u32::try_from(a.line).ok(),
        },
    )))
}

/// Command lines of running `dockerd` processes of root (live host only; empty elsewhere).
fn process_commands(root: &Root) -> Vec<(Vec<String>, Source)> {
    let mut out = Vec::new();
    let Ok((_, pids)) = root.read_dir("/proc") else {
        return out;
    };
    for pid in pids
        .iter()
        .filter_map(|p| p.to_str())
        .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
    {
        let path = format!("/proc/{pid}/cmdline");
        let Ok((_, bytes)) = root.read_limited(&path, 1 << 20) else {
            continue;
        };
        let args: Vec<String> = bytes
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if args
            .first()
            .is_none_or(|a| a.rsplit('/').next() != Some("dockerd"))
        {
            continue;
        }
        // A rootless dockerd (under rootlesskit) runs as its user: not the rootful daemon.
        let uid = root
            .read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|(_, st)| {
                st.lines()
                    .find_map(|l| l.strip_prefix("Uid:"))
                    .and_then(|r| r.split_whitespace().nth(1))
                    .and_then(|u| u.parse::<u32>().ok())
            });
        if uid == Some(0) {
            out.push((args, Source { path, line: None }));
        }
    }
    out
}

/// Read the daemon's settings under `root`.
#[must_use]
pub fn daemon(root: &Root) -> Daemon {
    let mut d = Daemon::default();
    let mut commands = Vec::new();
    match unit_command(root) {
        Ok(Some(c)) => {
            d.rootful.push(c.1.path.clone());
            commands.push(c);
        }
        Ok(None) => {}
        Err(e) => d.errors.push(e.to_string()),
    }
    commands.extend(process_commands(root));
    // The configuration file: the one named by --config-file, else /etc/docker/daemon.json.
    let mut scratch = DaemonSettings::default();
    let named = commands
        .iter()
        .filter_map(|(w, src)| apply_args(w.get(1..).unwrap_or(&[]), src, &mut scratch))
        .last();
    let config_path = named.unwrap_or_else(|| "/etc/docker/daemon.json".to_string());
    match root.read_to_string(&config_path) {
        Ok((_, text)) => match parse_daemon_json(&text, &config_path) {
            Ok(s) => {
                d.rootful.push(config_path.clone());
                d.settings = s;
            }
            Err(e) => d.errors.push(e.to_string()),
        },
        Err(e) if e.is_not_found() => {}
        Err(e) => d.errors.push(e.to_string()),
    }
    for (words, src) in &commands {
        apply_args(words.get(1..).unwrap_or(&[]), src, &mut d.settings);
    }
    if let Some(p) = ["/run/docker.sock", "/var/run/docker.sock"]
        .into_iter()
        .find(|p| root.symlink_metadata(p).is_ok())
    {
        d.rootful.push(p.to_string());
    }
    let data_root = d
        .settings
        .data_root
        .clone()
        .unwrap_or_else(|| "/var/lib/docker".into());
    if root
        .metadata(format!("{data_root}/containers"))
        .is_ok_and(|(_, m)| m.is_dir())
    {
        d.rootful.push(data_root);
    }
    for p in [
        "/etc/systemd/user/docker.service",
        "/usr/lib/systemd/user/docker.service",
    ] {
        if !root.presence(p).is_absent() {
            d.rootless.push(p.to_string());
        }
    }
    if let Ok(homes) = passwd::homes(root) {
        for h in homes.iter().filter(|h| h.uid != 0) {
            let p = format!("{}/.local/share/docker", h.dir.trim_end_matches('/'));
            if !root.presence(&p).is_absent() {
                d.rootless.push(p);
            }
        }
    }
    d
}

/// A TCP endpoint without TLS client verification: `tcp://` hosts when `tlsverify` is not on
/// (`tls` alone encrypts but lets any client in).
#[must_use]
pub fn unauthenticated_tcp(s: &DaemonSettings) -> Vec<&(String, Source)> {
    if s.tlsverify == Some(true) {
        return Vec::new();
    }
    s.hosts
        .iter()
        .filter(|(h, _)| {
            h.starts_with("tcp://")
                || (h.contains(':') && !h.contains("://") && !h.starts_with('/'))
        })
        .collect()
}

/// A bind or mount of a host path into a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostMount {
    /// Host path.
    pub source: String,
    /// Container path.
    pub target: String,
    /// Read-only.
    pub read_only: bool,
}

/// A published port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// `80/tcp`.
    pub container_port: String,
    /// Host address (empty = all, or the daemon's `ip`).
    pub host_ip: String,
    /// Host port.
    pub host_port: String,
}

/// One container's security-relevant settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Container {
    /// 64-hex id.
    pub id: String,
    /// Name without the leading `/`.
    pub name: String,
    /// Its directory (with `hostconfig.json`).
    pub dir: String,
    /// `Privileged`.
    pub privileged: bool,
    /// `CapAdd`, upper case without `CAP_`.
    pub cap_add: Vec<String>,
    /// `NetworkMode`.
    pub network_mode: String,
    /// `PidMode`.
    pub pid_mode: String,
    /// `IpcMode`.
    pub ipc_mode: String,
    /// `UsernsMode`.
    pub userns_mode: String,
    /// `SecurityOpt`.
    pub security_opt: Vec<String>,
    /// `Binds` (volumes by name excluded) and `Mounts` of type bind.
    pub mounts: Vec<HostMount>,
    /// `PortBindings`.
    pub ports: Vec<Published>,
    /// `Devices` host paths.
    pub devices: Vec<String>,
    /// Stored under a remapped data root (`<uid>.<gid>/`).
    pub remapped: bool,
    /// Belongs to a rootless daemon of this user.
    pub rootless_user: Option<String>,
    /// `State.Running`.
    pub running: bool,
}

fn strs(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Parse a container's two files.
///
/// # Errors
/// Invalid JSON or a file that is not an object.
pub fn parse_container(
    dir: &str,
    hostconfig: &str,
    config: Option<&str>,
) -> Result<Container, DockerError> {
    let hp = format!("{dir}/hostconfig.json");
    let Value::Object(h) = json(&hp, hostconfig)? else {
        return Err(DockerError::NotObject { path: hp });
    };
    let mut c = Container {
        id: dir.rsplit('/').next().unwrap_or_default().to_string(),
        dir: dir.to_string(),
        ..Container::default()
    };
    if let Some(text) = config {
        let cp = format!("{dir}/config.v2.json");
        let v = json(&cp, text)?;
        if let Some(n) = v.get("Name").and_then(Value::as_str) {
            c.name = n.trim_start_matches('/').to_string();
        }
        c.running = v
            .pointer("/State/Running")
            .and_then(Value::as_bool)
            .unwrap_or(false);
    }
    let s = |k: &str| h.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    c.privileged = h
        .get("Privileged")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    c.cap_add = strs(h.get("CapAdd"))
        .into_iter()
        .map(|x| {
            let u = x.to_ascii_uppercase();
            u.strip_prefix("CAP_").map_or(u.clone(), str::to_string)
        })
        .collect();
    c.network_mode = s("NetworkMode");
    c.pid_mode = s("PidMode");
    c.ipc_mode = s("IpcMode");
    c.userns_mode = s("UsernsMode");
    c.security_opt = strs(h.get("SecurityOpt"));
    for b in strs(h.get("Binds")) {
        let parts: Vec<&str> = b.split(':').collect();
        if parts.len() < 2 || !parts[0].starts_with('/') {
            continue; // a named volume
        }
        let opts = parts.get(2).copied().unwrap_or("");
        c.mounts.push(HostMount {
            source: parts[0].to_string(),
            target: parts[1].to_string(),
            read_only: opts.split(',').any(|o| o == "ro"),
        });
    }
    if let Some(Value::Array(ms)) = h.get("Mounts") {
        for m in ms {
            if m.get("Type").and_then(Value::as_str) != Some("bind") {
                continue;
            }
            c.mounts.push(HostMount {
                source: m
                    .get("Source")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                target: m
                    .get("Target")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                read_only: m.get("ReadOnly").and_then(Value::as_bool).unwrap_or(false),
            });
        }
    }
    if let Some(Value::Object(pb)) = h.get("PortBindings") {
        for (port, binds) in pb {
            if let Value::Array(bs) = binds {
                for b in bs {
                    c.ports.push(Published {
                        container_port: port.clone(),
                        host_ip: b
                            .get("HostIp")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        host_port: b
                            .get("HostPort")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                    });
                }
            }
        }
    }
    if let Some(Value::Array(ds)) = h.get("Devices") {
        c.devices = ds
            .iter()
            .filter_map(|d| {
                d.get("PathOnHost")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect();
    }
    Ok(c)
}

/// Every container under the data roots: `<data-root>/containers/*`, remapped
/// `<data-root>/<uid>.<gid>/containers/*`, rootless `~/.local/share/docker/containers/*`, and
/// Podman's `overlay-containers/*` (rootful and rootless).
#[derive(Debug, Clone, Default)]
pub struct Containers {
    /// Containers read.
    pub containers: Vec<Container>,
    /// Data roots looked at that exist.
    pub roots: Vec<String>,
    /// Problems, each naming the file.
    pub errors: Vec<String>,
}

fn list_dir(root: &Root, dir: &str) -> Result<Vec<String>, RootError> {
    match root.read_dir(dir) {
        Ok((_, n)) => Ok(n.into_iter().filter_map(|s| s.into_string().ok()).collect()),
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

fn read_containers(
    root: &Root,
    dir: &str,
    remapped: bool,
    rootless: Option<&str>,
    out: &mut Containers,
) {
    let ids = match list_dir(root, dir) {
        Ok(i) => i,
        Err(e) => {
            out.errors.push(e.to_string());
            return;
        }
    };
    if !root.presence(dir).is_absent() {
        out.roots.push(dir.to_string());
    }
    // Container directories are named by their 64-hex id; anything else is not dockerd's.
    for id in ids
        .into_iter()
        .filter(|i| i.len() == 64 && i.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        let cdir = format!("{dir}/{id}");
        let hp = format!("{cdir}/hostconfig.json");
        let h = match root.read_to_string(&hp) {
            Ok((_, t)) => t,
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                out.errors.push(e.to_string());
                continue;
            }
        };
        let cfg = root
            .read_to_string(format!("{cdir}/config.v2.json"))
            .ok()
            .map(|(_, t)| t);
        match parse_container(&cdir, &h, cfg.as_deref()) {
            Ok(mut c) => {
                c.remapped = remapped;
                c.rootless_user = rootless.map(str::to_string);
                out.containers.push(c);
            }
            Err(e) => out.errors.push(e.to_string()),
        }
    }
}

/// Read every container the daemon(s) under `root` know.
#[must_use]
pub fn containers(root: &Root, settings: &DaemonSettings) -> Containers {
    let mut out = Containers::default();
    let data_root = settings
        .data_root
        .clone()
        .unwrap_or_else(|| "/var/lib/docker".into());
    read_containers(
        root,
        &format!("{data_root}/containers"),
        false,
        None,
        &mut out,
    );
    match list_dir(root, &data_root) {
        Ok(names) => {
            for n in names {
                let remap = n.split_once('.').is_some_and(|(a, b)| {
                    !a.is_empty()
                        && !b.is_empty()
                        && a.bytes().all(|c| c.is_ascii_digit())
                        && b.bytes().all(|c| c.is_ascii_digit())
                });
                if remap {
                    read_containers(
                        root,
                        &format!("{data_root}/{n}/containers"),
                        true,
                        None,
                        &mut out,
                    );
                }
            }
        }
        Err(e) => out.errors.push(e.to_string()),
    }
    match passwd::homes(root) {
        Ok(homes) => {
            for h in homes {
                let dir = format!(
                    "{}/.local/share/docker/containers",
                    h.dir.trim_end_matches('/')
                );
                if !root.presence(&dir).is_absent() {
                    read_containers(root, &dir, false, Some(&h.user), &mut out);
                }
            }
        }
        Err(e) => out.errors.push(e.to_string()),
    }
    podman_containers(root, &mut out);
    out
}

/// A Podman container from its OCI runtime spec (`overlay-containers/<ID>/userdata/config.json`,
/// written by Podman for the runtime): host namespaces are the ones missing from
/// `linux.namespaces`, capabilities are `process.capabilities.bounding`, no `linux.seccomp`
/// means unconfined, and `mounts` of type `bind` are host paths.
///
/// # Errors
/// Invalid JSON or not an object.
pub fn parse_oci_spec(dir: &str, text: &str) -> Result<Container, DockerError> {
    let path = format!("{dir}/userdata/config.json");
    let v = json(&path, text)?;
    if !v.is_object() {
        return Err(DockerError::NotObject { path });
    }
    let mut c = Container {
        id: dir.rsplit('/').next().unwrap_or_default().to_string(),
        dir: dir.to_string(),
        ..Container::default()
    };
    c.name = v
        .pointer("/annotations/io.podman.annotations.name")
        .or_else(|| v.pointer("/hostname"))
        .and_then(Value::as_str)
        .unwrap_or(&c.id)
        .to_string();
    let namespaces: Vec<&str> = v
        .pointer("/linux/namespaces")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|n| n.get("type").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let mode = |ns: &str| {
        if namespaces.contains(&ns) {
            String::new()
        } else {
            "host".to_string()
        }
    };
    c.pid_mode = mode("pid");
    c.network_mode = mode("network");
    c.ipc_mode = mode("ipc");
    c.cap_add = strs(v.pointer("/process/capabilities/bounding"))
        .into_iter()
        .map(|x| {
            x.to_ascii_uppercase()
                .trim_start_matches("CAP_")
                .to_string()
        })
        .collect();
    if v.pointer("/linux/seccomp").is_none_or(Value::is_null) {
        c.security_opt.push("seccomp=unconfined".into());
    }
    if v.pointer("/process/apparmorProfile")
        .and_then(Value::as_str)
        == Some("unconfined")
    {
        c.security_opt.push("apparmor=unconfined".into());
    }
    if let Some(ms) = v.get("mounts").and_then(Value::as_array) {
        for m in ms {
            let opts = strs(m.get("options"));
            let is_bind = m.get("type").and_then(Value::as_str) == Some("bind")
                || opts.iter().any(|o| o == "bind" || o == "rbind");
            if !is_bind {
                continue;
            }
            c.mounts.push(HostMount {
                source: m
                    .get("source")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                target: m
                    .get("destination")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                read_only: opts.iter().any(|o| o == "ro"),
            });
        }
    }
    Ok(c)
}

/// Podman containers of rootful (`/var/lib/containers/storage`) and rootless
/// (`~/.local/share/containers/storage`) storage.
pub fn podman_containers(root: &Root, out: &mut Containers) {
    let mut places = vec![(
        "/var/lib/containers/storage/overlay-containers".to_string(),
        None,
    )];
    if let Ok(homes) = passwd::homes(root) {
        places.extend(homes.into_iter().map(|h| {
            (
                format!(
                    "{}/.local/share/containers/storage/overlay-containers",
                    h.dir.trim_end_matches('/')
                ),
                Some(h.user),
            )
        }));
    }
    for (dir, user) in places {
        let ids = match list_dir(root, &dir) {
            Ok(i) => i,
            Err(e) => {
                out.errors.push(e.to_string());
                continue;
            }
        };
        if ids.is_empty() {
            continue;
        }
        out.roots.push(dir.clone());
        for id in ids
            .into_iter()
            .filter(|i| i.len() == 64 && i.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            let cdir = format!("{dir}/{id}");
            let text = match root.read_to_string(format!("{cdir}/userdata/config.json")) {
                Ok((_, t)) => t,
                Err(e) if e.is_not_found() => continue,
                Err(e) => {
                    out.errors.push(e.to_string());
                    continue;
                }
            };
            match parse_oci_spec(&cdir, &text) {
                Ok(mut c) => {
                    c.rootless_user.clone_from(&user);
                    out.containers.push(c);
                }
                Err(e) => out.errors.push(e.to_string()),
            }
        }
    }
}

/// Host paths whose bind gives a container control of the host.
const DANGEROUS_SOURCES: &[&str] = &[
    "/",
    "/run",
    "/var/run",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd",
    "/run/containerd/containerd.sock",
    "/run/podman",
    "/run/podman/podman.sock",
    "/var/lib/docker",
];

/// Host paths that are dangerous only when writable.
const WRITABLE_SOURCES: &[&str] = &[
    "/etc", "/root", "/home", "/boot", "/nix", "/nix/var", "/usr", "/var/lib", "/dev", "/proc",
    "/sys",
];

/// Capabilities that break container isolation.
pub const DANGEROUS_CAPS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "SYS_MODULE",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "DAC_READ_SEARCH",
    "NET_ADMIN",
    "BPF",
];

/// The isolation problems of one container, each as `flag (why)`.
#[must_use]
pub fn problems(c: &Container) -> Vec<String> {
    let mut p = Vec::new();
    if c.privileged {
        p.push("--privileged".to_string());
    }
    for cap in &c.cap_add {
        if DANGEROUS_CAPS.contains(&cap.as_str()) {
            p.push(format!("--cap-add={cap}"));
        }
    }
    for (mode, flag) in [
        (&c.pid_mode, "--pid"),
        (&c.network_mode, "--network"),
        (&c.ipc_mode, "--ipc"),
    ] {
        if mode == "host" {
            p.push(format!("{flag}=host"));
        }
    }
    for o in &c.security_opt {
        let o2 = o.replace(':', "=");
        if o2 == "seccomp=unconfined"
            || o2 == "apparmor=unconfined"
            || o2 == "systempaths=unconfined"
        {
            p.push(format!("--security-opt {o2}"));
        }
    }
    for m in &c.mounts {
        let src = m.source.trim_end_matches('/');
        let src = if src.is_empty() { "/" } else { src };
        if DANGEROUS_SOURCES.contains(&src)
            || src.ends_with(".sock")
                && (src.contains("docker") || src.contains("podman") || src.contains("containerd"))
        {
            p.push(format!(
                "-v {}:{}{}",
                m.source,
                m.target,
                if m.read_only { ":ro" } else { "" }
            ));
        } else if !m.read_only && WRITABLE_SOURCES.contains(&src) {
            p.push(format!("-v {}:{}", m.source, m.target));
        }
    }
    for d in &c.devices {
        if d == "/dev/mem"
            || d == "/dev/kmem"
            || d.starts_with("/dev/sd")
            || d.starts_with("/dev/nvme")
            || d.starts_with("/dev/vd")
        {
            p.push(format!("--device {d}"));
        }
    }
    p
}

/// A container whose root is not host root: remapped (and not opted out) or rootless.
#[must_use]
pub fn in_user_namespace(c: &Container) -> bool {
    c.rootless_user.is_some() || (c.remapped && c.userns_mode != "host")
}

/// Published ports reachable on every address (empty `HostIp` with no daemon `ip`, or
/// `0.0.0.0`/`::`).
#[must_use]
pub fn published_on_all(c: &Container, daemon_ip: Option<&str>) -> Vec<Published> {
    let default_all = daemon_ip.is_none_or(|ip| matches!(ip, "" | "0.0.0.0" | "::"));
    c.ports
        .iter()
        .filter(|p| match p.host_ip.as_str() {
            "" => default_all,
            ip => matches!(ip, "0.0.0.0" | "::" | "[::]"),
        })
        .cloned()
        .collect()
}

/// Group members per group name from `/etc/group` text, with the line.
#[must_use]
pub fn group_members(text: &str) -> BTreeMap<String, (u32, u32, Vec<String>)> {
    let mut out = BTreeMap::new();
    for (i, l) in text.lines().enumerate() {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() < 4 || l.starts_with('#') {
            continue;
        }
        let Ok(gid) = f[2].parse::<u32>() else {
            continue;
        };
        let members = f[3]
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .collect();
        out.insert(
            f[0].to_string(),
            (u32::try_from(i + 1).unwrap_or(u32::MAX), gid, members),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_and_tcp_hosts() {
        let mut s = DaemonSettings::default();
        let src = Source {
            path: "/etc/systemd/system/docker.service".into(),
            line: Some(3),
        };
        let words: Vec<String> = "-H fd:// -H=tcp://0.0.0.0:2375 --config-file /nix/store/x-daemon.json --tls --icc=false"
            .split(' ')
            .map(String::from)
            .collect();
        assert_eq!(
            apply_args(&words, &src, &mut s).as_deref(),
            Some("/nix/store/x-daemon.json")
        );
        assert_eq!(s.hosts.len(), 2);
        assert_eq!((s.tls, s.icc), (Some(true), Some(false)));
        assert_eq!(unauthenticated_tcp(&s).len(), 1, "tls without tlsverify");
        s.tlsverify = Some(true);
        assert!(unauthenticated_tcp(&s).is_empty());
    }

    #[test]
    fn daemon_json_types() {
        assert!(parse_daemon_json("{\"hosts\": \"tcp://x\"}", "/d").is_err());
        assert!(parse_daemon_json("[1]", "/d").is_err());
        assert!(parse_daemon_json("{\"icc\": \"no\"}", "/d").is_err());
        assert!(parse_daemon_json("{not json", "/d").is_err());
        let s =
            parse_daemon_json("{\"userns-remap\": \"default\", \"icc\": false}", "/d").expect("ok");
        assert_eq!(s.userns_remap.as_deref(), Some("default"));
    }

    #[test]
    fn errors_name_the_file() {
        let msg = |text: &str| {
            parse_daemon_json(text, "/d")
                .expect_err("invalid")
                .to_string()
        };
        assert_eq!(
            msg("{\"icc\": \"no\"}"),
            "`/d`: `icc` is not a boolean (\"no\")"
        );
        assert_eq!(msg("{\"ip\": 1}"), "`/d`: `ip` is not a string (1)");
        assert_eq!(
            msg("{\"hosts\": \"tcp://x\"}"),
            "`/d`: `hosts` is not a list (\"tcp://x\")"
        );
        assert_eq!(
            msg("{\"hosts\": [1]}"),
            "`/d`: `hosts` holds a non-string (1)"
        );
        assert_eq!(msg("[1]"), "`/d`: not a JSON object");
        assert!(msg("{not json").starts_with("`/d`: not valid JSON: "));
        let e = parse_container("/c", "{}", Some("[")).expect_err("bad config");
        assert!(matches!(&e, DockerError::Json { path, .. } if path == "/c/config.v2.json"));
        let e = parse_oci_spec("/c", "1").expect_err("not an object");
        assert_eq!(
            e.to_string(),
            "`/c/userdata/config.json`: not a JSON object"
        );
        assert!(!e.is_not_found());
    }
}
