//! NIX-041: a disk-backed swap area is not on dm-crypt.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use nixsec_readers::blockdev::{self, Protection};

/// A swap area on a plain disk.
pub struct SwapNotEncrypted;

crate::host_rule!("NIX-041", SwapNotEncrypted);

impl Rule for SwapNotEncrypted {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        let swaps =
            match root.read_to_string("/proc/swaps") {
                Ok((_, t)) => match blockdev::parse_swaps(&t) {
                    Ok(s) => s,
                    Err(e) => return Outcome::error(format!("`/proc/swaps`: {e}")),
                },
                Err(e) if e.is_not_found() => return Outcome::skip(
                    "no /proc/swaps under the root (an offline root): active swap cannot be read",
                ),
                Err(e) => return Outcome::error(e.to_string()),
            };
        if swaps.is_empty() {
            return Outcome::pass("no swap is active")
                .with_evidence([Evidence::path("/proc/swaps")]);
        }
        let mounts = crate::blockdev::mounts(cx);
        let mut plain = Vec::new();
        let mut ok = Vec::new();
        let mut errors = Vec::new();
        for s in &swaps {
            let name = s.filename.as_str();
            if name.starts_with("/dev/zram") {
                ok.push(format!("{name} (zram, in RAM)"));
                continue;
            }
            let prot = if s.kind == "file" {
                match &*mounts {
                    Err(e) => Err(e.to_string()),
                    Ok(None) => Err(format!(
                        "swap file `{name}`: no mount table to find its filesystem"
                    )),
                    Ok(Some(m)) => match m.holding(name) {
                        Some(mount) => blockdev::protection(root, mount).map_err(|e| e.to_string()),
                        None => Err(format!("swap file `{name}`: no mount holds it")),
                    },
                }
            } else {
                blockdev::device_name(root, None, name)
                    .and_then(|d| match d {
                        Some(d) => blockdev::stack(root, &d).map(|st| {
                            if st.encrypted() {
                                Protection::Encrypted(st)
                            } else {
                                Protection::Plain(st)
                            }
                        }),
                        None => Ok(Protection::Unknown(format!(
                            "cannot map swap device `{name}` to a block device"
                        ))),
                    })
                    .map_err(|e| e.to_string())
            };
            let ev = Evidence::value("/proc/swaps", format!("{name} {}", s.kind));
            match prot {
                Ok(Protection::Encrypted(st)) => ok.push(format!("{name} ({})", st.describe())),
                Ok(Protection::Plain(st)) => plain.push(
                    Problem::about(
                        name,
                        format!(
                            "swap {} `{}` has no dm-crypt layer below it ({})",
                            s.kind,
                            nixsec_core::escape(name),
                            st.describe()
                        ),
                    )
                    .with_evidence([ev]),
                ),
                Ok(Protection::NotPersistent) => {
                    ok.push(format!("{name} (on a non-disk filesystem)"))
                }
                Ok(Protection::Unknown(why)) | Err(why) => errors.push((name, why, ev)),
            }
        }
        if !plain.is_empty() {
            // One problem per swap area; one that could not be checked is a problem too.
            let mut problems = plain;
            problems.extend(errors.into_iter().map(|(name, why, ev)| {
                Problem::about(
                    name,
                    format!(
                        "swap `{}` could not be checked: {why}",
                        nixsec_core::escape(name)
                    ),
                )
                .with_evidence([ev])
            }));
            return Outcome::Fail { problems };
        }
        let ev = Evidence::value(
            "/proc/swaps",
            swaps
                .iter()
                .map(|s| s.filename.clone())
                .collect::<Vec<_>>()
                .join(", "),
        );
        if !errors.is_empty() {
            let why: Vec<String> = errors.into_iter().map(|(_, why, _)| why).collect();
            return Outcome::error(why.join("; ")).with_evidence([ev]);
        }
        Outcome::pass(format!(
            "every swap area is encrypted or in RAM: {}",
            ok.join("; ")
        ))
        .with_evidence([ev])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::encryption::fixtures::*;
    use crate::testing::*;

    #[test]
    fn random_key_swap_passes() {
        let o = run(&SwapNotEncrypted, &luks_host());
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(message(&o).contains("CRYPT-PLAIN"), "{}", message(&o));
    }

    #[test]
    fn plain_partition_fails() {
        let o = run(&SwapNotEncrypted, &plain_host());
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(message(&o).contains("/dev/nvme0n1p3"), "{}", message(&o));
        assert_eq!(o.problems()[0].subject.as_deref(), Some("/dev/nvme0n1p3"));
    }

    #[test]
    fn swap_files_follow_their_filesystem_and_zram_passes() {
        // The real capture: a swap file on `/` and a loop device.
        let captured = std::fs::read_to_string(live("proc-swaps.captured.txt")).expect("fixture");
        let o = run(
            &SwapNotEncrypted,
            &luks_host().file("/proc/swaps", captured.clone()),
        );
        // /swapfile is on the LUKS root; /dev/loop1 is a plain loop device.
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(
            message(&o).contains("/dev/loop1") && !message(&o).contains("/swapfile ("),
            "{}",
            message(&o)
        );
        let o = run(
            &SwapNotEncrypted,
            &plain_host().file("/proc/swaps", captured),
        );
        // One problem per swap area.
        let p = o.problems();
        let subjects: Vec<&str> = p.iter().filter_map(|p| p.subject.as_deref()).collect();
        assert_eq!(subjects, ["/swapfile", "/dev/loop1"], "{o:?}");
        assert_eq!(
            p[0].message,
            "swap file `/swapfile` has no dm-crypt layer below it (nvme0n1p2)"
        );
        assert_eq!(p[0].evidence[0].value.as_deref(), Some("/swapfile file"));
        let zram = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/zram0                              partition\t8388604\t\t0\t\t100\n";
        assert_eq!(
            run(&SwapNotEncrypted, &plain_host().file("/proc/swaps", zram)).status(),
            Status::Pass
        );
        let none = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
        assert_eq!(
            run(&SwapNotEncrypted, &plain_host().file("/proc/swaps", none)).status(),
            Status::Pass
        );
    }

    #[test]
    fn skip_and_errors() {
        assert_eq!(
            run(&SwapNotEncrypted, &RootBuilder::new()).status(),
            Status::Skip
        );
        let o = run(
            &SwapNotEncrypted,
            &RootBuilder::new().file("/proc/swaps", "\u{1}garbage"),
        );
        assert_eq!(o.status(), Status::Error);
        assert!(message(&o).contains("/proc/swaps"), "{}", message(&o));
        let file_only = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/swapfile                               file\t\t16380\t\t0\t\t-2\n";
        let o = run(
            &SwapNotEncrypted,
            &RootBuilder::new().file("/proc/swaps", file_only),
        );
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
    }
}
