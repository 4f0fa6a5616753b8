//! NIX-152: the NixOS release, or the kernel series it boots, no longer gets security fixes.

use chrono::NaiveDate;
use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Root, Rule, RuleMeta, Section, Severity, HOST_RULES};
use nixsec_vulns::version::compare_versions;

/// A NixOS release or kernel past its end of life.
pub struct ReleaseEndOfLife;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &ReleaseEndOfLife;

static META: RuleMeta = RuleMeta {
    id: "NIX-152",
    title: "NixOS release or kernel series end-of-life",
    section: Section::Vulnerabilities,
    severity: Severity::High,
    checks: "The NixOS release (`/run/current-system/nixos-version`, else `VERSION_ID` of `/etc/os-release`) against its end of support: a `YY.05` release is supported to the end of December of that year, a `YY.11` release to the end of June of the next. The kernel the system booted (`/run/booted-system/kernel`, else `/run/current-system/kernel`, else the running kernel's `/proc/sys/kernel/osrelease`) against kernel.org's longterm series and their end-of-life dates (bundled, to 2026): a longterm series past its date, a stable series older than the newest longterm one, or a `linux_hardened` kernel (removed from nixpkgs in March 2026) fails. Skipped on systems that are not NixOS (their kernel's support follows the distribution).",
    rationale: "Once a NixOS release reaches its end of life its channel stops getting security fixes, and so does every package built from it; a kernel series past its end of life gets no more fixes from kernel.org, so every kernel vulnerability found since stays open, whatever else is updated.",
    fix: "Move to a supported NixOS release (change the nixpkgs input or channel and rebuild) and boot a maintained kernel series, such as the default longterm one.",
    nixos: "# flake.nix: inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-<current release>\";\nboot.kernelPackages = pkgs.linuxPackages;  # the default longterm series\n# then: nixos-rebuild switch && reboot",
    references: &[
        "https://nixos.org/blog/announcements/",
        "https://www.kernel.org/category/releases.html",
    ],
    source: file!(),
};

/// The last day a NixOS release `YY.MM` is supported: `YY.05` to the end of December,
/// `YY.11` to the end of June of the next year (a month's overlap with the next release).
#[must_use]
pub fn release_end(release: &str) -> Option<NaiveDate> {
    let mut parts = release.trim().split('.');
    let yy: i32 = parts.next()?.parse().ok()?;
    let mm = parts.next()?;
    let mm: u32 = mm.get(..2)?.parse().ok()?;
    let year = 2000 + yy;
    match mm {
        5 => NaiveDate::from_ymd_opt(year, 12, 31),
        11 => NaiveDate::from_ymd_opt(year + 1, 6, 30),
        // Releases to 20.09 were `.03`/`.09` (all long gone): taken as three months.
        3 | 9 => NaiveDate::from_ymd_opt(year, mm + 3, 30),
        _ => None,
    }
}

/// kernel.org's longterm series and the last day of their projected end-of-life month.
const LONGTERM: &[(&str, (i32, u32, u32))] = &[
    ("6.18", (2027, 12, 31)),
    ("6.12", (2026, 12, 31)),
    ("6.6", (2026, 12, 31)),
    ("6.1", (2027, 12, 31)),
    ("5.15", (2026, 12, 31)),
    ("5.10", (2026, 12, 31)),
    ("5.4", (2025, 12, 31)),
    ("4.19", (2024, 12, 31)),
    ("4.14", (2024, 1, 31)),
    ("4.9", (2023, 1, 31)),
    ("4.4", (2022, 2, 28)),
];

/// The newest longterm series in [`LONGTERM`]: a stable series older than it is past its end.
const NEWEST_LONGTERM: &str = "6.18";

/// `MAJOR.MINOR` of a kernel release (`6.6.52`, `6.1.0-27-amd64`, `6.6.52-hardened1`).
fn kernel_series(release: &str) -> Option<String> {
    let mut parts = release.split(['.', '-']);
    let major: u32 = parts.next()?.parse().ok()?;
    let minor: u32 = parts.next()?.parse().ok()?;
    Some(format!("{major}.{minor}"))
}

/// What the table says of a kernel release: `Ok(message)` supported, `Err(message)` not.
fn kernel_verdict(release: &str, today: NaiveDate) -> Option<Result<String, String>> {
    let series = kernel_series(release)?;
    if release.contains("hardened") {
        return Some(Err(format!(
            "the kernel {release} is a linux_hardened kernel: the package was removed from nixpkgs in March 2026 and gets no more updates"
        )));
    }
    if let Some((_, (y, m, d))) = LONGTERM.iter().find(|(s, _)| *s == series) {
        let end = NaiveDate::from_ymd_opt(*y, *m, *d)?;
        return Some(if today > end {
            Err(format!(
                "the kernel {release} is of the longterm series {series}, which reached its end of life on {end}"
            ))
        } else {
            Ok(format!(
                "the kernel {release} is of the longterm series {series}, supported to {end}"
            ))
        });
    }
    Some(
        if compare_versions(&series, NEWEST_LONGTERM) == std::cmp::Ordering::Less {
            Err(format!(
            "the kernel {release} is of the stable series {series}, which is not longterm and older than {NEWEST_LONGTERM}: it gets no more fixes"
        ))
        } else {
            Ok(format!(
            "the kernel {release} is of the stable series {series} (not longterm: fixed only until the next series is out)"
        ))
        },
    )
}

/// `VERSION_ID` or `BUILD_ID`-like fields of an os-release file, when it is NixOS.
fn os_release_field(text: &str, field: &str) -> Option<String> {
    let nixos = text
        .lines()
        .any(|l| l.trim() == "ID=nixos" || l.trim() == "ID=\"nixos\"");
    if !nixos {
        return None;
    }
    text.lines().find_map(|l| {
        let v = l.strip_prefix(field)?.strip_prefix('=')?;
        Some(v.trim().trim_matches('"').trim_matches('\'').to_string())
    })
}

/// The NixOS version and where it was read; `Ok(None)` when this is not NixOS.
fn nixos_version(root: &Root) -> Result<Option<(String, &'static str)>, String> {
    const VERSION: &str = "/run/current-system/nixos-version";
    const OS_RELEASE: &str = "/etc/os-release";
    match root.read_to_string(VERSION) {
        Ok((_, v)) => return Ok(Some((v.trim().to_string(), VERSION))),
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(e.to_string()),
    }
    match root.read_to_string(OS_RELEASE) {
        Ok((_, text)) => Ok(os_release_field(&text, "VERSION_ID").map(|v| (v, OS_RELEASE))),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

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
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        let (version, from) = match nixos_version(root) {
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
            match kernel_verdict(&release, today) {
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

    // NixOS announcements: 24.05 supported to 2024-12-31, 24.11 to 2025-06-30, 25.05 to
    // 2025-12-31, 25.11 to 2026-06-30.
    #[test]
    fn release_ends() {
        assert_eq!(release_end("24.05"), Some(day(2024, 12, 31)));
        assert_eq!(release_end("24.11.20250101.abc"), Some(day(2025, 6, 30)));
        assert_eq!(release_end("25.05"), Some(day(2025, 12, 31)));
        assert_eq!(release_end("25.11pre-git"), Some(day(2026, 6, 30)));
        assert_eq!(release_end("19.09"), Some(day(2019, 12, 30)));
        assert_eq!(release_end("garbage"), None);
        assert_eq!(release_end(""), None);
    }

    #[test]
    fn kernels() {
        let today = day(2026, 11, 28);
        let is_ok = |r: &str| kernel_verdict(r, today).map(|v| v.is_ok());
        assert_eq!(is_ok("6.6.52"), Some(true));
        assert_eq!(is_ok("6.1.0-27-amd64"), Some(true));
        assert_eq!(is_ok("5.4.280"), Some(false)); // EOL December 2025
        assert_eq!(is_ok("4.19.300"), Some(false));
        assert_eq!(is_ok("6.9.12"), Some(false)); // stable, not longterm, older than 6.18
        assert_eq!(is_ok("6.19.3"), Some(true)); // a newer stable series
        assert_eq!(is_ok("6.6.52-hardened1"), Some(false));
        assert_eq!(is_ok("nonsense"), None);
        // 6.12 is fine until its date passes.
        assert_eq!(kernel_verdict("6.12.9", day(2027, 1, 1)).map(|v| v.is_ok()), Some(false));
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
            .file("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-linux-6.1.90/bzImage", "k")
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
        assert!(message(&o).contains("NixOS 23.11 reached its end of life on 2024-06-30"), "{o:?}");
        assert!(!message(&o).contains("6.1.90"), "{o:?}");
        let o = run(
            &ReleaseEndOfLife,
            &RootBuilder::new().file("/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
        );
        assert_eq!(o.status(), Status::Skip, "{o:?}");
    }
}
