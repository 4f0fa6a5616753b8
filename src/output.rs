//! Where a report goes: standard output, or `--output FILE` written atomically. The report is
//! written to a temporary file in the target's directory (`.NAME.PID.tmp`: node_exporter's
//! textfile collector reads only `*.prom`), flushed to disk and renamed over the target, so a
//! reader never sees half a report and a failed run leaves the previous one in place.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, IsTerminal, Stdout, Write};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use nixsec_report::Format;

/// An open report destination; [`Output::finish`] completes it.
pub struct Output {
    inner: Inner,
}

enum Inner {
    Stdout(BufWriter<Stdout>),
    File {
        w: BufWriter<File>,
        tmp: PathBuf,
        dest: PathBuf,
        done: bool,
    },
}

impl Output {
    /// Standard output, or a temporary file beside `path`.
    pub fn open(path: Option<&Path>) -> anyhow::Result<Output> {
        let Some(dest) = path else {
            return Ok(Output {
                inner: Inner::Stdout(BufWriter::with_capacity(64 * 1024, io::stdout())),
            });
        };
        let name = dest
            .file_name()
            .with_context(|| format!("`{}`: not a file name", dest.display()))?;
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        // Mode 0666 less the umask, as `File::create` would give the target itself.
        let create = || {
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o666)
                .open(&tmp)
        };
        // A temporary file with this process's id is left over from a run that was killed
        // (with the same id: a service in its own PID namespace often is): replace it.
        let file = match create() {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                std::fs::remove_file(&tmp).and_then(|()| create())
            }
            r => r,
        }
        .with_context(|| format!("`{}`: cannot write the report", dest.display()))?;
        Ok(Output {
            inner: Inner::File {
                w: BufWriter::with_capacity(64 * 1024, file),
                tmp,
                dest: dest.to_path_buf(),
                done: false,
            },
        })
    }

    /// True when this is standard output and it is a terminal.
    pub fn is_terminal(&self) -> bool {
        matches!(self.inner, Inner::Stdout(_)) && io::stdout().is_terminal()
    }

    /// Flush; for a file, sync it and rename it over the target.
    pub fn finish(mut self) -> anyhow::Result<()> {
        match &mut self.inner {
            Inner::Stdout(w) => w.flush()?,
            Inner::File { w, tmp, dest, done } => {
                let what = || format!("`{}`: cannot write the report", dest.display());
                w.flush().with_context(what)?;
                w.get_ref().sync_all().with_context(what)?;
                std::fs::rename(&*tmp, &*dest).with_context(what)?;
                *done = true;
            }
        }
        Ok(())
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Stdout(w) => w.write(buf),
            Inner::File { w, .. } => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.inner {
            Inner::Stdout(w) => w.write_all(buf),
            Inner::File { w, .. } => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Stdout(w) => w.flush(),
            Inner::File { w, .. } => w.flush(),
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Inner::File { tmp, done, .. } = &self.inner {
            if !*done {
                let _ = std::fs::remove_file(tmp);
            }
        }
    }
}

/// Refuse a `--format` that `command` does not write.
pub fn check_format(format: Format, command: &str, allowed: &[Format]) -> anyhow::Result<()> {
    if allowed.contains(&format) {
        return Ok(());
    }
    let names: Vec<&str> = allowed.iter().map(|f| f.as_str()).collect();
    bail!(
        "`nixsec {command}` has no `{format}` output (it writes {})",
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_file_replaces_the_target_and_an_unfinished_one_leaves_it() {
        let t = tempfile::tempdir().expect("tempdir");
        let dest = t.path().join("nixsec.prom");
        std::fs::write(&dest, "old\n").expect("write");
        let mut o = Output::open(Some(&dest)).expect("open");
        o.write_all(b"new\n").expect("write");
        // Before `finish`, readers still see the old file, and the temporary one is hidden
        // from the textfile collector (not `*.prom`).
        assert_eq!(std::fs::read_to_string(&dest).expect("read"), "old\n");
        let names: Vec<String> = std::fs::read_dir(t.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2);
        assert!(names
            .iter()
            .any(|n| n.starts_with(".nixsec.prom.") && n.ends_with(".tmp")));
        o.finish().expect("finish");
        assert_eq!(std::fs::read_to_string(&dest).expect("read"), "new\n");
        assert_eq!(std::fs::read_dir(t.path()).expect("ls").count(), 1);

        let mut o = Output::open(Some(&dest)).expect("open");
        o.write_all(b"half").expect("write");
        drop(o);
        assert_eq!(std::fs::read_to_string(&dest).expect("read"), "new\n");
        assert_eq!(std::fs::read_dir(t.path()).expect("ls").count(), 1);
    }

    #[test]
    fn a_temporary_file_left_by_a_killed_run_is_replaced() {
        let t = tempfile::tempdir().expect("tempdir");
        let dest = t.path().join("nixsec.prom");
        let stale = t
            .path()
            .join(format!(".nixsec.prom.{}.tmp", std::process::id()));
        std::fs::write(&stale, "half").expect("write");
        let mut o = Output::open(Some(&dest)).expect("open");
        o.write_all(b"new\n").expect("write");
        o.finish().expect("finish");
        assert_eq!(std::fs::read_to_string(&dest).expect("read"), "new\n");
        assert!(!stale.exists());
    }

    #[test]
    fn formats_are_checked_per_command() {
        assert!(check_format(Format::Html, "lint", &[Format::Text, Format::Html]).is_ok());
        let e = check_format(Format::Prometheus, "lint", &[Format::Text, Format::Html])
            .expect_err("refused")
            .to_string();
        assert_eq!(
            e,
            "`nixsec lint` has no `prometheus` output (it writes text, html)"
        );
    }
}
