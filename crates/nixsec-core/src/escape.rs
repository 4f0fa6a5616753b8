//! Escaping of hostile host data before it reaches a terminal.
//!
//! File names, configuration values and unit settings come from the audited host and may hold
//! terminal escape sequences, other control characters, bidirectional overrides or invalid
//! UTF-8. Every renderer that writes text for people passes host data through [`escape`] (or
//! [`escape_bytes`] for raw bytes), so nothing from the host can move the cursor, change colours
//! or reorder what the reader sees.

use std::borrow::Cow;
use std::fmt::Write;

/// True for characters that must not reach a terminal as they are: C0 and C1 controls, DEL,
/// and the Unicode bidirectional formatting characters ("trojan source").
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// Escape control characters and bidirectional overrides in `s`; borrowed when nothing changes.
///
/// `\n`, `\r` and `\t` become `\n`, `\r` and `\t`; other ASCII controls become `\xNN`; other
/// characters that need escaping become `\u{N}`. A backslash is kept as it is.
#[must_use]
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Escape raw bytes: valid UTF-8 runs as [`escape`] does, each invalid byte as `\xNN`.
#[must_use]
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(&escape(chunk.valid()));
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(escape("sandbox = false"), Cow::Borrowed(_)));
    }

    #[test]
    fn terminal_escapes_are_neutralised() {
        assert_eq!(escape("a\x1b[31mred\x07"), "a\\x1b[31mred\\x07");
        assert_eq!(escape("line\nnext\ttab\r"), "line\\nnext\\ttab\\r");
        assert_eq!(escape("c1\u{9b}2J"), "c1\\u{9b}2J");
        assert_eq!(escape("x\u{7f}"), "x\\x7f");
    }

    #[test]
    fn bidi_overrides_are_escaped() {
        assert_eq!(escape("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(escape("\u{2066}a\u{2069}"), "\\u{2066}a\\u{2069}");
    }

    #[test]
    fn invalid_utf8_bytes_become_hex() {
        assert_eq!(escape_bytes(b"ok\xff\xfe\x1b!"), "ok\\xff\\xfe\\x1b!");
        assert_eq!(escape_bytes("é".as_bytes()), "é");
    }
}
