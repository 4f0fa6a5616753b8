//! NIX-009: programs of the system closure built without the usual hardening.

use crate::cx::HostCx;
use nixsec_core::Outcome;
use nixsec_scan::findings;

use crate::engine::Rule;
use crate::scan::{fail_with, with_scan, MAX_LISTED};

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
            // One problem per file; medium for a setuid/setgid one.
            fail_with(&found, "ELF files lacking hardening", MAX_LISTED)
        })
    }
}
