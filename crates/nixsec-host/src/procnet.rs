//! Which services listen on the network: `/proc/net/{tcp,tcp6,udp,udp6}` listening sockets on
//! non-loopback addresses, their owners through `/proc/<pid>/fd`, and the owner's unit from
//! `/proc/<pid>/cgroup`. Only meaningful on the running system (`--root /`); under a mounted
//! root `/proc` is normally empty and [`listeners`] says so with `None`.

use std::collections::{BTreeMap, HashMap};

use nixsec_core::Root;

/// One listening socket on a non-loopback address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// `tcp`, `tcp6`, `udp` or `udp6`.
    pub proto: &'static str,
    /// Local address as text (`0.0.0.0`, `::`, `192.0.2.1`).
    pub addr: String,
    /// Local port.
    pub port: u16,
    /// Socket inode.
    pub inode: u64,
}

fn ipv4(hex: &str) -> Option<[u8; 4]> {
    let v = u32::from_str_radix(hex, 16).ok()?;
    Some(v.to_le_bytes())
}

fn ipv6(hex: &str) -> Option<[u8; 16]> {
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for w in 0..4 {
        let v = u32::from_str_radix(hex.get(w * 8..w * 8 + 8)?, 16).ok()?;
        out[w * 4..w * 4 + 4].copy_from_slice(&v.to_le_bytes());
    }
    Some(out)
}

/// Parse one `/proc/net/*` table; `listen_state` is `0A` for TCP and `07` for UDP.
/// Malformed lines are skipped.
#[must_use]
pub fn parse_table(text: &str, proto: &'static str, listen_state: &str) -> Vec<Listener> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 10 || f[3] != listen_state {
            continue;
        }
        let Some((addr_hex, port_hex)) = f[1].split_once(':') else {
            continue;
        };
        let Ok(port) = u16::from_str_radix(port_hex, 16) else {
            continue;
        };
        let Ok(inode) = f[9].parse::<u64>() else {
            continue;
        };
        let addr = if proto.ends_with('6') {
            let Some(a) = ipv6(addr_hex) else { continue };
            let ip = std::net::Ipv6Addr::from(a);
            let loopback =
                ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback());
            if loopback {
                continue;
            }
            ip.to_string()
        } else {
            let Some(a) = ipv4(addr_hex) else { continue };
            let ip = std::net::Ipv4Addr::from(a);
            if ip.is_loopback() {
                continue;
            }
            ip.to_string()
        };
        if inode != 0 {
            out.push(Listener {
                proto,
                addr,
                port,
                inode,
            });
        }
    }
    out
}

/// The unit a process runs in, from `/proc/<pid>/cgroup` (`0::/system.slice/sshd.service`).
#[must_use]
pub fn unit_of_cgroup(text: &str) -> Option<String> {
    text.lines()
        .filter_map(|l| l.splitn(3, ':').nth(2))
        .flat_map(|path| path.split('/'))
        .rfind(|c| c.ends_with(".service"))
        .map(str::to_string)
}

/// Non-loopback listeners per service unit, or `None` when `/proc/net/tcp` is not readable
/// under this root (not the running system).
#[must_use]
pub fn listeners(root: &Root) -> Option<BTreeMap<String, Vec<Listener>>> {
    let tcp = root.read_to_string("/proc/net/tcp").ok()?.1;
    let mut all = parse_table(&tcp, "tcp", "0A");
    for (file, proto, state) in [
        ("/proc/net/tcp6", "tcp6", "0A"),
        ("/proc/net/udp", "udp", "07"),
        ("/proc/net/udp6", "udp6", "07"),
    ] {
        if let Ok((_, t)) = root.read_to_string(file) {
            all.extend(parse_table(&t, proto, state));
        }
    }
    let by_inode: HashMap<u64, &Listener> = all.iter().map(|l| (l.inode, l)).collect();
    let mut out: BTreeMap<String, Vec<Listener>> = BTreeMap::new();
    let Ok((_, pids)) = root.read_dir("/proc") else {
        return Some(out);
    };
    for pid in pids
        .iter()
        .filter_map(|p| p.to_str())
        .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
    {
        let Ok((fd_dir, fds)) = root.read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        let mut mine = Vec::new();
        for fd in &fds {
            let Ok(target) = std::fs::read_link(fd_dir.host.join(fd)) else {
                continue;
            };
            let t = target.to_string_lossy();
            let Some(inode) = t
                .strip_prefix("socket:[")
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            if let Some(l) = by_inode.get(&inode) {
                mine.push((*l).clone());
            }
        }
        if mine.is_empty() {
            continue;
        }
        let Some(unit) = root
            .read_to_string(format!("/proc/{pid}/cgroup"))
            .ok()
            .and_then(|(_, c)| unit_of_cgroup(&c))
        else {
            continue;
        };
        let entry = out.entry(unit).or_default();
        for l in mine {
            if !entry.contains(&l) {
                entry.push(l);
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Lines in the format of the kernel's /proc/net/tcp and tcp6 (fields by hand).
    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   113        0 2222 1 0000000000000000 100 0 0 10 0
   2: 0201A8C0:01BB 0301A8C0:D431 01 00000000:00000000 00:00000000 00000000     0        0 3333 1 0000000000000000 100 0 0 10 0
   3: garbage
";
    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5555 1 0000000000000000 100 0 0 10 0
";

    #[test]
    fn tables() {
        let l = parse_table(TCP, "tcp", "0A");
        assert_eq!(
            l,
            vec![Listener {
                proto: "tcp",
                addr: "0.0.0.0".into(),
                port: 22,
                inode: 1111
            }]
        );
        let l = parse_table(TCP6, "tcp6", "0A");
        assert_eq!(
            l,
            vec![Listener {
                proto: "tcp6",
                addr: "::".into(),
                port: 22,
                inode: 4444
            }],
            "::1 is loopback"
        );
        assert!(parse_table("header\n 0: 0100007F\n", "tcp", "0A").is_empty());
    }

    #[test]
    fn cgroups() {
        assert_eq!(
            unit_of_cgroup("0::/system.slice/ssh.service\n").as_deref(),
            Some("ssh.service")
        );
        assert_eq!(
            unit_of_cgroup(
                "12:pids:/system.slice/nginx.service\n1:name=systemd:/system.slice/nginx.service\n"
            )
            .as_deref(),
            Some("nginx.service")
        );
        assert_eq!(
            unit_of_cgroup("0::/user.slice/user-1000.slice/session-2.scope\n"),
            None
        );
    }

    #[test]
    fn offline_root_has_no_listeners() {
        let b = nixsec_testutil::RootBuilder::new().file("/etc/passwd", "");
        assert!(listeners(&b.root()).is_none());
    }
}
