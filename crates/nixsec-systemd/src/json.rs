//! The JSON of scored units, written straight into a byte buffer: exactly what
//! `nixsec_core::json::to_writer_pretty` writes for a [`UnitScore`] nested at a given depth, but
//! without serde's per-field machinery. `nixsec units --format json` prints a few hundred units
//! of about 80 checks each (megabytes), and this writer is most of the command's speed.
//! A test compares it with serde's output byte for byte.

use crate::score::UnitScore;

/// Append `s` as a JSON string (quotes included), escaped as every report is
/// ([`nixsec_core::json`]: serde_json's escaping plus DEL, C1 controls and bidirectional
/// formatting characters as `\uXXXX`).
fn string(out: &mut Vec<u8>, s: &str) {
    let plain = s
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    if plain {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Rare (a hostile unit name, or any non-ASCII): the shared escaping. Writing to a Vec
        // cannot fail.
        let _ = nixsec_core::json::to_writer(&mut *out, s);
    }
}

fn indent(out: &mut Vec<u8>, n: usize) {
    out.push(b'\n');
    out.resize(out.len() + n, b' ');
}

fn key(out: &mut Vec<u8>, depth: usize, name: &str) {
    indent(out, depth);
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\": ");
}

fn uint(out: &mut Vec<u8>, n: u64) {
    let mut buf = itoa::Buffer::new();
    out.extend_from_slice(buf.format(n).as_bytes());
}

/// Writes units one after another, reusing for each check the bytes that do not change from
/// unit to unit (everything from its opening brace to `"badness": `): a unit is then mostly
/// copies of cached text.
#[derive(Default)]
pub struct Writer {
    /// Per check position: the row and depth it was built for and its cached opening.
    cache: Vec<(&'static crate::score::Assessor, usize, Vec<u8>)>,
}

impl Writer {
    /// A writer with an empty cache.
    #[must_use]
    pub fn new() -> Self {
        Writer::default()
    }

    /// Append `score` as serde_json's pretty form of the object, as if it were nested `depth`
    /// spaces deep (the opening brace is written where the caller is; the closing one is
    /// indented by `depth`).
    pub fn write(&mut self, score: &UnitScore, depth: usize, out: &mut Vec<u8>) {
        let inner = depth + 2;
        out.push(b'{');
        key(out, inner, "unit");
        string(out, &score.unit);
        out.push(b',');
        key(out, inner, "exposure");
        // Floats exactly as serde_json prints them (shortest round-trip form).
        let _ = serde_json::to_writer(&mut *out, &score.exposure);
        out.push(b',');
        key(out, inner, "level");
        string(out, score.level);
        out.push(b',');
        key(out, inner, "checks");
        if score.checks.is_empty() {
            out.extend_from_slice(b"[]");
        } else {
            out.push(b'[');
            let item = inner + 2;
            let field = item + 2;
            for (i, c) in score.checks.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let fresh = self
                    .cache
                    .get(i)
                    .is_none_or(|(row, d, _)| !std::ptr::eq(*row, c.row) || *d != depth);
                if fresh {
                    let mut open = Vec::with_capacity(192);
                    indent(&mut open, item);
                    open.push(b'{');
                    key(&mut open, field, "id");
                    string(&mut open, c.id());
                    open.push(b',');
                    key(&mut open, field, "setting");
                    string(&mut open, c.setting());
                    open.push(b',');
                    key(&mut open, field, "weight");
                    uint(&mut open, c.weight());
                    open.push(b',');
                    key(&mut open, field, "range");
                    uint(&mut open, c.range());
                    open.push(b',');
                    key(&mut open, field, "badness");
                    let row = (c.row, depth, open);
                    if i < self.cache.len() {
                        self.cache[i] = row;
                    } else {
                        self.cache.push(row);
                    }
                }
                out.extend_from_slice(&self.cache[i].2);
                match c.badness {
                    Some(b) => uint(out, b),
                    None => out.extend_from_slice(b"null"),
                }
                out.push(b',');
                key(out, field, "pass");
                out.extend_from_slice(match c.pass() {
                    Some(true) => b"true",
                    Some(false) => b"false",
                    None => b"null",
                });
                indent(out, item);
                out.push(b'}');
            }
            indent(out, inner);
            out.push(b']');
        }
        indent(out, depth);
        out.push(b'}');
    }
}

/// Append `score` as serde_json's pretty form of the object nested `depth` spaces deep (see
/// [`Writer::write`]; use a [`Writer`] for many units).
pub fn write_pretty(score: &UnitScore, depth: usize, out: &mut Vec<u8>) {
    Writer::new().write(score, depth, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use nixsec_core::Root;

    fn serde_nested(score: &UnitScore, depth: usize) -> Vec<u8> {
        // serde's pretty form, re-indented by `depth` (it writes the object at depth 0).
        let flat = nixsec_core::json::to_vec_pretty(score).expect("serde");
        let mut out = Vec::new();
        for &b in &flat {
            out.push(b);
            if b == b'\n' {
                out.resize(out.len() + depth, b' ');
            }
        }
        out
    }

    #[test]
    fn byte_identical_to_serde() {
        let t = tempfile::tempdir().expect("tempdir");
        let dir = t.path().join("etc/systemd/system");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let units = [
            ("plain.service", "[Service]\nExecStart=/bin/a\n"),
            (
                "hard.service",
                "[Service]\nExecStart=/bin/b\nDynamicUser=yes\nPrivateTmp=yes\nProtectSystem=strict\nProtectHome=yes\nCapabilityBoundingSet=\nSystemCallFilter=@system-service\nRestrictAddressFamilies=AF_UNIX\nPrivateNetwork=yes\n",
            ),
        ];
        for (name, text) in units {
            std::fs::write(dir.join(name), text).expect("unit");
        }
        let root = Root::new(t.path()).expect("root");
        // One writer for all: its cache must not leak one unit's checks into another's.
        let mut w = Writer::new();
        for (name, _) in units {
            let s = crate::score_unit(&root, name).expect("scored");
            for depth in [0, 4] {
                let mut cached = Vec::new();
                w.write(&s, depth, &mut cached);
                assert_eq!(cached, serde_nested(&s, depth), "{name} at depth {depth}");
                let mut ours = Vec::new();
                write_pretty(&s, depth, &mut ours);
                assert_eq!(
                    String::from_utf8(ours).expect("utf8"),
                    String::from_utf8(serde_nested(&s, depth)).expect("utf8"),
                    "{name} at depth {depth}"
                );
            }
        }
        // A name that needs escaping (units cannot be named so, but the writer must not care).
        let mut odd = crate::score_unit(&root, "plain.service").expect("scored");
        odd.unit = "we\"ird\\na\u{1b}me.service".into();
        let mut ours = Vec::new();
        write_pretty(&odd, 4, &mut ours);
        assert_eq!(ours, serde_nested(&odd, 4));
        let mut empty = odd;
        empty.checks.clear();
        empty.exposure = 10.0;
        let mut ours = Vec::new();
        write_pretty(&empty, 0, &mut ours);
        assert_eq!(ours, serde_nested(&empty, 0));
    }
}
