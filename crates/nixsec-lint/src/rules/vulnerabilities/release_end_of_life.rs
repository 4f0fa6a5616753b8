//! NIX-152 (configuration side): `boot.kernelPackages` pins a kernel series past its end of
//! life, or the removed `linux_hardened`.

use nixsec_vulns::support::kernel_verdict;

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

impl LintRule for KernelSeriesEndOfLife {
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[&["boot", "kernelPackages"]]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
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
    use super::named_kernel;
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::High;

    const ID: &str = "NIX-152";

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
