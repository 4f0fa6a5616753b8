//! NIX-077: the kernel forwards packets between interfaces.

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_core::{Evidence, Outcome};

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
        for f in FILES {
            match cx.root().read_to_string(f) {
                Ok((_, t)) => match t.trim().parse::<u8>() {
                    Ok(v) => seen.push((f, v)),
                    Err(_) => {
                        return Outcome::error(format!("`{f}`: not a number: `{}`", t.trim()))
                    }
                },
                Err(e) if e.is_not_found() => {}
                Err(e) => return Outcome::error(e.to_string()),
            }
        }
        if seen.is_empty() {
            return Outcome::skip(
                "no `/proc/sys/net` forwarding settings under this root (not the running system)",
            );
        }
        let on: Vec<&(&str, u8)> = seen.iter().filter(|(_, v)| *v != 0).collect();
        let evidence: Vec<Evidence> = seen
            .iter()
            .map(|(f, v)| Evidence::value(*f, v.to_string()))
            .collect();
        if on.is_empty() {
            return Outcome::pass(format!("forwarding is off ({} settings read)", seen.len()))
                .with_evidence(evidence);
        }
        let names: Vec<String> = on.iter().map(|(f, v)| format!("`{f}` is {v}")).collect();
        Outcome::fail(format!(
            "the kernel forwards packets: {} (accept this in nixsec.toml if the host is a router or container host)",
            names.join(", ")
        ))
        .with_evidence(evidence)
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
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(message(&o).starts_with("the kernel forwards packets: `/proc/sys/net/ipv4/ip_forward` is 1, `/proc/sys/net/ipv4/conf/all/forwarding` is 1"), "{}", message(&o));
        let o = run(&IpForwarding, &proc_sys("0\n", "0\n", "1\n"));
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
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
