//! NIX-022: signing keys besides cache.nixos.org's are trusted.

use std::collections::BTreeMap;

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Severity};

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
            let mut by_name: BTreeMap<&str, usize> = BTreeMap::new();
            for k in &keys.items {
                *by_name
                    .entry(k.split(':').next().unwrap_or(""))
                    .or_default() += 1;
            }
            let mut problems = Vec::new();
            for k in &others {
                let name = k.split(':').next().unwrap_or("");
                if !key_is_wellformed(k) {
                    problems.push(format!(
                        "`{name}` is not NAME:BASE64 of a 32-byte ed25519 key"
                    ));
                } else if !hosts
                    .iter()
                    .any(|h| h == &base_name(name).to_ascii_lowercase())
                {
                    problems.push(format!("`{name}` matches no configured substituter"));
                }
            }
            for (name, n) in &by_name {
                if *n > 1 {
                    problems.push(format!("{n} keys share the name `{name}`"));
                }
            }
            let names: Vec<&str> = others
                .iter()
                .map(|k| k.split(':').next().unwrap_or(""))
                .collect();
            let evidence: Vec<Evidence> = keys.evidence_for(|i| i != NIXOS_KEY);
            let mut msg = format!(
                "{} third-party key{} trusted: {}",
                names.len(),
                if names.len() > 1 { "s" } else { "" },
                names.join(", ")
            );
            let mut out = Outcome::fail(String::new()).with_evidence(evidence);
            if !problems.is_empty() {
                msg.push_str(&format!("; {}", problems.join("; ")));
                out = out.with_severity(Severity::Medium);
            }
            if let Outcome::Fail { problems } = &mut out {
                for p in problems {
                    p.message = nixsec_core::escape(&msg).into_owned();
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
        assert!(
            message(&o).starts_with("1 third-party key trusted: nix-community.cachix.org-1"),
            "{}",
            message(&o)
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
}
