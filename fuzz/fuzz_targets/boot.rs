//! LUKS1/LUKS2 headers, efivars (Secure Boot flags, dbx), PE images (Authenticode) and DER.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nixsec_fuzz::{split, with_file};

const GLOBAL: &str = "8be4df61-93ca-11d2-aa0d-00e098032b8c";

fuzz_target!(|data: &[u8]| {
    let Some((which, bytes)) = split(data, 4) else {
        return;
    };
    match which {
        0 => {
            let _ = nixsec_luks::parse(bytes);
        }
        1 => {
            let _ = nixsec_boot::efivars::split(bytes);
            let _ = nixsec_boot::efivars::sha256_entries(bytes);
            let path = nixsec_boot::efivars::var_path("SecureBoot", GLOBAL);
            let root = with_file(&path, bytes);
            let _ = nixsec_boot::efivars::read_flag(root, "SecureBoot", GLOBAL);
            let _ = nixsec_boot::secure_boot_state(root);
        }
        2 => {
            if let Ok(img) = nixsec_boot::inspect(bytes) {
                let _ = img.is_uki();
            }
        }
        _ => {
            let path =
                nixsec_boot::efivars::var_path("dbx", "d719b2cb-3d3a-4596-a3bc-dad00e67656f");
            let root = with_file(&path, bytes);
            let _ = nixsec_boot::efivars::dbx_hashes(root);
        }
    }
});
