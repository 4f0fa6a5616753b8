//! Configurations: an entry point (a `configuration.nix`, or a `nixosSystem`/`darwinSystem`
//! call's `modules` list) and the modules it gathers by following relative `imports`.
//!
//! Only files under the given paths are followed; anything else (an absolute path outside,
//! another flake's module, `<nixpkgs/...>`, a computed path) is noted, never read.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use nixsec_core::{LintConfiguration, Severity};
use rnix::TextRange;

use crate::engine::Indexed;
use crate::index::{Assignment, ModuleKind, ModuleRef};

/// One configuration.
#[derive(Debug, Clone)]
pub struct Configuration {
    /// `hosts/a/configuration.nix` or `flake.nix#nixosConfigurations.a`.
    pub entry: String,
    /// NixOS or nix-darwin.
    pub kind: ModuleKind,
    /// `(file, module)` pairs, the entry first.
    pub modules: Vec<(usize, usize)>,
    /// What was not followed, and why.
    pub not_followed: Vec<String>,
}

impl Configuration {
    /// The report's summary of it.
    #[must_use]
    pub fn summary(&self, files: &[Indexed]) -> LintConfiguration {
        let mut mods: Vec<String> = Vec::new();
        for (f, _) in &self.modules {
            let name = files[*f].display.clone();
            if !mods.contains(&name) {
                mods.push(name);
            }
        }
        LintConfiguration {
            entry_point: self.entry.clone(),
            kind: self.kind.as_str().to_string(),
            modules: mods,
            not_followed: self.not_followed.clone(),
        }
    }
}

/// A configuration and the files it reads: what configuration-level rules see.
pub struct ConfigView<'a> {
    /// All files of the run.
    pub files: &'a [Indexed],
    /// The configuration.
    pub cfg: &'a Configuration,
}

impl ConfigView<'_> {
    /// Every assignment of the configuration's modules, with its file.
    pub fn assignments(&self) -> impl Iterator<Item = (usize, &Assignment)> + '_ {
        self.cfg.modules.iter().flat_map(move |(fi, m)| {
            self.files[*fi]
                .index
                .assignments
                .iter()
                .filter(move |a| a.module == *m)
                .map(move |a| (*fi, a))
        })
    }

    /// Assignments to exactly `pat`.
    #[must_use]
    pub fn find(&self, pat: &[&str]) -> Vec<(usize, &Assignment)> {
        self.assignments().filter(|(_, a)| a.is(pat)).collect()
    }

    /// True when any of `pats` is assigned anywhere in the configuration.
    #[must_use]
    pub fn is_set(&self, pats: &[&[&str]]) -> bool {
        self.assignments()
            .any(|(_, a)| pats.iter().any(|p| a.is(p)))
    }

    /// The first assignment of `pat` to `true` (any priority, any condition).
    #[must_use]
    pub fn enabled(&self, pat: &[&str]) -> Option<(usize, &Assignment)> {
        self.find(pat)
            .into_iter()
            .find(|(_, a)| a.value.v.as_bool() == Some(true))
    }
}

/// A configuration-level finding, placed in one of the configuration's files.
#[derive(Debug, Clone)]
pub struct ConfigHit {
    /// Index of the file (in the run's file list).
    pub file: usize,
    /// Where in it.
    pub range: TextRange,
    /// What is wrong.
    pub message: String,
    /// Severity when not the rule's.
    pub severity: Option<Severity>,
    /// The exact NixOS line to add.
    pub fix: Option<String>,
    /// The option concerned.
    pub option: String,
    /// The value there, if any.
    pub value: Option<String>,
    /// Condition of the assignment the finding points at.
    pub condition: Option<String>,
}

/// Canonical path of each file, to its index.
#[must_use]
pub fn path_map(files: &[Indexed]) -> HashMap<PathBuf, usize> {
    files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.clone(), i))
        .collect()
}

/// Lexically normalise `a/b/../c` to `a/c` (no file system access).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Where a path literal written in `from` (a canonical path) points, when it is a file under one of `roots`
/// (a directory means its `default.nix`). `None` for anything outside the given paths or
/// missing.
#[must_use]
pub fn resolve(from: &Path, written: &str, roots: &[PathBuf]) -> Option<PathBuf> {
    if !(written.starts_with("./") || written.starts_with("../")) {
        return None;
    }
    let target = normalize(&from.parent()?.join(written));
    // Checked lexically first, so nothing outside the given paths is even looked at.
    if !roots.iter().any(|r| target.starts_with(r)) {
        return None;
    }
    let target = if target.is_dir() {
        target.join("default.nix")
    } else {
        target
    };
    let canon = target.canonicalize().ok()?;
    roots.iter().any(|r| canon.starts_with(r)).then_some(canon)
}

/// Find every configuration among `files`.
#[must_use]
pub fn gather(files: &[Indexed], roots: &[PathBuf]) -> Vec<Configuration> {
    let by_path = path_map(files);
    let mut out = Vec::new();
    let mut in_systems: HashSet<usize> = HashSet::new();
    for (fi, f) in files.iter().enumerate() {
        for s in &f.index.systems {
            let mut c = Configuration {
                entry: format!("{}#{}", f.display, s.name),
                kind: s.kind,
                modules: Vec::new(),
                not_followed: Vec::new(),
            };
            let mut queue: Vec<(usize, ModuleRef)> =
                s.modules.iter().map(|m| (fi, m.clone())).collect();
            queue.reverse();
            follow(files, roots, &by_path, &mut c, queue);
            for (mf, _) in &c.modules {
                in_systems.insert(*mf);
            }
            out.push(c);
        }
    }
    // A `configuration.nix` that another module imports is part of that module's system
    // (for example a flake-parts host directory), not an entry point of its own.
    let mut imported: HashSet<usize> = HashSet::new();
    for f in files {
        for m in &f.index.modules {
            for r in &m.imports {
                if let ModuleRef::Path(p, _) = r {
                    if let Some(j) = resolve(&f.path, p, roots).and_then(|t| by_path.get(&t)) {
                        imported.insert(*j);
                    }
                }
            }
        }
    }
    for (fi, f) in files.iter().enumerate() {
        let is_entry = f.path.file_name().is_some_and(|n| n == "configuration.nix")
            && f.index.modules[0].is_module
            && f.index.errors.is_empty()
            && !in_systems.contains(&fi)
            && !imported.contains(&fi);
        if !is_entry {
            continue;
        }
        let mut c = Configuration {
            entry: f.display.clone(),
            kind: f.kinds[0],
            modules: Vec::new(),
            not_followed: Vec::new(),
        };
        c.modules.push((fi, 0));
        let queue: Vec<(usize, ModuleRef)> = f.index.modules[0]
            .imports
            .iter()
            .rev()
            .map(|m| (fi, m.clone()))
            .collect();
        follow(files, roots, &by_path, &mut c, queue);
        out.push(c);
    }
    out
}

fn follow(
    files: &[Indexed],
    roots: &[PathBuf],
    by_path: &HashMap<PathBuf, usize>,
    c: &mut Configuration,
    mut queue: Vec<(usize, ModuleRef)>,
) {
    let mut seen: HashSet<(usize, usize)> = c.modules.iter().copied().collect();
    while let Some((fi, r)) = queue.pop() {
        let target = match &r {
            ModuleRef::Inline(m) => Some((fi, *m)),
            ModuleRef::Path(p, _) => match resolve(&files[fi].path, p, roots) {
                Some(t) => match by_path.get(&t) {
                    Some(j) => Some((*j, 0)),
                    None => {
                        c.not_followed.push(format!(
                            "{p} (from `{}`: not a linted file)",
                            files[fi].display
                        ));
                        None
                    }
                },
                None => {
                    c.not_followed.push(format!(
                        "{p} (from `{}`: outside the given paths or missing)",
                        files[fi].display
                    ));
                    None
                }
            },
            ModuleRef::External(t, _) => {
                c.not_followed.push(format!(
                    "{t} (from `{}`: not a relative path)",
                    files[fi].display
                ));
                None
            }
        };
        let Some((tf, tm)) = target else { continue };
        if !seen.insert((tf, tm)) {
            continue;
        }
        // Home-manager modules are not part of the system configuration.
        if files[tf].kinds.get(tm) == Some(&ModuleKind::HomeManager) {
            continue;
        }
        c.modules.push((tf, tm));
        if files[tf].index.errors.is_empty() {
            for m in files[tf].index.modules[tm].imports.iter().rev() {
                queue.push((tf, m.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{lint, LintOptions};
    use nixsec_core::{LintFinding, Severity, Status};
    use std::path::Path;

    fn write(root: &Path, name: &str, text: &str) {
        let p = root.join(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::write(p, text).expect("write");
    }

    type Row = (String, String, u32, Option<String>);

    /// `(rule, file relative to root, line, entry point)` of active failures.
    fn run(root: &Path) -> (Vec<Row>, crate::engine::LintOutput) {
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        let prefix = format!("{}/", root.display());
        let strip = |s: &str| s.strip_prefix(&prefix).unwrap_or(s).to_string();
        let mut v: Vec<_> = out
            .findings
            .iter()
            .filter(|f: &&LintFinding| {
                f.finding.status == Status::Fail && f.finding.ignored.is_none()
            })
            .map(|f| {
                (
                    f.finding.rule.clone(),
                    strip(&f.file),
                    f.line,
                    f.entry_point.as_deref().map(strip),
                )
            })
            .collect();
        v.sort();
        (v, out)
    }

    #[test]
    fn configuration_nix_follows_imports_and_applies_defaults() {
        let d = tempfile::tempdir().expect("tempdir");
        let root = d.path().join("etc-nixos");
        write(
            &root,
            "configuration.nix",
            "{ ... }: {\n  imports = [ ./ssh.nix ./boot ../outside.nix ];\n}\n",
        );
        write(&root, "ssh.nix", "{\n  services.openssh.enable = true;\n  services.openssh.settings.KbdInteractiveAuthentication = false;\n}\n");
        write(
            &root,
            "boot/default.nix",
            "{\n  boot.loader.systemd-boot.enable = true;\n}\n",
        );
        write(
            d.path(),
            "outside.nix",
            "{ services.openssh.settings.PasswordAuthentication = false; }",
        );
        let (hits, out) = run(&root);
        assert_eq!(
            hits,
            [
                (
                    "NIX-078".into(),
                    "ssh.nix".into(),
                    2,
                    Some("configuration.nix".into())
                ),
                (
                    "NIX-079".into(),
                    "ssh.nix".into(),
                    2,
                    Some("configuration.nix".into())
                ),
                (
                    "NIX-090".into(),
                    "boot/default.nix".into(),
                    2,
                    Some("configuration.nix".into())
                ),
            ]
        );
        let f = out
            .findings
            .iter()
            .find(|f| f.finding.rule == "NIX-079")
            .expect("079");
        assert!(
            f.finding
                .message
                .contains("`PasswordAuthentication` is never set"),
            "{}",
            f.finding.message
        );
        assert_eq!(
            f.finding.remediation.nixos,
            "services.openssh.settings.PasswordAuthentication = false;"
        );
        assert_eq!(f.finding.severity, Severity::Medium);
        let r078 = out
            .findings
            .iter()
            .find(|f| f.finding.rule == "NIX-078")
            .expect("078");
        assert_eq!(r078.finding.severity, Severity::Low);
        // The import outside the given path is noted, not read.
        assert_eq!(out.configurations.len(), 1);
        assert_eq!(out.configurations[0].modules.len(), 3);
        assert_eq!(out.configurations[0].not_followed.len(), 1);
        assert!(out.configurations[0].not_followed[0].starts_with("../outside.nix"));
    }

    #[test]
    fn settings_anywhere_in_the_configuration_count() {
        let d = tempfile::tempdir().expect("tempdir");
        let root = d.path();
        write(
            root,
            "configuration.nix",
            "{ imports = [ ./a.nix ./b.nix ]; }",
        );
        write(root, "a.nix", "{ services.openssh.enable = true; boot.loader.systemd-boot = { enable = true; editor = false; }; }");
        write(root, "b.nix", "{ lib, ... }: { services.openssh.settings = { PasswordAuthentication = lib.mkDefault false; KbdInteractiveAuthentication = false; PermitRootLogin = \"no\"; }; }");
        let (hits, _) = run(root);
        assert_eq!(hits, []);
    }

    #[test]
    fn flake_systems_inline_modules_and_home_manager() {
        let d = tempfile::tempdir().expect("tempdir");
        let root = d.path();
        write(
            root,
            "flake.nix",
            r#"{
  outputs = { nixpkgs, home-manager, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      modules = [
        ./hosts/box.nix
        { services.openssh.enable = true; }
        home-manager.nixosModules.home-manager
        { home-manager.users.alice = import ./home.nix; }
      ];
    };
  };
}
"#,
        );
        write(root, "hosts/box.nix", "{ services.openssh.settings = { PasswordAuthentication = false; KbdInteractiveAuthentication = false; PermitRootLogin = \"no\"; }; }");
        // A home-manager module with a NixOS look-alike: not judged as NixOS.
        write(
            root,
            "home.nix",
            "{ pkgs, ... }: { imports = [ ./hm/extra.nix ]; networking.firewall.enable = false; }",
        );
        write(
            root,
            "hm/extra.nix",
            "{ nix.settings.trusted-users = [ \"alice\" ]; }",
        );
        let (hits, out) = run(root);
        assert_eq!(hits, []);
        assert_eq!(out.configurations.len(), 1);
        assert!(out.configurations[0]
            .entry_point
            .ends_with("/flake.nix#nixosConfigurations.box"));
        assert!(out.configurations[0]
            .not_followed
            .iter()
            .any(|n| n.starts_with("home-manager.nixosModules.home-manager")));
        // Without the PasswordAuthentication line the inline module's enable is reported.
        write(root, "hosts/box.nix", "{ }");
        let (hits, _) = run(root);
        let entry = Some("flake.nix#nixosConfigurations.box".to_string());
        assert_eq!(
            hits,
            [
                ("NIX-078".into(), "flake.nix".into(), 6, entry.clone()),
                ("NIX-079".into(), "flake.nix".into(), 6, entry),
            ]
        );
    }

    #[test]
    fn an_imported_configuration_nix_is_not_an_entry_point() {
        let d = tempfile::tempdir().expect("tempdir");
        let root = d.path();
        write(
            root,
            "host/default.nix",
            "{ imports = [ ./configuration.nix ]; }",
        );
        write(
            root,
            "host/configuration.nix",
            "{ services.openssh.enable = true; }",
        );
        let (hits, out) = run(root);
        assert_eq!(hits, []);
        assert!(out.configurations.is_empty());
    }

    #[test]
    fn parse_errors_are_errors_and_the_rest_goes_on() {
        let d = tempfile::tempdir().expect("tempdir");
        let root = d.path();
        write(root, "bad.nix", "{\n  a = 1;\n  b = ;\n}\n");
        write(root, "good.nix", "{ networking.firewall.enable = false; }");
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        let err = out
            .findings
            .iter()
            .find(|f| f.finding.status == Status::Error)
            .expect("error");
        assert!(err.file.ends_with("bad.nix"));
        assert_eq!((err.line, err.column), (3, 7));
        assert!(
            err.finding
                .message
                .starts_with("does not parse: unexpected `;`"),
            "{}",
            err.finding.message
        );
        assert!(out.findings.iter().any(|f| f.finding.rule == "NIX-070"));
    }
}
