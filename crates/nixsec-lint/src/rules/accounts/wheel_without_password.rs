//! NIX-132: wheel may become root without a password (sudo, sudo-rs, doas).

use crate::index::Assignment;
use crate::rules::{FileCx, Hit, LintRule};

struct WheelWithoutPassword;

crate::lint_rule!("NIX-132", WheelWithoutPassword);

impl LintRule for WheelWithoutPassword {
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["security", "sudo", "wheelNeedsPassword"],
            &["security", "sudo-rs", "wheelNeedsPassword"],
            &["security", "doas", "wheelNeedsPassword"],
            &["security", "run0", "wheelNeedsPassword"],
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
        for tool in ["sudo", "sudo-rs", "doas", "run0"] {
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
