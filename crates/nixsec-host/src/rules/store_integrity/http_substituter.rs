//! NIX-021: a substituter reached over plain HTTP.

use linkme::distributed_slice;
use nixsec_core::url::is_plain_http;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};
use nixsec_nixconf::NixConf;

use crate::nix::{bool_setting, with_conf};

/// A `substituters`/`trusted-substituters` URL uses `http://` to a non-loopback host.
pub struct HttpSubstituter;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &HttpSubstituter;

static META: RuleMeta = RuleMeta {
    id: "NIX-021",
    title: "Substituter over plain HTTP",
    section: Section::StoreIntegrity,
    severity: Severity::Medium,
    checks: "Every URL in `substituters` and `trusted-substituters` (with their `extra-` forms) of the effective nix.conf. Fails for an `http://` URL (or an `s3://` URL with `scheme=http`) whose host is not loopback. High when `require-sigs` is also off (NIX-020).",
    rationale: "Over plain HTTP anyone on the path sees which store paths the host fetches (its exact software versions) and can tamper with narinfo files and NARs. Signatures still protect the content when `require-sigs` is on; with it off, a network attacker can substitute arbitrary binaries.",
    fix: "Use `https://` for every substituter.",
    nixos: "nix.settings.substituters = [ \"https://cache.nixos.org/\" ];",
    references: &["nix.conf(5): substituters", "CWE-319"],
    source: file!(),
};

/// Names whose items are substituter URLs (the `extra-` forms merge into these).
const SETTINGS: [&str; 2] = ["substituters", "trusted-substituters"];

fn plain_urls(conf: &NixConf) -> (Vec<String>, Vec<Evidence>) {
    let mut urls = Vec::new();
    let mut ev = Vec::new();
    for name in SETTINGS {
        {
            let s = NixConf::list(Some(conf), name, &[]);
            for u in s.items.iter().filter(|u| is_plain_http(u)) {
                if !urls.contains(u) {
                    urls.push(u.clone());
                }
            }
            ev.extend(s.evidence_for(is_plain_http));
        }
    }
    (urls, ev)
}

impl Rule for HttpSubstituter {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        with_conf(cx, |conf| {
            let Some(conf) = conf else {
                return Outcome::pass(
                    "no nix.conf: the default substituter is `https://cache.nixos.org/`",
                );
            };
            let (urls, evidence) = plain_urls(conf);
            if urls.is_empty() {
                return Outcome::pass("every substituter uses HTTPS, a local store or loopback");
            }
            let sigs_off = matches!(
                bool_setting(Some(conf), "require-sigs"),
                Ok(Some((false, _)))
            );
            let mut msg = format!(
                "plain-HTTP substituter{}: {}",
                if urls.len() > 1 { "s" } else { "" },
                urls.join(", ")
            );
            let mut out = Outcome::fail(String::new()).with_evidence(evidence);
            if sigs_off {
                msg.push_str(
                    " (and `require-sigs` is off: a network attacker can serve any binary)",
                );
                out = out.with_severity(Severity::High);
            }
            if let Outcome::Fail { message, .. } = &mut out {
                *message = msg;
            }
            out
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn verdicts_and_severity() {
        let o = run(&HttpSubstituter, &root_with_conf("substituters = https://cache.nixos.org/\nextra-trusted-substituters = http://cache.lan\n"));
        let Outcome::Fail {
            severity, evidence, ..
        } = o
        else {
            panic!("expected fail")
        };
        assert_eq!(severity, None);
        assert_eq!(evidence.len(), 1);
        assert_eq!(evidence[0].line, Some(2));
        let o = run(
            &HttpSubstituter,
            &root_with_conf("substituters = http://cache.lan\nrequire-sigs = false\n"),
        );
        assert!(matches!(
            o,
            Outcome::Fail {
                severity: Some(Severity::High),
                ..
            }
        ));
        assert_eq!(
            run(
                &HttpSubstituter,
                &root_with_conf("substituters = https://a http://localhost\n")
            )
            .status(),
            Status::Pass
        );
        assert_eq!(
            run(&HttpSubstituter, &root_with_conf("")).status(),
            Status::Pass
        );
    }
}
