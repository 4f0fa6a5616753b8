//! NIX-080: sshd X11 forwarding or user environments enabled.

use crate::index::Assignment;
use crate::rules::{yes_no, FileCx, Hit, LintRule};

struct SshForwardingLoose;

crate::lint_rule!("NIX-080", SshForwardingLoose);

impl LintRule for SshForwardingLoose {
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["services", "openssh", "settings", "X11Forwarding"],
            &["services", "openssh", "forwardX11"],
            &["services", "openssh", "settings", "PermitUserEnvironment"],
            crate::sshd::EXTRA,
        ]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if crate::sshd::switched_off(a, &cx.index.assignments) {
            return;
        }
        if a.is(crate::sshd::EXTRA) {
            // Lines outside a `Match` block come after the ones `settings` writes.
            for l in crate::sshd::extra_lines(a, cx.src) {
                let Some(m) = &l.matched else { continue };
                let key = match l.key.as_str() {
                    "x11forwarding" => "X11Forwarding",
                    "permituserenvironment" => "PermitUserEnvironment",
                    _ => continue,
                };
                if l.value.eq_ignore_ascii_case("yes") {
                    out.push(
                        Hit::new(l.range, format!("sshd allows `{key}` in `{m}`"))
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
