//! libvirt's QEMU driver: which user QEMU runs as (`user`/`group` of `qemu.conf`) and the uid
//! of running `qemu-system-*` processes.
//!
//! NixOS writes the generated `qemu.conf` (with `user = "qemu-libvirtd"` only when
//! `virtualisation.libvirtd.qemu.runAsRoot = false`) and links it to
//! `/var/lib/libvirt/qemu.conf`; other distributions keep `/etc/libvirt/qemu.conf`.

use nixsec_core::Root;

/// A line of a libvirt config file that libvirt would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfError {
    /// Not `key = value`.
    #[error("line {line}: expected `key = value`, found `{}`", nixsec_core::escape(.text))]
    NotKeyValue {
        /// 1-based line.
        line: u32,
        /// The line, without its comment, trimmed.
        text: String,
    },
    /// A key with characters other than letters, digits, `_` and `.`.
    #[error("line {line}: invalid key `{}`", nixsec_core::escape(.key))]
    Key {
        /// 1-based line.
        line: u32,
        /// The key.
        key: String,
    },
    /// A string without its closing quote.
    #[error("line {line}: unterminated string")]
    UnterminatedString {
        /// 1-based line.
        line: u32,
    },
    /// Neither a string, a number nor a list.
    #[error("line {line}: invalid value `{}`", nixsec_core::escape(.value))]
    Value {
        /// 1-based line.
        line: u32,
        /// The value.
        value: String,
    },
    /// A list without its closing `]`.
    #[error("unterminated list")]
    UnterminatedList,
}

/// A `key = value` of a libvirt config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfValue {
    /// The value as written (strings unquoted).
    pub value: String,
    /// 1-based line.
    pub line: u32,
}

/// Parse libvirt's config syntax (`key = "string"`, numbers, `[ … ]` lists over several lines,
/// `#` comments) and return the scalar settings.
///
/// # Errors
/// A line that is not `key = value`, an unterminated string or list.
pub fn parse_conf(text: &str) -> Result<Vec<(String, ConfValue)>, ConfError> {
    let mut out = Vec::new();
    let mut in_list = false;
    for (i, raw) in text.lines().enumerate() {
        let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let l = strip_comment(raw).trim().to_string();
        if in_list {
            if l.contains(']') {
                in_list = false;
            }
            continue;
        }
        if l.is_empty() {
            continue;
        }
        let Some((k, v)) = l.split_once('=') else {
            return Err(ConfError::NotKeyValue { line, text: l });
        };
        let k = k.trim();
        if k.is_empty()
            || !k
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        {
            return Err(ConfError::Key {
                line,
                key: k.to_string(),
            });
        }
        let v = v.trim();
        let value = if let Some(rest) = v.strip_prefix('"') {
            let Some(end) = rest.find('"') else {
                return Err(ConfError::UnterminatedString { line });
            };
            rest[..end].to_string()
        } else if v.starts_with('[') {
            in_list = !v.contains(']');
            continue;
        } else if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
            v.to_string()
        } else {
            return Err(ConfError::Value {
                line,
                value: v.to_string(),
            });
        };
        out.push((k.to_string(), ConfValue { value, line }));
    }
    if in_list {
        return Err(ConfError::UnterminatedList);
    }
    Ok(out)
}

fn strip_comment(l: &str) -> &str {
    let mut in_str = false;
    for (i, c) in l.char_indices() {
        match c {
            '"' => in_str = !in_str,
            '#' if !in_str => return &l[..i],
            _ => {}
        }
    }
    l
}

/// What is known about QEMU's user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Qemu {
    /// The qemu.conf read.
    pub conf: Option<String>,
    /// `user = …` there.
    pub user: Option<ConfValue>,
    /// Running `qemu-system-*` processes: (pid, comm, uid).
    pub processes: Vec<(String, String, u32)>,
    /// libvirt is installed (a qemu.conf or `/var/lib/libvirt`).
    pub present: bool,
    /// A problem reading the config.
    pub error: Option<String>,
}

/// Read qemu.conf and the running QEMU processes.
#[must_use]
pub fn qemu(root: &Root) -> Qemu {
    let mut q = Qemu::default();
    for p in ["/var/lib/libvirt/qemu.conf", "/etc/libvirt/qemu.conf"] {
        match root.read_to_string(p) {
            Ok((_, t)) => {
                q.conf = Some(p.to_string());
                match parse_conf(&t) {
                    Ok(kv) => {
                        q.user = kv
                            .into_iter()
                            .rev()
                            .find(|(k, _)| k == "user")
                            .map(|(_, v)| v)
                    }
                    Err(e) => q.error = Some(format!("`{p}`: {e}")),
                }
                break;
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => {
                q.error = Some(e.to_string());
                break;
            }
        }
    }
    q.present =
        q.conf.is_some() || q.error.is_some() || !root.presence("/var/lib/libvirt").is_absent();
    if let Ok((_, pids)) = root.read_dir("/proc") {
        for pid in pids
            .iter()
            .filter_map(|p| p.to_str())
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
        {
            let Ok((_, comm)) = root.read_to_string(format!("/proc/{pid}/comm")) else {
                continue;
            };
            let comm = comm.trim_end().to_string();
            if !comm.starts_with("qemu-system") && comm != "qemu-kvm" {
                continue;
            }
            let Ok((_, status)) = root.read_to_string(format!("/proc/{pid}/status")) else {
                continue;
            };
            let uid = status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|r| r.split_whitespace().nth(1))
                .and_then(|u| u.parse::<u32>().ok());
            if let Some(uid) = uid {
                q.processes.push((pid.to_string(), comm, uid));
            }
        }
    }
    q
}

/// `user` values that mean root.
#[must_use]
pub fn is_root(user: &str) -> bool {
    matches!(user, "root" | "+0" | "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conf_syntax() {
        let kv = parse_conf("# c\nuser = \"qemu-libvirtd\" # trailing\ngroup=\"kvm\"\nnamespaces = []\ncgroup_device_acl = [\n  \"/dev/null\",\n]\nvnc_port = 5900\n").expect("parses");
        let keys: Vec<&str> = kv.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["user", "group", "vnc_port"]);
        assert_eq!(kv[0].1.value, "qemu-libvirtd");
        assert!(parse_conf("user = root\n").is_err(), "unquoted string");
        assert!(parse_conf("{\"user\": 1}").is_err());
        assert!(parse_conf("list = [\n\"a\",\n").is_err());
    }

    #[test]
    fn errors_name_the_line() {
        let msg = |text: &str| parse_conf(text).expect_err("invalid").to_string();
        assert_eq!(msg("\nuser = root\n"), "line 2: invalid value `root`");
        assert_eq!(
            msg("user\n"),
            "line 1: expected `key = value`, found `user`"
        );
        assert_eq!(msg("a b = 1\n"), "line 1: invalid key `a b`");
        assert_eq!(msg("user = \"x\n"), "line 1: unterminated string");
        assert_eq!(msg("l = [\n"), "unterminated list");
    }
}
