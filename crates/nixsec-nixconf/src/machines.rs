//! Remote builders: the `builders` setting and `/etc/nix/machines` files.
//!
//! Nix splits `builders` on `;` and newlines; an item starting with `@` names a file read the
//! same way. Each builder line is whitespace-separated: store URI, systems, SSH key, max jobs,
//! speed factor, supported features, mandatory features, and the base64 public host key (the
//! eighth field); `-` or a missing field means the default. A URI without a scheme is
//! `ssh://` (the legacy form).

use std::path::Path;

use base64::Engine;
use nixsec_core::root::display_inner;
use nixsec_core::{Root, RootError};

/// Nix's default: `builders = @/etc/nix/machines`.
pub const DEFAULT_BUILDERS: &str = "@/etc/nix/machines";

/// One remote builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Builder {
    /// The store URI, with `ssh://` added when the line had no scheme.
    pub uri: String,
    /// The eighth field, when present and not `-`.
    pub public_host_key: Option<String>,
    /// Where the line is: a file inside the root and a line, or the nix.conf setting.
    pub path: String,
    /// 1-based line, for builders read from a file.
    pub line: Option<u32>,
}

impl Builder {
    /// The host name of an `ssh://`/`ssh-ng://` URI (`user@host:port` reduced to `host`).
    #[must_use]
    pub fn host(&self) -> Option<&str> {
        let rest = self.uri.split_once("://").map(|(_, r)| r)?;
        let authority = rest.split(['/', '?']).next().unwrap_or(rest);
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = if let Some(h) = host.strip_prefix('[') {
            h.split(']').next().unwrap_or(h)
        } else {
            host.split(':').next().unwrap_or(host)
        };
        (!host.is_empty()).then_some(host)
    }

    /// True for builders reached over the network (not the local store or daemon).
    #[must_use]
    pub fn is_remote(&self) -> bool {
        let scheme = self
            .uri
            .split_once("://")
            .map_or(self.uri.as_str(), |(s, _)| s);
        !matches!(scheme, "local" | "daemon" | "auto" | "unix" | "file")
    }

    /// Does the host key decode as base64 to something that looks like an OpenSSH public key
    /// line (`ssh-ed25519 AAAA...`)?
    #[must_use]
    pub fn host_key_is_valid(&self) -> bool {
        let Some(k) = &self.public_host_key else {
            return false;
        };
        match base64::engine::general_purpose::STANDARD.decode(k.trim()) {
            Ok(bytes) => std::str::from_utf8(&bytes)
                .map(|s| {
                    let mut it = s.split_whitespace();
                    matches!((it.next(), it.next()), (Some(t), Some(_)) if t.starts_with("ssh-") || t.starts_with("ecdsa-") || t.starts_with("sk-"))
                })
                .unwrap_or(false),
            Err(_) => false,
        }
    }
}

/// A problem reading the builders.
#[derive(Debug, thiserror::Error)]
pub enum MachinesError {
    /// A machines file could not be read.
    #[error(transparent)]
    Read(#[from] RootError),
    /// Too deep `@file` nesting.
    #[error("`{0}`: machines files include each other too deeply (a loop?)")]
    Loop(String),
}

impl MachinesError {
    /// True when a machines file (or a parent directory) does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, MachinesError::Read(e) if e.is_not_found())
    }
}

/// All builders configured by a `builders` value (as in nix.conf, or the default).
///
/// A missing machines file named by the default value means "no builders" (Nix ignores it).
///
/// # Errors
/// An unreadable machines file, a nesting loop.
pub fn parse_builders(
    root: &Root,
    value: &str,
    setting_path: &str,
) -> Result<Vec<Builder>, MachinesError> {
    let mut out = Vec::new();
    parse_into(root, value, setting_path, None, &mut out, 0)?;
    Ok(out)
}

fn parse_into(
    root: &Root,
    text: &str,
    path: &str,
    file_lines: Option<()>,
    out: &mut Vec<Builder>,
    depth: usize,
) -> Result<(), MachinesError> {
    if depth > 8 {
        return Err(MachinesError::Loop(path.to_string()));
    }
    // Line numbers only make sense in a file; `;` items of a setting share its line.
    for (i, line) in text.split('\n').enumerate() {
        for item in line.split(';') {
            let item = item.split('#').next().unwrap_or("").trim();
            if item.is_empty() {
                continue;
            }
            if let Some(file) = item.strip_prefix('@') {
                let file = file.trim();
                match root.read_to_string(Path::new(file)) {
                    Ok((r, t)) => {
                        let _ = r;
                        parse_into(
                            root,
                            &t,
                            &display_inner(Path::new(file)),
                            Some(()),
                            out,
                            depth + 1,
                        )?;
                    }
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e.into()),
                }
                continue;
            }
            let fields: Vec<&str> = item.split_whitespace().collect();
            let Some(first) = fields.first() else {
                continue;
            };
            let uri = if first.contains("://")
                || *first == "local"
                || *first == "auto"
                || *first == "daemon"
            {
                (*first).to_string()
            } else {
                format!("ssh://{first}")
            };
            let key = fields
                .get(7)
                .filter(|k| **k != "-" && !k.is_empty())
                .map(|k| (*k).to_string());
            out.push(Builder {
                uri,
                public_host_key: key,
                path: path.to_string(),
                line: file_lines.map(|()| u32::try_from(i + 1).unwrap_or(u32::MAX)),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root_with(files: &[(&str, &str)]) -> (nixsec_testutil::RootBuilder, Root) {
        let b = files
            .iter()
            .fold(nixsec_testutil::RootBuilder::new(), |b, (p, c)| {
                b.file(p, c)
            });
        let r = b.root();
        (b, r)
    }

    #[test]
    fn machines_file_fields() {
        let key = base64::engine::general_purpose::STANDARD
            .encode("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample root@b");
        let text = format!(
            "# builders\nssh://nix@builder1 x86_64-linux /root/.ssh/id - 1 big-parallel - {key}\nbuilder2.example.org x86_64-linux,aarch64-linux\n\nssh-ng://[2001:db8::1]:22 x86_64-linux - 4 1 - - -\n"
        );
        let (_t, root) = root_with(&[("/etc/nix/machines", &text)]);
        let b = parse_builders(&root, DEFAULT_BUILDERS, "/etc/nix/nix.conf").expect("parse");
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].host(), Some("builder1"));
        assert!(b[0].host_key_is_valid());
        assert_eq!(b[0].line, Some(2));
        assert_eq!(b[1].uri, "ssh://builder2.example.org");
        assert_eq!(b[1].public_host_key, None);
        assert_eq!(b[2].host(), Some("2001:db8::1"));
        assert_eq!(b[2].public_host_key, None);
    }

    #[test]
    fn inline_builders_and_missing_default_file() {
        let (_t, root) = root_with(&[]);
        assert!(parse_builders(&root, DEFAULT_BUILDERS, "x")
            .expect("none")
            .is_empty());
        let b = parse_builders(
            &root,
            "ssh://a x86_64-linux ; ssh://b x86_64-linux - - - - - bm90LWEta2V5",
            "/etc/nix/nix.conf",
        )
        .expect("inline");
        assert_eq!(b.len(), 2);
        assert!(!b[1].host_key_is_valid(), "not an ssh key line");
        assert!(b[1].public_host_key.is_some());
    }

    #[test]
    fn local_stores_are_not_remote() {
        let b = Builder {
            uri: "local".into(),
            public_host_key: None,
            path: String::new(),
            line: None,
        };
        assert!(!b.is_remote());
    }
}
