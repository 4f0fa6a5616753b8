//! Values known without evaluation: literals, lists of them, attribute sets of them, and what
//! could not be known (kept as short source text so a message can show it).

use std::fmt::{self, Write as _};

use rnix::TextRange;

/// A value and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Val {
    /// What it is.
    pub v: Value,
    /// Where it is written (for values reached through a `let` name, the use site).
    pub range: TextRange,
    /// For a list element that may or may not be present (`lib.optional c x`, a branch of
    /// `if c then [ x ] else [ ]`, an element of a list a function filters): the condition as
    /// written.
    pub cond: Option<Box<str>>,
}

impl Val {
    /// A value present unconditionally.
    #[must_use]
    pub fn new(v: Value, range: TextRange) -> Val {
        Val {
            v,
            range,
            cond: None,
        }
    }

    /// The same value, present only under `cond` (joined with `&&` to a condition it has).
    #[must_use]
    pub fn under(mut self, cond: &str) -> Val {
        self.cond = Some(match self.cond.take() {
            Some(c) => format!("{cond} && {c}").into(),
            None => cond.into(),
        });
        self
    }
}

/// A statically known value, or the reason it is not known.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// A string with no interpolation (escapes and indentation already processed).
    Str(String),
    /// A string with interpolations that could not be resolved; each is written `${…}`.
    Interp(String),
    /// A path literal as written (`./secrets/pw`, `/etc/x`, `<nixpkgs>`).
    Path(String),
    /// A list literal (`++` of lists is concatenated).
    List(Vec<Val>),
    /// An attribute set literal inside a value (for example a `security.sudo.extraRules`
    /// entry); keys are dotted paths.
    Attrs(Vec<(String, Val)>),
    /// A function.
    Lambda,
    /// Anything evaluation would be needed for; the (shortened) source text.
    Unknown(String),
}

impl Value {
    /// The string, when fully known.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The string's text, also when parts are interpolations (written `${…}`).
    #[must_use]
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::Interp(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, when known.
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// True when a string (known, or with interpolations) is anywhere in the value: in it,
    /// in a list element or in an attribute, at any depth.
    #[must_use]
    pub fn has_text(&self) -> bool {
        match self {
            Value::Str(_) | Value::Interp(_) => true,
            Value::List(items) => items.iter().any(|i| i.v.has_text()),
            Value::Attrs(kv) => kv.iter().any(|(_, x)| x.v.has_text()),
            _ => false,
        }
    }

    /// True for a value that could not be known.
    #[must_use]
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }

    /// The entry `key` of an attribute set value.
    #[must_use]
    pub fn attr(&self, key: &str) -> Option<&Val> {
        match self {
            Value::Attrs(kv) => kv.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Quote a string as a Nix string literal.
#[must_use]
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '$' => out.push('$'),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) | Value::Interp(s) => f.write_str(&quote(s)),
            Value::Path(p) => f.write_str(p),
            Value::List(items) => {
                f.write_str("[")?;
                for it in items {
                    write!(f, " {}", it.v)?;
                }
                f.write_str(" ]")
            }
            Value::Attrs(kv) => {
                f.write_str("{")?;
                for (k, v) in kv {
                    write!(f, " {k} = {};", v.v)?;
                }
                f.write_str(" }")
            }
            Value::Lambda => f.write_str("<function>"),
            Value::Unknown(s) => f.write_str(s),
        }
    }
}

/// Shorten source text for messages: whitespace runs become one space, at most 60 characters.
#[must_use]
pub fn snippet(text: &str) -> String {
    let mut out = String::new();
    // Characters in `out` (counted as they are pushed, not recounted for each one).
    let mut n = 0usize;
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && n > 0 {
            out.push(' ');
            n += 1;
        }
        space = false;
        if n >= 60 {
            out.push('…');
            return out;
        }
        out.push(c);
        n += 1;
    }
    out
}

/// Decode the raw text of one string-content token: `"` strings (`\n`, `\t`, `\r`, `\x`) or
/// indented strings (`'''`, `''$`, `''\n`, `''\t`, `''\r`, `''\x`).
pub fn unescape(raw: &str, indented: bool, out: &mut String) {
    // The text between escapes is copied whole: an escape starts at a `\` (a plain string) or
    // a `''` (an indented one), found with `memchr`.
    let escaped = |c: Option<char>, out: &mut String| match c {
        Some('n') => out.push('\n'),
        Some('t') => out.push('\t'),
        Some('r') => out.push('\r'),
        Some(x) => out.push(x),
        None => {}
    };
    let len = |c: Option<char>| c.map_or(0, char::len_utf8);
    let mut rest = raw;
    loop {
        let mark = if indented { b'\'' } else { b'\\' };
        let Some(i) = memchr::memchr(mark, rest.as_bytes()) else {
            out.push_str(rest);
            return;
        };
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if !indented {
            let c = after.chars().next();
            escaped(c, out);
            rest = &after[len(c)..];
            continue;
        }
        // A lone `'` is itself.
        let Some(after) = after.strip_prefix('\'') else {
            out.push('\'');
            rest = after;
            continue;
        };
        let c = after.chars().next();
        let after = &after[len(c)..];
        match c {
            Some('\'') => out.push_str("''"),
            Some('$') => out.push('$'),
            Some('\\') => {
                let x = after.chars().next();
                escaped(x, out);
                rest = &after[len(x)..];
                continue;
            }
            Some(x) => {
                out.push_str("''");
                out.push(x);
            }
            None => out.push_str("''"),
        }
        rest = after;
    }
}

/// Strip the common indentation of an indented string, as Nix does: the smallest indentation
/// of the non-blank lines is removed from every line, and a first line of only spaces is
/// dropped. Interpolations count as text (`marker` positions are never whitespace).
#[must_use]
pub fn strip_indent(s: &str) -> String {
    // Spaces are one byte each: counted and compared as bytes.
    let blank = |l: &str| l.bytes().all(|c| c == b' ');
    let indent = |l: &str| l.bytes().take_while(|c| *c == b' ').count();
    let body = match s.find('\n') {
        Some(p) if blank(&s[..p]) => &s[p + 1..],
        _ => s,
    };
    let min = body
        .split('\n')
        .filter(|l| !blank(l))
        .map(indent)
        .min()
        .unwrap_or(0);
    let mut out = String::with_capacity(body.len());
    for (i, line) in body.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let skip = indent(line).min(min);
        out.push_str(&line[skip..]);
    }
    // A last line of only spaces is dropped to an empty line, as Nix does.
    if let Some(p) = out.rfind('\n') {
        if blank(&out[p + 1..]) {
            out.truncate(p + 1);
        }
    }
    out
}

/// Render a dotted option path, quoting components that are not plain identifiers.
#[must_use]
pub fn path_string(path: &[String]) -> String {
    let mut out = String::new();
    for (i, c) in path.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        let plain = !c.is_empty()
            && c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '\''))
            && !c.starts_with(|ch: char| ch.is_ascii_digit() || ch == '-' || ch == '\'');
        if plain {
            out.push_str(c);
        } else {
            let _ = write!(out, "{}", quote(c));
        }
    }
    out
}

/// A string's parts with the indentation of `''` strings removed, or `None` for a string the
/// parser recovered from (an unterminated string, an error inside it): rnix's own
/// `normalized_parts` asserts on those and would abort the whole run.
#[must_use]
pub fn str_parts(s: &rnix::ast::Str) -> Option<Vec<rnix::ast::InterpolPart<String>>> {
    use crate::index::raw;
    use rnix::SyntaxKind::{
        NODE_INTERPOL, TOKEN_STRING_CONTENT, TOKEN_STRING_END, TOKEN_STRING_START,
    };
    use rowan::ast::AstNode;
    // Read on the green tree: no syntax node or token is made for the check.
    let well_formed = s.syntax().green().children().all(|c| match c {
        rowan::NodeOrToken::Token(t) => {
            [TOKEN_STRING_CONTENT, TOKEN_STRING_START, TOKEN_STRING_END]
                .iter()
                .any(|k| t.kind() == raw(*k))
        }
        rowan::NodeOrToken::Node(n) => n.kind() == raw(NODE_INTERPOL),
    });
    well_formed.then(|| s.normalized_parts())
}

/// A variable or an attribute selection (`user`, `vars.username`, `config.my.user`) that does
/// not name root.
pub(crate) fn user_name_expr(text: &str) -> bool {
    // A dynamic attribute of a name (`config.${namespace}.user.name`, as snowfall-lib modules
    // name their user): judged with the name in its place.
    if text.contains("${") {
        let mut plain = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find("${") {
            plain.push_str(&rest[..i]);
            let Some(j) = rest[i..].find('}') else {
                return false;
            };
            let inner = &rest[i + 2..i + j];
            if inner.is_empty() || !user_name_expr(inner) {
                return false;
            }
            plain.push_str(inner);
            rest = &rest[i + j + 1..];
        }
        plain.push_str(rest);
        return user_name_expr(&plain);
    }
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '\''))
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && !text.split('.').any(|p| p == "root")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nix's escapes, decoded a character at a time (as `unescape` did before it copied the
    /// text between escapes whole).
    fn unescape_by_char(raw: &str, indented: bool) -> String {
        let mut out = String::new();
        let mut chars = raw.chars().peekable();
        let esc = |c: Option<char>, out: &mut String| match c {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(x) => out.push(x),
            None => {}
        };
        while let Some(c) = chars.next() {
            if indented && c == '\'' && chars.peek() == Some(&'\'') {
                chars.next();
                match chars.next() {
                    Some('\'') => out.push_str("''"),
                    Some('$') => out.push('$'),
                    Some('\\') => esc(chars.next(), &mut out),
                    Some(x) => {
                        out.push_str("''");
                        out.push(x);
                    }
                    None => out.push_str("''"),
                }
            } else if !indented && c == '\\' {
                esc(chars.next(), &mut out);
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn escapes_are_decoded_as_nix_does() {
        let pieces = [
            "a", "\\", "n", "t", "r", "'", "''", "'''", "$", "${", "é", "\\é", "''\\", "x", " ",
        ];
        // Every text of up to four pieces, both kinds of string.
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for t in &texts {
                for p in pieces {
                    next.push(format!("{t}{p}"));
                }
            }
            texts.extend(next);
            texts.sort();
            texts.dedup();
        }
        for t in &texts {
            for indented in [false, true] {
                let mut out = String::new();
                unescape(t, indented, &mut out);
                assert_eq!(out, unescape_by_char(t, indented), "{t:?} {indented}");
            }
        }
        let mut out = String::new();
        unescape(r"a\nb\$c", false, &mut out);
        assert_eq!(out, "a\nb$c");
        out.clear();
        unescape("x''$y'''z''\\nw", true, &mut out);
        assert_eq!(out, "x$y''z\nw");
    }

    #[test]
    fn user_names_through_dynamic_attributes() {
        assert!(user_name_expr("config.me.user.name"));
        assert!(user_name_expr("config.${namespace}.user.name"));
        assert!(!user_name_expr("config.${namespace}.root"));
        assert!(!user_name_expr("config.${x y}.name"));
        assert!(!user_name_expr("config.${namespace.name"));
        assert!(!user_name_expr("\"${a}-${b}\""));
    }

    #[test]
    fn unescape_plain_strings() {
        let mut s = String::new();
        unescape(r#"a\"b\\c\nd\$e"#, false, &mut s);
        assert_eq!(s, "a\"b\\c\nd$e");
    }

    #[test]
    fn unescape_indented_strings() {
        let mut s = String::new();
        unescape("x '''y''' ''${z} ''\\n", true, &mut s);
        assert_eq!(s, "x ''y'' ${z} \n");
    }

    #[test]
    fn indentation_is_stripped_like_nix() {
        // nix-instantiate --eval -E "''\n    a\n      b\n    c\n  ''" gives "a\n  b\nc\n".
        assert_eq!(strip_indent("\n    a\n      b\n    c\n  "), "a\n  b\nc\n");
        assert_eq!(strip_indent("  x\n  y"), "x\ny");
    }

    #[test]
    fn paths_quote_odd_components() {
        let p: Vec<String> = ["boot", "kernel", "sysctl", "net.ipv4.ip_forward"]
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        assert_eq!(
            path_string(&p),
            r#"boot.kernel.sysctl."net.ipv4.ip_forward""#
        );
        let p: Vec<String> = ["security", "sudo-rs", "enable"]
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        assert_eq!(path_string(&p), "security.sudo-rs.enable");
    }

    #[test]
    fn snippets_are_short() {
        assert_eq!(snippet("a\n   b"), "a b");
        assert_eq!(snippet(&"x".repeat(100)).chars().count(), 61);
    }
}
