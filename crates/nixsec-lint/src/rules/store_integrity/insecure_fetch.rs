//! NIX-027: Nix code fetched over plain HTTP, or without pinning its content.

use nixsec_core::url::is_plain_http;

use crate::fetches::FetchKind;
use crate::index::Assignment;
use crate::rules::{elements, FileCx, Hit, LintRule};

struct InsecureFetch;

crate::lint_rule!("NIX-027", InsecureFetch);

/// A URL that names a full commit id (`.../archive/<40 hex>.tar.gz`, `?rev=<40 hex>`).
fn names_commit(url: &str) -> bool {
    url.split(|c: char| !c.is_ascii_hexdigit())
        .any(|w| w.len() == 40)
}

impl LintRule for InsecureFetch {
    fn kinds(&self) -> &'static [crate::index::ModuleKind] {
        use crate::index::ModuleKind;
        &[
            ModuleKind::NixOS,
            ModuleKind::Darwin,
            ModuleKind::HomeManager,
        ]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[&["nix", "nixPath"]]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        for (entry, range, cond) in elements(&a.value) {
            let url = entry.split_once('=').map_or(entry, |(_, u)| u);
            if is_plain_http(url) {
                out.push(
                    Hit::new(
                        range,
                        format!("nix.nixPath fetches `{entry}` over plain HTTP"),
                    )
                    .when(cond),
                );
            }
        }
    }
    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        for f in &cx.index.fetches {
            let url = f.url.as_deref();
            let http = url.is_some_and(is_plain_http);
            let shown = url.map_or_else(|| "a computed URL".to_string(), |u| format!("`{u}`"));
            match &f.kind {
                FetchKind::FlakeInput { name } if http => out.push(
                    Hit::new(
                        f.range,
                        format!("flake input `{name}` is fetched over plain HTTP: {shown}"),
                    )
                    .fix(format!(
                        "inputs.{name}.url = \"{}\";",
                        url.unwrap_or_default().replacen("http://", "https://", 1)
                    )),
                ),
                FetchKind::FlakeInput { .. } => {}
                FetchKind::Call { builtin, .. } if http => out.push(Hit::new(
                    f.range,
                    format!("builtins.{builtin} fetches {shown} over plain HTTP"),
                )),
                FetchKind::Call { builtin, pinned } => {
                    // Judged only on a known, remote URL (a computed one often interpolates a
                    // pinned revision; a local path is not fetched).
                    let remote = url.is_some_and(|u| !u.starts_with(['/', '.', '~']));
                    if !pinned && remote && !url.is_some_and(names_commit) {
                        let what = if builtin == "fetchGit" {
                            "`rev`"
                        } else {
                            "`sha256`"
                        };
                        out.push(Hit::new(
                            f.range,
                            format!("builtins.{builtin} of {shown} has no {what}: its content is whatever the server returns at evaluation time"),
                        ));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::hits;

    const ID: &str = "NIX-027";

    #[test]
    fn fetches() {
        let n = |src: &str| hits(src, ID).len();
        assert_eq!(
            n(
                r#"{ imports = [ (builtins.fetchTarball "https://github.com/nix-community/home-manager/archive/master.tar.gz") ]; }"#
            ),
            1
        );
        assert_eq!(
            n(
                r#"{ imports = [ "${builtins.fetchTarball { url = "https://x/a.tar.gz"; sha256 = "0abc"; }}/m.nix" ]; }"#
            ),
            0
        );
        assert_eq!(
            n(
                r#"{ imports = [ (builtins.fetchTarball "https://github.com/o/r/archive/0123456789abcdef0123456789abcdef01234567.tar.gz") ]; }"#
            ),
            0
        );
        assert_eq!(
            n(
                r#"{ imports = [ (builtins.fetchTarball { url = "http://x/a.tar.gz"; sha256 = "0abc"; }) ]; }"#
            ),
            1
        );
        assert_eq!(
            n(
                r#"let hm = builtins.fetchGit { url = "https://g/hm"; ref = "master"; }; in { imports = [ "${hm}/nixos" ]; }"#
            ),
            1
        );
        assert_eq!(
            n(
                r#"let hm = builtins.fetchGit { url = "https://g/hm"; rev = "0123"; }; in { imports = [ "${hm}/nixos" ]; }"#
            ),
            0
        );
        assert_eq!(
            n(
                r#"{ inputs.a.url = "github:NixOS/nixpkgs"; inputs.b.url = "git+http://git.example.org/b"; outputs = _: { }; }"#
            ),
            1
        );
        assert_eq!(
            n(
                r#"{ nix.nixPath = [ "nixpkgs=http://example.org/nixpkgs.tar.gz" "nixos-config=/etc/nixos/configuration.nix" ]; }"#
            ),
            1
        );
        assert_eq!(
            n(r#"{ nix.nixPath = [ "nixpkgs=https://example.org/nixpkgs.tar.gz" ]; }"#),
            0
        );
        // Local paths and computed URLs are not judged.
        assert_eq!(n(r#"let src = builtins.fetchGit ./.; in { }"#), 0);
        assert_eq!(
            n(r#"let src = builtins.fetchGit { url = "/home/me/repo"; }; in { }"#),
            0
        );
        assert_eq!(
            n(
                r#"{ rev, ... }: { imports = [ (fetchTarball "https://github.com/o/r/archive/${rev}.tar.gz") ]; }"#
            ),
            0
        );
    }
}
