//! NIX-077: the kernel forwards packets between interfaces.

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_core::{Evidence, Outcome, Problem};

/// IP forwarding on.
pub struct IpForwarding;

crate::host_rule!("NIX-077", IpForwarding);

const FILES: [&str; 3] = [
    "/proc/sys/net/ipv4/ip_forward",
    "/proc/sys/net/ipv4/conf/all/forwarding",
    "/proc/sys/net/ipv6/conf/all/forwarding",
];

impl Rule for IpForwarding {
    fn check(&self, cx: &HostCx) -> Outcome {
        let mut seen = Vec::new();
        let mut shown = Vec::new();
        for f in FILES {
            let key = f.trim_start_matches("/proc/sys/").replace('/', ".");
            match crate::kernel::sysctl_int(cx, &key) {
                Ok(Some((v, ev))) => {
                    seen.push((f, u8::from(v != 0)));
                    shown.push(ev);
                }
                Ok(None) => {}
                Err(e) => return Outcome::error(e),
            }
        }
        if seen.is_empty() {
            return Outcome::skip(
                "no `/proc/sys/net` forwarding settings under this root (not the running system)",
            );
        }
        let on: Vec<&(&str, u8)> = seen.iter().filter(|(_, v)| *v != 0).collect();
        let evidence: Vec<Evidence> = shown;
        if on.is_empty() {
            return Outcome::pass(format!("forwarding is off ({} settings read)", seen.len()))
                .with_evidence(evidence);
        }
        // One problem per IP version: `ip_forward` and `conf/all/forwarding` are one IPv4 knob.
        let mut problems = Vec::new();
        for (ver, key) in [
            ("IPv4", "net.ipv4.ip_forward"),
            ("IPv6", "net.ipv6.conf.all.forwarding"),
        ] {
            let dir = if ver == "IPv4" { "/ipv4/" } else { "/ipv6/" };
            let mine: Vec<&&(&str, u8)> = on.iter().filter(|(f, _)| f.contains(dir)).collect();
            if mine.is_empty() {
                continue;
            }
            let names: Vec<String> = mine.iter().map(|(f, v)| format!("`{f}` is {v}")).collect();
            problems.push(
                Problem::about(
                    key,
                    format!(
                        "the kernel forwards {ver} packets: {} (accept this in nixsec.toml if the host is a router or container host)",
                        names.join(", ")
                    ),
                )
                .with_evidence(mine.iter().map(|(f, v)| Evidence::value(*f, v.to_string()))),
            );
        }
        Outcome::Fail { problems }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn proc_sys(v4: &str, v4all: &str, v6: &str) -> RootBuilder {
        RootBuilder::new()
            .file(FILES[0], v4)
            .file(FILES[1], v4all)
            .file(FILES[2], v6)
    }

    #[test]
    fn forwarding_on_fails() {
        let o = run(&IpForwarding, &proc_sys("1\n", "1\n", "0\n"));
        let p = o.problems();
        assert_eq!(p.len(), 1, "one IPv4 knob: {o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("net.ipv4.ip_forward"));
        assert_eq!(p[0].message, "the kernel forwards IPv4 packets: `/proc/sys/net/ipv4/ip_forward` is 1, `/proc/sys/net/ipv4/conf/all/forwarding` is 1 (accept this in nixsec.toml if the host is a router or container host)");
        assert_eq!(
            p[0].evidence,
            [
                Evidence::value(FILES[0], "1"),
                Evidence::value(FILES[1], "1")
            ]
        );
        let o = run(&IpForwarding, &proc_sys("0\n", "0\n", "1\n"));
        let subjects: Vec<_> = o.problems().iter().map(|p| p.subject.as_deref()).collect();
        assert_eq!(subjects, [Some("net.ipv6.conf.all.forwarding")], "{o:?}");
        let o = run(&IpForwarding, &proc_sys("1\n", "1\n", "1\n"));
        assert_eq!(o.problems().len(), 2, "{o:?}");
    }

    #[test]
    fn forwarding_off_passes() {
        let o = run(&IpForwarding, &proc_sys("0\n", "0\n", "0\n"));
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn no_proc_sys_skips() {
        let o = run(
            &IpForwarding,
            &RootBuilder::new().file("/etc/hostname", "x\n"),
        );
        assert_eq!(o.status(), Status::Skip, "{}", message(&o));
    }

    #[test]
    fn garbage_is_an_error() {
        let o = run(&IpForwarding, &proc_sys("on\n", "0\n", "0\n"));
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(
            message(&o).contains("/proc/sys/net/ipv4/ip_forward"),
            "{}",
            message(&o)
        );
    }
}
