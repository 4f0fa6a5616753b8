//! NIX-150: known CVEs in the runtime closure of the current system, from the local NVD index
//! that `nixsec vulns update` builds.

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_core::{Evidence, Outcome, Severity};
use nixsec_vulns::index::{self, Index};
use nixsec_vulns::mapping::Mapping;
use nixsec_vulns::packages;
use nixsec_vulns::scan::{self, Data};
use nixsec_vulns::whitelist::Whitelist;

/// Packages of the system closure with an unpatched CVE in the NVD index.
pub struct KnownVulnerablePackages;

crate::host_rule!("NIX-150", KnownVulnerablePackages);

impl Rule for KnownVulnerablePackages {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        let Ok(system) = root.resolve("/run/current-system") else {
            return Outcome::skip("no /run/current-system (not a NixOS system)");
        };
        let inner = system.inner.to_string_lossy().into_owned();
        let Some(rest) = inner.strip_prefix("/nix/store/") else {
            return Outcome::skip("/run/current-system does not point into /nix/store");
        };
        let top = format!("/nix/store/{}", rest.split('/').next().unwrap_or(""));
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
        let age = ix
            .updated()
            .map(|u| (now - u).num_days())
            .filter(|d| *d > 7)
            .map(|d| format!("; the NVD index is {d} days old, run `nixsec vulns update`"))
            .unwrap_or_default();
        let sel = match packages::select(root.dir(), std::slice::from_ref(&top), false) {
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
        let expired: Vec<String> = whitelist
            .expired(today)
            .iter()
            .map(|r| {
                format!(
                    "{} (expired {})",
                    r.pname,
                    r.until.map(|d| d.to_string()).unwrap_or_default()
                )
            })
            .collect();
        let expired = if expired.is_empty() {
            String::new()
        } else {
            format!(
                "; whitelist entries no longer honoured: {}",
                expired.join(", ")
            )
        };
        let data = Data::Index(ix);
        let r = scan::scan(&sel, &data, &Mapping::builtin(), &whitelist, today);
        if let Some(p) = r.problems.first() {
            return Outcome::error(p.clone());
        }
        let hits: Vec<_> = r
            .packages
            .iter()
            .flat_map(|p| p.affected.iter().map(move |h| (p, h)))
            .collect();
        let whitelisted: usize = r.packages.iter().map(|p| p.whitelisted.len()).sum();
        let whitelisted = if whitelisted == 0 {
            String::new()
        } else {
            format!("; {whitelisted} whitelisted")
        };
        if hits.is_empty() {
            return Outcome::pass(format!(
                "no known CVE among {} packages of the closure of {top}{whitelisted}{expired}{age}",
                sel.packages.len()
            ));
        }
        let max = hits
            .iter()
            .filter_map(|(_, h)| h.cvss.as_ref().map(|c| c.score))
            .fold(0.0_f64, f64::max);
        let sev = if max >= 9.0 {
            Severity::Critical
        } else if max >= 7.0 {
            Severity::High
        } else {
            Severity::Medium
        };
        let n_pkgs = r.packages.iter().filter(|p| !p.affected.is_empty()).count();
        Outcome::fail(format!(
            "{n_pkgs} packages of the system closure have {} known CVEs (highest CVSS {max:.1}){whitelisted}{expired}{age}",
            hits.len()
        ))
        .with_severity(sev)
        .with_evidence(hits.iter().take(30).map(|(p, h)| {
            Evidence::value(
                p.package.paths.first().cloned().unwrap_or_default(),
                format!(
                    "{} {}{}",
                    p.package.name,
                    h.id,
                    h.cvss
                        .as_ref()
                        .map(|c| format!(" (CVSS {:.1} {})", c.score, c.severity))
                        .unwrap_or_default()
                ),
            )
        }))
    }
}
