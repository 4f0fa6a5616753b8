//! Every service unit shipped by a few dozen Debian packages, scored by nixsec and by the real
//! `systemd-analyze security --offline=true --root=DIR UNIT`: the printed exposure and every
//! per-check badness must agree.
//!
//! The packages are fetched with `apt-get download` and unpacked with `dpkg -x` into one root
//! (never installed) under `CARGO_TARGET_TMPDIR`, once: a mkdir lock makes concurrent test
//! processes wait for one download. Skipped (with a message) when not root, when
//! `systemd-analyze`, `apt-get` or `dpkg` is missing, or when no package can be downloaded.
//! `scripts/bench-units` reads `PACKAGES` from this file.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nixsec_core::Root;
use nixsec_systemd::{list_units, score_unit};

mod common;
use common::run_tool;

/// Packages whose service units are compared; missing ones are skipped with a message.
const PACKAGES: &[&str] = &[
    "openssh-server",
    "nginx-core",
    "nginx",
    "apache2",
    "postfix",
    "dovecot-core",
    "bind9",
    "chrony",
    "ntpsec",
    "cron",
    "rsyslog",
    "haveged",
    "avahi-daemon",
    "cups-daemon",
    "smartmontools",
    "lighttpd",
    "redis-server",
    "memcached",
    "postgresql-15",
    "mariadb-server",
    "fail2ban",
    "unbound",
    "knot",
    "tor",
    "nftables",
    "systemd-timesyncd",
    "udisks2",
    "upower",
    "polkitd",
    "accountsservice",
    "networkd-dispatcher",
    "systemd",
    "udev",
    "systemd-resolved",
    "systemd-container",
    "systemd-homed",
    "systemd-oomd",
    "systemd-userdbd",
    "dbus-daemon",
    "network-manager",
    "lvm2",
    "mdadm",
    "e2fsprogs",
    "util-linux",
    "man-db",
    "logrotate",
    "apt",
    "fwupd",
    "modemmanager",
    "wpasupplicant",
    "bluez",
    "qemu-guest-agent",
    "libvirt-daemon-system",
    "snmpd",
    "isc-dhcp-server",
    "nfs-kernel-server",
    "nfs-common",
    "rpcbind",
    "samba",
    "haproxy",
    "keepalived",
    "prometheus-node-exporter",
    "squid",
];

/// Units where nixsec and systemd 252 are known to disagree (see the comment on each).
const KNOWN_MISMATCHES: &[&str] = &[];

/// Fewer compared units than this fails the test.
const MIN_UNITS: usize = 20;

fn on_path(bin: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(bin))
        .find(|p| p.is_file())
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The `.deb` already fetched for `pkg` in `dir`, if any.
fn cached_deb(dir: &Path, pkg: &str) -> Option<PathBuf> {
    let prefix = format!("{pkg}_");
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".deb"))
        })
}

fn apt_download(dir: &Path, pkg: &str) -> bool {
    Command::new("apt-get")
        .current_dir(dir)
        .args(["download", "-q", pkg])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        && cached_deb(dir, pkg).is_some()
}

/// Download (or reuse) every package and unpack them into one root. Returns the root and the
/// packages it holds, or `None` when nothing could be downloaded.
fn build_root(base: &Path) -> Option<(PathBuf, Vec<String>)> {
    let debs = base.join("debs");
    let root = base.join("root");
    std::fs::create_dir_all(&debs).expect("mkdir debs");
    let mut missing: Vec<&str> = PACKAGES
        .iter()
        .copied()
        .filter(|p| cached_deb(&debs, p).is_none() && !apt_download(&debs, p))
        .collect();
    if !missing.is_empty() {
        // Stale or absent package lists: refresh once and retry.
        let _ = Command::new("apt-get")
            .args(["update", "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        missing.retain(|p| !apt_download(&debs, p));
    }
    for p in &missing {
        eprintln!("debian units: package {p} could not be downloaded; skipped");
    }
    let used: Vec<String> = PACKAGES
        .iter()
        .filter(|p| !missing.contains(p))
        .map(|p| (*p).to_string())
        .collect();
    if used.is_empty() {
        return None;
    }
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("mkdir root");
    for p in &used {
        let deb = cached_deb(&debs, p).expect("downloaded");
        let st = Command::new("dpkg")
            .arg("-x")
            .arg(&deb)
            .arg(&root)
            .status()
            .expect("run dpkg -x");
        assert!(st.success(), "dpkg -x {} failed", deb.display());
    }
    Some((root, used))
}

/// The shared root, built by one test process while the others wait on a mkdir lock.
fn debian_root() -> Option<(PathBuf, Vec<String>)> {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("debian-units-v1");
    let ready = base.join("ready");
    let lock = PathBuf::from(format!("{}.lock", base.display()));
    let deadline = Instant::now() + Duration::from_secs(900);
    while !ready.exists() {
        if std::fs::create_dir(&lock).is_ok() {
            let built = std::panic::catch_unwind(|| build_root(&base));
            let result = match built {
                Ok(Some((root, used))) => {
                    std::fs::write(&ready, used.join("\n")).expect("write ready");
                    Some((root, used))
                }
                Ok(None) => None,
                Err(e) => {
                    let _ = std::fs::remove_dir(&lock);
                    std::panic::resume_unwind(e);
                }
            };
            let _ = std::fs::remove_dir(&lock);
            return result;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {}",
            lock.display()
        );
        std::thread::sleep(Duration::from_millis(200));
        if !lock.exists() && !ready.exists() {
            // The builder gave up (no network): so do we.
            return None;
        }
    }
    let used = std::fs::read_to_string(&ready).expect("read ready");
    Some((
        base.join("root"),
        used.lines().map(str::to_string).collect(),
    ))
}

/// `Ok(true)` when both scored the unit and agree, `Ok(false)` when both reject it.
fn compare(bin: &Path, root_dir: &Path, root: &Root, unit: &str) -> Result<bool, String> {
    let ours = score_unit(root, unit);
    let theirs = run_tool(bin, root_dir, unit);
    match (ours, theirs) {
        (Err(_), None) => Ok(false),
        (Ok(s), None) => Err(format!(
            "{unit}: systemd-analyze rejects it, nixsec scores {}",
            s.exposure_str()
        )),
        (Err(e), Some((exp, _))) => Err(format!(
            "{unit}: systemd-analyze scores {exp}, nixsec fails: {e}"
        )),
        (Ok(s), Some((exp, checks))) => {
            let mut diffs = Vec::new();
            for (field, b) in checks {
                let got = s.checks.iter().find(|c| c.id == field).map(|c| c.badness);
                if got != Some(b) {
                    diffs.push(format!("  {field}: nixsec {got:?}, systemd {b:?}"));
                }
            }
            if s.exposure_str() == exp && diffs.is_empty() {
                Ok(true)
            } else {
                Err(format!(
                    "{unit}: exposure nixsec {} systemd {exp}\n{}",
                    s.exposure_str(),
                    diffs.join("\n")
                ))
            }
        }
    }
}

#[test]
fn debian_service_units_match_systemd_analyze() {
    if !is_root() {
        eprintln!("debian units: not root; skipped");
        return;
    }
    let Some(bin) = on_path("systemd-analyze") else {
        eprintln!("debian units: systemd-analyze not installed; skipped");
        return;
    };
    if on_path("apt-get").is_none() || on_path("dpkg").is_none() {
        eprintln!("debian units: apt-get or dpkg missing; skipped");
        return;
    }
    let Some((root_dir, used)) = debian_root() else {
        eprintln!("debian units: no package could be downloaded (no network?); skipped");
        return;
    };
    let root = Root::new(&root_dir).expect("root");
    let units = list_units(&root, "service");
    // The tool takes ~0.1 s a call: compare on every core.
    let workers = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    let chunk = units.len().div_ceil(workers).max(1);
    let results: Vec<(&String, Result<bool, String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = units
            .chunks(chunk)
            .map(|part| {
                let (bin, root_dir, root) = (&bin, &root_dir, &root);
                s.spawn(move || {
                    part.iter()
                        .map(|u| (u, compare(bin, root_dir, root, u)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("compare thread"))
            .collect()
    });
    let (mut compared, mut rejected, mut known) = (0usize, 0usize, 0usize);
    let mut errs = Vec::new();
    for (unit, result) in results {
        match result {
            Ok(true) => compared += 1,
            Ok(false) => rejected += 1,
            Err(e) if KNOWN_MISMATCHES.contains(&unit.as_str()) => {
                known += 1;
                eprintln!("known mismatch: {e}");
            }
            Err(e) => errs.push(e),
        }
    }
    eprintln!(
        "debian units: {} packages, {} service units: {compared} match, {rejected} rejected by both, \
         {known} known mismatches, {} mismatches",
        used.len(),
        units.len(),
        errs.len()
    );
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    assert!(
        compared >= MIN_UNITS,
        "only {compared} units compared (want {MIN_UNITS}+)"
    );
}
