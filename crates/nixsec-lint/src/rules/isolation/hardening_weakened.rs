//! NIX-063: a service's systemd hardening turned off, typically with `lib.mkForce` over what a
//! NixOS module set.

use linkme::distributed_slice;
use nixsec_core::{RuleMeta, Section, Severity};

use crate::index::{priority, Assignment};
use crate::rules::{FileCx, Hit, LintRule, LINT_RULES};
use crate::value::Value;

/// ## What it checks
/// `systemd.services.<n>.serviceConfig.<Key>` set to its weakest value, for the sandboxing keys
/// (`ProtectSystem`, `ProtectHome`, `PrivateTmp`, `NoNewPrivileges`, `PrivateDevices`,
/// `RestrictNamespaces`, `SystemCallFilter = [ ]`, `DynamicUser = false`, and the other
/// boolean `Protect*`/`Restrict*` switches), when it is forced (`lib.mkForce`, `mkOverride`
/// below 100) or the service is not defined in the same file (no `script`/`ExecStart`
/// there): an override of a module's hardening.
///
/// ## Why it matters
/// NixOS modules ship services sandboxed; turning one switch off to make something work
/// silently gives the service back the whole file system, the devices or root's privileges.
///
/// ## Fix (NixOS)
/// Remove the override and grant only what is needed, for example
/// `systemd.services.<n>.serviceConfig.ReadWritePaths = [ "/var/lib/x" ];`.
pub struct HardeningWeakened;

static META: RuleMeta = RuleMeta {
    id: "NIX-063",
    title: "Module hardening weakened by override",
    section: Section::Isolation,
    severity: Severity::Medium,
    checks: "`systemd.services.<n>.serviceConfig` sandboxing switches (`ProtectSystem`, `ProtectHome`, `PrivateTmp`, `NoNewPrivileges`, `PrivateDevices`, `RestrictNamespaces`, `SystemCallFilter = [ ]`, `DynamicUser = false`, ...) set to their weakest value with `mkForce`/`mkOverride`, or on a service this file does not define",
    rationale: "NixOS modules ship services sandboxed; switching the sandbox off to make one thing work gives the service back the whole file system, the devices or root's privileges.",
    fix: "Remove the override; grant the one path or capability needed instead",
    nixos: "systemd.services.<name>.serviceConfig.ReadWritePaths = [ \"/var/lib/<name>\" ];",
    references: &["systemd.exec(5)", "https://nixos.org/manual/nixos/stable/#sec-option-definitions-setting-priorities"],
    source: file!(),
};

// linkme places the entry with `#[link_section]`, which the workspace's `unsafe_code` lint flags.
#[allow(unsafe_code)]
#[distributed_slice(LINT_RULES)]
static RULE: &dyn LintRule = &HardeningWeakened;

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
];

/// True when `v` is the key's weakest value.
fn weakest(key: &str, v: &Value) -> bool {
    match (key, v) {
        ("SystemCallFilter", Value::List(items)) => items.is_empty(),
        ("SystemCallFilter", Value::Str(s)) => s.trim().is_empty(),
        ("SystemCallFilter", _) => false,
        (_, Value::Bool(b)) => !b,
        (_, Value::Str(s)) => matches!(
            s.to_ascii_lowercase().as_str(),
            "no" | "false" | "0" | "off"
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

impl LintRule for HardeningWeakened {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[&["systemd", "services", "*", "serviceConfig", "*"]]
    }
    fn also_reads(&self) -> &'static [&'static [&'static str]] {
        &[&["systemd", "services", "*", "script"]]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        let key = a.path[4].as_str();
        if !(SWITCHES.contains(&key) || key == "SystemCallFilter") || !weakest(key, &a.value.v) {
            return;
        }
        let service = a.path[2].as_str();
        let forced = a.priority < priority::NORMAL;
        if !forced && defined_here(cx, service) {
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
        ] {
            assert!(hits(fine, ID).is_empty(), "{fine}");
        }
        // Forced in the file that defines the service too.
        assert_eq!(
            hits("{ lib, ... }: { systemd.services.mine = { script = \"run\"; serviceConfig.PrivateTmp = lib.mkForce false; }; }", ID).len(),
            1
        );
    }
}
