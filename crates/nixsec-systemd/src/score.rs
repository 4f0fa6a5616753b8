//! The exposure score of `systemd-analyze security --offline=true` (systemd 252, x86_64).
//!
//! [`Settings::from_unit`] replays the loaded unit's assignments through systemd's setting
//! parsers and applies the post-load patch step; [`ASSESSORS`] is upstream's
//! `security_assessor_table` in upstream's order; [`assess`] is the one scoring loop.
//! "Not applicable" is [`Badness::NotApplicable`], never badness 0.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::Serialize;

use crate::load::LoadedUnit;
use crate::unit::{parse_bool, split_words};

/// Capability names in bit order (`CAP_CHOWN` = bit 0 … `CAP_CHECKPOINT_RESTORE` = 40).
const CAPS: &[&str] = &[
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
];

fn cap(name: &str) -> u64 {
    CAPS.iter()
        .position(|c| *c == name)
        .map_or(0, |i| 1u64 << i)
}

fn cap_from_name(w: &str) -> Option<u64> {
    let l = w.to_ascii_lowercase();
    let l = l.strip_prefix("cap_").unwrap_or(&l);
    if let Some(i) = CAPS.iter().position(|c| *c == l) {
        return Some(1u64 << i);
    }
    match w.parse::<u32>() {
        Ok(n) if n < 63 => Some(1u64 << n),
        _ => None,
    }
}

/// Namespace types as in `namespace_info` (name, clone flag).
const NAMESPACES: &[(&str, u64)] = &[
    ("cgroup", 0x0200_0000),
    ("ipc", 0x0800_0000),
    ("net", 0x4000_0000),
    ("mnt", 0x0002_0000),
    ("pid", 0x2000_0000),
    ("user", 0x1000_0000),
    ("uts", 0x0400_0000),
];
const NS_ALL: u64 =
    0x0200_0000 | 0x0800_0000 | 0x4000_0000 | 0x0002_0000 | 0x2000_0000 | 0x1000_0000 | 0x0400_0000;

/// Architectures `seccomp_arch_from_string()` knows.
const ARCHS: &[&str] = &[
    "native",
    "x86",
    "x86-64",
    "x32",
    "arm",
    "arm64",
    "loongarch64",
    "mips",
    "mips64",
    "mips64-n32",
    "mips-le",
    "mips64-le",
    "mips64-le-n32",
    "parisc",
    "parisc64",
    "ppc",
    "ppc64",
    "ppc64-le",
    "riscv64",
    "s390",
    "s390x",
];

/// Address families `af_from_name()` knows (without the `AF_` prefix), v252 / glibc.
const FAMILIES: &[&str] = &[
    "UNIX",
    "LOCAL",
    "INET",
    "AX25",
    "IPX",
    "APPLETALK",
    "NETROM",
    "BRIDGE",
    "ATMPVC",
    "X25",
    "INET6",
    "ROSE",
    "DECnet",
    "NETBEUI",
    "SECURITY",
    "KEY",
    "NETLINK",
    "ROUTE",
    "PACKET",
    "ASH",
    "ECONET",
    "ATMSVC",
    "RDS",
    "SNA",
    "IRDA",
    "PPPOX",
    "WANPIPE",
    "LLC",
    "IB",
    "MPLS",
    "CAN",
    "TIPC",
    "BLUETOOTH",
    "IUCV",
    "RXRPC",
    "ISDN",
    "PHONET",
    "IEEE802154",
    "CAIF",
    "ALG",
    "NFC",
    "VSOCK",
    "KCM",
    "QIPCRTR",
    "SMC",
    "XDP",
    "MCTP",
];

/// Syscall names interned as indices, groups expanded once: filters are bit sets.
struct SyscallData {
    /// Resolvable, known syscall name → its bit.
    index: std::collections::HashMap<String, u16>,
    /// `@group` → its members expanded (recursively) to resolvable syscalls.
    groups: std::collections::HashMap<String, Vec<u16>>,
    /// Checked group → its members; `None` for a member no filter can contain.
    checked: std::collections::HashMap<String, Vec<Option<u16>>>,
}

#[derive(serde::Deserialize)]
struct GroupJson {
    members: Vec<String>,
}

#[derive(serde::Deserialize)]
struct DataJson {
    groups: BTreeMap<String, GroupJson>,
    checked_groups_expanded_resolvable_x86_64: BTreeMap<String, Vec<String>>,
    not_resolvable_on_x86_64: Vec<String>,
}

/// Expand a syscall or `@group` into resolvable syscall names, as systemd does (recursively).
fn expand_names<'a>(
    word: &'a str,
    groups: &'a BTreeMap<String, GroupJson>,
    resolvable: &dyn Fn(&str) -> bool,
    out: &mut Vec<&'a str>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    if word.starts_with('@') {
        if let Some(g) = groups.get(word) {
            for w in &g.members {
                expand_names(w, groups, resolvable, out, depth + 1);
            }
        }
    } else if resolvable(word) {
        out.push(word);
    }
}

fn syscalls() -> &'static SyscallData {
    static DATA: OnceLock<SyscallData> = OnceLock::new();
    DATA.get_or_init(|| {
        let text = include_str!("../data/systemd-252-syscall-groups.json");
        // The file is part of the crate; a parse failure is caught by the tests. Fall back to
        // empty tables rather than panic.
        let d: DataJson = serde_json::from_str(text).unwrap_or(DataJson {
            groups: BTreeMap::new(),
            checked_groups_expanded_resolvable_x86_64: BTreeMap::new(),
            not_resolvable_on_x86_64: Vec::new(),
        });
        let unresolvable: BTreeSet<&str> = d
            .not_resolvable_on_x86_64
            .iter()
            .map(String::as_str)
            .collect();
        let known: BTreeSet<&str> = d
            .groups
            .values()
            .flat_map(|g| g.members.iter().map(String::as_str))
            .filter(|m| !m.starts_with('@') && !unresolvable.contains(m))
            .collect();
        let index: std::collections::HashMap<String, u16> = known
            .iter()
            .enumerate()
            .map(|(i, n)| ((*n).to_string(), u16::try_from(i).unwrap_or(u16::MAX)))
            .collect();
        let resolvable = |w: &str| index.contains_key(w);
        let groups = d
            .groups
            .keys()
            .map(|g| {
                let mut names = Vec::new();
                expand_names(g, &d.groups, &resolvable, &mut names, 0);
                let bits = names
                    .iter()
                    .filter_map(|n| index.get(*n).copied())
                    .collect();
                (g.clone(), bits)
            })
            .collect();
        let checked = d
            .checked_groups_expanded_resolvable_x86_64
            .iter()
            .map(|(g, ms)| {
                (
                    g.clone(),
                    ms.iter().map(|m| index.get(m).copied()).collect(),
                )
            })
            .collect();
        SyscallData {
            index,
            groups,
            checked,
        }
    })
}

/// A set of syscalls (bits from [`syscalls`]'s index).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyscallSet(Vec<u64>);

impl SyscallSet {
    fn insert(&mut self, bit: u16) {
        let (w, b) = (usize::from(bit / 64), bit % 64);
        if self.0.len() <= w {
            self.0.resize(w + 1, 0);
        }
        self.0[w] |= 1 << b;
    }

    fn remove(&mut self, bit: u16) {
        if let Some(word) = self.0.get_mut(usize::from(bit / 64)) {
            *word &= !(1 << (bit % 64));
        }
    }

    fn contains(&self, bit: u16) -> bool {
        self.0
            .get(usize::from(bit / 64))
            .is_some_and(|w| w & (1 << (bit % 64)) != 0)
    }

    fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    /// Whether the syscall `name` is in the set.
    #[must_use]
    pub fn contains_name(&self, name: &str) -> bool {
        syscalls()
            .index
            .get(name)
            .is_some_and(|b| self.contains(*b))
    }
}

/// `SystemCallFilter=` after every assignment: the listed syscalls, and those listed with an
/// errno (`name:EPERM`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyscallFilter {
    /// The syscalls in the filter.
    pub set: SyscallSet,
    /// Those of them that carry an errno action.
    pub errno: SyscallSet,
}

/// The bits of a syscall name or `@group`, resolvable ones only.
fn expand(word: &str) -> Vec<u16> {
    let d = syscalls();
    if word.starts_with('@') {
        d.groups.get(word).cloned().unwrap_or_default()
    } else {
        d.index.get(word).map(|b| vec![*b]).unwrap_or_default()
    }
}

/// `ProtectHome=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtectHome {
    /// `no`.
    No,
    /// `yes`.
    Yes,
    /// `read-only`.
    ReadOnly,
    /// `tmpfs`.
    Tmpfs,
}

/// `ProtectSystem=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtectSystem {
    /// `no`.
    No,
    /// `yes`.
    Yes,
    /// `full`.
    Full,
    /// `strict`.
    Strict,
}

/// The flat record the assessors read: the loaded unit after the patch step.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Settings {
    pub unit: String,
    pub unit_type: String,
    pub has_exec: bool,
    pub default_dependencies: bool,
    pub user: Option<String>,
    pub dynamic_user: bool,
    pub supplementary_groups: Vec<String>,
    pub private_devices: bool,
    pub private_mounts: bool,
    pub private_network: bool,
    pub private_tmp: bool,
    pub private_users: bool,
    pub protect_control_groups: bool,
    pub protect_kernel_modules: bool,
    pub protect_kernel_tunables: bool,
    pub protect_kernel_logs: bool,
    pub protect_clock: bool,
    pub protect_hostname: bool,
    pub protect_home: ProtectHome,
    pub protect_system: ProtectSystem,
    pub root_directory: String,
    pub root_image: String,
    pub lock_personality: bool,
    pub memory_deny_write_execute: bool,
    pub no_new_privileges: bool,
    pub capability_bounding_set: u64,
    pub ambient_capabilities: u64,
    pub umask: u32,
    pub keyring_mode: String,
    pub protect_proc: String,
    pub proc_subset: String,
    pub notify_access: String,
    pub remove_ipc: bool,
    pub delegate: bool,
    pub restrict_realtime: bool,
    pub restrict_suid_sgid: bool,
    /// Allowed namespace flags; `None` = never set (everything allowed).
    pub restrict_namespaces: Option<u64>,
    /// `None` = unset; `Some((allow_list, families))`.
    pub address_families: Option<(bool, BTreeSet<String>)>,
    pub address_families_allow_list: bool,
    pub syscall_archs: BTreeSet<String>,
    /// Syscall name → errno (`None` = no errno); `None` = no filter.
    pub syscall_filter: Option<SyscallFilter>,
    pub syscall_allow_list: bool,
    pub ip_allow: Vec<String>,
    pub ip_deny: Vec<String>,
    pub ip_ingress_filter: bool,
    pub ip_egress_filter: bool,
    pub device_policy: String,
    pub device_allow: Vec<String>,
    pub encrypted_credentials: bool,
    pub mount_images: bool,
}

/// Expand the specifiers that matter for the assessed settings; others stay as written.
fn specifiers(v: &str, unit: &str) -> String {
    let (stem, _) = unit.rsplit_once('.').unwrap_or((unit, ""));
    let (prefix, instance) = stem.split_once('@').unwrap_or((stem, ""));
    let mut out = String::new();
    let mut it = v.chars();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('%') => out.push('%'),
            Some('n') => out.push_str(unit),
            Some('N') => out.push_str(stem),
            Some('p') | Some('P') => out.push_str(prefix),
            Some('i') | Some('I') => out.push_str(instance),
            Some('j') | Some('J') => {
                out.push_str(prefix.rsplit_once('-').map_or(prefix, |(_, j)| j));
            }
            Some(o) => {
                out.push('%');
                out.push(o);
            }
            None => out.push('%'),
        }
    }
    out
}

fn valid_user_name(u: &str) -> bool {
    if u.is_empty() || u.len() > 31 {
        return u.parse::<u32>().is_ok();
    }
    if u.parse::<u32>().is_ok() {
        return true;
    }
    let mut chars = u.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn is_localhost(entry: &str) -> bool {
    let addr = entry.split('/').next().unwrap_or("");
    if let Ok(v4) = addr.parse::<std::net::Ipv4Addr>() {
        return v4.octets()[0] == 127;
    }
    addr.parse::<std::net::Ipv6Addr>()
        .is_ok_and(|a| a == std::net::Ipv6Addr::LOCALHOST)
}

fn ip_entries(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for w in words {
        match w.as_str() {
            "any" => out.extend(["0.0.0.0/0".to_string(), "::/0".to_string()]),
            "localhost" => out.extend(["127.0.0.0/8".to_string(), "::1/128".to_string()]),
            "link-local" => out.extend(["169.254.0.0/16".to_string(), "fe80::/64".to_string()]),
            "multicast" => out.extend(["224.0.0.0/4".to_string(), "ff00::/8".to_string()]),
            w => {
                let addr = w.split('/').next().unwrap_or("");
                if addr.parse::<std::net::IpAddr>().is_ok() {
                    out.push(w.to_string());
                }
            }
        }
    }
    out
}

fn prefix_zero(entries: &[String], v6: bool) -> bool {
    entries.iter().any(|e| {
        let (a, p) = e.split_once('/').unwrap_or((e, ""));
        let is6 = a.contains(':');
        is6 == v6 && p == "0"
    })
}

impl Settings {
    /// Defaults of a system-manager unit of this name.
    fn defaults(unit: &str) -> Self {
        let ty = unit.rsplit_once('.').map_or("", |(_, t)| t).to_string();
        let has_exec = matches!(ty.as_str(), "service" | "socket" | "mount" | "swap");
        Settings {
            unit: unit.into(),
            keyring_mode: if ty == "service" { "private" } else { "shared" }.into(),
            unit_type: ty,
            has_exec,
            default_dependencies: true,
            user: None,
            dynamic_user: false,
            supplementary_groups: Vec::new(),
            private_devices: false,
            private_mounts: false,
            private_network: false,
            private_tmp: false,
            private_users: false,
            protect_control_groups: false,
            protect_kernel_modules: false,
            protect_kernel_tunables: false,
            protect_kernel_logs: false,
            protect_clock: false,
            protect_hostname: false,
            protect_home: ProtectHome::No,
            protect_system: ProtectSystem::No,
            root_directory: String::new(),
            root_image: String::new(),
            lock_personality: false,
            memory_deny_write_execute: false,
            no_new_privileges: false,
            capability_bounding_set: u64::MAX,
            ambient_capabilities: 0,
            umask: 0o022,
            protect_proc: "default".into(),
            proc_subset: "all".into(),
            notify_access: "none".into(),
            remove_ipc: false,
            delegate: false,
            restrict_realtime: false,
            restrict_suid_sgid: false,
            restrict_namespaces: None,
            address_families: None,
            address_families_allow_list: false,
            syscall_archs: BTreeSet::new(),
            syscall_filter: None,
            syscall_allow_list: false,
            ip_allow: Vec::new(),
            ip_deny: Vec::new(),
            ip_ingress_filter: false,
            ip_egress_filter: false,
            device_policy: "auto".into(),
            device_allow: Vec::new(),
            encrypted_credentials: false,
            mount_images: false,
        }
    }

    /// Replay the unit's assignments and apply systemd's patch step.
    #[must_use]
    pub fn from_unit(u: &LoadedUnit) -> Self {
        let mut s = Settings::defaults(&u.name);
        let exec_section = match s.unit_type.as_str() {
            "service" => "Service",
            "socket" => "Socket",
            "mount" => "Mount",
            "swap" => "Swap",
            _ => "",
        };
        let cgroup_section = matches!(
            s.unit_type.as_str(),
            "service" | "socket" | "mount" | "swap" | "slice" | "scope"
        );
        for a in &u.assignments {
            if &*a.section == "Unit" {
                if a.key == "DefaultDependencies" {
                    if let Some(b) = parse_bool(&a.value) {
                        s.default_dependencies = b;
                    }
                }
                continue;
            }
            if !exec_section.is_empty() && &*a.section == exec_section {
                s.apply_exec(&a.key, &a.value);
            }
            let section_ok = &*a.section == exec_section
                || (cgroup_section && a.section.eq_ignore_ascii_case(&s.unit_type));
            if cgroup_section && section_ok {
                s.apply_cgroup(&a.key, &a.value);
            }
        }
        s.patch();
        s
    }

    fn set_bool(field: &mut bool, v: &str) {
        if let Some(b) = parse_bool(v) {
            *field = b;
        }
    }

    fn apply_cgroup(&mut self, key: &str, v: &str) {
        let words = || split_words(v).unwrap_or_default();
        match key {
            "Delegate" => {
                self.delegate = parse_bool(v).unwrap_or(true);
            }
            "DevicePolicy" => {
                if matches!(v, "auto" | "closed" | "strict") {
                    self.device_policy = v.into();
                }
            }
            "DeviceAllow" => {
                if v.is_empty() {
                    self.device_allow.clear();
                } else if let Some(p) = words().first() {
                    if p.starts_with("/dev/")
                        || p.starts_with("char-")
                        || p.starts_with("block-")
                        || p.starts_with("/run/systemd/inaccessible/")
                    {
                        self.device_allow.push(v.into());
                    }
                }
            }
            "IPAddressAllow" | "IPAddressDeny" => {
                let list = if key == "IPAddressAllow" {
                    &mut self.ip_allow
                } else {
                    &mut self.ip_deny
                };
                if v.is_empty() {
                    list.clear();
                } else {
                    list.extend(ip_entries(&words()));
                }
            }
            // Offline the tool only looks at whether any path is configured.
            "IPIngressFilterPath" => self.ip_ingress_filter = !v.is_empty(),
            "IPEgressFilterPath" => self.ip_egress_filter = !v.is_empty(),
            _ => {}
        }
    }

    fn apply_exec(&mut self, key: &str, v: &str) {
        let unit = self.unit.clone();
        let words = || split_words(v).unwrap_or_default();
        match key {
            "User" => {
                if v.is_empty() {
                    self.user = None;
                } else {
                    let u = specifiers(v, &unit);
                    if valid_user_name(&u) {
                        self.user = Some(u);
                    }
                }
            }
            "DynamicUser" => Self::set_bool(&mut self.dynamic_user, v),
            "SupplementaryGroups" => {
                if v.is_empty() {
                    self.supplementary_groups.clear();
                } else {
                    for w in words() {
                        let g = specifiers(&w, &unit);
                        if valid_user_name(&g) {
                            self.supplementary_groups.push(g);
                        }
                    }
                }
            }
            "PrivateDevices" => Self::set_bool(&mut self.private_devices, v),
            "PrivateMounts" => Self::set_bool(&mut self.private_mounts, v),
            "PrivateNetwork" => Self::set_bool(&mut self.private_network, v),
            "PrivateTmp" => Self::set_bool(&mut self.private_tmp, v),
            "PrivateUsers" => Self::set_bool(&mut self.private_users, v),
            "ProtectControlGroups" => Self::set_bool(&mut self.protect_control_groups, v),
            "ProtectKernelModules" => Self::set_bool(&mut self.protect_kernel_modules, v),
            "ProtectKernelTunables" => Self::set_bool(&mut self.protect_kernel_tunables, v),
            "ProtectKernelLogs" => Self::set_bool(&mut self.protect_kernel_logs, v),
            "ProtectClock" => Self::set_bool(&mut self.protect_clock, v),
            "ProtectHostname" => Self::set_bool(&mut self.protect_hostname, v),
            "LockPersonality" => Self::set_bool(&mut self.lock_personality, v),
            "MemoryDenyWriteExecute" => Self::set_bool(&mut self.memory_deny_write_execute, v),
            "NoNewPrivileges" => Self::set_bool(&mut self.no_new_privileges, v),
            "RemoveIPC" => Self::set_bool(&mut self.remove_ipc, v),
            "RestrictRealtime" => Self::set_bool(&mut self.restrict_realtime, v),
            "RestrictSUIDSGID" => Self::set_bool(&mut self.restrict_suid_sgid, v),
            "ProtectHome" => match (parse_bool(v), v) {
                (Some(true), _) => self.protect_home = ProtectHome::Yes,
                (Some(false), _) => self.protect_home = ProtectHome::No,
                (None, "read-only") => self.protect_home = ProtectHome::ReadOnly,
                (None, "tmpfs") => self.protect_home = ProtectHome::Tmpfs,
                _ => {}
            },
            "ProtectSystem" => match (parse_bool(v), v) {
                (Some(true), _) => self.protect_system = ProtectSystem::Yes,
                (Some(false), _) => self.protect_system = ProtectSystem::No,
                (None, "full") => self.protect_system = ProtectSystem::Full,
                (None, "strict") => self.protect_system = ProtectSystem::Strict,
                _ => {}
            },
            "RootDirectory" => self.root_directory = specifiers(v, &unit),
            "RootImage" => self.root_image = specifiers(v, &unit),
            "MountImages" => self.mount_images = !v.is_empty(),
            "LoadCredentialEncrypted" | "SetCredentialEncrypted" => {
                self.encrypted_credentials = !v.is_empty();
            }
            "CapabilityBoundingSet" | "AmbientCapabilities" => {
                let (inv, rest) = match v.strip_prefix('~') {
                    Some(r) => (true, r),
                    None => (false, v),
                };
                let Some(ws) = split_words(rest) else { return };
                let mut sum = 0u64;
                for w in &ws {
                    match cap_from_name(w) {
                        Some(b) => sum |= b,
                        None => return,
                    }
                }
                let (set, initial) = if key == "CapabilityBoundingSet" {
                    (&mut self.capability_bounding_set, u64::MAX)
                } else {
                    (&mut self.ambient_capabilities, 0)
                };
                if sum == 0 || *set == initial {
                    *set = if inv { !sum } else { sum };
                } else if inv {
                    *set &= !sum;
                } else {
                    *set |= sum;
                }
            }
            "UMask" => {
                if let Ok(m) = u32::from_str_radix(v, 8) {
                    if m <= 0o777 {
                        self.umask = m;
                    }
                }
            }
            "KeyringMode" => {
                if matches!(v, "inherit" | "private" | "shared") {
                    self.keyring_mode = v.into();
                }
            }
            "ProtectProc" => {
                if matches!(v, "noaccess" | "invisible" | "ptraceable" | "default") {
                    self.protect_proc = v.into();
                }
            }
            "ProcSubset" => {
                if matches!(v, "all" | "pid") {
                    self.proc_subset = v.into();
                }
            }
            "NotifyAccess" => {
                if matches!(v, "none" | "main" | "exec" | "all") {
                    self.notify_access = v.into();
                }
            }
            "RestrictNamespaces" => {
                if v.is_empty() {
                    self.restrict_namespaces = None;
                    return;
                }
                match parse_bool(v) {
                    Some(true) => self.restrict_namespaces = Some(0),
                    Some(false) => self.restrict_namespaces = Some(NS_ALL),
                    None => {
                        let (inv, rest) = match v.strip_prefix('~') {
                            Some(r) => (true, r),
                            None => (false, v),
                        };
                        let mut flags = 0u64;
                        for w in rest.split_whitespace() {
                            match NAMESPACES.iter().find(|(n, _)| *n == w) {
                                Some((_, f)) => flags |= f,
                                None => return,
                            }
                        }
                        self.restrict_namespaces = Some(match self.restrict_namespaces {
                            None if inv => !flags & NS_ALL,
                            None => flags,
                            Some(cur) if inv => cur & !flags,
                            Some(cur) => cur | flags,
                        });
                    }
                }
            }
            "RestrictAddressFamilies" => {
                if v.is_empty() {
                    self.address_families = None;
                    self.address_families_allow_list = false;
                    return;
                }
                if v == "none" {
                    self.address_families = None;
                    self.address_families_allow_list = true;
                    return;
                }
                let (inv, rest) = match v.strip_prefix('~') {
                    Some(r) => (true, r),
                    None => (false, v),
                };
                if self.address_families.is_none() {
                    self.address_families = Some((!inv, BTreeSet::new()));
                    self.address_families_allow_list = !inv;
                }
                let allow = self.address_families_allow_list;
                let Some(ws) = split_words(rest) else { return };
                if let Some((_, set)) = self.address_families.as_mut() {
                    for w in ws {
                        let Some(f) = w.strip_prefix("AF_") else {
                            continue;
                        };
                        if !FAMILIES.contains(&f) {
                            continue;
                        }
                        let f = match f {
                            "LOCAL" => "UNIX",
                            "ROUTE" => "NETLINK",
                            o => o,
                        };
                        if inv != allow {
                            set.insert(f.to_string());
                        } else {
                            set.remove(f);
                        }
                    }
                }
            }
            "SystemCallArchitectures" => {
                if v.is_empty() {
                    self.syscall_archs.clear();
                    return;
                }
                for w in words() {
                    if ARCHS.contains(&w.as_str()) {
                        self.syscall_archs.insert(w);
                    }
                }
            }
            "SystemCallFilter" => self.apply_syscall_filter(v),
            _ => {}
        }
    }

    fn apply_syscall_filter(&mut self, v: &str) {
        if v.is_empty() {
            self.syscall_filter = None;
            self.syscall_allow_list = false;
            return;
        }
        let (inv, rest) = match v.strip_prefix('~') {
            Some(r) => (true, r),
            None => (false, v),
        };
        if self.syscall_filter.is_none() {
            self.syscall_allow_list = !inv;
            let mut f = SyscallFilter::default();
            if !inv {
                for b in expand("@default") {
                    f.set.insert(b);
                    f.errno.remove(b);
                }
            }
            self.syscall_filter = Some(f);
        }
        let allow = self.syscall_allow_list;
        let Some(ws) = split_words(rest) else { return };
        let Some(f) = self.syscall_filter.as_mut() else {
            return;
        };
        for w in ws {
            let (name, has_errno) = match w.split_once(':') {
                Some((n, _)) => (n, true),
                None => (w.as_str(), false),
            };
            if !inv && has_errno {
                continue;
            }
            for b in expand(name) {
                if inv != allow || (inv && allow && has_errno) {
                    f.set.insert(b);
                    if has_errno {
                        f.errno.insert(b);
                    } else {
                        f.errno.remove(b);
                    }
                } else {
                    f.set.remove(b);
                    f.errno.remove(b);
                }
            }
        }
    }

    /// systemd's `unit_patch_contexts()`.
    fn patch(&mut self) {
        if !self.has_exec {
            return;
        }
        if self.private_devices {
            self.capability_bounding_set &= !(cap("mknod") | cap("sys_rawio"));
        }
        if self.protect_kernel_modules {
            self.capability_bounding_set &= !cap("sys_module");
        }
        if self.protect_kernel_logs {
            self.capability_bounding_set &= !cap("syslog");
        }
        if self.protect_clock {
            self.capability_bounding_set &= !(cap("sys_time") | cap("wake_alarm"));
        }
        if self.dynamic_user {
            if self.user.is_none() {
                let stem = self
                    .unit
                    .rsplit_once('.')
                    .map_or(self.unit.as_str(), |(s, _)| s);
                let prefix = stem.split_once('@').map_or(stem, |(p, _)| p);
                self.user = Some(
                    if valid_user_name(prefix) && prefix.parse::<u32>().is_err() {
                        prefix.to_string()
                    } else {
                        "_du0000000000000000".to_string()
                    },
                );
            }
            self.private_tmp = true;
            self.remove_ipc = true;
            self.protect_system = ProtectSystem::Strict;
            if self.protect_home == ProtectHome::No {
                self.protect_home = ProtectHome::ReadOnly;
            }
            self.no_new_privileges = true;
            self.restrict_suid_sgid = true;
        }
        if self.private_devices && self.device_policy == "auto" {
            self.device_policy = "closed".into();
        }
        let has_devices = self.device_policy != "auto" || !self.device_allow.is_empty();
        if (!self.root_image.is_empty() || self.mount_images) && has_devices {
            self.device_allow.push("/dev/loop-control rw".into());
        }
        if self.encrypted_credentials && has_devices {
            self.device_allow.push("/dev/tpmrm0 rw".into());
        }
        if self.protect_clock && (self.device_policy != "auto" || !self.device_allow.is_empty()) {
            self.device_allow.push("char-rtc r".into());
        }
    }

    fn runs_privileged(&self) -> bool {
        match self.user.as_deref() {
            Some("0" | "root") => true,
            _ if self.dynamic_user => false,
            u => u.is_none_or(str::is_empty),
        }
    }

    fn family_restricted(&self, bucket: &str) -> bool {
        let allow = self.address_families_allow_list;
        let mut flag = allow;
        if let Some((_, set)) = &self.address_families {
            for f in set {
                let b = match f.as_str() {
                    "INET" | "INET6" => "inet",
                    "UNIX" => "unix",
                    "NETLINK" => "netlink",
                    "PACKET" => "packet",
                    _ => "other",
                };
                if b == bucket {
                    flag = !allow;
                }
            }
        }
        flag
    }
}

/// Badness of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Badness {
    /// The check does not apply to this unit (upstream's `UINT64_MAX`).
    NotApplicable,
    /// 0 (good) up to the row's range.
    Value(u64),
}

/// How a row computes its badness.
#[derive(Debug, Clone, Copy)]
enum Rule {
    User,
    SupplementaryGroups,
    Bool(fn(&Settings) -> bool),
    BootPhase(fn(&Settings) -> u64),
    ProtectHome,
    ProtectSystem,
    RootDirectory,
    Caps(u64),
    Umask,
    KeyringMode,
    ProtectProc,
    ProcSubset,
    NotifyAccess,
    RemoveIpc,
    Delegate,
    Namespace(u64),
    Family(&'static str),
    Archs,
    Syscalls(&'static str),
    IpAddressDeny,
    DeviceAllow,
    Ambient,
}

/// The NixOS `serviceConfig` option and value that make a check pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fix {
    /// The `serviceConfig` option (`ProtectSystem`).
    pub option: &'static str,
    /// Its value, as Nix (`"strict"`, `true`, `[ "" ]`).
    pub value: &'static str,
}

const fn nixos(option: &'static str, value: &'static str) -> Fix {
    Fix { option, value }
}

/// One row of upstream's `security_assessor_table`, with what a failure means and the NixOS
/// option that fixes it.
#[derive(Debug, Clone, Copy)]
pub struct Assessor {
    /// The name printed (`ProtectSystem=`).
    pub id: &'static str,
    /// The JSON field (also the `--security-policy` key).
    pub json_field: &'static str,
    /// Weight.
    pub weight: u64,
    /// Range: the largest badness.
    pub range: u64,
    rule: Rule,
    /// What a failing check means (systemd 252's wording for the failing state; the system
    /// call rows in a form that holds with and without a filter).
    pub description: &'static str,
    /// The NixOS `serviceConfig` setting that makes the check pass.
    pub fix: Fix,
}

const fn row(
    id: &'static str,
    json_field: &'static str,
    weight: u64,
    range: u64,
    rule: Rule,
    description: &'static str,
    fix: Fix,
) -> Assessor {
    Assessor {
        id,
        json_field,
        weight,
        range,
        rule,
        description,
        fix,
    }
}

macro_rules! b {
    ($f:ident) => {
        Rule::Bool(|s: &Settings| s.$f)
    };
}

const fn caps2(a: u32, b: u32) -> u64 {
    (1u64 << a) | (1u64 << b)
}

/// The 81 checks of systemd 252 (x86_64, seccomp), in upstream's order, each with its
/// description and NixOS fix.
pub const ASSESSORS: &[Assessor] = &[
    row(
        "User=/DynamicUser=",
        "UserOrDynamicUser",
        2000,
        10,
        Rule::User,
        "Service runs as root user",
        nixos("DynamicUser", "true"),
    ),
    row(
        "SupplementaryGroups=",
        "SupplementaryGroups",
        200,
        1,
        Rule::SupplementaryGroups,
        "Service runs with supplementary groups",
        nixos("SupplementaryGroups", "lib.mkForce [ ]"),
    ),
    row(
        "PrivateDevices=",
        "PrivateDevices",
        1000,
        1,
        b!(private_devices),
        "Service potentially has access to hardware devices",
        nixos("PrivateDevices", "true"),
    ),
    row(
        "PrivateMounts=",
        "PrivateMounts",
        1000,
        1,
        b!(private_mounts),
        "Service may install system mounts",
        nixos("PrivateMounts", "true"),
    ),
    row(
        "PrivateNetwork=",
        "PrivateNetwork",
        2500,
        1,
        b!(private_network),
        "Service has access to the host's network",
        nixos("PrivateNetwork", "true"),
    ),
    row(
        "PrivateTmp=",
        "PrivateTmp",
        1000,
        1,
        Rule::BootPhase(|s| u64::from(!s.private_tmp)),
        "Service has access to other software's temporary files",
        nixos("PrivateTmp", "true"),
    ),
    row(
        "PrivateUsers=",
        "PrivateUsers",
        1000,
        1,
        b!(private_users),
        "Service has access to other users",
        nixos("PrivateUsers", "true"),
    ),
    row(
        "ProtectControlGroups=",
        "ProtectControlGroups",
        1000,
        1,
        b!(protect_control_groups),
        "Service may modify the control group file system",
        nixos("ProtectControlGroups", "true"),
    ),
    row(
        "ProtectKernelModules=",
        "ProtectKernelModules",
        1000,
        1,
        b!(protect_kernel_modules),
        "Service may load or read kernel modules",
        nixos("ProtectKernelModules", "true"),
    ),
    row(
        "ProtectKernelTunables=",
        "ProtectKernelTunables",
        1000,
        1,
        b!(protect_kernel_tunables),
        "Service may alter kernel tunables",
        nixos("ProtectKernelTunables", "true"),
    ),
    row(
        "ProtectKernelLogs=",
        "ProtectKernelLogs",
        1000,
        1,
        b!(protect_kernel_logs),
        "Service may read from or write to the kernel log ring buffer",
        nixos("ProtectKernelLogs", "true"),
    ),
    row(
        "ProtectClock=",
        "ProtectClock",
        1000,
        1,
        b!(protect_clock),
        "Service may write to the hardware clock or system clock",
        nixos("ProtectClock", "true"),
    ),
    row(
        "ProtectHome=",
        "ProtectHome",
        1000,
        10,
        Rule::ProtectHome,
        "Service has full access to home directories",
        nixos("ProtectHome", "true"),
    ),
    row(
        "ProtectHostname=",
        "ProtectHostname",
        50,
        1,
        b!(protect_hostname),
        "Service may change system host/domainname",
        nixos("ProtectHostname", "true"),
    ),
    row(
        "ProtectSystem=",
        "ProtectSystem",
        1000,
        10,
        Rule::ProtectSystem,
        "Service has full access to the OS file hierarchy",
        nixos("ProtectSystem", "\"strict\""),
    ),
    row(
        "RootDirectory=/RootImage=",
        "RootDirectoryOrRootImage",
        200,
        1,
        Rule::RootDirectory,
        "Service runs within the host's root directory",
        nixos("RootDirectory", "\"/var/empty\""),
    ),
    row(
        "LockPersonality=",
        "LockPersonality",
        100,
        1,
        b!(lock_personality),
        "Service may change ABI personality",
        nixos("LockPersonality", "true"),
    ),
    row(
        "MemoryDenyWriteExecute=",
        "MemoryDenyWriteExecute",
        100,
        1,
        b!(memory_deny_write_execute),
        "Service may create writable executable memory mappings",
        nixos("MemoryDenyWriteExecute", "true"),
    ),
    row(
        "NoNewPrivileges=",
        "NoNewPrivileges",
        1000,
        1,
        b!(no_new_privileges),
        "Service processes may acquire new privileges",
        nixos("NoNewPrivileges", "true"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_SYS_ADMIN",
        "CapabilityBoundingSet_CAP_SYS_ADMIN",
        1500,
        1,
        Rule::Caps(1 << 21),
        "Service has administrator privileges",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)",
        "CapabilityBoundingSet_CAP_SET_UID_GID_PCAP",
        1500,
        1,
        Rule::Caps((1 << 7) | (1 << 6) | (1 << 8)),
        "Service may change UID/GID identities/capabilities",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_SYS_PTRACE",
        "CapabilityBoundingSet_CAP_SYS_PTRACE",
        1500,
        1,
        Rule::Caps(1 << 19),
        "Service has ptrace() debugging abilities",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_SYS_TIME",
        "CapabilityBoundingSet_CAP_SYS_TIME",
        1000,
        1,
        Rule::Caps(1 << 25),
        "Service processes may change the system clock",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_NET_ADMIN",
        "CapabilityBoundingSet_CAP_NET_ADMIN",
        1000,
        1,
        Rule::Caps(1 << 12),
        "Service has network configuration privileges",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_SYS_RAWIO",
        "CapabilityBoundingSet_CAP_SYS_RAWIO",
        1000,
        1,
        Rule::Caps(1 << 17),
        "Service has raw I/O access",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_SYS_MODULE",
        "CapabilityBoundingSet_CAP_SYS_MODULE",
        1000,
        1,
        Rule::Caps(1 << 16),
        "Service may load kernel modules",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_AUDIT_*",
        "CapabilityBoundingSet_CAP_AUDIT",
        500,
        1,
        Rule::Caps((1 << 30) | (1 << 37) | (1 << 29)),
        "Service has audit subsystem access",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_SYSLOG",
        "CapabilityBoundingSet_CAP_SYSLOG",
        500,
        1,
        Rule::Caps(1 << 34),
        "Service has access to kernel logging",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_SYS_(NICE|RESOURCE)",
        "CapabilityBoundingSet_CAP_SYS_NICE_RESOURCE",
        500,
        1,
        Rule::Caps(caps2(23, 24)),
        "Service has privileges to change resource use parameters",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_MKNOD",
        "CapabilityBoundingSet_CAP_MKNOD",
        500,
        1,
        Rule::Caps(1 << 27),
        "Service may create device nodes",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_(CHOWN|FSETID|SETFCAP)",
        "CapabilityBoundingSet_CAP_CHOWN_FSETID_SETFCAP",
        1000,
        1,
        Rule::Caps((1 << 0) | (1 << 4) | (1 << 31)),
        "Service may change file ownership/access mode/capabilities unrestricted",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_(DAC_*|FOWNER|IPC_OWNER)",
        "CapabilityBoundingSet_CAP_DAC_FOWNER_IPC_OWNER",
        1000,
        1,
        Rule::Caps((1 << 1) | (1 << 2) | (1 << 3) | (1 << 15)),
        "Service may override UNIX file/IPC permission checks",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_KILL",
        "CapabilityBoundingSet_CAP_KILL",
        500,
        1,
        Rule::Caps(1 << 5),
        "Service may send UNIX signals to arbitrary processes",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)",
        "CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW)",
        500,
        1,
        Rule::Caps((1 << 10) | (1 << 11) | (1 << 13)),
        "Service has elevated networking privileges",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_SYS_BOOT",
        "CapabilityBoundingSet_CAP_SYS_BOOT",
        100,
        1,
        Rule::Caps(1 << 22),
        "Service may issue reboot()",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_MAC_*",
        "CapabilityBoundingSet_CAP_MAC",
        100,
        1,
        Rule::Caps(caps2(33, 32)),
        "Service may adjust SMACK MAC",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_LINUX_IMMUTABLE",
        "CapabilityBoundingSet_CAP_LINUX_IMMUTABLE",
        75,
        1,
        Rule::Caps(1 << 9),
        "Service may mark files immutable",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_IPC_LOCK",
        "CapabilityBoundingSet_CAP_IPC_LOCK",
        50,
        1,
        Rule::Caps(1 << 14),
        "Service may lock memory into RAM",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_SYS_CHROOT",
        "CapabilityBoundingSet_CAP_SYS_CHROOT",
        50,
        1,
        Rule::Caps(1 << 18),
        "Service may issue chroot()",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_BLOCK_SUSPEND",
        "CapabilityBoundingSet_CAP_BLOCK_SUSPEND",
        25,
        1,
        Rule::Caps(1 << 36),
        "Service may establish wake locks",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_WAKE_ALARM",
        "CapabilityBoundingSet_CAP_WAKE_ALARM",
        25,
        1,
        Rule::Caps(1 << 35),
        "Service may program timers that wake up the system",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_LEASE",
        "CapabilityBoundingSet_CAP_LEASE",
        25,
        1,
        Rule::Caps(1 << 28),
        "Service may create file leases",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_SYS_TTY_CONFIG",
        "CapabilityBoundingSet_CAP_SYS_TTY_CONFIG",
        25,
        1,
        Rule::Caps(1 << 26),
        "Service may issue vhangup()",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_SYS_PACCT",
        "CapabilityBoundingSet_CAP_SYS_PACCT",
        25,
        1,
        Rule::Caps(1 << 20),
        "Service may use acct()",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "CapabilityBoundingSet=~CAP_BPF",
        "CapabilityBoundingSet_CAP_BPF",
        25,
        1,
        Rule::Caps(1 << 39),
        "Service may load BPF programs",
        nixos("CapabilityBoundingSet", "[ \"\" ]"),
    ),
    row(
        "UMask=",
        "UMask",
        100,
        10,
        Rule::Umask,
        "Files created by service are world-readable by default",
        nixos("UMask", "\"0077\""),
    ),
    row(
        "KeyringMode=",
        "KeyringMode",
        1000,
        1,
        Rule::KeyringMode,
        "Service shares key material with other services",
        nixos("KeyringMode", "\"private\""),
    ),
    row(
        "ProtectProc=",
        "ProtectProc",
        1000,
        3,
        Rule::ProtectProc,
        "Service has full access to process tree (/proc hidepid=)",
        nixos("ProtectProc", "\"invisible\""),
    ),
    row(
        "ProcSubset=",
        "ProcSubset",
        10,
        1,
        Rule::ProcSubset,
        "Service has full access to non-process /proc files (/proc subset=)",
        nixos("ProcSubset", "\"pid\""),
    ),
    row(
        "NotifyAccess=",
        "NotifyAccess",
        1000,
        1,
        Rule::NotifyAccess,
        "Service child processes may alter service state",
        nixos("NotifyAccess", "\"main\""),
    ),
    row(
        "RemoveIPC=",
        "RemoveIPC",
        100,
        1,
        Rule::RemoveIpc,
        "Service user may leave SysV IPC objects around",
        nixos("RemoveIPC", "true"),
    ),
    row(
        "Delegate=",
        "Delegate",
        100,
        1,
        Rule::Delegate,
        "Service maintains its own delegated control group subtree",
        nixos("Delegate", "false"),
    ),
    row(
        "RestrictRealtime=",
        "RestrictRealtime",
        500,
        1,
        b!(restrict_realtime),
        "Service may acquire realtime scheduling",
        nixos("RestrictRealtime", "true"),
    ),
    row(
        "RestrictSUIDSGID=",
        "RestrictSUIDSGID",
        1000,
        1,
        b!(restrict_suid_sgid),
        "Service may create SUID/SGID files",
        nixos("RestrictSUIDSGID", "true"),
    ),
    row(
        "RestrictNamespaces=~user",
        "RestrictNamespaces_user",
        1500,
        1,
        Rule::Namespace(0x1000_0000),
        "Service may create user namespaces",
        nixos("RestrictNamespaces", "true"),
    ),
    row(
        "RestrictNamespaces=~mnt",
        "RestrictNamespaces_mnt",
        500,
        1,
        Rule::Namespace(0x0002_0000),
        "Service may create file system namespaces",
        nixos("RestrictNamespaces", "true"),
    ),
    row(
        "RestrictNamespaces=~ipc",
        "RestrictNamespaces_ipc",
        500,
        1,
        Rule::Namespace(0x0800_0000),
        "Service may create IPC namespaces",
        nixos("RestrictNamespaces", "true"),
    ),
    row(
        "RestrictNamespaces=~pid",
        "RestrictNamespaces_pid",
        500,
        1,
        Rule::Namespace(0x2000_0000),
        "Service may create process namespaces",
        nixos("RestrictNamespaces", "true"),
    ),
    row(
        "RestrictNamespaces=~cgroup",
        "RestrictNamespaces_cgroup",
        500,
        1,
        Rule::Namespace(0x0200_0000),
        "Service may create cgroup namespaces",
        nixos("RestrictNamespaces", "true"),
    ),
    row(
        "RestrictNamespaces=~net",
        "RestrictNamespaces_net",
        500,
        1,
        Rule::Namespace(0x4000_0000),
        "Service may create network namespaces",
        nixos("RestrictNamespaces", "true"),
    ),
    row(
        "RestrictNamespaces=~uts",
        "RestrictNamespaces_uts",
        100,
        1,
        Rule::Namespace(0x0400_0000),
        "Service may create hostname namespaces",
        nixos("RestrictNamespaces", "true"),
    ),
    row(
        "RestrictAddressFamilies=~AF_(INET|INET6)",
        "RestrictAddressFamilies_AF_INET_INET6",
        1500,
        1,
        Rule::Family("inet"),
        "Service may allocate Internet sockets",
        nixos(
            "RestrictAddressFamilies",
            "[ \"AF_UNIX\" \"AF_INET\" \"AF_INET6\" ]",
        ),
    ),
    row(
        "RestrictAddressFamilies=~AF_UNIX",
        "RestrictAddressFamilies_AF_UNIX",
        25,
        1,
        Rule::Family("unix"),
        "Service may allocate local sockets",
        nixos(
            "RestrictAddressFamilies",
            "[ \"AF_UNIX\" \"AF_INET\" \"AF_INET6\" ]",
        ),
    ),
    row(
        "RestrictAddressFamilies=~AF_NETLINK",
        "RestrictAddressFamilies_AF_NETLINK",
        200,
        1,
        Rule::Family("netlink"),
        "Service may allocate netlink sockets",
        nixos(
            "RestrictAddressFamilies",
            "[ \"AF_UNIX\" \"AF_INET\" \"AF_INET6\" ]",
        ),
    ),
    row(
        "RestrictAddressFamilies=~AF_PACKET",
        "RestrictAddressFamilies_AF_PACKET",
        1000,
        1,
        Rule::Family("packet"),
        "Service may allocate packet sockets",
        nixos(
            "RestrictAddressFamilies",
            "[ \"AF_UNIX\" \"AF_INET\" \"AF_INET6\" ]",
        ),
    ),
    row(
        "RestrictAddressFamilies=~\u{2026}",
        "RestrictAddressFamilies_OTHER",
        1250,
        1,
        Rule::Family("other"),
        "Service may allocate exotic sockets",
        nixos(
            "RestrictAddressFamilies",
            "[ \"AF_UNIX\" \"AF_INET\" \"AF_INET6\" ]",
        ),
    ),
    row(
        "SystemCallArchitectures=",
        "SystemCallArchitectures",
        1000,
        10,
        Rule::Archs,
        "Service may execute system calls with all ABIs",
        nixos("SystemCallArchitectures", "\"native\""),
    ),
    row(
        "SystemCallFilter=~@swap",
        "SystemCallFilter_swap",
        1000,
        10,
        Rule::Syscalls("@swap"),
        "Service may use the @swap system calls",
        nixos("SystemCallFilter", "[ \"@system-service\" ]"),
    ),
    row(
        "SystemCallFilter=~@obsolete",
        "SystemCallFilter_obsolete",
        250,
        10,
        Rule::Syscalls("@obsolete"),
        "Service may use the @obsolete system calls (e.g. _sysctl)",
        nixos("SystemCallFilter", "[ \"@system-service\" ]"),
    ),
    row(
        "SystemCallFilter=~@clock",
        "SystemCallFilter_clock",
        1000,
        10,
        Rule::Syscalls("@clock"),
        "Service may use the @clock system calls (e.g. adjtimex)",
        nixos("SystemCallFilter", "[ \"@system-service\" ]"),
    ),
    row(
        "SystemCallFilter=~@cpu-emulation",
        "SystemCallFilter_cpu_emulation",
        250,
        10,
        Rule::Syscalls("@cpu-emulation"),
        "Service may use the @cpu-emulation system calls (e.g. modify_ldt)",
        nixos("SystemCallFilter", "[ \"@system-service\" ]"),
    ),
    row(
        "SystemCallFilter=~@debug",
        "SystemCallFilter_debug",
        1000,
        10,
        Rule::Syscalls("@debug"),
        "Service may use the @debug system calls (e.g. lookup_dcookie)",
        nixos("SystemCallFilter", "[ \"@system-service\" ]"),
    ),
    row(
        "SystemCallFilter=~@mount",
        "SystemCallFilter_mount",
        1000,
        10,
        Rule::Syscalls("@mount"),
        "Service may use the @mount system calls",
        nixos("SystemCallFilter", "[ \"@system-service\" ]"),
    ),
    row(
        "SystemCallFilter=~@module",
        "SystemCallFilter_module",
        1000,
        10,
        Rule::Syscalls("@module"),
        "Service may use the @module system calls (e.g. delete_module)",
        nixos("SystemCallFilter", "[ \"@system-service\" ]"),
    ),
    row(
        "SystemCallFilter=~@raw-io",
        "SystemCallFilter_raw_io",
        1000,
        10,
        Rule::Syscalls("@raw-io"),
        "Service may use the @raw-io system calls (e.g. ioperm)",
        nixos("SystemCallFilter", "[ \"@system-service\" ]"),
    ),
    row(
        "SystemCallFilter=~@reboot",
        "SystemCallFilter_reboot",
        1000,
        10,
        Rule::Syscalls("@reboot"),
        "Service may use the @reboot system calls",
        nixos("SystemCallFilter", "[ \"@system-service\" ]"),
    ),
    row(
        "SystemCallFilter=~@privileged",
        "SystemCallFilter_privileged",
        700,
        10,
        Rule::Syscalls("@privileged"),
        "Service may use the @privileged system calls (e.g. chown)",
        nixos("SystemCallFilter", "[ \"@system-service\" ]"),
    ),
    row(
        "SystemCallFilter=~@resources",
        "SystemCallFilter_resources",
        700,
        10,
        Rule::Syscalls("@resources"),
        "Service may use the @resources system calls (e.g. ioprio_set)",
        nixos("SystemCallFilter", "[ \"@system-service\" ]"),
    ),
    row(
        "IPAddressDeny=",
        "IPAddressDeny",
        1000,
        10,
        Rule::IpAddressDeny,
        "Service does not define an IP address allow list",
        nixos("IPAddressDeny", "\"any\""),
    ),
    row(
        "DeviceAllow=",
        "DeviceAllow",
        1000,
        10,
        Rule::DeviceAllow,
        "Service has no device ACL",
        nixos("DevicePolicy", "\"closed\""),
    ),
    row(
        "AmbientCapabilities=",
        "AmbientCapabilities",
        500,
        1,
        Rule::Ambient,
        "Service process receives ambient capabilities",
        nixos("AmbientCapabilities", "lib.mkForce [ ]"),
    ),
];

impl Assessor {
    /// Badness of this row for `s`.
    #[must_use]
    pub fn assess(&self, s: &Settings) -> Badness {
        use Badness::{NotApplicable as Na, Value as V};
        let boot = |b: u64| if s.default_dependencies { V(b) } else { Na };
        match self.rule {
            Rule::User => V(match s.user.as_deref() {
                Some("nobody") => 9,
                u if s.dynamic_user && !matches!(u, Some("0" | "root")) => 0,
                Some(u) if !matches!(u, "0" | "root" | "") => 0,
                _ => 10,
            }),
            Rule::SupplementaryGroups => {
                if s.runs_privileged() {
                    Na
                } else {
                    V(u64::from(!s.supplementary_groups.is_empty()))
                }
            }
            Rule::Bool(f) => V(u64::from(!f(s))),
            Rule::BootPhase(f) => boot(f(s)),
            Rule::ProtectHome => boot(match s.protect_home {
                ProtectHome::Yes => 0,
                ProtectHome::Tmpfs => 1,
                ProtectHome::ReadOnly => 5,
                ProtectHome::No => 10,
            }),
            Rule::ProtectSystem => boot(match s.protect_system {
                ProtectSystem::Strict => 0,
                ProtectSystem::Full => 3,
                ProtectSystem::Yes => 5,
                ProtectSystem::No => 10,
            }),
            Rule::RootDirectory => {
                let empty = |p: &str| p.is_empty() || p == "/";
                boot(u64::from(empty(&s.root_directory) && empty(&s.root_image)))
            }
            Rule::Caps(mask) => V(u64::from(s.capability_bounding_set & mask != 0)),
            Rule::Umask => V(if s.umask & 0o002 == 0 {
                10
            } else if s.umask & 0o004 == 0 {
                5
            } else if s.umask & 0o020 == 0 {
                2
            } else if s.umask & 0o040 == 0 {
                1
            } else {
                0
            }),
            Rule::KeyringMode => V(u64::from(s.keyring_mode != "private")),
            Rule::ProtectProc => V(match s.protect_proc.as_str() {
                "invisible" | "ptraceable" => 0,
                "noaccess" => 1,
                _ => 3,
            }),
            Rule::ProcSubset => V(u64::from(s.proc_subset != "pid")),
            Rule::NotifyAccess => V(u64::from(
                s.unit_type == "service" && s.notify_access == "all",
            )),
            Rule::RemoveIpc => {
                if s.runs_privileged() {
                    Na
                } else {
                    V(u64::from(!s.remove_ipc))
                }
            }
            Rule::Delegate => V(u64::from(s.delegate)),
            Rule::Namespace(flag) => V(u64::from(
                s.restrict_namespaces.unwrap_or(u64::MAX) & flag != 0,
            )),
            Rule::Family(bucket) => V(u64::from(!s.family_restricted(bucket))),
            Rule::Archs => V(if s.syscall_archs.is_empty() {
                10
            } else if s.syscall_archs.len() == 1 && s.syscall_archs.contains("native") {
                0
            } else {
                8
            }),
            Rule::Syscalls(group) => {
                let allow = s.syscall_allow_list;
                let empty = SyscallFilter::default();
                let f = s.syscall_filter.as_ref().unwrap_or(&empty);
                // In an allow list, a syscall listed with an errno is not allowed.
                let has = |b: u16| f.set.contains(b) && !(allow && f.errno.contains(b));
                if !allow && f.set.is_empty() {
                    return V(10);
                }
                let members = syscalls().checked.get(group);
                let bad = members
                    .into_iter()
                    .flatten()
                    .any(|m| m.is_some_and(has) == allow);
                V(match (allow, bad) {
                    (_, false) => 0,
                    (true, true) => 9,
                    (false, true) => 10,
                })
            }
            Rule::IpAddressDeny => V(if s.ip_ingress_filter || s.ip_egress_filter {
                0
            } else if !(prefix_zero(&s.ip_deny, false) && prefix_zero(&s.ip_deny, true)) {
                10
            } else if s.ip_allow.iter().any(|e| !is_localhost(e)) {
                5
            } else if s.ip_allow.iter().any(|e| is_localhost(e)) {
                2
            } else {
                0
            }),
            Rule::DeviceAllow => V(if matches!(s.device_policy.as_str(), "strict" | "closed") {
                if s.device_allow.is_empty() {
                    0
                } else {
                    5
                }
            } else {
                10
            }),
            Rule::Ambient => V(u64::from(s.ambient_capabilities != 0)),
        }
    }
}

/// One check's outcome: the assessor row it comes from and the badness found. Everything but
/// the badness is the row's (16 bytes a check instead of 120: a few hundred units of 81 checks
/// each stay small, which is most of `nixsec units`' memory and much of its time).
#[derive(Debug, Clone, Copy)]
pub struct CheckResult {
    /// The assessor row.
    pub row: &'static Assessor,
    /// Badness, `None` when not applicable.
    pub badness: Option<u64>,
}

impl PartialEq for CheckResult {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.row, other.row) && self.badness == other.badness
    }
}

impl Eq for CheckResult {}

impl CheckResult {
    /// The JSON field of the row (`ProtectSystem`); systemd's JSON names it `id`, and the
    /// setting as printed (the row's `id`) `setting`.
    #[must_use]
    #[allow(clippy::misnamed_getters)]
    pub fn id(&self) -> &'static str {
        self.row.json_field
    }
    /// The setting as printed (`ProtectSystem=`).
    #[must_use]
    pub fn setting(&self) -> &'static str {
        self.row.id
    }
    /// Weight.
    #[must_use]
    pub fn weight(&self) -> u64 {
        self.row.weight
    }
    /// Range.
    #[must_use]
    pub fn range(&self) -> u64 {
        self.row.range
    }
    /// `true` when badness is 0, `None` when not applicable.
    #[must_use]
    pub fn pass(&self) -> Option<bool> {
        self.badness.map(|v| v == 0)
    }
    /// What a failure of the check means (not in the JSON).
    #[must_use]
    pub fn description(&self) -> &'static str {
        self.row.description
    }
    /// The NixOS setting that makes the check pass (not in the JSON).
    #[must_use]
    pub fn fix(&self) -> Fix {
        self.row.fix
    }
}

/// The JSON of a check: `id`, `setting`, `weight`, `range`, `badness`, `pass`.
impl Serialize for CheckResult {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("CheckResult", 6)?;
        st.serialize_field("id", self.id())?;
        st.serialize_field("setting", self.setting())?;
        st.serialize_field("weight", &self.weight())?;
        st.serialize_field("range", &self.range())?;
        st.serialize_field("badness", &self.badness)?;
        st.serialize_field("pass", &self.pass())?;
        st.end()
    }
}

/// A unit's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitScore {
    /// The unit as analysed (`getty@i.service`).
    pub unit: String,
    /// Exposure 0.0–10.0 with one decimal.
    pub exposure: f64,
    /// The exposure as systemd's integer 0–100.
    #[serde(skip)]
    pub exposure_int: u64,
    /// `PERFECT`, `SAFE`, `OK`, `MEDIUM`, `EXPOSED`, `UNSAFE` or `DANGEROUS`.
    pub level: &'static str,
    /// Every check in table order.
    pub checks: Vec<CheckResult>,
}

impl UnitScore {
    /// The exposure as systemd prints it (`8.4`).
    #[must_use]
    pub fn exposure_str(&self) -> String {
        format!("{}.{}", self.exposure_int / 10, self.exposure_int % 10)
    }
}

/// systemd's level name for an exposure 0–100.
#[must_use]
pub fn level(exposure: u64) -> &'static str {
    const LEVELS: &[(u64, &str)] = &[
        (100, "DANGEROUS"),
        (90, "UNSAFE"),
        (75, "EXPOSED"),
        (50, "MEDIUM"),
        (10, "OK"),
        (1, "SAFE"),
        (0, "PERFECT"),
    ];
    LEVELS
        .iter()
        .find(|(t, _)| exposure >= *t)
        .map_or("PERFECT", |(_, n)| n)
}

/// Score a loaded unit: the one loop over [`ASSESSORS`].
#[must_use]
pub fn assess(u: &LoadedUnit) -> UnitScore {
    let s = Settings::from_unit(u);
    let mut badness_sum = 0u64;
    let mut weight_sum = 0u64;
    let mut checks = Vec::with_capacity(ASSESSORS.len());
    for a in ASSESSORS {
        let b = a.assess(&s);
        let badness = match b {
            Badness::NotApplicable => None,
            Badness::Value(v) => {
                badness_sum += (v * a.weight).div_ceil(a.range);
                weight_sum += a.weight;
                Some(v)
            }
        };
        checks.push(CheckResult { row: a, badness });
    }
    let exposure_int = if weight_sum == 0 {
        0
    } else {
        (badness_sum * 100).div_ceil(weight_sum).min(100)
    };
    #[allow(clippy::cast_precision_loss)]
    let exposure = (exposure_int as f64) / 10.0;
    UnitScore {
        unit: s.unit,
        exposure,
        exposure_int,
        level: level(exposure_int),
        checks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unit::parse;

    fn loaded(name: &str, text: &str) -> LoadedUnit {
        LoadedUnit {
            name: name.into(),
            fragment: format!("/etc/systemd/system/{name}"),
            dropins: Vec::new(),
            assignments: parse(text, name).map(|u| u.assignments).unwrap_or_default(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn table_shape() {
        assert_eq!(ASSESSORS.len(), 81);
        assert_eq!(ASSESSORS.iter().map(|a| a.weight).sum::<u64>(), 56_460);
    }

    #[test]
    fn levels() {
        assert_eq!(level(100), "DANGEROUS");
        assert_eq!(level(96), "UNSAFE");
        assert_eq!(level(75), "EXPOSED");
        assert_eq!(level(74), "MEDIUM");
        assert_eq!(level(10), "OK");
        assert_eq!(level(9), "SAFE");
        assert_eq!(level(0), "PERFECT");
    }

    #[test]
    fn json_shape_and_not_applicable() {
        let s = assess(&loaded(
            "x.service",
            "[Unit]\nDefaultDependencies=no\n[Service]\n",
        ));
        let v = serde_json::to_value(&s).unwrap_or_default();
        assert_eq!(v["unit"], "x.service");
        assert!(v["exposure"].is_number());
        assert!(v["level"].is_string());
        let pt = s.checks.iter().find(|c| c.id() == "PrivateTmp");
        assert_eq!(pt.map(|c| (c.badness, c.pass())), Some((None, None)));
        let row = &v["checks"][0];
        for k in ["id", "setting", "weight", "range", "badness", "pass"] {
            assert!(row.get(k).is_some(), "{k}");
        }
    }

    #[test]
    fn continued_tilde_is_not_inversion() {
        let s = Settings::from_unit(&loaded(
            "x.service",
            "[Service]\nSystemCallFilter=@system-service \\\n ~@privileged\n",
        ));
        assert!(s.syscall_allow_list);
        let f = s.syscall_filter.unwrap_or_default();
        assert!(f.set.contains_name("setuid"));
    }

    #[test]
    fn capability_replace_then_merge() {
        let s = Settings::from_unit(&loaded(
            "x.service",
            "[Service]\nCapabilityBoundingSet=\nCapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=bogus CAP_KILL\n",
        ));
        assert_eq!(s.capability_bounding_set, 1);
    }
}
