//! NIX-063: a service's systemd hardening turned off, typically with `lib.mkForce` over what a
//! NixOS module set.

use crate::index::{priority, Assignment};
use crate::rules::{FileCx, Hit, LintRule};
use crate::value::Value;

struct HardeningWeakened;

crate::lint_rule!("NIX-063", HardeningWeakened);

/// Boolean sandboxing switches whose `false` turns the protection off.
const SWITCHES: &[&str] = &[
    "ProtectSystem",
    "ProtectHome",
    "PrivateTmp",
    "NoNewPrivileges",
    "PrivateDevices",
    "RestrictNamespaces",
    "DynamicUser",
    "ProtectKernelTunables",
    "ProtectKernelModules",
    "ProtectKernelLogs",
    "ProtectControlGroups",
    "ProtectClock",
    "ProtectHostname",
    "PrivateUsers",
    "PrivateNetwork",
    "MemoryDenyWriteExecute",
    "RestrictSUIDSGID",
    "RestrictRealtime",
    "LockPersonality",
    "PrivateMounts",
    "PrivateIPC",
    "RemoveIPC",
];

/// Sandboxing settings that are not switches: their weakest value is a word (`ProtectProc =
/// "default"`), an empty filter, or `null` forced over the module's value.
const SETTINGS: &[&str] = &[
    "SystemCallFilter",
    "CapabilityBoundingSet",
    "RestrictAddressFamilies",
    "ProtectProc",
    "ProcSubset",
    "DevicePolicy",
    "SystemCallArchitectures",
];

/// True when `v` is the key's weakest value.
fn weakest(key: &str, v: &Value) -> bool {
    match (key, v) {
        // `null` forced over a module's value drops the setting from the unit.
        (_, Value::Null) => SETTINGS.contains(&key),
        // An empty list writes no line: the unit keeps no filter, no family and no bound at
        // all (forced over the module's list).
        (
            "SystemCallFilter" | "RestrictAddressFamilies" | "CapabilityBoundingSet",
            Value::List(items),
        ) => items.is_empty(),
        ("SystemCallFilter" | "SystemCallArchitectures", Value::Str(s)) => s.trim().is_empty(),
        // `~` with nothing after it keeps every capability.
        ("CapabilityBoundingSet", Value::Str(s)) => s.trim() == "~",
        // Not one of its words (`"false"`, `"no"`): systemd ignores the line, the default
        // stays.
        ("ProtectProc", Value::Str(s)) => {
            !matches!(s.as_str(), "noaccess" | "invisible" | "ptraceable")
        }
        ("ProcSubset", Value::Str(s)) => s == "all",
        ("DevicePolicy", Value::Str(s)) => s == "auto",
        (k, _) if SETTINGS.contains(&k) => false,
        (_, Value::Bool(b)) => !b,
        // An empty assignment resets the switch to systemd's default, off.
        (_, Value::Str(s)) => matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "no" | "false" | "0" | "off" | ""
        ),
        _ => false,
    }
}

/// True when this file defines the service's command (it is the file's own service).
fn defined_here(cx: &FileCx<'_>, service: &str) -> bool {
    cx.index.assignments.iter().any(|a| {
        a.path.len() >= 4
            && a.path[0] == "systemd"
            && a.path[1] == "services"
            && a.path[2] == service
            && (a.path[3..] == ["script"] || a.path[3..] == ["serviceConfig", "ExecStart"])
    })
}

/// True when this file itself hardens the service: at least two sandboxing settings of its
/// `serviceConfig` are set to a protecting value (a switch on, a system call filter, a capability
/// bounding set). A plain `false` beside them is a deliberate adjustment, not a weakening.
fn hardened_here(cx: &FileCx<'_>, a: &Assignment) -> bool {
    let service = &a.path[2];
    cx.index
        .assignments
        .iter()
        .filter(|b| {
            b.path.len() == 5
                && b.path[0] == "systemd"
                && b.path[1] == "services"
                && &b.path[2] == service
                && b.path[3] == "serviceConfig"
        })
        .filter(|b| {
            let key = b.path[4].as_str();
            match key {
                "SystemCallFilter" | "CapabilityBoundingSet" | "RestrictAddressFamilies" => {
                    !weakest("SystemCallFilter", &b.value.v)
                }
                k if SWITCHES.contains(&k) => !weakest(k, &b.value.v) && !b.value.v.is_unknown(),
                _ => false,
            }
        })
        .count()
        >= 2
}

impl LintRule for HardeningWeakened {
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["systemd", "services", "*", "serviceConfig", "*"],
            // The GitHub runner module's own way over its hardened unit.
            &["services", "github-runners", "*", "serviceOverrides", "*"],
            &["services", "github-runner", "serviceOverrides", "*"],
        ]
    }
    fn also_reads(&self) -> &'static [&'static [&'static str]] {
        &[&["systemd", "services", "*", "script"]]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        let Some(key) = a.path.last().map(String::as_str) else {
            return;
        };
        if !(SWITCHES.contains(&key) || SETTINGS.contains(&key)) || !weakest(key, &a.value.v) {
            return;
        }
        if a.path[0] == "services" {
            // `serviceOverrides` exists to change what the module hardened: any weakening
            // there is one, in whichever file.
            let unit = match a.path.len() {
                5 => format!("github-runner-{}", a.path[2]),
                _ => "github-runner".to_string(),
            };
            let option = crate::value::path_string(&a.path[..a.path.len() - 1]);
            out.push(
                Hit::new(
                    a.value.range,
                    format!("`{unit}`: {option}.{key} set to its weakest value, switching off the module's sandboxing"),
                )
                .fix(format!("# remove {option}.{key}; grant only what is needed (ReadWritePaths, ...)")),
            );
            return;
        }
        let service = a.path[2].as_str();
        let forced = a.priority < priority::NORMAL;
        if !forced && (defined_here(cx, service) || hardened_here(cx, a)) {
            return;
        }
        let how = if forced { "forced" } else { "set" };
        let message = if key == "DynamicUser" {
            format!("`{service}`: serviceConfig.DynamicUser {how} off, so the service loses what it implies (ProtectSystem=strict, ProtectHome=read-only, PrivateTmp, NoNewPrivileges, RestrictSUIDSGID, RemoveIPC)")
        } else {
            format!("`{service}`: serviceConfig.{key} {how} to its weakest value, switching off the module's sandboxing")
        };
        out.push(Hit::new(
            a.value.range,
            message,
        ).fix(format!("# remove systemd.services.{service}.serviceConfig.{key}; grant only what is needed (ReadWritePaths, ...)")));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::Medium;

    const ID: &str = "NIX-063";

    /// An empty value forced over the module's: a switch reset to systemd's default (off), a
    /// list written as no line, an empty architecture list.
    #[test]
    fn emptied_settings() {
        for src in [
            "{ lib, ... }: { systemd.services.gitea.serviceConfig.ProtectSystem = lib.mkForce \"\"; }",
            "{ lib, ... }: { systemd.services.gitea.serviceConfig.RestrictAddressFamilies = lib.mkForce [ ]; }",
            "{ lib, ... }: { systemd.services.gitea.serviceConfig.CapabilityBoundingSet = lib.mkForce [ ]; }",
            "{ lib, ... }: { systemd.services.gitea.serviceConfig.SystemCallArchitectures = lib.mkForce \"\"; }",
        ] {
            assert_eq!(hits(src, ID).len(), 1, "{src}");
        }
        for fine in [
            "{ lib, ... }: { systemd.services.gitea.serviceConfig.RestrictAddressFamilies = lib.mkForce [ \"AF_UNIX\" ]; }",
            "{ lib, ... }: { systemd.services.gitea.serviceConfig.SystemCallArchitectures = lib.mkForce \"native\"; }",
        ] {
            assert!(hits(fine, ID).is_empty(), "{fine}");
        }
    }

    #[test]
    fn forced_or_foreign_weakening() {
        assert_eq!(
            hits("{ lib, ... }: { systemd.services.nginx.serviceConfig.ProtectSystem = lib.mkForce false; }", ID),
            [h("false", 1, Medium)]
        );
        assert_eq!(
            hits("{ systemd.services.nextcloud-setup.serviceConfig = { PrivateTmp = false; ProtectHome = \"no\"; }; }", ID).len(),
            2
        );
        assert_eq!(
            hits("{ lib, ... }: { systemd.services.x.serviceConfig.SystemCallFilter = lib.mkForce [ ]; }", ID).len(),
            1
        );
        assert_eq!(
            hits(
                "{ systemd.services.gitea.serviceConfig.DynamicUser = false; }",
                ID
            )
            .len(),
            1
        );
        // Stronger values, other keys, and a service defined in the same file are quiet.
        for fine in [
            "{ systemd.services.nginx.serviceConfig.ProtectSystem = \"strict\"; }",
            "{ systemd.services.nginx.serviceConfig.ProtectHome = true; }",
            "{ systemd.services.nginx.serviceConfig.User = \"nginx\"; }",
            "{ systemd.services.nginx.serviceConfig.SystemCallFilter = [ \"@system-service\" ]; }",
            "{ systemd.services.mine = { script = \"run\"; serviceConfig.PrivateTmp = false; }; }",
            // A plain `false` inside a block that hardens the service: an adjustment.
            "{ systemd.services.caddy.serviceConfig = { DynamicUser = false; PrivateUsers = false; SystemCallFilter = [ \"@system-service\" ]; ProtectKernelModules = true; }; }",
        ] {
            assert!(hits(fine, ID).is_empty(), "{fine}");
        }
        // Settings that are not switches, at their weakest: forced, or on a foreign service.
        for weak in [
            "{ lib, ... }: { systemd.services.llama-cpp.serviceConfig.ProtectProc = lib.mkForce \"default\"; }",
            "{ lib, ... }: { systemd.services.aldhy.serviceConfig.ProtectProc = lib.mkForce \"false\"; }",
            "{ lib, ... }: { systemd.services.llama-cpp.serviceConfig.ProcSubset = lib.mkForce \"all\"; }",
            "{ lib, ... }: { systemd.services.llama-cpp.serviceConfig.DevicePolicy = lib.mkForce \"auto\"; }",
            "{ lib, ... }: { systemd.services.llama-cpp.serviceConfig.SystemCallFilter = lib.mkForce null; }",
            "{ lib, ... }: { systemd.services.immich-server.serviceConfig.CapabilityBoundingSet = lib.mkForce \"~\"; }",
            "{ lib, ... }: { systemd.services.x.serviceConfig.RestrictAddressFamilies = lib.mkForce null; }",
            "{ lib, ... }: { systemd.services.x.serviceConfig.PrivateMounts = lib.mkForce false; }",
        ] {
            assert_eq!(hits(weak, ID).len(), 1, "{weak}");
        }
        for fine in [
            "{ lib, ... }: { systemd.services.x.serviceConfig.ProtectProc = lib.mkForce \"invisible\"; }",
            "{ lib, ... }: { systemd.services.x.serviceConfig.ProcSubset = lib.mkForce \"pid\"; }",
            "{ lib, ... }: { systemd.services.x.serviceConfig.DevicePolicy = lib.mkForce \"closed\"; }",
            "{ lib, ... }: { systemd.services.x.serviceConfig.CapabilityBoundingSet = lib.mkForce \"\"; }",
            "{ lib, ... }: { systemd.services.x.serviceConfig.CapabilityBoundingSet = lib.mkForce [ \"CAP_NET_BIND_SERVICE\" ]; }",
            "{ lib, ... }: { systemd.services.x.serviceConfig.RestrictAddressFamilies = lib.mkForce \"none\"; }",
            "{ lib, ... }: { systemd.services.x.serviceConfig.User = lib.mkForce null; }",
        ] {
            assert!(hits(fine, ID).is_empty(), "{fine}");
        }
        // The GitHub runner module's overrides of its own hardening.
        for (src, n) in [
            ("{ services.github-runners.ci = { enable = true; serviceOverrides.ProtectHome = false; }; }", 1),
            ("{ services.github-runner.serviceOverrides = { PrivateTmp = false; NoNewPrivileges = false; }; }", 2),
            ("{ services.github-runners.ci.serviceOverrides.ReadWritePaths = [ \"/data\" ]; }", 0),
        ] {
            assert_eq!(hits(src, ID).len(), n, "{src}");
        }
        // Forced in the file that defines the service too.
        assert_eq!(
            hits("{ lib, ... }: { systemd.services.mine = { script = \"run\"; serviceConfig.PrivateTmp = lib.mkForce false; }; }", ID).len(),
            1
        );
    }
}
