//! GKeyFile: the `[Group]` / `key=value` format of Flatpak metadata, overrides, installation
//! files and OSTree repository configs, parsed as GLib's `g_key_file_load_from_data` does.
//!
//! * Blank lines and lines whose first non-blank character is `#` are comments.
//! * `[Group]` opens a group; a group seen twice continues the first one.
//! * `key=value`: the key is trimmed, the value loses leading blanks; a later value for the
//!   same key replaces the earlier one. `key[lang]` localised keys are separate keys.
//! * Any other line, or a key before the first group, makes the whole file invalid (GLib
//!   refuses to load it, and so does Flatpak).
//! * String values unescape `\s`, `\n`, `\t`, `\r` and `\\`; list values are split at
//!   unescaped `;`, and `\;` is a literal semicolon.

use std::fmt;

/// A file GLib would refuse to load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct KeyFileError {
    /// 1-based line number.
    pub line: u32,
    /// What is wrong.
    pub message: String,
}

/// One `key=value` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key, trimmed.
    pub key: String,
    /// The raw value (escapes not yet processed).
    pub raw: String,
    /// 1-based line.
    pub line: u32,
}

/// One group with its entries in file order (a repeated key keeps its first position and
/// takes the last value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The name between the brackets.
    pub name: String,
    /// The entries.
    pub entries: Vec<Entry>,
}

/// A parsed key file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyFile {
    /// Groups in order of first appearance.
    pub groups: Vec<Group>,
}

impl KeyFile {
    /// Parse key-file text.
    ///
    /// # Errors
    /// A line that is neither a comment, a group header nor `key=value`, a key outside any
    /// group, or an invalid group name.
    pub fn parse(text: &str) -> Result<KeyFile, KeyFileError> {
        let mut kf = KeyFile::default();
        let mut current: Option<usize> = None;
        for (i, raw_line) in text.split('\n').enumerate() {
            let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let l = raw_line.strip_suffix('\r').unwrap_or(raw_line);
            let trimmed = l.trim_start_matches([' ', '\t']);
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix('[') {
                let rest = rest.trim_end_matches([' ', '\t']);
                let Some(name) = rest.strip_suffix(']') else {
                    return Err(KeyFileError {
                        line,
                        message: format!("invalid group header `{}`", nixsec_core::escape(l)),
                    });
                };
                if name.is_empty()
                    || name.contains(['[', ']'])
                    || name.chars().any(char::is_control)
                {
                    return Err(KeyFileError {
                        line,
                        message: format!("invalid group name `{}`", nixsec_core::escape(name)),
                    });
                }
                current = Some(match kf.groups.iter().position(|g| g.name == name) {
                    Some(i) => i,
                    None => {
                        kf.groups.push(Group {
                            name: name.to_string(),
                            entries: Vec::new(),
                        });
                        kf.groups.len() - 1
                    }
                });
                continue;
            }
            let Some((k, v)) = trimmed.split_once('=') else {
                return Err(KeyFileError {
                    line,
                    message: format!(
                        "`{}` is not a key-value pair, group, or comment",
                        nixsec_core::escape(l)
                    ),
                });
            };
            let key = k.trim_end_matches([' ', '\t']);
            if key.is_empty() {
                return Err(KeyFileError {
                    line,
                    message: "empty key name".into(),
                });
            }
            let Some(gi) = current else {
                return Err(KeyFileError {
                    line,
                    message: "key file does not start with a group".into(),
                });
            };
            let value = v.trim_start_matches([' ', '\t']).to_string();
            let entries = &mut kf.groups[gi].entries;
            match entries.iter_mut().find(|e| e.key == key) {
                Some(e) => {
                    e.raw = value;
                    e.line = line;
                }
                None => entries.push(Entry {
                    key: key.to_string(),
                    raw: value,
                    line,
                }),
            }
        }
        Ok(kf)
    }

    /// The group named `name`.
    #[must_use]
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// The entry `key` of group `group`.
    #[must_use]
    pub fn entry(&self, group: &str, key: &str) -> Option<&Entry> {
        self.group(group)?.entries.iter().find(|e| e.key == key)
    }

    /// The unescaped string value of `key` in `group`.
    #[must_use]
    pub fn string(&self, group: &str, key: &str) -> Option<String> {
        self.entry(group, key).map(|e| unescape_string(&e.raw))
    }

    /// The list value of `key` in `group`.
    #[must_use]
    pub fn list(&self, group: &str, key: &str) -> Option<Vec<String>> {
        self.entry(group, key).map(|e| split_list(&e.raw))
    }

    /// A boolean as GLib reads it (`true`/`false`, also `1`/`0`); `None` when absent or not a
    /// boolean.
    #[must_use]
    pub fn boolean(&self, group: &str, key: &str) -> Option<bool> {
        match self.entry(group, key)?.raw.trim_end() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        }
    }
}

fn unescape_char(c: char) -> Option<char> {
    match c {
        's' => Some(' '),
        'n' => Some('\n'),
        't' => Some('\t'),
        'r' => Some('\r'),
        '\\' => Some('\\'),
        _ => None,
    }
}

/// Unescape a string value (`\s`, `\n`, `\t`, `\r`, `\\`; other escapes kept as written).
#[must_use]
pub fn unescape_string(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut it = raw.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some(n) => match unescape_char(n) {
                Some(u) => out.push(u),
                None => {
                    out.push('\\');
                    out.push(n);
                }
            },
            None => out.push('\\'),
        }
    }
    out
}

/// Split a list value at unescaped `;` (a trailing `;` ends the last item; `\;` is a literal
/// semicolon; other escapes as [`unescape_string`]).
#[must_use]
pub fn split_list(raw: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut it = raw.chars();
    while let Some(c) = it.next() {
        match c {
            '\\' => match it.next() {
                Some(';') => cur.push(';'),
                Some(n) => match unescape_char(n) {
                    Some(u) => cur.push(u),
                    None => {
                        cur.push('\\');
                        cur.push(n);
                    }
                },
                None => cur.push('\\'),
            },
            ';' => items.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        items.push(cur);
    }
    items
}

/// Escape a string value for writing, as `g_key_file_set_string` does (`\\`, newline, tab,
/// carriage return, and a leading space as `\s`).
#[must_use]
pub fn escape_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            ' ' if i == 0 => out.push_str("\\s"),
            c => out.push(c),
        }
    }
    out
}

/// Escape a list item for writing (as [`escape_string`], and `;`).
#[must_use]
pub fn escape_list_item(s: &str) -> String {
    escape_string(s).replace(';', "\\;")
}

impl fmt::Display for KeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, g) in self.groups.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "[{}]", g.name)?;
            for e in &g.entries {
                writeln!(f, "{}={}", e.key, e.raw)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_keys_comments_and_repeats() {
        let kf = KeyFile::parse(
            "# c\n\n[Context]\nsockets = x11;wayland;\n  # indented comment\n[Other]\na=1\n[Context]\nsockets=pulseaudio;\nshared=network;\n",
        )
        .expect("parses");
        assert_eq!(kf.groups.len(), 2);
        assert_eq!(
            kf.list("Context", "sockets"),
            Some(vec!["pulseaudio".to_string()])
        );
        assert_eq!(kf.entry("Context", "sockets").map(|e| e.line), Some(9));
        assert_eq!(kf.string("Other", "a").as_deref(), Some("1"));
    }

    #[test]
    fn list_escapes() {
        assert_eq!(split_list("a;b\\;c;;d"), ["a", "b;c", "", "d"]);
        assert_eq!(split_list("x\\sy;"), ["x y"]);
        assert_eq!(split_list(""), Vec::<String>::new());
        assert_eq!(unescape_string("a\\nb\\\\c\\q"), "a\nb\\c\\q");
        assert_eq!(split_list(&escape_list_item("a;b\\")), ["a;b\\"]);
    }

    #[test]
    fn invalid_files_are_errors() {
        let e = KeyFile::parse("[A]\nnot a pair\n").expect_err("garbage");
        assert_eq!(e.line, 2);
        assert!(KeyFile::parse("a=1\n[A]\n").is_err(), "key before group");
        assert!(KeyFile::parse("[A\n").is_err());
        assert!(KeyFile::parse("[A]\n=v\n").is_err());
        assert!(KeyFile::parse("{\"json\": true}").is_err());
    }
}
