//! nix.conf and machines-file parsing with provenance, as Nix reads them.
//!
//! Nix's reader (`applyConfig` in libutil) splits the file on `\n`, cuts each line at the first
//! `#`, splits it on spaces, tabs and carriage returns, and then wants either `include PATH`,
//! `!include PATH` or `NAME = VALUE...`. Nix has no line continuation: a trailing `\` is part
//! of the value. A line that does not fit makes Nix refuse to start, so it is an error here
//! too. `extra-NAME` appends to a list setting; a plain `NAME` replaces what came before.
#![deny(missing_docs)]

pub mod machines;

use std::path::{Path, PathBuf};

use nixsec_core::root::display_inner;
use nixsec_core::{Evidence, Root, RootError};

/// The system nix.conf inside the root.
pub const NIX_CONF: &str = "/etc/nix/nix.conf";

/// The key Nix trusts when `trusted-public-keys` is unset.
pub const DEFAULT_TRUSTED_KEY: &str =
    "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=";

/// Nix stops nowhere on an include cycle; we stop at this depth.
const MAX_INCLUDE_DEPTH: usize = 16;

/// A problem that stops Nix from reading its configuration, or stops us.
#[derive(Debug, thiserror::Error)]
pub enum NixConfError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] RootError),
    /// A line Nix would reject.
    #[error("`{path}`: line {line}: {message}")]
    Syntax {
        /// The file (inside the root).
        path: String,
        /// 1-based line.
        line: u32,
        /// What is wrong.
        message: String,
    },
}

impl NixConfError {
    /// True when the file (or a parent directory) does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, NixConfError::Read(e) if e.is_not_found())
    }
}

/// One `NAME = VALUE` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Setting name without `extra-`.
    pub name: String,
    /// Written as `extra-NAME`.
    pub append: bool,
    /// The value: the tokens after `=` joined by one space, as Nix does.
    pub value: String,
    /// File the line is in (inside the root, as included, before following links).
    pub path: String,
    /// 1-based line.
    pub line: u32,
}

impl Entry {
    /// Evidence pointing at this line, showing it as written (normalised spacing).
    #[must_use]
    pub fn evidence(&self) -> Evidence {
        let name = if self.append {
            format!("extra-{}", self.name)
        } else {
            self.name.clone()
        };
        Evidence::line(
            self.path.clone(),
            self.line,
            format!("{name} = {}", self.value),
        )
    }
}

/// The effective value of one setting and the lines it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<'a> {
    /// Whitespace-separated items (for list settings) in order.
    pub items: Vec<String>,
    /// The lines that produced the value: the last plain assignment and the `extra-` lines
    /// after it.
    pub sources: Vec<&'a Entry>,
}

impl Setting<'_> {
    /// The value as one string (items joined by a space), as Nix sees a scalar.
    #[must_use]
    pub fn value(&self) -> String {
        self.items.join(" ")
    }

    /// Evidence for every contributing line.
    #[must_use]
    pub fn evidence(&self) -> Vec<Evidence> {
        self.sources.iter().map(|e| e.evidence()).collect()
    }

    /// Evidence for the contributing lines whose own items satisfy `pred`.
    #[must_use]
    pub fn evidence_for(&self, pred: impl Fn(&str) -> bool) -> Vec<Evidence> {
        self.sources
            .iter()
            .filter(|e| e.value.split_whitespace().any(&pred))
            .map(|e| e.evidence())
            .collect()
    }
}

/// A value Nix would reject for a typed setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadValue {
    /// Human message naming the file, line, setting and value.
    pub message: String,
    /// Where.
    pub evidence: Vec<Evidence>,
}

/// A parsed nix.conf with its includes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NixConf {
    /// Settings in the order Nix applies them.
    pub entries: Vec<Entry>,
    /// Files read (inside the root), main file first.
    pub files: Vec<String>,
    /// Included files that exist but could not be read (Nix skips these silently; we
    /// cannot tell what they set).
    pub unreadable: Vec<String>,
}

/// Nix's `BaseSetting<bool>::parse`.
#[must_use]
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

fn is_nix_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

impl NixConf {
    /// Read `path` (normally [`NIX_CONF`]) and its includes under `root`. `Ok(None)` when the
    /// file does not exist (Nix then uses its defaults).
    ///
    /// # Errors
    /// An unreadable main file, a file that is not text, a line Nix rejects, a missing
    /// `include`, an include loop.
    pub fn load(root: &Root, path: &str) -> Result<Option<NixConf>, NixConfError> {
        if !root.try_exists(path)? {
            return Ok(None);
        }
        let mut conf = NixConf::default();
        let (_, text) = root.read_to_string(path)?;
        conf.apply(Some(root), &text, Path::new(path), 0)?;
        Ok(Some(conf))
    }

    /// Parse `text` as the content of `path`; any include line is an error (no root to read it).
    ///
    /// # Errors
    /// A line Nix rejects, or an include.
    pub fn parse_str(text: &str, path: &str) -> Result<NixConf, NixConfError> {
        let mut conf = NixConf::default();
        conf.apply(None, text, Path::new(path), 0)?;
        Ok(conf)
    }

    /// Apply one file's lines in order; an include is read at its line, as Nix does.
    fn apply(
        &mut self,
        root: Option<&Root>,
        text: &str,
        path: &Path,
        depth: usize,
    ) -> Result<(), NixConfError> {
        let shown = display_inner(path);
        self.files.push(shown.clone());
        let dir = path.parent().unwrap_or(Path::new("/"));
        for (i, raw) in text.split('\n').enumerate() {
            let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let line = raw.split('#').next().unwrap_or("");
            let tokens: Vec<&str> = line.split(is_nix_space).filter(|t| !t.is_empty()).collect();
            if tokens.is_empty() {
                continue;
            }
            let syntax = |message: String| NixConfError::Syntax {
                path: shown.clone(),
                line: line_no,
                message,
            };
            let illegal = || {
                syntax(format!(
                    "illegal configuration line `{}` (Nix refuses to start)",
                    nixsec_core::escape(line.trim())
                ))
            };
            if tokens.len() < 2 {
                return Err(illegal());
            }
            if tokens[0] == "include" || tokens[0] == "!include" {
                if tokens.len() != 2 {
                    return Err(illegal());
                }
                // Relative to the including file's directory as written: Nix's absPath does
                // not follow links, so `/etc/nix/nix.conf -> /nix/store/...` still includes
                // relative to `/etc/nix`.
                let target: PathBuf =
                    nixsec_core::root::inner_join(dir, std::ffi::OsStr::new(tokens[1]));
                let optional = tokens[0] == "!include";
                let target_shown = display_inner(&target);
                let Some(root) = root else {
                    return Err(syntax(format!(
                        "include of `{target_shown}` cannot be followed here"
                    )));
                };
                if depth + 1 > MAX_INCLUDE_DEPTH {
                    return Err(syntax(format!(
                        "includes nested deeper than {MAX_INCLUDE_DEPTH} at `{target_shown}` (an include loop)"
                    )));
                }
                match root.try_exists(&target) {
                    Ok(true) => match root.read_to_string(&target) {
                        Ok((_, inc_text)) => {
                            self.apply(Some(root), &inc_text, &target, depth + 1)?
                        }
                        // Nix skips an included file it cannot read; we cannot see its settings.
                        Err(e) => self.unreadable.push(e.to_string()),
                    },
                    Ok(false) if optional => {}
                    Ok(false) => {
                        return Err(syntax(format!(
                            "included file `{target_shown}` not found (Nix refuses to start)"
                        )))
                    }
                    Err(e) => return Err(e.into()),
                }
                continue;
            }
            if tokens[1] != "=" {
                return Err(illegal());
            }
            let (name, append) = match tokens[0].strip_prefix("extra-") {
                Some(n) => (n.to_string(), true),
                None => (tokens[0].to_string(), false),
            };
            self.entries.push(Entry {
                name,
                append,
                value: tokens[2..].join(" "),
                path: shown.clone(),
                line: line_no,
            });
        }
        Ok(())
    }

    /// The effective value of `name`, or `None` when no line sets it (the default applies).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<Setting<'_>> {
        let mut out: Option<Setting<'_>> = None;
        for e in self.entries.iter().filter(|e| e.name == name) {
            let items = e.value.split_whitespace().map(str::to_string);
            match (&mut out, e.append) {
                (Some(s), true) => {
                    s.items.extend(items);
                    s.sources.push(e);
                }
                _ => {
                    out = Some(Setting {
                        items: items.collect(),
                        sources: vec![e],
                    })
                }
            }
        }
        out
    }

    /// A list setting with Nix's default: `extra-NAME` lines before any plain `NAME` append to
    /// `default` (Nix starts from the default value), and with no line at all the items are
    /// `default` and `sources` is empty.
    #[must_use]
    pub fn list<'a>(conf: Option<&'a NixConf>, name: &str, default: &[&str]) -> Setting<'a> {
        let mut out = match conf.and_then(|c| c.get(name)) {
            Some(s) => s,
            None => Setting {
                items: Vec::new(),
                sources: Vec::new(),
            },
        };
        if out.sources.first().is_none_or(|e| e.append) {
            let mut items: Vec<String> = default.iter().map(|d| (*d).to_string()).collect();
            items.append(&mut out.items);
            out.items = items;
        }
        out
    }

    /// A boolean setting as Nix parses it; `Ok(None)` when unset.
    ///
    /// # Errors
    /// A value Nix rejects (Nix would refuse to start).
    pub fn bool(&self, name: &str) -> Result<Option<(bool, Setting<'_>)>, BadValue> {
        let Some(s) = self.get(name) else {
            return Ok(None);
        };
        let v = s.value();
        match parse_bool(&v) {
            Some(b) if !s.sources.iter().any(|e| e.append) => Ok(Some((b, s))),
            _ => {
                let at = s
                    .sources
                    .last()
                    .map(|e| format!("`{}`: line {}: ", e.path, e.line))
                    .unwrap_or_default();
                Err(BadValue {
                    message: format!(
                        "{at}`{name}` has the value `{}`, which Nix does not accept for a Boolean (true/yes/1, false/no/0)",
                        nixsec_core::escape(&v)
                    ),
                    evidence: s.evidence(),
                })
            }
        }
    }
}

/// The effective system nix.conf of a root, loaded once per audit.
#[derive(Debug)]
pub enum SystemConf {
    /// No `/etc/nix/nix.conf`: Nix's built-in defaults apply.
    Absent,
    /// Parsed.
    Present(NixConf),
    /// Nix could not start with this file, or we could not read it.
    Broken(NixConfError),
}

impl SystemConf {
    /// Load [`NIX_CONF`] under `root`.
    #[must_use]
    pub fn load(root: &Root) -> SystemConf {
        match NixConf::load(root, NIX_CONF) {
            Ok(None) => SystemConf::Absent,
            Ok(Some(c)) => SystemConf::Present(c),
            Err(e) => SystemConf::Broken(e),
        }
    }
}

#[cfg(test)]
mod tests;
