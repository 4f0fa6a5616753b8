//! Guards run before a file is parsed, so that no input can crash the run.
//!
//! `rnix` limits its own recursion for most nested expressions (512 levels), but not for
//! nested list literals, chains of right-associative operators (`++`, `//`, `->`, `<|`) or runs
//! of unary operators (`- - x`, `!!x`): 12,000 nested `[` overflow the stack while parsing, and a
//! syntax tree that deep overflows it again when it is dropped. [`nesting`] measures, in one pass
//! over the bytes and without recursion, how deep the parser would have to go, and a file above
//! [`MAX_NESTING`] is an error for that file instead of being parsed. Files above
//! [`MAX_FILE_BYTES`] are refused before they are read (generated data, not configuration).

/// The deepest nesting parsed: brackets, string interpolations, and pending right-associative
/// or unary operators, counted together. Real configurations stay below 40.
pub const MAX_NESTING: u32 = 500;

/// The largest file read (4 MiB). The largest hand-written NixOS modules are about 100 kB; files
/// above this are generated package sets.
pub const MAX_FILE_BYTES: u64 = 4 << 20;

/// Where a file first nests deeper than [`MAX_NESTING`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep {
    /// Byte offset of the token that went past the limit.
    pub offset: usize,
}

/// One open level of the scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// Code inside `(`, `[`, `{` (or the file itself): operators pending since its last `;`.
    Code(u32),
    /// Code inside `${ ... }` of a string or path: returns to the string at its `}`.
    Interp(u32),
    /// A `"` string.
    Str,
    /// A `''` string.
    IndStr,
}

/// The scan's stack and its running cost.
struct Scan {
    stack: Vec<Level>,
    /// Open code levels plus the operators pending in each.
    cost: u32,
}

impl Scan {
    fn push(&mut self, l: Level, at: usize) -> Result<(), TooDeep> {
        if matches!(l, Level::Code(_) | Level::Interp(_)) {
            self.cost += 1;
        }
        self.stack.push(l);
        self.check(at)
    }

    fn check(&self, at: usize) -> Result<(), TooDeep> {
        if self.cost > MAX_NESTING {
            Err(TooDeep { offset: at })
        } else {
            Ok(())
        }
    }

    /// One more pending operator at the innermost code level.
    fn op(&mut self, at: usize) -> Result<(), TooDeep> {
        if let Some(Level::Code(n) | Level::Interp(n)) = self.stack.last_mut() {
            *n += 1;
            self.cost += 1;
        }
        self.check(at)
    }

    /// A `;`: the expression at the innermost level is over.
    fn reset(&mut self) {
        if let Some(Level::Code(n) | Level::Interp(n)) = self.stack.last_mut() {
            self.cost -= *n;
            *n = 0;
        }
    }

    fn pop(&mut self) {
        if let Some(Level::Code(n) | Level::Interp(n)) = self.stack.pop() {
            self.cost -= n + 1;
        }
    }
}

/// True for a byte after which `-` is a unary minus (and `!` a negation): the start of an
/// expression.
fn starts_expression(prev: u8) -> bool {
    matches!(
        prev,
        0 | b'('
            | b'['
            | b'{'
            | b'='
            | b':'
            | b';'
            | b','
            | b'+'
            | b'-'
            | b'*'
            | b'/'
            | b'<'
            | b'>'
            | b'!'
            | b'&'
            | b'|'
            | b'?'
    )
}

/// False when `src` cannot nest past [`MAX_NESTING`], told without a scan: every level and
/// pending operator [`nesting`] counts starts at a distinct byte among `( [ { + / - < !` (the `{`
/// of `${`, the first byte of `++`, `//`, `->`, `<|`), so a text with fewer of those bytes than
/// the limit stays below it.
#[must_use]
pub fn may_be_too_deep(src: &str) -> bool {
    let mut counted = 0usize;
    // Counted in chunks of 255 bytes with a byte-wide sum (vectorized), stopping at the limit.
    for chunk in src.as_bytes().chunks(255) {
        let n = chunk.iter().fold(0u8, |n, b| {
            n + u8::from(matches!(
                b,
                b'(' | b'[' | b'{' | b'+' | b'/' | b'-' | b'<' | b'!'
            ))
        });
        counted += usize::from(n);
        if counted >= MAX_NESTING as usize {
            return true;
        }
    }
    false
}

/// How deep `src` nests, or where it first goes past [`MAX_NESTING`]. Comments and string
/// contents do not count; unbalanced brackets are left to the parser.
///
/// # Errors
///
/// [`TooDeep`] at the first token past the limit.
pub fn nesting(src: &str) -> Result<u32, TooDeep> {
    let b = src.as_bytes();
    let mut s = Scan {
        stack: vec![Level::Code(0)],
        cost: 1,
    };
    let mut max = 1;
    // The last significant byte of code (0 at the start), to tell unary from binary minus and
    // `//` from the `//` of a URI.
    let mut prev = 0u8;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied().unwrap_or(0);
        match s.stack.last().copied() {
            Some(Level::Str) => {
                match c {
                    b'\\' => i += 1,
                    b'"' => s.pop(),
                    b'$' if next == b'$' => i += 1,
                    b'$' if next == b'{' => {
                        i += 1;
                        s.push(Level::Interp(0), i)?;
                        prev = b'{';
                    }
                    _ => {}
                }
                i += 1;
            }
            Some(Level::IndStr) => {
                if c == b'\'' && next == b'\'' {
                    match b.get(i + 2) {
                        Some(b'\'' | b'$') => i += 3,
                        Some(b'\\') => i += 4,
                        _ => {
                            s.pop();
                            i += 2;
                        }
                    }
                    continue;
                }
                if c == b'$' && next == b'$' {
                    i += 2;
                    continue;
                }
                if c == b'$' && next == b'{' {
                    i += 1;
                    s.push(Level::Interp(0), i)?;
                    prev = b'{';
                }
                i += 1;
            }
            Some(Level::Code(_) | Level::Interp(_)) | None => {
                match c {
                    b'#' => {
                        while i < b.len() && b[i] != b'\n' {
                            i += 1;
                        }
                        continue;
                    }
                    b'/' if next == b'*' => {
                        i += 2;
                        while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                            i += 1;
                        }
                        i += 2;
                        continue;
                    }
                    b'"' => s.push(Level::Str, i)?,
                    b'\'' if next == b'\'' => {
                        s.push(Level::IndStr, i)?;
                        i += 2;
                        continue;
                    }
                    b'(' | b'[' | b'{' => s.push(Level::Code(0), i)?,
                    b'$' if next == b'{' => {
                        i += 1;
                        s.push(Level::Interp(0), i)?;
                    }
                    b')' | b']' | b'}' => {
                        match s.stack.last() {
                            Some(Level::Interp(_)) if c == b'}' => s.pop(),
                            Some(Level::Code(_)) if s.stack.len() > 1 => s.pop(),
                            _ => {}
                        }
                        prev = c;
                        i += 1;
                        continue;
                    }
                    // A URI (`https://a//b`): up to the next space, nothing in it counts.
                    b':' if next == b'/'
                        && b.get(i + 2) == Some(&b'/')
                        && prev.is_ascii_alphanumeric() =>
                    {
                        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b';' {
                            i += 1;
                        }
                        prev = b'a';
                        continue;
                    }
                    b';' => s.reset(),
                    b'+' if next == b'+' => {
                        s.op(i)?;
                        i += 2;
                        prev = b'+';
                        continue;
                    }
                    // `//`, except right after `:` (a URI such as `https://x`).
                    b'/' if next == b'/' && prev != b':' => {
                        s.op(i)?;
                        i += 2;
                        prev = b'/';
                        continue;
                    }
                    b'-' if next == b'>' => {
                        s.op(i)?;
                        i += 2;
                        prev = b'>';
                        continue;
                    }
                    b'<' if next == b'|' => {
                        s.op(i)?;
                        i += 2;
                        prev = b'|';
                        continue;
                    }
                    b'-' | b'!' if starts_expression(prev) && !(c == b'!' && next == b'=') => {
                        s.op(i)?;
                    }
                    _ => {}
                }
                if !c.is_ascii_whitespace() {
                    prev = c;
                }
                i += 1;
            }
        }
        max = max.max(s.cost);
    }
    Ok(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deep(src: &str) -> bool {
        nesting(src).is_err()
    }

    /// The quick bound never lets through a text that nests too deep.
    #[test]
    fn the_quick_bound_is_a_bound() {
        let mut texts = vec![
            "[".repeat(600),
            "[".repeat(499),
            "[".repeat(500),
            "[".repeat(501),
            "${".repeat(400) + &"(".repeat(200),
            "a ++ ".repeat(600),
            "- ".repeat(600),
            "! ".repeat(499) + "x",
            "x // ".repeat(500),
            "a -> ".repeat(520),
            "a <| ".repeat(520),
            "\"${".repeat(520),
        ];
        texts.push(texts.concat());
        for t in &texts {
            if nesting(t).is_err() {
                assert!(may_be_too_deep(t), "{}", &t[..20]);
            }
        }
        assert!(!may_be_too_deep("{ a = [ 1 2 ]; b = x ++ y; }"));
        assert!(may_be_too_deep(&"[".repeat(600)));
    }

    #[test]
    fn real_code_is_shallow() {
        let src = r#"{ config, lib, ... }: with lib; {
  # a comment with ((((( and [[[[
  /* and ]]]] */
  networking.firewall.allowedTCPPorts = [ 22 ] ++ [ 80 ] ++ optional config.x 443;
  x = "string with ${toString (1 + 2)} and (((";
  y = ''
    ''${escaped} ''' [[[[ $${not}
    ${lib.concatStringsSep "," [ "a" ]}
  '';
  z = a-b-c - d - -1;
  url = https://example.org//x;
  w = !(!a) && b != c;
}"#;
        let n = nesting(src).expect("shallow");
        assert!(n < 10, "{n}");
    }

    #[test]
    fn hyphens_in_names_and_long_lists_are_not_operators() {
        let names: String = (0..2000).map(|i| format!(" pkg-{i}-x")).collect();
        assert!(!deep(&format!("with pkgs; [{names} ]")));
        let binary: String = (0..2000).map(|i| format!(" - {i}")).collect();
        assert!(!deep(&format!("1{binary}")));
        let urls: String = (0..2000).map(|_| " https://a.example//b").collect();
        assert!(!deep(&format!("[{urls} ]")));
        let sets: String = (0..2000).map(|i| format!(" a{i} = [ ] ++ [ ];")).collect();
        assert!(!deep(&format!("{{{sets} }}")));
    }

    #[test]
    fn deep_input_of_every_kind_is_refused() {
        let n = 100_000;
        for src in [
            "[".repeat(n) + &"]".repeat(n),
            "{a=".repeat(n) + "1" + &";}".repeat(n),
            "(".repeat(n) + "1" + &")".repeat(n),
            "f (".repeat(n) + "1" + &")".repeat(n),
            "\"${".repeat(n) + "1" + &"}\"".repeat(n),
            "[] ++ ".repeat(n) + "[]",
            "{} // ".repeat(n) + "{}",
            "-".repeat(n) + "1",
            "!".repeat(n) + "true",
            "a -> ".repeat(n) + "b",
        ] {
            let e = nesting(&src).expect_err(&src[..20]);
            assert!(e.offset < 10 * usize::try_from(MAX_NESTING).unwrap_or(0));
        }
        // Just at the limit: accepted.
        let at = usize::try_from(MAX_NESTING).unwrap_or(0) - 1;
        assert!(!deep(&("[".repeat(at) + &"]".repeat(at))));
        assert!(deep(&("[".repeat(at + 1) + &"]".repeat(at + 1))));
    }
}
