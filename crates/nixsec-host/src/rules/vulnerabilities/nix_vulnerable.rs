//! NIX-155: the Nix (or Lix) that runs the daemon has published vulnerabilities, from a bundled
//! table of the Nix and Lix security advisories.

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_core::{Evidence, Outcome, Problem, Root};
use nixsec_vulns::support::{affecting, Implementation, ADVISORIES};
use nixsec_vulns::version::parse_drv_name;

/// Nix with known vulnerabilities.
pub struct NixVulnerable;

crate::host_rule!("NIX-155", NixVulnerable);

/// The daemon found: implementation, version, where it was found and how it was told.
#[derive(Debug)]
struct Found {
    implementation: Implementation,
    version: String,
    evidence: Evidence,
    /// A distribution package, whose maintainers may backport fixes.
    distro_package: Option<String>,
}

/// The Nix package a store path belongs to: `/nix/store/<hash>-nix-2.24.14/bin/nix-daemon`.
fn from_store_path(path: &str) -> Option<(Implementation, String)> {
    let rest = path.strip_prefix("/nix/store/")?;
    let name = rest.split('/').next()?;
    let (_, name) = name.split_once('-')?;
    let (pname, version) = parse_drv_name(name);
    let implementation = Implementation::from_pname(pname)?;
    if version.is_empty() || !version.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some((implementation, version.to_string()))
}

/// Follow `path` inside the root; the store path it ends in, when it names a Nix package.
/// A store path named directly counts even when it is not under this root (a partial copy).
fn resolve_store(root: &Root, path: &str) -> Option<(Implementation, String, String)> {
    let inner = match root.resolve(path) {
        Ok(r) => r.inner.to_str()?.to_string(),
        Err(_) => path.to_string(),
    };
    let inner = inner.trim_end_matches(" (deleted)").to_string();
    let (i, v) = from_store_path(&inner)?;
    Some((i, v, inner))
}

/// The running daemon (live host only).
fn running(root: &Root) -> Option<Found> {
    if !root.is_live() {
        return None;
    }
    nixsec_readers::procnet::processes(root)
        .into_iter()
        .find_map(|(pid, comm)| {
            if comm != "nix-daemon" {
                return None;
            }
            let exe = format!("/proc/{pid}/exe");
            let (implementation, version, target) = resolve_store(root, &exe)?;
            Some(Found {
                implementation,
                version,
                evidence: Evidence::value(exe, format!("running nix-daemon: {target}")),
                distro_package: None,
            })
        })
}

/// The program of the effective `ExecStart=` of `nix-daemon.service` as systemd loads it
/// (search path, drop-ins; an empty `ExecStart=` resets), with where it is written.
fn unit_program(root: &Root) -> Option<(String, Evidence)> {
    let unit = nixsec_systemd::load(root, "nix-daemon.service").ok()?;
    let mut program = None;
    for a in unit
        .assignments
        .iter()
        .filter(|a| &*a.section == "Service" && a.key == "ExecStart")
    {
        let word = a
            .value
            .trim_start_matches(['@', '-', ':', '+', '!'])
            .split_whitespace()
            .next();
        program = word.map(|w| {
            let line = u32::try_from(a.line).unwrap_or(u32::MAX);
            (
                w.to_string(),
                Evidence::line(a.file.to_string(), line, a.value.clone()),
            )
        });
    }
    program
}

/// The daemon the unit or a profile link names.
fn installed(root: &Root) -> Option<Found> {
    if let Some((program, evidence)) = unit_program(root) {
        if let Some((implementation, version, _)) = resolve_store(root, &program) {
            return Some(Found {
                implementation,
                version,
                evidence,
                distro_package: None,
            });
        }
    }
    for link in [
        "/run/current-system/sw/bin/nix-daemon",
        "/nix/var/nix/profiles/default/bin/nix-daemon",
    ] {
        if let Some((implementation, version, target)) = resolve_store(root, link) {
            return Some(Found {
                implementation,
                version,
                evidence: Evidence::value(link, target),
                distro_package: None,
            });
        }
    }
    None
}

/// `nix-bin` in the dpkg database: the upstream version and the whole package version.
fn dpkg(status: &str) -> Option<(String, String)> {
    for para in status.split("\n\n") {
        let field = |name: &str| {
            para.lines().find_map(|l| {
                l.strip_prefix(name)
                    .and_then(|r| r.strip_prefix(':'))
                    .map(|v| v.trim().to_string())
            })
        };
        if field("Package").as_deref() != Some("nix-bin") {
            continue;
        }
        if !field("Status").is_some_and(|s| s.ends_with(" installed")) {
            continue;
        }
        let full = field("Version")?;
        let no_epoch = full.split_once(':').map_or(full.as_str(), |(_, v)| v);
        let upstream = no_epoch
            .rsplit_once('-')
            .map_or(no_epoch, |(u, _)| u)
            .split("+dfsg")
            .next()
            .unwrap_or_default()
            .to_string();
        return Some((upstream, full));
    }
    None
}

fn distro(root: &Root) -> Option<Found> {
    const STATUS: &str = "/var/lib/dpkg/status";
    let (_, text) = root.read_to_string(STATUS).ok()?;
    let (version, full) = dpkg(&text)?;
    Some(Found {
        implementation: Implementation::Nix,
        version,
        evidence: Evidence::value(STATUS, format!("nix-bin {full}")),
        distro_package: Some(format!("nix-bin {full}")),
    })
}

fn verdict(found: &Found) -> Outcome {
    let name = found.implementation.name();
    let version = nixsec_core::escape(&found.version).into_owned();
    let hits = affecting(found.implementation, &found.version);
    if hits.is_empty() {
        return Outcome::pass(format!(
            "{name} {version} is not affected by any of the {} Nix/Lix advisories nixsec knows (to May 2026)",
            ADVISORIES.len()
        ))
        .with_evidence([found.evidence.clone()]);
    }
    let default = nixsec_catalogue::entry("NIX-155").severity;
    // One problem per advisory (a group of CVEs fixed together is one advisory).
    let problems = hits
        .iter()
        .map(|a| {
            let mut message = format!(
                "the Nix daemon is {name} {version}, affected by {}: {}",
                a.ids, a.what
            );
            if let Some(pkg) = &found.distro_package {
                message.push_str(&format!(
                    " (a distribution package, {pkg}: its maintainers may have backported the fix; check the distribution's security tracker)"
                ));
            }
            Problem::about(a.ids, message)
                .with_evidence([
                    found.evidence.clone(),
                    Evidence::value(
                        "nixsec advisory table",
                        format!("{} [{}]: {}", a.ids, a.severity.as_str(), a.what),
                    ),
                ])
                .with_severity_opt((a.severity != default).then_some(a.severity))
        })
        .collect();
    Outcome::Fail { problems }
}

impl Rule for NixVulnerable {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        let found = running(root)
            .or_else(|| installed(root))
            .or_else(|| distro(root));
        match found {
            Some(f) => verdict(&f),
            None if crate::nix::nix_installed(cx) => Outcome::skip(
                "Nix is installed but the daemon's version could not be told (no nix-daemon unit or profile link naming a store path, no nix-bin package)",
            ),
            None => Outcome::skip(crate::nix::NOT_INSTALLED),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::problems;
    use crate::testing::*;
    use nixsec_core::Severity;

    #[test]
    fn store_names_and_dpkg_versions() {
        assert_eq!(
            from_store_path("/nix/store/abc-nix-2.24.14/bin/nix-daemon"),
            Some((Implementation::Nix, "2.24.14".into()))
        );
        assert_eq!(
            from_store_path("/nix/store/abc-nix-cli-2.28.3/bin/nix"),
            Some((Implementation::Nix, "2.28.3".into()))
        );
        assert_eq!(
            from_store_path("/nix/store/abc-lix-2.93.3/bin/nix-daemon"),
            Some((Implementation::Lix, "2.93.3".into()))
        );
        assert_eq!(from_store_path("/nix/store/abc-bash-5.2/bin/bash"), None);
        assert_eq!(from_store_path("/usr/bin/nix-daemon"), None);
        let status = "Package: nix-setup-systemd\nStatus: install ok installed\nVersion: 2.8.0-1.1\n\nPackage: nix-bin\nStatus: install ok installed\nVersion: 2.8.0-1.1+b1\n";
        assert_eq!(dpkg(status), Some(("2.8.0".into(), "2.8.0-1.1+b1".into())));
        assert_eq!(
            dpkg("Package: nix-bin\nStatus: deinstall ok config-files\nVersion: 2.8.0-1\n"),
            None
        );
    }

    const DAEMON: &str = "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-nix-2.24.14/bin/nix-daemon";

    #[test]
    fn the_unit_names_a_vulnerable_daemon() {
        let unit = format!("[Service]\nExecStart=@{DAEMON} nix-daemon --daemon\n");
        let b = RootBuilder::new()
            .multi_user_nix()
            .file(DAEMON, "#!/bin/sh\n")
            .file(
                "/nix/store/u-unit-nix-daemon.service/nix-daemon.service",
                &unit,
            )
            .symlink(
                "/etc/systemd/system/nix-daemon.service",
                "/nix/store/u-unit-nix-daemon.service/nix-daemon.service",
            );
        let o = run(&NixVulnerable, &b);
        // By hand from the advisory table: 2.24.14 is after CVE-2026-44028's introduction
        // (2.24.4) and CVE-2026-39860's (2.18.2), and neither was fixed in 2.24; the June 2025
        // group was fixed in 2.24.15. CVE-2024-47174 (2.24.8), CVE-2024-45593 (2.24.6) and
        // CVE-2024-27297 (no fix after 2.20, so 2.24 came out fixed) do not apply. One problem
        // per advisory, its severity set where it is not the rule's high.
        assert_eq!(
            problems(&o)
                .into_iter()
                .map(|(s, _, sev)| (s, sev))
                .collect::<Vec<_>>(),
            [
                ("CVE-2026-44028 (GHSA-vh5x-56v6-4368)".into(), None),
                (
                    "CVE-2026-39860 (GHSA-g3g9-5vj6-r3gj)".into(),
                    Some(Severity::Critical)
                ),
                (
                    "CVE-2025-46415, CVE-2025-46416, CVE-2025-52991, CVE-2025-52992, CVE-2025-52993"
                        .into(),
                    None
                ),
            ]
        );
        let p = &o.problems()[1];
        assert!(
            p.message.starts_with(
                "the Nix daemon is Nix 2.24.14, affected by CVE-2026-39860 (GHSA-g3g9-5vj6-r3gj): a fixed-output derivation"
            ),
            "{}",
            p.message
        );
        assert_eq!(p.evidence.len(), 2);
        assert_eq!(p.evidence[0].path, "/etc/systemd/system/nix-daemon.service");
        assert_eq!(p.evidence[1].path, "nixsec advisory table");
        assert!(
            p.evidence[1]
                .value
                .as_deref()
                .is_some_and(|v| v.starts_with("CVE-2026-39860 (GHSA-g3g9-5vj6-r3gj) [critical]: ")),
            "{p:?}"
        );
    }

    #[test]
    fn a_drop_in_that_resets_exec_start_wins() {
        let new = "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-nix-2.34.7/bin/nix-daemon";
        let b = RootBuilder::new()
            .multi_user_nix()
            .file(
                "/etc/systemd/system/nix-daemon.service",
                format!("[Service]\nExecStart=@{DAEMON} nix-daemon --daemon\n"),
            )
            .file(
                "/etc/systemd/system/nix-daemon.service.d/override.conf",
                format!("[Service]\nExecStart=\nExecStart=@{new} nix-daemon --daemon\n"),
            );
        let o = run(&NixVulnerable, &b);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(message(&o).contains("Nix 2.34.7"), "{o:?}");
    }

    #[test]
    fn a_patched_daemon_through_the_system_profile_passes() {
        let daemon = "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-nix-2.34.7/bin/nix-daemon";
        let b = RootBuilder::new()
            .multi_user_nix()
            .file(daemon, "#!/bin/sh\n")
            .symlink("/run/current-system/sw/bin/nix-daemon", daemon);
        let o = run(&NixVulnerable, &b);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
    }

    #[test]
    fn a_debian_package_is_flagged_with_a_backport_caveat() {
        let b = RootBuilder::new().multi_user_nix().file(
            "/var/lib/dpkg/status",
            "Package: nix-bin\nStatus: install ok installed\nVersion: 2.8.0-1.1+b1\n",
        );
        let o = run(&NixVulnerable, &b);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        // Every advisory of 2.8.0 carries the caveat.
        assert!(
            o.problems()
                .iter()
                .all(|p| p.message.contains("backported")),
            "{o:?}"
        );
        assert!(
            o.problems().iter().any(|p| p
                .subject
                .as_deref()
                .is_some_and(|s| s.starts_with("CVE-2024-27297"))),
            "{o:?}"
        );
    }

    #[test]
    fn skipped_without_nix_or_without_a_version() {
        let o = run(&NixVulnerable, &RootBuilder::new());
        assert_eq!(o.status(), Status::Skip, "{o:?}");
        let o = run(&NixVulnerable, &RootBuilder::new().multi_user_nix());
        assert_eq!(o.status(), Status::Skip, "{o:?}");
        assert!(message(&o).contains("could not be told"), "{o:?}");
    }
}
