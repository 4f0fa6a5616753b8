//! The NixOS configuration that fixes a scored unit: each failing check's
//! [`Fix`](crate::score::Fix) from the assessor table, as `systemd.services.<name>.serviceConfig`
//! settings.

use crate::score::{CheckResult, Fix, UnitScore};

impl Fix {
    /// `option = value;`
    #[must_use]
    pub fn assignment(&self) -> String {
        format!("{} = {};", self.option, self.value)
    }

    /// `systemd.services.<name>.serviceConfig.<option> = <value>;` for the service `unit`.
    #[must_use]
    pub fn for_service(&self, unit: &str) -> String {
        format!(
            "systemd.services.{}.serviceConfig.{}",
            service_name(unit),
            self.assignment()
        )
    }
}

impl UnitScore {
    /// The failing checks, the heaviest contribution to the exposure first (table order among
    /// equals).
    #[must_use]
    pub fn failing(&self) -> Vec<&CheckResult> {
        let mut v: Vec<&CheckResult> = self
            .checks
            .iter()
            .filter(|c| c.pass() == Some(false))
            .collect();
        v.sort_by_key(|c| {
            std::cmp::Reverse(c.badness.unwrap_or(0) * c.weight() * 1000 / c.range().max(1))
        });
        v
    }

    /// The fixes of the failing checks, heaviest first, each once (several checks share one
    /// option, such as `CapabilityBoundingSet`).
    #[must_use]
    pub fn fixes(&self) -> Vec<Fix> {
        let mut seen: Vec<Fix> = Vec::new();
        for c in self.failing() {
            if !seen.contains(&c.fix()) {
                seen.push(c.fix());
            }
        }
        seen
    }
}

/// `<name>` of `systemd.services.<name>` for the unit `unit`: without `.service`, quoted when
/// Nix needs it (`"getty@"`).
#[must_use]
pub fn service_name(unit: &str) -> String {
    let name = unit.strip_suffix(".service").unwrap_or(unit);
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-'".contains(c));
    if plain {
        name.to_string()
    } else {
        format!(
            "\"{}\"",
            name.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace("${", "\\${")
        )
    }
}

/// The `systemd.services.<name>.serviceConfig = { ... };` block that fixes every failing check
/// of `s`, one option per line, heaviest first; `unit` is the service it configures (a
/// template's own name, `getty@.service`, rather than an instance's).
#[must_use]
pub fn service_config(unit: &str, s: &UnitScore) -> String {
    let mut out = format!(
        "systemd.services.{}.serviceConfig = {{\n",
        service_name(unit)
    );
    for f in s.fixes() {
        out.push_str("  ");
        out.push_str(&f.assignment());
        out.push('\n');
    }
    out.push_str("};");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::LoadedUnit;
    use crate::unit::parse;

    fn scored(name: &str, text: &str) -> UnitScore {
        crate::assess(&LoadedUnit {
            name: name.into(),
            fragment: format!("/etc/systemd/system/{name}"),
            dropins: Vec::new(),
            assignments: parse(text, name).map(|u| u.assignments).unwrap_or_default(),
            warnings: Vec::new(),
        })
    }

    #[test]
    fn service_names_are_quoted_when_nix_needs_it() {
        assert_eq!(service_name("sshd.service"), "sshd");
        assert_eq!(service_name("redis-server.service"), "redis-server");
        assert_eq!(service_name("getty@.service"), "\"getty@\"");
        assert_eq!(service_name("a.b.service"), "\"a.b\"");
        assert_eq!(service_name("1x.service"), "\"1x\"");
        assert_eq!(service_name("x${y}.service"), "\"x\\${y}\"");
    }

    #[test]
    fn every_row_has_a_description_and_a_fix() {
        for a in crate::ASSESSORS {
            assert!(
                a.description.starts_with("Service") || a.id == "UMask=",
                "{}",
                a.id
            );
            assert!(
                !a.fix.option.is_empty() && !a.fix.value.is_empty(),
                "{}",
                a.id
            );
        }
    }

    #[test]
    fn a_bare_service_gets_one_line_per_option_heaviest_first() {
        // Nothing set: every check fails except the not-applicable ones.
        let s = scored("web.service", "[Service]\nExecStart=/bin/true\n");
        let block = service_config("web.service", &s);
        let lines: Vec<&str> = block.lines().collect();
        assert_eq!(lines[0], "systemd.services.web.serviceConfig = {");
        assert_eq!(lines.last(), Some(&"};"));
        // PrivateNetwork= weighs 2500 (range 1): the heaviest; User= 2000 at badness 10/10.
        assert_eq!(lines[1], "  PrivateNetwork = true;");
        assert_eq!(lines[2], "  DynamicUser = true;");
        // The capability rows share one option, written once.
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.contains("CapabilityBoundingSet"))
                .count(),
            1
        );
        assert!(lines.contains(&"  ProtectSystem = \"strict\";"));
        assert!(lines.contains(&"  SystemCallFilter = [ \"@system-service\" ];"));
        assert!(lines.contains(&"  DevicePolicy = \"closed\";"));
    }

    #[test]
    fn a_passing_check_gets_no_line() {
        let s = scored(
            "web.service",
            "[Service]\nExecStart=/bin/true\nPrivateNetwork=yes\nDynamicUser=yes\n",
        );
        let block = service_config("web.service", &s);
        assert!(!block.contains("PrivateNetwork"), "{block}");
        assert!(!block.contains("DynamicUser"), "{block}");
        // `DynamicUser=yes` implies `NoNewPrivileges=yes` and `ProtectSystem=strict`, but only
        // `ProtectHome=read-only` (badness 5 of 10).
        assert!(!block.contains("NoNewPrivileges"), "{block}");
        assert!(!block.contains("ProtectSystem"), "{block}");
        assert!(block.contains("\n  ProtectHome = true;\n"), "{block}");
        let f = s.failing();
        assert!(f.iter().all(|c| c.pass() == Some(false)));
        assert_eq!(
            f[0].fix().for_service("web.service"),
            format!(
                "systemd.services.web.serviceConfig.{}",
                f[0].fix().assignment()
            )
        );
    }
}
