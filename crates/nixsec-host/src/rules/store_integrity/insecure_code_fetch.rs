//! NIX-027 (host side): Nix code fetched over plain HTTP: channels, `NIX_PATH`, nix.conf
//! `nix-path` and the system flake registry.

use crate::cx::HostCx;
use nixsec_core::url::is_plain_http;
use nixsec_core::{Evidence, Outcome};
use nixsec_nixconf::{NixConf, SystemConf};

use crate::accounts::Accounts;
use crate::engine::Rule;

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

impl Rule for InsecureCodeFetch {
    fn check(&self, cx: &HostCx) -> Outcome {
        if !crate::nix::nix_installed(cx) {
            return Outcome::skip(crate::nix::NOT_INSTALLED);
        }
        let root = cx.root();
        let mut bad: Vec<Evidence> = Vec::new();
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
                    bad.push(Evidence::line(
                        path.clone(),
                        u32::try_from(i + 1).unwrap_or(u32::MAX),
                        nixsec_core::escape(line.trim()).into_owned(),
                    ));
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
                if urls_in(line).iter().any(|u| is_plain_http(u)) {
                    bad.push(Evidence::line(
                        path,
                        u32::try_from(i + 1).unwrap_or(u32::MAX),
                        nixsec_core::escape(line.trim()).into_owned(),
                    ));
                }
            }
        }

        // nix.conf nix-path.
        match &*crate::nix::system_conf(cx) {
            SystemConf::Present(conf) => {
                let s = NixConf::list(Some(conf), "nix-path", &[]);
                bad.extend(s.evidence_for(|item| urls_in(item).iter().any(|u| is_plain_http(u))));
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
                    for s in strings.iter().filter(|s| is_plain_http(s)) {
                        bad.push(Evidence::value(
                            REGISTRY,
                            nixsec_core::escape(s).into_owned(),
                        ));
                    }
                }
                Err(e) => errors
                    .borrow_mut()
                    .push(format!("`{REGISTRY}`: not JSON: {e}")),
            }
        }

        if !bad.is_empty() {
            return Outcome::fail(format!(
                "{} place{} fetch Nix code over plain HTTP",
                bad.len(),
                if bad.len() == 1 { "" } else { "s" }
            ))
            .with_evidence(bad);
        }
        if let Some(e) = errors.borrow().first() {
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
        assert!(message(&o).starts_with("3 places"), "{o:?}");
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
