//! Matching a package (its CPE identities and Nix version) against an advisory's
//! configurations: AND/OR nodes, negation, `vulnerable` flags, version ranges with Nix's
//! ordering, and a CPE `update` field folded into the version the way nixpkgs writes it
//! (`1.9.5` + `p1` = `1.9.5p1`) where the CPE names one.

use std::cmp::Ordering;

use crate::cpe::{Cpe, Value};
use crate::nvd::{Advisory, CpeMatch};
use crate::version::compare_versions;

/// One CPE identity of a package: `part:vendor:product`, plus the `target_sw` values it
/// accepts besides `*`, `-` and the host platform (`linux`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `a`, `o` or `h`.
    pub part: char,
    /// The vendor; `None` while not known (an unmapped package, see [`crate::mapping`]).
    pub vendor: Option<String>,
    /// The product.
    pub product: String,
    /// Accepted `target_sw` values (`python` for Python packages...).
    pub target_sw: Vec<String>,
}

/// `target_sw` values that describe the platform every Nix package runs on.
const PLATFORM_SW: &[&str] = &["linux", "linux_kernel", "unix"];

impl Identity {
    /// Whether `cpe` names this identity (ignoring the version).
    #[must_use]
    pub fn names(&self, cpe: &Cpe) -> bool {
        if cpe.part != self.part || cpe.product.get() != Some(self.product.as_str()) {
            return false;
        }
        if let Some(v) = &self.vendor {
            if cpe.vendor.get() != Some(v.as_str()) {
                return false;
            }
        }
        match cpe.target_sw.get() {
            None => true,
            Some(t) => PLATFORM_SW.contains(&t) || self.target_sw.iter().any(|x| x == t),
        }
    }
}

/// A package as the matcher sees it.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    /// Its identities.
    pub ids: &'a [Identity],
    /// Its version as Nix writes it.
    pub version: &'a str,
}

/// Whether `version` (lowercased) is the CPE's exact `version`/`update`. An update is folded
/// into the version only where the CPE names one (`1.9.5` + `p1` = `1.9.5p1`); with update `*`
/// or `-` the version must equal the CPE's version as it is, so `1.0.2b` is not `1.0.2`.
fn exact(version: &str, v: &str, update: &Value) -> bool {
    match update {
        Value::V(u) => compare_versions(version, &format!("{v}-{u}")) == Ordering::Equal,
        Value::Na | Value::Any => compare_versions(version, v) == Ordering::Equal,
    }
}

/// Whether `version` satisfies a match's version constraints (all bounds together). CPE
/// values are case-insensitive, so versions and bounds are compared lowercased (`9.11.2-P1`
/// is `9.11.2:p1`). A CPE version `-` (not applicable) matches no concrete version.
#[must_use]
pub fn version_matches(m: &CpeMatch, cpe: &Cpe, version: &str) -> bool {
    let version = version.to_ascii_lowercase();
    let version = version.as_str();
    let bounds = [&m.start_incl, &m.start_excl, &m.end_incl, &m.end_excl];
    if bounds.iter().any(|b| b.is_some()) {
        if cpe.version == Value::Na {
            return false;
        }
        let c = |b: &Option<String>| {
            b.as_ref()
                .map(|b| compare_versions(version, &b.to_ascii_lowercase()))
        };
        return c(&m.start_incl).is_none_or(|o| o != Ordering::Less)
            && c(&m.start_excl).is_none_or(|o| o == Ordering::Greater)
            && c(&m.end_incl).is_none_or(|o| o != Ordering::Greater)
            && c(&m.end_excl).is_none_or(|o| o == Ordering::Less);
    }
    match &cpe.version {
        Value::Any => true,
        Value::Na => false,
        Value::V(v) => exact(version, v, &cpe.update),
    }
}

/// Whether a match applies to a subject.
#[must_use]
pub fn match_applies(m: &CpeMatch, s: &Subject<'_>) -> bool {
    let Ok(cpe) = Cpe::parse(&m.criteria) else {
        return false;
    };
    s.ids.iter().any(|i| i.names(&cpe)) && version_matches(m, &cpe, s.version)
}

/// Whether a non-vulnerable match (a platform or co-installed component) holds: Linux as the
/// operating system, or another package of the scanned set.
fn environment_holds(m: &CpeMatch, env: &[Subject<'_>]) -> bool {
    let Ok(cpe) = Cpe::parse(&m.criteria) else {
        return false;
    };
    if cpe.part == 'o'
        && (cpe.vendor.get() == Some("linux") || cpe.product.get() == Some("linux_kernel"))
    {
        return true;
    }
    env.iter()
        .any(|s| s.ids.iter().any(|i| i.names(&cpe)) && version_matches(m, &cpe, s.version))
}

/// The CPE criteria through which `adv` applies to `subject`, or an empty list. A
/// configuration applies when its nodes hold (AND/OR, negation); vulnerable matches must name
/// the subject, non-vulnerable ones the environment (`env`: the other scanned packages).
#[must_use]
pub fn affects(adv: &Advisory, subject: &Subject<'_>, env: &[Subject<'_>]) -> Vec<String> {
    let mut hits = Vec::new();
    for cfg in &adv.configs {
        let mut cfg_hits = Vec::new();
        let node_results = cfg.nodes.iter().map(|n| {
            let mut results = n.matches.iter().map(|m| {
                let ok = if m.vulnerable {
                    match_applies(m, subject)
                } else {
                    environment_holds(m, env)
                };
                if ok && m.vulnerable && !n.negate {
                    cfg_hits.push(m.criteria.clone());
                }
                ok
            });
            let v = if n.and {
                results.all(|x| x)
            } else {
                // Evaluate every match so that every criterion that hit is recorded.
                results.fold(false, |acc, x| acc | x)
            };
            v != n.negate
        });
        let holds: Vec<bool> = node_results.collect();
        let ok = if cfg.and {
            holds.iter().all(|x| *x)
        } else {
            holds.iter().any(|x| *x)
        };
        if ok != cfg.negate && !cfg_hits.is_empty() {
            for h in cfg_hits {
                if !hits.contains(&h) {
                    hits.push(h);
                }
            }
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nvd::{Config, Node};

    fn m(vulnerable: bool, c: &str, bounds: [Option<&str>; 4]) -> CpeMatch {
        let s = |x: Option<&str>| x.map(str::to_string);
        CpeMatch {
            vulnerable,
            criteria: c.into(),
            start_incl: s(bounds[0]),
            start_excl: s(bounds[1]),
            end_incl: s(bounds[2]),
            end_excl: s(bounds[3]),
        }
    }
    fn id(v: &str, p: &str) -> Identity {
        Identity {
            part: 'a',
            vendor: Some(v.into()),
            product: p.into(),
            target_sw: vec![],
        }
    }
    fn adv(configs: Vec<Config>) -> Advisory {
        Advisory {
            id: "CVE-1-1".into(),
            modified: String::new(),
            description: String::new(),
            cvss: None,
            configs,
            cvss3: None,
        }
    }
    fn or(ms: Vec<CpeMatch>) -> Config {
        Config {
            and: false,
            negate: false,
            nodes: vec![Node {
                and: false,
                negate: false,
                matches: ms,
            }],
        }
    }

    #[test]
    fn ranges_combine_all_bounds() {
        let any = "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*";
        let r = m(true, any, [Some("3.0.0"), None, None, Some("3.0.7")]);
        let cpe = Cpe::parse(any).expect("test");
        assert!(version_matches(&r, &cpe, "3.0.6"));
        assert!(!version_matches(&r, &cpe, "3.0.7"));
        assert!(!version_matches(&r, &cpe, "1.1.1"));
        let r = m(true, any, [None, Some("1.0"), Some("2.0"), None]);
        assert!(!version_matches(&r, &cpe, "1.0"));
        assert!(version_matches(&r, &cpe, "2.0"));
        assert!(version_matches(&r, &cpe, "1.0p1"));
        let r = m(true, any, [Some("1.0.2"), None, None, Some("1.0.2zg")]);
        assert!(version_matches(&r, &cpe, "1.0.2k"));
        assert!(!version_matches(&r, &cpe, "1.0.2zh"));
    }

    #[test]
    fn exact_versions_fold_updates() {
        let check = |c: &str, v: &str| {
            let cpe = Cpe::parse(c).expect("test");
            version_matches(&m(true, c, [None; 4]), &cpe, v)
        };
        assert!(check(
            "cpe:2.3:a:todd_miller:sudo:1.9.5:p1:*:*:*:*:*:*",
            "1.9.5p1"
        ));
        assert!(!check(
            "cpe:2.3:a:todd_miller:sudo:1.9.5:p1:*:*:*:*:*:*",
            "1.9.5p2"
        ));
        assert!(!check(
            "cpe:2.3:a:todd_miller:sudo:1.9.5:p1:*:*:*:*:*:*",
            "1.9.5"
        ));
        // Update `*`: the version as it is; `1.9.5p1` is not release 1.9.5.
        assert!(!check(
            "cpe:2.3:a:todd_miller:sudo:1.9.5:*:*:*:*:*:*:*",
            "1.9.5p1"
        ));
        assert!(check(
            "cpe:2.3:a:todd_miller:sudo:1.9.5:*:*:*:*:*:*:*",
            "1.9.5"
        ));
        assert!(!check(
            "cpe:2.3:a:todd_miller:sudo:1.9.5:-:*:*:*:*:*:*",
            "1.9.5p1"
        ));
        assert!(!check(
            "cpe:2.3:a:todd_miller:sudo:1.9.5:*:*:*:*:*:*:*",
            "1.9.51"
        ));
        assert!(check("cpe:2.3:a:tukaani:xz:5.6.0:*:*:*:*:*:*:*", "5.6.0"));
        assert!(!check("cpe:2.3:a:tukaani:xz:5.6.0:*:*:*:*:*:*:*", "5.6.1"));
        assert!(check("cpe:2.3:a:x:y:2.0:rc1:*:*:*:*:*:*", "2.0rc1"));
        // Version `-` (not applicable) matches no concrete version, with or without bounds.
        assert!(!check("cpe:2.3:a:x:y:-:*:*:*:*:*:*:*", "7"));
        let na = "cpe:2.3:a:x:y:-:*:*:*:*:*:*:*";
        let cpe = Cpe::parse(na).expect("test");
        assert!(!version_matches(
            &m(true, na, [None, None, Some("9"), None]),
            &cpe,
            "7"
        ));
        // CVE-2015-1789 (vulnix's fixture): `openssl:1.0.2:*` is 1.0.2, not the letter
        // releases after it; `1.0.2a` is itself.
        for fixed in ["1.0.0s", "1.0.1n", "1.0.2b", "1.0.2u"] {
            let base = &fixed[..5];
            let c = format!("cpe:2.3:a:openssl:openssl:{base}:*:*:*:*:*:*:*");
            assert!(!check(&c, fixed), "{c} {fixed}");
            assert!(check(&c, base), "{c} {base}");
        }
        assert!(check(
            "cpe:2.3:a:openssl:openssl:1.0.2a:*:*:*:*:*:*:*",
            "1.0.2a"
        ));
        // CPE values are case-insensitive: bind's `9.11.2-P1` is `9.11.2:p1`.
        assert!(check(
            "cpe:2.3:a:isc:bind:9.11.2:p1:*:*:*:*:*:*",
            "9.11.2-P1"
        ));
        let r = "cpe:2.3:a:isc:bind:*:*:*:*:*:*:*:*";
        let cpe = Cpe::parse(r).expect("test");
        assert!(!version_matches(
            &m(true, r, [Some("9.11.0"), None, None, Some("9.11.2-P1")]),
            &cpe,
            "9.11.2-p1"
        ));
    }

    #[test]
    fn vendor_and_target_sw_count() {
        let git = [id("git-scm", "git")];
        let s = Subject {
            ids: &git,
            version: "2.35.1",
        };
        let jenkins = adv(vec![or(vec![m(
            true,
            "cpe:2.3:a:jenkins:git:*:*:*:*:*:jenkins:*:*",
            [None, None, Some("4.11.3"), None],
        )])]);
        assert!(affects(&jenkins, &s, &[]).is_empty());
        let unknown_vendor = [Identity {
            vendor: None,
            ..id("", "git")
        }];
        let s2 = Subject {
            ids: &unknown_vendor,
            version: "2.35.1",
        };
        assert!(affects(&jenkins, &s2, &[]).is_empty(), "target_sw jenkins");
        let real = adv(vec![or(vec![m(
            true,
            "cpe:2.3:a:git-scm:git:*:*:*:*:*:*:*:*",
            [Some("2.35.0"), None, None, Some("2.35.2")],
        )])]);
        assert_eq!(affects(&real, &s, &[]).len(), 1);
        let linux_only = adv(vec![or(vec![m(
            true,
            "cpe:2.3:a:git-scm:git:*:*:*:*:*:linux:*:*",
            [None; 4],
        )])]);
        assert_eq!(affects(&linux_only, &s, &[]).len(), 1);
        let windows_only = adv(vec![or(vec![m(
            true,
            "cpe:2.3:a:git-scm:git:*:*:*:*:*:windows:*:*",
            [None; 4],
        )])]);
        assert!(affects(&windows_only, &s, &[]).is_empty());
    }

    #[test]
    fn and_configurations_need_their_platform() {
        let ids = [id("a", "b")];
        let s = Subject {
            ids: &ids,
            version: "1",
        };
        let running_on = |os: &str| {
            adv(vec![Config {
                and: true,
                negate: false,
                nodes: vec![
                    Node {
                        and: false,
                        negate: false,
                        matches: vec![m(true, "cpe:2.3:a:a:b:*:*:*:*:*:*:*:*", [None; 4])],
                    },
                    Node {
                        and: false,
                        negate: false,
                        matches: vec![m(false, os, [None; 4])],
                    },
                ],
            }])
        };
        assert_eq!(
            affects(
                &running_on("cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*"),
                &s,
                &[]
            )
            .len(),
            1
        );
        assert!(affects(
            &running_on("cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"),
            &s,
            &[]
        )
        .is_empty());
        // A co-installed component from the scanned set.
        let other = [id("c", "d")];
        let env = [Subject {
            ids: &other,
            version: "2",
        }];
        let with_d = running_on("cpe:2.3:a:c:d:2:*:*:*:*:*:*:*");
        assert!(affects(&with_d, &s, &[]).is_empty());
        assert_eq!(affects(&with_d, &s, &env).len(), 1);
    }

    #[test]
    fn negated_nodes_invert() {
        let ids = [id("a", "b")];
        let s = Subject {
            ids: &ids,
            version: "1",
        };
        let not_on = |os: &str| {
            adv(vec![Config {
                and: true,
                negate: false,
                nodes: vec![
                    Node {
                        and: false,
                        negate: false,
                        matches: vec![m(true, "cpe:2.3:a:a:b:*:*:*:*:*:*:*:*", [None; 4])],
                    },
                    Node {
                        and: false,
                        negate: true,
                        matches: vec![m(false, os, [None; 4])],
                    },
                ],
            }])
        };
        // "b, except on Linux": not on NixOS.
        assert!(affects(
            &not_on("cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*"),
            &s,
            &[]
        )
        .is_empty());
        assert_eq!(
            affects(
                &not_on("cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*"),
                &s,
                &[]
            )
            .len(),
            1
        );
    }
}
