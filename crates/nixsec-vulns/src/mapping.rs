//! The pname → CPE identity table (`data/cpe-map.tsv`, documented there), overridable by a
//! user file in the same format.

use std::collections::HashMap;
use std::path::Path;

use crate::matching::Identity;

/// The built-in table.
pub const BUILTIN: &str = include_str!("../data/cpe-map.tsv");

/// Real nixpkgs pnames with the file each was read from: every key of [`BUILTIN`] is one.
pub const NIXPKGS_PNAMES: &str = include_str!("../data/nixpkgs-pnames.tsv");

/// A parsed table.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// pname → identities (empty = never match).
    pub by_pname: HashMap<String, Vec<Identity>>,
}

/// A bad line in a mapping file.
#[derive(Debug, thiserror::Error)]
#[error("`{file}` line {line}: {message}")]
pub struct MappingError {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn parse_identity(s: &str) -> Result<Identity, String> {
    let f: Vec<&str> = s.split(':').collect();
    if !(3..=4).contains(&f.len()) {
        return Err(format!("`{s}`: expected part:vendor:product[:target_sw]"));
    }
    let part = match f[0] {
        "a" => 'a',
        "o" => 'o',
        "h" => 'h',
        p => {
            return Err(format!(
                "`{s}`: unknown CPE part `{p}` (expected a, o or h)"
            ))
        }
    };
    if f[1].is_empty() || f[2].is_empty() {
        return Err(format!("`{s}`: empty vendor or product"));
    }
    Ok(Identity {
        part,
        vendor: Some(f[1].to_lowercase()),
        product: f[2].to_lowercase(),
        target_sw: f.get(3).map(|t| vec![t.to_lowercase()]).unwrap_or_default(),
    })
}

impl Mapping {
    /// The built-in table.
    #[must_use]
    pub fn builtin() -> Mapping {
        let mut m = Mapping::default();
        // The built-in table is tested to parse (see the tests below).
        let _ = m.merge("cpe-map.tsv (built in)", BUILTIN);
        m
    }

    /// Add the lines of `text`, replacing the entries of the pnames it names.
    ///
    /// # Errors
    /// A malformed line.
    pub fn merge(&mut self, file: &str, text: &str) -> Result<(), MappingError> {
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut words = line.split_whitespace();
            let Some(pname) = words.next() else { continue };
            let rest: Vec<&str> = words.collect();
            let err = |message: String| MappingError {
                file: file.to_string(),
                line: i + 1,
                message,
            };
            if rest.is_empty() {
                return Err(err(format!(
                    "`{pname}` has no CPE identity (use `-` for none)"
                )));
            }
            let ids = if rest == ["-"] {
                Vec::new()
            } else {
                rest.iter()
                    .map(|s| parse_identity(s))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(err)?
            };
            self.by_pname.insert(pname.to_string(), ids);
        }
        Ok(())
    }

    /// Read a user file on top.
    ///
    /// # Errors
    /// An unreadable file or a malformed line.
    pub fn merge_file(&mut self, path: &Path) -> Result<(), MappingError> {
        let text = std::fs::read_to_string(path).map_err(|e| MappingError {
            file: path.display().to_string(),
            line: 0,
            message: e.to_string(),
        })?;
        self.merge(&path.display().to_string(), &text)
    }

    /// The identities of a package: from the table when listed (`mapped = true`), else
    /// guesses with an unknown vendor (product = pname, lowercased, also with `-` as `_`).
    /// `name` is the full derivation name, used to recognise language ecosystems
    /// (`python3.11-requests-2.28.1` is a Python package: `target_sw` python is accepted).
    #[must_use]
    pub fn identities(&self, pname: &str, name: &str) -> (Vec<Identity>, bool) {
        let (pname, eco) = ecosystem(pname, name);
        if let Some(ids) = self.by_pname.get(pname) {
            return (ids.clone(), true);
        }
        let lower = pname.to_lowercase();
        let mut products = vec![lower.clone()];
        for alt in [lower.replace('-', "_"), lower.replace('_', "-")] {
            if !products.contains(&alt) {
                products.push(alt);
            }
        }
        let ids = products
            .into_iter()
            .map(|product| Identity {
                part: 'a',
                vendor: None,
                product,
                target_sw: eco.map(|e| vec![e.to_string()]).unwrap_or_default(),
            })
            .collect();
        (ids, false)
    }
}

/// `(pname without an interpreter prefix, ecosystem)` for Python and Perl packages named the
/// nixpkgs way (`python3.11-requests`, `perl5.36.0-DBI`), from the pname or the full name.
fn ecosystem<'a>(pname: &'a str, name: &str) -> (&'a str, Option<&'static str>) {
    for (prefix, eco) in [("python", "python"), ("perl", "perl")] {
        if let Some(rest) = pname.strip_prefix(prefix) {
            if let Some(i) = rest.find('-') {
                if rest[..i].chars().all(|c| c.is_ascii_digit() || c == '.') {
                    return (&rest[i + 1..], Some(eco));
                }
            }
        }
        if let Some(rest) = name.strip_prefix(prefix) {
            if let Some(i) = rest.find('-') {
                if rest[..i].chars().all(|c| c.is_ascii_digit() || c == '.')
                    && rest[i + 1..].starts_with(pname)
                {
                    return (pname, Some(eco));
                }
            }
        }
    }
    (pname, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_parses() {
        let mut m = Mapping::default();
        m.merge("builtin", BUILTIN).expect("test");
        assert!(m.by_pname.len() >= 75);
        let (ids, mapped) = m.identities("nodejs", "nodejs-18.17.1");
        assert!(mapped);
        assert_eq!(ids[0].vendor.as_deref(), Some("nodejs"));
        assert_eq!(ids[0].product, "node.js");
        let (ids, _) = m.identities("linux", "linux-6.1.55");
        assert_eq!(ids[0].part, 'o');
        assert_eq!(ids[0].product, "linux_kernel");
    }

    /// Issue 17: keys are pnames (`apache-httpd`), not attribute names (`apacheHttpd`).
    #[test]
    fn every_key_is_a_real_nixpkgs_pname() {
        let known: std::collections::BTreeSet<&str> = NIXPKGS_PNAMES
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split('\t').next())
            .collect();
        assert!(known.len() >= 75);
        let m = Mapping::builtin();
        let unknown: Vec<&String> = m
            .by_pname
            .keys()
            .filter(|k| !known.contains(k.as_str()))
            .collect();
        assert!(unknown.is_empty(), "not nixpkgs pnames: {unknown:?}");
        for (pname, product) in [
            ("apache-httpd", "http_server"),
            ("cyrus-sasl", "cyrus-sasl"),
            ("xorg-server", "x_server"),
            ("imagemagick", "imagemagick"),
        ] {
            let (ids, mapped) = m.identities(pname, &format!("{pname}-1"));
            assert!(mapped, "{pname}");
            assert_eq!(ids[0].product, product);
        }
    }

    /// Issue 17: the table's coverage of a real NixOS 25.05 closure (`data/closure-*.txt`, its
    /// origin said there): the distinct names split from its store paths like `parseDrvName`,
    /// without the unit files and the system itself; the README quotes the figures.
    #[test]
    fn coverage_of_a_nixos_server_closure() {
        let closure = include_str!("../data/closure-nixos-25.05-minimal.txt");
        let names: std::collections::BTreeSet<&str> = closure
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| crate::version::parse_drv_name(l.trim()))
            .filter(|(n, v)| !v.is_empty() && !n.starts_with("unit") && *n != "nixos-system-nixos")
            .map(|(n, _)| n)
            .collect();
        let m = Mapping::builtin();
        let named: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| m.by_pname.contains_key(*n))
            .collect();
        assert_eq!(names.len(), 150);
        for must in [
            "openssl", "openssh", "curl", "glibc", "systemd", "linux", "sudo", "zlib",
        ] {
            assert!(named.contains(&must), "{must} not in cpe-map.tsv");
        }
        assert!(
            named.len() >= 48,
            "{} of {}: {named:?}",
            named.len(),
            names.len()
        );
    }

    #[test]
    fn unmapped_and_ecosystems() {
        let m = Mapping::builtin();
        let (ids, mapped) = m.identities("foo-bar", "foo-bar-1.0");
        assert!(!mapped);
        assert_eq!(
            ids.iter().map(|i| i.product.as_str()).collect::<Vec<_>>(),
            ["foo-bar", "foo_bar"]
        );
        let (ids, _) = m.identities("python3.11-flask", "python3.11-flask-2.0");
        assert_eq!(ids[0].product, "flask");
        assert_eq!(ids[0].target_sw, ["python"]);
        let (ids, _) = m.identities("flask", "python3.11-flask-2.0");
        assert_eq!(ids[0].target_sw, ["python"]);
        let (ids, mapped) = m.identities("requests", "python3.11-requests-2.28.1");
        assert!(mapped);
        assert_eq!(ids[0].target_sw, ["python"]);
    }

    #[test]
    fn user_files_override_and_errors_name_the_line() {
        let mut m = Mapping::builtin();
        m.merge("u", "git -\nfoo a:acme:foo\n").expect("test");
        assert!(m.identities("git", "git-1").0.is_empty());
        assert_eq!(
            m.identities("foo", "foo-1").0[0].vendor.as_deref(),
            Some("acme")
        );
        let e = m.merge("u", "ok a:b:c\nbad x:y:z\n").expect_err("test");
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("unknown CPE part"));
        assert!(m.merge("u", "lonely\n").is_err());
    }
}
