//! NIX-079: sshd accepts passwords (password or keyboard-interactive authentication).

use crate::config::{ConfigHit, ConfigView};
use crate::index::{Assignment, ModuleKind};
use crate::rules::{yes_no, FileCx, Hit, LintRule};
use crate::sshd::{self, EXTRA};

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
        &[
            &["services", "openssh", "enable"],
            &["services", "sshd", "enable"],
            &["services", "openssh", "settings", "AuthenticationMethods"],
        ]
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
            EXTRA,
        ]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if sshd::switched_off(a, &cx.index.assignments) {
            return;
        }
        if sshd::keys_only(cx.index.assignments.iter().map(|b| (b, cx.src))) {
            return;
        }
        if a.is(EXTRA) {
            for l in sshd::extra_lines(a, cx.src) {
                let Some(m) = &l.matched else { continue };
                let key = match l.key.as_str() {
                    "passwordauthentication" => "PasswordAuthentication",
                    "kbdinteractiveauthentication" => "KbdInteractiveAuthentication",
                    "challengeresponseauthentication" => "ChallengeResponseAuthentication",
                    _ => continue,
                };
                if l.value.eq_ignore_ascii_case("yes") {
                    out.push(
                        Hit::new(
                            l.range,
                            format!("sshd accepts passwords (`{key}` in `{m}`)"),
                        )
                        .subject(format!("{key} ({m})"))
                        .when(Some(m.as_str())),
                    );
                }
            }
            return;
        }
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
    /// The defaults judged are NixOS's (the rule's letter). nix-darwin's `services.openssh`
    /// only turns macOS's Remote Login on: its `sshd_config` is macOS's, outside the
    /// configuration (the system's own file and MDM profiles set it), so a Mac's sshd gets no
    /// default-based finding here.
    fn check_config(&self, cfg: &ConfigView<'_>, out: &mut Vec<ConfigHit>) {
        if cfg.cfg.kind == ModuleKind::Darwin {
            return;
        }
        let Some(on) = sshd::ENABLE.iter().find_map(|p| cfg.enabled(p)) else {
            return;
        };
        let mut unset = Vec::new();
        if !cfg.is_set(PASSWORD) {
            unset.push("PasswordAuthentication");
        }
        if !cfg.is_set(KBD) {
            unset.push("KbdInteractiveAuthentication");
        }
        // Turned on only by a known module set (srvos' server): nothing the repository wrote.
        if unset.is_empty()
            || on.by.is_some()
            || sshd::keys_only(
                cfg.assignments()
                    .map(|(fi, a)| (a, cfg.files[fi].src.as_str())),
            )
        {
            return;
        }
        // One finding per key left at its default: each is its own fix.
        for key in unset {
            let option = format!("services.openssh.settings.{key}");
            let mut hit = ConfigHit::default_at(
                cfg,
                &on,
                format!("sshd is enabled and `{key}` is never set: the NixOS default (`true`) accepts passwords"),
                &option,
            );
            hit.fix = Some(format!("{option} = false;"));
            hit.subject = Some(key.to_string());
            out.push(hit);
        }
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

    /// A module that turns sshd off for good: what it sets beside takes no effect. Off only
    /// by default (`mkDefault`) or under a condition, a host may turn it on.
    #[test]
    fn settings_beside_sshd_switched_off() {
        let off = "{ services.openssh = { enable = false; settings = { PermitRootLogin = \"yes\"; PasswordAuthentication = true; X11Forwarding = true; }; }; }";
        for id in [ID, "NIX-078", "NIX-080"] {
            assert!(hits(off, id).is_empty(), "{id}");
        }
        for src in [
            "{ lib, ... }: { services.openssh = { enable = lib.mkDefault false; settings.PasswordAuthentication = true; }; }",
            "{ lib, cfg, ... }: { services.openssh = { enable = lib.mkIf cfg.x false; settings.PasswordAuthentication = true; }; }",
            "{ services.openssh.settings.PasswordAuthentication = true; }",
        ] {
            assert_eq!(hits(src, ID).len(), 1, "{src}");
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
