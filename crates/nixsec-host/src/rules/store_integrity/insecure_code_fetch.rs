//! NIX-027 (host side): Nix code fetched over plain HTTP: channels, `NIX_PATH`, nix.conf
//! `nix-path` and the system flake registry.

use crate::cx::{Fact, HostCx};
use nixsec_core::url::is_plain_http;
use nixsec_core::{Evidence, Outcome, Problem};
use nixsec_nixconf::{NixConf, SystemConf};

use crate::engine::Rule;
use crate::perms::unreadable;
use nixsec_readers::accounts::Accounts;

/// Channels, search paths and registry entries over plain HTTP.
pub struct InsecureCodeFetch;

crate::host_rule!("NIX-027", InsecureCodeFetch);

/// URLs inside a `NIX_PATH`-like value (`nixpkgs=http://h/n.tar.gz:nixos-config=/x`): each runs
/// from its scheme to whitespace, a quote, or a `:` that does not start a port.
fn urls_in(value: &str) -> Vec<String> {
    let b = value.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = value[from..].find("://").map(|p| p + from) {
        let mut start = p;
        while start > 0 && (b[start - 1].is_ascii_alphanumeric() || b"+.-".contains(&b[start - 1]))
        {
            start -= 1;
        }
        let mut end = p + 3;
        while end < b.len() {
            let c = b[end];
            if c.is_ascii_whitespace() || c == b'"' || c == b'\'' {
                break;
            }
            if c == b':' {
                let digits = b[end + 1..]
                    .iter()
                    .take_while(|d| d.is_ascii_digit())
                    .count();
                let after = b.get(end + 1 + digits);
                if digits == 0 || !matches!(after, None | Some(b'/')) {
                    break;
                }
            }
            end += 1;
        }
        if start < p {
            out.push(value[start..end].to_string());
        }
        from = end.max(p + 3);
    }
    out
}

/// Every JSON string of a value.
fn json_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| json_strings(x, out)),
        _ => {}
    }
}

/// One place that fetches Nix code over plain HTTP.
struct Place {
    /// What sets it (`a channel`, `` `NIX_PATH` ``).
    what: &'static str,
    /// The file.
    file: String,
    /// The URL.
    url: String,
    /// The line or value.
    evidence: Evidence,
}

/// One problem per place: about its file, or, when the file has several, its file and URL
/// (`/etc/nix/registry.json (http://…)`); one URL set twice in one file is one problem.
fn problems(places: Vec<Place>) -> Vec<Problem> {
    let mut out: Vec<Problem> = Vec::new();
    for p in &places {
        let several = places.iter().any(|q| q.file == p.file && q.url != p.url);
        let url = nixsec_core::escape(&p.url).into_owned();
        let subject = if several {
            format!("{} ({url})", p.file)
        } else {
            p.file.clone()
        };
        match out
            .iter_mut()
            .find(|x| x.subject.as_deref() == Some(subject.as_str()))
        {
            Some(x) => x.evidence.push(p.evidence.clone()),
            None => out.push(
                Problem::about(
                    subject,
                    format!(
                        "{} in `{}` fetches Nix code over plain HTTP: `{url}`",
                        p.what,
                        nixsec_core::escape(&p.file)
                    ),
                )
                .with_evidence([p.evidence.clone()]),
            ),
        }
    }
    out
}

impl Rule for InsecureCodeFetch {
    fn check(&self, cx: &HostCx) -> Outcome {
        if !crate::nix::nix_installed(cx) {
            return Outcome::skip(crate::nix::NOT_INSTALLED);
        }
        let root = cx.root();
        let mut bad: Vec<Place> = Vec::new();
        let errors: std::cell::RefCell<Vec<String>> = std::cell::RefCell::default();
        let read = |path: &str| -> Option<String> {
            match root.read_to_string(path) {
                Ok((_, t)) => Some(t),
                Err(e) if e.is_not_found() => None,
                Err(e) => {
                    errors.borrow_mut().push(e.to_string());
                    None
                }
            }
        };
        let line_no = |i: usize| u32::try_from(i + 1).unwrap_or(u32::MAX);

        // Channels: root's and every account's with a home directory.
        let mut homes = vec!["/root".to_string()];
        if let Ok(users) = &Accounts::of(cx).users {
            for u in users {
                if !u.home.is_empty() && u.home != "/" && !homes.contains(&u.home) {
                    homes.push(u.home.clone());
                }
            }
        }
        for home in &homes {
            let path = format!("{}/.nix-channels", home.trim_end_matches('/'));
            let Some(text) = read(&path) else { continue };
            for (i, line) in text.lines().enumerate() {
                let url = line.split_whitespace().next().unwrap_or("");
                if is_plain_http(url) {
                    bad.push(Place {
                        what: "a channel",
                        file: path.clone(),
                        url: url.to_string(),
                        evidence: Evidence::line(
                            path.clone(),
                            line_no(i),
                            nixsec_core::escape(line.trim()).into_owned(),
                        ),
                    });
                }
            }
        }

        // NIX_PATH set for every session.
        for path in ["/etc/set-environment", "/etc/environment"] {
            let Some(text) = read(path) else { continue };
            for (i, line) in text.lines().enumerate() {
                if !line.contains("NIX_PATH") {
                    continue;
                }
                for url in urls_in(line).into_iter().filter(|u| is_plain_http(u)) {
                    bad.push(Place {
                        what: "`NIX_PATH`",
                        file: path.to_string(),
                        url,
                        evidence: Evidence::line(
                            path,
                            line_no(i),
                            nixsec_core::escape(line.trim()).into_owned(),
                        ),
                    });
                }
            }
        }

        // nix.conf nix-path.
        match &*crate::nix::system_conf(cx) {
            SystemConf::Present(conf) => {
                let s = NixConf::list(Some(conf), "nix-path", &[]);
                for item in &s.items {
                    for url in urls_in(item).into_iter().filter(|u| is_plain_http(u)) {
                        for ev in s.evidence_for(|i| i == item) {
                            bad.push(Place {
                                what: "`nix-path`",
                                file: ev.path.clone(),
                                url: url.clone(),
                                evidence: ev,
                            });
                        }
                    }
                }
            }
            SystemConf::Broken(reason) => errors.borrow_mut().push(reason.to_string()),
            SystemConf::Absent => {}
        }

        // The system flake registry.
        const REGISTRY: &str = "/etc/nix/registry.json";
        if let Some(text) = read(REGISTRY) {
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(v) => {
                    let mut strings = Vec::new();
                    json_strings(&v, &mut strings);
                    for s in strings.into_iter().filter(|s| is_plain_http(s)) {
                        bad.push(Place {
                            what: "the flake registry",
                            file: REGISTRY.to_string(),
                            evidence: Evidence::value(
                                REGISTRY,
                                nixsec_core::escape(&s).into_owned(),
                            ),
                            url: s,
                        });
                    }
                }
                Err(e) => errors
                    .borrow_mut()
                    .push(format!("`{REGISTRY}`: not JSON: {e}")),
            }
        }

        let errors = errors.into_inner();
        if !bad.is_empty() {
            let mut problems = problems(bad);
            problems.extend(errors.iter().map(|e| unreadable(e, "file")));
            return Outcome::Fail { problems };
        }
        if let Some(e) = errors.first() {
            return Outcome::error(e.clone());
        }
        Outcome::pass("channels, NIX_PATH, nix-path and the flake registry use no plain-HTTP URL")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn urls() {
        assert_eq!(
            urls_in("export NIX_PATH=\"nixpkgs=http://example.org/n.tar.gz:nixos-config=/etc/nixos/configuration.nix\""),
            ["http://example.org/n.tar.gz"]
        );
        assert_eq!(
            urls_in("NIX_PATH=nixpkgs=https://h:8443/n.tar.gz:x=/y"),
            ["https://h:8443/n.tar.gz"]
        );
    }

    #[test]
    fn channels_path_and_registry() {
        let b = RootBuilder::new()
            .multi_user_nix()
            .file("/etc/passwd", "root:x:0:0::/root:/bin/sh\nalice:x:1000:100::/home/alice:/bin/sh\n")
            .file("/root/.nix-channels", "https://nixos.org/channels/nixos-24.05 nixos\n")
            .file("/home/alice/.nix-channels", "http://nixos.org/channels/nixpkgs-unstable nixpkgs\n")
            .file("/etc/set-environment", "export NIX_PATH=\"nixpkgs=http://mirror.example/n.tar.gz:nixos-config=/etc/nixos/configuration.nix\"\n")
            .file("/etc/nix/registry.json", r#"{"version":2,"flakes":[{"from":{"type":"indirect","id":"x"},"to":{"type":"tarball","url":"http://example.org/x.tar.gz"}}]}"#);
        let o = run(&InsecureCodeFetch, &b);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        let p = o.problems();
        let subjects: Vec<&str> = p.iter().filter_map(|p| p.subject.as_deref()).collect();
        assert_eq!(
            subjects,
            [
                "/home/alice/.nix-channels",
                "/etc/set-environment",
                "/etc/nix/registry.json"
            ],
            "{o:?}"
        );
        assert_eq!(
            p[0].message,
            "a channel in `/home/alice/.nix-channels` fetches Nix code over plain HTTP: `http://nixos.org/channels/nixpkgs-unstable`"
        );
        assert_eq!(
            p[1].message,
            "`NIX_PATH` in `/etc/set-environment` fetches Nix code over plain HTTP: `http://mirror.example/n.tar.gz`"
        );
        assert_eq!(p[1].evidence[0].line, Some(1));
        assert!(p.iter().all(|p| p.severity.is_none()));
        // Two URLs in one file: the URL tells them apart.
        let b = b.file("/etc/nix/registry.json", r#"{"version":2,"flakes":[{"from":{"type":"indirect","id":"x"},"to":{"type":"tarball","url":"http://example.org/x.tar.gz"}},{"from":{"type":"indirect","id":"y"},"to":{"type":"git","url":"git+http://example.org/y.git"}}]}"#);
        let o = run(&InsecureCodeFetch, &b);
        let subjects: Vec<&str> = o
            .problems()
            .iter()
            .filter_map(|p| p.subject.as_deref())
            .collect();
        assert_eq!(
            &subjects[2..],
            [
                "/etc/nix/registry.json (http://example.org/x.tar.gz)",
                "/etc/nix/registry.json (git+http://example.org/y.git)"
            ],
            "{o:?}"
        );
        let clean = RootBuilder::new().multi_user_nix().file(
            "/root/.nix-channels",
            "https://nixos.org/channels/nixos-24.05 nixos\n",
        );
        assert_eq!(run(&InsecureCodeFetch, &clean).status(), Status::Pass);
        let garbage = RootBuilder::new()
            .multi_user_nix()
            .file("/etc/nix/registry.json", "{ not json");
        let o = run(&InsecureCodeFetch, &garbage);
        assert_eq!(o.status(), Status::Error, "{o:?}");
        assert!(message(&o).contains("registry.json"), "{o:?}");
        assert_eq!(
            run(&InsecureCodeFetch, &RootBuilder::new()).status(),
            Status::Skip
        );
    }
}
