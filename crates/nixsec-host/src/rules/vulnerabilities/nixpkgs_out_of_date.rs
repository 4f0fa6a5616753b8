//! NIX-151: the system was built from a nixpkgs revision more than 30 days old (90: high), so
//! every security fix since is missing.

use crate::cx::HostCx;
use crate::engine::Rule;
use chrono::NaiveDate;
use nixsec_core::{Evidence, Outcome, Severity};

/// A system built from an old nixpkgs revision.
pub struct NixpkgsOutOfDate;

crate::host_rule!("NIX-151", NixpkgsOutOfDate);

/// Days past which the revision is out of date (medium), and very (high).
const OLD: i64 = 30;
const VERY_OLD: i64 = 90;

/// The nixpkgs commit date in a NixOS version `YY.MM.YYYYMMDD.rev`, if it has one.
#[must_use]
pub fn revision_date(version: &str) -> Option<NaiveDate> {
    let mut parts = version.trim().split('.');
    let (_, _, date) = (parts.next()?, parts.next()?, parts.next()?);
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(date, "%Y%m%d").ok()
}

/// The verdict for a revision `days` old: one problem, whether automatic upgrades are set up
/// being context (the advice that goes with it), not a problem of its own.
fn verdict(days: i64, auto_upgrade: bool, version: &str) -> Outcome {
    let upgrades = if auto_upgrade {
        "although automatic upgrades (nixos-upgrade.timer) are set up: see `systemctl status nixos-upgrade`"
    } else {
        "and no automatic upgrades are set up (system.autoUpgrade)"
    };
    if days > VERY_OLD {
        Outcome::fail(format!(
            "the system's nixpkgs revision ({version}) is {days} days old, {upgrades}"
        ))
        .with_severity(Severity::High)
    } else if days > OLD {
        Outcome::fail(format!(
            "the system's nixpkgs revision ({version}) is {days} days old, {upgrades}"
        ))
    } else {
        Outcome::pass(format!(
            "the system's nixpkgs revision ({version}) is {days} days old"
        ))
    }
}

impl Rule for NixpkgsOutOfDate {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        let (version, from) = match nixsec_readers::nixos::version(root, "BUILD_ID") {
            Ok(Some(v)) => v,
            Ok(None) => return Outcome::skip("no NixOS version (not NixOS)"),
            Err(e) => return Outcome::error(e.to_string()),
        };
        let shown = nixsec_core::escape(&version).into_owned();
        let Some(date) = revision_date(&version) else {
            return Outcome::skip(format!(
                "the NixOS version `{shown}` carries no revision date (built from a local checkout?)"
            ));
        };
        let auto_upgrade = root
            .metadata("/etc/systemd/system/nixos-upgrade.timer")
            .is_ok();
        let today = chrono::Utc::now().date_naive();
        // A date ahead of the clock (a skewed clock) counts as today.
        let days = (today - date).num_days().max(0);
        verdict(days, auto_upgrade, &shown).with_evidence([Evidence::value(from, shown.clone())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn dates_are_read_from_nixos_versions() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        assert_eq!(revision_date("24.05.20240618.938aa15"), d(2024, 6, 18));
        assert_eq!(revision_date("25.11.20251130.0123abc\n"), d(2025, 11, 30));
        assert_eq!(revision_date("24.11pre-git"), None);
        assert_eq!(revision_date("23.05.2610.abcdef"), None); // a commit count, not a date
        assert_eq!(revision_date("24.05.20241340.abc"), None); // no such day
        assert_eq!(revision_date(""), None);
    }

    #[test]
    fn thresholds_and_severities() {
        assert_eq!(verdict(10, false, "v").status(), Status::Pass);
        assert_eq!(verdict(30, false, "v").status(), Status::Pass);
        let o = verdict(31, false, "v");
        assert!(
            matches!(
                crate::testing::failed(&o),
                Some(crate::testing::Failed { severity: None, .. })
            ),
            "{o:?}"
        );
        assert!(message(&o).contains("no automatic upgrades"));
        let o = verdict(91, true, "v");
        assert!(
            matches!(
                crate::testing::failed(&o),
                Some(crate::testing::Failed {
                    severity: Some(Severity::High),
                    ..
                })
            ),
            "{o:?}"
        );
        assert!(message(&o).contains("nixos-upgrade"));
    }

    /// A version dated `days` ago.
    fn dated(days: i64) -> String {
        let d = chrono::Utc::now().date_naive() - chrono::Duration::days(days);
        format!(
            "{}.{}.{}.0123abc",
            d.format("%y"),
            d.format("%m"),
            d.format("%Y%m%d")
        )
    }

    #[test]
    fn from_the_current_system_or_os_release() {
        let b = RootBuilder::new()
            .file("/nix/store/aaa-nixos-system/nixos-version", dated(200))
            .symlink("/run/current-system", "/nix/store/aaa-nixos-system");
        let o = run(&NixpkgsOutOfDate, &b);
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(message(&o).contains("200 days old"), "{}", message(&o));
        let b = RootBuilder::new().file(
            "/etc/os-release",
            format!("NAME=NixOS\nID=nixos\nBUILD_ID=\"{}\"\n", dated(3)),
        );
        let o = run(&NixpkgsOutOfDate, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        let b = RootBuilder::new()
            .file(
                "/etc/os-release",
                format!("ID=nixos\nBUILD_ID={}\n", dated(45)),
            )
            .file("/etc/systemd/system/nixos-upgrade.timer", "[Timer]\n");
        let o = run(&NixpkgsOutOfDate, &b);
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(message(&o).contains("nixos-upgrade"), "{}", message(&o));
    }

    #[test]
    fn other_systems_and_undated_builds_are_skipped() {
        let b = RootBuilder::new().file("/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
        assert_eq!(run(&NixpkgsOutOfDate, &b).status(), Status::Skip);
        assert_eq!(
            run(&NixpkgsOutOfDate, &RootBuilder::new()).status(),
            Status::Skip
        );
        let b = RootBuilder::new().file("/etc/os-release", "ID=nixos\nBUILD_ID=24.11pre-git\n");
        assert_eq!(run(&NixpkgsOutOfDate, &b).status(), Status::Skip);
    }
}
