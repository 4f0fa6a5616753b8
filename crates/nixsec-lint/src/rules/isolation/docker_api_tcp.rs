//! NIX-055: the Docker API served on TCP without TLS client certificates.

use crate::index::Assignment;
use crate::rules::{elements, FileCx, Hit, LintRule};

struct DockerApiTcp;

crate::lint_rule!("NIX-055", DockerApiTcp);

const FIX: &str = "virtualisation.docker.daemon.settings.hosts = [ \"fd://\" ];  # reach the daemon with DOCKER_HOST=ssh://user@host";

/// A dockerd `-H` endpoint on TCP (`tcp://0.0.0.0:2375`, `0.0.0.0:2375`, `:2375`), not a unix
/// socket or an inherited one (`unix://…`, `fd://`, `/run/docker.sock`).
fn tcp_host(h: &str) -> bool {
    let h = h.trim();
    h.starts_with("tcp://")
        || (h.contains(':') && !h.contains("://") && !h.starts_with('/') && !h.starts_with('$'))
}

/// A `ListenStream=` of `docker.socket` on TCP: a port, or an address with one (`2375`,
/// `0.0.0.0:2375`, `[::]:2375`), not a path or an abstract or vsock socket.
fn tcp_listen(l: &str) -> bool {
    let l = l.trim();
    l.parse::<u16>().is_ok()
        || (l.contains(':') && !l.starts_with(['/', '@', '%']) && !l.starts_with("vsock:"))
}

/// The `-H`/`--host` values of a dockerd command line (`-H tcp://…`, `--host=tcp://…`,
/// `-Htcp://…`), and whether `--tlsverify` is on it.
fn cli_hosts(words: &[&str]) -> (Vec<String>, bool) {
    let mut hosts = Vec::new();
    let mut verify = false;
    let mut it = words.iter();
    while let Some(w) = it.next() {
        let w = w.trim_matches(|c| c == '"' || c == '\'');
        if w == "--tlsverify" || w == "--tlsverify=true" {
            verify = true;
        } else if w == "-H" || w == "--host" {
            if let Some(v) = it.next() {
                hosts.push(v.trim_matches(|c| c == '"' || c == '\'').to_string());
            }
        } else if let Some(v) = w.strip_prefix("--host=").or_else(|| {
            w.strip_prefix("-H")
                .filter(|v| !v.is_empty() && !v.starts_with('-'))
        }) {
            hosts.push(v.to_string());
        }
    }
    (hosts, verify)
}

/// `tlsverify` turned on in this file's daemon settings or options.
fn verified(cx: &FileCx<'_>) -> bool {
    cx.index
        .find(&[
            "virtualisation",
            "docker",
            "daemon",
            "settings",
            "tlsverify",
        ])
        .any(|a| a.value.v.as_bool() == Some(true))
        || cx
            .index
            .find(&["virtualisation", "docker", "extraOptions"])
            .any(|a| {
                a.value.v.text().is_some_and(|t| {
                    let words: Vec<&str> = t.split_whitespace().collect();
                    cli_hosts(&words).1
                })
            })
}

impl LintRule for DockerApiTcp {
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["virtualisation", "docker", "daemon", "settings", "hosts"],
            &["virtualisation", "docker", "extraOptions"],
            &["virtualisation", "docker", "listenOptions"],
        ]
    }
    fn also_reads(&self) -> &'static [&'static [&'static str]] {
        &[&[
            "virtualisation",
            "docker",
            "daemon",
            "settings",
            "tlsverify",
        ]]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if verified(cx) {
            return;
        }
        let what = "without client certificates (`tlsverify` is not set): root on this host for anyone who reaches it";
        match a.path[2].as_str() {
            "extraOptions" => {
                let Some(text) = a.value.v.text() else { return };
                let words: Vec<&str> = text.split_whitespace().collect();
                for h in cli_hosts(&words).0.iter().filter(|h| tcp_host(h)) {
                    out.push(
                        Hit::new(
                            a.value.range,
                            format!("dockerd serves its API on `{h}` {what}"),
                        )
                        .fix(FIX)
                        .when(a.value.cond.as_deref()),
                    );
                }
            }
            "listenOptions" => {
                for (l, range, cond) in elements(&a.value) {
                    if tcp_listen(l) {
                        out.push(
                            Hit::new(
                                range,
                                format!("`docker.socket` serves the Docker API on `{l}` {what}"),
                            )
                            .fix("virtualisation.docker.listenOptions = [ \"/run/docker.sock\" ];")
                            .when(cond),
                        );
                    }
                }
            }
            _ => {
                for (h, range, cond) in elements(&a.value) {
                    if tcp_host(h) {
                        out.push(
                            Hit::new(range, format!("dockerd serves its API on `{h}` {what}"))
                                .fix(FIX)
                                .when(cond),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::Critical;

    const ID: &str = "NIX-055";

    #[test]
    fn tcp_hosts_in_settings_options_and_socket() {
        let src = r#"{ ... }: {
  virtualisation.docker.enable = true;
  virtualisation.docker.daemon.settings.hosts = [ "unix:///var/run/docker.sock" "tcp://0.0.0.0:2375" ];
  virtualisation.docker.extraOptions = "--host=tcp://10.0.0.1:2375 -H fd://";
  virtualisation.docker.listenOptions = [ "/run/docker.sock" "0.0.0.0:2375" ];
}"#;
        assert_eq!(
            hits(src, ID),
            [
                h("\"tcp://0.0.0.0:2375\"", 3, Critical),
                h("\"--host=tcp://10.0.0.1:2375 -H fd://\"", 4, Critical),
                h("\"0.0.0.0:2375\"", 5, Critical),
            ]
        );
    }

    #[test]
    fn unix_sockets_and_tls_verified_endpoints_pass() {
        for src in [
            r#"{ virtualisation.docker.daemon.settings.hosts = [ "fd://" "unix:///run/docker.sock" ]; }"#,
            r#"{ virtualisation.docker.listenOptions = [ "/run/docker.sock" ]; }"#,
            r#"{ virtualisation.docker.daemon.settings = { hosts = [ "tcp://0.0.0.0:2376" ]; tlsverify = true; tlscacert = "/etc/docker/ca.pem"; }; }"#,
            r#"{ virtualisation.docker.extraOptions = "-H tcp://0.0.0.0:2376 --tlsverify --tlscacert=/etc/ca.pem"; }"#,
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
