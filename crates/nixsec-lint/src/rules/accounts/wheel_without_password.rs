//! NIX-132: wheel may become root without a password (sudo, sudo-rs, doas).

use linkme::distributed_slice;
use nixsec_core::{RuleMeta, Section, Severity};

use crate::index::Assignment;
use crate::rules::{FileCx, Hit, LintRule, LINT_RULES};

/// ## What it checks
/// `security.sudo.wheelNeedsPassword`, `security.sudo-rs.wheelNeedsPassword` and
/// `security.doas.wheelNeedsPassword` set to `false`.
///
/// ## Why it matters
/// Any process running as a wheel user (a browser exploit, a malicious npm package) becomes
/// root silently.
///
/// ## Fix (NixOS)
/// `security.sudo.wheelNeedsPassword = true;`
///
/// ## References
/// sudoers(5) NOPASSWD; CWE-269.
pub struct WheelWithoutPassword;

static META: RuleMeta = RuleMeta {
    id: "NIX-132",
    title: "Passwordless privilege escalation for wheel",
    section: Section::Accounts,
    severity: Severity::Medium,
    checks: "`wheelNeedsPassword = false` for sudo, sudo-rs or doas",
    rationale: "Any process running as a wheel user becomes root silently.",
    fix: "Ask wheel users for their password",
    nixos: "security.sudo.wheelNeedsPassword = true;",
    references: &["sudoers(5): NOPASSWD", "CWE-269"],
    source: file!(),
};

// linkme places the entry with `#[link_section]`, which the workspace's `unsafe_code` lint flags.
#[allow(unsafe_code)]
#[distributed_slice(LINT_RULES)]
static RULE: &dyn LintRule = &WheelWithoutPassword;

impl LintRule for WheelWithoutPassword {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["security", "sudo", "wheelNeedsPassword"],
            &["security", "sudo-rs", "wheelNeedsPassword"],
            &["security", "doas", "wheelNeedsPassword"],
        ]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if a.value.v.as_bool() != Some(false) {
            return;
        }
        let tool = &a.path[1];
        out.push(
            Hit::new(
                a.value.range,
                format!("wheel users run {tool} as root without a password"),
            )
            .fix(format!("security.{tool}.wheelNeedsPassword = true;")),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{findings, h, hits};
    use nixsec_core::Severity::Medium;

    const ID: &str = "NIX-132";

    #[test]
    fn each_tool() {
        for tool in ["sudo", "sudo-rs", "doas"] {
            let src = format!("{{ security.{tool}.wheelNeedsPassword = false; }}");
            assert_eq!(hits(&src, ID), [h("false", 1, Medium)], "{src}");
        }
        let nested = "{ security = { sudo = { enable = true; wheelNeedsPassword = false; }; }; }";
        assert_eq!(hits(nested, ID), [h("false", 1, Medium)]);
        let f = findings("{ security.doas.wheelNeedsPassword = false; }", ID);
        assert_eq!(
            f[0].finding.remediation.nixos,
            "security.doas.wheelNeedsPassword = true;"
        );
        assert!(hits("{ security.sudo.wheelNeedsPassword = true; }", ID).is_empty());
        assert!(hits("{ security.sudo.execWheelOnly = false; }", ID).is_empty());
    }
}
