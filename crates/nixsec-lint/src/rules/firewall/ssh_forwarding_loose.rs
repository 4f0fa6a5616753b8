//! NIX-080: sshd X11 forwarding or user environments enabled, more than four authentication
//! attempts per connection (`MaxAuthTries`), or logs turned quiet (`LogLevel` QUIET or FATAL),
//! as written (`settings` or `extraConfig`).

use crate::index::Assignment;
use crate::rules::{yes_no, FileCx, Hit, LintRule};
use crate::value::Value;

/// sshd's cap on authentication attempts beyond which NIX-080 fails (the catalogue's "above 4").
const MAX_TRIES: i64 = 4;

/// A `MaxAuthTries` value above the cap: the number.
fn too_many_tries(v: &Value) -> Option<i64> {
    let n = match v {
        Value::Int(n) => *n,
        Value::Str(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (n > MAX_TRIES).then_some(n)
}

/// The keyword of a `services.openssh.settings.<keyword>` assignment, lower case.
fn setting(a: &Assignment) -> Option<String> {
    (a.path.len() == 4 && a.is(&["services", "openssh", "settings", "*"]))
        .then(|| a.path[3].to_ascii_lowercase())
}

/// A `LogLevel` that keeps failed logins out of the logs: QUIET or FATAL.
fn quiet_log(v: &str) -> bool {
    v.eq_ignore_ascii_case("quiet") || v.eq_ignore_ascii_case("fatal")
}

struct SshForwardingLoose;

crate::lint_rule!("NIX-080", SshForwardingLoose);

impl LintRule for SshForwardingLoose {
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            // sshd reads its keywords in any case (`maxAuthTries = 5` is written as is).
            &["services", "openssh", "settings", "*"],
            &["services", "openssh", "forwardX11"],
            crate::sshd::EXTRA,
        ]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if crate::sshd::switched_off(a, &cx.index.assignments) {
            return;
        }
        if a.is(crate::sshd::EXTRA) {
            // Lines outside a `Match` block come after the ones `settings` writes: they count
            // only for a keyword `settings` does not write (`MaxAuthTries` unless it is set
            // there too).
            let tries_set = cx
                .index
                .assignments
                .iter()
                .any(|b| setting(b).is_some_and(|k| k == "maxauthtries"));
            for l in crate::sshd::extra_lines(a, cx.src) {
                if l.key == "maxauthtries" && (l.matched.is_some() || !tries_set) {
                    if let Some(n) = too_many_tries(&Value::Str(l.value.clone())) {
                        let place = l
                            .matched
                            .as_ref()
                            .map_or(String::new(), |m| format!(" in `{m}`"));
                        out.push(
                            Hit::new(
                                l.range,
                                format!(
                                    "sshd allows {n} authentication attempts per connection \
                                     (`MaxAuthTries`){place}"
                                ),
                            )
                            .subject(format!("MaxAuthTries{place}"))
                            .when(l.matched.as_deref())
                            .fix("services.openssh.settings.MaxAuthTries = 3;"),
                        );
                    }
                    continue;
                }
                let Some(m) = &l.matched else { continue };
                let key = match l.key.as_str() {
                    "x11forwarding" => "X11Forwarding",
                    "permituserenvironment" => "PermitUserEnvironment",
                    "loglevel" if quiet_log(&l.value) => {
                        out.push(
                            Hit::new(
                                l.range,
                                format!(
                                    "sshd logs at `{}` in `{m}`: failed logins go unrecorded",
                                    l.value
                                ),
                            )
                            .subject(format!("LogLevel ({m})"))
                            .when(Some(m.as_str())),
                        );
                        continue;
                    }
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
        let key = setting(a);
        if key.as_deref() == Some("maxauthtries") {
            if let Some(n) = too_many_tries(&a.value.v) {
                out.push(
                    Hit::new(
                        a.value.range,
                        format!("sshd allows {n} authentication attempts per connection (`MaxAuthTries`)"),
                    )
                    .fix("services.openssh.settings.MaxAuthTries = 3;"),
                );
            }
            return;
        }
        if key.as_deref() == Some("loglevel") {
            if let Some(level) = a.value.v.as_str().filter(|l| quiet_log(l)) {
                out.push(
                    Hit::new(
                        a.value.range,
                        format!("sshd logs at `{level}`: failed logins go unrecorded"),
                    )
                    .fix("services.openssh.settings.LogLevel = \"VERBOSE\";"),
                );
            }
            return;
        }
        if !matches!(
            key.as_deref(),
            None | Some("x11forwarding" | "permituserenvironment")
        ) || yes_no(&a.value.v) != Some(true)
        {
            return;
        }
        let (msg, fix) = match key.as_deref() {
            Some("permituserenvironment") => (
                "sshd lets users set their environment (`PermitUserEnvironment`)",
                "services.openssh.settings.PermitUserEnvironment = false;",
            ),
            None => ("sshd forwards X11", "services.openssh.forwardX11 = false;"),
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
    fn auth_tries_and_quiet_logs() {
        assert_eq!(
            hits("{ services.openssh.settings.MaxAuthTries = 6; }", ID),
            [h("6", 1, Low)]
        );
        assert_eq!(
            hits(r#"{ services.openssh.settings.MaxAuthTries = "10"; }"#, ID),
            [h("\"10\"", 1, Low)]
        );
        // sshd reads keywords in any case.
        assert_eq!(
            hits("{ services.openssh.settings.maxAuthTries = 5; }", ID),
            [h("5", 1, Low)]
        );
        assert_eq!(
            hits(r#"{ services.openssh.settings.LogLevel = "QUIET"; }"#, ID),
            [h("\"QUIET\"", 1, Low)]
        );
        let extra = "{ services.openssh.extraConfig = ''\n  MaxAuthTries 20\n  Match User git\n    LogLevel FATAL\n''; }";
        let got = hits(extra, ID);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!((got[0].1, got[1].1), (2, 4), "{got:?}");
        assert_eq!((got[0].3, got[1].3), (false, true), "{got:?}");
    }

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
            "{ services.openssh.settings.MaxAuthTries = 3; }",
            "{ services.openssh.settings.AllowUsers = [ \"a\" ]; }",
            "{ services.openssh.settings.MaxAuthTries = \"4\"; }",
            "{ services.openssh.settings.LogLevel = \"VERBOSE\"; }",
            "{ services.openssh.settings.LogLevel = \"INFO\"; }",
            // `settings` writes its `MaxAuthTries` first: sshd keeps that one.
            "{ services.openssh.settings.MaxAuthTries = 3; services.openssh.extraConfig = \"MaxAuthTries 10\"; }",
            "{ services.openssh.extraConfig = \"MaxAuthTries 3\"; }",
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
