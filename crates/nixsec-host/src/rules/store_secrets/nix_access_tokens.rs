//! NIX-035: `access-tokens` written in nix.conf, a world-readable store file on NixOS.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::nix::with_conf;

/// Access tokens in nix.conf.
pub struct NixAccessTokens;

crate::host_rule!("NIX-035", NixAccessTokens);

/// `host=token ...` with each token redacted.
fn redacted(value: &str) -> String {
    value
        .split_whitespace()
        .map(|t| match t.split_once('=') {
            Some((h, tok)) => format!("{h}={}", nixsec_secrets::redact(tok, 0)),
            None => nixsec_secrets::redact(t, 0),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Rule for NixAccessTokens {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_conf(cx, |conf| {
            let Some(s) = conf.and_then(|c| c.get("access-tokens")) else {
                return Outcome::pass("no `access-tokens` in nix.conf");
            };
            if s.items.is_empty() {
                return Outcome::pass("`access-tokens` is empty");
            }
            // One problem per token: each is revoked and moved out on its own.
            let mut problems: Vec<Problem> = Vec::new();
            for item in &s.items {
                let host = item.split_once('=').map_or("", |(h, _)| h);
                let subject = if host.is_empty() {
                    "access-tokens".to_string()
                } else {
                    nixsec_core::escape(host).into_owned()
                };
                let evidence = s
                    .sources
                    .iter()
                    .filter(|e| e.value.split_whitespace().any(|t| t == item))
                    .map(|e| {
                        Evidence::line(
                            e.path.clone(),
                            e.line,
                            format!("access-tokens = {}", redacted(item)),
                        )
                    });
                match problems
                    .iter_mut()
                    .find(|p| p.subject.as_deref() == Some(subject.as_str()))
                {
                    Some(p) => p.evidence.extend(evidence),
                    None => problems.push(
                        Problem::about(
                            subject,
                            if host.is_empty() {
                                "an access token is written in nix.conf, readable by every user"
                                    .to_string()
                            } else {
                                format!(
                                    "the access token for `{}` is written in nix.conf, readable by every user",
                                    nixsec_core::escape(host)
                                )
                            },
                        )
                        .with_evidence(evidence),
                    ),
                }
            }
            Outcome::Fail { problems }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn tokens_fail_redacted() {
        let b =
            root_with_conf("access-tokens = github.com=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789\n");
        let o = run(&NixAccessTokens, &b);
        assert_eq!(o.status(), Status::Fail);
        let text = format!("{o:?}");
        assert!(!text.contains("aBcDeFgH"), "{text}");
        assert!(text.contains("github.com="), "{text}");
        let o = run(&NixAccessTokens, &root_with_conf("sandbox = true\n"));
        assert_eq!(o.status(), Status::Pass);
    }

    #[test]
    fn one_problem_per_token() {
        let b = root_with_conf(
            "access-tokens = github.com=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 gitlab.example.org=PAT:glpat-zYxWvUtSrQpOnMlKjIhG\n",
        );
        let o = run(&NixAccessTokens, &b);
        let p = o.problems();
        assert_eq!(p.len(), 2, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("github.com"));
        assert_eq!(
            p[0].message,
            "the access token for `github.com` is written in nix.conf, readable by every user"
        );
        assert_eq!(p[1].subject.as_deref(), Some("gitlab.example.org"));
        // Each problem cites its own token, redacted.
        let v = p[1].evidence[0].value.as_deref().unwrap_or_default();
        assert!(v.starts_with("access-tokens = gitlab.example.org="), "{v}");
        assert!(!v.contains("zYxWvUt") && !v.contains("github"), "{v}");
        assert!(p.iter().all(|p| p.severity.is_none()));
    }
}
