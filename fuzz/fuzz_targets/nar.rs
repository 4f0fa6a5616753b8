//! NAR archives (the strict streaming reader), narinfo files, and the database row fields:
//! hashes, store paths, content addresses and signatures.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nixsec_fuzz::{split, text};
use nixsec_nar::{Algo, ContentAddress, Hash, PublicKey, Signature, StorePath};

fuzz_target!(|data: &[u8]| {
    let Some((which, bytes)) = split(data, 3) else {
        return;
    };
    match which {
        0 => {
            let mut input = bytes;
            let _ = nixsec_nar::nar::read(&mut input, 1 << 20, Some(Algo::Sha256));
        }
        1 => {
            if let Ok(info) = nixsec_nar::narinfo::parse(&text(bytes)) {
                let _ = info.fingerprint();
            }
        }
        _ => {
            let t = text(bytes);
            for field in t.split('\n') {
                let _ = Hash::parse(field);
                let _ = StorePath::parse(field);
                let _ = PublicKey::parse(field);
                let _ = Signature::parse(field);
                if let Ok(ca) = ContentAddress::parse(field) {
                    let _ =
                        ca.store_path("x", &[], "/nix/store/00000000000000000000000000000000-x");
                }
            }
        }
    }
});
