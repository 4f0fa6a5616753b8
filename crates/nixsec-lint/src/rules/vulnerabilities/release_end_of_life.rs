//! NIX-152 (configuration side): a flake's nixpkgs input follows a NixOS release past its end
//! of support; `boot.kernelPackages` pins a kernel series past its end of life, or the removed
//! `linux_hardened`.

use nixsec_vulns::support::{kernel_verdict, release_end};

use crate::index::Assignment;
use crate::rules::{FileCx, Hit, LintRule};
use crate::value::Value;

struct KernelSeriesEndOfLife;

crate::lint_rule!("NIX-152", KernelSeriesEndOfLife);

/// The kernel series (`5.4`) or `hardened` an expression names: `linuxPackages_5_4`,
/// `linux_5_10`, `linuxPackages_6_6_hardened`, `linuxPackages_hardened`.
fn named_kernel(expr: &str) -> Option<String> {
    let mut best = None;
    for (i, _) in expr.match_indices("linux") {
        let rest = &expr[i + "linux".len()..];
        let rest = rest.strip_prefix("Packages").unwrap_or(rest);
        let Some(rest) = rest.strip_prefix('_') else {
            continue;
        };
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let parts: Vec<&str> = word.split('_').collect();
        let hardened = parts.contains(&"hardened");
        let series = match parts.as_slice() {
            [major, minor, ..]
                if major.bytes().all(|b| b.is_ascii_digit())
                    && minor.bytes().all(|b| b.is_ascii_digit())
                    && !major.is_empty()
                    && !minor.is_empty() =>
            {
                Some(format!("{major}.{minor}"))
            }
            _ => None,
        };
        match (series, hardened) {
            (Some(s), true) => return Some(format!("{s}-hardened")),
            (None, true) => return Some("hardened".into()),
            (Some(s), false) => best = Some(s),
            (None, false) => {}
        }
    }
    best
}

/// The NixOS release (`24.05`) a nixpkgs flake reference follows: a release branch of
/// nixpkgs (`github:NixOS/nixpkgs/nixos-24.05`, `…?ref=release-24.05`,
/// `nixpkgs-24.05-darwin`, `nixos-24.05-small`), a channel (`channel:nixos-24.05`,
/// `https://nixos.org/channels/nixos-24.05/nixexprs.tar.xz`) or the registry's `nixpkgs/…`.
fn nixpkgs_release(url: &str) -> Option<String> {
    let u = url.trim().to_ascii_lowercase();
    let nixpkgs = u.contains("nixos/nixpkgs")
        || u.starts_with("nixpkgs/")
        || u.starts_with("flake:nixpkgs/")
        || u.starts_with("channel:")
        || u.contains("nixos.org/channels/")
        || u.contains("channels.nixos.org/");
    if !nixpkgs {
        return None;
    }
    for prefix in ["nixos-", "release-", "nixpkgs-"] {
        for (i, _) in u.match_indices(prefix) {
            // A branch name starts after `/`, `=` or `:` (not `my-nixos-24.05`).
            if i > 0 && !matches!(u.as_bytes()[i - 1], b'/' | b'=' | b':') {
                continue;
            }
            let rest = &u[i + prefix.len()..];
            let b = rest.as_bytes();
            if b.len() >= 5
                && b[..2].iter().all(u8::is_ascii_digit)
                && b[2] == b'.'
                && b[3..5].iter().all(u8::is_ascii_digit)
                && b.get(5).is_none_or(|c| !c.is_ascii_digit())
            {
                return Some(rest[..5].to_string());
            }
        }
    }
    // A release tag (`nixpkgs/24.05`, `github:NixOS/nixpkgs/24.05`, `?ref=24.05`).
    u.split(['/', '?', '&', '=', ':'])
        .skip(1)
        .find(|seg| {
            let b = seg.as_bytes();
            b.len() == 5
                && b[..2].iter().all(u8::is_ascii_digit)
                && b[2] == b'.'
                && b[3..].iter().all(u8::is_ascii_digit)
        })
        .map(str::to_string)
}

/// A file of a template (under a `templates` directory): a starting point, not a system.
fn template(file: &str) -> bool {
    std::path::Path::new(file).components().any(|c| {
        c.as_os_str()
            .to_str()
            .is_some_and(|c| c == "templates" || c == "template")
    })
}

/// A flake of a system configuration: its text names NixOS beyond the nixpkgs references of
/// its inputs (`nixosConfigurations`, `nixosSystem`, `nixosModules`, `./nixos`, nixos-hardware)
/// or a deployment tool's hosts; a flake of development shells or packages does not.
fn system_flake(src: &str) -> bool {
    // Comments say anything (`# JDK 21 from nixos-24.05`); a `#` after a word is a URL's
    // fragment or an attribute of a flake reference, kept.
    let l: String = src
        .lines()
        .map(|line| {
            let cut = line
                .char_indices()
                .find(|&(i, c)| {
                    c == '#'
                        && line[..i]
                            .chars()
                            .next_back()
                            .is_none_or(char::is_whitespace)
                })
                .map_or(line.len(), |(i, _)| i);
            &line[..cut]
        })
        .collect::<Vec<_>>()
        .join("\n")
        .to_ascii_lowercase();
    // colmena's hive, deploy-rs's nodes, nix-darwin's systems; flake-parts gathering a
    // directory of modules (`mkFlake { … } (import-tree ./modules)`), as configuration
    // repositories do (an application's flake-parts flake has its `perSystem` only).
    if [
        "colmena",
        "clan-core",
        "deploy.nodes",
        "darwinconfigurations",
        "darwinsystem",
    ]
    .iter()
    .any(|w| l.contains(w))
        || (l.contains("mkflake") && (l.contains("import-tree") || l.contains("./modules")))
    {
        return true;
    }
    let all = l.matches("nixos").count();
    let in_refs = l.matches("nixos/nixpkgs").count()
        + l.matches("/nixos-").count()
        + l.matches("=nixos-").count()
        + l.matches(":nixos-").count()
        + l.matches("nixos.org").count();
    all > in_refs
}

/// True when the flake's text builds a system from the input `name` (not `nixpkgs`):
/// `NAME.lib.nixosSystem`, `inherit (NAME) lib;`, `inherit (NAME.lib) nixosSystem;`, or a
/// builder given it as its nixpkgs (`nixpkgs = NAME;`). An input taken for a few packages only
/// (`NAME.legacyPackages`) is not the system's.
fn builds_from(src: &str, name: &str) -> bool {
    let compact: String = src.split_whitespace().collect::<Vec<_>>().join(" ");
    [
        format!("{name}.lib.nixosSystem"),
        format!("{name}.lib.nixos "),
        format!("inherit ({name}) lib"),
        format!("inherit ({name}.lib) nixosSystem"),
        format!("nixpkgs = {name};"),
        format!("nixpkgs = inputs.{name};"),
    ]
    .iter()
    .any(|p| compact.contains(p.as_str()))
}

/// A pin of nixpkgs in the `sources.json` of npins (`npins/sources.json`) or niv
/// (`nix/sources.json`) that follows a NixOS release past its end of support: the pins a
/// configuration without flakes builds its systems from (`import sources.nixpkgs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PinnedRelease {
    /// The pin's name (`nixpkgs`).
    pub pin: String,
    /// What it follows, as written (`nixos-24.05`).
    pub follows: String,
    /// The release (`24.05`).
    pub release: String,
    /// The release's end of support.
    pub end: chrono::NaiveDate,
    /// Where `follows` is written in the file (its string literal).
    pub range: rowan::TextRange,
    /// It follows a channel (npins `Channel`, a niv channel tarball), not a branch.
    pub channel: bool,
}

/// The NixOS release a nixpkgs reference follows ([`nixpkgs_release`]) and its end of support,
/// when that end is before `today`.
fn past_support(reference: &str, today: chrono::NaiveDate) -> Option<(String, chrono::NaiveDate)> {
    let release = nixpkgs_release(reference)?;
    let end = release_end(&release)?;
    (today > end).then_some((release, end))
}

/// The pins of nixpkgs in `json` (an npins or niv `sources.json`) that follow a NixOS release
/// whose support ended before `today` (which of them the systems are built from, the run decides).
/// Text that is not a JSON object gives why.
pub(crate) fn pinned_releases(
    json: &str,
    today: chrono::NaiveDate,
) -> Result<Vec<PinnedRelease>, String> {
    let top = match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Object(top)) => top,
        Ok(_) => return Err("not a JSON object of pins".to_string()),
        Err(e) => return Err(format!("not JSON ({e})")),
    };
    // npins: `{ "pins": { NAME: … }, "version": N }`; niv: `{ NAME: … }`.
    let pins = match top.get("pins") {
        Some(serde_json::Value::Object(p)) if top.contains_key("version") => p,
        _ => &top,
    };
    fn text(v: Option<&serde_json::Value>) -> Option<&str> {
        v.and_then(serde_json::Value::as_str)
    }
    let mut out = Vec::new();
    for (name, pin) in pins {
        // A channel (npins `Channel`: `name`), a branch of a repository (npins `Git`/`GitHub`
        // with `repository`, niv with `owner`/`repo`), or a channel tarball (niv `url`).
        let repo = pin.get("repository").unwrap_or(pin);
        let (owner, repo_name) = (text(repo.get("owner")), text(repo.get("repo")));
        let repo_url = text(repo.get("url"))
            .unwrap_or_default()
            .to_ascii_lowercase();
        let of_nixpkgs = (owner.is_some_and(|o| o.eq_ignore_ascii_case("nixos"))
            && repo_name == Some("nixpkgs"))
            || repo_url.contains("nixos/nixpkgs");
        let found = if text(pin.get("type")) == Some("Channel") {
            text(pin.get("name")).map(|n| (n, format!("channel:{n}"), true))
        } else if let (true, Some(b)) = (of_nixpkgs, text(pin.get("branch"))) {
            Some((b, format!("github:NixOS/nixpkgs/{b}"), false))
        } else {
            text(pin.get("url"))
                .filter(|u| u.contains("nixos.org/channels/") || u.contains("channels.nixos.org/"))
                .map(|u| (u, u.to_string(), true))
        };
        let Some((follows, reference, channel)) = found else {
            continue;
        };
        let Some((release, end)) = past_support(&reference, today) else {
            continue;
        };
        let Some(range) = value_after_key(json, name, follows) else {
            continue;
        };
        out.push(PinnedRelease {
            pin: name.clone(),
            follows: follows.to_string(),
            release,
            end,
            range,
            channel,
        });
    }
    Ok(out)
}

/// Where the string `"value"` is first written after the key `"key":` in `json`.
fn value_after_key(json: &str, key: &str, value: &str) -> Option<rowan::TextRange> {
    let quoted_key = format!("\"{key}\"");
    let mut from = 0;
    let start = loop {
        let at = from + json.get(from..)?.find(&quoted_key)?;
        let after = at + quoted_key.len();
        if json.get(after..)?.trim_start().starts_with(':') {
            break after;
        }
        from = after;
    };
    let quoted = format!("\"{value}\"");
    let at = start + json.get(start..)?.find(&quoted)?;
    let lo = u32::try_from(at).ok()?;
    let hi = u32::try_from(at + quoted.len()).ok()?;
    Some(rowan::TextRange::new(lo.into(), hi.into()))
}

impl LintRule for KernelSeriesEndOfLife {
    fn kinds(&self) -> &'static [crate::index::ModuleKind] {
        &[
            crate::index::ModuleKind::NixOS,
            crate::index::ModuleKind::Darwin,
        ]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["boot", "kernelPackages"],
            &["inputs", "nixpkgs", "url"],
            &["inputs", "nixpkgs", "follows"],
            &["inputs", "*", "url"],
            &["inputs", "*", "ref"],
            &["system", "autoUpgrade", "channel"],
        ]
    }
    fn also_reads(&self) -> &'static [&'static [&'static str]] {
        &[
            &["system", "autoUpgrade", "enable"],
            &["inputs", "*", "url"],
            &["inputs", "*", "repo"],
            &["inputs", "*", "inputs", "nixpkgs", "follows"],
        ]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        // The channel a host upgrades itself from (`system.autoUpgrade.channel`), when the same
        // file turns the upgrades on: the release the host follows.
        if a.is(&["system", "autoUpgrade", "channel"]) {
            let on = cx.index.assignments.iter().any(|b| {
                b.module == a.module
                    && b.is(&["system", "autoUpgrade", "enable"])
                    && b.value.v.as_bool() == Some(true)
            });
            let today = chrono::Utc::now().date_naive();
            let Some(url) = a.value.v.as_str().filter(|_| on) else {
                return;
            };
            if let Some((release, end)) = past_support(url, today) {
                out.push(
                    Hit::new(
                        a.value.range,
                        format!(
                            "the host upgrades itself from the channel of NixOS {release}, out of support since {end}: its packages get no more security fixes"
                        ),
                    )
                    .fix("system.autoUpgrade.channel = \"https://channels.nixos.org/nixos-<current release>\";"),
                );
            }
            return;
        }
        // An input written as a set (`nixpkgs = { type = "github"; owner = "NixOS"; repo =
        // "nixpkgs"; ref = "nixos-24.05"; }`): its `ref`.
        let ref_form = a.is(&["inputs", "*", "ref"]);
        let nixpkgs_input = a.is(&["inputs", "nixpkgs", "url"])
            || a.is(&["inputs", "nixpkgs", "follows"])
            || (ref_form && a.path[1] == "nixpkgs");
        // Another input of nixpkgs (`nixpkgs-stable`), judged when the flake builds its
        // systems from it (below).
        let other_input = !nixpkgs_input && (a.is(&["inputs", "*", "url"]) || ref_form);
        if nixpkgs_input || other_input {
            // `nixpkgs.follows = "nixpkgs-24-05";`: the input it follows, where its URL is.
            let url = if a.path[2] == "follows" {
                let Some(other) = a.value.v.as_str() else {
                    return;
                };
                let Some(url) = cx.index.assignments.iter().find(|b| {
                    b.module == a.module
                        && b.path.len() == 3
                        && b.is(&["inputs", "*", "url"])
                        && b.path[1] == other
                }) else {
                    return;
                };
                url
            } else {
                a
            };
            // The release and its end first: most inputs are no release of nixpkgs.
            let text = if ref_form {
                let of_nixpkgs = cx.index.assignments.iter().any(|b| {
                    b.module == a.module
                        && b.path.len() == 3
                        && b.path[..2] == a.path[..2]
                        && b.path[2] == "repo"
                        && b.value.v.as_str() == Some("nixpkgs")
                });
                match a.value.v.as_str() {
                    Some(r) if of_nixpkgs => format!("github:NixOS/nixpkgs/{r}"),
                    _ => return,
                }
            } else {
                match url.value.v.as_str() {
                    Some(u) => u.to_string(),
                    None => return,
                }
            };
            let Some((release, end)) = past_support(&text, chrono::Utc::now().date_naive()) else {
                return;
            };
            // The nixpkgs input of a system's flake: the top of its `flake.nix`.
            let flake = url.module == 0
                && std::path::Path::new(cx.file)
                    .file_name()
                    .is_some_and(|n| n == "flake.nix")
                && !template(cx.file)
                && (!cx.index.systems.is_empty() || system_flake(cx.src));
            if !flake {
                return;
            }
            // Another input counts when a system is built from it, or when nix-darwin's
            // systems are, following it (`nix-darwin.inputs.nixpkgs.follows = "NAME";`).
            let name = &url.path[1];
            if other_input
                && !builds_from(cx.src, name)
                && !cx.facts.system_inputs.contains(name)
                && !cx.index.assignments.iter().any(|b| {
                    b.module == url.module
                        && b.is(&["inputs", "*", "inputs", "nixpkgs", "follows"])
                        && b.path[1].contains("darwin")
                        && b.value.v.as_str() == Some(name.as_str())
                })
            {
                return;
            }
            let message = if other_input {
                format!(
                    "the flake's input `{name}`, which its systems are built from, follows NixOS {release}, out of support since {end}: its packages get no more security fixes"
                )
            } else {
                format!(
                    "the flake's nixpkgs input follows NixOS {release}, out of support since {end}: its packages get no more security fixes"
                )
            };
            out.push(Hit::new(url.value.range, message).fix(format!(
                "inputs.{name}.url = \"github:NixOS/nixpkgs/nixos-<current release>\";"
            )));
            return;
        }
        let Value::Unknown(expr) = &a.value.v else {
            return;
        };
        let Some(kernel) = named_kernel(expr) else {
            return;
        };
        let today = chrono::Utc::now().date_naive();
        let Some(nixsec_vulns::support::KernelVerdict::EndOfLife(message)) =
            kernel_verdict("the kernel boot.kernelPackages names", &kernel, today)
        else {
            return;
        };
        out.push(Hit::new(a.value.range, message));
    }
}

#[cfg(test)]
mod tests {
    use super::{named_kernel, nixpkgs_release};
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::High;

    const ID: &str = "NIX-152";

    #[test]
    fn nixpkgs_releases_of_flake_references() {
        for (url, want) in [
            ("github:NixOS/nixpkgs/nixos-24.05", Some("24.05")),
            ("github:nixos/nixpkgs?ref=nixos-23.11", Some("23.11")),
            (
                "git+https://github.com/NixOS/nixpkgs?ref=release-22.05&shallow=1",
                Some("22.05"),
            ),
            ("github:NixOS/nixpkgs/nixpkgs-24.11-darwin", Some("24.11")),
            ("github:NixOS/nixpkgs/nixos-25.05-small", Some("25.05")),
            (
                "https://nixos.org/channels/nixos-21.11/nixexprs.tar.xz",
                Some("21.11"),
            ),
            ("channel:nixos-20.09", Some("20.09")),
            ("nixpkgs/nixos-24.05", Some("24.05")),
            ("nixpkgs/24.05", Some("24.05")),
            ("github:NixOS/nixpkgs/23.11", Some("23.11")),
            ("github:NixOS/nixpkgs?ref=22.05", Some("22.05")),
            ("github:NixOS/nixpkgs/nixos-unstable", None),
            ("github:NixOS/nixpkgs", None),
            ("github:nix-community/home-manager/release-24.05", None),
            ("github:someone/my-nixos-24.05", None),
        ] {
            assert_eq!(nixpkgs_release(url).as_deref(), want, "{url}");
        }
    }

    #[test]
    fn an_end_of_life_release_in_a_system_flakes_inputs() {
        let lines = |file: &str, src: &str| {
            crate::engine::lint_source(file, src)
                .into_iter()
                .filter(|f| f.finding.rule == ID)
                .map(|f| f.line)
                .collect::<Vec<_>>()
        };
        let src = "{\n  inputs = {\n    nixpkgs.url = \"github:NixOS/nixpkgs/nixos-24.05\";\n    unstable.url = \"github:NixOS/nixpkgs/nixos-unstable\";\n  };\n  outputs = { nixpkgs, ... }: { nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ./a ]; }; };\n}\n";
        assert_eq!(lines("flake.nix", src), [3]);
        // Helpers building the systems elsewhere (`./nixos`, flake-parts).
        let parts = "{\n  inputs.nixpkgs.url = \"nixpkgs/nixos-23.11\";\n  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./nixos ]; };\n}\n";
        assert_eq!(lines("flake.nix", parts), [2]);
        let tree = "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-25.05\";\n  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules);\n}\n";
        assert_eq!(lines("flake.nix", tree), [2]);
        // An application's flake-parts flake.
        let app = "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs/release-25.05\";\n  outputs = inputs@{ flake-parts, ... }: flake-parts.lib.mkFlake { inherit inputs; } { perSystem = { pkgs, ... }: { packages.default = pkgs.hello; }; };\n}\n";
        assert!(lines("flake.nix", app).is_empty());
        // `nixpkgs` following another input.
        let follows = "{\n  inputs = {\n    nixpkgs.follows = \"nixpkgs-24-05\";\n    nixpkgs-24-05 = {\n      url = \"github:nixos/nixpkgs/nixos-24.05\";\n    };\n  };\n  outputs = { nixpkgs, ... }: { nixosConfigurations = { }; };\n}\n";
        assert_eq!(lines("flake.nix", follows), [5]);
        // Another nixpkgs input the systems are built from; one taken for packages only.
        let stable = "{\n  inputs = {\n    nixpkgs.url = \"github:NixOS/nixpkgs/nixos-unstable\";\n    nixpkgs-stable.url = \"github:nixos/nixpkgs/nixos-22.05\";\n    old.url = \"github:nixos/nixpkgs/nixos-21.05\";\n  };\n  outputs = { nixpkgs-stable, old, ... }: {\n    nixosConfigurations.flash = nixpkgs-stable.lib.nixosSystem { modules = [ ./flash ]; };\n    packages.x86_64-linux.game = old.legacyPackages.x86_64-linux.game;\n  };\n}\n";
        assert_eq!(lines("flake.nix", stable), [4]);
        // The nixpkgs nix-darwin follows, in a flake of nix-darwin systems.
        let darwin = "{\n  inputs = {\n    nixpkgs.url = \"github:NixOS/nixpkgs/nixos-unstable\";\n    nixpkgs-darwin.url = \"github:NixOS/nixpkgs/nixpkgs-25.05-darwin\";\n    darwin.url = \"github:nix-darwin/nix-darwin\";\n    darwin.inputs.nixpkgs.follows = \"nixpkgs-darwin\";\n  };\n  outputs = { darwin, ... }: {\n    darwinConfigurations.mac = darwin.lib.darwinSystem { modules = [ ./mac ]; };\n  };\n}\n";
        assert_eq!(lines("flake.nix", darwin), [4]);
        // Inputs written as sets (`type`, `owner`, `repo`, `ref`): nixpkgs's, at its `ref`;
        // another repository's `ref` is no release of nixpkgs.
        let as_set = "{\n  inputs = {\n    nixpkgs = {\n      type = \"github\";\n      owner = \"NixOS\";\n      repo = \"nixpkgs\";\n      ref = \"nixos-24.05\";\n    };\n    home-manager = { type = \"github\"; owner = \"nix-community\"; repo = \"home-manager\"; ref = \"release-24.05\"; };\n  };\n  outputs = { nixpkgs, ... }: { nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ./a ]; }; };\n}\n";
        assert_eq!(lines("flake.nix", as_set), [7]);
        // A supported or rolling branch; not a flake's own file.
        assert!(lines("flake.nix", &src.replace("nixos-24.05", "nixos-unstable")).is_empty());
        assert!(hits(src, ID).is_empty());
        // A flake of development shells whose comments name NixOS releases.
        let shell_comments = "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-24.05\";\n  outputs = { nixpkgs, ... }: {\n    # JDK 21 from nixos-24.05, Maven from nixos-22.11\n    devShells = { };\n  };\n}\n";
        assert!(lines("flake.nix", shell_comments).is_empty());
        // A flake of development shells, and a template.
        let shell = "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-24.05\";\n  outputs = { nixpkgs, ... }: { devShells = { }; };\n}\n";
        assert!(lines("flake.nix", shell).is_empty());
        assert!(lines("templates/rust/flake.nix", src).is_empty());
    }

    /// npins (`Git` pins of a branch, `Channel` pins) and niv (`branch` with `owner`/`repo`, a
    /// channel tarball), in the formats those tools write.
    #[test]
    fn pins_of_npins_and_niv() {
        use super::pinned_releases;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
        let npins = "{\n  \"pins\": {\n    \"disko\": {\n      \"type\": \"Git\",\n      \"repository\": { \"type\": \"GitHub\", \"owner\": \"nix-community\", \"repo\": \"disko\" },\n      \"branch\": \"release-24.05\"\n    },\n    \"nixpkgs\": {\n      \"type\": \"Git\",\n      \"repository\": {\n        \"type\": \"GitHub\",\n        \"owner\": \"NixOS\",\n        \"repo\": \"nixpkgs\"\n      },\n      \"branch\": \"nixos-25.11\",\n      \"revision\": \"c217913993d6c6f6805c3b1a3bda5e639adfde6d\"\n    }\n  },\n  \"version\": 7\n}\n";
        let pins = pinned_releases(npins, today).expect("npins");
        assert_eq!(pins.len(), 1, "{pins:?}");
        let p = &pins[0];
        assert_eq!(
            (p.pin.as_str(), p.release.as_str(), p.channel),
            ("nixpkgs", "25.11", false)
        );
        // The branch of the `nixpkgs` pin, not disko's.
        assert_eq!(&npins[p.range], "\"nixos-25.11\"");
        let channel = "{\"pins\":{\"nixpkgs\":{\"type\":\"Channel\",\"name\":\"nixos-24.05\",\"url\":\"https://releases.nixos.org/nixos/24.05/nixos-24.05.1/nixexprs.tar.xz\"}},\"version\":3}";
        let pins = pinned_releases(channel, today).expect("channel");
        assert_eq!(pins.len(), 1);
        assert!(pins[0].channel);
        assert_eq!(&channel[pins[0].range], "\"nixos-24.05\"");
        // A rolling channel whose tarball names a pre-release; a supported release.
        let unstable = "{\"pins\":{\"nixpkgs\":{\"type\":\"Channel\",\"name\":\"nixpkgs-unstable\",\"url\":\"https://releases.nixos.org/nixpkgs/nixpkgs-24.05pre628150.dc1b0202a605/nixexprs.tar.xz\"}},\"version\":3}";
        assert_eq!(pinned_releases(unstable, today), Ok(Vec::new()));
        assert_eq!(
            pinned_releases(&npins.replace("nixos-25.11", "nixos-26.05"), today),
            Ok(Vec::new())
        );
        // niv: a branch, and a channel tarball.
        let niv = "{\n    \"home-manager\": { \"branch\": \"release-20.09\", \"owner\": \"nix-community\", \"repo\": \"home-manager\" },\n    \"nixpkgs\": {\n        \"branch\": \"nixos-20.09\",\n        \"owner\": \"NixOS\",\n        \"repo\": \"nixpkgs\",\n        \"url\": \"https://github.com/NixOS/nixpkgs/archive/abc.tar.gz\"\n    }\n}\n";
        let pins = pinned_releases(niv, today).expect("niv");
        assert_eq!(pins.len(), 1, "{pins:?}");
        assert_eq!(pins[0].release, "20.09");
        let tarball = "{\"nixpkgs\":{\"type\":\"tarball\",\"url\":\"https://nixos.org/channels/nixos-21.05/nixexprs.tar.xz\"}}";
        assert_eq!(pinned_releases(tarball, today).map(|p| p.len()), Ok(1));
        // Any name (the run decides which pins the systems are built from); input that is no
        // JSON.
        let other = pinned_releases(&niv.replace("\"nixpkgs\": {", "\"nixpkgs-old\": {"), today)
            .expect("niv");
        assert_eq!(other.len(), 1);
        assert_eq!(other[0].pin, "nixpkgs-old");
        let bad = pinned_releases("{ not json", today).expect_err("not JSON");
        assert!(
            bad.starts_with("not JSON (key must be a string at line 1 column 3"),
            "{bad}"
        );
        assert_eq!(
            pinned_releases("[1, 2]", today),
            Err("not a JSON object of pins".to_string())
        );
    }

    /// `system.autoUpgrade.channel` names the release a host follows when its upgrades are on.
    #[test]
    fn an_end_of_life_channel_the_host_upgrades_from() {
        let on = "{ ... }: {\n  system.autoUpgrade = {\n    enable = true;\n    allowReboot = true;\n    channel = \"https://channels.nixos.org/nixos-24.05\";\n  };\n}\n";
        assert_eq!(hits(on, ID).len(), 1);
        let dotted = "{ ... }: {\n  system.autoUpgrade.enable = true;\n  system.autoUpgrade.channel = \"https://nixos.org/channels/nixos-23.11/\";\n}\n";
        assert_eq!(hits(dotted, ID).len(), 1);
        // Upgrades off (or not turned on here); a supported release; a rolling channel.
        assert!(hits(&on.replace("enable = true", "enable = false"), ID).is_empty());
        assert!(hits(
            &dotted.replace("  system.autoUpgrade.enable = true;\n", ""),
            ID
        )
        .is_empty());
        assert!(hits(&on.replace("nixos-24.05", "nixos-26.05"), ID).is_empty());
        assert!(hits(&on.replace("nixos-24.05", "nixos-unstable"), ID).is_empty());
    }

    #[test]
    fn kernel_names() {
        assert_eq!(
            named_kernel("pkgs.linuxPackages_5_4").as_deref(),
            Some("5.4")
        );
        assert_eq!(
            named_kernel("pkgs.linuxKernel.packages.linux_5_10").as_deref(),
            Some("5.10")
        );
        assert_eq!(
            named_kernel("pkgs.linuxPackagesFor pkgs.linux_6_9").as_deref(),
            Some("6.9")
        );
        assert_eq!(
            named_kernel("pkgs.linuxPackages_6_6_hardened").as_deref(),
            Some("6.6-hardened")
        );
        assert_eq!(
            named_kernel("pkgs.linuxPackages_hardened").as_deref(),
            Some("hardened")
        );
        assert_eq!(named_kernel("pkgs.linuxPackages_latest"), None);
        assert_eq!(named_kernel("pkgs.linuxPackages"), None);
        assert_eq!(named_kernel("pkgs.linuxPackages_zen"), None);
    }

    #[test]
    fn end_of_life_series() {
        assert_eq!(
            hits(
                "{ pkgs, ... }: { boot.kernelPackages = pkgs.linuxPackages_5_4; }",
                ID
            ),
            [h("pkgs.linuxPackages_5_4", 1, High)]
        );
        assert_eq!(
            hits("{ pkgs, ... }: {\n  boot.kernelPackages = pkgs.linuxKernel.packages.linux_4_19;\n}", ID).len(),
            1
        );
        assert_eq!(
            hits(
                "{ pkgs, ... }: { boot.kernelPackages = pkgs.linuxPackages_hardened; }",
                ID
            )
            .len(),
            1
        );
        // Non-longterm series older than the newest longterm one.
        assert_eq!(
            hits("{ pkgs, lib, ... }: { boot.kernelPackages = lib.mkDefault pkgs.linuxPackages_6_9; }", ID).len(),
            1
        );
        for fine in [
            "pkgs.linuxPackages",
            "pkgs.linuxPackages_latest",
            "pkgs.linuxPackages_6_1",
            "config.boot.zfs.package.latestCompatibleLinuxPackages",
        ] {
            let src = format!("{{ pkgs, config, ... }}: {{ boot.kernelPackages = {fine}; }}");
            assert!(hits(&src, ID).is_empty(), "{fine}");
        }
    }
}
