//! NIX-114: rarely needed filesystems and protocols can be loaded (or are loaded).

use std::collections::BTreeSet;

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Problem, Profile};

use crate::engine::Rule;
use crate::kernel::{have_sysctl, sysctl_int};
use crate::kernel::{not_checked, NO_PROC};

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

/// A loaded risky module.
fn loaded_problem(m: &str) -> Problem {
    Problem::about(m, format!("`{m}` is loaded"))
        .with_evidence([Evidence::value("/proc/modules", m)])
}

impl Rule for RiskyModules {
    fn check(&self, cx: &HostCx) -> Outcome {
        if !have_sysctl(cx) {
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
        let now_loaded: Vec<&String> = risky.iter().filter(|m| loaded.contains(*m)).collect();
        let evidence: Vec<Evidence> = now_loaded
            .iter()
            .map(|m| Evidence::value("/proc/modules", m.as_str()))
            .collect();
        let locked = match sysctl_int(cx, "kernel.modules_disabled") {
            Ok(Some((1, _))) => Some("`kernel.modules_disabled` = 1"),
            Ok(None)
                if cx.built_system().is_none()
                    && cx.root().presence("/proc/modules").is_absent() =>
            {
                Some("the kernel has no loadable-module support")
            }
            Ok(_) => None,
            Err(e) => return Outcome::error(e),
        };
        if let Some(why) = locked {
            return Outcome::problems_or(
                now_loaded.iter().map(|m| loaded_problem(m)).collect(),
                || {
                    Outcome::pass(format!("no risky module is loaded and none can be: {why}"))
                        .with_evidence(evidence)
                },
            );
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
        let mut problems: Vec<Problem> = now_loaded.iter().map(|m| loaded_problem(m)).collect();
        // A file that could not be read may hold the very line that blocks a module: with one,
        // "can be loaded" cannot be told, only "is loaded" can.
        let open = if blocks.errors.is_empty() {
            open
        } else {
            Vec::new()
        };
        problems.extend(open.iter().map(|m| {
            Problem::about(
                m.as_str(),
                format!("`{m}` can be loaded: no `blacklist` or `install` line blocks it"),
            )
            .with_evidence([Evidence::value(
                "/etc/modprobe.d",
                format!("no blacklist/install line for {m}"),
            )])
        }));
        if !problems.is_empty() {
            problems.extend(blocks.errors.iter().map(|e| not_checked(e)));
            return Outcome::Fail { problems };
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
    use crate::kernel::fixtures::{pairs, subjects};
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
        assert_eq!(pairs(&o), [("sctp".into(), "`sctp` is loaded".into())]);
        assert_eq!(
            o.problems()[0].evidence,
            [Evidence::value("/proc/modules", "sctp")]
        );
        // One problem per module that nothing blocks (cramfs is blacklisted).
        let o = run(&RiskyModules, &with_modules("blacklist cramfs\n", ""));
        let open = [
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
            "usb_storage",
        ];
        assert_eq!(subjects(&o), open);
        assert_eq!(
            o.problems()[1].message,
            "`jffs2` can be loaded: no `blacklist` or `install` line blocks it"
        );
        assert_eq!(
            o.problems()[1].evidence,
            [Evidence::value(
                "/etc/modprobe.d",
                "no blacklist/install line for jffs2"
            )]
        );
    }

    #[test]
    fn loaded_modules_come_first_and_an_unreadable_file_is_its_own_problem() {
        let conf = ALL_BLOCKED.replace("blacklist rds\n", "");
        let b = with_modules(&conf, "dccp 1 0 - Live 0x0\n");
        std::fs::create_dir(b.path().join("etc/modprobe.d/broken.conf")).expect("dir in the way");
        let o = run(&RiskyModules, &b);
        assert_eq!(
            pairs(&o),
            [
                ("dccp".into(), "`dccp` is loaded".into()),
                (
                    "/etc/modprobe.d/broken.conf".into(),
                    "`/etc/modprobe.d/broken.conf` could not be read: not a regular file (a directory); not checked".into()
                ),
            ]
        );
    }

    #[test]
    fn with_loading_locked_only_loaded_modules_fail() {
        let b = with_modules("", "tipc 1 0 - Live 0x0\nhfs 1 0 - Live 0x0\n")
            .file("/proc/sys/kernel/modules_disabled", "1\n");
        let o = run(&RiskyModules, &b);
        assert_eq!(subjects(&o), ["hfs", "tipc"]);
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
        // Regression (issue 20): with a file unreadable, the modules it may block were reported
        // as loadable (`fail`); what it says cannot be told, so the rule is an `error`.
        let conf = ALL_BLOCKED.replace("blacklist rds\n", "");
        let b = with_modules(&conf, "");
        std::fs::create_dir(b.path().join("etc/modprobe.d/broken.conf")).expect("dir in the way");
        let o = run(&RiskyModules, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        let b = with_modules(ALL_BLOCKED, "");
        std::fs::create_dir(b.path().join("etc/modprobe.d/broken.conf")).expect("dir in the way");
        let o = run(&RiskyModules, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        let b = with_modules(ALL_BLOCKED, "").file("/proc/sys/kernel/modules_disabled", "x\n");
        assert_eq!(run(&RiskyModules, &b).status(), Status::Error);
    }
}
