//! NIX-075: reverse-path filtering switched off in the NixOS firewall.

use crate::index::Assignment;
use crate::rules::{FileCx, Hit, LintRule};
use crate::value::Value;

struct ReversePathOff;

crate::lint_rule!("NIX-075", ReversePathOff);

impl LintRule for ReversePathOff {
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
            // systemd-sysctl's glob: every interface, `all` and `default` among them.
            &["boot", "kernel", "sysctl", "net.ipv4.conf.*.rp_filter"],
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
        assert_eq!(
            hits(
                r#"{ boot.kernel.sysctl."net.ipv4.conf.*.rp_filter" = false; }"#,
                ID
            ),
            [h("false", 1, Low)]
        );
    }

    #[test]
    fn negatives() {
        for src in [
            r#"{ networking.firewall.checkReversePath = "loose"; }"#,
            "{ networking.firewall.checkReversePath = true; }",
            r#"{ boot.kernel.sysctl."net.ipv4.conf.all.rp_filter" = 1; }"#,
            r#"{ boot.kernel.sysctl."net.ipv4.conf.all.rp_filter" = 2; }"#,
            r#"{ boot.kernel.sysctl."net.ipv4.conf.wg0.rp_filter" = 0; }"#,
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
