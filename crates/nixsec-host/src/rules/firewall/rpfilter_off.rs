//! NIX-075: neither the firewall nor the kernel filters packets with spoofed source addresses.

use std::collections::BTreeSet;

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};
use nixsec_firewall::model::{Action, Key};
use nixsec_firewall::Ruleset;

use crate::engine::Rule;
use crate::firewall::firewall;

/// Reverse-path filtering off.
pub struct RpfilterOff;

crate::host_rule!("NIX-075", RpfilterOff);

/// The first reverse-path rule reached from a prerouting base chain, as text.
fn firewall_rpfilter(rs: &Ruleset) -> Option<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<usize> = (0..rs.chains.len())
        .filter(|&i| {
            rs.chains[i]
                .hook
                .as_ref()
                .is_some_and(|h| h.hook == "prerouting")
        })
        .collect();
    while let Some(ci) = todo.pop() {
        if !seen.insert(ci) {
            continue;
        }
        let chain = &rs.chains[ci];
        for (ri, rule) in chain.rules.iter().enumerate() {
            let rp =
                rule.conds.iter().flat_map(|c| &c.keys).any(
                    |k| matches!(k, Key::Opaque(t) if t == "rpfilter" || t.starts_with("fib")),
                );
            if rp {
                return Some(rs.describe(nixsec_firewall::model::RuleRef {
                    chain: ci,
                    rule: ri,
                }));
            }
            if let Some(Action::Jump(t) | Action::Goto(t)) = &rule.action {
                if let Some(next) = rs.find_chain(chain, t) {
                    todo.push(next);
                }
            }
        }
    }
    None
}

impl Rule for RpfilterOff {
    fn check(&self, cx: &HostCx) -> Outcome {
        let mut sysctl = Vec::new();
        for key in ["all", "default"] {
            match crate::kernel::sysctl_int(cx, &format!("net.ipv4.conf.{key}.rp_filter")) {
                Ok(Some((v, ev))) => sysctl.push((ev.path.clone(), v)),
                Ok(None) => {}
                Err(e) => return Outcome::error(e),
            }
        }
        if let Some((path, v)) = sysctl.iter().find(|(_, v)| *v > 0) {
            let mode = if *v == 2 { "loose" } else { "strict" };
            return Outcome::pass(format!(
                "the kernel filters by reverse path ({mode}: `{path}` is {v})"
            ))
            .with_evidence([Evidence::value(path.clone(), v.to_string())]);
        }
        let fw = firewall(cx);
        let rule = match fw.ruleset() {
            Ok(rs) => firewall_rpfilter(rs),
            Err(o) => {
                if sysctl.is_empty() || o.status() == nixsec_core::Status::Error {
                    return o;
                }
                None
            }
        };
        if let Some(r) = rule {
            return Outcome::pass(format!("the firewall filters by reverse path: {r}"));
        }
        let shown: Vec<String> = sysctl
            .iter()
            .map(|(p, v)| format!("`{p}` is {v}"))
            .collect();
        Outcome::fail(format!(
            "no reverse-path filtering: no rpfilter rule in the firewall's prerouting chains{}",
            if shown.is_empty() {
                String::new()
            } else {
                format!(", and {}", shown.join(", "))
            }
        ))
        .with_evidence(
            sysctl
                .into_iter()
                .map(|(p, v)| Evidence::value(p, v.to_string())),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firewall::testing::*;
    use crate::testing::*;

    fn sysctl(b: RootBuilder, all: &str, default: &str) -> RootBuilder {
        b.file("/proc/sys/net/ipv4/conf/all/rp_filter", all)
            .file("/proc/sys/net/ipv4/conf/default/rp_filter", default)
    }

    #[test]
    fn nixos_firewall_rpfilter_passes() {
        let o = run(&RpfilterOff, &sysctl(nixos_iptables_root(), "0\n", "0\n"));
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(
            message(&o).contains("`-A nixos-fw-rpfilter -m rpfilter --validmark -j RETURN`"),
            "{}",
            message(&o)
        );
        let o = run_with_nft(
            &RpfilterOff,
            &RootBuilder::new(),
            &fw_fixture_path("nixos-fw-nftables.json"),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(
            message(&o).contains("inet nixos-fw rpfilter"),
            "{}",
            message(&o)
        );
        let o = run(&RpfilterOff, &nixos_nftables_root());
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(
            message(&o)
                .contains("`inet nixos-fw rpfilter: fib saddr . mark . iif oif exists accept`"),
            "{}",
            message(&o)
        );
    }

    #[test]
    fn sysctl_rp_filter_passes() {
        let o = run(&RpfilterOff, &sysctl(RootBuilder::new(), "2\n", "0\n"));
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(message(&o).contains("loose"), "{}", message(&o));
    }

    #[test]
    fn neither_fails() {
        let o = run_with_nft(
            &RpfilterOff,
            &sysctl(RootBuilder::new(), "0\n", "0\n"),
            &fw_fixture_path("default-deny.json"),
        );
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        let script = fw_fixture("nixos-firewall-start.sh")
            .lines()
            .filter(|l| !l.contains("mangle"))
            .collect::<Vec<_>>()
            .join("\n");
        let o = run(
            &RpfilterOff,
            &sysctl(nixos_iptables_root().file(SCRIPT, script), "0", "0"),
        );
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
    }

    #[test]
    fn nothing_to_read_skips() {
        let o = run(
            &RpfilterOff,
            &RootBuilder::new().file("/etc/hostname", "x\n"),
        );
        assert_eq!(o.status(), Status::Skip, "{}", message(&o));
    }

    #[test]
    fn garbage_sysctl_is_an_error() {
        let o = run(&RpfilterOff, &sysctl(RootBuilder::new(), "yes\n", "0\n"));
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
    }
}
