//! Hostile input (issue 20): what an attacker who controls the audited tree, a binary cache or
//! a linted repository can plant must never make nixsec read outside it, hang, take unbounded
//! time or memory, or put control sequences on the terminal.
//!
//! - confinement: every file family is an absolute or `../` symlink (and every top directory an
//!   absolute symlink) to a marker tree outside the root; `strace -f -e trace=%file` over every
//!   subcommand that reads the root, and over `store verify --cache`, shows no path of the
//!   marker tree;
//! - no hang: every file family replaced by a FIFO, a character device, a 300 MB sparse file
//!   and a symlink loop; each command ends within 10 s, and the audit reports the key files as
//!   errors;
//! - resources: the pathological inputs the issue lists, each under 3 s and 500 MB of peak RSS;
//! - text: the text output of every subcommand over host data full of ESC, OSC, C1 controls and
//!   bidirectional overrides holds none of them raw.

use std::io::Read as _;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::nixsec;
use crate::tools::{am_root, require, require_root};

/// Every file family the readers open, as paths inside the root.
const FILES: &[&str] = &[
    "etc/nix/nix.conf",
    "etc/nix/machines",
    "etc/ssh/sshd_config",
    "etc/sudoers",
    "etc/doas.conf",
    "etc/passwd",
    "etc/group",
    "etc/shadow",
    "etc/login.defs",
    "etc/os-release",
    "etc/NIXOS",
    "etc/modprobe.d/risky.conf",
    "etc/docker/daemon.json",
    "etc/libvirt/qemu.conf",
    "etc/nixos-containers/c.conf",
    "etc/systemd/system/web.service",
    "etc/systemd/system/nix-daemon.service",
    "etc/nftables.conf",
    "proc/self/mountinfo",
    "proc/mounts",
    "proc/swaps",
    "proc/cmdline",
    "proc/modules",
    "proc/net/tcp",
    "proc/net/tcp6",
    "proc/net/udp",
    "proc/sys/kernel/kptr_restrict",
    "proc/sys/kernel/modules_disabled",
    "proc/sys/net/ipv4/ip_forward",
    "nix/var/nix/db/db.sqlite",
    "nix/var/nix/db/db.sqlite-wal",
    "nix/var/nix/db/schema",
    "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
    "boot/EFI/BOOT/BOOTX64.EFI",
    "boot/loader/loader.conf",
    "boot/loader/entries/nixos.conf",
    "var/lib/lxc/c/config",
    "var/lib/libvirt/qemu.conf",
    "var/lib/flatpak/repo/config",
    "var/lib/flatpak/app/org.x.App/current/active/metadata",
    "home/alice/.ssh/authorized_keys",
    "etc/nixos/configuration.nix",
    "nixsec.toml",
];

/// Top directories, each an absolute symlink to the marker tree in the third root.
const DIRS: &[&str] = &["etc", "nix", "proc", "sys", "boot", "var", "home", "run"];

/// The key files the audit must report as errors when they cannot be read.
const KEY_FILES: &[&str] = &[
    "/etc/nix/nix.conf",
    "/etc/ssh/sshd_config",
    "/etc/passwd",
    "/etc/shadow",
    "/etc/sudoers",
];

/// Marker text in every file of the marker tree.
const MARKER: &str = "nixsec-marker-outside";

/// What each family holds in the marker tree: valid content, so that a reader that reached it
/// would go on reading.
fn content(rel: &str) -> Vec<u8> {
    match rel {
        "etc/nix/nix.conf" => b"sandbox = false\ntrusted-users = root @wheel\n".to_vec(),
        "etc/ssh/sshd_config" => b"PermitRootLogin yes\n".to_vec(),
        "etc/passwd" => b"root:x:0:0::/root:/bin/sh\nmarker:x:0:0::/:/bin/sh\n".to_vec(),
        "etc/shadow" => b"root::1::::::\n".to_vec(),
        "etc/group" => b"root:x:0:\nwheel:x:1:marker\n".to_vec(),
        "etc/systemd/system/web.service" => b"[Service]\nExecStart=/bin/marker\n".to_vec(),
        "etc/nixos/configuration.nix" => {
            b"{ ... }: { networking.firewall.enable = false; }\n".to_vec()
        }
        _ => format!("{MARKER}\n").into_bytes(),
    }
}

fn write(path: &Path, bytes: &[u8]) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).expect("mkdir");
    }
    std::fs::write(path, bytes).expect("write");
}

/// The marker tree (outside every root) with a real Nix database and store path.
fn marker_tree(base: &Path) -> PathBuf {
    let out = base.join(MARKER);
    for rel in FILES {
        write(&out.join(rel), &content(rel));
    }
    let db = out.join("nix/var/nix/db/db.sqlite");
    std::fs::remove_file(&db).expect("rm");
    let conn = rusqlite_free_db(&db);
    assert!(conn, "sqlite3 makes the marker database");
    std::fs::create_dir_all(out.join("nix/store/00000000000000000000000000000000-marker"))
        .expect("mkdir");
    std::fs::create_dir_all(out.join("run/current-system")).expect("mkdir");
    out
}

/// A Nix-shaped database made by the `sqlite3` tool (false when it is missing).
fn rusqlite_free_db(file: &Path) -> bool {
    std::process::Command::new("sqlite3")
        .arg(file)
        .arg(
            "CREATE TABLE ValidPaths (id integer primary key autoincrement not null, path text unique not null, hash text not null, registrationTime integer not null, deriver text, narSize integer, ultimate integer, sigs text, ca text);
             CREATE TABLE Refs (referrer integer not null, reference integer not null, primary key (referrer, reference));
             INSERT INTO ValidPaths (path, hash, registrationTime, narSize, ultimate) VALUES ('/nix/store/00000000000000000000000000000000-marker', 'sha256:0000000000000000000000000000000000000000000000000000000000000000', 0, 8, 1);",
        )
        .status()
        .is_ok_and(|s| s.success())
}

/// A root whose every file family links to the marker tree: absolutely (`absolute`) or with
/// enough `..` to climb out of the root.
fn linked_files(base: &Path, name: &str, outside: &Path, absolute: bool) -> PathBuf {
    let root = base.join(name);
    for rel in FILES {
        let at = root.join(rel);
        std::fs::create_dir_all(at.parent().expect("parent")).expect("mkdir");
        let target = if absolute {
            outside.join(rel)
        } else {
            let depth = rel.matches('/').count() + 1;
            PathBuf::from(format!("{}{MARKER}/{rel}", "../".repeat(depth)))
        };
        symlink(target, at).expect("ln");
    }
    std::fs::create_dir_all(root.join("nix/store")).expect("mkdir");
    root
}

/// A root whose top directories are absolute links to the marker tree's.
fn linked_dirs(base: &Path, outside: &Path) -> PathBuf {
    let root = base.join("dirs");
    std::fs::create_dir_all(&root).expect("mkdir");
    for d in DIRS {
        symlink(outside.join(d), root.join(d)).expect("ln");
    }
    symlink(outside.join("nixsec.toml"), root.join("nixsec.toml")).expect("ln");
    root
}

/// A directory binary cache whose narinfo, NAR file and `nar/` link to the marker tree.
fn linked_cache(base: &Path, outside: &Path) -> PathBuf {
    let cache = base.join("cache");
    let hash = "06c5fhinx3mdanmvfmxzhhpdhyva7smj";
    let info = format!(
        "StorePath: /nix/store/{hash}-x\nURL: nar/x.nar\nCompression: none\nNarHash: sha256:1apj20c582ry0pdxkl9nc1ds4dn6jlx8bxh8p11y1m79myf5mnf6\nNarSize: 8\nReferences: \n"
    );
    write(
        &outside.join("cache/nix-cache-info"),
        b"StoreDir: /nix/store\n",
    );
    write(
        &outside.join(format!("cache/{hash}.narinfo")),
        info.as_bytes(),
    );
    write(&outside.join("cache/nar/x.nar"), MARKER.as_bytes());
    write(&cache.join("nix-cache-info"), b"StoreDir: /nix/store\n");
    symlink(
        outside.join(format!("cache/{hash}.narinfo")),
        cache.join(format!("{hash}.narinfo")),
    )
    .expect("ln");
    let other = "1ib8i4pq3y8ydnk0j6a2h0b6wsz9w6v2";
    write(
        &cache.join(format!("{other}.narinfo")),
        info.replace(hash, other)
            .replace("nar/x.nar", "nar/y.nar")
            .as_bytes(),
    );
    symlink(outside.join("cache/nar"), cache.join("nar")).expect("ln");
    cache
}

/// Paths a traced process opened (`open`, `openat`, `openat2`, `creat`, `execve`: the first
/// path argument of each call, whether it succeeded or not).
fn first_paths(log: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in log.lines() {
        let Some(open) = line.find('(') else { continue };
        let call = line[..open].rsplit(' ').next().unwrap_or("");
        if !matches!(call, "open" | "openat" | "openat2" | "creat" | "execve") {
            continue;
        }
        let args = &line[open + 1..];
        // `AT_FDCWD, "..."` or `3</dir>, "..."` or `"..."`: the first quoted string.
        let Some(q) = args.find('"') else { continue };
        let before = &args[..q];
        if before.contains(", ") && before.matches(", ").count() > 1 {
            continue;
        }
        let rest = &args[q + 1..];
        if let Some(end) = rest.find('"') {
            out.push(rest[..end].to_string());
        }
    }
    out
}

/// Run `nixsec ARGS` under strace and return the paths it reached for.
fn traced(dir: &Path, label: &str, args: &[&std::ffi::OsStr]) -> Vec<String> {
    let log = dir.join(format!("strace-{label}.log"));
    let bin = assert_cmd::cargo::cargo_bin("nixsec");
    let out = std::process::Command::new("strace")
        .arg("-f")
        .args(["-e", "trace=%file", "-s", "4096", "-o"])
        .arg(&log)
        .arg(&bin)
        .args(args)
        .env_remove("RUST_LOG")
        .env("NIXSEC_CACHE_DIR", dir.join("no-index"))
        .output()
        .expect("strace runs");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        !text.is_empty(),
        "{label}: strace wrote nothing: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    first_paths(&text)
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

#[test]
fn nothing_outside_the_root_or_cache_is_opened() {
    if !require(&["strace", "sqlite3"]) {
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    let outside = marker_tree(t.path());
    let roots = [
        linked_files(t.path(), "absolute", &outside, true),
        linked_files(t.path(), "relative", &outside, false),
        linked_dirs(t.path(), &outside),
    ];
    let cache = linked_cache(t.path(), &outside);
    let nvd = t.path().join("nvd.json");
    write(
        &nvd,
        br#"{"resultsPerPage":0,"startIndex":0,"totalResults":0,"format":"NVD_CVE","version":"2.0","timestamp":"2024-01-01T00:00:00.000","vulnerabilities":[]}"#,
    );
    let mut leaks = Vec::new();
    for root in &roots {
        let r = root.as_os_str();
        let name = root.file_name().and_then(|n| n.to_str()).unwrap_or("root");
        let runs: Vec<(String, Vec<&std::ffi::OsStr>)> = vec![
            (
                format!("audit-{name}"),
                vec![
                    os("audit"),
                    os("--root"),
                    r,
                    os("--store-contents"),
                    os("--format"),
                    os("json"),
                ],
            ),
            (format!("units-{name}"), vec![os("units"), os("--root"), r]),
            (
                format!("vulns-{name}"),
                vec![
                    os("vulns"),
                    os("--root"),
                    r,
                    os("--system"),
                    os("--nvd"),
                    nvd.as_os_str(),
                ],
            ),
            (
                format!("verify-{name}"),
                vec![
                    os("store"),
                    os("verify"),
                    os("--root"),
                    r,
                    os("--check-contents"),
                ],
            ),
            (
                format!("scan-{name}"),
                vec![os("store"), os("scan"), os("--store-root"), r, os("--all")],
            ),
            (format!("lint-{name}"), vec![os("lint"), r]),
        ];
        for (label, args) in runs {
            for p in traced(t.path(), &label, &args) {
                if Path::new(&p).starts_with(&outside) {
                    leaks.push(format!("{label}: {p}"));
                }
            }
        }
    }
    for p in traced(
        t.path(),
        "cache",
        &[
            os("store"),
            os("verify"),
            os("--cache"),
            cache.as_os_str(),
            os("--trusted-key"),
            os("k:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="),
        ],
    ) {
        if Path::new(&p).starts_with(&outside) {
            leaks.push(format!("cache: {p}"));
        }
    }
    leaks.sort();
    leaks.dedup();
    assert!(
        leaks.is_empty(),
        "opened outside the root:\n{}",
        leaks.join("\n")
    );
}

/// What replaces every file family in a no-hang root.
#[derive(Clone, Copy, Debug)]
enum Planted {
    Fifo,
    Device,
    Sparse,
    Loop,
}

fn plant(base: &Path, kind: Planted) -> PathBuf {
    let root = base.join(format!("{kind:?}"));
    for rel in FILES {
        let at = root.join(rel);
        std::fs::create_dir_all(at.parent().expect("parent")).expect("mkdir");
        match kind {
            Planted::Fifo => {
                let ok = std::process::Command::new("mkfifo")
                    .arg(&at)
                    .status()
                    .is_ok_and(|s| s.success());
                assert!(ok, "mkfifo");
            }
            Planted::Device => {
                // /dev/zero's numbers: endless bytes for a reader that does not check.
                let ok = std::process::Command::new("mknod")
                    .arg(&at)
                    .args(["c", "1", "5"])
                    .status()
                    .is_ok_and(|s| s.success());
                assert!(ok, "mknod");
            }
            Planted::Sparse => {
                let f = std::fs::File::create(&at).expect("create");
                f.set_len(300 * 1024 * 1024).expect("sparse");
            }
            Planted::Loop => {
                let name = at.file_name().expect("name").to_owned();
                symlink(&name, &at).expect("ln");
            }
        }
    }
    std::fs::create_dir_all(root.join("nix/store")).expect("mkdir");
    root
}

/// Run `nixsec ARGS`, killed after `limit`; the elapsed time and the output, or a failure.
fn bounded(args: &[&std::ffi::OsStr], limit: Duration) -> (Duration, std::process::Output) {
    let bin = assert_cmd::cargo::cargo_bin("nixsec");
    let start = Instant::now();
    let mut child = std::process::Command::new(bin)
        .args(args)
        .env_remove("RUST_LOG")
        .env(
            "NIXSEC_CACHE_DIR",
            std::env::temp_dir().join("nixsec-no-index"),
        )
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // The output is drained while the command runs (a full pipe would block it).
    let drain = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let stdout = drain(child.stdout.take().map(|r| Box::new(r) as _));
    let stderr = drain(child.stderr.take().map(|r| Box::new(r) as _));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`nixsec {args:?}` still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = std::process::Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    };
    (start.elapsed(), out)
}

#[test]
fn planted_fifos_devices_sparse_files_and_loops_never_hang() {
    let t = tempfile::tempdir().expect("tempdir");
    let mut kinds = vec![Planted::Fifo, Planted::Sparse, Planted::Loop];
    if require_root("mknod of a character device") {
        kinds.push(Planted::Device);
    }
    let limit = Duration::from_secs(10);
    for kind in kinds {
        let root = plant(t.path(), kind);
        let r = root.as_os_str();
        let (_, out) = bounded(
            &[
                os("audit"),
                os("--root"),
                r,
                os("--store-contents"),
                os("--format"),
                os("json"),
            ],
            limit,
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{kind:?}: not JSON ({e})"));
        let errors: String = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["status"] == "error")
            .map(ToString::to_string)
            .collect();
        for key in KEY_FILES {
            assert!(
                errors.contains(key),
                "{kind:?}: no error names `{key}`; errors: {errors}"
            );
        }
        // The store rules (database, schema, store) are errors too, never a pass or a skip.
        for rule in ["NIX-025", "NIX-026"] {
            assert_eq!(
                crate::finding(&report, rule)["status"],
                "error",
                "{kind:?}: {rule}"
            );
        }
        for args in [
            vec![os("units"), os("--root"), r],
            vec![
                os("store"),
                os("verify"),
                os("--root"),
                r,
                os("--check-contents"),
            ],
            vec![os("store"), os("scan"), os("--store-root"), r, os("--all")],
            vec![os("lint"), r],
        ] {
            let (_, out) = bounded(&args, limit);
            if matches!(args[0].to_str(), Some("store")) && args[1] == "verify" {
                // The database cannot be read: that is exit 2, never a pass.
                assert_eq!(out.status.code(), Some(2), "{kind:?}: {args:?}");
            }
        }
    }
}

/// Peak RSS (KiB) and wall time of `nixsec ARGS` under GNU time.
fn measured(args: &[&std::ffi::OsStr]) -> (f64, u64, std::process::Output) {
    let bin = assert_cmd::cargo::cargo_bin("nixsec");
    let out = std::process::Command::new("time")
        .args(["-f", "nixsec-resources %e %M"])
        .arg(bin)
        .args(args)
        .env_remove("RUST_LOG")
        .env(
            "NIXSEC_CACHE_DIR",
            std::env::temp_dir().join("nixsec-no-index"),
        )
        .output()
        .expect("time runs");
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .rev()
        .find(|l| l.starts_with("nixsec-resources "))
        .unwrap_or_else(|| panic!("no measurement: {err}"))
        .to_string();
    let mut w = line.split_whitespace().skip(1);
    let secs: f64 = w.next().and_then(|s| s.parse().ok()).expect("seconds");
    let kib: u64 = w.next().and_then(|s| s.parse().ok()).expect("KiB");
    (secs, kib, out)
}

#[test]
fn pathological_inputs_stay_under_3_s_and_500_mb() {
    if !require(&["time"]) {
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    let base = t.path();
    let mut cases: Vec<(&str, PathBuf, Vec<&str>)> = Vec::new();
    // 32,000 accounts (NIX-130 took 5.4 s) and every other accounts rule.
    let accounts = base.join("accounts");
    let (mut passwd, mut shadow, mut group) = (String::new(), String::new(), String::new());
    for i in 0..32_000 {
        passwd.push_str(&format!(
            "u{i}:x:{}:{}::/home/u{i}:/bin/sh\n",
            1000 + i,
            1000 + i
        ));
        shadow.push_str(&format!("u{i}:!:19000:0:99999:7:::\n"));
        group.push_str(&format!("g{i}:x:{}:u{i}\n", 1000 + i));
    }
    write(&accounts.join("etc/passwd"), passwd.as_bytes());
    write(&accounts.join("etc/shadow"), shadow.as_bytes());
    write(&accounts.join("etc/group"), group.as_bytes());
    cases.push(("32,000 accounts", accounts, vec!["--section", "accounts"]));
    // An LXC config of 80,000 lines of repeated keys.
    let lxc = base.join("lxc");
    let mut conf = String::new();
    for i in 0..40_000 {
        conf.push_str(&format!(
            "lxc.apparmor.profile = p{i}\nlxc.mount.entry = /x{i} x none bind 0 0\n"
        ));
    }
    write(&lxc.join("var/lib/lxc/c/config"), conf.as_bytes());
    cases.push(("LXC repeated keys", lxc, vec!["--rule", "NIX-064"]));
    // A NixOS container with 12,000 `--bind` flags (1.95 GB, then an abort).
    let binds = base.join("binds");
    let flags: Vec<String> = (0..12_000).map(|i| format!("--bind=/srv/d{i}")).collect();
    write(
        &binds.join("etc/nixos-containers/c.conf"),
        format!(
            "SYSTEM_PATH=/nix/store/x\nEXTRA_NSPAWN_FLAGS=\"{}\"\n",
            flags.join(" ")
        )
        .as_bytes(),
    );
    cases.push(("12,000 binds", binds, vec!["--section", "isolation"]));
    // A 300 MB PE on the ESP, with Secure Boot enforced so the boot rules read it.
    let esp = base.join("esp");
    std::fs::create_dir_all(esp.join("boot/EFI/BOOT")).expect("mkdir");
    let pe = std::fs::File::create(esp.join("boot/EFI/BOOT/BOOTX64.EFI")).expect("create");
    pe.set_len(300 * 1024 * 1024).expect("sparse");
    let vars = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/nixsec-boot/tests/fixtures/efivars/enabled-user-mode");
    let to = esp.join("sys/firmware/efi/efivars");
    std::fs::create_dir_all(&to).expect("mkdir");
    for e in std::fs::read_dir(&vars).expect("efivars fixture") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
    cases.push(("300 MB PE", esp, vec!["--section", "secure-boot"]));
    // sshd_config with an `Include` glob of many stars (exponential matching before).
    let sshd = base.join("sshd");
    write(
        &sshd.join("etc/ssh/sshd_config"),
        format!("Include /etc/ssh/d/{}b\n", "*a".repeat(40)).as_bytes(),
    );
    write(&sshd.join(format!("etc/ssh/d/{}", "a".repeat(200))), b"");
    cases.push(("sshd glob of 40 stars", sshd, vec!["--section", "firewall"]));
    let mut over = Vec::new();
    for (what, root, extra) in &cases {
        let mut args = vec![
            os("audit"),
            os("--root"),
            root.as_os_str(),
            os("--format"),
            os("json"),
        ];
        args.extend(extra.iter().map(|a| os(a)));
        let (secs, kib, out) = measured(&args);
        eprintln!("{what}: {secs:.2} s, {} MB", kib / 1024);
        assert!(
            out.status.code().is_some_and(|c| c <= 2),
            "{what}: {:?}",
            out.status
        );
        if secs > 3.0 || kib > 500 * 1024 {
            over.push(format!("{what}: {secs:.2} s, {} MB", kib / 1024));
        }
    }
    assert!(over.is_empty(), "over 3 s or 500 MB: {over:?}");
}

/// Bytes that must never reach a terminal raw: C0 controls but newline and tab, DEL, C1
/// controls (UTF-8 `C2 80`–`C2 9F`), bidirectional formatting characters.
fn raw_controls(out: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(out);
    let mut found = Vec::new();
    for (i, c) in text.char_indices() {
        let bad = (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if bad {
            let from = text[..i].char_indices().rev().nth(30).map_or(0, |(j, _)| j);
            found.push(format!("U+{:04X} after {:?}", u32::from(c), &text[from..i]));
        }
    }
    found
}

/// Injected into every host value of the text-output root.
const EVIL: &str = "\u{1b}]0;pwned\u{7}\u{1b}[31m\u{202e}\u{9b}2J\u{85}";

fn evil_root(base: &Path) -> PathBuf {
    let root = base.join("evil");
    let e = EVIL;
    write(
        &root.join("etc/nix/nix.conf"),
        format!("sandbox = false\ntrusted-users = root @wheel{e}\nsubstituters = http://cache{e}.example\nrequire-sigs = false\n").as_bytes(),
    );
    write(
        &root.join("etc/ssh/sshd_config"),
        format!("PermitRootLogin yes\nMatch User x{e}\n  PasswordAuthentication yes\n").as_bytes(),
    );
    write(
        &root.join("etc/passwd"),
        format!("root:x:0:0::/root:/bin/sh\nev{e}il:x:0:0::/home/e:/bin/sh\n").as_bytes(),
    );
    write(
        &root.join("etc/shadow"),
        format!("root::1::::::\nev{e}il::1::::::\n").as_bytes(),
    );
    write(
        &root.join("etc/group"),
        format!("root:x:0:\nwheel:x:1:ev{e}il\n").as_bytes(),
    );
    write(
        &root.join("etc/sudoers"),
        format!("%wheel ALL=(ALL) NOPASSWD: /bin/e{e}\n").as_bytes(),
    );
    write(
        &root.join(format!("etc/systemd/system/we{e}b.service")),
        format!("[Unit]\nDescription=evil {e}\n[Service]\nExecStart=/bin/e{e}\nUser=r{e}\n")
            .as_bytes(),
    );
    write(
        &root.join("etc/systemd/system/web.service"),
        format!("[Service]\nExecStart=/bin/e{e}\n").as_bytes(),
    );
    write(
        &root.join("etc/nixos/configuration.nix"),
        format!("{{ ... }}: {{ users.users.\"r{e}\".password = \"x{e}\"; networking.firewall.allowedTCPPorts = [ 22 ]; services.openssh.settings.PermitRootLogin = \"yes{e}\"; }}\n").as_bytes(),
    );
    write(
        &root.join("proc/sys/kernel/kptr_restrict"),
        format!("0{e}\n").as_bytes(),
    );
    write(
        &root.join(format!("etc/nixos-containers/c{e}.conf")),
        format!("SYSTEM_PATH=/nix/store/x\nEXTRA_NSPAWN_FLAGS=\"--bind=/etc{e}\"\n").as_bytes(),
    );
    std::fs::create_dir_all(root.join(format!(
        "nix/store/00000000000000000000000000000000-ev{e}il"
    )))
    .expect("mkdir");
    std::fs::create_dir_all(root.join("nix/var/nix/db")).expect("mkdir");
    let db = root.join("nix/var/nix/db/db.sqlite");
    let sql = format!(
        "CREATE TABLE ValidPaths (id integer primary key autoincrement not null, path text unique not null, hash text not null, registrationTime integer not null, deriver text, narSize integer, ultimate integer, sigs text, ca text);
         CREATE TABLE Refs (referrer integer not null, reference integer not null, primary key (referrer, reference));
         INSERT INTO ValidPaths (path, hash, registrationTime, narSize, ultimate, sigs, ca) VALUES ('/nix/store/11111111111111111111111111111111-ev{e}il', 'sha256:{e}', 0, 8, 0, 'k{e}:x', 'fixed:{e}');"
    );
    let ok = std::process::Command::new("sqlite3")
        .arg(&db)
        .arg(sql)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "sqlite3");
    root
}

/// A directory binary cache whose narinfo fields and NAR file name carry [`EVIL`].
fn evil_cache(base: &Path) -> PathBuf {
    let cache = base.join("evil-cache");
    let e = EVIL;
    write(&cache.join("nix-cache-info"), b"StoreDir: /nix/store\n");
    write(
        &cache.join("06c5fhinx3mdanmvfmxzhhpdhyva7smj.narinfo"),
        format!(
            "StorePath: /nix/store/06c5fhinx3mdanmvfmxzhhpdhyva7smj-ev{e}il\nURL: nar/x{e}.nar\nCompression: none\nNarHash: sha256:{e}\nNarSize: 8\nReferences: r{e}\nDeriver: d{e}.drv\nSig: k{e}:x\nCA: fixed:{e}\n"
        )
        .as_bytes(),
    );
    write(&cache.join(format!("nar/x{e}.nar")), b"not a nar");
    cache
}

/// A directory of ELF inspection targets with [`EVIL`] in their names: a copy of a real
/// program and a file that is not ELF.
fn evil_elf_dir(base: &Path) -> PathBuf {
    let dir = base.join("evil-elf");
    write(&dir.join(format!("not{EVIL}elf")), b"#!/bin/sh\n");
    if let Ok(bytes) = std::fs::read("/bin/true") {
        write(&dir.join(format!("tr{EVIL}ue")), &bytes);
    }
    dir
}

#[test]
fn text_output_of_every_subcommand_holds_no_raw_control_characters() {
    if !require(&["sqlite3"]) {
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    let root = evil_root(t.path());
    let r = root.as_os_str();
    let cfg = t.path().join(format!("c{EVIL}.toml"));
    write(&cfg, b"");
    let unit = format!("we{EVIL}b.service");
    let cache = evil_cache(t.path());
    let elf = evil_elf_dir(t.path());
    let runs: Vec<Vec<&std::ffi::OsStr>> = vec![
        vec![os("store"), os("verify"), os("--cache"), cache.as_os_str()],
        vec![os("elf"), elf.as_os_str()],
        vec![os("audit"), os("--root"), r],
        vec![
            os("audit"),
            os("--root"),
            r,
            os("--store-contents"),
            os("-vv"),
        ],
        vec![
            os("audit"),
            os("--root"),
            r,
            os("--config"),
            cfg.as_os_str(),
        ],
        vec![os("units"), os("--root"), r],
        vec![os("units"), os("--root"), r, os("--explain"), os(&unit)],
        vec![os("units"), os("--root"), r, os(&unit)],
        vec![
            os("store"),
            os("verify"),
            os("--root"),
            r,
            os("--check-contents"),
        ],
        vec![os("store"), os("scan"), os("--store-root"), r, os("--all")],
        vec![os("lint"), root.join("etc/nixos").into_os_string().leak()],
        vec![os("rules")],
        vec![os("explain"), os("NIX-014")],
        vec![os("explain"), os(&unit)],
    ];
    let mut found = Vec::new();
    for args in &runs {
        let mut cmd = nixsec();
        cmd.args(args);
        let out = cmd.output().expect("run");
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            for f in raw_controls(bytes) {
                found.push(format!("{args:?} {stream}: {f}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "raw control characters:\n{}",
        found.join("\n")
    );
}

/// `nixsec vulns` prints whitelist keys and comments and NVD descriptions: escaped.
#[test]
fn vulns_text_output_holds_no_raw_control_characters() {
    let t = tempfile::tempdir().expect("tempdir");
    // TOML and JSON carry the control characters as `\u` escapes, as a hostile file would.
    let u = |s: &str| -> String { s.chars().map(|c| format!("\\u{:04X}", c as u32)).collect() };
    let wl = t.path().join("whitelist.toml");
    write(
        &wl,
        format!(
            "[\"ev{e}il\"]\ncve = [\"CVE-2024-0001\"]\ncomment = \"c{e}\"\n",
            e = u(EVIL)
        )
        .as_bytes(),
    );
    let nvd = t.path().join("nvd.json");
    write(
        &nvd,
        format!(
            r#"{{"resultsPerPage":1,"startIndex":0,"totalResults":1,"format":"NVD_CVE","version":"2.0","timestamp":"2024-01-01T00:00:00.000","vulnerabilities":[{{"cve":{{"id":"CVE-2024-0001","descriptions":[{{"lang":"en","value":"d{e}"}}]}}}}]}}"#,
            e = u(EVIL)
        )
        .as_bytes(),
    );
    let out = nixsec()
        .args(["vulns", "--nvd"])
        .arg(&nvd)
        .arg("--whitelist")
        .arg(&wl)
        .arg("/nix/store/00000000000000000000000000000000-x")
        .output()
        .expect("run");
    let found: Vec<String> = raw_controls(&out.stdout)
        .into_iter()
        .chain(raw_controls(&out.stderr))
        .collect();
    assert!(found.is_empty(), "raw control characters: {found:?}");
    // The hostile text did reach the output (escaped), or the test proves nothing.
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        all.contains("ev\\u{1b}") || all.contains("ev\\x1b"),
        "{all}"
    );
}

#[test]
fn json_and_sarif_escape_bidi_and_c1_controls() {
    if !require(&["sqlite3"]) {
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    let root = evil_root(t.path());
    let cache = evil_cache(t.path());
    let elf = evil_elf_dir(t.path());
    let r = root.as_os_str();
    let nixos = root.join("etc/nixos");
    // Every machine-readable output over the same data: raw control bytes in none.
    let runs: Vec<Vec<&std::ffi::OsStr>> = vec![
        vec![os("units"), os("--root"), r],
        vec![os("store"), os("verify"), os("--root"), r],
        vec![os("store"), os("verify"), os("--cache"), cache.as_os_str()],
        vec![os("store"), os("scan"), os("--store-root"), r, os("--all")],
        vec![os("elf"), elf.as_os_str()],
        vec![os("lint"), nixos.as_os_str()],
    ];
    let mut found = Vec::new();
    for args in &runs {
        for format in ["json", "sarif"] {
            let out = nixsec()
                .args(args)
                .args(["--format", format])
                .output()
                .expect("run");
            if format == "sarif" && out.stdout.is_empty() {
                continue; // not every subcommand has SARIF
            }
            for f in raw_controls(&out.stdout) {
                found.push(format!("{args:?} {format}: {f}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "raw control characters:\n{}",
        found.join("\n")
    );
    for format in ["json", "sarif"] {
        let out = nixsec()
            .args(["audit", "--format", format, "--root"])
            .arg(&root)
            .output()
            .expect("run");
        let found = raw_controls(&out.stdout);
        assert!(found.is_empty(), "{format}: {found:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("\\u202e"),
            "{format}: the override is kept, escaped"
        );
        assert!(
            text.contains("\\u009b"),
            "{format}: the C1 control is kept, escaped"
        );
    }
    let _ = am_root();
}
