//! NIX-150: known CVEs in the runtime closure of the current system, from the local NVD index
//! that `nixsec vulns update` builds.

use std::collections::BTreeMap;

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_core::{Evidence, Outcome, Problem};
use nixsec_vulns::index::{self, Index};
use nixsec_vulns::mapping::Mapping;
use nixsec_vulns::scan::{self, Data};
use nixsec_vulns::whitelist::Whitelist;
use nixsec_vulns::{findings, packages, targets};

/// Packages of the system closure with an unpatched CVE in the NVD index.
pub struct KnownVulnerablePackages;

crate::host_rule!("NIX-150", KnownVulnerablePackages);

/// An index older than this many days is called stale.
const MAX_AGE_DAYS: i64 = 7;

impl Rule for KnownVulnerablePackages {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        if root.symlink_metadata("/run/current-system").is_err() {
            return Outcome::skip("no /run/current-system (not a NixOS system)");
        }
        let Some(top) = targets::current_system(root) else {
            return Outcome::skip("/run/current-system does not point into /nix/store");
        };
        let Some(cache) = index::default_cache_dir() else {
            return Outcome::skip("no cache directory (HOME unset) for the NVD index");
        };
        let path = index::index_path(&cache);
        if !path.exists() {
            return Outcome::skip("no NVD index (run `nixsec vulns update` first)");
        }
        let ix = match Index::open(&path) {
            Ok(ix) => ix,
            Err(e) => return Outcome::error(e.to_string()),
        };
        let now = chrono::Utc::now();
        let stale = ix
            .updated()
            .filter(|u| (now - *u).num_days() > MAX_AGE_DAYS);
        let sel = match packages::select(root.store_root(), std::slice::from_ref(&top), false) {
            Ok(s) => s,
            Err(e) => return Outcome::error(e.to_string()),
        };
        let mut whitelist = Whitelist::default();
        for w in &cx.options().vulns_whitelists {
            if let Err(e) = whitelist.add_file(w) {
                return Outcome::error(e.to_string());
            }
        }
        let today = now.date_naive();
        let data = Data::Index(ix);
        let r = scan::scan(&sel, &data, &Mapping::builtin(), &whitelist, today);

        // What every verdict rests on besides the CVE itself: a stale index, whitelist entries
        // that no longer apply, and the CVEs the whitelists accept.
        let mut context = Vec::new();
        let index_shown = path.display().to_string();
        if let Some(u) = stale {
            context.push(Evidence::value(
                index_shown.clone(),
                format!(
                    "updated {}, {} days ago: run `nixsec vulns update`",
                    u.format("%Y-%m-%d"),
                    (now - u).num_days()
                ),
            ));
        }
        for rule in whitelist.expired(today) {
            context.push(Evidence::value(
                rule.file.clone(),
                format!(
                    "[\"{}\"] expired on {}: no longer honoured",
                    rule.key,
                    rule.until.map(|d| d.to_string()).unwrap_or_default()
                ),
            ));
        }
        let mut accepted: BTreeMap<&str, usize> = BTreeMap::new();
        for h in r.packages.iter().flat_map(|p| &p.whitelisted) {
            if let Some(rule) = h.whitelisted_by.and_then(|i| whitelist.rules.get(i)) {
                *accepted.entry(rule.file.as_str()).or_default() += 1;
            }
        }
        for (file, n) in &accepted {
            context.push(Evidence::value(
                (*file).to_string(),
                format!("{n} CVEs of the closure whitelisted"),
            ));
        }

        let mut problems: Vec<Problem> = r
            .packages
            .iter()
            .flat_map(|p| p.affected.iter().map(move |h| findings::problem(p, h, "")))
            .map(|p| p.with_evidence(context.iter().cloned()))
            .collect();
        if problems.is_empty() {
            if let Some(e) = r.problems.first() {
                return Outcome::error(e.clone());
            }
            let whitelisted: usize = accepted.values().sum();
            let mut pass = format!(
                "no known CVE among {} packages of the closure of {top}",
                sel.packages.len()
            );
            if whitelisted > 0 {
                pass.push_str(&format!("; {whitelisted} whitelisted"));
            }
            return Outcome::Pass {
                message: pass,
                evidence: context,
            };
        }
        // Packages the index could not be read for: not checked, so not clean.
        if let Some(first) = r.problems.first() {
            problems.push(Problem::about(
                index_shown.clone(),
                format!(
                    "`{}` could not be read for {} package lookups ({}); those packages were not checked",
                    nixsec_core::escape(&index_shown),
                    r.problems.len(),
                    nixsec_core::escape(first)
                ),
            ));
        }
        Outcome::Fail { problems }
    }
}
