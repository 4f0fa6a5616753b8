//! The store scan shared by NIX-008, NIX-009, NIX-030, NIX-031 and NIX-034: the closure of the
//! audited system (`/run/current-system`) read once per audit, ELF files and secrets in one
//! pass.

use std::sync::Arc;

use crate::cx::HostCx;
use nixsec_core::{Evidence, Finding, Outcome};
use nixsec_scan::Options;
use nixsec_store::db::Database;

/// The scan of this audit's system closure, or why it could not run (`Ok(None)`: no store or
/// no current system under this root).
pub struct SystemScan(pub Result<Option<(String, nixsec_scan::Outcome)>, String>);

/// Run (once) the scan of the audited system's closure.
#[must_use]
pub fn system_scan(cx: &HostCx) -> Arc<SystemScan> {
    cx.fact(
        |f| &f.system_scan,
        |cx| {
            let root = cx.root();
            if !root.exists("/nix/var/nix/db/db.sqlite") || !root.exists("/run/current-system") {
                return SystemScan(Ok(None));
            }
            let db = match Database::load(root.dir()) {
                Ok(db) => db,
                Err(e) => return SystemScan(Err(e.to_string())),
            };
            let paths = match nixsec_scan::system_closure(root.dir(), &db, None) {
                Ok(p) => p,
                Err(e) => return SystemScan(Err(e.to_string())),
            };
            let system = paths.first().cloned().unwrap_or_default();
            let source = nixsec_scan::Source::Store {
                store_root: root.dir(),
                paths: &paths,
                db: Some(&db),
            };
            let out = nixsec_scan::scan(&source, &Options::default(), &nixsec_scan::NoProgress);
            SystemScan(Ok(Some((system, out))))
        },
    )
}

/// Run a scan rule: skipped without a store or system, `error` when the scan failed.
pub fn with_scan(cx: &HostCx, f: impl FnOnce(&nixsec_scan::Outcome) -> Outcome) -> Outcome {
    match &system_scan(cx).0 {
        Ok(None) => Outcome::skip(
            "no `/run/current-system` and Nix database under this root: no system closure to scan",
        ),
        Err(e) => Outcome::error(e.clone()),
        Ok(Some((_, o))) => f(o),
    }
}

/// A failing outcome listing up to `max` findings' evidence.
#[must_use]
pub fn fail_with(found: &[Finding], what: &str, max: usize) -> Outcome {
    let evidence: Vec<Evidence> = found
        .iter()
        .take(max)
        .flat_map(|f| f.evidence.iter().take(2).cloned())
        .collect();
    let first = found.first().map(|f| f.message.clone()).unwrap_or_default();
    Outcome::fail(format!("{} {what}; first: {first}", found.len())).with_evidence(evidence)
}

/// The check of a secrets rule of the system closure: the scan's secrets of rule `id`,
/// failing with up to 20 of them (high when any is more severe than the rule), passing with
/// the number of files read.
pub fn closure_secrets_check(cx: &HostCx, id: &str) -> Outcome {
    let meta = nixsec_catalogue::entry(id);
    with_scan(cx, |o| {
        let found: Vec<_> = o
            .secrets
            .iter()
            .filter(|s| s.hit.rule == meta.id)
            .map(nixsec_scan::findings::secret)
            .collect();
        if found.is_empty() {
            return Outcome::pass(format!(
                "{} files of the system closure read: none found",
                o.files
            ));
        }
        let out = fail_with(&found, "found in the system closure", 20);
        if found.iter().any(|f| f.severity > meta.severity) {
            out.with_severity(nixsec_core::Severity::High)
        } else {
            out
        }
    })
}
