//! NIX-101: AppArmor is active but no profile enforces anything.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

use crate::engine::Rule;
use nixsec_readers::mac::{apparmor_param, lsm_list, profile_modes};

/// AppArmor loaded without enforcing profiles.
pub struct AppArmorConfinesNothing;

crate::host_rule!("NIX-101", AppArmorConfinesNothing);

const PROFILES: &str = "/sys/kernel/security/apparmor/profiles";

impl Rule for AppArmorConfinesNothing {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        let active = match (lsm_list(root), apparmor_param(root)) {
            (Err(e), _) | (_, Err(e)) => return Outcome::error(e.to_string()),
            (Ok(Some(list)), _) => list.iter().any(|l| l == "apparmor"),
            (Ok(None), Ok(p)) => p == Some(true),
        };
        if !active {
            return Outcome::skip("AppArmor is not active (see NIX-100)");
        }
        let text = match root.read_to_string(PROFILES) {
            Ok((_, t)) => t,
            Err(e) if e.is_not_found() => {
                return Outcome::error(format!(
                    "`{PROFILES}` is missing although AppArmor is active (securityfs not mounted?)"
                ))
            }
            Err(e) => {
                return Outcome::error(format!(
                    "{e} (reading the AppArmor profile list needs root)"
                ))
            }
        };
        let counts = match profile_modes(&text) {
            Ok(c) => c,
            Err(e) => {
                return Outcome::error(format!("`{PROFILES}`: {e}")).with_evidence([
                    Evidence::line(PROFILES, e.line, nixsec_core::escape(&e.text)),
                ])
            }
        };
        let total: usize = counts.values().sum();
        let summary = counts
            .iter()
            .map(|(m, c)| format!("{c} {m}"))
            .collect::<Vec<_>>()
            .join(", ");
        let enforcing =
            counts.get("enforce").copied().unwrap_or(0) + counts.get("kill").copied().unwrap_or(0);
        let ev = Evidence::value(
            PROFILES,
            if summary.is_empty() {
                "no profiles".to_string()
            } else {
                summary.clone()
            },
        );
        if total == 0 {
            return Outcome::fail(
                "AppArmor is active but no profile is loaded: nothing is confined",
            )
            .with_evidence([ev]);
        }
        if enforcing == 0 {
            return Outcome::fail(format!(
                "AppArmor is active but no profile enforces ({summary}): it only logs"
            ))
            .with_evidence([ev]);
        }
        Outcome::pass(format!("{total} AppArmor profiles loaded: {summary}")).with_evidence([ev])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::mac::fixtures::mac;
    use crate::testing::*;
    use nixsec_readers::mac::LSM;

    fn apparmor(profiles: impl AsRef<[u8]>) -> RootBuilder {
        RootBuilder::new()
            .file(LSM, mac("lsm/lsm.apparmor"))
            .file(PROFILES, profiles)
    }

    #[test]
    fn counts_the_fixture() {
        let c = profile_modes(&String::from_utf8(mac("apparmor/profiles")).expect("utf8"))
            .expect("parse");
        assert_eq!(c.get("enforce"), Some(&7));
        assert_eq!(c.get("complain"), Some(&1));
        assert_eq!(c.get("kill"), Some(&1));
        assert_eq!(c.get("unconfined"), Some(&2));
        assert_eq!(
            profile_modes("name with (parens) (enforce)\n")
                .expect("parse")
                .get("enforce"),
            Some(&1)
        );
    }

    #[test]
    fn enforcing_profiles_pass() {
        let o = run(
            &AppArmorConfinesNothing,
            &apparmor(mac("apparmor/profiles")),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert_eq!(
            message(&o),
            "11 AppArmor profiles loaded: 1 complain, 7 enforce, 1 kill, 2 unconfined"
        );
    }

    #[test]
    fn empty_or_complain_only_fails() {
        let o = run(
            &AppArmorConfinesNothing,
            &apparmor(mac("apparmor/profiles.empty")),
        );
        assert_eq!(o.status(), Status::Fail);
        let o = run(
            &AppArmorConfinesNothing,
            &apparmor("lsb_release (complain)\nx (unconfined)\n"),
        );
        assert_eq!(o.status(), Status::Fail);
        assert!(message(&o).contains("only logs"));
    }

    #[test]
    fn skipped_without_apparmor() {
        let b = RootBuilder::new().file(LSM, mac("lsm/lsm.none"));
        assert_eq!(run(&AppArmorConfinesNothing, &b).status(), Status::Skip);
        assert_eq!(
            run(&AppArmorConfinesNothing, &RootBuilder::new()).status(),
            Status::Skip
        );
    }

    #[test]
    fn unreadable_or_garbage_is_an_error() {
        let o = run(
            &AppArmorConfinesNothing,
            &RootBuilder::new().file(LSM, mac("lsm/lsm.apparmor")),
        );
        assert_eq!(o.status(), Status::Error);
        assert!(message(&o).contains(PROFILES), "{}", message(&o));
        let o = run(
            &AppArmorConfinesNothing,
            &apparmor("ping (enforce)\ngarbage\n"),
        );
        assert_eq!(o.status(), Status::Error);
        assert!(message(&o).contains("line 2"), "{}", message(&o));
    }
}
