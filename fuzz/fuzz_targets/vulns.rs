//! NVD JSON (1.1 feeds, 2.0 feeds, API pages; plain and gzip), vulnix whitelists, `.drv`
//! ATerm and CPE names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nixsec_fuzz::{split, text};

fuzz_target!(|data: &[u8]| {
    let Some((which, bytes)) = split(data, 5) else {
        return;
    };
    match which {
        0 => {
            let _ = nixsec_vulns::nvd::parse_bytes("nvdcve-1.1-2024.json", bytes);
        }
        1 => {
            let _ = nixsec_vulns::nvd::parse_bytes("nvdcve-2.0-2024.json.gz", bytes);
        }
        2 => {
            let mut w = nixsec_vulns::whitelist::Whitelist::default();
            let _ = w.add_text("whitelist.toml", &text(bytes));
        }
        3 => {
            let _ = nixsec_vulns::aterm::parse(bytes);
        }
        _ => {
            let _ = nixsec_vulns::cpe::Cpe::parse(&text(bytes));
        }
    }
});
