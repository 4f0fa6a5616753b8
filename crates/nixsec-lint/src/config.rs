//! Configurations: an entry point and the modules it gathers by following its imports.
//!
//! Entry points, in order: every system-building call (`nixosSystem`, `darwinSystem`, helpers
//! such as `mkHost { modules = [ ... ]; }`, colmena nodes, clan machines), one configuration
//! per host when a helper's modules are a path built per host (`./hosts/${name}`: every file or
//! directory that matches), each `configuration.nix` nothing imports, and, for the modules no
//! entry point reaches, each module that looks like a host (it sets `system.stateVersion` or
//! `networking.hostName`, imports a hardware configuration, or is `hosts/<name>/default.nix`).
//! The modules a helper adds to every host (`nixosSystem { modules = modules ++ [ ./common ]; }`)
//! are added to the hosts of the same repository that are not built by `nixosSystem` itself.
//!
//! Imports followed: relative paths, paths built from known strings, directories listed by a
//! function (`listFilesRecursive ./modules`), strings relative to the file or the repository
//! (`relativeToRoot "hosts/common"`) and this flake's own modules (`self.nixosModules.NAME`,
//! `config.flake.modules.nixos.NAME`, `with config.flake.modules.nixos; [ NAME ]`).
//! Only files under the given paths are read; anything else (another flake's module,
//! `<nixpkgs/...>`, a computed path) is noted, never read; the module sets of [`crate::known`]
//! are known without being read.

use crate::fast::{HashMap, HashSet};
use std::cell::RefCell;
use std::path::{Component, Path, PathBuf};

use nixsec_core::{LintConfiguration, Severity};
use rnix::TextRange;

use crate::engine::Indexed;
use crate::index::{Assignment, ModuleKind, ModuleRef, PER_HOST, SELF_TEMPLATE};
use crate::known::{self, KnownSet};

/// A module set imported from outside the given paths that nixsec knows.
#[derive(Debug, Clone)]
pub struct KnownImport {
    /// The file that imports it.
    pub file: usize,
    /// The import as written.
    pub range: TextRange,
    /// What it is.
    pub set: &'static KnownSet,
}

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
    /// Imports not followed that may set any option (another flake's module nixsec does not
    /// know, a path outside the given paths or built per host), as written.
    pub unknown: Vec<String>,
    /// Known module sets it imports.
    pub known: Vec<KnownImport>,
    /// A module no host imports, checked on its own with what it imports: its default-based
    /// findings are only those placed in files no host reaches.
    pub alone: bool,
    /// Modules reached and left out by a `disabledModules` of the configuration.
    pub disabled: Vec<(usize, usize)>,
}

impl Configuration {
    fn new(entry: String, kind: ModuleKind) -> Configuration {
        Configuration {
            entry,
            kind,
            modules: Vec::new(),
            not_followed: Vec::new(),
            unknown: Vec::new(),
            known: Vec::new(),
            alone: false,
            disabled: Vec::new(),
        }
    }

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

/// Where a default-based finding is placed: the assignment or known import that turned the
/// feature on.
#[derive(Debug, Clone)]
pub struct Place<'a> {
    /// The file.
    pub file: usize,
    /// The value, or the import.
    pub range: TextRange,
    /// The condition of the assignment.
    pub condition: Option<String>,
    /// The assignment, when it is one.
    pub assignment: Option<&'a Assignment>,
    /// The known module set that turns it on, when it is one.
    pub by: Option<&'static KnownSet>,
}

impl<'a> Place<'a> {
    /// The value of assignment `a` of file `file`, under its condition.
    fn written(file: usize, a: &'a Assignment) -> Place<'a> {
        Place {
            file,
            range: a.value.range,
            condition: a.condition.clone(),
            assignment: Some(a),
            by: None,
        }
    }
}

/// A configuration and the files it reads: what configuration-level rules see.
pub struct ConfigView<'a> {
    /// All files of the run.
    pub files: &'a [Indexed],
    /// The configuration.
    pub cfg: &'a Configuration,
    /// For each file, how many host configurations reach it (empty: not known).
    pub reach: &'a [usize],
}

/// `t` without the parentheses that enclose all of it (`(a && b)`: `a && b`).
fn strip_outer_parens(mut t: &str) -> &str {
    while let Some(inner) = t.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        // `(a) && (b)` starts and ends with parentheses that do not enclose it whole.
        let mut depth = 0i32;
        let encloses = inner.chars().all(|c| {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            depth >= 0
        });
        if !encloses {
            break;
        }
        t = inner.trim();
    }
    t
}

/// `t` split at `sep` where it is outside parentheses, brackets, braces and strings; `None` when
/// they do not balance.
fn split_top_level<'t>(t: &'t str, sep: &str) -> Option<Vec<&'t str>> {
    let b = t.as_bytes();
    let mut depth = 0i32;
    let mut in_str = false;
    let mut start = 0;
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == b'"' {
                in_str = false;
            }
        } else {
            match c {
                b'"' => in_str = true,
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth -= 1;
                    if depth < 0 {
                        return None;
                    }
                }
                _ if depth == 0 && b[i..].starts_with(sep.as_bytes()) => {
                    out.push(&t[start..i]);
                    i += sep.len();
                    start = i;
                    continue;
                }
                _ => {}
            }
        }
        i += 1;
    }
    if depth != 0 || in_str {
        return None;
    }
    out.push(&t[start..]);
    Some(out)
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

    /// Whether a condition as written in file `file` holds in this host: a conjunction
    /// (`a && b`, the conditions a setting is under joined by ` && `) is false when one of its
    /// parts is, a negation (`!a`, `!(a)`) the opposite of its part, and each part an option
    /// [`ConfigView::condition_holds`] knows. `None` when it cannot be told (a part written
    /// otherwise, a disjunction, parentheses that do not balance, a text cut short).
    #[must_use]
    pub fn condition_value(&self, file: usize, cond: &str) -> Option<bool> {
        // A text cut short (`a && b.c…`) may hide a disjunction after the cut: not judged.
        if cond.ends_with('…') {
            return None;
        }
        self.condition_value_at(file, cond, 0)
    }

    fn condition_value_at(&self, file: usize, cond: &str, depth: u32) -> Option<bool> {
        if depth > 16 {
            return None;
        }
        let t = strip_outer_parens(cond.trim());
        // A disjunction is not judged (`a || b`: either may hold), nor a text that mixes one
        // with conjunctions outside parentheses (`a || b && c` is `a || (b && c)`).
        if split_top_level(t, " || ")?.len() > 1 {
            return None;
        }
        let parts = split_top_level(t, " && ")?;
        if parts.len() > 1 {
            let mut all = true;
            for p in parts {
                match self.condition_value_at(file, p, depth + 1) {
                    Some(false) => return Some(false),
                    Some(true) => {}
                    None => all = false,
                }
            }
            return all.then_some(true);
        }
        match t.strip_prefix('!') {
            Some(inner) => self.condition_value_at(file, inner, depth + 1).map(|v| !v),
            None => self.condition_holds(file, t),
        }
    }

    /// Whether `cond` (a condition as written in file `file`) holds in this host, when it is
    /// one option of the repository's own (`mkIf cfg.enable` with `cfg =
    /// config.my.secureboot`, `config.__cfg.secureboot.enable`): `true` when the host sets it
    /// `true` unconditionally, `false` when nothing in the host sets it `true` and no file
    /// declares it on by default. `None` for anything else (a NixOS option, a condition
    /// written otherwise, a module checked on its own).
    #[must_use]
    pub fn condition_holds(&self, file: usize, cond: &str) -> Option<bool> {
        if self.cfg.alone {
            return None;
        }
        let (_, path) = self
            .files
            .get(file)?
            .index
            .condition_options
            .iter()
            .find(|(t, _)| t == cond)?;
        // A NixOS option, or a name nixsec could not resolve (`config.${namespace}.x`, with
        // the namespace a framework hands to the module): not known.
        if path
            .first()
            .is_some_and(|f| crate::index::NIXOS_NAMESPACES.contains(&f.as_str()))
            || path.iter().any(|p| p.contains("${"))
        {
            return None;
        }
        let pat: Vec<&str> = path.iter().map(String::as_str).collect();
        let set: Vec<&Assignment> = self.find(&pat).into_iter().map(|(_, a)| a).collect();
        if set
            .iter()
            .any(|a| a.condition.is_none() && a.value.v.as_bool() == Some(true))
        {
            return Some(true);
        }
        // Set another way (under a condition, to a value nixsec does not know), or declared on
        // by default somewhere: not known.
        if set.iter().any(|a| a.value.v.as_bool() != Some(false))
            || self.files.iter().any(|f| {
                f.index
                    .option_defaults
                    .iter()
                    .any(|(p, v)| p == path && v.v.as_bool() != Some(false))
            })
        {
            return None;
        }
        // Off only when a file of the run declares it (`mkEnableOption`): an option declared
        // nowhere here may come from a module nixsec does not follow.
        let [a, b, ..] = path.as_slice() else {
            return None;
        };
        let ns = [a.clone(), b.clone()];
        let declared = self.files.iter().any(|f| {
            f.index.option_defaults.iter().any(|(p, _)| p == path)
                || f.index.modules.iter().any(|m| m.declared.contains(&ns))
        });
        declared.then_some(false)
    }

    /// Assignments to exactly `pat`.
    #[must_use]
    pub fn find(&self, pat: &[&str]) -> Vec<(usize, &Assignment)> {
        self.assignments().filter(|(_, a)| a.is(pat)).collect()
    }

    /// True when any of `pats` is assigned anywhere in the configuration, or set by a known
    /// module set it imports.
    #[must_use]
    pub fn is_set(&self, pats: &[&[&str]]) -> bool {
        self.assignments()
            .any(|(_, a)| pats.iter().any(|p| a.is(p)))
            || pats.iter().any(|p| self.known_value(p).is_some())
    }

    /// The value a known module set it imports gives `pat`, with the set.
    #[must_use]
    pub fn known_value(&self, pat: &[&str]) -> Option<(&'static KnownSet, &'static str)> {
        let option = pat.join(".");
        self.cfg
            .known
            .iter()
            .find_map(|k| known::value_of(k.set, &option).map(|v| (k.set, v)))
    }

    /// The first assignment of `pat` to `true` (any priority, any condition), or the known
    /// module set that sets it to `true`.
    #[must_use]
    pub fn enabled(&self, pat: &[&str]) -> Option<Place<'_>> {
        // Turned off for good: an unconditional `false` of a stronger priority (`mkForce
        // false` beside a plain `true`, or a plain `false` beside `mkDefault true`) wins over
        // every `true` of a weaker one.
        let off = self
            .find(pat)
            .into_iter()
            .filter(|(_, a)| a.condition.is_none() && a.value.v.as_bool() == Some(false))
            .map(|(_, a)| a.priority)
            .min();
        // An unconditional one first: the feature is on whatever the conditions of others.
        let on: Vec<(usize, &Assignment)> = self
            .find(pat)
            .into_iter()
            .filter(|(_, a)| {
                a.value.v.as_bool() == Some(true) && off.is_none_or(|p| a.priority <= p)
            })
            .collect();
        if on.is_empty() && off.is_some() {
            return None;
        }
        // Several modules turn it on: the one most hosts share (where one fix serves them all),
        // else the first.
        let shared = |f: usize| self.reach.get(f).copied().unwrap_or(0);
        let first = on
            .iter()
            .filter(|(_, a)| a.condition.is_none())
            .fold(None, |best: Option<&(usize, &Assignment)>, x| match best {
                Some(b) if shared(b.0) >= shared(x.0) => Some(b),
                _ => Some(x),
            })
            .or_else(|| on.first())
            .copied();
        if let Some((file, a)) = first {
            return Some(Place::written(file, a));
        }
        let option = pat.join(".");
        let known = self.cfg.known.iter().find_map(|k| {
            (known::value_of(k.set, &option) == Some("true")).then_some(Place {
                file: k.file,
                range: k.range,
                condition: None,
                assignment: None,
                by: Some(k.set),
            })
        });
        if known.is_some() {
            return known;
        }
        // nixpkgs' installation-device profile enables sshd without starting it (its
        // `systemd.services.sshd.wantedBy = mkOverride 50 [ ]`): a host that starts it at boot
        // anyway (`wantedBy = lib.mkForce [ "multi-user.target" ]`, a priority the profile's does
        // not beat) runs the profile's sshd. Turned on where it is started.
        if option == "services.openssh.enable"
            && self.cfg.known.iter().any(|k| known::is_installer(k.set))
            && self.find(&["services", "sshd", "enable"]).is_empty()
        {
            let started = self
                .find(&["systemd", "services", "sshd", "wantedBy"])
                .into_iter()
                .find(|(_, a)| {
                    a.priority <= crate::index::priority::FORCE
                        && matches!(&a.value.v, crate::value::Value::List(items) if !items.is_empty())
                });
            if let Some((file, a)) = started {
                return Some(Place::written(file, a));
            }
        }
        // A value nixsec cannot know (`lib.mkDefault (!pkgs.stdenv.isAarch64)`,
        // `cfg.enable`): on when it is true.
        self.find(pat)
            .into_iter()
            .find(|(_, a)| a.value.v.is_unknown())
            .map(|(file, a)| {
                let when = format!(
                    "`{}` is true",
                    crate::value::snippet(&a.value.v.to_string())
                );
                Place {
                    file,
                    range: a.value.range,
                    condition: Some(match &a.condition {
                        Some(c) => format!("{c} && {when}"),
                        None => when,
                    }),
                    assignment: Some(a),
                    by: None,
                }
            })
    }

    /// For a finding that says an option is never set: the imports nixsec did not follow that
    /// may set it, as a condition (`None` when every import was followed or is known).
    #[must_use]
    pub fn unless_set_elsewhere(&self) -> Option<String> {
        if self.cfg.unknown.is_empty() {
            return None;
        }
        let shown: Vec<String> = self
            .cfg
            .unknown
            .iter()
            .take(3)
            .map(|u| {
                if u == CLAN_MODULES {
                    u.clone()
                } else {
                    format!("`{u}`")
                }
            })
            .collect();
        let more = self.cfg.unknown.len().saturating_sub(3);
        Some(format!(
            "unless set by {}{} (not followed)",
            shown.join(", "),
            if more > 0 {
                format!(" or {more} more")
            } else {
                String::new()
            }
        ))
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
    /// Condition of the assignment the finding points at, or the imports that may make it
    /// moot.
    pub condition: Option<String>,
    /// What the finding is about (one of several keys left at their default), when the rule
    /// names it.
    pub subject: Option<String>,
}

impl ConfigHit {
    /// A finding that an option left at its NixOS default, placed where the feature is turned
    /// on; conditional when an import nixsec did not follow may set the option.
    #[must_use]
    pub fn default_at(
        cfg: &ConfigView<'_>,
        on: &Place<'_>,
        message: String,
        option: &str,
    ) -> ConfigHit {
        let mut message = message;
        if let Some(k) = on.by {
            message.push_str(&format!(" (turned on by {}, imported here)", k.name));
        }
        let unless = cfg.unless_set_elsewhere();
        if let Some(u) = &unless {
            message.push_str(&format!("; {u}"));
        }
        let condition = match (on.condition.clone(), unless) {
            (Some(c), Some(u)) => Some(format!("{c} && {u}")),
            (c, u) => c.or(u),
        };
        // From the block that turns it on (`services.openssh = {` of a nested `enable =
        // true;`): where the missing setting goes.
        // (From the enabling line itself when the block starts there.)
        let lines = cfg.files.get(on.file).map(|f| &f.lines);
        let range = match (on.assignment, lines) {
            (Some(a), Some(l)) if l.line0(a.block_start) < l.line0(on.range.start()) => {
                TextRange::new(a.block_start, on.range.end())
            }
            _ => on.range,
        };
        ConfigHit {
            file: on.file,
            range,
            message,
            severity: None,
            fix: None,
            option: option.to_string(),
            value: None,
            condition,
            subject: None,
        }
    }
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
pub(crate) fn normalize(p: &Path) -> PathBuf {
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
    if !(written.starts_with("./")
        || written.starts_with("../")
        || written == "."
        || written == "..")
    {
        return None;
    }
    resolve_in(from.parent()?, written, roots)
}

/// `written` relative to the directory `dir`, when it is a file under one of `roots`.
fn resolve_in(dir: &Path, written: &str, roots: &[PathBuf]) -> Option<PathBuf> {
    let target = normalize(&dir.join(written));
    // Checked lexically first, so nothing outside the given paths is even looked at.
    if !roots.iter().any(|r| target.starts_with(r)) {
        return None;
    }
    on_disk(target, roots)
}

/// A lexically normalized target under `roots` as a canonical file (a directory: its
/// `default.nix`), when it exists and stays under `roots`.
fn on_disk(target: PathBuf, roots: &[PathBuf]) -> Option<PathBuf> {
    let target = if target.is_dir() {
        target.join("default.nix")
    } else {
        target
    };
    let canon = target.canonicalize().ok()?;
    roots.iter().any(|r| canon.starts_with(r)).then_some(canon)
}

/// What a module reference leads to.
enum Target {
    /// A module of a linted file.
    Module(usize, usize),
    /// Not followed, and it may set anything (the note says what and why).
    Missing(String, String),
    /// Another flake's module, `<nixpkgs/...>`, a computed path: as written, and where.
    External(String, TextRange),
}

/// Resolves module references of linted files.
pub(crate) struct Resolver<'a> {
    files: &'a [Indexed],
    roots: &'a [PathBuf],
    by_path: HashMap<PathBuf, usize>,
    /// Exported modules by name: `(file, reference)`.
    exports: HashMap<&'a str, Vec<(usize, &'a ModuleRef)>>,
    /// The repository root of a directory (cached).
    repo: RefCell<HashMap<PathBuf, PathBuf>>,
    /// Each file's repository root as an index into `repo_roots` (cached: files are compared
    /// by repository for every configuration).
    file_repo: RefCell<Vec<Option<usize>>>,
    /// The repository roots found, and their indexes.
    repo_roots: RefCell<(Vec<PathBuf>, HashMap<PathBuf, usize>)>,
    /// The files in the order of their paths' bytes, each with the given path it is below
    /// (an index of `roots`): the files below a directory are one run of them, found by
    /// binary search (a directory import is a look-up, not a scan of every file). Made at the
    /// first directory import.
    sorted: std::cell::OnceCell<Vec<(usize, usize)>>,
    /// What each lexically normalized import target resolved to on disk (cached: the same
    /// imports are resolved again for every configuration).
    on_disk: RefCell<HashMap<PathBuf, Option<PathBuf>>>,
}

impl<'a> Resolver<'a> {
    pub(crate) fn new(files: &'a [Indexed], roots: &'a [PathBuf]) -> Resolver<'a> {
        let mut exports: HashMap<&str, Vec<(usize, &ModuleRef)>> = HashMap::default();
        for (fi, f) in files.iter().enumerate() {
            for (name, r) in &f.index.exports {
                exports.entry(name.as_str()).or_default().push((fi, r));
            }
        }
        Resolver {
            files,
            roots,
            by_path: path_map(files),
            exports,
            repo: RefCell::new(HashMap::default()),
            file_repo: RefCell::new(vec![None; files.len()]),
            repo_roots: RefCell::new((Vec::new(), HashMap::default())),
            sorted: std::cell::OnceCell::new(),
            on_disk: RefCell::new(HashMap::default()),
        }
    }

    /// The files below the directory `dir` (at any depth, in file order), within the given
    /// path each file was found under. `dir` is a normalized path, as the files' are: a file
    /// is below it when its path's bytes start with `dir` and a `/`.
    fn below(&self, dir: &Path) -> Vec<usize> {
        use std::os::unix::ffi::OsStrExt;
        let bytes = |fi: usize| self.files[fi].path.as_os_str().as_bytes();
        let sorted = self.sorted.get_or_init(|| {
            let mut v: Vec<(usize, usize)> = self
                .files
                .iter()
                .enumerate()
                .filter_map(|(fi, f)| {
                    let top = self.roots.iter().position(|r| f.path.starts_with(r))?;
                    Some((fi, top))
                })
                .collect();
            v.sort_by(|a, b| bytes(a.0).cmp(bytes(b.0)));
            v
        });
        let d = dir.as_os_str().as_bytes();
        let mut prefix = d.to_vec();
        if !prefix.ends_with(b"/") {
            prefix.push(b'/');
        }
        let start = sorted.partition_point(|&(fi, _)| bytes(fi) < prefix.as_slice());
        let mut out: Vec<usize> = sorted[start..]
            .iter()
            .take_while(|&&(fi, _)| bytes(fi).starts_with(&prefix))
            // A file is listed for the directories from its own up to the given path it was
            // found under, not above it.
            .filter(|&&(_, top)| dir.starts_with(&self.roots[top]))
            .map(|&(fi, _)| fi)
            .collect();
        out.sort_unstable();
        out
    }

    /// The root of the repository a file is in: the nearest directory above it with a
    /// `flake.nix` or `.git`, within the given paths (else the given path itself).
    fn repo_root(&self, file: usize) -> PathBuf {
        let id = self.repo_id(file);
        self.repo_roots.borrow().0[id].clone()
    }

    /// The index of [`Resolver::repo_root`] of a file: equal for files of one repository.
    fn repo_id(&self, file: usize) -> usize {
        if let Some(&Some(id)) = self.file_repo.borrow().get(file) {
            return id;
        }
        let root = self.find_repo_root(file);
        let id = {
            let mut roots = self.repo_roots.borrow_mut();
            let (list, ids) = &mut *roots;
            match ids.get(&root) {
                Some(&id) => id,
                None => {
                    list.push(root.clone());
                    ids.insert(root, list.len() - 1);
                    list.len() - 1
                }
            }
        };
        if let Some(slot) = self.file_repo.borrow_mut().get_mut(file) {
            *slot = Some(id);
        }
        id
    }

    /// [`Resolver::repo_root`], looked up by directory.
    fn find_repo_root(&self, file: usize) -> PathBuf {
        let Some(dir) = self.files[file].path.parent() else {
            return PathBuf::new();
        };
        if let Some(r) = self.repo.borrow().get(dir) {
            return r.clone();
        }
        let top = self
            .roots
            .iter()
            .filter(|r| dir.starts_with(r))
            .max_by_key(|r| r.as_os_str().len())
            .cloned()
            .unwrap_or_else(|| dir.to_path_buf());
        let mut found = top.clone();
        for anc in dir.ancestors() {
            if !anc.starts_with(&top) {
                break;
            }
            if self.is_flake(&anc.join("flake.nix")) || anc.join(".git").exists() {
                found = anc.to_path_buf();
                break;
            }
        }
        self.repo
            .borrow_mut()
            .insert(dir.to_path_buf(), found.clone());
        found
    }

    /// True when `path` is a flake: a `flake.nix` with `outputs`. A flake-parts module named
    /// `flake.nix` inside a flake (`modules/flake.nix` of an import-tree) is no flake of its
    /// own: the files beside it are the flake's.
    fn is_flake(&self, path: &Path) -> bool {
        match self.by_path.get(path).map(|&i| &self.files[i]) {
            // The words of its text were recorded as it was indexed.
            Some(f) if f.read_error.is_none() => f.index.words.has(crate::words::OUTPUTS),
            // Its text could not be indexed: read again.
            Some(_) => std::fs::read_to_string(path).is_ok_and(|t| t.contains("outputs")),
            None => path.is_file(),
        }
    }

    /// [`resolve`], with what the disk said cached.
    fn resolve_from(&self, from: &Path, written: &str) -> Option<PathBuf> {
        if !(written.starts_with("./")
            || written.starts_with("../")
            || written == "."
            || written == "..")
        {
            return None;
        }
        self.resolve_dir(from.parent()?, written)
    }

    /// [`resolve_in`], with what the disk said cached.
    fn resolve_dir(&self, dir: &Path, written: &str) -> Option<PathBuf> {
        let target = normalize(&dir.join(written));
        if !self.roots.iter().any(|r| target.starts_with(r)) {
            return None;
        }
        if let Some(hit) = self.on_disk.borrow().get(&target) {
            return hit.clone();
        }
        // A linted file (its path is canonical), or a directory with a linted `default.nix`,
        // is what the disk would say: no system call.
        let dir_default = target.join("default.nix");
        let found = if self.by_path.contains_key(&target) {
            Some(target.clone())
        } else if self.by_path.contains_key(&dir_default) {
            Some(dir_default)
        } else {
            on_disk(target.clone(), self.roots)
        };
        self.on_disk.borrow_mut().insert(target, found.clone());
        found
    }

    fn file_of(&self, p: &Path) -> Option<usize> {
        self.by_path.get(p).copied()
    }

    /// Every module a reference of file `from` leads to.
    fn resolve(&self, from: usize, r: &ModuleRef, out: &mut Vec<Target>, depth: u32) {
        if depth > 8 {
            return;
        }
        let shown = &self.files[from].display;
        match r {
            ModuleRef::Inline(m) => out.push(Target::Module(from, *m)),
            ModuleRef::Path(p, range) => {
                if !(p.starts_with("./") || p.starts_with("../") || p == "." || p == "..") {
                    out.push(Target::External(p.clone(), *range));
                    return;
                }
                match self.resolve_from(&self.files[from].path, p) {
                    Some(t) => match self.file_of(&t) {
                        Some(j) => out.push(Target::Module(j, 0)),
                        None => out.push(Target::Missing(
                            p.clone(),
                            format!("{p} (from `{shown}`: not a linted file)"),
                        )),
                    },
                    None => out.push(Target::Missing(
                        p.clone(),
                        format!("{p} (from `{shown}`: outside the given paths or missing)"),
                    )),
                }
            }
            ModuleRef::Rooted(s, _) => {
                let here = self.files[from].path.parent().map(Path::to_path_buf);
                let repo = self.repo_root(from);
                let t = here
                    .and_then(|d| self.resolve_dir(&d, s))
                    .or_else(|| self.resolve_dir(&repo, s));
                match t.and_then(|t| self.file_of(&t)) {
                    Some(j) => out.push(Target::Module(j, 0)),
                    None => out.push(Target::Missing(
                        s.clone(),
                        format!("\"{s}\" (from `{shown}`: not found relative to the file or the repository)"),
                    )),
                }
            }
            ModuleRef::Dir(d, _) => {
                let (d, recursive) = match d.strip_suffix("/**") {
                    Some(d) => (d, true),
                    None => (d.as_str(), false),
                };
                let Some(parent) = self.files[from].path.parent() else {
                    return;
                };
                let dir = normalize(&parent.join(d));
                if !self.roots.iter().any(|r| dir.starts_with(r)) {
                    out.push(Target::Missing(
                        d.to_string(),
                        format!("{d} (from `{shown}`: outside the given paths)"),
                    ));
                    return;
                }
                let below = self.below(&dir);
                let mut found: Vec<usize> = below
                    .into_iter()
                    .map(|j| (j, &self.files[j]))
                    .filter(|(j, f)| {
                        *j != from
                            && (recursive
                                || f.path.parent() == Some(dir.as_path())
                                || (f.path.file_name().is_some_and(|n| n == "default.nix")
                                    && f.path.parent().and_then(Path::parent)
                                        == Some(dir.as_path())))
                    })
                    .map(|(j, _)| j)
                    .collect();
                found.sort_unstable();
                out.extend(found.into_iter().map(|j| Target::Module(j, 0)));
            }
            ModuleRef::Template(t, _) => out.push(Target::Missing(
                t.clone(),
                format!("{t} (from `{shown}`: a path built per host)"),
            )),
            ModuleRef::Flake(name, range) => {
                let before = out.len();
                self.flake_module(from, name, out, depth);
                if out.len() == before {
                    out.push(Target::Missing(
                        format!("self.nixosModules.{name}"),
                        format!("self.nixosModules.{name} (from `{shown}`: not found in the given paths)"),
                    ));
                    let _ = range;
                }
            }
            // ez-configs hands each host `ezModules`: the modules of `nixos-modules/` (of
            // `darwin-modules/` for a host under `darwin-configurations/`).
            ModuleRef::External(t, _)
                if t.strip_prefix("ezModules.")
                    .is_some_and(|n| !n.is_empty() && !n.contains('.') && !n.contains(' ')) =>
            {
                let name = t.trim_start_matches("ezModules.").trim_matches('"');
                let darwin = self.files[from]
                    .path
                    .components()
                    .any(|c| c.as_os_str() == "darwin-configurations");
                let name = if darwin {
                    format!("darwin:{name}")
                } else {
                    name.to_string()
                };
                let before = out.len();
                self.flake_module(from, &name, out, depth);
                if out.len() == before {
                    out.push(Target::Missing(
                        t.clone(),
                        format!("{t} (from `{shown}`: not found in the given paths)"),
                    ));
                }
            }
            ModuleRef::External(t, range) => match self.tree_reference(from, t) {
                Some(found) => out.extend(found.into_iter().map(|j| Target::Module(j, 0))),
                None => out.push(Target::External(t.clone(), *range)),
            },
            ModuleRef::Entry(file, name, _) => {
                let before = out.len();
                if let Some(j) = self
                    .resolve_from(&self.files[from].path, file)
                    .and_then(|t| self.file_of(&t))
                {
                    for (n, r2) in &self.files[j].index.exports {
                        if n == name {
                            self.resolve(j, r2, out, depth + 1);
                        }
                    }
                }
                if out.len() == before {
                    out.push(Target::Missing(
                        format!("{file}.{name}"),
                        format!(
                            "`{name}` of {file} (from `{shown}`: not found in the given paths)"
                        ),
                    ));
                }
            }
        }
    }

    /// A module named by its place in the repository's tree (kittywitch's `tree`, haumea and
    /// the like give a directory tree as nested attributes): `profiles.gui`,
    /// `hosts.amaterasu.ether`, `nixfiles.profiles.base` (after one name for the tree itself)
    /// is `profiles/gui.nix`, `profiles/gui/default.nix`, or the directory `profiles/gui/`
    /// whose every `.nix` file is the module (the tree's directory functor). Only names whose
    /// first directory is one of the repository's top-level ones.
    fn tree_reference(&self, from: usize, t: &str) -> Option<Vec<usize>> {
        let comps: Vec<&str> = t.split('.').collect();
        let ident = |c: &&str| {
            c.chars()
                .next()
                .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_')
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '\''))
        };
        if comps.len() < 2
            || !comps.iter().all(ident)
            || matches!(
                comps[0],
                "inputs" | "config" | "options" | "pkgs" | "lib" | "self" | "modulesPath"
            )
        {
            return None;
        }
        let root = self.repo_root(from);
        for start in 0..=1 {
            let rest = comps.get(start..).filter(|r| r.len() >= 2)?;
            let top = root.join(rest[0]);
            if self.below(&top).is_empty() {
                continue;
            }
            let mut p = root.clone();
            for c in rest {
                p.push(c);
            }
            let file = p.with_file_name(format!("{}.nix", rest[rest.len() - 1]));
            if let Some(j) = self
                .file_of(&file)
                .or_else(|| self.file_of(&p.join("default.nix")))
            {
                return (j != from).then(|| vec![j]);
            }
            let mut inside: Vec<usize> = self
                .below(&p)
                .into_iter()
                .filter(|&j| j != from && self.files[j].path.parent() == Some(p.as_path()))
                .collect();
            if !inside.is_empty() {
                inside.sort_unstable();
                return Some(inside);
            }
        }
        None
    }

    /// The modules exported under the names `keep` takes, by files of the repository of file
    /// `from`, in the order `builtins.attrValues` gives them: by name (Nix sorts a set's
    /// names), then by file and place in the file ([`Resolver::exports`] is a map, in no
    /// order).
    fn exports_in_attr_order(
        &self,
        from: usize,
        keep: impl Fn(&str) -> bool,
    ) -> Vec<(usize, &'a ModuleRef)> {
        let repo = self.repo_id(from);
        let place = |fi: usize, r: &ModuleRef| {
            self.files[fi]
                .index
                .exports
                .iter()
                .position(|(_, x)| std::ptr::eq(x, r))
        };
        let mut named: Vec<(&str, usize, &ModuleRef)> = Vec::new();
        for (&n, list) in self.exports.iter().filter(|(n, _)| keep(n)) {
            named.extend(
                list.iter()
                    .filter(|(fi, _)| self.repo_id(*fi) == repo)
                    .map(|&(fi, r)| (n, fi, r)),
            );
        }
        named.sort_by_key(|&(n, fi, r)| (n, fi, place(fi, r)));
        named.into_iter().map(|(_, fi, r)| (fi, r)).collect()
    }

    /// `self.nixosModules.NAME` (`*`: every one; `*PATH`: every module the file at PATH
    /// exports), looked up in the files of the same repository.
    fn flake_module(&self, from: usize, name: &str, out: &mut Vec<Target>, depth: u32) {
        let repo = self.repo_id(from);
        let same_repo = |fi: usize| self.repo_id(fi) == repo;
        if let Some(but) = name.strip_prefix(crate::index::FLAKE_ALL_BUT) {
            // Every NixOS module of this flake but those named.
            let but: Vec<&str> = but.split(',').collect();
            let mut direct = self.exports_in_attr_order(from, |n| {
                !(n.starts_with("darwin:") || n.starts_with('*') || but.contains(&n))
            });
            direct.dedup();
            for (fi, r) in direct {
                self.resolve(fi, r, out, depth + 1);
            }
            return;
        }
        if let Some(path) = name.strip_prefix('*').filter(|p| !p.is_empty()) {
            if let Some(j) = self
                .resolve_from(&self.files[from].path, path)
                .and_then(|t| self.file_of(&t))
            {
                for (_, r) in &self.files[j].index.exports {
                    self.resolve(j, r, out, depth + 1);
                }
            }
            return;
        }
        let mut direct: Vec<(usize, &ModuleRef)> = Vec::new();
        if name == "*" {
            direct = self.exports_in_attr_order(from, |_| true);
        } else if let Some(list) = self.exports.get(name) {
            direct.extend(list.iter().copied().filter(|(fi, _)| same_repo(*fi)));
        }
        // `nixosModules = import ./modules;`: the entries of that file (`darwinModules = ...`
        // for a nix-darwin module's name, `darwin:NAME`).
        let (star, bare) = match name.strip_prefix("darwin:") {
            Some(n) => ("darwin:*", n),
            None => ("*", name),
        };
        if name != "*" {
            if let Some(list) = self.exports.get(star) {
                for (fi, r) in list.iter().filter(|(fi, _)| same_repo(*fi)) {
                    if let ModuleRef::Path(p, _) = r {
                        if let Some(j) = self
                            .resolve_from(&self.files[*fi].path, p)
                            .and_then(|t| self.file_of(&t))
                        {
                            for (n, r2) in &self.files[j].index.exports {
                                if n == bare {
                                    direct.push((j, r2));
                                }
                            }
                        }
                    }
                }
            }
        }
        direct.sort_by_key(|(fi, _)| *fi);
        direct.dedup();
        if direct.is_empty() && name != "*" {
            // Exported by a directory convention (numtide blueprint, snowfall-lib, ez-configs,
            // sysmodule-flake): `modules/nixos/NAME.nix` or `modules/nixos/NAME/default.nix` of
            // the repository, or under `modules-nixos/`, `nixosModules/`, `nixos-modules/`
            // (`darwin` in place of `nixos` for a nix-darwin module).
            let class = if name.starts_with("darwin:") {
                "darwin"
            } else {
                "nixos"
            };
            let root = self.repo_root(from);
            let dirs = [
                root.join("modules").join(class),
                root.join(format!("modules-{class}")),
                root.join(format!("{class}Modules")),
                root.join(format!("{class}-modules")),
            ];
            for dir in &dirs {
                for p in [
                    dir.join(format!("{bare}.nix")),
                    dir.join(bare).join("default.nix"),
                ] {
                    if let Some(j) = self.file_of(&p) {
                        out.push(Target::Module(j, 0));
                        return;
                    }
                }
            }
        }
        for (fi, r) in direct {
            self.resolve(fi, r, out, depth + 1);
        }
    }

    /// The hosts of this flake's modules (nix-darwin's when `darwin`) in the repository of
    /// `from` whose names match `pattern` (`hosts-${…}`: the part in place of `${…}`); for a
    /// bare `${…}`, the modules that look like a host's own: one of them sets
    /// `system.stateVersion` or `networking.hostName`, or imports a hardware configuration.
    /// Sorted.
    fn host_module_names(&self, from: usize, darwin: bool, pattern: &str) -> Vec<String> {
        let repo = self.repo_id(from);
        let (pre, post) = pattern.split_once(PER_HOST).unwrap_or(("", ""));
        let mut names: Vec<String> = Vec::new();
        for (name, list) in &self.exports {
            let bare = match (name.strip_prefix("darwin:"), darwin) {
                (Some(n), true) => n,
                (None, false) => *name,
                _ => continue,
            };
            if bare.is_empty() || bare.starts_with('*') || bare.contains(PER_HOST) {
                continue;
            }
            // `hosts-${…}`: the names written so, what is between the written parts.
            let Some(value) = bare
                .strip_prefix(pre)
                .and_then(|b| b.strip_suffix(post))
                .filter(|v| !v.is_empty())
            else {
                continue;
            };
            // A bare `${…}` matches every name: only the modules that look like a host.
            let patterned = !(pre.is_empty() && post.is_empty());
            let host = list.iter().any(|(fi, r)| {
                self.repo_id(*fi) == repo
                    && (patterned
                        || match r {
                            ModuleRef::Inline(0) => looks_like_host(&self.files[*fi]),
                            ModuleRef::Inline(k) => self.files[*fi].host_modules.contains(k),
                            ModuleRef::Path(p, _) => self
                                .resolve_from(&self.files[*fi].path, p)
                                .and_then(|t| self.file_of(&t))
                                .is_some_and(|j| looks_like_host(&self.files[j])),
                            _ => false,
                        })
            });
            if host {
                names.push(value.to_string());
            }
        }
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Every file a module of `from` imports (for telling entry points from imported files).
    fn imported_by(&self, from: usize, module: usize, out: &mut HashSet<usize>) {
        let mut targets = Vec::new();
        for r in &self.files[from].index.modules[module].imports {
            self.resolve(from, r, &mut targets, 0);
        }
        for t in targets {
            if let Target::Module(j, 0) = t {
                if j != from {
                    out.insert(j);
                }
            }
        }
    }

    /// Follow the queue's references into `c`.
    /// The modules `queue` reaches, into `c`; without those some module reached leaves out
    /// (`disabledModules = [ ./ssh.nix ]`: that file and what only it imports).
    fn follow(&self, c: &mut Configuration, queue: Vec<(usize, ModuleRef)>) {
        let start = (
            c.modules.clone(),
            c.not_followed.len(),
            c.unknown.len(),
            c.known.len(),
        );
        self.follow_except(c, queue.clone(), &HashSet::default());
        let mut disabled: HashSet<(usize, usize)> = HashSet::default();
        let mut targets = Vec::new();
        for &(fi, m) in &c.modules {
            for r in &self.files[fi].index.modules[m].disabled {
                targets.clear();
                self.resolve(fi, r, &mut targets, 0);
                for t in &targets {
                    if let Target::Module(tf, tm) = t {
                        disabled.insert((*tf, *tm));
                    }
                }
            }
        }
        // The entry itself is never left out.
        for m in &start.0 {
            disabled.remove(m);
        }
        if disabled.is_empty() {
            return;
        }
        c.modules = start.0;
        c.not_followed.truncate(start.1);
        c.unknown.truncate(start.2);
        c.known.truncate(start.3);
        self.follow_except(c, queue, &disabled);
        c.disabled.extend(disabled);
        c.disabled.sort_unstable();
    }

    fn follow_except(
        &self,
        c: &mut Configuration,
        mut queue: Vec<(usize, ModuleRef)>,
        disabled: &HashSet<(usize, usize)>,
    ) {
        let mut seen: HashSet<(usize, usize)> = c.modules.iter().copied().collect();
        let mut targets = Vec::new();
        while let Some((fi, r)) = queue.pop() {
            targets.clear();
            self.resolve(fi, &r, &mut targets, 0);
            for t in targets.drain(..) {
                match t {
                    Target::Module(tf, tm) => {
                        if disabled.contains(&(tf, tm)) || !seen.insert((tf, tm)) {
                            continue;
                        }
                        // Home-manager modules are not part of the system configuration.
                        if self.files[tf].kinds.get(tm) == Some(&ModuleKind::HomeManager) {
                            continue;
                        }
                        c.modules.push((tf, tm));
                        if self.files[tf].index.errors.is_empty() {
                            for m in self.files[tf].index.modules[tm].imports.iter().rev() {
                                queue.push((tf, m.clone()));
                            }
                        }
                    }
                    Target::Missing(what, note) => {
                        c.not_followed.push(note);
                        if !c.unknown.contains(&what) {
                            c.unknown.push(what);
                        }
                    }
                    Target::External(text, range) => {
                        let shown = self.files[fi].display.clone();
                        match known::lookup(&text) {
                            Some(set) => c.known.push(KnownImport {
                                file: fi,
                                range,
                                set,
                            }),
                            None => {
                                if !c.unknown.contains(&text) {
                                    c.unknown.push(text.clone());
                                }
                            }
                        }
                        c.not_followed
                            .push(format!("{text} (from `{shown}`: not a relative path)"));
                    }
                }
            }
        }
    }
}

/// Every file or directory a path built per host (`./hosts/${…}`, relative to `dir`) matches,
/// with the text that took the place of the first `${…}`.
fn expand_template(dir: &Path, template: &str, roots: &[PathBuf]) -> Vec<(String, PathBuf)> {
    let mut cur: Vec<(Option<String>, PathBuf)> = vec![(None, dir.to_path_buf())];
    for comp in template.split('/') {
        let mut next = Vec::new();
        for (value, base) in cur {
            match comp {
                "" | "." => next.push((value, base)),
                ".." => next.push((value, base.parent().map_or(base.clone(), Path::to_path_buf))),
                c if c.contains("${…}") => {
                    let Ok(entries) = std::fs::read_dir(&base) else {
                        continue;
                    };
                    let (pre, rest) = c.split_once("${…}").unwrap_or((c, ""));
                    // Only one unknown part per component is matched.
                    let post = rest.rsplit("${…}").next().unwrap_or(rest);
                    let mut names: Vec<String> = entries
                        .filter_map(Result::ok)
                        .filter_map(|e| e.file_name().into_string().ok())
                        .filter(|n| !n.starts_with('.'))
                        // `machines/${name}/darwin.nix` is no `machines/strongbad.old/`.
                        .filter(|n| {
                            let l = n.to_ascii_lowercase();
                            !ASIDE_SUFFIXES.iter().any(|e| l.ends_with(e))
                        })
                        // `./hosts/${name}`: the directory's own `default.nix` (or flake) is
                        // what gathers the hosts, never one of them.
                        .filter(|n| !(c == "${…}" && (n == "default.nix" || n == "flake.nix")))
                        .collect();
                    names.sort();
                    // The literal pieces between unknown parts, in order
                    // (`${…}@${…}` matches `alice@mercury`).
                    let pieces: Vec<&str> = c.split("${…}").collect();
                    let globbed = |n: &str| -> bool {
                        let mut at = 0;
                        for (i, piece) in pieces.iter().enumerate() {
                            if i == 0 {
                                if !n.starts_with(piece) {
                                    return false;
                                }
                                at = piece.len();
                            } else if i == pieces.len() - 1 {
                                return n.len() >= at + piece.len() && n.ends_with(piece);
                            } else {
                                match n[at..].find(piece).filter(|_| !piece.is_empty()) {
                                    Some(j) if j > 0 => at += j + piece.len(),
                                    _ => return false,
                                }
                            }
                        }
                        true
                    };
                    for n in names {
                        if n.len() >= pre.len() + post.len()
                            && n.starts_with(pre)
                            && n.ends_with(post)
                            && (!rest.contains("${…}") || globbed(&n))
                        {
                            let v = n[pre.len()..n.len() - post.len()].to_string();
                            if v.is_empty() {
                                continue;
                            }
                            next.push((value.clone().or(Some(v)), base.join(&n)));
                        }
                    }
                }
                c => next.push((value, base.join(c))),
            }
        }
        cur = next;
        if cur.len() > 1000 {
            break;
        }
    }
    let mut out = Vec::new();
    for (value, p) in cur {
        let p = normalize(&p);
        if !roots.iter().any(|r| p.starts_with(r)) {
            continue;
        }
        let file = if p.is_dir() { p.join("default.nix") } else { p };
        // A module is a Nix file (`./${name}` over a directory's entries is no `flake.lock`
        // nor `readme.md`).
        let nix_file = file
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".nix") || n.contains(".nix##"));
        if !nix_file {
            continue;
        }
        if let (Some(v), Ok(canon)) = (value, file.canonicalize()) {
            if canon.is_file() && roots.iter().any(|r| canon.starts_with(r)) {
                out.push((v, canon));
            }
        }
    }
    out
}

/// True when a module looks like a host's own configuration.
fn looks_like_host(f: &Indexed) -> bool {
    if f.host_like {
        return true;
    }
    // `hosts/<name>/default.nix`, `machines/<name>/default.nix`.
    let parent = f.path.parent();
    let grand = parent.and_then(Path::parent).and_then(Path::file_name);
    f.path.file_name().is_some_and(|n| n == "default.nix")
        && grand.is_some_and(|g| {
            matches!(
                g.to_str().unwrap_or(""),
                "hosts" | "machines" | "systems" | "nodes" | "nixos" | "hosts-nixos"
            )
        })
}

/// `extraModules`, `modules`: an identifier, not a selection or a call.
fn is_bare_name(t: &str) -> bool {
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '\'')
}

/// Endings of a directory's name that switch it off or keep an old copy beside the real one
/// (`hive/raptor.disabled/`, `machines/strongbad.old/`).
const ASIDE_SUFFIXES: &[&str] = &[
    ".disabled",
    "-disabled",
    "_disabled",
    ".old",
    "-old",
    "_old",
    ".bak",
    "-backup",
];

/// A file below a directory switched off by its name (`hive/raptor.disabled/`) or holding a
/// flake's templates or examples (`templates/dendritic/`, `examples/`, `example-modules/`),
/// below the path given to lint (the repository's templates may be flakes of their own): no
/// host is built from it or from what it declares.
fn set_aside(roots: &[PathBuf], f: &Indexed) -> bool {
    let rel = roots
        .iter()
        .filter_map(|r| f.path.strip_prefix(r).ok())
        .min_by_key(|p| p.components().count())
        .unwrap_or(&f.path);
    // An old copy kept beside the real one (`old-configuration.nix`, `configuration.old.nix`),
    // or an example to copy (`desktop-EXAMPLE.nix`, `configuration.example.nix`).
    let old_copy = rel
        .file_stem()
        .map(|s| s.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|s| {
            s == "example"
                || [
                    "old-", "old_", "old.", "example-", "example_", "example.", "sample-",
                ]
                .iter()
                .any(|p| s.starts_with(p))
                || [
                    "-old", "_old", ".old", ".bak", "-backup", "-example", "_example", ".example",
                    "-sample", ".sample",
                ]
                .iter()
                .any(|e| s.ends_with(e))
        });
    // Words that name a host too (`hosts/attic` is an attic cache server) set a directory
    // aside only at the top of the repository (`attic/brno.nix`).
    let top_aside = rel
        .components()
        .next()
        .filter(|_| rel.components().count() > 1)
        .map(|c| c.as_os_str().to_string_lossy().to_ascii_lowercase())
        .is_some_and(|c| {
            matches!(
                c.as_ref(),
                "disabled" | "attic" | "archive" | "archived" | "deprecated" | "unused"
            )
        });
    // The directories between the root and the file, as they are on disk.
    let depth = rel.components().count().saturating_sub(1);
    old_copy
        || top_aside
        || f.path.ancestors().skip(1).take(depth).any(|a| {
            let Some(c) = a.file_name() else {
                return false;
            };
            let c = c.to_string_lossy().to_ascii_lowercase();
            // Switched off, or an old copy kept beside the real one (`strongbad.old/`).
            ASIDE_SUFFIXES.iter().any(|e| c.ends_with(e))
                || matches!(c.as_ref(), "examples" | "example-modules")
                // An Ansible role's templates (`roles/dellxps/templates/configuration.nix`
                // beside `roles/dellxps/tasks/`) are the hosts' real configuration, written
                // out by the role.
                || (matches!(c.as_ref(), "templates" | "template")
                    && !a.parent().is_some_and(|role| role.join("tasks").is_dir()))
        })
}

/// Find every configuration among `files`.
#[must_use]
pub fn gather(files: &[Indexed], roots: &[PathBuf]) -> Vec<Configuration> {
    let res = Resolver::new(files, roots);
    // Each file's [`set_aside`], asked once (its directories are looked at on disk).
    let aside: Vec<bool> = files.iter().map(|f| set_aside(roots, f)).collect();
    let mut out = Vec::new();
    let mut in_systems: HashSet<usize> = HashSet::default();
    // The modules each helper adds to the hosts it builds, by repository and kind.
    // (repository, kind, file, module, the helper's name: the last name it is bound to).
    let mut shared: Vec<(usize, ModuleKind, usize, ModuleRef, &str)> = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        for s in &f.index.systems {
            let has_template = s.modules.iter().any(|m| {
                matches!(m, ModuleRef::Template(..))
                    || matches!(m, ModuleRef::Flake(n, _) if n.contains(PER_HOST))
            });
            if s.helper && !has_template {
                let repo = res.repo_id(fi);
                for m in &s.modules {
                    // A bare name left unresolved (`modules = [ ../common ] ++ extraModules;`)
                    // is the helper's parameter: the modules of each call, followed there.
                    if matches!(m, ModuleRef::External(t, _) if is_bare_name(t)) {
                        continue;
                    }
                    let name = s.name.rsplit('.').next().unwrap_or("");
                    shared.push((repo, s.kind, fi, m.clone(), name));
                }
            }
        }
    }
    // The modules a helper call gets: those of the helper of that name (`mkMachine [ ... ]`
    // is not also built by the repository's `mkCloudUEFI`), or of every helper of the
    // repository when none has the name.
    let helpers_for = |fi: usize, kind: ModuleKind, builder: &str| -> Vec<(usize, ModuleRef)> {
        let repo = res.repo_id(fi);
        let mine =
            |(r, k, ..): &&(usize, ModuleKind, usize, ModuleRef, &str)| *r == repo && *k == kind;
        let named = shared.iter().filter(mine).any(|s| s.4 == builder);
        shared
            .iter()
            .filter(mine)
            .filter(|s| !named || s.4 == builder)
            .map(|(_, _, f, m, _)| (*f, m.clone()))
            .collect()
    };
    for (fi, f) in files.iter().enumerate() {
        if aside[fi] {
            continue;
        }
        for s in &f.index.systems {
            // `nixfiles.hosts.${host}.configuration` over a list of hosts: a path of the tree.
            let modules: Vec<ModuleRef> = s
                .modules
                .iter()
                .map(|m| match m {
                    ModuleRef::External(t, r) if t.contains("${") => tree_template(&res, fi, t)
                        .map_or_else(|| m.clone(), |p| ModuleRef::Template(p, *r)),
                    _ => m.clone(),
                })
                .collect();
            let templates: Vec<&String> = modules
                .iter()
                .filter_map(|m| match m {
                    ModuleRef::Template(t, _) => Some(t),
                    _ => None,
                })
                .collect();
            // `inputs.self.modules.nixos.${name}`: one host per flake module that looks like a
            // host; of several, the one with the most written around the unknown part
            // (`hosts-${…}` before the class module's `${…}`), the others left unknown.
            let flake_template = modules
                .iter()
                .filter_map(|m| match m {
                    ModuleRef::Flake(n, _) if n.contains(PER_HOST) => Some(n.as_str()),
                    _ => None,
                })
                .max_by_key(|n| n.len());
            if s.helper && templates.is_empty() && flake_template.is_none() {
                continue;
            }
            // A helper's call site (`mkHost { modules = [ ./hosts/a ]; }`) gets its modules.
            let builder_is_nixpkgs = s.builder == "nixosSystem" || s.builder == "darwinSystem";
            let mut instances: Vec<(Option<String>, Vec<ModuleRef>)> = Vec::new();
            if let Some(first) = templates.first() {
                // `"${self}/hosts/${name}"` is relative to the flake's root.
                let (dir, first) = match first.strip_prefix(SELF_TEMPLATE) {
                    Some(t) => (res.repo_root(fi), t),
                    None => (
                        f.path.parent().unwrap_or(Path::new("/")).to_path_buf(),
                        first.as_str(),
                    ),
                };
                let expanded = expand_template(&dir, first, roots);
                // An entry the others import (`hosts/common` beside `hosts/a`, `hosts/b`, each
                // importing `../common`) is their shared module, not a host.
                // So is one the system's list names itself (`./hosts/${hostname}` beside
                // `./hosts/common`).
                let mut imported_by_others: HashSet<PathBuf> = modules
                    .iter()
                    .filter_map(|m| match m {
                        ModuleRef::Path(p, _) => res.resolve_from(&f.path, p),
                        _ => None,
                    })
                    .collect();
                for j in expanded.iter().filter_map(|(_, m)| res.file_of(m)) {
                    for r in &files[j].index.modules[0].imports {
                        if let ModuleRef::Path(p, _) = r {
                            if let Some(t) = res.resolve_from(&files[j].path, p) {
                                imported_by_others.insert(t);
                            }
                        }
                    }
                }
                for (value, matched) in expanded {
                    if imported_by_others.contains(&matched) {
                        continue;
                    }
                    // A component with several unknown parts (`${user}@${host}`) is the path
                    // found, as written from the same place.
                    let found = matched
                        .strip_prefix(&dir)
                        .ok()
                        .map(|rel| format!("./{}", rel.display()));
                    let mods: Vec<ModuleRef> = modules
                        .iter()
                        .map(|m| match m {
                            ModuleRef::Template(t, r)
                                if t.matches("${…}").count() > 1
                                    && t.strip_prefix(SELF_TEMPLATE).unwrap_or(t) == first =>
                            {
                                match (&found, t.starts_with(SELF_TEMPLATE)) {
                                    (Some(p), true) => ModuleRef::Rooted(
                                        p.trim_start_matches("./").to_string(),
                                        *r,
                                    ),
                                    (Some(p), false) => ModuleRef::Path(p.clone(), *r),
                                    (None, _) => m.clone(),
                                }
                            }
                            ModuleRef::Template(t, r) => {
                                let p = t.replacen("${…}", &value, 1);
                                if p.contains("${…}") {
                                    m.clone()
                                } else if let Some(p) = p.strip_prefix(SELF_TEMPLATE) {
                                    ModuleRef::Rooted(p.to_string(), *r)
                                } else {
                                    ModuleRef::Path(p, *r)
                                }
                            }
                            other => other.clone(),
                        })
                        .collect();
                    instances.push((Some(value), mods));
                }
            }
            if let (None, Some(t)) = (templates.first(), flake_template) {
                let darwin = t.starts_with("darwin:");
                let pattern = t.strip_prefix("darwin:").unwrap_or(t);
                for name in res.host_module_names(fi, darwin, pattern) {
                    let mods: Vec<ModuleRef> = modules
                        .iter()
                        .map(|m| match m {
                            ModuleRef::Flake(n, r) if n == t => {
                                ModuleRef::Flake(t.replace(PER_HOST, &name), *r)
                            }
                            other => other.clone(),
                        })
                        .collect();
                    instances.push((Some(name), mods));
                }
            }
            if instances.is_empty() {
                instances.push((None, modules.clone()));
            }
            for (value, mods) in instances {
                let entry = match &value {
                    Some(v) => format!("{}#{}[{v}]", f.display, s.name),
                    None => format!("{}#{}", f.display, s.name),
                };
                let mut c = Configuration::new(entry, s.kind);
                let mut queue: Vec<(usize, ModuleRef)> =
                    mods.iter().map(|m| (fi, m.clone())).collect();
                if let Some(conv) = &s.convention {
                    if let Some(j) = res
                        .resolve_from(&f.path, conv)
                        .and_then(|t| res.file_of(&t))
                    {
                        queue.push((j, ModuleRef::Inline(0)));
                    }
                }
                if !builder_is_nixpkgs || value.is_some() {
                    queue.extend(helpers_for(fi, s.kind, &s.builder));
                }
                queue.reverse();
                res.follow(&mut c, queue);
                for (mf, _) in &c.modules {
                    in_systems.insert(*mf);
                }
                out.push(c);
            }
        }
    }
    per_host_imports(files, &res, roots, &mut out, &mut in_systems);
    snowfall_systems(files, &res, &aside, &mut out, &mut in_systems);
    // Hosts the repository declares (flake outputs, a hive, a network): a host-like file none
    // of them reaches is then a left-over (a machine taken out of the hive, an old host), checked
    // on its own below as a module no host imports, not a host of its own.
    let declared = !out.is_empty();
    // A `configuration.nix` that another module imports is part of that module's system
    // (for example a flake-parts host directory), not an entry point of its own.
    let mut imported: HashSet<usize> = HashSet::default();
    for (fi, f) in files.iter().enumerate() {
        for m in 0..f.index.modules.len() {
            res.imported_by(fi, m, &mut imported);
        }
    }
    // A file below a directory switched off by its name (`hive/raptor.disabled/`, which the
    // repository's own loader skips) or holding a flake's templates or examples
    // (`templates/dendritic/`, `examples/`) is checked file by file, never as a host of its
    // own ([`set_aside`]).
    let usable = |fi: usize, f: &Indexed| {
        f.index.modules[0].is_module
            && f.index.errors.is_empty()
            && f.index.refused.is_none()
            && f.read_error.is_none()
            && !aside[fi]
    };
    let standalone = |fi: usize, out: &mut Vec<Configuration>, in_systems: &mut HashSet<usize>| {
        let f = &files[fi];
        let mut c = Configuration::new(f.display.clone(), f.kinds[0]);
        c.modules.push((fi, 0));
        let mut queue: Vec<(usize, ModuleRef)> = f.index.modules[0]
            .imports
            .iter()
            .map(|m| (fi, m.clone()))
            .collect();
        queue.extend(helpers_for(fi, f.kinds[0], ""));
        if let Some(j) = ez_default_module(files, &res, fi) {
            queue.push((j, ModuleRef::Inline(0)));
        }
        queue.reverse();
        res.follow(&mut c, queue);
        for (mf, _) in &c.modules {
            in_systems.insert(*mf);
        }
        out.push(c);
    };
    // A `configuration.nix` that is a flake-parts module exporting NixOS modules
    // (`flake.modules.nixos.NAME = …`) is no host: its modules are checked as modules.
    for (fi, f) in files.iter().enumerate() {
        let is_entry = f.path.file_name().is_some_and(|n| n == "configuration.nix")
            && f.index.exports.is_empty()
            && usable(fi, f)
            && !in_systems.contains(&fi)
            && !imported.contains(&fi);
        if is_entry {
            standalone(fi, &mut out, &mut in_systems);
        }
    }
    // Hosts no entry point reaches: modules that look like a host's configuration, in a
    // repository that declares no host.
    for (fi, f) in files.iter().enumerate() {
        let is_host = usable(fi, f)
            && !declared
            && f.kinds[0] == ModuleKind::NixOS
            && !in_systems.contains(&fi)
            && !imported.contains(&fi)
            && looks_like_host(f);
        if is_host {
            standalone(fi, &mut out, &mut in_systems);
        }
    }
    // Modules no host imports (a shared module no reconstructed host follows, a bootstrap
    // or installer configuration, a template, a flake's `nixosModules.NAME = { imports = [
    // ... ]; }` that a host is made of) that turn on a feature whose defaults a rule judges:
    // each is checked on its own, with what it imports.
    let mut roots: Vec<(usize, usize)> = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        if !usable(fi, f) || in_systems.contains(&fi) {
            continue;
        }
        if f.kinds[0] != ModuleKind::HomeManager && !imported.contains(&fi) {
            roots.push((fi, 0));
        }
        for (_, r) in &f.index.exports {
            if let ModuleRef::Inline(k) = r {
                if *k != 0
                    && f.kinds
                        .get(*k)
                        .is_some_and(|k| *k != ModuleKind::HomeManager)
                {
                    roots.push((fi, *k));
                }
            }
        }
    }
    let turns_on = |fi: usize, m: usize| {
        files[fi].index.assignments.iter().any(|a| {
            a.module == m && SWITCHES.iter().any(|p| a.is(p)) && a.value.v.as_bool() != Some(false)
        })
    };
    let mut judged: HashSet<usize> = HashSet::default();
    let alone = |fi: usize, m: usize, out: &mut Vec<Configuration>, judged: &mut HashSet<usize>| {
        let f = &files[fi];
        let kind = f.kinds.get(m).copied().unwrap_or(ModuleKind::NixOS);
        let entry = if m == 0 {
            f.display.clone()
        } else {
            let name = f
                .index
                .exports
                .iter()
                .find(|(_, r)| *r == ModuleRef::Inline(m))
                .map_or("", |(n, _)| n.as_str());
            format!("{}#nixosModules.{name}", f.display)
        };
        let mut c = Configuration::new(entry, kind);
        c.alone = true;
        c.modules.push((fi, m));
        let mut queue: Vec<(usize, ModuleRef)> = f.index.modules[m]
            .imports
            .iter()
            .map(|r| (fi, r.clone()))
            .collect();
        queue.reverse();
        res.follow(&mut c, queue);
        let on = c
            .modules
            .iter()
            .any(|(mf, mm)| !in_systems.contains(mf) && turns_on(*mf, *mm));
        if on {
            judged.extend(c.modules.iter().map(|(mf, _)| *mf));
            out.push(c);
        }
    };
    for (fi, m) in roots {
        alone(fi, m, &mut out, &mut judged);
    }
    // A module that turns a feature on and that no configuration reached (imported only by
    // files that are not modules, or in a cycle of imports): on its own.
    for (fi, f) in files.iter().enumerate() {
        if usable(fi, f)
            && f.kinds[0] != ModuleKind::HomeManager
            && !in_systems.contains(&fi)
            && !judged.contains(&fi)
            && turns_on(fi, 0)
        {
            alone(fi, 0, &mut out, &mut judged);
        }
    }
    // NixOS containers (`containers.NAME.config`): each a system of its own, with what its
    // configuration imports and NixOS's defaults; the host's settings do not reach it.
    for (fi, f) in files.iter().enumerate() {
        if f.read_error.is_some() || f.index.refused.is_some() {
            continue;
        }
        for (name, m) in &f.index.containers {
            let mut c = Configuration::new(
                format!("{}#containers.{name}", f.display),
                ModuleKind::NixOS,
            );
            c.modules.push((fi, *m));
            let mut queue: Vec<(usize, ModuleRef)> = f.index.modules[*m]
                .imports
                .iter()
                .map(|r| (fi, r.clone()))
                .collect();
            queue.reverse();
            res.follow(&mut c, queue);
            out.push(c);
        }
    }
    add_declaring_modules(files, &res, &mut out);
    mark_clan_machines(files, &res, &mut out);
    drop_empty_calls(&mut out);
    out
}

/// ez-configs' layout: a host `nixos-configurations/NAME.nix` (or `NAME/default.nix`) gets the
/// module `nixos-modules/default.nix` beside it (`darwin-…` for nix-darwin), which ez-configs
/// imports into every host unless told not to.
fn ez_default_module(files: &[Indexed], res: &Resolver<'_>, fi: usize) -> Option<usize> {
    let path = &files[fi].path;
    let (root, class) = path.ancestors().skip(1).take(2).find_map(|d| {
        let name = d.file_name()?.to_str()?;
        let class = name.strip_suffix("-configurations")?;
        matches!(class, "nixos" | "darwin").then(|| (d.parent(), class))
    })?;
    let module = root?.join(format!("{class}-modules")).join("default.nix");
    res.file_of(&module)
}

/// A call of a repository's helper that reaches no module (`razorcrest = self.lib.mkSystem {
/// hostname = "razorcrest"; }`) when the helper's own system is built for that host
/// (`lib/mkSystem.nix#nixosSystem@132[razorcrest]`): the same host, listed once.
fn drop_empty_calls(out: &mut Vec<Configuration>) {
    let built: HashSet<String> = out
        .iter()
        .filter(|c| !c.modules.is_empty())
        .filter_map(|c| {
            let (_, name) = c.entry.rsplit_once('[')?;
            Some(name.strip_suffix(']')?.to_string())
        })
        .collect();
    if built.is_empty() {
        return;
    }
    out.retain(|c| {
        !(c.modules.is_empty()
            && !c.alone
            && c.entry
                .rsplit(['#', '.'])
                .next()
                .is_some_and(|n| built.contains(n)))
    });
}

/// A host made of a shared module that imports a path built per host (`mkHost { hostname =
/// "chummie"; }` over `hosts/default.nix`, which imports `./${hostname}` and
/// `./users/${username}`): one configuration per file or directory that matches a template
/// whose matches look like hosts (`system.stateVersion`, `networking.hostName`, a hardware
/// configuration, `hosts/<name>/default.nix`); another template with one match only is that
/// match in each.
fn per_host_imports(
    files: &[Indexed],
    res: &Resolver<'_>,
    roots: &[PathBuf],
    out: &mut Vec<Configuration>,
    in_systems: &mut HashSet<usize>,
) {
    let mut expanded: Vec<Configuration> = Vec::new();
    let mut i = 0;
    while i < out.len() {
        let c = &out[i];
        // (template as written, matches: the value and the file).
        let mut templates: Vec<(String, Vec<(String, usize)>)> = Vec::new();
        for &(fi, m) in &c.modules {
            let Some(module) = files[fi].index.modules.get(m) else {
                continue;
            };
            for r in &module.imports {
                let ModuleRef::Template(t, _) = r else {
                    continue;
                };
                if t.starts_with(SELF_TEMPLATE)
                    || t.matches(PER_HOST).count() != 1
                    || templates.iter().any(|x| x.0 == *t)
                {
                    continue;
                }
                let Some(dir) = files[fi].path.parent() else {
                    continue;
                };
                let matches: Vec<(String, usize)> = expand_template(dir, t, roots)
                    .into_iter()
                    .filter_map(|(v, p)| Some((v, res.file_of(&p)?)))
                    .filter(|(_, j)| c.modules.iter().all(|(f, _)| f != j))
                    .collect();
                if !matches.is_empty() {
                    templates.push((t.clone(), matches));
                }
            }
        }
        // Most matches look like hosts (a `hosts/common/default.nix` beside them is none).
        let host_count = |ms: &[(String, usize)]| {
            ms.iter()
                .filter(|(_, j)| looks_like_host(&files[*j]))
                .count()
        };
        let hosts = templates.iter().position(|(_, ms)| {
            let n = host_count(ms);
            n >= 2 && 2 * n >= ms.len()
        });
        let Some(h) = hosts else {
            i += 1;
            continue;
        };
        let (ht, mut hms) = templates[h].clone();
        hms.retain(|(_, j)| looks_like_host(&files[*j]));
        let single: Vec<(String, usize)> = templates
            .iter()
            .enumerate()
            .filter(|(k, (_, ms))| *k != h && ms.len() == 1)
            .map(|(_, (t, ms))| (t.clone(), ms[0].1))
            .collect();
        let base = out.remove(i);
        for (value, j) in hms {
            let mut c = base.clone();
            c.entry = format!("{}[{value}]", base.entry);
            let followed = |t: &str| t == ht || single.iter().any(|(s, _)| s == t);
            c.not_followed.retain(|n| {
                !(n.contains("a path built per host")
                    && n.split_once(" (from").is_some_and(|(t, _)| followed(t)))
            });
            c.unknown.retain(|u| !followed(u));
            let mut queue: Vec<(usize, ModuleRef)> = single
                .iter()
                .map(|(_, sj)| (*sj, ModuleRef::Inline(0)))
                .collect();
            queue.push((j, ModuleRef::Inline(0)));
            queue.reverse();
            res.follow(&mut c, queue);
            for (mf, _) in &c.modules {
                in_systems.insert(*mf);
            }
            expanded.push(c);
        }
    }
    out.extend(expanded);
}

/// A tree reference with a part known per host (`nixfiles.hosts.${host}.configuration`, the
/// hosts of a kittywitch `tree` mapped over a list): the path template it names from the
/// repository's root (`@self/hosts/${…}/configuration.nix`), when files match it.
fn tree_template(res: &Resolver<'_>, fi: usize, t: &str) -> Option<String> {
    let comps: Vec<String> = t
        .split('.')
        .map(|c| {
            if c.starts_with("${") && c.ends_with('}') {
                "${…}".to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    let ok = |c: &String| {
        c == "${…}"
            || (c
                .chars()
                .next()
                .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_')
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-')))
    };
    if comps.len() < 2 || !comps.iter().all(ok) || comps[0] == "inputs" || comps[0] == "${…}" {
        return None;
    }
    let root = res.repo_root(fi);
    for start in 0..=1 {
        let Some(rest) = comps.get(start..).filter(|r| r.len() >= 2) else {
            continue;
        };
        if rest[0] == "${…}" || res.below(&root.join(&rest[0])).is_empty() {
            continue;
        }
        let joined = rest.join("/");
        for t in [format!("{joined}.nix"), format!("{joined}/default.nix")] {
            if !expand_template(&root, &t, res.roots).is_empty() {
                return Some(format!("{SELF_TEMPLATE}{t}"));
            }
        }
    }
    None
}

/// A flake built by snowfall-lib (`inputs.snowfall-lib.mkFlake { inherit inputs; src = ./.; }`).
fn is_snowfall_flake(f: &Indexed) -> bool {
    f.path.file_name().is_some_and(|n| n == "flake.nix")
        && f.index.words.has(crate::words::SNOWFALL)
        && f.index.words.has(crate::words::MK_FLAKE)
}

/// snowfall-lib's hosts: every `systems/<target>/<name>/default.nix` under the flake's root
/// (or its `nix/` directory) is a system, and snowfall-lib imports into each every
/// `modules/nixos/**/default.nix` (`modules/darwin/**` for a `*-darwin` target).
fn snowfall_systems(
    files: &[Indexed],
    res: &Resolver<'_>,
    aside: &[bool],
    out: &mut Vec<Configuration>,
    in_systems: &mut HashSet<usize>,
) {
    for (fi, f) in files.iter().enumerate() {
        if !is_snowfall_flake(f) || aside[fi] {
            continue;
        }
        let Some(dir) = f.path.parent() else {
            continue;
        };
        for root in [dir.to_path_buf(), dir.join("nix")] {
            let mut hosts: Vec<(usize, String, bool)> = Vec::new();
            let mut nixos: Vec<usize> = Vec::new();
            let mut darwin: Vec<usize> = Vec::new();
            for (j, g) in files.iter().enumerate() {
                let Ok(rel) = g.path.strip_prefix(&root) else {
                    continue;
                };
                if aside[j] || g.read_error.is_some() {
                    continue;
                }
                let parts: Vec<&str> = rel
                    .components()
                    .filter_map(|c| c.as_os_str().to_str())
                    .collect();
                match parts.as_slice() {
                    ["systems", target, name, "default.nix"] => {
                        hosts.push((j, (*name).to_string(), target.ends_with("darwin")));
                    }
                    ["modules", "nixos", .., "default.nix"] => nixos.push(j),
                    ["modules", "darwin", .., "default.nix"] => darwin.push(j),
                    _ => {}
                }
            }
            if hosts.is_empty() {
                continue;
            }
            for (j, name, is_darwin) in hosts {
                let (kind, outputs, shared) = if is_darwin {
                    (ModuleKind::Darwin, "darwinConfigurations", &darwin)
                } else {
                    (ModuleKind::NixOS, "nixosConfigurations", &nixos)
                };
                let mut c = Configuration::new(format!("{}#{outputs}.{name}", f.display), kind);
                c.modules.push((j, 0));
                let mut queue: Vec<(usize, ModuleRef)> = files[j].index.modules[0]
                    .imports
                    .iter()
                    .map(|r| (j, r.clone()))
                    .collect();
                queue.extend(shared.iter().map(|m| (*m, ModuleRef::Inline(0))));
                queue.reverse();
                res.follow(&mut c, queue);
                in_systems.extend(c.modules.iter().map(|(mf, _)| *mf));
                out.push(c);
            }
            break;
        }
    }
}

/// A configuration that sets a custom option (`common.openssh.enable = true`) evaluates only
/// with the module declaring it: when exactly one module of the same repository declares that
/// namespace, it is added to the configuration (with what it imports), even where the import
/// that brings it in was not followed.
fn add_declaring_modules(files: &[Indexed], res: &Resolver<'_>, out: &mut [Configuration]) {
    let mut declared: HashMap<&[String; 2], Vec<(usize, usize)>> = HashMap::default();
    for (fi, f) in files.iter().enumerate() {
        for (m, module) in f.index.modules.iter().enumerate() {
            for d in &module.declared {
                declared.entry(d).or_default().push((fi, m));
            }
        }
    }
    if declared.is_empty() {
        return;
    }
    for c in out.iter_mut() {
        let Some(&(entry, _)) = c.modules.first() else {
            continue;
        };
        let repo = res.repo_id(entry);
        // A few rounds: an added module may set options another module declares.
        for _ in 0..4 {
            let mut add: Vec<(usize, ModuleRef)> = Vec::new();
            for (fi, m) in &c.modules {
                let Some(module) = files[*fi].index.modules.get(*m) else {
                    continue;
                };
                for ns in &module.uses {
                    let Some(ds) = declared.get(ns) else { continue };
                    let same: Vec<&(usize, usize)> = ds
                        .iter()
                        .filter(|(df, _)| res.repo_id(*df) == repo)
                        .collect();
                    if let [(df, dm)] = same.as_slice() {
                        if !c.modules.contains(&(*df, *dm))
                            && !add
                                .iter()
                                .any(|(f, r)| *f == *df && *r == ModuleRef::Inline(*dm))
                        {
                            add.push((*df, ModuleRef::Inline(*dm)));
                        }
                    }
                }
            }
            if add.is_empty() {
                break;
            }
            res.follow(c, add);
        }
    }
}

/// What clan adds to every machine of a clan repository (clan-core's own modules and the
/// services its inventory gives the machine): never read, so it may set any option.
pub const CLAN_MODULES: &str = "clan-core's modules and the clan inventory's services";

/// In a repository whose flake uses clan-core, the machines (clan's own, and
/// `machines/<name>/...` files checked as configurations) and the modules checked on their
/// own get what clan adds as an import not followed.
fn mark_clan_machines(files: &[Indexed], res: &Resolver<'_>, out: &mut [Configuration]) {
    let clan_repos: HashSet<PathBuf> = files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.clan || f.index.systems.iter().any(|s| s.builder == "clan"))
        .map(|(fi, _)| res.repo_root(fi))
        .collect();
    if clan_repos.is_empty() {
        return;
    }
    for c in out.iter_mut() {
        let Some(&(entry, _)) = c.modules.first() else {
            continue;
        };
        if !clan_repos.contains(&res.repo_root(entry)) {
            continue;
        }
        let machine = c.alone
            || c.entry.contains("#clan")
            || c.entry.contains(".machines.")
            || c.entry.contains("#machines.")
            || files[entry]
                .path
                .components()
                .any(|p| p.as_os_str() == "machines");
        if machine && !c.unknown.iter().any(|u| u == CLAN_MODULES) {
            c.unknown.push(CLAN_MODULES.to_string());
        }
        // The services' sshd settings are NixOS modules: a nix-darwin machine keeps macOS's.
        if machine && c.kind == ModuleKind::NixOS {
            let root = res.repo_root(entry);
            let admin = files
                .iter()
                .enumerate()
                .find(|(fi, f)| f.clan_admin && res.repo_root(*fi) == root);
            if let (Some((fi, _)), Some(set)) = (admin, known::clan_admin()) {
                c.known.push(KnownImport {
                    file: fi,
                    range: TextRange::default(),
                    set,
                });
            }
        }
    }
}

/// The options that turn on a feature whose defaults the configuration rules judge (sshd,
/// systemd-boot, the display manager's automatic login).
const SWITCHES: &[&[&str]] = &[
    &["services", "openssh", "enable"],
    &["services", "sshd", "enable"],
    &["boot", "loader", "systemd-boot", "enable"],
    &["boot", "lanzaboote", "enable"],
    // `autoLogin.enable` defaults to `user != null`: naming the user turns it on.
    &["services", "displayManager", "autoLogin", "user"],
    &["services", "xserver", "displayManager", "autoLogin", "user"],
];

/// Every file a module reference of file `from` leads to (for module kinds).
pub(crate) fn targets(res: &Resolver<'_>, from: usize, r: &ModuleRef) -> Vec<usize> {
    let mut t = Vec::new();
    res.resolve(from, r, &mut t, 0);
    t.into_iter()
        .filter_map(|t| match t {
            Target::Module(j, 0) if j != from => Some(j),
            _ => None,
        })
        .collect()
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
        // One NIX-079 finding per key left at its default.
        assert_eq!(
            hits,
            [
                ("NIX-078".into(), "flake.nix".into(), 6, entry.clone()),
                ("NIX-079".into(), "flake.nix".into(), 6, entry.clone()),
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
        // No host: `host/default.nix` is a module no host imports, checked on its own with
        // what it imports; it is not listed as a configuration.
        let (hits, out) = run(root);
        let entry = Some("host/default.nix".to_string());
        let at = |rule: &str| {
            (
                rule.to_string(),
                "host/configuration.nix".to_string(),
                1,
                entry.clone(),
            )
        };
        assert_eq!(hits, [at("NIX-078"), at("NIX-079"), at("NIX-079")]);
        assert!(out.configurations.is_empty());
    }

    /// `(rule, file, line, entry, conditional)` of active failures of the default-based rules.
    /// The names of a run's configurations (`nixops.gateway`, `nixosConfigurations.laptop`).
    fn entry_names(out: &crate::engine::LintOutput) -> Vec<&str> {
        out.configurations
            .iter()
            .map(|c| c.entry_point.rsplit('#').next().unwrap_or(""))
            .collect()
    }

    fn defaults(root: &Path) -> Vec<(String, String, u32, Option<String>, bool)> {
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        let prefix = format!("{}/", root.display());
        let strip = |s: &str| s.strip_prefix(&prefix).unwrap_or(s).to_string();
        let mut v: Vec<_> = out
            .findings
            .iter()
            .filter(|f| {
                f.finding.status == Status::Fail
                    && ["NIX-078", "NIX-079", "NIX-090"].contains(&f.finding.rule.as_str())
            })
            .map(|f| {
                (
                    f.finding.rule.clone(),
                    strip(&f.file),
                    f.line,
                    f.entry_point.as_deref().map(strip),
                    f.conditional,
                )
            })
            .collect();
        v.sort();
        v
    }

    /// The hosts a run found: the entry point's name (`nixosConfigurations.a`), the kind and
    /// the module files (relative to `prefix`, sorted), sorted.
    fn hosts_and_modules(
        out: &crate::engine::LintOutput,
        prefix: &str,
    ) -> Vec<(String, String, Vec<String>)> {
        let mut v: Vec<(String, String, Vec<String>)> = out
            .configurations
            .iter()
            .map(|c| {
                let mut m: Vec<String> = c
                    .modules
                    .iter()
                    .map(|f| f.strip_prefix(prefix).unwrap_or(f).to_string())
                    .collect();
                m.sort();
                m.dedup();
                (
                    c.entry_point.rsplit('#').next().unwrap_or("").to_string(),
                    c.kind.clone(),
                    m,
                )
            })
            .collect();
        v.sort();
        v
    }

    /// The entry points of the hosts a run found, by file name (`flake.nix#nixosConfigurations.a`).
    fn entries(out: &crate::engine::LintOutput) -> Vec<&str> {
        out.configurations
            .iter()
            .map(|c| c.entry_point.rsplit('/').next().unwrap_or(""))
            .collect()
    }

    type Def = (String, String, u32, Option<String>, bool);

    fn d(rule: &str, file: &str, line: u32, entry: &str, cond: bool) -> Def {
        (rule.into(), file.into(), line, Some(entry.into()), cond)
    }

    /// A helper given its modules as a list (`mkMachine [ ./hosts/a/configuration.nix ]`)
    /// builds a host from them and its own modules, not those of the repository's other
    /// helper (`mkCloud`, whose own module turns sshd and systemd-boot on).
    #[test]
    fn a_helper_given_a_module_list_builds_with_its_own_modules() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "flake.nix",
            "{\n  outputs = { nixpkgs, ... }: let\n    mkMachine = extraModules: nixpkgs.lib.nixosSystem {\n      modules = [ ./common.nix ] ++ extraModules;\n    };\n    cloud = import ./lib/cloud.nix { inherit nixpkgs; };\n  in {\n    nixosConfigurations.a = mkMachine [\n      ./hosts/a/configuration.nix\n    ];\n  };\n}\n",
        );
        write(
            root,
            "lib/cloud.nix",
            "{ nixpkgs }: {\n  mkCloud = name: { extraModules }: nixpkgs.lib.nixosSystem {\n    modules = [\n      ({ ... }: {\n        boot.loader.systemd-boot.enable = true;\n        services.openssh.enable = true;\n      })\n    ] ++ extraModules;\n  };\n}\n",
        );
        write(
            root,
            "common.nix",
            "{ networking.firewall.enable = true; }\n",
        );
        write(
            root,
            "hosts/a/configuration.nix",
            "{\n  services.openssh.enable = true;\n  services.openssh.settings.PasswordAuthentication = false;\n}\n",
        );
        let entry = "flake.nix#nixosConfigurations.a";
        let at = |rule| d(rule, "hosts/a/configuration.nix", 2, entry, false);
        let got = defaults(root);
        assert!(got.contains(&at("NIX-078")), "{got:?}");
        assert!(got.contains(&at("NIX-079")), "{got:?}");
        assert!(
            !got.iter()
                .any(|x| x.3.as_deref() == Some(entry) && x.1 == "lib/cloud.nix"),
            "{got:?}"
        );
    }

    /// A helper given a module list bound by a `let` in the function mapped over the hosts
    /// (`map (node: let modules = [ ./common (./hosts + "/${node.name}.nix") ]; in mkSystem
    /// node.name modules) nodes`) builds each host from that list, the shared module included.
    #[test]
    fn a_helper_given_a_let_bound_module_list_builds_with_it() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "flake.nix",
            "{\n  outputs = { nixpkgs, ... }: let\n    mkSystem = hostname: extraModules: nixpkgs.lib.nixosSystem {\n      modules = [ ] ++ extraModules;\n    };\n    nodes = [ { hostName = \"a\"; } { hostName = \"b\"; } ];\n  in {\n    nixosConfigurations = builtins.listToAttrs (map (node:\n      let\n        modules = [\n          ./hosts/common\n          (./hosts + \"/${node.hostName}/configuration.nix\")\n        ];\n      in {\n        name = node.hostName;\n        value = mkSystem node.hostName modules;\n      }) nodes);\n  };\n}\n",
        );
        write(
            root,
            "hosts/common/default.nix",
            "{\n  services.openssh.settings.PermitRootLogin = \"no\";\n  services.openssh.settings.PasswordAuthentication = false;\n  services.openssh.settings.KbdInteractiveAuthentication = false;\n}\n",
        );
        for h in ["a", "b"] {
            write(
                root,
                &format!("hosts/{h}/configuration.nix"),
                "{\n  services.openssh.enable = true;\n}\n",
            );
        }
        let got = defaults(root);
        assert!(
            !got.iter().any(|x| x.0 == "NIX-078" || x.0 == "NIX-079"),
            "{got:?}"
        );
    }

    /// A host record (a file whose value names a host's modules, turned into a system by a
    /// helper elsewhere) builds the host from its lists, with entries of an imported set of
    /// profiles written `with profiles; [ base ]` or `profiles.ssh`; a home-manager-only record
    /// builds none.
    #[test]
    fn host_records_build_hosts_from_their_module_lists() {
        for profiles in [
            "profiles = with nixosProfiles; [ base ssh ];",
            "profiles = [ nixosProfiles.base nixosProfiles.ssh ];",
        ] {
            let d0 = tempfile::tempdir().expect("tempdir");
            let root = d0.path();
            write(
                root,
                "nixos/profiles/default.nix",
                "{\n  base = ./base.nix;\n  ssh = ./ssh.nix;\n}\n",
            );
            write(
                root,
                "nixos/profiles/base.nix",
                "{ networking.firewall.enable = true; }\n",
            );
            write(
                root,
                "nixos/profiles/ssh.nix",
                "{\n  services.openssh.settings = { PermitRootLogin = \"no\"; PasswordAuthentication = false; KbdInteractiveAuthentication = false; };\n}\n",
            );
            write(
                root,
                "nixos/hosts/a/default.nix",
                &format!("{{ inputs }}: let\n  nixosProfiles = import ../../profiles/default.nix;\nin {{\n  system = \"x86_64-linux\";\n  kind = \"nixos\";\n  {profiles}\n  modules = [ ./system.nix ];\n  users.alice.home.modules = [ ];\n}}\n"),
            );
            write(
                root,
                "nixos/hosts/a/system.nix",
                "{\n  system.stateVersion = \"25.05\";\n  services.openssh.enable = true;\n}\n",
            );
            let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
            let host = out
                .configurations
                .iter()
                .find(|c| c.entry_point.ends_with("nixos/hosts/a/default.nix#host"))
                .unwrap_or_else(|| panic!("{profiles}: {:?}", out.configurations));
            assert!(
                host.modules
                    .iter()
                    .any(|m| m.ends_with("nixos/profiles/ssh.nix")),
                "{profiles}: {host:?}"
            );
            assert!(
                !defaults(root)
                    .iter()
                    .any(|x| x.0 == "NIX-078" || x.0 == "NIX-079"),
                "{profiles}"
            );
        }
        // A home-manager-only record is no NixOS host.
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "hosts/h/default.nix",
            "{\n  system = \"x86_64-linux\";\n  kind = \"home\";\n  modules = [ ./home.nix ];\n}\n",
        );
        write(
            root,
            "hosts/h/home.nix",
            "{ home.stateVersion = \"25.05\"; }\n",
        );
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        assert!(
            !out.configurations
                .iter()
                .any(|c| c.entry_point.ends_with("#host")),
            "{:?}",
            out.configurations
        );
    }

    #[test]
    fn a_module_no_host_imports_is_checked_on_its_own() {
        // Every spelling of turning sshd on, in a module no host imports.
        for (src, cond) in [
            ("{\n  services.openssh.enable = true;\n}\n", false),
            ("{\n  services.sshd.enable = true;\n}\n", false),
            ("{\n  services.openssh = {\n    enable = true;\n  };\n}\n", false),
            ("{ lib, ... }:\n{\n  services.openssh.enable = lib.mkDefault true;\n}\n", false),
            ("{ lib, config, ... }:\n{\n  config = lib.mkIf config.my.ssh {\n    services.openssh.enable = true;\n  };\n}\n", true),
        ] {
            let d0 = tempfile::tempdir().expect("tempdir");
            let root = d0.path();
            write(root, "hosts/a/configuration.nix", "{ networking.hostName = \"a\"; }");
            write(root, "modules/ssh.nix", src);
            let got = defaults(root);
            // From the binding that names sshd (`services.openssh = {` of a nested `enable`).
            let line = u32::try_from(
                src.lines()
                    .position(|l| l.contains("services."))
                    .expect("sshd's line")
                    + 1,
            )
            .expect("line");
            let at = |rule| d(rule, "modules/ssh.nix", line, "modules/ssh.nix", cond);
            assert_eq!(got, [at("NIX-078"), at("NIX-079"), at("NIX-079")], "{src}");
        }
        // systemd-boot in a bootstrap configuration nothing imports.
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "hosts/x/bootstrap-configuration.nix",
            "{\n  boot.loader.systemd-boot.enable = true;\n  boot.loader.efi.canTouchEfiVariables = true;\n}\n",
        );
        let entry = "hosts/x/bootstrap-configuration.nix";
        assert_eq!(defaults(root), [d("NIX-090", entry, 2, entry, false)]);
        // What it imports counts; an unfollowed import makes the finding conditional.
        write(
            root,
            "modules/server.nix",
            "{ inputs, ... }:\n{\n  imports = [ ./hardening.nix inputs.foo.nixosModules.default ];\n  services.openssh.enable = true;\n}\n",
        );
        write(
            root,
            "modules/hardening.nix",
            "{ lib, ... }: { services.openssh.settings.PasswordAuthentication = lib.mkForce false; }",
        );
        let got = defaults(root);
        let srv = "modules/server.nix";
        assert_eq!(
            got,
            [
                d("NIX-078", srv, 4, srv, true),
                d("NIX-079", srv, 4, srv, true),
                d("NIX-090", entry, 2, entry, false),
            ]
        );
    }

    #[test]
    fn hosts_made_of_exported_modules_and_pkgs_nixos() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        // A host written as an exported module that lists what it imports; the systems are
        // built elsewhere (another flake, a function over `self.nixosModules`).
        write(
            root,
            "flake.nix",
            "{\n  outputs = { self, ... }: {\n    nixosModules.web = {\n      imports = [ ./modules/ssh.nix ./modules/boot.nix ];\n    };\n  };\n}\n",
        );
        write(root, "modules/ssh.nix", "{\n  services.openssh.enable = true;\n  services.openssh.settings.PasswordAuthentication = false;\n}\n");
        write(
            root,
            "modules/boot.nix",
            "{ lib, pkgs, ... }:\n{\n  boot.loader.systemd-boot.enable = lib.mkDefault (!pkgs.stdenv.isAarch64);\n}\n",
        );
        let web = "flake.nix#nixosModules.web";
        assert_eq!(
            defaults(root),
            [
                d("NIX-078", "modules/ssh.nix", 2, web, false),
                d("NIX-079", "modules/ssh.nix", 2, web, false),
                // A computed enable: on when it is true.
                d("NIX-090", "modules/boot.nix", 3, web, true),
            ]
        );
        // `pkgs.nixos MODULE` and `nixos { configuration = MODULE; }` build a system from one
        // module.
        for call in [
            "pkgs.nixos {\n    services.openssh.enable = true;\n  }",
            "nixos { configuration = {\n    services.openssh.enable = true;\n  }; }",
            "pkgs.nixos ({ ... }: {\n    services.openssh.enable = true;\n  })",
            "nixos { modules = [ {\n    services.openssh.enable = true;\n  } ]; }",
        ] {
            let d1 = tempfile::tempdir().expect("tempdir");
            let root = d1.path();
            write(
                root,
                "image.nix",
                &format!("{{ pkgs, nixos }}:\nlet\n  sys = {call};\nin\nsys.config.system.build.toplevel\n"),
            );
            let got = defaults(root);
            assert_eq!(got.len(), 3, "{call}: {got:?}");
            assert!(
                got.iter().all(|g| g.1 == "image.nix"
                    && g.2 == 4
                    && g.3.as_deref() == Some("image.nix#sys")),
                "{call}: {got:?}"
            );
        }
    }

    #[test]
    fn clan_machines_get_what_clan_adds_as_an_unfollowed_import() {
        for (flake, conditional) in [
            (
                "{\n  inputs.clan-core.url = \"https://git.clan.lol/clan/clan-core/archive/main.tar.gz\";\n  outputs = { clan-core, self, ... }: let clan = clan-core.lib.clan { inherit self; meta.name = \"x\"; }; in { inherit (clan.config) nixosConfigurations; };\n}\n",
                true,
            ),
            (
                "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs\";\n  outputs = { ... }: { };\n}\n",
                false,
            ),
        ] {
            let d0 = tempfile::tempdir().expect("tempdir");
            let root = d0.path();
            write(root, "flake.nix", flake);
            write(
                root,
                "machines/m1/configuration.nix",
                "{\n  networking.hostName = \"m1\";\n  services.openssh.enable = true;\n}\n",
            );
            let e = "machines/m1/configuration.nix";
            let at = |rule| d(rule, e, 3, e, conditional);
            assert_eq!(
                defaults(root),
                [at("NIX-078"), at("NIX-079"), at("NIX-079")],
                "{flake}"
            );
            if conditional {
                let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
                assert!(out.findings.iter().all(|f| f.finding.rule != "NIX-078"
                    || f.finding.message.ends_with(
                        "; unless set by clan-core's modules and the clan inventory's services (not followed)"
                    )));
            }
        }
    }

    #[test]
    fn known_hardware_modules_that_enable_systemd_boot() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "configuration.nix",
            "{ inputs, ... }:\n{\n  imports = [\n    inputs.nixos-hardware.nixosModules.dell-xps-15-9550\n  ];\n}\n",
        );
        // Known to turn systemd-boot on; left at its defaults there, with no line of the
        // repository turning it on, it is not reported.
        assert_eq!(defaults(root), []);
        let e = "configuration.nix";
        write(
            root,
            "configuration.nix",
            "{ inputs, ... }:\n{\n  imports = [\n    inputs.nixos-hardware.nixosModules.dell-xps-15-9550\n  ];\n  boot.loader.systemd-boot.enable = true;\n}\n",
        );
        assert_eq!(defaults(root), [d("NIX-090", e, 6, e, false)]);
        write(
            root,
            "configuration.nix",
            "{ inputs, ... }:\n{\n  imports = [\n    inputs.nixos-hardware.nixosModules.dell-xps-15-9550\n  ];\n  boot.loader.systemd-boot.enable = true;\n  boot.loader.systemd-boot.editor = false;\n}\n",
        );
        assert_eq!(defaults(root), []);
    }

    #[test]
    fn the_module_declaring_a_custom_option_a_host_sets_is_part_of_it() {
        // The host sets `common.openssh.*`; the one module declaring it is brought in by an
        // import nixsec cannot follow, and its settings count.
        for decl in [
            "options.common.openssh = {\n    enable = lib.mkEnableOption \"ssh\";\n    allowPassword = lib.mkOption { default = false; };\n  };",
            "options = {\n    common.openssh.enable = lib.mkEnableOption \"ssh\";\n  };",
            "options = {\n    common = {\n      openssh.enable = lib.mkEnableOption \"ssh\";\n    };\n  };",
        ] {
            let d0 = tempfile::tempdir().expect("tempdir");
            let root = d0.path();
            write(
                root,
                "hosts/a/configuration.nix",
                "{ extraModules, ... }:\n{\n  imports = extraModules;\n  networking.hostName = \"a\";\n  common.openssh.enable = true;\n  services.openssh.enable = true;\n}\n",
            );
            write(
                root,
                "modules/common/openssh.nix",
                &format!("{{ config, lib, ... }}:\n{{\n  {decl}\n  config = lib.mkIf config.common.openssh.enable {{\n    services.openssh.settings = {{ PasswordAuthentication = false; KbdInteractiveAuthentication = false; PermitRootLogin = \"no\"; }};\n  }};\n}}\n"),
            );
            // It sets all three keys under its own option, which the host turns on.
            assert_eq!(defaults(root), [], "{decl}");
        }
        // Two modules declaring the same namespace: neither is chosen.
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "configuration.nix",
            "{\n  my.ssh.enable = true;\n  services.openssh.enable = true;\n}\n",
        );
        for f in ["a.nix", "b.nix"] {
            write(
                root,
                f,
                "{ lib, ... }: { options.my.ssh.enable = lib.mkEnableOption \"x\"; config.services.openssh.settings.PermitRootLogin = \"no\"; }",
            );
        }
        let e = "configuration.nix";
        assert_eq!(
            defaults(root),
            [
                d("NIX-078", e, 3, e, false),
                d("NIX-079", e, 3, e, false),
                d("NIX-079", e, 3, e, false)
            ]
        );
    }

    #[test]
    fn nixos_and_darwin_modules_of_one_name_are_apart() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "flake.nix",
            r#"{
  outputs = { self, nixpkgs, darwin, ... }: {
    nixosModules.default = ./nixos.nix;
    darwinModules.default = ./darwin.nix;
    nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ self.outputs.nixosModules.default ./box.nix ]; };
    darwinConfigurations.mac = darwin.lib.darwinSystem { modules = [ self.darwinModules.default ]; };
  };
}
"#,
        );
        write(
            root,
            "nixos.nix",
            "{ boot.loader.systemd-boot.editor = false; }",
        );
        write(root, "darwin.nix", "{ homebrew.enable = true; }");
        write(
            root,
            "box.nix",
            "{\n  boot.loader.systemd-boot.enable = true;\n}\n",
        );
        assert_eq!(defaults(root), []);
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        let mac = out
            .configurations
            .iter()
            .find(|c| c.entry_point.ends_with("#darwinConfigurations.mac"))
            .expect("mac");
        assert!(
            mac.modules.iter().all(|m| !m.ends_with("nixos.nix")),
            "{mac:?}"
        );
        assert!(
            mac.modules.iter().any(|m| m.ends_with("darwin.nix")),
            "{mac:?}"
        );
    }

    #[test]
    fn nix_darwin_sshd_root_login_is_judged_by_macos_defaults() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "flake.nix",
            "{\n  outputs = { darwin, ... }: {\n    darwinConfigurations.mac = darwin.lib.darwinSystem { modules = [ ./mac.nix ]; };\n  };\n}\n",
        );
        write(
            root,
            "mac.nix",
            "{\n  services.openssh.enable = true;\n  boot.loader.systemd-boot.enable = true;\n  users.users.root.openssh.authorizedKeys.keys = [ \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 admin\" ];\n}\n",
        );
        // Also a nix-darwin module no system imports, known by its directory. Its root has no
        // keys (macOS's root account is disabled): no root login finding there.
        write(
            root,
            "modules/darwin/base.nix",
            "{ pkgs, ... }:\n{\n  services.openssh.enable = true;\n  environment.systemPackages = [ pkgs.git ];\n}\n",
        );
        // Root login with the keys root is given. Password login is macOS's `sshd_config`'s,
        // outside the configuration: NIX-079's defaults are NixOS's, so no finding.
        let mac = "flake.nix#darwinConfigurations.mac";
        assert_eq!(defaults(root), [d("NIX-078", "mac.nix", 2, mac, false)]);
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        for f in out.findings.iter().filter(|f| f.file.ends_with("mac.nix")) {
            assert!(
                f.finding
                    .message
                    .starts_with("nix-darwin turns on macOS's sshd"),
                "{}",
                f.finding.message
            );
            assert!(
                f.finding
                    .remediation
                    .nixos
                    .starts_with("services.openssh.extraConfig"),
                "{}",
                f.finding.remediation.nixos
            );
        }
        // Lines of `extraConfig` outside a `Match` block set the keywords on macOS.
        for text in [
            "''\n    PasswordAuthentication no\n    KbdInteractiveAuthentication no\n    PermitRootLogin no\n  ''",
            "\"PasswordAuthentication no\\nChallengeResponseAuthentication no\\nAllowUsers alice\\n\"",
        ] {
            write(
                root,
                "mac.nix",
                &format!("{{\n  services.openssh.enable = true;\n  services.openssh.extraConfig = {text};\n}}\n"),
            );
            let got = defaults(root);
            assert!(got.iter().all(|g| g.1 != "mac.nix"), "{text}: {got:?}");
        }
        // Inside a `Match` block they do not: root login is judged by macOS's default again
        // (root given keys).
        write(
            root,
            "mac.nix",
            "{\n  services.openssh.enable = true;\n  services.openssh.extraConfig = ''\n    Match User bob\n      PermitRootLogin no\n  '';\n  users.users.root.openssh.authorizedKeys.keys = [ \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 admin\" ];\n}\n",
        );
        let got = defaults(root);
        assert_eq!(
            got.iter().filter(|g| g.1 == "mac.nix").count(),
            1,
            "{got:?}"
        );
    }

    #[test]
    fn paths_in_the_flake_s_own_source_are_followed() {
        for import in [
            "(self + /modules/hardening.nix)",
            "(self + \"/modules/hardening.nix\")",
            "(inputs.self + /modules/hardening.nix)",
            "\"${self}/modules/hardening.nix\"",
            "\"${inputs.self}/modules/hardening.nix\"",
        ] {
            let d0 = tempfile::tempdir().expect("tempdir");
            let root = d0.path();
            write(root, "flake.nix", "{ outputs = { ... }: { }; }");
            write(
                root,
                "hosts/a/configuration.nix",
                &format!("{{ self, inputs, ... }}:\n{{\n  imports = [ {import} ];\n  services.openssh.enable = true;\n}}\n"),
            );
            write(
                root,
                "modules/hardening.nix",
                "{ services.openssh.settings = { PasswordAuthentication = false; KbdInteractiveAuthentication = false; PermitRootLogin = \"no\"; }; }",
            );
            assert_eq!(defaults(root), [], "{import}");
        }
    }

    #[test]
    fn a_stronger_false_turns_the_feature_off() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        for (on, off, reported) in [
            ("true", "lib.mkForce false", false),
            ("lib.mkDefault true", "false", false),
            ("lib.mkForce true", "false", true),
            ("true", "lib.mkDefault false", true),
            // A conditional `false` may not apply.
            ("true", "lib.mkIf cfg.x (lib.mkForce false)", true),
        ] {
            write(
                root,
                "configuration.nix",
                &format!("{{ lib, cfg, ... }}:\n{{\n  imports = [ ./vm.nix ];\n  boot.loader.systemd-boot.enable = {on};\n}}\n"),
            );
            write(
                root,
                "vm.nix",
                &format!("{{ lib, cfg, ... }}: {{ boot.loader.systemd-boot.enable = {off}; }}"),
            );
            assert_eq!(!defaults(root).is_empty(), reported, "{on} / {off}");
        }
    }

    #[test]
    fn flake_modules_through_a_let_bound_alias() {
        for (alias, export) in [
            ("config", "flake.nixosModules.hardening"),
            ("self", "nixosModules.hardening"),
            ("inputs.self", "nixosModules.hardening"),
        ] {
            let d0 = tempfile::tempdir().expect("tempdir");
            let root = d0.path();
            let sel = if alias == "config" {
                "flakeCfg.flake.nixosModules.hardening"
            } else {
                "flakeCfg.nixosModules.hardening"
            };
            write(
                root,
                "flake.nix",
                &format!("{{\n  outputs = {{ self, ... }}: {{\n    {export} = ./hardening.nix;\n  }};\n}}\n"),
            );
            write(
                root,
                "hosts/a/configuration.nix",
                &format!("{{ config, self, inputs, ... }}:\nlet\n  flakeCfg = {alias};\nin\n{{\n  imports = [ {sel} ];\n  services.openssh.enable = true;\n}}\n"),
            );
            write(
                root,
                "hardening.nix",
                "{ services.openssh.settings = { PasswordAuthentication = false; KbdInteractiveAuthentication = false; PermitRootLogin = \"no\"; }; }",
            );
            assert_eq!(defaults(root), [], "{alias}");
        }
    }

    #[test]
    fn flake_modules_selected_by_name() {
        // A helper of the file given this flake's module set and a list of names, and `map`
        // over names selecting from the module set: each named module is followed.
        for modules in [
            "filterModules inputs.self.nixosModules wanted",
            "builtins.filter (m: m != null) (map (n: inputs.self.nixosModules.${n} or null) wanted)",
            "map (n: inputs.self.nixosModules.${n}) [ \"hardening\" ]",
        ] {
            let d0 = tempfile::tempdir().expect("tempdir");
            let root = d0.path();
            write(
                root,
                "flake.nix",
                "{\n  outputs = { self, ... }: {\n    nixosModules.hardening = ./hardening.nix;\n  };\n}\n",
            );
            write(
                root,
                "hosts/a.nix",
                &format!("{{ inputs, ... }}:\nlet\n  filterModules = moduleSet: names: builtins.filter (m: m != null) (map (n: moduleSet.${{n}} or null) names);\n  wanted = [ \"hardening\" \"missing\" ];\nin {{\n  flake.nixosConfigurations.a = inputs.nixpkgs.lib.nixosSystem {{\n    modules = [ {{ services.openssh.enable = true; }} ] ++ ({modules});\n  }};\n}}\n"),
            );
            write(
                root,
                "hardening.nix",
                "{ services.openssh.settings = { PasswordAuthentication = false; KbdInteractiveAuthentication = false; PermitRootLogin = \"no\"; }; }",
            );
            assert_eq!(defaults(root), [], "{modules}");
        }
    }

    #[test]
    fn a_helper_given_the_name_of_a_flake_module() {
        // flake-parts: `mkNixos = system: name: { ${name} = nixosSystem { modules = [
        // inputs.self.modules.nixos.${name} ... ]; }; }` called per host; each exported module
        // that looks like a host is one host, with the helper's other modules.
        for (select, export) in [
            ("inputs.self.modules.nixos.${name}", "flake.modules.nixos"),
            (
                "config.flake.modules.nixos.\"${name}\"",
                "flake.modules.nixos",
            ),
            ("self.nixosModules.${name}", "flake.nixosModules"),
        ] {
            let d0 = tempfile::tempdir().expect("tempdir");
            let root = d0.path();
            write(
                root,
                "modules/lib.nix",
                &format!("{{ inputs, lib, config, self, ... }}: {{\n  config.flake.lib.mkNixos = system: name: {{\n    ${{name}} = inputs.nixpkgs.lib.nixosSystem {{\n      modules = [\n        {select}\n        inputs.self.modules.nixos.base\n        {{ networking.hostName = name; }}\n      ];\n    }};\n  }};\n}}\n"),
            );
            write(
                root,
                "modules/base.nix",
                "{\n  flake.modules.nixos.base = {\n    services.openssh.settings.PermitRootLogin = \"no\";\n  };\n}\n",
            );
            write(
                root,
                "modules/hosts/a.nix",
                &format!("{{ inputs, ... }}: {{\n  {export}.a = {{\n    services.openssh.enable = true;\n    system.stateVersion = \"25.05\";\n  }};\n  flake.nixosConfigurations = inputs.self.lib.mkNixos \"x86_64-linux\" \"a\";\n}}\n"),
            );
            write(
                root,
                "modules/hosts/b.nix",
                &format!("{{ inputs, ... }}: {{\n  {export}.b = {{\n    services.openssh = {{\n      enable = true;\n      settings.PasswordAuthentication = false;\n      settings.KbdInteractiveAuthentication = false;\n    }};\n    system.stateVersion = \"25.05\";\n  }};\n  flake.nixosConfigurations = inputs.self.lib.mkNixos \"x86_64-linux\" \"b\";\n}}\n"),
            );
            let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
            let prefix = format!("{}/", root.display());
            let hosts = hosts_and_modules(&out, &prefix);
            let names: Vec<&str> = hosts.iter().map(|h| h.0.as_str()).collect();
            assert_eq!(
                names,
                [
                    "config.flake.lib.mkNixos.${name}[a]",
                    "config.flake.lib.mkNixos.${name}[b]"
                ],
                "{select}: {hosts:?}"
            );
            for h in &hosts {
                assert!(
                    h.2.contains(&"modules/base.nix".to_string()),
                    "{select}: {h:?}"
                );
            }
            // Host a: passwords accepted (two defaults); root login is set by `base`.
            let d: Vec<(String, String, u32)> = defaults(root)
                .into_iter()
                .map(|(r, f, l, _, _)| (r, f, l))
                .collect();
            assert_eq!(
                d,
                [
                    ("NIX-079".to_string(), "modules/hosts/a.nix".to_string(), 3),
                    ("NIX-079".to_string(), "modules/hosts/a.nix".to_string(), 3)
                ],
                "{select}"
            );
        }
    }

    #[test]
    fn a_helper_given_a_pattern_of_flake_module_names() {
        // `self.modules.nixos."hosts-${name}"` beside the class module `${cls}`: the hosts are
        // the modules named `hosts-…` (whatever they set); the class module stays unknown.
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "modules/lib.nix",
            "{ inputs, self, ... }: let\n  mkNixos = system: cls: name: inputs.nixpkgs.lib.nixosSystem {\n    modules = [\n      self.modules.nixos.${cls}\n      self.modules.nixos.\"hosts-${name}\"\n    ];\n  };\nin {\n  flake.lib = { inherit mkNixos; };\n}\n",
        );
        write(
            root,
            "modules/hosts/a.nix",
            "{\n  flake.modules.nixos.hosts-a = {\n    services.openssh.enable = true;\n  };\n}\n",
        );
        write(
            root,
            "modules/hosts/b.nix",
            "{\n  flake.modules.nixos.hosts-b = {\n    networking.hostId = \"0b0a39da\";\n  };\n}\n",
        );
        write(
            root,
            "modules/class.nix",
            "{\n  flake.modules.nixos.nixos = {\n    services.openssh.settings.PasswordAuthentication = false;\n  };\n}\n",
        );
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        let prefix = format!("{}/", root.display());
        let hosts = hosts_and_modules(&out, &prefix);
        let names: Vec<&str> = hosts.iter().map(|h| h.0.as_str()).collect();
        assert_eq!(names, ["mkNixos[a]", "mkNixos[b]"], "{hosts:?}");
        let a = &hosts[0].2;
        assert!(a.contains(&"modules/hosts/a.nix".to_string()), "{a:?}");
        assert!(!a.contains(&"modules/class.nix".to_string()), "{a:?}");
    }

    #[test]
    fn a_shared_module_importing_a_path_built_per_host() {
        // `mkHost { hostname = "a"; }` builds every host from `hosts/default.nix`, which
        // imports `./${hostname}` and `./users/${username}`: one host per directory that looks
        // like a host, each with the shared module and the one user directory.
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "flake.nix",
            "{\n  outputs = inputs: let libx = import ./lib { inherit inputs; }; in {\n    nixosConfigurations.a = libx.mkHost { hostname = \"a\"; };\n    nixosConfigurations.b = libx.mkHost { hostname = \"b\"; };\n  };\n}\n",
        );
        write(
            root,
            "lib/default.nix",
            "{ inputs }: {\n  mkHost = { hostname, username ? \"alice\", type ? \"default\" }:\n    inputs.nixpkgs.lib.nixosSystem {\n      specialArgs = { inherit hostname username; };\n      modules = [ ../hosts/${type}.nix ];\n    };\n}\n",
        );
        write(
            root,
            "hosts/default.nix",
            "{ hostname, username, ... }: {\n  imports = [ ./common ./${hostname} ./users/${username} ];\n  networking.hostName = hostname;\n}\n",
        );
        write(
            root,
            "hosts/common/default.nix",
            "{ services.openssh.settings.PermitRootLogin = \"no\"; }\n",
        );
        write(
            root,
            "hosts/a/default.nix",
            "{\n  services.openssh.enable = true;\n  system.stateVersion = \"25.05\";\n}\n",
        );
        write(
            root,
            "hosts/b/default.nix",
            "{\n  system.stateVersion = \"25.05\";\n}\n",
        );
        write(
            root,
            "hosts/users/alice/default.nix",
            "{ users.users.alice.isNormalUser = true; }\n",
        );
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        let prefix = format!("{}/", root.display());
        let hosts: Vec<(String, Vec<String>)> = hosts_and_modules(&out, &prefix)
            .into_iter()
            .map(|(e, _, m)| (e, m))
            .collect();
        for h in ["a", "b"] {
            let (_, mods) = hosts
                .iter()
                .find(|(e, _)| e.ends_with(&format!("[{h}]")))
                .unwrap_or_else(|| panic!("no host {h}: {hosts:?}"));
            for m in [
                "hosts/common/default.nix".to_string(),
                format!("hosts/{h}/default.nix"),
                "hosts/users/alice/default.nix".to_string(),
            ] {
                assert!(mods.contains(&m), "{h}: {m} in {mods:?}");
            }
        }
        // Host a: two password defaults; root login is set by the shared module.
        let d: Vec<(String, String, u32)> = defaults(root)
            .into_iter()
            .map(|(r, f, l, _, _)| (r, f, l))
            .collect();
        assert_eq!(
            d,
            [
                ("NIX-079".to_string(), "hosts/a/default.nix".to_string(), 2),
                ("NIX-079".to_string(), "hosts/a/default.nix".to_string(), 2)
            ]
        );
    }

    #[test]
    fn hosts_named_by_a_path_with_several_unknown_parts() {
        // `(./. + "/${mainUser}@${hostName}")` over a host table: each directory that matches.
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "hosts/nixos.nix",
            "{ self, inputs }:\ninputs.nixpkgs.lib.mapAttrs (hostName: { mainUser, ... }: inputs.nixpkgs.lib.nixosSystem {\n  modules = [ (./. + \"/${mainUser}@${hostName}\") ../core.nix ];\n}) self.hosts\n",
        );
        write(root, "core.nix", "{\n  services.openssh.settings = { PasswordAuthentication = false; KbdInteractiveAuthentication = false; PermitRootLogin = \"no\"; };\n}\n");
        for host in ["alice@mercury", "alice@saturn"] {
            write(
                root,
                &format!("hosts/{host}/default.nix"),
                "{\n  services.openssh.enable = true;\n  system.stateVersion = \"25.05\";\n}\n",
            );
        }
        assert_eq!(defaults(root), []);
    }

    /// A path built per host (`./machines/${hostName}/configuration.nix` over a table nixsec
    /// cannot read) matches the hosts' directories, not an old copy kept beside them.
    #[test]
    fn hosts_named_by_a_path_skip_old_copies() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "flake.nix",
            "{ self, inputs }: {\n  nixosConfigurations = inputs.nixpkgs.lib.mapAttrs (hostName: _: inputs.nixpkgs.lib.nixosSystem {\n    modules = [ ./machines/${hostName}/configuration.nix ];\n  }) self.hosts;\n}\n",
        );
        for host in ["a", "b.old"] {
            write(
                root,
                &format!("machines/{host}/configuration.nix"),
                "{\n  services.openssh.enable = true;\n  system.stateVersion = \"25.05\";\n}\n",
            );
        }
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        assert_eq!(entries(&out), ["flake.nix#nixosConfigurations[a]"]);
    }

    /// A directory switched off by its name (`*.disabled`, `hosts-disabled`, `attic`), or
    /// holding a flake's templates or examples (`templates/dendritic/machines/example`,
    /// `assets/example-modules`), and an old copy of a configuration (`old-configuration.nix`)
    /// hold no host; a repository that itself sits in a directory named so is linted as usual.
    #[test]
    fn a_directory_switched_off_by_name_holds_no_host() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        for dir in [
            "hive/raptor.disabled",
            "machines/strongbad.old",
            "hive/osprey",
            "templates/dendritic/machines/example",
            "skills/assets/example-modules",
            "examples/server",
            "hosts-disabled/bigpond",
            "attic/brno",
        ] {
            write(
                root,
                &format!("{dir}/configuration.nix"),
                "{\n  services.openssh.enable = true;\n  system.stateVersion = \"25.05\";\n}\n",
            );
        }
        // A host named like a set-aside directory, below the top, is a host.
        write(
            root,
            "hosts/attic/configuration.nix",
            "{\n  services.openssh.enable = true;\n  system.stateVersion = \"25.05\";\n}\n",
        );
        // An old copy kept beside a host's configuration.
        write(
            root,
            "machines/jester/old-configuration.nix",
            "{\n  boot.loader.systemd-boot.enable = true;\n  system.stateVersion = \"21.05\";\n}\n",
        );
        // Examples to copy, beside the real modules.
        for file in [
            "modules/desktop-EXAMPLE.nix",
            "hosts/configuration.example.nix",
        ] {
            write(
                root,
                file,
                "{\n  services.openssh.enable = true;\n  system.stateVersion = \"25.05\";\n}\n",
            );
        }
        // A template that is a flake of its own, building its example host.
        write(
            root,
            "templates/dendritic/flake.nix",
            "{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.example = nixpkgs.lib.nixosSystem {\n      modules = [ ./machines/example/configuration.nix ];\n    };\n  };\n}\n",
        );
        // An Ansible role's templates (`roles/dellxps/templates/` beside `tasks/`) are the
        // host's real configuration, written out by the role: a host.
        write(
            root,
            "roles/dellxps/tasks/main.yml",
            "- name: configuration.nix\n  template: src=configuration.nix dest=/etc/nixos/\n",
        );
        write(
            root,
            "roles/dellxps/templates/flake.nix",
            "{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.\"nixos\" = nixpkgs.lib.nixosSystem {\n      modules = [ ./configuration.nix ];\n    };\n  };\n}\n",
        );
        write(
            root,
            "roles/dellxps/templates/configuration.nix",
            "{\n  boot.loader.systemd-boot.enable = true;\n  system.stateVersion = \"23.11\";\n}\n",
        );
        let got = defaults(root);
        assert!(!got.is_empty());
        assert!(
            got.iter()
                .all(|(_, f, ..)| f == "hive/osprey/configuration.nix"
                    || f == "hosts/attic/configuration.nix"
                    || f == "roles/dellxps/templates/configuration.nix"),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|(_, f, ..)| f == "roles/dellxps/templates/configuration.nix"),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|(_, f, ..)| f == "hosts/attic/configuration.nix"),
            "{got:?}"
        );
        let d1 = tempfile::tempdir().expect("tempdir");
        let repo = d1.path().join("templates").join("my-config");
        write(
            &repo,
            "hosts/a/configuration.nix",
            "{\n  services.openssh.enable = true;\n  system.stateVersion = \"25.05\";\n}\n",
        );
        std::fs::write(repo.join("flake.nix"), "{ outputs = _: { }; }\n").expect("write");
        assert_eq!(defaults(&repo).len(), 3);
    }

    /// A repository that declares its hosts (here a flake) and keeps a machine's file that none
    /// of them builds: the file is a module no host imports (its findings say so), not a host.
    #[test]
    fn a_host_file_left_out_of_the_declared_hosts_is_no_host() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "flake.nix",
            "{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.gw = nixpkgs.lib.nixosSystem {\n      modules = [ ./gw.nix ];\n    };\n  };\n}\n",
        );
        let host = "{\n  services.openssh.enable = true;\n  system.stateVersion = \"25.05\";\n}\n";
        write(root, "gw.nix", host);
        write(root, "oldpc.nix", host);
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        assert_eq!(entries(&out), ["flake.nix#nixosConfigurations.gw"]);
        let old: Vec<&str> = out
            .findings
            .iter()
            .filter(|f| f.file.ends_with("oldpc.nix") && f.finding.rule == "NIX-079")
            .map(|f| f.finding.message.as_str())
            .collect();
        assert_eq!(old.len(), 2, "{old:?}");
        assert!(
            old.iter()
                .all(|m| m.contains("a module no host configuration that nixsec found imports")),
            "{old:?}"
        );
    }

    #[test]
    fn a_default_is_placed_where_most_hosts_share_it() {
        // sshd turned on in the shared module and again in each host's generated file: the
        // finding is placed once, at the shared module.
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "network.nix",
            "{\n  network = { };\n  \"a\" = { deployment.targetHost = \"a\"; imports = [ ./standard.nix ./a.nix ]; };\n  \"b\" = { deployment.targetHost = \"b\"; imports = [ ./standard.nix ./b.nix ]; };\n}\n",
        );
        write(
            root,
            "standard.nix",
            "{\n  services.openssh.enable = true;\n}\n",
        );
        write(root, "a.nix", "{\n  services.openssh.enable = true;\n}\n");
        write(root, "b.nix", "{\n  services.openssh.enable = true;\n}\n");
        let got = defaults(root);
        assert!(!got.is_empty());
        assert!(got.iter().all(|(_, f, ..)| f == "standard.nix"), "{got:?}");
    }

    #[test]
    fn lanzaboote_follows_the_systemd_boot_editor() {
        // lanzaboote's `settings.editor` defaults to `boot.loader.systemd-boot.editor` (true).
        for (extra, want) in [
            ("", 1),
            ("boot.lanzaboote.settings.editor = false;", 0),
            ("boot.loader.systemd-boot.editor = false;", 0),
        ] {
            let d0 = tempfile::tempdir().expect("tempdir");
            let root = d0.path();
            write(
                root,
                "configuration.nix",
                &format!("{{ lib, ... }}:\n{{\n  boot.loader.systemd-boot.enable = lib.mkForce false;\n  boot.lanzaboote.enable = true;\n  {extra}\n}}\n"),
            );
            let got = defaults(root);
            assert_eq!(got.len(), want, "{extra}: {got:?}");
            assert!(
                got.iter()
                    .all(|(r, _, line, ..)| r == "NIX-090" && *line == 4),
                "{got:?}"
            );
        }
    }

    #[test]
    fn lanzaboote_under_a_condition_leaves_systemd_boot_elsewhere() {
        // Secure Boot behind an option, systemd-boot behind another: where the first is off,
        // the systemd-boot turned on beside it boots the machine with its own default editor.
        // A systemd-boot turned on for good is the host's choice before the option's, which
        // nixsec cannot tell apart from one the option overrides (the host may turn Secure
        // Boot on): only the lanzaboote finding.
        for (systemd_boot, want) in [
            (
                "(lib.mkIf config.sys.boot.enable { boot.loader.systemd-boot.enable = true; })",
                vec![(3, true), (6, true)],
            ),
            (
                "{ boot.loader.systemd-boot.enable = true; }",
                vec![(6, true)],
            ),
        ] {
            let d0 = tempfile::tempdir().expect("tempdir");
            let root = d0.path();
            write(
                root,
                "configuration.nix",
                &format!("{{ lib, config, ... }}:\nlib.mkMerge [\n  {systemd_boot}\n  (lib.mkIf config.sys.secureBoot {{\n    boot.loader.systemd-boot.enable = lib.mkForce false;\n    boot.lanzaboote.enable = true;\n  }})\n]\n"),
            );
            let got: Vec<(u32, bool)> = defaults(root)
                .into_iter()
                .map(|(_, _, line, _, cond)| (line, cond))
                .collect();
            assert_eq!(got, want, "{systemd_boot}");
        }
    }

    #[test]
    fn the_installer_profile_does_not_start_sshd() {
        // nixpkgs' installation-device profile enables sshd but does not start it: an image that
        // only imports it has no sshd finding. One that enables sshd itself has the two
        // password defaults at its own line (the profile leaves them at `true`); the profile's
        // `PermitRootLogin = "yes"` counts only where the host starts sshd at boot anyway
        // (`systemd.services.sshd.wantedBy` over the profile's empty list), reported where it
        // turns sshd on.
        for (own, want) in [
            ("", vec![]),
            (
                "services.openssh.enable = true;\n",
                vec![("NIX-079", 4), ("NIX-079", 4)],
            ),
            (
                "services.openssh.enable = true;\n  systemd.services.sshd.wantedBy = lib.mkOverride 40 [ \"multi-user.target\" ];\n",
                vec![("NIX-078", 4), ("NIX-079", 4), ("NIX-079", 4)],
            ),
            // Started at boot by the host alone (the profile's sshd): found where it is
            // started. A plain `wantedBy` loses to the profile's `mkOverride 50 [ ]`.
            (
                "systemd.services.sshd.wantedBy = lib.mkForce [ \"multi-user.target\" ];\n",
                vec![("NIX-078", 4), ("NIX-079", 4), ("NIX-079", 4)],
            ),
            (
                "systemd.services.sshd.wantedBy = [ \"multi-user.target\" ];\n",
                vec![],
            ),
        ] {
            let d0 = tempfile::tempdir().expect("tempdir");
            let root = d0.path();
            write(
                root,
                "iso/configuration.nix",
                &format!("{{ modulesPath, ... }}:\n{{\n  imports = [ \"${{modulesPath}}/installer/cd-dvd/installation-cd-minimal.nix\" ];\n  {own}}}\n"),
            );
            let got = defaults(root);
            let got: Vec<(&str, u32)> = got.iter().map(|(r, _, l, ..)| (r.as_str(), *l)).collect();
            assert_eq!(got, want, "{own}");
        }
    }

    #[test]
    fn flake_modules_exported_by_a_directory_convention() {
        // numtide blueprint: `modules/nixos/NAME` is `flake.nixosModules.NAME`, given to hosts
        // as `flake`.
        for (import, file) in [
            (
                "flake.nixosModules.common",
                "modules/nixos/common/default.nix",
            ),
            (
                "inputs.self.nixosModules.common",
                "modules/nixos/common.nix",
            ),
            // sysmodule-flake: `modules-nixos/NAME.nix`; and the other directory names.
            ("self.nixosModules.common", "modules-nixos/common.nix"),
            ("self.nixosModules.common", "nixosModules/common.nix"),
            (
                "self.nixosModules.common",
                "nixos-modules/common/default.nix",
            ),
        ] {
            let d0 = tempfile::tempdir().expect("tempdir");
            let root = d0.path();
            write(
                root,
                "flake.nix",
                "{ outputs = inputs: inputs.blueprint { inherit inputs; }; }\n",
            );
            write(
                root,
                "hosts/a/configuration.nix",
                &format!("{{ flake, inputs, ... }}:\n{{\n  imports = [ {import} ];\n  services.openssh.enable = true;\n  system.stateVersion = \"25.05\";\n}}\n"),
            );
            write(
                root,
                file,
                "{ services.openssh.settings = { PasswordAuthentication = false; KbdInteractiveAuthentication = false; PermitRootLogin = \"no\"; }; }",
            );
            assert_eq!(defaults(root), [], "{import}");
        }
    }

    /// snowfall-lib imports every `modules/nixos/**/default.nix` into every system of
    /// `systems/<target>/<name>/default.nix` (`modules/darwin` for a `*-darwin` target): a
    /// module turning sshd on behind a namespaced option the host sets is the host's, and a
    /// setting another auto-imported module makes counts.
    #[test]
    fn snowfall_lib_systems_get_every_module_of_their_class() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "flake.nix",
            "{
  inputs.snowfall-lib.url = \"github:snowfallorg/lib\";
  outputs = inputs: inputs.snowfall-lib.mkFlake { inherit inputs; src = ./.; snowfall.namespace = \"acme\"; };
}
",
        );
        write(
            root,
            "systems/x86_64-linux/web/default.nix",
            "{ ... }:\n{\n  acme.ssh.enable = true;\n  system.stateVersion = \"25.05\";\n}\n",
        );
        write(
            root,
            "systems/aarch64-darwin/mac/default.nix",
            "{ ... }:\n{\n  system.stateVersion = 6;\n}\n",
        );
        write(
            root,
            "modules/nixos/ssh/default.nix",
            "{ config, lib, ... }:\nlet cfg = config.acme.ssh; in\n{\n  options.acme.ssh.enable = lib.mkEnableOption \"ssh\";\n  config = lib.mkIf cfg.enable {\n    services.openssh.enable = true;\n    services.openssh.settings.PasswordAuthentication = false;\n  };\n}\n",
        );
        write(
            root,
            "modules/nixos/hardening/sshd/default.nix",
            "{ ... }:\n{\n  services.openssh.settings.KbdInteractiveAuthentication = false;\n}\n",
        );
        write(
            root,
            "modules/darwin/nix/default.nix",
            "{ ... }:\n{\n  nix.settings.sandbox = true;\n}\n",
        );
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        let prefix = format!("{}/", root.display());
        assert_eq!(
            hosts_and_modules(&out, &prefix),
            [
                (
                    "darwinConfigurations.mac".to_string(),
                    "darwin".to_string(),
                    vec![
                        "modules/darwin/nix/default.nix".to_string(),
                        "systems/aarch64-darwin/mac/default.nix".to_string(),
                    ]
                ),
                (
                    "nixosConfigurations.web".to_string(),
                    "nixos".to_string(),
                    vec![
                        "modules/nixos/hardening/sshd/default.nix".to_string(),
                        "modules/nixos/ssh/default.nix".to_string(),
                        "systems/x86_64-linux/web/default.nix".to_string(),
                    ]
                ),
            ]
        );
        // Only PermitRootLogin is left to its default (the hardening module sets the other).
        let got = defaults(root);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "NIX-078");
        assert_eq!(got[0].1, "modules/nixos/ssh/default.nix");
        assert_eq!(
            got[0].3.as_deref(),
            Some("flake.nix#nixosConfigurations.web")
        );
    }

    /// A directory tree given to modules as nested attributes (kittywitch's `tree`): hosts
    /// mapped over a list as `nixfiles.hosts.${host}.configuration`, modules named
    /// `hosts.a.ether`, `users.alice.nixos`, and a directory (`nixfiles.profiles.base`) whose
    /// every file is the module.
    #[test]
    fn tree_references_name_files_of_the_repository() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "flake.nix",
            "{\n  outputs = { self, nixpkgs, tree, ... }@inputs: let\n    nixfiles = (tree.tree { inherit inputs; folder = ./.; }).impure;\n  in {\n    nixosConfigurations = nixpkgs.lib.listToAttrs (map (host: nixpkgs.lib.nameValuePair host (nixpkgs.lib.nixosSystem {\n      system = \"x86_64-linux\";\n      specialArgs = nixfiles;\n      modules = [ nixfiles.hosts.${host}.configuration nixfiles.profiles.base ];\n    })) [ \"a\" \"b\" ]);\n  };\n}\n",
        );
        write(
            root,
            "hosts/a/configuration.nix",
            "{ hosts, users, ... }:\n{\n  imports = [ hosts.a.ether users.alice.nixos ];\n  services.openssh.enable = true;\n  system.stateVersion = \"25.05\";\n}\n",
        );
        write(
            root,
            "hosts/a/ether.nix",
            "{ services.openssh.settings.KbdInteractiveAuthentication = false; }",
        );
        write(
            root,
            "hosts/b/configuration.nix",
            "{ ... }:\n{\n  services.openssh.enable = true;\n  system.stateVersion = \"25.05\";\n}\n",
        );
        write(
            root,
            "users/alice/nixos.nix",
            "{ users.users.alice.isNormalUser = true; }",
        );
        write(
            root,
            "profiles/base/ssh.nix",
            "{ services.openssh.settings = { PasswordAuthentication = false; PermitRootLogin = \"no\"; }; }",
        );
        write(
            root,
            "profiles/base/nix.nix",
            "{ nix.settings.sandbox = true; }",
        );
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        let prefix = format!("{}/", root.display());
        let files = |v: &[&str]| v.iter().map(|f| (*f).to_string()).collect::<Vec<_>>();
        assert_eq!(
            hosts_and_modules(&out, &prefix),
            [
                (
                    "nixosConfigurations[a]".to_string(),
                    "nixos".to_string(),
                    files(&[
                        "hosts/a/configuration.nix",
                        "hosts/a/ether.nix",
                        "profiles/base/nix.nix",
                        "profiles/base/ssh.nix",
                        "users/alice/nixos.nix",
                    ])
                ),
                (
                    "nixosConfigurations[b]".to_string(),
                    "nixos".to_string(),
                    files(&[
                        "hosts/b/configuration.nix",
                        "profiles/base/nix.nix",
                        "profiles/base/ssh.nix",
                    ])
                ),
            ]
        );
        // Host b alone leaves KbdInteractiveAuthentication to its default.
        let got = defaults(root);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "NIX-079");
        assert_eq!(got[0].1, "hosts/b/configuration.nix");
    }

    /// A module whose import is commented out (`#    ./ssh.nix`) was switched off by its
    /// author: what it writes is still reported, what it leaves to NixOS's defaults is not;
    /// a module no host imports and no comment names keeps its default-based findings.
    #[test]
    fn modules_whose_import_is_commented_out() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "configuration.nix",
            "{ ... }:\n{\n  imports = [\n    ./printer.nix\n#    ./ssh.nix\n  ];\n  system.stateVersion = \"25.05\";\n}\n",
        );
        write(root, "printer.nix", "{ services.printing.enable = true; }");
        write(
            root,
            "ssh.nix",
            "{ services.openssh = { enable = true; settings.PermitRootLogin = \"yes\"; }; }",
        );
        write(
            root,
            "extra-ssh.nix",
            "{ services.openssh = { enable = true; settings.PermitRootLogin = \"no\"; }; }",
        );
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        let mut got: Vec<(String, String, u32)> = out
            .findings
            .iter()
            .filter(|f| f.finding.rule.starts_with("NIX-07"))
            .map(|f| {
                (
                    f.finding.rule.clone(),
                    f.file.rsplit('/').next().unwrap_or("").to_string(),
                    f.line,
                )
            })
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                ("NIX-078".to_string(), "ssh.nix".to_string(), 1),
                ("NIX-079".to_string(), "extra-ssh.nix".to_string(), 1),
                ("NIX-079".to_string(), "extra-ssh.nix".to_string(), 1),
            ]
        );
    }

    #[test]
    fn nixops_networks_and_colmena_hive_files() {
        for (top, builder) in [
            ("network.description = \"delft\";", "nixops"),
            ("", "nixops"),
            ("meta.nixpkgs = import <nixpkgs> { };", "colmena"),
        ] {
            let d0 = tempfile::tempdir().expect("tempdir");
            let root = d0.path();
            write(
                root,
                "network.nix",
                &format!("flakes:\nlet\n  x = 1;\nin\n{{\n  {top}\n  defaults = {{ imports = [ ./common.nix ]; }};\n  web = {{ deployment.targetHost = \"web\"; imports = [ ./web.nix ]; }};\n  db = {{ deployment.targetHost = \"db\"; services.openssh.settings.PasswordAuthentication = false; }};\n}}\n"),
            );
            write(
                root,
                "common.nix",
                "{\n  services.openssh.enable = true;\n  services.openssh.settings = { KbdInteractiveAuthentication = false; PermitRootLogin = \"no\"; };\n}\n",
            );
            write(root, "web.nix", "{ boot.loader.grub.enable = true; }");
            let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
            let entries: Vec<&str> = out
                .configurations
                .iter()
                .map(|c| c.entry_point.rsplit('#').next().unwrap_or(""))
                .collect();
            assert_eq!(
                entries,
                [format!("{builder}.web"), format!("{builder}.db")],
                "{top}"
            );
            // `web` leaves PasswordAuthentication at its default; `db` sets it.
            assert_eq!(
                defaults(root),
                [d(
                    "NIX-079",
                    "common.nix",
                    2,
                    &format!("network.nix#{builder}.web"),
                    false
                )],
                "{top}"
            );
        }
    }

    /// A physical NixOps network file: no `network`, no `defaults`, every machine a module
    /// with `deployment` settings (it is evaluated with a logical file beside it).
    #[test]
    fn nixops_physical_network_files() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "physical.nix",
            "{
  gateway = { ... }: {
    deployment.targetHost = \"10.0.0.1\";
    imports = [ ./gateway.nix ];
  };
  store = { deployment.targetEnv = \"libvirtd\"; };
}
",
        );
        write(root, "gateway.nix", "{ boot.loader.grub.enable = true; }");
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        assert_eq!(entry_names(&out), ["nixops.gateway", "nixops.store"]);
        // A set of ordinary attributes is no network.
        let d1 = tempfile::tempdir().expect("tempdir");
        write(
            d1.path(),
            "hosts.nix",
            "{ gateway = { address = \"10.0.0.1\"; }; store = { deployment.targetHost = \"s\"; }; }\n",
        );
        let out = lint(&[d1.path().to_path_buf()], &LintOptions::default(), &()).expect("lint");
        assert!(out.configurations.is_empty());
        // The machine's module bound by a `let` and given by name: its settings are read.
        let d2 = tempfile::tempdir().expect("tempdir");
        write(
            d2.path(),
            "network.nix",
            "let\n  linode = { pkgs, ... }: {\n    deployment.targetHost = \"elrond\";\n    services.openssh.enable = true;\n    services.openssh.settings.PermitRootLogin = \"yes\";\n  };\nin {\n  blog = linode;\n}\n",
        );
        let out = lint(&[d2.path().to_path_buf()], &LintOptions::default(), &()).expect("lint");
        assert_eq!(entry_names(&out), ["nixops.blog"]);
        assert!(
            out.findings
                .iter()
                .any(|f| f.finding.rule == "NIX-078" && f.line == 5),
            "{:?}",
            out.findings
        );
        // A name bound to something else is no machine.
        let d3 = tempfile::tempdir().expect("tempdir");
        write(
            d3.path(),
            "hosts.nix",
            "let a = \"deployment.targetHost\"; in { blog = a; }\n",
        );
        let out = lint(&[d3.path().to_path_buf()], &LintOptions::default(), &()).expect("lint");
        assert!(out.configurations.is_empty());
    }

    /// An image built by nixos-generators (`nixosGenerate { modules = [ … ]; format = "iso"; }`)
    /// is a NixOS system of its modules.
    #[test]
    fn an_image_of_nixos_generators_is_a_system() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "flake.nix",
            "{\n  outputs = { nixos-generators, ... }: {\n    packages.x86_64-linux.kvm = nixos-generators.nixosGenerate {\n      system = \"x86_64-linux\";\n      modules = [ ./defaults.nix ];\n      format = \"qcow\";\n    };\n  };\n}\n",
        );
        write(
            root,
            "defaults.nix",
            "{\n  services.openssh.enable = true;\n}\n",
        );
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        assert_eq!(out.configurations.len(), 1, "{:?}", out.configurations);
        assert!(
            out.findings
                .iter()
                .any(|f| f.finding.rule == "NIX-079" && f.file.ends_with("defaults.nix")),
            "{:?}",
            out.findings
        );
    }

    /// The dendritic pattern's host table: `configurations.nixos.HOST.module = { imports = [ … ]; }`
    /// is a host of that module (its flake-parts module makes `nixosConfigurations.HOST`).
    #[test]
    fn the_dendritic_host_table() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "modules/hosts.nix",
            "{ ... }:\nlet\n  base = { pkgs, ... }: {\n    services.openssh.enable = true;\n  };\nin\n{\n  configurations.nixos.laptop.module = { imports = [ base ]; };\n}\n",
        );
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        assert_eq!(entry_names(&out), ["nixosConfigurations.laptop"]);
        assert!(
            out.findings
                .iter()
                .any(|f| f.finding.rule == "NIX-079" && f.line == 4),
            "{:?}",
            out.findings
        );
    }

    #[test]
    fn a_module_a_host_imports_is_judged_with_the_host_only() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "configuration.nix",
            "{ imports = [ ./ssh.nix ./settings.nix ]; }",
        );
        write(root, "ssh.nix", "{\n  services.openssh.enable = true;\n}\n");
        write(
            root,
            "settings.nix",
            "{ lib, ... }: { services.openssh = lib.mkMerge [ { settings.PermitRootLogin = lib.mkForce \"no\"; } (lib.mkIf true { settings.KbdInteractiveAuthentication = false; }) { extraConfig = \"AllowUsers alice\"; settings.PasswordAuthentication = lib.mkDefault false; } ]; }",
        );
        // `extra.nix` imports the shared module but nothing else: it is no host's, and the
        // shared module is judged with the host that imports it.
        write(root, "extra.nix", "{ imports = [ ./ssh.nix ]; }");
        assert_eq!(defaults(root), []);
    }

    #[test]
    fn a_nixos_container_is_a_system_of_its_own() {
        // Written in place, as a function, with one path, and from a file: the container's
        // sshd has NixOS's defaults; the host's settings do not reach it, nor its the host's.
        for (container, line) in [
            ("containers.web.config = {\n    services.openssh.enable = true;\n  };", 3),
            ("containers.web = {\n    privateNetwork = true;\n    config = { pkgs, ... }: {\n      services.openssh.enable = true;\n    };\n  };", 5),
            // The container's set as the body of a `let`, in parentheses.
            ("containers.web = let port = 22; in ({\n    privateNetwork = true;\n    config = { pkgs, ... }: {\n      services.openssh.enable = true;\n    };\n  });", 5),
            // The binding starts on the key's line.
            ("containers.web.config.services.openssh.enable =\n    true;", 2),
        ] {
            let d0 = tempfile::tempdir().expect("tempdir");
            let root = d0.path();
            write(
                root,
                "configuration.nix",
                &format!("{{\n  {container}\n  services.openssh.settings = {{ PermitRootLogin = \"no\"; PasswordAuthentication = false; KbdInteractiveAuthentication = false; }};\n}}\n"),
            );
            let at = |rule| d(rule, "configuration.nix", line, "configuration.nix#containers.web", false);
            assert_eq!(
                defaults(root),
                [at("NIX-078"), at("NIX-079"), at("NIX-079")],
                "{container}"
            );
        }
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "configuration.nix",
            "{\n  containers.db.config = ./db.nix;\n  networking.hostName = \"h\";\n}\n",
        );
        write(
            root,
            "db.nix",
            "{\n  services.openssh.enable = true;\n  networking.firewall.enable = false;\n}\n",
        );
        let at = |rule| d(rule, "db.nix", 2, "configuration.nix#containers.db", false);
        assert_eq!(
            defaults(root),
            [at("NIX-078"), at("NIX-079"), at("NIX-079")]
        );
        // Explicit settings inside a container are judged like any other.
        let (rows, _) = run(root);
        assert!(
            rows.iter().any(|r| r.0 == "NIX-070" && r.1 == "db.nix"),
            "{rows:?}"
        );
    }

    #[test]
    fn clan_machines_one_per_file_and_the_admin_service() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "flake.nix",
            "{\n  inputs.clan-core.url = \"github:clan-lol/clan-core\";\n  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./vm.nix ]; };\n}\n",
        );
        write(
            root,
            "vm.nix",
            "{ ... }:\n{\n  flake.clan.machines.vm-web =\n    { pkgs, ... }:\n    {\n      services.openssh.enable = true;\n      services.web.openFirewall = true;\n    };\n}\n",
        );
        let (rows, _) = run(root);
        assert!(
            rows.iter().any(|r| r.0 == "NIX-073" && r.1 == "vm.nix"),
            "{rows:?}"
        );
        let got = defaults(root);
        assert_eq!(
            got.iter().filter(|r| r.0 == "NIX-079").count(),
            2,
            "{got:?}"
        );
        // An inventory instance of clan-core's admin or sshd service (its server role) sets
        // PasswordAuthentication.
        for clan in [
            "{\n  inventory.instances = {\n    admin = {\n      roles.default.tags.all = { };\n    };\n  };\n}\n",
            "{\n  inventory.instances = {\n    sshd = {\n      module = {\n        name = \"sshd\";\n        input = \"clan-core\";\n      };\n      roles.server.tags.all = { };\n    };\n  };\n}\n",
            "{\n  inventory.instances.my-ssh = {\n    module.name = \"sshd\";\n    roles.server.tags.all = { };\n  };\n}\n",
        ] {
            write(root, "clan.nix", clan);
            let got = defaults(root);
            assert_eq!(
                got.iter().filter(|r| r.0 == "NIX-079").count(),
                1,
                "{clan}: {got:?}"
            );
            assert!(got.iter().all(|r| r.4), "conditional: {got:?}");
        }
    }

    #[test]
    fn a_machine_made_of_the_flake_s_darwin_modules_is_nix_darwin() {
        // clan-infra's `machines/build02/configuration.nix`: `imports = [
        // self.darwinModules.build02 ];` and nothing only NixOS has.
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "flake.nix",
            "{\n  outputs = { self, ... }: {\n    darwinModules.build02 = ./darwin/build02.nix;\n    nixosModules.server = ./server.nix;\n  };\n}\n",
        );
        write(
            root,
            "darwin/build02.nix",
            "{\n  services.openssh.enable = true;\n}\n",
        );
        write(root, "server.nix", "{ services.openssh.enable = true; }\n");
        write(
            root,
            "machines/build02/configuration.nix",
            "{ self, ... }:\n{\n  imports = [ self.darwinModules.build02 ];\n  services.tailscale.enable = true;\n}\n",
        );
        write(
            root,
            "machines/web01/configuration.nix",
            "{ self, ... }:\n{\n  imports = [ self.nixosModules.server ];\n  services.tailscale.enable = true;\n}\n",
        );
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        let prefix = format!("{}/", root.display());
        let kinds: Vec<(String, String)> = hosts_and_modules(&out, &prefix)
            .into_iter()
            .filter(|h| h.2.iter().any(|m| m.starts_with("machines/")))
            .map(|h| (h.2[0].clone(), h.1))
            .collect();
        assert!(
            kinds.contains(&("darwin/build02.nix".to_string(), "darwin".to_string())),
            "{kinds:?}"
        );
        assert!(
            kinds.contains(&(
                "machines/web01/configuration.nix".to_string(),
                "nixos".to_string()
            )),
            "{kinds:?}"
        );
    }

    #[test]
    fn one_finding_for_a_module_shared_by_nixos_and_darwin_hosts() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "flake.nix",
            "{\n  outputs = inputs: {\n    nixosConfigurations.a = inputs.nixpkgs.lib.nixosSystem { modules = [ ./ssh.nix ]; };\n    darwinConfigurations.b = inputs.darwin.lib.darwinSystem { modules = [ ./ssh.nix ]; };\n  };\n}\n",
        );
        // Root has keys: macOS's disabled root account would otherwise keep root out.
        write(
            root,
            "ssh.nix",
            "{\n  services.openssh.enable = true;\n  users.users.root.openssh.authorizedKeys.keys = [ \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 admin\" ];\n}\n",
        );
        let got = defaults(root);
        assert_eq!(
            got.iter().filter(|r| r.0 == "NIX-078").count(),
            1,
            "{got:?}"
        );
        let entry = got
            .iter()
            .find(|r| r.0 == "NIX-078")
            .and_then(|r| r.3.clone());
        assert!(entry.is_some_and(
            |e| e.contains("nixosConfigurations.a") && e.contains("darwinConfigurations.b")
        ));
    }

    /// A repository's own helper named like nixpkgs' function (`libD.nixosSystem`, defined in
    /// `lib/nixosSystem.nix` and adding the shared modules): its hosts get those modules.
    #[test]
    fn a_helper_named_nixos_system_in_another_file() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "flake.nix",
            "{\n  outputs = { self, ... }: {\n    nixosModules = import ./modules;\n    nixosConfigurations = let libD = import ./lib { inherit self; }; in import ./hosts { inherit self libD; };\n  };\n}\n",
        );
        write(
            root,
            "lib/default.nix",
            "{ self }:\n{\n  nixosSystem = import ./nixosSystem.nix { inherit self; };\n}\n",
        );
        write(
            root,
            "lib/nixosSystem.nix",
            "{ self }:\n{ system, modules }:\nself.inputs.nixpkgs.lib.nixosSystem {\n  inherit system;\n  modules = [ self.nixosModules.common ] ++ modules;\n}\n",
        );
        write(root, "modules/default.nix", "{\n  common = ./common;\n}\n");
        write(
            root,
            "modules/common/default.nix",
            "{\n  services.openssh.settings = { PermitRootLogin = \"no\"; PasswordAuthentication = false; KbdInteractiveAuthentication = false; };\n}\n",
        );
        write(
            root,
            "hosts/default.nix",
            "{ self, libD }:\n{\n  mon = libD.nixosSystem { system = \"x86_64-linux\"; modules = [ ./mon ]; };\n}\n",
        );
        write(
            root,
            "hosts/mon/default.nix",
            "{\n  services.openssh.enable = true;\n}\n",
        );
        let got = defaults(root);
        assert!(
            got.iter().all(|r| r.0 != "NIX-078" && r.0 != "NIX-079"),
            "{got:?}"
        );
    }

    #[test]
    fn hosts_from_a_self_relative_path_built_per_host() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(root, "flake.nix", "{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./hosts ]; }; }\n");
        write(
            root,
            "hosts/default.nix",
            "{ inputs, ... }:\nlet\n  mkSystem = { hostname }: {\n    nixosConfigurations.${hostname} = inputs.nixpkgs.lib.nixosSystem {\n      modules = [ \"${inputs.self}/common\" \"${inputs.self}/hosts/${hostname}\" ];\n    };\n  };\nin\n{ flake = inputs.nixpkgs.lib.mkMerge [ (mkSystem { hostname = \"a\"; }) ]; }\n",
        );
        write(
            root,
            "common/default.nix",
            "{\n  boot.loader.systemd-boot.editor = false;\n}\n",
        );
        write(
            root,
            "hosts/a/default.nix",
            "{\n  boot.loader.systemd-boot.enable = true;\n}\n",
        );
        let got = defaults(root);
        assert!(got.iter().all(|r| r.0 != "NIX-090"), "{got:?}");
        write(root, "common/default.nix", "{ }\n");
        let got = defaults(root);
        assert_eq!(
            got.iter().filter(|r| r.0 == "NIX-090").count(),
            1,
            "{got:?}"
        );
    }

    #[test]
    fn a_file_that_is_a_set_of_modules() {
        // A NixOps network without `network`, or a file of modules: each is linted.
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "nodes.nix",
            "{\n  web = { config, pkgs, ... }: {\n    services.openssh.permitRootLogin = \"yes\";\n  };\n  db = ./db.nix;\n}\n",
        );
        let (rows, _) = run(root);
        assert!(
            rows.iter().any(|r| r.0 == "NIX-078" && r.2 == 3),
            "{rows:?}"
        );
        // A flake-parts module's `perSystem` function is not a NixOS module.
        write(
            root,
            "nodes.nix",
            "{\n  perSystem = { pkgs, ... }: {\n    services.openssh.permitRootLogin = \"yes\";\n  };\n}\n",
        );
        let (rows, _) = run(root);
        assert!(rows.is_empty(), "{rows:?}");
    }

    #[test]
    fn a_module_body_built_by_a_let_bound_function() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "common.nix",
            "{ lib, ... }:\nlet\n  base = pkgs: {\n    services.openssh.enable = true;\n  };\nin\n{\n  flake.modules.nixos.common = { pkgs, ... }: lib.mkMerge [ (base pkgs) { } ];\n}\n",
        );
        let got = defaults(root);
        assert_eq!(
            got.iter()
                .filter(|r| r.1 == "common.nix" && r.2 == 4)
                .count(),
            3,
            "{got:?}"
        );
    }

    #[test]
    fn vm_variants_and_specialisations_inherit_the_configuration() {
        for prefix in [
            "virtualisation.vmVariant",
            "virtualisation.vmVariantWithBootLoader",
            "specialisation.debug.configuration",
        ] {
            let d0 = tempfile::tempdir().expect("tempdir");
            let root = d0.path();
            write(
                root,
                "configuration.nix",
                "{\n  imports = [ ./vm.nix ];\n}\n",
            );
            write(
                root,
                "vm.nix",
                &format!("{{\n  {prefix} = {{\n    services.openssh.enable = true;\n  }};\n}}\n"),
            );
            let at = |rule| d(rule, "vm.nix", 3, "configuration.nix", true);
            assert_eq!(
                defaults(root),
                [at("NIX-078"), at("NIX-079"), at("NIX-079")],
                "{prefix}"
            );
            // Settings of the configuration itself reach the variant.
            write(
                root,
                "configuration.nix",
                "{\n  imports = [ ./vm.nix ];\n  services.openssh.settings = { PermitRootLogin = \"no\"; PasswordAuthentication = false; KbdInteractiveAuthentication = false; };\n}\n",
            );
            assert_eq!(defaults(root), [], "{prefix}");
        }
        // sshd on in the configuration and in its VM: the configuration's line, unconditional.
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "configuration.nix",
            "{\n  virtualisation.vmVariant.services.openssh.enable = true;\n  services.openssh.enable = true;\n  services.openssh.settings.PasswordAuthentication = false;\n  services.openssh.settings.KbdInteractiveAuthentication = false;\n}\n",
        );
        assert_eq!(
            defaults(root),
            [d(
                "NIX-078",
                "configuration.nix",
                3,
                "configuration.nix",
                false
            )]
        );
    }

    #[test]
    fn a_shared_module_is_one_finding_unconditional_when_any_host_is() {
        let d0 = tempfile::tempdir().expect("tempdir");
        let root = d0.path();
        write(
            root,
            "flake.nix",
            r#"{
  outputs = { nixpkgs, foo, ... }: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ./common.nix foo.nixosModules.x ]; };
    nixosConfigurations.b = nixpkgs.lib.nixosSystem { modules = [ ./common.nix ]; };
    nixosConfigurations.c = nixpkgs.lib.nixosSystem { modules = [ ./common.nix self.outputs.nixosModules.hardening ]; };
    nixosModules.hardening = ./hardening.nix;
  };
}
"#,
        );
        write(
            root,
            "common.nix",
            "{\n  boot.loader.systemd-boot.enable = true;\n}\n",
        );
        write(
            root,
            "hardening.nix",
            "{ boot.loader.systemd-boot.editor = false; }",
        );
        let out = lint(&[root.to_path_buf()], &LintOptions::default(), &()).expect("lint");
        let f: Vec<&LintFinding> = out
            .findings
            .iter()
            .filter(|f| f.finding.rule == "NIX-090")
            .collect();
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(!f[0].conditional);
        let entries = f[0].entry_point.as_deref().unwrap_or("");
        assert!(
            entries.ends_with("flake.nix#nixosConfigurations.b"),
            "{entries}"
        );
        assert!(
            entries.contains("flake.nix#nixosConfigurations.a"),
            "{entries}"
        );
        // `c` sets it through `self.outputs.nixosModules.hardening`.
        assert!(!entries.contains("nixosConfigurations.c"), "{entries}");
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

    #[test]
    fn conditions_split_where_they_are_written_outside_parentheses() {
        use super::{split_top_level, strip_outer_parens};
        assert_eq!(
            split_top_level(r#"a && (b && c) && x == "y && z" && [ (d) ]"#, " && "),
            Some(vec!["a", "(b && c)", r#"x == "y && z""#, "[ (d) ]"])
        );
        assert_eq!(split_top_level("a || (b && c", " && "), None);
        assert_eq!(split_top_level("a) && (b", " && "), None);
        assert_eq!(split_top_level(r#""\" && b"#, " && "), None);
        assert_eq!(strip_outer_parens("((a && b))"), "a && b");
        assert_eq!(strip_outer_parens("(a) && (b)"), "(a) && (b)");
        assert_eq!(strip_outer_parens("(a && b"), "(a && b");
    }
}
