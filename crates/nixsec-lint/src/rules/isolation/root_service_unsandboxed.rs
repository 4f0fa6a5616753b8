//! NIX-062: a service the configuration defines itself runs as root with no sandboxing.

use crate::index::{priority, Assignment};
use crate::rules::{FileCx, Hit, LintRule};
use crate::value::Value;

struct RootServiceUnsandboxed;

crate::lint_rule!("NIX-062", RootServiceUnsandboxed);

/// Settings any one of which counts as sandboxing.
const SANDBOX: &[&str] = &[
    "ProtectSystem",
    "ProtectHome",
    "PrivateTmp",
    "NoNewPrivileges",
    "CapabilityBoundingSet",
];

/// A systemd boolean written off: `false`, `"false"`, `"no"`, `"0"`, `"off"`.
fn switched_off(v: &Value) -> bool {
    match v {
        Value::Bool(b) => !b,
        Value::Str(s) => matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "false" | "no" | "0" | "off"
        ),
        _ => false,
    }
}

/// True for a command assignment: `script` or `serviceConfig.ExecStart`.
fn is_command(a: &Assignment) -> bool {
    a.path.len() >= 4
        && (a.path[3..] == ["script"] || a.path[3..] == ["serviceConfig", "ExecStart"])
}

impl LintRule for RootServiceUnsandboxed {
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["systemd", "services", "*", "script"],
            &["systemd", "services", "*", "serviceConfig", "ExecStart"],
        ]
    }
    fn also_reads(&self) -> &'static [&'static [&'static str]] {
        &[
            &["systemd", "services", "*", "serviceConfig"],
            &["systemd", "services", "*", "serviceConfig", "*"],
            &["systemd", "services", "*", "confinement", "enable"],
            &["systemd", "services", "*", "enable"],
            // Whatever else the module says of the unit (`wantedBy`, `description`, `after`),
            // and a timer, socket or path unit that starts it: a unit given nothing but a
            // command is one defined elsewhere.
            &["systemd", "services", "*", "*"],
            &["systemd", "timers", "*", "*"],
            &["systemd", "sockets", "*", "*"],
            &["systemd", "paths", "*", "*"],
        ]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        let service = a.path[2].as_str();
        let mine: Vec<&Assignment> = cx
            .index
            .assignments
            .iter()
            .filter(|b| {
                b.path.len() >= 4
                    && b.path[0] == "systemd"
                    && b.path[1] == "services"
                    && b.path[2] == service
                    && b.module == a.module
            })
            .collect();
        // Report once per service, at its first command (`script = if c then A else B` is two
        // assignments of one key: the first).
        if mine.iter().find(|b| is_command(b)).is_some_and(|first| {
            first.key_range != a.key_range || first.value.range != a.value.range
        }) {
            return;
        }
        // A forced command, or an `ExecStart` list that first resets the unit's, replaces the
        // command of a service a NixOS module defines (with its own user and sandboxing); a
        // command given in an order (`script = mkAfter ''…''`) adds to it.
        // A unit written whole here (its `description` and `wantedBy` beside the command) is
        // the configuration's own, whatever priority its command is given.
        let written_whole = ["description", "wantedBy"]
            .iter()
            .all(|k| mine.iter().any(|b| b.path.get(3).is_some_and(|p| p == k)));
        if !written_whole
            && mine.iter().any(|b| {
            is_command(b)
                && (b.priority < priority::NORMAL
                    || b.ordered
                    || matches!(&b.value.v, Value::List(items)
                        if items.first().is_some_and(|i| matches!(&i.v, Value::Str(x) if x.is_empty()))))
        }) {
            return;
        }
        // `systemd.services.zfs-mount.serviceConfig.ExecStart = [ "…" ]` and nothing else of
        // the unit, which no timer, socket or path unit of the module starts: a command added
        // to a unit NixOS or a package defines (with its own user and ordering), not a service
        // of the configuration's own.
        let started_here = cx.index.assignments.iter().any(|b| {
            b.path.len() >= 3
                && b.path[0] == "systemd"
                && matches!(b.path[1].as_str(), "timers" | "sockets" | "paths")
                && b.path[2] == service
                && b.module == a.module
        });
        if !started_here
            && mine.iter().all(|b| {
                b.path[3..] == ["serviceConfig", "ExecStart"] && matches!(b.value.v, Value::List(_))
            })
        {
            return;
        }
        let mut judged = true;
        let mut sandboxed = false;
        for b in &mine {
            match &b.path[3..] {
                // A unit turned off for good is not installed: nothing runs.
                [e] if e == "enable"
                    && b.value.v.as_bool() == Some(false)
                    && b.condition.is_none()
                    && b.priority <= priority::NORMAL =>
                {
                    return;
                }
                [k] if k == "serviceConfig" => judged = false, // computed: not read
                [c, e] if c == "confinement" && e == "enable" => {
                    sandboxed |= b.value.v.as_bool() != Some(false);
                }
                [s, k] if s == "serviceConfig" => match k.as_str() {
                    "User" => match &b.value.v {
                        Value::Str(u) if u == "root" || u == "0" => {}
                        _ => sandboxed = true,
                    },
                    "DynamicUser" => sandboxed |= b.value.v.as_bool() != Some(false),
                    // A switch written off (`ProtectSystem = false`, `PrivateTmp = "no"`)
                    // sandboxes nothing.
                    k if SANDBOX.contains(&k) => sandboxed |= !switched_off(&b.value.v),
                    _ => {}
                },
                _ => {}
            }
        }
        if judged && !sandboxed {
            // Units made by one function (`honeypot-${name}` for each port) are one finding.
            out.push(
                Hit::new(
                    a.key_range,
                    format!("service `{service}` runs as root with no sandboxing (no User/DynamicUser, ProtectSystem, ProtectHome, PrivateTmp, NoNewPrivileges or CapabilityBoundingSet)"),
                )
                .grouped("unsandboxed", service.to_string()),
            );
        }
    }
    fn merged(&self, _: &str, services: &[String]) -> String {
        let names: Vec<String> = services.iter().map(|s| format!("`{s}`")).collect();
        format!(
            "services {} run as root with no sandboxing (no User/DynamicUser, ProtectSystem, ProtectHome, PrivateTmp, NoNewPrivileges or CapabilityBoundingSet), all from this one definition",
            names.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::Medium;

    const ID: &str = "NIX-062";

    /// Units made by one function are one finding listing them.
    /// A module written for NixOS and nix-darwin (`optionalAttrs (options ? systemd) { … }`
    /// beside `optionalAttrs (options ? launchd) { … }`) is judged as NixOS's: its systemd
    /// unit is one.
    #[test]
    fn a_unit_written_whole_with_a_forced_command_is_the_configurations() {
        let src = "{ lib, pkgs, ... }: {\n  systemd.services.garage = {\n    description = \"Garage\";\n    wantedBy = [ \"multi-user.target\" ];\n    serviceConfig.ExecStart = lib.mkForce \"${pkgs.garage}/bin/garage server\";\n  };\n}";
        assert_eq!(crate::rules::testing::hit_lines(src, ID), [5]);
    }

    #[test]
    fn a_module_for_both_systems_is_judged_as_nixos() {
        let src = "{ lib, options, ... }: lib.mkMerge [\n  (lib.optionalAttrs (options ? systemd) {\n    systemd.services.check = {\n      script = \"exec curl x\";\n      serviceConfig.Type = \"oneshot\";\n    };\n  })\n  (lib.optionalAttrs (options ? launchd) {\n    launchd.daemons.check.command = \"curl x\";\n  })\n]";
        assert_eq!(hits(src, ID).len(), 1, "{src}");
    }

    #[test]
    fn units_made_by_one_function_are_one_finding() {
        let src = "let\n  mk = name: {\n    script = \"serve ${name}\";\n  };\nin {\n  systemd.services.honeypot-telnet = mk \"telnet\";\n  systemd.services.honeypot-mysql = mk \"mysql\";\n}";
        let got = crate::rules::testing::findings(src, ID);
        let msgs: Vec<&str> = got.iter().map(|f| f.finding.message.as_str()).collect();
        assert_eq!(msgs.len(), 1, "{got:#?}");
        assert!(
            msgs[0].starts_with("services `honeypot-telnet`, `honeypot-mysql` run as root"),
            "{msgs:?}"
        );
    }

    #[test]
    fn root_services() {
        assert_eq!(
            hits(
                "{ systemd.services.backup.script = \"rsync -a /srv /mnt\"; }",
                ID
            ),
            [h("systemd.services.backup.script", 1, Medium)]
        );
        assert_eq!(
            hits("{ systemd.services.sync = {\n  serviceConfig.ExecStart = \"/bin/sync\";\n  serviceConfig.User = \"root\";\n};\n}", ID).len(),
            1
        );
        // A unit of its own (started by a target, or by its timer) with its command as a list.
        assert_eq!(
            hits(
                "{ systemd = { services.x.serviceConfig = { Type = \"oneshot\"; ExecStart = [ \"/bin/x\" ]; }; timers.x.wantedBy = [ \"timers.target\" ]; }; }",
                ID
            )
            .len(),
            1
        );
        assert_eq!(
            hits(
                "{ systemd = { services.x.serviceConfig.ExecStart = [ \"/bin/x\" ]; timers.x.wantedBy = [ \"timers.target\" ]; }; }",
                ID
            )
            .len(),
            1
        );
        assert_eq!(
            hits(
                "{ systemd.services.x = { wantedBy = [ \"multi-user.target\" ]; serviceConfig.ExecStart = [ \"/bin/x\" ]; }; }",
                ID
            )
            .len(),
            1
        );
        // One command written as the two branches of an `if`: one finding.
        assert_eq!(
            hits(
                "{ c, ... }: { systemd.services.x.script = if c then \"a\" else \"b\"; }",
                ID
            )
            .len(),
            1
        );
        // Turned off only under a condition, or on: still reported.
        for on in [
            "{ config, lib, ... }: { systemd.services.x = { enable = lib.mkIf config.a false; script = \"a\"; }; }",
            "{ systemd.services.x = { enable = true; script = \"a\"; }; }",
        ] {
            assert_eq!(hits(on, ID).len(), 1, "{on}");
        }
        // Reported once, also with both a script and an ExecStart.
        assert_eq!(
            hits(
                "{ systemd.services.x = { script = \"a\"; serviceConfig.ExecStart = \"b\"; }; }",
                ID
            )
            .len(),
            1
        );
        // Every sandboxing switch written off sandboxes nothing.
        assert_eq!(
            hits(
                "{ systemd.services.eset.serviceConfig = {\n  ExecStart = \"/opt/eset/agent\";\n  User = \"root\";\n  NoNewPrivileges = false;\n  PrivateTmp = false;\n  ProtectSystem = false;\n  ProtectHome = \"no\";\n};\n}",
                ID
            )
            .len(),
            1
        );
        for fine in [
            "{ systemd.services.x = { script = \"a\"; serviceConfig.DynamicUser = true; }; }",
            "{ systemd.services.x = { script = \"a\"; serviceConfig.User = \"backup\"; }; }",
            "{ systemd.services.x = { script = \"a\"; serviceConfig = { ProtectSystem = \"strict\"; }; }; }",
            "{ systemd.services.x = { script = \"a\"; confinement.enable = true; }; }",
            "{ systemd.services.x = { script = \"a\"; serviceConfig = common // { Type = \"oneshot\"; }; }; }",
            "{ systemd.services.nginx.serviceConfig.LimitNOFILE = 4096; }",
            // Overrides of a module's command.
            "{ lib, ... }: { systemd.services.telegraf.serviceConfig.ExecStart = lib.mkForce \"x\"; }",
            "{ systemd.services.telegraf.serviceConfig.ExecStart = [ \"\" \"x\" ]; }",
            // A command added to a unit NixOS defines, and nothing else of it.
            "{ systemd.services.zfs-mount.serviceConfig.ExecStart = [ \"zfs mount -a -o remount\" ]; }",
            "{ pkgs, ... }: { systemd.services.NetworkManager-wait-online.serviceConfig.ExecStart = [ \"${pkgs.networkmanager}/bin/nm-online -q\" ]; }",
            // Added to the command of a module's unit, in every spelling of an order.
            "{ lib, ... }: { systemd.services.postfix-setup.script = lib.mkAfter \"check\"; }",
            "{ lib, ... }: { systemd.services.postfix-setup.script = lib.mkBefore \"check\"; }",
            "{ lib, ... }: { systemd.services.postfix-setup.script = lib.mkOrder 1500 \"check\"; }",
            "{ lib, ... }: { systemd.services.postfix-setup = { script = lib.mkAfter ''\n  check\n''; }; }",
            // A unit that is turned off is not installed.
            "{ systemd.services.x = { enable = false; script = \"a\"; }; }",
            "{ lib, ... }: { systemd.services.x = { enable = lib.mkForce false; script = \"a\"; }; }",
        ] {
            assert!(hits(fine, ID).is_empty(), "{fine}");
        }
    }
}
