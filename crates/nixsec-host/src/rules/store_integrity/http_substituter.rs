//! NIX-021: a substituter reached over plain HTTP.

use crate::cx::HostCx;
use nixsec_core::url::is_plain_http;
use nixsec_core::{Evidence, Outcome, Problem, Severity};
use nixsec_nixconf::NixConf;

use crate::engine::Rule;
use crate::nix::{bool_setting, with_conf};

/// A `substituters`/`trusted-substituters` URL uses `http://` to a non-loopback host.
pub struct HttpSubstituter;

crate::host_rule!("NIX-021", HttpSubstituter);

/// Names whose items are substituter URLs (the `extra-` forms merge into these).
const SETTINGS: [&str; 2] = ["substituters", "trusted-substituters"];

/// Each plain-HTTP URL once, with the lines that set it.
fn plain_urls(conf: &NixConf) -> Vec<(String, Vec<Evidence>)> {
    let mut urls: Vec<(String, Vec<Evidence>)> = Vec::new();
    for name in SETTINGS {
        let s = NixConf::list(Some(conf), name, &[]);
        for u in s.items.iter().filter(|u| is_plain_http(u)) {
            let ev = s.evidence_for(|i| i == u);
            match urls.iter_mut().find(|(x, _)| x == u) {
                Some((_, e)) => {
                    for x in ev {
                        if !e.contains(&x) {
                            e.push(x);
                        }
                    }
                }
                None => urls.push((u.clone(), ev)),
            }
        }
    }
    urls
}

impl Rule for HttpSubstituter {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_conf(cx, |conf| {
            let Some(conf) = conf else {
                return Outcome::pass(
                    "no nix.conf: the default substituter is `https://cache.nixos.org/`",
                );
            };
            let urls = plain_urls(conf);
            if urls.is_empty() {
                return Outcome::pass("every substituter uses HTTPS, a local store or loopback");
            }
            let sigs_off = matches!(
                bool_setting(Some(conf), "require-sigs"),
                Ok(Some((false, _)))
            );
            // One problem per URL: each is switched to HTTPS or dropped on its own.
            let problems = urls
                .into_iter()
                .map(|(u, ev)| {
                    let u = nixsec_core::escape(&u).into_owned();
                    let mut msg = format!("plain-HTTP substituter `{u}`");
                    if sigs_off {
                        msg.push_str(
                            " (and `require-sigs` is off: a network attacker can serve any binary)",
                        );
                    }
                    Problem::about(u, msg)
                        .with_evidence(ev)
                        .with_severity_opt(sigs_off.then_some(Severity::High))
                })
                .collect();
            Outcome::Fail { problems }
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
        let o = run(
            &HttpSubstituter,
            &root_with_conf("substituters = https://cache.nixos.org/ http://a.example http://b.example:5000\ntrusted-substituters = http://a.example\nrequire-sigs = false\n"),
        );
        let p = o.problems();
        assert_eq!(p.len(), 2, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("http://a.example"));
        assert_eq!(
            p[0].message,
            "plain-HTTP substituter `http://a.example` (and `require-sigs` is off: a network attacker can serve any binary)"
        );
        // In both settings: both lines.
        assert_eq!(p[0].evidence.len(), 2);
        assert_eq!(p[1].subject.as_deref(), Some("http://b.example:5000"));
        assert_eq!(p[1].evidence.len(), 1);
        assert!(p.iter().all(|p| p.severity == Some(Severity::High)));
        assert_eq!(
            run(&HttpSubstituter, &root_with_conf("")).status(),
            Status::Pass
        );
    }
}
