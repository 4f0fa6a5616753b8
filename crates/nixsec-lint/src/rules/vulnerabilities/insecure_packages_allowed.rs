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
        ]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        match a.path[2].as_str() {
            "permittedInsecurePackages" => match &a.value.v {
                Value::List(items) if items.is_empty() => {}
                Value::List(items) => {
                    for i in items {
                        out.push(
                            Hit::new(i.range, format!("insecure package allowed: {}", i.v))
                                .subject(i.v.to_string())
                                .when(i.cond.as_deref()),
                        );
                    }
                }
                _ => out.push(Hit::new(a.value.range, "insecure packages allowed")),
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
                        .fix(format!(
                            "# remove environment.{}.NIXPKGS_ALLOW_INSECURE",
                            a.path[1]
                        )),
                    );
                }
            }
        }
    }
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
        // Home-manager modules can set nixpkgs.config too.
        assert_eq!(hits(r#"{ home.stateVersion = "x"; nixpkgs.config.permittedInsecurePackages = [ "a" ]; }"#, ID).len(), 1);
        assert!(hits("{ nixpkgs.config.permittedInsecurePackages = [ ]; }", ID).is_empty());
        assert!(hits("{ nixpkgs.config.allowUnfree = true; }", ID).is_empty());
    }
}
