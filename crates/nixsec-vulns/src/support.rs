//! What the audit and the linter know about support lifetimes and Nix's own advisories, as
//! bundled tables: NixOS release ends, kernel.org longterm series, and the Nix and Lix security
//! advisories with their fixed releases per series.

use std::cmp::Ordering;

use chrono::NaiveDate;
use nixsec_core::Severity;

use crate::version::compare_versions;

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
pub const LONGTERM: &[(&str, (i32, u32, u32))] = &[
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
pub const NEWEST_LONGTERM: &str = "6.18";

/// `MAJOR.MINOR` of a kernel release (`6.6.52`, `6.1.0-27-amd64`, `6.6.52-hardened1`).
pub fn kernel_series(release: &str) -> Option<String> {
    let mut parts = release.split(['.', '-']);
    let major: u32 = parts.next()?.parse().ok()?;
    let minor: u32 = parts.next()?.parse().ok()?;
    Some(format!("{major}.{minor}"))
}

/// What the table says of a kernel `release` (`6.6.52`, `6.1.0-27-amd64`, `6.6.52-hardened1`, or
/// just `hardened`): `Ok` supported, `Err` not, each a sentence about `subject` (`the kernel
/// 6.6.52`); `None` when the release names no series.
#[must_use]
pub fn kernel_verdict(subject: &str, release: &str, today: NaiveDate) -> Option<KernelVerdict> {
    if release.contains("hardened") {
        return Some(KernelVerdict::EndOfLife(format!(
            "{subject} is a linux_hardened kernel: the package was removed from nixpkgs in March 2026 and gets no more updates"
        )));
    }
    let series = kernel_series(release)?;
    if let Some((_, (y, m, d))) = LONGTERM.iter().find(|(s, _)| *s == series) {
        let end = NaiveDate::from_ymd_opt(*y, *m, *d)?;
        return Some(if today > end {
            KernelVerdict::EndOfLife(format!(
                "{subject} is of the longterm series {series}, which reached its end of life on {end}"
            ))
        } else {
            KernelVerdict::Supported(format!(
                "{subject} is of the longterm series {series}, supported to {end}"
            ))
        });
    }
    Some(
        if compare_versions(&series, NEWEST_LONGTERM) == Ordering::Less {
            KernelVerdict::EndOfLife(format!(
                "{subject} is of the stable series {series}, which is not longterm and older than {NEWEST_LONGTERM}: it gets no more fixes"
            ))
        } else {
            KernelVerdict::Supported(format!(
                "{subject} is of the stable series {series} (not longterm: fixed only until the next series is out)"
            ))
        },
    )
}

/// What [`kernel_verdict`] says of a kernel release, in a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelVerdict {
    /// Its series still gets fixes.
    Supported(String),
    /// Its series is past its end of life (or it is `linux_hardened`).
    EndOfLife(String),
}

impl KernelVerdict {
    /// True for [`KernelVerdict::Supported`].
    #[must_use]
    pub fn is_ok(&self) -> bool {
        matches!(self, KernelVerdict::Supported(_))
    }
}

/// Which releases of one implementation an advisory affects.
#[derive(Debug, Clone, Copy)]
pub struct Range {
    /// The first affected release of each series that has one (the bug came with it); empty:
    /// every release before the fix.
    pub introduced: &'static [&'static str],
    /// The fixed release of each series that got the fix. A series newer than all of them came
    /// out after the fix; a series between them never got it.
    pub fixed: &'static [&'static str],
}

impl Range {
    /// Not affected at all.
    pub const NONE: Range = Range {
        introduced: &[],
        fixed: &[],
    };
}

/// One advisory of the bundled table.
#[derive(Debug)]
pub struct Advisory {
    /// The CVE (and GHSA) ids.
    pub ids: &'static str,
    /// What it lets an attacker do, one line.
    pub what: &'static str,
    /// How bad.
    pub severity: Severity,
    /// Nix releases affected.
    pub nix: Range,
    /// Lix releases affected.
    pub lix: Range,
}

/// The Nix and Lix advisories nixsec knows (as of May 2026), newest first.
pub static ADVISORIES: &[Advisory] = &[
    Advisory {
        ids: "CVE-2026-44028 (GHSA-vh5x-56v6-4368)",
        what: "unbounded recursion in the NAR parser overflows the daemon's coroutine stack into the heap; any user who can reach the daemon may run code as root",
        severity: Severity::High,
        nix: Range {
            introduced: &["2.24.4"],
            fixed: &[
                "2.28.7", "2.29.4", "2.30.5", "2.31.5", "2.32.8", "2.33.6", "2.34.7",
            ],
        },
        lix: Range {
            introduced: &["2.93.0"],
            fixed: &["2.93.4", "2.94.2", "2.95.2"],
        },
    },
    Advisory {
        ids: "CVE-2026-39860 (GHSA-g3g9-5vj6-r3gj)",
        what: "a fixed-output derivation can make the daemon follow a symlink while registering its output and overwrite any file as root",
        severity: Severity::Critical,
        nix: Range {
            introduced: &["2.18.2", "2.19.4", "2.20.5", "2.21.0"],
            fixed: &[
                "2.28.6", "2.29.3", "2.30.4", "2.31.4", "2.32.7", "2.33.4", "2.34.5",
            ],
        },
        lix: Range::NONE,
    },
    Advisory {
        ids: "CVE-2025-46415, CVE-2025-46416, CVE-2025-52991, CVE-2025-52992, CVE-2025-52993",
        what: "build directories handled by path and abstract sockets let cooperating builds and local users escalate to root (the June 2025 advisories)",
        severity: Severity::High,
        nix: Range {
            introduced: &[],
            fixed: &["2.24.15", "2.26.4", "2.28.4", "2.29.1"],
        },
        lix: Range {
            introduced: &[],
            fixed: &["2.91.2", "2.92.2", "2.93.1"],
        },
    },
    Advisory {
        ids: "CVE-2024-47174 (GHSA-6fjr-mq49-mm2c)",
        what: "`<nix/fetchurl.nix>` did not verify TLS certificates",
        severity: Severity::High,
        nix: Range {
            introduced: &[],
            fixed: &["2.18.8", "2.24.8"],
        },
        lix: Range::NONE,
    },
    Advisory {
        ids: "CVE-2024-45593 (GHSA-h4vv-h3jq-v493)",
        what: "unpacking a crafted NAR can write outside the store path",
        severity: Severity::High,
        nix: Range {
            introduced: &["2.24.0"],
            fixed: &["2.24.6"],
        },
        lix: Range::NONE,
    },
    Advisory {
        ids: "CVE-2024-27297 (GHSA-2ffj-w4mj-pg37)",
        what: "fixed-output derivations can pass file descriptors out of the sandbox and change a store path after it is registered",
        severity: Severity::Medium,
        nix: Range {
            introduced: &[],
            fixed: &["2.3.18", "2.18.2", "2.19.4", "2.20.5"],
        },
        lix: Range::NONE,
    },
];

/// `MAJOR.MINOR` of a version.
pub fn series(v: &str) -> &str {
    let mut dots = v.match_indices('.').map(|(i, _)| i);
    dots.nth(1).map_or(v, |i| &v[..i])
}

fn same_series<'a>(list: &'a [&'static str], v: &str) -> Option<&'a str> {
    list.iter().copied().find(|x| series(x) == series(v))
}

impl Range {
    /// True when `version` is affected.
    pub fn affects(&self, version: &str) -> bool {
        if self.fixed.is_empty() {
            return false;
        }
        if !self.introduced.is_empty() {
            let from = same_series(self.introduced, version).or_else(|| {
                self.introduced
                    .iter()
                    .copied()
                    .min_by(|a, b| compare_versions(a, b))
            });
            if from.is_some_and(|f| compare_versions(version, f) == Ordering::Less) {
                return false;
            }
        }
        if let Some(fix) = same_series(self.fixed, version) {
            return compare_versions(version, fix) == Ordering::Less;
        }
        // No fix in this series: vulnerable unless the series came out after every fix.
        let newest = self
            .fixed
            .iter()
            .map(|f| series(f))
            .max_by(|a, b| compare_versions(a, b))
            .unwrap_or("");
        compare_versions(series(version), newest) != Ordering::Greater
    }
}

/// Which implementation, from a package name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implementation {
    /// Nix.
    Nix,
    /// Lix.
    Lix,
}

impl Implementation {
    /// The implementation a store path's package name (`nix`, `nix-cli`, `lix`) is.
    #[must_use]
    pub fn from_pname(pname: &str) -> Option<Self> {
        match pname {
            "nix" | "nix-cli" | "nix-everything" => Some(Implementation::Nix),
            "lix" => Some(Implementation::Lix),
            _ => None,
        }
    }

    /// Its name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Implementation::Nix => "Nix",
            Implementation::Lix => "Lix",
        }
    }
}

/// The advisories that affect `version` of `implementation`.
#[must_use]
pub fn affecting(implementation: Implementation, version: &str) -> Vec<&'static Advisory> {
    ADVISORIES
        .iter()
        .filter(|a| match implementation {
            Implementation::Nix => a.nix.affects(version),
            Implementation::Lix => a.lix.affects(version),
        })
        .collect()
}

/// The advisories that still affect the newest release of a whole series (`2.18`): the series
/// never got their fix.
#[must_use]
pub fn unfixed_in_series(implementation: Implementation, series: &str) -> Vec<&'static Advisory> {
    affecting(implementation, &format!("{series}.999999"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let is_ok = |r: &str| kernel_verdict("k", r, today).map(|v| v.is_ok());
        assert_eq!(is_ok("6.6.52"), Some(true));
        assert_eq!(is_ok("6.1.0-27-amd64"), Some(true));
        assert_eq!(is_ok("5.4.280"), Some(false)); // EOL December 2025
        assert_eq!(is_ok("4.19.300"), Some(false));
        assert_eq!(is_ok("6.9.12"), Some(false)); // stable, not longterm, older than 6.18
        assert_eq!(is_ok("6.19.3"), Some(true)); // a newer stable series
        assert_eq!(is_ok("6.6.52-hardened1"), Some(false));
        assert_eq!(is_ok("nonsense"), None);
        assert_eq!(is_ok("hardened"), Some(false));
        // 6.12 is fine until its date passes.
        assert_eq!(
            kernel_verdict("k", "6.12.9", day(2027, 1, 1)).map(|v| v.is_ok()),
            Some(false)
        );
    }

    fn nix(v: &str) -> Vec<&'static str> {
        affecting(Implementation::Nix, v)
            .iter()
            .map(|a| a.ids.split(' ').next().unwrap_or_default())
            .collect()
    }

    #[test]
    fn series_are_the_first_two_components() {
        assert_eq!(series("2.24.14"), "2.24");
        assert_eq!(series("2.3.18"), "2.3");
        assert_eq!(series("2.31.0pre20250712_abc"), "2.31");
        assert_eq!(series("2"), "2");
    }

    // Expected sets from the advisories' own affected/patched lists (see the table's sources).
    #[test]
    fn versions_against_the_advisories() {
        // Debian 12's nix-bin: before every 2024 fix, before the 39860/44028 regressions.
        assert_eq!(
            nix("2.8.0"),
            ["CVE-2025-46415,", "CVE-2024-47174", "CVE-2024-27297"]
        );
        // 2.3.18 got the 27297 backport; 2.3 never got the others.
        assert_eq!(nix("2.3.18"), ["CVE-2025-46415,", "CVE-2024-47174"]);
        assert_eq!(
            nix("2.3.17"),
            ["CVE-2025-46415,", "CVE-2024-47174", "CVE-2024-27297"]
        );
        // 2.18.1: 27297 not yet fixed, 39860 not yet introduced (it came with 2.18.2).
        assert_eq!(
            nix("2.18.1"),
            ["CVE-2025-46415,", "CVE-2024-47174", "CVE-2024-27297"]
        );
        assert_eq!(nix("2.18.8"), ["CVE-2026-39860", "CVE-2025-46415,"]);
        assert_eq!(
            nix("2.24.5"),
            [
                "CVE-2026-44028",
                "CVE-2026-39860",
                "CVE-2025-46415,",
                "CVE-2024-47174",
                "CVE-2024-45593"
            ]
        );
        assert_eq!(nix("2.24.3"), nix("2.24.5")[1..].to_vec());
        assert_eq!(nix("2.24.15"), ["CVE-2026-44028", "CVE-2026-39860"]);
        // 2.25 and 2.27 never got the June 2025 fix.
        assert_eq!(
            nix("2.25.5"),
            ["CVE-2026-44028", "CVE-2026-39860", "CVE-2025-46415,"]
        );
        assert_eq!(nix("2.28.6"), ["CVE-2026-44028"]);
        assert_eq!(nix("2.28.7"), Vec::<&str>::new());
        assert_eq!(nix("2.29.3"), ["CVE-2026-44028"]);
        assert_eq!(nix("2.34.4"), ["CVE-2026-44028", "CVE-2026-39860"]);
        assert_eq!(nix("2.34.7"), Vec::<&str>::new());
        assert_eq!(nix("2.35.0"), Vec::<&str>::new());
        // A git build before the series' fix release counts as before it.
        assert_eq!(nix("2.34.0pre20260101_abcdef"), nix("2.34.4"));
        let lix = |v| affecting(Implementation::Lix, v).len();
        assert_eq!(lix("2.90.0"), 1);
        assert_eq!(lix("2.91.2"), 0);
        assert_eq!(lix("2.93.1"), 1); // 44028 came with 2.93.0
        assert_eq!(lix("2.93.4"), 0);
        assert_eq!(lix("2.95.2"), 0);
    }

    #[test]
    fn whole_series() {
        let ids = |s| {
            unfixed_in_series(Implementation::Nix, s)
                .iter()
                .map(|a| a.ids.split(' ').next().unwrap_or_default())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids("2.3"), ["CVE-2025-46415,", "CVE-2024-47174"]);
        assert_eq!(ids("2.18"), ["CVE-2026-39860", "CVE-2025-46415,"]);
        assert_eq!(ids("2.24"), ["CVE-2026-44028", "CVE-2026-39860"]);
        assert_eq!(ids("2.26"), ["CVE-2026-44028", "CVE-2026-39860"]);
        assert!(ids("2.28").is_empty());
        assert!(ids("2.34").is_empty());
    }
}
