//! The host's firewall for the firewall rules (NIX-070..077): the ruleset read once per audit
//! by `nixsec-firewall` (on the running host the live nftables ruleset over netlink, or
//! `--nft-json`; saved iptables rules, the NixOS firewall script), and the listening sockets
//! compared with it.

use std::sync::Arc;

use crate::cx::HostCx;
use nixsec_core::Outcome;
use nixsec_firewall::model::RuleRef;
use nixsec_firewall::{IpVer, Live, Loaded, Packet, Ruleset, Tri, L4};

use nixsec_readers::procnet::{Process, Socket, SocketTable};

/// NixOS's firewall units (iptables and nftables backends).
pub const NIXOS_FIREWALL_UNIT: &str = "/etc/systemd/system/firewall.service";
/// The unit of NixOS's nftables backend (and `networking.nftables.enable`).
pub const NIXOS_NFTABLES_UNIT: &str = "/etc/systemd/system/nftables.service";

/// The firewall as far as nixsec can know it.
#[derive(Debug)]
pub struct Firewall {
    /// What was read.
    pub loaded: Loaded,
    /// Set when the ruleset is known to be empty because NixOS's firewall is disabled.
    pub nixos_disabled: bool,
    /// Set when NixOS's nftables service exists (its ruleset is in nft syntax).
    pub nixos_nftables: bool,
    /// Auditing the running system (`/`): its rules exist somewhere even when unsaved.
    pub live: bool,
}

impl Firewall {
    /// The ruleset to decide on, or the outcome a rule reports when there is none: `error`
    /// for unreadable sources, or for no source at all on the running system (nixsec cannot
    /// see the kernel's rules without a tool); `skip` for a mounted root with no saved rules.
    ///
    /// # Errors
    /// The [`Outcome`] to return instead.
    pub fn ruleset(&self) -> Result<&Ruleset, Outcome> {
        if !self.loaded.errors.is_empty() {
            let msgs: Vec<String> = self.loaded.errors.iter().map(ToString::to_string).collect();
            return Err(Outcome::error(msgs.join("; ")));
        }
        if self.loaded.ruleset.sources.is_empty() && !self.nixos_disabled {
            if let Live::Unreadable { reason, permission } = &self.loaded.live {
                // One line: why the live rules could not be read, and the way around it.
                return Err(Outcome::error(if *permission {
                    format!("{reason}: run nixsec as root, or save the rules with `nft -j list ruleset > FILE` as root and pass `--nft-json FILE`")
                } else {
                    format!("{reason}: save the rules with `nft -j list ruleset > FILE` and pass `--nft-json FILE`")
                }));
            }
            if self.nixos_nftables {
                return Err(Outcome::error(format!(
                    "NixOS's nftables service (`{NIXOS_NFTABLES_UNIT}`) loads no ruleset nixsec can find: save the live rules with `nft -j list ruleset > FILE` and pass `--nft-json FILE`"
                )));
            }
            if !self.live {
                return Err(Outcome::skip(
                    "no saved firewall ruleset under this root (no saved iptables rules, no NixOS `firewall.service`)",
                ));
            }
            return Err(Outcome::error(
                "no firewall ruleset found (no `--nft-json` file, no saved iptables rules in `/etc/iptables/rules.v4`/`rules.v6` or `/etc/sysconfig/iptables`, no NixOS `firewall.service`): save the live rules with `nft -j list ruleset > FILE` and pass `--nft-json FILE`",
            ));
        }
        Ok(&self.loaded.ruleset)
    }

    /// [`Firewall::ruleset`] and the IP versions whose inbound default is deny, for the rules
    /// that judge what a default-deny firewall still admits.
    ///
    /// # Errors
    /// As [`Firewall::ruleset`]; and `skip` with `not_denied` (NIX-070's concern) when neither
    /// IPv4 nor IPv6 is denied by default.
    pub fn deny_ruleset(&self, not_denied: &str) -> Result<(&Ruleset, Vec<IpVer>), Outcome> {
        let rs = self.ruleset()?;
        let vers: Vec<IpVer> = [IpVer::V4, IpVer::V6]
            .into_iter()
            .filter(|v| rs.default_deny(*v).is_some())
            .collect();
        if vers.is_empty() {
            return Err(Outcome::skip(format!("{not_denied} (NIX-070)")));
        }
        Ok((rs, vers))
    }

    /// Where the ruleset came from, for messages.
    #[must_use]
    pub fn origin(&self) -> String {
        if self.nixos_disabled && self.loaded.ruleset.sources.is_empty() {
            return format!(
                "NixOS firewall disabled (neither `{NIXOS_FIREWALL_UNIT}` nor `{NIXOS_NFTABLES_UNIT}` exists)"
            );
        }
        let mut s = format!("rules from {}", self.loaded.source_list());
        for n in &self.loaded.notes {
            s.push_str("; ");
            s.push_str(n);
        }
        if let Live::Unreadable { reason, .. } = &self.loaded.live {
            s.push_str(&format!("; not the live nftables rules ({reason})"));
        }
        s
    }
}

/// Evidence for a verdict of `rs`: the source file of the rule `r` (at its line, when the source
/// has lines), else the ruleset's first source, with `value` as what was seen there.
#[must_use]
pub fn rule_evidence(rs: &Ruleset, r: Option<RuleRef>, value: String) -> nixsec_core::Evidence {
    let rule = r.and_then(|r| {
        let chain = rs.chains.get(r.chain)?;
        Some((rs.sources.get(chain.source)?, chain.rules.get(r.rule)?.line))
    });
    match rule {
        Some((src, Some(line))) => nixsec_core::Evidence::line(src.path.clone(), line, value),
        Some((src, None)) => nixsec_core::Evidence::value(src.path.clone(), value),
        None => nixsec_core::Evidence::value(
            rs.sources
                .first()
                .map(|s| s.path.clone())
                .unwrap_or_default(),
            value,
        ),
    }
}

/// The firewall of the audited host, read once per audit.
#[must_use]
pub fn firewall(cx: &HostCx) -> Arc<Firewall> {
    cx.fact(
        |f| &f.firewall,
        |cx| {
            let mut loaded = nixsec_firewall::load(cx.root(), cx.options().nft_json.as_deref());
            let root = cx.root();
            // A unit that cannot be told present or absent is neither: the firewall state is
            // then an error, never "disabled" or "enabled" by default.
            let mut unit = |path: &str| match root.presence(path) {
                nixsec_core::Presence::Present => true,
                nixsec_core::Presence::Absent => false,
                nixsec_core::Presence::Unknown(e) => {
                    loaded
                        .errors
                        .push(nixsec_firewall::Error::new(path, None, e.to_string()));
                    true
                }
            };
            let has_fw = unit(NIXOS_FIREWALL_UNIT);
            let has_nft = unit(NIXOS_NFTABLES_UNIT);
            Firewall {
                nixos_disabled: cx.info().is_nixos
                    && !has_fw
                    && !has_nft
                    && loaded.ruleset.sources.is_empty()
                    && loaded.errors.is_empty(),
                nixos_nftables: has_nft,
                live: root.is_live(),
                loaded,
            }
        },
    )
}

/// The IP versions the host speaks: IPv6 is left out on a running system whose kernel has it
/// off (`/proc/sys/net/ipv6` missing with `ipv6.disable=1`, or `conf/all/disable_ipv6` = 1).
#[must_use]
pub fn ip_versions(cx: &HostCx) -> Vec<IpVer> {
    let root = cx.root();
    let v6_off = root.presence("/proc/sys/net/ipv4").is_present()
        && (root.presence("/proc/sys/net/ipv6").is_absent()
            || root
                .read_to_string("/proc/sys/net/ipv6/conf/all/disable_ipv6")
                .is_ok_and(|(_, t)| t.trim() == "1"));
    if v6_off {
        vec![IpVer::V4]
    } else {
        vec![IpVer::V4, IpVer::V6]
    }
}

/// How reachable a listening socket is from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exposure {
    /// Bound to loopback only.
    Loopback,
    /// Accepted from outside; the text names the admitting rule (per IP version).
    Exposed(String),
    /// Dropped by the firewall; the text names the dropping rule.
    Blocked(String),
    /// Depends on rules nixsec cannot evaluate; the text names them.
    Unknown(String),
}

/// One listener and its exposure.
#[derive(Debug, Clone)]
pub struct Listener {
    /// The socket.
    pub socket: Socket,
    /// Processes holding it.
    pub owners: Vec<Process>,
    /// Its exposure.
    pub exposure: Exposure,
}

impl Listener {
    /// `postgres (pid 812)`, or `unknown process`.
    #[must_use]
    pub fn owner_label(&self) -> String {
        if self.owners.is_empty() {
            return format!("unknown process (uid {})", self.socket.uid);
        }
        self.owners
            .iter()
            .map(Process::label)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A table row: `tcp  0.0.0.0:5432  postgres (pid 812)  exposed: admitted by …`.
    #[must_use]
    pub fn row(&self) -> String {
        let (word, detail) = match &self.exposure {
            Exposure::Loopback => ("loopback only", String::new()),
            Exposure::Exposed(d) => ("EXPOSED", d.clone()),
            Exposure::Blocked(d) => ("blocked", d.clone()),
            Exposure::Unknown(d) => ("unknown", d.clone()),
        };
        let mut s = format!(
            "{:<5} {:<22} {:<28} {word}",
            self.socket.proto,
            self.socket.endpoint(),
            self.owner_label()
        );
        if !detail.is_empty() {
            s.push_str(": ");
            s.push_str(&detail);
        }
        s
    }
}

/// Decide every listener of `table` on `rs`.
#[must_use]
pub fn exposures(table: &SocketTable, rs: &Ruleset) -> Vec<Listener> {
    let mut out = Vec::new();
    for (s, owners) in &table.sockets {
        let exposure = if s.is_loopback() {
            Exposure::Loopback
        } else {
            let l4 = if s.transport() == "tcp" {
                L4::Tcp
            } else {
                L4::Udp
            };
            let mut vers = Vec::new();
            match s.addr {
                std::net::IpAddr::V4(_) => vers.push(IpVer::V4),
                std::net::IpAddr::V6(a) => {
                    if a.to_ipv4_mapped().is_some() {
                        vers.push(IpVer::V4);
                    } else {
                        vers.push(IpVer::V6);
                        if table.dual_stack(s) {
                            vers.push(IpVer::V4);
                        }
                    }
                }
            }
            let mut exposed = Vec::new();
            let mut unknown = Vec::new();
            let mut blocked = Vec::new();
            for v in vers {
                let daddr = if s.is_wildcard() {
                    None
                } else {
                    match s.addr {
                        std::net::IpAddr::V6(a) if v == IpVer::V4 => {
                            a.to_ipv4_mapped().map(std::net::IpAddr::V4)
                        }
                        a => Some(a),
                    }
                };
                let p = Packet {
                    ver: v,
                    l4,
                    dport: s.port,
                    daddr,
                    iif: None,
                };
                let d = rs.decide(&p);
                if d.accepted != Tri::Yes {
                    match rs.dnat_rule(&p) {
                        Some((r, true)) => {
                            exposed.push(format!(
                                "{} published by {} (destination NAT in prerouting: the input chains never see it)",
                                v.as_str(),
                                rs.describe(r)
                            ));
                            continue;
                        }
                        Some((r, false)) => {
                            unknown.push(format!(
                                "{} published by {} if the rules leading there match",
                                v.as_str(),
                                rs.describe(r)
                            ));
                            continue;
                        }
                        None => {}
                    }
                }
                match d.accepted {
                    Tri::Yes => {
                        exposed.push(format!("{} admitted by {}", v.as_str(), d.admitted_by(rs)))
                    }
                    Tri::Unknown => {
                        let rules: Vec<String> = d.unsure.iter().map(|r| rs.describe(*r)).collect();
                        unknown.push(format!(
                            "{} accepted only if {} matches",
                            v.as_str(),
                            rules.join(" or ")
                        ));
                    }
                    Tri::No => blocked.push(format!(
                        "{} dropped by {}",
                        v.as_str(),
                        d.dropped_by(rs).unwrap_or_default()
                    )),
                }
            }
            if !exposed.is_empty() {
                Exposure::Exposed(exposed.join("; "))
            } else if !unknown.is_empty() {
                Exposure::Unknown(unknown.join("; "))
            } else {
                Exposure::Blocked(blocked.join("; "))
            }
        };
        out.push(Listener {
            socket: s.clone(),
            owners: owners.clone(),
            exposure,
        });
    }
    out
}

/// Ports whose exposure is a known risk (catalogue NIX-071): Docker API, etcd, databases,
/// Consul, Elasticsearch, memcached, VNC, RDP.
pub const RISK_PORTS: &[u16] = &[
    2375, 2376, 2379, 3306, 5432, 5984, 6379, 8500, 9200, 11211, 27017, 5900, 3389,
];

/// Interface names of physical or uplink devices (NIX-072): `eth*`, `en*`, `wl*`, `ww*`.
#[must_use]
pub fn is_uplink_interface(name: &str) -> bool {
    let n = name.trim_end_matches('*');
    ["eth", "en", "wl", "ww"].iter().any(|p| n.starts_with(p))
        || (name.ends_with('*') && ["e", "w"].contains(&n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nixsec_firewall::LiveError;
    use nixsec_testutil::RootBuilder;

    fn fw(b: &RootBuilder, live: Result<Option<Ruleset>, LiveError>) -> Firewall {
        Firewall {
            loaded: nixsec_firewall::load_with(&b.root(), None, Some(live)),
            nixos_disabled: false,
            nixos_nftables: false,
            live: true,
        }
    }

    #[test]
    fn without_privileges_the_rules_say_so_in_one_line() {
        let f = fw(&RootBuilder::new(), Err(LiveError::Permission));
        let Err(o) = f.ruleset() else {
            panic!("no ruleset without privileges")
        };
        assert_eq!(o.status(), nixsec_core::Status::Error);
        let Outcome::Error { reason, .. } = o else {
            panic!("{o:?}")
        };
        assert_eq!(
            reason,
            "reading the live nftables ruleset needs root (`CAP_NET_ADMIN`): run nixsec as root, or save the rules with `nft -j list ruleset > FILE` as root and pass `--nft-json FILE`"
        );
        assert!(!reason.contains('\n'));
    }

    #[test]
    fn saved_rules_still_count_when_the_live_ones_cannot_be_read() {
        let b = RootBuilder::new().file(
            "/etc/iptables/rules.v4",
            testing::fw_fixture("default-deny-iptables.legacy.iptables-save.txt"),
        );
        let f = fw(&b, Err(LiveError::Permission));
        assert!(f.ruleset().is_ok());
        assert!(
            f.origin().ends_with("; not the live nftables rules (reading the live nftables ruleset needs root (`CAP_NET_ADMIN`))"),
            "{}",
            f.origin()
        );
    }

    #[test]
    fn nf_tables_not_loaded_is_an_empty_live_ruleset() {
        let f = fw(&RootBuilder::new(), Ok(None));
        let rs = f.ruleset().expect("a ruleset");
        assert!(rs.chains.is_empty());
        assert_eq!(rs.default_deny(IpVer::V4), None);
        assert_eq!(
            f.origin(),
            "rules from the live nftables ruleset (netlink); `nf_tables` is not loaded, so the kernel holds no nftables rules"
        );
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Fixture roots for the firewall rules: the real rulesets of `nixsec-firewall`'s
    //! fixtures and the real `/proc/net` capture of `nixsec-readers/tests/fixtures/proc-net`.
    use std::path::PathBuf;

    use crate::engine::Rule;
    use nixsec_core::{AuditOptions, Outcome};
    use nixsec_testutil::RootBuilder;

    /// Path of a ruleset fixture of `nixsec-firewall`.
    pub fn fw_fixture_path(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../nixsec-firewall/tests/fixtures")
            .join(name)
    }

    /// Text of a ruleset fixture.
    pub fn fw_fixture(name: &str) -> String {
        std::fs::read_to_string(fw_fixture_path(name)).expect("fixture")
    }

    /// Text of a `/proc/net` capture fixture.
    pub fn procnet_fixture(name: &str) -> String {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../nixsec-readers/tests/fixtures/proc-net")
            .join(name);
        std::fs::read_to_string(p).expect("fixture")
    }

    /// Run `rule` with `--nft-json FILE`.
    pub fn run_with_nft(rule: &dyn Rule, b: &RootBuilder, nft: &std::path::Path) -> Outcome {
        let cx = crate::testing::cx(b).with_options(AuditOptions {
            nft_json: Some(nft.to_path_buf()),
            ..AuditOptions::default()
        });
        rule.check(&cx)
    }

    /// Store path of the NixOS firewall script in [`nixos_iptables_root`].
    pub const SCRIPT: &str =
        "/nix/store/00000000000000000000000000000000-firewall-start/bin/firewall-start";

    /// A NixOS root whose `firewall.service` (a link into the store, as NixOS makes it)
    /// starts the rendered `firewall-start` script of the fixtures (tcp/22 open).
    pub fn nixos_iptables_root() -> RootBuilder {
        let unit =
            "/nix/store/11111111111111111111111111111111-unit-firewall.service/firewall.service";
        RootBuilder::new()
            .file("/etc/NIXOS", "")
            .file(
                unit,
                format!("[Service]\nType=oneshot\nExecStart=@{SCRIPT} firewall-start\n"),
            )
            .symlink("/etc/systemd/system/firewall.service", unit)
            .file(SCRIPT, fw_fixture("nixos-firewall-start.sh"))
    }

    /// A NixOS root with the nftables firewall backend: `nftables.service` runs the
    /// `nftables-rules` script nixpkgs' `nftables.nix` writes (deletion includes, then the
    /// `nixos-fw` table of the `nixos-fw-nftables.nft` fixture: tcp/22 open).
    pub fn nixos_nftables_root() -> RootBuilder {
        let unit =
            "/nix/store/22222222222222222222222222222222-unit-nftables.service/nftables.service";
        let rules = "/nix/store/33333333333333333333333333333333-nftables-rules";
        let deletions = "/nix/store/44444444444444444444444444444444-nftables-deletions";
        let table: String = fw_fixture("nixos-fw-nftables.nft");
        RootBuilder::new()
            .file("/etc/NIXOS", "")
            .file(
                unit,
                format!("[Service]\nExecStartPre=/nix/store/55555555555555555555555555555555-nftables-ensure-deletions\nExecStart={rules}\nExecReload={rules}\n"),
            )
            .symlink("/etc/systemd/system/nftables.service", unit)
            .file(
                rules,
                format!("#! /nix/store/66666666666666666666666666666666-nftables-1.1.1/bin/nft -f\n# previous deletions, if any\ninclude \"/var/lib/nftables/deletions.nft\"\n# current deletions\ninclude \"{deletions}\"\n{table}"),
            )
            .file(
                deletions,
                "#! /nix/store/66666666666666666666666666666666-nftables-1.1.1/bin/nft -f\ntable inet nixos-fw\ndelete table inet nixos-fw\n",
            )
    }

    /// Add the `/proc/net` capture (python3 pid 10926 holding every socket) to `b`.
    pub fn with_proc_net(mut b: RootBuilder) -> RootBuilder {
        for f in ["tcp", "tcp6", "udp", "udp6"] {
            b = b.file(
                &format!("/proc/net/{f}"),
                procnet_fixture(&format!("proc-net-{f}.txt")),
            );
        }
        for line in procnet_fixture("proc-pid-fd.txt").lines() {
            if let Some((fd, target)) = line.split_once(" -> ") {
                b = b.symlink(&format!("/proc/10926/fd/{fd}"), target);
            }
        }
        b.file("/proc/10926/comm", "python3\n")
            .file("/proc/10926/cmdline", "python3\0listeners.py\0")
    }
}
