//! The running kernel as procfs and sysfs show it: sysctls (`/proc/sys`), the command line
//! (`/proc/cmdline`), mounts (`/proc/self/mountinfo`) and swaps (`/proc/swaps`).
//!
//! Everything is read through the root; a mounted root normally has an empty `/proc`, so the
//! kernel rules skip there. A sysctl file that does not exist means the kernel lacks the feature
//! (no Yama, no module support, …): each check says what that means, usually the kernel's
//! built-in behaviour, and never turns "absent" into "unknown" silently.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Problem, Severity};

/// Why the kernel rules skip under a root without a live `/proc/sys`.
pub const NO_PROC: &str =
    "no `/proc/sys` under this root: kernel settings can only be read on the running system";

/// True when `/proc/sys` exists under the root (the running system, or a fixture of it).
#[must_use]
pub fn have_proc_sys(cx: &HostCx) -> bool {
    cx.root().exists("/proc/sys/kernel")
        || cx.root().exists("/proc/sys/net")
        || cx.root().exists("/proc/sys/fs")
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

/// The raw text of a sysctl (one trailing newline removed): `Ok(None)` when the file does not
/// exist on this kernel.
///
/// # Errors
/// The file exists but cannot be read (names the file and the problem).
pub fn read_sysctl(cx: &HostCx, key: &str) -> Result<Option<String>, String> {
    let path = sysctl_path(key);
    match cx.root().read_limited(&path, 1 << 16) {
        Ok((_, bytes)) => match String::from_utf8(bytes) {
            Ok(s) => Ok(Some(s.strip_suffix('\n').unwrap_or(&s).to_string())),
            Err(_) => Err(format!("`{path}`: not a text value")),
        },
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// An integer sysctl: `Ok(None)` when absent.
///
/// # Errors
/// Unreadable, or a value that is not one integer (names the file and the value).
pub fn read_int(cx: &HostCx, key: &str) -> Result<Option<i64>, String> {
    let Some(text) = read_sysctl(cx, key)? else {
        return Ok(None);
    };
    text.trim().parse::<i64>().map(Some).map_err(|_| {
        format!(
            "`{}`: not an integer: `{}`",
            sysctl_path(key),
            nixsec_core::escape(text.trim())
        )
    })
}

/// What a missing sysctl file means for one check.
#[derive(Debug, Clone, Copy)]
pub enum Absent {
    /// The feature is not in this kernel and that is safe; the text says why.
    Safe(&'static str),
    /// The kernel behaves as if the value were this; the text says why.
    Default(i64, &'static str),
}

/// One integer sysctl and the values that pass.
#[derive(Debug, Clone, Copy)]
pub struct IntCheck {
    /// Dotted sysctl name.
    pub key: &'static str,
    /// True for an acceptable value.
    pub ok: fn(i64) -> bool,
    /// What is wanted, for messages (`≥ 1`, `= 0`).
    pub want: &'static str,
    /// What a missing file means.
    pub absent: Absent,
    /// Severity of a failure of this key when it differs from the rule's.
    pub severity: Option<Severity>,
}

impl IntCheck {
    /// A check with the rule's severity.
    #[must_use]
    pub const fn new(
        key: &'static str,
        ok: fn(i64) -> bool,
        want: &'static str,
        absent: Absent,
    ) -> Self {
        IntCheck {
            key,
            ok,
            want,
            absent,
            severity: None,
        }
    }

    /// The same check failing at another severity.
    #[must_use]
    pub const fn at(mut self, s: Severity) -> Self {
        self.severity = Some(s);
        self
    }
}

/// The result of a list of sysctl checks.
#[derive(Debug, Default)]
pub struct Verdict {
    /// One problem per failing key (subject: the key), or per failure found by other means.
    pub problems: Vec<Problem>,
    /// Keys or files that could not be read or parsed: `(subject, error)`.
    pub errors: Vec<(String, String)>,
    /// What was seen of each key (a failing key's line is also its problem's evidence).
    pub evidence: Vec<Evidence>,
    /// Seen but not about one key (reported with a pass, and with every problem).
    pub context: Vec<Evidence>,
    /// Notes on absent keys.
    pub notes: Vec<String>,
}

impl Verdict {
    /// Run `checks` against the running kernel.
    #[must_use]
    pub fn run(cx: &HostCx, checks: &[IntCheck]) -> Verdict {
        let mut v = Verdict::default();
        for c in checks {
            v.check(cx, c);
        }
        v
    }

    /// Add one check.
    pub fn check(&mut self, cx: &HostCx, c: &IntCheck) {
        let path = sysctl_path(c.key);
        let (value, seen) = match read_int(cx, c.key) {
            Ok(Some(x)) => (x, Evidence::value(&path, x.to_string())),
            Ok(None) => match c.absent {
                Absent::Safe(why) => {
                    self.evidence
                        .push(Evidence::value(&path, format!("absent: {why}")));
                    self.notes.push(format!("{} absent ({why})", c.key));
                    return;
                }
                Absent::Default(d, why) => {
                    self.notes.push(format!(
                        "{} absent: kernel default {d} applies ({why})",
                        c.key
                    ));
                    (
                        d,
                        Evidence::value(
                            &path,
                            format!("absent: kernel default {d} applies ({why})"),
                        ),
                    )
                }
            },
            Err(e) => {
                self.errors.push((c.key.to_string(), e));
                return;
            }
        };
        self.evidence.push(seen.clone());
        if !(c.ok)(value) {
            self.problems.push(
                Problem::about(c.key, format!("`{} = {value}` (want {})", c.key, c.want))
                    .with_evidence([seen])
                    .with_severity_opt(c.severity),
            );
        }
    }

    /// Add a failure found by other means.
    pub fn fail(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    /// Add a key or file that could not be read.
    pub fn error(&mut self, subject: impl Into<String>, error: impl Into<String>) {
        self.errors.push((subject.into(), error.into()));
    }

    /// The outcome: the problems (each unreadable key or file its own problem beside them),
    /// else an error naming what could not be read, else a pass with the notes on absent keys.
    #[must_use]
    pub fn outcome(self, pass: &str) -> Outcome {
        let mut evidence = self.evidence;
        evidence.extend(self.context.iter().cloned());
        if !self.problems.is_empty() {
            let mut problems = self.problems;
            problems.extend(
                self.errors
                    .iter()
                    .map(|(subject, e)| not_checked(e).subject(subject.as_str())),
            );
            return Outcome::Fail { problems }.with_evidence(self.context);
        }
        if !self.errors.is_empty() {
            let errors: Vec<&str> = self.errors.iter().map(|(_, e)| e.as_str()).collect();
            return Outcome::error(errors.join("; ")).with_evidence(evidence);
        }
        let mut msg = pass.to_string();
        if !self.notes.is_empty() {
            msg.push_str(&format!(" ({})", self.notes.join("; ")));
        }
        Outcome::pass(msg).with_evidence(evidence)
    }
}

/// A file that could not be read while other problems were found, as its own problem (so that
/// nothing unverified looks clean). `error` is a reader's message, `` `path`: why ``; the
/// problem is about that path (or the whole message when it names none; set another subject
/// with [`Problem::subject`]).
#[must_use]
pub fn not_checked(error: &str) -> Problem {
    match error
        .strip_prefix('`')
        .and_then(|r| r.split_once("`: "))
        .filter(|(path, _)| !path.contains('`'))
    {
        Some((path, why)) => Problem::about(
            path,
            format!("`{path}` could not be read: {why}; not checked"),
        ),
        None => Problem::about(error, format!("could not read: {error}; not checked")),
    }
}

/// Run a sysctl rule: skip without `/proc/sys`.
#[must_use]
pub fn sysctl_rule(cx: &HostCx, checks: &[IntCheck], pass: &str) -> Outcome {
    if !have_proc_sys(cx) {
        return Outcome::skip(NO_PROC);
    }
    Verdict::run(cx, checks).outcome(pass)
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
pub fn cmdline(cx: &HostCx) -> Result<Option<Vec<Param>>, String> {
    match cx.root().read_to_string("/proc/cmdline") {
        Ok((_, t)) => Ok(Some(parse_cmdline(&t))),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.to_string()),
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

/// The mounts of the running system: `Ok(None)` without `/proc/self/mountinfo` under the root.
///
/// # Errors
/// Unreadable, not text, or not a mountinfo file at all (no line parses).
pub fn mounts(cx: &HostCx) -> Result<Option<Vec<Mount>>, String> {
    match cx.root().read_to_string("/proc/self/mountinfo") {
        Ok((_, t)) => {
            let (m, bad) = parse_mountinfo(&t);
            if m.is_empty() && !bad.is_empty() {
                return Err(format!(
                    "`/proc/self/mountinfo`: no valid line ({} malformed)",
                    bad.len()
                ));
            }
            Ok(Some(m))
        }
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.to_string()),
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
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Fixture roots for the kernel rules, from `tests/fixtures/kernel` (copied from real
    //! `/proc/sys` files of this Debian machine, and the hardened profile's values).
    use std::path::Path;

    use nixsec_core::{Outcome, Severity};
    use nixsec_testutil::RootBuilder;

    /// A failure's problems as `(subject, message, severity)` (empty for other outcomes).
    pub fn problems(o: &Outcome) -> Vec<(String, String, Option<Severity>)> {
        o.problems()
            .iter()
            .map(|p| {
                (
                    p.subject.clone().unwrap_or_default(),
                    p.message.clone(),
                    p.severity,
                )
            })
            .collect()
    }

    /// A failure's problems as `(subject, message)`.
    pub fn pairs(o: &Outcome) -> Vec<(String, String)> {
        problems(o).into_iter().map(|(s, m, _)| (s, m)).collect()
    }

    /// The subjects of a failure's problems.
    pub fn subjects(o: &Outcome) -> Vec<String> {
        problems(o).into_iter().map(|(s, _, _)| s).collect()
    }

    fn copy_into(b: RootBuilder, src: &Path, dst: &str) -> RootBuilder {
        let mut b = b;
        let mut stack = vec![(src.to_path_buf(), dst.to_string())];
        while let Some((s, d)) = stack.pop() {
            for e in std::fs::read_dir(&s).expect("fixture dir") {
                let e = e.expect("entry");
                let name = e.file_name().to_string_lossy().into_owned();
                if e.path().is_dir() {
                    stack.push((e.path(), format!("{d}/{name}")));
                } else {
                    b = b.file(
                        &format!("{d}/{name}"),
                        std::fs::read(e.path()).expect("read"),
                    );
                }
            }
        }
        b
    }

    /// A root whose `/proc/sys` is the fixture tree `name` (`proc-sys-captured`,
    /// `proc-sys-hardened`).
    pub fn proc_sys(name: &str) -> RootBuilder {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/kernel")
            .join(name);
        copy_into(RootBuilder::new(), &src, "/proc/sys")
    }

    /// A fixture file's text.
    pub fn text(rel: &str) -> String {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/kernel")
                .join(rel),
        )
        .expect("fixture")
    }
}
