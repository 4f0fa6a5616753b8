//! NIX-153: packages marked insecure by nixpkgs explicitly allowed.

use crate::index::{Assignment, ModuleKind};
use crate::rules::{FileCx, Hit, LintRule};
use crate::value::Value;

struct InsecurePackagesAllowed;

crate::lint_rule!("NIX-153", InsecurePackagesAllowed);

impl LintRule for InsecurePackagesAllowed {
    fn kinds(&self) -> &'static [ModuleKind] {
        &[
            ModuleKind::NixOS,
            ModuleKind::Darwin,
            ModuleKind::HomeManager,
        ]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["nixpkgs", "config", "permittedInsecurePackages"],
            &["nixpkgs", "config", "allowInsecurePredicate"],
            &["environment", "variables", "NIXPKGS_ALLOW_INSECURE"],
            &["environment", "sessionVariables", "NIXPKGS_ALLOW_INSECURE"],
            // home-manager's session variables, and those of one shell.
            &["home", "sessionVariables", "NIXPKGS_ALLOW_INSECURE"],
            &[
                "systemd",
                "user",
                "sessionVariables",
                "NIXPKGS_ALLOW_INSECURE",
            ],
            &[
                "programs",
                "*",
                "sessionVariables",
                "NIXPKGS_ALLOW_INSECURE",
            ],
        ]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        match a.path[2].as_str() {
            "permittedInsecurePackages" => match &a.value.v {
                Value::List(items) if items.is_empty() => {}
                Value::List(items) => {
                    // One finding per package: several versions of one package (a kernel
                    // module pinned to each kernel) are one thing to take out.
                    let mut packages: Vec<(String, Vec<&crate::value::Val>)> = Vec::new();
                    // An element passed on from elsewhere (`extra ++ [ "a" ]`) is judged where
                    // it is written.
                    for i in items
                        .iter()
                        .filter(|i| matches!(i.v, Value::Str(_) | Value::Interp(_)))
                    {
                        let name = package_name(i.v.as_str().unwrap_or_default());
                        match packages
                            .iter_mut()
                            .find(|(n, _)| !n.is_empty() && *n == name)
                        {
                            Some((_, versions)) => versions.push(i),
                            None => packages.push((name, vec![i])),
                        }
                    }
                    for (name, versions) in packages {
                        let first = versions[0];
                        let hit = if versions.len() == 1 {
                            Hit::new(
                                first.range,
                                format!("insecure package allowed: {}", first.v),
                            )
                            .subject(first.v.to_string())
                        } else {
                            let all: Vec<String> =
                                versions.iter().map(|v| v.v.to_string()).collect();
                            Hit::new(
                                first.range,
                                format!(
                                    "insecure package allowed: {name}, {} versions ({})",
                                    versions.len(),
                                    all.join(", ")
                                ),
                            )
                            .subject(name)
                        };
                        out.push(hit.when(first.cond.as_deref()));
                    }
                }
                // A list computed here from names of packages (`[ "a" ] ++ extra`): some are
                // allowed. One passed on from elsewhere (`cfg.permittedInsecurePackages or
                // [ ]`, devenv's generated flake) names none: it is judged where it is written.
                _ => {
                    let text = cx
                        .src
                        .get(usize::from(a.value.range.start())..usize::from(a.value.range.end()))
                        .unwrap_or_default();
                    if names_a_package(text) {
                        out.push(Hit::new(a.value.range, "insecure packages allowed"));
                    }
                }
            },
            "allowInsecurePredicate" => {
                if !matches!(a.value.v, Value::Null) {
                    out.push(
                        Hit::new(a.value.range, "a predicate allows insecure packages")
                            .fix("# remove nixpkgs.config.allowInsecurePredicate"),
                    );
                }
            }
            _ => {
                if !matches!(&a.value.v, Value::Str(s) if s == "0" || s.is_empty()) {
                    out.push(
                        Hit::new(
                            a.value.range,
                            "NIXPKGS_ALLOW_INSECURE is set for every session",
                        )
                        .fix(format!("# remove {}", a.path.join("."))),
                    );
                }
            }
        }
    }
}

/// A list written here with a string in it (`extra ++ [ "a-1" ]`, `lib.optionals c [ "a" ]`),
/// not a quoted attribute name of a value passed on (`devenv.per-platform."${system}".x or
/// [ ]`).
fn names_a_package(text: &str) -> bool {
    text.split('[').skip(1).any(|rest| {
        rest.split(']')
            .next()
            .is_some_and(|inside| inside.contains('"'))
    })
}

/// The package's name without its version (`broadcom-sta-6.30.223.271-57-6.16.3` ->
/// `broadcom-sta`, `openssl-1.1.1w` -> `openssl`): the words before the first one that starts
/// with a digit.
fn package_name(s: &str) -> String {
    let mut words = Vec::new();
    for w in s.split('-') {
        if w.starts_with(|c: char| c.is_ascii_digit()) {
            break;
        }
        words.push(w);
    }
    words.join("-")
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::Medium;

    const ID: &str = "NIX-153";

    #[test]
    fn spellings() {
        assert_eq!(
            hits(
                r#"{ nixpkgs.config.permittedInsecurePackages = [ "openssl-1.1.1w" ]; }"#,
                ID
            ),
            [h("\"openssl-1.1.1w\"", 1, Medium)]
        );
        assert_eq!(
            hits(r#"{ nixpkgs.config = { allowUnfree = true; permittedInsecurePackages = [ "a" "b" ]; }; }"#, ID).len(),
            2
        );
        assert_eq!(
            hits("{ nixpkgs.config.allowInsecurePredicate = pkg: true; }", ID).len(),
            1
        );
        assert_eq!(
            hits(
                r#"{ environment.variables.NIXPKGS_ALLOW_INSECURE = "1"; }"#,
                ID
            )
            .len(),
            1
        );
        // And in home-manager's session variables, those of one shell among them.
        for src in [
            r#"{ home.stateVersion = "x"; home.sessionVariables.NIXPKGS_ALLOW_INSECURE = "1"; }"#,
            r#"{ home.stateVersion = "x"; programs.bash = { enable = true; sessionVariables = { NIXPKGS_ALLOW_INSECURE = "1"; }; }; }"#,
            r#"{ home.stateVersion = "x"; systemd.user.sessionVariables.NIXPKGS_ALLOW_INSECURE = "1"; }"#,
        ] {
            assert_eq!(hits(src, ID).len(), 1, "{src}");
        }
        assert!(hits(
            r#"{ home.stateVersion = "x"; home.sessionVariables.NIXPKGS_ALLOW_INSECURE = "0"; }"#,
            ID
        )
        .is_empty());
        // Home-manager modules can set nixpkgs.config too.
        assert_eq!(hits(r#"{ home.stateVersion = "x"; nixpkgs.config.permittedInsecurePackages = [ "a" ]; }"#, ID).len(), 1);
        assert!(hits("{ nixpkgs.config.permittedInsecurePackages = [ ]; }", ID).is_empty());
        // Computed here from package names: reported; passed on from elsewhere (devenv's
        // generated flake, a module's own option): judged where the list is written.
        assert_eq!(
            hits(r#"{ extra, ... }: { nixpkgs.config.permittedInsecurePackages = extra ++ [ "a-1" ]; }"#, ID).len(),
            1
        );
        for passed in [
            "{ devenv, ... }: { nixpkgs.config.permittedInsecurePackages = devenv.nixpkgs.permittedInsecurePackages or devenv.permittedInsecurePackages or [ ]; }",
            "{ config, ... }: { nixpkgs.config.permittedInsecurePackages = config.my.insecure; }",
            r#"{ devenv, targetSystem, ... }: { nixpkgs.config.permittedInsecurePackages = devenv.nixpkgs.per-platform."${targetSystem}".permittedInsecurePackages or devenv.nixpkgs.permittedInsecurePackages or [ ]; }"#,
        ] {
            assert!(hits(passed, ID).is_empty(), "{passed}");
        }
        assert!(hits("{ nixpkgs.config.allowUnfree = true; }", ID).is_empty());
    }

    #[test]
    fn versions_of_one_package_are_one_finding() {
        let src = r#"{ nixpkgs.config.permittedInsecurePackages = [
  "broadcom-sta-6.30.223.271-57-6.16.3"
  "broadcom-sta-6.30.223.271-59-6.18"
  "olm-3.2.16"
]; }"#;
        let got = hits(src, ID);
        assert_eq!(got.len(), 2, "{got:?}");
        let f = crate::rules::testing::findings(src, ID);
        assert_eq!(
            f[0].finding.message,
            "insecure package allowed: broadcom-sta, 2 versions (\"broadcom-sta-6.30.223.271-57-6.16.3\", \"broadcom-sta-6.30.223.271-59-6.18\")"
        );
        assert_eq!(super::package_name("openssl-1.1.1w"), "openssl");
        assert_eq!(super::package_name("python-2.7.18.8"), "python");
        assert_eq!(super::package_name("qtwebkit-5.212.0-alpha4"), "qtwebkit");
    }
}
