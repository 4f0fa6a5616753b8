//! System-wide environment files: where a variable such as `LD_LIBRARY_PATH`, `LD_PRELOAD` or
//! `PATH` is set for every login.
//!
//! * `/etc/set-environment` (NixOS: `environment.variables`, `extraInit`, sourced by every shell)
//!   and `/etc/profile`: shell syntax, `export NAME=value` / `NAME=value`.
//! * `/etc/pam/environment` (NixOS: `environment.sessionVariables`, read by pam_env) and
//!   `/etc/environment`: pam_env syntax `NAME DEFAULT=value OVERRIDE=value`, or `NAME=value`.
//!
//! Only literal assignments are read; a value computed by the shell is kept as written.

use nixsec_core::{Evidence, Root, RootError};

/// The files read, in this order.
pub const FILES: &[&str] = &[
    "/etc/set-environment",
    "/etc/pam/environment",
    "/etc/environment",
    "/etc/profile",
];

/// One assignment of a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// File.
    pub file: &'static str,
    /// 1-based line.
    pub line: u32,
    /// Value with one level of quotes removed.
    pub value: String,
    /// The line as written.
    pub text: String,
}

impl Assignment {
    /// Evidence for this line.
    #[must_use]
    pub fn evidence(&self) -> Evidence {
        Evidence::line(self.file, self.line, self.text.trim())
    }
}

/// What the environment files say.
#[derive(Debug, Default)]
pub struct EnvFiles {
    /// The text of each file that exists.
    pub texts: Vec<(&'static str, String)>,
    /// Files that exist but could not be read.
    pub errors: Vec<RootError>,
}

fn unquote(v: &str) -> String {
    let v = v.trim().trim_end_matches(';');
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    v.to_string()
}

impl EnvFiles {
    /// Read [`FILES`] under the root: those that do not exist are left out, those that
    /// exist but cannot be read are in [`EnvFiles::errors`].
    #[must_use]
    pub fn read(root: &Root) -> EnvFiles {
        let mut e = EnvFiles::default();
        for f in FILES {
            match root.read_to_string(f) {
                Ok((_, t)) => e.texts.push((f, t)),
                Err(err) if err.is_not_found() => {}
                Err(err) => e.errors.push(err),
            }
        }
        e
    }

    /// The assignments of `name`, grouped by file (in [`FILES`] order).
    #[must_use]
    pub fn assignments_by_file(&self, name: &str) -> Vec<(&'static str, Vec<Assignment>)> {
        let mut out: Vec<(&'static str, Vec<Assignment>)> = Vec::new();
        for a in self.assignments(name) {
            match out.iter_mut().find(|(f, _)| *f == a.file) {
                Some((_, v)) => v.push(a),
                None => out.push((a.file, vec![a])),
            }
        }
        out
    }

    /// Every assignment of `name`.
    #[must_use]
    pub fn assignments(&self, name: &str) -> Vec<Assignment> {
        let mut out = Vec::new();
        for (file, text) in &self.texts {
            let pam = file.ends_with("/environment");
            for (i, raw) in text.lines().enumerate() {
                let l = raw.trim();
                if l.starts_with('#') {
                    continue;
                }
                let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
                // Shell: `export A=1 B=2`, `A=1`, `export A="x"`.
                let body = l.strip_prefix("export ").unwrap_or(l).trim_start();
                if let Some(v) = body.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
                    out.push(Assignment {
                        file,
                        line,
                        value: unquote(v),
                        text: raw.to_string(),
                    });
                    continue;
                }
                // pam_env: `NAME DEFAULT=x OVERRIDE=y`.
                if pam {
                    let mut w = l.split_whitespace();
                    if w.next() == Some(name) {
                        let rest: Vec<&str> = w.collect();
                        let v = rest
                            .iter()
                            .rev()
                            .find_map(|x| x.strip_prefix("OVERRIDE="))
                            .or_else(|| rest.iter().find_map(|x| x.strip_prefix("DEFAULT=")));
                        if let Some(v) = v {
                            out.push(Assignment {
                                file,
                                line,
                                value: unquote(v),
                                text: raw.to_string(),
                            });
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nixsec_testutil::RootBuilder;

    #[test]
    fn shell_and_pam_env_syntax() {
        let b = RootBuilder::new()
            .file("/etc/set-environment", "# generated\nexport LD_LIBRARY_PATH=\"/opt/lib\"\nexport PATH=\"/run/wrappers/bin:$HOME/.nix-profile/bin\"\n")
            .file("/etc/pam/environment", "LD_PRELOAD DEFAULT=/a.so OVERRIDE=\"/b.so\"\nXDG_DATA_DIRS DEFAULT=x\n");
        let e = EnvFiles::read(&b.root());
        let l = e.assignments("LD_LIBRARY_PATH");
        assert_eq!(
            (l[0].file, l[0].line, l[0].value.as_str()),
            ("/etc/set-environment", 2, "/opt/lib")
        );
        assert_eq!(e.assignments("LD_PRELOAD")[0].value, "/b.so");
        assert!(e.assignments("LD_LIBRARY").is_empty());
    }
}
