//! NIX-075: reverse-path filtering switched off in the NixOS firewall.

use linkme::distributed_slice;
use nixsec_core::{RuleMeta, Section, Severity};

use crate::index::Assignment;
use crate::rules::{FileCx, Hit, LintRule, LINT_RULES};
use crate::value::Value;

/// ## What it checks
/// `networking.firewall.checkReversePath = false`, and `rp_filter` sysctls set to 0
/// (`boot.kernel.sysctl."net.ipv4.conf.all.rp_filter"`, `...default.rp_filter`).
///
/// ## Why it matters
/// Without reverse-path filtering the host accepts packets with spoofed source addresses on
/// interfaces they could never have come from.
///
/// ## Fix (NixOS)
/// `networking.firewall.checkReversePath = true;` (or `"loose"` with asymmetric routing)
///
/// ## References
/// NixOS option `networking.firewall.checkReversePath`; RFC 3704.
pub struct ReversePathOff;

static META: RuleMeta = RuleMeta {
    id: "NIX-075",
    title: "Reverse-path filtering off",
    section: Section::Firewall,
    severity: Severity::Low,
    checks: "`networking.firewall.checkReversePath = false`; `rp_filter` sysctls set to 0",
    rationale:
        "Without reverse-path filtering the host accepts packets with spoofed source addresses.",
    fix: "Keep reverse-path filtering on (`\"loose\"` where routing is asymmetric)",
    nixos: "networking.firewall.checkReversePath = true;",
    references: &[
        "NixOS option networking.firewall.checkReversePath",
        "RFC 3704",
    ],
    source: file!(),
};

// linkme places the entry with `#[link_section]`, which the workspace's `unsafe_code` lint flags.
#[allow(unsafe_code)]
#[distributed_slice(LINT_RULES)]
static RULE: &dyn LintRule = &ReversePathOff;

impl LintRule for ReversePathOff {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["networking", "firewall", "checkReversePath"],
            &["boot", "kernel", "sysctl", "net.ipv4.conf.all.rp_filter"],
            &[
                "boot",
                "kernel",
                "sysctl",
                "net.ipv4.conf.default.rp_filter",
            ],
        ]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        let off = match &a.value.v {
            Value::Bool(false) | Value::Int(0) => true,
            Value::Str(s) => s == "0",
            _ => false,
        };
        if !off {
            return;
        }
        if a.path[0] == "networking" {
            out.push(Hit::new(
                a.value.range,
                "the firewall's reverse-path filter is off",
            ));
        } else {
            out.push(
                Hit::new(a.value.range, format!("`{}` is 0", a.path[3]))
                    .fix(format!("boot.kernel.sysctl.\"{}\" = 1;", a.path[3])),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::Low;

    const ID: &str = "NIX-075";

    #[test]
    fn positives() {
        assert_eq!(
            hits("{ networking.firewall.checkReversePath = false; }", ID),
            [h("false", 1, Low)]
        );
        assert_eq!(
            hits(
                "{ networking.firewall = { checkReversePath = false; }; }",
                ID
            ),
            [h("false", 1, Low)]
        );
        assert_eq!(
            hits(
                r#"{ boot.kernel.sysctl."net.ipv4.conf.all.rp_filter" = 0; }"#,
                ID
            ),
            [h("0", 1, Low)]
        );
        assert_eq!(
            hits(
                r#"{ boot.kernel.sysctl = { "net.ipv4.conf.default.rp_filter" = "0"; }; }"#,
                ID
            ),
            [h("\"0\"", 1, Low)]
        );
    }

    #[test]
    fn negatives() {
        for src in [
            r#"{ networking.firewall.checkReversePath = "loose"; }"#,
            "{ networking.firewall.checkReversePath = true; }",
            r#"{ boot.kernel.sysctl."net.ipv4.conf.all.rp_filter" = 1; }"#,
            r#"{ boot.kernel.sysctl."net.ipv4.conf.all.rp_filter" = 2; }"#,
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
