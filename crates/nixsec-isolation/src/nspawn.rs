//! systemd-nspawn containers: NixOS declarative containers (`/etc/nixos-containers/<n>.conf`,
//! `/etc/containers/<n>.conf` before 22.05, with their `container@<n>.service` unit) and
//! `.nspawn` settings files (`/etc/systemd/nspawn`, `/run/systemd/nspawn`, `/var/lib/machines`).
//!
//! A NixOS container's `.conf` is the `EnvironmentFile` of `container@<n>.service`:
//! `PRIVATE_NETWORK=1` gives it its own network namespace (absent = the host's),
//! `PRIVATE_USERS` (`no` by default = container root is host root), and `EXTRA_NSPAWN_FLAGS`
//! carries `--bind=`/`--bind-ro=` and extra flags; `additionalCapabilities` and
//! `allowedDevices` end up in the unit (`--capability=`, `DeviceAllow=`).
//!
//! `.nspawn` files are read as `systemd-nspawn@.service` starts machines: with
//! `--network-veth -U` unless the file says otherwise.

use nixsec_core::{Root, RootError};
use nixsec_systemd::unit::ParseError;
use nixsec_systemd::LoadError;

/// Where a setting was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At {
    /// File inside the root.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// The assignment as written.
    pub text: String,
}

/// A bind mount of a host path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    /// Host path.
    pub source: String,
    /// Read-only.
    pub read_only: bool,
    /// Where it is set.
    pub at: At,
}

/// One nspawn container's isolation settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// `nixos` or `nspawn`.
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// The settings file.
    pub path: String,
    /// `Some(at)`: shares the host's network namespace, because of the setting at `at`
    /// (or its absence, pointing at the file).
    pub host_network: Option<At>,
    /// `Some(at)`: no user namespace, container root is host uid 0.
    pub host_root: Option<At>,
    /// Capabilities added (upper case, `CAP_` prefix kept; `all` as `ALL`).
    pub capabilities: Vec<(String, At)>,
    /// Bind mounts.
    pub binds: Vec<Bind>,
    /// `DeviceAllow=` entries (device, access).
    pub devices: Vec<(String, String, At)>,
}

/// Parse a systemd `EnvironmentFile`: `KEY=value` lines, `#`/`;` comments, quotes removed,
/// backslash-newline continuations. Returns (key, value, line); lines without `=` are skipped
/// as systemd skips them.
#[must_use]
pub fn parse_env(text: &str) -> Vec<(String, String, u32)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, l)) = lines.next() {
        let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let mut l = l.to_string();
        while l.ends_with('\\') {
            l.pop();
            match lines.next() {
                Some((_, n)) => l.push_str(n),
                None => break,
            }
        }
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        let Some((k, v)) = t.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        let v = v.trim();
        let v = if v.len() >= 2
            && ((v.starts_with('"') && v.ends_with('"'))
                || (v.starts_with('\'') && v.ends_with('\'')))
        {
            v[1..v.len() - 1]
                .replace("\\\"", "\"")
                .replace("\\\\", "\\")
        } else {
            v.to_string()
        };
        out.push((k.to_string(), v, line));
    }
    out
}

/// Capabilities named by a `--capability=` value or `Capability=` setting.
fn caps(v: &str) -> Vec<String> {
    v.split([',', ' '])
        .filter(|c| !c.is_empty())
        .map(|c| {
            let u = c.trim_matches('"').to_ascii_uppercase();
            if u == "ALL" || u.starts_with("CAP_") {
                u
            } else {
                format!("CAP_{u}")
            }
        })
        .collect()
}

/// A `--bind` value `SRC[:DST[:OPTS]]` (a leading `-` means "ignore if missing").
fn bind_source(v: &str) -> String {
    let v = v.trim_start_matches('-');
    v.split(':').next().unwrap_or("").to_string()
}

/// Apply nspawn command-line flags (`--bind=`, `--capability=`, `--private-users`,
/// `--private-network`, `--network-*`) to `c`. Each bind or capability cites its own flag
/// (`at`'s file and line, the flag as written): citing the whole assignment made thousands of
/// flags cost the square of its length in memory.
fn apply_flags(words: &[String], at: &At, c: &mut Container) {
    let cite = |text: String| At {
        path: at.path.clone(),
        line: at.line,
        text,
    };
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let start = i;
        let (name, val) = match w.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (w.as_str(), None),
        };
        let needs = matches!(
            name,
            "--bind" | "--bind-ro" | "--capability" | "--private-users"
        );
        let val =
            if val.is_none() && needs && matches!(name, "--bind" | "--bind-ro" | "--capability") {
                i += 1;
                words.get(i).cloned()
            } else {
                val
            };
        let written = || {
            words
                .get(start..=i)
                .map(|w| w.join(" "))
                .unwrap_or_default()
        };
        match name {
            "--bind" | "--bind-ro" => {
                if let Some(v) = val {
                    c.binds.push(Bind {
                        source: bind_source(&v),
                        read_only: name == "--bind-ro",
                        at: cite(written()),
                    });
                }
            }
            "--capability" => {
                for cap in caps(&val.unwrap_or_default()) {
                    c.capabilities.push((cap, cite(written())));
                }
            }
            "-U" | "--private-users" if !matches!(val.as_deref(), Some("no" | "false" | "0")) => {
                c.host_root = None;
            }
            "--private-network"
            | "-n"
            | "--network-veth"
            | "--network-zone"
            | "--network-bridge"
            | "--network-interface"
            | "--network-macvlan"
            | "--network-ipvlan"
            | "--network-namespace-path"
            | "--network-veth-extra" => {
                c.host_network = None;
            }
            _ => {}
        }
        i += 1;
    }
}

/// A NixOS container from its `.conf` text; `None` when the file is not a NixOS container
/// (no `SYSTEM_PATH`/`FLAKE`: for example Podman's `containers.conf` in `/etc/containers`).
#[must_use]
pub fn nixos_container(name: &str, path: &str, text: &str) -> Option<Container> {
    let env = parse_env(text);
    if !env
        .iter()
        .any(|(k, _, _)| k == "SYSTEM_PATH" || k == "FLAKE")
    {
        return None;
    }
    let get = |key: &str| env.iter().rev().find(|(k, _, _)| k == key);
    let at = |(k, v, l): &(String, String, u32)| At {
        path: path.to_string(),
        line: *l,
        text: format!("{k}={v}"),
    };
    let file = At {
        path: path.to_string(),
        line: 0,
        text: String::new(),
    };
    let mut c = Container {
        kind: "nixos",
        name: name.to_string(),
        path: path.to_string(),
        host_network: None,
        host_root: None,
        capabilities: Vec::new(),
        binds: Vec::new(),
        devices: Vec::new(),
    };
    let private_net = get("PRIVATE_NETWORK").is_some_and(|(_, v, _)| v == "1")
        || get("NETWORK_NAMESPACE_PATH").is_some_and(|(_, v, _)| !v.is_empty());
    if !private_net {
        c.host_network = Some(get("PRIVATE_NETWORK").map_or(
            At {
                text: "PRIVATE_NETWORK unset".into(),
                ..file.clone()
            },
            at,
        ));
    }
    match get("PRIVATE_USERS") {
        Some(e) if !matches!(e.1.as_str(), "no" | "") => {}
        Some(e) => c.host_root = Some(at(e)),
        None => {
            c.host_root = Some(At {
                text: "PRIVATE_USERS unset (default no)".into(),
                ..file.clone()
            })
        }
    }
    if let Some(e) = get("EXTRA_NSPAWN_FLAGS") {
        let words: Vec<String> = e.1.split_whitespace().map(String::from).collect();
        apply_flags(&words, &at(e), &mut c);
    }
    Some(c)
}

/// Add what `container@<name>.service` (with drop-ins) says: `--capability=` words in its
/// command lines and environment, `DeviceAllow=`.
fn apply_unit(root: &Root, c: &mut Container) -> Result<(), LoadError> {
    let unit = format!("container@{}.service", c.name);
    let u = match nixsec_systemd::load(root, &unit) {
        Ok(u) => u,
        Err(LoadError::NotFound { .. } | LoadError::Masked { .. }) => return Ok(()),
        Err(e) => return Err(e),
    };
    // The template `container@.service` is shared by every container: only the instance's
    // own files describe this one.
    for a in u
        .assignments
        .iter()
        .filter(|a| a.file.contains(&format!("container@{}.service", c.name)))
    {
        let at = At {
            path: a.file.to_string(),
            line: u32::try_from(a.line).unwrap_or(0),
            text: format!("{}={}", a.key, a.value),
        };
        if a.key == "DeviceAllow" {
            let mut it = a.value.split_whitespace();
            if let Some(dev) = it.next() {
                c.devices
                    .push((dev.to_string(), it.next().unwrap_or("rwm").to_string(), at));
            }
            continue;
        }
        for w in a.value.split_whitespace() {
            let w = w.trim_matches(['"', '\'']);
            // Also inside `Environment="EXTRA_NSPAWN_FLAGS=--capability=…"`.
            if let Some(v) = w
                .find("--capability=")
                .map(|i| &w[i + "--capability=".len()..])
            {
                for cap in caps(v) {
                    c.capabilities.push((cap, at.clone()));
                }
            }
        }
    }
    Ok(())
}

/// A `.nspawn` file's container.
///
/// # Errors
/// A file systemd refuses to parse (the error names the file and the line).
pub fn nspawn_container(name: &str, path: &str, text: &str) -> Result<Container, ParseError> {
    let f = nixsec_systemd::unit::parse(text, path)?;
    let mut c = Container {
        kind: "nspawn",
        name: name.to_string(),
        path: path.to_string(),
        host_network: None,
        host_root: None,
        capabilities: Vec::new(),
        binds: Vec::new(),
        devices: Vec::new(),
    };
    let bool_of = |v: &str| nixsec_systemd::unit::parse_bool(v);
    let mut veth_off = None;
    let mut private = false;
    for a in &f.assignments {
        let at = At {
            path: path.to_string(),
            line: u32::try_from(a.line).unwrap_or(0),
            text: format!("{}={}", a.key, a.value),
        };
        match (&*a.section, a.key.as_str()) {
            ("Exec", "PrivateUsers") => {
                c.host_root = matches!(bool_of(&a.value), Some(false)).then_some(at);
            }
            ("Exec", "Capability") => c
                .capabilities
                .extend(caps(&a.value).into_iter().map(|x| (x, at.clone()))),
            ("Files", "Bind") => c.binds.extend(a.value.split_whitespace().map(|v| Bind {
                source: bind_source(v),
                read_only: false,
                at: at.clone(),
            })),
            ("Files", "BindReadOnly") => c.binds.extend(a.value.split_whitespace().map(|v| Bind {
                source: bind_source(v),
                read_only: true,
                at: at.clone(),
            })),
            ("Network", "VirtualEthernet") => {
                veth_off = (bool_of(&a.value) == Some(false)).then_some(at)
            }
            ("Network", "Private") => private = bool_of(&a.value) == Some(true),
            ("Network", "Zone" | "Bridge" | "Interface" | "MACVLAN" | "IPVLAN")
                if !a.value.is_empty() =>
            {
                private = true
            }
            _ => {}
        }
    }
    if !private {
        c.host_network = veth_off;
    }
    Ok(c)
}

/// Every nspawn container under a root, and the problems met.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// Containers found.
    pub containers: Vec<Container>,
    /// Problems, each naming the file.
    pub errors: Vec<String>,
}

fn list(root: &Root, dir: &str, ext: &str) -> Result<Vec<String>, RootError> {
    match root.read_dir(dir) {
        Ok((_, n)) => Ok(n
            .into_iter()
            .filter_map(|s| s.into_string().ok())
            .filter(|n| n.ends_with(ext))
            .collect()),
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Read every NixOS container and `.nspawn` file under `root`.
#[must_use]
pub fn scan(root: &Root) -> Scan {
    let mut s = Scan::default();
    for dir in ["/etc/nixos-containers", "/etc/containers"] {
        let files = match list(root, dir, ".conf") {
            Ok(f) => f,
            Err(e) => {
                s.errors.push(e.to_string());
                continue;
            }
        };
        for f in files {
            let path = format!("{dir}/{f}");
            let name = f.trim_end_matches(".conf");
            if dir == "/etc/containers" && s.containers.iter().any(|c| c.name == name) {
                continue;
            }
            let text = match root.read(&path) {
                Ok((_, b)) => match String::from_utf8(b) {
                    Ok(t) => t,
                    Err(_) if dir == "/etc/containers" => continue,
                    Err(e) => {
                        s.errors.push(format!(
                            "`{path}`: not a text file (invalid UTF-8 at byte {})",
                            e.utf8_error().valid_up_to()
                        ));
                        continue;
                    }
                },
                Err(e) => {
                    s.errors.push(e.to_string());
                    continue;
                }
            };
            match nixos_container(name, &path, &text) {
                Some(mut c) => {
                    if let Err(e) = apply_unit(root, &mut c) {
                        s.errors.push(e.to_string());
                    }
                    s.containers.push(c);
                }
                // In /etc/containers other tools keep their own files (containers.conf …).
                None if dir == "/etc/containers" => {}
                None => s.errors.push(format!(
                    "`{path}`: not a NixOS container file (no SYSTEM_PATH or FLAKE)"
                )),
            }
        }
    }
    for dir in [
        "/etc/systemd/nspawn",
        "/run/systemd/nspawn",
        "/var/lib/machines",
    ] {
        let files = match list(root, dir, ".nspawn") {
            Ok(f) => f,
            Err(e) => {
                s.errors.push(e.to_string());
                continue;
            }
        };
        for f in files {
            let path = format!("{dir}/{f}");
            let name = f.trim_end_matches(".nspawn");
            if s.containers
                .iter()
                .any(|c| c.kind == "nspawn" && c.name == name)
            {
                continue; // a higher-priority directory already had it
            }
            let parsed = match root.read_to_string(&path) {
                Ok((_, t)) => nspawn_container(name, &path, &t).map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match parsed {
                Ok(c) => s.containers.push(c),
                Err(e) => s.errors.push(e),
            }
        }
    }
    s
}

/// Capabilities that break container isolation.
pub const DANGEROUS_CAPS: &[&str] = &[
    "ALL",
    "CAP_SYS_ADMIN",
    "CAP_SYS_MODULE",
    "CAP_NET_ADMIN",
    "CAP_SYS_PTRACE",
    "CAP_SYS_RAWIO",
    "CAP_DAC_READ_SEARCH",
    "CAP_BPF",
];

/// Is a writable bind of `src` dangerous (or any bind, for daemon sockets)?
#[must_use]
pub fn dangerous_bind(b: &Bind) -> bool {
    let s = b.source.trim_end_matches('/');
    let s = if s.is_empty() { "/" } else { s };
    let socket = s.ends_with(".sock")
        && ["docker", "podman", "containerd", "libvirt"]
            .iter()
            .any(|d| s.contains(d));
    let under = |p: &str| s == p || s.starts_with(&format!("{p}/"));
    socket
        || matches!(s, "/run" | "/var/run")
        || (!b.read_only
            && (matches!(s, "/" | "/etc" | "/nix" | "/nix/var" | "/boot" | "/usr")
                || under("/root")
                || under("/home")
                || under("/nix/var/nix")
                || under("/dev")))
}

/// Is a `DeviceAllow=` entry dangerous (block devices, `/dev/mem`, with write access)?
#[must_use]
pub fn dangerous_device(dev: &str, access: &str) -> bool {
    access.contains('w')
        && (dev.starts_with("block-")
            || matches!(dev, "/dev/mem" | "/dev/kmem" | "/dev/port")
            || dev.starts_with("/dev/sd")
            || dev.starts_with("/dev/nvme")
            || dev.starts_with("/dev/vd"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_syntax() {
        let e = parse_env("A=1\n# c\n; c\nB=\"x y\"\nnot an assignment\nC='q'\nD=a\\\nb\n");
        let kv: Vec<(&str, &str)> = e.iter().map(|(k, v, _)| (k.as_str(), v.as_str())).collect();
        assert_eq!(kv, [("A", "1"), ("B", "x y"), ("C", "q"), ("D", "ab")]);
    }

    #[test]
    fn thousands_of_binds_cost_linear_memory() {
        // Regression (issue 20): 12,000 `--bind` flags needed 1.95 GB, each bind citing the
        // whole assignment. Each now cites its own flag.
        let flags: Vec<String> = (0..12_000).map(|i| format!("--bind=/srv/d{i}")).collect();
        let text = format!(
            "SYSTEM_PATH=/nix/store/x\nEXTRA_NSPAWN_FLAGS=\"{} --bind /etc\"\n",
            flags.join(" ")
        );
        let c = nixos_container("c", "/etc/nixos-containers/c.conf", &text).expect("a container");
        assert_eq!(c.binds.len(), 12_001);
        let cited: usize = c.binds.iter().map(|b| b.at.text.len()).sum();
        assert!(cited < 300_000, "{cited}");
        assert_eq!(c.binds[0].at.text, "--bind=/srv/d0");
        assert_eq!(c.binds[12_000].at.text, "--bind /etc");
        assert_eq!(c.binds[12_000].at.line, 2);
    }

    #[test]
    fn nspawn_defaults_are_private() {
        let c = nspawn_container("m", "/etc/systemd/nspawn/m.nspawn", "[Exec]\nBoot=yes\n")
            .expect("parses");
        assert!(c.host_network.is_none() && c.host_root.is_none());
        let c = nspawn_container("m", "/p", "[Exec]\nPrivateUsers=no\nCapability=CAP_SYS_ADMIN\n[Network]\nVirtualEthernet=no\n[Files]\nBind=/home/alice\n").expect("parses");
        assert!(c.host_network.is_some() && c.host_root.is_some());
        assert_eq!(c.capabilities[0].0, "CAP_SYS_ADMIN");
        assert!(dangerous_bind(&c.binds[0]));
    }
}
