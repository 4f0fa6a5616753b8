//! NIX-152: the NixOS release, or the kernel series it boots, no longer gets security fixes.

use crate::cx::HostCx;
use crate::engine::Rule;
use chrono::NaiveDate;
use nixsec_core::{Evidence, Outcome, Problem, Root};
use nixsec_vulns::support::{kernel_series, kernel_verdict, release_end, KernelVerdict};

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
        let (version, from) = match nixsec_readers::nixos::version(root, "VERSION_ID") {
            Ok(Some(v)) => v,
            Ok(None) => return Outcome::skip("not NixOS (no NixOS version)"),
            Err(e) => return Outcome::error(e.to_string()),
        };
        let today = chrono::Utc::now().date_naive();
        check_at(&version, from, kernel(root), today)
    }
}

/// `NixOS 23.05` for `23.05.20230601.abcdef0`: what a problem about the release is about.
fn release_subject(version: &str) -> String {
    let release: Vec<&str> = version.trim().splitn(3, '.').take(2).collect();
    format!("NixOS {}", nixsec_core::escape(&release.join(".")))
}

/// `kernel 4.19` (the series), `kernel 6.6-hardened`: what a problem about the kernel is about.
fn kernel_subject(release: &str) -> String {
    let series = kernel_series(release).unwrap_or_else(|| release.to_string());
    if release.contains("hardened") && !series.contains("hardened") {
        format!("kernel {series}-hardened")
    } else {
        format!("kernel {series}")
    }
}

fn check_at(
    version: &str,
    from: &str,
    kernel: Option<(String, String)>,
    today: NaiveDate,
) -> Outcome {
    let shown = nixsec_core::escape(version).into_owned();
    let version_ev = Evidence::value(from, shown.clone());
    let mut evidence = vec![version_ev.clone()];
    let mut problems = Vec::new();
    let mut good = Vec::new();
    match release_end(version) {
        Some(end) if today > end => problems.push(
            Problem::about(
                release_subject(version),
                format!(
                    "NixOS {shown} reached its end of life on {end}: its channel gets no more security fixes"
                ),
            )
            .with_evidence([version_ev]),
        ),
        Some(end) => good.push(format!("NixOS {shown} is supported to {end}")),
        None => good.push(format!(
            "the NixOS version `{shown}` names no release (a local build?)"
        )),
    }
    match kernel {
        Some((release, source)) => {
            let release = nixsec_core::escape(&release).into_owned();
            let kernel_ev = Evidence::value(source, release.clone());
            evidence.push(kernel_ev.clone());
            match kernel_verdict(&format!("the kernel {release}"), &release, today) {
                Some(KernelVerdict::EndOfLife(m)) => problems
                    .push(Problem::about(kernel_subject(&release), m).with_evidence([kernel_ev])),
                Some(KernelVerdict::Supported(m)) => good.push(m),
                None => good.push(format!("the kernel release `{release}` was not understood")),
            }
        }
        None => good.push("the booted kernel could not be found".into()),
    }
    Outcome::problems_or(problems, || {
        Outcome::pass(good.join("; ")).with_evidence(evidence)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::{pairs, subjects};
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
        assert_eq!(
            pairs(&o),
            [(
                "NixOS 25.05".into(),
                "NixOS 25.05.20251201.abcdef reached its end of life on 2025-12-31: its channel gets no more security fixes".into()
            )]
        );
        assert_eq!(
            o.problems()[0].evidence,
            [Evidence::value("v", "25.05.20251201.abcdef")]
        );
        let o = check_at("26.05.20261101.abcdef", "v", k("5.4.280"), today);
        assert_eq!(
            pairs(&o),
            [(
                "kernel 5.4".into(),
                "the kernel 5.4.280 is of the longterm series 5.4, which reached its end of life on 2025-12-31".into()
            )]
        );
        assert_eq!(
            o.problems()[0].evidence,
            [Evidence::value("/run/booted-system/kernel", "5.4.280")]
        );
    }

    #[test]
    fn release_and_kernel_are_two_problems() {
        // As the weak fixture root: NixOS 23.05 booted into 4.19.316.
        let o = check_at(
            "23.05.20230601.abcdef0",
            "/run/current-system/nixos-version",
            Some(("4.19.316".into(), "/run/booted-system/kernel".into())),
            day(2026, 11, 28),
        );
        assert_eq!(subjects(&o), ["NixOS 23.05", "kernel 4.19"]);
        let o = check_at(
            "26.05.20261101.abcdef",
            "v",
            Some(("6.6.52-hardened1".into(), "k".into())),
            day(2026, 11, 28),
        );
        assert_eq!(subjects(&o), ["kernel 6.6-hardened"]);
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
