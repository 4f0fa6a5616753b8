//! Where a leaf value comes from when the configuration copies, writes or reads a file for it
//! ([`Origin`]): path literals, `"${./x}"`, `builtins.path` and its kin, `pkgs.writeText` and
//! its kin, `builtins.readFile`/`import`. Names bound in the file (`let`, `rec`, `inherit`) are
//! followed; wrappers (`mkForce`, `mkIf`, ...) are seen through. Nothing is evaluated.

use rnix::ast::{self, BinOpKind, HasEntry, InterpolPart};
use rnix::TextRange;
use rowan::ast::AstNode;

use super::{
    attr_is, binds_param, head_name, ident_text, lookup, unparen, unroll, with_frame, wrapper,
    Found, Frame, Origin, OriginKind, Walker, Wrap, MAX_DEPTH,
};
use crate::value::{Val, Value};

/// Writers called as `f NAME TEXT` (and `builtins.toFile NAME TEXT`).
const WRITERS: &[&str] = &[
    "writeText",
    "writeTextDir",
    "writeScript",
    "writeScriptBin",
    "writeShellScript",
    "writeShellScriptBin",
];

/// Writers called with one attribute set (`name`, `text`, `destination`).
const WRITERS_SET: &[&str] = &["writeTextFile", "writeShellApplication"];

/// Writers of structured data called as `format.generate NAME VALUE` (`pkgs.formats.yaml { }`
/// and its kin): the value is written to a store file.
const GENERATORS: &[&str] = &["generate"];

/// Functions that copy a path (their last argument) into the store.
const COPIERS: &[&str] = &["filterSource", "cleanSource", "copyPathToStore"];

/// Functions that read a file's content into the configuration.
const READERS: &[&str] = &["readFile", "fileContents", "importJSON", "importTOML"];

/// Functions whose result comes from what they parse (`fromJSON (readFile ./x)`).
const PARSERS: &[&str] = &["fromJSON", "fromTOML"];

/// Functions that return their last argument's text, trimmed or escaped
/// (`lib.removeSuffix "\n" (builtins.readFile ./pw)`): a file read stays read.
const STRING_EDITS: &[&str] = &[
    "removeSuffix",
    "removePrefix",
    "trim",
    "trimWith",
    "escapeShellArg",
    "escape",
    "replaceStrings",
    "toLower",
    "toUpper",
];

/// The entry `key` of an attribute set literal (in parentheses or not).
fn set_attr(e: &ast::Expr, key: &str) -> Option<ast::Expr> {
    match unparen(e) {
        ast::Expr::AttrSet(set) => set.attrpath_values().find_map(|apv| {
            let ap = apv.attrpath()?;
            let mut attrs = ap.attrs();
            let first = attrs.next()?;
            (attr_is(&first, key) && attrs.next().is_none())
                .then(|| apv.value())
                .flatten()
        }),
        _ => None,
    }
}

/// True when a call's head is `builtins.NAME` (not a `path` or `toFile` of some other set).
fn from_builtins(a: &ast::Apply) -> bool {
    let mut head = a.lambda();
    while let Some(ast::Expr::Apply(inner)) = &head {
        head = inner.lambda();
    }
    match head {
        Some(ast::Expr::Select(s)) => s
            .expr()
            .is_some_and(|b| matches!(&b, ast::Expr::Ident(i) if i.ident_token().is_some_and(|t| t.text() == "builtins"))),
        _ => false,
    }
}

impl Walker {
    /// The origins of a leaf value: of the value itself, or of each element of a list.
    pub(super) fn origins(&self, e: &ast::Expr, scope: &[Frame], depth: u32) -> Vec<Origin> {
        let mut out = Vec::new();
        self.collect_origins(e, scope, depth, &mut out);
        out
    }

    /// The origin of a value inherited from `from` (`inherit (secrets.wg) privateKey;`): a
    /// file read or the secrets handed to the module, as a selection from `from` would have.
    pub(super) fn inherited_origin(&self, from: &ast::Expr, depth: u32) -> Option<OriginKind> {
        match unparen(from) {
            ast::Expr::Select(s) if s.default_expr().is_none() => {
                match self.origin_kind(&s.expr()?, &self.scope, depth + 1) {
                    Some(k @ OriginKind::Read { .. }) => Some(k),
                    Some(_) => None,
                    None => secrets_given(&s).or_else(|| settings_given(&s, &self.scope)),
                }
            }
            other => match self.origin_kind(&other, &self.scope, depth + 1) {
                Some(k @ OriginKind::Read { .. }) => Some(k),
                _ => None,
            },
        }
    }

    /// The origin of the value of the name `name` (an `inherit name;`), at `range`.
    pub(super) fn name_origins(&self, name: &str, range: TextRange) -> Vec<Origin> {
        match lookup(&self.scope, name) {
            Found::Expr(x, idx) if self.depth < MAX_DEPTH => self
                .origin_kind(&x, &self.scope[..=idx], self.depth + 1)
                .map(|kind| Origin {
                    range,
                    kind,
                    bound: Some(x.syntax().text_range()),
                })
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    fn collect_origins(&self, e: &ast::Expr, scope: &[Frame], depth: u32, out: &mut Vec<Origin>) {
        if depth > MAX_DEPTH || !self.budget.step(e.syntax().text_range()) {
            return;
        }
        match e {
            ast::Expr::List(l) => {
                for item in l.items() {
                    if let ast::Expr::Str(_) = &item {
                        self.collect_origins(&item, scope, depth + 1, out);
                        continue;
                    }
                    // The values of a set in a list (`providers = [ { secret = s; } ]`).
                    if let ast::Expr::AttrSet(set) = unparen(&item) {
                        self.set_origins(&set, scope, depth + 1, out);
                        continue;
                    }
                    if let Some(kind) = self.origin_kind(&item, scope, depth + 1) {
                        out.push(Origin {
                            range: item.syntax().text_range(),
                            kind,
                            bound: bound_at(&item, scope),
                        });
                    }
                }
            }
            ast::Expr::Paren(p) => {
                if let Some(x) = p.expr() {
                    self.collect_origins(&x, scope, depth + 1, out);
                }
            }
            ast::Expr::LetIn(l) => {
                let mut inner = scope.to_vec();
                inner.push(Frame::Binds(l.syntax().clone()));
                if let Some(body) = l.body() {
                    self.collect_origins(&body, &inner, depth + 1, out);
                }
            }
            // The pieces of `lib.concatStrings [ … ]` and `concatStringsSep SEP [ … ]`.
            ast::Expr::Apply(a)
                if unroll(a).is_some_and(|(f, args)| {
                    matches!(
                        (f.as_str(), args.len()),
                        ("concatStrings", 1) | ("concatStringsSep", 2)
                    ) && args.last().is_some_and(is_list)
                }) =>
            {
                if let Some(l) = unroll(a).and_then(|(_, args)| args.last().cloned()) {
                    self.collect_origins(&l, scope, depth + 1, out);
                }
            }
            ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Concat) => {
                for side in [b.lhs(), b.rhs()].into_iter().flatten() {
                    self.collect_origins(&side, scope, depth + 1, out);
                }
            }
            ast::Expr::Ident(i) => {
                let name = ident_text(i).unwrap_or_default();
                if let Found::Expr(x, idx) = lookup(scope, &name) {
                    if is_list(&x) {
                        self.collect_origins(&x, &scope[..=idx], depth + 1, out);
                        return;
                    }
                }
                if let Some(kind) = self.origin_kind(e, scope, depth) {
                    out.push(Origin {
                        range: e.syntax().text_range(),
                        kind,
                        bound: bound_at(e, scope),
                    });
                }
            }
            // Each file read into a string is its own origin, at its interpolation
            // (`"userPassword: ${pw}"`); a path interpolated makes the whole string one.
            ast::Expr::Str(st) => {
                let parts = self.string_parts(st, scope, depth);
                if parts.path.is_none() && !parts.reads.is_empty() {
                    out.extend(parts.reads);
                } else if let Some(kind) = parts.into_kind() {
                    out.push(Origin {
                        range: e.syntax().text_range(),
                        kind,
                        bound: None,
                    });
                }
            }
            _ => {
                if let Some(kind) = self.origin_kind(e, scope, depth) {
                    out.push(Origin {
                        range: e.syntax().text_range(),
                        kind,
                        bound: None,
                    });
                }
            }
        }
    }

    /// The origins of the values of an attribute set literal, nested sets included.
    fn set_origins(&self, set: &ast::AttrSet, scope: &[Frame], depth: u32, out: &mut Vec<Origin>) {
        if depth > MAX_DEPTH || set.rec_token().is_some() {
            return;
        }
        for apv in set.attrpath_values() {
            match apv.value() {
                Some(ast::Expr::AttrSet(inner)) => self.set_origins(&inner, scope, depth + 1, out),
                Some(v) => self.collect_origins(&v, scope, depth + 1, out),
                None => {}
            }
        }
    }

    /// How one value comes from a file, if it does.
    fn origin_kind(&self, e: &ast::Expr, scope: &[Frame], depth: u32) -> Option<OriginKind> {
        if depth > MAX_DEPTH || !self.budget.step(e.syntax().text_range()) {
            return None;
        }
        match e {
            ast::Expr::Paren(p) => self.origin_kind(&p.expr()?, scope, depth + 1),
            ast::Expr::PathRel(_) => Some(OriginKind::Path(super::dot_relative(
                e.syntax().text().to_string(),
            ))),
            ast::Expr::PathAbs(_) | ast::Expr::PathHome(_) => {
                Some(OriginKind::Path(e.syntax().text().to_string()))
            }
            ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Add) => {
                match self.path_text(e, scope, depth)? {
                    (p, true) => Some(OriginKind::Path(p)),
                    (_, false) => None,
                }
            }
            ast::Expr::Str(s) => self.string_origin(s, scope, depth),
            ast::Expr::Ident(i) => {
                let name = ident_text(i)?;
                match lookup(scope, &name) {
                    Found::Expr(x, idx) => self.origin_kind(&x, &scope[..=idx], depth + 1),
                    _ => None,
                }
            }
            // `secrets.db` where `secrets = import ./secrets.nix`.
            ast::Expr::Select(s) if s.default_expr().is_none() => {
                match self.origin_kind(&s.expr()?, scope, depth + 1) {
                    Some(k @ OriginKind::Read { .. }) => Some(k),
                    Some(_) => None,
                    None => secrets_given(s).or_else(|| settings_given(s, scope)),
                }
            }
            ast::Expr::LetIn(l) => {
                let mut inner = scope.to_vec();
                inner.push(Frame::Binds(l.syntax().clone()));
                self.origin_kind(&l.body()?, &inner, depth + 1)
            }
            // `installer = with pkgs; writeShellScriptBin "installer" ''…'';`
            ast::Expr::With(w) => {
                let mut inner = scope.to_vec();
                inner.push(with_frame(w));
                self.origin_kind(&w.body()?, &inner, depth + 1)
            }
            ast::Expr::Apply(a) => self.call_origin(a, scope, depth),
            // `if initrdSecrets then "/run/keys/host" else ./secrets + "/host-key"`: the file
            // is copied where that branch is taken.
            ast::Expr::IfElse(i) => self
                .origin_kind(&i.body()?, scope, depth + 1)
                .or_else(|| self.origin_kind(&i.else_body()?, scope, depth + 1)),
            _ => None,
        }
    }

    /// A string: `"${./x}"` copies the file; a string that interpolates a written or read
    /// file has that origin.
    fn string_origin(&self, s: &ast::Str, scope: &[Frame], depth: u32) -> Option<OriginKind> {
        self.string_parts(s, scope, depth).into_kind()
    }

    /// What a string's interpolations come from.
    fn string_parts(&self, s: &ast::Str, scope: &[Frame], depth: u32) -> StringParts {
        let mut out = StringParts::default();
        // Most strings interpolate nothing.
        if s.syntax().children().next().is_none() {
            return out;
        }
        let Some(parts) = crate::value::str_parts(s) else {
            return out;
        };
        let mut extend = false;
        for (n, part) in parts.iter().enumerate() {
            match part {
                InterpolPart::Literal(l) => {
                    if let (true, Some(p)) = (extend, out.path.as_mut()) {
                        p.push_str(path_continuation(l));
                    }
                    extend = false;
                }
                InterpolPart::Interpolation(i) => {
                    extend = false;
                    let Some(x) = i.expr() else { continue };
                    match self.origin_kind(&x, scope, depth + 1) {
                        Some(OriginKind::Path(p) | OriginKind::Interpolated(p))
                            if out.path.is_none() =>
                        {
                            out.path = Some(p);
                            extend = true;
                        }
                        // A value read into a path (`"/var/lib/acme/${import ./domain.nix}/key.pem"`)
                        // names a file: it is not the file's content.
                        Some(OriginKind::Read { .. }) if in_path(&parts, n) => {}
                        Some(k @ OriginKind::Read { .. }) => {
                            out.other.get_or_insert_with(|| k.clone());
                            out.reads.push(Origin {
                                range: i.syntax().text_range(),
                                kind: k,
                                bound: bound_at(&x, scope),
                            });
                        }
                        // Another store file written beside the first (`cp ${toFile "a.json"
                        // "…"} …; cat ${keyFile} > …`): its text is in the store too, judged
                        // with the first's.
                        Some(OriginKind::Written {
                            text: t2,
                            nested: n2,
                            copies: c2,
                            ..
                        }) if matches!(out.other, Some(OriginKind::Written { .. })) => {
                            if let Some(OriginKind::Written { nested, copies, .. }) =
                                out.other.as_mut()
                            {
                                nested.extend(t2);
                                nested.extend(n2);
                                for c in c2 {
                                    if !copies.iter().any(|(p, ..)| *p == c.0) {
                                        copies.push(c);
                                    }
                                }
                            }
                        }
                        // A later path: the first one is reported.
                        Some(k) => {
                            out.other.get_or_insert(k);
                        }
                        None => {}
                    }
                }
            }
        }
        out
    }

    /// A function call that copies, writes or reads a file.
    fn call_origin(&self, a: &ast::Apply, scope: &[Frame], depth: u32) -> Option<OriginKind> {
        match wrapper(a) {
            Some(Wrap::Prio(_, x, _) | Wrap::If(_, x)) => {
                return self.origin_kind(&x, scope, depth + 1);
            }
            Some(Wrap::Import(x)) => {
                let (path, _) = self.path_text(&x, scope, depth + 1)?;
                return Some(OriginKind::Read {
                    func: "import".into(),
                    path,
                });
            }
            Some(Wrap::Merge(_) | Wrap::Both(..)) => return None,
            None => {}
        }
        // `(import ../secrets) { inherit pkgs; }`: a file that is a function, called with its
        // arguments; what it returns is still the file's content.
        if let Some(ast::Expr::Apply(inner)) = a.lambda().map(|l| unparen(&l)) {
            if let Some(Wrap::Import(x)) = wrapper(&inner) {
                let (path, _) = self.path_text(&x, scope, depth + 1)?;
                return Some(OriginKind::Read {
                    func: "import".into(),
                    path,
                });
            }
        }
        // Most calls are none of these: look at the head before collecting the arguments.
        let mut head = a.lambda()?;
        while let ast::Expr::Apply(inner) = &head {
            head = inner.lambda()?;
        }
        // `builtins.getAttr name passwords` with `passwords = import ./secrets.nix`: a part of
        // what was read, as `passwords.${name}` is.
        if head_name(&head).is_some_and(|h| h == "getAttr") {
            let (_, args) = unroll(a)?;
            let [_, set] = args.as_slice() else {
                return None;
            };
            return match self.origin_kind(set, scope, depth + 1)? {
                k @ OriginKind::Read { .. } => Some(k),
                _ => None,
            };
        }
        // `toString (pkgs.writeText …)`: the file is written all the same (`toString` of a path
        // names it in place, so a path stays no origin).
        if head_name(&head).is_some_and(|h| h == "toString") {
            let (_, args) = unroll(a)?;
            return match self.origin_kind(args.last()?, scope, depth + 1)? {
                k @ OriginKind::Written { .. } => Some(k),
                _ => None,
            };
        }
        let known = head_name(&head).is_some_and(|h| {
            [
                READERS,
                PARSERS,
                STRING_EDITS,
                COPIERS,
                WRITERS,
                WRITERS_SET,
                GENERATORS,
            ]
            .iter()
            .any(|set| set.contains(&h.as_str()))
                || matches!(h.as_str(), "path" | "cleanSourceWith" | "toFile")
        });
        if !known {
            return None;
        }
        let (name, args) = unroll(a)?;
        let func = name.as_str();
        match (func, args.as_slice()) {
            (f, [arg]) if READERS.contains(&f) => Some(OriginKind::Read {
                func: name.clone(),
                // A file named by a value of another file (`readFile
                // CONFIG.SECRET_FILE` with `CONFIG = import ../config.nix`) is read all the
                // same: named as written.
                // `readFile "${inputs.self}/secrets/token"`: a file of this flake's own source.
                path: match super::self_relative(arg)
                    .map(|rel| (format!("${{self}}/{rel}"), true))
                    .or_else(|| self.path_text(arg, scope, depth + 1))
                {
                    Some((p, _)) => p,
                    None => match unparen(arg) {
                        x @ (ast::Expr::Select(_) | ast::Expr::Ident(_)) => {
                            crate::value::snippet(&x.syntax().text().to_string())
                        }
                        _ => return None,
                    },
                },
            }),
            (f, [arg]) if PARSERS.contains(&f) => match self.origin_kind(arg, scope, depth + 1)? {
                k @ OriginKind::Read { .. } => Some(k),
                _ => None,
            },
            (f, [_, .., last]) | (f, [last]) if STRING_EDITS.contains(&f) => {
                match self.origin_kind(last, scope, depth + 1)? {
                    k @ OriginKind::Read { .. } => Some(k),
                    _ => None,
                }
            }
            ("path", [arg]) if from_builtins(a) => Some(OriginKind::Copied {
                func: name.clone(),
                path: self.path_text(&set_attr(arg, "path")?, scope, depth + 1)?.0,
            }),
            ("cleanSourceWith", [arg]) => Some(OriginKind::Copied {
                func: name.clone(),
                path: self.path_text(&set_attr(arg, "src")?, scope, depth + 1)?.0,
            }),
            (f, [.., last]) if COPIERS.contains(&f) => Some(OriginKind::Copied {
                func: name.clone(),
                path: self.path_text(last, scope, depth + 1)?.0,
            }),
            ("toFile", [n, t]) if from_builtins(a) => Some(self.written(&name, n, t, scope, depth)),
            (f, [n, t]) if WRITERS.contains(&f) => Some(self.written(&name, n, t, scope, depth)),
            (f, [n, t]) if GENERATORS.contains(&f) => {
                let value = self.eval(t, scope, depth + 1);
                Some(OriginKind::Written {
                    func: name.clone(),
                    name: self.literal_text(n, scope, depth),
                    text: matches!(value.v, Value::Attrs(_) | Value::List(_)).then_some(value),
                    names_deployed_secret: names_deployed_secret(t),
                    copies: Vec::new(),
                    nested: Vec::new(),
                })
            }
            (f, [arg]) if WRITERS_SET.contains(&f) => {
                let n = set_attr(arg, "name").or_else(|| set_attr(arg, "destination"));
                let text = set_attr(arg, "text")
                    .map(|t| self.eval(&t, scope, depth + 1))
                    .filter(|v| matches!(v.v, Value::Str(_) | Value::Interp(_)));
                let names_deployed_secret =
                    set_attr(arg, "text").is_some_and(|t| names_deployed_secret(&t));
                let (copies, nested) = set_attr(arg, "text")
                    .map(|t| self.interpolated(&t, scope, depth))
                    .unwrap_or_default();
                Some(OriginKind::Written {
                    func: name.clone(),
                    name: n.and_then(|n| self.literal_text(&n, scope, depth)),
                    text,
                    names_deployed_secret,
                    copies,
                    nested,
                })
            }
            _ => None,
        }
    }

    fn written(
        &self,
        func: &str,
        name: &ast::Expr,
        text: &ast::Expr,
        scope: &[Frame],
        depth: u32,
    ) -> OriginKind {
        let names_deployed_secret = names_deployed_secret(text);
        let (copies, nested) = self.interpolated(text, scope, depth);
        let text: Val = self.eval(text, scope, depth + 1);
        OriginKind::Written {
            func: func.to_string(),
            name: self.literal_text(name, scope, depth),
            text: matches!(text.v, Value::Str(_) | Value::Interp(_)).then_some(text),
            names_deployed_secret,
            copies,
            nested,
        }
    }

    /// What a string interpolates that is a file: the path literals (`"cp ${./secrets/salt}
    /// /mnt"`), each as written (with the text right after it when the path goes on:
    /// `${./dir}/key`), and the texts of the store files (`${setupJs}` bound to a
    /// `pkgs.writeText`, and the ones those interpolate in turn).
    fn interpolated(
        &self,
        e: &ast::Expr,
        scope: &[Frame],
        depth: u32,
    ) -> (Vec<super::InterpolatedFile>, Vec<Val>) {
        let mut paths: Vec<super::InterpolatedFile> = Vec::new();
        let mut texts = Vec::new();
        let ast::Expr::Str(s) = unparen(e) else {
            return (paths, texts);
        };
        let Some(parts) = crate::value::str_parts(&s) else {
            return (paths, texts);
        };
        for (n, p) in parts.iter().enumerate() {
            let InterpolPart::Interpolation(i) = p else {
                continue;
            };
            let Some(x) = i.expr() else { continue };
            match self.origin_kind(&x, scope, depth + 1) {
                Some(OriginKind::Path(mut path) | OriginKind::Interpolated(mut path)) => {
                    if let Some(InterpolPart::Literal(l)) = parts.get(n + 1) {
                        path.push_str(path_continuation(l));
                    }
                    if !paths.iter().any(|(p, ..)| *p == path) {
                        paths.push((path, i.syntax().text_range(), None));
                    }
                }
                // A file read (`readFile`, `import`); a value of a set of secrets given to the
                // module (`secrets.x`, `config.my.secrets.x.path`) is judged by the part taken,
                // where it is an option's value.
                Some(OriginKind::Read { func, path })
                    if !matches!(func.as_str(), "argument" | "option" | "setting")
                        && !paths.iter().any(|(p, ..)| *p == path) =>
                {
                    paths.push((path, i.syntax().text_range(), Some(func)));
                }
                Some(OriginKind::Written { text, nested, .. }) => {
                    texts.extend(text);
                    texts.extend(nested);
                }
                _ => {}
            }
        }
        (paths, texts)
    }

    /// A string's text, when it is known (also with unknown interpolations, written `${…}`).
    fn literal_text(&self, e: &ast::Expr, scope: &[Frame], depth: u32) -> Option<String> {
        self.eval(e, scope, depth + 1).v.text().map(str::to_string)
    }

    /// A path as written, and whether it is a path (`./x`, `./secrets + "/x"`, `"${./x}"`) or
    /// a string naming one (`"/run/secrets/x"`).
    fn path_text(&self, e: &ast::Expr, scope: &[Frame], depth: u32) -> Option<(String, bool)> {
        if depth > MAX_DEPTH || !self.budget.step(e.syntax().text_range()) {
            return None;
        }
        match e {
            ast::Expr::Paren(p) => self.path_text(&p.expr()?, scope, depth + 1),
            // `<secrets>`, `<yori-nix/secrets.nix>`: a file found on NIX_PATH, read the same.
            ast::Expr::PathRel(_) => {
                Some((super::dot_relative(e.syntax().text().to_string()), true))
            }
            ast::Expr::PathAbs(_) | ast::Expr::PathHome(_) | ast::Expr::PathSearch(_) => {
                Some((e.syntax().text().to_string(), true))
            }
            ast::Expr::Str(s) => match self.string_origin(s, scope, depth + 1) {
                Some(OriginKind::Interpolated(p)) => Some((p, true)),
                Some(_) => None,
                None => self
                    .eval(e, scope, depth + 1)
                    .v
                    .as_str()
                    .map(|p| (p.to_string(), false)),
            },
            ast::Expr::Ident(i) => {
                let name = ident_text(i)?;
                match lookup(scope, &name) {
                    Found::Expr(x, idx) => self.path_text(&x, &scope[..=idx], depth + 1),
                    _ => None,
                }
            }
            // `toString <secrets> + "/x.nix"`: the path's text names the same file.
            ast::Expr::Apply(a) => match unroll(a) {
                Some((f, args)) if f == "toString" && args.len() == 1 => {
                    self.path_text(&args[0], scope, depth + 1)
                }
                _ => None,
            },
            ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Add) => {
                let (l, is_path) = self.path_text(&b.lhs()?, scope, depth + 1)?;
                let r = b.rhs()?;
                // `./secrets + "/host-key-${hostname}"`: the text with what is not known shown
                // as `${…}`.
                let r = match self.eval(&r, scope, depth + 1).v {
                    Value::Str(s) | Value::Interp(s) => s,
                    _ => self.path_text(&r, scope, depth + 1)?.0,
                };
                Some((format!("{l}{r}"), is_path))
            }
            _ => None,
        }
    }
}

/// Where secrets are deployed at run time, as a configuration names them.
const DEPLOYED: &[&str] = &[
    "/run/secrets",
    "/run/agenix",
    "/run/credentials",
    "CREDENTIALS_DIRECTORY",
    "sops.secrets.",
    "sops.placeholder.",
    "age.secrets.",
];

/// The source text of an expression names a deployed secret (as written: a name bound
/// elsewhere is not followed).
fn names_deployed_secret(e: &ast::Expr) -> bool {
    let text = e.syntax().text().to_string();
    DEPLOYED.iter().any(|d| text.contains(d))
}

/// The text right after an interpolated path that goes on naming it (`/key` of
/// `${./dir}/key`, `.pem` of `${./key}.pem`): not the `;` or `)` of the text around it.
fn path_continuation(l: &str) -> &str {
    if !l.starts_with(['/', '.', '-', '_']) {
        return "";
    }
    let end = l
        .find(|c: char| c.is_whitespace() || matches!(c, '"' | ';' | ',' | ')' | '\'' | '}'))
        .unwrap_or(l.len());
    &l[..end]
}

/// The origins found in a string's interpolations.
#[derive(Default)]
struct StringParts {
    /// The first path interpolated, with the text right after it (`"${./dir}/key"`).
    path: Option<String>,
    /// Each file read into the string, at its interpolation.
    reads: Vec<Origin>,
    /// The first origin that is not a path.
    other: Option<OriginKind>,
}

impl StringParts {
    /// The string's one origin: the path it interpolates, else the first other origin.
    fn into_kind(self) -> Option<OriginKind> {
        self.path.map(OriginKind::Interpolated).or(self.other)
    }
}

/// The interpolation `parts[n]` is a component of a path: a `/` right before or after it.
fn in_path(parts: &[InterpolPart<String>], n: usize) -> bool {
    let before = n
        .checked_sub(1)
        .and_then(|i| parts.get(i))
        .is_some_and(|p| matches!(p, InterpolPart::Literal(l) if l.ends_with('/')));
    let after = parts
        .get(n + 1)
        .is_some_and(|p| matches!(p, InterpolPart::Literal(l) if l.starts_with('/')));
    before || after
}

/// A value taken from the repository's secrets handed to the module whole, where nixsec
/// cannot see them read: a module argument or a name named so (`{ secrets, ... }:` with
/// `secrets.smtp.password`, `siteSecrets.irc.key`; git-crypt files passed as `specialArgs`
/// or `_module.args`), or a repository's own option holding them
/// (`config.my.secrets.users.ar.password`). Not sops-nix's or agenix's (`config.sops.secrets`,
/// `config.age.secrets`: paths of files decrypted at run time). Whether the part taken is a
/// secret is the rules' call (by its name).
fn secrets_given(s: &ast::Select) -> Option<OriginKind> {
    // The root first: most selections are `pkgs.x`, `lib.x` or `cfg.x` (no allocation).
    let ast::Expr::Ident(i) = unparen(&s.expr()?) else {
        return None;
    };
    let root = i.ident_token()?;
    let root = root.text();
    if root != "config" {
        return root
            .to_ascii_lowercase()
            .contains("secret")
            .then(|| OriginKind::Read {
                func: "argument".into(),
                path: root.to_string(),
            });
    }
    let names: Vec<String> = s
        .attrpath()?
        .attrs()
        .map(|a| match a {
            ast::Attr::Ident(i) => ident_text(&i).unwrap_or_default(),
            ast::Attr::Str(x) => x.syntax().text().to_string().trim_matches('"').to_string(),
            ast::Attr::Dynamic(_) => String::new(),
        })
        .collect();
    let first = names.first()?;
    if crate::index::NIXOS_NAMESPACES.contains(&first.as_str())
        || matches!(first.as_str(), "sops" | "age" | "agenix" | "vault" | "clan")
    {
        return None;
    }
    // The secrets' set is named so before the part taken (`config.my.secrets.x`).
    let at = names[..names.len().saturating_sub(1)]
        .iter()
        .position(|n| matches!(n.as_str(), "secrets" | "secret"))?;
    Some(OriginKind::Read {
        func: "option".into(),
        path: format!("config.{}", names[..=at].join(".")),
    })
}

/// `settings.network.wireless.password` where `settings` is an argument of the module
/// function (`{ settings, ... }:`, given by `specialArgs` from a file of the repository, or one
/// kept out of it): a value written somewhere as a literal, so in the store wherever an option
/// puts it. Judged by the part taken (the rule's `secret_part`); not the arguments every
/// module has.
fn settings_given(s: &ast::Select, scope: &[Frame]) -> Option<OriginKind> {
    let ast::Expr::Ident(i) = unparen(&s.expr()?) else {
        return None;
    };
    let root = ident_text(&i)?;
    if matches!(
        root.as_str(),
        "config"
            | "options"
            | "pkgs"
            | "lib"
            | "inputs"
            | "self"
            | "modulesPath"
            | "specialArgs"
            | "osConfig"
            | "nixosConfig"
            | "darwinConfig"
            | "nodes"
            | "name"
            | "system"
    ) {
        return None;
    }
    // Bound by a module function's pattern (`{ settings, ... }:`), not by a helper's
    // parameter (`mkUser = cfg: …`) nor a `let`.
    let module_param = scope.iter().rev().find_map(|f| match f {
        Frame::Params(l) if binds_param(l, &root) => {
            Some(matches!(l.param(), Some(ast::Param::Pattern(p)) if p.ellipsis_token().is_some()))
        }
        Frame::Params(_)
        | Frame::With
        | Frame::WithConfig(_)
        | Frame::WithFlakeModules(_)
        | Frame::WithFile(_) => None,
        Frame::Binds(_) | Frame::Bound(..) | Frame::Element(..) => None,
    })?;
    if !module_param || !matches!(lookup(scope, &root), Found::Opaque) {
        return None;
    }
    Some(OriginKind::Read {
        func: "setting".into(),
        path: root,
    })
}

/// Where the name `e` is (a name bound in the file) was given its value.
fn bound_at(e: &ast::Expr, scope: &[Frame]) -> Option<TextRange> {
    match unparen(e) {
        ast::Expr::Ident(i) => match lookup(scope, &ident_text(&i)?) {
            Found::Expr(x, _) => Some(x.syntax().text_range()),
            _ => None,
        },
        _ => None,
    }
}

/// A list expression (`[ ... ]`, `a ++ b`).
fn is_list(e: &ast::Expr) -> bool {
    match unparen(e) {
        ast::Expr::List(_) => true,
        ast::Expr::BinOp(b) => b.operator() == Some(BinOpKind::Concat),
        _ => false,
    }
}
