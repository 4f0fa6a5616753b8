//! NIX-021: a substituter reached over plain HTTP.

use crate::cx::HostCx;
use nixsec_core::url::is_plain_http;
use nixsec_core::{Evidence, Outcome, Severity};
use nixsec_nixconf::NixConf;

use crate::engine::Rule;
use crate::nix::{bool_setting, with_conf};

/// A `substituters`/`trusted-substituters` URL uses `http://` to a non-loopback host.
pub struct HttpSubstituter;

crate::host_rule!("NIX-021", HttpSubstituter);

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
            if let Outcome::Fail { problems } = &mut out {
                for p in problems {
                    p.message.clone_from(&msg);
                }
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
        let Some(crate::testing::Failed {
            severity, evidence, ..
        }) = crate::testing::failed(&o)
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
            crate::testing::failed(&o),
            Some(crate::testing::Failed {
                severity: Some(Severity::High),
                ..
            })
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
