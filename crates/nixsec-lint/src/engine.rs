//! The lint run: find files, parse and index each once (in parallel), tell module kinds apart,
//! run every rule over each index in one pass, gather configurations and run the rules that
//! depend on NixOS defaults, then apply `# nixsec: ignore` comments.

use crate::fast::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use nixsec_core::{
    Evidence, Finding, Ignored, LintConfiguration, LintFinding, Remediation, Severity, Status,
};
use rayon::prelude::*;
use rnix::TextRange;

use crate::config::{self, ConfigHit, ConfigView};
use crate::index::{Assignment, FileIndex, ModuleKind, ModuleRef};
use crate::lines::LineIndex;
use crate::rules::{lint_rules, FileCx, Hit, LintReg};
use crate::value::{path_string, snippet};
use crate::walk::{self, SourceFile};
use nixsec_catalogue::Entry;

/// Rule id of the result for a file that does not parse or cannot be read.
pub const PARSE_ERROR: &str = "parse-error";

/// Progress of a run (the binary shows it with a bar; the library never draws).
pub trait Progress: Send + Sync {
    /// The walk found `files` files (`bytes` is their size when known, else 0).
    fn start(&self, files: u64, bytes: u64);
    /// One file of `bytes` bytes was indexed.
    fn file_done(&self, bytes: u64);
    /// The run is over.
    fn finish(&self);
}

/// No progress.
impl Progress for () {
    fn start(&self, _: u64, _: u64) {}
    fn file_done(&self, _: u64) {}
    fn finish(&self) {}
}

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// Worker threads; 0 means rayon's default (all cores).
    pub jobs: usize,
    /// Only these rule ids (empty: all).
    pub rules: Vec<String>,
}

/// The result of a run, before the report is built.
#[derive(Debug, Clone, Default)]
pub struct LintOutput {
    /// Files read.
    pub files: usize,
    /// Their total size.
    pub bytes: u64,
    /// Results, unsorted.
    pub findings: Vec<LintFinding>,
    /// Configurations found.
    pub configurations: Vec<LintConfiguration>,
    /// Things worth a warning: suppressions without a reason, suppressions that matched
    /// nothing.
    pub warnings: Vec<String>,
    /// `.nix` files not read, with why (ignored and untracked, a link leading outside, an
    /// unreadable directory, encrypted).
    pub skipped: Vec<(String, String)>,
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum LintError {
    /// A given path is missing or unreadable.
    #[error(transparent)]
    Walk(#[from] walk::WalkError),
    /// The worker pool could not start.
    #[error("cannot start {0} worker threads")]
    Pool(usize),
}

/// One file, read and indexed.
#[derive(Debug)]
pub struct Indexed {
    /// Where it is (canonical).
    pub path: PathBuf,
    /// How it is reported.
    pub display: String,
    /// Its text (empty when it could not be read, or when nothing in it can produce a finding).
    pub src: String,
    /// Its index.
    pub index: FileIndex,
    /// Line starts.
    pub lines: LineIndex,
    /// Size of the file in bytes.
    pub size: usize,
    /// Why it could not be read, if so.
    pub read_error: Option<String>,
    /// Why it was not linted on purpose (`encrypted (git-crypt)`): skipped, not an error.
    pub skipped: Option<String>,
    /// Kind of each of its modules.
    pub kinds: Vec<ModuleKind>,
    /// It sets `system.stateVersion` or `networking.hostName`, or imports a hardware
    /// configuration: a host's own module.
    pub host_like: bool,
    /// Its modules written inline (not the file itself) that do the same: a host's own
    /// module exported by name (`flake.modules.nixos.laptop = { ... }`).
    pub host_modules: Vec<usize>,
    /// A `flake.nix` with clan-core among its inputs: the repository's machines are clan
    /// machines.
    pub clan: bool,
    /// The file declares an instance of clan-core's `admin` service in a clan inventory
    /// (`instances.admin = { roles... }`, or `module.name = "admin"`).
    pub clan_admin: bool,
    /// The relative paths its comment lines name (`#    ./ssh.nix`), resolved: imports the
    /// author switched off.
    pub commented_imports: Vec<PathBuf>,
}

/// A clan inventory instance of clan-core's `admin` or `sshd` service in `src` (both turn
/// sshd's password login off on their machines): an attribute `admin = {` (`sshd = {`) whose
/// value starts with `roles` or `module`, or `name = "admin"` (`"sshd"`) in an instance's
/// `module`.
fn declares_clan_admin(src: &str, words: crate::words::Words) -> bool {
    use crate::words as W;
    if !(words.has(W::INSTANCES) || words.has(W::INVENTORY)) {
        return false;
    }
    [("admin", W::ADMIN), ("sshd", W::SSHD)]
        .iter()
        .any(|&(service, w)| words.has(w) && declares_clan_service(src, service))
}

/// [`declares_clan_admin`] for one service.
fn declares_clan_service(src: &str, service: &str) -> bool {
    let b = src.as_bytes();
    let mut from = 0;
    while let Some(k) = src[from..].find(service) {
        let at = from + k;
        from = at + service.len();
        let before = src[..at].trim_end();
        let after = src[at + service.len()..].trim_start();
        let word_start = at == 0
            || !(b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'-' || b[at - 1] == b'_');
        // `admin = { roles.default.tags.all = { }; ... }`
        if word_start {
            if let Some(rest) = after.strip_prefix('=') {
                if let Some(body) = rest.trim_start().strip_prefix('{') {
                    let body = body.trim_start();
                    if body.starts_with("roles") || body.starts_with("module") {
                        return true;
                    }
                }
            }
        }
        // `module.name = "admin";` / `module = { name = "admin"; input = "clan-core"; };`
        if before.ends_with("= \"") || before.ends_with("=\"") {
            let window = &src[at.saturating_sub(80)..at];
            if window.contains("name") && window.contains("module") && after.starts_with('"') {
                return true;
            }
        }
    }
    false
}

/// Every option path some rule looks at or reads ([`LintRule::options`],
/// [`LintRule::also_reads`]), by number of components: what an assignment is kept for before
/// any rule's `wants` scans its value.
static RULE_PATHS: std::sync::LazyLock<Vec<Vec<&'static [&'static str]>>> =
    std::sync::LazyLock::new(|| {
        let mut by_len: Vec<Vec<&'static [&'static str]>> = Vec::new();
        for r in crate::rules::LINT_RULES.iter() {
            for p in r.also_reads().iter().chain(r.options()) {
                if by_len.len() <= p.len() {
                    by_len.resize_with(p.len() + 1, Vec::new);
                }
                if !by_len[p.len()].contains(p) {
                    by_len[p.len()].push(p);
                }
            }
        }
        by_len
    });

impl Indexed {
    fn read(f: &SourceFile, known: &HashSet<&Path>) -> Indexed {
        // A file above the limit is not read at all (generated data, not configuration). The
        // file is opened once: its size comes from the open file, not from a second look-up of
        // its path.
        let (size, src, read) = match std::fs::File::open(&f.path) {
            Ok(file) => {
                let size = file.metadata().map_or(0, |m| m.len());
                let (src, err) = read_limited(file, size);
                (size, src, err)
            }
            Err(e) => (
                0,
                String::new(),
                Some(Unread::Error(format!("cannot read: {e}"))),
            ),
        };
        let (read_error, skipped) = match read {
            Some(Unread::Error(e)) => (Some(e), None),
            Some(Unread::Encrypted(how)) => (None, Some(format!("encrypted ({how}): not linted"))),
            None => (None, None),
        };
        let mut out = Indexed::from_source_in(
            f.canon.clone(),
            f.display.clone(),
            src,
            read_error,
            known,
            &[],
        );
        out.skipped = skipped;
        if out.size == 0 {
            out.size = usize::try_from(size).unwrap_or(usize::MAX);
        }
        out
    }

    /// Index `src` as the file `display`.
    #[must_use]
    pub fn from_source(
        path: PathBuf,
        display: String,
        src: String,
        read_error: Option<String>,
    ) -> Indexed {
        Indexed::from_source_in(path, display, src, read_error, &HashSet::default(), &[])
    }

    /// [`Indexed::from_source`] in a run over the files `known` (canonical paths): a value a
    /// function of one of them gives ([`crate::index::HelperCall`]) is read from that file. A
    /// file other files give whole to options (`prefixes`, [`crate::index::ValueImport`]) is
    /// indexed as their settings ([`FileIndex::build_values`]).
    fn from_source_in(
        path: PathBuf,
        display: String,
        src: String,
        read_error: Option<String>,
        known: &HashSet<&Path>,
        prefixes: &[Vec<String>],
    ) -> Indexed {
        let size = src.len();
        let empty = || FileIndex {
            modules: vec![crate::index::Module::default()],
            ..FileIndex::default()
        };
        let mut read_error = read_error;
        let mut index = if read_error.is_none() {
            // A panic in the parser library on some input is an error for this file, never the
            // end of the run.
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                if prefixes.is_empty() {
                    FileIndex::build(&src)
                } else {
                    FileIndex::build_values(&src, prefixes)
                }
            })) {
                Ok(index) => index,
                Err(_) => {
                    read_error = Some(
                        "not linted: the Nix parser failed on this file (an internal error of \
                         nixsec; please report it)"
                            .to_string(),
                    );
                    empty()
                }
            }
        } else {
            empty()
        };
        if !index.helper_calls.is_empty() {
            splice_helper_calls(&path, &mut index, known);
        }
        let mut kinds: Vec<ModuleKind> = index
            .modules
            .iter()
            .enumerate()
            .map(|(i, _)| content_kind(&index, i))
            .collect();
        // A file in a `darwin` directory (`modules/darwin/base.nix`) that sets nothing only
        // NixOS has is a nix-darwin module.
        let in_darwin_dir = Path::new(&display).parent().is_some_and(|d| {
            d.components().any(|c| {
                // snowfall-lib's `systems/aarch64-darwin/NAME`.
                c.as_os_str().to_str().is_some_and(|c| {
                    matches!(c, "darwin" | "nix-darwin" | "darwinModules" | "macos")
                        || c.ends_with("-darwin")
                })
            })
        });
        if in_darwin_dir && !index.assignments.iter().any(nixos_only) {
            for k in &mut kinds {
                if *k == ModuleKind::NixOS {
                    *k = ModuleKind::Darwin;
                }
            }
        }
        let mut host_modules: Vec<usize> = index
            .assignments
            .iter()
            .filter(|a| a.is(&["system", "stateVersion"]) || a.is(&["networking", "hostName"]))
            .map(|a| a.module)
            .chain(index.modules.iter().enumerate().filter_map(|(k, m)| {
                m.imports
                    .iter()
                    .any(|r| {
                        matches!(r, ModuleRef::Path(p, _) | ModuleRef::Rooted(p, _)
                            if p.ends_with("hardware-configuration.nix") || p.ends_with("/hardware.nix"))
                    })
                    .then_some(k)
            }))
            .collect();
        host_modules.sort_unstable();
        host_modules.dedup();
        let host_like = host_modules.first() == Some(&0);
        if host_like {
            host_modules.remove(0);
        }
        let clan = path.file_name().is_some_and(|n| n == "flake.nix")
            && index.words.has(crate::words::CLAN_CORE);
        let clan_admin = declares_clan_admin(&src, index.words);
        // The custom option namespaces each module sets (before the assignments are pruned).
        for a in &index.assignments {
            let (Some(x), Some(y)) = (a.path.first(), a.path.get(1)) else {
                continue;
            };
            if !repository_option(&a.path) {
                continue;
            }
            if let Some(m) = index.modules.get_mut(a.module) {
                if !m.uses.iter().any(|[u, v]| u == x && v == y) {
                    m.uses.push([x.clone(), y.clone()]);
                }
            }
        }
        // Keep only what a rule can look at, so a large tree is not held in memory whole.
        // The option paths are compared first, for every rule: `wants` may scan the value.
        // A panic in a rule's look at the values is an error for this file (as the parser's).
        let kept = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut assignments = std::mem::take(&mut index.assignments);
            assignments.retain(|a| {
                a.path.first().is_some_and(|p| p == "home-manager")
                    // A switch of the repository's own (`my.secureboot.enable = true`): what a
                    // condition of another file may ask ([`ConfigView::condition_holds`]).
                    || (a.value.v.as_bool().is_some()
                        && a.path.len() >= 2
                        && repository_option(&a.path))
                    // A list of the repository's own (`my.kernelParams = [ … ];`): what a NixOS
                    // option that reads it is given ([`option_aliases`]).
                    || (matches!(a.value.v, crate::value::Value::List(_))
                        && repository_option(&a.path))
                    // A port of a service (`services.coturn.min-port = 50000;`): what a firewall
                    // setting that names it opens ([`option_refs`]).
                    || (matches!(a.value.v, crate::value::Value::Int(_))
                        && a.path.last().is_some_and(|l| {
                            l.len() < 40
                                && l.as_bytes()
                                    .windows(4)
                                    .any(|w| w.eq_ignore_ascii_case(b"port"))
                        }))
                    || RULE_PATHS
                        .get(a.path.len())
                        .is_some_and(|ps| ps.iter().any(|p| a.is(p)))
                    || crate::rules::LINT_RULES.iter().any(|r| r.wants(a))
            });
            assignments
        }));
        match kept {
            Ok(assignments) => index.assignments = assignments,
            Err(_) => {
                read_error = Some(
                    "not linted: a rule failed on this file (an internal error of nixsec; please report it)"
                        .to_string(),
                );
            }
        }
        // Most assignments are dropped: the vector's room for them is given back, so the next
        // file reuses that memory instead of the run touching new pages (a page fault each).
        index.assignments.shrink_to_fit();
        // An import of a known module set is where default-based findings may be placed.
        let imports_known = index.modules.iter().any(|m| {
            m.imports.iter().any(|r| {
                matches!(r, ModuleRef::External(t, _) | ModuleRef::Path(t, _)
                    if crate::known::lookup(t).is_some())
            })
        });
        let commented_imports = commented_imports(&path, &src);
        // A declared option's default with a secret is reported from this text (asked last:
        // it scans every default, and a file with anything else keeps its text anyway).
        let secret_defaults = || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                index
                    .option_defaults
                    .iter()
                    .any(|(p, v)| crate::rules::store_secrets::default_may_hold_secret(p, v))
            }))
            .unwrap_or(false)
        };
        let (src, lines) = if index.assignments.is_empty()
            && !imports_known
            && index.suppressions.is_empty()
            && index.errors.is_empty()
            && index.refused.is_none()
            && index.systems.is_empty()
            && index.fetches.is_empty()
            && read_error.is_none()
            && !secret_defaults()
        {
            (String::new(), LineIndex::new(""))
        } else {
            let lines = LineIndex::new(&src);
            (src, lines)
        };
        Indexed {
            path,
            display,
            src,
            index,
            lines,
            size,
            read_error,
            skipped: None,
            kinds,
            host_like,
            host_modules,
            clan,
            clan_admin,
            commented_imports,
        }
    }
}

/// An option path a file is given to, and the condition it is given under.
type GivenAt = (Vec<String>, Option<String>);

/// Files given whole to options (`networking = import ./network.nix;`, see
/// [`crate::index::ValueImport`]) are indexed again as those settings, under the conditions they
/// are given under, and become modules the giving module imports (so its hosts reach them). A
/// file that is not a plain set of settings is left as it was.
fn value_imports(files: &mut [Indexed], known: &HashSet<&Path>) {
    if files.iter().all(|f| f.index.value_imports.is_empty()) {
        return;
    }
    let by_path: HashMap<PathBuf, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.clone(), i))
        .collect();
    // For each file given: the paths and conditions it is given under.
    let mut given: HashMap<usize, Vec<GivenAt>> = HashMap::default();
    // (giving file, its module, the file as written, where).
    let mut edges: Vec<(usize, usize, usize, String, TextRange)> = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        let Some(dir) = f.path.parent() else {
            continue;
        };
        for vi in &f.index.value_imports {
            let mut target = dir.join(&vi.file);
            if target.is_dir() {
                target.push("default.nix");
            }
            let Some(&ti) = std::fs::canonicalize(&target)
                .ok()
                .and_then(|c| by_path.get(&c))
            else {
                continue;
            };
            if ti == fi {
                continue;
            }
            let list = given.entry(ti).or_default();
            let entry = (vi.prefix.clone(), vi.condition.clone());
            if !list.contains(&entry) {
                list.push(entry);
            }
            edges.push((fi, vi.module, ti, vi.file.clone(), vi.range));
        }
    }
    let mut indexed: HashSet<usize> = HashSet::default();
    for (ti, prefixes) in given {
        let f = &files[ti];
        if f.read_error.is_some() || f.skipped.is_some() {
            continue;
        }
        let Ok(file) = std::fs::File::open(&f.path) else {
            continue;
        };
        let size = file.metadata().map_or(0, |m| m.len());
        let (src, None) = read_limited(file, size) else {
            continue;
        };
        if !FileIndex::is_value_file(&src) {
            continue;
        }
        let paths: Vec<Vec<String>> = prefixes.iter().map(|(p, _)| p.clone()).collect();
        let mut new =
            Indexed::from_source_in(f.path.clone(), f.display.clone(), src, None, known, &paths);
        for a in &mut new.index.assignments {
            // Given under a condition wherever it is given: the settings hold under the first.
            let mut given = prefixes.iter().filter(|(p, _)| a.path.starts_with(p));
            let first = given.clone().next().and_then(|(_, c)| c.clone());
            if let (Some(c), true) = (first, given.all(|(_, c)| c.is_some())) {
                a.condition = Some(match a.condition.take() {
                    Some(own) => format!("{c} && {own}"),
                    None => c,
                });
            }
        }
        new.size = f.size;
        files[ti] = new;
        indexed.insert(ti);
    }
    for (fi, module, ti, file, range) in edges {
        if !indexed.contains(&ti) {
            continue;
        }
        if let Some(m) = files[fi].index.modules.get_mut(module) {
            m.imports.push(ModuleRef::Path(file, range));
        }
    }
}

/// The settings each [`crate::index::HelperCall`] of `index` gives, from the set its file's
/// function returns, placed at the call (its option path, place, condition and module) in
/// place of the call's unknown value. A file outside the run is not read.
fn splice_helper_calls(path: &Path, index: &mut FileIndex, known: &HashSet<&Path>) {
    let Some(dir) = path.parent() else {
        return;
    };
    let mut templates: HashMap<PathBuf, Vec<Assignment>> = HashMap::default();
    let mut replaced = Vec::new();
    let mut added = Vec::new();
    for call in std::mem::take(&mut index.helper_calls) {
        let mut file = dir.join(&call.file);
        if file.is_dir() {
            file.push("default.nix");
        }
        let Ok(file) = std::fs::canonicalize(&file) else {
            continue;
        };
        if !known.contains(file.as_path()) {
            continue;
        }
        let template = templates.entry(file).or_insert_with_key(|file| {
            let Ok(f) = std::fs::File::open(file) else {
                return Vec::new();
            };
            let size = f.metadata().map_or(0, |m| m.len());
            match read_limited(f, size) {
                (src, None) => FileIndex::returned(&src),
                _ => Vec::new(),
            }
        });
        let Some(at) = index.assignments.get(call.assignment) else {
            continue;
        };
        if template.is_empty() {
            continue;
        }
        let place = at.value.range;
        for t in template.iter() {
            let mut value = t.value.clone();
            relocate(&mut value, place);
            let condition = match (&at.condition, &t.condition) {
                (Some(a), Some(b)) => Some(format!("{a} && {b}")),
                (a, b) => a.clone().or_else(|| b.clone()),
            };
            added.push(Assignment {
                path: at.path.iter().chain(&t.path).cloned().collect(),
                value,
                key_range: at.key_range,
                block_start: at.block_start,
                priority: if t.priority == crate::index::priority::NORMAL {
                    at.priority
                } else {
                    t.priority
                },
                ordered: at.ordered || t.ordered,
                condition,
                module: at.module,
                origins: Vec::new(),
                reads: None,
            });
        }
        replaced.push(call.assignment);
    }
    if replaced.is_empty() {
        return;
    }
    let mut keep = vec![true; index.assignments.len()];
    for r in replaced {
        keep[r] = false;
    }
    let mut k = keep.into_iter();
    index.assignments.retain(|_| k.next().unwrap_or(true));
    index.assignments.extend(added);
}

/// Every place in `v` set to `at` (a value written in another file, shown at its use).
fn relocate(v: &mut crate::value::Val, at: TextRange) {
    v.range = at;
    match &mut v.v {
        crate::value::Value::List(items) => items.iter_mut().for_each(|x| relocate(x, at)),
        crate::value::Value::Attrs(kv) => kv.iter_mut().for_each(|(_, x)| relocate(x, at)),
        _ => {}
    }
}

/// NixOS list options whose elements are what rules judge (a kernel parameter, an insecure
/// package, a group, a port, an interface): a list of the repository's own given to one is
/// judged where it is written ([`option_aliases`]). Lists of names of who gets something
/// (`users.groups.docker.members = cfg.usernames;`) are judged where they are given.
const JUDGED_LISTS: &[&str] = &[
    "kernelParams",
    "permittedInsecurePackages",
    "extraGroups",
    "allowedTCPPorts",
    "allowedUDPPorts",
    "allowedTCPPortRanges",
    "allowedUDPPortRanges",
    "trustedInterfaces",
];

/// `boot.kernelParams = config.my.kernelParams;` (or `cfg.kernelParams` with `cfg =
/// config.my`) where files of the run set the repository's own option `my.kernelParams`: what
/// they set is what the NixOS option is given. Each such list is judged where it is written, as
/// if written to the NixOS option, under its own conditions and the reading assignment's; the
/// reading assignment stays unknown and no longer takes the option's declared default
/// ([`option_defaults`]). Only lists, whose elements are what rules judge (kernel parameters,
/// insecure packages, groups): a string of the repository's (a user name) says nothing until
/// the option that reads it is known, and is judged there.
fn option_aliases(files: &mut [Indexed]) {
    use crate::value::Value;
    let custom = |p: &[String]| repository_option(p) && p[0] != "!" && !framework_named(p);
    // (file, assignment, the option read).
    let mut readers: Vec<(usize, usize, Vec<String>)> = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        for (ai, a) in f.index.assignments.iter().enumerate() {
            let Value::Unknown(text) = &a.value.v else {
                continue;
            };
            if !a.path.first().is_some_and(|p| {
                p != "home-manager" && crate::index::NIXOS_NAMESPACES.contains(&p.as_str())
            }) || !a
                .path
                .last()
                .is_some_and(|l| JUDGED_LISTS.contains(&l.as_str()))
            {
                continue;
            }
            let read = a.reads.clone().or_else(|| {
                config_option(text).map(|p| p.split('.').map(str::to_string).collect())
            });
            if let Some(p) = read.filter(|p: &Vec<String>| custom(p)) {
                readers.push((fi, ai, p));
            }
        }
    }
    if readers.is_empty() {
        return;
    }
    let wanted: HashSet<&[String]> = readers.iter().map(|(_, _, p)| p.as_slice()).collect();
    let mut setters: HashMap<&[String], Vec<(usize, usize)>> = HashMap::default();
    for (fi, f) in files.iter().enumerate() {
        for (ai, a) in f.index.assignments.iter().enumerate() {
            if matches!(a.value.v, Value::List(_)) && wanted.contains(a.path.as_slice()) {
                setters.entry(a.path.as_slice()).or_default().push((fi, ai));
            }
        }
    }
    // (file, the setting as given to the NixOS option), once per setting and option.
    let mut added: Vec<(usize, Assignment)> = Vec::new();
    let mut done: HashSet<(usize, usize, &[String])> = HashSet::default();
    let mut followed: Vec<(usize, usize)> = Vec::new();
    for (rfi, rai, p) in &readers {
        let Some(given) = setters.get(p.as_slice()) else {
            continue;
        };
        let reader = &files[*rfi].index.assignments[*rai];
        for &(fi, ai) in given {
            if !done.insert((fi, ai, reader.path.as_slice())) {
                continue;
            }
            let mut a = files[fi].index.assignments[ai].clone();
            a.path.clone_from(&reader.path);
            a.reads = None;
            if let Some(c) = &reader.condition {
                a.condition = Some(match a.condition.take() {
                    Some(own) => format!("{own} && {c}"),
                    None => c.clone(),
                });
            }
            added.push((fi, a));
        }
        followed.push((*rfi, *rai));
    }
    for (fi, ai) in followed {
        if let Some(a) = files[fi].index.assignments.get_mut(ai) {
            a.reads = None;
        }
    }
    for (fi, a) in added {
        files[fi].index.assignments.push(a);
    }
}

/// `openPeerPorts = cfg.openFirewall;` where a file of the run (this one, or the module's
/// `options.nix`) declares `openFirewall` with a default: the value is that default, as long as
/// nothing else sets the option (a condition saying so). An option declared twice with different
/// defaults is left unknown.
/// The declared default of each option some file of the run declares with one; `None` for an
/// option declared with different defaults.
fn declared_defaults(files: &[Indexed]) -> HashMap<&[String], Option<&crate::value::Val>> {
    let mut declared: HashMap<&[String], Option<&crate::value::Val>> = HashMap::default();
    for f in files {
        for (p, v) in &f.index.option_defaults {
            declared
                .entry(p.as_slice())
                .and_modify(|d| {
                    if d.is_some_and(|d| d.v != v.v) {
                        *d = None;
                    }
                })
                .or_insert(Some(v));
        }
    }
    declared
}

/// What [`option_defaults`] adds to the condition of a value it fills in: `` `p` is left at
/// its default`` or `` `p` is turned on (`file`)``.
const AT_DEFAULT: &str = " is left at its default";
const TURNED_ON: &str = " is turned on (";

/// The condition a setting is written under, without the part [`option_defaults`] added when it
/// filled the value in: the condition of the settings written beside it.
pub(crate) fn written_condition(c: Option<&str>) -> Option<&str> {
    let c = c?;
    let (rest, last) = c
        .rsplit_once(" && ")
        .map_or((None, c), |(r, l)| (Some(r), l));
    let added = last.starts_with('`')
        && (last
            .strip_suffix(AT_DEFAULT)
            .is_some_and(|p| p.ends_with('`'))
            || last.contains(TURNED_ON));
    if added {
        rest
    } else {
        Some(c)
    }
}

fn option_defaults(files: &mut [Indexed]) {
    let declared = declared_defaults(files);
    if declared.is_empty() {
        return;
    }
    // A switch off by default that a file of the run turns on (`wm.autologin = true;` in a
    // host's file): what an option given that switch (`autoLogin.enable = cfg.autologin;`) is
    // on the hosts that turn it on.
    let off_by_default: HashSet<&[String]> = declared
        .iter()
        .filter(|(_, v)| v.is_some_and(|v| v.v.as_bool() == Some(false)))
        // A repository's own `openFirewall` is reported where it is turned on (NIX-073 judges
        // every option of that name), not again where it is handed on.
        .filter(|(p, _)| p.last().is_none_or(|l| l != "openFirewall"))
        .map(|(p, _)| *p)
        .collect();
    let mut turned_on: HashMap<&[String], &str> = HashMap::default();
    if !off_by_default.is_empty() {
        for f in files.iter() {
            for a in &f.index.assignments {
                if a.value.v.as_bool() == Some(true) && off_by_default.contains(a.path.as_slice()) {
                    turned_on
                        .entry(a.path.as_slice())
                        .or_insert(f.display.as_str());
                }
            }
        }
    }
    // (file, assignment, value, the option read, the condition the value holds under).
    let found: Vec<(usize, usize, crate::value::Value, String, String)> = files
        .iter()
        .enumerate()
        .flat_map(|(fi, f)| {
            let declared = &declared;
            let turned_on = &turned_on;
            f.index
                .assignments
                .iter()
                .enumerate()
                .filter_map(move |(ai, a)| {
                    let p = a.reads.as_ref()?;
                    if !a.value.v.is_unknown() {
                        return None;
                    }
                    // `!cfg.x` reads `x` negated: a boolean default only.
                    let (negated, p) = match p.split_first() {
                        Some((n, rest)) if n == "!" => (true, rest),
                        _ => (false, p.as_slice()),
                    };
                    let v = (*declared.get(p)?)?;
                    // Off by default under a name the framework hands to the module: whether a
                    // host turns it on under the name it is given is not known.
                    if framework_named(p) && v.v.as_bool() == Some(negated) {
                        return None;
                    }
                    if !negated {
                        if let Some(at) = turned_on.get(p) {
                            let p = p.join(".");
                            let when = format!("`{p}`{TURNED_ON}`{at}`)");
                            return Some((fi, ai, crate::value::Value::Bool(true), p, when));
                        }
                    }
                    let v = if negated {
                        crate::value::Value::Bool(!v.v.as_bool()?)
                    } else {
                        v.v.clone()
                    };
                    let p = p.join(".");
                    let when = format!("`{p}`{AT_DEFAULT}");
                    Some((fi, ai, v, p, when))
                })
        })
        .collect();
    // A negated switch (`openFirewall = !cfg.nginx.enable;`) is judged at its default only
    // where no file of the run sets the switch (hosts turn such switches on).
    let negated_set: HashSet<String> = if found.iter().any(|(fi, ai, ..)| negated(files, *fi, *ai))
    {
        files
            .iter()
            .flat_map(|f| f.index.assignments.iter().map(|a| a.path.join(".")))
            .collect()
    } else {
        HashSet::default()
    };
    for (fi, ai, v, p, when) in found {
        if negated(files, fi, ai) && negated_set.contains(&p) {
            continue;
        }
        let Some(a) = files[fi].index.assignments.get_mut(ai) else {
            continue;
        };
        a.value.v = v;
        a.condition = Some(match a.condition.take() {
            Some(c) => format!("{c} && {when}"),
            None => when,
        });
    }
}

/// `allowedTCPPorts = mkIf cfg.openFirewall [ 5432 ];` where `openFirewall` is a switch of the
/// repository's own, declared off by default (`mkEnableOption`), that no file of the run sets:
/// the ports are never opened, as `openFirewall = cfg.openFirewall;` is never on (see
/// [`option_defaults`]). Such assignments are dropped, as `mkIf false` is. A switch another file
/// sets (to anything), declared twice, or declared on, is left as a condition.
fn never_opened(files: &mut [Indexed]) {
    let opener = |p: &[String]| p.last().is_some_and(|l| l == "openFirewall");
    if !files
        .iter()
        .any(|f| f.index.condition_options.iter().any(|(_, p)| opener(p)))
    {
        return;
    }
    // Declared off (once, or alike everywhere) and set by no file.
    let off: HashSet<Vec<String>> = {
        let set: HashSet<&[String]> = files
            .iter()
            .flat_map(|f| f.index.assignments.iter())
            .map(|a| a.path.as_slice())
            .filter(|p| opener(p))
            .collect();
        declared_defaults(files)
            .into_iter()
            .filter(|(p, v)| {
                opener(p)
                    && v.is_some_and(|v| v.v.as_bool() == Some(false))
                    && !set.contains(p)
                    && !framework_named(p)
            })
            .map(|(p, _)| p.to_vec())
            .collect()
    };
    if off.is_empty() {
        return;
    }
    for f in files.iter_mut() {
        let never: Vec<String> = f
            .index
            .condition_options
            .iter()
            .filter(|(_, p)| off.contains(p))
            .map(|(t, _)| t.clone())
            .collect();
        if never.is_empty() {
            continue;
        }
        f.index.assignments.retain(|a| {
            a.condition
                .as_deref()
                .is_none_or(|c| !c.split(" && ").any(|part| never.iter().any(|t| t == part)))
        });
    }
}

/// The defaults of NixOS options that firewall settings name (`from =
/// config.services.coturn.min-port;`), as nixpkgs declares them.
/// (The `alt-…` ports default to another option plus one: not listed.)
const NIXOS_PORT_DEFAULTS: &[(&str, i64)] = &[
    ("services.coturn.min-port", 49152),
    ("services.coturn.max-port", 65535),
    ("services.coturn.listening-port", 3478),
    ("services.coturn.tls-listening-port", 5349),
];

/// Ports a firewall setting opens by naming an option (`allowedUDPPortRanges = [ { from =
/// config.services.coturn.min-port; to = config.services.coturn.max-port; } ];`, or `with
/// config.services.coturn;` and `min-port`): the value the run's files give that option when
/// they all give the same number, else, when no file sets it, the NixOS default
/// ([`NIXOS_PORT_DEFAULTS`]). A port set to different numbers is left unknown.
fn option_refs(files: &mut [Indexed]) {
    const FIREWALL: [&str; 4] = [
        "allowedTCPPorts",
        "allowedUDPPorts",
        "allowedTCPPortRanges",
        "allowedUDPPortRanges",
    ];
    let firewall = |a: &Assignment| {
        a.path.first().is_some_and(|p| p == "networking")
            && a.path.get(1).is_some_and(|p| p == "firewall")
            && a.path
                .last()
                .is_some_and(|l| FIREWALL.contains(&l.as_str()))
    };
    fn named(v: &crate::value::Val, out: &mut Vec<String>) {
        match &v.v {
            crate::value::Value::Unknown(t) => {
                if let Some(p) = config_option(t) {
                    out.push(p.to_string());
                }
            }
            crate::value::Value::List(items) => items.iter().for_each(|x| named(x, out)),
            crate::value::Value::Attrs(kv) => kv.iter().for_each(|(_, x)| named(x, out)),
            _ => {}
        }
    }
    let mut wanted: Vec<String> = Vec::new();
    for f in files.iter() {
        for a in f.index.assignments.iter().filter(|a| firewall(a)) {
            named(&a.value, &mut wanted);
        }
    }
    if wanted.is_empty() {
        return;
    }
    wanted.sort();
    wanted.dedup();
    let mut known: HashMap<String, i64> = HashMap::default();
    for p in &wanted {
        let comps: Vec<&str> = p.split('.').collect();
        let mut given: Vec<Option<i64>> = files
            .iter()
            .flat_map(|f| f.index.find(&comps))
            .map(|a| match a.value.v {
                crate::value::Value::Int(n) => Some(n),
                _ => None,
            })
            .collect();
        given.sort_unstable();
        given.dedup();
        let v = match given.as_slice() {
            [] => NIXOS_PORT_DEFAULTS
                .iter()
                .find(|(o, _)| o == p)
                .map(|(_, n)| *n),
            [Some(n)] => Some(*n),
            _ => None,
        };
        if let Some(n) = v {
            known.insert(format!("config.{p}"), n);
        }
    }
    if known.is_empty() {
        return;
    }
    fn fill(v: &mut crate::value::Val, known: &HashMap<String, i64>) {
        match &mut v.v {
            crate::value::Value::Unknown(t) => {
                if let Some(n) = known.get(t.as_str()) {
                    v.v = crate::value::Value::Int(*n);
                }
            }
            crate::value::Value::List(items) => items.iter_mut().for_each(|x| fill(x, known)),
            crate::value::Value::Attrs(kv) => kv.iter_mut().for_each(|(_, x)| fill(x, known)),
            _ => {}
        }
    }
    for f in files.iter_mut() {
        for a in f.index.assignments.iter_mut().filter(|a| firewall(a)) {
            fill(&mut a.value, &known);
        }
    }
}

/// The option a value names as `config.a.b-c` (its path, `a.b-c`), when that is all it is.
fn config_option(text: &str) -> Option<&str> {
    text.strip_prefix("config.").filter(|p| {
        !p.is_empty()
            && p.bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
    })
}

/// An option of the repository's own (`my.kernelParams`): not under a NixOS namespace, not a
/// declaration (`options.…`).
fn repository_option(p: &[String]) -> bool {
    p.first()
        .is_some_and(|f| f != "options" && !crate::index::NIXOS_NAMESPACES.contains(&f.as_str()))
}

/// An option path declared under a name a framework hands to the module
/// (`options.${namespace}.services.x`): the hosts set it under the name given
/// (`reichard.services.x`), which is not known here.
fn framework_named(p: &[String]) -> bool {
    p.iter().any(|c| c.contains("${"))
}

/// The assignment reads an option negated (`!cfg.x`, see [`option_defaults`]).
fn negated(files: &[Indexed], fi: usize, ai: usize) -> bool {
    files
        .get(fi)
        .and_then(|f| f.index.assignments.get(ai))
        .and_then(|a| a.reads.as_ref())
        .and_then(|r| r.first())
        .is_some_and(|n| n == "!")
}

/// File `f`, which no host reaches, is named by an import that is commented out (`#
/// ./ssh.nix`, `# ./containers/I2P.nix`; `commented` holds what every file's comments name):
/// switched off by its author.
fn commented_out(f: &Indexed, commented: &HashSet<&Path>) -> bool {
    // What an import of it names: the file, or its directory for a `default.nix`.
    let dir = f
        .path
        .file_name()
        .is_some_and(|n| n == "default.nix")
        .then(|| f.path.parent())
        .flatten();
    commented.contains(f.path.as_path()) || dir.is_some_and(|d| commented.contains(d))
}

/// The relative paths named in comment lines (`#    ./ssh.nix`), resolved from `path`'s
/// directory.
fn commented_imports(path: &Path, src: &str) -> Vec<PathBuf> {
    let Some(here) = path.parent() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // Only the lines with a `#`: found by `memchr` rather than by splitting every line.
    let mut done = 0;
    for at in memchr::memchr_iter(b'#', src.as_bytes()) {
        if at < done {
            continue;
        }
        let start = src[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = src[at..].find('\n').map_or(src.len(), |i| at + i);
        done = end;
        let line = &src[start..end];
        let t = line.trim_start();
        if !t.starts_with('#') || !t.contains("./") {
            continue;
        }
        for w in t
            .split(|c: char| c.is_whitespace() || "[](){};\"#=".contains(c))
            .filter(|w| w.starts_with("./") || w.starts_with("../"))
        {
            let w = w.trim_end_matches('/');
            let w = w.strip_suffix("/default.nix").unwrap_or(w);
            let p = config::normalize(&here.join(w));
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// An option nix-darwin does not have.
fn nixos_only(a: &Assignment) -> bool {
    matches!(
        a.path.first().map(String::as_str),
        Some("boot" | "systemd" | "virtualisation" | "hardware" | "fileSystems")
    ) || a.is(&["services", "openssh", "settings", "*"])
}

/// Why a file's text is not there.
enum Unread {
    /// It could not be read, or is no text.
    Error(String),
    /// It is encrypted, by this tool.
    Encrypted(&'static str),
}

/// The key kinds of `systemd-creds encrypt` (systemd's `src/shared/creds-util.h`): the first
/// 16 bytes of an encrypted credential. `CRED_AES256_GCM_BY_NULL` (a zero-length key, no
/// confidentiality) is left out on purpose.
const SYSTEMD_CREDS_KEYS: [u128; 8] = [
    0x5a1c6a86_df9d_4096_b1d5_a65e0862f19a, // by host
    0x55b9ed1d_3859_4d43_a831_9d2ebb332ac6, // by host, scoped
    0x0c7cc07b_1176_4591_9c4b_0bea08bc20fe, // by TPM2 HMAC
    0xfaf7eb93_41e3_412c_a1a4_36f95a29362f, // by TPM2 HMAC with a public key
    0x93a89409_4874_4490_90ca_f2fc93cab553, // by host and TPM2 HMAC
    0xef4ac136_79a9_480e_a7db_68897f9f165d, // by host and TPM2 HMAC, scoped
    0xaf4950a8_4913_4eb1_a738_46304ff30c05, // by host and TPM2 HMAC with a public key
    0xadbc4ca3_efb6_4201_ba88_1b6f2e4095ea, // the same, scoped
];

/// The first 16 bytes of `bytes` are one of [`SYSTEMD_CREDS_KEYS`].
fn systemd_creds_key(bytes: &[u8]) -> bool {
    bytes
        .get(..16)
        .and_then(|b| <[u8; 16]>::try_from(b).ok())
        .is_some_and(|b| SYSTEMD_CREDS_KEYS.contains(&u128::from_be_bytes(b)))
}

/// A credential encrypted by `systemd-creds encrypt`: binary, or base64 (its default when the
/// output is a terminal or `--pretty`, then after `SetCredentialEncrypted=NAME:`).
fn systemd_credential(bytes: &[u8]) -> bool {
    use base64::Engine as _;
    if systemd_creds_key(bytes) {
        return true;
    }
    let text = match bytes.strip_prefix(b"SetCredentialEncrypted=") {
        Some(rest) => match memchr::memchr(b':', rest) {
            Some(i) => &rest[i + 1..],
            None => return false,
        },
        None => bytes,
    };
    // 24 base64 characters (whitespace between lines skipped) are 18 bytes: the key kind.
    let head: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .take(24)
        .collect();
    head.len() == 24
        && base64::engine::general_purpose::STANDARD
            .decode(&head)
            .is_ok_and(|d| systemd_creds_key(&d))
}

/// The tool that encrypted a file, by its first bytes: git-crypt (`\0GITCRYPT\0`), age (binary
/// or armored), OpenPGP (armored), `openssl enc` (`Salted__`, or its base64 `U2FsdGVkX1`),
/// `systemd-creds encrypt` (binary or base64).
pub(crate) fn encrypted_by(bytes: &[u8]) -> Option<&'static str> {
    if systemd_credential(bytes) {
        Some("systemd-creds")
    } else if bytes.starts_with(b"Salted__") || bytes.starts_with(b"U2FsdGVkX1") {
        Some("openssl")
    } else if bytes.starts_with(b"\0GITCRYPT\0") {
        Some("git-crypt")
    } else if bytes.starts_with(b"age-encryption.org/v1\n")
        || bytes.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
    {
        Some("age")
    } else if bytes.starts_with(b"-----BEGIN PGP MESSAGE-----") {
        Some("OpenPGP")
    } else {
        None
    }
}

/// The text of an open file of `size` bytes: empty with why when it is above the limit, cannot
/// be read, is encrypted or is not UTF-8.
fn read_limited(file: std::fs::File, size: u64) -> (String, Option<Unread>) {
    use std::io::Read as _;
    if size > crate::guard::MAX_FILE_BYTES {
        return (
            String::new(),
            Some(Unread::Error(format!(
                "not linted: {:.1} MB, larger than the {} MiB limit for a Nix file (generated data?)",
                size as f64 / 1e6,
                crate::guard::MAX_FILE_BYTES >> 20
            ))),
        );
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
    // Read through `Take`: `File`'s own `read_to_end` asks the size again (`fstat`) and the
    // position (`lseek`) once more: two system calls per file for what is already known.
    if let Err(e) = (&file).take(u64::MAX).read_to_end(&mut bytes) {
        return (
            String::new(),
            Some(Unread::Error(format!("cannot read: {e}"))),
        );
    }
    if let Some(how) = encrypted_by(&bytes) {
        return (String::new(), Some(Unread::Encrypted(how)));
    }
    match String::from_utf8(bytes) {
        Ok(s) => (s, None),
        Err(e) => (
            String::new(),
            Some(Unread::Error(format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ))),
        ),
    }
}

/// A module's kind from what it sets: `home.*` and `xdg.configFile` are home-manager's;
/// `homebrew`, `launchd`, `system.defaults` and `services.nix-daemon` are nix-darwin's.
fn content_kind(idx: &FileIndex, module: usize) -> ModuleKind {
    if let Some(class) = idx.modules.get(module).and_then(|m| m.class) {
        return class;
    }
    let mut darwin = false;
    let mut home = false;
    // Options only NixOS has (not home-manager, not nix-darwin): a module setting one is a
    // NixOS module, whatever else it sets (a repository's own `home.alice.enable` option).
    let mut nixos_only = false;
    // Of those, the ones nix-darwin has no option of the same name for (it has `security.pam`,
    // `services.openssh`, `services.tailscale`): a module setting one beside nix-darwin's
    // `launchd` is written for both systems (`optionalAttrs (options ? systemd) { … }` and
    // `optionalAttrs (options ? launchd) { … }`), judged as NixOS's.
    let mut not_darwin = false;
    for a in idx.assignments.iter().filter(|a| a.module == module) {
        let p: Vec<&str> = a.path.iter().take(2).map(String::as_str).collect();
        match p.as_slice() {
            ["home", _] | ["xdg", "configFile" | "dataFile"] | ["programs", "home-manager"] => {
                home = true;
            }
            ["homebrew" | "launchd", _] | ["system", "defaults"] | ["services", "nix-daemon"] => {
                darwin = true;
            }
            ["security", _] | ["services", "openssh" | "tailscale"] => nixos_only = true,
            ["boot" | "fileSystems" | "hardware" | "virtualisation" | "i18n" | "console", _]
            | ["powerManagement" | "swapDevices" | "sound", _]
            | ["systemd", "services" | "network" | "sockets" | "timers"]
            | ["programs", "steam" | "gamemode" | "gamescope" | "nix-ld" | "virt-manager"]
            | ["services", "xserver" | "displayManager" | "pipewire" | "printing"] => {
                nixos_only = true;
                not_darwin = true;
            }
            _ => {}
        }
    }
    if home && !nixos_only {
        return ModuleKind::HomeManager;
    }
    // A machine's file that imports this flake's nix-darwin modules and none of its NixOS ones
    // (`imports = [ self.darwinModules.build02 ];`) is a nix-darwin module.
    let flake_imports = idx
        .modules
        .get(module)
        .map_or(&[][..], |m| m.imports.as_slice());
    let darwin_imports = flake_imports
        .iter()
        .any(|r| matches!(r, ModuleRef::Flake(n, _) if n.starts_with("darwin:")));
    let nixos_imports = flake_imports
        .iter()
        .any(|r| matches!(r, ModuleRef::Flake(n, _) if !n.starts_with("darwin:")));
    if (darwin && !not_darwin) || (darwin_imports && !nixos_imports) {
        ModuleKind::Darwin
    } else {
        ModuleKind::NixOS
    }
}

/// What the files of the run show that one file's rules need ([`crate::rules::RunFacts`]).
/// The options that turn daemon `d` of [`crate::rules::VM_DAEMONS`] on (NixVirt's
/// `virtualisation.libvirt.enable` turns libvirtd on too).
fn daemon_options(d: usize) -> &'static [&'static [&'static str]] {
    match d {
        0 => &[
            crate::rules::VM_DAEMONS[0].0,
            &["virtualisation", "libvirt", "enable"],
        ],
        1 => &[crate::rules::VM_DAEMONS[1].0],
        2 => &[crate::rules::VM_DAEMONS[2].0],
        // Docker's daemon, judged per host as the others (see [`host_daemons`]).
        _ => &[&["virtualisation", "docker", "enable"]],
    }
}

/// File `f` sets an option that turns daemon `d` on, to anything but `false`.
fn turns_on(f: &Indexed, d: usize) -> bool {
    daemon_options(d)
        .iter()
        .any(|p| f.index.find(p).any(|a| a.value.v.as_bool() != Some(false)))
}

fn run_facts(files: &[Indexed]) -> crate::rules::RunFacts {
    let mut daemons = [false; 3];
    for (d, on) in daemons.iter_mut().enumerate() {
        *on = files.iter().any(|f| turns_on(f, d));
    }
    crate::rules::RunFacts {
        podman_socket: files.iter().any(|f| {
            f.index
                .find(&["virtualisation", "podman", "dockerSocket", "enable"])
                .any(|a| a.value.v.as_bool() == Some(true))
        }),
        vm_daemons: Some(daemons),
        docker_off: {
            let docker = ["virtualisation", "docker", "enable"];
            let set = |f: &Indexed, off: bool| {
                f.index
                    .find(&docker)
                    .any(|a| (a.value.v.as_bool() == Some(false)) == off)
            };
            files.iter().any(|f| set(f, true)) && !files.iter().any(|f| set(f, false))
        },
        docker_on: files.iter().any(|f| turns_on(f, 3)),
        system_inputs: files
            .iter()
            .filter(|f| !f.index.systems.is_empty())
            .flat_map(|f| system_heads(&f.src))
            .collect(),
    }
}

/// The names systems are built from in `src`: `NAME` of each call `NAME.lib.nixosSystem {`
/// (`inputs.nixos.lib.nixosSystem { … }` gives `nixos`); not in a comment, not a function
/// kept for later (`makeOverridable NAME.lib.nixosSystem;`).
fn system_heads(src: &str) -> Vec<String> {
    const CALL: &str = ".lib.nixosSystem";
    let mut out = Vec::new();
    for (at, _) in src.match_indices(CALL) {
        let before = &src[..at];
        let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
        let called = src[at + CALL.len()..].trim_start().starts_with(['{', '(']);
        if line.contains('#') || !called {
            continue;
        }
        // After the last character that is not part of a name (whole, whatever its width:
        // `é.lib.nixosSystem` must not cut a character in two).
        let start = before
            .char_indices()
            .rev()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\'')))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let name = &before[start..];
        if !name.is_empty() && name != "nixpkgs" && name != "inputs" {
            out.push(name.to_string());
        }
    }
    out
}

/// Lint the `.nix` files under `paths`.
///
/// # Errors
///
/// A given path that does not exist, or no worker threads.
pub fn lint(
    paths: &[PathBuf],
    opts: &LintOptions,
    progress: &dyn Progress,
) -> Result<LintOutput, LintError> {
    let (sources, roots, skipped) = walk::discover(paths)?;
    // Deep input is refused before parsing (`guard`) and every walk is bounded; the larger
    // stack is a margin for the parser's own recursion.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .stack_size(16 << 20)
        .build()
        .map_err(|_| LintError::Pool(opts.jobs))?;
    let rules: Vec<&'static LintReg> = lint_rules()
        .into_iter()
        .filter(|r| {
            opts.rules.is_empty() || opts.rules.iter().any(|id| id.eq_ignore_ascii_case(r.id))
        })
        .collect();
    progress.start(sources.len() as u64, 0);
    let clock = std::time::Instant::now();
    let mut out = pool.install(|| {
        let known: HashSet<&Path> = sources.iter().map(|s| s.canon.as_path()).collect();
        let mut files: Vec<Indexed> = sources
            .par_iter()
            .map(|s| {
                let f = Indexed::read(s, &known);
                progress.file_done(f.size as u64);
                f
            })
            .collect();
        tracing::debug!(ms = clock.elapsed().as_millis(), "read and indexed");
        value_imports(&mut files, &known);
        assign_kinds(&mut files, &roots);
        option_aliases(&mut files);
        option_defaults(&mut files);
        never_opened(&mut files);
        option_refs(&mut files);
        tracing::debug!(ms = clock.elapsed().as_millis(), "module kinds");
        // The files read in the clear (not encrypted, read whole): a value imported from one
        // of them is judged where it is written.
        let clear: HashSet<PathBuf> = files
            .iter()
            .filter(|f| f.skipped.is_none() && f.read_error.is_none())
            .map(|f| f.path.clone())
            .collect();
        let facts = run_facts(&files);
        let configs = config::gather(&files, &roots);
        tracing::debug!(
            ms = clock.elapsed().as_millis(),
            configurations = configs.len(),
            "configurations gathered"
        );
        let daemons = {
            let [a, b, c] = facts.vm_daemons.unwrap_or([true; 3]);
            host_daemons(&files, &configs, [a, b, c, facts.docker_on])
        };
        let mut findings: Vec<LintFinding> = files
            .par_iter()
            .zip(&daemons)
            .flat_map_iter(|(f, d)| {
                // A panic in a rule on some input is an error for this file, never the end
                // of the run.
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    check_file_in(f, &rules, Some(&clear), &facts, *d)
                }))
                .unwrap_or_else(|_| {
                    vec![error_finding(
                        f,
                        TextRange::empty(0.into()),
                        "not checked: a rule failed on this file (an internal error of nixsec; please report it)",
                        INTERNAL,
                    )]
                })
            })
            .collect();
        tracing::debug!(ms = clock.elapsed().as_millis(), "file rules");
        // Files some host reaches: a module checked on its own reports nothing in them (the
        // hosts that reach them do).
        let mut reached = vec![false; files.len()];
        // How many hosts reach each file (a file counted once per host).
        let mut reach = vec![0usize; files.len()];
        for c in configs.iter().filter(|c| !c.alone) {
            // A module a host leaves out (`disabledModules`) is no module of its own either.
            for (fi, _) in &c.disabled {
                reached[*fi] = true;
            }
            let mut seen: HashSet<usize> = HashSet::default();
            for (fi, _) in &c.modules {
                reached[*fi] = true;
                if seen.insert(*fi) {
                    reach[*fi] += 1;
                }
            }
        }
        // A module no host imports whose only imports are commented out (`#  ./ssh.nix`): the
        // author switched it off. What it writes is still judged (file rules); what it leaves
        // to NixOS's defaults is not reported.
        let host_reached: Vec<bool> = {
            let mut v = vec![false; files.len()];
            for c in configs
                .iter()
                .filter(|c| !c.alone && !c.entry.contains("#containers."))
            {
                for (fi, _) in &c.modules {
                    v[*fi] = true;
                }
            }
            v
        };
        let commented: HashSet<&Path> = files
            .iter()
            .flat_map(|f| f.commented_imports.iter().map(PathBuf::as_path))
            .collect();
        let mut switched_off: HashMap<usize, bool> = HashMap::default();
        for c in &configs {
            if c.alone || c.entry.contains("#containers.") {
                if let Some(&(entry, _)) = c.modules.first() {
                    let off = *switched_off
                        .entry(entry)
                        .or_insert_with(|| !host_reached[entry] && commented_out(&files[entry], &commented));
                    if off {
                        continue;
                    }
                }
            }
            let view = ConfigView {
                files: &files,
                cfg: c,
                reach: &reach,
            };
            let mut hits = Vec::new();
            for r in &rules {
                hits.clear();
                r.check_config(&view, &mut hits);
                for mut h in hits.drain(..) {
                    if c.alone {
                        if reached.get(h.file).copied().unwrap_or(true) {
                            continue;
                        }
                        h.message.push_str(
                            " (a module no host configuration that nixsec found imports, checked with what it imports)",
                        );
                    }
                    findings.push(config_finding(r.entry(), &files, &c.entry, h));
                }
            }
        }
        tracing::debug!(ms = clock.elapsed().as_millis(), "configuration rules");
        if let Some(r) = rules.iter().find(|r| r.id == "NIX-152") {
            pinned_release_findings(r.entry(), &files, &configs, &mut findings);
        }
        firewall_replaced(&files, &configs, &mut findings);
        overridden_weak_settings(&files, &configs, &mut findings);
        merge_entry_points(&mut findings);
        let mut warnings = Vec::new();
        let active: Vec<&str> = rules.iter().map(|r| r.id).collect();
        apply_suppressions(&files, &mut findings, &mut warnings, &active);
        // Encrypted files are skipped, as the walk's are: listed, not counted as linted.
        let encrypted: Vec<(String, String)> = files
            .iter()
            .filter_map(|f| Some((f.display.clone(), f.skipped.clone()?)))
            .collect();
        LintOutput {
            files: files.len() - encrypted.len(),
            bytes: files.iter().map(|f| f.size as u64).sum(),
            findings,
            configurations: configs
                .iter()
                .filter(|c| !c.alone)
                .map(|c| c.summary(&files))
                .collect(),
            warnings,
            skipped: encrypted,
        }
    });
    out.skipped.extend(skipped);
    out.skipped.sort();
    progress.finish();
    Ok(out)
}

/// NIX-152 for a run without flakes that pins nixpkgs with npins or niv: the `sources.json`
/// beside the pins' loader (`npins/default.nix`, niv's `nix/sources.nix`) is read, and a pin of
/// the system's nixpkgs following a release past its support is reported there. Only in a run
/// that builds systems (a host configuration, or a host's own file).
fn pinned_release_findings(
    meta: &Entry,
    files: &[Indexed],
    configs: &[crate::config::Configuration],
    out: &mut Vec<LintFinding>,
) {
    use crate::rules::vulnerabilities::pinned_releases;
    if !configs.iter().any(|c| !c.alone) && !files.iter().any(|f| f.host_like) {
        return;
    }
    let today = chrono::Utc::now().date_naive();
    let mut seen: HashSet<PathBuf> = HashSet::default();
    for f in files {
        let loader = matches!(
            (
                f.path.file_name().and_then(|n| n.to_str()),
                f.path
                    .parent()
                    .and_then(Path::file_name)
                    .and_then(|n| n.to_str()),
            ),
            (Some("default.nix"), Some("npins")) | (Some("sources.nix"), Some(_))
        );
        if !loader {
            continue;
        }
        let json_path = f.path.with_file_name("sources.json");
        if !seen.insert(json_path.clone()) {
            continue;
        }
        // No pins beside the loader: nothing to read.
        let Ok(file) = std::fs::File::open(&json_path) else {
            continue;
        };
        let size = file.metadata().map_or(0, |m| m.len());
        let (src, unread) = read_limited(file, size);
        let display = Path::new(&f.display)
            .with_file_name("sources.json")
            .to_string_lossy()
            .into_owned();
        let mut shown = Indexed::from_source(json_path, display, String::new(), None);
        shown.lines = LineIndex::new(&src);
        shown.src = src;
        // Pins that cannot be read are an error for that file, as a Nix file that cannot be
        // parsed is.
        let pins = match unread {
            Some(Unread::Error(e)) => Err(e),
            Some(Unread::Encrypted(how)) => Err(format!("encrypted ({how})")),
            None => pinned_releases(&shown.src, today),
        };
        let mut pins = match pins {
            Ok(pins) => pins,
            Err(e) => {
                out.push(error_finding(
                    &shown,
                    TextRange::empty(0.into()),
                    &format!("the pins of nixpkgs could not be read: {e}"),
                    "Fix the file (`npins` and `niv` write it), or remove it.",
                ));
                continue;
            }
        };
        if pins.is_empty() {
            continue;
        }
        let texts = pin_users(files, &f.path);
        pins.retain(|p| texts.iter().any(|t| builds_from_pin(t, &p.pin)));
        let tool = if f.path.parent().and_then(Path::file_name) == Some("npins".as_ref()) {
            "npins"
        } else {
            "niv"
        };
        for p in pins {
            let fix = match (tool, p.channel) {
                ("npins", true) => format!(
                    "npins remove {0} && npins add --name {0} channel nixos-<current release>",
                    p.pin
                ),
                ("npins", false) => format!(
                    "npins remove {0} && npins add --name {0} github NixOS nixpkgs --branch nixos-<current release>",
                    p.pin
                ),
                _ => format!("niv update {} --branch nixos-<current release>", p.pin),
            };
            let hit = Hit::new(
                p.range,
                format!(
                    "the {tool} pin `{}` the systems are built from follows NixOS {} (`{}`), out of support since {}: its packages get no more security fixes",
                    p.pin, p.release, p.follows, p.end
                ),
            )
            .fix(fix);
            out.push(located(
                meta,
                &shown,
                hit,
                Some(format!("{tool} pin {}", p.pin)),
                Some(p.follows.clone()),
                None,
                None,
            ));
        }
    }
}

/// The texts of the files of the run that may use the pins of a loader (`npins/default.nix`):
/// every `.nix` file but the loader and development shells (`shell.nix`, `mkShell`), read again
/// (most texts are not kept after indexing). Asked only for a pin past its release's support.
fn pin_users(files: &[Indexed], loader: &Path) -> Vec<String> {
    files
        .iter()
        .filter(|f| f.path != loader && f.path.file_name().is_none_or(|n| n != "shell.nix"))
        .filter_map(|f| {
            let file = std::fs::File::open(&f.path).ok()?;
            let size = file.metadata().map_or(0, |m| m.len());
            match read_limited(file, size) {
                (text, None) if !text.contains("mkShell") => Some(text),
                _ => None,
            }
        })
        .collect()
}

/// `text` builds something from the pin `name`: `sources.NAME`, `sources."NAME"`, `pins.NAME`,
/// `(import ./npins).NAME`, or the pin through a name bound to the pins (`s = import ./npins;`),
/// where `name` is the system's nixpkgs (`nixpkgs`, `nixos`, a stable one) or the line gives it
/// as a nixpkgs (`nixpkgs = import sources."25.11";`, `sources.x + "/nixos"`).
fn builds_from_pin(text: &str, name: &str) -> bool {
    let mut holders: Vec<String> = ["sources", "pins", "npins"]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    for line in text.lines() {
        if let Some((lhs, rhs)) = line.split_once('=') {
            let bound = lhs.split_whitespace().next_back().unwrap_or_default();
            if rhs.contains("import")
                && (rhs.contains("npins") || rhs.contains("sources.nix"))
                && !bound.is_empty()
                && bound
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'\'')
            {
                holders.push(bound.to_string());
            }
        }
    }
    let system_name = matches!(
        name,
        "nixpkgs" | "nixos" | "nixpkgs-stable" | "nixos-stable" | "nixpkgs_stable" | "stable"
    );
    let word = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'\'');
    for line in text.lines() {
        let code = line.split(" #").next().unwrap_or(line);
        if code.trim_start().starts_with('#') {
            continue;
        }
        let bytes = code.as_bytes();
        for form in [format!(".{name}"), format!(".\"{name}\"")] {
            for (i, _) in code.match_indices(&form) {
                let end = i + form.len();
                if bytes.get(end).is_some_and(|b| word(*b)) {
                    continue;
                }
                let before = &code[..i];
                let holder = before.ends_with(')')
                    || holders.iter().any(|h| {
                        before.ends_with(h.as_str())
                            && !before[..before.len() - h.len()]
                                .bytes()
                                .next_back()
                                .is_some_and(|b| word(b) || b == b'.')
                    });
                if holder
                    && (system_name
                        || code.contains("nixpkgs =")
                        || code.contains("nixpkgs=")
                        || code.contains("/nixos"))
                {
                    return true;
                }
            }
        }
    }
    false
}

/// Module kinds: from content, then from how modules are used: files a home-manager user
/// imports are home-manager modules, modules of a `darwinSystem` are nix-darwin modules.
fn assign_kinds(files: &mut [Indexed], roots: &[PathBuf]) {
    let (hm, darwin) = {
        let res = config::Resolver::new(files, roots);
        let by_path = config::path_map(files);
        let mut hm: Vec<usize> = Vec::new();
        for f in files.iter() {
            for a in &f.index.assignments {
                let is_hm_ref = matches!(a.path.first().map(String::as_str), Some("home-manager"))
                    && (a.is(&["home-manager", "users", "*"])
                        || a.is(&["home-manager", "users", "*", "imports"])
                        || a.is(&["home-manager", "sharedModules"]));
                if !is_hm_ref {
                    continue;
                }
                let mut paths = Vec::new();
                collect_paths(&a.value.v, &mut paths);
                for p in paths {
                    if let Some(i) =
                        config::resolve(&f.path, &p, roots).and_then(|t| by_path.get(&t))
                    {
                        hm.push(*i);
                    }
                }
            }
        }
        // Home-manager modules and what they import.
        let mut seen = vec![false; files.len()];
        let mut hm_all = Vec::new();
        while let Some(i) = hm.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            hm_all.push(i);
            for r in &files[i].index.modules[0].imports {
                hm.extend(config::targets(&res, i, r));
            }
        }
        // The modules systems of one kind reach: their inline modules and the files they
        // reach.
        let reach = |kind: ModuleKind| {
            let mut todo: Vec<(usize, usize)> = Vec::new();
            for (fi, f) in files.iter().enumerate() {
                for s in f.index.systems.iter().filter(|s| s.kind == kind) {
                    for m in &s.modules {
                        match m {
                            ModuleRef::Inline(k) => todo.push((fi, *k)),
                            other => {
                                todo.extend(
                                    config::targets(&res, fi, other).into_iter().map(|j| (j, 0)),
                                );
                            }
                        }
                    }
                }
            }
            let mut seen = std::collections::HashSet::new();
            while let Some((fi, m)) = todo.pop() {
                if !seen.insert((fi, m)) {
                    continue;
                }
                for r in &files[fi].index.modules[m].imports {
                    todo.extend(config::targets(&res, fi, r).into_iter().map(|j| (j, 0)));
                }
            }
            seen
        };
        let darwin = reach(ModuleKind::Darwin);
        // A module nix-darwin and NixOS systems share is judged as NixOS's: its NixOS options
        // (`users.users.<n>.hashedPassword`) take effect there.
        let darwin_all: Vec<(usize, usize)> = if darwin.is_empty() {
            Vec::new()
        } else {
            let nixos = reach(ModuleKind::NixOS);
            darwin.into_iter().filter(|k| !nixos.contains(k)).collect()
        };
        (hm_all, darwin_all)
    };
    for i in hm {
        files[i].kinds[0] = ModuleKind::HomeManager;
    }
    for (fi, m) in darwin {
        if files[fi].kinds[m] == ModuleKind::NixOS {
            files[fi].kinds[m] = ModuleKind::Darwin;
        }
    }
}

fn collect_paths(v: &crate::value::Value, out: &mut Vec<String>) {
    match v {
        crate::value::Value::Path(p) => out.push(p.clone()),
        crate::value::Value::List(items) => {
            for i in items {
                collect_paths(&i.v, out);
            }
        }
        _ => {}
    }
}

/// Every per-file rule over one file's index, in one pass over its assignments.
#[must_use]
pub fn check_file(
    f: &Indexed,
    rules: &[&'static LintReg],
    clear: Option<&HashSet<PathBuf>>,
    facts: &crate::rules::RunFacts,
) -> Vec<LintFinding> {
    check_file_in(f, rules, clear, facts, None)
}

/// For each file, the daemons of [`crate::rules::VM_DAEMONS`] that the host configurations
/// reaching it turn on; `None` where the run's facts decide (`run`: the daemons some file turns
/// on). A daemon turned on only under a switch of the repository's own that the host leaves off
/// (`mkIf config.my.virt.enable`) is off there. The run decides for a file no host reaches, for
/// one a host reaches whose own modules nixsec could not all follow, and everywhere when a
/// host's own file is reached by no configuration; a daemon that a module no host reaches turns
/// on is on everywhere (that module may be a host's that nixsec did not reconstruct), unless the
/// module was put aside (an import of it commented out, a hidden name). A file that turns the
/// daemon on itself is on wherever it applies.
fn host_daemons(
    files: &[Indexed],
    configs: &[config::Configuration],
    run: [bool; 4],
) -> Vec<Option<[bool; 4]>> {
    let mut out: Vec<Option<[bool; 4]>> = vec![None; files.len()];
    let hosts: Vec<&config::Configuration> = configs.iter().filter(|c| !c.alone).collect();
    // Only a daemon some file turns on can be off for some hosts and not others.
    if hosts.is_empty() || run == [false; 4] {
        return out;
    }
    let mut reached = vec![false; files.len()];
    // Reached by a host with a module list nixsec could not follow (`cfg.modules or [ ]`).
    let mut open = vec![false; files.len()];
    for c in &hosts {
        let whole = c.unknown.iter().all(|u| another_flakes_module(u));
        for (fi, _) in &c.modules {
            reached[*fi] = true;
            open[*fi] |= !whole;
        }
    }
    if files
        .iter()
        .zip(&reached)
        .any(|(f, r)| !r && f.host_like && f.index.errors.is_empty())
    {
        return out;
    }
    let reach = vec![0usize; files.len()];
    for c in hosts {
        let view = ConfigView {
            files,
            cfg: c,
            reach: &reach,
        };
        let enabled = |path: &[&str]| {
            view.enabled(path).is_some_and(|p| {
                p.condition
                    .as_deref()
                    .is_none_or(|cond| view.condition_value(p.file, cond) != Some(false))
            })
        };
        let mut on = [false; 4];
        for (d, o) in on.iter_mut().enumerate() {
            *o = run[d] && daemon_options(d).iter().any(|p| enabled(p));
        }
        for (fi, _) in &c.modules {
            let d = out[*fi].get_or_insert([false; 4]);
            for (x, y) in d.iter_mut().zip(on) {
                *x |= y;
            }
        }
    }
    for ((f, d), open) in files.iter().zip(out.iter_mut()).zip(open) {
        if open {
            *d = None;
        } else if let Some(d) = d {
            for (i, x) in d.iter_mut().enumerate() {
                *x |= run[i] && turns_on(f, i);
            }
        }
    }
    out
}

/// An import not followed (as written) that is another flake's or nixpkgs' module, not a list
/// of the repository's own modules left unknown.
fn another_flakes_module(text: &str) -> bool {
    let t = text.trim();
    let known = [
        "nixosModules",
        "darwinModules",
        "modulesPath",
        "nixos-hardware",
        "/nix/store",
        "fetchTarball",
        "fetchGit",
        "fetchFromGitHub",
    ]
    .iter()
    .any(|w| t.contains(w));
    // The repository's own exported modules (`self.nixosModules.x`) are its own.
    let own = t.starts_with("self.") || t.contains("inputs.self.");
    (known || t.starts_with("inputs.") || t.starts_with('<')) && !own
}

/// [`check_file`], with the daemons the hosts reaching the file turn on ([`host_daemons`]).
fn check_file_in(
    f: &Indexed,
    rules: &[&'static LintReg],
    clear: Option<&HashSet<PathBuf>>,
    facts: &crate::rules::RunFacts,
    host_daemons: Option<[bool; 4]>,
) -> Vec<LintFinding> {
    let mut out = Vec::new();
    if f.skipped.is_some() {
        return out;
    }
    if let Some(why) = &f.read_error {
        out.push(error_finding(f, TextRange::empty(0.into()), why, NOT_READ));
        return out;
    }
    if let Some((range, msg)) = &f.index.refused {
        out.push(error_finding(f, *range, msg, NOT_READ));
        return out;
    }
    if let Some((range, msg)) = f.index.errors.first() {
        let more = f.index.errors.len() - 1;
        let msg = if more > 0 {
            format!("does not parse: {msg} (and {more} more parse errors)")
        } else {
            format!("does not parse: {msg}")
        };
        out.push(error_finding(f, *range, &msg, SYNTAX));
        // Settings after an error may be attached to the wrong attribute set: the file's
        // rules are not run (its other findings would not be trustworthy).
        return out;
    }
    if let Some(range) = f.index.exhausted {
        // The rules still run: what was resolved before is sound, what was not is unknown.
        out.push(error_finding(
            f,
            range,
            &format!(
                "evaluation stopped after {} steps: values from here on were not resolved, and findings that depend on them may be missing",
                crate::index::MAX_EVAL_STEPS
            ),
            BUDGET,
        ));
    }
    let mut hits = Vec::new();
    // What a rule sees of the file, for the module `module` of it.
    let cx_for = |module: usize| {
        let kind = f.kinds.get(module).copied().unwrap_or(ModuleKind::NixOS);
        FileCx {
            file: &f.display,
            src: &f.src,
            index: &f.index,
            kind,
            run: clear.zip(f.path.parent()),
            facts,
            host_daemons,
        }
    };
    // Hits that are one finding per place (a shared list given to many users), gathered first.
    let mut grouped: Vec<(usize, &Assignment, Hit)> = Vec::new();
    for a in &f.index.assignments {
        let cx = cx_for(a.module);
        let kind = cx.kind;
        for (ri, r) in rules.iter().enumerate() {
            if !r.kinds().contains(&kind) || !r.looks_at(a) {
                continue;
            }
            r.check(a, &cx, &mut hits);
            for h in hits.drain(..) {
                if h.group.is_some() {
                    grouped.push((ri, a, h));
                } else {
                    out.push(finding(r.entry(), f, a, h, None));
                }
            }
        }
    }
    merge_groups(f, rules, grouped, &mut out);
    let cx = cx_for(0);
    for r in rules {
        r.check_file(&cx, &mut hits);
        for h in hits.drain(..) {
            let cond = h.condition.clone();
            out.push(located(r.entry(), f, h, None, None, cond, None));
        }
    }
    one_per_place(&mut out);
    both_branches(&mut out);
    out
}

/// `sandbox = if c then "relaxed" else false;`: each branch unsafe, on one line, is one
/// setting unsafe whatever `c` is: one finding, from the first branch to the last, under the
/// conditions outside the `if` only.
fn both_branches(out: &mut Vec<LintFinding>) {
    // `X && c` and `X && !(c)` (or `c` and `!(c)`): the condition outside the `if` (`X`), when
    // the two are its branches (`c` may hold ` && ` itself).
    fn outside(a: &str, b: &str) -> Option<Option<String>> {
        let inner = b.strip_suffix(')')?;
        inner.match_indices("!(").find_map(|(k, _)| {
            let (x, c) = (&inner[..k], &inner[k + 2..]);
            if x.is_empty() {
                return (a == c).then_some(None);
            }
            let x = x.strip_suffix(" && ")?;
            (a.strip_prefix(x)?.strip_prefix(" && ")? == c).then(|| Some(x.to_string()))
        })
    }
    // Only conditional findings of one rule on one line can pair (a file's findings).
    let mut by_line: HashMap<(&str, u32), Vec<usize>> = HashMap::default();
    for (i, f) in out.iter().enumerate() {
        if f.condition.is_some() && f.line == f.end_line {
            by_line
                .entry((f.finding.rule.as_str(), f.line))
                .or_default()
                .push(i);
        }
    }
    let groups: Vec<Vec<usize>> = by_line.into_values().filter(|v| v.len() >= 2).collect();
    let mut gone = vec![false; out.len()];
    for group in &groups {
        for (n, &i) in group.iter().enumerate() {
            for &j in &group[n + 1..] {
                if gone[i] || gone[j] {
                    continue;
                }
                let (a, b) = (&out[i], &out[j]);
                if a.option != b.option || a.finding.subject != b.finding.subject {
                    continue;
                }
                let (Some(ca), Some(cb)) = (&a.condition, &b.condition) else {
                    continue;
                };
                let Some(cond) = outside(ca, cb) else {
                    continue;
                };
                let (other, end) = (b.value.clone(), b.end_column.max(a.end_column));
                let a = &mut out[i];
                a.end_column = end;
                a.conditional = cond.is_some();
                a.condition = cond;
                if let Some(v) = other {
                    a.finding
                        .message
                        .push_str(&format!(" (and `{v}` otherwise: both branches)"));
                }
                gone[j] = true;
            }
        }
    }
    // The values of one set chosen by a key (`K == "nixos"`, `K == "darwin"`: `lib.getAttr K {
    // ... }`) at one place: one finding, under the keys it holds for.
    let key_of = |c: &str| -> Option<(String, String)> {
        let (k, v) = c.rsplit_once(" == \"")?;
        let v = v.strip_suffix('"')?;
        (!v.contains('"')).then(|| (k.to_string(), v.to_string()))
    };
    // (rule, line, column, option, key).
    type Choice = (String, u32, u32, Option<String>, String);
    let mut chosen: HashMap<Choice, Vec<usize>> = HashMap::default();
    for (i, f) in out.iter().enumerate() {
        if gone[i] {
            continue;
        }
        if let Some((k, _)) = f.condition.as_deref().and_then(key_of) {
            chosen
                .entry((
                    f.finding.rule.clone(),
                    f.line,
                    f.column,
                    f.option.clone(),
                    k,
                ))
                .or_default()
                .push(i);
        }
    }
    for ((.., k), group) in chosen.into_iter().filter(|(_, g)| g.len() >= 2) {
        let mut values = Vec::new();
        let mut keys = Vec::new();
        for &j in &group {
            if let Some((_, v)) = out[j].condition.as_deref().and_then(key_of) {
                keys.push(format!("\"{v}\""));
            }
            if let Some(v) = &out[j].finding.subject {
                values.push(format!("`{v}`"));
            }
        }
        let f = &mut out[group[0]];
        f.condition = Some(format!("{k} is one of {}", keys.join(", ")));
        values.dedup();
        if values.len() == group.len() {
            f.finding.message = format!(
                "{} (one of {}, chosen by `{k}`)",
                f.finding.message,
                values.join(", ")
            );
        }
        for &j in &group[1..] {
            gone[j] = true;
        }
    }
    let mut g = gone.into_iter();
    out.retain(|_| !g.next().unwrap_or(false));
}

/// One finding per rule, place and subject: a value written once and used several times (the
/// body of `map (host: { password = "…"; }) hosts`, whose uses differ only by their index,
/// `trackers[0].password` and `trackers[1].password`) is one thing to fix, reported once and
/// saying how many uses it has. Different subjects at one place (the words of one string split
/// into kernel parameters) stay apart.
fn one_per_place(out: &mut Vec<LintFinding>) {
    type Place = (String, u32, u32, u32, u32, Option<String>);
    // A secret written once is one secret, whatever options it is given to (one
    // `environment` set shared by eight containers): told apart by what is written there, not
    // by the option.
    let secret = |rule: &str| matches!(rule, "NIX-030" | "NIX-031" | "NIX-032" | "NIX-033");
    // The text at a finding's place, when it is one name (`adminGroup` of `trusted-users = [
    // "root" adminGroup ]` in a helper called with `"@wheel"` and with `"@admin"`): its values
    // come from elsewhere, and the place is one thing to fix.
    let name_at = |x: &LintFinding| -> Option<String> {
        if x.line != x.end_line {
            return None;
        }
        let used: String = x
            .source_line
            .chars()
            .skip(x.column.saturating_sub(1) as usize)
            .take(x.end_column.saturating_sub(x.column) as usize)
            .collect();
        (!used.is_empty()
            && used.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && used
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '\'')))
        .then_some(used)
    };
    let named =
        |x: &LintFinding| !(secret(&x.finding.rule) && x.value.is_some()) && name_at(x).is_some();
    let place = |x: &LintFinding| -> Place {
        let key = match (&x.value, secret(&x.finding.rule)) {
            (Some(v), true) => Some(v.clone()),
            // Under one condition (values chosen by a key stay apart for `both_branches`).
            _ => match name_at(x) {
                Some(n) => Some(format!(
                    "{n}\u{0}{}",
                    x.condition.as_deref().unwrap_or_default()
                )),
                None => x.finding.subject.as_deref().map(without_indices),
            },
        };
        (
            x.finding.rule.clone(),
            x.line,
            x.column,
            x.end_line,
            x.end_column,
            key,
        )
    };
    // A secret bound to a name (`storageConfig = "minio|…?secretKey=…";`) and used by several
    // options is found at each use: the uses of one name with the same secret are one.
    let by_name = |x: &LintFinding| -> Option<Place> {
        // (A user's password or hash is each user's own setting, whatever name gives it.)
        if !matches!(x.finding.rule.as_str(), "NIX-032" | "NIX-033") {
            return None;
        }
        name_at(x).map(|used| {
            (
                x.finding.rule.clone(),
                0,
                0,
                0,
                0,
                Some(format!("{used}\u{0}{}", x.value.as_deref().unwrap_or(""))),
            )
        })
    };
    let mut seen: HashMap<Place, (usize, usize)> = HashMap::default();
    let mut keep = vec![true; out.len()];
    // The other subjects of a place reported once (the values of one name).
    let mut others: HashMap<usize, Vec<String>> = HashMap::default();
    for i in 0..out.len() {
        match seen.entry(by_name(&out[i]).unwrap_or_else(|| place(&out[i]))) {
            std::collections::hash_map::Entry::Occupied(mut e) => {
                keep[i] = false;
                e.get_mut().1 += 1;
                let first = e.get().0;
                if !named(&out[i]) || by_name(&out[i]).is_some() {
                    continue;
                }
                if let Some(sub) = &out[i].finding.subject {
                    if out[first].finding.subject.as_ref() != Some(sub) {
                        let list = others.entry(first).or_default();
                        if !list.contains(sub) {
                            list.push(sub.clone());
                        }
                    }
                }
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert((i, 0));
            }
        }
    }
    for (first, more) in seen.into_values() {
        if let Some(subs) = others.get(&first) {
            let name = name_at(&out[first]).unwrap_or_default();
            let subs: Vec<String> = subs.iter().map(|s| format!("`{s}`")).collect();
            let note = format!(
                " (and {}: the values `{name}` is given, reported once)",
                subs.join(", ")
            );
            out[first].finding.message.push_str(&note);
        } else if more > 0 {
            let note = format!(" ({} uses of this place, reported once)", more + 1);
            out[first].finding.message.push_str(&note);
        }
    }
    let mut k = keep.into_iter();
    out.retain(|_| k.next().unwrap_or(true));
}

/// `a[0].b[12]` -> `a[].b[]`.
fn without_indices(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('[') {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && rest[digits..].starts_with(']') {
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// A group of hits: the rule, the place and the group's key.
type GroupKey = (usize, TextRange, String);

/// Grouped hits: one finding per rule, place and key, naming every member.
fn merge_groups(
    f: &Indexed,
    rules: &[&'static LintReg],
    grouped: Vec<(usize, &Assignment, Hit)>,
    out: &mut Vec<LintFinding>,
) {
    let mut order: Vec<GroupKey> = Vec::new();
    let mut groups: HashMap<GroupKey, Vec<(&Assignment, Hit)>> = HashMap::default();
    for (ri, a, h) in grouped {
        let key = h.group.as_ref().map(|(k, _)| k.clone()).unwrap_or_default();
        let k = (ri, h.range, key);
        if !groups.contains_key(&k) {
            order.push(k.clone());
        }
        groups.entry(k).or_default().push((a, h));
    }
    for k in order {
        let Some(mut members) = groups.remove(&k) else {
            continue;
        };
        let r = rules[k.0];
        if members.len() == 1 {
            let (a, mut h) = members.remove(0);
            if let Some(at) = h.single {
                h.range = at;
            }
            out.push(finding(r.entry(), f, a, h, None));
            continue;
        }
        let names: Vec<String> = members
            .iter()
            .filter_map(|(_, h)| h.group.as_ref().map(|(_, m)| m.clone()))
            .collect();
        let (a, mut h) = members.remove(0);
        h.message = r.merged(&k.2, &names);
        h.subject = Some(format!("{}: {}", k.2, names.join(", ")));
        // Conditional only when every member is.
        let all_conditional = std::iter::once(&(a, h.clone()))
            .chain(members.iter())
            .all(|(a, h)| a.condition.is_some() || h.condition.is_some());
        let mut fd = finding(r.entry(), f, a, h, None);
        if !all_conditional {
            fd.conditional = false;
            fd.condition = None;
        }
        out.push(fd);
    }
}

/// Remediation of a file that does not parse.
const SYNTAX: &str = "Fix the syntax error (`nix-instantiate --parse FILE` shows it too); no rule was run on this file";
/// Remediation of a file that is not read or parsed.
/// Remediation of a file whose evaluation budget ran out.
const BUDGET: &str = "Values in this file refer to one another too often to be followed (a generated table or a library file?); check its settings by hand, or exclude it from the lint";
const INTERNAL: &str = "Check this file's settings by hand, and report the error with the file (nixsec printed where it failed)";
const NOT_READ: &str = "No rule was run on this file; a hand-written NixOS module is never this large or this deeply nested";

fn error_finding(f: &Indexed, range: TextRange, msg: &str, fix: &str) -> LintFinding {
    let meta_title = "Nix file could not be checked";
    let (line, column) = f.lines.line_col(&f.src, range.start());
    let (end_line, end_column) = f.lines.line_col(&f.src, range.end());
    LintFinding {
        finding: Finding {
            rule: PARSE_ERROR.to_string(),
            title: meta_title.to_string(),
            section: "lint".to_string(),
            subject: None,
            severity: Severity::High,
            status: Status::Error,
            message: msg.to_string(),
            evidence: vec![Evidence {
                path: f.display.clone(),
                line: Some(line),
                value: None,
            }],
            remediation: Remediation {
                text: fix.to_string(),
                nixos: String::new(),
            },
            ignored: None,
        },
        file: f.display.clone(),
        line,
        column,
        end_line,
        end_column,
        option: None,
        value: None,
        conditional: false,
        condition: None,
        entry_point: None,
        source_line: f
            .lines
            .line_text(&f.src, (line as usize).saturating_sub(1))
            .to_string(),
    }
}

/// A finding for a hit of `meta`'s rule on assignment `a` of file `f`.
fn finding(meta: &Entry, f: &Indexed, a: &Assignment, h: Hit, entry: Option<&str>) -> LintFinding {
    let value = h.value.clone().unwrap_or_else(|| a.value.v.to_string());
    let condition = match (&a.condition, &h.condition) {
        (Some(x), Some(y)) => Some(format!("{x} && {y}")),
        (x, y) => x.clone().or_else(|| y.clone()),
    };
    located(
        meta,
        f,
        h,
        Some(path_string(&a.path)),
        Some(value),
        condition,
        entry,
    )
}

fn config_finding(meta: &Entry, files: &[Indexed], entry: &str, h: ConfigHit) -> LintFinding {
    let f = &files[h.file];
    let mut hit = Hit::new(h.range, h.message);
    hit.severity = h.severity;
    hit.fix = h.fix;
    hit.subject = h.subject;
    located(
        meta,
        f,
        hit,
        Some(h.option),
        h.value,
        h.condition,
        Some(entry),
    )
}

/// The source line at `line` (1-based), with a secret string literal on it masked (`*` for
/// each character between its quotes), so the caret still lines up.
fn shown_line(f: &Indexed, mask: Option<TextRange>, line: u32) -> String {
    let text = f.lines.line_text(&f.src, (line as usize).saturating_sub(1));
    let Some(mask) = mask else {
        return text.to_string();
    };
    let (mline, mcol) = f.lines.line_col(&f.src, mask.start());
    let (mend_line, mend_col) = f.lines.line_col(&f.src, mask.end());
    if mline != line {
        return text.to_string();
    }
    let start = (mcol as usize).saturating_sub(1);
    let stop = if mend_line == line {
        (mend_col as usize).saturating_sub(1)
    } else {
        usize::MAX
    };
    let region: String = text
        .chars()
        .skip(start)
        .take(stop.saturating_sub(start))
        .collect();
    // Keep the quotes (`"`, `''`) and mask what is between them; a region that is not a string
    // literal (a name bound to one) shows no secret.
    let open = if region.starts_with("''") {
        2
    } else if region.starts_with('"') {
        1
    } else {
        return text.to_string();
    };
    let n = region.chars().count();
    let close = if mend_line == line {
        open.min(n - open)
    } else {
        0
    };
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if i >= start + open && i < start + n - close {
                '*'
            } else {
                c
            }
        })
        .collect()
}

fn located(
    meta: &Entry,
    f: &Indexed,
    h: Hit,
    option: Option<String>,
    value: Option<String>,
    condition: Option<String>,
    entry: Option<&str>,
) -> LintFinding {
    let (line, column) = f.lines.line_col(&f.src, h.range.start());
    let (end_line, end_column) = f.lines.line_col(&f.src, h.range.end());
    let source_line = shown_line(f, h.mask, line);
    let Hit {
        message,
        severity,
        fix,
        subject,
        ..
    } = h;
    let value = value.map(|v| snippet(&v));
    let shown = match (&option, &value) {
        (Some(o), Some(v)) => Some(format!("{o} = {v}")),
        (Some(o), None) => Some(o.clone()),
        _ => None,
    };
    LintFinding {
        finding: {
            let mut finding = meta.finding(Status::Fail, message);
            finding.subject = subject;
            finding.severity = severity.unwrap_or(meta.severity);
            finding.evidence = vec![Evidence {
                path: f.display.clone(),
                line: Some(line),
                value: shown,
            }];
            if let Some(fix) = fix {
                finding.remediation.nixos = fix;
            }
            finding
        },
        file: f.display.clone(),
        line,
        column,
        end_line,
        end_column,
        option,
        value,
        conditional: condition.is_some(),
        condition,
        entry_point: entry.map(str::to_string),
        source_line,
    }
}

/// A configuration-level finding at the same place in several configurations (a shared
/// module) is reported once, naming every entry point. The configurations may differ in what
/// they leave unfollowed (the finding's condition): it is unconditional when it is in any of
/// them.
/// NIX-070 of a file whose every host keeps a default-deny nftables input chain written in
/// another of its modules (a router's `firewall.enable = false; # nftables directly` beside
/// its own ruleset file): the host is not left open, and the finding is dropped. A file no
/// host reaches keeps it.
fn firewall_replaced(
    files: &[Indexed],
    configs: &[config::Configuration],
    findings: &mut Vec<LintFinding>,
) {
    if !findings.iter().any(|f| f.finding.rule == "NIX-070") {
        return;
    }
    let by_name: HashMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.display.as_str(), i))
        .collect();
    // The modules that write a default-deny chain, and under which condition.
    let mut deny: HashSet<(usize, usize)> = HashSet::default();
    let mut deny_at: Vec<(usize, Option<&str>)> = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        for a in f
            .index
            .assignments
            .iter()
            .filter(|a| crate::nftables::keeps_default_deny(a))
        {
            deny.insert((fi, a.module));
            deny_at.push((fi, a.condition.as_deref()));
        }
    }
    // For each file: no host reaches it (None), or whether every host that does denies.
    let mut every_host_denies: Vec<Option<bool>> = vec![None; files.len()];
    for c in configs.iter().filter(|c| !c.alone) {
        let denies = c.modules.iter().any(|k| deny.contains(k));
        for (fi, _) in &c.modules {
            let e = &mut every_host_denies[*fi];
            *e = Some(e.unwrap_or(true) && denies);
        }
    }
    findings.retain(|f| {
        if f.finding.rule != "NIX-070" || f.entry_point.is_some() {
            return true;
        }
        let Some(&fi) = by_name.get(f.file.as_str()) else {
            return true;
        };
        match every_host_denies[fi] {
            Some(all) => !all,
            // No host reaches it: a module of a directory that writes the firewall beside it
            // under the same condition (`modules/router/interfaces.nix` and `firewall.nix`,
            // both `mkIf cfg.enable`).
            None => {
                let dir = files[fi].path.parent();
                !deny_at.iter().any(|(g, cond)| {
                    files[*g].path.parent() == dir && *cond == f.condition.as_deref()
                })
            }
        }
    });
}

/// A setting given at a weak priority (`PasswordAuthentication = lib.mkDefault true;`) that every
/// host reaching its file overrides (a plain or forced assignment of the same option, under no
/// condition, to another known value, in a module of that host): it never applies, and what a
/// file rule reported about it is dropped. A file no host reaches keeps its findings.
fn overridden_weak_settings(
    files: &[Indexed],
    configs: &[config::Configuration],
    findings: &mut Vec<LintFinding>,
) {
    let weak: Vec<(usize, &Assignment)> = files
        .iter()
        .enumerate()
        .flat_map(|(fi, f)| f.index.assignments.iter().map(move |a| (fi, a)))
        .filter(|(_, a)| a.priority > crate::index::priority::NORMAL && !a.value.v.is_unknown())
        .collect();
    if weak.is_empty() {
        return;
    }
    // The unconditional, known settings of the options set weakly somewhere, by option:
    // (file, module, priority, value).
    type Setting<'a> = (usize, usize, i32, &'a crate::value::Value);
    let paths: HashSet<&[String]> = weak.iter().map(|(_, a)| a.path.as_slice()).collect();
    let mut strong: HashMap<&[String], Vec<Setting<'_>>> = HashMap::default();
    for (fi, f) in files.iter().enumerate() {
        for b in &f.index.assignments {
            if b.condition.is_none() && !b.value.v.is_unknown() && paths.contains(b.path.as_slice())
            {
                strong
                    .entry(b.path.as_slice())
                    .or_default()
                    .push((fi, b.module, b.priority, &b.value.v));
            }
        }
    }
    // The hosts reaching each file.
    let hosts: Vec<&config::Configuration> = configs.iter().filter(|c| !c.alone).collect();
    let mut reaching: Vec<Vec<usize>> = vec![Vec::new(); files.len()];
    for (h, c) in hosts.iter().enumerate() {
        for (fi, _) in &c.modules {
            if reaching[*fi].last() != Some(&h) {
                reaching[*fi].push(h);
            }
        }
    }
    // (file, option, first line, last line) of each weak setting every host overrides.
    let mut dropped: Vec<(usize, String, u32, u32)> = Vec::new();
    for (fi, a) in weak {
        let Some(others) = strong.get(a.path.as_slice()) else {
            continue;
        };
        let stronger: Vec<(usize, usize)> = others
            .iter()
            .filter(|(_, _, p, v)| *p < a.priority && **v != a.value.v)
            .map(|(g, m, ..)| (*g, *m))
            .collect();
        let overridden = !stronger.is_empty()
            && !reaching[fi].is_empty()
            && reaching[fi]
                .iter()
                .all(|&h| stronger.iter().any(|gm| hosts[h].modules.contains(gm)));
        if overridden {
            let f = &files[fi];
            let (first, _) = f.lines.line_col(&f.src, a.key_range.start());
            let (last, _) = f.lines.line_col(&f.src, a.value.range.end());
            dropped.push((fi, path_string(&a.path), first, last));
        }
    }
    if dropped.is_empty() {
        return;
    }
    findings.retain(|x| {
        x.entry_point.is_some()
            || !dropped.iter().any(|(fi, option, first, last)| {
                files[*fi].display == x.file
                    && x.option.as_deref() == Some(option.as_str())
                    && *first <= x.line
                    && x.line <= *last
            })
    });
}

fn merge_entry_points(findings: &mut Vec<LintFinding>) {
    type Key = (String, String, u32, u32, Option<String>, Option<String>);
    let mut seen: HashMap<Key, usize> = HashMap::default();
    let mut out: Vec<LintFinding> = Vec::with_capacity(findings.len());
    // A file's finding made twice at one place (a module bound once and exported for NixOS
    // and nix-darwin is indexed as two modules): once, unconditional when either is.
    let mut same: HashMap<(String, String, u32, u32, String), usize> = HashMap::default();
    for f in findings.drain(..) {
        let Some(entry) = f.entry_point.clone() else {
            let key = (
                f.finding.rule.clone(),
                f.file.clone(),
                f.line,
                f.column,
                f.finding.message.clone(),
            );
            match same.get(&key) {
                Some(&i) => {
                    if out[i].conditional && !f.conditional {
                        out[i] = f;
                    }
                }
                None => {
                    same.insert(key, out.len());
                    out.push(f);
                }
            }
            continue;
        };
        // The subject, when the rule names one, says what the finding is about whatever the
        // option (sshd's `PermitRootLogin` on NixOS and in nix-darwin's `extraConfig`).
        let key = (
            f.finding.rule.clone(),
            f.file.clone(),
            f.line,
            f.column,
            if f.finding.subject.is_some() {
                None
            } else {
                f.option.clone()
            },
            f.finding.subject.clone(),
        );
        match seen.get(&key) {
            Some(&i) => {
                let entries = out[i].entry_point.take().unwrap_or_default();
                if out[i].conditional && !f.conditional {
                    out[i] = f;
                }
                out[i].entry_point = Some(format!("{entries}, {entry}"));
            }
            None => {
                seen.insert(key, out.len());
                out.push(f);
            }
        }
    }
    *findings = out;
}

/// `# nixsec: ignore ID -- reason` on the line of a finding (at its end) or on the line
/// above accepts the finding. Without a reason it is not honoured, and a warning says so.
fn apply_suppressions(
    files: &[Indexed],
    findings: &mut [LintFinding],
    warnings: &mut Vec<String>,
    active: &[&str],
) {
    let by_name: HashMap<&str, &Indexed> = files.iter().map(|f| (f.display.as_str(), f)).collect();
    let mut used: HashMap<(&str, usize), bool> = HashMap::default();
    for f in files {
        for (i, s) in f.index.suppressions.iter().enumerate() {
            used.insert((f.display.as_str(), i), false);
            if s.reason.is_none() {
                let (line, _) = f.lines.line_col(&f.src, s.range.start());
                warnings.push(format!(
                    "`{}`:{line}: `nixsec: ignore {}` has no reason (write `-- reason`); it is not honoured",
                    f.display,
                    suppression_names(s)
                ));
            }
        }
    }
    for fd in findings.iter_mut() {
        if fd.finding.status != Status::Fail {
            continue;
        }
        let Some(f) = by_name.get(fd.file.as_str()) else {
            continue;
        };
        let line0 = fd.line as usize - 1;
        let end0 = (fd.end_line as usize).saturating_sub(1).max(line0);
        for (i, s) in f.index.suppressions.iter().enumerate() {
            let sline = f.lines.line0(s.range.start());
            // On the finding's lines (a block's: `services.openssh = {` to `enable = true;`),
            // or on the line above it with nothing but the comment.
            let above = sline + 1 == line0
                && f.lines
                    .line_text(&f.src, sline)
                    .trim_start()
                    .starts_with('#');
            if !((line0..=end0).contains(&sline) || above) {
                continue;
            }
            let names_it = s.ids.iter().zip(&s.subjects).any(|(id, subject)| {
                id.eq_ignore_ascii_case(&fd.finding.rule)
                    && subject
                        .as_ref()
                        .is_none_or(|want| fd.finding.subject.as_deref() == Some(want.as_str()))
            });
            if !names_it {
                continue;
            }
            if let Some(reason) = &s.reason {
                fd.finding.ignored = Some(Ignored {
                    reason: reason.clone(),
                    until: None,
                });
                used.insert((f.display.as_str(), i), true);
            }
        }
    }
    let mut unused: Vec<_> = used
        .into_iter()
        .filter(|(_, u)| !u)
        .map(|(k, _)| k)
        .collect();
    unused.sort_unstable();
    for (name, i) in unused {
        let Some(f) = by_name.get(name) else { continue };
        let s = &f.index.suppressions[i];
        // Without a reason it was already reported; for rules not run it could not match.
        if s.reason.is_none()
            || !s
                .ids
                .iter()
                .any(|id| active.iter().any(|a| a.eq_ignore_ascii_case(id)))
        {
            continue;
        }
        let (line, _) = f.lines.line_col(&f.src, s.range.start());
        warnings.push(format!(
            "`{name}`:{line}: `nixsec: ignore {}` matched no finding; remove it",
            suppression_names(s)
        ));
    }
}

/// The ids of a suppression as written, `NIX-070, NIX-073[services.jellyfin]`.
fn suppression_names(s: &crate::index::Suppression) -> String {
    s.ids
        .iter()
        .zip(&s.subjects)
        .map(|(id, subject)| match subject {
            Some(x) => format!("{id}[{x}]"),
            None => id.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Lint one source text as a standalone file (tests, editors): per-file rules only.
#[must_use]
pub fn lint_source(display: &str, src: &str) -> Vec<LintFinding> {
    let mut f = Indexed::from_source(
        Path::new(display).to_path_buf(),
        display.to_string(),
        src.to_string(),
        None,
    );
    option_defaults(std::slice::from_mut(&mut f));
    let mut out = check_file(&f, &lint_rules(), None, &crate::rules::RunFacts::default());

    let mut warnings = Vec::new();
    let rules = lint_rules();
    let active: Vec<&str> = rules.iter().map(|r| r.id).collect();
    apply_suppressions(std::slice::from_ref(&f), &mut out, &mut warnings, &active);
    out
}

#[cfg(test)]
mod system_heads_tests {
    #[test]
    fn names_systems_are_built_from() {
        let src = "{\n  a = inputs.nixos.lib.nixosSystem { };\n  # b = old.lib.nixosSystem { };\n  c = lib.makeOverridable stable.lib.nixosSystem;\n  d = nixpkgs.lib.nixosSystem { };\n  e = é.lib.nixosSystem { };\n}\n";
        assert_eq!(super::system_heads(src), ["nixos"]);
    }
}

#[cfg(test)]
mod pin_tests {
    use super::builds_from_pin;

    #[test]
    fn uses_of_a_pin() {
        for (text, name) in [
            ("let sources = import ./npins; in import sources.nixpkgs { }", "nixpkgs"),
            ("{ nixpkgs = import ./nix/default.nix; }\n# import pins.nixpkgs\npkgs = import pins.nixpkgs { };", "nixpkgs"),
            ("  flake.source = (import ./npins).nixos;", "nixos"),
            ("let s = import ../nix/sources.nix; in import \"${s.nixpkgs}/nixos\" { }", "nixpkgs"),
            ("  meta.nixpkgs = import sources.\"25.11\";", "25.11"),
            ("  nixos = import (sources.release + \"/nixos\") { };", "release"),
        ] {
            assert!(builds_from_pin(text, name), "{text}");
        }
        for (text, name) in [
            // Another pin, an option of NixOS, a package's name, a comment.
            ("import sources.nixpkgs-unstable { }", "nixpkgs"),
            ("  config.nixpkgs.overlays = [ ];", "nixpkgs"),
            (
                "  environment.systemPackages = [ pkgs.nixpkgs-fmt ];",
                "nixpkgs",
            ),
            ("  # pkgs = import sources.nixpkgs { };", "nixpkgs"),
            ("let x = 1; # import sources.nixpkgs", "nixpkgs"),
            // A pin of another name taken for a package.
            (
                "  old = import sources.pinned { }; hello = old.hello;",
                "pinned",
            ),
        ] {
            assert!(!builds_from_pin(text, name), "{text}");
        }
    }
}
