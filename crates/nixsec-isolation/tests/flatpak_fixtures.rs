//! Effective Flatpak permissions on the fixture installations (made with real flatpak 1.14,
//! see `tests/fixtures/isolation/flatpak/README.md`) against `flatpak info --show-permissions`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use nixsec_isolation::flatpak::{self, Grade, Permissions};
use nixsec_testutil::RootBuilder;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/isolation/flatpak")
}

/// A root with the fixture system installation and alice's per-user installation.
fn root() -> RootBuilder {
    RootBuilder::new()
        .file("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:100::/home/alice:/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n")
        .tree("/var/lib/flatpak", &fixtures().join("var-lib-flatpak"))
        .tree("/home/alice/.local/share/flatpak", &fixtures().join("user-data-flatpak"))
}

fn expected(id: &str) -> Permissions {
    let p = fixtures().join(format!("expected/{id}.show-permissions.txt"));
    Permissions::parse(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn effective_permissions_equal_flatpak_info_for_every_fixture_app() {
    let b = root();
    let scan = flatpak::scan(&b.root());
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    // `flatpak info` ran as the user with the per-user installation: the view with alice's
    // overrides for system apps (or the system view where her overrides change nothing).
    let ids = [
        "com.visualstudio.code",
        "com.spotify.Client",
        "com.github.tchx84.Flatseal",
        "org.gnome.Calculator",
        "org.example.SandboxEscape",
    ];
    for id in ids {
        let views: Vec<_> = scan.apps.iter().filter(|a| a.id == id).collect();
        let alice = views
            .iter()
            .find(|v| v.as_user.as_deref() == Some("alice") || v.installation == "user alice")
            .or_else(|| views.iter().find(|v| v.as_user.is_none()))
            .unwrap_or_else(|| panic!("{id} not found"));
        assert_eq!(
            alice.permissions,
            expected(id),
            "{id}:\n{}",
            alice.permissions
        );
    }
    // Every listed app, in the installation `flatpak list` names.
    let list = std::fs::read_to_string(fixtures().join("expected/flatpak-list.txt")).unwrap();
    for line in list.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let inst = if f[2] == "user" {
            "user alice"
        } else {
            "system"
        };
        assert!(
            scan.apps
                .iter()
                .any(|a| a.id == f[0] && a.branch == f[1] && a.installation == inst),
            "{line}"
        );
    }
}

#[test]
fn system_view_without_user_overrides() {
    let scan = flatpak::scan(&root().root());
    let spotify = scan
        .apps
        .iter()
        .find(|a| a.id == "com.spotify.Client" && a.as_user.is_none())
        .unwrap();
    // metadata + system overrides only: x11 still there, home and session-bus added.
    assert!(spotify.permissions.sockets.contains("x11"));
    assert!(spotify.permissions.sockets.contains("session-bus"));
    assert_eq!(
        spotify.overrides,
        [
            "/var/lib/flatpak/overrides/global",
            "/var/lib/flatpak/overrides/com.spotify.Client"
        ]
    );
}

#[test]
fn verdicts_name_each_breach() {
    let scan = flatpak::scan(&root().root());
    let view = |id: &str| {
        scan.apps
            .iter()
            .find(|a| a.id == id && (a.as_user.is_some() || a.installation.starts_with("user")))
            .or_else(|| scan.apps.iter().find(|a| a.id == id))
            .unwrap()
    };
    let perms = |id: &str| {
        view(id)
            .breaches
            .iter()
            .map(|b| b.permission.clone())
            .collect::<Vec<_>>()
    };
    let escape = perms("org.example.SandboxEscape");
    for p in [
        "filesystems=home",
        "filesystems=host-os",
        "filesystems=host-etc",
        "filesystems=/run/docker.sock",
        "sockets=session-bus",
        "sockets=system-bus",
        "devices=all",
        "talk-name=org.freedesktop.systemd1",
        "system-talk-name=org.freedesktop.PolicyKit1",
    ] {
        assert!(
            escape.contains(&p.to_string()),
            "{p} missing from {escape:?}"
        );
    }
    // alice's overrides removed x11, host, all devices and the Flatpak portal from VS Code;
    // ssh-auth and devel remain.
    assert_eq!(
        perms("com.visualstudio.code"),
        ["sockets=ssh-auth", "features=devel"]
    );
    assert!(view("com.visualstudio.code")
        .breaches
        .iter()
        .all(|b| b.grade == Grade::Weakening));
    // Calculator: fallback-x11 with wayland, nothing else.
    assert!(perms("org.gnome.Calculator").is_empty());
    // Flatseal: may write overrides, and alice let it talk to org.freedesktop.Flatpak.
    let fs = perms("com.github.tchx84.Flatseal");
    assert_eq!(
        fs,
        [
            "filesystems=xdg-data/flatpak/overrides:create",
            "talk-name=org.freedesktop.Flatpak"
        ]
    );
}

/// Each override file, read as a layer with its negations, equals flatpak's own
/// `flatpak override --show` of it (`--system` and `--user`).
#[test]
fn override_files_read_as_flatpak_override_show() {
    use nixsec_isolation::flatpak::Context;
    use nixsec_isolation::keyfile::KeyFile;
    let layer = |text: &str| Context::from_keyfile(&KeyFile::parse(text).unwrap()).unwrap();
    for id in [
        "com.visualstudio.code",
        "com.spotify.Client",
        "com.github.tchx84.Flatseal",
        "org.gnome.Calculator",
    ] {
        for (level, dir) in [("system", "var-lib-flatpak"), ("user", "user-data-flatpak")] {
            let shown = std::fs::read_to_string(
                fixtures().join(format!("expected/{id}.override-{level}-show.txt")),
            )
            .unwrap();
            let file = std::fs::read_to_string(fixtures().join(format!("{dir}/overrides/{id}")))
                .unwrap_or_default();
            assert_eq!(layer(&file), layer(&shown), "{id} {level}");
        }
    }
}

/// Extra system installations from `/etc/flatpak/installations.d/*.conf` are scanned too, with
/// the default system installation's overrides.
#[test]
fn extra_system_installation() {
    let b = RootBuilder::new()
        .file("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n")
        .file(
            "/etc/flatpak/installations.d/extra.conf",
            "[Installation \"extra\"]\nPath=/opt/flatpak\nDisplayName=Extra\nStorageType=harddisk\n",
        )
        .tree("/opt/flatpak/app/com.spotify.Client", &fixtures().join("var-lib-flatpak/app/com.spotify.Client"))
        .tree("/var/lib/flatpak/overrides", &fixtures().join("var-lib-flatpak/overrides"));
    let scan = flatpak::scan(&b.root());
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    let a = scan
        .apps
        .iter()
        .find(|a| a.id == "com.spotify.Client")
        .unwrap();
    assert_eq!(a.installation, "system (extra)");
    assert_eq!(a.app_dir, "/opt/flatpak/app/com.spotify.Client");
    assert!(
        a.permissions.filesystems.contains_key("home"),
        "system override applied"
    );
}
