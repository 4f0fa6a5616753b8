//! The store verification shared by NIX-025 and NIX-026: run once per audit, metadata,
//! references and signatures by default, contents when `--store-contents` is given.

use std::sync::Arc;

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};
use nixsec_nar::sig::PublicKey;
use nixsec_nixconf::{NixConf, SystemConf, DEFAULT_TRUSTED_KEY};
use nixsec_store::{Kind, NoProgress, Options, Problem};

use crate::nix::system_conf;

/// The verifier's result for this audit, or why it could not run (`Ok(None)`: no store).
pub struct StoreCheck(pub Result<Option<nixsec_store::Outcome>, StoreCheckError>);

/// Why the store verification of an audit could not run.
#[derive(Debug, thiserror::Error)]
pub enum StoreCheckError {
    /// nix.conf, which holds the trusted keys, is broken (Nix's own reason).
    #[error("cannot read the trusted keys: {0}")]
    TrustedKeys(String),
    /// The verifier could not read the database or the store.
    #[error(transparent)]
    Verify(#[from] nixsec_store::VerifyError),
}

/// Run (once) the store verification of the audited root.
#[must_use]
pub fn store_check(cx: &HostCx) -> Arc<StoreCheck> {
    cx.fact(
        |f| &f.store_check,
        |cx| {
            let root = cx.root();
            if root.presence("/nix/var/nix/db/db.sqlite").is_absent()
                || root.presence("/nix/store").is_absent()
            {
                return StoreCheck(Ok(None));
            }
            let conf = system_conf(cx);
            let conf = match &*conf {
                SystemConf::Present(c) => Some(c),
                SystemConf::Absent => None,
                SystemConf::Broken(e) => {
                    return StoreCheck(Err(StoreCheckError::TrustedKeys(e.to_string())))
                }
            };
            let keys: Vec<PublicKey> =
                NixConf::list(conf, "trusted-public-keys", &[DEFAULT_TRUSTED_KEY])
                    .items
                    .iter()
                    .filter_map(|k| PublicKey::parse(k).ok())
                    .collect();
            let opts = Options {
                check_contents: cx.options().store_contents,
                sigs_needed: 0,
                trusted_keys: keys,
                jobs: 0,
                paths: None,
                closure: false,
            };
            StoreCheck(
                nixsec_store::verify(root.dir(), &opts, &NoProgress)
                    .map(Some)
                    .map_err(StoreCheckError::from),
            )
        },
    )
}

/// Evidence for up to `max` problems.
#[must_use]
pub fn evidence(problems: &[&Problem], max: usize) -> Vec<Evidence> {
    problems
        .iter()
        .take(max)
        .map(|p| Evidence::value(p.path.clone(), format!("{}: {}", p.kind.as_str(), p.detail)))
        .collect()
}

/// Most store problems reported one by one.
pub const MAX_LISTED: usize = 20;

/// One problem per store path and kind, about the path (`PATH (kind)` when the path has
/// problems of several of the kinds listed), up to `max`, the last one saying how many more
/// were found.
#[must_use]
pub fn problems(found: &[&Problem], max: usize) -> Vec<nixsec_core::Problem> {
    let out = found
        .iter()
        .map(|p| {
            let kind = p.kind.as_str();
            let several = found.iter().any(|q| q.path == p.path && q.kind != p.kind);
            let subject = if several {
                format!("{} ({kind})", p.path)
            } else {
                p.path.clone()
            };
            nixsec_core::Problem::about(
                subject,
                format!(
                    "`{}`: {kind}: {}",
                    nixsec_core::escape(&p.path),
                    nixsec_core::escape(&p.detail)
                ),
            )
            .with_evidence(evidence(&[p], 1))
        })
        .collect();
    crate::perms::capped(out, max, "store problems")
}

/// Run a store rule on this audit's verification: skipped without a store, `error` when the
/// verification could not run.
pub fn with_store(cx: &HostCx, f: impl FnOnce(&nixsec_store::Outcome) -> Outcome) -> Outcome {
    match &store_check(cx).0 {
        Ok(None) => Outcome::skip("no Nix store with a database under this root"),
        Err(e) => Outcome::error(e.to_string()),
        Ok(Some(outcome)) => f(outcome),
    }
}

/// Problems of the given kinds.
#[must_use]
pub fn of_kinds<'a>(o: &'a nixsec_store::Outcome, kinds: &[Kind]) -> Vec<&'a Problem> {
    o.problems
        .iter()
        .filter(|p| kinds.contains(&p.kind))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_problem_per_path_and_kind() {
        let p = |path: &str, kind: Kind| Problem {
            path: path.to_string(),
            kind,
            detail: "d".to_string(),
        };
        let all = [
            p("/nix/store/a", Kind::InvalidSignature),
            p("/nix/store/a", Kind::BadPermissions),
            p("/nix/store/b", Kind::BadPermissions),
            p("/nix/store/c", Kind::Missing),
        ];
        let found: Vec<&Problem> = all.iter().collect();
        let out = problems(&found, 3);
        let subjects: Vec<&str> = out.iter().filter_map(|p| p.subject.as_deref()).collect();
        assert_eq!(
            subjects,
            [
                "/nix/store/a (invalid-signature)",
                "/nix/store/a (bad-permissions)",
                "/nix/store/b"
            ]
        );
        assert_eq!(out[0].message, "`/nix/store/a`: invalid-signature: d");
        assert_eq!(
            out[2].message,
            "`/nix/store/b`: bad-permissions: d (1 more store problems found, not listed)"
        );
        assert_eq!(
            out[2].evidence[0].value.as_deref(),
            Some("bad-permissions: d")
        );
    }
}
