//! NIX-037: the EFI system partition (and the initrd on it) is readable by every user.

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_core::{Evidence, Outcome, Problem};

/// ESP and initrd readable by all users.
pub struct EspReadable;

crate::host_rule!("NIX-037", EspReadable);

/// The mask of a vfat mount's super options (`fmask`, else `umask`, else the default 022).
fn file_mask(super_opts: &str) -> u32 {
    let get = |k: &str| {
        super_opts
            .split(',')
            .find_map(|o| o.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
            .and_then(|v| u32::from_str_radix(v, 8).ok())
    };
    get("fmask").or_else(|| get("umask")).unwrap_or(0o022)
}

impl Rule for EspReadable {
    fn check(&self, cx: &HostCx) -> Outcome {
        let text =
            match cx.root().read_to_string("/proc/self/mountinfo") {
                Ok((_, t)) => t,
                Err(e) if e.is_not_found() => return Outcome::skip(
                    "no `/proc` under this root: mounts can only be checked on the running system",
                ),
                Err(e) => return Outcome::error(e.to_string()),
            };
        let mut seen = Vec::new();
        let mut bad = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let f: Vec<&str> = line.split(' ').collect();
            let Some(dash) = f.iter().position(|x| *x == "-") else {
                continue;
            };
            if f.len() < dash + 4 || f.len() < 5 {
                continue;
            }
            let mp = f[4];
            if !matches!(mp, "/boot" | "/boot/efi" | "/efi") || f[dash + 1] != "vfat" {
                continue;
            }
            let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let mask = file_mask(f[dash + 3]);
            let ev = Evidence::line(
                "/proc/self/mountinfo",
                line_no,
                format!("{mp} vfat {}", f[dash + 3]),
            );
            if mask & 0o077 == 0o077 {
                seen.push(ev);
            } else if let Some((_, e)) = bad.iter_mut().find(|(m, _)| m == mp) {
                // Mounted again on the same point: the last mount is the one seen.
                *e = ev;
            } else {
                bad.push((mp.to_string(), ev));
            }
        }
        if !bad.is_empty() {
            // One problem per mount point.
            let problems = bad
                .into_iter()
                .map(|(mp, ev)| {
                    Problem::about(
                        mp.clone(),
                        format!(
                            "the ESP at `{}` is mounted with files readable by group or others (fmask lacks 0077)",
                            nixsec_core::escape(&mp)
                        ),
                    )
                    .with_evidence([ev])
                })
                .collect();
            return Outcome::Fail { problems };
        }
        if seen.is_empty() {
            return Outcome::skip("no vfat ESP mounted at /boot, /boot/efi or /efi");
        }
        Outcome::pass("the ESP hides its files from other users").with_evidence(seen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    const OPEN: &str = "30 1 259:1 / /boot rw,relatime shared:2 - vfat /dev/nvme0n1p1 rw,fmask=0022,dmask=0022,codepage=437\n";
    const CLOSED: &str = "30 1 259:1 / /boot rw,relatime shared:2 - vfat /dev/nvme0n1p1 rw,fmask=0077,dmask=0077,codepage=437\n";

    #[test]
    fn masks() {
        let o = run(
            &EspReadable,
            &RootBuilder::new().file("/proc/self/mountinfo", OPEN),
        );
        assert_eq!(o.status(), Status::Fail);
        assert_eq!(o.problems()[0].subject.as_deref(), Some("/boot"));
        assert_eq!(
            message(&o),
            "the ESP at `/boot` is mounted with files readable by group or others (fmask lacks 0077)"
        );
        let two = format!("{OPEN}{}", OPEN.replace("/boot ", "/efi "));
        let o = run(
            &EspReadable,
            &RootBuilder::new().file("/proc/self/mountinfo", two),
        );
        let subjects: Vec<&str> = o
            .problems()
            .iter()
            .filter_map(|p| p.subject.as_deref())
            .collect();
        assert_eq!(subjects, ["/boot", "/efi"]);
        let o = run(
            &EspReadable,
            &RootBuilder::new().file("/proc/self/mountinfo", CLOSED),
        );
        assert_eq!(o.status(), Status::Pass);
        assert_eq!(
            run(&EspReadable, &RootBuilder::new()).status(),
            Status::Skip
        );
        assert_eq!(file_mask("rw,umask=0077"), 0o077);
    }
}
