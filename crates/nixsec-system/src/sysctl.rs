//! The sysctl values a built system sets: `etc/sysctl.d/*.conf` as `systemd-sysctl` reads them
//! (files in name order, later assignments win; `key = value`, `#`/`;` comments, a `-` prefix,
//! `/` or `.` separators, `*` globs in keys), and for every other key the kernel's default from
//! a documented table (`data/sysctl-defaults.tsv`), said as such.

use nixsec_core::Root;

/// The kernel defaults table (`key`, `value`, `note`).
const DEFAULTS: &str = include_str!("../data/sysctl-defaults.tsv");

/// One assignment of a sysctl file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The key as written, in dotted form (`net.ipv4.conf.*.rp_filter`).
    pub key: String,
    /// The value.
    pub value: String,
    /// The file, as the audited system shows it (`/etc/sysctl.d/60-nixos.conf`).
    pub file: String,
    /// 1-based line.
    pub line: u32,
}

/// A key's value on the built system and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Set by a sysctl file.
    Set(Setting),
    /// Not set: the kernel's default (`note`: where the default comes from).
    Default {
        /// The value.
        value: String,
        /// Why it is the default (`kernel default`, a Kconfig option).
        note: String,
    },
    /// Neither set nor in the defaults table.
    Unknown,
}

/// Every assignment of `etc/sysctl.d`, in the order `systemd-sysctl` applies them.
#[derive(Debug, Clone, Default)]
pub struct Sysctl {
    /// The assignments, in order.
    pub settings: Vec<Setting>,
}

/// Why the sysctl files could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SysctlError {
    /// A file could not be read.
    #[error(transparent)]
    Read(#[from] nixsec_core::RootError),
}

/// `net/ipv4/ip_forward` → `net.ipv4.ip_forward`, as systemd normalises a key whose first
/// separator is `/`.
#[must_use]
pub fn normalize(key: &str) -> String {
    let first = key.find(['.', '/']);
    match first.map(|i| &key[i..=i]) {
        Some("/") => key
            .chars()
            .map(|c| match c {
                '/' => '.',
                '.' => '/',
                c => c,
            })
            .collect(),
        _ => key.to_string(),
    }
}

/// Parse one sysctl file's text.
#[must_use]
pub fn parse(text: &str, file: &str) -> Vec<Setting> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with(';') {
            continue;
        }
        let Some((k, v)) = l.split_once('=') else {
            continue;
        };
        let k = k.trim();
        let k = k.strip_prefix('-').unwrap_or(k).trim();
        out.push(Setting {
            key: normalize(k),
            value: v.trim().to_string(),
            file: file.to_string(),
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
        });
    }
    out
}

/// `*` (any run of characters) and `?` glob match, as systemd's `fnmatch` on keys.
fn glob(pattern: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), s.chars().collect());
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Read every `*.conf` of the system's `etc/sysctl.d` (`etc`: the store's etc tree).
///
/// # Errors
/// A file that exists but cannot be read.
pub fn read(store: &Root, etc: &str) -> Result<Sysctl, SysctlError> {
    let dir = format!("{etc}/sysctl.d");
    let names = match store.read_dir(&dir) {
        Ok((_, n)) => n,
        Err(e) if e.is_not_found() => return Ok(Sysctl::default()),
        Err(e) => return Err(e.into()),
    };
    let mut settings = Vec::new();
    for n in names {
        let name = n.to_string_lossy().into_owned();
        if !name.ends_with(".conf") {
            continue;
        }
        let (_, text) = store.read_to_string(format!("{dir}/{name}"))?;
        settings.extend(parse(&text, &format!("/etc/sysctl.d/{name}")));
    }
    Ok(Sysctl { settings })
}

impl Sysctl {
    /// The value of `key` (dotted) on the built system.
    #[must_use]
    pub fn get(&self, key: &str) -> Value {
        let key = normalize(key);
        if let Some(s) = self
            .settings
            .iter()
            .rev()
            .find(|s| s.key == key || (s.key.contains(['*', '?']) && glob(&s.key, &key)))
        {
            return Value::Set(s.clone());
        }
        default(&key).map_or(Value::Unknown, |(value, note)| Value::Default {
            value,
            note,
        })
    }

    /// Every key set, with its final value (glob keys as written), sorted by key.
    #[must_use]
    pub fn effective(&self) -> std::collections::BTreeMap<String, Setting> {
        let mut out = std::collections::BTreeMap::new();
        for s in &self.settings {
            out.insert(s.key.clone(), s.clone());
        }
        out
    }
}

/// The kernel default of `key` from the table, with its note.
#[must_use]
pub fn default(key: &str) -> Option<(String, String)> {
    DEFAULTS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((f.next()?, f.next()?, f.next().unwrap_or("kernel default")))
        })
        .find(|(k, _, _)| *k == key)
        .map(|(_, v, n)| (v.to_string(), n.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_files_and_globs_win() {
        let mut s = parse(
            "# systemd\nnet.ipv4.conf.default.rp_filter = 2\nnet.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.all.rp_filter = 2\nkernel/yama/ptrace_scope=1\n",
            "/etc/sysctl.d/50-default.conf",
        );
        s.extend(parse(
            "kernel.kptr_restrict=1\nnet.ipv4.conf.all.rp_filter = 0\n",
            "/etc/sysctl.d/60-nixos.conf",
        ));
        let c = Sysctl { settings: s };
        match c.get("net.ipv4.conf.all.rp_filter") {
            Value::Set(s) => assert_eq!((s.value.as_str(), s.line), ("0", 2)),
            v => panic!("{v:?}"),
        }
        match c.get("net.ipv4.conf.eth0.rp_filter") {
            Value::Set(s) => assert_eq!((s.value.as_str(), s.line), ("2", 3)),
            v => panic!("{v:?}"),
        }
        match c.get("kernel.yama.ptrace_scope") {
            Value::Set(s) => assert_eq!(s.value, "1"),
            v => panic!("{v:?}"),
        }
        assert_eq!(
            c.get("kernel.dmesg_restrict"),
            Value::Default {
                value: "1".into(),
                note: "nixpkgs sets CONFIG_SECURITY_DMESG_RESTRICT=y".into()
            }
        );
        assert_eq!(c.get("kernel.nope"), Value::Unknown);
    }
}
