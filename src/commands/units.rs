//! `nixsec units`: score systemd service units like `systemd-analyze security --offline=true`,
//! all at once, and explain each failing check as the NixOS option that fixes it.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use nixsec_core::{escape, Evidence, ExitStatus, FailOn, Finding, Report, Root, Status, Tool};
use nixsec_report::{Format, Options as RenderOptions};
use nixsec_systemd::{LoadError, UnitScore};
use serde::Serialize;

use crate::cli::UnitsArgs;

/// The catalogue rule SARIF results are filed under.
const RULE: &str = "NIX-061";

/// One scored unit and the file it was loaded from (inside the root).
struct Scored {
    fragment: String,
    score: UnitScore,
}

/// A unit that could not be loaded.
#[derive(Serialize)]
struct UnitError {
    unit: String,
    error: String,
}

/// The JSON document: `{ "units": [...], "errors": [...] }`.
#[derive(Serialize)]
struct UnitsDoc<'a> {
    units: Vec<&'a UnitScore>,
    errors: &'a [UnitError],
}

/// What a failing check means, by JSON field (systemd 252's wording for the failing state;
/// the system call rows in a form that holds with and without a filter).
const DESCRIPTIONS: &[(&str, &str)] = &[
    ("UserOrDynamicUser", "Service runs as root user"),
    (
        "SupplementaryGroups",
        "Service runs with supplementary groups",
    ),
    (
        "PrivateDevices",
        "Service potentially has access to hardware devices",
    ),
    ("PrivateMounts", "Service may install system mounts"),
    ("PrivateNetwork", "Service has access to the host's network"),
    (
        "PrivateTmp",
        "Service has access to other software's temporary files",
    ),
    ("PrivateUsers", "Service has access to other users"),
    (
        "ProtectControlGroups",
        "Service may modify the control group file system",
    ),
    (
        "ProtectKernelModules",
        "Service may load or read kernel modules",
    ),
    ("ProtectKernelTunables", "Service may alter kernel tunables"),
    (
        "ProtectKernelLogs",
        "Service may read from or write to the kernel log ring buffer",
    ),
    (
        "ProtectClock",
        "Service may write to the hardware clock or system clock",
    ),
    ("ProtectHome", "Service has full access to home directories"),
    (
        "ProtectHostname",
        "Service may change system host/domainname",
    ),
    (
        "ProtectSystem",
        "Service has full access to the OS file hierarchy",
    ),
    (
        "RootDirectoryOrRootImage",
        "Service runs within the host's root directory",
    ),
    ("LockPersonality", "Service may change ABI personality"),
    (
        "MemoryDenyWriteExecute",
        "Service may create writable executable memory mappings",
    ),
    (
        "NoNewPrivileges",
        "Service processes may acquire new privileges",
    ),
    (
        "CapabilityBoundingSet_CAP_SYS_ADMIN",
        "Service has administrator privileges",
    ),
    (
        "CapabilityBoundingSet_CAP_SET_UID_GID_PCAP",
        "Service may change UID/GID identities/capabilities",
    ),
    (
        "CapabilityBoundingSet_CAP_SYS_PTRACE",
        "Service has ptrace() debugging abilities",
    ),
    (
        "CapabilityBoundingSet_CAP_SYS_TIME",
        "Service processes may change the system clock",
    ),
    (
        "CapabilityBoundingSet_CAP_NET_ADMIN",
        "Service has network configuration privileges",
    ),
    (
        "CapabilityBoundingSet_CAP_SYS_RAWIO",
        "Service has raw I/O access",
    ),
    (
        "CapabilityBoundingSet_CAP_SYS_MODULE",
        "Service may load kernel modules",
    ),
    (
        "CapabilityBoundingSet_CAP_AUDIT",
        "Service has audit subsystem access",
    ),
    (
        "CapabilityBoundingSet_CAP_SYSLOG",
        "Service has access to kernel logging",
    ),
    (
        "CapabilityBoundingSet_CAP_SYS_NICE_RESOURCE",
        "Service has privileges to change resource use parameters",
    ),
    (
        "CapabilityBoundingSet_CAP_MKNOD",
        "Service may create device nodes",
    ),
    (
        "CapabilityBoundingSet_CAP_CHOWN_FSETID_SETFCAP",
        "Service may change file ownership/access mode/capabilities unrestricted",
    ),
    (
        "CapabilityBoundingSet_CAP_DAC_FOWNER_IPC_OWNER",
        "Service may override UNIX file/IPC permission checks",
    ),
    (
        "CapabilityBoundingSet_CAP_KILL",
        "Service may send UNIX signals to arbitrary processes",
    ),
    (
        "CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW)",
        "Service has elevated networking privileges",
    ),
    (
        "CapabilityBoundingSet_CAP_SYS_BOOT",
        "Service may issue reboot()",
    ),
    (
        "CapabilityBoundingSet_CAP_MAC",
        "Service may adjust SMACK MAC",
    ),
    (
        "CapabilityBoundingSet_CAP_LINUX_IMMUTABLE",
        "Service may mark files immutable",
    ),
    (
        "CapabilityBoundingSet_CAP_IPC_LOCK",
        "Service may lock memory into RAM",
    ),
    (
        "CapabilityBoundingSet_CAP_SYS_CHROOT",
        "Service may issue chroot()",
    ),
    (
        "CapabilityBoundingSet_CAP_BLOCK_SUSPEND",
        "Service may establish wake locks",
    ),
    (
        "CapabilityBoundingSet_CAP_WAKE_ALARM",
        "Service may program timers that wake up the system",
    ),
    (
        "CapabilityBoundingSet_CAP_LEASE",
        "Service may create file leases",
    ),
    (
        "CapabilityBoundingSet_CAP_SYS_TTY_CONFIG",
        "Service may issue vhangup()",
    ),
    (
        "CapabilityBoundingSet_CAP_SYS_PACCT",
        "Service may use acct()",
    ),
    (
        "CapabilityBoundingSet_CAP_BPF",
        "Service may load BPF programs",
    ),
    (
        "UMask",
        "Files created by service are world-readable by default",
    ),
    (
        "KeyringMode",
        "Service shares key material with other services",
    ),
    (
        "ProtectProc",
        "Service has full access to process tree (/proc hidepid=)",
    ),
    (
        "ProcSubset",
        "Service has full access to non-process /proc files (/proc subset=)",
    ),
    (
        "NotifyAccess",
        "Service child processes may alter service state",
    ),
    (
        "RemoveIPC",
        "Service user may leave SysV IPC objects around",
    ),
    (
        "Delegate",
        "Service maintains its own delegated control group subtree",
    ),
    (
        "RestrictRealtime",
        "Service may acquire realtime scheduling",
    ),
    ("RestrictSUIDSGID", "Service may create SUID/SGID files"),
    (
        "RestrictNamespaces_user",
        "Service may create user namespaces",
    ),
    (
        "RestrictNamespaces_mnt",
        "Service may create file system namespaces",
    ),
    (
        "RestrictNamespaces_ipc",
        "Service may create IPC namespaces",
    ),
    (
        "RestrictNamespaces_pid",
        "Service may create process namespaces",
    ),
    (
        "RestrictNamespaces_cgroup",
        "Service may create cgroup namespaces",
    ),
    (
        "RestrictNamespaces_net",
        "Service may create network namespaces",
    ),
    (
        "RestrictNamespaces_uts",
        "Service may create hostname namespaces",
    ),
    (
        "RestrictAddressFamilies_AF_INET_INET6",
        "Service may allocate Internet sockets",
    ),
    (
        "RestrictAddressFamilies_AF_UNIX",
        "Service may allocate local sockets",
    ),
    (
        "RestrictAddressFamilies_AF_NETLINK",
        "Service may allocate netlink sockets",
    ),
    (
        "RestrictAddressFamilies_AF_PACKET",
        "Service may allocate packet sockets",
    ),
    (
        "RestrictAddressFamilies_OTHER",
        "Service may allocate exotic sockets",
    ),
    (
        "SystemCallArchitectures",
        "Service may execute system calls with all ABIs",
    ),
    (
        "SystemCallFilter_swap",
        "Service may use the @swap system calls",
    ),
    (
        "SystemCallFilter_obsolete",
        "Service may use the @obsolete system calls (e.g. _sysctl)",
    ),
    (
        "SystemCallFilter_clock",
        "Service may use the @clock system calls (e.g. adjtimex)",
    ),
    (
        "SystemCallFilter_cpu_emulation",
        "Service may use the @cpu-emulation system calls (e.g. modify_ldt)",
    ),
    (
        "SystemCallFilter_debug",
        "Service may use the @debug system calls (e.g. lookup_dcookie)",
    ),
    (
        "SystemCallFilter_mount",
        "Service may use the @mount system calls",
    ),
    (
        "SystemCallFilter_module",
        "Service may use the @module system calls (e.g. delete_module)",
    ),
    (
        "SystemCallFilter_raw_io",
        "Service may use the @raw-io system calls (e.g. ioperm)",
    ),
    (
        "SystemCallFilter_reboot",
        "Service may use the @reboot system calls",
    ),
    (
        "SystemCallFilter_privileged",
        "Service may use the @privileged system calls (e.g. chown)",
    ),
    (
        "SystemCallFilter_resources",
        "Service may use the @resources system calls (e.g. ioprio_set)",
    ),
    (
        "IPAddressDeny",
        "Service does not define an IP address allow list",
    ),
    ("DeviceAllow", "Service has no device ACL"),
    (
        "AmbientCapabilities",
        "Service process receives ambient capabilities",
    ),
];

/// The NixOS option and value that make a check pass, by the setting's name (the part of the
/// printed name before `=`).
const FIXES: &[(&str, &str, &str)] = &[
    ("User", "DynamicUser", "true"),
    (
        "SupplementaryGroups",
        "SupplementaryGroups",
        "lib.mkForce [ ]",
    ),
    ("PrivateDevices", "PrivateDevices", "true"),
    ("PrivateMounts", "PrivateMounts", "true"),
    ("PrivateNetwork", "PrivateNetwork", "true"),
    ("PrivateTmp", "PrivateTmp", "true"),
    ("PrivateUsers", "PrivateUsers", "true"),
    ("ProtectControlGroups", "ProtectControlGroups", "true"),
    ("ProtectKernelModules", "ProtectKernelModules", "true"),
    ("ProtectKernelTunables", "ProtectKernelTunables", "true"),
    ("ProtectKernelLogs", "ProtectKernelLogs", "true"),
    ("ProtectClock", "ProtectClock", "true"),
    ("ProtectHome", "ProtectHome", "true"),
    ("ProtectHostname", "ProtectHostname", "true"),
    ("ProtectSystem", "ProtectSystem", "\"strict\""),
    ("RootDirectory", "RootDirectory", "\"/var/empty\""),
    ("LockPersonality", "LockPersonality", "true"),
    ("MemoryDenyWriteExecute", "MemoryDenyWriteExecute", "true"),
    ("NoNewPrivileges", "NoNewPrivileges", "true"),
    ("CapabilityBoundingSet", "CapabilityBoundingSet", "[ \"\" ]"),
    ("UMask", "UMask", "\"0077\""),
    ("KeyringMode", "KeyringMode", "\"private\""),
    ("ProtectProc", "ProtectProc", "\"invisible\""),
    ("ProcSubset", "ProcSubset", "\"pid\""),
    ("NotifyAccess", "NotifyAccess", "\"main\""),
    ("RemoveIPC", "RemoveIPC", "true"),
    ("Delegate", "Delegate", "false"),
    ("RestrictRealtime", "RestrictRealtime", "true"),
    ("RestrictSUIDSGID", "RestrictSUIDSGID", "true"),
    ("RestrictNamespaces", "RestrictNamespaces", "true"),
    (
        "RestrictAddressFamilies",
        "RestrictAddressFamilies",
        "[ \"AF_UNIX\" \"AF_INET\" \"AF_INET6\" ]",
    ),
    (
        "SystemCallArchitectures",
        "SystemCallArchitectures",
        "\"native\"",
    ),
    (
        "SystemCallFilter",
        "SystemCallFilter",
        "[ \"@system-service\" ]",
    ),
    ("IPAddressDeny", "IPAddressDeny", "\"any\""),
    ("DeviceAllow", "DevicePolicy", "\"closed\""),
    (
        "AmbientCapabilities",
        "AmbientCapabilities",
        "lib.mkForce [ ]",
    ),
];

/// The option and value fixing the check printed as `setting` (`SystemCallFilter=~@clock`).
fn fix_for(setting: &str) -> (&'static str, &'static str) {
    let base = setting.split('=').next().unwrap_or(setting);
    FIXES
        .iter()
        .find(|(s, _, _)| *s == base)
        .map_or(("", "true"), |(_, o, v)| (*o, *v))
}

/// systemd's description of a failing check, by JSON field.
fn description(id: &str) -> &'static str {
    DESCRIPTIONS
        .iter()
        .find(|(f, _)| *f == id)
        .map_or("", |(_, d)| *d)
}

/// `<name>` of `systemd.services.<name>`: the unit without `.service`, quoted when Nix needs it.
fn nix_name(unit: &str) -> String {
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

/// A unit name as given: `sshd` means `sshd.service`.
fn unit_name(arg: &str) -> String {
    if arg.contains('.') {
        arg.to_string()
    } else {
        format!("{arg}.service")
    }
}

fn score(loader: &nixsec_systemd::Loader<'_>, name: &str) -> Result<Scored, LoadError> {
    loader.load(name).map(|u| Scored {
        score: nixsec_systemd::assess(&u),
        fragment: u.fragment,
    })
}

/// Print `threshold` (an integer 0–100) as an exposure.
fn tenths(x: u64) -> String {
    format!("{}.{}", x / 10, x % 10)
}

/// The failing checks of a unit, the heaviest contribution first (table order among equals).
fn failing(s: &UnitScore) -> Vec<&nixsec_systemd::CheckResult> {
    let mut v: Vec<_> = s.checks.iter().filter(|c| c.pass == Some(false)).collect();
    v.sort_by_key(|c| std::cmp::Reverse(c.badness.unwrap_or(0) * c.weight * 1000 / c.range.max(1)));
    v
}

/// The `serviceConfig` block that fixes every failing check of `s`, one option per line.
fn nixos_block(unit: &str, s: &UnitScore) -> String {
    let mut seen = Vec::new();
    for c in failing(s) {
        let fix = fix_for(c.setting);
        if !seen.contains(&fix) {
            seen.push(fix);
        }
    }
    let mut out = format!("systemd.services.{}.serviceConfig = {{\n", nix_name(unit));
    for (o, v) in seen {
        out.push_str(&format!("  {o} = {v};\n"));
    }
    out.push_str("};");
    out
}

pub fn run(args: &UnitsArgs) -> anyhow::Result<ExitStatus> {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let root = if args.root == Path::new("/") {
        Root::host()
    } else {
        Root::new(&args.root)?
    };
    if let Some(unit) = &args.explain {
        return explain(&root, &unit_name(unit), args.threshold);
    }
    let loader = nixsec_systemd::Loader::new(&root);
    let names: Vec<String> = if args.units.is_empty() {
        loader.list("service")
    } else {
        args.units.iter().map(|u| unit_name(u)).collect()
    };
    let mut scored = Vec::new();
    let mut errors = Vec::new();
    for name in &names {
        match score(&loader, name) {
            Ok(s) => scored.push(s),
            Err(e) => {
                eprintln!("nixsec: {}", escape(&e.to_string()));
                errors.push(UnitError {
                    unit: name.clone(),
                    error: e.to_string(),
                });
            }
        }
    }
    if names.is_empty() {
        eprintln!(
            "nixsec: no service units under `{}`",
            escape(&args.root.display().to_string())
        );
    }
    scored.sort_by(|a, b| {
        b.score
            .exposure_int
            .cmp(&a.score.exposure_int)
            .then_with(|| a.score.unit.cmp(&b.score.unit))
    });
    let above = scored
        .iter()
        .any(|s| s.score.exposure_int >= args.threshold);
    let mut out = BufWriter::new(std::io::stdout().lock());
    match args.format {
        Format::Text => {
            for s in &scored {
                writeln!(
                    out,
                    "{} {} {}",
                    s.score.exposure_str(),
                    s.score.level,
                    escape(&s.score.unit)
                )?;
            }
        }
        Format::Json => {
            let doc = UnitsDoc {
                units: scored.iter().map(|s| &s.score).collect(),
                errors: &errors,
            };
            serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        Format::Sarif => {
            let duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
            let report = as_report(args, &root, &scored, &errors, started, duration_ms);
            nixsec_report::render(Format::Sarif, &report, &RenderOptions::default(), &mut out)?;
        }
    }
    out.flush()?;
    Ok(if scored.is_empty() {
        ExitStatus::Error
    } else if above {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Units at or above the threshold as NIX-061 failures, unloadable units as errors.
fn as_report(
    args: &UnitsArgs,
    root: &Root,
    scored: &[Scored],
    errors: &[UnitError],
    started: chrono::DateTime<chrono::Utc>,
    duration_ms: u64,
) -> Report {
    let entry = nixsec_catalogue::entry(RULE);
    let finding = |status, message: String, evidence, nixos: String| {
        let mut f = entry.finding(status, message);
        f.evidence = evidence;
        f.remediation.nixos = nixos;
        f
    };
    let mut findings: Vec<Finding> = scored
        .iter()
        .filter(|s| s.score.exposure_int >= args.threshold)
        .map(|s| {
            let value = format!("{} {}", s.score.exposure_str(), s.score.level);
            finding(
                Status::Fail,
                format!(
                    "{}: exposure {value} (threshold {})",
                    s.score.unit,
                    tenths(args.threshold)
                ),
                vec![Evidence::value(s.fragment.clone(), value)],
                nixos_block(&s.score.unit, &s.score),
            )
        })
        .collect();
    findings.extend(errors.iter().map(|e| {
        finding(
            Status::Error,
            e.error.clone(),
            Vec::new(),
            entry.nixos.to_string(),
        )
    }));
    Report::new(
        Tool {
            name: "nixsec".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        root.dir().display().to_string(),
        started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        duration_ms,
        findings,
        FailOn::default(),
        Vec::new(),
    )
}

/// `--explain UNIT`: every failing check with its weight, description and NixOS fix.
fn explain(root: &Root, unit: &str, threshold: u64) -> anyhow::Result<ExitStatus> {
    let s = match score(&nixsec_systemd::Loader::new(root), unit) {
        Ok(s) => s.score,
        Err(e) => {
            eprintln!("nixsec: {}", escape(&e.to_string()));
            return Ok(ExitStatus::Error);
        }
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    writeln!(
        out,
        "{}: exposure {} {} (threshold {})",
        escape(&s.unit),
        s.exposure_str(),
        s.level,
        tenths(threshold)
    )?;
    let bad = failing(&s);
    if bad.is_empty() {
        writeln!(out, "\nEvery check passes.")?;
    } else {
        writeln!(out, "\nFailing checks ({}), heaviest first:", bad.len())?;
        let name = nix_name(unit);
        for c in &bad {
            let (option, value) = fix_for(c.setting);
            writeln!(
                out,
                "\n  {} (weight {}, badness {}/{})\n    {}\n    fix: systemd.services.{name}.serviceConfig.{option} = {value};",
                c.setting,
                c.weight,
                c.badness.unwrap_or(0),
                c.range,
                description(c.id),
            )?;
        }
        writeln!(out, "\nAll fixes together:\n\n{}", nixos_block(unit, &s))?;
    }
    out.flush()?;
    Ok(if s.exposure_int >= threshold {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
