//! `nft -j list ruleset` JSON, nft ruleset text and iptables-save output.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nixsec_fuzz::{split, text};

fuzz_target!(|data: &[u8]| {
    let Some((which, bytes)) = split(data, 3) else {
        return;
    };
    let t = text(bytes);
    match which {
        0 => {
            let _ = nixsec_firewall::nftjson::parse(&t, "ruleset.json");
        }
        1 => {
            let _ = nixsec_firewall::nfttext::parse(&t, "ruleset.nft");
        }
        _ => {
            let _ = nixsec_firewall::iptables::parse_save(&t, "iptables-save", None);
        }
    }
});
