//! CPE 2.3 formatted strings (`cpe:2.3:part:vendor:product:version:update:edition:language:
//! sw_edition:target_sw:target_hw:other`, NISTIR 7695 §6.2): split at unescaped colons, with
//! `\` quoting the next character, `*` = ANY and `-` = NA.

use std::fmt;

/// One attribute value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// `*`: any value.
    Any,
    /// `-`: not applicable.
    Na,
    /// A value, unescaped and lowercased.
    V(String),
}

impl Value {
    fn parse(raw: &str) -> Value {
        match raw {
            "*" | "" => Value::Any,
            "-" => Value::Na,
            _ => {
                let mut out = String::with_capacity(raw.len());
                let mut esc = false;
                for c in raw.chars() {
                    if esc {
                        out.push(c);
                        esc = false;
                    } else if c == '\\' {
                        esc = true;
                    } else {
                        out.push(c);
                    }
                }
                Value::V(out.to_lowercase())
            }
        }
    }
    /// The value, if it is one.
    #[must_use]
    pub fn get(&self) -> Option<&str> {
        match self {
            Value::V(s) => Some(s),
            _ => None,
        }
    }
    /// `*` or `-`.
    #[must_use]
    pub fn is_wild(&self) -> bool {
        !matches!(self, Value::V(_))
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Any => f.write_str("*"),
            Value::Na => f.write_str("-"),
            Value::V(s) => f.write_str(s),
        }
    }
}

/// A parsed CPE 2.3 name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpe {
    /// `a` application, `o` operating system, `h` hardware.
    pub part: char,
    /// Vendor.
    pub vendor: Value,
    /// Product.
    pub product: Value,
    /// Version.
    pub version: Value,
    /// Update (`p1`, `rc2`...).
    pub update: Value,
    /// Edition.
    pub edition: Value,
    /// Language.
    pub language: Value,
    /// Software edition.
    pub sw_edition: Value,
    /// Target software (`jenkins`, `wordpress`, `node.js`...).
    pub target_sw: Value,
    /// Target hardware.
    pub target_hw: Value,
    /// Other.
    pub other: Value,
}

/// Why a CPE string was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CpeError {
    /// Not `cpe:2.3:`.
    #[error("`{0}`: not a CPE 2.3 formatted string (expected `cpe:2.3:...`)")]
    Prefix(String),
    /// Not 13 colon-separated fields.
    #[error("`{0}`: {1} fields, a CPE 2.3 name has 13")]
    Fields(String, usize),
    /// Part other than a/o/h.
    #[error("`{0}`: unknown part `{1}` (expected a, o or h)")]
    Part(String, String),
    /// Backslash at the end.
    #[error("`{0}`: ends with a lone backslash")]
    Escape(String),
}

/// Split at unescaped `:`.
fn split(s: &str) -> Result<Vec<&str>, CpeError> {
    let mut out = Vec::with_capacity(13);
    let mut start = 0;
    let mut esc = false;
    for (i, c) in s.char_indices() {
        if esc {
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else if c == ':' {
            out.push(&s[start..i]);
            start = i + 1;
        }
    }
    if esc {
        return Err(CpeError::Escape(s.to_string()));
    }
    out.push(&s[start..]);
    Ok(out)
}

impl Cpe {
    /// Parse a formatted string.
    ///
    /// # Errors
    /// Wrong prefix, wrong number of fields, unknown part, trailing backslash.
    pub fn parse(s: &str) -> Result<Cpe, CpeError> {
        let f = split(s)?;
        if f.len() < 2 || f[0] != "cpe" || f[1] != "2.3" {
            return Err(CpeError::Prefix(s.to_string()));
        }
        if f.len() != 13 {
            return Err(CpeError::Fields(s.to_string(), f.len()));
        }
        let part = match f[2] {
            "a" => 'a',
            "o" => 'o',
            "h" => 'h',
            p => return Err(CpeError::Part(s.to_string(), p.to_string())),
        };
        let v = |i: usize| Value::parse(f[i]);
        Ok(Cpe {
            part,
            vendor: v(3),
            product: v(4),
            version: v(5),
            update: v(6),
            edition: v(7),
            language: v(8),
            sw_edition: v(9),
            target_sw: v(10),
            target_hw: v(11),
            other: v(12),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_names() {
        let c = Cpe::parse("cpe:2.3:a:openssl:openssl:3.0.6:*:*:*:*:*:*:*").expect("test");
        assert_eq!(c.part, 'a');
        assert_eq!(c.vendor.get(), Some("openssl"));
        assert_eq!(c.version.get(), Some("3.0.6"));
        assert_eq!(c.update, Value::Any);
        let c = Cpe::parse("cpe:2.3:a:jenkins:git:*:*:*:*:*:jenkins:*:*").expect("test");
        assert_eq!(c.target_sw.get(), Some("jenkins"));
        let c = Cpe::parse("cpe:2.3:o:linux:linux_kernel:6.1:-:*:*:*:*:*:*").expect("test");
        assert_eq!(c.part, 'o');
        assert_eq!(c.update, Value::Na);
        let c = Cpe::parse("cpe:2.3:a:todd_miller:sudo:1.9.5:p1:*:*:*:*:*:*").expect("test");
        assert_eq!(c.update.get(), Some("p1"));
    }

    #[test]
    fn unescapes_values() {
        let c = Cpe::parse(r"cpe:2.3:a:nodejs:node\.js:18.0.0:*:*:*:*:*:*:*").expect("test");
        assert_eq!(c.product.get(), Some("node.js"));
        let c = Cpe::parse(r"cpe:2.3:a:foo\:bar:baz\!:1\:2:*:*:*:*:*:*:*").expect("test");
        assert_eq!(c.vendor.get(), Some("foo:bar"));
        assert_eq!(c.product.get(), Some("baz!"));
        assert_eq!(c.version.get(), Some("1:2"));
        let c = Cpe::parse(r"cpe:2.3:a:Microsoft:IE\\x:*:*:*:*:*:*:*:*").expect("test");
        assert_eq!(c.vendor.get(), Some("microsoft"));
        assert_eq!(c.product.get(), Some(r"ie\x"));
    }

    #[test]
    fn refuses_bad_names() {
        assert!(matches!(
            Cpe::parse("cpe:2.3:a:openssl:openssl:3.0.6"),
            Err(CpeError::Fields(_, 6))
        ));
        assert!(matches!(
            Cpe::parse("cpe:/a:openssl:openssl:3.0.6"),
            Err(CpeError::Prefix(_))
        ));
        assert!(matches!(
            Cpe::parse("cpe:2.3:x:a:b:*:*:*:*:*:*:*:*"),
            Err(CpeError::Part(..))
        ));
        assert!(matches!(
            Cpe::parse(r"cpe:2.3:a:a:b:*:*:*:*:*:*:*:*\"),
            Err(CpeError::Escape(_))
        ));
        // an escaped colon does not count as a separator
        assert!(matches!(
            Cpe::parse(r"cpe:2.3:a:a\:b:*:*:*:*:*:*:*:*"),
            Err(CpeError::Fields(_, 12))
        ));
    }
}
