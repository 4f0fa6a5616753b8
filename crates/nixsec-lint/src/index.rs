//! The attribute-path index: one walk over a file's syntax tree that turns every NixOS option
//! assignment, whatever its spelling, into `(option path, value, place, priority, condition)`.
//!
//! Spellings resolved: dotted paths and nested attribute sets at any depth; the module
//! function `{ config, lib, ... }: { ... }`; modules that declare `options` and put their
//! settings under `config = { ... }`; modules whose whole body is conditional
//! (`lib.mkIf c { ... }`, `lib.optionalAttrs c { ... }`, `mkMerge [ (mkIf a { ... }) ... ]`,
//! `if c then { ... } else { ... }`, `a // b`); `rec { ... }`; `let ... in` and `inherit` (names
//! whose values are written in the same file); `with lib;`; list literals and `++`; list
//! elements that may be present (`lib.optional(s) c ...`, `if c then [ ... ] else [ ... ]`, a
//! function applied to a literal list), each with its condition; strings (also indented
//! strings, and interpolations of known strings); `x.y` of a set written in the file; the
//! wrappers `mkForce`, `mkDefault`, `mkOverride N`, `mkBefore`, `mkAfter`, `mkOrder N`,
//! `mkIf COND`, `optionalAttrs COND`, `mkMerge [ ... ]` (bare, as `lib.mk*`, or any `x.y.mk*`),
//! `//`, `lib.recursiveUpdate`, `if ... then ... else` (each branch, as a condition), and
//! `lib.genAttrs [ names ] (n: { ... })` / `lib.mapAttrs (n: v: { ... }) { ... }` (one
//! assignment per name). A condition that is the literal `false` drops what it guards; `true`
//! drops the condition. Nothing is evaluated: a value that needs evaluation (a function call,
//! an option read, a name from `with`) stays [`Value::Unknown`].
//!
//! The index also records each module's `imports` (paths, paths built per host, directories
//! listed by a function, strings relative to the repository, this flake's own modules), every
//! call that builds a system (`nixosSystem`, `darwinSystem` and helpers such as `mkHost` that
//! take a `modules` list), colmena nodes, clan machines, the `nixosModules.<name>` a flake
//! exports (a module written in place there, or as flake-parts' `flake.modules.<class>.<name>`,
//! also as one dotted path into it, is a module of its own, whose settings are the options
//! they set), the parser's errors and the `# nixsec: ignore` comments. Nesting past
//! [`crate::guard::MAX_NESTING`] and files past [`crate::guard::MAX_FILE_BYTES`] are refused
//! before parsing; every recursive walk here is bounded by [`MAX_DEPTH`].

use rnix::ast::{self, BinOpKind, HasEntry, UnaryOpKind};
use rnix::{SyntaxKind, SyntaxNode, TextRange, TextSize};
use rowan::ast::AstNode;

use crate::value::{snippet, strip_indent, unescape, Val, Value};

/// How deep names are chased and values nested before giving up (cycles, huge files).
pub(crate) const MAX_DEPTH: u32 = 48;

/// Most values one file's index may evaluate. The depth bound alone does not bound the work: a
/// `rec` set whose entries select from one another (`inferiors.a = [ ... ] ++ inferiors.b`, as
/// in nixpkgs' `lib/systems/architectures.nix`) re-evaluates shared entries at every level, and
/// the work grows exponentially. Real configuration files stay far below this (the largest of
/// the labelled corpora needs a few thousand); past it, values are unknown and the file gets an
/// `error` saying so.
pub(crate) const MAX_EVAL_STEPS: u32 = 200_000;

/// NixOS, nix-darwin or home-manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ModuleKind {
    /// A NixOS module.
    NixOS,
    /// A nix-darwin module.
    Darwin,
    /// A home-manager module.
    HomeManager,
}

impl ModuleKind {
    /// `nixos`, `darwin` or `home-manager`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ModuleKind::NixOS => "nixos",
            ModuleKind::Darwin => "darwin",
            ModuleKind::HomeManager => "home-manager",
        }
    }
}

/// The usual option priorities (`lib.mkOverride` numbers).
pub mod priority {
    /// A plain assignment.
    pub const NORMAL: i32 = 100;
    /// `mkForce`.
    pub const FORCE: i32 = 50;
    /// `mkDefault`.
    pub const DEFAULT: i32 = 1000;
}

/// One option assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// Option path components (`["services", "openssh", "enable"]`); a dynamic attribute
    /// name that could not be resolved is written as in the source (`"${name}"`).
    pub path: Vec<String>,
    /// The value after unwrapping `mk*` wrappers.
    pub value: Val,
    /// The attribute path that was written (the innermost one).
    pub key_range: TextRange,
    /// Where the binding that names the option's parent starts (`services.openssh = {` of
    /// `services.openssh = { enable = true; };`); the key's start when written in one path.
    pub block_start: TextSize,
    /// `mkOverride` priority (100 plain, 50 `mkForce`, 1000 `mkDefault`).
    pub priority: i32,
    /// Given in an order (`mkBefore`, `mkAfter`, `mkOrder N`): merged into the option's other
    /// definitions (a `script` appended to a unit a NixOS module defines).
    pub ordered: bool,
    /// The `mkIf`/`if` conditions in force, as written, joined by ` && `.
    pub condition: Option<String>,
    /// The module (index into [`FileIndex::modules`]) the assignment belongs to.
    pub module: usize,
    /// Where the value (or each element of a list value) comes from, when it is a file or a
    /// store file: a path literal, `"${./x}"`, `builtins.path`, `pkgs.writeText`,
    /// `builtins.readFile`/`import` (empty for most values).
    pub origins: Vec<Origin>,
    /// The option the value names, when it is one (`cfg.openFirewall` with `cfg =
    /// config.nixfiles.torrents`): filled in with that option's declared default by the run,
    /// when another file declares it.
    pub reads: Option<Vec<String>>,
}

/// Where a value comes from, when the configuration copies, writes or reads a file for it.
/// Facts only; NIX-032 judges them.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// The value (or list element) it is about; for a value reached through a `let` name, the
    /// use site.
    pub range: TextRange,
    /// How.
    pub kind: OriginKind,
    /// The value bound to the name used at `range` (`let pw = builtins.readFile ./pw;`), when
    /// the value is reached through a name bound in the file.
    pub bound: Option<TextRange>,
}

/// A file a written text interpolates: the path as written, the interpolation, and the
/// function that reads the file's content into the text (`None` when its path is interpolated).
pub type InterpolatedFile = (String, TextRange, Option<String>);

/// How a value comes from a file.
#[derive(Debug, Clone, PartialEq)]
pub enum OriginKind {
    /// A path literal, as written (`./key`, `/etc/key`, `./secrets + "/key"`): the file is
    /// copied into the store when the value is written to a file or used as a string.
    Path(String),
    /// A string interpolating a path literal (`"${./key}"`): the file is copied into the store.
    Interpolated(String),
    /// A path copied into the store by a function: `builtins.path`, `builtins.filterSource`,
    /// `lib.cleanSource`, `copyPathToStore`.
    Copied {
        /// The function's name (`path`, `filterSource`).
        func: String,
        /// The path, as written.
        path: String,
    },
    /// A store file written from the configuration: `pkgs.writeText` and its kin,
    /// `builtins.toFile`, `format.generate` of `pkgs.formats`.
    Written {
        /// The function's name (`writeText`, `writeShellScript`, `toFile`).
        func: String,
        /// The file's name, when it is a literal.
        name: Option<String>,
        /// The text written, when it is known (for `format.generate`, the value written).
        text: Option<Val>,
        /// The text names a secret deployed at run time (`/run/secrets/…`, `/run/agenix/…`,
        /// `config.sops.secrets.…`, `config.age.secrets.…`, `$CREDENTIALS_DIRECTORY`): the file
        /// says where the secret is, it does not hold it.
        names_deployed_secret: bool,
        /// The path literals the text interpolates (`cp ${./secrets/salt} …` in a script):
        /// each file is copied into the store beside the one written; with the interpolation,
        /// and the function that reads the file's content into the text instead
        /// (`${builtins.readFile ./secrets/pw}`, `${import ./secrets/pw.nix}`).
        copies: Vec<InterpolatedFile>,
        /// The texts of the other store files the text interpolates (`podman cp ${setupJs} …`
        /// with `setupJs = pkgs.writeText "setup.js" ''…''`): written into the store too.
        nested: Vec<Val>,
    },
    /// A file's content read into the configuration: `builtins.readFile`, `lib.fileContents`,
    /// `import`, `lib.importJSON`/`importTOML` (also through `fromJSON`, `fromTOML` and an
    /// attribute of the result).
    Read {
        /// The function's name (`readFile`, `import`).
        func: String,
        /// The path, as written.
        path: String,
    },
}

impl Assignment {
    /// True when the path is exactly `pat` (`*` matches any one component).
    #[must_use]
    pub fn is(&self, pat: &[&str]) -> bool {
        path_matches(&self.path, pat)
    }
}

/// True when `path` is exactly `pat` (`*` matches any one component).
#[must_use]
pub fn path_matches(path: &[String], pat: &[&str]) -> bool {
    path.len() == pat.len() && path.iter().zip(pat).all(|(a, p)| *p == "*" || a == p)
}

/// An entry of `imports` (or of a system's `modules` list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleRef {
    /// A path literal, as written (`./hardware.nix`, `../common`, `/etc/nixos/x.nix`).
    Path(String, TextRange),
    /// A module written inline in this file (index into [`FileIndex::modules`]).
    Inline(usize),
    /// Something not followed: another flake's module, `<nixpkgs/...>`, a computed path.
    External(String, TextRange),
    /// A path with parts known only per host (`./hosts/${name}`, `../hosts + "/${host}"`): each
    /// unknown part is written `${…}`. In a system's modules, one configuration is made per
    /// file or directory that matches.
    Template(String, TextRange),
    /// Every module in a directory, listed by a function (`lib.filesystem.listFilesRecursive
    /// ./modules`, `import-tree ./modules`, `builtins.readDir ./services`).
    Dir(String, TextRange),
    /// A path written as a string, relative to the file or to the repository's root
    /// (`configLib.relativeToRoot "hosts/common/core"`, `map mylib.relativeToRoot [ ... ]`).
    Rooted(String, TextRange),
    /// One of this flake's own modules: `self.nixosModules.NAME`, `inputs.self...`,
    /// `outputs.nixosModules.NAME`, `config.flake.nixosModules.NAME`.
    Flake(String, TextRange),
    /// The entry NAME of the set of modules another file is (`profiles = import
    /// ../profiles;` then `with profiles; [ base ]` or `profiles.base`): the file's path as
    /// written, and NAME.
    Entry(String, String, TextRange),
}

/// One module of a file: the file itself, or a module written inline in a flake.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Module {
    /// Its `imports`.
    pub imports: Vec<ModuleRef>,
    /// It declares `options` (its settings then live under `config`).
    pub declares_options: bool,
    /// The option namespaces it declares, two names deep (`options.common.openssh = ...` is
    /// `common.openssh`).
    pub declared: Vec<[String; 2]>,
    /// The namespaces, two names deep, of the options it sets that are not NixOS's own
    /// (filled in after indexing, from every assignment).
    pub uses: Vec<[String; 2]>,
    /// It imports the NixOS hardened profile.
    pub hardened_profile: bool,
    /// False when the file's value is not a module at all (a package, a function call...).
    pub is_module: bool,
    /// The class it was declared for, when its place says so (flake-parts'
    /// `flake.modules.darwin.NAME`, `darwinModules.NAME`).
    pub class: Option<ModuleKind>,
    /// Its `disabledModules`: modules the configuration leaves out, wherever imported.
    pub disabled: Vec<ModuleRef>,
}

/// A call that builds a system: `nixosSystem { modules = [ ... ]; }`, `darwinSystem`, a helper
/// taking a `modules` list (`mkHost`, `mkSystem`), a colmena node or a clan machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemDecl {
    /// The attribute it is bound to (`nixosConfigurations.laptop`), or `nixosSystem@OFFSET`.
    pub name: String,
    /// NixOS or nix-darwin.
    pub kind: ModuleKind,
    /// Its modules.
    pub modules: Vec<ModuleRef>,
    /// Where the call is.
    pub range: TextRange,
    /// The modules list uses a parameter of an enclosing function (`mkHost = { modules }:
    /// nixosSystem { modules = modules ++ [ ./common ]; }`): a helper, whose own modules are
    /// shared by the hosts it builds.
    pub helper: bool,
    /// A file a host's settings are in by convention, relative to this file (clan's
    /// `./machines/<name>/configuration.nix`).
    pub convention: Option<String>,
    /// The function that builds it (`nixosSystem`, `mkHost`), `colmena` or `clan`.
    pub builder: String,
}

/// A `# nixsec: ignore ID[, ID...] -- reason` comment; an id may name one finding's subject,
/// `NIX-073[services.jellyfin]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The comment token.
    pub range: TextRange,
    /// Rule ids, upper case.
    pub ids: Vec<String>,
    /// The subject named with each id (`NIX-073[services.jellyfin]`), `None` for any subject;
    /// as long as `ids`.
    pub subjects: Vec<Option<String>>,
    /// The reason after `--`; `None` when missing (the suppression is then not honoured).
    pub reason: Option<String>,
}

/// Everything the linter needs from one file; the syntax tree is not kept.
#[derive(Debug, Clone, Default)]
pub struct FileIndex {
    /// Option assignments of every module in the file.
    pub assignments: Vec<Assignment>,
    /// Options this file declares with a default nixsec can read: path and default.
    pub option_defaults: Vec<(Vec<String>, Val)>,
    /// `modules[0]` is the file itself; flakes add their inline modules.
    pub modules: Vec<Module>,
    /// System-building calls.
    pub systems: Vec<SystemDecl>,
    /// Parser errors: where, and what.
    pub errors: Vec<(TextRange, String)>,
    /// Why the file was not parsed at all (nested too deep), if so.
    pub refused: Option<(TextRange, String)>,
    /// Suppression comments.
    pub suppressions: Vec<Suppression>,
    /// Builtin fetcher calls and flake input URLs.
    pub fetches: Vec<crate::fetches::Fetch>,
    /// Modules this file exports by name: `nixosModules.NAME = ...` (and `darwinModules`), or,
    /// for a file that is an attribute set of modules, its entries (`{ NAME = ./x.nix; }`).
    /// `"*"` with a path: every entry of that file (`nixosModules = import ./modules;`).
    pub exports: Vec<(String, ModuleRef)>,
    /// NixOS containers declared here (`containers.NAME.config = MODULE`): each name and the
    /// index of its module in [`FileIndex::modules`]. A container is a system of its own, with
    /// NixOS's defaults, not a part of the host's configuration.
    pub containers: Vec<(String, usize)>,
    /// Where the evaluation budget ([`MAX_EVAL_STEPS`]) ran out, if it did: values from there
    /// on are unknown.
    pub exhausted: Option<TextRange>,
    /// Values given by a function another file is ([`HelperCall`]).
    pub helper_calls: Vec<HelperCall>,
    /// Options set to the whole of another file's value ([`ValueImport`]).
    pub value_imports: Vec<ValueImport>,
    /// Conditions that are one option of the configuration (`mkIf cfg.enable` with `cfg =
    /// config.my.secureboot`): the condition as written, and the option path.
    pub condition_options: Vec<(String, Vec<String>)>,
    /// The words of [`crate::words`] the file's text holds.
    pub words: crate::words::Words,
}

/// A value given by calling a function another file is: `systemd.services.x = advertise "x"
/// [ ];` with `advertise = import ./_avahi.nix pkgs;`, or `(import ./serve.nix { inherit lib;
/// }) { port = 80; }`. The run walks the set that file's function returns
/// ([`FileIndex::returned`]) and places its settings at the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelperCall {
    /// The assignment of the call itself (index into [`FileIndex::assignments`], before they
    /// are pruned): its option path, place, condition and module.
    pub assignment: usize,
    /// The file, as written (relative to this one).
    pub file: String,
}

/// An option set to the value of another file: `networking = import ./network.nix;` (the file a
/// set of settings). The run indexes that file's settings under the option's path
/// ([`FileIndex::build_values`]), as a module this one imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueImport {
    /// The module (index into [`FileIndex::modules`]) that sets the option.
    pub module: usize,
    /// The option's path.
    pub prefix: Vec<String>,
    /// The conditions the option is set under, joined by ` && `.
    pub condition: Option<String>,
    /// The file, as written (relative to this one).
    pub file: String,
    /// Where it is written.
    pub range: TextRange,
}

impl FileIndex {
    /// Index `src`, a file whose value is a set of settings that other files give to options
    /// (`prefixes`, see [`ValueImport`]): its settings under each of those paths, as one
    /// module's. A file that is not a plain set (a function, a module) is indexed as
    /// [`FileIndex::build`] does.
    #[must_use]
    pub fn build_values(src: &str, prefixes: &[Vec<String>]) -> FileIndex {
        FileIndex::build_with(src, prefixes)
    }

    /// `src` is a plain set of settings (through `let` and `with`): not a function, not a
    /// module. See [`ValueImport`].
    #[must_use]
    pub fn is_value_file(src: &str) -> bool {
        if crate::guard::may_be_too_deep(src) && crate::guard::nesting(src).is_err() {
            return false;
        }
        let parse = rnix::Root::parse(src);
        parse.errors().is_empty() && parse.tree().expr().is_some_and(|e| value_set(&e, 0))
    }

    /// Parse `src` and index it.
    #[must_use]
    pub fn build(src: &str) -> FileIndex {
        FileIndex::build_with(src, &[])
    }

    /// [`FileIndex::build`], or [`FileIndex::build_values`] when `prefixes` are given.
    fn build_with(src: &str, prefixes: &[Vec<String>]) -> FileIndex {
        let words = crate::words::Words::of(src);
        let mut idx = FileIndex {
            modules: vec![Module::default()],
            words,
            ..FileIndex::default()
        };
        let nested = if crate::guard::may_be_too_deep(src) {
            crate::guard::nesting(src)
        } else {
            Ok(0)
        };
        if let Err(e) = nested {
            let at = rnix::TextSize::from(u32::try_from(e.offset).unwrap_or(u32::MAX));
            idx.refused = Some((
                TextRange::empty(at),
                format!(
                    "not linted: nested more than {} levels deep (lists, sets, parentheses, strings or operators)",
                    crate::guard::MAX_NESTING
                ),
            ));
            return idx;
        }
        let parse = rnix::Root::parse(src);
        for e in parse.errors() {
            idx.errors.push(describe_error(e, src));
        }
        let root = parse.tree();
        let mut w = Walker::new(words);
        w.out = idx;
        let values = root
            .expr()
            .filter(|e| !prefixes.is_empty() && w.out.errors.is_empty() && value_set(e, 0));
        if let Some(e) = values {
            // A set of settings given to options: its settings under each, one module's.
            for p in prefixes {
                w.prefix.clone_from(p);
                w.walk(&e, e.syntax().text_range());
            }
            w.prefix.clear();
            w.out.modules[0].is_module = true;
        } else if let Some(e) = root.expr() {
            let is_module = w.module_root(&e);
            w.out.modules[0].is_module = is_module;
            w.top_exports(&e);
            w.host_record(&e);
            w.nixops_network(&e, src);
        }
        w.scan(root.syntax());
        if w.words.has(crate::words::NIXSEC) {
            w.out.suppressions = suppressions(root.syntax());
        }
        let resolve = |e: &ast::Expr| -> Option<String> {
            let scope = ancestor_scope(e.syntax());
            w.eval(e, &scope, 0).v.as_str().map(str::to_string)
        };
        let fetches = crate::fetches::fetches(root.syntax(), w.words, &resolve);
        w.out.fetches = fetches;
        w.out.exhausted = w.budget.exhausted.get();
        w.out.option_defaults = std::mem::take(&mut w.option_defaults);
        w.out.words = w.words;
        w.out
    }

    /// The settings of the attribute set a file's function returns (`pkgs: name: { serviceConfig
    /// = …; }`, through `let`, `with` and `assert`), relative to where it is called; empty when
    /// the file is not a function returning a set. Its parameters are unknown.
    #[must_use]
    pub fn returned(src: &str) -> Vec<Assignment> {
        if crate::guard::may_be_too_deep(src) && crate::guard::nesting(src).is_err() {
            return Vec::new();
        }
        let parse = rnix::Root::parse(src);
        let Some(e) = parse.tree().expr() else {
            return Vec::new();
        };
        // A module (`{ config, ... }: { … }`, or a set of `imports`, `options` or `config`)
        // is imported, not called for a value.
        let ast::Expr::Lambda(l) = unparen(&e) else {
            return Vec::new();
        };
        if l.param()
            .is_some_and(|p| matches!(p, ast::Param::Pattern(p) if p.ellipsis_token().is_some()))
        {
            return Vec::new();
        }
        let mut w = Walker::new(crate::words::Words::of(src));
        if let Some(body) = w.enter_function(&e).filter(is_structural) {
            w.walk(&body, body.syntax().text_range());
        }
        let module = w.out.assignments.iter().any(|a| {
            a.path
                .first()
                .is_some_and(|p| matches!(p.as_str(), "imports" | "options" | "config"))
        });
        if module {
            return Vec::new();
        }
        w.out.assignments
    }

    /// Assignments whose path is exactly `pat`.
    pub fn find<'a>(&'a self, pat: &'a [&'a str]) -> impl Iterator<Item = &'a Assignment> + 'a {
        self.assignments.iter().filter(move |a| a.is(pat))
    }
}

fn describe_error(e: &rnix::ParseError, src: &str) -> (TextRange, String) {
    use rnix::ParseError as P;
    // Nix reports an early end of file after the last token, not after trailing whitespace.
    let eof = TextRange::empty(rnix::TextSize::of(src.trim_end()));
    let text = |r: TextRange| snippet(src.get(r.start().into()..r.end().into()).unwrap_or(""));
    match e {
        P::Unexpected(r) | P::UnexpectedExtra(r) => (*r, format!("unexpected `{}`", text(*r))),
        P::UnexpectedWanted(_, r, wanted) => (
            *r,
            format!("unexpected `{}`, expected {}", text(*r), kinds(wanted)),
        ),
        P::UnexpectedDoubleBind(r) => (*r, "a pattern is bound twice".to_string()),
        P::UnexpectedEOF => (eof, "unexpected end of file".to_string()),
        P::UnexpectedEOFWanted(wanted) => (
            eof,
            format!("unexpected end of file, expected {}", kinds(wanted)),
        ),
        P::DuplicatedArgs(r, name) => (*r, format!("argument `{name}` is duplicated")),
        P::RecursionLimitExceeded => (eof, "nesting too deep to parse".to_string()),
        #[allow(unreachable_patterns)]
        other => (eof, other.to_string()),
    }
}

fn kinds(k: &[SyntaxKind]) -> String {
    let names: Vec<String> = k
        .iter()
        .map(|k| {
            let s = format!("{k:?}");
            s.trim_start_matches("TOKEN_")
                .trim_start_matches("NODE_")
                .to_ascii_lowercase()
        })
        .collect();
    names.join(" or ")
}

/// A scope frame: where a name may be bound.
#[derive(Debug, Clone)]
enum Frame {
    /// A `let ... in` or a `rec { ... }`: its entries bind names.
    Binds(SyntaxNode),
    /// A function's parameters (module arguments): bound, value unknown.
    Params(ast::Lambda),
    /// `with E;`: a free name below may come from E.
    With,
    /// `with config.services.coturn;`: a free name below may be an option of that set (its
    /// text, `config.services.coturn`).
    WithConfig(String),
    /// `with config.flake.modules.nixos;` (or `self.nixosModules`, `...darwin`): a free name
    /// below is one of this flake's modules (true for nix-darwin's).
    WithFlakeModules(bool),
    /// `with profiles;` where `profiles = import ../profiles;`: a free name below is an entry
    /// of that file's set of modules (its path as written).
    WithFile(String),
    /// A function parameter bound to a known value while one call is followed
    /// (`map (n: ./hosts/${n}) [ "a" "b" ]`, `genAttrs [ "a" ] (n: ...)`).
    Bound(String, Val),
    /// A function parameter bound to one element of a list written in the file while `map`
    /// is evaluated: a use of it is the element, at the element's place (a finding about it
    /// points at the element, not at the function's body).
    Element(String, Val),
}

/// What a name refers to.
enum Found {
    /// A binding whose value is this expression, in the scope `..=index`.
    Expr(ast::Expr, usize),
    /// A value known for this name while a call is followed.
    Val(Val),
    /// An element of a list written in the file, with its place ([`Frame::Element`]).
    Placed(Val),
    /// Bound, but its value is not knowable here (a function parameter, `inherit (x) name`).
    Opaque,
    /// Not bound lexically; `with` may provide it.
    Free,
}

fn lookup(scope: &[Frame], name: &str) -> Found {
    // `inherit name;` in a frame looks the name up again in the frames outside it.
    let mut end = scope.len();
    'frames: while end > 0 {
        for i in (0..end).rev() {
            match &scope[i] {
                Frame::With
                | Frame::WithConfig(_)
                | Frame::WithFlakeModules(_)
                | Frame::WithFile(_) => {}
                Frame::Params(l) => {
                    if binds_param(l, name) {
                        return Found::Opaque;
                    }
                }
                Frame::Bound(n, v) => {
                    if n == name {
                        return Found::Val(v.clone());
                    }
                }
                Frame::Element(n, v) => {
                    if n == name {
                        return Found::Placed(v.clone());
                    }
                }
                Frame::Binds(node) => {
                    // The bindings are told apart on the green tree (no allocation); only the
                    // one that binds `name`, if any, is looked at as syntax.
                    let Some(k) = node
                        .green()
                        .children()
                        .filter_map(rowan::NodeOrToken::into_node)
                        .position(|g| green_binds(g, name))
                    else {
                        continue;
                    };
                    if let Some(child) = node.children().nth(k) {
                        if let Some(apv) = ast::AttrpathValue::cast(child.clone()) {
                            let Some(ap) = apv.attrpath() else { continue };
                            let mut attrs = ap.attrs();
                            let Some(first) = attrs.next() else { continue };
                            if attr_is(&first, name) {
                                if attrs.next().is_some() {
                                    return Found::Opaque;
                                }
                                return match apv.value() {
                                    Some(v) => Found::Expr(v, i),
                                    None => Found::Opaque,
                                };
                            }
                        } else if let Some(inh) = ast::Inherit::cast(child) {
                            if inh.attrs().any(|a| attr_is(&a, name)) {
                                if inh.from().is_some() {
                                    return Found::Opaque;
                                }
                                end = i;
                                continue 'frames;
                            }
                        }
                    }
                }
            }
        }
        break;
    }
    Found::Free
}

/// Raw kind of a syntax kind, to compare with a green node's.
pub(crate) fn raw(k: SyntaxKind) -> rowan::SyntaxKind {
    <rnix::NixLanguage as rowan::Language>::kind_to_raw(k)
}

/// The green child nodes of `g`.
fn green_nodes(g: &rowan::GreenNodeData) -> impl Iterator<Item = &rowan::GreenNodeData> {
    g.children().filter_map(rowan::NodeOrToken::into_node)
}

/// True when the green node `g` is an attribute (`ast::Attr`) that is the identifier `name`
/// (as [`attr_is`]).
fn green_attr_is(g: &rowan::GreenNodeData, name: &str) -> bool {
    g.kind() == raw(SyntaxKind::NODE_IDENT) && green_ident_is(g, name)
}

/// True when the first identifier token of the green node `g` is `name` (`ident_token()`).
fn green_ident_is(g: &rowan::GreenNodeData, name: &str) -> bool {
    g.children()
        .filter_map(rowan::NodeOrToken::into_token)
        .find(|t| t.kind() == raw(SyntaxKind::TOKEN_IDENT))
        .is_some_and(|t| t.text() == name)
}

/// True when an entry of a `let` or `rec` set binds `name` as [`lookup`] reads it: an
/// `AttrpathValue` whose first attribute is `name`, or an `inherit` naming it.
fn green_binds(g: &rowan::GreenNodeData, name: &str) -> bool {
    let is_attr = |k: rowan::SyntaxKind| {
        k == raw(SyntaxKind::NODE_IDENT)
            || k == raw(SyntaxKind::NODE_STRING)
            || k == raw(SyntaxKind::NODE_DYNAMIC)
    };
    if g.kind() == raw(SyntaxKind::NODE_ATTRPATH_VALUE) {
        green_nodes(g)
            .find(|c| c.kind() == raw(SyntaxKind::NODE_ATTRPATH))
            .and_then(|ap| green_nodes(ap).find(|c| is_attr(c.kind())))
            .is_some_and(|first| green_attr_is(first, name))
    } else if g.kind() == raw(SyntaxKind::NODE_INHERIT) {
        green_nodes(g)
            .filter(|c| is_attr(c.kind()))
            .any(|a| green_attr_is(a, name))
    } else {
        false
    }
}

/// True when the green node of a pattern or parameter binds `name` (as [`binds_param`]).
fn green_param_binds(l: &rowan::GreenNodeData, name: &str) -> bool {
    let Some(param) = green_nodes(l).find(|c| {
        c.kind() == raw(SyntaxKind::NODE_IDENT_PARAM) || c.kind() == raw(SyntaxKind::NODE_PATTERN)
    }) else {
        return false;
    };
    let ident_is = |g: &rowan::GreenNodeData| {
        green_nodes(g)
            .find(|c| c.kind() == raw(SyntaxKind::NODE_IDENT))
            .is_some_and(|i| green_ident_is(i, name))
    };
    if param.kind() == raw(SyntaxKind::NODE_IDENT_PARAM) {
        return ident_is(param);
    }
    green_nodes(param)
        .filter(|c| c.kind() == raw(SyntaxKind::NODE_PAT_ENTRY))
        .any(ident_is)
        || green_nodes(param)
            .find(|c| c.kind() == raw(SyntaxKind::NODE_PAT_BIND))
            .is_some_and(ident_is)
}

/// A green node being walked by [`Walker::scan`]: its children are visited in order, with
/// their offsets.
struct GreenFrame<'a> {
    node: &'a rowan::GreenNodeData,
    start: TextSize,
    children: rowan::Children<'a>,
    /// The offset of the next child.
    at: TextSize,
    /// How many child nodes were visited.
    nodes: usize,
}

impl<'a> GreenFrame<'a> {
    fn new(node: &'a rowan::GreenNodeData, start: TextSize) -> GreenFrame<'a> {
        GreenFrame {
            node,
            start,
            children: node.children(),
            at: start,
            nodes: 0,
        }
    }

    /// The next child node, its offset and its place among the child nodes.
    fn next_node(&mut self) -> Option<(&'a rowan::GreenNodeData, TextSize, usize)> {
        for c in self.children.by_ref() {
            let at = self.at;
            self.at += c.text_len();
            if let rowan::NodeOrToken::Node(n) = c {
                self.nodes += 1;
                return Some((n, at, self.nodes - 1));
            }
        }
        None
    }

    fn range(&self) -> TextRange {
        TextRange::at(self.start, self.node.text_len())
    }
}

/// Walk the green tree under `root` in preorder, without making syntax nodes: `visit` gets the
/// frames down to each node (the node last), its place among its parent's child nodes, and the
/// syntax nodes made so far along the way ([`materialize`] makes the node's own on demand).
fn green_walk(
    root: &SyntaxNode,
    mut visit: impl FnMut(&[GreenFrame<'_>], usize, &mut Vec<SyntaxNode>),
) {
    let mut frames: Vec<GreenFrame<'_>> = vec![GreenFrame::new(root.green(), 0.into())];
    let mut reds: Vec<SyntaxNode> = vec![root.clone()];
    while let Some(top) = frames.last_mut() {
        let Some((child, at, nth)) = top.next_node() else {
            frames.pop();
            reds.truncate(frames.len());
            continue;
        };
        frames.push(GreenFrame::new(child, at));
        visit(&frames, nth, &mut reds);
    }
}

/// The syntax node of the innermost frame, made from the nearest one already made (each
/// level found by its range: one allocation per level).
fn materialize(frames: &[GreenFrame<'_>], reds: &mut Vec<SyntaxNode>) -> Option<SyntaxNode> {
    while reds.len() < frames.len() {
        let f = &frames[reds.len()];
        let parent = reds.last()?;
        let child = parent
            .child_or_token_at_range(f.range())
            .and_then(rowan::NodeOrToken::into_node)
            .filter(|n| n.text_range() == f.range() && std::ptr::eq(n.green(), f.node))
            // An empty node shares its range with a neighbour: found by identity instead.
            .or_else(|| {
                parent
                    .children()
                    .find(|n| std::ptr::eq(n.green(), f.node) && n.text_range() == f.range())
            })?;
        reds.push(child);
    }
    reds.last().cloned()
}

/// The name an application's head is told by (as [`apply_head_token`] finds it), read on the
/// green tree: `Some(name)` when it is certain the head is that name or that there is none
/// (`Some("")`), `None` when only the syntax tree can tell.
fn green_head_text(apply: &rowan::GreenNodeData) -> Option<&str> {
    fn first(g: &rowan::GreenNodeData) -> Option<&rowan::GreenNodeData> {
        green_nodes(g).next()
    }
    let mut cur = first(apply)?;
    for _ in 0..MAX_DEPTH {
        let k = cur.kind();
        if k == raw(SyntaxKind::NODE_APPLY) {
            cur = first(cur)?;
        } else if k == raw(SyntaxKind::NODE_PAREN) {
            let inner = first(cur)?;
            if inner.kind() == raw(SyntaxKind::NODE_APPLY) {
                cur = inner;
            } else {
                return green_head_token(cur);
            }
        } else {
            return green_head_token(cur);
        }
    }
    None
}

/// [`head_token`] on the green tree (as [`green_head_text`]).
fn green_head_token(e: &rowan::GreenNodeData) -> Option<&str> {
    let mut cur = e;
    for _ in 0..MAX_DEPTH {
        if cur.kind() != raw(SyntaxKind::NODE_PAREN) {
            break;
        }
        cur = green_nodes(cur).next()?;
    }
    let k = cur.kind();
    if k == raw(SyntaxKind::NODE_IDENT) {
        // An identifier without an identifier token (`or` used as a name) has no head.
        return Some(green_ident(cur).unwrap_or(""));
    }
    if k == raw(SyntaxKind::NODE_SELECT) {
        let nodes: Vec<&rowan::GreenNodeData> = green_nodes(cur).take(3).collect();
        return match nodes.as_slice() {
            [_, ap] if ap.kind() == raw(SyntaxKind::NODE_ATTRPATH) => {
                let last = green_nodes(ap).last()?;
                if last.kind() == raw(SyntaxKind::NODE_IDENT) {
                    Some(green_ident(last).unwrap_or(""))
                } else {
                    Some("")
                }
            }
            // `a.b or c`: no head.
            [_, ap, _] if ap.kind() == raw(SyntaxKind::NODE_ATTRPATH) => Some(""),
            _ => None,
        };
    }
    let none = [
        SyntaxKind::NODE_LAMBDA,
        SyntaxKind::NODE_ATTR_SET,
        SyntaxKind::NODE_LIST,
        SyntaxKind::NODE_STRING,
        SyntaxKind::NODE_LITERAL,
        SyntaxKind::NODE_PATH_ABS,
        SyntaxKind::NODE_PATH_REL,
        SyntaxKind::NODE_PATH_HOME,
        SyntaxKind::NODE_PATH_SEARCH,
        SyntaxKind::NODE_LET_IN,
        SyntaxKind::NODE_WITH,
        SyntaxKind::NODE_IF_ELSE,
        SyntaxKind::NODE_BIN_OP,
        SyntaxKind::NODE_UNARY_OP,
        SyntaxKind::NODE_HAS_ATTR,
        SyntaxKind::NODE_ASSERT,
    ];
    none.iter().any(|n| raw(*n) == k).then_some("")
}

/// Whether [`Walker::attr_scan`] may do anything with the binding of the innermost frame,
/// told on the green tree (a superset: the syntax tree decides).
fn green_attr_scan_candidate(frames: &[GreenFrame<'_>], exports: bool, hives: bool) -> bool {
    let Some(apv) = frames.last() else {
        return false;
    };
    let mut nodes = green_nodes(apv.node);
    let Some(ap) = nodes.next() else {
        return false;
    };
    if ap.kind() != raw(SyntaxKind::NODE_ATTRPATH) {
        return true;
    }
    if hives
        && nodes
            .next()
            .is_some_and(|v| v.kind() == raw(SyntaxKind::NODE_APPLY))
    {
        return true;
    }
    let ident = |g: &rowan::GreenNodeData, names: &[&str]| {
        g.kind() == raw(SyntaxKind::NODE_IDENT)
            && green_ident(g).is_some_and(|n| names.contains(&n))
    };
    let (mut prev, mut last) = (None, None);
    for a in green_nodes(ap) {
        prev = last.take();
        last = Some(a);
    }
    if last.is_some_and(|l| ident(l, &["colmena", "nodes", "machines"]))
        || prev.is_some_and(|p| ident(p, &["machines"]))
    {
        return true;
    }
    if !exports {
        return false;
    }
    // A den aspect's `nixos = MODULE` in a set a function returns
    // ([`Walker::den_aspect_result`]).
    if prev.is_none() && last.is_some_and(|l| ident(l, &["nixos", "darwin"])) {
        return true;
    }
    // As [`may_name_an_export`]: this path or an enclosing binding's names an export word, or
    // has a name that is not an identifier.
    // (A flake output of modules of another name, `wslModules`, too.)
    let may = |ap: &rowan::GreenNodeData| {
        green_nodes(ap).any(|a| {
            a.kind() != raw(SyntaxKind::NODE_IDENT)
                || green_ident(a)
                    .is_some_and(|n| EXPORT_WORDS.contains(&n) || n.ends_with("Modules"))
        })
    };
    if may(ap) {
        return true;
    }
    let mut i = frames.len() - 1;
    for _ in 0..MAX_DEPTH {
        if i < 2 || frames[i - 1].node.kind() != raw(SyntaxKind::NODE_ATTR_SET) {
            break;
        }
        // The set may be the body of a `let` or in parentheses (as [`enclosing_names`]).
        // Or an element of `mkMerge [ … ]` (as [`binding_of_set`]).
        let mut j = i - 2;
        while j > 0
            && (frames[j].node.kind() == raw(SyntaxKind::NODE_PAREN)
                || frames[j].node.kind() == raw(SyntaxKind::NODE_LET_IN)
                || (frames[j].node.kind() == raw(SyntaxKind::NODE_LIST)
                    && frames[j - 1].node.kind() == raw(SyntaxKind::NODE_APPLY)
                    && green_head_text(frames[j - 1].node).is_none_or(|t| t == "mkMerge"))
                || (frames[j].node.kind() == raw(SyntaxKind::NODE_APPLY)
                    && frames[j + 1].node.kind() == raw(SyntaxKind::NODE_LIST)))
        {
            j -= 1;
        }
        if frames[j].node.kind() != raw(SyntaxKind::NODE_ATTRPATH_VALUE) {
            break;
        }
        let Some(outer) = green_nodes(frames[j].node).next() else {
            break;
        };
        if outer.kind() != raw(SyntaxKind::NODE_ATTRPATH) {
            break;
        }
        if may(outer) {
            return true;
        }
        i = j;
    }
    false
}

fn binds_param(l: &ast::Lambda, name: &str) -> bool {
    green_param_binds(l.syntax().green(), name)
}

#[cfg(test)]
fn binds_param_ast(l: &ast::Lambda, name: &str) -> bool {
    match l.param() {
        Some(ast::Param::IdentParam(p)) => p
            .ident()
            .and_then(|i| i.ident_token())
            .is_some_and(|t| t.text() == name),
        Some(ast::Param::Pattern(p)) => {
            p.pat_entries().any(|e| {
                e.ident()
                    .and_then(|i| i.ident_token())
                    .is_some_and(|t| t.text() == name)
            }) || p
                .pat_bind()
                .and_then(|b| b.ident())
                .and_then(|i| i.ident_token())
                .is_some_and(|t| t.text() == name)
        }
        None => false,
    }
}

/// Top-level names of a flake's outputs and of a flake-parts module: their functions are not
/// NixOS modules.
const NOT_MODULE_NAMES: &[&str] = &[
    "perSystem",
    "flake",
    "imports",
    "options",
    "config",
    "systems",
    "packages",
    "legacyPackages",
    "devShells",
    "devShell",
    "checks",
    "apps",
    "overlays",
    "overlay",
    "formatter",
    "lib",
    "templates",
    "hydraJobs",
    "nixosConfigurations",
    "darwinConfigurations",
    "homeConfigurations",
    "homeManagerModules",
    "homeModules",
    "outputs",
];

/// A NixOS module written as a function of the module arguments: `{ config, pkgs, ... }: ...`
/// (a pattern naming `config`, `pkgs`, `lib` or `modulesPath`).
fn is_module_function(e: &ast::Expr) -> bool {
    let ast::Expr::Lambda(l) = unparen(e) else {
        return false;
    };
    matches!(l.param(), Some(ast::Param::Pattern(_)))
        && ["config", "pkgs", "lib", "modulesPath"]
            .iter()
            .any(|n| binds_param(&l, n))
}

/// A function of a set pattern (`{ hostConfig, ... }: { … }`): under a name for NixOS
/// (`….sys.user.nixos = …`, a repository's own feature tree), a module whatever it is given.
fn pattern_function(e: &ast::Expr) -> bool {
    matches!(unparen(e), ast::Expr::Lambda(l) if matches!(l.param(), Some(ast::Param::Pattern(_))))
}

/// The name and the value of `{ name = N; value = V; }` or `nameValuePair N V`.
fn name_value(e: &ast::Expr) -> Option<(ast::Expr, ast::Expr)> {
    match unparen(e) {
        ast::Expr::AttrSet(set) => {
            let mut name = None;
            let mut value = None;
            for apv in set.attrpath_values() {
                let ap = apv.attrpath()?;
                let mut attrs = ap.attrs();
                let first = attr_ident(&attrs.next()?)?;
                if attrs.next().is_some() {
                    return None;
                }
                match first.as_str() {
                    "name" => name = apv.value(),
                    "value" => value = apv.value(),
                    _ => return None,
                }
            }
            Some((name?, value?))
        }
        ast::Expr::Apply(a) => match unroll(&a) {
            Some((n, mut args)) if n == "nameValuePair" && args.len() == 2 => {
                let v = args.pop()?;
                let n = args.pop()?;
                Some((n, v))
            }
            _ => None,
        },
        _ => None,
    }
}

/// The body of a module function sets options of NixOS itself (and not home-manager's
/// `home.*`): `boot`, `networking`, `services`, `systemd`, `users`, ...
fn sets_nixos_options(e: &ast::Expr) -> bool {
    let mut cur = under_functions_and_lets(e);
    for _ in 0..MAX_DEPTH {
        let Some(ast::Expr::With(w)) = &cur else {
            break;
        };
        cur = w.body().and_then(|b| under_functions_and_lets(&b));
    }
    let Some(cur) = cur else { return false };
    let ast::Expr::AttrSet(set) = cur else {
        return false;
    };
    let firsts: Vec<String> = set
        .attrpath_values()
        .filter_map(|apv| apv.attrpath()?.attrs().next().and_then(|a| attr_ident(&a)))
        .collect();
    !firsts.iter().any(|f| f == "home")
        && firsts.iter().any(|f| {
            matches!(
                f.as_str(),
                "boot"
                    | "networking"
                    | "services"
                    | "systemd"
                    | "users"
                    | "security"
                    | "nix"
                    | "virtualisation"
                    | "hardware"
                    | "fileSystems"
                    | "containers"
                    | "environment"
            )
        })
}

/// The name of a lambda's single parameter (`n` of `n: ...`).
fn ident_param(l: &ast::Lambda) -> Option<String> {
    match l.param()? {
        ast::Param::IdentParam(p) => p.ident().and_then(|i| ident_text(&i)),
        ast::Param::Pattern(_) => None,
    }
}

/// True when `a` is the plain identifier `name` (no allocation).
fn attr_is(a: &ast::Attr, name: &str) -> bool {
    match a {
        ast::Attr::Ident(i) => i.ident_token().is_some_and(|t| t.text() == name),
        _ => false,
    }
}

/// The name of a plain identifier attribute.
fn attr_ident(a: &ast::Attr) -> Option<String> {
    match a {
        ast::Attr::Ident(i) => ident_text(i),
        _ => None,
    }
}

/// An attribute name written as a name or as a string without interpolation (`"my-host"`).
fn attr_literal(a: &ast::Attr) -> Option<String> {
    match a {
        ast::Attr::Ident(i) => ident_text(i),
        ast::Attr::Str(st) => {
            let mut t = String::new();
            for p in crate::value::str_parts(st)? {
                match p {
                    ast::InterpolPart::Literal(l) => t.push_str(&l),
                    ast::InterpolPart::Interpolation(_) => return None,
                }
            }
            Some(t)
        }
        ast::Attr::Dynamic(_) => None,
    }
}

fn ident_text(i: &ast::Ident) -> Option<String> {
    green_ident(i.syntax().green()).map(str::to_string)
}

/// An identifier node's name, read on the green tree (no syntax token is made for it).
fn green_ident(g: &rowan::GreenNodeData) -> Option<&str> {
    g.children()
        .filter_map(rowan::NodeOrToken::into_token)
        .find(|t| t.kind() == raw(SyntaxKind::TOKEN_IDENT))
        .map(|t| t.text())
}

/// A relative path literal as `./`-relative: `server/server.nix` is Nix's `./server/server.nix`
/// (a path literal needs a slash, not a leading `./`).
fn dot_relative(text: String) -> String {
    if text.starts_with("./") || text.starts_with("../") {
        text
    } else {
        format!("./{text}")
    }
}

/// A module named by a value known while a call is followed: a path, or a string naming a
/// file of the repository.
fn value_ref(v: Value, range: TextRange) -> Option<ModuleRef> {
    match v {
        Value::Path(p) => Some(ModuleRef::Path(p, range)),
        Value::Str(s) if looks_relative(&s) => Some(ModuleRef::Rooted(s, range)),
        _ => None,
    }
}

/// The parent of `node`, past any parentheses around it.
fn parent_past_parens(node: &SyntaxNode) -> Option<SyntaxNode> {
    node.ancestors()
        .skip(1)
        .find(|n| n.kind() != SyntaxKind::NODE_PAREN)
}

/// `e` without the parentheses around it.
fn unparen(e: &ast::Expr) -> ast::Expr {
    let mut cur = e.clone();
    for _ in 0..MAX_DEPTH {
        match &cur {
            ast::Expr::Paren(p) => match p.expr() {
                Some(x) => cur = x,
                None => break,
            },
            _ => break,
        }
    }
    cur
}

/// The last name of a function head: `mkForce`, `lib.mkForce`, `lib.modules.mkForce`.
pub(crate) fn head_name(e: &ast::Expr) -> Option<String> {
    match unparen(e) {
        ast::Expr::Ident(i) => ident_text(&i),
        ast::Expr::Select(s) => {
            if s.default_expr().is_some() {
                return None;
            }
            s.attrpath()?.attrs().last().and_then(|a| attr_ident(&a))
        }
        _ => None,
    }
}

/// An application unrolled as [`unroll`] does, with `flip f a b` read as `f b a`.
fn unroll_flipped(a: &ast::Apply) -> Option<(String, Vec<ast::Expr>)> {
    let (name, mut args) = unroll(a)?;
    if name != "flip" || args.len() < 3 {
        return Some((name, args));
    }
    let f = head_name(&args[0])?;
    args.remove(0);
    args.swap(0, 1);
    Some((f, args))
}

/// The name of a module reference for every module of this flake but some
/// (`FLAKE_ALL_BUT` then the names, joined by commas).
pub(crate) const FLAKE_ALL_BUT: &str = "*but:";

/// A node's text without whitespace and parentheses (`( inputs.self )` is `inputs.self`).
fn compact_text(node: &SyntaxNode) -> String {
    node.text()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
        .collect()
}

/// The whole set of this flake's modules: `self.nixosModules`, `outputs.darwinModules`,
/// `inputs.self.modules.nixos`, `config.flake.modules.nixos`.
fn whole_module_set(x: &ast::Expr) -> bool {
    if !matches!(unparen(x), ast::Expr::Select(_)) {
        return false;
    }
    let text = compact_text(x.syntax());
    ["self.", "outputs.", "inputs.self.", "config.flake."]
        .iter()
        .any(|b| {
            text.strip_prefix(b).is_some_and(|m| {
                m == "nixosModules"
                    || m == "darwinModules"
                    || m == "modules.nixos"
                    || m == "flake.modules.nixos"
            })
        })
}

/// An application unrolled: the head's last name and the arguments in order.
pub(crate) fn unroll(a: &ast::Apply) -> Option<(String, Vec<ast::Expr>)> {
    let (head, args) = unroll_head(a)?;
    Some((head_name(&head)?, args))
}

/// Functions that make a set of entries from a function's results (`concatMapAttrs`,
/// `listToAttrs`, `foldl'`, `mapAttrs'`, `genAttrs`): a `let`-bound function of a file whose
/// body calls one, given a function, makes entries of what that returns.
const ENTRY_MAKERS: &[&str] = &[
    "concatMapAttrs",
    "listToAttrs",
    "foldl",
    "mapAttrs'",
    "genAttrs",
];

/// A function named like a module wrapper a repository hands its modules (`mkNixosModule`,
/// `mkModule`): not nix-darwin's or home-manager's.
fn module_wrapper(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l.starts_with("mk") && l.ends_with("module") && !l.contains("darwin") && !l.contains("home")
}

/// `delib.module` or `delib.host` (denix): a module of the framework.
fn denix_call(sel: &ast::Select) -> bool {
    let (Some(ast::Expr::Ident(base)), Some(ap)) =
        (sel.expr().map(|e| unparen(&e)), sel.attrpath())
    else {
        return false;
    };
    let attrs: Vec<String> = ap.attrs().filter_map(|a| attr_ident(&a)).collect();
    ident_text(&base).is_some_and(|b| b == "delib")
        && matches!(attrs.as_slice(), [m] if m == "module" || m == "host")
}

/// A set whose every key starts with the name of a module class (`shared`, `nixos`,
/// `darwin`, ...), and some with a NixOS one.
fn class_sections(set: &ast::AttrSet) -> bool {
    let mut nixos = false;
    for apv in set.attrpath_values() {
        let Some(first) = apv.attrpath().and_then(|p| p.attrs().next()) else {
            return false;
        };
        let ast::Attr::Ident(i) = first else {
            return false;
        };
        match ident_text(&i).as_deref() {
            Some("shared" | "common" | "nixos") => nixos = true,
            Some("darwin" | "home" | "homeManager" | "generic") => {}
            _ => return false,
        }
    }
    nixos
}

/// An application unrolled: the head expression and the arguments in order.
fn unroll_head(a: &ast::Apply) -> Option<(ast::Expr, Vec<ast::Expr>)> {
    let mut args = Vec::new();
    let mut cur = ast::Expr::Apply(a.clone());
    loop {
        match cur {
            ast::Expr::Apply(ap) => {
                args.push(ap.argument()?);
                cur = ap.lambda()?;
            }
            ast::Expr::Paren(p) => match p.expr()? {
                x @ ast::Expr::Apply(_) => cur = x,
                other => {
                    args.reverse();
                    return Some((other, args));
                }
            },
            other => {
                args.reverse();
                return Some((other, args));
            }
        }
    }
}

/// The identifier token naming the function an application calls (as [`unroll_head`] finds
/// the head, without collecting the arguments).
fn apply_head_token(a: &ast::Apply) -> Option<rnix::SyntaxToken> {
    let mut cur = a.lambda()?;
    loop {
        match cur {
            ast::Expr::Apply(ap) => cur = ap.lambda()?,
            ast::Expr::Paren(ref p) => match p.expr()? {
                x @ ast::Expr::Apply(_) => cur = x,
                _ => return head_token(&cur),
            },
            other => return head_token(&other),
        }
    }
}

/// What a module-system function does to its argument.
enum Wrap {
    /// Sets a priority (`mkForce`, `mkDefault`, `mkOverride N`), or just orders (`mkBefore`,
    /// `mkAfter`, `mkOrder N`: true).
    Prio(Option<i32>, ast::Expr, bool),
    /// `mkIf c x`, `optionalAttrs c x`.
    If(ast::Expr, ast::Expr),
    /// `mkMerge [ ... ]`.
    Merge(ast::Expr),
    /// `import ./x.nix`.
    Import(ast::Expr),
    /// `lib.recursiveUpdate a b`: both, deeply.
    Both(ast::Expr, ast::Expr),
}

/// The identifier token naming a function head (`mkForce`, the `mkForce` of `lib.mkForce`).
fn head_token(e: &ast::Expr) -> Option<rnix::SyntaxToken> {
    match unparen(e) {
        ast::Expr::Ident(i) => i.ident_token(),
        ast::Expr::Select(s) if s.default_expr().is_none() => match s.attrpath()?.attrs().last()? {
            ast::Attr::Ident(i) => i.ident_token(),
            _ => None,
        },
        _ => None,
    }
}

/// Module-system functions the index sees through.
const WRAPPERS: &[&str] = &[
    "mkForce",
    "mkDefault",
    "mkImageMediaOverride",
    "mkVMOverride",
    "mkOptionDefault",
    "mkOverride",
    "mkBefore",
    "mkAfter",
    "mkOrder",
    "mkIf",
    "optionalAttrs",
    "mkMerge",
    "import",
    "recursiveUpdate",
];

fn wrapper(a: &ast::Apply) -> Option<Wrap> {
    // Most applications are ordinary calls: look at the head before collecting arguments
    // (through parentheses: `((mkIf c) { … })`).
    let head = apply_head_token(a)?;
    if !WRAPPERS.contains(&head.text()) {
        return None;
    }
    let (name, mut args) = unroll(a)?;
    let n = args.len();
    Some(match (name.as_str(), n) {
        ("mkForce", 1) => Wrap::Prio(Some(priority::FORCE), args.pop()?, false),
        ("mkDefault", 1) => Wrap::Prio(Some(priority::DEFAULT), args.pop()?, false),
        ("mkImageMediaOverride", 1) => Wrap::Prio(Some(60), args.pop()?, false),
        ("mkVMOverride", 1) => Wrap::Prio(Some(10), args.pop()?, false),
        ("mkOptionDefault", 1) => Wrap::Prio(Some(1500), args.pop()?, false),
        ("mkOverride", 2) => {
            let v = args.pop()?;
            let p = match args.pop()? {
                ast::Expr::Literal(l) => int_literal(&l),
                _ => None,
            };
            Wrap::Prio(p, v, false)
        }
        ("mkBefore" | "mkAfter", 1) => Wrap::Prio(None, args.pop()?, true),
        ("mkOrder", 2) => Wrap::Prio(None, args.pop()?, true),
        ("mkIf" | "optionalAttrs", 2) => {
            let v = args.pop()?;
            Wrap::If(args.pop()?, v)
        }
        ("mkMerge", 1) => Wrap::Merge(args.pop()?),
        ("import", 1) => Wrap::Import(args.pop()?),
        ("recursiveUpdate", 2) => {
            let b = args.pop()?;
            Wrap::Both(args.pop()?, b)
        }
        _ => return None,
    })
}

fn int_literal(l: &ast::Literal) -> Option<i32> {
    let t = l.syntax().first_token()?;
    if t.kind() == SyntaxKind::TOKEN_INTEGER {
        t.text().parse().ok()
    } else {
        None
    }
}

/// `lib.getAttr KEY { ... }` or `{ ... }.${KEY}` of a set written in place: the key and the
/// set.
fn keyed_choice(x: &ast::Expr) -> Option<(ast::Expr, ast::AttrSet)> {
    match unparen(x) {
        ast::Expr::Apply(a) => {
            let (name, args) = unroll(&a)?;
            match (name.as_str(), args.as_slice()) {
                ("getAttr", [k, set]) => match unparen(set) {
                    ast::Expr::AttrSet(s) if s.rec_token().is_none() => Some((k.clone(), s)),
                    _ => None,
                },
                _ => None,
            }
        }
        ast::Expr::Select(sel) if sel.default_expr().is_none() => {
            let ast::Expr::AttrSet(s) = unparen(&sel.expr()?) else {
                return None;
            };
            let attrs: Vec<ast::Attr> = sel.attrpath()?.attrs().collect();
            match attrs.as_slice() {
                [ast::Attr::Dynamic(d)] if s.rec_token().is_none() => Some((d.expr()?, s)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn cond_text(e: &ast::Expr) -> String {
    node_snippet(e.syntax())
}

/// [`snippet`] of a node's source text, reading only as many tokens as the snippet needs
/// (an unknown value may be a large expression).
fn node_snippet(n: &SyntaxNode) -> String {
    // The tokens in order, read on the green tree (no syntax node is made for them).
    let mut text = String::new();
    let mut stack = vec![n.green().children()];
    'tokens: while let Some(children) = stack.last_mut() {
        match children.next() {
            Some(rowan::NodeOrToken::Node(g)) => stack.push(g.children()),
            Some(rowan::NodeOrToken::Token(t)) => {
                text.push_str(t.text());
                if text.len() > 256 {
                    break 'tokens;
                }
            }
            None => {
                stack.pop();
            }
        }
    }
    snippet(&text)
}

/// Functions that return the elements of the list they are given, all of them.
const KEEP_ALL: &[&str] = &[
    "flatten",
    "unique",
    "concatLists",
    "toList",
    "sort",
    "naturalSort",
    "reverseList",
    "mkBefore",
    "mkAfter",
];

/// Functions whose result is not the elements of the list they are given (so a literal list
/// among their arguments says nothing about the result).
const TRANSFORM: &[&str] = &[
    "map",
    "imap0",
    "imap1",
    "concatMap",
    "mapAttrsToList",
    "genList",
    "length",
    "elem",
    "head",
    "last",
    "elemAt",
    "toString",
    "concatStrings",
    "concatStringsSep",
    "concatMapStrings",
    "concatMapStringsSep",
    "attrNames",
    "attrValues",
    "listToAttrs",
    "genAttrs",
    "foldl",
    "foldl'",
    "foldr",
    "any",
    "all",
    "count",
    "optional",
    "optionals",
    "zipLists",
    "zipListsWith",
    "range",
    "replicate",
    "splitString",
    "readFile",
    "fetchTarball",
    "fetchGit",
    "fetchurl",
    "mkOption",
    "mkEnableOption",
    "mkPackageOption",
    "writeText",
    "writeShellScript",
    "writeShellScriptBin",
    "callPackage",
    "nixosSystem",
    "darwinSystem",
];

struct Walker {
    out: FileIndex,
    prefix: Vec<String>,
    /// The bindings being walked in the current module (`services.openssh = {`, then
    /// `enable = true;`): where each attribute path starts, and the prefix's length after it.
    starts: Vec<(TextSize, usize)>,
    conds: Vec<String>,
    scope: Vec<Frame>,
    prio: i32,
    /// Inside `mkBefore`/`mkAfter`/`mkOrder`: the value is merged into another definition's.
    ordered: bool,
    module: usize,
    depth: u32,
    budget: Budget,
    /// The modules this file exports by name, written in place (`flake.modules.nixos.NAME`,
    /// `nixosModules.NAME`): name and index into [`FileIndex::modules`], one module per name
    /// however many definitions add to it.
    exported: Vec<(String, usize)>,
    /// Options this file declares with a default nixsec can read (`options.a.b = mkOption {
    /// default = true; }`, `mkEnableOption`): the option's path and the default.
    option_defaults: Vec<(Vec<String>, Val)>,
    /// The words of [`crate::words`] the file's text holds.
    words: crate::words::Words,
}

impl Walker {
    fn new(words: crate::words::Words) -> Walker {
        Walker {
            out: FileIndex {
                modules: vec![Module::default()],
                ..FileIndex::default()
            },
            prefix: Vec::new(),
            starts: Vec::new(),
            conds: Vec::new(),
            scope: Vec::new(),
            prio: priority::NORMAL,
            ordered: false,
            module: 0,
            depth: 0,
            budget: Budget::default(),
            exported: Vec::new(),
            option_defaults: Vec::new(),
            words,
        }
    }
}

/// The evaluation steps left to one file's index (shared by the walkers of that file), and
/// where they ran out.
#[derive(Clone)]
struct Budget {
    left: std::rc::Rc<std::cell::Cell<u32>>,
    exhausted: std::rc::Rc<std::cell::Cell<Option<TextRange>>>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            left: std::rc::Rc::new(std::cell::Cell::new(MAX_EVAL_STEPS)),
            exhausted: std::rc::Rc::default(),
        }
    }
}

impl Budget {
    /// Take one step; false (and the place recorded, the first time) when none are left.
    fn step(&self, at: TextRange) -> bool {
        self.charge(1, at)
    }

    /// Take `n` steps at once (building a list or string of `n` items or 64-byte blocks
    /// costs as many): false (and the place recorded, the first time) when they are not left.
    fn charge(&self, n: usize, at: TextRange) -> bool {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        let left = self.left.get();
        if n > left || left == 0 {
            self.left.set(0);
            if self.exhausted.get().is_none() {
                self.exhausted.set(Some(at));
            }
            return false;
        }
        self.left.set(left - n);
        true
    }
}

/// A condition's value when it is written as a literal (`true`, `false`, a name bound to one).
enum Cond {
    Always,
    Never,
    Written(String),
}

impl Walker {
    /// What a `mkIf`/`if` condition is: always true, never true, or as written.
    fn cond(&mut self, c: &ast::Expr) -> Cond {
        match self.eval(c, &self.scope, self.depth + 1).v {
            Value::Bool(true) => Cond::Always,
            Value::Bool(false) => Cond::Never,
            _ => {
                let text = cond_text(c);
                // At most 256 per file (each is looked up by its text).
                let room = self.out.condition_options.len() < 256;
                if let Some(p) = room
                    .then(|| self.config_path(c, &self.scope, 0))
                    .flatten()
                    .filter(|p| p.len() >= 2)
                {
                    if !self.out.condition_options.iter().any(|(t, _)| *t == text) {
                        self.out.condition_options.push((text.clone(), p));
                    }
                }
                // The options a conjunction is made of (`cfg.enable && cfg.bootstrap`, `!cfg.x`),
                // each by its own text: the run may know one of them off on a host.
                let mut stack = vec![c.clone()];
                let mut seen = 0;
                while let Some(x) = stack.pop() {
                    seen += 1;
                    if seen > 32 || self.out.condition_options.len() >= 256 {
                        break;
                    }
                    match unparen(&x) {
                        ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::And) => {
                            stack.extend(b.rhs());
                            stack.extend(b.lhs());
                        }
                        ast::Expr::UnaryOp(u) if u.operator() == Some(UnaryOpKind::Invert) => {
                            stack.extend(u.expr());
                        }
                        y => {
                            let t = cond_text(&y);
                            if let Some(p) = self
                                .config_path(&y, &self.scope, 0)
                                .filter(|p| p.len() >= 2)
                            {
                                if !self.out.condition_options.iter().any(|(o, _)| *o == t) {
                                    self.out.condition_options.push((t, p));
                                }
                            }
                        }
                    }
                }
                Cond::Written(text)
            }
        }
    }

    /// Run `f` with the scope of a name's binding (frames `..=idx`), then restore the scope.
    fn in_scope<R>(&mut self, idx: usize, f: impl FnOnce(&mut Walker) -> R) -> R {
        let inner: Vec<Frame> = self.scope[..=idx].to_vec();
        let saved = std::mem::replace(&mut self.scope, inner);
        let r = f(self);
        self.scope = saved;
        r
    }

    /// Walk a module: strip the function, `let`, `with`; index its body. Returns whether the
    /// expression is a module at all.
    fn module_root(&mut self, e: &ast::Expr) -> bool {
        let mark = self.scope.len();
        let res = self.module_body(e);
        self.scope.truncate(mark);
        res
    }

    /// A module's body: an attribute set, possibly under `mkIf`, `optionalAttrs`, `if`,
    /// `mkMerge`, `//`, priority wrappers, `let`, `with` or a function of the module arguments.
    fn module_body(&mut self, e: &ast::Expr) -> bool {
        if self.depth > MAX_DEPTH || !self.budget.step(e.syntax().text_range()) {
            return false;
        }
        self.depth += 1;
        let mark = self.scope.len();
        let res = match e {
            ast::Expr::Paren(p) => p.expr().is_some_and(|x| self.module_body(&x)),
            ast::Expr::Lambda(l) => match l.body() {
                Some(body) => {
                    self.scope.push(Frame::Params(l.clone()));
                    self.module_body(&body)
                }
                None => false,
            },
            ast::Expr::LetIn(l) => match l.body() {
                Some(body) => {
                    self.scope.push(Frame::Binds(l.syntax().clone()));
                    self.module_body(&body)
                }
                None => false,
            },
            ast::Expr::With(w) => match w.body() {
                Some(body) => {
                    self.scope.push(with_frame(w));
                    self.module_body(&body)
                }
                None => false,
            },
            ast::Expr::AttrSet(set) => {
                self.module_attrs(set);
                true
            }
            // A file that is a list of module paths (`modules/default.nix` of `modules = [ … ]
            // ++ import ./modules;`): what it lists is imported where it is.
            ast::Expr::List(l)
                if l.items().next().is_some()
                    && l.items()
                        .all(|i| matches!(unparen(&i), ast::Expr::PathRel(_))) =>
            {
                self.imports(e);
                true
            }
            ast::Expr::Apply(a) => match wrapper(a) {
                Some(Wrap::If(c, x)) => match self.cond(&c) {
                    Cond::Never => true,
                    Cond::Always => self.module_body(&x),
                    Cond::Written(c) => self.under(Some(c), |w| w.module_body(&x)),
                },
                Some(Wrap::Prio(p, x, ordered)) => {
                    let saved = (self.prio, self.ordered);
                    if let Some(p) = p {
                        self.prio = p;
                    }
                    self.ordered |= ordered;
                    let r = self.module_body(&x);
                    (self.prio, self.ordered) = saved;
                    r
                }
                Some(Wrap::Merge(list)) => {
                    let mut any = false;
                    let mut body = |w: &mut Walker, x: &ast::Expr| any |= w.module_body(x);
                    if !self.each_item(&list, &mut body) {
                        body(self, &list);
                    }
                    any
                }
                Some(Wrap::Both(a, b)) => {
                    let l = self.module_body(&a);
                    self.module_body(&b) || l
                }
                Some(Wrap::Import(_)) => false,
                // `(commonBase pkgs)`: a `let`-bound function of this file applied to
                // arguments; its body, with the parameters unknown.
                None => match unroll_head(a).map(|(h, args)| (unparen(&h), args)) {
                    Some((ast::Expr::Ident(i), args)) => {
                        let name = ident_text(&i).unwrap_or_default();
                        match lookup(&self.scope, &name) {
                            Found::Expr(x, idx) if matches!(unparen(&x), ast::Expr::Lambda(_)) => {
                                self.in_scope(idx, |w| w.module_body(&x))
                            }
                            // A module wrapper the repository hands its modules
                            // (`{ mkNixosModule, ... }: mkNixosModule { ... }`, `mkModule {
                            // shared = ...; nixos = ...; darwin = ...; }`).
                            Found::Opaque | Found::Free if module_wrapper(&name) => {
                                match args.as_slice() {
                                    [arg] => match unparen(arg) {
                                        ast::Expr::AttrSet(set) if class_sections(&set) => {
                                            self.module_sections(&set);
                                            true
                                        }
                                        ast::Expr::AttrSet(set) => {
                                            self.module_attrs(&set);
                                            true
                                        }
                                        _ => false,
                                    },
                                    _ => false,
                                }
                            }
                            _ => false,
                        }
                    }
                    // denix (`delib.module { name = "x"; nixos.always = { ... }; nixos.ifEnabled
                    // = ...; }`, `delib.host { nixos = ...; }`): the `nixos` parts are NixOS
                    // module content.
                    Some((ast::Expr::Select(sel), args)) if args.len() == 1 && denix_call(&sel) => {
                        match unparen(&args[0]) {
                            ast::Expr::AttrSet(set) => self.denix_sections(&set),
                            _ => false,
                        }
                    }
                    _ => false,
                },
            },
            ast::Expr::IfElse(ie) => {
                let (then, other) = (ie.body(), ie.else_body());
                match ie.condition().map(|c| self.cond(&c)) {
                    Some(Cond::Always) => then.is_some_and(|b| self.module_body(&b)),
                    Some(Cond::Never) => other.is_some_and(|b| self.module_body(&b)),
                    c => {
                        let c = match c {
                            Some(Cond::Written(c)) => c,
                            _ => String::new(),
                        };
                        let mut any = false;
                        if let Some(b) = then {
                            self.conds.push(c.clone());
                            any |= self.module_body(&b);
                            self.conds.pop();
                        }
                        if let Some(b) = other {
                            self.conds.push(format!("!({c})"));
                            any |= self.module_body(&b);
                            self.conds.pop();
                        }
                        any
                    }
                }
            }
            ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Update) => {
                let l = b.lhs().is_some_and(|x| self.module_body(&x));
                b.rhs().is_some_and(|x| self.module_body(&x)) || l
            }
            ast::Expr::Ident(i) => {
                let name = ident_text(i).unwrap_or_default();
                match lookup(&self.scope, &name) {
                    Found::Expr(x, idx) => self.in_scope(idx, |w| w.module_body(&x)),
                    _ => false,
                }
            }
            _ => false,
        };
        self.scope.truncate(mark);
        self.depth -= 1;
        res
    }

    /// `names = value;` of a module, the names written at `ap`: the value walked under them.
    fn walk_binding(&mut self, names: &[String], ap: &ast::Attrpath, value: &ast::Expr) {
        let mark = self.prefix.len();
        self.prefix.extend(names.iter().cloned());
        self.starts
            .push((ap.syntax().text_range().start(), self.prefix.len()));
        self.walk(value, ap.syntax().text_range());
        self.starts.pop();
        self.prefix.truncate(mark);
    }

    /// denix's module or host: `nixos.always` (and a host's `nixos`) is this module's content;
    /// `nixos.ifEnabled`/`ifDisabled` too, under the module's switch (`<name>.enable`).
    fn denix_sections(&mut self, set: &ast::AttrSet) -> bool {
        let name = set.attrpath_values().find_map(|apv| {
            let ap = apv.attrpath()?;
            let mut attrs = ap.attrs();
            let first = attrs.next()?;
            if !attr_is(&first, "name") || attrs.next().is_some() {
                return None;
            }
            self.eval(&apv.value()?, &self.scope, self.depth + 1)
                .v
                .as_str()
                .map(str::to_string)
        });
        let name = name.as_deref().unwrap_or("<module>");
        // The condition of a part (`always`: none), or `None` for what is no part.
        let part = |p: &str| match p {
            "always" => Some(None),
            "ifEnabled" => Some(Some(format!("{name}.enable"))),
            "ifDisabled" => Some(Some(format!("!({name}.enable)"))),
            _ => None,
        };
        let mut any = false;
        for apv in set.attrpath_values() {
            let (Some(ap), Some(value)) = (apv.attrpath(), apv.value()) else {
                continue;
            };
            let names = self.attr_names(&ap);
            match names
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice()
            {
                // `nixos = { always = …; ifEnabled = …; }`: each part in turn; a host's
                // `nixos = { … }`: the module itself.
                ["nixos"] => {
                    let parts: Vec<(Option<String>, ast::Expr)> = match unparen(&value) {
                        ast::Expr::AttrSet(inner) => inner
                            .attrpath_values()
                            .filter_map(|x| {
                                let first = x.attrpath()?.attrs().next()?;
                                let c = part(&attr_ident(&first)?)?;
                                Some((c, x.value()?))
                            })
                            .collect(),
                        _ => Vec::new(),
                    };
                    if parts.is_empty() {
                        any |= self.under(None, |w| w.module_body(&value));
                    }
                    for (c, v) in parts {
                        any |= self.under(c, |w| w.module_body(&v));
                    }
                }
                // `nixos.always = …;`, `nixos.ifEnabled.services.x.enable = true;`.
                ["nixos", p, rest @ ..] => {
                    let Some(c) = part(p) else { continue };
                    any |= if rest.is_empty() {
                        self.under(c, |w| w.module_body(&value))
                    } else {
                        self.under(c, |w| {
                            w.walk_binding(&names[2..], &ap, &value);
                            true
                        })
                    };
                }
                _ => {}
            }
        }
        any
    }

    /// Run `f` under the condition `cond`, when there is one.
    fn under<R>(&mut self, cond: Option<String>, f: impl FnOnce(&mut Walker) -> R) -> R {
        let Some(c) = cond else {
            return f(self);
        };
        self.conds.push(c);
        let r = f(self);
        self.conds.pop();
        r
    }

    /// The argument of a module wrapper split by class (`mkModule { shared.services.openssh
    /// = { ... }; nixos.services.openssh.settings = { ... }; darwin = { ... }; }`): the
    /// `shared`, `common` and `nixos` parts are this module's; the others are another class's.
    fn module_sections(&mut self, set: &ast::AttrSet) {
        for apv in set.attrpath_values() {
            let (Some(ap), Some(value)) = (apv.attrpath(), apv.value()) else {
                continue;
            };
            let names = self.attr_names(&ap);
            let Some((first, rest)) = names.split_first() else {
                continue;
            };
            if !matches!(first.as_str(), "shared" | "common" | "nixos") {
                continue;
            }
            let rest = match rest.split_first() {
                Some((c, r)) if c == "config" => r,
                _ => rest,
            };
            match rest.first().map(String::as_str) {
                None => {
                    self.module_body(&value);
                }
                // `require`: the module system's older name of `imports`.
                Some("imports" | "require") if rest.len() == 1 => self.imports(&value),
                Some("options") => {}
                Some(_) => self.walk_binding(rest, &ap, &value),
            }
        }
    }

    fn module_attrs(&mut self, set: &ast::AttrSet) {
        let mark = self.scope.len();
        if set.rec_token().is_some() {
            self.scope.push(Frame::Binds(set.syntax().clone()));
        }
        let explicit = set.attrpath_values().any(|apv| {
            apv.attrpath()
                .and_then(|p| p.attrs().next())
                .is_some_and(|a| attr_is(&a, "config") || attr_is(&a, "options"))
        });
        for apv in set.attrpath_values() {
            let (Some(ap), Some(value)) = (apv.attrpath(), apv.value()) else {
                continue;
            };
            let names = self.attr_names(&ap);
            if names.first().is_some_and(|n| n == "options") {
                self.option_defaults_in(&names[1..], &value, 0);
            }
        }
        for entry in set.entries() {
            match entry {
                ast::Entry::AttrpathValue(apv) => {
                    let Some(ap) = apv.attrpath() else { continue };
                    let Some(value) = apv.value() else { continue };
                    let names = self.attr_names(&ap);
                    let Some(first) = names.first() else { continue };
                    match first.as_str() {
                        "imports" | "require" if names.len() == 1 => self.imports(&value),
                        // The files it leaves out (`disabledModules = [ ./ssh.nix ];`); a
                        // module of nixpkgs named by its path (`"services/x.nix"`) is none of
                        // the repository's.
                        "disabledModules" if names.len() == 1 => {
                            let mut refs = Vec::new();
                            if let ast::Expr::List(l) = unparen(&value) {
                                for item in l.items() {
                                    if matches!(unparen(&item), ast::Expr::PathRel(_)) {
                                        self.module_item(&item, &mut refs, ListCx::System, 0);
                                    }
                                }
                            }
                            let m = self.module;
                            self.out.modules[m].disabled.extend(refs);
                        }
                        "options" => {
                            self.out.modules[self.module].declares_options = true;
                            let declared = declared_namespaces(&names[1..], &value);
                            let m = &mut self.out.modules[self.module];
                            for d in declared {
                                if !m.declared.contains(&d) {
                                    m.declared.push(d);
                                }
                            }
                        }
                        "config" => self.walk_binding(&names[1..], &ap, &value),
                        "_file" | "key" | "disabledModules" | "_class" | "freeformType"
                        | "meta" | "require" => {}
                        _ if explicit => {}
                        _ => self.walk_binding(&names, &ap, &value),
                    }
                }
                ast::Entry::Inherit(inh) if !explicit => self.inherit(&inh),
                ast::Entry::Inherit(_) => {}
            }
        }
        self.scope.truncate(mark);
    }

    fn attr_names(&self, ap: &ast::Attrpath) -> Vec<String> {
        ap.attrs()
            .map(|a| match &a {
                ast::Attr::Ident(i) => ident_text(i).unwrap_or_default(),
                ast::Attr::Str(s) => match self.string(s, &self.scope, self.depth).v {
                    Value::Str(s) | Value::Interp(s) => s,
                    _ => "${…}".to_string(),
                },
                ast::Attr::Dynamic(d) => {
                    match d
                        .expr()
                        .map(|e| (self.eval(&e, &self.scope, self.depth).v, e))
                    {
                        Some((Value::Str(s), _)) => s,
                        Some((_, e)) => format!("${{{}}}", node_snippet(e.syntax())),
                        None => "${…}".to_string(),
                    }
                }
            })
            .collect()
    }

    fn inherit(&mut self, inh: &ast::Inherit) {
        for a in inh.attrs() {
            let Some(name) = attr_ident(&a) else { continue };
            let range = a.syntax().text_range();
            // `nixpkgs = let config = { … }; in { inherit config; };`: a set bound in the file,
            // walked as `config = { … };` is.
            if inh.from().is_none() && !self.prefix.is_empty() {
                if let Found::Expr(x, idx) = lookup(&self.scope, &name) {
                    if is_structural(&x) {
                        self.prefix.push(name);
                        self.in_scope(idx, |w| w.walk(&x, range));
                        self.prefix.pop();
                        continue;
                    }
                }
            }
            // `inherit (secrets.wg) privateKey;`: taken from what `secrets.wg` comes from (a
            // file read, the secrets handed to the module), as `secrets.wg.privateKey` is.
            let origins = match inh.from().and_then(|f| f.expr()) {
                Some(from) if self.depth < MAX_DEPTH => self
                    .inherited_origin(&from, self.depth + 1)
                    .map(|kind| Origin {
                        range,
                        kind,
                        bound: None,
                    })
                    .into_iter()
                    .collect(),
                Some(_) => Vec::new(),
                None => self.name_origins(&name, range),
            };
            let value = if let Some(from) = inh.from() {
                Val::new(
                    Value::Unknown(format!(
                        "{}.{name}",
                        from.expr()
                            .map(|e| node_snippet(e.syntax()))
                            .unwrap_or_default()
                    )),
                    range,
                )
            } else {
                let mut v = self.resolve(&name, range, &self.scope, self.depth);
                v.range = range;
                v
            };
            // `inherit (cfg) initialPassword;` with `cfg = config.my.user`: the option it names
            // (as `initialPassword = cfg.initialPassword;` names it, see [`Walker::leaf`]).
            let reads = inh
                .from()
                .and_then(|f| f.expr())
                .and_then(|from| self.config_path(&from, &self.scope, 0))
                .map(|mut p| {
                    p.push(name.clone());
                    p
                })
                .filter(|p| p.len() >= 2);
            self.prefix.push(name);
            let before = self.out.assignments.len();
            self.record_from(value, range, origins);
            if let (Some(r), Some(a)) = (reads, self.out.assignments.get_mut(before)) {
                a.reads = Some(r);
            }
            self.prefix.pop();
        }
    }

    /// Walk an option value at `self.prefix`: attribute sets extend the path, wrappers are
    /// unwrapped, anything else is a leaf.
    fn walk(&mut self, e: &ast::Expr, key_range: TextRange) {
        if self.depth > MAX_DEPTH || !self.budget.step(e.syntax().text_range()) {
            let v = Val::new(
                Value::Unknown(node_snippet(e.syntax())),
                e.syntax().text_range(),
            );
            self.record(v, key_range);
            return;
        }
        self.depth += 1;
        match e {
            ast::Expr::Paren(p) => {
                if let Some(x) = p.expr() {
                    self.walk(&x, key_range);
                }
            }
            // `local.desktops.ruan = { config, pkgs, ... }: { services... }`: a NixOS module
            // given to a custom option of the repository (a flake-parts module's host table),
            // indexed as a module of its own.
            ast::Expr::Lambda(_) | ast::Expr::AttrSet(_) if self.custom_option_module(e) => {
                let split = ExportSplit {
                    at: self.prefix.len(),
                    name: self.prefix.join("."),
                    class: Some(ModuleKind::NixOS),
                    container: false,
                };
                let before = self.out.modules.len();
                self.exported_module(&split, &[], e, key_range);
                // The dendritic pattern's host table (`configurations.nixos.HOST.module = …`,
                // which its flake-parts module makes `nixosConfigurations.HOST`): a system of
                // that one module.
                let n = self.prefix.len();
                let host = n >= 4
                    && self.prefix[n - 4] == "configurations"
                    && self.prefix[n - 3] == "nixos"
                    && self.prefix[n - 1] == "module";
                if host && self.out.modules.len() > before {
                    self.out.systems.push(SystemDecl {
                        name: format!("nixosConfigurations.{}", self.prefix[n - 2]),
                        kind: ModuleKind::NixOS,
                        modules: vec![ModuleRef::Inline(before)],
                        range: e.syntax().text_range(),
                        helper: false,
                        convention: None,
                        builder: "configurations".to_string(),
                    });
                }
            }
            ast::Expr::AttrSet(set) => {
                let mark = self.scope.len();
                if set.rec_token().is_some() {
                    self.scope.push(Frame::Binds(set.syntax().clone()));
                }
                for entry in set.entries() {
                    match entry {
                        ast::Entry::AttrpathValue(apv) => {
                            let (Some(ap), Some(value)) = (apv.attrpath(), apv.value()) else {
                                continue;
                            };
                            let names = self.attr_names(&ap);
                            let n = names.len();
                            self.prefix.extend(names);
                            self.starts
                                .push((ap.syntax().text_range().start(), self.prefix.len()));
                            self.walk(&value, ap.syntax().text_range());
                            self.starts.pop();
                            self.prefix.truncate(self.prefix.len() - n);
                        }
                        ast::Entry::Inherit(inh) => self.inherit(&inh),
                    }
                }
                self.scope.truncate(mark);
            }
            ast::Expr::LetIn(l) => {
                if let Some(body) = l.body() {
                    self.scope.push(Frame::Binds(l.syntax().clone()));
                    self.walk(&body, key_range);
                    self.scope.pop();
                }
            }
            ast::Expr::With(w) => {
                if let Some(body) = w.body() {
                    self.scope.push(with_frame(w));
                    self.walk(&body, key_range);
                    self.scope.pop();
                }
            }
            // `nix.settings = assert config.networking.hostName != "hut"; { … };`: the set,
            // when the assertion holds (else the evaluation fails).
            ast::Expr::Assert(a) => {
                if let Some(body) = a.body() {
                    self.walk(&body, key_range);
                }
            }
            ast::Expr::Apply(a) => match wrapper(a) {
                Some(Wrap::Prio(p, x, ordered)) => {
                    let saved = (self.prio, self.ordered);
                    if let Some(p) = p {
                        self.prio = p;
                    }
                    self.ordered |= ordered;
                    self.walk(&x, key_range);
                    (self.prio, self.ordered) = saved;
                }
                Some(Wrap::If(c, x)) => match self.cond(&c) {
                    Cond::Never => {}
                    Cond::Always => self.walk(&x, key_range),
                    Cond::Written(c) => {
                        self.conds.push(c);
                        self.walk(&x, key_range);
                        self.conds.pop();
                    }
                },
                Some(Wrap::Merge(list)) => self.walk_merge(&list, key_range),
                Some(Wrap::Both(l, r)) => {
                    self.walk(&l, key_range);
                    self.walk(&r, key_range);
                }
                Some(Wrap::Import(x)) => {
                    self.value_import(&x);
                    self.leaf(e, key_range);
                }
                None => {
                    if self.walk_generated(a, key_range)
                        || self.walk_pairs(a, key_range)
                        || self.walk_applied(a, key_range)
                        || self.walk_argument_set(a, key_range)
                    {
                    } else if let Some(file) = self.helper_file(a) {
                        // Another file's function: the run reads what it returns.
                        let at = self.out.assignments.len();
                        self.leaf(e, key_range);
                        if self.out.assignments.len() == at + 1 {
                            self.out.helper_calls.push(HelperCall {
                                assignment: at,
                                file,
                            });
                        }
                    } else if !self.walk_alternatives(a, key_range) {
                        self.leaf(e, key_range);
                    }
                }
            },
            ast::Expr::IfElse(ie) => {
                let (then, other) = (ie.body(), ie.else_body());
                match ie.condition().map(|c| self.cond(&c)) {
                    Some(Cond::Always) => {
                        if let Some(b) = then {
                            self.walk(&b, key_range);
                        }
                    }
                    Some(Cond::Never) => {
                        if let Some(b) = other {
                            self.walk(&b, key_range);
                        }
                    }
                    c => {
                        let c = match c {
                            Some(Cond::Written(c)) => c,
                            _ => String::new(),
                        };
                        if let Some(b) = then {
                            self.conds.push(c.clone());
                            self.walk(&b, key_range);
                            self.conds.pop();
                        }
                        if let Some(b) = other {
                            self.conds.push(format!("!({c})"));
                            self.walk(&b, key_range);
                            self.conds.pop();
                        }
                    }
                }
            }
            ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Update) => {
                // `a // b` is shallow: a key of `b` replaces the whole value of that key in `a`.
                let depth = self.prefix.len();
                let start = self.out.assignments.len();
                if let Some(l) = b.lhs() {
                    self.walk(&l, key_range);
                }
                let mid = self.out.assignments.len();
                if let Some(r) = b.rhs() {
                    self.walk(&r, key_range);
                }
                let right: Vec<String> = self.out.assignments[mid..]
                    .iter()
                    .filter_map(|a| a.path.get(depth).cloned())
                    .collect();
                let mut i = start;
                let mut end = mid;
                while i < end {
                    if self.out.assignments[i]
                        .path
                        .get(depth)
                        .is_some_and(|k| right.contains(k))
                    {
                        self.out.assignments.remove(i);
                        end -= 1;
                        continue;
                    }
                    i += 1;
                }
            }
            ast::Expr::Ident(i) => {
                // A name bound to an attribute set (or a wrapper) in this file: walk its value
                // in its own scope, so `services.openssh = sshSettings;` is seen through.
                let name = ident_text(i).unwrap_or_default();
                match lookup(&self.scope, &name) {
                    Found::Expr(x, idx) if is_structural(&x) => {
                        self.in_scope(idx, |w| w.walk(&x, key_range));
                    }
                    _ => self.leaf(e, key_range),
                }
            }
            // `containers.<n>.config = { config, pkgs, ... }: { … }`: the container's module,
            // a function, is walked as a module is.
            ast::Expr::Lambda(l) if module_valued(&self.prefix) => {
                if let Some(body) = l.body() {
                    self.scope.push(Frame::Params(l.clone()));
                    self.walk(&body, key_range);
                    self.scope.pop();
                }
            }
            _ => self.leaf(e, key_range),
        }
        self.depth -= 1;
    }

    /// A module function (see [`is_module_function`]) setting NixOS options, as the value of an
    /// option that is not NixOS's (nor an export, which `attr_scan` indexes).
    fn custom_option_module(&self, e: &ast::Expr) -> bool {
        let Some(first) = self.prefix.first() else {
            return false;
        };
        // Machines of a clan, a colmena hive or a NixOps network are systems `attr_scan` and
        // `nixops_network` make.
        !NIXOS_NAMESPACES.contains(&first.as_str())
            && !matches!(
                first.as_str(),
                "options" | "imports" | "perSystem" | "colmena" | "network" | "defaults"
            )
            && !self
                .prefix
                .iter()
                .any(|p| matches!(p.as_str(), "machines" | "colmena" | "nodes"))
            // A home module (hjem's, home-manager's) under a repository's own option: its
            // `systemd.services` are the user's units.
            && !self
                .prefix
                .iter()
                .any(|p| matches!(p.as_str(), "hjem" | "homeManager" | "hm"))
            && !self.prefix.windows(2).any(|w| w[0] == "modules" && w[1] == "home")
            && export_split(&self.prefix).is_none()
            // A function of a set under a path naming NixOS (`mods.nixos.tailscale.conf = {
            // cfg, ... }: { services.tailscale… }`): its module, whatever its parameters.
            && (((is_module_function(e)
                || (self.prefix.iter().any(|p| p == "nixos") && pattern_function(e)))
                && sets_nixos_options(e))
                // A module written as a set under a path naming NixOS's modules (the dendritic
                // `configurations.nixos.HOST.module = { … }`, `my.modules.nixos.NAME = { … }`).
                || (self.prefix.iter().any(|p| p == "nixos")
                    && matches!(unparen(e), ast::Expr::AttrSet(set) if set.attrpath_values().any(|apv| {
                        apv.attrpath()
                            .and_then(|ap| ap.attrs().next())
                            .is_some_and(|a| attr_is(&a, "imports"))
                    }) || sets_nixos_options(e))))
    }

    /// `lib.genAttrs NAMES (n: { ... })` and `lib.mapAttrs (n: v: { ... }) SET`: the body once
    /// per name, with the name known. Returns false when `a` is neither (or the names are not
    /// known and the body is not a set).
    fn walk_generated(&mut self, a: &ast::Apply, key_range: TextRange) -> bool {
        let Some((name, args)) = unroll(a) else {
            return false;
        };
        // `concatMapAttrs (n: v: { "x-${n}" = { ... }; }) SET`, and a `let`-bound function of
        // this file that makes such sets given one (`perNetwork (name: net: { ... })`): the
        // entries the function returns, its parameters unknown.
        let entries = match (name.as_str(), args.as_slice()) {
            ("concatMapAttrs", [f, _]) => Some(f.clone()),
            (_, [f]) if matches!(unparen(f), ast::Expr::Lambda(_)) => {
                match lookup(&self.scope, &name) {
                    Found::Expr(x, _)
                        if matches!(unparen(&x), ast::Expr::Lambda(_)) && {
                            let text = x.syntax().to_string();
                            ENTRY_MAKERS.iter().any(|m| text.contains(m))
                        } =>
                    {
                        Some(f.clone())
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(f) = entries {
            let Some((l, idx)) = self.lambda_of(&f) else {
                return false;
            };
            return match idx {
                Some(idx) => self.in_scope(idx, |w| w.walk_entries_of(&l, key_range)),
                None => self.walk_entries_of(&l, key_range),
            };
        }
        let (names, f) = match (name.as_str(), args.as_slice()) {
            // Names not known here (`genAttrs config.my.users (name: …)`): the body once, under
            // a name written `${…}`, when it is a set.
            ("genAttrs", [names, f]) => {
                let names = self.eval(names, &self.scope, self.depth + 1);
                let names: Option<Vec<String>> = match names.v {
                    Value::List(items) => items
                        .iter()
                        .map(|i| i.v.as_str().map(str::to_string))
                        .collect(),
                    _ => None,
                };
                (names, f.clone())
            }
            ("mapAttrs", [f, set]) => {
                let set = self.eval(set, &self.scope, self.depth + 1);
                let names = match set.v {
                    Value::Attrs(kv) => Some(
                        kv.into_iter()
                            .filter(|(k, _)| !k.contains('.'))
                            .map(|(k, _)| k)
                            .collect(),
                    ),
                    _ => None,
                };
                (names, f.clone())
            }
            _ => return false,
        };
        // The function written in place, or bound by a `let` of this file (`genAttrs names
        // mkUser`): walked in the scope it was written in.
        let Some((l, idx)) = self.lambda_of(&f) else {
            return false;
        };
        match idx {
            Some(idx) => self.in_scope(idx, |w| w.walk_generated_with(&name, names, &l, key_range)),
            None => self.walk_generated_with(&name, names, &l, key_range),
        }
    }

    /// The set a function returns (through its curried parameters and `let`), walked as
    /// entries under the current option path, its parameters unknown; false when it returns
    /// no set written in place.
    fn walk_entries_of(&mut self, l: &ast::Lambda, key_range: TextRange) -> bool {
        let mark = self.scope.len();
        let mut l = l.clone();
        let body = loop {
            self.scope.push(Frame::Params(l.clone()));
            match l.body() {
                Some(ast::Expr::Lambda(inner)) => l = inner,
                b => break b,
            }
        };
        let walked = match body {
            Some(body) if generated_body(&body) => {
                self.walk(&body, key_range);
                true
            }
            _ => false,
        };
        self.scope.truncate(mark);
        walked
    }

    fn walk_generated_with(
        &mut self,
        name: &str,
        names: Option<Vec<String>>,
        l: &ast::Lambda,
        key_range: TextRange,
    ) -> bool {
        let Some(param) = ident_param(l) else {
            return false;
        };
        // `mapAttrs (n: v: BODY)`: the second parameter is the value, not known.
        let (body, inner) = match l.body() {
            Some(ast::Expr::Lambda(v)) if name == "mapAttrs" => (v.body(), Some(v)),
            b => (b, None),
        };
        let Some(body) = body else { return false };
        let Some(names) = names else {
            if !generated_body(&body) {
                return false;
            }
            let mark = self.scope.len();
            self.scope.push(Frame::Params(l.clone()));
            if let Some(v) = &inner {
                self.scope.push(Frame::Params(v.clone()));
            }
            self.prefix.push("${…}".to_string());
            self.walk(&body, key_range);
            self.prefix.pop();
            self.scope.truncate(mark);
            return true;
        };
        if names.is_empty() {
            return true;
        }
        for n in names {
            let mark = self.scope.len();
            self.scope.push(Frame::Bound(
                param.clone(),
                Val::new(Value::Str(n.clone()), l.syntax().text_range()),
            ));
            if let Some(v) = &inner {
                self.scope.push(Frame::Params(v.clone()));
            }
            self.prefix.push(n);
            self.walk(&body, key_range);
            self.prefix.pop();
            self.scope.truncate(mark);
        }
        true
    }

    /// Attribute sets built by functions of the file: `listToAttrs LIST` and `mapAttrs' F SET`,
    /// where each element (or `F`'s result) is `{ name = N; value = V; }` or
    /// `nameValuePair N V`, and `foldr (a: b: a // b) { } LIST` or `mergeAttrsList LIST`, where
    /// each element is a set. `V` (or the set) is walked once, under the name `N` as far as it
    /// is known (`"healthcheck-${…}"`), with the functions' parameters unknown. The lists are
    /// those [`Walker::each_item`] reads.
    fn walk_pairs(&mut self, a: &ast::Apply, key_range: TextRange) -> bool {
        let Some((name, args)) = unroll_flipped(a) else {
            return false;
        };
        let mut pair = |w: &mut Walker, x: &ast::Expr| {
            if let Some((n, v)) = name_value(x) {
                let shown = w.eval(&n, &w.scope, w.depth + 1);
                let key = match &shown.v {
                    Value::Str(t) | Value::Interp(t) => t.clone(),
                    _ => "${…}".to_string(),
                };
                w.prefix.push(key);
                w.walk(&v, key_range);
                w.prefix.pop();
            }
        };
        let mut set = |w: &mut Walker, x: &ast::Expr| w.walk(x, key_range);
        match (name.as_str(), args.as_slice()) {
            ("listToAttrs", [list]) => self.each_item(list, &mut pair),
            ("mapAttrs'", [f, set]) => {
                self.pairs_of_set(f, set, key_range) || self.function_items(f, false, &mut pair)
            }
            ("mergeAttrsList", [list]) => self.each_item(list, &mut set),
            // `concatMapAttrs (name: v: { "${name}-x" = …; }) SET`: the sets F returns.
            ("concatMapAttrs", [f, _]) => self.function_items(f, false, &mut set),
            ("foldr" | "foldl" | "foldl'" | "fold", [_, init, list])
                if matches!(unparen(init), ast::Expr::AttrSet(_)) =>
            {
                self.walk(init, key_range);
                self.each_item(list, &mut set);
                true
            }
            _ => false,
        }
    }

    /// `mapAttrs' (n: v: nameValuePair N V) { ADMIN_PASSWORD = "admin"; … }` with the function
    /// and the set written in place: each entry walked under its own name `N` (`n` bound to
    /// it). A value `V` that is the entry's (`v`, `toString v`) is the entry's value as written,
    /// at its place; any other is walked with `v` bound to it.
    fn pairs_of_set(&mut self, f: &ast::Expr, set: &ast::Expr, key_range: TextRange) -> bool {
        let (ast::Expr::Lambda(outer), ast::Expr::AttrSet(entries)) = (unparen(f), unparen(set))
        else {
            return false;
        };
        let (Some(name_param), Some(ast::Expr::Lambda(inner))) =
            (ident_param(&outer), outer.body())
        else {
            return false;
        };
        let (Some(value_param), Some(body)) = (ident_param(&inner), inner.body()) else {
            return false;
        };
        let Some((name, value)) = name_value(&body) else {
            return false;
        };
        let is_param = |e: &ast::Expr| matches!(unparen(e), ast::Expr::Ident(i) if ident_text(&i).as_deref() == Some(value_param.as_str()));
        let as_written = match unparen(&value) {
            ast::Expr::Apply(a) => unroll(&a)
                .is_some_and(|(n, args)| n == "toString" && args.len() == 1 && is_param(&args[0])),
            other => is_param(&other),
        };
        let mut pairs = Vec::new();
        for apv in entries.attrpath_values() {
            let (Some(ap), Some(x)) = (apv.attrpath(), apv.value()) else {
                return false;
            };
            let mut attrs = ap.attrs();
            let (Some(k), None) = (attrs.next().and_then(|a| attr_literal(&a)), attrs.next())
            else {
                return false;
            };
            pairs.push((k, x));
        }
        if pairs.is_empty() || pairs.len() > 256 {
            return false;
        }
        for (k, x) in pairs {
            let mark = self.scope.len();
            self.scope.push(Frame::Bound(
                name_param.clone(),
                Val::new(Value::Str(k), outer.syntax().text_range()),
            ));
            let shown = self.eval(&name, &self.scope, self.depth + 1);
            let key = match &shown.v {
                Value::Str(t) | Value::Interp(t) => t.clone(),
                _ => "${…}".to_string(),
            };
            self.prefix.push(key);
            if as_written {
                self.walk(&x, key_range);
            } else {
                let v = self.eval(&x, &self.scope, self.depth + 1);
                self.scope.push(Frame::Bound(value_param.clone(), v));
                self.walk(&value, key_range);
            }
            self.prefix.pop();
            self.scope.truncate(mark);
        }
        true
    }

    /// Calls `f` on each element of a list written as a literal, joined with `++`, named by a
    /// `let`, or built by `map`/`forEach`/`mapAttrsToList`/`imap0`/`imap1`/`concatMap`/
    /// `foldlAttrs` with a function of the file (its result, with its parameters unknown),
    /// `optional(s)` (under its condition), `filter`, `flatten` or `concatLists`. True when
    /// `e` was one of these forms.
    fn each_item(&mut self, e: &ast::Expr, f: &mut dyn FnMut(&mut Walker, &ast::Expr)) -> bool {
        if self.depth > MAX_DEPTH || !self.budget.step(e.syntax().text_range()) {
            return false;
        }
        self.depth += 1;
        let known = self.each_item_inner(e, f);
        self.depth -= 1;
        known
    }

    fn each_item_inner(
        &mut self,
        e: &ast::Expr,
        f: &mut dyn FnMut(&mut Walker, &ast::Expr),
    ) -> bool {
        match unparen(e) {
            ast::Expr::List(l) => {
                for x in l.items() {
                    self.one_item(&x, f);
                }
                true
            }
            ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Concat) => {
                let left = b.lhs().is_some_and(|l| self.each_item(&l, f));
                let right = b.rhs().is_some_and(|r| self.each_item(&r, f));
                left || right
            }
            ast::Expr::Ident(i) => {
                let name = ident_text(&i).unwrap_or_default();
                match lookup(&self.scope, &name) {
                    Found::Expr(x, idx) => self.in_scope(idx, |w| w.each_item(&x, f)),
                    _ => false,
                }
            }
            ast::Expr::Apply(a) => {
                let Some((name, args)) = unroll_flipped(&a) else {
                    return false;
                };
                match (name.as_str(), args.as_slice()) {
                    ("map" | "mapAttrsToList" | "imap0" | "imap1", [func, _])
                    | ("forEach", [_, func]) => self.function_items(func, false, f),
                    ("concatMap", [func, _]) | ("foldlAttrs", [func, _, _]) => {
                        self.function_items(func, true, f)
                    }
                    ("filter", [_, list]) | ("flatten" | "concatLists", [list]) => {
                        self.each_item(list, f)
                    }
                    ("optional" | "optionals", [c, x]) => {
                        let list = name == "optionals";
                        let c = match self.cond(c) {
                            Cond::Never => return true,
                            Cond::Always => None,
                            Cond::Written(c) => Some(c),
                        };
                        let pushed = c.is_some();
                        if let Some(c) = c {
                            self.conds.push(c);
                        }
                        if list {
                            self.each_item(x, f);
                        } else {
                            self.one_item(x, f);
                        }
                        if pushed {
                            self.conds.pop();
                        }
                        true
                    }
                    // A mapping function bound in this file (`mapSegments (name: cfg: { … })`)
                    // given one function written in place: its result, once.
                    (_, args)
                        if name.starts_with("map")
                            && matches!(lookup(&self.scope, &name), Found::Expr(..)) =>
                    {
                        let mut lambdas = args
                            .iter()
                            .filter(|x| matches!(unparen(x), ast::Expr::Lambda(_)));
                        match (lambdas.next(), lambdas.next()) {
                            (Some(l), None) => {
                                let l = l.clone();
                                self.function_items(&l, false, f)
                            }
                            _ => false,
                        }
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// One element of a list [`Walker::each_item`] reads: a list built in one of its ways
    /// (`flatten`'s nested lists) is read in turn, anything else given to `f`.
    fn one_item(&mut self, x: &ast::Expr, f: &mut dyn FnMut(&mut Walker, &ast::Expr)) {
        if !self.each_item(x, f) {
            f(self, x);
        }
    }

    /// The function `e` is: written in place, or a name bound to one by a `let` of this file
    /// (with the index of the scope it was written in).
    fn lambda_of(&self, e: &ast::Expr) -> Option<(ast::Lambda, Option<usize>)> {
        match unparen(e) {
            ast::Expr::Lambda(l) => Some((l, None)),
            ast::Expr::Ident(i) => match lookup(&self.scope, &ident_text(&i)?) {
                Found::Expr(x, idx) => match unparen(&x) {
                    ast::Expr::Lambda(l) => Some((l, Some(idx))),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    }

    /// The result of `func` (written in place, bound by a `let` of this file, or such a
    /// function given its first arguments) as one element, or as a list of them when `list`,
    /// with its parameters unknown.
    fn function_items(
        &mut self,
        func: &ast::Expr,
        list: bool,
        f: &mut dyn FnMut(&mut Walker, &ast::Expr),
    ) -> bool {
        let head = match unparen(func) {
            ast::Expr::Apply(a) => match unroll_head(&a) {
                Some((h, _)) => h,
                None => return false,
            },
            other => other,
        };
        let Some((lambda, idx)) = self.lambda_of(&head) else {
            return false;
        };
        let lambda = ast::Expr::Lambda(lambda);
        let mut run = |w: &mut Walker| -> bool {
            let mark = w.scope.len();
            let body = w.enter_function(&lambda);
            if let Some(body) = &body {
                if list {
                    w.each_item(body, f);
                } else {
                    w.one_item(body, f);
                }
            }
            w.scope.truncate(mark);
            body.is_some()
        };
        match idx {
            Some(idx) => self.in_scope(idx, run),
            None => run(self),
        }
    }

    /// `systemTernary pkgs { …linux… } { …darwin… }`: a function nixsec cannot follow given two
    /// or more attribute sets written in place, one of which it returns (a helper choosing per
    /// platform or per host): each set, under the condition that the call picks it.
    fn walk_alternatives(&mut self, a: &ast::Apply, key_range: TextRange) -> bool {
        let Some((head, args)) = unroll_head(a) else {
            return false;
        };
        let sets: Vec<&ast::Expr> = args
            .iter()
            .filter(|x| matches!(unparen(x), ast::Expr::AttrSet(_)))
            .collect();
        if sets.len() < 2 {
            return false;
        }
        let cond = format!("`{}` picks it", snippet(&head.syntax().text().to_string()));
        for x in sets {
            self.conds.push(cond.clone());
            self.walk(x, key_range);
            self.conds.pop();
        }
        true
    }

    /// `mkBackupService "disk0"`: a function bound by a `let` of this file whose body (under
    /// its parameters and `let`s) is an attribute set or a wrapper of one: that body, with the
    /// parameters unknown.
    fn walk_applied(&mut self, a: &ast::Apply, key_range: TextRange) -> bool {
        let Some((head, _)) = unroll_head(a) else {
            return false;
        };
        let ast::Expr::Ident(i) = unparen(&head) else {
            return false;
        };
        let name = ident_text(&i).unwrap_or_default();
        let Found::Expr(x, idx) = lookup(&self.scope, &name) else {
            return false;
        };
        let ast::Expr::Lambda(_) = unparen(&x) else {
            return false;
        };
        self.in_scope(idx, |w| {
            let mark = w.scope.len();
            let body = w.enter_function(&x).filter(is_structural);
            if let Some(body) = &body {
                w.walk(body, key_range);
            }
            w.scope.truncate(mark);
            body.is_some()
        })
    }

    /// `services.qbittorrent = mediaService { webuiPort = 8080; … };` where `mediaService` is
    /// an argument of the module (a wrapper given by `_module.args` that adds the service's
    /// user and group): the set given to it is the option's settings, as written.
    fn walk_argument_set(&mut self, a: &ast::Apply, key_range: TextRange) -> bool {
        let [first, _, ..] = self.prefix.as_slice() else {
            return false;
        };
        if !NIXOS_NAMESPACES.contains(&first.as_str()) {
            return false;
        }
        let (Some(f), Some(arg)) = (a.lambda(), a.argument()) else {
            return false;
        };
        let (ast::Expr::Ident(i), ast::Expr::AttrSet(set)) = (unparen(&f), unparen(&arg)) else {
            return false;
        };
        if set.rec_token().is_some() || set.entries().next().is_none() {
            return false;
        }
        let name = ident_text(&i).unwrap_or_default();
        // A parameter of a function this value is inside (the module's arguments).
        let param = self
            .scope
            .iter()
            .rev()
            .find_map(|fr| match fr {
                Frame::Params(l) if binds_param(l, &name) => Some(true),
                Frame::Bound(n, _) | Frame::Element(n, _) if *n == name => Some(false),
                _ => None,
            })
            .unwrap_or(false);
        if !param || !matches!(lookup(&self.scope, &name), Found::Opaque) {
            return false;
        }
        self.walk(&ast::Expr::AttrSet(set), key_range);
        true
    }

    /// The file a call's function is, when it is another file's function (`import ./f.nix
    /// pkgs "x"`, or `advertise "x"` with `advertise = import ./f.nix pkgs;`): its path as
    /// written.
    fn helper_file(&self, a: &ast::Apply) -> Option<String> {
        let (head, args) = unroll_head(a)?;
        let ast::Expr::Ident(i) = unparen(&head) else {
            return None;
        };
        let name = ident_text(&i)?;
        let path = match lookup(&self.scope, &name) {
            Found::Free if name == "import" && args.len() >= 2 => args.into_iter().next()?,
            Found::Expr(x, _) => {
                let ast::Expr::Apply(xa) = unparen(&x) else {
                    return None;
                };
                let (h, xargs) = unroll_head(&xa)?;
                match unparen(&h) {
                    ast::Expr::Ident(hi) if ident_text(&hi).as_deref() == Some("import") => {}
                    _ => return None,
                }
                xargs.into_iter().next()?
            }
            _ => return None,
        };
        match unparen(&path) {
            ast::Expr::PathRel(_) => self.path_template(&path, 0).filter(|p| !p.contains("${")),
            _ => None,
        }
    }

    /// The body of a function under its parameters, `let`s and `with`s, with their frames
    /// pushed (the caller truncates the scope afterwards).
    fn enter_function(&mut self, e: &ast::Expr) -> Option<ast::Expr> {
        let mut cur = unparen(e);
        for _ in 0..MAX_DEPTH {
            cur = match cur {
                ast::Expr::Lambda(l) => {
                    self.scope.push(Frame::Params(l.clone()));
                    unparen(&l.body()?)
                }
                ast::Expr::LetIn(l) => {
                    self.scope.push(Frame::Binds(l.syntax().clone()));
                    unparen(&l.body()?)
                }
                // `name: data: with data; { … }`
                ast::Expr::With(w) => {
                    self.scope.push(with_frame(&w));
                    unparen(&w.body()?)
                }
                // `assert lib.hasPrefix "svc:" identity; { … }`
                ast::Expr::Assert(a) => unparen(&a.body()?),
                other => return Some(other),
            };
        }
        None
    }

    fn walk_merge(&mut self, list: &ast::Expr, key_range: TextRange) {
        if !self.each_item(list, &mut |w, x| w.walk(x, key_range)) {
            self.walk(list, key_range);
        }
    }

    /// The options declared under `path` by `value` (a set of `mkOption`s and
    /// `mkEnableOption`s, at any depth) whose default nixsec can read.
    fn option_defaults_in(&mut self, path: &[String], value: &ast::Expr, depth: u32) {
        if depth > 16 {
            return;
        }
        match unparen(value) {
            ast::Expr::AttrSet(set) => {
                for apv in set.attrpath_values() {
                    let (Some(ap), Some(v)) = (apv.attrpath(), apv.value()) else {
                        continue;
                    };
                    let mut p = path.to_vec();
                    p.extend(self.attr_names(&ap));
                    self.option_defaults_in(&p, &v, depth + 1);
                }
            }
            // `options.my.ssh = with lib; { server = mkEnableOption "…"; };`, and the same under
            // a `let`.
            ast::Expr::With(w) => {
                if let Some(body) = w.body() {
                    self.option_defaults_in(path, &body, depth + 1);
                }
            }
            ast::Expr::LetIn(l) => {
                if let Some(body) = l.body() {
                    self.option_defaults_in(path, &body, depth + 1);
                }
            }
            ast::Expr::Apply(a) => {
                let Some((name, args)) = unroll(&a) else {
                    return;
                };
                let default = match (name.as_str(), args.as_slice()) {
                    ("mkEnableOption", [_]) => {
                        Some(Val::new(Value::Bool(false), value.syntax().text_range()))
                    }
                    // The option helpers of snowfall-lib style libraries: `mkBoolOpt true
                    // "desc"`, `mkOpt types.bool true "desc"` (the default after the type).
                    (n, [d, ..]) if n.starts_with("mkBool") => {
                        Some(self.eval(d, &self.scope, self.depth + 1))
                            .filter(|v| v.v.as_bool().is_some())
                    }
                    ("mkOpt" | "mkOpt'", [_, d, ..]) => {
                        Some(self.eval(d, &self.scope, self.depth + 1))
                    }
                    ("mkOption", [ast::Expr::AttrSet(o)]) => o.attrpath_values().find_map(|apv| {
                        let ap = apv.attrpath()?;
                        let mut attrs = ap.attrs();
                        let first = attr_ident(&attrs.next()?)?;
                        (first == "default" && attrs.next().is_none())
                            .then(|| apv.value())
                            .flatten()
                            .map(|d| self.eval(&d, &self.scope, self.depth + 1))
                    }),
                    _ => None,
                };
                if let Some(d) = default.filter(|d| !d.v.is_unknown()) {
                    self.option_defaults.push((path.to_vec(), d));
                }
            }
            _ => {}
        }
    }

    /// The option `config.a.b.c` that `e` names (directly, or through names bound to
    /// `config.a.b` such as `cfg`), when `config` is the module's argument.
    fn config_path(&self, e: &ast::Expr, scope: &[Frame], depth: u32) -> Option<Vec<String>> {
        if depth > 32 {
            return None;
        }
        match unparen(e) {
            ast::Expr::Ident(i) => {
                let name = ident_text(&i)?;
                match lookup(scope, &name) {
                    Found::Opaque if name == "config" => Some(Vec::new()),
                    Found::Expr(x, idx) => self.config_path(&x, &scope[..=idx], depth + 1),
                    _ => None,
                }
            }
            ast::Expr::Select(s) if s.default_expr().is_none() => {
                let mut p = self.config_path(&s.expr()?, scope, depth + 1)?;
                for a in s.attrpath()?.attrs() {
                    // `config.${namespace}.services.x`: named as the declaration's
                    // `options.${namespace}.services.x` is ([`Walker::attr_names`]).
                    let name = match &a {
                        ast::Attr::Dynamic(d) => {
                            let e = d.expr()?;
                            match self.eval(&e, scope, depth + 1).v {
                                Value::Str(s) => s,
                                _ => format!("${{{}}}", node_snippet(e.syntax())),
                            }
                        }
                        _ => attr_ident(&a)?,
                    };
                    p.push(name);
                }
                Some(p)
            }
            _ => None,
        }
    }

    fn leaf(&mut self, e: &ast::Expr, key_range: TextRange) {
        let mut v = self.eval(e, &self.scope, self.depth);
        // `enable = cfg.autoLogin.enable;` under `mkIf cfg.autoLogin.enable`: where it applies,
        // the value is true.
        if v.v.is_unknown()
            && !self.conds.is_empty()
            && matches!(unparen(e), ast::Expr::Select(_) | ast::Expr::Ident(_))
        {
            let text = cond_text(&unparen(e));
            if self.conds.contains(&text) {
                v.v = Value::Bool(true);
            }
        }
        let origins = self.origins(e, &self.scope, self.depth);
        // `openPeerPorts = cfg.openFirewall;`: the option it names, for the run to fill in with
        // a default some file declares (`engine::option_defaults`).
        let reads = if v.v.is_unknown() && !self.prefix.is_empty() {
            // `!cfg.passwordlessSudo`: the option's default, negated (marked by a leading `!`).
            match unparen(e) {
                ast::Expr::UnaryOp(u) if u.operator() == Some(UnaryOpKind::Invert) => u
                    .expr()
                    .and_then(|x| self.config_path(&x, &self.scope, 0))
                    .filter(|p| p.len() >= 2)
                    .map(|p| std::iter::once("!".to_string()).chain(p).collect()),
                _ => self.config_path(e, &self.scope, 0).filter(|p| p.len() >= 2),
            }
        } else {
            None
        };
        let before = self.out.assignments.len();
        self.record_from(v, key_range, origins);
        if let (Some(r), Some(a)) = (reads, self.out.assignments.get_mut(before)) {
            a.reads = Some(r);
        }
    }

    /// `networking = import ./network.nix;`: an option of NixOS set to the whole value of a
    /// file of the repository, recorded for the run ([`ValueImport`]).
    fn value_import(&mut self, path: &ast::Expr) {
        if !matches!(unparen(path), ast::Expr::PathRel(_))
            || export_split(&self.prefix).is_some()
            || !self
                .prefix
                .first()
                .is_some_and(|p| NIXOS_NAMESPACES.contains(&p.as_str()) && p != "home-manager")
        {
            return;
        }
        let (prefix, variant) = variant_of(&self.prefix);
        let Some(file) = self.path_template(path, 0).filter(|p| !p.contains("${")) else {
            return;
        };
        if variant.is_some() || prefix.iter().any(|p| p.contains("${")) {
            return;
        }
        let condition = (!self.conds.is_empty()).then(|| self.conds.join(" && "));
        self.out.value_imports.push(ValueImport {
            module: self.module,
            prefix,
            condition,
            file,
            range: path.syntax().text_range(),
        });
    }

    fn record(&mut self, value: Val, key_range: TextRange) {
        self.record_from(value, key_range, Vec::new());
    }

    fn record_from(&mut self, value: Val, key_range: TextRange, origins: Vec<Origin>) {
        // A module exported in place (`flake.modules.nixos.core.security... = ...`) is indexed
        // as a module of its own by `attr_scan`: its settings are not this module's options.
        if self.prefix.is_empty() || export_split(&self.prefix).is_some() {
            return;
        }
        let (path, variant) = variant_of(&self.prefix);
        let conds: Vec<&str> = self
            .conds
            .iter()
            .map(String::as_str)
            .chain(variant.as_deref())
            .collect();
        let condition = if conds.is_empty() {
            None
        } else {
            Some(conds.join(" && "))
        };
        // The binding that names the option's parent (`services.openssh = {` of a nested
        // `enable = true;`): where a finding about the block starts.
        let parent = self.prefix.len().saturating_sub(1);
        let block_start = self
            .starts
            .iter()
            .find(|(_, n)| *n >= parent)
            .map_or(key_range.start(), |(at, _)| *at)
            .min(key_range.start());
        self.out.assignments.push(Assignment {
            path,
            value,
            key_range,
            block_start,
            priority: self.prio,
            ordered: self.ordered,
            condition,
            module: self.module,
            origins,
            reads: None,
        });
    }
}

/// True for this flake's own source: `self`, `inputs.self`.
fn is_self(e: &ast::Expr) -> bool {
    let text = compact_text(e.syntax());
    matches!(
        text.as_str(),
        "self" | "inputs.self" | "self.outPath" | "inputs.self.outPath"
    )
}

/// A path in this flake's own source, relative to its root: `self + /modules/x.nix`,
/// `self + "/modules/x.nix"`, `"${self}/modules/x.nix"`, `"${inputs.self}/modules/x.nix"`.
pub(crate) fn self_relative(e: &ast::Expr) -> Option<String> {
    let rel = |t: &str| {
        let t = t.trim_start_matches('/');
        (!t.is_empty() && !t.contains("${") && !t.split('/').any(|c| c == ".."))
            .then(|| t.to_string())
    };
    match unparen(e) {
        ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Add) => {
            if !is_self(&b.lhs()?) {
                return None;
            }
            match unparen(&b.rhs()?) {
                ast::Expr::PathAbs(p) => rel(&p.syntax().text().to_string()),
                ast::Expr::Str(s) => {
                    let mut t = String::new();
                    for p in crate::value::str_parts(&s)? {
                        match p {
                            ast::InterpolPart::Literal(l) => t.push_str(&l),
                            ast::InterpolPart::Interpolation(_) => return None,
                        }
                    }
                    rel(&t)
                }
                _ => None,
            }
        }
        ast::Expr::Str(s) => {
            let mut parts = crate::value::str_parts(&s)?.into_iter();
            let ast::InterpolPart::Interpolation(i) = parts.next()? else {
                return None;
            };
            if !is_self(&i.expr()?) {
                return None;
            }
            let mut t = String::new();
            for p in parts {
                match p {
                    ast::InterpolPart::Literal(l) => t.push_str(&l),
                    ast::InterpolPart::Interpolation(_) => return None,
                }
            }
            t.starts_with('/').then(|| rel(&t)).flatten()
        }
        _ => None,
    }
}

/// Marks a [`ModuleRef::Template`] relative to the flake's root, not to the file.
pub(crate) const SELF_TEMPLATE: &str = "@self/";

/// A path in this flake's own source built per host: `"${inputs.self}/hosts/${hostname}"`,
/// as `hosts/${…}` (relative to the flake's root).
fn self_relative_template(e: &ast::Expr) -> Option<String> {
    let ast::Expr::Str(s) = unparen(e) else {
        return None;
    };
    let mut parts = crate::value::str_parts(&s)?.into_iter();
    let ast::InterpolPart::Interpolation(i) = parts.next()? else {
        return None;
    };
    if !is_self(&i.expr()?) {
        return None;
    }
    let mut t = String::new();
    for p in parts {
        match p {
            ast::InterpolPart::Literal(l) => t.push_str(&l),
            ast::InterpolPart::Interpolation(_) => t.push_str("${…}"),
        }
    }
    let t = t.strip_prefix('/')?;
    (t.contains("${…}") && !t.split('/').any(|c| c == "..")).then(|| t.to_string())
}

/// An option whose value is a NixOS module, which may be written as a function:
/// `containers.<n>.config`, `specialisation.<n>.configuration`, `virtualisation.vmVariant`
/// (and `vmVariantWithBootLoader`), `image.modules.<n>`.
fn module_valued(prefix: &[String]) -> bool {
    match prefix {
        [c, x, m] => {
            (c == "containers" && m == "config")
                || (c == "specialisation" && m == "configuration")
                || (c == "image" && x == "modules")
        }
        [v, m] => v == "virtualisation" && (m == "vmVariant" || m == "vmVariantWithBootLoader"),
        _ => false,
    }
}

/// The top-level option namespaces of NixOS (and home-manager) itself: a module that sets
/// them needs no module of the repository to declare them.
pub const NIXOS_NAMESPACES: &[&str] = &[
    "assertions",
    "boot",
    "console",
    "containers",
    "documentation",
    "environment",
    "fileSystems",
    "fonts",
    "hardware",
    "home",
    "home-manager",
    "i18n",
    "image",
    "location",
    "networking",
    "nix",
    "nixpkgs",
    "powerManagement",
    "programs",
    "qt",
    "security",
    "services",
    "sound",
    "specialisation",
    "swapDevices",
    "system",
    "systemd",
    "time",
    "users",
    "virtualisation",
    "warnings",
    "xdg",
    "zramSwap",
];

/// The namespaces, two names deep, that `options.<path> = value` declares: `path` itself
/// when it is two names or more, else the names of `value`'s attributes below it.
fn declared_namespaces(path: &[String], value: &ast::Expr) -> Vec<[String; 2]> {
    let custom = |a: &str| !NIXOS_NAMESPACES.contains(&a);
    match path {
        [a, b, ..] if custom(a) => vec![[a.clone(), b.clone()]],
        [_, _, ..] => Vec::new(),
        _ => {
            let ast::Expr::AttrSet(set) = unparen(value) else {
                return Vec::new();
            };
            let mut out = Vec::new();
            for apv in set.attrpath_values() {
                let Some(ap) = apv.attrpath() else { continue };
                let names: Vec<String> = ap.attrs().filter_map(|a| attr_ident(&a)).collect();
                let inner = match apv.value() {
                    Some(v) => v,
                    None => continue,
                };
                let full: Vec<String> = path.iter().cloned().chain(names).collect();
                match full.as_slice() {
                    [a, b, ..] if custom(a) => out.push([a.clone(), b.clone()]),
                    [a] if custom(a) => {
                        // `options = { foo = { bar = mkOption ...; }; }`: one level more.
                        if let ast::Expr::AttrSet(s2) = unparen(&inner) {
                            for x in s2.attrpath_values() {
                                if let Some(b) = x
                                    .attrpath()
                                    .and_then(|p| p.attrs().next())
                                    .and_then(|a| attr_ident(&a))
                                {
                                    out.push([a.clone(), b]);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            out
        }
    }
}

/// A setting made for a variant of the system that inherits the rest of its configuration:
/// the option path without the variant's prefix, and the variant as a condition.
/// `virtualisation.vmVariant.X` and `virtualisation.vmVariantWithBootLoader.X` (the VM that
/// `nixos-rebuild build-vm` makes), `specialisation.NAME.configuration.X` (a boot entry) and
/// `image.modules.NAME.X` (an image built with `nixos-rebuild build-image`).
/// The name `node` binds, when it is a binding of one plain name (`mkHost = …;`).
fn one_name_binding(node: &SyntaxNode) -> Option<String> {
    let ap = ast::AttrpathValue::cast(node.clone())?.attrpath()?;
    let mut attrs = ap.attrs();
    let one = attr_ident(&attrs.next()?)?;
    attrs.next().is_none().then_some(one)
}

/// `e` (a file's whole expression) is a plain set of settings, through `let` and `with`: not
/// a function, not a module (`imports`, `options`, `config` at its top).
fn value_set(e: &ast::Expr, depth: u32) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match unparen(e) {
        ast::Expr::LetIn(l) => l.body().is_some_and(|b| value_set(&b, depth + 1)),
        ast::Expr::With(w) => w.body().is_some_and(|b| value_set(&b, depth + 1)),
        ast::Expr::AttrSet(set) => !set.attrpath_values().any(|apv| {
            apv.attrpath()
                .and_then(|ap| ap.attrs().next())
                .is_some_and(|a| {
                    attr_is(&a, "imports") || attr_is(&a, "options") || attr_is(&a, "config")
                })
        }),
        _ => false,
    }
}

fn variant_of(path: &[String]) -> (Vec<String>, Option<String>) {
    if !path
        .first()
        .is_some_and(|n| matches!(n.as_str(), "virtualisation" | "specialisation" | "image"))
    {
        return (path.to_vec(), None);
    }
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    let cut = match p.as_slice() {
        ["virtualisation", "vmVariant" | "vmVariantWithBootLoader", _, ..] => 2,
        ["specialisation", _, "configuration", _, ..] | ["image", "modules", _, _, ..] => 3,
        _ => 0,
    };
    if cut == 0 {
        return (path.to_vec(), None);
    }
    let shown = path[..cut].join(".");
    // The variant's module written with its settings under `config` (`configuration = {
    // config = { … }; }`, a module in full form): the options are what follows.
    let rest = &path[cut..];
    let rest = match rest.split_first() {
        Some((c, tail)) if c == "config" && !tail.is_empty() => tail,
        _ => rest,
    };
    (rest.to_vec(), Some(format!("in the variant `{shown}`")))
}

/// The items of a list expression: `[ ... ]`, `a ++ b`, in parentheses (without recursion
/// beyond [`MAX_DEPTH`] levels of `++`).
fn list_items(e: &ast::Expr, out: &mut Vec<ast::Expr>) {
    let mut stack = vec![e.clone()];
    let mut steps = 0;
    while let Some(e) = stack.pop() {
        steps += 1;
        if steps > 4096 {
            break;
        }
        match unparen(&e) {
            ast::Expr::List(l) => out.extend(l.items()),
            ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Concat) => {
                if let Some(r) = b.rhs() {
                    stack.push(r);
                }
                if let Some(l) = b.lhs() {
                    stack.push(l);
                }
            }
            other => out.push(other),
        }
    }
}

/// True when `apply` is the function of a larger application (`f a` in `f a b`): only the
/// outermost one sees every argument.
pub(crate) fn applies_further(apply: &ast::Apply) -> bool {
    apply
        .syntax()
        .parent()
        .and_then(ast::Apply::cast)
        .is_some_and(|p| p.lambda().is_some_and(|l| l.syntax() == apply.syntax()))
}

/// The body of `e` under its function headers and `let`s (a file's value as a flake or network
/// file writes it); `None` when one has no body.
fn under_functions_and_lets(e: &ast::Expr) -> Option<ast::Expr> {
    let mut cur = unparen(e);
    for _ in 0..MAX_DEPTH {
        cur = match cur {
            ast::Expr::Lambda(l) => unparen(&l.body()?),
            ast::Expr::LetIn(l) => unparen(&l.body()?),
            _ => break,
        };
    }
    Some(cur)
}

/// Function names that list a directory's modules when given a directory.
fn lists_directory(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "list", "readdir", "import", "load", "files", "tree", "scan", "modules", "collect", "dir",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// Functions that list a directory recursively (the others list one level).
fn lists_recursively(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("recursive") || n.contains("tree") || n == "load" || n.contains("fileset")
}

/// Where a module list is walked from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ListCx {
    /// A module's `imports`: inline modules belong to the module.
    Imports,
    /// A system's `modules`: inline modules are modules of their own.
    System,
}

impl Walker {
    fn imports(&mut self, e: &ast::Expr) {
        let mut refs = Vec::new();
        self.module_list(e, &mut refs, ListCx::Imports, 0);
        let m = self.module;
        for r in refs {
            if let ModuleRef::External(text, _) = &r {
                if text.contains("profiles/hardened.nix") {
                    self.out.modules[m].hardened_profile = true;
                }
            }
            self.out.modules[m].imports.push(r);
        }
    }

    /// The module references of a module list (an `imports` value, a system's `modules`).
    fn module_list(&mut self, e: &ast::Expr, out: &mut Vec<ModuleRef>, cx: ListCx, depth: u32) {
        if depth > MAX_DEPTH || !self.budget.step(e.syntax().text_range()) {
            return;
        }
        let range = e.syntax().text_range();
        match e {
            ast::Expr::Paren(p) => {
                if let Some(x) = p.expr() {
                    self.module_list(&x, out, cx, depth + 1);
                }
            }
            ast::Expr::List(l) => {
                for item in l.items() {
                    self.module_item(&item, out, cx, depth + 1);
                }
            }
            ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Concat) => {
                for side in [b.lhs(), b.rhs()].into_iter().flatten() {
                    self.module_list(&side, out, cx, depth + 1);
                }
            }
            ast::Expr::Ident(i) => {
                let name = ident_text(i).unwrap_or_default();
                match lookup(&self.scope, &name) {
                    Found::Expr(x, idx) => {
                        self.in_scope(idx, |w| w.module_list(&x, out, cx, depth + 1));
                    }
                    // A parameter bound to a list of paths while a call is followed (a host's
                    // `extraModules` of a table of hosts).
                    Found::Val(v) | Found::Placed(v) if matches!(v.v, Value::List(_)) => {
                        let Value::List(items) = v.v else { return };
                        for item in items {
                            let at = item.range;
                            out.push(value_ref(item.v, at).unwrap_or_else(|| {
                                ModuleRef::External(format!("an element of `{name}`"), at)
                            }));
                        }
                    }
                    _ => out.push(ModuleRef::External(name, range)),
                }
            }
            // `args.modules` with `args` bound to a call's argument (a helper's host): the
            // list given there.
            ast::Expr::Select(sel) if self.bound_list(sel).is_some() => {
                let Some(items) = self.bound_list(sel) else {
                    return;
                };
                for item in items {
                    let at = item.range;
                    out.push(value_ref(item.v, at).unwrap_or_else(|| {
                        ModuleRef::External("an element of a helper's argument".to_string(), at)
                    }));
                }
            }
            ast::Expr::IfElse(ie) => {
                for b in [ie.body(), ie.else_body()].into_iter().flatten() {
                    self.module_list(&b, out, cx, depth + 1);
                }
            }
            ast::Expr::LetIn(l) => {
                if let Some(body) = l.body() {
                    self.scope.push(Frame::Binds(l.syntax().clone()));
                    self.module_list(&body, out, cx, depth + 1);
                    self.scope.pop();
                }
            }
            ast::Expr::With(w) => {
                if let Some(body) = w.body() {
                    let frame = match w.namespace().and_then(|n| self.imported_file(&n, depth)) {
                        Some(p) => Frame::WithFile(p),
                        None => with_frame(w),
                    };
                    self.scope.push(frame);
                    self.module_list(&body, out, cx, depth + 1);
                    self.scope.pop();
                }
            }
            ast::Expr::Apply(a) => self.module_call(a, out, cx, depth),
            // A single module where a list is expected (`imports = ./x.nix;` is an error in
            // Nix, but `modules = common;` is often a list bound elsewhere).
            _ => self.module_item(e, out, cx, depth + 1),
        }
    }

    /// `NAME.key` where `NAME` is bound to a known set whose `key` is a list (a helper's
    /// parameter bound to a call's argument): the list's elements.
    fn bound_list(&self, sel: &ast::Select) -> Option<Vec<Val>> {
        let ast::Expr::Ident(id) = unparen(&sel.expr()?) else {
            return None;
        };
        let name = ident_text(&id)?;
        let (Found::Val(v) | Found::Placed(v)) = lookup(&self.scope, &name) else {
            return None;
        };
        let mut cur = v;
        for a in sel.attrpath()?.attrs() {
            let key = attr_ident(&a)?;
            cur = cur.v.attr(&key)?.clone();
        }
        match cur.v {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// A helper of one parameter whose builder takes its modules from it (`NixosConfiguration =
    /// args: nixosSystem { modules = [ … ] ++ args.modules; }`), called by name in this file
    /// (`luna = NixosConfiguration { modules = [ ./hosts/luna ]; };`): one host per call, the
    /// parameter bound to the call's argument.
    fn helper_direct_calls(&mut self, builder: &ast::Apply, kind: ModuleKind, modules: &ast::Expr) {
        let Some(lambda) = parent_past_parens(builder.syntax()).and_then(ast::Lambda::cast) else {
            return;
        };
        let Some(param) = ident_param(&lambda) else {
            return;
        };
        let Some(helper) = lambda.syntax().parent().and_then(|n| one_name_binding(&n)) else {
            return;
        };
        for call in calls_of(builder, &helper, 64) {
            let Some((_, args)) = unroll_head(&call) else {
                continue;
            };
            let [arg] = args.as_slice() else { continue };
            if !matches!(unparen(arg), ast::Expr::AttrSet(_))
                || !self.budget.step(call.syntax().text_range())
            {
                continue;
            }
            let value = self.eval(arg, &ancestor_scope(call.syntax()), 0);
            if value.v.attr("modules").is_none() {
                continue;
            }
            let name = system_name(call.syntax()).unwrap_or_else(|| {
                format!("{helper}@{}", u32::from(call.syntax().text_range().start()))
            });
            self.helper_host(
                builder,
                modules,
                vec![Frame::Bound(param.clone(), value)],
                kind,
                name,
                call.syntax().text_range(),
            );
        }
    }

    /// The file an expression imports whole (`import ../profiles`, or a name bound to that):
    /// its path as written.
    fn imported_file(&self, e: &ast::Expr, depth: u32) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        match unparen(e) {
            ast::Expr::Apply(a) => match wrapper(&a) {
                Some(Wrap::Import(x)) => match unparen(&x) {
                    ast::Expr::PathRel(_) => self
                        .path_template(&x, depth + 1)
                        .filter(|p| !p.contains("${")),
                    _ => None,
                },
                _ => None,
            },
            ast::Expr::Ident(i) => {
                let name = ident_text(&i)?;
                match lookup(&self.scope, &name) {
                    Found::Expr(x, _) => self.imported_file(&x, depth + 1),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `profiles.base` where `profiles` is a file imported whole: the file and the entry.
    fn file_entry(&self, e: &ast::Expr, depth: u32) -> Option<(String, String)> {
        let ast::Expr::Select(s) = unparen(e) else {
            return None;
        };
        if s.default_expr().is_some() {
            return None;
        }
        let mut attrs = s.attrpath()?.attrs();
        let name = attr_ident(&attrs.next()?)?;
        if attrs.next().is_some() {
            return None;
        }
        Some((self.imported_file(&s.expr()?, depth + 1)?, name))
    }

    /// A host record: a file whose value is a set naming a host's modules (`{ system =
    /// "x86_64-linux"; profiles = with profiles; [ base ]; modules = [ ./system.nix ]; }`),
    /// that a helper of the repository turns into a system. Its module lists make one system.
    fn host_record(&mut self, e: &ast::Expr) {
        let Some(ast::Expr::AttrSet(set)) = under_functions_and_lets(e) else {
            return;
        };
        let scope = ancestor_scope(set.syntax());
        // A string value, written in place or bound to a name (`system = hostSystem;`).
        let text = |v: &ast::Expr| self.eval(v, &scope, 0).v.as_str().map(str::to_string);
        let mut lists: Vec<ast::Expr> = Vec::new();
        let (mut has_modules, mut hostish) = (false, false);
        let mut kind = ModuleKind::NixOS;
        for apv in set.attrpath_values() {
            let (Some(ap), Some(v)) = (apv.attrpath(), apv.value()) else {
                continue;
            };
            let mut attrs = ap.attrs();
            let Some(name) = attrs.next().and_then(|a| attr_ident(&a)) else {
                continue;
            };
            let nested = attrs.next().is_some();
            // A module (`imports`, `config`, `options`), not a record; NixOS has no top-level
            // option named `modules`, so a record's `users` or `system` are its own.
            if matches!(name.as_str(), "imports" | "config" | "options") {
                return;
            }
            if nested {
                continue;
            }
            match name.as_str() {
                "modules" => {
                    has_modules = true;
                    lists.push(v);
                }
                "profiles" | "hardwareModules" | "extraModules" | "externalModules" => {
                    hostish = true;
                    lists.push(v);
                }
                "system" | "hostname" | "hostName" => {
                    hostish = true;
                    if text(&v).is_some_and(|t| t.contains("darwin")) {
                        kind = ModuleKind::Darwin;
                    }
                }
                "kind" => match text(&v).as_deref() {
                    Some("nixos") => hostish = true,
                    Some("darwin") => {
                        hostish = true;
                        kind = ModuleKind::Darwin;
                    }
                    // A home-manager or system-manager host: no NixOS system.
                    Some(_) => return,
                    None => {}
                },
                _ => {}
            }
        }
        if !(has_modules && hostish) {
            return;
        }
        self.scope = scope;
        let mut refs = Vec::new();
        for l in &lists {
            self.module_list(l, &mut refs, ListCx::System, 0);
        }
        self.scope.clear();
        let local = refs.iter().any(|r| {
            matches!(
                r,
                ModuleRef::Path(..) | ModuleRef::Entry(..) | ModuleRef::Rooted(..)
            )
        });
        if !local {
            return;
        }
        self.out.systems.push(SystemDecl {
            name: "host".to_string(),
            kind,
            modules: refs,
            range: set.syntax().text_range(),
            helper: false,
            convention: None,
            builder: "record".to_string(),
        });
    }

    /// A function call in a module list: `lib.optionals c [ ... ]`, `lib.flatten [ ... ]`,
    /// `map f [ ... ]`, a directory lister, or `f ./path` / `f "rel/path"`.
    fn module_call(&mut self, a: &ast::Apply, out: &mut Vec<ModuleRef>, cx: ListCx, depth: u32) {
        let range = a.syntax().text_range();
        match wrapper(a) {
            Some(Wrap::Import(x)) => return self.module_item(&x, out, cx, depth + 1),
            Some(Wrap::If(_, x) | Wrap::Prio(_, x, _)) => {
                return self.module_list(&x, out, cx, depth + 1)
            }
            Some(Wrap::Merge(x)) => return self.module_list(&x, out, cx, depth + 1),
            Some(Wrap::Both(..)) | None => {}
        }
        let Some((head, args)) = unroll_head(a) else {
            return;
        };
        let name = head_name(&head).unwrap_or_default();
        match (name.as_str(), args.as_slice()) {
            // nixpkgs' option aliases (`mkRenamedOptionModule [ "services" "x" ] [ … ]`): a
            // module that only forwards an option; its arguments are option paths, no imports.
            (
                "mkRenamedOptionModule"
                | "mkRenamedOptionModuleWith"
                | "mkRemovedOptionModule"
                | "mkAliasOptionModule"
                | "mkAliasOptionModuleMD"
                | "mkChangedOptionModule"
                | "mkMergedOptionModule",
                _,
            ) => {}
            ("optionals" | "optional", [_, x]) => {
                if name == "optional" {
                    self.module_item(x, out, cx, depth + 1);
                } else {
                    self.module_list(x, out, cx, depth + 1);
                }
            }
            ("flatten" | "concatLists" | "unique" | "toList", [x]) => {
                self.module_list(x, out, cx, depth + 1);
            }
            ("map", [f, list]) => self.module_map(f, list, out, cx, depth),
            ("filter", [_, list]) => self.module_list(list, out, cx, depth + 1),
            _ if self.module_helper(&head, &args, out, cx, depth) => {}
            ("attrValues", [x]) => self.module_attr_values(x, out, cx, depth),
            _ => {
                // A function given a directory lists it; given a file or a string naming one,
                // it is that module (`import ./x.nix args`, `relativeToRoot "hosts/a"`).
                let mut found = false;
                for arg in &args {
                    match unparen(arg) {
                        ast::Expr::PathRel(_) | ast::Expr::BinOp(_) => {
                            if let Some(p) = self.path_template(arg, depth + 1) {
                                found = true;
                                if p.contains("${") {
                                    out.push(ModuleRef::Template(p, range));
                                } else if lists_directory(&name) && name != "import" {
                                    let rec = lists_recursively(&name);
                                    out.push(ModuleRef::Dir(
                                        if rec { format!("{p}/**") } else { p },
                                        range,
                                    ));
                                } else {
                                    out.push(ModuleRef::Path(p, range));
                                }
                            }
                        }
                        ast::Expr::Str(_) => {
                            if let Some(s) = self.eval(arg, &self.scope, self.depth + 1).v.as_str()
                            {
                                if looks_relative(s) {
                                    found = true;
                                    out.push(ModuleRef::Rooted(s.to_string(), range));
                                }
                            }
                        }
                        ast::Expr::AttrSet(set) if lists_directory(&name) => {
                            // `haumea.lib.load { src = ./src; }`, `importApply`-style sets.
                            for key in ["src", "path", "dir", "root"] {
                                let v = set.attrpath_values().find_map(|apv| {
                                    let ap = apv.attrpath()?;
                                    let mut it = ap.attrs();
                                    let first = it.next()?;
                                    (attr_is(&first, key) && it.next().is_none())
                                        .then(|| apv.value())
                                        .flatten()
                                });
                                if let Some(p) = v.and_then(|v| self.path_template(&v, depth + 1)) {
                                    found = true;
                                    out.push(ModuleRef::Dir(format!("{p}/**"), range));
                                }
                            }
                        }
                        ast::Expr::List(_) if !TRANSFORM.contains(&name.as_str()) => {
                            found = true;
                            self.module_list(arg, out, cx, depth + 1);
                        }
                        _ => {}
                    }
                }
                if !found {
                    // A module of this flake that is a function of its own arguments, called
                    // with them (`with outputs.nixosModules; [ (common { inherit user; }) ]`,
                    // `(self.nixosModules.ssh { port = 22; })`): that module.
                    let flake = match unparen(&head) {
                        ast::Expr::Ident(i) => {
                            let n = ident_text(&i).unwrap_or_default();
                            match (lookup(&self.scope, &n), with_flake_modules(&self.scope)) {
                                (Found::Free, Some(true)) => Some(format!("darwin:{n}")),
                                (Found::Free, Some(false)) => Some(n),
                                _ => None,
                            }
                        }
                        x @ ast::Expr::Select(_) => flake_module(&x)
                            .or_else(|| self.aliased_flake_module(&x))
                            .or_else(|| self.selected_flake_module(&x)),
                        _ => None,
                    };
                    out.push(match flake {
                        Some(n) => ModuleRef::Flake(n, range),
                        None => ModuleRef::External(node_snippet(a.syntax()), range),
                    });
                }
            }
        }
    }

    /// `filterModules inputs.self.nixosModules [ "a" "b" ]` in a module list, where
    /// `filterModules` is a function bound in this file: its body, with each parameter bound
    /// to its argument (this flake's module set by name, other arguments by value). False when
    /// the head is no such function or its body names no module.
    fn module_helper(
        &mut self,
        head: &ast::Expr,
        args: &[ast::Expr],
        out: &mut Vec<ModuleRef>,
        cx: ListCx,
        depth: u32,
    ) -> bool {
        let ast::Expr::Ident(i) = unparen(head) else {
            return false;
        };
        let Some(name) = ident_text(&i) else {
            return false;
        };
        let Found::Expr(f, idx) = lookup(&self.scope, &name) else {
            return false;
        };
        // The parameters, as many as there are arguments.
        let mut params = Vec::new();
        let mut body = unparen(&f);
        for _ in args {
            let ast::Expr::Lambda(l) = body else {
                return false;
            };
            let (Some(p), Some(b)) = (ident_param(&l), l.body()) else {
                return false;
            };
            params.push(p);
            body = unparen(&b);
        }
        if params.is_empty() {
            return false;
        }
        let vals: Vec<Val> = args
            .iter()
            .map(|a| {
                let text = compact_text(a.syntax());
                let parts: Vec<&str> = text.split('.').chain(["x"]).collect();
                if flake_module_of_path(&parts).is_some() {
                    Val::new(Value::Unknown(text), a.syntax().text_range())
                } else {
                    self.eval(a, &self.scope, self.depth + 1)
                }
            })
            .collect();
        let mut refs = Vec::new();
        self.in_scope(idx, |w| {
            let mark = w.scope.len();
            for (p, v) in params.into_iter().zip(vals) {
                w.scope.push(Frame::Bound(p, v));
            }
            w.module_list(&body, &mut refs, cx, depth + 1);
            w.scope.truncate(mark);
        });
        let named = refs.iter().any(|r| !matches!(r, ModuleRef::External(..)));
        if named {
            out.extend(refs);
        }
        named
    }

    /// `map f [ ... ]` in a module list: with `f = n: ./dir/${n}.nix`, each element put in;
    /// with a path-making function (`relativeToRoot`, `import`), each string or path element.
    fn module_map(
        &mut self,
        f: &ast::Expr,
        list: &ast::Expr,
        out: &mut Vec<ModuleRef>,
        cx: ListCx,
        depth: u32,
    ) {
        let range = list.syntax().text_range();
        // `map (fn: ./${fn}) (filter (fn: fn != "default.nix") (attrNames (readDir ./.)))`:
        // every module of the directory, each file's path made from its name.
        if let Some(dir) = self.read_dir_names(list, depth) {
            if matches!(unparen(f), ast::Expr::Lambda(_)) {
                out.push(ModuleRef::Dir(dir, range));
                return;
            }
        }
        let items = self.eval(list, &self.scope, self.depth + 1);
        let Value::List(items) = items.v else {
            out.push(ModuleRef::External(node_snippet(list.syntax()), range));
            return;
        };
        if let ast::Expr::Lambda(l) = unparen(f) {
            let (Some(param), Some(body)) = (ident_param(&l), l.body()) else {
                return;
            };
            for item in items {
                let mark = self.scope.len();
                self.scope.push(Frame::Bound(param.clone(), item));
                let mut refs = Vec::new();
                self.module_item(&body, &mut refs, cx, depth + 1);
                self.scope.truncate(mark);
                out.extend(refs);
            }
            return;
        }
        out.extend(items.into_iter().filter_map(|i| value_ref(i.v, i.range)));
    }

    /// The directory whose entry names `e` lists (`attrNames (readDir ./.)`, through `filter`,
    /// `filterAttrs` and `builtins.`/`lib.` prefixes), as written.
    fn read_dir_names(&mut self, e: &ast::Expr, depth: u32) -> Option<String> {
        let mut cur = unparen(e);
        let mut names = false;
        for _ in 0..8 {
            let ast::Expr::Apply(a) = &cur else {
                return None;
            };
            let (head, args) = unroll_head(a)?;
            let name = head_name(&head).unwrap_or_default();
            match (name.as_str(), args.as_slice()) {
                // `filterAttrs (n: t: t == "directory" || hasSuffix ".nix" n) (readDir ./.)`
                // inside `attrNames`.
                ("filter", [_, x]) | ("filterAttrs", [_, x]) => cur = unparen(x),
                ("attrNames", [x]) => {
                    names = true;
                    cur = unparen(x);
                }
                ("readDir", [x]) if names => {
                    let p = self.path_template(x, depth + 1)?;
                    return (!p.contains("${")).then_some(p);
                }
                _ => return None,
            }
        }
        None
    }

    /// `builtins.attrValues X` in a module list: the values of a set written here, or every
    /// module of this flake (`attrValues self.nixosModules`).
    fn module_attr_values(
        &mut self,
        x: &ast::Expr,
        out: &mut Vec<ModuleRef>,
        cx: ListCx,
        depth: u32,
    ) {
        let range = x.syntax().text_range();
        match unparen(x) {
            ast::Expr::AttrSet(set) => {
                for apv in set.attrpath_values() {
                    if let Some(v) = apv.value() {
                        self.module_item(&v, out, cx, depth + 1);
                    }
                }
            }
            ast::Expr::Apply(a)
                if unroll(&a).is_some_and(|(n, args)| {
                    n == "removeAttrs" && args.len() == 2 && whole_module_set(&args[0])
                }) =>
            {
                // `attrValues (removeAttrs self.modules.nixos [ "base" "media" ])`: every
                // module of this flake but those named (each name a literal string).
                let Some((_, args)) = unroll(&a) else { return };
                let names: Option<Vec<String>> = match unparen(&args[1]) {
                    ast::Expr::List(l) => l
                        .items()
                        .map(|i| match unparen(&i) {
                            ast::Expr::Str(st) => match crate::value::str_parts(&st)?.as_slice() {
                                [] => Some(String::new()),
                                [ast::InterpolPart::Literal(l)] => Some(l.clone()),
                                _ => None,
                            },
                            _ => None,
                        })
                        .collect(),
                    _ => None,
                };
                match names {
                    Some(names) => out.push(ModuleRef::Flake(
                        format!("{FLAKE_ALL_BUT}{}", names.join(",")),
                        range,
                    )),
                    None => out.push(ModuleRef::Flake("*".into(), range)),
                }
            }
            ast::Expr::Select(_) => {
                // `attrValues outputs.nixosModules` (the whole set) or one of its members.
                if whole_module_set(x) || flake_module(x).is_some() {
                    out.push(ModuleRef::Flake("*".into(), range));
                } else {
                    out.push(ModuleRef::External(node_snippet(x.syntax()), range));
                }
            }
            ast::Expr::Ident(i) => {
                let name = ident_text(&i).unwrap_or_default();
                if let Found::Expr(v, idx) = lookup(&self.scope, &name) {
                    self.in_scope(idx, |w| w.module_attr_values(&v, out, cx, depth + 1));
                } else {
                    out.push(ModuleRef::External(name, range));
                }
            }
            other => {
                let mut refs = Vec::new();
                self.module_item(&other, &mut refs, cx, depth + 1);
                // `attrValues (import ./modules)`: every module that file exports.
                for r in refs {
                    match r {
                        ModuleRef::Path(p, r) => out.push(ModuleRef::Flake(format!("*{p}"), r)),
                        other => out.push(other),
                    }
                }
            }
        }
    }

    /// One entry of a module list.
    fn module_item(&mut self, item: &ast::Expr, out: &mut Vec<ModuleRef>, cx: ListCx, depth: u32) {
        if depth > MAX_DEPTH || !self.budget.step(item.syntax().text_range()) {
            return;
        }
        let range = item.syntax().text_range();
        match item {
            ast::Expr::Paren(p) => {
                if let Some(x) = p.expr() {
                    self.module_item(&x, out, cx, depth + 1);
                }
            }
            ast::Expr::PathRel(_) | ast::Expr::BinOp(_) => {
                if let ast::Expr::BinOp(b) = item {
                    if b.operator() == Some(BinOpKind::Concat) {
                        return self.module_list(item, out, cx, depth + 1);
                    }
                }
                if let Some(p) = self_relative(item) {
                    out.push(ModuleRef::Rooted(p, range));
                    return;
                }
                match self.path_template(item, depth + 1) {
                    Some(p) if p.contains("${") => out.push(ModuleRef::Template(p, range)),
                    Some(p) => out.push(ModuleRef::Path(p, range)),
                    None => out.push(ModuleRef::External(node_snippet(item.syntax()), range)),
                }
            }
            ast::Expr::Str(s) => match (self.string_origin_path(s), self_relative(item)) {
                (Some(p), _) => out.push(ModuleRef::Path(p, range)),
                (None, Some(p)) => out.push(ModuleRef::Rooted(p, range)),
                (None, None) => match self_relative_template(item) {
                    Some(t) => out.push(ModuleRef::Template(format!("{SELF_TEMPLATE}{t}"), range)),
                    None => out.push(ModuleRef::External(node_snippet(item.syntax()), range)),
                },
            },
            ast::Expr::PathAbs(_) | ast::Expr::PathHome(_) | ast::Expr::PathSearch(_) => {
                out.push(ModuleRef::External(node_snippet(item.syntax()), range));
            }
            ast::Expr::Select(_) => {
                match flake_module(item)
                    .or_else(|| self.aliased_flake_module(item))
                    .or_else(|| self.selected_flake_module(item))
                    .or_else(|| templated_flake_module(item))
                {
                    Some(name) => out.push(ModuleRef::Flake(name, range)),
                    None => match self.file_entry(item, depth) {
                        Some((file, name)) => out.push(ModuleRef::Entry(file, name, range)),
                        None => out.push(ModuleRef::External(node_snippet(item.syntax()), range)),
                    },
                }
            }
            ast::Expr::Apply(a) => match wrapper(a) {
                Some(Wrap::Import(x)) => self.module_item(&x, out, cx, depth + 1),
                _ => self.module_call(a, out, cx, depth + 1),
            },
            // `(if c then ./x.nix else null)`: no module where the condition fails.
            ast::Expr::Ident(i) if ident_text(i).as_deref() == Some("null") => {}
            ast::Expr::Ident(i) => {
                let name = ident_text(i).unwrap_or_default();
                match lookup(&self.scope, &name) {
                    Found::Expr(x, idx) => {
                        self.in_scope(idx, |w| w.module_item(&x, out, cx, depth + 1));
                    }
                    Found::Val(v) | Found::Placed(v) => {
                        out.push(value_ref(v.v, range).unwrap_or(ModuleRef::External(name, range)))
                    }
                    Found::Free if with_file(&self.scope).is_some() => {
                        let file = with_file(&self.scope).unwrap_or_default().to_string();
                        out.push(ModuleRef::Entry(file, name, range));
                    }
                    Found::Free => match with_flake_modules(&self.scope) {
                        Some(true) => out.push(ModuleRef::Flake(format!("darwin:{name}"), range)),
                        Some(false) => out.push(ModuleRef::Flake(name, range)),
                        None => out.push(ModuleRef::External(name, range)),
                    },
                    Found::Opaque => out.push(ModuleRef::External(name, range)),
                }
            }
            ast::Expr::List(_) => self.module_list(item, out, cx, depth + 1),
            // A list under `with` as an element of a list flattened (`lib.flatten [ (with
            // outputs.nixosModules; [ common gui ]) … ]`).
            ast::Expr::With(w)
                if matches!(w.body().map(|b| unparen(&b)), Some(ast::Expr::List(_))) =>
            {
                self.module_list(item, out, cx, depth + 1);
            }
            ast::Expr::IfElse(ie) => {
                for b in [ie.body(), ie.else_body()].into_iter().flatten() {
                    self.module_item(&b, out, cx, depth + 1);
                }
            }
            ast::Expr::AttrSet(_) | ast::Expr::Lambda(_) | ast::Expr::LetIn(_) => match cx {
                ListCx::Imports => {
                    // An inline module: its settings belong to the current module.
                    let saved_prefix = std::mem::take(&mut self.prefix);
                    let saved_starts = std::mem::take(&mut self.starts);
                    let saved_conds = std::mem::take(&mut self.conds);
                    let saved_prio = std::mem::replace(&mut self.prio, priority::NORMAL);
                    self.module_root(item);
                    self.prefix = saved_prefix;
                    self.starts = saved_starts;
                    self.conds = saved_conds;
                    self.prio = saved_prio;
                }
                ListCx::System => {
                    let idx = self.out.modules.len();
                    self.out.modules.push(Module {
                        is_module: true,
                        ..Module::default()
                    });
                    let saved = std::mem::replace(&mut self.module, idx);
                    let saved_prefix = std::mem::take(&mut self.prefix);
                    let saved_starts = std::mem::take(&mut self.starts);
                    let saved_conds = std::mem::take(&mut self.conds);
                    self.module_root(item);
                    self.prefix = saved_prefix;
                    self.starts = saved_starts;
                    self.conds = saved_conds;
                    self.module = saved;
                    out.push(ModuleRef::Inline(idx));
                }
            },
            _ => out.push(ModuleRef::External(node_snippet(item.syntax()), range)),
        }
    }

    /// `flakeCfg.flake.nixosModules.NAME` with `flakeCfg = config;` (or `self`, `inputs.self`)
    /// bound by a `let`: the flake's module NAME.
    fn aliased_flake_module(&self, item: &ast::Expr) -> Option<String> {
        let ast::Expr::Select(s) = unparen(item) else {
            return None;
        };
        let ast::Expr::Ident(i) = s.expr()? else {
            return None;
        };
        let Found::Expr(x, _) = lookup(&self.scope, &ident_text(&i)?) else {
            return None;
        };
        let text: String = x
            .syntax()
            .text()
            .to_string()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        matches!(text.as_str(), "config" | "self" | "inputs.self" | "outputs")
            .then(|| flake_module_as(item, Some(&text)))
            .flatten()
    }

    /// `moduleSet.${n} or null` where `moduleSet` is bound to this flake's module set (a
    /// parameter of a helper given `inputs.self.nixosModules`) and `n` to a known name, or
    /// `self.nixosModules.${n}` in `map (n: ...) [ ... ]`: that module's name.
    fn selected_flake_module(&self, item: &ast::Expr) -> Option<String> {
        let ast::Expr::Select(s) = unparen(item) else {
            return None;
        };
        let mut parts: Vec<String> = Vec::new();
        match s.expr()? {
            ast::Expr::Ident(i) => {
                let name = ident_text(&i)?;
                let text = match lookup(&self.scope, &name) {
                    Found::Expr(x, _) => x.syntax().text().to_string(),
                    Found::Val(Val {
                        v: Value::Unknown(t),
                        ..
                    }) => t,
                    _ => name,
                };
                let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                parts.extend(text.split('.').map(str::to_string));
            }
            _ => return None,
        }
        for a in s.attrpath()?.attrs() {
            parts.push(match &a {
                ast::Attr::Ident(i) => ident_text(i)?,
                ast::Attr::Str(st) => self
                    .string(st, &self.scope, self.depth + 1)
                    .v
                    .as_str()?
                    .to_string(),
                ast::Attr::Dynamic(d) => self
                    .eval(&d.expr()?, &self.scope, self.depth + 1)
                    .v
                    .as_str()?
                    .to_string(),
            });
        }
        let p: Vec<&str> = parts.iter().map(String::as_str).collect();
        flake_module_of_path(&p)
    }

    /// `"${./x}"`: the path interpolated, when the string is only that.
    fn string_origin_path(&self, s: &ast::Str) -> Option<String> {
        let mut parts = crate::value::str_parts(s)?.into_iter();
        let first = parts.next()?;
        if parts.next().is_some() {
            return None;
        }
        match first {
            ast::InterpolPart::Interpolation(i) => {
                let e = i.expr()?;
                self.path_template(&e, 0).filter(|p| !p.contains("${"))
            }
            ast::InterpolPart::Literal(_) => None,
        }
    }

    /// A relative path as written, with interpolations of known strings put in and unknown
    /// ones written `${…}`: `./hosts/${name}`, `./. + "/hosts/${host}"`, `../modules + "/x"`.
    /// `None` when it is not a relative path.
    fn path_template(&self, e: &ast::Expr, depth: u32) -> Option<String> {
        if depth > MAX_DEPTH || !self.budget.step(e.syntax().text_range()) {
            return None;
        }
        match e {
            ast::Expr::Paren(p) => self.path_template(&p.expr()?, depth + 1),
            ast::Expr::PathRel(p) => {
                let mut out = String::new();
                for part in p.syntax().children_with_tokens() {
                    match part {
                        rnix::NodeOrToken::Token(t) => out.push_str(t.text()),
                        rnix::NodeOrToken::Node(n) => {
                            match ast::Interpol::cast(n)
                                .and_then(|i| i.expr())
                                .map(|x| self.eval(&x, &self.scope, self.depth + 1).v)
                            {
                                Some(Value::Str(s)) => out.push_str(&s),
                                _ => out.push_str("${…}"),
                            }
                        }
                    }
                }
                Some(dot_relative(out))
            }
            ast::Expr::Ident(i) => {
                let name = ident_text(i)?;
                match lookup(&self.scope, &name) {
                    Found::Expr(x, idx) => {
                        let inner: Vec<Frame> = self.scope[..=idx].to_vec();
                        let w = Walker {
                            out: FileIndex::default(),
                            prefix: Vec::new(),
                            starts: Vec::new(),
                            conds: Vec::new(),
                            scope: inner,
                            prio: priority::NORMAL,
                            ordered: false,
                            module: 0,
                            depth: self.depth,
                            budget: self.budget.clone(),
                            exported: Vec::new(),
                            option_defaults: Vec::new(),
                            words: self.words,
                        };
                        w.path_template(&x, depth + 1)
                    }
                    Found::Val(Val {
                        v: Value::Path(p), ..
                    }) => Some(p),
                    _ => None,
                }
            }
            ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Add) => {
                let l = self.path_template(&b.lhs()?, depth + 1)?;
                let r = b.rhs()?;
                let r = match self.eval(&r, &self.scope, self.depth + 1).v {
                    Value::Str(s) | Value::Interp(s) => s,
                    // `root + /modules/ssh.nix` (an absolute path literal appended to a path
                    // is a path below it).
                    Value::Path(s) if matches!(unparen(&r), ast::Expr::PathAbs(_)) => s,
                    _ => self.path_template(&r, depth + 1)?,
                };
                let l = l.trim_end_matches('/');
                let r = r.trim_start_matches('/');
                Some(if l == "." {
                    format!("./{r}")
                } else {
                    format!("{l}/{r}")
                })
            }
            _ => None,
        }
    }
}

/// A string that names a path relative to something: `hosts/common/core`, `modules/x.nix`.
fn looks_relative(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('/')
        && !s.contains("://")
        && !s.contains(char::is_whitespace)
        && (s.contains('/') || s.ends_with(".nix"))
}

/// `self.nixosModules.NAME` (also through `inputs.self`, `outputs`, `self.outputs`,
/// `config.flake`, and `darwinModules`): NAME.
fn flake_module(e: &ast::Expr) -> Option<String> {
    flake_module_as(e, None)
}

/// [`flake_module`], with the select's base name read as `base` (`flakeCfg` bound to
/// `config` by a `let`).
fn flake_module_as(e: &ast::Expr, base: Option<&str>) -> Option<String> {
    let ast::Expr::Select(s) = unparen(e) else {
        return None;
    };
    if s.default_expr().is_some() {
        return None;
    }
    let mut parts: Vec<String> = Vec::new();
    // The base of the select and its attribute path.
    match (s.expr()?, base) {
        (ast::Expr::Ident(_), Some(b)) => parts.extend(b.split('.').map(str::to_string)),
        (ast::Expr::Ident(i), None) => parts.push(ident_text(&i)?),
        _ => return None,
    }
    for a in s.attrpath()?.attrs() {
        parts.push(match &a {
            ast::Attr::Ident(i) => ident_text(i)?,
            ast::Attr::Str(st) => {
                let mut t = String::new();
                for p in crate::value::str_parts(st)? {
                    match p {
                        ast::InterpolPart::Literal(l) => t.push_str(&l),
                        ast::InterpolPart::Interpolation(_) => return None,
                    }
                }
                t
            }
            ast::Attr::Dynamic(_) => return None,
        });
    }
    let p: Vec<&str> = parts.iter().map(String::as_str).collect();
    flake_module_of_path(&p)
}

/// `inputs.self.modules.nixos.${name}` in a helper (`mkNixos = system: name: nixosSystem {
/// modules = [ inputs.self.modules.nixos.${name} ]; }`): this flake's module of a name known
/// per host, `${…}` (`darwin:${…}`; `hosts-${…}` for `."hosts-${name}"`); each host the
/// helper builds is one of the flake's modules whose name matches (and, for a bare `${…}`,
/// that looks like a host).
fn templated_flake_module(e: &ast::Expr) -> Option<String> {
    let ast::Expr::Select(s) = unparen(e) else {
        return None;
    };
    if s.default_expr().is_some() {
        return None;
    }
    let ast::Expr::Ident(i) = s.expr()? else {
        return None;
    };
    let mut parts: Vec<String> = vec![ident_text(&i)?];
    let attrs: Vec<ast::Attr> = s.attrpath()?.attrs().collect();
    let (last, rest) = attrs.split_last()?;
    for a in rest {
        parts.push(match a {
            ast::Attr::Ident(i) => ident_text(i)?,
            _ => return None,
        });
    }
    // The name as a pattern: `${…}`, or `hosts-${…}` for `"hosts-${name}"`.
    let name = match last {
        ast::Attr::Dynamic(_) => PER_HOST.to_string(),
        ast::Attr::Str(st) => {
            let mut name = String::new();
            let mut holes = 0;
            for p in crate::value::str_parts(st)? {
                match p {
                    ast::InterpolPart::Literal(l) => name.push_str(&l),
                    ast::InterpolPart::Interpolation(_) => {
                        holes += 1;
                        name.push_str(PER_HOST);
                    }
                }
            }
            if holes != 1 {
                return None;
            }
            name
        }
        ast::Attr::Ident(_) => return None,
    };
    parts.push(name);
    let p: Vec<&str> = parts.iter().map(String::as_str).collect();
    flake_module_of_path(&p)
}

/// The name of a flake's module known only per host ([`templated_flake_module`]).
pub const PER_HOST: &str = "${…}";

/// The name of this flake's module that the attribute path `p` names (`inputs.self.
/// nixosModules.NAME`, `config.flake.modules.darwin.NAME` as `darwin:NAME`).
fn flake_module_of_path(p: &[&str]) -> Option<String> {
    let rest = match p {
        ["self", "outputs", rest @ ..]
        | ["self" | "outputs", rest @ ..]
        | ["inputs", "self", rest @ ..] => rest,
        // numtide blueprint gives modules the flake as `flake`.
        ["config" | "flake", "flake", rest @ ..] | ["flake", rest @ ..] => rest,
        _ => return None,
    };
    // nix-darwin's modules are named apart: `darwinModules.default` is not
    // `nixosModules.default`.
    match rest {
        ["darwinModules", name] | ["modules", "darwin", name] => Some(format!("darwin:{name}")),
        ["nixosModules" | "modules", name] => Some((*name).to_string()),
        ["modules", "nixos", name] => Some((*name).to_string()),
        _ => None,
    }
}

/// The frame of `with E;`: [`Frame::WithFlakeModules`] when E is this flake's module set
/// (`config.flake.modules.nixos`, `self.nixosModules`, `inputs.self.modules.darwin`).
fn with_frame(w: &ast::With) -> Frame {
    let text = w
        .namespace()
        .map(|n| compact_text(n.syntax()))
        .unwrap_or_default();
    let rest = [
        "config.flake.",
        "self.outputs.",
        "self.",
        "inputs.self.",
        "outputs.",
        "flake.",
    ]
    .iter()
    .find_map(|p| text.strip_prefix(p));
    match rest {
        Some("nixosModules" | "modules.nixos") => Frame::WithFlakeModules(false),
        Some("darwinModules" | "modules.darwin") => Frame::WithFlakeModules(true),
        _ if text.strip_prefix("config.").is_some_and(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
        }) =>
        {
            Frame::WithConfig(text)
        }
        _ => Frame::With,
    }
}

/// The innermost `with` of the scope, when it is a file's set of modules: that file's path.
fn with_file(scope: &[Frame]) -> Option<&str> {
    scope
        .iter()
        .rev()
        .find_map(|f| match f {
            Frame::WithFile(p) => Some(Some(p.as_str())),
            Frame::With | Frame::WithConfig(_) | Frame::WithFlakeModules(_) => Some(None),
            _ => None,
        })
        .flatten()
}

/// The innermost `with` of the scope, when it is this flake's module set: true for
/// nix-darwin's.
fn with_flake_modules(scope: &[Frame]) -> Option<bool> {
    scope.iter().rev().find_map(|f| match f {
        Frame::WithFlakeModules(d) => Some(Some(*d)),
        Frame::With | Frame::WithConfig(_) | Frame::WithFile(_) => Some(None),
        _ => None,
    })?
}

/// Where a module exported in place is named, in an attribute path.
struct ExportSplit {
    /// The number of names up to and including the module's name.
    at: usize,
    /// The name it is exported as (`darwin:NAME` for nix-darwin's).
    name: String,
    /// Its class; `None` for modules that are not NixOS or nix-darwin modules
    /// (`flake.modules.homeManager.NAME`, `flake.modules.generic.NAME`).
    class: Option<ModuleKind>,
    /// A NixOS container's configuration (`containers.NAME.config`), not an export.
    container: bool,
}

/// The names one of which every path to an exported module (or a container's) goes through.
const EXPORT_WORDS: &[&str] = &[
    "modules",
    "nixosModules",
    "darwinModules",
    "nixosModule",
    "containers",
    "den",
    "unify",
];

/// `flake.modules.<class>.NAME...` (flake-parts), `[flake.]nixosModules.NAME...` and
/// `[flake.]darwinModules.NAME...`: where the module's name is, when `path` goes through one.
fn export_split(path: &[String]) -> Option<ExportSplit> {
    // Every form names one of these (checked first: this runs for every recorded setting).
    if !path
        .iter()
        .any(|n| EXPORT_WORDS.contains(&n.as_str()) || n.ends_with("Modules"))
    {
        return None;
    }
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    // unify (a flake-parts framework): `unify.nixos` is every host's NixOS module,
    // `unify.modules.<name>.nixos` a feature's; `home` parts are home-manager's.
    let class_of = |c: &str, name: String| match c {
        "nixos" => Some((Some(ModuleKind::NixOS), name)),
        "darwin" => Some((Some(ModuleKind::Darwin), format!("darwin:{name}"))),
        "home" => Some((None, format!("home:{name}"))),
        _ => None,
    };
    if let ["unify", c, ..] = p.as_slice() {
        if let Some((class, name)) = class_of(c, "unify".to_string()) {
            return Some(ExportSplit {
                at: 2,
                name,
                class,
                container: false,
            });
        }
    }
    if let ["unify", "modules", m, c, ..] = p.as_slice() {
        if let Some((class, name)) = class_of(c, format!("unify.{m}")) {
            return Some(ExportSplit {
                at: 4,
                name,
                class,
                container: false,
            });
        }
    }
    // den's aspects (`den.default.nixos = { ... }`, `den.aspects.boot.plymouth.nixos`): the
    // module of a class is the aspect's attribute named for it.
    if p.first() == Some(&"den") {
        let k = p
            .iter()
            .skip(2)
            .position(|n| matches!(*n, "nixos" | "darwin"))?
            + 2;
        let darwin = p[k] == "darwin";
        let aspect = p[1..k].join(".");
        return Some(ExportSplit {
            at: k + 1,
            name: if darwin {
                format!("darwin:den.{aspect}")
            } else {
                format!("den.{aspect}")
            },
            class: Some(if darwin {
                ModuleKind::Darwin
            } else {
                ModuleKind::NixOS
            }),
            container: false,
        });
    }
    if let ["containers", name, "config", ..] = p.as_slice() {
        return Some(ExportSplit {
            at: 3,
            name: format!("container:{name}"),
            class: Some(ModuleKind::NixOS),
            container: true,
        });
    }
    for i in 0..p.len() {
        match &p[i..] {
            ["flake", "modules", class, name, ..] => {
                let (class, name) = match *class {
                    "nixos" => (Some(ModuleKind::NixOS), (*name).to_string()),
                    "darwin" => (Some(ModuleKind::Darwin), format!("darwin:{name}")),
                    _ => (None, format!("{class}:{name}")),
                };
                return Some(ExportSplit {
                    at: i + 4,
                    name,
                    class,
                    container: false,
                });
            }
            // A clan service's `perInstance`/`perMachine` result (`{ nixosModule = MODULE; }`)
            // and a flake's legacy `nixosModule` output.
            ["nixosModule", ..] => {
                return Some(ExportSplit {
                    at: i + 1,
                    name: p[..=i].join("."),
                    class: Some(ModuleKind::NixOS),
                    container: false,
                });
            }
            ["nixosModules", name, ..] => {
                return Some(ExportSplit {
                    at: i + 2,
                    name: (*name).to_string(),
                    class: Some(ModuleKind::NixOS),
                    container: false,
                });
            }
            ["darwinModules", name, ..] => {
                return Some(ExportSplit {
                    at: i + 2,
                    name: format!("darwin:{name}"),
                    class: Some(ModuleKind::Darwin),
                    container: false,
                });
            }
            // A flake-parts output of modules of another name (`flake.wslModules.wsl`,
            // `flake.serverModules.base`): NixOS modules (their kind then told by what they
            // set, as a plain file's); not those of home-manager, flake-parts or an editor's
            // module system.
            ["flake", set, name, ..] if set.ends_with("Modules") && other_modules(set) => {
                return Some(ExportSplit {
                    at: i + 3,
                    name: format!("{set}:{name}"),
                    class: Some(ModuleKind::NixOS),
                    container: false,
                });
            }
            _ => {}
        }
    }
    None
}

/// A flake output of modules (`wslModules`) that is not one of the known classes' nor one of
/// home-manager's, flake-parts', an editor's or another program's own module systems.
fn other_modules(set: &str) -> bool {
    let l = set.to_ascii_lowercase();
    ![
        "nixosmodules",
        "darwinmodules",
        "home",
        "hm",
        "flake",
        "vim",
        "nixcats",
        "hjem",
        "wrapper",
        "system",
        "generic",
    ]
    .iter()
    .any(|w| l.contains(w))
}

/// A module written in place: an attribute set, a function, `let`, `with`, or a wrapper of
/// one (`mkIf`, `mkMerge`, `//`, `if`).
fn is_inline_module(e: &ast::Expr) -> bool {
    match unparen(e) {
        ast::Expr::AttrSet(_)
        | ast::Expr::Lambda(_)
        | ast::Expr::LetIn(_)
        | ast::Expr::With(_)
        | ast::Expr::IfElse(_) => true,
        ast::Expr::BinOp(b) => b.operator() == Some(BinOpKind::Update),
        ast::Expr::Apply(a) => matches!(
            wrapper(&a),
            Some(Wrap::If(..) | Wrap::Merge(_) | Wrap::Prio(..) | Wrap::Both(..))
        ),
        _ => false,
    }
}

/// Whether a name of `ap` or of the attribute paths around `apv` (those [`enclosing_names`]
/// gives) may be one [`export_split`] needs: an identifier that is one, or a name that is not
/// an identifier (looked at no further).
/// The attribute definition whose value the attribute set `set` is: its parent, or the
/// parent of the `let` whose body it is or of the parentheses around it (`containers.torrent =
/// let secrets = …; in { config = …; }`).
fn binding_of_set(set: SyntaxNode) -> Option<ast::AttrpathValue> {
    let mut value = set;
    for _ in 0..MAX_DEPTH {
        let parent = value.parent()?;
        let through = parent.kind() == SyntaxKind::NODE_PAREN
            || ast::LetIn::cast(parent.clone())
                .and_then(|l| l.body())
                .is_some_and(|b| b.syntax() == &value);
        // An element of `mkMerge [ … ]` (`flake.modules = lib.mkMerge [ { nixos.x = …; } ];`):
        // merged into the value of the binding around the call.
        if parent.kind() == SyntaxKind::NODE_LIST {
            let call = parent.parent().and_then(ast::Apply::cast).filter(|a| {
                a.argument().is_some_and(|x| x.syntax() == &parent)
                    && a.lambda()
                        .and_then(|l| head_name(&l))
                        .is_some_and(|n| n == "mkMerge")
            })?;
            value = call.syntax().clone();
            continue;
        }
        if !through {
            return ast::AttrpathValue::cast(parent);
        }
        value = parent;
    }
    None
}

fn may_name_an_export(apv: &ast::AttrpathValue, ap: &ast::Attrpath) -> bool {
    let may = |ap: &ast::Attrpath| {
        ap.attrs().any(|a| match a {
            ast::Attr::Ident(i) => i
                .ident_token()
                .is_some_and(|t| EXPORT_WORDS.contains(&t.text()) || t.text().ends_with("Modules")),
            _ => true,
        })
    };
    if may(ap) {
        return true;
    }
    let mut node = apv.syntax().clone();
    for _ in 0..MAX_DEPTH {
        let Some(set) = node
            .parent()
            .filter(|p| p.kind() == SyntaxKind::NODE_ATTR_SET)
        else {
            break;
        };
        let Some(outer) = binding_of_set(set) else {
            break;
        };
        let Some(ap) = outer.attrpath() else { break };
        if may(&ap) {
            return true;
        }
        node = outer.syntax().clone();
    }
    false
}

/// The names of the attribute definitions `apv` is nested in, outermost first
/// (`flake = { modules.nixos = { core = ...; }; }` gives `flake.modules.nixos` for `core`);
/// a leading `config.` (a flake-parts module's explicit `config`) is dropped.
fn enclosing_names(apv: &ast::AttrpathValue) -> Vec<String> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut node = apv.syntax().clone();
    for _ in 0..MAX_DEPTH {
        let Some(set) = node
            .parent()
            .filter(|p| p.kind() == SyntaxKind::NODE_ATTR_SET)
        else {
            break;
        };
        let Some(outer) = binding_of_set(set) else {
            break;
        };
        let Some(ap) = outer.attrpath() else { break };
        out.push(
            ap.attrs()
                .map(|a| attr_literal(&a).unwrap_or_else(|| "${…}".to_string()))
                .collect(),
        );
        node = outer.syntax().clone();
    }
    out.reverse();
    let mut names: Vec<String> = out.into_iter().flatten().collect();
    if names.first().is_some_and(|n| n == "config") {
        names.remove(0);
    }
    names
}

/// Names of attributes that hold a system's modules in a call building one.
const MODULE_ATTRS: &[&str] = &[
    "modules",
    "nixos-modules",
    "nixosModules",
    "nixos_modules",
    "extraModules",
    "systemModules",
    "hostModules",
];

/// `name` in ASCII lower case, in `buf` when it fits (most names do: no allocation).
fn ascii_lower<'b>(name: &str, buf: &'b mut [u8; 48]) -> std::borrow::Cow<'b, str> {
    let b = name.as_bytes();
    if b.len() <= buf.len() {
        let out = &mut buf[..b.len()];
        out.copy_from_slice(b);
        out.make_ascii_lowercase();
        // ASCII letters changed case, nothing else: still the UTF-8 text it was.
        if let Ok(t) = std::str::from_utf8(out) {
            return std::borrow::Cow::Borrowed(t);
        }
    }
    std::borrow::Cow::Owned(name.to_ascii_lowercase())
}

/// A helper named for building a VM from a module: `buildVM`, `mkVM`, `makeVm`,
/// `mkMicroVM`.
fn vm_builder(name: &str) -> bool {
    let mut buf = [0u8; 48];
    let n = ascii_lower(name, &mut buf);
    let n: &str = n.as_ref();
    ["build", "mk", "make"].iter().any(|p| n.starts_with(p)) && n.ends_with("vm")
}

/// A function that builds a system when given a `modules` list: `nixosSystem`,
/// `darwinSystem`, and helpers named like `mkHost`, `mkSystem`, `mkNixos`, `mkMachine`.
/// nixpkgs' `nixos/lib/eval-config.nix`, as a path or a string (`"${nixpkgs}/nixos/lib/…"`,
/// `<nixpkgs/nixos/lib/eval-config.nix>`).
fn eval_config_file(e: &ast::Expr) -> bool {
    let t = e.syntax().text().to_string();
    t.trim_matches(|c| matches!(c, '"' | '<' | '>' | '(' | ')' | ' '))
        .ends_with("nixos/lib/eval-config.nix")
}

/// The bindings of an attribute set literal, nested sets flattened up to `depth` names
/// (`a.b = x;` and `a = { b = x; };` are both `["a", "b"]`); names that are no identifier or
/// literal string are left out.
fn flat_entries(set: &ast::AttrSet, depth: usize) -> Vec<(Vec<String>, ast::Expr)> {
    let mut out = Vec::new();
    let mut todo: Vec<(Vec<String>, ast::AttrSet)> = vec![(Vec::new(), set.clone())];
    while let Some((prefix, set)) = todo.pop() {
        for apv in set.attrpath_values() {
            let (Some(ap), Some(value)) = (apv.attrpath(), apv.value()) else {
                continue;
            };
            let mut path = prefix.clone();
            let mut named = true;
            for a in ap.attrs() {
                match attr_ident(&a).or_else(|| attr_literal(&a)) {
                    Some(n) => path.push(n),
                    None => named = false,
                }
            }
            if !named || path.len() > depth {
                continue;
            }
            if let ast::Expr::AttrSet(inner) = unparen(&value) {
                if path.len() < depth {
                    todo.push((path.clone(), inner));
                }
            }
            out.push((path, value));
        }
    }
    out
}

/// The calls of the function named `helper` in the file `node` is in (the first `limit`).
fn calls_of(node: &ast::Apply, helper: &str, limit: usize) -> Vec<ast::Apply> {
    let Some(root) = node.syntax().ancestors().last() else {
        return Vec::new();
    };
    root.descendants()
        .filter_map(ast::Apply::cast)
        .filter(|a| apply_head_token(a).is_some_and(|t| t.text() == helper))
        .take(limit)
        .collect()
}

fn system_builder(name: &str) -> Option<ModuleKind> {
    let mut buf = [0u8; 48];
    let n = ascii_lower(name, &mut buf);
    let n = n.as_ref();
    if n.contains("darwin") || n.contains("macos") {
        return Some(ModuleKind::Darwin);
    }
    if n.contains("home") {
        return None;
    }
    // nixos-generators' `nixosGenerate { modules = [ … ]; format = "iso"; }`: an image of a
    // NixOS system.
    (n == "nixossystem"
        || n == "nixosgenerate"
        || n.starts_with("mk")
            && ["host", "system", "nixos", "machine", "computer", "server"]
                .iter()
                .any(|w| n.contains(w))
        || n.ends_with("system") && n != "system")
        .then_some(ModuleKind::NixOS)
}

impl Walker {
    /// One pass over the tree for what is not an option assignment: system-building calls,
    /// colmena nodes, clan machines, exported modules, and `import nixpkgs { config = ...; }`.
    fn scan(&mut self, root: &SyntaxNode) {
        // A system-building call, an export, a colmena node or a clan machine names one of
        // these words (`pkgs.nixos`, `mkHost`, `nixosSystem`, `modules`): a file without any
        // of them has none.
        use crate::words as W;
        let has = |w| self.words.has(w);
        let systems = [
            W::SYSTEM,
            W::MODULES,
            W::MODULES_UPPER,
            W::MK,
            W::COLMENA,
            W::MACHINES,
            W::NIXOS,
            W::CONTAINERS,
            W::VM,
            W::VM_MIXED,
        ]
        .into_iter()
        .any(has)
            || (has(W::OVERRIDE) && has(W::CONFIGURATION))
            || has(W::DEN);
        let insecure = has(W::PERMITTED_INSECURE) || has(W::ALLOW_INSECURE);
        if !systems && !insecure {
            return;
        }
        // An exported module's path names `nixosModules` (or a clan service's `nixosModule`),
        // `darwinModules`, `flake.modules` or a container's `containers`: in a file without
        // those words only colmena nodes and clan machines are looked for.
        let exports = has(W::NIXOS_MODULE)
            || has(W::DARWIN_MODULES)
            || has(W::CONTAINERS)
            || has(W::DEN)
            || has(W::UNIFY)
            || (has(W::FLAKE) && (has(W::MODULES) || has(W::MODULES_UPPER)));
        let hives = has(W::MAKE_HIVE);
        // nixpkgs' own builder, imported by file (`import "${nixpkgs}/nixos/lib/eval-config.nix"
        // { modules = [ … ]; }`).
        let eval_config = systems && has(W::EVAL_CONFIG);
        // The walk is made on the green tree, where a node costs no allocation; the syntax
        // node of a candidate is made only when the green tree says it may be one (most
        // calls are ordinary ones, most bindings plain options).
        green_walk(root, |frames, nth, reds| {
            let Some(child) = frames.last().map(|f| f.node) else {
                return;
            };
            let kind = child.kind();
            let candidate = if kind == raw(SyntaxKind::NODE_APPLY) && (systems || insecure) {
                // The outermost application of a head only (`f a b` is two Apply nodes).
                let lambda = nth == 0
                    && frames.len() >= 2
                    && frames[frames.len() - 2].node.kind() == raw(SyntaxKind::NODE_APPLY);
                !lambda
                    && green_head_text(child).is_none_or(|t| {
                        (systems
                            && (t == "nixos"
                                || t == "override"
                                || system_builder(t).is_some()
                                || vm_builder(t)))
                            || ((insecure || eval_config) && t == "import")
                            || ((insecure || systems) && t == "mkFlake")
                            || (insecure && t == "blueprint")
                    })
            } else if kind == raw(SyntaxKind::NODE_ATTRPATH_VALUE) && systems {
                green_attr_scan_candidate(frames, exports, hives)
            } else {
                false
            };
            if !candidate {
                return;
            }
            let Some(node) = materialize(frames, reds) else {
                return;
            };
            if let Some(apply) = ast::Apply::cast(node.clone()) {
                if applies_further(&apply) {
                    return;
                }
                if systems {
                    self.system_call(&apply);
                }
                if insecure {
                    self.nixpkgs_import(&apply);
                }
            } else if let Some(apv) = ast::AttrpathValue::cast(node) {
                self.attr_scan(&apv, exports, hives);
            }
        });
    }

    /// `nixosSystem { modules = [ ... ]; }` and helpers taking a `modules` list.
    fn system_call(&mut self, apply: &ast::Apply) {
        // Most applications are ordinary calls: look at the head's name before unrolling.
        if apply_head_token(apply).is_none_or(|t| {
            t.text() != "nixos"
                && t.text() != "override"
                && t.text() != "import"
                && t.text() != "mkFlake"
                && system_builder(t.text()).is_none()
                && !vm_builder(t.text())
        }) {
            return;
        }
        let Some((head, args)) = unroll_head(apply) else {
            return;
        };
        let Some(head_name) = head_name(&head) else {
            return;
        };
        // `import "${nixpkgs}/nixos/lib/eval-config.nix" { modules = [ … ]; }`: the function
        // `nixosSystem` calls, imported by its file.
        let (head_name, args) = if head_name == "import" {
            match args.as_slice() {
                [file, arg] if eval_config_file(file) => {
                    ("nixosSystem".to_string(), vec![arg.clone()])
                }
                _ => return,
            }
        } else {
            (head_name, args)
        };
        // flake-utils-plus: `mkFlake { hostDefaults.modules = [ … ]; hosts.NAME.modules = [ … ];
        // }`, one system per host.
        if head_name == "mkFlake" {
            if let [arg] = args.as_slice() {
                self.fup_hosts(apply, arg);
            }
            return;
        }
        // `image.override { configuration = MODULE; }`: an image (a netboot or SD image of
        // another flake) built from one module.
        if head_name == "override" {
            let configured = args.len() == 1
                && matches!(unparen(&args[0]), ast::Expr::AttrSet(set) if set.attrpath_values().any(|apv| {
                    apv.attrpath()
                        .and_then(|ap| ap.attrs().next())
                        .is_some_and(|a| attr_is(&a, "configuration"))
                }));
            if configured {
                self.nixos_call(apply, &args[0]);
            }
            return;
        }
        // `buildVM { ... }`, `mkVM MODULE`: a helper building a VM from one module.
        if vm_builder(&head_name)
            && args.len() == 1
            && match unparen(&args[0]) {
                ast::Expr::Lambda(_) => true,
                // Settings of NixOS itself, not the helper's own parameters (`{ ram = 4; }`).
                ast::Expr::AttrSet(set) => set.attrpath_values().any(|apv| {
                    apv.attrpath()
                        .and_then(|ap| ap.attrs().next())
                        .and_then(|a| attr_ident(&a))
                        .is_some_and(|n| n == "imports" || NIXOS_NAMESPACES.contains(&n.as_str()))
                }),
                _ => false,
            }
            && self.find_modules_attr(&args[0], 0).is_none()
        {
            self.nixos_call(apply, &args[0]);
            return;
        }
        // `pkgs.nixos MODULE` (and `nixos { configuration = MODULE; }`): the argument is the
        // system's one module.
        let nixos_fn = head_name == "nixos" && args.len() == 1;
        if nixos_fn && self.find_modules_attr(&args[0], 0).is_none() {
            self.nixos_call(apply, &args[0]);
            return;
        }
        let kind = if nixos_fn {
            ModuleKind::NixOS
        } else {
            let Some(kind) = system_builder(&head_name) else {
                return;
            };
            kind
        };
        let Some(arg) = args.last() else { return };
        self.scope = ancestor_scope(apply.syntax());
        // `mkSystem name system modules` with `modules` bound by a `let` around the call (in
        // the function mapped over the hosts): the bound list, read in its own scope.
        let bound = match unparen(arg) {
            ast::Expr::Ident(i) => ident_text(&i).and_then(|n| match lookup(&self.scope, &n) {
                Found::Expr(x, idx) => module_list_arg(&head_name, &x).map(|x| (x, idx)),
                _ => None,
            }),
            _ => None,
        };
        let modules = self
            .find_modules_attr(arg, 0)
            .or_else(|| module_list_arg(&head_name, arg))
            .or_else(|| {
                let (x, idx) = bound?;
                self.scope.truncate(idx + 1);
                Some(x)
            });
        let Some(modules) = modules else {
            self.scope.clear();
            return;
        };
        let name = system_name(apply.syntax()).unwrap_or_else(|| {
            format!(
                "{head_name}@{}",
                u32::from(apply.syntax().text_range().start())
            )
        });
        let helper = uses_params(&modules, &self.scope);
        let mut refs = Vec::new();
        self.module_list(&modules, &mut refs, ListCx::System, 0);
        self.scope.clear();
        if helper {
            self.host_table(apply, kind, &modules);
            self.host_records(apply, kind, &modules);
            self.helper_direct_calls(apply, kind, &modules);
        }
        // `libD.nixosSystem { … }`: the repository's own helper named like nixpkgs' function
        // (not `lib.nixosSystem`, `nixpkgs.lib.nixosSystem`, `darwin.lib.darwinSystem`): named
        // by its whole path, so the helper's own modules are added to the hosts it builds.
        let builder = match unparen(&head) {
            ast::Expr::Select(sel)
                if matches!(head_name.as_str(), "nixosSystem" | "darwinSystem") =>
            {
                let names: Vec<String> = sel
                    .attrpath()
                    .map(|ap| ap.attrs().filter_map(|a| attr_ident(&a)).collect())
                    .unwrap_or_default();
                let outer = match sel.expr().map(|e| unparen(&e)) {
                    Some(ast::Expr::Ident(i)) => ident_text(&i),
                    _ => None,
                };
                let before = names
                    .len()
                    .checked_sub(2)
                    .and_then(|k| names.get(k))
                    .cloned();
                let before = before.or(outer.clone());
                if before.as_deref() == Some("lib") {
                    head_name
                } else {
                    let mut path: Vec<String> = outer.into_iter().collect();
                    path.extend(names);
                    path.join(".")
                }
            }
            _ => head_name,
        };
        self.out.systems.push(SystemDecl {
            name,
            kind,
            modules: refs,
            range: apply.syntax().text_range(),
            helper,
            convention: None,
            builder,
        });
    }

    /// flake-utils-plus' `mkFlake { hostDefaults.modules = [ … ]; hosts.NAME = { modules = [ …
    /// ]; }; }`: each host is a system of the shared modules and its own (a host whose
    /// `output` is `darwinConfigurations` a nix-darwin one).
    fn fup_hosts(&mut self, apply: &ast::Apply, arg: &ast::Expr) {
        let ast::Expr::AttrSet(set) = unparen(arg) else {
            return;
        };
        let entries = flat_entries(&set, 3);
        let named = |path: &[&str]| {
            entries
                .iter()
                .find(|(p, _)| p.iter().map(String::as_str).eq(path.iter().copied()))
                .map(|(_, e)| e.clone())
        };
        let mut hosts: Vec<String> = Vec::new();
        for (p, _) in &entries {
            if p.len() >= 2 && p[0] == "hosts" && !hosts.contains(&p[1]) {
                hosts.push(p[1].clone());
            }
        }
        if hosts.is_empty() {
            return;
        }
        let shared = named(&["hostDefaults", "modules"]);
        for host in hosts {
            let own = named(&["hosts", &host, "modules"]);
            let darwin = named(&["hosts", &host, "output"])
                .or_else(|| named(&["hostDefaults", "output"]))
                .is_some_and(|o| compact_text(o.syntax()).contains("darwin"));
            self.scope = ancestor_scope(apply.syntax());
            let mut refs = Vec::new();
            for list in shared.iter().chain(own.iter()) {
                self.module_list(list, &mut refs, ListCx::System, 0);
            }
            self.scope.clear();
            let kind = if darwin {
                ModuleKind::Darwin
            } else {
                ModuleKind::NixOS
            };
            self.out.systems.push(SystemDecl {
                name: format!(
                    "{}.{host}",
                    if darwin {
                        "darwinConfigurations"
                    } else {
                        "nixosConfigurations"
                    }
                ),
                kind,
                modules: refs,
                range: apply.syntax().text_range(),
                helper: false,
                convention: None,
                builder: if darwin {
                    "darwinSystem".to_string()
                } else {
                    "nixosSystem".to_string()
                },
            });
        }
    }

    /// One host a helper of this file builds (see [`Walker::host_table`] and
    /// [`Walker::host_records`]): the helper's module list read where the builder is written,
    /// with `frames` (what its parameters are for this host) on top.
    fn helper_host(
        &mut self,
        builder: &ast::Apply,
        modules: &ast::Expr,
        frames: Vec<Frame>,
        kind: ModuleKind,
        name: String,
        range: TextRange,
    ) {
        self.scope = ancestor_scope(builder.syntax());
        self.scope.extend(frames);
        let mut refs = Vec::new();
        self.module_list(modules, &mut refs, ListCx::System, 0);
        self.scope.clear();
        self.out.systems.push(SystemDecl {
            name,
            kind,
            modules: refs,
            range,
            helper: false,
            convention: None,
            builder: if kind == ModuleKind::Darwin {
                "darwinSystem".to_string()
            } else {
                "nixosSystem".to_string()
            },
        });
    }

    /// A helper of this file building a system from its parameters (`makeNixOS = hostName:
    /// system: extraModules: nixosSystem { modules = [ … ] ++ extraModules; }`), mapped over a
    /// table of hosts written in the file (`mapAttrs (name: host: makeNixOS name host.system
    /// host.extraModules) nixosHosts`): one system per entry of the table, the helper's
    /// parameters bound to the call's arguments for that entry.
    fn host_table(&mut self, builder: &ast::Apply, kind: ModuleKind, modules: &ast::Expr) {
        // The helper's parameters, outermost first, and the name it is bound to.
        let mut params: Vec<String> = Vec::new();
        let mut node = builder.syntax().parent();
        let helper = loop {
            let Some(n) = node else { return };
            match n.kind() {
                SyntaxKind::NODE_PAREN => {}
                SyntaxKind::NODE_LAMBDA => {
                    let Some(p) = ast::Lambda::cast(n.clone()).and_then(|l| ident_param(&l)) else {
                        return;
                    };
                    params.push(p);
                }
                SyntaxKind::NODE_ATTRPATH_VALUE => {
                    let Some(name) = one_name_binding(&n) else {
                        return;
                    };
                    break name;
                }
                _ => return,
            }
            node = n.parent();
        };
        if params.is_empty() {
            return;
        }
        params.reverse();
        for call in calls_of(builder, &helper, 16) {
            let Some((_, args)) = unroll_head(&call) else {
                continue;
            };
            if args.len() != params.len() || !self.budget.step(call.syntax().text_range()) {
                continue;
            }
            // `name: host: CALL`, the function `mapAttrs` is given.
            let Some(inner) = parent_past_parens(call.syntax()).and_then(ast::Lambda::cast) else {
                continue;
            };
            let Some(outer) = inner.syntax().parent().and_then(ast::Lambda::cast) else {
                continue;
            };
            let (Some(name_param), Some(host_param)) = (ident_param(&outer), ident_param(&inner))
            else {
                continue;
            };
            let Some(table_call) = parent_past_parens(outer.syntax())
                .and_then(|n| n.parent())
                .and_then(ast::Apply::cast)
                .filter(|a| {
                    unroll_head(a).is_some_and(|(h, args)| {
                        head_name(&h).as_deref() == Some("mapAttrs")
                            && args.len() == 2
                            && args[0]
                                .syntax()
                                .text_range()
                                .contains_range(outer.syntax().text_range())
                    })
                })
            else {
                continue;
            };
            let Some((_, targs)) = unroll_head(&table_call) else {
                continue;
            };
            let [_, table] = targs.as_slice() else {
                continue;
            };
            let table = self.eval(table, &ancestor_scope(table_call.syntax()), 0);
            let Value::Attrs(entries) = table.v else {
                continue;
            };
            let system = system_name(table_call.syntax()).unwrap_or_else(|| helper.clone());
            for (host, entry) in entries.into_iter().take(64) {
                let mut scope = ancestor_scope(call.syntax());
                scope.push(Frame::Bound(
                    name_param.clone(),
                    Val::new(Value::Str(host.clone()), call.syntax().text_range()),
                ));
                scope.push(Frame::Bound(host_param.clone(), entry));
                let values: Vec<Val> = args.iter().map(|a| self.eval(a, &scope, 0)).collect();
                let bound = params
                    .iter()
                    .zip(values)
                    .map(|(p, v)| Frame::Bound(p.clone(), v));
                self.helper_host(
                    builder,
                    modules,
                    bound.collect(),
                    kind,
                    format!("{system}.{host}"),
                    call.syntax().text_range(),
                );
            }
        }
    }

    /// A helper of this file taking one set of named arguments (`mkNixosConfiguration = {
    /// name, system ? "x86_64-linux", modules, ... }: nixosSystem { inherit system modules; }`)
    /// and the sets written in the file that fit it (`{ name = "nixos-installer"; modules = [
    /// … ]; }` in a list folded over the helper): one system per set, its modules read where the
    /// set is written.
    fn host_records(&mut self, builder: &ast::Apply, kind: ModuleKind, modules: &ast::Expr) {
        let Some(helper) = parent_past_parens(builder.syntax()).and_then(ast::Lambda::cast) else {
            return;
        };
        let Some(ast::Param::Pattern(pat)) = helper.param() else {
            return;
        };
        let mut names: Vec<(String, bool)> = Vec::new();
        for e in pat.pat_entries() {
            let Some(n) = e.ident().and_then(|i| ident_text(&i)) else {
                return;
            };
            names.push((n, e.default().is_some()));
        }
        if !names.iter().any(|(n, _)| n == "modules") {
            return;
        }
        let open = pat.ellipsis_token().is_some();
        let helper_name = helper
            .syntax()
            .parent()
            .and_then(ast::AttrpathValue::cast)
            .and_then(|apv| apv.attrpath())
            .map_or_else(
                || "host".to_string(),
                |ap| snippet(&ap.syntax().text().to_string()),
            );
        let Some(root) = builder.syntax().ancestors().last() else {
            return;
        };
        let mut found = 0;
        for set in root.descendants().filter_map(ast::AttrSet::cast) {
            if found >= 64 || !self.budget.step(set.syntax().text_range()) {
                break;
            }
            // Its keys: one name each, `modules` a list written here, the helper's required
            // arguments all given, nothing it does not take (unless it takes more).
            let mut keys: Vec<String> = Vec::new();
            let mut listed = false;
            let mut fits = true;
            for child in set.syntax().children() {
                if let Some(apv) = ast::AttrpathValue::cast(child.clone()) {
                    // A dotted key (`homeOptions.cli = …`) gives its first name.
                    let mut attrs = apv.attrpath().into_iter().flat_map(|ap| ap.attrs());
                    let Some(k) = attrs.next().and_then(|a| attr_ident(&a)) else {
                        fits = false;
                        break;
                    };
                    if k == "modules" && attrs.next().is_none() {
                        listed = apv.value().is_some_and(|v| {
                            matches!(unparen(&v), ast::Expr::List(_))
                                || matches!(unparen(&v), ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Concat))
                        });
                    }
                    keys.push(k);
                } else if let Some(inh) = ast::Inherit::cast(child) {
                    keys.extend(inh.attrs().filter_map(|a| attr_ident(&a)));
                }
            }
            // Given to the helper by name (`mkNixos { hostname = "gw"; modules = [ … ]; }`): a
            // call site, made a host with the helper's modules elsewhere.
            let call_site = set
                .syntax()
                .parent()
                .and_then(ast::Apply::cast)
                .and_then(|a| apply_head_token(&a))
                .is_some_and(|t| t.text() == helper_name);
            if call_site
                || !fits
                || !listed
                || names
                    .iter()
                    .any(|(n, default)| !default && !keys.contains(n))
                || (!open && keys.iter().any(|k| !names.iter().any(|(n, _)| n == k)))
            {
                continue;
            }
            found += 1;
            let record_scope = {
                let mut sc = ancestor_scope(set.syntax());
                sc.push(Frame::Binds(set.syntax().clone()));
                sc
            };
            let host = ["name", "hostname", "hostName", "host"]
                .iter()
                .find_map(|k| {
                    set.attrpath_values().find_map(|apv| {
                        let ap = apv.attrpath()?;
                        let mut attrs = ap.attrs();
                        (attr_is(&attrs.next()?, k) && attrs.next().is_none())
                            .then(|| apv.value())
                            .flatten()
                    })
                })
                .and_then(|v| {
                    self.eval(&v, &record_scope, 0)
                        .v
                        .as_str()
                        .map(str::to_string)
                })
                .unwrap_or_else(|| format!("@{}", u32::from(set.syntax().text_range().start())));
            self.helper_host(
                builder,
                modules,
                record_scope,
                kind,
                format!("{helper_name}.{host}"),
                set.syntax().text_range(),
            );
        }
    }

    /// `nixos MODULE`, nixpkgs' function that builds a system from one module (written as an
    /// attribute set, a function or `{ configuration = MODULE; }`).
    fn nixos_call(&mut self, apply: &ast::Apply, arg: &ast::Expr) {
        let module = match unparen(arg) {
            ast::Expr::AttrSet(set) => set
                .attrpath_values()
                .find_map(|apv| {
                    let ap = apv.attrpath()?;
                    let mut attrs = ap.attrs();
                    let first = attr_ident(&attrs.next()?)?;
                    (first == "configuration" && attrs.next().is_none())
                        .then(|| apv.value())
                        .flatten()
                })
                .unwrap_or_else(|| arg.clone()),
            ast::Expr::Lambda(_) => arg.clone(),
            _ => return,
        };
        self.scope = ancestor_scope(apply.syntax());
        let mut refs = Vec::new();
        self.module_item(&module, &mut refs, ListCx::System, 0);
        self.scope.clear();
        let name = system_name(apply.syntax())
            .unwrap_or_else(|| format!("nixos@{}", u32::from(apply.syntax().text_range().start())));
        self.out.systems.push(SystemDecl {
            name,
            kind: ModuleKind::NixOS,
            modules: refs,
            range: apply.syntax().text_range(),
            helper: false,
            convention: None,
            builder: "nixos".to_string(),
        });
    }

    /// The `modules` list of a system-building call's argument (an attribute set, `a // { ... }`,
    /// or a name bound to one).
    fn find_modules_attr(&mut self, arg: &ast::Expr, depth: u32) -> Option<ast::Expr> {
        if depth > MAX_DEPTH || !self.budget.step(arg.syntax().text_range()) {
            return None;
        }
        match unparen(arg) {
            // `modules` before the others: `nixosSystem { extraModules = [ … ]; modules = [ … ];
            // }` has the system's own list in `modules`.
            ast::Expr::AttrSet(set) => MODULE_ATTRS
                .iter()
                .find_map(|want| {
                    set.attrpath_values().find_map(|apv| {
                        let ap = apv.attrpath()?;
                        let mut attrs = ap.attrs();
                        let first = attr_ident(&attrs.next()?)?;
                        (first == *want && attrs.next().is_none())
                            .then(|| apv.value())
                            .flatten()
                    })
                })
                // `inherit system modules;`: the name, looked up where the set is written.
                .or_else(|| {
                    set.inherits().filter(|i| i.from().is_none()).find_map(|i| {
                        i.attrs().find_map(|a| match a {
                            ast::Attr::Ident(id)
                                if attr_ident(&ast::Attr::Ident(id.clone()))
                                    .is_some_and(|n| MODULE_ATTRS.contains(&n.as_str())) =>
                            {
                                Some(ast::Expr::Ident(id))
                            }
                            _ => None,
                        })
                    })
                }),
            ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Update) => {
                let r = b.rhs().and_then(|r| self.find_modules_attr(&r, depth + 1));
                r.or_else(|| b.lhs().and_then(|l| self.find_modules_attr(&l, depth + 1)))
            }
            ast::Expr::Ident(i) => {
                let name = ident_text(&i)?;
                match lookup(&self.scope, &name) {
                    Found::Expr(x, idx) => {
                        // Keep the binding's scope for the list that is found.
                        self.scope.truncate(idx + 1);
                        self.find_modules_attr(&x, depth + 1)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Attribute definitions that declare modules: `nixosModules.NAME = ...`,
    /// `flake.modules.<class>.NAME = ...` (also as one dotted path into the module,
    /// `flake.modules.nixos.core.security.sudo.wheelNeedsPassword = false;`), colmena nodes,
    /// clan machines.
    fn attr_scan(&mut self, apv: &ast::AttrpathValue, exports: bool, hives: bool) {
        let (Some(ap), Some(value)) = (apv.attrpath(), apv.value()) else {
            return;
        };
        let hive_call = hives && matches!(value, ast::Expr::Apply(_));
        if !(exports || hive_call) {
            // Only `colmena`, `colmena.nodes`, `machines` and `machines.NAME` can matter: told
            // by the last two names before any name is copied.
            let (mut prev, mut last) = (None, None);
            for a in ap.attrs() {
                prev = last.take();
                last = Some(a);
            }
            let is = |a: &Option<ast::Attr>, names: &[&str]| {
                matches!(a, Some(ast::Attr::Ident(i))
                    if i.ident_token().is_some_and(|t| names.contains(&t.text())))
            };
            if !is(&last, &["colmena", "nodes", "machines"]) && !is(&prev, &["machines"]) {
                return;
            }
        }
        // A name computed from a known string (`flake.modules.nixos.${hostname}` with
        // `hostname` bound by a `let` around): read in the scope around the binding.
        let dynamic = ap.attrs().any(|a| attr_literal(&a).is_none());
        let saved =
            dynamic.then(|| std::mem::replace(&mut self.scope, ancestor_scope(apv.syntax())));
        let names: Vec<String> = ap
            .attrs()
            .map(|a| {
                attr_literal(&a)
                    .or_else(|| self.known_attr_name(&a))
                    .unwrap_or_else(|| "${…}".to_string())
            })
            .collect();
        if let Some(saved) = saved {
            self.scope = saved;
        }
        let Some(last) = names.last() else { return };
        let n = names.len();
        let prev = (n >= 2).then(|| names[n - 2].as_str());
        // `export_split` looks for a name, here or around, that an export path has (the last
        // name among them): the enclosing names are copied only when one may be there.
        if may_name_an_export(apv, &ap) {
            let outer = enclosing_names(apv);
            let start = outer.len();
            let full: Vec<String> = outer.into_iter().chain(names.iter().cloned()).collect();
            if let Some(split) = export_split(&full) {
                // This definition names the module (`core = { ... };` under
                // `flake.modules.nixos`, or `flake.modules.nixos.core.x = ...;`); a definition
                // inside the module's value is indexed with it.
                if split.at > start && split.at <= full.len() {
                    self.scope = ancestor_scope(apv.syntax());
                    self.exported_module(
                        &split,
                        &full[split.at..],
                        &value,
                        ap.syntax().text_range(),
                    );
                    self.scope.clear();
                }
                return;
            }
            // `nixosModules = import ./modules;`: every entry of that file.
            if last == "nixosModules" || last == "darwinModules" {
                if !matches!(unparen(&value), ast::Expr::AttrSet(_)) {
                    self.scope = ancestor_scope(apv.syntax());
                    let star = if last == "darwinModules" {
                        "darwin:*"
                    } else {
                        "*"
                    };
                    self.export(star.to_string(), &value);
                    self.scope.clear();
                }
                return;
            }
        }
        // A den aspect made by a function (`osContext = { OS, host }: { nixos = { config, ...
        // }: { … }; }`, included by `den.lib.parametric`): its class's module, indexed as a
        // module of its own (no host is known to reach it).
        if n == 1 && (last == "nixos" || last == "darwin") && self.den_aspect_result(apv, &value) {
            let class = if last == "darwin" {
                ModuleKind::Darwin
            } else {
                ModuleKind::NixOS
            };
            let at = u32::from(apv.syntax().text_range().start());
            let split = ExportSplit {
                at: 0,
                name: format!("den-aspect@{at}"),
                class: Some(class),
                container: false,
            };
            self.scope = ancestor_scope(apv.syntax());
            self.exported_module(&split, &[], &value, ap.syntax().text_range());
            self.scope.clear();
            return;
        }
        // `hive = inputs.colmena.lib.makeHive { defaults = ...; NODE = ...; }` under any name.
        let make_hive = || match unparen(&value) {
            ast::Expr::Apply(a) => unroll(&a).is_some_and(|(n, args)| {
                n == "makeHive"
                    && args.len() == 1
                    && matches!(unparen(&args[0]), ast::Expr::AttrSet(_))
            }),
            _ => false,
        };
        // A flake input named `colmena` (`inputs.colmena = { url = …; }`, `colmena.url = …`)
        // is no hive.
        let flake_input = names.first().is_some_and(|n| n == "inputs")
            || names
                .get(1)
                .is_some_and(|n| n == "url" || n == "inputs" || n == "follows")
            || matches!(unparen(&value), ast::Expr::AttrSet(set) if set.attrpath_values().any(|apv| {
                apv.attrpath()
                    .and_then(|ap| ap.attrs().next())
                    .is_some_and(|a| attr_is(&a, "url") || attr_is(&a, "follows"))
            }));
        if !flake_input
            && (last == "colmena" || (last == "nodes" && prev == Some("colmena")) || make_hive())
        {
            self.colmena(&value, &names.join("."));
        } else if last == "machines" && self.in_clan(apv) {
            self.clan(&value, &names.join("."));
        } else if prev == Some("machines") && self.in_clan(apv) {
            // `flake.clan.machines.NAME = MODULE;` (one machine per file, flake-parts).
            self.scope = ancestor_scope(value.syntax());
            self.clan_machine(last, &value, &names[..n - 1].join("."));
            self.scope.clear();
        }
    }

    /// An attribute name computed from a string known in the current scope (`${hostname}`,
    /// `"${name}-vm"`).
    fn known_attr_name(&self, a: &ast::Attr) -> Option<String> {
        let v = match a {
            ast::Attr::Ident(i) => return ident_text(i),
            ast::Attr::Str(st) => self.string(st, &self.scope, self.depth + 1).v,
            ast::Attr::Dynamic(d) => self.eval(&d.expr()?, &self.scope, self.depth + 1).v,
        };
        match v {
            Value::Str(s) if !s.is_empty() => Some(s),
            _ => None,
        }
    }

    /// `nixos = MODULE` in a set that a function returns (not the value of an attribute, which
    /// the walk or [`export_split`] reaches), in a file that uses den: a den aspect.
    fn den_aspect_result(&self, apv: &ast::AttrpathValue, value: &ast::Expr) -> bool {
        // A module function under that name (its body may be `{ imports; config; }`).
        // A file that uses den (`den.lib`, `den.aspects`): a function's `{ nixos = MODULE; }`
        // is an aspect's module.
        if !self.words.has(crate::words::DEN) || !is_module_function(value) {
            return false;
        }
        let Some(set) = apv.syntax().parent() else {
            return false;
        };
        set.kind() == SyntaxKind::NODE_ATTR_SET
            && set
                .parent()
                .is_some_and(|p| p.kind() == SyntaxKind::NODE_LAMBDA)
    }

    /// A module exported in place: `NAME = VALUE` (`rest` empty) or `NAME.rest = VALUE`.
    fn exported_module(
        &mut self,
        split: &ExportSplit,
        rest: &[String],
        value: &ast::Expr,
        key_range: TextRange,
    ) {
        let Some(class) = split.class else {
            // home-manager, generic or another tool's modules: not NixOS options.
            return;
        };
        if rest.is_empty() && !is_inline_module(value) {
            if split.container {
                // `containers.NAME.config = ./container.nix;`: a module importing that file.
                let mut refs = Vec::new();
                self.module_item(value, &mut refs, ListCx::System, 0);
                let i = self.out.modules.len();
                self.out.modules.push(Module {
                    is_module: true,
                    imports: refs,
                    ..Module::default()
                });
                let name = split.name.trim_start_matches("container:").to_string();
                self.out.containers.push((name, i));
                return;
            }
            // A path, an import, a name: what the name is, as before.
            self.export(split.name.clone(), value);
            return;
        }
        let idx = match self.exported.iter().find(|(n, _)| *n == split.name) {
            Some((_, i)) => *i,
            None => {
                let i = self.out.modules.len();
                self.out.modules.push(Module {
                    is_module: true,
                    class: (class != ModuleKind::NixOS).then_some(class),
                    ..Module::default()
                });
                self.exported.push((split.name.clone(), i));
                if split.container {
                    let name = split.name.trim_start_matches("container:").to_string();
                    self.out.containers.push((name, i));
                } else {
                    self.out
                        .exports
                        .push((split.name.clone(), ModuleRef::Inline(i)));
                }
                i
            }
        };
        let saved_module = std::mem::replace(&mut self.module, idx);
        let saved_prefix = std::mem::take(&mut self.prefix);
        let saved_starts = std::mem::take(&mut self.starts);
        let saved_conds = std::mem::take(&mut self.conds);
        let saved_prio = std::mem::replace(&mut self.prio, priority::NORMAL);
        match rest.first().map(String::as_str) {
            None => {
                self.module_root(value);
            }
            Some("imports" | "require") if rest.len() == 1 => self.imports(value),
            Some("options") => self.out.modules[idx].declares_options = true,
            Some("_file" | "key" | "disabledModules" | "_class" | "freeformType" | "meta") => {}
            Some("config") => {
                self.prefix = rest[1..].to_vec();
                self.walk(value, key_range);
            }
            Some(_) => {
                self.prefix = rest.to_vec();
                self.walk(value, key_range);
            }
        }
        self.module = saved_module;
        self.prefix = saved_prefix;
        self.starts = saved_starts;
        self.conds = saved_conds;
        self.prio = saved_prio;
    }

    /// `nixosModules.NAME = VALUE`: what NAME is.
    fn export(&mut self, name: String, value: &ast::Expr) {
        let mut refs = Vec::new();
        self.module_item(value, &mut refs, ListCx::System, 0);
        if let Some(r) = refs.into_iter().next() {
            // `darwinModules.openssh = darwinModule;` with the module written in this file: a
            // nix-darwin module, whatever it sets.
            if let (true, ModuleRef::Inline(i)) = (name.starts_with("darwin:"), &r) {
                if let Some(m) = self.out.modules.get_mut(*i) {
                    m.class.get_or_insert(ModuleKind::Darwin);
                }
            }
            self.out.exports.push((name, r));
        }
    }

    /// The entries of a file that is an attribute set of modules (`{ foo = ./foo.nix; }`).
    fn top_exports(&mut self, e: &ast::Expr) {
        let Some(cur) = under_functions_and_lets(e) else {
            return;
        };
        let ast::Expr::AttrSet(set) = cur else { return };
        self.scope = ancestor_scope(set.syntax());
        // A NixOps network or a colmena hive: its machines are systems (`nixops_network`).
        let network_like = set.attrpath_values().any(|apv| {
            apv.attrpath()
                .and_then(|ap| ap.attrs().next())
                .is_some_and(|a| {
                    attr_is(&a, "network") || attr_is(&a, "defaults") || attr_is(&a, "meta")
                })
        });
        // A set of modules: every entry is a module function or a path, and none is a flake
        // output or a flake-parts attribute (`perSystem = { pkgs, ... }: ...` is not a module).
        let module_set = set.attrpath_values().all(|apv| {
            let one = apv.attrpath().and_then(|ap| {
                let mut attrs = ap.attrs();
                let first = attrs.next()?;
                attrs.next().is_none().then_some(first)
            });
            let Some(first) = one else { return false };
            let reserved = NOT_MODULE_NAMES.iter().any(|n| attr_is(&first, n));
            !reserved
                && apv.value().is_some_and(|v| {
                    is_module_function(&v)
                        || matches!(unparen(&v), ast::Expr::PathRel(_))
                        || matches!(unparen(&v), ast::Expr::Apply(a) if matches!(wrapper(&a), Some(Wrap::Import(_))))
                })
        });
        for apv in set.attrpath_values() {
            let (Some(ap), Some(v)) = (apv.attrpath(), apv.value()) else {
                continue;
            };
            let mut attrs = ap.attrs();
            let (Some(first), None) = (attrs.next(), attrs.next()) else {
                continue;
            };
            let Some(name) = attr_ident(&first) else {
                continue;
            };
            let is_path = match unparen(&v) {
                ast::Expr::PathRel(_) => true,
                ast::Expr::Apply(a) => matches!(wrapper(&a), Some(Wrap::Import(_))),
                _ => false,
            };
            if is_path {
                let mut refs = Vec::new();
                self.module_item(&v, &mut refs, ListCx::System, 0);
                if let Some(r @ ModuleRef::Path(..)) = refs.into_iter().next() {
                    self.out.exports.push((name, r));
                }
            } else if !network_like
                && module_set
                && is_module_function(&v)
                && !self.exported.iter().any(|(n, _)| *n == name)
            {
                // `{ web = { config, pkgs, ... }: { ... }; }`: a set of modules written in
                // place (a NixOps network without `network`, a `nixosModules` file).
                let split = ExportSplit {
                    at: 1,
                    name,
                    class: Some(ModuleKind::NixOS),
                    container: false,
                };
                self.exported_module(&split, &[], &v, first.syntax().text_range());
            }
        }
        self.scope.clear();
    }

    /// A NixOps network file: `{ network.description = ...; defaults = { ... }; NAME = MODULE;
    /// ... }` (maybe behind a function and a `let`), told by a `network` attribute, by
    /// `defaults` beside a machine with `deployment` settings, or by machines that all have
    /// `deployment` settings (a physical network file). Each machine is a system, with
    /// `defaults`, as in a colmena hive.
    fn nixops_network(&mut self, e: &ast::Expr, src: &str) {
        let Some(cur) = under_functions_and_lets(e) else {
            return;
        };
        let ast::Expr::AttrSet(set) = &cur else {
            return;
        };
        let first_name = |apv: &ast::AttrpathValue| {
            apv.attrpath()
                .and_then(|ap| ap.attrs().next())
                .and_then(|a| attr_literal(&a))
        };
        let mut network = false;
        let mut defaults = false;
        for apv in set.attrpath_values() {
            match first_name(&apv).as_deref() {
                Some("network") => network = true,
                Some("defaults") => defaults = true,
                _ => {}
            }
        }
        // A machine with `deployment` settings (its text is a slice of the source: the tree
        // holds the source whole, so its ranges index `src`).
        // A machine's module: its value, or the module a `let` binds to the name it is given
        // (`let linode = { … }: { deployment… }; in { blog = linode; }`).
        let machine_module = |apv: &ast::AttrpathValue| -> Option<ast::Expr> {
            let v = unparen(&apv.value()?);
            match &v {
                ast::Expr::Ident(i) => {
                    let name = ident_text(i)?;
                    match lookup(&ancestor_scope(apv.syntax()), &name) {
                        Found::Expr(x, _) => Some(unparen(&x)),
                        _ => None,
                    }
                }
                _ => Some(v),
            }
        };
        let has_deployment = |apv: &ast::AttrpathValue| {
            let Some(m) = machine_module(apv) else {
                return false;
            };
            let r = m.syntax().text_range();
            let text = src
                .get(usize::from(r.start())..usize::from(r.end()))
                .unwrap_or_default();
            text.contains("deployment.") || text.contains("deployment =")
        };
        // A machine is named by the network, never like NixOS's own options (`services`:
        // this file is a module, whatever its comments say about `deployment`), nor
        // `deployment` (a machine's own deployment settings: this file is that machine's
        // module).
        let machines = || {
            set.attrpath_values().filter(|apv| {
                first_name(apv).is_some_and(|n| {
                    n != "network"
                        && n != "defaults"
                        && n != "deployment"
                        && !NIXOS_NAMESPACES.contains(&n.as_str())
                })
            })
        };
        // Looked for only beside `defaults`.
        let deployed = || machines().any(|apv| has_deployment(&apv));
        // A physical network file: every machine a module (a function or a set) with
        // `deployment` settings, no `network` (it is in the logical file it is used with).
        let physical = || {
            self.words.has(crate::words::DEPLOYMENT)
                && machines().next().is_some()
                && machines().all(|apv| {
                    has_deployment(&apv)
                        && machine_module(&apv).is_some_and(|v| {
                            matches!(v, ast::Expr::Lambda(_) | ast::Expr::AttrSet(_))
                        })
                })
        };
        // A logical network file: every machine a module (a function, a set, a name, a path or
        // an import), not a file of host variables with a `network` entry (`network.lanIp`
        // beside `hostName = "…"`).
        let logical = || {
            machines().all(|apv| {
                apv.value().is_some_and(|v| {
                    matches!(
                        unparen(&v),
                        ast::Expr::Lambda(_)
                            | ast::Expr::AttrSet(_)
                            | ast::Expr::Ident(_)
                            | ast::Expr::Select(_)
                            | ast::Expr::PathRel(_)
                            | ast::Expr::PathAbs(_)
                            | ast::Expr::Apply(_)
                            | ast::Expr::LetIn(_)
                            | ast::Expr::With(_)
                            | ast::Expr::BinOp(_)
                    )
                })
            })
        };
        // A colmena hive file: `meta.nixpkgs` beside `defaults` or beside nodes that are all
        // modules (the nodes need no `deployment` settings: colmena deploys to the node's
        // name).
        let colmena_meta = set.attrpath_values().any(|apv| {
                let Some(ap) = apv.attrpath() else {
                    return false;
                };
                let names: Vec<String> = ap.attrs().filter_map(|a| attr_ident(&a)).collect();
                match names.as_slice() {
                    [m, n] => m == "meta" && n == "nixpkgs",
                    // `meta = { nixpkgs = …; }`, `meta = { inherit nixpkgs; nodeNixpkgs = …; }`.
                    [m] if m == "meta" => matches!(apv.value().map(|v| unparen(&v)), Some(ast::Expr::AttrSet(ms)) if ms.attrpath_values().any(|x| {
                        x.attrpath().and_then(|p| p.attrs().next()).is_some_and(|a| attr_is(&a, "nixpkgs") || attr_is(&a, "nodeNixpkgs"))
                    }) || ms.inherits().any(|i| i.attrs().any(|a| attr_is(&a, "nixpkgs")))),
                    _ => false,
                }
            })
            && (defaults || (machines().next().is_some() && logical()));
        if (network && logical()) || (defaults && deployed()) || physical() || colmena_meta {
            // A colmena `hive.nix` has the same shape (`meta` instead of `network`).
            let colmena = set.attrpath_values().any(|apv| {
                apv.attrpath()
                    .and_then(|ap| ap.attrs().next())
                    .is_some_and(|a| attr_is(&a, "meta"))
            });
            let builder = if colmena && !network {
                "colmena"
            } else {
                "nixops"
            };
            self.hive(&cur, builder, builder);
            // The machines' settings are their modules' (indexed by `hive`), not options of
            // the network file (`llitt.environment.etc...`).
            let names: Vec<String> = set
                .attrpath_values()
                .filter_map(|apv| first_name(&apv))
                .filter(|n| !NIXOS_NAMESPACES.contains(&n.as_str()))
                .collect();
            self.out
                .assignments
                .retain(|a| a.module != 0 || a.path.first().is_none_or(|p| !names.contains(p)));
        }
    }

    /// `colmena = { meta = ...; defaults = MODULE; NODE = MODULE; }`: one system per node, with
    /// the defaults.
    fn colmena(&mut self, value: &ast::Expr, at: &str) {
        self.hive(value, at, "colmena");
    }

    /// A colmena hive or a NixOps network: `defaults` and one module per machine.
    fn hive(&mut self, value: &ast::Expr, at: &str, builder: &str) {
        self.scope = ancestor_scope(value.syntax());
        let mut cur = unparen(value);
        // `colmena = colmena.lib.makeHive { ... }` and `makeHive self.colmena`.
        if let ast::Expr::Apply(a) = &cur {
            if let Some((_, args)) = unroll(a) {
                if let Some(last) = args.last() {
                    cur = unparen(last);
                }
            }
        }
        let ast::Expr::AttrSet(set) = cur else {
            self.scope.clear();
            return;
        };
        let mut defaults = Vec::new();
        let mut nodes: Vec<(String, ast::Expr)> = Vec::new();
        for apv in set.attrpath_values() {
            let (Some(ap), Some(v)) = (apv.attrpath(), apv.value()) else {
                continue;
            };
            // A machine's name may be quoted (`"ofborg-evaluator-0" = { … };`).
            let Some(name) = ap.attrs().next().and_then(|a| attr_literal(&a)) else {
                continue;
            };
            match name.as_str() {
                // colmena's `meta`; NixOps' `network`, `resources` and `require`.
                "meta" | "network" | "resources" | "require" => {}
                "defaults" => self.module_item(&v, &mut defaults, ListCx::System, 0),
                _ => nodes.push((name, v)),
            }
        }
        for (name, v) in nodes {
            let mut modules = defaults.clone();
            self.module_item(&v, &mut modules, ListCx::System, 0);
            self.out.systems.push(SystemDecl {
                name: format!("{at}.{name}"),
                kind: ModuleKind::NixOS,
                modules,
                range: v.syntax().text_range(),
                helper: false,
                convention: None,
                builder: builder.into(),
            });
        }
        self.scope.clear();
    }

    /// True when an attribute `machines` is clan's: inside `clan = { ... }`, a `buildClan`/
    /// `clan.lib.clan` argument, or `inventory`.
    fn in_clan(&self, apv: &ast::AttrpathValue) -> bool {
        apv.syntax().ancestors().take(12).any(|a| {
            if let Some(p) = ast::AttrpathValue::cast(a.clone()) {
                return p
                    .attrpath()
                    .is_some_and(|ap| ap.attrs().any(|x| attr_is(&x, "clan")));
            }
            ast::Apply::cast(a)
                .and_then(|ap| unroll(&ap))
                .is_some_and(|(n, _)| n.to_ascii_lowercase().contains("clan"))
        })
    }

    /// clan's `machines.NAME = MODULE`: a system per machine, with
    /// `machines/NAME/configuration.nix` by clan's convention.
    fn clan(&mut self, value: &ast::Expr, at: &str) {
        self.scope = ancestor_scope(value.syntax());
        let ast::Expr::AttrSet(set) = unparen(value) else {
            self.scope.clear();
            return;
        };
        for apv in set.attrpath_values() {
            let (Some(ap), Some(v)) = (apv.attrpath(), apv.value()) else {
                continue;
            };
            let Some(name) = ap.attrs().next().and_then(|a| attr_ident(&a)) else {
                continue;
            };
            self.clan_machine(&name, &v, at);
        }
        self.scope.clear();
    }

    /// One clan machine, `NAME = MODULE` under `machines`.
    fn clan_machine(&mut self, name: &str, v: &ast::Expr, at: &str) {
        let mut modules = Vec::new();
        self.module_item(v, &mut modules, ListCx::System, 0);
        self.out.systems.push(SystemDecl {
            name: format!("{at}.{name}"),
            kind: ModuleKind::NixOS,
            modules,
            range: v.syntax().text_range(),
            helper: false,
            convention: Some(format!("./machines/{name}/configuration.nix")),
            builder: "clan".into(),
        });
    }

    /// `import nixpkgs { config.permittedInsecurePackages = [ ... ]; }` (and `config = { ... }`):
    /// recorded as `nixpkgs.config.*` of the file's module.
    /// Also the nixpkgs configuration of every system of a flake framework:
    /// `snowfall-lib.mkFlake { channels-config = { ... }; }` and flake-utils-plus'
    /// `mkFlake { channelsConfig = { ... }; }`, recorded the same way.
    fn nixpkgs_import(&mut self, apply: &ast::Apply) {
        if apply_head_token(apply)
            .is_none_or(|t| !matches!(t.text(), "import" | "mkFlake" | "blueprint"))
        {
            return;
        }
        let Some((name, args)) = unroll(apply) else {
            return;
        };
        // numtide blueprint's `inputs.blueprint { inherit inputs; nixpkgs.config = { … }; }`:
        // the nixpkgs every host it builds is given.
        if name == "blueprint" {
            if let Some(ast::Expr::AttrSet(set)) = args.last().map(unparen) {
                self.blueprint_config(&set);
            }
            return;
        }
        if name == "mkFlake" {
            if let Some(ast::Expr::AttrSet(set)) = args.last().map(unparen) {
                self.channels_config(&set);
            }
            return;
        }
        if name != "import" || args.len() != 2 {
            return;
        }
        let ast::Expr::AttrSet(set) = unparen(&args[1]) else {
            return;
        };
        self.nixpkgs_config_in(&set, |names| {
            (names.first().map(String::as_str) == Some("config")).then(|| {
                let mut p = vec!["nixpkgs".to_string()];
                p.extend(names);
                p
            })
        });
    }

    /// `nixpkgs.config = { … }` (or `nixpkgs = { config = … }`) of a call of numtide
    /// blueprint: recorded as `nixpkgs.config.*` of the file's module.
    fn blueprint_config(&mut self, set: &ast::AttrSet) {
        self.nixpkgs_config_in(set, |names| {
            (names.first().map(String::as_str) == Some("nixpkgs")
                && names.get(1).is_none_or(|n| n == "config"))
            .then_some(names)
        });
    }

    /// `channels-config = { permittedInsecurePackages = [ ... ]; }` (and `channelsConfig`) of a
    /// flake framework's `mkFlake`: recorded as `nixpkgs.config.*` of the file's module.
    fn channels_config(&mut self, set: &ast::AttrSet) {
        self.nixpkgs_config_in(set, |mut names| {
            names
                .first()
                .is_some_and(|n| n == "channels-config" || n == "channelsConfig")
                .then(|| {
                    names.remove(0);
                    let mut p = vec!["nixpkgs".to_string(), "config".to_string()];
                    p.extend(names);
                    p
                })
        });
    }

    /// The bindings of a set given to a function that builds nixpkgs (`import nixpkgs { … }`,
    /// blueprint, `mkFlake`), recorded as settings of the file's module under the option path
    /// `option` makes of each binding's names (`None`: not a nixpkgs setting).
    fn nixpkgs_config_in(
        &mut self,
        set: &ast::AttrSet,
        option: impl Fn(Vec<String>) -> Option<Vec<String>>,
    ) {
        self.scope = ancestor_scope(set.syntax());
        let saved_module = self.module;
        self.module = 0;
        for apv in set.attrpath_values() {
            let (Some(ap), Some(v)) = (apv.attrpath(), apv.value()) else {
                continue;
            };
            let Some(path) = option(self.attr_names(&ap)) else {
                continue;
            };
            self.prefix = path;
            self.walk(&v, ap.syntax().text_range());
            self.prefix.clear();
        }
        self.module = saved_module;
        self.scope.clear();
    }
}

/// True when a modules list is completed by each caller: it is, or concatenates, a bare
/// parameter of an enclosing function (`modules ++ [ ./common ]`, `extraModules`).
fn uses_params(e: &ast::Expr, scope: &[Frame]) -> bool {
    let mut items = Vec::new();
    list_items(e, &mut items);
    let param = |id: &ast::Ident| {
        let name = ident_text(id).unwrap_or_default();
        matches!(lookup(scope, &name), Found::Opaque) && !file_argument(scope, &name)
    };
    items.iter().any(|i| match unparen(i) {
        ast::Expr::Ident(id) => param(&id),
        // `args.modules` of a helper `args: nixosSystem { modules = … ++ args.modules; }`
        // (one name, a list of modules: not `inputs.disko.nixosModules.disko`).
        ast::Expr::Select(sel) => {
            let one_list = sel.attrpath().is_some_and(|ap| {
                let names: Vec<String> = ap.attrs().filter_map(|a| attr_ident(&a)).collect();
                matches!(names.as_slice(), [n] if n == "modules" || n == "extraModules")
            });
            one_list
                && matches!(sel.expr().map(|e| unparen(&e)), Some(ast::Expr::Ident(id)) if param(&id))
        }
        _ => false,
    })
}

/// `name` is an argument of the function the whole file is (`{ self, inputs, shared, ... }:`
/// of a flake-parts module, `shared` given by `_module.args`): the file is not a helper
/// called with it, and a module list naming it is a host's.
fn file_argument(scope: &[Frame], name: &str) -> bool {
    scope.iter().rev().find_map(|f| match f {
        Frame::Params(l) if binds_param(l, name) => Some(
            l.syntax()
                .ancestors()
                .skip(1)
                .all(|a| a.kind() == SyntaxKind::NODE_PAREN || a.kind() == SyntaxKind::NODE_ROOT),
        ),
        Frame::Bound(n, _) | Frame::Element(n, _) if n == name => Some(false),
        _ => None,
    }) == Some(true)
}

/// A helper given its modules as a list (`mkMachine [ ./hosts/bia/configuration.nix
/// nixos-hardware.nixosModules.common-cpu-amd ]`): the list, when it holds a path or a
/// flake's module. nixpkgs' own builders take an attribute set.
fn module_list_arg(head: &str, arg: &ast::Expr) -> Option<ast::Expr> {
    if matches!(head, "nixosSystem" | "darwinSystem") {
        return None;
    }
    let mut items = Vec::new();
    list_items(arg, &mut items);
    let listed = matches!(unparen(arg), ast::Expr::List(_))
        || matches!(unparen(arg), ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Concat));
    let modules = items.iter().any(|i| match unparen(i) {
        ast::Expr::PathRel(_) | ast::Expr::PathAbs(_) => true,
        ast::Expr::Select(s) => s.syntax().text().to_string().contains("Modules."),
        _ => false,
    });
    (listed && modules).then(|| arg.clone())
}

/// The attribute path a node is bound to, from the enclosing attribute sets
/// (`nixosConfigurations.laptop`); a leading `outputs.` or `flake.` is dropped.
fn system_name(node: &SyntaxNode) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for anc in node.ancestors().skip(1) {
        if let Some(apv) = ast::AttrpathValue::cast(anc) {
            if let Some(ap) = apv.attrpath() {
                parts.push(snippet(&ap.syntax().text().to_string()));
            }
        }
    }
    if parts.is_empty() {
        return None;
    }
    parts.reverse();
    while parts
        .first()
        .is_some_and(|p| p == "outputs" || p == "flake")
    {
        parts.remove(0);
    }
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("."))
}

/// The scope at a node, from its ancestors: `let`, `rec`, function parameters, `with`.
fn ancestor_scope(node: &SyntaxNode) -> Vec<Frame> {
    let mut frames = Vec::new();
    for anc in node.ancestors().skip(1) {
        match anc.kind() {
            SyntaxKind::NODE_LET_IN => frames.push(Frame::Binds(anc)),
            SyntaxKind::NODE_ATTR_SET
                if ast::AttrSet::cast(anc.clone()).is_some_and(|s| s.rec_token().is_some()) =>
            {
                frames.push(Frame::Binds(anc));
            }
            SyntaxKind::NODE_LAMBDA => {
                if let Some(l) = ast::Lambda::cast(anc) {
                    frames.push(Frame::Params(l));
                }
            }
            SyntaxKind::NODE_WITH => {
                if let Some(w) = ast::With::cast(anc) {
                    frames.push(with_frame(&w));
                }
            }
            _ => {}
        }
    }
    frames.reverse();
    frames
}

impl Walker {
    // ----- values -----

    fn resolve(&self, name: &str, range: TextRange, scope: &[Frame], depth: u32) -> Val {
        match lookup(scope, name) {
            Found::Expr(x, idx) if depth < MAX_DEPTH => {
                let mut v = self.eval(&x, &scope[..=idx], depth + 1);
                v.range = range;
                v
            }
            Found::Val(mut v) => {
                v.range = range;
                v
            }
            Found::Placed(v) => v,
            // `true`, `false` and `null` live in Nix's base scope: `with` cannot hide them.
            Found::Free => {
                let v = match name {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    // Under `with config.services.coturn;` (the innermost `with`): that set's
                    // option, named in full for the run to look up (`engine::option_refs`).
                    _ => match scope.iter().rev().find(|f| {
                        matches!(
                            f,
                            Frame::With
                                | Frame::WithConfig(_)
                                | Frame::WithFlakeModules(_)
                                | Frame::WithFile(_)
                        )
                    }) {
                        Some(Frame::WithConfig(ns)) => Value::Unknown(format!("{ns}.{name}")),
                        _ => Value::Unknown(name.to_string()),
                    },
                };
                Val::new(v, range)
            }
            _ => Val::new(Value::Unknown(name.to_string()), range),
        }
    }

    fn eval(&self, e: &ast::Expr, scope: &[Frame], depth: u32) -> Val {
        let range = e.syntax().text_range();
        let unknown = || Val::new(Value::Unknown(node_snippet(e.syntax())), range);
        if depth > MAX_DEPTH || !self.budget.step(range) {
            return unknown();
        }
        match e {
            ast::Expr::Literal(l) => {
                let Some(t) = l.syntax().first_token() else {
                    return unknown();
                };
                let v = match t.kind() {
                    SyntaxKind::TOKEN_INTEGER => t
                        .text()
                        .parse()
                        .map_or_else(|_| Value::Unknown(t.text().to_string()), Value::Int),
                    SyntaxKind::TOKEN_FLOAT => t
                        .text()
                        .parse()
                        .map_or_else(|_| Value::Unknown(t.text().to_string()), Value::Float),
                    SyntaxKind::TOKEN_URI => Value::Str(t.text().to_string()),
                    _ => Value::Unknown(t.text().to_string()),
                };
                Val::new(v, range)
            }
            ast::Expr::Str(s) => self.string(s, scope, depth),
            ast::Expr::PathRel(_) | ast::Expr::PathAbs(_) | ast::Expr::PathHome(_) => {
                // A path with interpolations is known when every interpolation is a known string.
                let mut text = String::new();
                for part in e.syntax().children_with_tokens() {
                    match part {
                        rnix::NodeOrToken::Token(t) => text.push_str(t.text()),
                        rnix::NodeOrToken::Node(n) => match ast::Interpol::cast(n)
                            .and_then(|i| i.expr())
                            .map(|x| self.eval(&x, scope, depth + 1).v)
                        {
                            Some(Value::Str(s)) => text.push_str(&s),
                            _ => return unknown(),
                        },
                    }
                }
                if matches!(e, ast::Expr::PathRel(_)) {
                    text = dot_relative(text);
                }
                Val::new(Value::Path(text), range)
            }
            ast::Expr::PathSearch(_) => Val::new(Value::Path(e.syntax().text().to_string()), range),
            ast::Expr::Ident(i) => {
                let name = ident_text(i).unwrap_or_default();
                self.resolve(&name, range, scope, depth)
            }
            ast::Expr::List(l) => {
                let mut items = Vec::new();
                for x in l.items() {
                    self.list_item(&x, scope, depth + 1, &mut items);
                }
                Val::new(Value::List(items), range)
            }
            ast::Expr::AttrSet(set) => {
                let mut inner;
                let scope = if set.rec_token().is_some() {
                    inner = scope.to_vec();
                    inner.push(Frame::Binds(set.syntax().clone()));
                    &inner[..]
                } else {
                    scope
                };
                let mut kv = Vec::new();
                for entry in set.entries() {
                    match entry {
                        ast::Entry::AttrpathValue(apv) => {
                            let (Some(ap), Some(value)) = (apv.attrpath(), apv.value()) else {
                                continue;
                            };
                            let key: Vec<String> = ap
                                .attrs()
                                .map(|a| match &a {
                                    ast::Attr::Ident(i) => ident_text(i).unwrap_or_default(),
                                    ast::Attr::Str(s) => match self.string(s, scope, depth).v {
                                        Value::Str(s) => s,
                                        _ => "<name>".into(),
                                    },
                                    ast::Attr::Dynamic(_) => "<name>".into(),
                                })
                                .collect();
                            kv.push((key.join("."), self.eval(&value, scope, depth + 1)));
                        }
                        ast::Entry::Inherit(inh) => {
                            for a in inh.attrs() {
                                let Some(name) = attr_ident(&a) else { continue };
                                let r = a.syntax().text_range();
                                let v = if inh.from().is_some() {
                                    Val::new(Value::Unknown(name.clone()), r)
                                } else {
                                    self.resolve(&name, r, scope, depth + 1)
                                };
                                kv.push((name, v));
                            }
                        }
                    }
                }
                Val::new(Value::Attrs(kv), range)
            }
            ast::Expr::Paren(p) => match p.expr() {
                Some(x) => self.eval(&x, scope, depth + 1),
                None => unknown(),
            },
            ast::Expr::Select(s) => self.select(s, scope, depth).unwrap_or_else(unknown),
            ast::Expr::Apply(a) => match wrapper(a) {
                Some(Wrap::Prio(_, x, _) | Wrap::If(_, x) | Wrap::Import(x)) => {
                    self.eval(&x, scope, depth + 1)
                }
                Some(Wrap::Merge(_) | Wrap::Both(..)) => unknown(),
                None => self.call(a, scope, depth).unwrap_or_else(unknown),
            },
            ast::Expr::IfElse(ie) => {
                let (Some(c), Some(t), Some(f)) = (ie.condition(), ie.body(), ie.else_body())
                else {
                    return unknown();
                };
                match self.eval(&c, scope, depth + 1).v {
                    Value::Bool(true) => return self.eval(&t, scope, depth + 1),
                    Value::Bool(false) => return self.eval(&f, scope, depth + 1),
                    _ => {}
                }
                let c = cond_text(&c);
                let (t, f) = (
                    self.eval(&t, scope, depth + 1),
                    self.eval(&f, scope, depth + 1),
                );
                match (t.v, f.v) {
                    // Either list: each element is present under its branch's condition.
                    (Value::List(a), Value::List(b)) => {
                        let not = format!("!({c})");
                        let mut items: Vec<Val> = a.into_iter().map(|x| x.under(&c)).collect();
                        items.extend(b.into_iter().map(|x| x.under(&not)));
                        Val::new(Value::List(items), range)
                    }
                    (a, b) if a == b => Val::new(a, range),
                    _ => unknown(),
                }
            }
            ast::Expr::BinOp(b) => {
                let (Some(l), Some(r)) = (b.lhs(), b.rhs()) else {
                    return unknown();
                };
                match b.operator() {
                    Some(BinOpKind::Concat) => {
                        let l = self.eval(&l, scope, depth + 1);
                        let r = self.eval(&r, scope, depth + 1);
                        // Copying the items is work too: lists that double at every binding
                        // would otherwise cost 2^n within the step budget.
                        let len = |v: &Val| match &v.v {
                            Value::List(xs) => xs.len(),
                            _ => 1,
                        };
                        if !self.budget.charge(len(&l) + len(&r), range) {
                            return unknown();
                        }
                        let mut items = Vec::new();
                        for side in [l, r] {
                            match side.v {
                                Value::List(xs) => match side.cond {
                                    Some(c) => items.extend(xs.into_iter().map(|x| x.under(&c))),
                                    None => items.extend(xs),
                                },
                                _ => items.push(side),
                            }
                        }
                        Val::new(Value::List(items), range)
                    }
                    Some(BinOpKind::Add) => {
                        let l = self.eval(&l, scope, depth + 1);
                        let r = self.eval(&r, scope, depth + 1);
                        let bytes = |v: &Val| match &v.v {
                            Value::Str(x) | Value::Path(x) | Value::Interp(x) => x.len(),
                            _ => 0,
                        };
                        if !self.budget.charge((bytes(&l) + bytes(&r)) / 64, range) {
                            return unknown();
                        }
                        match (&l.v, &r.v) {
                            (Value::Str(a), Value::Str(b)) => {
                                Val::new(Value::Str(format!("{a}{b}")), range)
                            }
                            (Value::Path(a), Value::Str(b)) => {
                                Val::new(Value::Path(format!("{a}{b}")), range)
                            }
                            (Value::Int(a), Value::Int(b)) => Val::new(
                                a.checked_add(*b).map_or_else(
                                    || Value::Unknown(node_snippet(e.syntax())),
                                    Value::Int,
                                ),
                                range,
                            ),
                            (
                                Value::Str(a) | Value::Interp(a),
                                Value::Str(b) | Value::Interp(b),
                            ) => Val::new(Value::Interp(format!("{a}{b}")), range),
                            (Value::Str(a) | Value::Interp(a), _) => {
                                Val::new(Value::Interp(format!("{a}${{…}}")), range)
                            }
                            (_, Value::Str(b) | Value::Interp(b)) => {
                                Val::new(Value::Interp(format!("${{…}}{b}")), range)
                            }
                            _ => unknown(),
                        }
                    }
                    _ => unknown(),
                }
            }
            ast::Expr::LetIn(l) => match l.body() {
                Some(body) => {
                    let mut inner = scope.to_vec();
                    inner.push(Frame::Binds(l.syntax().clone()));
                    self.eval(&body, &inner, depth + 1)
                }
                None => unknown(),
            },
            ast::Expr::With(w) => match w.body() {
                Some(body) => {
                    let mut inner = scope.to_vec();
                    inner.push(match with_frame(w) {
                        f @ Frame::WithConfig(_) => f,
                        _ => Frame::With,
                    });
                    self.eval(&body, &inner, depth + 1)
                }
                None => unknown(),
            },
            ast::Expr::Lambda(_) => Val::new(Value::Lambda, range),
            ast::Expr::UnaryOp(u) => {
                let inner = u.expr().map(|x| self.eval(&x, scope, depth + 1).v);
                let v = match (u.operator(), inner) {
                    (Some(UnaryOpKind::Invert), Some(Value::Bool(b))) => Value::Bool(!b),
                    (Some(UnaryOpKind::Negate), Some(Value::Int(i))) => i
                        .checked_neg()
                        .map_or(Value::Unknown(String::new()), Value::Int),
                    _ => return unknown(),
                };
                Val::new(v, range)
            }
            _ => unknown(),
        }
    }

    /// One element of a list literal: `(if c then x else y)` is two elements, each under its
    /// condition; `(lib.optional c x)` inside a list stays a list.
    fn list_item(&self, x: &ast::Expr, scope: &[Frame], depth: u32, out: &mut Vec<Val>) {
        if let ast::Expr::IfElse(ie) = unparen(x) {
            if let (Some(c), Some(t), Some(f)) = (ie.condition(), ie.body(), ie.else_body()) {
                match self.eval(&c, scope, depth + 1).v {
                    Value::Bool(true) => out.push(self.eval(&t, scope, depth + 1)),
                    Value::Bool(false) => out.push(self.eval(&f, scope, depth + 1)),
                    _ => {
                        let c = cond_text(&c);
                        let t = self.eval(&t, scope, depth + 1);
                        let f = self.eval(&f, scope, depth + 1);
                        if matches!(t.v, Value::List(_)) || matches!(f.v, Value::List(_)) {
                            out.push(unknown_of(x));
                        } else {
                            out.push(t.under(&c));
                            out.push(f.under(&format!("!({c})")));
                        }
                    }
                }
                return;
            }
        }
        // One value of a set written in place, chosen by a key not known here
        // (`lib.getAttr class { nixos = "@wheel"; darwin = "@admin"; }`, `{ ... }.${class}`):
        // each value, under its key.
        // A key known here picks its value alone.
        if let Some((key, set)) = keyed_choice(x) {
            let known = self.eval(&key, scope, depth + 1);
            let k = cond_text(&key);
            for apv in set.attrpath_values() {
                let (Some(ap), Some(v)) = (apv.attrpath(), apv.value()) else {
                    continue;
                };
                let names: Vec<ast::Attr> = ap.attrs().collect();
                let [ast::Attr::Ident(n)] = names.as_slice() else {
                    continue;
                };
                let n = ident_text(n).unwrap_or_default();
                let v = self.eval(&v, scope, depth + 1);
                let mut v = match &known.v {
                    Value::Str(s) if *s == n => v,
                    Value::Str(_) => continue,
                    _ => v.under(&format!("{k} == \"{n}\"")),
                };
                v.range = x.syntax().text_range();
                out.push(v);
            }
            return;
        }
        // A name bound to such an `if` (`admins = if darwin then "@admin" else "@wheel";`,
        // then `[ "root" admins ]`) or such a choice: its values, at the use.
        if let ast::Expr::Ident(i) = unparen(x) {
            let name = ident_text(&i).unwrap_or_default();
            if let Found::Expr(e, idx) = lookup(scope, &name) {
                if depth < MAX_DEPTH
                    && (matches!(unparen(&e), ast::Expr::IfElse(_)) || keyed_choice(&e).is_some())
                {
                    let at = out.len();
                    self.list_item(&e, &scope[..=idx], depth + 1, out);
                    for v in &mut out[at..] {
                        v.range = x.syntax().text_range();
                    }
                    return;
                }
            }
        }
        out.push(self.eval(x, scope, depth));
    }

    /// `x.y.z` of a set written in the file.
    fn select(&self, s: &ast::Select, scope: &[Frame], depth: u32) -> Option<Val> {
        if s.default_expr().is_some() {
            return None;
        }
        let base = self.eval(&s.expr()?, scope, depth + 1);
        let mut cur = base;
        for a in s.attrpath()?.attrs() {
            let key = match &a {
                ast::Attr::Ident(i) => ident_text(i)?,
                ast::Attr::Str(st) => self.string(st, scope, depth + 1).v.as_str()?.to_string(),
                ast::Attr::Dynamic(_) => return None,
            };
            let Value::Attrs(kv) = cur.v else {
                return None;
            };
            // Keys of a set value are dotted paths (`a.b = 1;` is the key `a.b`).
            let mut next = None;
            for (k, v) in kv {
                if k == key {
                    next = Some(v);
                    break;
                }
                if let Some(rest) = k.strip_prefix(&format!("{key}.")) {
                    next = Some(Val::new(
                        Value::Attrs(vec![(rest.to_string(), v.clone())]),
                        v.range,
                    ));
                    break;
                }
            }
            cur = next?;
        }
        let mut v = cur;
        v.range = s.syntax().text_range();
        Some(v)
    }

    /// The function `f` names, with the scope its body sees: a function written in place (the
    /// scope here), or a name bound in this file to one (the scope where it is bound).
    fn bound_lambda(&self, f: &ast::Expr, scope: &[Frame]) -> Option<(ast::Lambda, Vec<Frame>)> {
        match unparen(f) {
            ast::Expr::Lambda(l) => Some((l, scope.to_vec())),
            ast::Expr::Ident(i) => {
                let name = ident_text(&i)?;
                match lookup(scope, &name) {
                    Found::Expr(x, idx) => match unparen(&x) {
                        ast::Expr::Lambda(l) => Some((l, scope[..=idx].to_vec())),
                        _ => None,
                    },
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// A function call whose result is (partly) known: `lib.optional c x`, `lib.optionals c
    /// [ ... ]`, `lib.optionalString c s`, a function that keeps all of a list's elements
    /// (`lib.flatten`, `lib.unique`), and any other function applied to a literal list
    /// (`ifTheyExist [ "docker" ]`, `builtins.filter f [ ... ]`), whose elements may be present.
    fn call(&self, a: &ast::Apply, scope: &[Frame], depth: u32) -> Option<Val> {
        let range = a.syntax().text_range();
        let (name, args) = unroll(a)?;
        // A function of one parameter bound in this file (`let nopasswd = command: { inherit
        // command; options = [ "NOPASSWD" ]; }; in nopasswd "/bin/sh"`), applied: its body with
        // the parameter bound to the argument, at the argument's place.
        if let (Some(f), [arg]) = (a.lambda(), args.as_slice()) {
            if matches!(unparen(&f), ast::Expr::Ident(_)) {
                // Given a list, the function may keep any of its elements (`ifTheyExist [
                // "docker" ]`): that reading, named by the function, is the one below. (The
                // argument is evaluated only for a function bound here: most calls are not.)
                let bound = self
                    .bound_lambda(&f, scope)
                    .map(|b| (b, self.eval(arg, scope, depth + 1)))
                    .filter(|(_, v)| !matches!(v.v, Value::List(_)));
                if let Some(((l, mut inner), v)) = bound {
                    let param = ident_param(&l)?;
                    let body = l.body()?;
                    inner.push(Frame::Element(param, v));
                    let out = self.eval(&body, &inner, depth + 1);
                    // A value, not another function (`allowed list` of `allowed = list: pkg:
                    // …`: the call stays the value, where it is written).
                    return (!out.v.is_unknown() && !matches!(out.v, Value::Lambda)).then_some(out);
                }
            }
        }
        match (name.as_str(), args.as_slice()) {
            // `lib.getExe' pkgs.systemd "systemctl"`: the program's path in the package.
            ("getExe'", [_, program]) => {
                let p = self.eval(program, scope, depth + 1);
                let p = p.v.as_str()?;
                Some(Val::new(Value::Interp(format!("${{…}}/bin/{p}")), range))
            }
            ("optional" | "optionals" | "optionalString", [c, x]) => {
                let v = self.eval(x, scope, depth + 1);
                let cond = match self.eval(c, scope, depth + 1).v {
                    Value::Bool(true) => None,
                    Value::Bool(false) => {
                        return Some(Val::new(
                            if name == "optionalString" {
                                Value::Str(String::new())
                            } else {
                                Value::List(Vec::new())
                            },
                            range,
                        ))
                    }
                    _ => Some(cond_text(c)),
                };
                let items = match (name.as_str(), v.v) {
                    ("optional", v1) => vec![Val {
                        v: v1,
                        range: v.range,
                        cond: v.cond,
                    }],
                    ("optionals", Value::List(xs)) => xs,
                    ("optionalString", s) => {
                        return Some(Val::new(s, range));
                    }
                    _ => return None,
                };
                let items = match &cond {
                    Some(c) => items.into_iter().map(|x| x.under(c)).collect(),
                    None => items,
                };
                Some(Val::new(Value::List(items), range))
            }
            // `map (name: "http://${name}.vpn:5000") hosts`: a function written in place that
            // makes a string (or a set: `map (cmd: { command = cmd; options = [ "NOPASSWD" ]; })
            // commands`), over a list: each result, when the list is known; else the one result
            // it makes of any element (conditional on the list).
            //
            // `concatMap f list` the same, each result a list (joined). The function may be
            // bound in this file (`map nopasswd commands`).
            ("map" | "concatMap", [f, list]) => {
                let (l, closure) = self.bound_lambda(f, scope)?;
                let param = ident_param(&l)?;
                let body = l.body()?;
                let items = self.eval(list, scope, depth + 1);
                let concat = name == "concatMap";
                let strings =
                    |v: &Val| matches!(v.v, Value::Str(_) | Value::Interp(_) | Value::Attrs(_));
                // One result: a string or set for `map`, a list of them for `concatMap`.
                let results = |v: Val, out: &mut Vec<Val>| -> Option<()> {
                    if !concat {
                        strings(&v).then(|| out.push(v))
                    } else if let Value::List(xs) = v.v {
                        let cond = v.cond;
                        for x in xs {
                            if !strings(&x) {
                                return None;
                            }
                            out.push(match &cond {
                                Some(c) => x.under(c),
                                None => x,
                            });
                        }
                        Some(())
                    } else {
                        None
                    }
                };
                let out = match items.v {
                    Value::List(items) if items.len() > 256 => return None,
                    Value::List(items) => {
                        let mut out = Vec::with_capacity(items.len());
                        for item in items {
                            let mut inner: Vec<Frame> = closure.clone();
                            inner.push(Frame::Element(param.clone(), item));
                            results(self.eval(&body, &inner, depth + 1), &mut out)?;
                        }
                        out
                    }
                    _ => {
                        let mut inner: Vec<Frame> = closure;
                        inner.push(Frame::Params(l.clone()));
                        let mut one = Vec::new();
                        results(self.eval(&body, &inner, depth + 1), &mut one)?;
                        let cond = format!(
                            "one per element of `{}`",
                            snippet(&list.syntax().text().to_string())
                        );
                        one.into_iter().map(|v| v.under(&cond)).collect()
                    }
                };
                Some(Val::new(Value::List(out), range))
            }
            // `toString v` of a string or a number known here: its text, where it is written
            // (`mapAttrs' (n: v: nameValuePair "X_${n}" (toString v)) { PASSWORD = "…"; }`).
            ("toString", [x]) => {
                let v = self.eval(x, scope, depth + 1);
                let text = match &v.v {
                    Value::Str(_) | Value::Interp(_) => return Some(v),
                    Value::Int(n) => n.to_string(),
                    Value::Bool(b) => if *b { "1" } else { "" }.to_string(),
                    _ => return None,
                };
                Some(Val {
                    v: Value::Str(text),
                    range: v.range,
                    cond: v.cond,
                })
            }
            // `lib.splitString " " ''a b c''`: the pieces of a known string (empty ones, from
            // a trailing newline or doubled separators, left out as the words they are not).
            ("splitString", [sep, text]) => {
                let sep = self.eval(sep, scope, depth + 1).v.as_str()?.to_string();
                let t = self.eval(text, scope, depth + 1);
                let Value::Str(text) = t.v else {
                    return None;
                };
                if sep.is_empty() {
                    return None;
                }
                let items = text
                    .split(sep.as_str())
                    .map(str::trim)
                    .filter(|w| !w.is_empty())
                    .map(|w| Val::new(Value::Str(w.to_string()), t.range))
                    .collect();
                Some(Val::new(Value::List(items), range))
            }
            // `lib.concatStrings [ ''…'' ''…'' ]`: the text, when every piece of it is known.
            ("concatStrings", [l]) | ("concatStringsSep", [_, l]) => {
                let sep = match args.as_slice() {
                    [sep, _] => self.eval(sep, scope, depth + 1).v.as_str()?.to_string(),
                    _ => String::new(),
                };
                let Value::List(items) = self.eval(l, scope, depth + 1).v else {
                    return None;
                };
                let mut text = Vec::with_capacity(items.len());
                let mut interp = false;
                for i in &items {
                    match &i.v {
                        Value::Str(t) => text.push(t.as_str()),
                        Value::Interp(t) => {
                            interp = true;
                            text.push(t.as_str());
                        }
                        _ => return None,
                    }
                }
                let joined = text.join(&sep);
                Some(Val::new(
                    if interp {
                        Value::Interp(joined)
                    } else {
                        Value::Str(joined)
                    },
                    range,
                ))
            }
            (f, [.., last]) if !TRANSFORM.contains(&f) => {
                let v = self.eval(last, scope, depth + 1);
                let Value::List(items) = v.v else {
                    return None;
                };
                let items = if KEEP_ALL.contains(&f) {
                    flatten(items, 0)
                } else {
                    let cond = format!("`{}` keeps it", snippet(&name));
                    items.into_iter().map(|x| x.under(&cond)).collect()
                };
                Some(Val::new(Value::List(items), range))
            }
            _ => None,
        }
    }
}

/// Elements of nested lists, in order (`lib.flatten`), at most [`MAX_DEPTH`] levels deep.
fn flatten(items: Vec<Val>, depth: u32) -> Vec<Val> {
    let mut out = Vec::new();
    for i in items {
        match i.v {
            Value::List(xs) if depth < MAX_DEPTH => {
                let inner = flatten(xs, depth + 1);
                match &i.cond {
                    Some(c) => out.extend(inner.into_iter().map(|x| x.under(c))),
                    None => out.extend(inner),
                }
            }
            v => out.push(Val {
                v,
                range: i.range,
                cond: i.cond,
            }),
        }
    }
    out
}

fn unknown_of(e: &ast::Expr) -> Val {
    Val::new(
        Value::Unknown(node_snippet(e.syntax())),
        e.syntax().text_range(),
    )
}

impl Walker {
    /// A string's value: escapes processed, indentation stripped for `''` strings, known
    /// interpolations substituted, unknown ones written `${…}`.
    fn string(&self, s: &ast::Str, scope: &[Frame], depth: u32) -> Val {
        let range = s.syntax().text_range();
        let mut out = String::new();
        let mut indented = false;
        let mut complete = true;
        for child in s.syntax().children_with_tokens() {
            match child {
                rnix::NodeOrToken::Token(t) => match t.kind() {
                    SyntaxKind::TOKEN_STRING_START => indented = t.text() == "''",
                    SyntaxKind::TOKEN_STRING_CONTENT => unescape(t.text(), indented, &mut out),
                    _ => {}
                },
                rnix::NodeOrToken::Node(n) => {
                    // `${import ./key.nix}` is the file's value, not its path.
                    let known = ast::Interpol::cast(n)
                        .and_then(|i| i.expr())
                        .filter(|x| {
                            !matches!(unparen(x), ast::Expr::Apply(a)
                                if matches!(wrapper(&a), Some(Wrap::Import(_))))
                        })
                        .map(|x| self.eval(&x, scope, depth + 1).v);
                    match known {
                        Some(Value::Str(s) | Value::Path(s)) => out.push_str(&s),
                        Some(Value::Int(i)) => out.push_str(&i.to_string()),
                        _ => {
                            complete = false;
                            out.push_str("${…}");
                        }
                    }
                }
            }
        }
        if indented {
            out = strip_indent(&out);
        }
        Val::new(
            if complete {
                Value::Str(out)
            } else {
                Value::Interp(out)
            },
            range,
        )
    }
}

/// The body of a function generating settings (`name: { … }`, through `let` and `with`:
/// `username: with users.${username}; { … }`).
fn generated_body(e: &ast::Expr) -> bool {
    let mut e = unparen(e);
    for _ in 0..MAX_DEPTH {
        match &e {
            ast::Expr::LetIn(_) => return true,
            ast::Expr::With(w) => match w.body() {
                Some(b) => e = unparen(&b),
                None => return false,
            },
            _ => return is_structural(&e),
        }
    }
    false
}

/// Values worth walking into as option structure rather than evaluating as a leaf.
fn is_structural(e: &ast::Expr) -> bool {
    match unparen(e) {
        ast::Expr::AttrSet(_) | ast::Expr::IfElse(_) => true,
        ast::Expr::Apply(a) => {
            matches!(
                wrapper(&a),
                Some(Wrap::Prio(..) | Wrap::If(..) | Wrap::Merge(..) | Wrap::Both(..))
            ) || unroll(&a).is_some_and(|(n, args)| {
                // The generated sets [`Walker::walk_generated`] and [`Walker::walk_pairs`]
                // see through (`units = mapAttrs' (n: v: { name = …; value = …; }) cfg;`).
                (matches!(
                    n.as_str(),
                    "genAttrs" | "mapAttrs" | "mapAttrs'" | "concatMapAttrs"
                ) && args.len() == 2)
                    || (matches!(n.as_str(), "listToAttrs" | "mergeAttrsList") && args.len() == 1)
            })
        }
        ast::Expr::BinOp(b) => b.operator() == Some(BinOpKind::Update),
        _ => false,
    }
}

/// `# nixsec: ignore NIX-070, NIX-071 -- reason` comments (also `/* ... */`).
fn suppressions(root: &SyntaxNode) -> Vec<Suppression> {
    let mut out = Vec::new();
    for t in root
        .descendants_with_tokens()
        .filter_map(rnix::NodeOrToken::into_token)
    {
        if t.kind() != SyntaxKind::TOKEN_COMMENT {
            continue;
        }
        let text = t.text();
        let Some(p) = text.find("nixsec:") else {
            continue;
        };
        let rest = text[p + "nixsec:".len()..].trim_end_matches("*/").trim();
        let Some(rest) = rest.strip_prefix("ignore") else {
            continue;
        };
        let (ids_part, reason) = match rest.find("--") {
            Some(q) => {
                let r = rest[q + 2..].trim();
                (&rest[..q], (!r.is_empty()).then(|| r.to_string()))
            }
            None => (rest, None),
        };
        let (ids, subjects): (Vec<String>, Vec<Option<String>>) =
            suppression_targets(ids_part).into_iter().unzip();
        if ids.is_empty() {
            continue;
        }
        out.push(Suppression {
            range: t.text_range(),
            ids,
            subjects,
            reason,
        });
    }
    out
}

/// `NIX-070, NIX-073[services.jellyfin]` as ids (upper case) with their optional subjects. A
/// subject runs to its `]` and may hold spaces and commas; an unclosed `[` takes the rest.
fn suppression_targets(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        if rest.is_empty() {
            return out;
        }
        let end = rest
            .find(|c: char| c == ',' || c == '[' || c.is_whitespace())
            .unwrap_or(rest.len());
        let id = rest[..end].to_ascii_uppercase();
        rest = &rest[end..];
        let subject = match rest.strip_prefix('[') {
            Some(after) => {
                let close = after.find(']').unwrap_or(after.len());
                let s = after[..close].trim().to_string();
                rest = after.get(close + 1..).unwrap_or("");
                (!s.is_empty()).then_some(s)
            }
            None => None,
        };
        if !id.is_empty() {
            out.push((id, subject));
        }
    }
}

#[path = "index_origin.rs"]
mod origin;

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
