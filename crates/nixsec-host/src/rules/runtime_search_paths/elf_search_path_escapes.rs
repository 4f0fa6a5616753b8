//! NIX-008: an ELF file of the system closure loads code from outside the store.

use crate::cx::HostCx;
use nixsec_core::Outcome;
use nixsec_scan::findings;

use crate::engine::Rule;
use crate::scan::{fail_with, with_scan, MAX_LISTED};

/// ELF search path escapes the store.
pub struct ElfSearchPathEscapes;

crate::host_rule!("NIX-008", ElfSearchPathEscapes);

impl Rule for ElfSearchPathEscapes {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_scan(cx, |o| {
            let found: Vec<_> = o.elf.iter().filter_map(findings::search_path).collect();
            if found.is_empty() {
                Outcome::pass(format!(
                    "{} ELF files in the system closure: every search path stays in the store",
                    o.elf.len()
                ))
            } else {
                fail_with(&found, "ELF files searching outside the store", MAX_LISTED)
            }
        })
    }
}
