//! The `.drv` ATerm format:
//! `Derive([outputs],[inputDrvs],[inputSrcs],"system","builder",[args],[env])`.
//!
//! Only what Nix writes is accepted: strings with the escapes `\" \\ \n \r \t`, lists in
//! brackets and tuples in parentheses. Anything else is an error naming the byte offset.

use std::collections::BTreeMap;

/// A parsed derivation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Derivation {
    /// Outputs: name → (path, hash algorithm, hash).
    pub outputs: BTreeMap<String, (String, String, String)>,
    /// Input derivations → the outputs used.
    pub input_drvs: BTreeMap<String, Vec<String>>,
    /// Input sources (store paths).
    pub input_srcs: Vec<String>,
    /// `system`.
    pub system: String,
    /// `builder`.
    pub builder: String,
    /// Builder arguments.
    pub args: Vec<String>,
    /// Environment.
    pub env: BTreeMap<String, String>,
}

/// Why a `.drv` could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a derivation in ATerm format: {0}")]
pub struct AtermError(pub String);

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn err<T>(&self, what: &str) -> Result<T, AtermError> {
        Err(AtermError(format!("{what} at byte {}", self.i)))
    }
    fn eat(&mut self, lit: &[u8]) -> Result<(), AtermError> {
        if self.s[self.i..].starts_with(lit) {
            self.i += lit.len();
            Ok(())
        } else {
            self.err(&format!("expected `{}`", String::from_utf8_lossy(lit)))
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn string(&mut self) -> Result<String, AtermError> {
        self.eat(b"\"")?;
        let mut out = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return self.err("unterminated string");
            };
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return self.err("unterminated string");
                    };
                    self.i += 1;
                    out.push(match e {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        other => other,
                    });
                }
                other => out.push(other),
            }
        }
        String::from_utf8(out).or_else(|_| self.err("string is not UTF-8"))
    }
    /// `[item,item,...]`.
    fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, AtermError>,
    ) -> Result<Vec<T>, AtermError> {
        self.eat(b"[")?;
        let mut out = Vec::new();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(out);
        }
        loop {
            out.push(item(self)?);
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(out);
                }
                _ => return self.err("expected `,` or `]`"),
            }
        }
    }
    fn strings(&mut self) -> Result<Vec<String>, AtermError> {
        self.list(P::string)
    }
}

/// Parse the text of a `.drv` file.
///
/// # Errors
/// Text that is not a derivation in ATerm form.
pub fn parse(text: &[u8]) -> Result<Derivation, AtermError> {
    let mut p = P { s: text, i: 0 };
    p.eat(b"Derive(")?;
    let outputs = p.list(|p| {
        p.eat(b"(")?;
        let name = p.string()?;
        p.eat(b",")?;
        let path = p.string()?;
        p.eat(b",")?;
        let algo = p.string()?;
        p.eat(b",")?;
        let hash = p.string()?;
        p.eat(b")")?;
        Ok((name, (path, algo, hash)))
    })?;
    p.eat(b",")?;
    let input_drvs = p.list(|p| {
        p.eat(b"(")?;
        let path = p.string()?;
        p.eat(b",")?;
        let outs = p.strings()?;
        p.eat(b")")?;
        Ok((path, outs))
    })?;
    p.eat(b",")?;
    let input_srcs = p.strings()?;
    p.eat(b",")?;
    let system = p.string()?;
    p.eat(b",")?;
    let builder = p.string()?;
    p.eat(b",")?;
    let args = p.strings()?;
    p.eat(b",")?;
    let env = p.list(|p| {
        p.eat(b"(")?;
        let k = p.string()?;
        p.eat(b",")?;
        let v = p.string()?;
        p.eat(b")")?;
        Ok((k, v))
    })?;
    p.eat(b")")?;
    while p.peek().is_some_and(|c| c.is_ascii_whitespace()) {
        p.i += 1;
    }
    if p.i != text.len() {
        return p.err("trailing data");
    }
    Ok(Derivation {
        outputs: outputs.into_iter().collect(),
        input_drvs: input_drvs.into_iter().collect(),
        input_srcs,
        system,
        builder,
        args,
        env: env.into_iter().collect(),
    })
}

/// What a CVE scanner needs from a derivation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrvInfo {
    /// `name` (from `__json` under structured attrs).
    pub name: String,
    /// `pname`, if set.
    pub pname: Option<String>,
    /// `version`, if set.
    pub version: Option<String>,
    /// The patch names (store paths or file names).
    pub patches: Vec<String>,
}

impl Derivation {
    /// Name, pname, version and patches, from the environment or, with
    /// `__structuredAttrs`, from `__json`.
    #[must_use]
    pub fn info(&self) -> DrvInfo {
        if let Some(json) = self.env.get("__json") {
            if let Ok(serde_json::Value::Object(m)) = serde_json::from_str(json) {
                let s = |k: &str| m.get(k).and_then(|v| v.as_str()).map(str::to_string);
                let patches = match m.get("patches") {
                    Some(serde_json::Value::Array(a)) => a
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    Some(serde_json::Value::String(s)) => {
                        s.split_whitespace().map(str::to_string).collect()
                    }
                    _ => Vec::new(),
                };
                return DrvInfo {
                    name: s("name").unwrap_or_default(),
                    pname: s("pname"),
                    version: s("version"),
                    patches,
                };
            }
        }
        let g = |k: &str| self.env.get(k).cloned();
        DrvInfo {
            name: g("name").unwrap_or_default(),
            pname: g("pname"),
            version: g("version"),
            patches: self
                .env
                .get("patches")
                .map(|p| p.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DRV: &str = r#"Derive([("out","/nix/store/aaaa-openssl-3.0.8","","")],[("/nix/store/bbbb-CVE-2023-0464.patch.drv",["out"]),("/nix/store/cccc-openssl-3.0.8.tar.gz.drv",["out"])],["/nix/store/dddd-x"],"x86_64-linux","/bin/sh",["-c","echo \"$name\"\n\\ \t"],[("name","openssl-3.0.8"),("out","/nix/store/aaaa-openssl-3.0.8"),("patches","/nix/store/eeee-CVE-2023-0464.patch"),("pname","openssl"),("version","3.0.8")])"#;

    #[test]
    fn parses_a_derivation() {
        let d = parse(DRV.as_bytes()).expect("test");
        assert_eq!(d.outputs["out"].0, "/nix/store/aaaa-openssl-3.0.8");
        assert_eq!(d.input_drvs.len(), 2);
        assert_eq!(d.input_srcs, ["/nix/store/dddd-x"]);
        assert_eq!(d.args[1], "echo \"$name\"\n\\ \t");
        let i = d.info();
        assert_eq!(i.name, "openssl-3.0.8");
        assert_eq!(i.pname.as_deref(), Some("openssl"));
        assert_eq!(i.patches, ["/nix/store/eeee-CVE-2023-0464.patch"]);
    }

    #[test]
    fn structured_attrs() {
        let drv = r#"Derive([("out","/nix/store/a-x-1","","")],[],[],"x","/bin/bash",[],[("__json","{\"name\":\"x-1\",\"pname\":\"x\",\"version\":\"1\",\"patches\":[\"/nix/store/p-CVE-2024-1.patch\"]}"),("out","/nix/store/a-x-1")])"#;
        let i = parse(drv.as_bytes()).expect("test").info();
        assert_eq!(i.name, "x-1");
        assert_eq!(i.patches, ["/nix/store/p-CVE-2024-1.patch"]);
    }

    #[test]
    fn rejects_what_is_not_aterm() {
        assert!(parse(b"").is_err());
        assert!(parse(b"{\"json\": 1}").is_err());
        assert!(parse(&DRV.as_bytes()[..DRV.len() - 10]).is_err());
        let e = parse(b"Derive([(\"out\",").expect_err("test");
        assert!(e.0.contains("byte"), "{e}");
        assert!(parse(format!("{DRV}x").as_bytes()).is_err());
    }
}
