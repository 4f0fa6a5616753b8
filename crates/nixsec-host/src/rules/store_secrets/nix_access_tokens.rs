//! NIX-035: `access-tokens` written in nix.conf, a world-readable store file on NixOS.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

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
            let ev: Vec<Evidence> = s
                .sources
                .iter()
                .map(|e| {
                    Evidence::line(
                        e.path.clone(),
                        e.line,
                        format!("access-tokens = {}", redacted(&e.value)),
                    )
                })
                .collect();
            Outcome::fail(format!(
                "{} access token(s) written in nix.conf, readable by every user",
                s.items.len()
            ))
            .with_evidence(ev)
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
}
