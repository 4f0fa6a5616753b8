//! Edge cases, with hand-written expectations, and a comparison against the real
//! `systemd-analyze security --offline=true` wherever it is on `PATH` (skipped with a message
//! elsewhere, failed when `CI` is set).
use std::path::Path;

use nixsec_core::Root;
use nixsec_systemd::{score_unit, LoadError, UnitScore};
use nixsec_testutil::RootBuilder;

mod common;
use common::run_tool;

const D: &str = "/etc/systemd/system";

fn edge_root() -> RootBuilder {
    RootBuilder::new()
        // A drop-in clearing lists with empty assignments.
        .file(
            &format!("{D}/reset.service"),
            "[Service]\nExecStart=/bin/true\nUser=svc\nCapabilityBoundingSet=CAP_SYS_ADMIN CAP_NET_ADMIN\n\
             SystemCallFilter=@system-service\nRestrictAddressFamilies=AF_INET\nSupplementaryGroups=wheel\n\
             DeviceAllow=/dev/null rw\nDevicePolicy=closed\n",
        )
        .file(
            &format!("{D}/reset.service.d/10-clear.conf"),
            "[Service]\nCapabilityBoundingSet=\nSystemCallFilter=\nRestrictAddressFamilies=\n\
             SupplementaryGroups=\nDeviceAllow=\n",
        )
        .file(&format!("{D}/reset.service.d/ignored.txt"), "[Service]\nUser=root\n")
        // User= / DynamicUser= interplay.
        .file(&format!("{D}/dyn.service"), "[Service]\nExecStart=/bin/true\nDynamicUser=yes\n")
        .file(
            &format!("{D}/dynroot.service"),
            "[Service]\nExecStart=/bin/true\nDynamicUser=yes\nUser=root\n",
        )
        .file(&format!("{D}/nobody.service"), "[Service]\nExecStart=/bin/true\nDynamicUser=yes\n")
        .file(
            &format!("{D}/userdyn.service"),
            "[Service]\nExecStart=/bin/true\nUser=app\nDynamicUser=no\nRemoveIPC=yes\n",
        )
        // PrivateNetwork= does not make the address-family checks moot in v252.
        .file(
            &format!("{D}/privnet.service"),
            "[Service]\nExecStart=/bin/true\nPrivateNetwork=yes\nUser=foo\n",
        )
        // Type-level and dash-prefix drop-ins, continuation, template specifier.
        .file(&format!("{D}/a-b-c.service"), "[Service]\nExecStart=/bin/true\nSystemCallFilter=~@mount \\\n  @swap\n")
        .file(&format!("{D}/a-.service.d/p.conf"), "[Service]\nProtectSystem=strict\n")
        .file(&format!("{D}/service.d/t.conf"), "[Service]\nProtectHome=tmpfs\n")
        .file(&format!("{D}/tpl@.service"), "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/true\nUser=%i\n")
        .symlink(&format!("{D}/alias.service"), "privnet.service")
        .file(
            &format!("{D}/misc.service"),
            "[Service]\nExecStart=/bin/true\nRestrictNamespaces=~user net\nRestrictNamespaces=~pid\n\
             IPAddressDeny=any\nIPAddressAllow=localhost\nSystemCallArchitectures=native x86\n\
             RestrictAddressFamilies=~AF_INET AF_PACKET\nUMask=0027\nNotifyAccess=all\nDelegate=yes\n\
             CapabilityBoundingSet=~CAP_SYS_ADMIN\nCapabilityBoundingSet=~CAP_KILL\nAmbientCapabilities=CAP_KILL\n",
        )
        // Broken units: each fails alone.
        .file(&format!("{D}/syntax.service"), "[Unit]\nDescription=x\n[Service\nExecStart=/bin/true\n")
        .symlink(&format!("{D}/loop1.service"), "loop2.service")
        .symlink(&format!("{D}/loop2.service"), "loop1.service")
        .file(&format!("{D}/garbage.service"), b"\x7fELF\x02\x01\x01\0\0\0\xff\xfe[Service]\n".as_slice())
        .symlink(&format!("{D}/masked.service"), "/dev/null")
}

const SCORED: &[&str] = &[
    "reset.service",
    "dyn.service",
    "dynroot.service",
    "nobody.service",
    "userdyn.service",
    "privnet.service",
    "a-b-c.service",
    "tpl@.service",
    "alias.service",
    "misc.service",
];

fn badness(s: &UnitScore, id: &str) -> Option<u64> {
    s.checks
        .iter()
        .find(|c| c.id() == id)
        .and_then(|c| c.badness)
}

#[test]
fn edge_cases_by_hand() {
    let fx = edge_root();
    let root = fx.root();
    let sc = |u: &str| score_unit(&root, u).unwrap_or_else(|e| panic!("{u}: {e}"));

    let r = sc("reset.service");
    assert_eq!(badness(&r, "CapabilityBoundingSet_CAP_SYS_ADMIN"), Some(0));
    assert_eq!(badness(&r, "SystemCallFilter_mount"), Some(10));
    assert_eq!(
        badness(&r, "RestrictAddressFamilies_AF_INET_INET6"),
        Some(1)
    );
    assert_eq!(badness(&r, "SupplementaryGroups"), Some(0));
    assert_eq!(badness(&r, "DeviceAllow"), Some(0));

    assert_eq!(badness(&sc("dyn.service"), "UserOrDynamicUser"), Some(0));
    assert_eq!(badness(&sc("dyn.service"), "ProtectSystem"), Some(0));
    // `service.d/t.conf` sets ProtectHome=tmpfs for every service; DynamicUser keeps tmpfs.
    assert_eq!(badness(&sc("dyn.service"), "ProtectHome"), Some(1));
    assert_eq!(
        badness(&sc("dynroot.service"), "UserOrDynamicUser"),
        Some(10)
    );
    assert_eq!(badness(&sc("dynroot.service"), "RemoveIPC"), None);
    assert_eq!(badness(&sc("nobody.service"), "UserOrDynamicUser"), Some(9));
    assert_eq!(badness(&sc("userdyn.service"), "RemoveIPC"), Some(0));

    let p = sc("privnet.service");
    assert_eq!(badness(&p, "PrivateNetwork"), Some(0));
    assert_eq!(
        badness(&p, "RestrictAddressFamilies_AF_INET_INET6"),
        Some(1)
    );
    assert_eq!(badness(&p, "RestrictAddressFamilies_OTHER"), Some(1));

    let a = sc("a-b-c.service");
    assert_eq!(badness(&a, "ProtectSystem"), Some(0));
    assert_eq!(badness(&a, "ProtectHome"), Some(1));
    // `\` continuation joins lines: `@swap` is part of the inverted line.
    assert_eq!(badness(&a, "SystemCallFilter_swap"), Some(0));

    let t = sc("tpl@.service");
    assert_eq!(t.unit, "tpl@i.service");
    assert_eq!(badness(&t, "UserOrDynamicUser"), Some(0));
    assert_eq!(badness(&t, "PrivateTmp"), None);

    let m = sc("misc.service");
    assert_eq!(badness(&m, "RestrictNamespaces_user"), Some(0));
    assert_eq!(badness(&m, "RestrictNamespaces_pid"), Some(0));
    assert_eq!(badness(&m, "RestrictNamespaces_mnt"), Some(1));
    assert_eq!(badness(&m, "IPAddressDeny"), Some(2));
    assert_eq!(badness(&m, "SystemCallArchitectures"), Some(8));
    assert_eq!(
        badness(&m, "RestrictAddressFamilies_AF_INET_INET6"),
        Some(0)
    );
    assert_eq!(badness(&m, "RestrictAddressFamilies_OTHER"), Some(1));
    // 0027 still lets the group read (0040 unset).
    assert_eq!(badness(&m, "UMask"), Some(1));
    assert_eq!(badness(&m, "NotifyAccess"), Some(1));
    assert_eq!(badness(&m, "Delegate"), Some(1));
    assert_eq!(badness(&m, "CapabilityBoundingSet_CAP_KILL"), Some(0));
    assert_eq!(badness(&m, "AmbientCapabilities"), Some(1));

    // Broken units fail alone, with a message naming the file.
    match score_unit(&root, "syntax.service") {
        Err(LoadError::Parse { source, .. }) => {
            assert_eq!(source.line, 3);
            assert!(source
                .to_string()
                .contains("/etc/systemd/system/syntax.service:3:"));
        }
        other => panic!("syntax.service: {other:?}"),
    }
    let e = score_unit(&root, "loop1.service").expect_err("loop");
    assert!(e.to_string().contains("symlink loop"), "{e}");
    let e = score_unit(&root, "garbage.service").expect_err("garbage");
    assert!(e.to_string().contains("garbage.service"), "{e}");
    assert!(matches!(
        score_unit(&root, "masked.service"),
        Err(LoadError::Masked { .. })
    ));
    assert!(matches!(
        score_unit(&root, "none.service"),
        Err(LoadError::NotFound { .. })
    ));
    assert!(matches!(
        score_unit(&root, "../x"),
        Err(LoadError::BadName { .. })
    ));
}

#[test]
fn nixos_store_links_resolve_inside_root() {
    let fx = RootBuilder::new()
        .symlink("/etc/systemd/system", "/etc/static/systemd/system")
        .symlink("/etc/static", "/nix/store/aaa-etc/etc")
        .symlink(
            "/nix/store/aaa-etc/etc/systemd/system/web.service",
            "/nix/store/bbb-unit-web/web.service",
        )
        .file(
            "/nix/store/bbb-unit-web/web.service",
            "[Service]\nExecStart=/bin/true\nPrivateNetwork=true\n",
        );
    let s = score_unit(&fx.root(), "web.service").expect("scored");
    assert_eq!(badness(&s, "PrivateNetwork"), Some(0));
}

fn compare(bin: &Path, root_dir: &Path, unit: &str) -> Result<(), String> {
    let root = Root::new(root_dir).map_err(|e| e.to_string())?;
    let ours = score_unit(&root, unit);
    let theirs = run_tool(bin, root_dir, unit);
    match (ours, theirs) {
        (Err(_), None) => Ok(()),
        (Ok(s), None) => Err(format!(
            "{unit}: tool rejects, we score {}",
            s.exposure_str()
        )),
        (Err(e), Some(_)) => Err(format!("{unit}: tool scores, we fail: {e}")),
        (Ok(s), Some((exp, checks))) => {
            let mut errs = Vec::new();
            if s.exposure_str() != exp {
                errs.push(format!("{unit}: exposure {} want {exp}", s.exposure_str()));
            }
            for (field, b) in checks {
                let got = s.checks.iter().find(|c| c.id() == field).map(|c| c.badness);
                if got != Some(b) {
                    errs.push(format!("{unit}: {field} {got:?} want {b:?}"));
                }
            }
            if errs.is_empty() {
                Ok(())
            } else {
                Err(errs.join("\n"))
            }
        }
    }
}

#[test]
fn matches_systemd_analyze_where_installed() {
    if !common::require(&["systemd-analyze"]) {
        return;
    }
    let bin = common::find("systemd-analyze").expect("checked above");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let list = std::fs::read_to_string(fixtures.join("units.list")).expect("units.list");
    let mut errs = Vec::new();
    for line in list
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut it = line.split_whitespace();
        let (Some(r), Some(u)) = (it.next(), it.next()) else {
            continue;
        };
        if let Err(e) = compare(&bin, &fixtures.join("roots").join(r), u) {
            errs.push(e);
        }
    }
    let fx = edge_root();
    let broken = [
        "syntax.service",
        "loop1.service",
        "garbage.service",
        "masked.service",
    ];
    for u in SCORED.iter().chain(broken.iter()) {
        if let Err(e) = compare(&bin, fx.path(), u) {
            errs.push(e);
        }
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}
