//! The sshd_config reader against the reference: OpenSSH's own `sshd -T` (effective
//! configuration, `-C` for a connection that matches a `Match` block).
//!
//! Needs an `sshd` binary: `NIXSEC_SSHD`, else `sshd` on `PATH` (Debian package
//! `openssh-server`; `scripts/test` unpacks it under `target/` and sets `NIXSEC_SSHD`). `sshd -T`
//! refuses to run without its privilege-separation user and `/run/sshd`; as root, sshd runs in a
//! private mount namespace (`unshare -m`) with a copy of `/etc/passwd` that has the user and a
//! `/run` from the tempdir, so nothing on the machine changes. Without sshd, or where `sshd -T`
//! cannot run, the test skips with a message, and fails when `CI` is set.
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use nixsec_core::Root;
use nixsec_readers::sshd::{parse, SshdConfig, Value};

const KEYS: &[&str] = &[
    "PermitRootLogin",
    "PasswordAuthentication",
    "KbdInteractiveAuthentication",
    "UsePAM",
    "X11Forwarding",
    "AllowTcpForwarding",
    "AllowAgentForwarding",
    "PermitTunnel",
    "PermitUserEnvironment",
    "MaxAuthTries",
    "LogLevel",
    "AuthorizedKeysFile",
];

struct Sshd {
    bin: PathBuf,
    dir: tempfile::TempDir,
    wrap: bool,
}

impl Sshd {
    /// The sshd to compare with and a host key for it; `None` after [`skip`].
    fn find() -> Option<Sshd> {
        let bin = match std::env::var_os("NIXSEC_SSHD") {
            Some(b) => PathBuf::from(b),
            None => {
                let Some(b) = find("sshd") else {
                    skip("no sshd: `NIXSEC_SSHD` is unset and `sshd` is not on PATH");
                    return None;
                };
                b
            }
        };
        if !bin.is_file() {
            skip(&format!("NIXSEC_SSHD={}: no such file", bin.display()));
            return None;
        }
        // As root, always run in a private mount namespace: a passwd with the sshd user and an
        // empty /run holding /run/sshd, both in the tempdir.
        let wrap = std::fs::metadata("/proc/self")
            .is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0);
        if !require(if wrap {
            &["ssh-keygen", "unshare"]
        } else {
            &["ssh-keygen"]
        }) {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("hostkey");
        let out = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&key)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ssh-keygen: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        if wrap {
            let extra = if passwd.lines().any(|l| l.starts_with("sshd:")) {
                ""
            } else {
                "sshd:x:999:65534::/run/sshd:/usr/sbin/nologin\n"
            };
            std::fs::write(dir.path().join("passwd"), format!("{passwd}{extra}")).unwrap();
            std::fs::create_dir_all(dir.path().join("run/sshd")).unwrap();
        }
        Some(Sshd { bin, dir, wrap })
    }

    fn run(&self, config: &Path, conn: Option<&str>) -> std::process::Output {
        let key = self.dir.path().join("hostkey");
        let mut args: Vec<String> = vec![
            "-T".into(),
            "-f".into(),
            config.display().to_string(),
            "-h".into(),
            key.display().to_string(),
        ];
        if let Some(c) = conn {
            args.push("-C".into());
            args.push(c.into());
        }
        if self.wrap {
            let d = self.dir.path().display();
            let script = format!("mount --bind {d}/passwd /etc/passwd && mount --bind {d}/run /run && exec \"$0\" \"$@\"");
            Command::new("unshare")
                .args(["-m", "sh", "-c", &script])
                .arg(&self.bin)
                .args(&args)
                .output()
                .unwrap()
        } else {
            Command::new(&self.bin).args(&args).output().unwrap()
        }
    }

    /// Can `sshd -T` run here at all (namespace, or the real privsep user and `/run/sshd`)?
    /// Falls back from the namespace to a direct run; the error when neither works.
    fn probe(&mut self) -> Result<(), String> {
        let empty = self.dir.path().join("probe_config");
        std::fs::write(&empty, "").unwrap();
        if self.run(&empty, None).status.success() {
            return Ok(());
        }
        self.wrap = false;
        let out = self.run(&empty, None);
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }

    /// `sshd -T` (with `-C spec` when given): keyword (lower-case) → value line.
    fn effective(
        &self,
        config: &Path,
        conn: Option<&str>,
    ) -> std::collections::BTreeMap<String, String> {
        let out = self.run(config, conn);
        assert!(
            out.status.success(),
            "sshd -T failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                l.split_once(' ')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect()
    }
}

fn norm(v: &str) -> String {
    let v = v.to_ascii_lowercase();
    if v == "prohibit-password" {
        "without-password".into()
    } else {
        v
    }
}

fn ours(c: &SshdConfig, key: &str, conn_block: Option<&str>) -> String {
    if let Some(criteria) = conn_block {
        if let Some((_, d)) = c
            .overrides(key)
            .into_iter()
            .find(|(b, _)| b.criteria == criteria)
        {
            return norm(&d.args.join(" "));
        }
    }
    match c.effective(key).expect("a known keyword") {
        Value::Set(d) => norm(&d.args.join(" ")),
        Value::Default(v) => norm(v),
    }
}

fn check(sshd: &Sshd, name: &str, files: &[(&str, &str)], conn: Option<(&str, &str)>) {
    let base = sshd.dir.path().join(name);
    for (rel, text) in files {
        let p = base.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text.replace("@BASE@", &base.display().to_string())).unwrap();
    }
    let main = base.join("sshd_config");
    let text = std::fs::read_to_string(&main).unwrap();
    let c = parse(&Root::host(), &main.display().to_string(), &text).unwrap();
    let theirs = sshd.effective(&main, conn.map(|(spec, _)| spec));
    for k in KEYS {
        let t = theirs
            .get(&k.to_ascii_lowercase())
            .unwrap_or_else(|| panic!("{name}: sshd -T prints no {k}"));
        assert_eq!(ours(&c, k, conn.map(|(_, b)| b)), norm(t), "{name}: {k}");
    }
}

#[test]
fn effective_values_match_sshd_t() {
    let Some(mut sshd) = Sshd::find() else {
        return;
    };
    if let Err(e) = sshd.probe() {
        // The binary exists but cannot run `-T` here (no privsep user or /run/sshd, and no
        // mount namespace): say so rather than pass.
        skip(&format!("`sshd -T` cannot run in this environment: {e}"));
        return;
    }
    // Compiled-in defaults for every keyword.
    check(&sshd, "empty", &[("sshd_config", "")], None);
    // First value wins, keywords in any case, `=` forms, comments.
    check(
        &sshd,
        "first",
        &[("sshd_config", "permitrootlogin=no\nPermitRootLogin yes\nMAXAUTHTRIES = 3 # comment\nMaxAuthTries 9\nLogLevel verbose\nAllowTcpForwarding local\nPermitTunnel point-to-point\nAuthorizedKeysFile \"/etc/ssh/keys/%u\" .ssh/k\n")],
        None,
    );
    // Include globs, sorted, expanded in place (before later lines); a Match in an included file
    // ends with that file.
    check(
        &sshd,
        "include",
        &[
            ("sshd_config", "Include @BASE@/conf.d/*.conf\nPasswordAuthentication yes\nX11Forwarding no\nUsePAM yes\n"),
            ("conf.d/20-b.conf", "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"),
            ("conf.d/10-a.conf", "X11Forwarding yes\nMatch User nobody\n  AllowAgentForwarding no\n"),
            ("conf.d/skip.txt", "PermitRootLogin yes\n"),
        ],
        None,
    );
    // A Match block, for a default connection and for one it matches.
    let matched = "PermitRootLogin no\nPasswordAuthentication no\nMatch Address 10.0.0.0/8\n  PermitRootLogin yes\n  PermitRootLogin no\n  PasswordAuthentication yes\n  X11Forwarding yes\n";
    let outside = "user=alice,host=h.example,addr=192.0.2.1,laddr=192.0.2.2,lport=22";
    let inside = "user=alice,host=h.example,addr=10.1.2.3,laddr=192.0.2.2,lport=22";
    check(
        &sshd,
        "match-outside",
        &[("sshd_config", matched)],
        Some((outside, "-")),
    );
    check(
        &sshd,
        "match-inside",
        &[("sshd_config", matched)],
        Some((inside, "Address 10.0.0.0/8")),
    );
}

/// The first executable `tool` on `PATH`, as a shell finds it.
fn find(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(tool))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// True when every one of `tools` is on `PATH`; otherwise [`skip`] naming the missing ones.
fn require(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| find(t).is_none())
        .collect();
    if !missing.is_empty() {
        skip(&format!("not on PATH: {}", missing.join(", ")));
    }
    missing.is_empty()
}

/// The test cannot run here (`reason`): a one-line message, or a failure when `CI` is set
/// (`scripts/test` provides sshd and every tool the suite uses, and CI runs it as root).
fn skip(reason: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{reason}: CI is set, so this fails instead of skipping (scripts/test provides it)"
    );
    eprintln!("skipped: {reason}");
}
