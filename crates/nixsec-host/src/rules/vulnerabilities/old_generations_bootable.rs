//! NIX-157: old system generations are still in the boot menu, so the vulnerable software they
//! hold is one boot-menu choice (or one `nixos-rebuild switch --rollback`) away.

use std::collections::BTreeSet;
use std::time::SystemTime;

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_core::{Evidence, Outcome, Problem, Root};

/// Too many, or too old, bootable system generations.
pub struct OldGenerationsBootable;

crate::host_rule!("NIX-157", OldGenerationsBootable);

/// Bootable generations allowed at most.
const MAX_BOOTABLE: usize = 10;
/// Age in days past which a bootable generation is too old.
const MAX_AGE_DAYS: u64 = 90;

const PROFILES: &str = "/nix/var/nix/profiles";

/// `N` of `system-N-link`.
fn generation(name: &str) -> Option<u32> {
    name.strip_prefix("system-")?
        .strip_suffix("-link")?
        .parse()
        .ok()
}

/// The number `text` starts with.
fn leading_number(text: &str) -> Option<u32> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text.get(..end)?.parse().ok()
}

/// `N` of a boot entry named `nixos-generation-N…` (`.conf`, `-specialisation-….conf`, `.efi`).
fn entry_generation(name: &str) -> Option<u32> {
    leading_number(name.strip_prefix("nixos-generation-")?)
}

/// The generations the boot loader offers, and where that was read; `None` when no boot loader
/// configuration is found.
fn bootable(root: &Root) -> Result<Option<(BTreeSet<u32>, String)>, String> {
    for esp in ["/boot", "/efi", "/boot/efi"] {
        let mut found = BTreeSet::new();
        let mut seen = Vec::new();
        for dir in ["loader/entries", "EFI/Linux"] {
            let path = format!("{esp}/{dir}");
            match root.read_dir(&path) {
                Ok((_, names)) => {
                    seen.push(path);
                    found.extend(
                        names
                            .iter()
                            .filter_map(|n| entry_generation(&n.to_string_lossy())),
                    );
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        if !seen.is_empty() {
            return Ok(Some((found, seen.join(" and "))));
        }
    }
    const GRUB: &str = "/boot/grub/grub.cfg";
    match root.read_to_string(GRUB) {
        Ok((_, text)) => {
            let found = text
                .split("Generation ")
                .skip(1)
                .filter_map(leading_number)
                .collect();
            Ok(Some((found, GRUB.to_string())))
        }
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

impl Rule for OldGenerationsBootable {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        let names = match root.read_dir(PROFILES) {
            Ok((_, names)) => names,
            Err(e) if e.is_not_found() => {
                return Outcome::skip(format!("no {PROFILES} (not NixOS)"))
            }
            Err(e) => return Outcome::error(e.to_string()),
        };
        // Each generation with its link's age in days.
        let now = SystemTime::now();
        let mut generations = Vec::new();
        for name in &names {
            let name = name.to_string_lossy();
            let Some(n) = generation(&name) else { continue };
            let age = match root.symlink_metadata(format!("{PROFILES}/{name}")) {
                Ok((_, md)) => md
                    .modified()
                    .ok()
                    .and_then(|t| now.duration_since(t).ok())
                    .map_or(0, |d| d.as_secs() / 86_400),
                Err(e) => return Outcome::error(e.to_string()),
            };
            generations.push((n, age));
        }
        if generations.is_empty() {
            return Outcome::skip(format!("no system generation in {PROFILES}"));
        }
        let (offered, from) = match bootable(root) {
            Ok(Some((set, from))) => (Some(set), from),
            Ok(None) => (
                None,
                "no boot loader found: every generation counted".to_string(),
            ),
            Err(e) => return Outcome::error(e),
        };
        let boot: Vec<(u32, u64)> = generations
            .iter()
            .copied()
            .filter(|(n, _)| offered.as_ref().is_none_or(|s| s.contains(n)))
            .collect();
        let mut evidence = vec![Evidence::value(
            PROFILES,
            format!("{} system generations", generations.len()),
        )];
        evidence.push(Evidence::value(from, format!("{} bootable", boot.len())));
        let oldest = boot.iter().max_by_key(|(_, age)| *age).copied();
        // Two problems, each ignorable on its own: the length of the boot menu, and the age of
        // what it still offers.
        let mut problems = Vec::new();
        if boot.len() > MAX_BOOTABLE {
            problems.push(
                Problem::about(
                    "bootable generations",
                    format!(
                        "{} generations are bootable (more than {MAX_BOOTABLE})",
                        boot.len()
                    ),
                )
                .with_evidence(evidence.clone()),
            );
        }
        if let Some((n, age)) = oldest.filter(|(_, age)| *age > MAX_AGE_DAYS) {
            problems.push(
                Problem::about(
                    "oldest bootable generation",
                    format!(
                        "generation {n}, {age} days old, is still bootable (more than {MAX_AGE_DAYS} days)"
                    ),
                )
                .with_evidence([
                    Evidence::value(
                        format!("{PROFILES}/system-{n}-link"),
                        format!("{age} days old"),
                    ),
                    evidence[1].clone(),
                ]),
            );
        }
        Outcome::problems_or(problems, || {
            Outcome::pass(format!(
                "{} bootable generations, none older than {MAX_AGE_DAYS} days",
                boot.len()
            ))
            .with_evidence(evidence)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::{pairs, subjects};
    use crate::testing::*;

    /// A root with system generations `1..=n`; `old` of them (the first) dated 200 days ago.
    fn profiles(n: u32, old: u32) -> RootBuilder {
        let mut b = RootBuilder::new();
        for g in 1..=n {
            b = b.symlink(
                &format!("{PROFILES}/system-{g}-link"),
                &format!("/nix/store/{g:03}-nixos-system"),
            );
        }
        let past = std::time::SystemTime::now() - std::time::Duration::from_secs(200 * 86_400);
        for g in 1..=old {
            let link = b
                .path()
                .join(format!("nix/var/nix/profiles/system-{g}-link"));
            set_link_mtime(&link, past);
        }
        b
    }

    fn set_link_mtime(link: &std::path::Path, t: std::time::SystemTime) {
        let secs = t
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs();
        let status = std::process::Command::new("touch")
            .args(["-h", "-d"])
            .arg(format!("@{secs}"))
            .arg(link)
            .status()
            .expect("touch");
        assert!(status.success());
    }

    #[test]
    fn names_are_parsed() {
        assert_eq!(generation("system-42-link"), Some(42));
        assert_eq!(generation("system-link"), None);
        assert_eq!(generation("per-user"), None);
        assert_eq!(entry_generation("nixos-generation-17.conf"), Some(17));
        assert_eq!(
            entry_generation("nixos-generation-17-specialisation-gpu.conf"),
            Some(17)
        );
        assert_eq!(entry_generation("nixos-generation-9-abc123.efi"), Some(9));
        assert_eq!(entry_generation("memtest86.conf"), None);
    }

    #[test]
    fn few_recent_generations_pass() {
        let o = run(&OldGenerationsBootable, &profiles(3, 0));
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn too_many_or_too_old_fail() {
        let o = run(&OldGenerationsBootable, &profiles(14, 0));
        assert_eq!(
            pairs(&o),
            [(
                "bootable generations".into(),
                "14 generations are bootable (more than 10)".into()
            )]
        );
        assert_eq!(
            o.problems()[0].evidence,
            [
                Evidence::value(PROFILES, "14 system generations"),
                Evidence::value(
                    "no boot loader found: every generation counted",
                    "14 bootable"
                )
            ]
        );
        let o = run(&OldGenerationsBootable, &profiles(3, 1));
        assert_eq!(
            pairs(&o),
            [(
                "oldest bootable generation".into(),
                "generation 1, 200 days old, is still bootable (more than 90 days)".into()
            )]
        );
        assert_eq!(
            o.problems()[0].evidence[0],
            Evidence::value(format!("{PROFILES}/system-1-link"), "200 days old")
        );
        // Both at once: two problems.
        let o = run(&OldGenerationsBootable, &profiles(12, 2));
        assert_eq!(
            subjects(&o),
            ["bootable generations", "oldest bootable generation"]
        );
    }

    #[test]
    fn only_what_the_boot_loader_offers_counts() {
        // 14 generations, the old one among them, but systemd-boot lists only the last 5.
        let mut b = profiles(14, 1).dir("/boot/loader/entries", 0o755);
        for g in 10..=14 {
            b = b.file(
                &format!("/boot/loader/entries/nixos-generation-{g}.conf"),
                "title NixOS\n",
            );
        }
        let o = run(&OldGenerationsBootable, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        // GRUB listing generation 1.
        let b = profiles(3, 1).file(
            "/boot/grub/grub.cfg",
            "menuentry \"NixOS - Generation 3 (2026-11-01)\" {}\nsubmenu \"NixOS - All configurations\" {\nmenuentry \"NixOS - Generation 1 (2026-05-01)\" {}\n}\n",
        );
        let o = run(&OldGenerationsBootable, &b);
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
    }

    #[test]
    fn other_systems_are_skipped() {
        assert_eq!(
            run(&OldGenerationsBootable, &RootBuilder::new()).status(),
            Status::Skip
        );
        let b = RootBuilder::new().symlink(&format!("{PROFILES}/default"), "/nix/store/x-profile");
        assert_eq!(run(&OldGenerationsBootable, &b).status(), Status::Skip);
    }
}
