//! NIX-115: ICMP redirects, source routing and other legacy IPv4/IPv6 knobs left open.

use crate::cx::HostCx;
use nixsec_core::Outcome;

use crate::engine::Rule;
use crate::kernel::{sysctl_rule, Absent, IntCheck};

/// Redirect or source-route keys ≠ 0, martians not logged, no SYN cookies, broadcast echo.
pub struct IcmpRedirects;

crate::host_rule!("NIX-115", IcmpRedirects);

const V4: Absent = Absent::Default(1, "kernel default");
const V6: Absent = Absent::Safe("IPv6 off");

const CHECKS: &[IntCheck] = &[
    IntCheck::new("net.ipv4.conf.all.accept_redirects", |v| v == 0, "0", V4),
    IntCheck::new(
        "net.ipv4.conf.default.accept_redirects",
        |v| v == 0,
        "0",
        V4,
    ),
    IntCheck::new("net.ipv4.conf.all.secure_redirects", |v| v == 0, "0", V4),
    IntCheck::new(
        "net.ipv4.conf.default.secure_redirects",
        |v| v == 0,
        "0",
        V4,
    ),
    IntCheck::new("net.ipv4.conf.all.send_redirects", |v| v == 0, "0", V4),
    IntCheck::new("net.ipv4.conf.default.send_redirects", |v| v == 0, "0", V4),
    IntCheck::new(
        "net.ipv4.conf.all.accept_source_route",
        |v| v == 0,
        "0",
        Absent::Default(0, "kernel default"),
    ),
    IntCheck::new(
        "net.ipv4.conf.default.accept_source_route",
        |v| v == 0,
        "0",
        Absent::Default(0, "kernel default"),
    ),
    IntCheck::new(
        "net.ipv4.conf.all.log_martians",
        |v| v == 1,
        "1",
        Absent::Default(0, "kernel default"),
    ),
    IntCheck::new(
        "net.ipv4.conf.default.log_martians",
        |v| v == 1,
        "1",
        Absent::Default(0, "kernel default"),
    ),
    IntCheck::new("net.ipv6.conf.all.accept_redirects", |v| v == 0, "0", V6),
    IntCheck::new(
        "net.ipv6.conf.default.accept_redirects",
        |v| v == 0,
        "0",
        V6,
    ),
    IntCheck::new(
        "net.ipv6.conf.all.accept_source_route",
        |v| v <= 0,
        "0 or -1",
        V6,
    ),
    IntCheck::new(
        "net.ipv6.conf.default.accept_source_route",
        |v| v <= 0,
        "0 or -1",
        V6,
    ),
    IntCheck::new(
        "net.ipv4.tcp_syncookies",
        |v| v == 1,
        "1",
        Absent::Default(1, "kernel default"),
    ),
    IntCheck::new(
        "net.ipv4.icmp_echo_ignore_broadcasts",
        |v| v == 1,
        "1",
        Absent::Default(1, "kernel default"),
    ),
    IntCheck::new(
        "net.ipv4.icmp_ignore_bogus_error_responses",
        |v| v == 1,
        "1",
        Absent::Default(1, "kernel default"),
    ),
];

impl Rule for IcmpRedirects {
    fn check(&self, cx: &HostCx) -> Outcome {
        sysctl_rule(
            cx,
            CHECKS,
            "redirects and source routing are refused, martians logged, SYN cookies on",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::{problems, proc_sys};
    use crate::testing::*;

    #[test]
    fn captured_debian_values_fail() {
        // proc-sys-captured: accept/secure/send_redirects 1, log_martians 0 (all), ipv6
        // accept_redirects 1; default/{secure,send}_redirects and default/log_martians are absent
        // there and take the kernel defaults 1, 1 and 0.
        let o = run(&IcmpRedirects, &proc_sys("proc-sys-captured"));
        assert_eq!(o.status(), Status::Fail);
        let want = [
            ("net.ipv4.conf.all.accept_redirects", 1, "0"),
            ("net.ipv4.conf.default.accept_redirects", 1, "0"),
            ("net.ipv4.conf.all.secure_redirects", 1, "0"),
            ("net.ipv4.conf.default.secure_redirects", 1, "0"),
            ("net.ipv4.conf.all.send_redirects", 1, "0"),
            ("net.ipv4.conf.default.send_redirects", 1, "0"),
            ("net.ipv4.conf.all.log_martians", 0, "1"),
            ("net.ipv4.conf.default.log_martians", 0, "1"),
            ("net.ipv6.conf.all.accept_redirects", 1, "0"),
            ("net.ipv6.conf.default.accept_redirects", 1, "0"),
        ];
        let want: Vec<(String, String, Option<nixsec_core::Severity>)> = want
            .iter()
            .map(|(k, v, w)| (k.to_string(), format!("`{k} = {v}` (want {w})"), None))
            .collect();
        assert_eq!(problems(&o), want);
        // Each problem has its own key's evidence; an absent key says the default applied.
        let ev = &o.problems()[3].evidence;
        assert_eq!(ev.len(), 1);
        assert_eq!(
            ev[0].path,
            "/proc/sys/net/ipv4/conf/default/secure_redirects"
        );
        assert_eq!(
            ev[0].value.as_deref(),
            Some("absent: kernel default 1 applies (kernel default)")
        );
    }

    #[test]
    fn hardened_values_pass() {
        let o = run(&IcmpRedirects, &proc_sys("proc-sys-hardened"));
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn skip_and_garbage() {
        assert_eq!(
            run(&IcmpRedirects, &RootBuilder::new()).status(),
            Status::Skip
        );
        let b = proc_sys("proc-sys-hardened").file("/proc/sys/net/ipv4/tcp_syncookies", "on\n");
        assert_eq!(run(&IcmpRedirects, &b).status(), Status::Error);
    }
}
