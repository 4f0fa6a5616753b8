//! passwd, group, shadow and login.defs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nixsec_fuzz::{split, text};
use nixsec_readers::accounts;

fuzz_target!(|data: &[u8]| {
    let Some((which, bytes)) = split(data, 4) else {
        return;
    };
    let t = text(bytes);
    match which {
        0 => {
            for u in accounts::parse_passwd(&t) {
                let _ = u.has_login_shell();
            }
        }
        1 => {
            let _ = accounts::parse_group(&t);
        }
        2 => {
            if let Ok(s) = accounts::parse_shadow(&t) {
                for e in s {
                    let _ = e.password_usable();
                }
            }
        }
        _ => {
            let _ = accounts::parse_login_defs(&t);
        }
    }
});
