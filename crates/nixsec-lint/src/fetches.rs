//! Where a file fetches Nix code: `builtins.fetchTarball`/`fetchGit`/`fetchurl` calls and, in
//! a flake, its `inputs.<name>.url`s. Facts only; NIX-027 judges them.

use crate::words as W;
use rnix::ast::{self, HasEntry};
use rnix::{SyntaxNode, TextRange};
use rowan::ast::AstNode;

use crate::index::{head_name, unroll};

/// What fetches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchKind {
    /// A builtin fetcher call: `fetchTarball`, `fetchGit` or `fetchurl`.
    Call {
        /// The builtin's name.
        builtin: String,
        /// The argument pins the content: `sha256`, `hash`, `narHash` or `rev` given.
        pinned: bool,
    },
    /// A flake input.
    FlakeInput {
        /// The input's name.
        name: String,
    },
}

/// One fetch of Nix code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    /// What fetches.
    pub kind: FetchKind,
    /// The URL when it is a plain string.
    pub url: Option<String>,
    /// The call, or the URL string.
    pub range: TextRange,
}

/// The builtin fetchers, by the last name of the call's head.
const BUILTINS: &[&str] = &["fetchTarball", "fetchGit", "fetchurl"];

/// A plain string's text (no interpolation).
fn plain_string(e: &ast::Expr) -> Option<String> {
    let ast::Expr::Str(s) = e else { return None };
    let mut out = String::new();
    for part in crate::value::str_parts(s)? {
        match part {
            ast::InterpolPart::Literal(l) => out.push_str(&l),
            ast::InterpolPart::Interpolation(_) => return None,
        }
    }
    Some(out)
}

fn attr_name(a: &ast::Attr) -> Option<String> {
    match a {
        ast::Attr::Ident(i) => i.ident_token().map(|t| t.text().to_string()),
        ast::Attr::Str(s) => plain_string(&ast::Expr::Str(s.clone())),
        ast::Attr::Dynamic(_) => None,
    }
}

/// `builtins.fetchTarball` (not `pkgs.fetchurl`, whose hash is mandatory).
fn is_builtin_head(e: &ast::Expr, name: &str) -> bool {
    let mut e = e.clone();
    for _ in 0..64 {
        match e {
            // A bare `fetchurl` is nixpkgs' in most files.
            ast::Expr::Ident(_) => return name != "fetchurl",
            ast::Expr::Select(s) => {
                return s.expr().is_some_and(|b| matches!(&b, ast::Expr::Ident(i) if i.ident_token().is_some_and(|t| t.text() == "builtins")))
            }
            ast::Expr::Paren(p) => match p.expr() {
                Some(x) => e = x,
                None => return false,
            },
            _ => return false,
        }
    }
    false
}

/// Every builtin fetcher call and flake input URL in the tree. `resolve` gives the string a
/// name stands for when it is bound in the file (`url = hmUrl;`).
#[must_use]
pub fn fetches(
    root: &SyntaxNode,
    words: crate::words::Words,
    resolve: &dyn Fn(&ast::Expr) -> Option<String>,
) -> Vec<Fetch> {
    let mut out = Vec::new();
    // A call of a builtin fetcher names it (`fetchFromGitHub`, `fetchpatch` are no builtins): a
    // file without any of their names has none, and its tree is not walked.
    if [W::FETCH_TARBALL, W::FETCH_GIT, W::FETCHURL]
        .into_iter()
        .any(|b| words.has(b))
    {
        for node in root.descendants() {
            let Some(apply) = ast::Apply::cast(node) else {
                continue;
            };
            // The outermost application of a head only (`f a b` is two Apply nodes).
            if crate::index::applies_further(&apply) {
                continue;
            }
            let Some(lambda) = apply.lambda() else {
                continue;
            };
            let Some(name) = head_name(&lambda) else {
                continue;
            };
            if !BUILTINS.contains(&name.as_str()) || !is_builtin_head(&lambda, &name) {
                continue;
            }
            let Some((_, args)) = unroll(&apply) else {
                continue;
            };
            let Some(arg) = args.first() else { continue };
            let arg = match arg {
                ast::Expr::Paren(p) => p.expr(),
                other => Some(other.clone()),
            };
            let (url, pinned) = match &arg {
                Some(ast::Expr::AttrSet(set)) => {
                    let mut url = None;
                    let mut pinned = false;
                    for kv in set.attrpath_values() {
                        let Some(key) = kv
                            .attrpath()
                            .and_then(|p| p.attrs().next())
                            .and_then(|a| attr_name(&a))
                        else {
                            continue;
                        };
                        match key.as_str() {
                            "url" => {
                                url = kv
                                    .value()
                                    .and_then(|v| plain_string(&v).or_else(|| resolve(&v)));
                            }
                            "sha256" | "hash" | "narHash" | "rev" => pinned = true,
                            _ => {}
                        }
                    }
                    (url, pinned)
                }
                // A local path is not fetched from anywhere.
                Some(
                    ast::Expr::PathRel(_)
                    | ast::Expr::PathAbs(_)
                    | ast::Expr::PathHome(_)
                    | ast::Expr::PathSearch(_),
                )
                | None => continue,
                Some(e) => (plain_string(e).or_else(|| resolve(e)), false),
            };
            out.push(Fetch {
                kind: FetchKind::Call {
                    builtin: name,
                    pinned,
                },
                url,
                range: apply.syntax().text_range(),
            });
        }
    }
    if words.has(W::INPUTS) && words.has(W::OUTPUTS) {
        flake_inputs(root, &mut out);
    }
    out
}

/// `inputs.<name>.url` of a flake (the file's top-level attribute set has `outputs`).
fn flake_inputs(root: &SyntaxNode, out: &mut Vec<Fetch>) {
    let Some(ast::Expr::AttrSet(top)) = ast::Root::cast(root.clone()).and_then(|r| r.expr()) else {
        return;
    };
    let mut entries = Vec::new();
    walk_set(&top, &mut Vec::new(), &mut entries);
    if !entries
        .iter()
        .any(|(p, _)| p.first().is_some_and(|k| k == "outputs"))
    {
        return;
    }
    for (path, value) in entries {
        if path.len() == 3 && path[0] == "inputs" && path[2] == "url" {
            if let Some(url) = plain_string(&value) {
                out.push(Fetch {
                    kind: FetchKind::FlakeInput {
                        name: path[1].clone(),
                    },
                    url: Some(url),
                    range: value.syntax().text_range(),
                });
            }
        }
    }
}

/// Every `path = value` of a nested attribute set, with the full path (non-set values only).
fn walk_set(set: &ast::AttrSet, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, ast::Expr)>) {
    for kv in set.attrpath_values() {
        let Some(ap) = kv.attrpath() else { continue };
        let names: Option<Vec<String>> = ap.attrs().map(|a| attr_name(&a)).collect();
        let Some(names) = names else { continue };
        let Some(value) = kv.value() else { continue };
        let depth = prefix.len();
        prefix.extend(names);
        match &value {
            ast::Expr::AttrSet(inner) if prefix.len() < 4 => walk_set(inner, prefix, out),
            _ => out.push((prefix.clone(), value.clone())),
        }
        prefix.truncate(depth);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(src: &str) -> Vec<(FetchKind, Option<String>)> {
        let parse = rnix::Root::parse(src);
        fetches(
            &parse.tree().syntax().clone(),
            crate::words::Words::of(src),
            &|_| None,
        )
        .into_iter()
        .map(|f| (f.kind, f.url))
        .collect()
    }

    fn call(b: &str, pinned: bool, url: Option<&str>) -> (FetchKind, Option<String>) {
        (
            FetchKind::Call {
                builtin: b.into(),
                pinned,
            },
            url.map(str::to_string),
        )
    }

    #[test]
    fn calls() {
        assert_eq!(
            of(r#"{ imports = [ (builtins.fetchTarball "https://x/master.tar.gz") ]; }"#),
            [call("fetchTarball", false, Some("https://x/master.tar.gz"))]
        );
        assert_eq!(
            of(
                r#"{ imports = [ "${fetchTarball { url = "https://x/a.tar.gz"; sha256 = "0abc"; }}/module.nix" ]; }"#
            ),
            [call("fetchTarball", true, Some("https://x/a.tar.gz"))]
        );
        assert_eq!(
            of(
                r#"let hm = builtins.fetchGit { url = "https://github.com/nix-community/home-manager"; ref = "master"; }; in { }"#
            ),
            [call(
                "fetchGit",
                false,
                Some("https://github.com/nix-community/home-manager")
            )]
        );
        assert_eq!(
            of(r#"let x = builtins.fetchGit { url = "https://g/r"; rev = "0123"; }; in { }"#),
            [call("fetchGit", true, Some("https://g/r"))]
        );
        // nixpkgs' fetchers require a hash: not ours to judge.
        assert!(of(r#"{ pkgs, ... }: { x = pkgs.fetchurl { url = "http://a"; sha256 = ""; }; y = fetchurl { url = "x"; }; }"#).is_empty());
        assert_eq!(
            of(r#"builtins.fetchurl "http://a/b.nix""#),
            [call("fetchurl", false, Some("http://a/b.nix"))]
        );
    }

    #[test]
    fn flake_inputs() {
        let src = r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.old = { url = "http://example.org/x.tar.gz"; flake = false; };
  inputs = { hm.url = "git+http://git.example.org/hm"; };
  outputs = { self, ... }: { };
}"#;
        let got: Vec<_> = of(src)
            .into_iter()
            .map(|(k, u)| match k {
                FetchKind::FlakeInput { name } => (name, u.unwrap_or_default()),
                FetchKind::Call { .. } => panic!("no calls"),
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "nixpkgs".to_string(),
                    "github:NixOS/nixpkgs/nixos-unstable".to_string()
                ),
                ("old".to_string(), "http://example.org/x.tar.gz".to_string()),
                (
                    "hm".to_string(),
                    "git+http://git.example.org/hm".to_string()
                ),
            ]
        );
        // Not a flake: no `outputs`.
        assert!(of(r#"{ inputs.x.url = "http://a"; }"#).is_empty());
    }
}
