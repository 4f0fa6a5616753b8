//! The live nftables ruleset of the running host, read over netlink (`NETLINK_NETFILTER`),
//! never by running `nft`: dump requests for tables, chains, sets, each set's elements and
//! rules ([`wire`]), the generation id read before and after so a ruleset that changed
//! meanwhile is read again, and the kernel's bytecode decompiled into the [`Ruleset`] model
//! ([`translate`]). Only `GET` requests are sent: nothing is changed. The kernel answers them
//! only to a process with `CAP_NET_ADMIN` in the network namespace (root).

pub mod translate;
pub mod wire;

use std::os::fd::OwnedFd;
use std::time::Duration;

use nixsec_core::Root;
use rustix::io::Errno;
use rustix::net::{netlink, AddressFamily, RecvFlags, SendFlags, SocketType};

use crate::model::Ruleset;
use wire::{msg, Dump, DumpError, NLM_F_DUMP, NLM_F_REQUEST};

/// The source path the live ruleset is given in evidence and messages.
pub const SOURCE: &str = "netlink:nftables";

/// Why the live ruleset could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The kernel refused: reading nftables needs `CAP_NET_ADMIN`.
    #[error("reading the live nftables ruleset needs root (`CAP_NET_ADMIN`)")]
    Permission,
    /// No netfilter netlink in this kernel (or not allowed here).
    #[error("the kernel offers no nftables netlink interface here ({0})")]
    Unavailable(Errno),
    /// A socket call failed.
    #[error("reading the live nftables ruleset over netlink failed: {what} ({errno})")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The error.
        errno: Errno,
    },
    /// The kernel answered a request with an error.
    #[error("the kernel refused the nftables dump: {0}")]
    Kernel(Errno),
    /// The reply is not what nftables sends.
    #[error("the nftables netlink reply cannot be read: {0}")]
    Malformed(String),
    /// Another program kept changing the ruleset while it was read.
    #[error("the nftables ruleset kept changing while it was read (3 tries)")]
    Changing,
}

impl From<DumpError> for LiveError {
    fn from(e: DumpError) -> Self {
        match e {
            DumpError::Kernel(1) => LiveError::Permission,
            DumpError::Kernel(n) => LiveError::Kernel(Errno::from_raw_os_error(n)),
            DumpError::Malformed(m) => LiveError::Malformed(m),
        }
    }
}

/// Whether the kernel has nftables loaded: `Some(false)` only when it supports modules and
/// `nf_tables` is neither loaded (`/proc/modules`) nor built in (`modules.builtin`). A dump
/// request would then make the kernel load the module, which an auditor must not do; and with
/// it not loaded there are no nftables rules.
#[must_use]
pub fn nf_tables_present(root: &Root) -> Option<bool> {
    let (_, modules) = root.read_to_string("/proc/modules").ok()?;
    if modules
        .lines()
        .any(|l| l.split_whitespace().next() == Some("nf_tables"))
    {
        return Some(true);
    }
    let release = root
        .read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|(_, t)| t.trim().to_string())?;
    let builtin = root
        .read_to_string(format!("/lib/modules/{release}/modules.builtin"))
        .ok()
        .is_some_and(|(_, t)| {
            t.lines()
                .any(|l| l.rsplit('/').next() == Some("nf_tables.ko"))
        });
    Some(builtin)
}

struct Socket {
    fd: OwnedFd,
    seq: u32,
    buf: Vec<u8>,
}

impl Socket {
    fn open() -> Result<Self, LiveError> {
        let fd = rustix::net::socket(
            AddressFamily::NETLINK,
            SocketType::RAW,
            Some(netlink::NETFILTER),
        )
        .map_err(LiveError::Unavailable)?;
        rustix::net::bind(&fd, &netlink::SocketAddrNetlink::new(0, 0)).map_err(|errno| {
            LiveError::Io {
                what: "bind",
                errno,
            }
        })?;
        rustix::net::sockopt::set_socket_timeout(
            &fd,
            rustix::net::sockopt::Timeout::Recv,
            Some(Duration::from_secs(10)),
        )
        .map_err(|errno| LiveError::Io {
            what: "set a receive timeout",
            errno,
        })?;
        Ok(Socket {
            fd,
            seq: 0,
            buf: vec![0; 256 * 1024],
        })
    }

    /// Send one dump request and return every reply buffer up to `NLMSG_DONE`.
    fn dump(&mut self, msg_type: u16, family: u8, attrs: &[u8]) -> Result<Vec<u8>, LiveError> {
        self.seq += 1;
        let req = wire::request(
            msg_type,
            NLM_F_REQUEST | NLM_F_DUMP,
            self.seq,
            family,
            attrs,
        );
        rustix::net::sendto(
            &self.fd,
            &req,
            SendFlags::empty(),
            &netlink::SocketAddrNetlink::new(0, 0),
        )
        .map_err(|errno| LiveError::Io {
            what: "send a dump request",
            errno,
        })?;
        let mut out = Vec::new();
        loop {
            let (n, full) = match rustix::net::recv(&self.fd, &mut self.buf[..], RecvFlags::TRUNC) {
                Ok(r) => r,
                Err(Errno::INTR) => continue,
                Err(errno) => {
                    return Err(LiveError::Io {
                        what: "receive the dump",
                        errno,
                    })
                }
            };
            if full > n {
                return Err(LiveError::Malformed(format!(
                    "a reply of {full} bytes does not fit the {n}-byte buffer"
                )));
            }
            let chunk = &self.buf[..n];
            let mut done = false;
            for m in wire::messages(chunk).map_err(LiveError::Malformed)? {
                if m.seq != self.seq {
                    continue;
                }
                if m.ty == wire::NLMSG_DONE {
                    done = true;
                }
                if m.ty == wire::NLMSG_ERROR {
                    match wire::error_code(m.body) {
                        Some(0) => done = true,
                        Some(e) => return Err(LiveError::from(DumpError::Kernel(-e))),
                        None => return Err(LiveError::Malformed("short error message".into())),
                    }
                }
            }
            out.extend_from_slice(chunk);
            if done {
                return Ok(out);
            }
        }
    }

    fn generation(&mut self) -> Result<Option<u32>, LiveError> {
        self.seq += 1;
        let req = wire::request(msg::GETGEN, NLM_F_REQUEST, self.seq, 0, &[]);
        rustix::net::sendto(
            &self.fd,
            &req,
            SendFlags::empty(),
            &netlink::SocketAddrNetlink::new(0, 0),
        )
        .map_err(|errno| LiveError::Io {
            what: "ask for the ruleset generation",
            errno,
        })?;
        loop {
            let (n, _) = match rustix::net::recv(&self.fd, &mut self.buf[..], RecvFlags::empty()) {
                Ok(r) => r,
                Err(Errno::INTR) => continue,
                Err(errno) => {
                    return Err(LiveError::Io {
                        what: "receive the ruleset generation",
                        errno,
                    })
                }
            };
            for m in wire::messages(&self.buf[..n]).map_err(LiveError::Malformed)? {
                if m.seq != self.seq {
                    continue;
                }
                if m.ty == wire::NLMSG_ERROR {
                    return match wire::error_code(m.body) {
                        Some(e) => Err(LiveError::from(DumpError::Kernel(-e))),
                        None => Err(LiveError::Malformed("short error message".into())),
                    };
                }
                if m.ty & 0xff == msg::NEWGEN && m.body.len() >= 4 {
                    return Ok(wire::be32(&wire::attrs(&m.body[4..]), 1));
                }
            }
        }
    }
}

/// Dump the whole ruleset: the reply buffers of every request, concatenated (what
/// [`Dump::add`] reads). Read again when the generation changed meanwhile.
///
/// # Errors
/// No privilege, no netlink, a kernel error, or a ruleset that kept changing.
pub fn read_raw() -> Result<Vec<u8>, LiveError> {
    let mut sock = Socket::open()?;
    for _ in 0..3 {
        let before = sock.generation()?;
        let mut raw = Vec::new();
        raw.extend(sock.dump(msg::GETTABLE, 0, &[])?);
        raw.extend(sock.dump(msg::GETCHAIN, 0, &[])?);
        let sets = sock.dump(msg::GETSET, 0, &[])?;
        let mut d = Dump::default();
        d.add(&sets)?;
        raw.extend(sets);
        for (family, table, name) in d.sets.keys() {
            let mut attrs = Vec::new();
            wire::put_attr(&mut attrs, 1, format!("{table}\0").as_bytes());
            wire::put_attr(&mut attrs, 2, format!("{name}\0").as_bytes());
            raw.extend(sock.dump(msg::GETSETELEM, *family, &attrs)?);
        }
        raw.extend(sock.dump(msg::GETRULE, 0, &[])?);
        if sock.generation()? == before {
            return Ok(raw);
        }
    }
    Err(LiveError::Changing)
}

/// The name of interface `index` in this network namespace (`SIOCGIFNAME` on a netlink
/// socket: no other address family is needed, so a service may be limited to `AF_NETLINK`).
fn interface_name(index: u32) -> Option<String> {
    let fd = rustix::net::socket(AddressFamily::NETLINK, SocketType::RAW, None).ok()?;
    rustix::net::netdevice::index_to_name(&fd, index).ok()
}

/// Read the live ruleset of this host's network namespace.
///
/// # Errors
/// As [`read_raw`], and a reply that cannot be parsed.
pub fn read_live() -> Result<Ruleset, LiveError> {
    let raw = read_raw()?;
    parse_raw(&raw, &interface_name)
}

/// The ruleset of the reply buffers `raw` (from [`read_raw`], or a capture of it).
///
/// # Errors
/// Bytes that are not netlink messages, or an error reply among them.
pub fn parse_raw(
    raw: &[u8],
    ifindex: &dyn Fn(u32) -> Option<String>,
) -> Result<Ruleset, LiveError> {
    let mut d = Dump::default();
    d.add(raw)?;
    Ok(translate::translate(&d, SOURCE, ifindex))
}

#[cfg(test)]
mod tests {
    /// Loopback is interface 1 in every network namespace.
    #[test]
    fn interface_names_over_a_netlink_socket() {
        assert_eq!(super::interface_name(1).as_deref(), Some("lo"));
        assert_eq!(super::interface_name(u32::MAX), None);
    }
}
