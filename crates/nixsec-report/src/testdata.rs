//! A small hand-built report shared by the renderers' tests.

use nixsec_core::{
    Evidence, FailOn, Finding, Ignored, Remediation, Report, Severity, Status, Tool,
};

fn finding(
    rule: &str,
    section: &str,
    severity: Severity,
    status: Status,
    message: &str,
) -> Finding {
    Finding {
        rule: rule.into(),
        title: format!("Title of {rule}"),
        section: section.into(),
        subject: None,
        severity,
        status,
        message: message.into(),
        evidence: Vec::new(),
        remediation: Remediation {
            text: format!("Fix {rule}."),
            nixos: format!("# {rule}\nnix.settings.option = true;"),
        },
        ignored: None,
    }
}

/// The test report. Its findings, in the order `Report::new` sorts them:
///
/// | rule    | section    | severity | status         | notes                                 |
/// |---------|------------|----------|----------------|---------------------------------------|
/// | NIX-011 | multi-user | low      | pass           |                                       |
/// | NIX-012 | multi-user | critical | fail           | two evidence items, one with a line, one path with `\n` and a space |
/// | NIX-013 | multi-user | high     | fail (ignored) | until 2027-01-01                      |
/// | NIX-050 | isolation  | low      | skip           |                                       |
/// | NIX-071 | firewall   | medium   | fail           | no evidence                           |
/// | NIX-072 | firewall   | medium   | error          | message holds `\x1b[31m`              |
/// | NIX-110 | kernel     | high     | pass           |                                       |
///
/// Summary under `--fail-on high`: 2 fail (1 critical, 1 medium), 1 error, 2 pass, 1 skip,
/// 1 ignored, 1 failing; hardening index round(100 × 6 / 22) = 27.
pub(crate) fn report() -> Report {
    let mut crit = finding(
        "NIX-012",
        "multi-user",
        Severity::Critical,
        Status::Fail,
        "the build sandbox is disabled",
    );
    crit.evidence = vec![
        Evidence::line("/etc/nix/nix.conf", 3, "sandbox = false"),
        Evidence::value("/etc/nix/evil\nname conf", "sandbox = \x1b[2Jrelaxed"),
    ];
    let mut ignored = finding(
        "NIX-013",
        "multi-user",
        Severity::High,
        Status::Fail,
        "trusted-users holds @wheel",
    );
    ignored.evidence = vec![Evidence::value(
        "/etc/nix/nix.conf",
        "trusted-users = @wheel",
    )];
    ignored.ignored = Some(Ignored {
        reason: "build box\x07 only".into(),
        until: Some("2027-01-01".into()),
    });
    let mut error = finding(
        "NIX-072",
        "firewall",
        Severity::Medium,
        Status::Error,
        "cannot parse \x1b[31m/etc/ssh/sshd_config: bad line",
    );
    error.evidence = vec![Evidence::path("/etc/ssh/sshd_config")];
    let mut pass = finding(
        "NIX-110",
        "kernel",
        Severity::High,
        Status::Pass,
        "kernel.kptr_restrict is 2",
    );
    pass.evidence = vec![Evidence::value("/proc/sys/kernel/kptr_restrict", "2")];
    let findings = vec![
        pass,
        finding(
            "NIX-071",
            "firewall",
            Severity::Medium,
            Status::Fail,
            "the firewall is disabled",
        ),
        error,
        finding(
            "NIX-050",
            "isolation",
            Severity::Low,
            Status::Skip,
            "docker is not enabled",
        ),
        ignored,
        crit,
        finding(
            "NIX-011",
            "multi-user",
            Severity::Low,
            Status::Pass,
            "build users are set up",
        ),
    ];
    Report::new(
        Tool {
            name: "nixsec".into(),
            version: "0.1.0".into(),
        },
        "/mnt/host root".into(),
        "2026-11-28T10:00:00Z".into(),
        42,
        findings,
        FailOn::default(),
        vec!["`nixsec.toml`: line 4: the ignore of `NIX-099`\x1b[0m matched nothing".into()],
    )
}
