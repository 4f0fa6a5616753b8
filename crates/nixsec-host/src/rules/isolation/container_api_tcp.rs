//! NIX-055: the Docker (or Podman) API on TCP without TLS client authentication.

use crate::cx::HostCx;
use nixsec_core::{escape, Evidence, Outcome, Problem};
use nixsec_isolation::docker;

use crate::engine::Rule;
use crate::isolation::{docker_state, merged};

/// A container API on TCP that lets any client in.
pub struct ContainerApiTcp;

crate::host_rule!("NIX-055", ContainerApiTcp);

/// TCP `ListenStream=` entries of a socket unit (`docker.socket`: NixOS's
/// `virtualisation.docker.listenOptions`; `podman.socket`): the address and its line.
fn socket_tcp(cx: &HostCx, unit: &str) -> Result<Vec<(String, Evidence)>, String> {
    let u = match nixsec_systemd::load(cx.root(), unit) {
        Ok(u) => u,
        Err(
            nixsec_systemd::LoadError::NotFound { .. } | nixsec_systemd::LoadError::Masked { .. },
        ) => return Ok(Vec::new()),
        Err(e) => return Err(e.to_string()),
    };
    // An empty `ListenStream=` resets the list (a drop-in replacing the unit's sockets).
    let mut live = Vec::new();
    for a in u
        .assignments
        .iter()
        .filter(|a| &*a.section == "Socket" && a.key == "ListenStream")
    {
        if a.value.is_empty() {
            live.clear();
        } else {
            live.push(a);
        }
    }
    Ok(live
        .into_iter()
        .filter(|a| {
            let v = a.value.as_str();
            v.parse::<u16>().is_ok()
                || (v.contains(':') && !v.starts_with(['/', '@', '%']) && !v.starts_with("vsock:"))
        })
        .map(|a| {
            (
                a.value.clone(),
                Evidence::line(
                    a.file.to_string(),
                    u32::try_from(a.line).unwrap_or(0),
                    format!("ListenStream={}", a.value),
                ),
            )
        })
        .collect())
}

/// Non-loopback TCP listeners on 2375.
fn plain_port(cx: &HostCx) -> Vec<Evidence> {
    let mut out = Vec::new();
    for (file, proto) in [("/proc/net/tcp", "tcp"), ("/proc/net/tcp6", "tcp6")] {
        if let Ok((_, t)) = cx.root().read_to_string(file) {
            for l in nixsec_readers::procnet::parse_table(&t, proto, "0A") {
                if l.port == 2375 && !(l.addr.starts_with("127.") || l.addr == "::1") {
                    out.push(Evidence::value(
                        file,
                        format!(
                            "{proto} {}:{} listening (Docker's plain-text API port)",
                            l.addr, l.port
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// The port of an endpoint (`tcp://0.0.0.0:2375`, `0.0.0.0:2375`, `2375`).
fn port_of(endpoint: &str) -> Option<u16> {
    endpoint
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
}

const ROOT_FOR_ANYONE: &str = "root on this host for anyone who reaches it";

impl Rule for ContainerApiTcp {
    fn check(&self, cx: &HostCx) -> Outcome {
        let d = docker_state(cx);
        let tls = match d.daemon.settings.tlsverify {
            Some(false) => "tlsverify false",
            _ if d.daemon.settings.tls == Some(true) => "tlsverify unset, tls only",
            _ => "tlsverify unset",
        };
        // (port, problem): one per endpoint, the port to file a live listener under.
        let mut endpoints: Vec<(Option<u16>, Problem)> = docker::unauthenticated_tcp(&d.daemon.settings)
            .into_iter()
            .map(|(h, src)| {
                let v = format!("{h} ({tls})");
                let ev = match src.line {
                    Some(l) => Evidence::line(src.path.clone(), l, v),
                    None => Evidence::value(src.path.clone(), v),
                };
                let h = escape(h);
                (
                    port_of(&h),
                    Problem::about(
                        h.as_ref(),
                        format!("dockerd serves its API on `{h}` without client certificates ({tls}): {ROOT_FOR_ANYONE}"),
                    )
                    .with_evidence([ev]),
                )
            })
            .collect();
        let mut errors = d.daemon.errors.clone();
        // Socket activation: dockerd serves what docker.socket listens on (`-H fd://`), with
        // its TLS settings; the Podman API has no TLS at all.
        match socket_tcp(cx, "docker.socket") {
            Ok(e) if d.daemon.settings.tlsverify != Some(true) => {
                endpoints.extend(e.into_iter().map(|(addr, ev)| {
                    let addr = escape(&addr);
                    (
                        port_of(&addr),
                        Problem::about(
                            format!("docker.socket {addr}"),
                            format!("`docker.socket` serves the Docker API on `{addr}` without client certificates ({tls}): {ROOT_FOR_ANYONE}"),
                        )
                        .with_evidence([ev]),
                    )
                }));
            }
            Ok(_) => {}
            Err(e) => errors.push(e),
        }
        match socket_tcp(cx, "podman.socket") {
            Ok(e) => endpoints.extend(e.into_iter().map(|(addr, ev)| {
                let addr = escape(&addr);
                (
                    port_of(&addr),
                    Problem::about(
                        format!("podman.socket {addr}"),
                        format!("`podman.socket` serves the Podman API, which has no TLS, on `{addr}`: {ROOT_FOR_ANYONE}"),
                    )
                    .with_evidence([ev]),
                )
            })),
            Err(e) => errors.push(e),
        }
        // A listener on 2375 belongs to the endpoint configured on that port, if any.
        for ev in plain_port(cx) {
            match endpoints.iter_mut().find(|(p, _)| *p == Some(2375)) {
                Some((_, p)) => p.evidence.push(ev),
                None => endpoints.push((
                    Some(2375),
                    Problem::about(
                        "tcp/2375",
                        format!("a process listens on TCP port 2375, Docker's plain-text API port, on a non-loopback address: {ROOT_FOR_ANYONE} if it is the Docker API"),
                    )
                    .with_evidence([ev]),
                )),
            }
        }
        let problems = merged(endpoints.into_iter().map(|(_, p)| p).collect());
        if !problems.is_empty() {
            let mut problems = problems;
            problems.extend(errors.iter().map(|e| crate::isolation::unread(e)));
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; "));
        }
        if d.daemon.rootful.is_empty()
            && !["docker.socket", "podman.socket"].iter().any(|u| {
                !cx.root()
                    .presence(format!("/etc/systemd/system/{u}"))
                    .is_absent()
            })
        {
            return Outcome::skip(
                "no Docker daemon configured (no docker.service, daemon.json or socket)",
            );
        }
        let hosts: Vec<&str> = d
            .daemon
            .settings
            .hosts
            .iter()
            .map(|(h, _)| h.as_str())
            .collect();
        Outcome::pass(if hosts.is_empty() {
            "dockerd listens on its default unix socket only".to_string()
        } else {
            format!(
                "API endpoints: {} (TCP only with tlsverify)",
                nixsec_core::escape(&hosts.join(" "))
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolation::fixtures::text;
    use crate::testing::*;

    fn with_daemon(json: &str) -> RootBuilder {
        RootBuilder::new().file("/etc/docker/daemon.json", json)
    }

    #[test]
    fn tcp_without_tlsverify_fails() {
        for f in ["insecure-tcp.json", "tcp-tls-no-verify.json"] {
            let o = run(
                &ContainerApiTcp,
                &with_daemon(&text(&format!("containers/docker/daemon-json/{f}"))),
            );
            let Some(crate::testing::Failed { evidence, .. }) = crate::testing::failed(&o) else {
                panic!("{f}: {o:?}")
            };
            assert_eq!(evidence[0].path, "/etc/docker/daemon.json", "{f}");
            assert!(
                evidence[0]
                    .value
                    .as_deref()
                    .unwrap_or("")
                    .starts_with("tcp://"),
                "{f}"
            );
        }
    }

    #[test]
    fn tlsverify_and_unix_sockets_pass() {
        for f in [
            "tcp-with-tls.json",
            "hardened.json",
            "empty.json",
            "as-used-here-vfs-no-iptables.json",
        ] {
            let o = run(
                &ContainerApiTcp,
                &with_daemon(&text(&format!("containers/docker/daemon-json/{f}"))),
            );
            assert_eq!(o.status(), Status::Pass, "{f}: {}", message(&o));
        }
        assert_eq!(
            run(&ContainerApiTcp, &RootBuilder::new()).status(),
            Status::Skip
        );
    }

    #[test]
    fn nixos_unit_with_config_file_and_extra_options() {
        // As NixOS renders `virtualisation.docker`: the settings file in the store, extraOptions
        // appended to ExecStart in a drop-in.
        let b = RootBuilder::new()
            .file("/nix/store/aaaa-daemon-settings.json", "{\"hosts\": [\"fd://\"], \"tls\": true}")
            .file("/etc/systemd/system/docker.service", "[Service]\nExecStart=/nix/store/bbbb-docker/bin/dockerd\n")
            .file(
                "/etc/systemd/system/docker.service.d/overrides.conf",
                "[Service]\nExecStart=\nExecStart=/nix/store/bbbb-docker/bin/dockerd --config-file=/nix/store/aaaa-daemon-settings.json -H tcp://0.0.0.0:2376\n",
            );
        let o = run(&ContainerApiTcp, &b);
        let Some(crate::testing::Failed { evidence, .. }) = crate::testing::failed(&o) else {
            panic!("{o:?}")
        };
        assert_eq!(
            evidence[0].path,
            "/etc/systemd/system/docker.service.d/overrides.conf"
        );
        assert_eq!(evidence[0].line, Some(3));
        assert_eq!(
            evidence[0].value.as_deref(),
            Some("tcp://0.0.0.0:2376 (tlsverify unset, tls only)")
        );
    }

    #[test]
    fn nixos_listen_options_on_tcp_fail() {
        // virtualisation.docker.listenOptions = [ "/run/docker.sock" "0.0.0.0:2375" ];
        let b = RootBuilder::new()
            .file("/etc/systemd/system/docker.socket", "[Socket]\nListenStream=\nListenStream=/run/docker.sock\nListenStream=0.0.0.0:2375\nSocketGroup=docker\n");
        let o = run(&ContainerApiTcp, &b);
        let Some(crate::testing::Failed { evidence, .. }) = crate::testing::failed(&o) else {
            panic!("{o:?}")
        };
        assert_eq!(
            evidence[0],
            Evidence::line(
                "/etc/systemd/system/docker.socket",
                4,
                "ListenStream=0.0.0.0:2375"
            )
        );
        // With tlsverify in the daemon settings the socket's TCP endpoint needs client certs.
        let b = b.file(
            "/etc/docker/daemon.json",
            "{\"tlsverify\": true, \"tlscacert\": \"/etc/docker/ca.pem\"}",
        );
        assert_eq!(run(&ContainerApiTcp, &b).status(), Status::Pass);
    }

    #[test]
    fn running_dockerd_command_line() {
        // /proc as a live host shows it: root's dockerd with -H tcp, a rootless one ignored.
        let b = RootBuilder::new()
            .file(
                "/proc/100/cmdline",
                "/usr/bin/dockerd\0-H\0tcp://0.0.0.0:2375\0",
            )
            .file("/proc/100/status", "Name:\tdockerd\nUid:\t0\t0\t0\t0\n")
            .file("/proc/200/cmdline", "dockerd\0--host=tcp://0.0.0.0:2376\0")
            .file(
                "/proc/200/status",
                "Name:\tdockerd\nUid:\t1000\t1000\t1000\t1000\n",
            );
        let o = run(&ContainerApiTcp, &b);
        let Some(crate::testing::Failed { evidence, .. }) = crate::testing::failed(&o) else {
            panic!("{o:?}")
        };
        assert_eq!(evidence.len(), 1, "{evidence:?}");
        assert_eq!(
            evidence[0],
            Evidence::value("/proc/100/cmdline", "tcp://0.0.0.0:2375 (tlsverify unset)")
        );
    }

    #[test]
    fn podman_tcp_socket_fails() {
        let b = RootBuilder::new().file(
            "/etc/systemd/system/podman.socket",
            "[Socket]\nListenStream=%t/podman/podman.sock\nListenStream=0.0.0.0:8080\n",
        );
        let o = run(&ContainerApiTcp, &b);
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
    }

    #[test]
    fn each_endpoint_is_a_problem_and_a_listener_joins_its_port() {
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000:0947 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 20401 1 0000000000000000 100 0 0 10 0\n";
        let b = with_daemon("{\"hosts\": [\"unix:///run/docker.sock\", \"tcp://0.0.0.0:2375\"]}")
            .file(
                "/etc/systemd/system/podman.socket",
                "[Socket]\nListenStream=0.0.0.0:8080\n",
            )
            .file("/proc/net/tcp", tcp);
        let o = run(&ContainerApiTcp, &b);
        let p = o.problems();
        let subjects: Vec<_> = p.iter().map(|p| p.subject.as_deref()).collect();
        assert_eq!(
            subjects,
            [
                Some("tcp://0.0.0.0:2375"),
                Some("podman.socket 0.0.0.0:8080")
            ],
            "{o:?}"
        );
        assert_eq!(
            p[0].message,
            "dockerd serves its API on `tcp://0.0.0.0:2375` without client certificates (tlsverify unset): root on this host for anyone who reaches it"
        );
        assert_eq!(
            p[0].evidence,
            [
                Evidence::value(
                    "/etc/docker/daemon.json",
                    "tcp://0.0.0.0:2375 (tlsverify unset)"
                ),
                Evidence::value(
                    "/proc/net/tcp",
                    "tcp 0.0.0.0:2375 listening (Docker's plain-text API port)"
                ),
            ]
        );
        assert_eq!(
            p[1].evidence,
            [Evidence::line(
                "/etc/systemd/system/podman.socket",
                2,
                "ListenStream=0.0.0.0:8080"
            )]
        );
        // Without a configured endpoint on 2375 the listener is a problem of its own.
        let b = RootBuilder::new()
            .file("/etc/docker/daemon.json", "{}")
            .file("/proc/net/tcp", tcp);
        let o = run(&ContainerApiTcp, &b);
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("tcp/2375"));
        assert_eq!(p[0].severity, None);
    }

    #[test]
    fn garbage_daemon_json_is_an_error() {
        let o = run(
            &ContainerApiTcp,
            &with_daemon("{\"hosts\": [\"unix:///run/docker.sock\""),
        );
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(
            message(&o).contains("/etc/docker/daemon.json"),
            "{}",
            message(&o)
        );
    }
}
