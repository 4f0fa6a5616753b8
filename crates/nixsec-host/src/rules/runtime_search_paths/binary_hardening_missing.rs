//! NIX-009: programs of the system closure built without the usual hardening.

use crate::cx::HostCx;
use nixsec_core::{Outcome, Severity};
use nixsec_scan::findings;

use crate::engine::Rule;
use crate::scan::{fail_with, with_scan};

/// Binary hardening missing.
pub struct BinaryHardeningMissing;

crate::host_rule!("NIX-009", BinaryHardeningMissing);

impl Rule for BinaryHardeningMissing {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_scan(cx, |o| {
            let found: Vec<_> = o.elf.iter().filter_map(findings::hardening).collect();
            if found.is_empty() {
                return Outcome::pass(format!(
                    "{} ELF files in the system closure are fully hardened",
                    o.elf.len()
                ));
            }
            let setuid = found.iter().any(|f| f.severity == Severity::Medium);
            let out = fail_with(&found, "ELF files lack hardening", 20);
            if setuid {
                out.with_severity(Severity::Medium)
            } else {
                out
            }
        })
    }
}
