//! Which services listen on the network: `/proc/net/{tcp,tcp6,udp,udp6}` listening sockets on
//! non-loopback addresses, their owners through `/proc/<pid>/fd`, and the owner's unit from
//! `/proc/<pid>/cgroup`. Only meaningful on the running system (`--root /`); under a mounted
//! root `/proc` is normally empty and [`listeners`] says so with `None`.

use std::collections::{BTreeMap, HashMap};

use nixsec_core::{Root, RootError};

/// Why a `/proc/net` socket table could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProcNetError {
    /// The table exists but could not be read, or is not text.
    #[error(transparent)]
    Read(#[from] RootError),
    /// A line that is not what the kernel writes.
    #[error("`{path}` line {line}: {problem}")]
    Line {
        /// The table.
        path: String,
        /// 1-based line.
        line: usize,
        /// What is wrong with it.
        problem: LineProblem,
    },
}

impl ProcNetError {
    /// True when the table does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, ProcNetError::Read(e) if e.is_not_found())
    }
}

/// What is wrong with one line of a socket table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineProblem {
    /// Fewer fields than the kernel writes.
    #[error("{0} fields, expected at least 10")]
    Fields(usize),
    /// The local address does not parse.
    #[error("bad local address `{0}`")]
    LocalAddress(String),
    /// The remote address does not parse.
    #[error("bad remote address `{0}`")]
    RemoteAddress(String),
    /// The state is not hexadecimal.
    #[error("bad state `{0}`")]
    State(String),
    /// The uid is not a number.
    #[error("bad uid `{0}`")]
    Uid(String),
    /// The inode is not a number.
    #[error("bad inode `{0}`")]
    Inode(String),
}

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

/// One listening socket on any address: TCP in `LISTEN`, UDP bound and unconnected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Socket {
    /// `tcp`, `tcp6`, `udp` or `udp6`.
    pub proto: &'static str,
    /// Local address.
    pub addr: std::net::IpAddr,
    /// Local port.
    pub port: u16,
    /// Owner uid.
    pub uid: u32,
    /// Socket inode (0 for sockets no process holds).
    pub inode: u64,
}

impl Socket {
    /// `tcp` or `udp`.
    #[must_use]
    pub fn transport(&self) -> &'static str {
        if self.proto.starts_with("tcp") {
            "tcp"
        } else {
            "udp"
        }
    }

    /// True for `127.0.0.0/8`, `::1` and `::ffff:127.0.0.0/104`.
    #[must_use]
    pub fn is_loopback(&self) -> bool {
        match self.addr {
            std::net::IpAddr::V4(a) => a.is_loopback(),
            std::net::IpAddr::V6(a) => {
                a.is_loopback() || a.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
        }
    }

    /// True for `0.0.0.0` and `::`.
    #[must_use]
    pub fn is_wildcard(&self) -> bool {
        self.addr.is_unspecified()
    }

    /// `0.0.0.0:22`, `[::]:9000`.
    #[must_use]
    pub fn endpoint(&self) -> String {
        match self.addr {
            std::net::IpAddr::V4(a) => format!("{a}:{}", self.port),
            std::net::IpAddr::V6(a) => format!("[{a}]:{}", self.port),
        }
    }
}

/// Parse one `/proc/net/{tcp,tcp6,udp,udp6}` table strictly: every line after the header
/// must have the kernel's fields. `path` names the file in errors.
///
/// # Errors
/// A line with fewer than 10 fields, or an address, port, state, uid or inode that does not
/// parse.
pub fn parse_sockets(
    text: &str,
    proto: &'static str,
    path: &str,
) -> Result<Vec<Socket>, ProcNetError> {
    let v6 = proto.ends_with('6');
    let tcp = proto.starts_with("tcp");
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |problem: LineProblem| ProcNetError::Line {
            path: path.to_string(),
            line: n + 1,
            problem,
        };
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 10 {
            return Err(bad(LineProblem::Fields(f.len())));
        }
        let endpoint = |s: &str| -> Option<(std::net::IpAddr, u16)> {
            let (a, p) = s.split_once(':')?;
            let port = u16::from_str_radix(p, 16).ok()?;
            let addr = if v6 {
                std::net::IpAddr::V6(std::net::Ipv6Addr::from(ipv6(a)?))
            } else if a.len() == 8 {
                std::net::IpAddr::V4(std::net::Ipv4Addr::from(ipv4(a)?))
            } else {
                return None;
            };
            Some((addr, port))
        };
        let (addr, port) =
            endpoint(f[1]).ok_or_else(|| bad(LineProblem::LocalAddress(f[1].to_string())))?;
        let (rem, rport) =
            endpoint(f[2]).ok_or_else(|| bad(LineProblem::RemoteAddress(f[2].to_string())))?;
        let st =
            u8::from_str_radix(f[3], 16).map_err(|_| bad(LineProblem::State(f[3].to_string())))?;
        let uid = f[7]
            .parse::<u32>()
            .map_err(|_| bad(LineProblem::Uid(f[7].to_string())))?;
        let inode = f[9]
            .parse::<u64>()
            .map_err(|_| bad(LineProblem::Inode(f[9].to_string())))?;
        let listening = if tcp {
            st == 0x0A
        } else {
            st == 0x07 && rem.is_unspecified() && rport == 0
        };
        if listening {
            out.push(Socket {
                proto,
                addr,
                port,
                uid,
                inode,
            });
        }
    }
    Ok(out)
}

/// A process holding a socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    /// Process id.
    pub pid: u32,
    /// `/proc/<pid>/comm`.
    pub comm: String,
    /// `/proc/<pid>/cmdline`, arguments joined with spaces.
    pub cmdline: String,
}

impl Process {
    /// `postgres (pid 812)`.
    #[must_use]
    pub fn label(&self) -> String {
        let name = if self.comm.is_empty() {
            self.cmdline.split(' ').next().unwrap_or("?")
        } else {
            &self.comm
        };
        format!("{name} (pid {})", self.pid)
    }
}

/// Every process under `/proc` with its `comm` (trailing newline dropped), in pid order;
/// processes that vanish or cannot be read are left out.
#[must_use]
pub fn processes(root: &Root) -> Vec<(u32, String)> {
    let Ok((_, entries)) = root.read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids: Vec<u32> = entries
        .iter()
        .filter_map(|p| p.to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    pids.into_iter()
        .filter_map(|pid| {
            let (_, comm) = root.read_to_string(format!("/proc/{pid}/comm")).ok()?;
            Some((pid, comm.trim_end_matches('\n').to_string()))
        })
        .collect()
}

/// Socket inode → processes holding it, from every `/proc/<pid>/fd/*` link
/// (`socket:[INODE]`). Processes that vanish or cannot be read are left out.
#[must_use]
pub fn socket_owners(root: &Root) -> HashMap<u64, Vec<Process>> {
    let mut out: HashMap<u64, Vec<Process>> = HashMap::new();
    let Ok((_, pids)) = root.read_dir("/proc") else {
        return out;
    };
    for pid in pids
        .iter()
        .filter_map(|p| p.to_str())
        .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        let Ok(pid_n) = pid.parse::<u32>() else {
            continue;
        };
        let Ok((fd_dir, fds)) = root.read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        let mut inodes = Vec::new();
        for fd in &fds {
            let Ok(target) = std::fs::read_link(fd_dir.host.join(fd)) else {
                continue;
            };
            let t = target.to_string_lossy();
            if let Some(inode) = t
                .strip_prefix("socket:[")
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|n| n.parse::<u64>().ok())
            {
                inodes.push(inode);
            }
        }
        if inodes.is_empty() {
            continue;
        }
        let comm = root
            .read_to_string(format!("/proc/{pid}/comm"))
            .map(|(_, c)| c.trim_end_matches('\n').to_string())
            .unwrap_or_default();
        let cmdline = root
            .read(format!("/proc/{pid}/cmdline"))
            .map(|(_, b)| {
                String::from_utf8_lossy(&b)
                    .split('\0')
                    .filter(|a| !a.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        let proc_ = Process {
            pid: pid_n,
            comm,
            cmdline,
        };
        for inode in inodes {
            let e = out.entry(inode).or_default();
            if !e.iter().any(|p| p.pid == pid_n) {
                e.push(proc_.clone());
            }
        }
    }
    out
}

/// Every listening socket of `/proc/net/{tcp,tcp6,udp,udp6}` with the processes holding it.
#[derive(Debug, Clone, Default)]
pub struct SocketTable {
    /// Sockets and their owners, in file order (tcp, tcp6, udp, udp6).
    pub sockets: Vec<(Socket, Vec<Process>)>,
    /// `/proc/sys/net/ipv6/bindv6only` is 1: `::` sockets take IPv6 only by default.
    pub bindv6only: bool,
}

impl SocketTable {
    /// True when a `::` socket also takes IPv4: not V6ONLY by default, and the port is not
    /// also bound on `0.0.0.0` (host-formats 3.5).
    #[must_use]
    pub fn dual_stack(&self, s: &Socket) -> bool {
        s.proto.ends_with('6')
            && s.is_wildcard()
            && !self.bindv6only
            && !self.sockets.iter().any(|(o, _)| {
                o.transport() == s.transport()
                    && !o.proto.ends_with('6')
                    && o.is_wildcard()
                    && o.port == s.port
            })
    }
}

/// Read the socket tables and their owners; `Ok(None)` when `/proc/net/tcp` does not exist
/// under this root (not the running system).
///
/// # Errors
/// A table that exists but cannot be read or parsed (naming the file and line).
pub fn read_sockets(root: &Root) -> Result<Option<SocketTable>, ProcNetError> {
    let mut table = SocketTable::default();
    for (file, proto) in [
        ("/proc/net/tcp", "tcp"),
        ("/proc/net/tcp6", "tcp6"),
        ("/proc/net/udp", "udp"),
        ("/proc/net/udp6", "udp6"),
    ] {
        let text = match root.read_to_string(file) {
            Ok((_, t)) => t,
            Err(e) if e.is_not_found() => {
                if proto == "tcp" {
                    return Ok(None);
                }
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        for s in parse_sockets(&text, proto, file)? {
            table.sockets.push((s, Vec::new()));
        }
    }
    table.bindv6only = root
        .read_to_string("/proc/sys/net/ipv6/bindv6only")
        .is_ok_and(|(_, t)| t.trim() == "1");
    let owners = socket_owners(root);
    for (s, procs) in &mut table.sockets {
        if let Some(p) = owners.get(&s.inode) {
            procs.clone_from(p);
        }
    }
    Ok(Some(table))
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

    fn capture(name: &str) -> String {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/proc-net")
            .join(name);
        std::fs::read_to_string(p).expect("fixture")
    }

    /// The real capture of `tests/fixtures/proc-net` (its README lists the sockets).
    #[test]
    fn real_capture_sockets_and_owners() {
        let mut all = Vec::new();
        for (f, proto) in [
            ("tcp", "tcp"),
            ("tcp6", "tcp6"),
            ("udp", "udp"),
            ("udp6", "udp6"),
        ] {
            let text = capture(&format!("proc-net-{f}.txt"));
            let socks = parse_sockets(&text, proto, f).expect("parses");
            all.extend(
                socks
                    .into_iter()
                    .map(|s| format!("{} {}", s.proto, s.endpoint())),
            );
        }
        assert_eq!(
            all,
            [
                "tcp 0.0.0.0:22",
                "tcp 127.0.0.1:5432",
                "tcp 127.0.0.1:8080",
                "tcp6 [::]:22",
                "tcp6 [::]:9000",
                "tcp6 [::1]:631",
                "udp 127.0.0.53:53",
                "udp 0.0.0.0:68",
                "udp6 [::1]:323",
                "udp6 [::]:5353",
            ],
            "the ESTABLISHED pair on 8080 is not listening"
        );
        let mut b = nixsec_testutil::RootBuilder::new();
        for f in ["tcp", "tcp6", "udp", "udp6"] {
            b = b.file(
                &format!("/proc/net/{f}"),
                capture(&format!("proc-net-{f}.txt")),
            );
        }
        for line in capture("proc-pid-fd.txt").lines() {
            if let Some((fd, target)) = line.split_once(" -> ") {
                b = b.symlink(&format!("/proc/10926/fd/{fd}"), target);
            }
        }
        let b = b
            .file("/proc/10926/comm", "python3\n")
            .file("/proc/10926/cmdline", "python3\0listeners.py\0");
        let t = read_sockets(&b.root())
            .expect("reads")
            .expect("has /proc/net/tcp");
        assert_eq!(t.sockets.len(), 10);
        assert!(t.sockets.iter().all(|(_, o)| o.len() == 1
            && o[0].pid == 10926
            && o[0].comm == "python3"
            && o[0].cmdline == "python3 listeners.py"));
        let dual: Vec<String> = t
            .sockets
            .iter()
            .filter(|(s, _)| t.dual_stack(s))
            .map(|(s, _)| format!("{} {}", s.proto, s.endpoint()))
            .collect();
        // [::]:22 is not: 0.0.0.0:22 is bound too. (/proc cannot show IPV6_V6ONLY: 5353 was
        // opened V6ONLY but counts as dual-stack, the conservative reading.)
        assert_eq!(dual, ["tcp6 [::]:9000", "udp6 [::]:5353"]);
    }

    #[test]
    fn truncated_tables_are_errors_never_panics() {
        for f in ["tcp", "tcp6", "udp", "udp6"] {
            let text = capture(&format!("proc-net-{f}.txt"));
            for cut in 0..text.len() {
                let Some(prefix) = text.get(..cut) else {
                    continue;
                };
                let _ = parse_sockets(prefix, "tcp6", f);
                let _ = parse_sockets(prefix, "udp", f);
            }
        }
        let e = parse_sockets(
            "hdr\n   0: 0100007F:1538 00000000:0000 0A 00000000:00000000\n",
            "tcp",
            "/proc/net/tcp",
        )
        .expect_err("short line");
        assert_eq!(
            e.to_string(),
            "`/proc/net/tcp` line 2: 5 fields, expected at least 10"
        );
        assert!(matches!(
            e,
            ProcNetError::Line {
                line: 2,
                problem: LineProblem::Fields(5),
                ..
            }
        ));
        let e = parse_sockets(
            "hdr\n   0: 0100007G:1538 00000000:0000 0A 0 0 0 0 0 1 1\n",
            "tcp",
            "/proc/net/tcp",
        )
        .expect_err("bad hex");
        assert!(
            e.to_string().contains("bad local address `0100007G:1538`"),
            "{e}"
        );
    }

    #[test]
    fn offline_root_has_no_listeners() {
        let b = nixsec_testutil::RootBuilder::new().file("/etc/passwd", "");
        assert!(listeners(&b.root()).is_none());
    }
}
