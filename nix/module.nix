# NixOS module: `services.nixsec` runs `nixsec audit` (and, with `vulns.enable`, `nixsec vulns`)
# on a systemd timer, as hardened services, and can leave Prometheus metrics where
# node_exporter's textfile collector reads them. The flake's `nixosModules.default` imports it
# with `package` set; without the flake, set `services.nixsec.package` yourself.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.nixsec;
  inherit (lib) mkOption mkEnableOption mkIf types;

  toml = pkgs.formats.toml { };
  configFile = toml.generate "nixsec.toml" cfg.settings;
  nixsec = "${cfg.package}/bin/nixsec";
  prometheus = cfg.prometheus.textfileDir != null;

  auditArgs =
    [ "audit" "--color" "never" ]
    ++ lib.optionals (cfg.settings != { }) [ "--config" "${configFile}" ]
    ++ lib.optionals (cfg.failOn != null) [ "--fail-on" cfg.failOn ]
    ++ lib.concatMap (s: [ "--section" s ]) cfg.sections
    ++ lib.optionals prometheus [ "--format" "prometheus" "--output" "/run/nixsec/nixsec.prom" ]
    ++ cfg.extraArgs;

  updateArgs =
    [ "vulns" "update" "--color" "never" ]
    ++ lib.optionals (cfg.vulns.updateFrom != null) (
      if lib.hasPrefix "http://" cfg.vulns.updateFrom || lib.hasPrefix "https://" cfg.vulns.updateFrom
      then [ "--mirror" cfg.vulns.updateFrom ]
      else [ "--from" cfg.vulns.updateFrom ]
    );

  vulnsArgs =
    [ "vulns" "--system" "--color" "never" ]
    ++ lib.optionals prometheus [ "--format" "prometheus" "--output" "/run/nixsec-vulns/nixsec-vulns.prom" ];

  # Copies a metrics file into the collector's directory atomically (a temporary file in the
  # same directory, then a rename), readable by node_exporter. Run with full privileges
  # (`+`) after the sandboxed run, which cannot write there itself.
  publish = name: pkgs.writeShellScript "nixsec-publish-${name}" ''
    set -eu
    src=/run/${name}/${name}.prom
    [ -s "$src" ] || exit 0
    dir=${lib.escapeShellArg (toString cfg.prometheus.textfileDir)}
    tmp="$dir/.${name}.prom.$$"
    cp "$src" "$tmp"
    chmod 0644 "$tmp"
    mv -f "$tmp" "$dir/${name}.prom"
  '';

  # What both services share: a dynamic user that can read (not write) the whole system, no
  # way to gain privileges, to change the kernel, the clock or the host name, or to create
  # namespaces, and a system-call filter.
  hardening = {
    DynamicUser = true;
    NoNewPrivileges = true;
    ProtectSystem = "strict";
    ProtectHome = "read-only";
    PrivateTmp = true;
    ProtectKernelTunables = true;
    ProtectKernelModules = true;
    ProtectKernelLogs = true;
    ProtectControlGroups = true;
    ProtectClock = true;
    ProtectHostname = true;
    RestrictNamespaces = true;
    RestrictRealtime = true;
    RestrictSUIDSGID = true;
    LockPersonality = true;
    MemoryDenyWriteExecute = true;
    RemoveIPC = true;
    KeyringMode = "private";
    SystemCallArchitectures = "native";
    SystemCallFilter = [ "@system-service" "~@privileged" "~@resources" ];
    SystemCallErrorNumber = "EPERM";
    UMask = "0077";
  };
in
{
  options.services.nixsec = {
    enable = mkEnableOption "nixsec, the security auditor, on a timer";

    package = mkOption {
      type = types.package;
      description = "The nixsec package (the flake's module sets it to the flake's build).";
    };

    interval = mkOption {
      type = types.str;
      default = "daily";
      example = "*-*-* 04:00:00";
      description = "When to run, as systemd's `OnCalendar=` (systemd.time(7)).";
    };

    sections = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "firewall" "multi-user" ];
      description = "Run only the rules of these sections (`nixsec rules` lists them); all when empty.";
    };

    failOn = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "medium,error";
      description = ''
        `--fail-on`: the service fails (and shows in `systemctl --failed`) when a finding at or
        above this severity is found; `null` is nixsec's default (`fail-on` of `settings`, else
        `high`).
      '';
    };

    settings = mkOption {
      inherit (toml) type;
      default = { };
      example = lib.literalExpression ''
        {
          fail-on = "medium";
          ignore = [ { rule = "NIX-006"; reason = "nix-ld is needed for the VS Code server"; } ];
          severity = { NIX-009 = "info"; };
        }
      '';
      description = "`nixsec.toml` as Nix (ignores, severity overrides, `fail-on`); passed with `--config`.";
    };

    extraArgs = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "--profile" "desktop" ];
      description = "More arguments of `nixsec audit`.";
    };

    vulns = {
      enable = mkEnableOption "`nixsec vulns --system` (known CVEs of the running system) after updating the NVD index";

      updateFrom = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "https://nvd-mirror.example.org/feeds";
        description = ''
          Where `nixsec vulns update` takes the NVD feeds from: an `http(s)://` mirror
          (`--mirror`), or a directory of feed files (`--from`, no network needed); `null`
          downloads them from NVD.
        '';
      };
    };

    prometheus.textfileDir = mkOption {
      type = types.nullOr types.path;
      default = null;
      example = "/var/lib/prometheus-node-exporter-text-files";
      description = ''
        Write the results as Prometheus metrics (`--format prometheus`) to `nixsec.prom` (and
        `nixsec-vulns.prom`) in this directory, node_exporter's
        `--collector.textfile.directory`.
      '';
    };
  };

  config = mkIf cfg.enable {
    systemd.services.nixsec = {
      description = "nixsec security audit";
      documentation = [ "man:nixsec(1)" ];
      after = [ "network-online.target" "nftables.service" "firewall.service" ];
      serviceConfig = hardening // {
        Type = "oneshot";
        ExecStart = "${nixsec} ${lib.escapeShellArgs auditArgs}";
        ExecStopPost = lib.optional prometheus "+${publish "nixsec"}";
        RuntimeDirectory = "nixsec";
        CacheDirectory = "nixsec";
        Environment = [ "NIXSEC_CACHE_DIR=/var/cache/nixsec" ];
        # Read everything (shadow, sshd keys, other users' homes and processes' sockets) but
        # write nothing; read the live nftables ruleset over netlink.
        AmbientCapabilities = [ "CAP_DAC_READ_SEARCH" "CAP_NET_ADMIN" "CAP_SYS_PTRACE" ];
        CapabilityBoundingSet = [ "CAP_DAC_READ_SEARCH" "CAP_NET_ADMIN" "CAP_SYS_PTRACE" ];
        # No network: netlink and local sockets only (the host's network namespace, whose
        # firewall is audited).
        RestrictAddressFamilies = [ "AF_UNIX" "AF_NETLINK" ];
        IPAddressDeny = "any";
        # Block devices, read-only: the LUKS headers under every persistent mount.
        DevicePolicy = "closed";
        DeviceAllow = map (d: "block-${d} r") [ "sd" "blkext" "device-mapper" "virtblk" "md" "nvme" "mmc" "loop" ];
        Nice = 19;
        IOSchedulingClass = "idle";
      };
    };

    systemd.timers.nixsec = {
      description = "Run the nixsec security audit";
      wantedBy = [ "timers.target" ];
      timerConfig = {
        OnCalendar = cfg.interval;
        Persistent = true;
        RandomizedDelaySec = "30m";
      };
    };

    systemd.services.nixsec-vulns = mkIf cfg.vulns.enable {
      description = "nixsec: known CVEs of the running system";
      documentation = [ "man:nixsec(1)" ];
      wants = lib.optional (cfg.vulns.updateFrom == null || lib.hasPrefix "http" cfg.vulns.updateFrom) "network-online.target";
      after = [ "network-online.target" ];
      serviceConfig = hardening // {
        Type = "oneshot";
        ExecStartPre = "${nixsec} ${lib.escapeShellArgs updateArgs}";
        ExecStart = "${nixsec} ${lib.escapeShellArgs vulnsArgs}";
        ExecStopPost = lib.optional prometheus "+${publish "nixsec-vulns"}";
        RuntimeDirectory = "nixsec-vulns";
        CacheDirectory = "nixsec";
        Environment = [ "NIXSEC_CACHE_DIR=/var/cache/nixsec" ];
        CapabilityBoundingSet = [ "" ];
        PrivateDevices = true;
        ProtectProc = "invisible";
        ProcSubset = "pid";
        RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" ];
        Nice = 19;
        IOSchedulingClass = "idle";
      };
    };

    systemd.timers.nixsec-vulns = mkIf cfg.vulns.enable {
      description = "Run nixsec vulns";
      wantedBy = [ "timers.target" ];
      timerConfig = {
        OnCalendar = cfg.interval;
        Persistent = true;
        RandomizedDelaySec = "30m";
      };
    };

    systemd.tmpfiles.rules = lib.optional prometheus "d ${toString cfg.prometheus.textfileDir} 0755 root root - -";
  };
}
