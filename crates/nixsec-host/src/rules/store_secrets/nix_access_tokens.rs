//! NIX-035: `access-tokens` written in nix.conf, a world-readable store file on NixOS.
//!
//! ## What it checks
//! `access-tokens` (and `extra-access-tokens`) in the effective `/etc/nix/nix.conf` and the
//! files it includes; with a literal token value the rule fails. Tokens are redacted.
//!
//! ## Why it matters
//! On NixOS nix.conf is a store file (mode 0444): every local user can read the tokens.
//!
//! ## Fix (NixOS)
//! `nix.extraOptions = "!include /run/secrets/nix-access-tokens";`
//!
//! ## References
//! nix.conf(5): access-tokens; CWE-312.

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::nix::with_conf;

/// Access tokens in nix.conf.
pub struct NixAccessTokens;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &NixAccessTokens;

static META: RuleMeta = RuleMeta {
    id: "NIX-035",
    title: "Access tokens in nix.conf",
    section: Section::StoreSecrets,
    severity: Severity::High,
    checks: "`access-tokens` and `extra-access-tokens` in the effective `/etc/nix/nix.conf` (with its `include`/`!include` files): fails when a token is written there literally. Values are redacted in the evidence.",
    rationale: "On NixOS `/etc/nix/nix.conf` is a store file, readable by every user (and pushed to caches with the system closure): a GitHub or GitLab token there is everyone's token.",
    fix: "Keep the tokens in a root-only file and include it.",
    nixos: "nix.extraOptions = \"!include /run/secrets/nix-access-tokens\";",
    references: &["nix.conf(5): access-tokens", "CWE-312"],
    source: file!(),
};

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
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

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
