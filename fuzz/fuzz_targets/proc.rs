//! mountinfo, /proc/mounts, /proc/swaps, /proc/net tables and sockets, the kernel command line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nixsec_fuzz::{split, text};
use nixsec_readers::{blockdev, kernel, procnet};

fuzz_target!(|data: &[u8]| {
    let Some((which, bytes)) = split(data, 6) else {
        return;
    };
    let t = text(bytes);
    match which {
        0 => {
            let _ = blockdev::parse_mountinfo(&t);
            let _ = kernel::parse_mountinfo(&t);
        }
        1 => {
            let _ = blockdev::parse_proc_mounts(&t);
        }
        2 => {
            let _ = blockdev::parse_swaps(&t);
        }
        3 => {
            let _ = procnet::parse_table(&t, "tcp", "0A");
            let _ = procnet::parse_table(&t, "udp6", "07");
        }
        4 => {
            let _ = procnet::parse_sockets(&t, "tcp6", "/proc/net/tcp6");
            let _ = procnet::parse_sockets(&t, "udp", "/proc/net/udp");
        }
        _ => {
            let _ = kernel::parse_cmdline(&t);
        }
    }
});
