//! Effective permissions against the real `flatpak info --show-permissions` on installations
//! this test makes itself with real flatpak (offline: a stand-in runtime in a local `file://`
//! repository, as `tests/fixtures/isolation/flatpak/README.md` describes), covering what the
//! committed fixtures do not: `!host:reset`, wildcard bus names removed with `none`,
//! `--unset-env`, `:create`, global overrides at both levels, a per-user app, and remotes
//! written by `flatpak remote-add`. Skipped with a message when `flatpak` is not on `PATH`, and
//! failed instead when `CI` is set (`scripts/test` installs it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use nixsec_core::Root;
use nixsec_isolation::flatpak::{self, Permissions};

struct Env {
    root: PathBuf,
}

impl Env {
    fn flatpak(&self, args: &[&str]) -> String {
        let home = self.root.join("home/u");
        let out = Command::new("flatpak")
            .args(args)
            .current_dir(&self.root)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("FLATPAK_SYSTEM_DIR", self.root.join("var/lib/flatpak"))
            .env("FLATPAK_CONFIG_DIR", self.root.join("etc/flatpak"))
            .output()
            .expect("run flatpak");
        assert!(
            out.status.success(),
            "flatpak {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// `build-init` + `build-finish ARGS` + `build-export`, then install.
    fn app(&self, id: &str, installation: &str, finish: &[&str]) {
        let b = self.root.join(format!("build/{id}"));
        let bs = b.to_str().unwrap();
        let repo = self.root.join("repo");
        self.flatpak(&[
            "build-init",
            bs,
            id,
            "org.nixsec.Platform",
            "org.nixsec.Platform",
            "1",
        ]);
        std::fs::create_dir_all(b.join("files/bin")).unwrap();
        std::fs::write(b.join("files/bin/run"), "#!/bin/sh\n").unwrap();
        let mut args = vec!["build-finish", bs, "--command=run"];
        args.extend_from_slice(finish);
        self.flatpak(&args);
        self.flatpak(&["build-export", repo.to_str().unwrap(), bs, "stable"]);
        self.flatpak(&[
            installation,
            "install",
            "-y",
            "--noninteractive",
            "localrepo",
            id,
        ]);
    }
}

fn setup() -> Option<Env> {
    if !require(&["flatpak"]) {
        return None;
    }
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(base).unwrap();
    let dir = tempfile::tempdir_in(base).unwrap().keep();
    let e = Env { root: dir };
    for d in [
        "home/u",
        "etc/flatpak",
        "rt/files",
        "rt/usr",
        "var/lib/flatpak",
    ] {
        std::fs::create_dir_all(e.root.join(d)).unwrap();
    }
    std::fs::write(
        e.root.join("etc/passwd"),
        "root:x:0:0::/root:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n",
    )
    .unwrap();
    std::fs::write(
        e.root.join("rt/metadata"),
        "[Runtime]\nname=org.nixsec.Platform\nruntime=org.nixsec.Platform/x86_64/1\nsdk=org.nixsec.Platform/x86_64/1\n",
    )
    .unwrap();
    let repo = e.root.join("repo");
    let url = format!("file://{}", repo.display());
    e.flatpak(&[
        "build-export",
        "--runtime",
        repo.to_str().unwrap(),
        e.root.join("rt").to_str().unwrap(),
        "1",
    ]);
    for inst in ["--system", "--user"] {
        e.flatpak(&[inst, "remote-add", "--no-gpg-verify", "localrepo", &url]);
        e.flatpak(&[
            inst,
            "install",
            "-y",
            "--noninteractive",
            "localrepo",
            "org.nixsec.Platform",
        ]);
    }
    e.app(
        "org.test.Reset",
        "--system",
        &[
            "--filesystem=home",
            "--filesystem=/srv/data:ro",
            "--socket=x11",
            "--socket=wayland",
            "--socket=fallback-x11",
            "--talk-name=org.freedesktop.*",
            "--env=FOO=bar",
            "--device=all",
            "--allow=devel",
            "--share=network",
            "--persist=.mozilla",
        ],
    );
    e.flatpak(&[
        "override",
        "--system",
        "org.test.Reset",
        "--nofilesystem=host:reset",
        "--filesystem=xdg-documents",
        "--nodevice=all",
        "--device=dri",
        "--no-talk-name=org.freedesktop.*",
        "--unset-env=FOO",
    ]);
    e.flatpak(&[
        "override",
        "--user",
        "org.test.Reset",
        "--filesystem=~/src:create",
        "--nosocket=fallback-x11",
        "--talk-name=org.freedesktop.Flatpak",
        "--persist=.cache/x",
    ]);
    e.app(
        "org.test.Host",
        "--system",
        &[
            "--filesystem=host",
            "--socket=session-bus",
            "--system-talk-name=org.freedesktop.systemd1",
            "--share=ipc",
        ],
    );
    e.flatpak(&[
        "override",
        "--system",
        "--nosocket=x11",
        "--filesystem=xdg-music:ro",
        "--env=G=1",
    ]);
    e.flatpak(&[
        "override",
        "--user",
        "--nofilesystem=host",
        "--filesystem=host-etc",
        "--system-no-talk-name=org.freedesktop.systemd1",
    ]);
    e.app(
        "org.test.User",
        "--user",
        &[
            "--filesystem=xdg-config/autostart",
            "--socket=ssh-auth",
            "--own-name=org.test.User",
            "--socket=x11",
        ],
    );
    e.flatpak(&[
        "override",
        "--user",
        "org.test.User",
        "--nofilesystem=xdg-config/autostart",
        "--filesystem=xdg-config/autostart:ro",
    ]);
    // An extra system installation (installations.d): its apps get the default system
    // installation's overrides. The conf names a host path; inside the audited root that path
    // is made to lead back to the root itself.
    let extra = e.root.join("opt/flatpak");
    std::fs::create_dir_all(e.root.join("etc/flatpak/installations.d")).unwrap();
    std::fs::write(
        e.root.join("etc/flatpak/installations.d/extra.conf"),
        format!("[Installation \"extra\"]\nPath={}\n", extra.display()),
    )
    .unwrap();
    let inner = e.root.join(e.root.strip_prefix("/").unwrap());
    std::fs::create_dir_all(inner.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("/", &inner).unwrap();
    e.flatpak(&[
        "--installation=extra",
        "remote-add",
        "--no-gpg-verify",
        "localrepo",
        &url,
    ]);
    e.flatpak(&[
        "--installation=extra",
        "install",
        "-y",
        "--noninteractive",
        "localrepo",
        "org.nixsec.Platform",
    ]);
    e.app(
        "org.test.Extra",
        "--installation=extra",
        &["--socket=x11", "--share=network"],
    );
    e.flatpak(&[
        "override",
        "--system",
        "org.test.Extra",
        "--nosocket=x11",
        "--filesystem=home:ro",
    ]);
    // A remote without verification on a loopback URL (flatpak tries to fetch its metadata;
    // nothing listens there).
    e.flatpak(&[
        "--system",
        "remote-add",
        "--no-gpg-verify",
        "mirror",
        "http://127.0.0.1:9/repo/",
    ]);
    Some(e)
}

#[test]
fn effective_permissions_equal_flatpak_info() {
    let Some(e) = setup() else { return };
    let scan = flatpak::scan(&Root::new(&e.root).unwrap());
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    for id in [
        "org.test.Reset",
        "org.test.Host",
        "org.test.User",
        "org.test.Extra",
    ] {
        let want = Permissions::parse(&e.flatpak(&["info", "--show-permissions", id])).unwrap();
        // u runs `flatpak info`: the view with u's overrides, or the system view when they
        // change nothing.
        let views: Vec<_> = scan.apps.iter().filter(|a| a.id == id).collect();
        let got = views
            .iter()
            .find(|v| v.as_user.as_deref() == Some("u") || v.installation == "user u")
            .or_else(|| views.iter().find(|v| v.as_user.is_none()))
            .unwrap_or_else(|| panic!("{id} not found"));
        assert_eq!(got.permissions, want, "{id}:\n{}", got.permissions);
    }
    // Remotes as flatpak wrote them: the local one is exempt, the mirror is not.
    let unverified: Vec<_> = scan
        .remotes
        .iter()
        .filter(|r| !r.gpg_verify && !r.is_local())
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(unverified, ["mirror"]);
    assert!(scan
        .apps
        .iter()
        .any(|a| a.id == "org.test.Extra" && a.installation == "system (extra)"));
    std::fs::remove_dir_all(&e.root).ok();
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
/// (`scripts/test` installs every tool the suite uses).
fn skip(reason: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{reason}: CI is set, so this fails instead of skipping (scripts/test installs it)"
    );
    eprintln!("skipped: {reason}");
}
