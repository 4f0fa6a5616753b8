//! NIX-114: rarely needed filesystems and protocols can be loaded (or are loaded).

use std::collections::BTreeSet;

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Profile};

use crate::engine::Rule;
use crate::kernel::{have_proc_sys, read_int, NO_PROC};

/// A risky module is loaded, or neither blacklisted nor blocked with an `install` line.
pub struct RiskyModules;

crate::host_rule!("NIX-114", RiskyModules);

const RISKY: &[&str] = &[
    "cramfs",
    "freevxfs",
    "jffs2",
    "hfs",
    "hfsplus",
    "squashfs",
    "udf",
    "dccp",
    "sctp",
    "rds",
    "tipc",
    "firewire_core",
];

const MODPROBE_DIRS: &[&str] = &[
    "/etc/modprobe.d",
    "/run/modprobe.d",
    "/usr/lib/modprobe.d",
    "/lib/modprobe.d",
];

fn norm(m: &str) -> String {
    m.replace('-', "_")
}

#[derive(Default)]
struct Blocks {
    blacklisted: BTreeSet<String>,
    installed_away: BTreeSet<String>,
    errors: Vec<String>,
}

fn modprobe(cx: &HostCx) -> Blocks {
    let mut b = Blocks::default();
    for dir in MODPROBE_DIRS {
        let names = match cx.root().read_dir(dir) {
            Ok((_, n)) => n,
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                b.errors.push(e.to_string());
                continue;
            }
        };
        for n in names {
            let n = n.to_string_lossy().into_owned();
            if !n.ends_with(".conf") {
                continue;
            }
            let path = format!("{dir}/{n}");
            match cx.root().read_to_string(&path) {
                Ok((_, t)) => {
                    for l in t.lines() {
                        let w: Vec<&str> = l.split_whitespace().collect();
                        match w.as_slice() {
                            ["blacklist", m, ..] => {
                                b.blacklisted.insert(norm(m));
                            }
                            ["install", m, cmd, ..] => {
                                let base = cmd.rsplit('/').next().unwrap_or(cmd);
                                if matches!(base, "false" | "true" | "nologin") {
                                    b.installed_away.insert(norm(m));
                                }
                            }
                            _ => {}
                        }
                    }
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => b.errors.push(e.to_string()),
            }
        }
    }
    b
}

impl Rule for RiskyModules {
    fn check(&self, cx: &HostCx) -> Outcome {
        if !have_proc_sys(cx) {
            return Outcome::skip(NO_PROC);
        }
        let mut risky: Vec<String> = RISKY.iter().map(|s| (*s).to_string()).collect();
        if cx.options().profile() == Profile::Server {
            risky.push("usb_storage".into());
        }
        let loaded: BTreeSet<String> = match cx.root().read_to_string("/proc/modules") {
            Ok((_, t)) => t
                .lines()
                .filter_map(|l| l.split_whitespace().next())
                .map(norm)
                .collect(),
            Err(e) if e.is_not_found() => BTreeSet::new(),
            Err(e) => return Outcome::error(e.to_string()),
        };
        let mut evidence = Vec::new();
        let now_loaded: Vec<&String> = risky.iter().filter(|m| loaded.contains(*m)).collect();
        for m in &now_loaded {
            evidence.push(Evidence::value("/proc/modules", (*m).clone()));
        }
        let locked = match read_int(cx, "kernel.modules_disabled") {
            Ok(Some(1)) => Some("`kernel.modules_disabled` = 1"),
            Ok(None) if !cx.root().exists("/proc/modules") => {
                Some("the kernel has no loadable-module support")
            }
            Ok(_) => None,
            Err(e) => return Outcome::error(e),
        };
        if let Some(why) = locked {
            if now_loaded.is_empty() {
                return Outcome::pass(format!("no risky module is loaded and none can be: {why}"))
                    .with_evidence(evidence);
            }
            let names: Vec<&str> = now_loaded.iter().map(|s| s.as_str()).collect();
            return Outcome::fail(format!("loaded: {}", names.join(", "))).with_evidence(evidence);
        }
        let blocks = modprobe(cx);
        let open: Vec<&String> = risky
            .iter()
            .filter(|m| {
                !loaded.contains(*m)
                    && !blocks.blacklisted.contains(*m)
                    && !blocks.installed_away.contains(*m)
            })
            .collect();
        let only_blacklisted: Vec<&String> = risky
            .iter()
            .filter(|m| blocks.blacklisted.contains(*m) && !blocks.installed_away.contains(*m))
            .collect();
        let mut parts = Vec::new();
        if !now_loaded.is_empty() {
            parts.push(format!(
                "loaded: {}",
                now_loaded
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !open.is_empty() {
            parts.push(format!(
                "not blocked: {}",
                open.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            evidence.push(Evidence::value(
                "/etc/modprobe.d",
                format!(
                    "no blacklist/install line for {}",
                    open.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if !parts.is_empty() {
            let mut msg = parts.join("; ");
            if !blocks.errors.is_empty() {
                msg.push_str(&format!(
                    "; also could not read: {}",
                    blocks.errors.join("; ")
                ));
            }
            return Outcome::fail(msg).with_evidence(evidence);
        }
        if !blocks.errors.is_empty() {
            return Outcome::error(blocks.errors.join("; "));
        }
        let mut msg = "every risky module is blocked".to_string();
        if !only_blacklisted.is_empty() {
            msg.push_str(&format!(
                " (only `blacklist`ed, an explicit `modprobe` still loads: {})",
                only_blacklisted
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Outcome::pass(msg).with_evidence(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    const ALL_BLOCKED: &str = "blacklist cramfs\nblacklist freevxfs\nblacklist jffs2\nblacklist hfs\nblacklist hfsplus\nblacklist squashfs\nblacklist udf\ninstall dccp /nix/store/x-coreutils/bin/false\nblacklist sctp\nblacklist rds\nblacklist tipc\nblacklist firewire-core\nblacklist usb-storage\n";

    fn with_modules(conf: &str, modules: &str) -> RootBuilder {
        RootBuilder::new()
            .file("/proc/sys/kernel/modules_disabled", "0\n")
            .file("/proc/modules", modules)
            .file("/etc/modprobe.d/nixos.conf", conf)
    }

    #[test]
    fn everything_blocked_passes_with_the_blacklist_note() {
        let o = run(
            &RiskyModules,
            &with_modules(ALL_BLOCKED, "ext4 1 2 - Live 0x0\n"),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(message(&o).contains("an explicit `modprobe` still loads: cramfs"));
        assert!(!message(&o).contains("dccp"));
    }

    #[test]
    fn loaded_or_unblocked_fails() {
        let o = run(
            &RiskyModules,
            &with_modules(ALL_BLOCKED, "sctp 409600 4 - Live 0x0\n"),
        );
        assert_eq!(message(&o), "loaded: sctp");
        let o = run(&RiskyModules, &with_modules("blacklist cramfs\n", ""));
        assert!(
            message(&o).starts_with("not blocked: freevxfs, jffs2"),
            "{}",
            message(&o)
        );
        assert!(message(&o).ends_with("usb_storage"));
    }

    #[test]
    fn desktop_profile_allows_usb_storage() {
        let conf = ALL_BLOCKED.replace("blacklist usb-storage\n", "");
        let b = with_modules(&conf, "");
        assert_eq!(run(&RiskyModules, &b).status(), Status::Fail);
        let cx = crate::testing::cx(&b).with_options(nixsec_core::AuditOptions {
            profile: Some(Profile::Desktop),
            ..Default::default()
        });
        assert_eq!(RiskyModules.check(&cx).status(), Status::Pass);
    }

    #[test]
    fn no_module_support_passes_and_no_proc_skips() {
        // Like the captured kernel: no /proc/modules, no modules_disabled.
        let b = RootBuilder::new().file("/proc/sys/kernel/kptr_restrict", "0\n");
        let o = run(&RiskyModules, &b);
        assert_eq!(o.status(), Status::Pass);
        assert!(message(&o).contains("no loadable-module support"));
        assert_eq!(
            run(&RiskyModules, &RootBuilder::new()).status(),
            Status::Skip
        );
    }

    #[test]
    fn unreadable_config_is_an_error() {
        let b = with_modules(ALL_BLOCKED, "");
        std::fs::create_dir(b.path().join("etc/modprobe.d/broken.conf")).expect("dir in the way");
        let o = run(&RiskyModules, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        let b = with_modules(ALL_BLOCKED, "").file("/proc/sys/kernel/modules_disabled", "x\n");
        assert_eq!(run(&RiskyModules, &b).status(), Status::Error);
    }
}
