//! NIX-061: an enabled service whose `systemd-analyze security` exposure is above 7.0.

use std::collections::BTreeSet;

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_core::{Evidence, Outcome, Problem};
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
            .any(|d| !cx.root().presence(d).is_absent())
        {
            return Outcome::skip("no systemd unit directories under this root");
        }
        let listening = nixsec_readers::procnet::listeners(cx.root());
        let wanted: BTreeSet<String> = match &listening {
            Some(map) => map.keys().cloned().collect(),
            None => match wanted_services(cx) {
                Ok(w) => w,
                Err(e) => return Outcome::error(e),
            },
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
        let mut problems = Vec::new();
        let mut errors = Vec::new();
        let mut scored = 0usize;
        for name in &wanted {
            match loader.load(name) {
                Ok(u) => {
                    let s = nixsec_systemd::assess(&u);
                    scored += 1;
                    if s.exposure_int > THRESHOLD {
                        let exposure = format!("{} {}", s.exposure_str(), s.level);
                        let how = if listening.is_some() {
                            "listens on the network"
                        } else {
                            "is enabled"
                        };
                        problems.push(
                            Problem::about(
                                name.clone(),
                                format!(
                                    "`{}` {how} with an exposure of {exposure}, above 7.0",
                                    nixsec_core::escape(name)
                                ),
                            )
                            .with_evidence([Evidence::value(
                                u.fragment,
                                format!("{exposure}{}", ports(name)),
                            )])
                            .with_fix(nixsec_systemd::service_config(name, &s)),
                        );
                    }
                }
                // Dangling or masked links: nothing runs.
                Err(LoadError::NotFound { .. } | LoadError::Masked { .. }) => {}
                Err(e) => errors.push((name, e.to_string())),
            }
        }
        if problems.is_empty() {
            if !errors.is_empty() {
                let reasons: Vec<String> = errors.into_iter().map(|(_, e)| e).collect();
                return Outcome::error(reasons.join("; "));
            }
            let what = if listening.is_some() {
                "services listening on the network"
            } else {
                "enabled services (an offline root shows no sockets)"
            };
            return Outcome::pass(format!(
                "{scored} {what} scored, none with an exposure above 7.0"
            ));
        }
        // A unit that could not be loaded beside weak ones: its own problem, so that nothing
        // unchecked looks clean.
        problems.extend(errors.into_iter().map(|(name, e)| {
            // The error names the unit first (`garbage.service: ...`).
            let why = e.strip_prefix(&format!("{name}: ")).unwrap_or(&e);
            Problem::about(
                name.clone(),
                format!(
                    "`{}` could not be loaded: {}; not checked",
                    nixsec_core::escape(name),
                    nixsec_core::escape(why)
                ),
            )
        }));
        Outcome::Fail { problems }
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

    /// dnsmasq's failing checks in `expected.json` (the real tool), heaviest first (badness ×
    /// weight / range, table order among equals), each option once: the NixOS fix.
    const DNSMASQ_FIX: &str = r#"systemd.services.dnsmasq.serviceConfig = {
  PrivateNetwork = true;
  DynamicUser = true;
  CapabilityBoundingSet = [ "" ];
  RestrictNamespaces = true;
  RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" ];
  PrivateDevices = true;
  PrivateMounts = true;
  PrivateUsers = true;
  ProtectControlGroups = true;
  ProtectKernelModules = true;
  ProtectKernelTunables = true;
  ProtectKernelLogs = true;
  ProtectClock = true;
  NoNewPrivileges = true;
  ProtectProc = "invisible";
  RestrictSUIDSGID = true;
  SystemCallArchitectures = "native";
  SystemCallFilter = [ "@system-service" ];
  IPAddressDeny = "any";
  DevicePolicy = "closed";
  ProtectSystem = "strict";
  RestrictRealtime = true;
  RootDirectory = "/var/empty";
  LockPersonality = true;
  MemoryDenyWriteExecute = true;
  ProtectHostname = true;
  UMask = "0077";
  ProcSubset = "pid";
};"#;

    fn wanted(b: RootBuilder, units: &[&str]) -> RootBuilder {
        units.iter().fold(b, |b, u| {
            b.symlink(
                &format!("/etc/systemd/system/multi-user.target.wants/{u}"),
                &format!("../{u}"),
            )
        })
    }

    #[test]
    fn wanted_exposed_service_fails_with_evidence_and_its_fix() {
        let b = wanted(units(), &["dnsmasq.service", "vaultwarden.service"]);
        let o = run(&WeakServiceSandboxing, &b);
        let Some(f) = failed(&o) else {
            panic!("not a failure: {}", message(&o))
        };
        assert_eq!(f.problems.len(), 1, "{}", f.message);
        let p = &f.problems[0];
        assert_eq!(p.subject.as_deref(), Some("dnsmasq.service"));
        assert_eq!(
            p.message,
            "`dnsmasq.service` is enabled with an exposure of 9.1 UNSAFE, above 7.0"
        );
        assert_eq!(p.severity, None);
        assert_eq!(
            p.evidence,
            vec![Evidence::value(
                "/etc/systemd/system/dnsmasq.service",
                "9.1 UNSAFE"
            )]
        );
        assert_eq!(p.nixos.as_deref(), Some(DNSMASQ_FIX));
    }

    #[test]
    fn each_exposed_service_is_its_own_problem() {
        // A second unit with dnsmasq's settings, under another (template) name.
        let b = wanted(
            units().file("/etc/systemd/system/dns@.service", DNSMASQ),
            &["dnsmasq.service", "dns@eth0.service", "vaultwarden.service"],
        );
        let o = run(&WeakServiceSandboxing, &b);
        let subjects: Vec<Option<&str>> =
            o.problems().iter().map(|p| p.subject.as_deref()).collect();
        assert_eq!(
            subjects,
            [Some("dns@eth0.service"), Some("dnsmasq.service")],
            "{}",
            message(&o)
        );
        let fix = o.problems()[0].nixos.as_deref().unwrap_or_default();
        assert!(
            fix.starts_with(
                "systemd.services.\"dns@eth0\".serviceConfig = {\n  PrivateNetwork = true;\n"
            ),
            "{fix}"
        );
    }

    #[test]
    fn an_unloadable_unit_beside_an_exposed_one_is_its_own_problem() {
        let b = wanted(
            units().file(
                "/etc/systemd/system/garbage.service",
                b"\x00\xff\xfe[Service]\x00",
            ),
            &["dnsmasq.service", "garbage.service"],
        );
        let o = run(&WeakServiceSandboxing, &b);
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        let p = o.problems();
        assert_eq!(p.len(), 2, "{}", message(&o));
        assert_eq!(p[0].subject.as_deref(), Some("dnsmasq.service"));
        assert_eq!(p[1].subject.as_deref(), Some("garbage.service"));
        assert!(
            p[1].message
                .starts_with("`garbage.service` could not be loaded: ")
                && p[1].message.ends_with("; not checked")
                && !p[1]
                    .message
                    .contains("`garbage.service` could not be loaded: garbage.service"),
            "{}",
            p[1].message
        );
        assert_eq!(p[1].nixos, None);
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
