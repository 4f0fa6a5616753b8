//! NIX-120: writable and temporary filesystems mounted without nosuid/nodev/noexec, or a
//! persistent /tmp that is never cleaned.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::kernel::not_checked;
use nixsec_readers::kernel::{mount_at, mounts};

/// A listed mount point lacks the options it should have.
pub struct TempMounts;

crate::host_rule!("NIX-120", TempMounts);

const POINTS: &[(&str, bool)] = &[
    ("/tmp", true),
    ("/var/tmp", true),
    ("/dev/shm", true),
    ("/home", false),
    ("/var", false),
    ("/boot", true),
    ("/var/log", false),
];

fn tmp_cleaned(cx: &HostCx) -> Result<Option<Evidence>, String> {
    for dir in ["/etc/tmpfiles.d", "/usr/lib/tmpfiles.d"] {
        let names = match cx.root().read_dir(dir) {
            Ok((_, n)) => n,
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(e.to_string()),
        };
        for n in names {
            let path = format!("{dir}/{}", n.to_string_lossy());
            let Ok((_, t)) = cx.root().read_to_string(&path) else {
                continue;
            };
            for (i, l) in t.lines().enumerate() {
                let w: Vec<&str> = l.split_whitespace().collect();
                if w.len() >= 2 && matches!(w[0], "D" | "D!" | "R" | "R!") && w[1] == "/tmp" {
                    return Ok(Some(Evidence::line(
                        &path,
                        u32::try_from(i + 1).unwrap_or(u32::MAX),
                        l.trim(),
                    )));
                }
            }
        }
    }
    Ok(None)
}

impl Rule for TempMounts {
    fn check(&self, cx: &HostCx) -> Outcome {
        let all = match mounts(cx.root()) {
            Ok(Some(m)) => m,
            Ok(None) => return Outcome::skip("no `/proc/self/mountinfo` under this root: mounts can only be checked on the running system"),
            Err(e) => return Outcome::error(e.to_string()),
        };
        let mut problems = Vec::new();
        let mut evidence = Vec::new();
        for (point, want_noexec) in POINTS {
            let Some(m) = mount_at(&all, point) else {
                continue;
            };
            let mut missing: Vec<&str> = ["nosuid", "nodev"]
                .into_iter()
                .filter(|o| !m.has(o))
                .collect();
            if *want_noexec && !m.has("noexec") {
                missing.push("noexec");
            }
            let seen = Evidence::line(
                "/proc/self/mountinfo",
                m.line,
                format!("{} {} {}", m.point, m.fstype, m.options.join(",")),
            );
            evidence.push(seen.clone());
            if !missing.is_empty() {
                problems.push(
                    Problem::about(
                        *point,
                        format!("`{point}` is mounted without `{}`", missing.join(",")),
                    )
                    .with_evidence([seen]),
                );
            }
        }
        if mount_at(&all, "/tmp").is_none_or(|m| m.fstype != "tmpfs") {
            match tmp_cleaned(cx) {
                Ok(Some(ev)) => evidence.push(ev),
                Ok(None) => {
                    problems.push(
                        Problem::about(
                            "persistent /tmp",
                            "`/tmp` is persistent (not a tmpfs) and no tmpfiles rule cleans it at boot",
                        )
                        .with_evidence([Evidence::value(
                            "/etc/tmpfiles.d",
                            "no `D /tmp` or `D! /tmp` rule",
                        )]),
                    );
                }
                Err(e) => {
                    if problems.is_empty() {
                        return Outcome::error(e);
                    }
                    problems.push(not_checked(&e).subject("persistent /tmp"));
                }
            }
        }
        Outcome::problems_or(problems, || {
            Outcome::pass("temporary and writable filesystems are mounted nosuid,nodev (noexec where expected)").with_evidence(evidence)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::pairs;
    use crate::testing::*;

    // Lines in the format of this machine's /proc/self/mountinfo.
    const ROOT: &str = "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n";
    const GOOD: &str = "60 27 0:40 / /tmp rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw\n25 24 0:23 / /dev/shm rw,nosuid,nodev,noexec - tmpfs tmpfs rw\n61 27 8:1 / /boot rw,nosuid,nodev,noexec,relatime - vfat /dev/sda1 rw,fmask=0077\n62 27 8:2 / /home rw,nosuid,nodev,relatime - ext4 /dev/sda2 rw\n";

    #[test]
    fn hardened_layout_passes() {
        let o = run(
            &TempMounts,
            &RootBuilder::new().file("/proc/self/mountinfo", format!("{ROOT}{GOOD}")),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn this_machines_layout_fails() {
        // As this Debian machine: /dev/shm rw,relatime and /tmp on the root filesystem.
        let b = RootBuilder::new().file(
            "/proc/self/mountinfo",
            format!("{ROOT}25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684084k\n"),
        );
        let o = run(&TempMounts, &b);
        assert_eq!(
            pairs(&o),
            [
                (
                    "/dev/shm".into(),
                    "`/dev/shm` is mounted without `nosuid,nodev,noexec`".into()
                ),
                (
                    "persistent /tmp".into(),
                    "`/tmp` is persistent (not a tmpfs) and no tmpfiles rule cleans it at boot"
                        .into()
                )
            ]
        );
        assert_eq!(
            o.problems()[0].evidence,
            [Evidence::line(
                "/proc/self/mountinfo",
                2,
                "/dev/shm tmpfs rw,relatime"
            )]
        );
        // boot.tmp.cleanOnBoot's tmpfiles rule makes a persistent /tmp acceptable.
        let b = b
            .file(
                "/proc/self/mountinfo",
                format!("{ROOT}{}", &GOOD[GOOD.find("25 24").unwrap_or(0)..]),
            )
            .file("/etc/tmpfiles.d/00-nixos.conf", "D! /tmp 1777 root root\n");
        assert_eq!(
            run(&TempMounts, &b).status(),
            Status::Pass,
            "{}",
            message(&run(&TempMounts, &b))
        );
    }

    #[test]
    fn topmost_mount_decides() {
        let b = RootBuilder::new().file(
            "/proc/self/mountinfo",
            format!("{ROOT}{GOOD}70 62 0:50 / /home rw,relatime - ext4 /dev/sdb1 rw\n"),
        );
        let o = run(&TempMounts, &b);
        assert_eq!(
            pairs(&o),
            [(
                "/home".into(),
                "`/home` is mounted without `nosuid,nodev`".into()
            )]
        );
        assert_eq!(o.problems()[0].evidence[0].line, Some(6));
    }

    #[test]
    fn skip_and_garbage() {
        assert_eq!(run(&TempMounts, &RootBuilder::new()).status(), Status::Skip);
        let o = run(
            &TempMounts,
            &RootBuilder::new().file("/proc/self/mountinfo", "garbage\nmore garbage\n"),
        );
        assert_eq!(o.status(), Status::Error);
        assert_eq!(
            message(&o),
            "`/proc/self/mountinfo`: no valid line (2 malformed)"
        );
    }
}
