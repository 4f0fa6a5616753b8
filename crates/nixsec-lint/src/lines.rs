//! Byte offsets to 1-based line and column (columns count characters), and line text.

use rnix::TextSize;

/// Line starts of one file.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    /// Index the line starts of `src`.
    #[must_use]
    pub fn new(src: &str) -> LineIndex {
        // `memchr`'s iterator (vectorized, no call per line), counted first: the index is kept
        // for the whole run, so it is made at its size (no room left over to hold).
        let newlines = || memchr::memchr_iter(b'\n', src.as_bytes());
        let mut starts = Vec::with_capacity(newlines().count() + 1);
        starts.push(0);
        starts.extend(newlines().map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)));
        LineIndex { starts }
    }

    /// 0-based line of an offset.
    #[must_use]
    pub fn line0(&self, at: TextSize) -> usize {
        let at = u32::from(at);
        match self.starts.binary_search(&at) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// 1-based line and column (in characters) of an offset in `src`.
    #[must_use]
    pub fn line_col(&self, src: &str, at: TextSize) -> (u32, u32) {
        let l = self.line0(at);
        let start = self.starts[l] as usize;
        let end = (u32::from(at) as usize).min(src.len());
        let col = src.get(start..end).map_or(0, |s| s.chars().count());
        (
            u32::try_from(l + 1).unwrap_or(u32::MAX),
            u32::try_from(col + 1).unwrap_or(u32::MAX),
        )
    }

    /// The text of a 0-based line, without its newline.
    #[must_use]
    pub fn line_text<'a>(&self, src: &'a str, line0: usize) -> &'a str {
        let Some(&start) = self.starts.get(line0) else {
            return "";
        };
        let end = self
            .starts
            .get(line0 + 1)
            .map_or(src.len(), |e| (*e as usize).saturating_sub(1));
        src.get(start as usize..end)
            .unwrap_or("")
            .trim_end_matches('\r')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let src = "ab\ncdé f\n\nx";
        let li = LineIndex::new(src);
        assert_eq!(li.line_col(src, TextSize::from(0)), (1, 1));
        assert_eq!(li.line_col(src, TextSize::from(3)), (2, 1));
        // `f` is after a two-byte character: column counts characters.
        assert_eq!(li.line_col(src, TextSize::from(8)), (2, 5));
        assert_eq!(li.line_col(src, TextSize::from(10)), (3, 1));
        assert_eq!(li.line_text(src, 1), "cdé f");
        assert_eq!(li.line_text(src, 3), "x");
        assert_eq!(li.line_text(src, 9), "");
    }
}
