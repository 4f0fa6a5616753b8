//! NIX-118: CPU vulnerability mitigations turned off on the kernel command line.

use crate::index::Assignment;
use crate::rules::{elements, FileCx, Hit, LintRule};

struct CpuMitigationsOff;

crate::lint_rule!("NIX-118", CpuMitigationsOff);

/// True for a kernel parameter that turns a mitigation off (as the kernel's
/// `Documentation/admin-guide/kernel-parameters.txt` describes them).
fn weakens(param: &str) -> bool {
    let (k, v) = param
        .split_once('=')
        .map_or((param, None), |(k, v)| (k, Some(v)));
    nixsec_core::cmdline::weakens_cpu_mitigations(k, v)
}

impl LintRule for CpuMitigationsOff {
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[&["boot", "kernelParams"]]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        for (p, range, cond) in elements(&a.value) {
            for param in p.split_whitespace().filter(|w| weakens(w)) {
                out.push(
                    Hit::new(
                        range,
                        format!("`{param}` on the kernel command line turns CPU vulnerability mitigations off"),
                    )
                    .subject(param)
                    .when(cond)
                    .fix(format!("# remove \"{param}\" from boot.kernelParams")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hc, hits};
    use nixsec_core::Severity::High;

    const ID: &str = "NIX-118";

    /// Parameters split from one string share its place: each is a finding of its own.
    #[test]
    fn parameters_of_one_split_string() {
        let src = "{ lib, ... }: { boot.kernelParams = lib.splitString \" \" ''\n  quiet nopti mitigations=off\n''; }";
        assert_eq!(hits(src, "NIX-118").len(), 2, "{:?}", hits(src, "NIX-118"));
    }

    #[test]
    fn every_spelling() {
        assert_eq!(
            hits(
                r#"{ boot.kernelParams = [ "quiet" "mitigations=off" ]; }"#,
                ID
            ),
            [h("\"mitigations=off\"", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ lib, ... }: { boot.kernelParams = lib.mkAfter [ "nopti" "spectre_v2=off" "tsx=on" ]; }"#,
                ID
            )
            .len(),
            3
        );
        assert_eq!(
            hits(
                r#"let fast = [ "mitigations=off" ]; in { boot.kernelParams = [ "quiet" ] ++ fast; }"#,
                ID
            ),
            [h("\"mitigations=off\"", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ lib, config, ... }: { boot.kernelParams = lib.optional config.gaming "mitigations=off"; }"#,
                ID
            ),
            [hc("\"mitigations=off\"", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ lib, config, ... }: { config = lib.mkIf config.fast { boot.kernelParams = [ "mitigations=off" ]; }; }"#,
                ID
            ),
            [hc("\"mitigations=off\"", 1, High)]
        );
        for ok in [
            r#"{ boot.kernelParams = [ "mitigations=auto,nosmt" "pti=on" "quiet" ]; }"#,
            r#"{ boot.kernelParams = [ "tsx=off" ]; }"#,
            r#"{ boot.kernelParams = [ ]; }"#,
        ] {
            assert!(hits(ok, ID).is_empty(), "{ok}");
        }
    }
}
