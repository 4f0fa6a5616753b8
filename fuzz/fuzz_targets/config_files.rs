//! nix.conf (with `include`), the machines file, sshd_config (with `Include`), sudoers and
//! doas.conf, and nixsec.toml.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nixsec_fuzz::{split, text, with_file};

fuzz_target!(|data: &[u8]| {
    let Some((which, bytes)) = split(data, 6) else {
        return;
    };
    match which {
        0 => {
            let _ = nixsec_nixconf::NixConf::parse_str(&text(bytes), "/etc/nix/nix.conf");
        }
        1 => {
            let root = with_file("/etc/nix/nix.conf", bytes);
            let _ = nixsec_nixconf::NixConf::load(root, "/etc/nix/nix.conf");
        }
        2 => {
            let root = with_file("/etc/nix/machines", bytes);
            let _ = nixsec_nixconf::machines::parse_builders(root, &text(bytes), "builders");
            let _ =
                nixsec_nixconf::machines::parse_builders(root, "@/etc/nix/machines", "builders");
        }
        3 => {
            let root = with_file("/etc/ssh/sshd_config", bytes);
            if let Ok(Some(c)) = nixsec_readers::sshd::read(root) {
                for k in ["PermitRootLogin", "PasswordAuthentication", "X11Forwarding"] {
                    if let Some(v) = c.effective(k) {
                        let _ = v.yes_no(k);
                    }
                    let _ = c.overrides(k);
                }
            }
        }
        4 => {
            let root = with_file("/etc/sudoers", bytes);
            let _ = nixsec_readers::sudoers::read_sudoers(root);
            let _ = nixsec_readers::sudoers::parse_doas(&text(bytes));
        }
        _ => {
            let _ = nixsec_core::Config::parse(&text(bytes), "nixsec.toml", &|id| {
                (id.len() == 7 && id.starts_with("NIX-")).then_some("NIX-012")
            });
        }
    }
});
