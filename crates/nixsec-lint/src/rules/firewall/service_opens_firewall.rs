//! NIX-073: a service module told to open its ports in the firewall.

use crate::index::{priority, Assignment};
use crate::rules::{FileCx, Hit, LintRule};
use crate::value::path_string;

struct ServiceOpensFirewall;

crate::lint_rule!("NIX-073", ServiceOpensFirewall);

/// Names of the switches that open a module's ports (syncthing calls it `openDefaultPorts`).
const SWITCHES: &[&str] = &["openFirewall", "openDefaultPorts"];

/// `open…Port` / `open…Ports`: transmission's `openPeerPorts` and `openRPCPort`,
/// yggdrasil's `openMulticastPort`, `openPorts`.
fn opens_ports(name: &str) -> bool {
    name.strip_prefix("open").is_some_and(|rest| {
        rest.starts_with(|c: char| c.is_ascii_uppercase())
            && (rest.ends_with("Port") || rest.ends_with("Ports"))
            && rest.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

/// `openFirewall…` switches of one kind of port: pi-hole's `openFirewallDNS`,
/// `openFirewallDHCP`, `openFirewallWebserver`.
fn opens_firewall_for(name: &str) -> bool {
    name.strip_prefix("openFirewall").is_some_and(|rest| {
        rest.starts_with(|c: char| c.is_ascii_uppercase())
            && rest.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

/// `open…Firewall` switches of one kind of port: a space-station-14 watchdog's
/// `openApiFirewall`, `openHttpFirewall`, `openAdminFirewall`. Not netbird's
/// `openInternalFirewall`, which opens ports on the mesh interface only.
fn opens_some_firewall(name: &str) -> bool {
    name.strip_prefix("open")
        .and_then(|rest| rest.strip_suffix("Firewall"))
        .is_some_and(|kind| {
            kind.starts_with(|c: char| c.is_ascii_uppercase())
                && kind.chars().all(|c| c.is_ascii_alphanumeric())
                && kind != "Internal"
        })
}

/// `…OpenFirewall` switches of one part of a module: pipewire's `raopOpenFirewall` (AirPlay).
fn part_opens_firewall(name: &str) -> bool {
    name.strip_suffix("OpenFirewall").is_some_and(|part| {
        part.starts_with(|c: char| c.is_ascii_lowercase())
            && part.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

/// The module the switch belongs to (or one it is nested in) is turned off for good in this
/// file (`services.x.enable = false;` unconditionally, and nothing here turns it on): nothing
/// is opened.
fn module_turned_off(a: &Assignment, cx: &FileCx<'_>) -> bool {
    (2..a.path.len()).any(|k| {
        let mut pat: Vec<&str> = a.path[..k].iter().map(String::as_str).collect();
        pat.push("enable");
        let mut off = false;
        for b in cx.index.find(&pat) {
            match b.value.v.as_bool() {
                // Off for good, or off whenever the switch itself applies (the same `mkIf`).
                Some(false)
                    if (b.condition.is_none() || b.condition == a.condition)
                        && b.priority <= priority::NORMAL =>
                {
                    off = true;
                }
                _ => return false,
            }
        }
        off
    })
}

impl LintRule for ServiceOpensFirewall {
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[&["services", "*", "openFirewall"]]
    }
    fn also_reads(&self) -> &'static [&'static [&'static str]] {
        &[
            &["services", "*", "enable"],
            &["services", "*", "*", "enable"],
            &["programs", "*", "enable"],
            &["hardware", "*", "enable"],
        ]
    }
    /// Any module's switch, at any depth: `programs.steam.remotePlay.openFirewall`,
    /// `hardware.sane.openFirewall`, `services.a.b.openFirewall`; and a service's, program's
    /// or hardware module's `open…Port(s)` (`services.transmission.openPeerPorts`) and
    /// `…OpenFirewall` (`services.pipewire.raopOpenFirewall`).
    fn wants(&self, a: &Assignment) -> bool {
        let Some(last) = a.path.last() else {
            return false;
        };
        // A module of the repository's own turned off (`tauon = { enable = false;
        // openFirewall = true; }`): kept for [`module_turned_off`].
        if last == "enable" && a.value.v.as_bool() == Some(false) {
            return true;
        }
        if a.path.len() < 2 || matches!(a.path[0].as_str(), "networking" | "home-manager") {
            return false;
        }
        SWITCHES.contains(&last.as_str())
            || a.path.len() >= 3
                && matches!(a.path[0].as_str(), "services" | "programs" | "hardware")
                && (opens_firewall_for(last)
                    || part_opens_firewall(last)
                    || opens_some_firewall(last))
            || a.path.len() >= 3
                && matches!(a.path[0].as_str(), "services" | "programs" | "hardware")
                && opens_ports(last)
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if a.path.last().is_some_and(|l| l == "enable")
            || a.value.v.as_bool() != Some(true)
            || module_turned_off(a, cx)
        {
            return;
        }
        // sshd has its own rules (NIX-078..082); `services.openssh.openFirewall` is the default.
        // sshd's own switch (at any depth: a container's or a microVM's `services.openssh`).
        if a.path.len() >= 3
            && a.path[a.path.len() - 2] == "openssh"
            && a.path[a.path.len() - 3] == "services"
        {
            return;
        }
        let module = path_string(&a.path[..a.path.len() - 1]);
        let switch = path_string(&a.path);
        out.push(
            Hit::new(
                a.value.range,
                format!("`{module}` opens its ports on every interface"),
            )
            .subject(module.clone())
            .fix(format!(
                "{switch} = false;  # then: networking.firewall.interfaces.<if>.allowedTCPPorts = [ ... ];"
            ))
            // One switch shared by several services (`servarrApp = { openFirewall = true; }`
            // given to sonarr, radarr, ...) is one finding.
            .grouped("open", module),
        );
    }
    fn merged(&self, _: &str, modules: &[String]) -> String {
        let names = crate::rules::quoted_once(modules);
        if let [one] = names.as_slice() {
            return format!("{one} opens its ports on every interface");
        }
        format!(
            "{} open their ports on every interface, all from this one setting",
            names.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{findings, h, hc, hits};
    use nixsec_core::Severity::Low;

    const ID: &str = "NIX-073";

    #[test]
    fn a_service_reached_twice_is_named_once() {
        use crate::rules::LintRule;
        let r = super::ServiceOpensFirewall;
        assert_eq!(
            r.merged("", &["services.a".into(), "services.a".into()]),
            "`services.a` opens its ports on every interface"
        );
        assert!(r
            .merged(
                "",
                &[
                    "services.a".into(),
                    "services.b".into(),
                    "services.a".into()
                ]
            )
            .starts_with("`services.a`, `services.b` open their ports"));
    }

    /// One switch shared by several services (a let-bound set given to each) is one finding
    /// that lists them; switches written apart stay apart.
    #[test]
    fn one_switch_shared_by_services_is_one_finding() {
        let src = "let\n  app = {\n    openFirewall = true;\n  };\nin {\n  services.sonarr = app;\n  services.radarr = app;\n  services.jellyfin.openFirewall = true;\n}";
        let got = findings(src, ID);
        let msgs: Vec<(u32, &str)> = got
            .iter()
            .map(|f| (f.line, f.finding.message.as_str()))
            .collect();
        assert_eq!(
            msgs,
            [
                (
                    3,
                    "`services.sonarr`, `services.radarr` open their ports on every interface, all from this one setting"
                ),
                (8, "`services.jellyfin` opens its ports on every interface"),
            ],
            "{got:#?}"
        );
    }

    /// A switch given a custom option this file declares with a default: that default, as
    /// long as nothing else sets the option.
    #[test]
    fn a_switch_fed_by_a_declared_default() {
        let src = "{ config, lib, ... }: let cfg = config.my.torrents; in { options.my.torrents = { enable = lib.mkEnableOption \"t\"; openFirewall = lib.mkOption { type = lib.types.bool; default = true; }; quiet = lib.mkEnableOption \"q\"; }; config = lib.mkIf cfg.enable { services.transmission.openPeerPorts = cfg.openFirewall; services.transmission.openRPCPort = cfg.quiet; }; }";
        let f = crate::rules::testing::findings(src, ID);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            f[0].option.as_deref(),
            Some("services.transmission.openPeerPorts")
        );
        assert_eq!(
            f[0].condition.as_deref(),
            Some("cfg.enable && `my.torrents.openFirewall` is left at its default")
        );
    }

    /// The same through a library's option helpers (`mkBoolOpt true "…"`, `mkOpt types.bool
    /// true "…"`) and a namespace given as a module argument (`options.${namespace}.x`, read
    /// back as `config.${namespace}.x`, snowfall-lib's way).
    #[test]
    fn a_switch_fed_by_a_helper_declared_default_under_a_namespace() {
        for (decl, found) in [
            ("mkBoolOpt true \"open\"", 1),
            ("mkOpt lib.types.bool true \"open\"", 1),
            ("mkBoolOpt false \"open\"", 0),
        ] {
            let src = format!("{{ config, lib, namespace, ... }}: let cfg = config.${{namespace}}.sun; inherit (lib.${{namespace}}) mkBoolOpt mkOpt; in {{ options.${{namespace}}.sun = {{ enable = lib.mkEnableOption \"s\"; openFirewall = {decl}; }}; config = lib.mkIf cfg.enable {{ services.sunshine = {{ enable = true; openFirewall = cfg.openFirewall; }}; }}; }}");
            let f = crate::rules::testing::findings(&src, ID);
            assert_eq!(f.len(), found, "{decl}: {f:?}");
        }
    }

    #[test]
    fn every_module_at_any_depth() {
        for src in [
            "{ services.jellyfin = { enable = true; openFirewall = true; }; }",
            "{ services.grafana.openFirewall = true; }",
            "{ programs.steam.remotePlay.openFirewall = true; }",
            "{ programs.steam = { enable = true; dedicatedServer.openFirewall = true; }; }",
            "{ hardware.sane.openFirewall = true; }",
            "{ services.pihole-ftl = { enable = true; openFirewallDNS = true; }; }",
            "{ services.k3s.openFirewall = true; }",
            "{ services.a.b.openFirewall = true; }",
            "{ services.syncthing.openDefaultPorts = true; }",
            "{ services.space-station-14-watchdog.openApiFirewall = true; }",
            "{ lib, ... }: { services.kdeconnect.openFirewall = lib.mkDefault true; }",
            "let open = true; in { services.jellyfin.openFirewall = open; }",
            "{ services.transmission.openPeerPorts = true; }",
            "{ services.transmission.openRPCPort = true; }",
            "{ services.transmission = { enable = true; openRPCPort = true; }; }",
            "{ services = { yggdrasil = { enable = true; openMulticastPort = true; }; }; }",
            "{ lib, ... }: { services.transmission.openPeerPorts = lib.mkForce true; }",
            "{ config, lib, ... }: { config = lib.mkIf config.torrent { services.transmission.openPeerPorts = true; }; }",
            "{ services.foo.bar.openPorts = true; }",
            "{ programs.foo.openDataPorts = true; }",
            "{ hardware.foo.openControlPort = true; }",
            "{ services.pipewire = { enable = true; raopOpenFirewall = true; }; }",
        ] {
            assert_eq!(hits(src, ID).len(), 1, "{src}");
        }
        // netbird's switch opens the mesh interface only.
        assert!(hits(
            "{ services.netbird.clients.wt0.openInternalFirewall = true; }",
            ID
        )
        .is_empty());
        assert_eq!(
            hits(
                "{ services.jellyfin = { enable = true; openFirewall = true; }; }",
                ID
            ),
            [h("true", 1, Low)]
        );
        // Off under another condition than the switch's: it may still open.
        assert_eq!(
            hits(
                "{ lib, config, ... }: { services.jellyfin.enable = lib.mkIf config.a false; services.jellyfin.openFirewall = lib.mkIf config.b true; }",
                ID
            )
            .len(),
            1
        );
        assert_eq!(
            hits(
                "{ lib, config, ... }: lib.mkIf config.gaming { programs.steam.remotePlay.openFirewall = true; }",
                ID
            ),
            [hc("true", 1, Low)]
        );
        let f = findings("{ services.grafana.openFirewall = true; }", ID);
        assert!(f[0]
            .finding
            .remediation
            .nixos
            .starts_with("services.grafana.openFirewall = false;"));
        assert_eq!(f[0].finding.subject.as_deref(), Some("services.grafana"));
        let f = findings("{ programs.steam.remotePlay.openFirewall = true; }", ID);
        assert_eq!(
            f[0].finding.message,
            "`programs.steam.remotePlay` opens its ports on every interface"
        );
        for src in [
            "{ services.openssh.openFirewall = true; }",
            "{ services.jellyfin.openFirewall = false; }",
            "{ services.jellyfin.openFirewall = cfg.open; }",
            "{ openFirewall = true; }",
            "{ services.transmission.openPeerPorts = false; }",
            "{ services.transmission.openRPCPort = cfg.rpc; }",
            "{ services.transmission.openPeerPorts = \"yes\"; }",
            "{ networking.openPeerPorts = true; }",
            "{ my.transmission.openPeerPorts = true; }",
            "{ services.pipewire.raopOpenFirewall = false; }",
            "{ services.x.OpenFirewall = true; }",
            "{ services.openPorts = true; }",
            "{ services.foo.opener = true; }",
            "{ services.foo.openPortal = true; }",
            "{ services.foo.settings.open-ports = true; }",
            // The module (or the one it is part of) is turned off: nothing is opened.
            "{ services.jellyfin = { enable = false; openFirewall = true; }; }",
            "{ services.game.enable = false; services.game.servers.one.openFirewall = true; }",
            "{ modules.desktop.programs.tauon = { enable = false; openFirewall = true; }; }",
            // sshd's switch, also in a microVM's or a container's configuration.
            "{ microvm.vms.freeipa.config.services.openssh.openFirewall = true; }",
            "{ services.openssh.openFirewall = true; }",
            // Off under the very condition that opens the ports.
            "{ lib, pkgs, ... }: { config = lib.mkIf pkgs.stdenv.isLinux { services.jellyfin.enable = false; services.jellyfin.openFirewall = true; }; }",
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
