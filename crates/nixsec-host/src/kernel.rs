//! What the kernel rules share: the skip without a live `/proc/sys`, integer sysctl checks
//! and the verdict over a list of them. The values are read by [`nixsec_readers::kernel`].
//!
//! A sysctl file that does not exist means the kernel lacks the feature (no Yama, no module
//! support, …): each check says what that means, usually the kernel's built-in behaviour, and
//! never turns "absent" into "unknown" silently.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Problem, Severity};
use nixsec_readers::kernel::{have_proc_sys, read_int, read_sysctl, sysctl_path, Param};

/// Why the kernel rules skip under a root without a live `/proc/sys`.
pub const NO_PROC: &str =
    "no `/proc/sys` under this root: kernel settings can only be read on the running system";

/// True when sysctl values can be read: the running system's `/proc/sys`, or a built system's
/// `etc/sysctl.d` and the kernel's defaults.
#[must_use]
pub fn have_sysctl(cx: &HostCx) -> bool {
    cx.built_system().is_some() || have_proc_sys(cx.root())
}

/// The raw value of a sysctl and its evidence: `/proc/sys` on a running system; on a built
/// one, the last `etc/sysctl.d` line that sets it, else the kernel's default, said as such.
/// `Ok(None)`: absent (the kernel lacks it, or a built system sets it and no default is known).
///
/// # Errors
/// The value cannot be read.
pub fn sysctl(cx: &HostCx, key: &str) -> Result<Option<(String, Evidence)>, String> {
    let Some(system) = cx.built_system() else {
        let path = sysctl_path(key);
        return read_sysctl(cx.root(), key)
            .map(|v| v.map(|v| (v.clone(), Evidence::value(path, v))))
            .map_err(|e| e.to_string());
    };
    let conf = system.sysctl.as_ref().map_err(Clone::clone)?;
    Ok(match conf.get(key) {
        nixsec_system::sysctl::Value::Set(s) => {
            let ev = Evidence::line(&s.file, s.line, format!("{} = {}", s.key, s.value));
            Some((s.value, ev))
        }
        nixsec_system::sysctl::Value::Default { value, note } => {
            let ev = Evidence::value(
                sysctl_path(key),
                format!("not set by the system: kernel default {value} ({note})"),
            );
            Some((value, ev))
        }
        nixsec_system::sysctl::Value::Unknown => None,
    })
}

/// An integer sysctl, as [`sysctl`].
///
/// # Errors
/// Unreadable, or not one integer.
pub fn sysctl_int(cx: &HostCx, key: &str) -> Result<Option<(i64, Evidence)>, String> {
    if cx.built_system().is_none() {
        let path = sysctl_path(key);
        return read_int(cx.root(), key)
            .map(|v| v.map(|x| (x, Evidence::value(path, x.to_string()))))
            .map_err(|e| e.to_string());
    }
    match sysctl(cx, key)? {
        None => Ok(None),
        Some((v, ev)) => v
            .trim()
            .parse::<i64>()
            .map(|x| Some((x, ev.clone())))
            .map_err(|_| {
                format!(
                    "`{}`: not an integer: `{}`",
                    ev.path,
                    nixsec_core::escape(v.trim())
                )
            }),
    }
}

/// The kernel command line and where it is seen: `/proc/cmdline` on a running system; on a
/// built one `init=<toplevel>/init` and `kernel-params`, as the boot loader entry passes them.
/// `Ok(None)` when there is none (a mounted root without `/proc`, a container system).
///
/// # Errors
/// Unreadable (a `kernel-params` too large to be one).
pub fn cmdline(cx: &HostCx) -> Result<Option<(String, Vec<Param>)>, String> {
    match cx.built_system() {
        Some(system) => Ok(system.cmdline()?.map(|items| {
            (
                system.kernel_params_path(),
                nixsec_readers::kernel::parse_cmdline(&items.join(" ")),
            )
        })),
        None => nixsec_readers::kernel::cmdline(cx.root())
            .map(|c| c.map(|items| ("/proc/cmdline".to_string(), items)))
            .map_err(|e| e.to_string()),
    }
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
        let (value, seen) = match sysctl_int(cx, c.key) {
            Ok(Some((x, ev))) => (x, ev),
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
    if !have_sysctl(cx) {
        return Outcome::skip(NO_PROC);
    }
    Verdict::run(cx, checks).outcome(pass)
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
