//! JSON for every report nixsec writes: serde_json's output, except that the characters a
//! terminal, a pager or an editor could act on or reorder are written as `\uXXXX` escapes.
//!
//! serde_json escapes only what JSON requires (`"`, `\` and C0 controls). Host data may also
//! hold DEL, C1 controls (U+0080–U+009F: U+009B is a CSI introducer on many terminals),
//! bidirectional formatting characters ("trojan source": U+202E reorders what a reader sees)
//! and the line and paragraph separators U+2028/U+2029. A report viewed with `cat`, `less` or
//! in a code-scanning dashboard must not carry them raw: they are escaped here, and the JSON
//! still means the same strings.

use std::io;

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

/// True for the characters written as `\uXXXX` on top of what JSON requires.
#[must_use]
pub fn must_escape(c: char) -> bool {
    matches!(c,
        '\u{7f}'..='\u{9f}'
        | '\u{200e}' | '\u{200f}'
        | '\u{2028}' | '\u{2029}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// A serde_json formatter that escapes [`must_escape`] characters in strings.
pub struct Safe<F>(pub F);

impl<F: Formatter> Formatter for Safe<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if must_escape(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// `serde_json::to_writer_pretty`, with [`Safe`] escaping.
///
/// # Errors
/// A write error, or a value serde cannot serialise.
pub fn to_writer_pretty<W: io::Write, T: ?Sized + Serialize>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(writer, Safe(PrettyFormatter::new()));
    value.serialize(&mut ser)
}

/// `serde_json::to_writer` (compact), with [`Safe`] escaping.
///
/// # Errors
/// As [`to_writer_pretty`].
pub fn to_writer<W: io::Write, T: ?Sized + Serialize>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(writer, Safe(CompactFormatter));
    value.serialize(&mut ser)
}

/// `serde_json::to_vec_pretty`, with [`Safe`] escaping.
///
/// # Errors
/// As [`to_writer_pretty`].
pub fn to_vec_pretty<T: ?Sized + Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(128);
    to_writer_pretty(&mut out, value)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_c1_and_del_are_escaped_and_the_value_is_unchanged() {
        let hostile = "a\u{202e}b\u{9b}2J\u{7f}\u{1b}]0;t\u{7}\u{2066}é\u{2028}";
        let out = to_vec_pretty(&serde_json::json!({ "m": hostile })).expect("json");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(
            text,
            "{\n  \"m\": \"a\\u202eb\\u009b2J\\u007f\\u001b]0;t\\u0007\\u2066é\\u2028\"\n}"
        );
        assert!(!text
            .chars()
            .any(|c| c.is_control() && c != '\n' || must_escape(c)));
        let back: serde_json::Value = serde_json::from_str(&text).expect("parses");
        assert_eq!(back["m"], hostile);
    }

    #[test]
    fn plain_values_are_byte_identical_to_serde() {
        let v = serde_json::json!({"a": [1, {"b": "c\"d\\e\n"}], "e": [], "f": {}, "g": "naïve"});
        assert_eq!(
            to_vec_pretty(&v).expect("json"),
            serde_json::to_vec_pretty(&v).expect("json")
        );
        let mut compact = Vec::new();
        to_writer(&mut compact, &v).expect("json");
        assert_eq!(compact, serde_json::to_vec(&v).expect("json"));
    }
}
