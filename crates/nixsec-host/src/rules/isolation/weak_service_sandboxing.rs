//! NIX-061: an enabled service whose `systemd-analyze security` exposure is above 7.0.

use std::collections::BTreeSet;

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_core::{Evidence, Outcome};
use nixsec_systemd::LoadError;

/// Enabled or wanted service units scored above 7.0 (EXPOSED or UNSAFE) by the offline
/// `systemd-analyze security` assessor table.
pub struct WeakServiceSandboxing;

crate::host_rule!("NIX-061", WeakServiceSandboxing);

/// Exposure (systemd's integer 0–100) above which a unit fails: 7.0.
const THRESHOLD: u64 = 70;

/// The systemd directory whose `*.wants/` and `*.requires/` links enable units.
const ETC_UNITS: &str = "/etc/systemd/system";

/// Service units linked into a `*.wants/` or `*.requires/` directory of `/etc/systemd/system`.
fn wanted_services(cx: &HostCx) -> Result<BTreeSet<String>, String> {
    let mut out = BTreeSet::new();
    let entries = match cx.root().read_dir(ETC_UNITS) {
        Ok((_, e)) => e,
        Err(e) if e.is_not_found() => return Ok(out),
        Err(e) => return Err(e.to_string()),
    };
    for dir in entries {
        let Some(dir) = dir.to_str() else { continue };
        if !(dir.ends_with(".wants") || dir.ends_with(".requires")) {
            continue;
        }
        let path = format!("{ETC_UNITS}/{dir}");
        match cx.root().read_dir(&path) {
            Ok((_, names)) => out.extend(
                names
                    .iter()
                    .filter_map(|n| n.to_str())
                    .filter(|n| n.ends_with(".service"))
                    .map(str::to_string),
            ),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(out)
}

impl Rule for WeakServiceSandboxing {
    fn check(&self, cx: &HostCx) -> Outcome {
        if !nixsec_systemd::SEARCH_PATH
            .iter()
            .any(|d| cx.root().exists(d))
        {
            return Outcome::skip("no systemd unit directories under this root");
        }
        let listening = crate::procnet::listeners(cx.root());
        let wanted: BTreeSet<String> = match &listening {
            Some(map) => map.keys().cloned().collect(),
            None => match wanted_services(cx) {
                Ok(w) => w,
                Err(e) => return Outcome::error(e),
            },
        };
        let what = if listening.is_some() {
            "services listening on the network"
        } else {
            "enabled services (an offline root shows no sockets)"
        };
        let ports = |unit: &str| -> String {
            listening
                .as_ref()
                .and_then(|m| m.get(unit))
                .map(|ls| {
                    let mut v: Vec<String> = ls
                        .iter()
                        .map(|l| format!("{} {}:{}", l.proto, l.addr, l.port))
                        .collect();
                    v.sort();
                    v.dedup();
                    format!(", listens on {}", v.join(" "))
                })
                .unwrap_or_default()
        };
        let loader = nixsec_systemd::Loader::new(cx.root());
        let mut bad = Vec::new();
        let mut names = Vec::new();
        let mut errors = Vec::new();
        let mut scored = 0usize;
        for name in &wanted {
            match loader.load(name) {
                Ok(u) => {
                    let s = nixsec_systemd::assess(&u);
                    scored += 1;
                    if s.exposure_int > THRESHOLD {
                        names.push(format!(
                            "`{}` ({} {})",
                            nixsec_core::escape(&s.unit),
                            s.exposure_str(),
                            s.level
                        ));
                        bad.push(Evidence::value(
                            u.fragment,
                            format!("{} {}{}", s.exposure_str(), s.level, ports(name)),
                        ));
                    }
                }
                // Dangling or masked links: nothing runs.
                Err(LoadError::NotFound { .. } | LoadError::Masked { .. }) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
        if !bad.is_empty() {
            return Outcome::fail(format!(
                "{} of {scored} {what} have an exposure above 7.0: {}",
                bad.len(),
                names.join(", ")
            ))
            .with_evidence(bad);
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; "));
        }
        Outcome::pass(format!(
            "{scored} {what} scored, none with an exposure above 7.0"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    /// Scores from `crates/nixsec-systemd/tests/fixtures/expected.json` (the real tool):
    /// `dnsmasq.service` 9.1 UNSAFE, `vaultwarden.service` 1.6 OK.
    const DNSMASQ: &str = include_str!(
        "../../../../nixsec-systemd/tests/fixtures/roots/nixos/etc/systemd/system/dnsmasq.service"
    );
    const VAULTWARDEN: &str = include_str!(
        "../../../../nixsec-systemd/tests/fixtures/roots/nixos/etc/systemd/system/vaultwarden.service"
    );

    fn units() -> RootBuilder {
        RootBuilder::new()
            .file("/etc/systemd/system/dnsmasq.service", DNSMASQ)
            .file("/etc/systemd/system/vaultwarden.service", VAULTWARDEN)
    }

    #[test]
    fn no_unit_directories_skips() {
        let o = run(
            &WeakServiceSandboxing,
            &RootBuilder::new().dir("/etc", 0o755),
        );
        assert_eq!(o.status(), Status::Skip, "{}", message(&o));
    }

    #[test]
    fn wanted_exposed_service_fails_with_evidence() {
        let b = units()
            .symlink(
                "/etc/systemd/system/multi-user.target.wants/dnsmasq.service",
                "../dnsmasq.service",
            )
            .symlink(
                "/etc/systemd/system/multi-user.target.wants/vaultwarden.service",
                "../vaultwarden.service",
            );
        let o = run(&WeakServiceSandboxing, &b);
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(
            message(&o).contains("`dnsmasq.service` (9.1 UNSAFE)"),
            "{}",
            message(&o)
        );
        assert!(!message(&o).contains("vaultwarden"), "{}", message(&o));
        let Some(crate::testing::Failed { evidence, .. }) = crate::testing::failed(&o) else {
            unreachable!()
        };
        assert_eq!(
            evidence,
            vec![Evidence::value(
                "/etc/systemd/system/dnsmasq.service",
                "9.1 UNSAFE"
            )]
        );
    }

    #[test]
    fn exposed_service_that_is_not_enabled_passes() {
        let b = units().symlink(
            "/etc/systemd/system/multi-user.target.wants/vaultwarden.service",
            "../vaultwarden.service",
        );
        let o = run(&WeakServiceSandboxing, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(message(&o).starts_with("1 enabled"), "{}", message(&o));
    }

    #[test]
    fn unreadable_unit_is_an_error() {
        let b = units()
            .file(
                "/etc/systemd/system/garbage.service",
                b"\x00\xff\xfe[Service]\x00",
            )
            .symlink(
                "/etc/systemd/system/multi-user.target.wants/garbage.service",
                "../garbage.service",
            )
            .symlink(
                "/etc/systemd/system/multi-user.target.wants/vaultwarden.service",
                "../vaultwarden.service",
            );
        let o = run(&WeakServiceSandboxing, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(message(&o).contains("garbage.service"), "{}", message(&o));
    }

    #[test]
    fn masked_and_dangling_links_are_ignored() {
        let b = RootBuilder::new()
            .file("/etc/systemd/system/vaultwarden.service", VAULTWARDEN)
            .symlink("/etc/systemd/system/dnsmasq.service", "/dev/null")
            .symlink(
                "/etc/systemd/system/multi-user.target.wants/dnsmasq.service",
                "../dnsmasq.service",
            )
            .symlink(
                "/etc/systemd/system/multi-user.target.wants/gone.service",
                "../gone.service",
            );
        let o = run(&WeakServiceSandboxing, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(message(&o).starts_with("0 enabled"), "{}", message(&o));
    }
}
