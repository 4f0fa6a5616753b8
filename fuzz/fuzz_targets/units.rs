//! systemd unit files: the parser, and loading and scoring a unit as `nixsec units` does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nixsec_fuzz::{split, text, with_file};

fuzz_target!(|data: &[u8]| {
    let Some((which, bytes)) = split(data, 2) else {
        return;
    };
    match which {
        0 => {
            let _ = nixsec_systemd::parse(&text(bytes), "/etc/systemd/system/x.service");
        }
        _ => {
            let root = with_file("/etc/systemd/system/fuzz.service", bytes);
            if let Ok(u) = nixsec_systemd::load(root, "fuzz.service") {
                let _ = nixsec_systemd::assess(&u);
            }
        }
    }
});
