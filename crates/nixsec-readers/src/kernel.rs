//! The running kernel as procfs and sysfs show it: sysctls (`/proc/sys`), the command line
//! (`/proc/cmdline`) and mounts with their options (`/proc/self/mountinfo`).
//!
//! Everything is read through the root; a mounted root normally has an empty `/proc`. A sysctl
//! file that does not exist means the kernel lacks the feature (no Yama, no module support, …):
//! the readers say `Ok(None)` and leave what that means to the caller.

use nixsec_core::{Root, RootError};

/// True when `/proc/sys` exists under the root (the running system, or a fixture of it).
#[must_use]
pub fn have_proc_sys(root: &Root) -> bool {
    ["/proc/sys/kernel", "/proc/sys/net", "/proc/sys/fs"]
        .iter()
        .any(|p| !root.presence(p).is_absent())
}

/// `kernel.yama.ptrace_scope` → `/proc/sys/kernel/yama/ptrace_scope`. Only the dots of the
/// sysctl name are separators; a key whose interface contains a dot must be given as a path.
#[must_use]
pub fn sysctl_path(key: &str) -> String {
    if key.starts_with('/') {
        key.to_string()
    } else {
        format!("/proc/sys/{}", key.replace('.', "/"))
    }
}

/// Why a sysctl could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SysctlError {
    /// The file exists but could not be read.
    #[error(transparent)]
    Read(#[from] RootError),
    /// The value is not UTF-8 text.
    #[error("`{path}`: not a text value")]
    NotText {
        /// The sysctl file.
        path: String,
        /// The decoding error.
        source: std::string::FromUtf8Error,
    },
    /// An integer sysctl whose value is not one integer.
    #[error("`{path}`: not an integer: `{}`", nixsec_core::escape(value))]
    NotInteger {
        /// The sysctl file.
        path: String,
        /// The value as read (trimmed).
        value: String,
        /// The parser's error.
        source: std::num::ParseIntError,
    },
}

/// The raw text of a sysctl (one trailing newline removed): `Ok(None)` when the file does not
/// exist on this kernel.
///
/// # Errors
/// The file exists but cannot be read or is not text (names the file and the problem).
pub fn read_sysctl(root: &Root, key: &str) -> Result<Option<String>, SysctlError> {
    let path = sysctl_path(key);
    match root.read_limited(&path, 1 << 16) {
        Ok((_, bytes)) => match String::from_utf8(bytes) {
            Ok(s) => Ok(Some(s.strip_suffix('\n').unwrap_or(&s).to_string())),
            Err(source) => Err(SysctlError::NotText { path, source }),
        },
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// An integer sysctl: `Ok(None)` when absent.
///
/// # Errors
/// Unreadable, or a value that is not one integer (names the file and the value).
pub fn read_int(root: &Root, key: &str) -> Result<Option<i64>, SysctlError> {
    let Some(text) = read_sysctl(root, key)? else {
        return Ok(None);
    };
    text.trim()
        .parse::<i64>()
        .map(Some)
        .map_err(|source| SysctlError::NotInteger {
            path: sysctl_path(key),
            value: text.trim().to_string(),
            source,
        })
}

/// One kernel parameter: `key` or `key=value`.
pub type Param = (String, Option<String>);

/// Split a kernel command line as the kernel does: whitespace separates, double quotes group
/// (and are dropped; `""` is an empty parameter), `--` ends the kernel's parameters.
#[must_use]
pub fn split_cmdline(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    if cur == "--" {
                        return out;
                    }
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any && cur != "--" {
        out.push(cur);
    }
    out
}

/// `/proc/cmdline` as `(key, value)` parameters (see [`split_cmdline`]).
#[must_use]
pub fn parse_cmdline(text: &str) -> Vec<Param> {
    split_cmdline(text)
        .into_iter()
        .map(|item| match item.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (item, None),
        })
        .collect()
}

/// The kernel command line: `Ok(None)` when `/proc/cmdline` does not exist under the root.
///
/// # Errors
/// Unreadable or not text.
pub fn cmdline(root: &Root) -> Result<Option<Vec<Param>>, RootError> {
    match root.read_to_string("/proc/cmdline") {
        Ok((_, t)) => Ok(Some(parse_cmdline(&t))),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// One `/proc/self/mountinfo` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// `major:minor` of the filesystem's device.
    pub dev: String,
    /// The root of the mount within its filesystem (`/` unless a bind mount), unescaped.
    pub fs_root: String,
    /// Mount point, unescaped.
    pub point: String,
    /// Per-mount options (`rw,nosuid,nodev,relatime`).
    pub options: Vec<String>,
    /// Filesystem type.
    pub fstype: String,
    /// Mount source (device).
    pub source: String,
    /// Superblock options.
    pub super_options: Vec<String>,
    /// 1-based line.
    pub line: u32,
}

impl Mount {
    /// True when the per-mount options contain `opt`.
    #[must_use]
    pub fn has(&self, opt: &str) -> bool {
        self.options.iter().any(|o| o == opt)
    }
}

/// mountinfo escapes space, tab, newline and backslash as `\NNN` octal.
#[must_use]
pub fn unescape_octal(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 4 <= b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = u32::from(b[i + 1] - b'0') * 64
                + u32::from(b[i + 2] - b'0') * 8
                + u32::from(b[i + 3] - b'0');
            out.push(u8::try_from(v).unwrap_or(b'?'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parse mountinfo; malformed lines are not fatal: their 1-based numbers are returned.
#[must_use]
pub fn parse_mountinfo(text: &str) -> (Vec<Mount>, Vec<usize>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(' ').collect();
        let Some(sep) = f.iter().position(|x| *x == "-") else {
            bad.push(i + 1);
            continue;
        };
        if sep < 6 || f.len() < sep + 3 {
            bad.push(i + 1);
            continue;
        }
        out.push(Mount {
            dev: f[2].to_string(),
            fs_root: unescape_octal(f[3]),
            point: unescape_octal(f[4]),
            options: f[5].split(',').map(str::to_string).collect(),
            fstype: f[sep + 1].to_string(),
            source: unescape_octal(f[sep + 2]),
            super_options: f
                .get(sep + 3)
                .map(|s| s.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
        });
    }
    (out, bad)
}

/// The mount table of the running system.
pub const MOUNTINFO: &str = "/proc/self/mountinfo";

/// The mount table of PID 1's mount namespace.
pub const INIT_MOUNTINFO: &str = "/proc/1/mountinfo";

/// The mount table to read under `root`: on the running system, PID 1's when it can be read
/// (the host's mounts even when nixsec runs in a service's own mount namespace, where
/// `ProtectSystem=`, `PrivateTmp=` and the like remount the tree), else [`MOUNTINFO`].
#[must_use]
pub fn mountinfo_path(root: &Root) -> &'static str {
    if root.is_live() && root.read_head(INIT_MOUNTINFO, 1).is_ok() {
        INIT_MOUNTINFO
    } else {
        MOUNTINFO
    }
}

/// Why `/proc/self/mountinfo` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MountinfoError {
    /// The file exists but could not be read, or is not text.
    #[error(transparent)]
    Read(#[from] RootError),
    /// Not a mountinfo file at all: no line parses.
    #[error("`{path}`: no valid line ({malformed} malformed)")]
    NoValidLine {
        /// The file.
        path: String,
        /// How many lines did not parse.
        malformed: usize,
    },
}

/// The mounts of the running system: `Ok(None)` without `/proc/self/mountinfo` under the root.
/// Malformed lines are skipped when others parse.
///
/// # Errors
/// Unreadable, not text, or not a mountinfo file at all (no line parses).
pub fn mounts(root: &Root) -> Result<Option<Vec<Mount>>, MountinfoError> {
    let path = mountinfo_path(root);
    match root.read_to_string(path) {
        Ok((_, t)) => {
            let (m, bad) = parse_mountinfo(&t);
            if m.is_empty() && !bad.is_empty() {
                return Err(MountinfoError::NoValidLine {
                    path: path.to_string(),
                    malformed: bad.len(),
                });
            }
            Ok(Some(m))
        }
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The topmost mount at exactly `point` (the last line for it).
#[must_use]
pub fn mount_at<'a>(mounts: &'a [Mount], point: &str) -> Option<&'a Mount> {
    mounts.iter().rev().find(|m| m.point == point)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmdline_quotes_and_end_marker() {
        let c = parse_cmdline(
            "BOOT_IMAGE=/k root=\"/dev/my disk\" quiet mitigations=off -- init-arg=1\n",
        );
        assert_eq!(c.len(), 4);
        assert_eq!(c[1], ("root".into(), Some("/dev/my disk".into())));
        assert_eq!(c[2], ("quiet".into(), None));
        assert_eq!(c[3], ("mitigations".into(), Some("off".into())));
    }

    #[test]
    fn mountinfo_lines() {
        let (m, bad) = parse_mountinfo("25 24 0:23 / /dev/shm rw,nosuid,nodev - tmpfs tmpfs rw,size=1k\n36 35 98:0 /mnt1 /mnt/my\\040disk rw,noatime master:1 - ext3 /dev/root rw,errors=continue\ngarbage\n");
        assert_eq!(bad, vec![3]);
        assert_eq!(m[0].point, "/dev/shm");
        assert!(m[0].has("nosuid") && !m[0].has("noexec"));
        assert_eq!(m[1].point, "/mnt/my disk");
        assert_eq!(m[1].fstype, "ext3");
        assert_eq!(unescape_octal("a\\134b\\"), "a\\b\\");
    }

    #[test]
    fn sysctls_absent_unreadable_and_malformed() {
        use nixsec_testutil::RootBuilder;
        let b = RootBuilder::new()
            .file("/proc/sys/kernel/kptr_restrict", "1\n")
            .file("/proc/sys/kernel/dmesg_restrict", "yes\n")
            .file("/proc/sys/kernel/bad", [0xff_u8, b'\n'])
            .file("/proc/self/mountinfo", "garbage\nmore garbage\n");
        let r = b.root();
        assert!(have_proc_sys(&r));
        assert_eq!(
            read_int(&r, "kernel.kptr_restrict").expect("reads"),
            Some(1)
        );
        assert_eq!(
            read_int(&r, "kernel.yama.ptrace_scope").expect("absent"),
            None
        );
        let e = read_int(&r, "kernel.dmesg_restrict").expect_err("not a number");
        assert_eq!(
            e.to_string(),
            "`/proc/sys/kernel/dmesg_restrict`: not an integer: `yes`"
        );
        let e = read_sysctl(&r, "kernel.bad").expect_err("not text");
        assert_eq!(e.to_string(), "`/proc/sys/kernel/bad`: not a text value");
        let e = mounts(&r).expect_err("no valid line");
        assert_eq!(
            e.to_string(),
            "`/proc/self/mountinfo`: no valid line (2 malformed)"
        );
        assert!(cmdline(&r).expect("absent").is_none());
    }
}
