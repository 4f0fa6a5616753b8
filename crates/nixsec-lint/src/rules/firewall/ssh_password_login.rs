//! NIX-079: sshd accepts passwords (password or keyboard-interactive authentication).

use linkme::distributed_slice;
use nixsec_core::{RuleMeta, Section, Severity};

use crate::config::{ConfigHit, ConfigView};
use crate::index::Assignment;
use crate::rules::{yes_no, FileCx, Hit, LintRule, LINT_RULES};

/// ## What it checks
/// `services.openssh.settings.PasswordAuthentication` or `KbdInteractiveAuthentication`
/// (also `ChallengeResponseAuthentication` and the old `services.openssh.passwordAuthentication`,
/// `kbdInteractiveAuthentication`, `challengeResponseAuthentication`) set to true/`"yes"`.
/// In a configuration that enables sshd and never sets them, NixOS's defaults (both `true`)
/// apply, and the finding points at the `enable` line.
///
/// ## Why it matters
/// Passwords can be guessed and phished; keyboard-interactive with PAM accepts passwords even
/// when `PasswordAuthentication` is off.
///
/// ## Fix (NixOS)
/// `services.openssh.settings = { PasswordAuthentication = false; KbdInteractiveAuthentication = false; };`
///
/// ## References
/// sshd_config(5); CWE-307.
pub struct SshPasswordLogin;

static META: RuleMeta = RuleMeta {
    id: "NIX-079",
    title: "SSH password login possible",
    section: Section::Firewall,
    severity: Severity::Medium,
    checks: "`PasswordAuthentication` or `KbdInteractiveAuthentication` true, or never set while sshd is enabled (NixOS default true)",
    rationale: "Passwords can be guessed and phished; keyboard-interactive with PAM accepts passwords even when PasswordAuthentication is off.",
    fix: "Allow keys only",
    nixos: "services.openssh.settings = { PasswordAuthentication = false; KbdInteractiveAuthentication = false; };",
    references: &["sshd_config(5): PasswordAuthentication, KbdInteractiveAuthentication", "CWE-307"],
    source: file!(),
};

// linkme places the entry with `#[link_section]`, which the workspace's `unsafe_code` lint flags.
#[allow(unsafe_code)]
#[distributed_slice(LINT_RULES)]
static RULE: &dyn LintRule = &SshPasswordLogin;

const PASSWORD: &[&[&str]] = &[
    &["services", "openssh", "settings", "PasswordAuthentication"],
    &["services", "openssh", "passwordAuthentication"],
];
const KBD: &[&[&str]] = &[
    &[
        "services",
        "openssh",
        "settings",
        "KbdInteractiveAuthentication",
    ],
    &[
        "services",
        "openssh",
        "settings",
        "ChallengeResponseAuthentication",
    ],
    &["services", "openssh", "kbdInteractiveAuthentication"],
    &["services", "openssh", "challengeResponseAuthentication"],
];

impl LintRule for SshPasswordLogin {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn also_reads(&self) -> &'static [&'static [&'static str]] {
        &[&["services", "openssh", "enable"]]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["services", "openssh", "settings", "PasswordAuthentication"],
            &["services", "openssh", "passwordAuthentication"],
            &[
                "services",
                "openssh",
                "settings",
                "KbdInteractiveAuthentication",
            ],
            &[
                "services",
                "openssh",
                "settings",
                "ChallengeResponseAuthentication",
            ],
            &["services", "openssh", "kbdInteractiveAuthentication"],
            &["services", "openssh", "challengeResponseAuthentication"],
        ]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if yes_no(&a.value.v) != Some(true) {
            return;
        }
        let key = a.path.last().map_or("", String::as_str);
        let fixed = if a.path.len() == 4 {
            format!("services.openssh.settings.{key} = false;")
        } else {
            format!("services.openssh.{key} = false;")
        };
        out.push(Hit::new(a.value.range, format!("sshd accepts passwords (`{key}`)")).fix(fixed));
    }
    fn check_config(&self, cfg: &ConfigView<'_>, out: &mut Vec<ConfigHit>) {
        let Some((file, enable)) = cfg.enabled(&["services", "openssh", "enable"]) else {
            return;
        };
        let mut unset = Vec::new();
        if !cfg.is_set(PASSWORD) {
            unset.push("PasswordAuthentication");
        }
        if !cfg.is_set(KBD) {
            unset.push("KbdInteractiveAuthentication");
        }
        if unset.is_empty() {
            return;
        }
        let fix = unset
            .iter()
            .map(|k| format!("services.openssh.settings.{k} = false;"))
            .collect::<Vec<_>>()
            .join("\n");
        out.push(ConfigHit {
            file,
            range: enable.value.range,
            message: format!(
                "sshd is enabled and {} never set: the NixOS default (`true`) accepts passwords",
                match unset.as_slice() {
                    [one] => format!("`{one}` is"),
                    _ => "`PasswordAuthentication` and `KbdInteractiveAuthentication` are"
                        .to_string(),
                }
            ),
            severity: None,
            fix: Some(fix),
            option: format!("services.openssh.settings.{}", unset[0]),
            value: None,
            condition: enable.condition.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::Medium;

    const ID: &str = "NIX-079";

    #[test]
    fn each_spelling() {
        for (src, text) in [
            ("{ services.openssh.settings.PasswordAuthentication = true; }", "true"),
            ("{ services.openssh.settings.KbdInteractiveAuthentication = true; }", "true"),
            (r#"{ services.openssh.settings.PasswordAuthentication = "yes"; }"#, "\"yes\""),
            ("{ services.openssh.passwordAuthentication = true; }", "true"),
            ("{ services.openssh = { enable = true; settings = { PasswordAuthentication = true; }; }; }", "true"),
            ("{ services.openssh.challengeResponseAuthentication = true; }", "true"),
        ] {
            assert_eq!(hits(src, ID), [h(text, 1, Medium)], "{src}");
        }
    }

    #[test]
    fn negatives() {
        for src in [
            "{ services.openssh.settings.PasswordAuthentication = false; }",
            r#"{ services.openssh.settings.PasswordAuthentication = "no"; }"#,
            // Defaults are a configuration-level question: a lone module is not judged.
            "{ services.openssh.enable = true; }",
            "{ config, ... }: { services.openssh.settings.PasswordAuthentication = config.x; }",
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
