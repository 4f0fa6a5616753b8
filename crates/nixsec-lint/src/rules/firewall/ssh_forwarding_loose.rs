//! NIX-080: sshd X11 forwarding or user environments enabled.

use linkme::distributed_slice;
use nixsec_core::{RuleMeta, Section, Severity};

use crate::index::Assignment;
use crate::rules::{yes_no, FileCx, Hit, LintRule, LINT_RULES};

/// ## What it checks
/// `services.openssh.settings.X11Forwarding` (old `services.openssh.forwardX11`) and
/// `PermitUserEnvironment` set to true/`"yes"`.
///
/// ## Why it matters
/// X11 forwarding lets the server side reach the client's X display (keystrokes, screen);
/// `PermitUserEnvironment` lets users set `LD_PRELOAD` for sshd's children.
///
/// ## Fix (NixOS)
/// `services.openssh.settings.X11Forwarding = false;`
///
/// ## References
/// sshd_config(5) X11Forwarding, PermitUserEnvironment.
pub struct SshForwardingLoose;

static META: RuleMeta = RuleMeta {
    id: "NIX-080",
    title: "SSH forwarding and session limits loose",
    section: Section::Firewall,
    severity: Severity::Low,
    checks: "`X11Forwarding` or `PermitUserEnvironment` enabled",
    rationale: "X11 forwarding exposes the client's display to the server; user environments let users set LD_PRELOAD for sshd's children.",
    fix: "Turn X11 forwarding and user environments off",
    nixos: "services.openssh.settings.X11Forwarding = false;",
    references: &["sshd_config(5): X11Forwarding, PermitUserEnvironment"],
    source: file!(),
};

// linkme places the entry with `#[link_section]`, which the workspace's `unsafe_code` lint flags.
#[allow(unsafe_code)]
#[distributed_slice(LINT_RULES)]
static RULE: &dyn LintRule = &SshForwardingLoose;

impl LintRule for SshForwardingLoose {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["services", "openssh", "settings", "X11Forwarding"],
            &["services", "openssh", "forwardX11"],
            &["services", "openssh", "settings", "PermitUserEnvironment"],
        ]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if yes_no(&a.value.v) != Some(true) {
            return;
        }
        let key = a.path.last().map_or("", String::as_str);
        let (msg, fix) = match key {
            "PermitUserEnvironment" => (
                "sshd lets users set their environment (`PermitUserEnvironment`)",
                "services.openssh.settings.PermitUserEnvironment = false;",
            ),
            "forwardX11" => ("sshd forwards X11", "services.openssh.forwardX11 = false;"),
            _ => (
                "sshd forwards X11",
                "services.openssh.settings.X11Forwarding = false;",
            ),
        };
        out.push(Hit::new(a.value.range, msg).fix(fix));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::Low;

    const ID: &str = "NIX-080";

    #[test]
    fn positives_and_negatives() {
        assert_eq!(
            hits("{ services.openssh.settings.X11Forwarding = true; }", ID),
            [h("true", 1, Low)]
        );
        assert_eq!(
            hits("{ services.openssh.forwardX11 = true; }", ID),
            [h("true", 1, Low)]
        );
        assert_eq!(
            hits(
                r#"{ services.openssh.settings.PermitUserEnvironment = "yes"; }"#,
                ID
            ),
            [h("\"yes\"", 1, Low)]
        );
        for src in [
            "{ services.openssh.settings.X11Forwarding = false; }",
            // home-manager's ssh client option of the same name.
            "{ home.stateVersion = \"24.05\"; programs.ssh.forwardX11 = true; }",
            "{ programs.ssh.forwardX11 = true; }",
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
