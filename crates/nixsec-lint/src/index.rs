//! The attribute-path index: one walk over a file's syntax tree that turns every NixOS option
//! assignment, whatever its spelling, into `(option path, value, place, priority, condition)`.
//!
//! Spellings resolved: dotted paths and nested attribute sets at any depth; the module
//! function `{ config, lib, ... }: { ... }`; modules that declare `options` and put their
//! settings under `config = { ... }`; `rec { ... }`; `let ... in` and `inherit` (names whose
//! values are written in the same file); `with lib;`; list literals and `++`; strings (also
//! indented strings, and interpolations of known strings); the wrappers `mkForce`,
//! `mkDefault`, `mkOverride N`, `mkBefore`, `mkAfter`, `mkOrder N`, `mkIf COND`,
//! `optionalAttrs COND`, `mkMerge [ ... ]` (bare, as `lib.mk*`, or any `x.y.mk*`), `//`, and
//! `if ... then ... else` (each branch, as a condition). Nothing is evaluated: a value that
//! needs evaluation (a function call, an option read, a name from `with`) stays
//! [`Value::Unknown`].
//!
//! The index also records each module's `imports`, the `nixosSystem`/`darwinSystem` calls of a
//! flake (with their `modules` lists, inline modules included), the parser's errors and the
//! `# nixsec: ignore` comments.

use rnix::ast::{self, BinOpKind, HasEntry, UnaryOpKind};
use rnix::{SyntaxKind, SyntaxNode, TextRange};
use rowan::ast::AstNode;

use crate::value::{snippet, strip_indent, unescape, Val, Value};

/// How deep names are chased and values nested before giving up (cycles, huge files).
const MAX_DEPTH: u32 = 48;

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
    /// `mkOverride` priority (100 plain, 50 `mkForce`, 1000 `mkDefault`).
    pub priority: i32,
    /// The `mkIf`/`if` conditions in force, as written, joined by ` && `.
    pub condition: Option<String>,
    /// The module (index into [`FileIndex::modules`]) the assignment belongs to.
    pub module: usize,
    /// Where the value (or each element of a list value) comes from, when it is a file or a
    /// store file: a path literal, `"${./x}"`, `builtins.path`, `pkgs.writeText`,
    /// `builtins.readFile`/`import` (empty for most values).
    pub origins: Vec<Origin>,
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
}

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
    /// `builtins.toFile`.
    Written {
        /// The function's name (`writeText`, `writeShellScript`, `toFile`).
        func: String,
        /// The file's name, when it is a literal.
        name: Option<String>,
        /// The text written, when it is known.
        text: Option<Val>,
        /// The text names a secret deployed at run time (`/run/secrets/…`, `/run/agenix/…`,
        /// `config.sops.secrets.…`, `config.age.secrets.…`, `$CREDENTIALS_DIRECTORY`): the file
        /// says where the secret is, it does not hold it.
        names_deployed_secret: bool,
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

/// An entry of `imports` (or of a `nixosSystem` `modules` list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleRef {
    /// A path literal, as written (`./hardware.nix`, `../common`, `/etc/nixos/x.nix`).
    Path(String, TextRange),
    /// A module written inline in this file (index into [`FileIndex::modules`]).
    Inline(usize),
    /// Something not followed: another flake's module, `<nixpkgs/...>`, a computed path.
    External(String, TextRange),
}

/// One module of a file: the file itself, or a module written inline in a flake.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Module {
    /// Its `imports`.
    pub imports: Vec<ModuleRef>,
    /// It declares `options` (its settings then live under `config`).
    pub declares_options: bool,
    /// It imports the NixOS hardened profile.
    pub hardened_profile: bool,
    /// False when the file's value is not a module at all (a package, a function call...).
    pub is_module: bool,
}

/// A `nixosSystem { modules = [ ... ]; }` (or `darwinSystem`) call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemDecl {
    /// The attribute it is bound to (`nixosConfigurations.laptop`), or `nixosSystem@LINE`.
    pub name: String,
    /// NixOS or nix-darwin.
    pub kind: ModuleKind,
    /// Its modules.
    pub modules: Vec<ModuleRef>,
    /// Where the call is.
    pub range: TextRange,
}

/// A `# nixsec: ignore ID[, ID...] -- reason` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The comment token.
    pub range: TextRange,
    /// Rule ids, upper case.
    pub ids: Vec<String>,
    /// The reason after `--`; `None` when missing (the suppression is then not honoured).
    pub reason: Option<String>,
}

/// Everything the linter needs from one file; the syntax tree is not kept.
#[derive(Debug, Clone, Default)]
pub struct FileIndex {
    /// Option assignments of every module in the file.
    pub assignments: Vec<Assignment>,
    /// `modules[0]` is the file itself; flakes add their inline modules.
    pub modules: Vec<Module>,
    /// `nixosSystem`/`darwinSystem` calls.
    pub systems: Vec<SystemDecl>,
    /// Parser errors: where, and what.
    pub errors: Vec<(TextRange, String)>,
    /// Suppression comments.
    pub suppressions: Vec<Suppression>,
    /// Builtin fetcher calls and flake input URLs.
    pub fetches: Vec<crate::fetches::Fetch>,
}

impl FileIndex {
    /// Parse `src` and index it.
    #[must_use]
    pub fn build(src: &str) -> FileIndex {
        let parse = rnix::Root::parse(src);
        let mut idx = FileIndex {
            modules: vec![Module::default()],
            ..FileIndex::default()
        };
        for e in parse.errors() {
            idx.errors.push(describe_error(e, src));
        }
        let root = parse.tree();
        let mut w = Walker {
            out: idx,
            prefix: Vec::new(),
            conds: Vec::new(),
            scope: Vec::new(),
            prio: priority::NORMAL,
            module: 0,
            depth: 0,
        };
        if let Some(e) = root.expr() {
            let is_module = w.module_root(&e);
            w.out.modules[0].is_module = is_module;
        }
        if src.contains("nixosSystem") || src.contains("darwinSystem") {
            w.systems(root.syntax());
        }
        if src.contains("nixsec:") {
            w.out.suppressions = suppressions(root.syntax());
        }
        w.out.fetches = crate::fetches::fetches(root.syntax(), src);
        w.out
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
}

/// What a name refers to.
enum Found {
    /// A binding whose value is this expression, in the scope `..=index`.
    Expr(ast::Expr, usize),
    /// Bound, but its value is not knowable here (a function parameter, `inherit (x) name`).
    Opaque,
    /// Not bound lexically; `with` may provide it.
    Free { under_with: bool },
}

fn lookup(scope: &[Frame], name: &str) -> Found {
    let mut under_with = false;
    for i in (0..scope.len()).rev() {
        match &scope[i] {
            Frame::With => under_with = true,
            Frame::Params(l) => {
                if binds_param(l, name) {
                    return Found::Opaque;
                }
            }
            Frame::Binds(node) => {
                for child in node.children() {
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
                        if inh.attrs().any(|a| attr_ident(&a).as_deref() == Some(name)) {
                            if inh.from().is_some() {
                                return Found::Opaque;
                            }
                            return lookup(&scope[..i], name);
                        }
                    }
                }
            }
        }
    }
    Found::Free { under_with }
}

fn binds_param(l: &ast::Lambda, name: &str) -> bool {
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
        ast::Attr::Ident(i) => i.ident_token().map(|t| t.text().to_string()),
        _ => None,
    }
}

fn ident_text(i: &ast::Ident) -> Option<String> {
    i.ident_token().map(|t| t.text().to_string())
}

/// The last name of a function head: `mkForce`, `lib.mkForce`, `lib.modules.mkForce`.
pub(crate) fn head_name(e: &ast::Expr) -> Option<String> {
    match e {
        ast::Expr::Ident(i) => ident_text(i),
        ast::Expr::Select(s) => {
            if s.default_expr().is_some() {
                return None;
            }
            s.attrpath()?.attrs().last().and_then(|a| attr_ident(&a))
        }
        ast::Expr::Paren(p) => p.expr().as_ref().and_then(head_name),
        _ => None,
    }
}

/// An application unrolled: the head's last name and the arguments in order.
pub(crate) fn unroll(a: &ast::Apply) -> Option<(String, Vec<ast::Expr>)> {
    let mut args = Vec::new();
    let mut cur = ast::Expr::Apply(a.clone());
    loop {
        match cur {
            ast::Expr::Apply(ap) => {
                args.push(ap.argument()?);
                cur = ap.lambda()?;
            }
            other => {
                args.reverse();
                return Some((head_name(&other)?, args));
            }
        }
    }
}

/// What a module-system function does to its argument.
enum Wrap {
    /// Sets a priority (`mkForce`, `mkDefault`, `mkOverride N`), or just orders (`mkBefore`).
    Prio(Option<i32>, ast::Expr),
    /// `mkIf c x`, `optionalAttrs c x`.
    If(ast::Expr, ast::Expr),
    /// `mkMerge [ ... ]`.
    Merge(ast::Expr),
    /// `import ./x.nix`.
    Import(ast::Expr),
}

/// The identifier token naming a function head (`mkForce`, the `mkForce` of `lib.mkForce`).
fn head_token(e: &ast::Expr) -> Option<rnix::SyntaxToken> {
    match e {
        ast::Expr::Ident(i) => i.ident_token(),
        ast::Expr::Select(s) if s.default_expr().is_none() => match s.attrpath()?.attrs().last()? {
            ast::Attr::Ident(i) => i.ident_token(),
            _ => None,
        },
        ast::Expr::Paren(p) => head_token(&p.expr()?),
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
];

fn wrapper(a: &ast::Apply) -> Option<Wrap> {
    // Most applications are ordinary calls: look at the head before collecting arguments.
    let mut cur = a.lambda()?;
    while let ast::Expr::Apply(ap) = &cur {
        cur = ap.lambda()?;
    }
    let head = head_token(&cur)?;
    if !WRAPPERS.contains(&head.text()) {
        return None;
    }
    let (name, mut args) = unroll(a)?;
    let n = args.len();
    Some(match (name.as_str(), n) {
        ("mkForce", 1) => Wrap::Prio(Some(priority::FORCE), args.pop()?),
        ("mkDefault", 1) => Wrap::Prio(Some(priority::DEFAULT), args.pop()?),
        ("mkImageMediaOverride", 1) => Wrap::Prio(Some(60), args.pop()?),
        ("mkVMOverride", 1) => Wrap::Prio(Some(10), args.pop()?),
        ("mkOptionDefault", 1) => Wrap::Prio(Some(1500), args.pop()?),
        ("mkOverride", 2) => {
            let v = args.pop()?;
            let p = match args.pop()? {
                ast::Expr::Literal(l) => int_literal(&l),
                _ => None,
            };
            Wrap::Prio(p, v)
        }
        ("mkBefore" | "mkAfter", 1) => Wrap::Prio(None, args.pop()?),
        ("mkOrder", 2) => Wrap::Prio(None, args.pop()?),
        ("mkIf" | "optionalAttrs", 2) => {
            let v = args.pop()?;
            Wrap::If(args.pop()?, v)
        }
        ("mkMerge", 1) => Wrap::Merge(args.pop()?),
        ("import", 1) => Wrap::Import(args.pop()?),
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

fn cond_text(e: &ast::Expr) -> String {
    node_snippet(e.syntax())
}

/// [`snippet`] of a node's source text, reading only as many tokens as the snippet needs
/// (an unknown value may be a large expression).
fn node_snippet(n: &SyntaxNode) -> String {
    let mut text = String::new();
    for t in n
        .descendants_with_tokens()
        .filter_map(rnix::NodeOrToken::into_token)
    {
        text.push_str(t.text());
        if text.len() > 256 {
            break;
        }
    }
    snippet(&text)
}

struct Walker {
    out: FileIndex,
    prefix: Vec<String>,
    conds: Vec<String>,
    scope: Vec<Frame>,
    prio: i32,
    module: usize,
    depth: u32,
}

impl Walker {
    /// Walk a module: strip the function, `let`, `with`; index its attribute set. Returns
    /// whether the expression is a module at all.
    fn module_root(&mut self, e: &ast::Expr) -> bool {
        let mark = self.scope.len();
        let mut cur = e.clone();
        let res = loop {
            match cur {
                ast::Expr::Paren(p) => match p.expr() {
                    Some(x) => cur = x,
                    None => break false,
                },
                ast::Expr::Lambda(l) => {
                    let Some(body) = l.body() else { break false };
                    self.scope.push(Frame::Params(l));
                    cur = body;
                }
                ast::Expr::LetIn(l) => {
                    let Some(body) = l.body() else { break false };
                    self.scope.push(Frame::Binds(l.syntax().clone()));
                    cur = body;
                }
                ast::Expr::With(w) => {
                    let Some(body) = w.body() else { break false };
                    self.scope.push(Frame::With);
                    cur = body;
                }
                ast::Expr::AttrSet(set) => {
                    self.module_attrs(&set);
                    break true;
                }
                _ => break false,
            }
        };
        self.scope.truncate(mark);
        res
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
        for entry in set.entries() {
            match entry {
                ast::Entry::AttrpathValue(apv) => {
                    let Some(ap) = apv.attrpath() else { continue };
                    let Some(value) = apv.value() else { continue };
                    let names = self.attr_names(&ap);
                    let Some(first) = names.first() else { continue };
                    match first.as_str() {
                        "imports" if names.len() == 1 => self.imports(&value),
                        "options" => self.out.modules[self.module].declares_options = true,
                        "config" => {
                            self.prefix.extend(names[1..].iter().cloned());
                            self.walk(&value, ap.syntax().text_range());
                            self.prefix.clear();
                        }
                        "_file" | "key" | "disabledModules" | "_class" | "freeformType"
                        | "meta" | "require" => {}
                        _ if explicit => {}
                        _ => {
                            self.prefix.extend(names);
                            self.walk(&value, ap.syntax().text_range());
                            self.prefix.clear();
                        }
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
            let origins = if inh.from().is_some() {
                Vec::new()
            } else {
                self.name_origins(&name, range)
            };
            let value = if let Some(from) = inh.from() {
                Val {
                    v: Value::Unknown(format!(
                        "{}.{name}",
                        snippet(
                            &from
                                .expr()
                                .map(|e| e.syntax().text().to_string())
                                .unwrap_or_default()
                        )
                    )),
                    range,
                }
            } else {
                let mut v = self.resolve(&name, range, &self.scope, self.depth);
                v.range = range;
                v
            };
            self.prefix.push(name);
            self.record_from(value, range, origins);
            self.prefix.pop();
        }
    }

    /// Walk an option value at `self.prefix`: attribute sets extend the path, wrappers are
    /// unwrapped, anything else is a leaf.
    fn walk(&mut self, e: &ast::Expr, key_range: TextRange) {
        if self.depth > MAX_DEPTH {
            let v = Val {
                v: Value::Unknown(node_snippet(e.syntax())),
                range: e.syntax().text_range(),
            };
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
                            self.walk(&value, ap.syntax().text_range());
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
                    self.scope.push(Frame::With);
                    self.walk(&body, key_range);
                    self.scope.pop();
                }
            }
            ast::Expr::Apply(a) => match wrapper(a) {
                Some(Wrap::Prio(p, x)) => {
                    let saved = self.prio;
                    if let Some(p) = p {
                        self.prio = p;
                    }
                    self.walk(&x, key_range);
                    self.prio = saved;
                }
                Some(Wrap::If(c, x)) => {
                    self.conds.push(cond_text(&c));
                    self.walk(&x, key_range);
                    self.conds.pop();
                }
                Some(Wrap::Merge(list)) => self.walk_merge(&list, key_range),
                Some(Wrap::Import(_)) | None => self.leaf(e, key_range),
            },
            ast::Expr::IfElse(ie) => {
                let c = ie.condition().map(|c| cond_text(&c)).unwrap_or_default();
                if let Some(b) = ie.body() {
                    self.conds.push(c.clone());
                    self.walk(&b, key_range);
                    self.conds.pop();
                }
                if let Some(b) = ie.else_body() {
                    self.conds.push(format!("!({c})"));
                    self.walk(&b, key_range);
                    self.conds.pop();
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
                        let inner: Vec<Frame> = self.scope[..=idx].to_vec();
                        let saved = std::mem::replace(&mut self.scope, inner);
                        self.walk(&x, key_range);
                        self.scope = saved;
                    }
                    _ => self.leaf(e, key_range),
                }
            }
            _ => self.leaf(e, key_range),
        }
        self.depth -= 1;
    }

    fn walk_merge(&mut self, list: &ast::Expr, key_range: TextRange) {
        match list {
            ast::Expr::List(l) => {
                for item in l.items() {
                    self.walk(&item, key_range);
                }
            }
            ast::Expr::Paren(p) => {
                if let Some(x) = p.expr() {
                    self.walk_merge(&x, key_range);
                }
            }
            ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Concat) => {
                if let Some(l) = b.lhs() {
                    self.walk_merge(&l, key_range);
                }
                if let Some(r) = b.rhs() {
                    self.walk_merge(&r, key_range);
                }
            }
            other => self.leaf(other, key_range),
        }
    }

    fn leaf(&mut self, e: &ast::Expr, key_range: TextRange) {
        let v = self.eval(e, &self.scope, self.depth);
        let origins = self.origins(e, &self.scope, self.depth);
        self.record_from(v, key_range, origins);
    }

    fn record(&mut self, value: Val, key_range: TextRange) {
        self.record_from(value, key_range, Vec::new());
    }

    fn record_from(&mut self, value: Val, key_range: TextRange, origins: Vec<Origin>) {
        if self.prefix.is_empty() {
            return;
        }
        let condition = if self.conds.is_empty() {
            None
        } else {
            Some(self.conds.join(" && "))
        };
        self.out.assignments.push(Assignment {
            path: self.prefix.clone(),
            value,
            key_range,
            priority: self.prio,
            condition,
            module: self.module,
            origins,
        });
    }

    // ----- imports and flakes -----

    fn imports(&mut self, e: &ast::Expr) {
        match e {
            ast::Expr::List(l) => {
                for item in l.items() {
                    self.import_item(&item);
                }
            }
            ast::Expr::Paren(p) => {
                if let Some(x) = p.expr() {
                    self.imports(&x);
                }
            }
            ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Concat) => {
                if let Some(l) = b.lhs() {
                    self.imports(&l);
                }
                if let Some(r) = b.rhs() {
                    self.imports(&r);
                }
            }
            other => {
                let r = other.syntax().text_range();
                let m = self.module;
                self.out.modules[m]
                    .imports
                    .push(ModuleRef::External(node_snippet(other.syntax()), r));
            }
        }
    }

    fn import_item(&mut self, item: &ast::Expr) {
        let r = self.module_ref(item);
        if let Some(r) = r {
            let m = self.module;
            if let ModuleRef::External(text, _) = &r {
                if text.contains("profiles/hardened.nix") {
                    self.out.modules[m].hardened_profile = true;
                }
            }
            self.out.modules[m].imports.push(r);
        }
    }

    /// What a module reference (an `imports` entry, a `modules` entry) is. Inline modules are
    /// walked into the current module and yield `None`.
    fn module_ref(&mut self, item: &ast::Expr) -> Option<ModuleRef> {
        let range = item.syntax().text_range();
        match item {
            ast::Expr::Paren(p) => p.expr().and_then(|x| self.module_ref(&x)),
            ast::Expr::PathRel(p) => {
                let text = p.syntax().text().to_string();
                if text.contains("${") {
                    Some(ModuleRef::External(snippet(&text), range))
                } else {
                    Some(ModuleRef::Path(text, range))
                }
            }
            ast::Expr::PathAbs(_)
            | ast::Expr::PathHome(_)
            | ast::Expr::PathSearch(_)
            | ast::Expr::Str(_)
            | ast::Expr::Select(_)
            | ast::Expr::BinOp(_) => Some(ModuleRef::External(node_snippet(item.syntax()), range)),
            ast::Expr::Apply(a) => match wrapper(a) {
                Some(Wrap::Import(x)) => self.module_ref(&x),
                _ => Some(ModuleRef::External(node_snippet(item.syntax()), range)),
            },
            ast::Expr::Ident(i) => {
                let name = ident_text(i).unwrap_or_default();
                match lookup(&self.scope, &name) {
                    Found::Expr(x, idx) if self.depth < MAX_DEPTH => {
                        let inner: Vec<Frame> = self.scope[..=idx].to_vec();
                        let saved = std::mem::replace(&mut self.scope, inner);
                        self.depth += 1;
                        let r = self.module_ref(&x);
                        self.depth -= 1;
                        self.scope = saved;
                        r
                    }
                    _ => Some(ModuleRef::External(name, range)),
                }
            }
            ast::Expr::AttrSet(_) | ast::Expr::Lambda(_) | ast::Expr::LetIn(_) => {
                // An inline module: its settings belong to the current module.
                let saved_prefix = std::mem::take(&mut self.prefix);
                let saved_conds = std::mem::take(&mut self.conds);
                let saved_prio = std::mem::replace(&mut self.prio, priority::NORMAL);
                self.module_root(item);
                self.prefix = saved_prefix;
                self.conds = saved_conds;
                self.prio = saved_prio;
                None
            }
            _ => Some(ModuleRef::External(node_snippet(item.syntax()), range)),
        }
    }

    /// Find `nixosSystem { modules = [ ... ]; }` and `darwinSystem { ... }` calls.
    fn systems(&mut self, root: &SyntaxNode) {
        for node in root.descendants() {
            let Some(apply) = ast::Apply::cast(node) else {
                continue;
            };
            let Some(head) = apply.lambda().as_ref().and_then(head_name) else {
                continue;
            };
            let kind = match head.as_str() {
                "nixosSystem" => ModuleKind::NixOS,
                "darwinSystem" => ModuleKind::Darwin,
                _ => continue,
            };
            let Some(arg) = apply.argument() else {
                continue;
            };
            let Some(modules) = find_modules_attr(&arg) else {
                continue;
            };
            let name = system_name(apply.syntax()).unwrap_or_else(|| {
                format!("{head}@{}", u32::from(apply.syntax().text_range().start()))
            });
            self.scope = ancestor_scope(modules.syntax());
            let mut refs = Vec::new();
            self.collect_system_modules(&modules, &mut refs);
            self.scope.clear();
            self.out.systems.push(SystemDecl {
                name,
                kind,
                modules: refs,
                range: apply.syntax().text_range(),
            });
        }
    }

    fn collect_system_modules(&mut self, e: &ast::Expr, refs: &mut Vec<ModuleRef>) {
        match e {
            ast::Expr::List(l) => {
                for item in l.items() {
                    match &item {
                        ast::Expr::AttrSet(_) | ast::Expr::Lambda(_) | ast::Expr::LetIn(_) => {
                            // An inline module of its own.
                            let idx = self.out.modules.len();
                            self.out.modules.push(Module {
                                is_module: true,
                                ..Module::default()
                            });
                            let saved = std::mem::replace(&mut self.module, idx);
                            self.module_root(&item);
                            self.module = saved;
                            refs.push(ModuleRef::Inline(idx));
                        }
                        other => {
                            if let Some(r) = self.module_ref(other) {
                                refs.push(r);
                            }
                        }
                    }
                }
            }
            ast::Expr::Paren(p) => {
                if let Some(x) = p.expr() {
                    self.collect_system_modules(&x, refs);
                }
            }
            ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Concat) => {
                if let Some(l) = b.lhs() {
                    self.collect_system_modules(&l, refs);
                }
                if let Some(r) = b.rhs() {
                    self.collect_system_modules(&r, refs);
                }
            }
            other => refs.push(ModuleRef::External(
                node_snippet(other.syntax()),
                other.syntax().text_range(),
            )),
        }
    }

    // ----- values -----

    fn resolve(&self, name: &str, range: TextRange, scope: &[Frame], depth: u32) -> Val {
        match lookup(scope, name) {
            Found::Expr(x, idx) if depth < MAX_DEPTH => {
                let mut v = self.eval(&x, &scope[..=idx], depth + 1);
                v.range = range;
                v
            }
            // `true`, `false` and `null` live in Nix's base scope: `with` cannot hide them.
            Found::Free { under_with } => {
                let v = match name {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    _ => Value::Unknown(name.to_string()),
                };
                let _ = under_with;
                Val { v, range }
            }
            _ => Val {
                v: Value::Unknown(name.to_string()),
                range,
            },
        }
    }

    fn eval(&self, e: &ast::Expr, scope: &[Frame], depth: u32) -> Val {
        let range = e.syntax().text_range();
        let unknown = || Val {
            v: Value::Unknown(node_snippet(e.syntax())),
            range,
        };
        if depth > MAX_DEPTH {
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
                Val { v, range }
            }
            ast::Expr::Str(s) => self.string(s, scope, depth),
            ast::Expr::PathRel(_)
            | ast::Expr::PathAbs(_)
            | ast::Expr::PathHome(_)
            | ast::Expr::PathSearch(_) => {
                let text = e.syntax().text().to_string();
                if text.contains("${") {
                    unknown()
                } else {
                    Val {
                        v: Value::Path(text),
                        range,
                    }
                }
            }
            ast::Expr::Ident(i) => {
                let name = ident_text(i).unwrap_or_default();
                self.resolve(&name, range, scope, depth)
            }
            ast::Expr::List(l) => Val {
                v: Value::List(l.items().map(|x| self.eval(&x, scope, depth + 1)).collect()),
                range,
            },
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
                                    Val {
                                        v: Value::Unknown(name.clone()),
                                        range: r,
                                    }
                                } else {
                                    self.resolve(&name, r, scope, depth + 1)
                                };
                                kv.push((name, v));
                            }
                        }
                    }
                }
                Val {
                    v: Value::Attrs(kv),
                    range,
                }
            }
            ast::Expr::Paren(p) => match p.expr() {
                Some(x) => self.eval(&x, scope, depth + 1),
                None => unknown(),
            },
            ast::Expr::Apply(a) => match wrapper(a) {
                Some(Wrap::Prio(_, x) | Wrap::If(_, x) | Wrap::Import(x)) => {
                    self.eval(&x, scope, depth + 1)
                }
                _ => unknown(),
            },
            ast::Expr::BinOp(b) => {
                let (Some(l), Some(r)) = (b.lhs(), b.rhs()) else {
                    return unknown();
                };
                match b.operator() {
                    Some(BinOpKind::Concat) => {
                        let l = self.eval(&l, scope, depth + 1);
                        let r = self.eval(&r, scope, depth + 1);
                        let mut items = Vec::new();
                        for side in [l, r] {
                            match side.v {
                                Value::List(xs) => items.extend(xs),
                                _ => items.push(side),
                            }
                        }
                        Val {
                            v: Value::List(items),
                            range,
                        }
                    }
                    Some(BinOpKind::Add) => {
                        let l = self.eval(&l, scope, depth + 1);
                        let r = self.eval(&r, scope, depth + 1);
                        match (&l.v, &r.v) {
                            (Value::Str(a), Value::Str(b)) => Val {
                                v: Value::Str(format!("{a}{b}")),
                                range,
                            },
                            (Value::Int(a), Value::Int(b)) => Val {
                                v: a.checked_add(*b).map_or_else(
                                    || Value::Unknown(node_snippet(e.syntax())),
                                    Value::Int,
                                ),
                                range,
                            },
                            (
                                Value::Str(a) | Value::Interp(a),
                                Value::Str(b) | Value::Interp(b),
                            ) => Val {
                                v: Value::Interp(format!("{a}{b}")),
                                range,
                            },
                            (Value::Str(a) | Value::Interp(a), _) => Val {
                                v: Value::Interp(format!("{a}${{…}}")),
                                range,
                            },
                            (_, Value::Str(b) | Value::Interp(b)) => Val {
                                v: Value::Interp(format!("${{…}}{b}")),
                                range,
                            },
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
                    inner.push(Frame::With);
                    self.eval(&body, &inner, depth + 1)
                }
                None => unknown(),
            },
            ast::Expr::Lambda(_) => Val {
                v: Value::Lambda,
                range,
            },
            ast::Expr::UnaryOp(u) => {
                let inner = u.expr().map(|x| self.eval(&x, scope, depth + 1).v);
                let v = match (u.operator(), inner) {
                    (Some(UnaryOpKind::Invert), Some(Value::Bool(b))) => Value::Bool(!b),
                    (Some(UnaryOpKind::Negate), Some(Value::Int(i))) => i
                        .checked_neg()
                        .map_or(Value::Unknown(String::new()), Value::Int),
                    _ => return unknown(),
                };
                Val { v, range }
            }
            _ => unknown(),
        }
    }

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
                    let known = ast::Interpol::cast(n)
                        .and_then(|i| i.expr())
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
        Val {
            v: if complete {
                Value::Str(out)
            } else {
                Value::Interp(out)
            },
            range,
        }
    }
}

/// Values worth walking into as option structure rather than evaluating as a leaf.
fn is_structural(e: &ast::Expr) -> bool {
    match e {
        ast::Expr::AttrSet(_) | ast::Expr::IfElse(_) => true,
        ast::Expr::Paren(p) => p.expr().as_ref().is_some_and(is_structural),
        ast::Expr::Apply(a) => matches!(
            wrapper(a),
            Some(Wrap::Prio(..) | Wrap::If(..) | Wrap::Merge(..))
        ),
        ast::Expr::BinOp(b) => b.operator() == Some(BinOpKind::Update),
        _ => false,
    }
}

/// The `modules` list of a `nixosSystem` argument (an attribute set, or `a // { ... }`).
fn find_modules_attr(arg: &ast::Expr) -> Option<ast::Expr> {
    match arg {
        ast::Expr::Paren(p) => find_modules_attr(&p.expr()?),
        ast::Expr::AttrSet(set) => set.attrpath_values().find_map(|apv| {
            let ap = apv.attrpath()?;
            let mut attrs = ap.attrs();
            let first = attrs.next()?;
            (attr_ident(&first).as_deref() == Some("modules") && attrs.next().is_none())
                .then(|| apv.value())
                .flatten()
        }),
        ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Update) => b
            .rhs()
            .and_then(|r| find_modules_attr(&r))
            .or_else(|| b.lhs().and_then(|l| find_modules_attr(&l))),
        _ => None,
    }
}

/// The attribute path a node is bound to, from the enclosing attribute sets
/// (`nixosConfigurations.laptop`); a leading `outputs.` is dropped.
fn system_name(node: &SyntaxNode) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for anc in node.ancestors().skip(1) {
        if let Some(apv) = ast::AttrpathValue::cast(anc) {
            if let Some(ap) = apv.attrpath() {
                parts.push(ap.syntax().text().to_string());
            }
        }
    }
    if parts.is_empty() {
        return None;
    }
    parts.reverse();
    if parts.first().is_some_and(|p| p == "outputs") {
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
            SyntaxKind::NODE_WITH => frames.push(Frame::With),
            _ => {}
        }
    }
    frames.reverse();
    frames
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
        let ids: Vec<String> = ids_part
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_ascii_uppercase)
            .collect();
        if ids.is_empty() {
            continue;
        }
        out.push(Suppression {
            range: t.text_range(),
            ids,
            reason,
        });
    }
    out
}

#[path = "index_origin.rs"]
mod origin;

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
