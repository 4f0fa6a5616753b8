//! NIX-152: the NixOS release, or the kernel series it boots, no longer gets security fixes.

use crate::cx::HostCx;
use crate::engine::Rule;
use chrono::NaiveDate;
use nixsec_core::{Evidence, Outcome, Root};
use nixsec_vulns::support::{kernel_verdict, release_end};

/// A NixOS release or kernel past its end of life.
pub struct ReleaseEndOfLife;

crate::host_rule!("NIX-152", ReleaseEndOfLife);

/// The kernel release the system boots and where it was read.
fn kernel(root: &Root) -> Option<(String, String)> {
    for link in ["/run/booted-system/kernel", "/run/current-system/kernel"] {
        let Ok(r) = root.resolve(link) else { continue };
        let Some(inner) = r.inner.to_str() else {
            continue;
        };
        let Some(name) = inner
            .strip_prefix("/nix/store/")
            .and_then(|s| s.split('/').next())
            .and_then(|s| s.split_once('-'))
            .map(|(_, n)| n)
        else {
            continue;
        };
        if let Some(release) = name.strip_prefix("linux-") {
            return Some((release.to_string(), format!("{link} -> {inner}")));
        }
    }
    if root.is_live() {
        if let Ok((_, v)) = root.read_to_string("/proc/sys/kernel/osrelease") {
            return Some((v.trim().to_string(), "/proc/sys/kernel/osrelease".into()));
        }
    }
    None
}

impl Rule for ReleaseEndOfLife {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        let (version, from) = match crate::nix::nixos_version(root, "VERSION_ID") {
            Ok(Some(v)) => v,
            Ok(None) => return Outcome::skip("not NixOS (no NixOS version)"),
            Err(e) => return Outcome::error(e),
        };
        let today = chrono::Utc::now().date_naive();
        check_at(&version, from, kernel(root), today)
    }
}

fn check_at(
    version: &str,
    from: &str,
    kernel: Option<(String, String)>,
    today: NaiveDate,
) -> Outcome {
    let shown = nixsec_core::escape(version).into_owned();
    let mut evidence = vec![Evidence::value(from, shown.clone())];
    let mut bad = Vec::new();
    let mut good = Vec::new();
    match release_end(version) {
        Some(end) if today > end => bad.push(format!(
            "NixOS {shown} reached its end of life on {end}: its channel gets no more security fixes"
        )),
        Some(end) => good.push(format!("NixOS {shown} is supported to {end}")),
        None => good.push(format!(
            "the NixOS version `{shown}` names no release (a local build?)"
        )),
    }
    match kernel {
        Some((release, source)) => {
            let release = nixsec_core::escape(&release).into_owned();
            evidence.push(Evidence::value(source, release.clone()));
            match kernel_verdict(&format!("the kernel {release}"), &release, today) {
                Some(Err(m)) => bad.push(m),
                Some(Ok(m)) => good.push(m),
                None => good.push(format!("the kernel release `{release}` was not understood")),
            }
        }
        None => good.push("the booted kernel could not be found".into()),
    }
    if bad.is_empty() {
        Outcome::pass(good.join("; ")).with_evidence(evidence)
    } else {
        Outcome::fail(bad.join("; ")).with_evidence(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn verdicts() {
        let k = |r: &str| Some((r.to_string(), "/run/booted-system/kernel".to_string()));
        let today = day(2026, 11, 28);
        let o = check_at("26.05.20261101.abcdef", "v", k("6.12.9"), today);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        let o = check_at("25.05.20251201.abcdef", "v", k("6.12.9"), today);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(message(&o).contains("2025-12-31"), "{o:?}");
        let o = check_at("26.05.20261101.abcdef", "v", k("5.4.280"), today);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(message(&o).contains("longterm series 5.4"), "{o:?}");
    }

    #[test]
    fn fixture_roots() {
        let b = RootBuilder::new()
            .file("/etc/os-release", "ID=nixos\nVERSION_ID=\"23.11\"\n")
            .file(
                "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-linux-6.1.90/bzImage",
                "k",
            )
            .symlink(
                "/run/booted-system",
                "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-nixos-system-x",
            )
            .symlink(
                "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-nixos-system-x/kernel",
                "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-linux-6.1.90/bzImage",
            );
        let o = run(&ReleaseEndOfLife, &b);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(
            message(&o).contains("NixOS 23.11 reached its end of life on 2024-06-30"),
            "{o:?}"
        );
        assert!(!message(&o).contains("6.1.90"), "{o:?}");
        let o = run(
            &ReleaseEndOfLife,
            &RootBuilder::new().file("/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
        );
        assert_eq!(o.status(), Status::Skip, "{o:?}");
    }
}
