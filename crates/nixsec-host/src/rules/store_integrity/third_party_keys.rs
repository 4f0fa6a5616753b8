//! NIX-022: signing keys besides cache.nixos.org's are trusted.

use std::collections::BTreeMap;

use crate::cx::HostCx;
use nixsec_core::{Outcome, Problem, Severity};

use nixsec_nixconf::NixConf;

use crate::engine::Rule;
use crate::nix::with_conf;

/// `trusted-public-keys` holds keys other than cache.nixos.org's.
pub struct ThirdPartyKeys;

crate::host_rule!("NIX-022", ThirdPartyKeys);

/// The key Nix trusts by default.
pub use nixsec_nixconf::DEFAULT_TRUSTED_KEY as NIXOS_KEY;

fn key_is_wellformed(key: &str) -> bool {
    use base64::Engine;
    let Some((name, b64)) = key.split_once(':') else {
        return false;
    };
    !name.is_empty()
        && base64::engine::general_purpose::STANDARD
            .decode(b64)
            .is_ok_and(|k| k.len() == 32)
}

/// Strip a trailing `-N` generation suffix: `cache.example.org-1` → `cache.example.org`.
fn base_name(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((b, n)) if !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) => b,
        _ => name,
    }
}

fn hosts(urls: &[String]) -> Vec<String> {
    urls.iter()
        .filter_map(|u| {
            let rest = u.split_once("://")?.1;
            let host = rest.split(['/', '?', ':']).next()?;
            Some(host.to_ascii_lowercase())
        })
        .collect()
}

impl Rule for ThirdPartyKeys {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_conf(cx, |conf| {
            let Some(conf) = conf else {
                return Outcome::pass("no nix.conf: only the cache.nixos.org key is trusted");
            };
            let keys = NixConf::list(Some(conf), "trusted-public-keys", &[NIXOS_KEY]);
            let others: Vec<&String> = keys
                .items
                .iter()
                .filter(|k| k.as_str() != NIXOS_KEY)
                .collect();
            if others.is_empty() {
                return Outcome::pass("only the cache.nixos.org key is trusted")
                    .with_evidence(keys.evidence());
            }
            let mut urls =
                NixConf::list(Some(conf), "substituters", &["https://cache.nixos.org/"]).items;
            urls.extend(NixConf::list(Some(conf), "trusted-substituters", &[]).items);
            let hosts = hosts(&urls);
            let name_of = |k: &str| k.split(':').next().unwrap_or("").to_string();
            let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
            for k in &keys.items {
                *by_name.entry(name_of(k)).or_default() += 1;
            }
            // One problem per key name (the keys sharing a name are one thing to sort out).
            let mut names: Vec<String> = Vec::new();
            for k in &others {
                let n = name_of(k);
                if !names.contains(&n) {
                    names.push(n);
                }
            }
            let problems = names
                .iter()
                .map(|name| {
                    let mine: Vec<&&String> =
                        others.iter().filter(|k| name_of(k) == *name).collect();
                    let shown = nixsec_core::escape(name);
                    let mut issues = Vec::new();
                    if mine.iter().any(|k| !key_is_wellformed(k)) {
                        issues.push("is not NAME:BASE64 of a 32-byte ed25519 key".to_string());
                    } else if !hosts
                        .iter()
                        .any(|h| h == &base_name(name).to_ascii_lowercase())
                    {
                        issues.push("matches no configured substituter".to_string());
                    }
                    let n = by_name.get(name).copied().unwrap_or(0);
                    if n > 1 {
                        issues.push(format!(
                            "shares its name with {} other key{}",
                            n - 1,
                            if n > 2 { "s" } else { "" }
                        ));
                    }
                    let evidence = keys.evidence_for(|i| name_of(i) == *name);
                    if issues.is_empty() {
                        Problem::about(
                            name.clone(),
                            format!("third-party key `{shown}` is trusted"),
                        )
                        .with_evidence(evidence)
                    } else {
                        Problem::about(
                            name.clone(),
                            format!("trusted key `{shown}` {}", issues.join(" and ")),
                        )
                        .with_evidence(evidence)
                        .with_severity(Severity::Medium)
                    }
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

    const COMMUNITY: &str =
        "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=";

    #[test]
    fn default_key_only_passes() {
        assert_eq!(
            run(&ThirdPartyKeys, &root_with_conf("")).status(),
            Status::Pass
        );
        assert_eq!(
            run(
                &ThirdPartyKeys,
                &root_with_conf(&format!("trusted-public-keys = {NIXOS_KEY}\n"))
            )
            .status(),
            Status::Pass
        );
    }

    #[test]
    fn matching_third_party_key_is_info() {
        let conf = format!("substituters = https://cache.nixos.org https://nix-community.cachix.org\ntrusted-public-keys = {NIXOS_KEY}\nextra-trusted-public-keys = {COMMUNITY}\n");
        let o = run(&ThirdPartyKeys, &root_with_conf(&conf));
        let Some(crate::testing::Failed {
            severity,
            evidence,
            message,
            ..
        }) = crate::testing::failed(&o)
        else {
            panic!("expected fail")
        };
        assert_eq!(severity, None, "{message}");
        assert_eq!(evidence.len(), 1);
        assert_eq!(evidence[0].line, Some(3));
    }

    #[test]
    fn extra_keys_add_to_the_default() {
        let conf = format!("extra-substituters = https://nix-community.cachix.org\nextra-trusted-public-keys = {COMMUNITY}\n");
        let o = run(&ThirdPartyKeys, &root_with_conf(&conf));
        assert!(
            matches!(
                crate::testing::failed(&o),
                Some(crate::testing::Failed { severity: None, .. })
            ),
            "{o:?}"
        );
        assert_eq!(
            message(&o),
            "third-party key `nix-community.cachix.org-1` is trusted"
        );
        assert_eq!(
            o.problems()[0].subject.as_deref(),
            Some("nix-community.cachix.org-1")
        );
    }

    #[test]
    fn orphan_duplicate_and_malformed_keys_are_medium() {
        for extra in [
            COMMUNITY.to_string(),
            "cache.nixos.org-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_string(),
            "nix-community.cachix.org-1:notbase64".to_string(),
        ] {
            let conf = format!("trusted-public-keys = {NIXOS_KEY} {extra}\nsubstituters = https://cache.nixos.org\n");
            let o = run(&ThirdPartyKeys, &root_with_conf(&conf));
            assert!(
                matches!(
                    crate::testing::failed(&o),
                    Some(crate::testing::Failed {
                        severity: Some(Severity::Medium),
                        ..
                    })
                ),
                "{extra}: {o:?}"
            );
        }
    }

    #[test]
    fn one_problem_per_key_name() {
        let conf = format!(
            "substituters = https://cache.nixos.org/ https://cache.example.org\ntrusted-public-keys = {NIXOS_KEY} cache.example.org-1:TFJQE9JolF0YFbMKkZ0R4OrNzZBRXnT+pi8Cqjs0A9E= cache.example.org-1:cYgKSAZOWiaQ/A639nfaE2DJuP56J9NBPLj07b5QX9g= broken-key:bm90LWEta2V5\nextra-trusted-public-keys = {COMMUNITY}\n"
        );
        let o = run(&ThirdPartyKeys, &root_with_conf(&conf));
        let p = o.problems();
        let subjects: Vec<&str> = p.iter().filter_map(|p| p.subject.as_deref()).collect();
        assert_eq!(
            subjects,
            [
                "cache.example.org-1",
                "broken-key",
                "nix-community.cachix.org-1"
            ],
            "{o:?}"
        );
        assert_eq!(
            p[0].message,
            "trusted key `cache.example.org-1` shares its name with 1 other key"
        );
        assert_eq!(
            p[1].message,
            "trusted key `broken-key` is not NAME:BASE64 of a 32-byte ed25519 key"
        );
        assert_eq!(
            p[2].message,
            "trusted key `nix-community.cachix.org-1` matches no configured substituter"
        );
        assert!(p.iter().all(|p| p.severity == Some(Severity::Medium)));
        assert_eq!(p[2].evidence[0].line, Some(3));
    }
}
