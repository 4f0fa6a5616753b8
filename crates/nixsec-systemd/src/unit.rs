//! Unit-file syntax as systemd's `config_parse()` reads it.
//!
//! Lines are split on `\n`; leading whitespace is skipped; a line whose first character is `#`
//! or `;` is a comment (also inside a continuation); a line ending in an unescaped `\` continues
//! on the next line, the backslash becoming a space. `[Section]` opens a section (a `[` line
//! without the closing `]` is an error, as in systemd); `Key=Value` is an assignment with
//! whitespace trimmed around key and value. A line without `=` or an assignment before any
//! section is ignored with a warning, as systemd does. Values are kept as written: quoting,
//! escapes, `~` and specifiers are interpreted by each setting's parser (see [`split_words`]).

/// One `Key=Value` assignment with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Section name without brackets (`Service`), shared by the section's assignments.
    pub section: std::sync::Arc<str>,
    /// The key (`ProtectSystem`).
    pub key: String,
    /// The value, trimmed, otherwise as written.
    pub value: String,
    /// The file inside the root, shared by the file's assignments.
    pub file: std::sync::Arc<str>,
    /// 1-based line number where the assignment starts.
    pub line: usize,
}

/// A parsed unit file or drop-in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UnitFile {
    /// Assignments in file order.
    pub assignments: Vec<Assignment>,
    /// Lines systemd would ignore with a warning (`file:line: message`).
    pub warnings: Vec<String>,
}

/// A unit file systemd refuses to load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ParseError {
    /// The file inside the root.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// systemd's `LONG_LINE_MAX`.
const LONG_LINE_MAX: usize = 1024 * 1024;

/// True when `s` ends in a backslash that is not itself escaped.
fn ends_escaped(s: &str) -> bool {
    // Read left to right, every character after a backslash is escaped, and anything but a
    // backslash ends a run: so only the run of backslashes at the end counts, by its parity.
    s.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// Parse the text of a unit file. `file` names it in errors and warnings.
///
/// # Errors
/// A NUL byte (binary garbage), an invalid section header or an over-long line.
pub fn parse(text: &str, file: &str) -> Result<UnitFile, ParseError> {
    let err = |line: usize, message: String| ParseError {
        file: file.to_string(),
        line,
        message,
    };
    if let Some(pos) = text.find('\0') {
        let line = text[..pos].matches('\n').count() + 1;
        return Err(err(line, "not a text file (NUL byte)".into()));
    }
    // About one assignment per 30 bytes of a typical unit: no regrowth for most files.
    let mut out = UnitFile {
        assignments: Vec::with_capacity(text.len() / 30 + 4),
        warnings: Vec::new(),
    };
    // Shared by every assignment of the section and the file: a unit has a few hundred
    // assignments with a handful of distinct sections and one file name.
    let mut section: Option<std::sync::Arc<str>> = None;
    let file_name: std::sync::Arc<str> = std::sync::Arc::from(file);
    // A continued line being joined: where it started and its text so far. Lines that do not
    // continue (nearly all) are used in place, without a copy.
    let mut cont: Option<(usize, String)> = None;
    let mut lines = text.split('\n').enumerate().peekable();
    while let Some((idx, raw)) = lines.next() {
        let lineno = idx + 1;
        let last = lines.peek().is_none();
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.len() > LONG_LINE_MAX {
            return Err(err(lineno, "line too long".into()));
        }
        let l = raw.trim_start();
        if l.starts_with('#') || l.starts_with(';') {
            continue;
        }
        let joined: std::borrow::Cow<'_, str>;
        let start;
        match cont.take() {
            Some((s, mut buf)) => {
                buf.push_str(l);
                start = s;
                joined = std::borrow::Cow::Owned(buf);
            }
            None => {
                start = lineno;
                joined = std::borrow::Cow::Borrowed(l);
            }
        }
        if !last && ends_escaped(&joined) {
            let mut buf = joined.into_owned();
            buf.pop();
            buf.push(' ');
            if buf.len() > LONG_LINE_MAX {
                return Err(err(start, "continued line too long".into()));
            }
            cont = Some((start, buf));
            continue;
        }
        let l = joined.trim();
        if l.is_empty() {
            continue;
        }
        if let Some(rest) = l.strip_prefix('[') {
            match rest.strip_suffix(']') {
                Some(name) if !name.is_empty() => section = Some(std::sync::Arc::from(name)),
                _ => return Err(err(start, format!("invalid section header `{l}`"))),
            }
            continue;
        }
        let Some(sec) = &section else {
            out.warnings.push(format!(
                "{file}:{start}: assignment outside of section, ignored"
            ));
            continue;
        };
        let Some((k, v)) = l.split_once('=') else {
            out.warnings
                .push(format!("{file}:{start}: missing '=', line ignored"));
            continue;
        };
        let key = k.trim();
        if key.is_empty() {
            out.warnings
                .push(format!("{file}:{start}: empty key, line ignored"));
            continue;
        }
        out.assignments.push(Assignment {
            section: std::sync::Arc::clone(sec),
            key: key.to_string(),
            value: v.trim().to_string(),
            file: std::sync::Arc::clone(&file_name),
            line: start,
        });
    }
    Ok(out)
}

/// Split a value into words as systemd's `extract_first_word(…, EXTRACT_UNQUOTE)`: whitespace
/// separates words, `"…"` and `'…'` quote (the quotes are removed), and C escapes (`\n`, `\t`,
/// `\\`, `\"`, `\x41`, …) are decoded. Returns `None` for an unbalanced quote or a bad escape,
/// which systemd reports as an invalid value.
#[must_use]
pub fn split_words(value: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let e = chars.next()?;
                let decoded = match e {
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'v' => '\u{b}',
                    's' => ' ',
                    'x' => {
                        let h: String = chars.by_ref().take(2).collect();
                        char::from_u32(u32::from_str_radix(&h, 16).ok()?)?
                    }
                    '0'..='7' => {
                        let mut o = String::from(e);
                        o.extend(chars.by_ref().take(2));
                        char::from_u32(u32::from_str_radix(&o, 8).ok()?)?
                    }
                    other => other,
                };
                cur.push(decoded);
                in_word = true;
            }
            '"' | '\'' if quote == Some(c) => quote = None,
            '"' | '\'' if quote.is_none() => {
                quote = Some(c);
                in_word = true;
            }
            c if quote.is_none() && c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return None;
    }
    if in_word {
        words.push(cur);
    }
    Some(words)
}

/// systemd's `parse_boolean()`.
#[must_use]
pub fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "yes" | "y" | "true" | "t" | "on" => Some(true),
        "0" | "no" | "n" | "false" | "f" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(u: &UnitFile) -> Vec<(String, String, String, usize)> {
        u.assignments
            .iter()
            .map(|a| {
                (
                    a.section.to_string(),
                    a.key.clone(),
                    a.value.clone(),
                    a.line,
                )
            })
            .collect()
    }

    #[test]
    fn sections_comments_continuation() {
        let t = "# c\n[Unit]\n; c2\nDescription = hello world \n[Service]\nSystemCallFilter=@a \\\n  # comment inside\n  @b\nX=1\\\\\nY=2\n";
        let u = parse(t, "/x.service").expect("parses");
        assert_eq!(
            kv(&u),
            vec![
                ("Unit".into(), "Description".into(), "hello world".into(), 4),
                (
                    "Service".into(),
                    "SystemCallFilter".into(),
                    "@a  @b".into(),
                    6
                ),
                ("Service".into(), "X".into(), "1\\\\".into(), 9),
                ("Service".into(), "Y".into(), "2".into(), 10),
            ]
        );
    }

    #[test]
    fn empty_and_negated_values_kept() {
        let u = parse(
            "[Service]\nCapabilityBoundingSet=\nCapabilityBoundingSet=~CAP_KILL\nUser=%i\n",
            "f",
        )
        .expect("parses");
        let v: Vec<_> = u.assignments.iter().map(|a| a.value.as_str()).collect();
        assert_eq!(v, ["", "~CAP_KILL", "%i"]);
    }

    #[test]
    fn warnings_not_errors() {
        let u = parse("Foo=1\n[Service]\nnonsense\n=x\n", "f").expect("parses");
        assert!(u.assignments.is_empty());
        assert_eq!(u.warnings.len(), 3);
        assert!(u.warnings[0].starts_with("f:1:"));
    }

    #[test]
    fn bad_section_is_error_with_line() {
        let e = parse("[Unit]\nA=1\n[Service\n", "/etc/x.service").expect_err("error");
        assert_eq!(e.line, 3);
        assert_eq!(
            e.to_string(),
            "/etc/x.service:3: invalid section header `[Service`"
        );
    }

    #[test]
    fn nul_is_error() {
        let e = parse("[Unit]\n\0\u{1}", "g").expect_err("error");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn words() {
        assert_eq!(
            split_words(r#"a "b c" 'd' e\x41 f\\g"#),
            Some(vec![
                "a".into(),
                "b c".into(),
                "d".into(),
                "eA".into(),
                "f\\g".into()
            ])
        );
        assert_eq!(split_words("\"open"), None);
        assert_eq!(split_words("  "), Some(vec![]));
    }

    #[test]
    fn bools() {
        assert_eq!(parse_bool("YES"), Some(true));
        assert_eq!(parse_bool("off"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }
}
