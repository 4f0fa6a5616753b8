//! One answer to "is this URL fetched over plain HTTP from another machine?", for the
//! substituter, channel, flake-input and fetcher rules of both the audit and the linter.

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(h) = host.strip_prefix('[') {
        h.split(']').next().unwrap_or(h)
    } else {
        host.split(':').next().unwrap_or(host)
    }
}

/// True for a loopback host name or address (`localhost`, `*.localhost`, `127.*`, `::1`).
#[must_use]
pub fn is_loopback(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    h == "localhost" || h.ends_with(".localhost") || h == "::1" || h.starts_with("127.")
}

/// True when `url` is fetched over plain HTTP from a non-loopback host: `http://`, a flake
/// scheme over it (`git+http://`, `tarball+http://`), or `s3://...?scheme=http`.
#[must_use]
pub fn is_plain_http(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    let Some((scheme, _)) = lower.split_once("://") else {
        return false;
    };
    let plain = scheme == "http"
        || scheme.ends_with("+http")
        || (scheme == "s3" && lower.split(['?', '&']).any(|p| p == "scheme=http"));
    plain && !is_loopback(host_of(url.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_classification() {
        assert!(is_plain_http("http://cache.example.org"));
        assert!(is_plain_http("HTTP://cache.example.org/"));
        assert!(is_plain_http(" http://nixos.org/channels/nixos-24.05"));
        assert!(is_plain_http("git+http://git.example.org/nixpkgs"));
        assert!(is_plain_http("tarball+http://example.org/x.tar.gz"));
        assert!(is_plain_http("s3://bucket?endpoint=minio.lan&scheme=http"));
        assert!(!is_plain_http("http://localhost:5000"));
        assert!(!is_plain_http("http://127.0.0.1:8080/"));
        assert!(!is_plain_http("http://[::1]:8080/"));
        assert!(!is_plain_http("http://user@cache.localhost/"));
        assert!(!is_plain_http("https://cache.nixos.org/"));
        assert!(!is_plain_http("git+https://github.com/o/r"));
        assert!(!is_plain_http("file:///srv/cache"));
        assert!(!is_plain_http("ssh-ng://builder"));
        assert!(!is_plain_http(
            "/nix/var/nix/profiles/per-user/root/channels"
        ));
        assert!(!is_plain_http("github:NixOS/nixpkgs"));
    }
}
