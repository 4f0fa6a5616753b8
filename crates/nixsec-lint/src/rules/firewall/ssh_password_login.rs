//! NIX-079: sshd accepts passwords (password or keyboard-interactive authentication).

use crate::config::{ConfigHit, ConfigView};
use crate::index::Assignment;
use crate::rules::{yes_no, FileCx, Hit, LintRule};

struct SshPasswordLogin;

crate::lint_rule!("NIX-079", SshPasswordLogin);

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
